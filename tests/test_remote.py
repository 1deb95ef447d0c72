"""Remote stores: errors, the network guard and push, against a real Oxigraph server on 127.0.0.1
and a server that answers like no SPARQL endpoint should. That real stores give the embedded
answers is ``test_triple_stores``."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time

import pytest

from .conftest import free_port, oxigraph_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as url:
        yield url


def test_unreachable_endpoints_and_mixed_sources_are_clear_errors(run):
    down = run("report", "--endpoint", f"http://127.0.0.1:{free_port()}/query")
    assert down.exit_code == 3 and "cannot reach" in down.stderr
    mixed = run("report", "--endpoint", "http://127.0.0.1:1/query", "--data", "x.ttl")
    assert mixed.exit_code == 2 and "--data cannot be combined with --endpoint" in mixed.stderr


def test_the_network_guard_lets_through_only_the_named_endpoint(oxigraph):
    other = f"http://127.0.0.1:{free_port()}/query"
    code = f"""
import urllib.request
from reegraph._guard import allow, deny_network
deny_network()
allow({oxigraph!r})
urllib.request.urlopen({oxigraph!r} + "?query=ASK%7B%7D", timeout=5).read()
urllib.request.urlopen({oxigraph.replace("http:", "HTTP:")!r} + "?query=ASK%7B%7D", timeout=5).read()  # same origin
try:
    urllib.request.urlopen({other!r}, timeout=5)
except PermissionError as exc:
    print("refused:", exc)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("refused: reegraph does not use the network")


