"""A read-only SPARQL 1.1 Protocol endpoint over the loaded graph (``reegraph serve``).

``/sparql`` answers queries by GET (``?query=``) and POST (a form, or ``application/sparql-query``);
results are negotiated from the Accept header: SPARQL JSON (default), XML, CSV or TSV for SELECT
and ASK; Turtle (default), JSON-LD, N-Triples or RDF/XML for CONSTRUCT and DESCRIBE. Updates get
403. Every query runs in its own child process, killed at the timeout (503), so a slow query never
blocks the others and a runaway one really stops; answers over the size limit get 507 instead,
and request bodies over :data:`MAX_QUERY` get 413.
``SERVICE`` is refused (400) and nothing is ever fetched: ``FROM`` names local graphs only.

``/`` is a small offline page to type queries and run the named ones; ``/queries`` lists the
named queries (JSON) and ``/queries/NAME?param=value`` runs one with its parameters bound.
"""

from __future__ import annotations

import html
import json
import re
import socket
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from reegraph.errors import ExecutionError, InputError
from reegraph.library import bind, describe, library
from reegraph.rdf.sparql import EXAMPLE
from reegraph.rdf.store import MEDIA, AnswerTooLargeError, Store

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


def make_server(store: Store, host: str, port: int, *, timeout: float, max_bytes: int) -> ThreadingHTTPServer:
    """A threaded HTTP server answering SPARQL over ``store`` (call ``serve_forever``); ``host`` may
    be an IPv4 or an IPv6 address, or a name."""

    class Handler(_Handler):
        pass

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET

    Handler.store, Handler.timeout_s, Handler.max_bytes = store, timeout, max_bytes
    server = Server((host, port), Handler)
    server.daemon_threads = True
    return server


class _Handler(BaseHTTPRequestHandler):
    store: Store
    timeout_s = 30.0
    max_bytes = 50_000_000
    server_version = "reegraph"

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet; errors reach the client

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        params = parse_qs(url.query, keep_blank_values=True)
        if url.path == "/":
            self._send(HTTPStatus.OK, "text/html; charset=utf-8", _PAGE.encode("utf-8"))
        elif url.path == "/queries":
            self._send(
                HTTPStatus.OK, "application/json", json.dumps([describe(q) for q in library().values()]).encode("utf-8")
            )
        elif url.path.startswith("/queries/"):
            self._named(url.path.removeprefix("/queries/"), params)
        elif url.path == "/sparql":
            self._sparql(params)
        else:
            self._fail(HTTPStatus.NOT_FOUND, f"no such page: {url.path} (the endpoint is /sparql)")

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/sparql":
            self._fail(HTTPStatus.NOT_FOUND, f"no such page: {url.path} (the endpoint is /sparql)")
            return
        length = self.headers.get("Content-Length", "")
        if not re.fullmatch(r"[0-9]+", length):
            self.close_connection = True  # the body's end is unknown: read no more of this connection
            self._fail(HTTPStatus.LENGTH_REQUIRED, "a POST needs a Content-Length (a whole number of bytes)")
            return
        if int(length) > MAX_QUERY:
            self.close_connection = True
            self._fail(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"a request body is at most {MAX_QUERY:,} bytes")
            return
        body = self.rfile.read(int(length)).decode("utf-8", errors="replace")
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind == "application/sparql-update":
            self._fail(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused")
            return
        params = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        if kind == "application/sparql-query":
            params["query"] = [body]
        elif kind == "application/x-www-form-urlencoded":
            params.update(parse_qs(body, keep_blank_values=True))
        else:
            self._fail(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, f"unsupported Content-Type {kind!r}")
            return
        self._sparql(params)

    def _sparql(self, params: dict[str, list[str]]) -> None:
        if "update" in params:
            self._fail(HTTPStatus.FORBIDDEN, "this endpoint is read-only: updates are refused")
        elif params.keys() & {"default-graph-uri", "named-graph-uri"}:
            self._fail(HTTPStatus.BAD_REQUEST, "default-graph-uri and named-graph-uri are not supported")
        elif len(params.get("query", [])) != 1:
            self._fail(HTTPStatus.BAD_REQUEST, "give exactly one query parameter")
        else:
            self._answer(params["query"][0], {})

    def _named(self, name: str, params: dict[str, list[str]]) -> None:
        query = library().get(name)
        if query is None:
            self._fail(HTTPStatus.NOT_FOUND, f"unknown query {name!r} (see /queries)")
            return
        try:
            bindings = bind(query, {k: v[-1] for k, v in params.items()})
        except InputError as exc:
            self._fail(HTTPStatus.BAD_REQUEST, str(exc).removeprefix("--param").lstrip(": "))
            return
        self._answer(query.text, bindings)

    def _answer(self, text: str, bindings: dict) -> None:
        accept = self.headers.get("Accept") or ""
        results, graph = _negotiate(accept, RESULT_TYPES, "json"), _negotiate(accept, GRAPH_TYPES, "turtle")
        try:
            kind, data = self.store.evaluate(
                text,
                bindings=bindings,
                results=results,
                graph=graph,
                timeout=self.timeout_s,
                max_bytes=self.max_bytes,
            )
        except InputError as exc:
            self._fail(HTTPStatus.BAD_REQUEST, str(exc))
            return
        except ExecutionError as exc:
            too_large = isinstance(exc, AnswerTooLargeError)
            self._fail(HTTPStatus.INSUFFICIENT_STORAGE if too_large else HTTPStatus.SERVICE_UNAVAILABLE, str(exc))
            return
        media = MEDIA[graph if kind == "graph" else results]
        self._send(HTTPStatus.OK, f"{media}; charset=utf-8", data)

    def _fail(self, status: HTTPStatus, message: str) -> None:
        self._send(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"))

    def _send(self, status: HTTPStatus, media: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        if media.startswith("text/html"):
            self.send_header("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; "
                             "style-src 'unsafe-inline'; connect-src 'self'")  # fmt: skip
        self.end_headers()
        self.wfile.write(body)


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
