"""A remote SPARQL 1.1 endpoint behind the same :class:`~reegraph.rdf.store.Store` seam as the
embedded store (``--endpoint URL`` or ``REEGRAPH_ENDPOINT``), and ``reegraph push`` through the Graph
Store Protocol.

The endpoint must show the pushed data in its default graph (push without ``--graph``, or run the
server with the default graph as the union of all graphs: ``oxigraph serve --union-default-graph``).
Parameters reach a remote query as a ``VALUES`` block written by
:func:`reegraph.rdf.sparql.with_values` (checked IRIs, escaped literals, never raw text), placed at
the start of the query's WHERE clause.
"""

from __future__ import annotations

import contextlib
import http.client
import json
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
from reegraph.rdf.sparql import ALL_TRIPLES, COUNT_TRIPLES, check_query, columns, with_values
from reegraph.rdf.store import GRAPHS, MEDIA, AnswerTooLargeError, Row, Term, Values, read_csv_values, read_json_values

#: Media types some endpoints send for the one asked for (Virtuoso's text/plain N-Triples).
_ALIASES = {"application/sparql-results+json": "application/json", "application/n-triples": "text/plain"}
_JSON = MEDIA["json"]


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
        headers, data = _exchange(request, self.url, timeout)
        state = headers.get("X-SQL-State")
        if state:
            raise ExecutionError(f"{self.url} returned incomplete results (X-SQL-State {state})")
        media = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        wanted = {part.split(";")[0].strip() for part in accept.split(",")}
        media = next((kind for kind, alias in _ALIASES.items() if alias == media and kind in wanted), media)
        if media not in wanted:
            raise ExecutionError(f"{self.url} answered with {media or 'no media type'}, not {accept.split(',')[0]}: "
                                 "is it a SPARQL endpoint?")  # fmt: skip
        return data, media

    def select(self, query: str, *, bindings: Mapping[str, Node] | None = None) -> list[Row]:
        """Run a SELECT query; rows map variable names to rdflib terms."""
        data = self._results(self._request(query, _JSON, bindings, timeout=self.timeout)[0])
        with self._reading():
            return [{k: _term(v) for k, v in row.items()} for row in data["results"]["bindings"]]

    def values(self, query: str, *, bindings: Mapping[str, Node] | None = None) -> list[Values]:
        """Run a SELECT query; rows hold each term's string value (SPARQL CSV results)."""
        data, media = self._request(query, f"text/csv, {_JSON};q=0.5", bindings, timeout=self.timeout)
        with self._reading():
            rows = read_csv_values(data) if media == "text/csv" else None
        if rows is None:  # JSON, or an unquoted comma in an IRI (Oxigraph's CSV): read JSON
            data = data if media == _JSON else self._request(query, _JSON, bindings, timeout=self.timeout)[0]
            rows = read_json_values(self._results(data))
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
        """Run a CONSTRUCT or DESCRIBE query into an in-memory rdflib graph."""
        graph = Graph()
        with self._reading():
            graph.parse(data=self._request(query, MEDIA["n-triples"], bindings, timeout=self.timeout)[0], format="nt")
        return graph

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
        """Run any query at the endpoint and return its answer as the endpoint serialised it (see
        :meth:`~reegraph.rdf.store.Store.evaluate`); the endpoint enforces its own limits, this
        client waits ``timeout`` seconds."""
        accept = f"{MEDIA[results]}, {MEDIA[graph]};q=0.9"
        data, media = self._request(query, accept, bindings, timeout=timeout)
        if media == _JSON:
            self._results(data, expect="any")
        if max_bytes is not None and len(data) > max_bytes:
            raise AnswerTooLargeError(f"the answer is over the limit of {max_bytes:,} bytes: add a LIMIT")
        return ("graph" if media in {MEDIA[g] for g in GRAPHS} else "results"), data

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
                    isinstance(v, dict) and "value" in v for row in rows for v in row.values()
                ):
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
        """Every triple of the endpoint's default graph, copied into an rdflib graph (for SHACL)."""
        return self.construct(ALL_TRIPLES)

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


def _term(value: dict[str, Any]) -> Term:
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    return Literal(value["value"], lang=value.get("xml:lang"), datatype=value.get("datatype"))


def store_url(endpoint: str) -> str:
    """The Graph Store Protocol URL next to a query endpoint: Oxigraph's layout (``/query`` and
    ``/store``); Fuseki's ``/sparql`` next to ``/data``."""
    for query, store in (("/query", "/store"), ("/sparql", "/data")):
        if endpoint.endswith(query):
            return endpoint[: -len(query)] + store
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
    request: urllib.request.Request, url: str, timeout: float | None, *, about: str = ""
) -> tuple[Message, bytes]:
    """Send ``request`` to ``url``; the answer's headers and body.

    Raises
    ------
    ExecutionError
        The server cannot be reached, answers with an error (``about`` says to what), times out, or
        does not speak HTTP.
    """
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.headers, response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", errors="replace").strip().splitlines()
        raise ExecutionError(f"{url} answered {exc.code}{about}: {detail[0] if detail else exc.reason}") from None
    except TimeoutError:
        raise ExecutionError(f"{url} did not answer within {timeout:g} s") from None
    except http.client.HTTPException as exc:
        raise ExecutionError(f"{url} did not answer in HTTP ({type(exc).__name__})") from None
    except (urllib.error.URLError, OSError) as exc:
        raise ExecutionError(f"cannot reach {url}: {getattr(exc, 'reason', exc)}") from None