@pytest.fixture(scope="module")
def odd_server():
    """An HTTP server on 127.0.0.1 that answers like no SPARQL endpoint should, by path."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qs

    answers = {
        "/html": ("text/html", b"<html>a login page</html>"),
        "/garbage": ("application/sparql-results+json", b"{not json"),
        "/shape": ("application/sparql-results+json", b'{"head": {}, "boolean": "yes"}'),
        "/csv": ("text/csv", b'n\r\n"unterminated'),
        "/boolean": ("application/sparql-results+json", b'{"head": {"vars": ["n"]}, "boolean": true}'),
        "/empty": ("application/sparql-results+json", b'{"head": {"vars": []}, "results": {"bindings": []}}'),
        "/variables": ("application/sparql-results+json",  # other variables than the query's
                       b'{"head": {"vars": ["x"]}, "results": {"bindings": [{"x": '
                       b'{"type": "literal", "value": "1"}}]}}'),
        "/count": ("application/sparql-results+json",
                   b'{"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {"type": "literal", "value": "10"}}]}}'),
    }  # fmt: skip

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_POST(self) -> None:
            query = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())["query"][0]
            if self.path == "/broken":
                self.wfile.write(b"this is not HTTP\r\n\r\n")
                return
            if self.path == "/cut-error":  # an error page that breaks off
                self.wfile.write(b"HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n400\r\nerror")
                return
            if self.path in ("/drip", "/endless", "/claims", "/big-page"):  # answers that never end
                self.send_response(200)
                self.send_header("Content-Type", "text/html" if self.path == "/big-page" else answers["/count"][0])
                if self.path in ("/claims", "/big-page"):
                    self.send_header("Content-Length", "999999999999")
                self.end_headers()
                with contextlib.suppress(OSError):
                    for _ in range(50 if self.path == "/drip" else 100_000):
                        self.wfile.write(b" " if self.path == "/drip" else b" " * 65536)
                        self.wfile.flush()
                        time.sleep(0.2 if self.path == "/drip" else 0)
                return
            status, (media, body) = 200, answers.get(self.path, ("", b""))
            if self.path == "/cut":  # holds 10 triples, sends 1 (a silent row limit)
                media, body = answers["/count"] if "COUNT" in query else ("text/plain", b"<urn:a> <urn:b> <urn:c> .\n")
            elif self.path == "/failing":  # Virtuoso's error page
                status, media = 500, "text/html"
                body = (b'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN">\n<html><head><title>Error</title></head>'
                        b"<body><h3>Error 22003</h3>\n<pre>Virtuoso 22003 Error SR128: Numeric value out of range"
                        b"</pre></body></html>")  # fmt: skip
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


ODD_ANSWERS = [
    (command, path)
    for path in ("/html", "/garbage", "/shape", "/csv", "/broken", "/boolean", "/variables")
    for command in (("report",), ("info",), ("query", "-e", "ASK {}"), ("query", "facilities"))
    if not (path in ("/boolean", "/variables") and command[0] == "query")  # answers query cannot judge
]


def test_an_answer_cut_by_a_row_limit_and_an_html_error_page_are_told_plainly(run, odd_server):
    cut = run("validate", "--endpoint", odd_server + "/cut")
    assert cut.exit_code == 3 and "sent 1 of its 10 triples: raise the server's limit" in cut.stderr
    failing = run("query", "-e", "ASK {}", "--endpoint", odd_server + "/failing")
    assert failing.exit_code == 3
    assert failing.stderr.endswith("answered 500: Error 22003 Virtuoso 22003 Error SR128: Numeric value out of range\n")


@pytest.mark.parametrize(("command", "path"), ODD_ANSWERS)
def test_answers_that_are_not_sparql_are_one_line_errors(run, odd_server, path, command):
    result = run(*command, "--endpoint", odd_server + path)
    assert result.exit_code == 3, (result.exit_code, result.stderr)
    assert result.stderr.startswith("reegraph: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_an_empty_endpoint_is_a_clear_error(run, odd_server, tmp_path):
    for args in (("report",), ("scenario", "run", "china-2025-04"), ("view", "-o", str(tmp_path / "x.html"))):
        result = run(*args, "--endpoint", odd_server + "/empty")
        assert result.exit_code == 2 and "the graph holds no facilities" in result.stderr, result.stderr


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "http://", "http://127.0.0.1:port/query", "127.0.0.1:7878/query", "http://[::1/q"]
)
def test_endpoints_that_are_not_http_urls_are_refused(run, url):
    for args in (("report",), ("push",)):
        result = run(*args, "--endpoint", url)
        assert result.exit_code == 2 and "is not an http:// or https:// URL" in result.stderr, result.stderr


def test_pushing_into_a_named_graph_again_gives_the_same_graph(run, oxigraph):
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <urn:reegraph:test> { ?s ?p ?o } }"
    sizes = []
    for _ in range(2):
        pushed = run("push", "--endpoint", oxigraph, "--graph", "urn:reegraph:test")
        assert pushed.exit_code == 0, pushed.stderr
        sizes.append(run("query", "-e", count, "--format", "csv", "--endpoint", oxigraph).stdout.split()[1])
    assert int(sizes[0]) > 5_000 and sizes[0] == sizes[1]


def test_push_checks_every_file_before_sending_any(run, oxigraph, tmp_path):
    (tmp_path / "notes.txt").write_text("not RDF")
    count = ("query", "-e", "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "--endpoint", oxigraph)
    before = run(*count)
    refused = run("push", "--endpoint", oxigraph, "--graph", "urn:reegraph:new", "--data", str(tmp_path / "notes.txt"))
    assert refused.exit_code == 2 and "notes.txt: reegraph push sends Turtle" in refused.stderr
    assert run(*count).stdout == before.stdout


def test_the_timeout_covers_the_whole_answer_and_answers_are_bounded(odd_server, monkeypatch):
    """A server that drips its answer is cut at the timeout, not at each silence; an answer of the
    wrong type is refused before its body is read; one over the size bound as it arrives."""
    from reegraph.errors import ExecutionError
    from reegraph.rdf import remote

    started = time.monotonic()
    with pytest.raises(ExecutionError, match="did not answer within 1 s"):
        remote.RemoteStore(odd_server + "/drip", timeout=1).ask("ASK {}")  # 10 s of drips
    assert time.monotonic() - started < 5
    with pytest.raises(ExecutionError, match="answered with text/html"):
        remote.RemoteStore(odd_server + "/big-page").ask("ASK {}")
    with pytest.raises(ExecutionError, match="an answer of 999,999,999,999"):
        remote.RemoteStore(odd_server + "/claims").ask("ASK {}")
    monkeypatch.setattr(remote, "MAX_ANSWER", 5_000_000)
    with pytest.raises(ExecutionError, match="over the limit of 5,000,000 bytes"):
        remote.RemoteStore(odd_server + "/endless").ask("ASK {}")


def test_an_error_page_that_breaks_off_and_a_connection_made_past_the_deadline(odd_server):
    import socket

    from reegraph.errors import ExecutionError
    from reegraph.rdf import remote

    with pytest.raises(ExecutionError, match="answered 500: Oops"):  # (it raised IncompleteRead)
        remote.RemoteStore(odd_server + "/cut-error").ask("ASK {}")
    deadline = remote._Deadline()
    deadline.expire()
    ours, theirs = socket.socketpair()
    with ours, theirs:
        deadline.track(ours)  # connected only now (a slow resolver or handshake): shut at once
        assert ours.recv(1) == b""
