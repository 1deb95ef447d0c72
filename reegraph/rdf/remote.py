"""A remote SPARQL 1.1 endpoint behind the same :class:`~reegraph.rdf.store.Store` seam as the
embedded store (``--endpoint URL`` or ``REEGRAPH_ENDPOINT``), and ``reegraph push`` through the Graph
Store Protocol.

The endpoint must show the pushed data in its default graph (push without ``--graph``, or run the
server with the default graph as the union of all graphs: ``oxigraph serve --union-default-graph``).
Parameters reach a remote query as they reach the embedded store: a ``VALUES`` block written by
:func:`reegraph.rdf.sparql.with_values` (checked IRIs, escaped literals, never raw text), placed at
the start of the query's WHERE clause. Answers are read as SPARQL JSON results or N-Triples and
normalised (Virtuoso's ``typed-literal`` and boolean ``1``), so every face gives what the embedded
store gives.
"""

from __future__ import annotations

import contextlib
import html
import http.client
import json
import re
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator, Mapping, Sequence
from email.message import Message
from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from reegraph.errors import ExecutionError, InputError, ReegraphError
from reegraph.rdf.load import is_file
from reegraph.rdf.sparql import ALL_TRIPLES, COUNT_TRIPLES, check_query, columns, query_form, with_values
from reegraph.rdf.store import (
    MEDIA,
    AnswerTooLargeError,
    Row,
    Term,
    Values,
    parse_rdflib,
    read_json_values,
    reserialize,
)

#: Media types some endpoints send for the one asked for (Virtuoso's text/plain N-Triples).
_ALIASES = {"application/sparql-results+json": "application/json", "application/n-triples": "text/plain"}
_JSON = MEDIA["json"]
_NTRIPLES = MEDIA["n-triples"]
_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_TYPES = ("uri", "literal", "typed-literal", "bnode")
_TAGS = re.compile(r"<(script|style|title|head)\b.*?</\1>|<[^>]*>", re.DOTALL | re.IGNORECASE)


