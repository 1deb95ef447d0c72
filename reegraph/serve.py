"""A read-only SPARQL 1.1 Protocol endpoint over the loaded graph (``reegraph serve``).

``/sparql`` answers queries by GET (``?query=``) and POST (a form, or ``application/sparql-query``);
results are negotiated from the Accept header: SPARQL JSON (default), XML, CSV or TSV for SELECT
and ASK; Turtle (default), JSON-LD, N-Triples or RDF/XML for CONSTRUCT and DESCRIBE. Updates get
403, other methods than GET, HEAD (and POST on ``/sparql``) 405. ``SERVICE`` is refused (400) and
nothing is ever fetched: ``FROM`` names local graphs only. ``/`` is a small offline page to type
queries and run the named ones; ``/queries`` lists the named queries (JSON) and
``/queries/NAME?param=value`` runs one with its parameters bound.

The application is plain ASGI, served by Hypercorn, whose HTTP/1.1 parser (h11) bounds request
heads (64 KiB) and refuses malformed or conflicting Content-Length headers, and which closes a
connection that sends no complete request head within :data:`IDLE` seconds; connections are
asynchronous, so idle or slow clients hold no thread. On top of that:

- a request body (a query) is at most :data:`MAX_QUERY` bytes (413) and must arrive within
  :data:`IDLE` seconds (408);
- the Host header must name this server (421, :func:`_hosts`), and a browser's Origin must be this
  server and its Sec-Fetch-Site no other site (403), so a web page elsewhere cannot make the
  user's browser query it, or rebind a name to it;
- every query is evaluated in a child process of its own (:meth:`OxigraphStore.start`) with a
  timeout (503), a memory bound (503) and an answer size bound checked as the answer is written
  (507); at most ``queries`` run at once, and a request waits :data:`QUEUE` seconds for a turn,
  then gets 503 with Retry-After. The turn is held until the answer is sent, which must be within
  the timeout again, so the answers held in memory are bounded too. A client that hangs up, or
  half-closes its side, stops its query;
- SIGTERM, SIGINT and SIGHUP close the port at once, give running queries :data:`GRACE` seconds,
  stop them and those waiting (503), and end the process :data:`IDLE` seconds later at the latest.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import ipaddress
import json
import logging
import os
import re
import resource
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from reegraph.errors import ExecutionError, InputError
from reegraph.library import bind, describe, library
from reegraph.rdf.sparql import EXAMPLE
from reegraph.rdf.store import MEDIA, AnswerTooLargeError, Evaluation, OxigraphStore
from reegraph.render.text import plain

#: Media types by serialisation, for results and for graphs; the first of each is the default.
RESULT_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "n-triples",
    "application/rdf+xml": "rdf-xml",
}

#: The largest request body (a query) accepted, in bytes.
MAX_QUERY = 1_000_000
#: Seconds a connection may wait for a whole request head, or a request for its whole body.
IDLE = 5
#: Seconds a request waits for a free evaluation before it gets 503 (and Retry-After).
QUEUE = 5
#: Seconds running queries get to finish after SIGTERM or SIGINT; the process ends
#: :data:`GRACE` + :data:`IDLE` seconds after the signal at the latest.
GRACE = 1
#: The most fields a query string or a form may hold.
MAX_FIELDS = 100
#: Connections waiting to be accepted.
BACKLOG = 1024
#: The pieces an answer is sent in (so a client that does not read holds little of it).
CHUNK = 1 << 16

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Limits:
    """What one query may take: seconds (to evaluate, and again to send its answer), bytes of
    answer and of memory; and how many run at once."""

    timeout: float = 30.0
    max_bytes: int = 50_000_000
    memory: int = 500_000_000
    queries: int = 8


@dataclass(frozen=True)
class Response:
    status: HTTPStatus
    media: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def serve(
    store: OxigraphStore,
    host: str,
    port: int,
    *,
    limits: Limits,
    names: tuple[str, ...] = (),
    ready: Callable[[str], None] = lambda url: None,
) -> None:
    """Listen on ``host`` (an IP address) and ``port`` (0: any free one), call ``ready`` with the
    endpoint's URL, and answer until SIGTERM, SIGINT or SIGHUP. See :func:`_hosts` for the Host
    headers answered (``names`` adds some).

    Raises
    ------
    InputError
        The address cannot be listened on.
    """
    from hypercorn.asyncio import serve as hypercorn_serve
    from hypercorn.config import Config
    from hypercorn.protocol.h11 import H11Protocol

    async def http_1_only(self: H11Protocol, event: object) -> None:
        """No switch to HTTP/2 (prior knowledge or an h2c upgrade): Hypercorn never closes an
        HTTP/2 connection that opens no stream, so idle ones would escape :data:`IDLE`."""

    H11Protocol._check_protocol = http_1_only  # type: ignore[method-assign]

    address = ipaddress.ip_address(host)
    listener = socket.socket(socket.AF_INET6 if address.version == 6 else socket.AF_INET)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(BACKLOG)
    except OSError as exc:
        listener.close()
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    bound = listener.getsockname()[1]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # connections are cheap; descriptors too
    with contextlib.suppress(OSError, ValueError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    shown = f"[{host}]" if address.version == 6 else host
    config = Config()
    config.bind = [f"fd://{listener.detach()}"]
    config.backlog = BACKLOG
    config.keep_alive_timeout = IDLE  # also bounds the wait for a whole request head (not its answer)
    config.graceful_timeout = GRACE + IDLE - 1  # (the stopped queries' answers are written meanwhile)
    config.h11_max_incomplete_size = 64 * 1024
    config.include_server_header = False
    config.keep_alive_max_requests = 100  # then the connection closes (and its pipelined requests go)
    config.accesslog = None
    config.loglevel = "WARNING"
    logging.getLogger("asyncio").setLevel(logging.ERROR)  # not a line per write to a closed socket
    app = Endpoint(store, limits, _hosts(address, bound, names))

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(_quiet)

        def shut_down() -> None:
            stop.set()
            loop.call_later(GRACE, app.stop_queries)
            loop.call_later(GRACE + IDLE, _end)  # a client that does not read its answer keeps
            # Hypercorn waiting for the socket to drain, whatever its graceful timeout says

        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(signum, shut_down)
        ready(f"http://{shown}:{bound}/sparql")
        await hypercorn_serve(app, config, shutdown_trigger=stop.wait)  # type: ignore[arg-type]

    try:
        asyncio.run(main())
    finally:
        app.pool.shutdown(wait=True)  # (its queries are stopped: each thread ends at once)


def _end() -> None:
    """End the process now: the queries are stopped; only connections that do not drain are left."""
    print("reegraph: stopped; connections that were not reading their answers are dropped", file=sys.stderr)
    sys.stderr.flush()
    os._exit(0)


def _quiet(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The event loop's handler of errors nobody awaited: a connection cancelled at shutdown is no
    news; anything else is one line on stderr, never a traceback."""
    error = context.get("exception")
    if not isinstance(error, asyncio.CancelledError):
        print(f"reegraph: {plain(str(error or context.get('message')))[:300]}", file=sys.stderr)


