"""Remote stores: a real Oxigraph server on 127.0.0.1, filled with ``reegraph push``, gives the same
answers as the embedded store."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    server = subprocess.Popen(
        [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{base}/query?query=ASK%7B%7D", timeout=1).read()
            break
        except OSError:
            time.sleep(0.05)
    yield f"{base}/query"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="module")
def pushed(oxigraph):
    from click.testing import CliRunner

    from reegraph.cli import cli

    result = CliRunner().invoke(cli, ["push", "--endpoint", oxigraph], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert "now holds" in result.stderr
    return oxigraph


def test_the_report_from_the_endpoint_is_the_embedded_report(run, pushed):
    args = ("report", "--as-of", "2026-11-28", "--format", "json")
    remote, local = run(*args, "--endpoint", pushed), run(*args)
    assert remote.exit_code == 0, remote.stderr
    assert remote.stdout == local.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("separators-outside-china", "--param", "element=Tb"),
        ("export-controls-on", "--param", "date=2025-12-01"),  # a parameter used in FILTERs
        ("facilities", "--param", "stage=separation", "--param", "country=US"),
    ],
)
def test_library_queries_with_parameters_answer_alike(run, pushed, args):
    remote = run("query", *args, "--format", "json", "--endpoint", pushed)
    local = run("query", *args, "--format", "json")
    assert remote.exit_code == 0, remote.stderr
    assert normal(remote.stdout) == normal(local.stdout)


def normal(text: str) -> list:
    """Rows of W3C JSON results; lists made by GROUP_CONCAT compared as sets (its order is the engine's)."""
    rows = json.loads(text)["results"]["bindings"]
    concat = {"elements", "forms"}
    return [{k: sorted(v["value"].split()) if k in concat else v for k, v in row.items()} for row in rows]


def test_scenarios_and_info_run_against_the_endpoint(run, pushed):
    remote = run("scenario", "run", "china-2025-04", "--element", "Dy", "--format", "json", "--endpoint", pushed)
    local = run("scenario", "run", "china-2025-04", "--element", "Dy", "--format", "json")
    assert remote.stdout == local.stdout
    info = run("info", "--format", "json", "--endpoint", pushed)
    assert json.loads(info.stdout)["classes"]["Element"] == 17


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

    answers = {
        "/html": ("text/html", b"<html>a login page</html>"),
        "/garbage": ("application/sparql-results+json", b"{not json"),
        "/shape": ("application/sparql-results+json", b'{"head": {}, "boolean": "yes"}'),
        "/csv": ("text/csv", b'n\r\n"unterminated'),
        "/boolean": ("application/sparql-results+json", b'{"head": {"vars": ["n"]}, "boolean": true}'),
        "/empty": ("application/sparql-results+json", b'{"head": {"vars": []}, "results": {"bindings": []}}'),
    }

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            if self.path == "/broken":
                self.wfile.write(b"this is not HTTP\r\n\r\n")
                return
            media, body = answers[self.path]
            self.send_response(200)
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
    for path in ("/html", "/garbage", "/shape", "/csv", "/broken", "/boolean")
    for command in (("report",), ("info",), ("query", "-e", "ASK {}"), ("query", "facilities"))
    if not (path == "/boolean" and command[0] == "query")  # a boolean is an answer query cannot judge
]


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