class RemoteStore:
    """A SPARQL 1.1 endpoint, read through the SPARQL Protocol (POST, form-encoded)."""

    def __init__(self, url: str, *, timeout: float | None = 60.0) -> None:
        self.url, self.timeout = check_url(url, "--endpoint"), timeout

    def _request(
        self, query: str, accept: str, bindings: Mapping[str, Node] | None, *, timeout: float | None
    ) -> tuple[bytes, str]:
        """The endpoint's answer to ``query`` in the media type ``accept``, and its media type,
        waiting at most ``timeout`` seconds (``None``: no limit).

        Raises
        ------
        InputError
            The query is refused (:func:`~reegraph.rdf.sparql.check_query`) or a parameter cannot
            be written.
        ExecutionError
            The endpoint cannot be reached, answers with an error, times out, or says its results
            are incomplete (Virtuoso's ``X-SQL-State`` header).
        """
        check_query(query)
        body = urllib.parse.urlencode({"query": with_values(query, bindings or {})}).encode("utf-8")
        request = urllib.request.Request(
            self.url, data=body, headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}
        )
        return _exchange(request, self.url, timeout, accept=accept)

    def select(self, query: str, *, bindings: Mapping[str, Node] | None = None) -> list[Row]:
        """Run a SELECT query; rows map variable names to rdflib terms."""
        data = self._results(self._request(query, _JSON, bindings, timeout=self.timeout)[0])
        missing = set(columns(query)) - set(data["head"]["vars"])
        if missing:
            raise ExecutionError(f"{self.url} answered without the columns {', '.join(sorted(missing))}")
        with self._reading():
            return [{k: _term(v) for k, v in row.items()} for row in data["results"]["bindings"]]

    def values(self, query: str, *, bindings: Mapping[str, Node] | None = None) -> list[Values]:
        """Run a SELECT query; rows hold each term's string value (read from JSON results: CSV
        loses the datatypes that say how a value is written, such as Virtuoso's booleans 1 and 0)."""
        with self._reading():
            rows = read_json_values(self._results(self._request(query, _JSON, bindings, timeout=self.timeout)[0]))
        missing = set(columns(query)) - set(rows[0]) if rows else set()
        if missing:
            raise ExecutionError(f"{self.url} answered without the columns {', '.join(sorted(missing))}")
        return rows

    def values_many(self, queries: Sequence[str]) -> Iterator[list[Values]]:
        """:meth:`values` of each query, in order."""
        return (self.values(q) for q in queries)

    def ask(self, query: str, *, bindings: Mapping[str, Node] | None = None) -> bool:
        """Run an ASK query."""
        return self._results(self._request(query, _JSON, bindings, timeout=self.timeout)[0], expect="boolean")[
            "boolean"
        ]

    def construct(self, query: str, *, bindings: Mapping[str, Node] | None = None) -> Graph:
        """Run a CONSTRUCT or DESCRIBE query into an rdflib graph backed by Oxigraph (so its literals
        compare as the embedded store's do: ``"AU"`` equals ``"AU"^^xsd:string``)."""
        return parse_rdflib(self._request(query, _NTRIPLES, bindings, timeout=self.timeout)[0])

    def evaluate(
        self,
        query: str,
        *,
        bindings: Mapping[str, Node] | None = None,
        results: str = "json",
        graph: str = "turtle",
        timeout: float | None = None,
        max_bytes: int | None = None,
    ) -> tuple[str, bytes]:
        """Run any query at the endpoint (see :meth:`~reegraph.rdf.store.Store.evaluate`): its
        answer is read as SPARQL JSON results or N-Triples and written out as the embedded store
        writes it, so both give the same bytes whatever the server's own dialect of each format.
        The endpoint enforces its own limits; this client waits ``timeout`` seconds."""
        graphs = query_form(query) in ("CONSTRUCT", "DESCRIBE")  # (Virtuoso answers them as tables in JSON)
        data, media = self._request(query, _NTRIPLES if graphs else _JSON, bindings, timeout=timeout)
        if media == _JSON:
            kind, fmt = "results", results
            data = json.dumps(self._results(data, expect="any")).encode("utf-8")
        else:
            kind, fmt = "graph", graph
        data = reserialize(data, kind=kind, fmt=fmt)
        if max_bytes is not None and len(data) > max_bytes:
            raise AnswerTooLargeError(f"the answer is over the limit of {max_bytes:,} bytes: add a LIMIT")
        return kind, data

    def _results(self, data: bytes, *, expect: str = "table") -> dict:
        """SPARQL JSON results, checked for their shape: ``expect`` is ``"table"`` (variables and
        their bindings), ``"boolean"`` or ``"any"``.

        Raises
        ------
        ExecutionError
            ``data`` is not SPARQL JSON results of that shape.
        """
        with self._reading():
            results = json.loads(data)
            if isinstance(results.get("boolean"), bool):
                if expect != "table":
                    return results
            elif expect != "boolean":
                names, rows = results["head"]["vars"], results["results"]["bindings"]
                if all(isinstance(n, str) for n in names) and all(
                    isinstance(v, dict) and isinstance(v.get("value"), str) and v.get("type") in _TYPES
                    for row in rows
                    for v in row.values()
                ):
                    results["results"]["bindings"] = [{k: _w3c(v) for k, v in row.items()} for row in rows]
                    return results
        raise ExecutionError(f"{self.url} sent an answer that is not SPARQL JSON results ({expect})")

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """Turn an answer that is not what SPARQL promises into one clear error."""
        try:
            yield
        except ReegraphError:
            raise
        except Exception as exc:
            raise ExecutionError(f"{self.url} sent an answer reegraph cannot read ({type(exc).__name__}: "
                                 f"{str(exc)[:200]})") from None  # fmt: skip

    def graphs_of(self, subjects: Iterable[URIRef]) -> dict[URIRef, list[str]]:
        """The endpoint's graphs are not files reegraph loaded: findings name no file."""
        return {}

    def to_rdflib(self) -> Graph:
        """Every triple of the endpoint's default graph, copied into an rdflib graph (for SHACL).

        Raises
        ------
        ExecutionError
            The endpoint sent fewer triples than it holds (a server-side row limit, such as
            Virtuoso's ``ResultSetMaxRows``, cuts answers without saying so).
        """
        graph, held = self.construct(ALL_TRIPLES), len(self)
        if len(graph) < held:
            raise ExecutionError(f"{self.url} sent {len(graph):,} of its {held:,} triples: raise the server's "
                                 "limit on result rows (Virtuoso: ResultSetMaxRows in virtuoso.ini)")  # fmt: skip
        return graph

    def __len__(self) -> int:
        with self._reading():
            rows = self.values(COUNT_TRIPLES)
            return int(rows[0]["n"] or 0) if rows else 0


def check_url(url: str, option: str) -> str:
    """``url`` if it is an http(s) URL with a host (and a valid port).

    Raises
    ------
    InputError
        Any other URL (``file:``, no host, a bad port), named with its option.
    """
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError on a bad port
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError(f"{option}: {url!r} is not an http:// or https:// URL")
    if any(ord(c) <= 32 or ord(c) == 127 for c in url):
        raise InputError(f"{option}: {url!r} contains spaces or control characters")
    return url