_HOST = re.compile(r"(?P<name>\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(?P<port>[0-9]{1,5}))?")


def _hosts(address: ipaddress.IPv4Address | ipaddress.IPv6Address, port: int,
           names: tuple[str, ...]) -> Callable[[str], bool]:  # fmt: skip
    """Whether a Host header names this server, and its port (none: 80): the address it listens
    on, ``localhost`` if that is a loopback or wildcard address, any address of the machine's if it
    is a wildcard, or one of ``names``. Anything else (a name of a stranger's, as DNS rebinding
    would send) is refused.

    Examples
    --------
    >>> allowed = _hosts(ipaddress.ip_address("0.0.0.0"), 8000, ("sparql.example.org",))
    >>> [allowed(h) for h in ("10.0.0.7:8000", "LOCALHOST:8000", "sparql.example.org:8000", "evil.example:8000")]
    [True, True, True, False]
    >>> allowed = _hosts(ipaddress.ip_address("::1"), 80, ())
    >>> [allowed(h) for h in ("[::1]", "[::1]:80", "[::1]:8000", "u@[::1]", "localhost.", "127.0.0.1")]
    [True, True, False, False, False, False]
    """
    known = {n.lower() for n in names} | ({"localhost"} if address.is_loopback or address.is_unspecified else set())

    def allowed(value: str) -> bool:
        match = _HOST.fullmatch(value.lower())
        if not match or int(match["port"] or 80) != port:
            return False
        name = match["name"]
        try:
            given = ipaddress.ip_address(name.strip("[]") if name.startswith("[") else name)
        except ValueError:  # a name
            return name in known
        return given == address or (address.is_unspecified and given.version == address.version)

    return allowed


class Endpoint:
    """The ASGI application: routes, limits, and the queries' evaluation."""

    def __init__(self, store: OxigraphStore, limits: Limits, host_allowed: Callable[[str], bool]) -> None:
        self.store, self.limits, self.host_allowed = store, limits, host_allowed
        self.turns = asyncio.Semaphore(limits.queries)
        self.pool = ThreadPoolExecutor(limits.queries, thread_name_prefix="query")  # one watcher per turn
        self.running: set[Evaluation] = set()
        self.stopping = False

    def stop_queries(self) -> None:
        """Stop every running query, and those still waiting for a turn (they are answered 503):
        the server is shutting down."""
        self.stopping = True
        for evaluation in self.running:
            evaluation.kill()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close"})  # (Hypercorn answers 403)
            return
        if scope["type"] != "http":
            return
        try:
            response = await self._respond(scope, receive, send)
        except Exception as exc:  # a fault of ours: one line to the client and the log, no traceback
            fault = f"internal error: {type(exc).__name__}: {plain(str(exc))[:300]}"
            print(f"reegraph: {fault}", file=sys.stderr)
            response = _text(HTTPStatus.INTERNAL_SERVER_ERROR, fault)
        if response is not None:  # (None: sent already, or the client hung up)
            await _send(send, response, self.limits.timeout)

    async def _respond(self, scope: Scope, receive: Receive, send: Send) -> Response | None:
        headers: dict[str, str] = {}
        for key, value in scope["headers"]:
            headers[key.decode("latin-1").lower()] = value.decode("latin-1")
        host = headers.get("host")  # (none in HTTP/1.0: no browser sends such a request)
        if host is not None and not self.host_allowed(host):
            return _text(HTTPStatus.MISDIRECTED_REQUEST, f"this server does not answer for host {plain(host)[:80]!r}")
        origin = headers.get("origin")
        if (origin is not None and origin.lower() not in (f"http://{host}".lower(), f"https://{host}".lower())) or (
            headers.get("sec-fetch-site") in ("cross-site", "same-site")
        ):
            return _text(HTTPStatus.FORBIDDEN, "queries from pages of other sites are refused")
        path, method = scope["path"], scope["method"]
        allowed: tuple[str, ...] = ("GET", "HEAD")  # (Hypercorn sends no body in answer to HEAD)
        if path == "/sparql":
            allowed = ("GET", "HEAD", "POST")
        elif not (path in ("/", "/queries") or path.startswith("/queries/")):
            return _text(HTTPStatus.NOT_FOUND, f"no such page: {plain(path)[:80]} (the endpoint is /sparql)")
        if method not in allowed:
            return _text(HTTPStatus.METHOD_NOT_ALLOWED, f"{method} is not allowed here: use {' or '.join(allowed)}",
                         ("allow", ", ".join(allowed)))  # fmt: skip
        try:
            query_string = scope["query_string"].decode("utf-8", errors="replace")
            params = parse_qs(query_string, keep_blank_values=True, max_num_fields=MAX_FIELDS)
        except ValueError:
            return _text(HTTPStatus.BAD_REQUEST, f"a query string holds at most {MAX_FIELDS} fields")
        if path == "/":
            return Response(HTTPStatus.OK, "text/html; charset=utf-8", _PAGE.encode("utf-8"))
        if path == "/queries":
            return Response(HTTPStatus.OK, "application/json", _listing())
        if path.startswith("/queries/"):
            query = library().get(path.removeprefix("/queries/"))
            if query is None:
                return _text(HTTPStatus.NOT_FOUND, f"unknown query {plain(path[9:])[:80]!r} (see /queries)")
            try:
                bindings = bind(query, {k: v[-1] for k, v in params.items()})
            except InputError as exc:
                return _text(HTTPStatus.BAD_REQUEST, str(exc).removeprefix("--param").lstrip(": "))
            return await self._answer(query.text, bindings, headers, receive, send)
        if method == "POST":
            body = await _body(headers, receive)
            if not isinstance(body, str):
                return body
            kind = headers.get("content-type", "").split(";")[0].strip().lower()
            if kind == "application/sparql-update":
                return _text(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused")
            if kind == "application/sparql-query":
                params["query"] = [body]
            elif kind == "application/x-www-form-urlencoded":
                try:
                    params.update(parse_qs(body, keep_blank_values=True, max_num_fields=MAX_FIELDS))
                except ValueError:
                    return _text(HTTPStatus.BAD_REQUEST, f"a form holds at most {MAX_FIELDS} fields")
            else:
                return _text(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, f"unsupported Content-Type {plain(kind)[:80]!r}")
        if "update" in params:
            return _text(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused")
        if params.keys() & {"default-graph-uri", "named-graph-uri"}:
            return _text(HTTPStatus.BAD_REQUEST, "default-graph-uri and named-graph-uri are not supported")
        if len(params.get("query", [])) != 1:
            return _text(HTTPStatus.BAD_REQUEST, "give exactly one query parameter")
        return await self._answer(params["query"][0], {}, headers, receive, send)

    async def _answer(self, text: str, bindings: dict, headers: dict[str, str], receive: Receive,
                      send: Send) -> Response | None:  # fmt: skip
        """Evaluate a query in a child process when a turn is free, and send its answer while the
        turn is held (so the answers in memory are bounded too); stop it if the client hangs up."""
        accept = headers.get("accept", "")
        results, graph = _negotiate(accept, RESULT_TYPES, "json"), _negotiate(accept, GRAPH_TYPES, "turtle")
        try:
            async with asyncio.timeout(QUEUE):
                await self.turns.acquire()
        except TimeoutError:
            return _text(HTTPStatus.SERVICE_UNAVAILABLE,
                         f"all {self.limits.queries} query slots are busy: try again shortly",
                         ("retry-after", str(QUEUE)))  # fmt: skip
        try:
            if self.stopping:
                return _text(HTTPStatus.SERVICE_UNAVAILABLE, "the server is shutting down")
            response = await self._evaluate(text, bindings, results, graph, receive)
            if response is not None:
                await _send(send, response, self.limits.timeout)
            return None
        finally:
            self.turns.release()

    async def _evaluate(self, text: str, bindings: dict, results: str, graph: str,
                        receive: Receive) -> Response | None:  # fmt: skip
        evaluation = self.store.start(text, bindings=bindings, results=results, graph=graph,
                                      timeout=self.limits.timeout, max_bytes=self.limits.max_bytes,
                                      memory=self.limits.memory)  # fmt: skip
        self.running.add(evaluation)
        work = asyncio.get_running_loop().run_in_executor(self.pool, evaluation.result)
        gone = asyncio.ensure_future(_hung_up(receive))
        try:
            await asyncio.wait((work, gone), return_when=asyncio.FIRST_COMPLETED)
            if not work.done():  # the client hung up (or half-closed its side): stop the query
                evaluation.kill()
                work.add_done_callback(lambda done: done.exception())  # (its end is no news)
                return None
            kind, data = work.result()
        except InputError as exc:
            return _text(HTTPStatus.BAD_REQUEST, str(exc))
        except ExecutionError as exc:
            if self.stopping and evaluation.killed:
                return _text(HTTPStatus.SERVICE_UNAVAILABLE, "query stopped: the server is shutting down")
            too_large = isinstance(exc, AnswerTooLargeError)
            return _text(HTTPStatus.INSUFFICIENT_STORAGE if too_large else HTTPStatus.SERVICE_UNAVAILABLE, str(exc))
        finally:
            gone.cancel()
            evaluation.kill()  # (when cancelled, the child goes too)
            self.running.discard(evaluation)
        media = MEDIA[graph if kind == "graph" else results]
        return Response(HTTPStatus.OK, f"{media}; charset=utf-8", data)


async def _send(send: Send, response: Response, seconds: float) -> None:
    """Send ``response`` in pieces; stop (the connection is then closed) if the client has not
    taken it all within ``seconds``."""
    headers = [
        (b"content-type", response.media.encode()),
        (b"content-length", str(len(response.body)).encode()),
        (b"x-content-type-options", b"nosniff"),
        *((k.encode(), v.encode()) for k, v in response.headers),
    ]
    if response.media.startswith("text/html"):
        headers.append((b"content-security-policy", b"default-src 'none'; script-src 'unsafe-inline'; "
                        b"style-src 'unsafe-inline'; connect-src 'self'"))  # fmt: skip
    body = memoryview(response.body)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await send({"type": "http.response.start", "status": int(response.status), "headers": headers})
            for at in range(0, max(len(body), 1), CHUNK):
                more = at + CHUNK < len(body)
                await send({"type": "http.response.body", "body": bytes(body[at : at + CHUNK]), "more_body": more})


async def _body(headers: dict[str, str], receive: Receive) -> str | Response | None:
    """The request body as text, or the answer refusing it (``None``: the client hung up)."""
    too_large = _text(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"a request body is at most {MAX_QUERY:,} bytes")
    length = headers.get("content-length", "0")
    if not re.fullmatch("[0-9]+", length):
        return _text(HTTPStatus.BAD_REQUEST, "Content-Length must be a whole number of bytes")
    if len(length) > 9 or int(length) > MAX_QUERY:
        return too_large

    async def read() -> str | Response | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > MAX_QUERY:
                return too_large
            if not message.get("more_body"):
                return b"".join(chunks).decode("utf-8", errors="replace")

    try:
        async with asyncio.timeout(IDLE):
            return await read()
    except TimeoutError:
        return _text(HTTPStatus.REQUEST_TIMEOUT, f"the request body did not arrive within {IDLE} s")


@functools.cache
def _listing() -> bytes:
    """``/queries``: the named queries as JSON (read once: they ship with reegraph)."""
    return json.dumps([describe(q) for q in library().values()]).encode("utf-8")


async def _hung_up(receive: Receive) -> None:
    """Return when the client disconnects (any body has been read already)."""
    while (await receive())["type"] != "http.disconnect":
        pass


def _text(status: HTTPStatus, message: str, *headers: tuple[str, str]) -> Response:
    """A plain-text answer of one line (at most 500 characters: it may quote the request)."""
    line = message if len(message) <= 500 else message[:500] + "..."
    return Response(status, "text/plain; charset=utf-8", (line + "\n").encode("utf-8"), headers)


def _negotiate(accept: str, types: dict[str, str], default: str) -> str:
    """The serialisation the Accept header prefers among ``types`` (q-values honoured)."""
    best, best_q = default, 0.0
    for part in accept.split(","):
        media, *options = (p.strip() for p in part.split(";"))
        q = next((float(o[2:]) for o in options if o.startswith("q=") and _number(o[2:])), 1.0)
        if media.lower() in types and q > best_q:
            best, best_q = types[media.lower()], q
    return best


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>reegraph SPARQL</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222 }
textarea { width: 100%; height: 14em; font: 13px monospace }
table { border-collapse: collapse; margin-top: 1em }
td, th { border: 1px solid #ccc; padding: 2px 6px; text-align: left }
#params label { margin-right: 1em } #status { color: #a33 }
</style></head>
<body>
<h1>reegraph SPARQL</h1>
<p>Ask the rare-earth supply-chain graph anything in SPARQL, or pick a named query. The endpoint is
<code>/sparql</code> (SPARQL 1.1 Protocol, read-only); <a href="/queries">/queries</a> lists the named
queries.</p>
<p><select id="named"><option value="">named queries...</option></select> <span id="about"></span></p>
<p id="params"></p>
<textarea id="text">{example}</textarea>
<p><button id="run">Run</button> <span id="status"></span></p>
<div id="out"></div>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
let library = [];
function cell(row, name) { return row[name] ? row[name].value : ""; }
function show(data) {
  const out = $("out"); out.textContent = "";
  if ("boolean" in data) { out.textContent = String(data.boolean); return; }
  const table = document.createElement("table"), head = table.insertRow();
  for (const name of data.head.vars) {
    const th = document.createElement("th"); th.textContent = name; head.appendChild(th);
  }
  for (const row of data.results.bindings) {
    const tr = table.insertRow();
    for (const name of data.head.vars) { tr.insertCell().textContent = cell(row, name); }
  }
  out.appendChild(table);
  $("status").textContent = data.results.bindings.length + " rows";
}
async function run() {
  $("status").textContent = "running..."; $("out").textContent = "";
  const query = $("named").value;
  const headers = { Accept: "application/sparql-results+json, text/turtle;q=0.9" };
  let response;
  if (query) {
    const params = new URLSearchParams();
    for (const input of $("params").querySelectorAll("input")) {
      if (input.value) params.set(input.name, input.value);
    }
    response = await fetch("/queries/" + encodeURIComponent(query) + "?" + params, { headers });
  } else {
    const post = { ...headers, "Content-Type": "application/sparql-query" };
    response = await fetch("/sparql", { method: "POST", headers: post, body: $("text").value });
  }
  if (!response.ok) { $("status").textContent = await response.text(); return; }
  if ((response.headers.get("Content-Type") || "").startsWith("application/sparql-results+json")) {
    show(await response.json());
  } else {  // a graph (CONSTRUCT, DESCRIBE), as Turtle
    const pre = document.createElement("pre"); pre.textContent = await response.text();
    $("out").appendChild(pre); $("status").textContent = "";
  }
}
function edited() {  // the text is now the query: forget the named one and its parameters
  $("named").value = ""; $("params").textContent = ""; $("about").textContent = "";
}
function pick() {
  const query = library.find((q) => q.name === $("named").value);
  $("params").textContent = ""; $("about").textContent = query ? query.description : "";
  if (!query) return;
  $("text").value = query.text;
  for (const p of query.params) {
    const label = document.createElement("label"), input = document.createElement("input");
    input.name = p.name; input.title = p.description;
    input.placeholder = p.default || (p.optional ? "any" : "required");
    label.append(p.name + " (" + p.type + ") ", input); $("params").appendChild(label);
  }
}
fetch("/queries").then((r) => r.json()).then((queries) => {
  library = queries;
  for (const q of queries) {
    const option = document.createElement("option");
    option.value = q.name; option.textContent = q.title; $("named").appendChild(option);
  }
});
$("named").addEventListener("change", pick);
$("text").addEventListener("input", edited);
$("run").addEventListener("click", run);
</script>
</body></html>
""".replace("{example}", html.escape(EXAMPLE, quote=False))