def _w3c(value: dict[str, Any]) -> dict[str, Any]:
    """One term of SPARQL JSON results as the W3C format writes it: Virtuoso's ``typed-literal`` is
    a ``literal``, its booleans ``1`` and ``0`` are ``true`` and ``false`` (the canonical forms), and
    keys the format does not define are dropped."""
    kind = "literal" if value["type"] == "typed-literal" else value["type"]
    term = {"type": kind, "value": value["value"]}
    if kind == "bnode":  # a label, whatever the server writes (Virtuoso: nodeID://b10005)
        term["value"] = re.sub(r"[^A-Za-z0-9_]", "_", value["value"].removeprefix("nodeID://")) or "b"
    if isinstance(value.get("xml:lang"), str):
        term["xml:lang"] = value["xml:lang"]
    elif isinstance(value.get("datatype"), str):
        term["datatype"] = value["datatype"]
        if value["datatype"] == _BOOLEAN:
            term["value"] = {"1": "true", "0": "false"}.get(value["value"], value["value"])
    return term


def _term(value: dict[str, Any]) -> Term:
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    return Literal(value["value"], lang=value.get("xml:lang"), datatype=value.get("datatype"))


def store_url(endpoint: str) -> str:
    """The Graph Store Protocol URL next to a query endpoint: Oxigraph's layout (``/query`` and
    ``/store``), Virtuoso's (``/sparql`` at the root and ``/sparql-graph-crud``), Fuseki's
    (``/DATASET/sparql`` and ``/DATASET/data``).

    Examples
    --------
    >>> store_url("http://127.0.0.1:8890/sparql"), store_url("http://h:3030/ds/sparql")
    ('http://127.0.0.1:8890/sparql-graph-crud', 'http://h:3030/ds/data')
    """
    parts = urllib.parse.urlsplit(endpoint)
    for query, store in (
        ("/query", "/store"),
        ("/sparql", "/sparql-graph-crud" if parts.path == "/sparql" else "/data"),
    ):
        if parts.path.endswith(query):
            return urllib.parse.urlunsplit(
                parts._replace(path=parts.path[: -len(query)] + store, query="", fragment="")
            )
    raise InputError(f"cannot tell the Graph Store URL of {endpoint}: give it with --store")


def push(files: Sequence[Path], store: str, *, graph: str | None, timeout: float = 120.0) -> int:
    """Upload each file (Turtle or N-Triples) to the Graph Store: added to the default graph, or
    into ``graph``, which the first file replaces (so pushing again gives the same graph, blank
    nodes included). Returns the number of files sent.

    Raises
    ------
    InputError
        A file is neither Turtle nor N-Triples, or cannot be read (checked before anything is sent).
    ExecutionError
        The store cannot be reached or refuses a file.
    """
    target = f"{store}?{urllib.parse.urlencode({'graph': graph}) if graph else 'default'}"
    media = {".ttl": "text/turtle", ".nt": "application/n-triples"}
    for path in files:
        if path.suffix.lower() not in media:
            raise InputError(f"{path}: reegraph push sends Turtle (.ttl) or N-Triples (.nt) files")
        if not is_file(path):
            raise InputError(f"{path}: no such file")
    for number, path in enumerate(files):
        request = urllib.request.Request(
            target,
            data=path.read_bytes(),
            method="PUT" if graph and number == 0 else "POST",
            headers={"Content-Type": media[path.suffix.lower()]},
        )
        _exchange(request, store, timeout, about=f" to {path.name}")
    return len(files)


def _exchange(
    request: urllib.request.Request, url: str, timeout: float | None, *, about: str = "", accept: str | None = None
) -> tuple[bytes, str]:
    """Send ``request`` to ``url``; the answer's body and media type (one of ``accept``'s, or its
    alias: see :func:`_media`; empty without ``accept``). The whole exchange takes at most
    ``timeout`` seconds (the connection is shut when the time is up, however slowly the server
    drips its answer); with ``accept``, the answer's media type is checked before its body is read;
    a body over :data:`MAX_ANSWER` bytes is refused as it arrives.

    Raises
    ------
    ExecutionError
        The server cannot be reached, answers with an error (``about`` says to what), with another
        media type than ``accept`` or more than :data:`MAX_ANSWER` bytes, times out, or does not
        speak HTTP.
    """
    deadline = _Deadline(timeout)
    try:
        with _opener(deadline).open(request, timeout=timeout) as response:
            media = _media(response.headers, accept, url) if accept is not None else ""
            data = _read(response, url)
        if deadline.expired.is_set():  # shut: what was read is cut short
            raise TimeoutError
        return data, media
    except urllib.error.HTTPError as exc:
        try:
            detail = _detail(exc.read(8192)) or exc.reason
        except (http.client.HTTPException, OSError, ValueError):  # (its error page broke off too)
            detail = exc.reason
        raise ExecutionError(f"{url} answered {exc.code}{about}: {detail}") from None
    except (TimeoutError, http.client.HTTPException, urllib.error.URLError, OSError) as exc:
        if isinstance(exc, TimeoutError) or deadline.expired.is_set():
            raise ExecutionError(f"{url} did not answer within {timeout:g} s") from None
        if isinstance(exc, http.client.HTTPException):
            raise ExecutionError(f"{url} did not answer in HTTP ({type(exc).__name__})") from None
        raise ExecutionError(f"cannot reach {url}: {getattr(exc, 'reason', exc)}") from None
    finally:
        deadline.cancel()


class _Deadline:
    """The end of one exchange, ``timeout`` seconds from now (``None``: none): past it, its
    connections are shut, even one made after it."""

    def __init__(self, timeout: float | None = None) -> None:
        self.expired = threading.Event()
        self.sockets: list[socket.socket] = []
        self.timer = threading.Timer(timeout, self.expire) if timeout is not None else None
        if self.timer:
            self.timer.daemon = True
            self.timer.start()

    def cancel(self) -> None:
        if self.timer:
            self.timer.cancel()

    def expire(self) -> None:
        self.expired.set()
        for sock in self.sockets:
            self.shut(sock)

    def track(self, sock: socket.socket) -> None:
        self.sockets.append(sock)
        if self.expired.is_set():
            self.shut(sock)

    @staticmethod
    def shut(sock: socket.socket) -> None:
        """A read waiting on ``sock`` ends at once."""
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


#: The largest answer read from an endpoint, in bytes.
MAX_ANSWER = 500_000_000


def _read(response: http.client.HTTPResponse, url: str) -> bytes:
    """The body of ``response``, refused as soon as it passes :data:`MAX_ANSWER` bytes."""
    length = response.headers.get("Content-Length") or ""
    if length.isascii() and length.isdigit() and (len(length) > 12 or int(length) > MAX_ANSWER):
        raise ExecutionError(f"{url} sent an answer of {int(length[:12]):,}+ bytes, over the limit of {MAX_ANSWER:,}")
    chunks, size = [], 0
    while chunk := response.read1(1 << 16):
        size += len(chunk)
        if size > MAX_ANSWER:
            raise ExecutionError(f"{url} sent an answer over the limit of {MAX_ANSWER:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _media(headers: Message, accept: str, url: str) -> str:
    """The answer's media type, one of those ``accept`` lists (or its alias).

    Raises
    ------
    ExecutionError
        Another media type, or the answer says it is incomplete (Virtuoso's ``X-SQL-State``).
    """
    state = headers.get("X-SQL-State")
    if state:
        raise ExecutionError(f"{url} returned incomplete results (X-SQL-State {state})")
    media = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
    wanted = {part.split(";")[0].strip() for part in accept.split(",")}
    media = next((kind for kind, alias in _ALIASES.items() if alias == media and kind in wanted), media)
    if media not in wanted:
        raise ExecutionError(f"{url} answered with {media[:60] or 'no media type'}, not {accept.split(',')[0]}: "
                             "is it a SPARQL endpoint?")  # fmt: skip
    return media


def _opener(deadline: _Deadline) -> urllib.request.OpenerDirector:
    """urllib's opener, its connections tracked by ``deadline``."""

    class Tracked(http.client.HTTPConnection):
        def connect(self) -> None:
            super().connect()  # (in SecureTracked, HTTPSConnection's: it wraps the socket in TLS)
            deadline.track(self.sock)

    class SecureTracked(Tracked, http.client.HTTPSConnection):
        pass

    class Plain(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(Tracked, req)

    class Secure(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(SecureTracked, req)

    return urllib.request.build_opener(Plain, Secure)


def _detail(body: bytes) -> str:
    """The first line of an error page's text, tags dropped (Virtuoso answers errors in HTML).

    Examples
    --------
    >>> _detail(b"<!DOCTYPE HTML><html><body><h3>Error</h3><pre>Virtuoso 22003 Error SR128</pre></body>")
    'Error Virtuoso 22003 Error SR128'
    """
    text = body[:8192].decode("utf-8", errors="replace").lstrip("\ufeff")  # (a bounded cost for the regex)
    if text.lstrip().startswith("<"):  # an HTML page: its text, on one line
        text = " ".join(html.unescape(_TAGS.sub(" ", text)).split())
    text = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return "".join(c if c.isprintable() else "?" for c in text)[:300]  # no terminal escapes
