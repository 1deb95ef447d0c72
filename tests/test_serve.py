"""``reegraph serve`` as a real server on 127.0.0.1, queried with raw HTTP, SPARQLWrapper and rdflib."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from .conftest import blocked_page

pytestmark = pytest.mark.slow

SEPARATORS = "SELECT ?s WHERE { ?s a <https://w3id.org/reegraph/ontology#SeparationPlant> } ORDER BY ?s"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def endpoint():
    server = subprocess.Popen(
        [sys.executable, "-m", "reegraph", "serve", "--port", "0", "--timeout", "1", "--max-bytes", "200000"],
        stderr=subprocess.PIPE,
        text=True,
    )
    line = server.stderr.readline()
    assert "serving" in line, line
    url = line.split(" at ")[1].strip()
    yield url
    server.terminate()
    server.wait(timeout=10)
    said = server.stderr.read()
    assert "Traceback" not in said and server.returncode == 0, said


def get(url: str, accept: str = "application/sparql-results+json", **params) -> tuple[int, str, str]:
    request = urllib.request.Request(f"{url}?{urllib.parse.urlencode(params)}", headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode("utf-8")


def post(url: str, body: str, content_type: str) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body.encode("utf-8"), headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def test_raw_http_get_and_post_with_content_negotiation(endpoint):
    status, media, body = get(endpoint, query=SEPARATORS)
    assert status == 200 and media.startswith("application/sparql-results+json")
    rows = json.loads(body)["results"]["bindings"]
    assert {"type": "uri", "value": "https://w3id.org/reegraph/id/facility/lynas-malaysia"} in [r["s"] for r in rows]
    assert get(endpoint, "text/csv", query=SEPARATORS)[2].splitlines()[0] == "s"
    assert get(endpoint, "text/tab-separated-values", query=SEPARATORS)[2].splitlines()[0] == "?s"
    assert (
        "<sparql xmlns=" in get(endpoint, "application/sparql-results+xml;q=0.9, text/plain;q=0.1", query=SEPARATORS)[2]
    )
    construct = "CONSTRUCT WHERE { <https://w3id.org/reegraph/id/element/Dy> ?p ?o }"
    status, media, turtle = get(endpoint, "text/turtle", query=construct)
    assert status == 200 and media.startswith("text/turtle") and "dysprosium" in turtle
    status, media, jsonld = get(endpoint, "application/ld+json", query=construct)
    assert media.startswith("application/ld+json") and json.loads(jsonld)[0]["@id"].endswith("/element/Dy")
    form = post(endpoint, urllib.parse.urlencode({"query": "ASK { ?s a <https://w3id.org/reegraph/ontology#Mine> }"}),
                "application/x-www-form-urlencoded")  # fmt: skip
    assert form[0] == 200 and json.loads(form[1])["boolean"] is True
    assert post(endpoint, SEPARATORS, "application/sparql-query")[0] == 200


def test_named_queries_with_parameters(endpoint):
    base = endpoint.removesuffix("/sparql")
    status, _, body = get(f"{base}/queries/separators-outside-china", element="Tb")
    assert status == 200 and all(b["element"]["value"] == "Tb" for b in json.loads(body)["results"]["bindings"])
    assert get(f"{base}/queries/separators-outside-china", colour="red")[0] == 400
    assert get(f"{base}/queries/nothing")[0] == 404
    assert len(json.loads(get(f"{base}/queries")[2])) >= 20


def test_sparqlwrapper_and_rdflib_sparqlstore_as_clients(endpoint):
    from rdflib import Graph, Literal
    from rdflib.plugins.stores.sparqlstore import SPARQLStore
    from SPARQLWrapper import JSON, SPARQLWrapper

    client = SPARQLWrapper(endpoint)
    client.setReturnFormat(JSON)
    client.setQuery(SEPARATORS)
    assert len(client.queryAndConvert()["results"]["bindings"]) >= 10
    graph = Graph(store=SPARQLStore(endpoint, returnFormat="json"))
    rows = list(
        graph.query(
            "SELECT ?e ?symbol WHERE { ?e <https://w3id.org/reegraph/ontology#symbol> ?symbol }",
            initBindings={"symbol": Literal("Tb")},
        )
    )
    assert [str(r.e) for r in rows] == ["https://w3id.org/reegraph/id/element/Tb"]


def test_updates_service_and_remote_graphs_are_refused(endpoint):
    assert post(endpoint, "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "application/sparql-update")[0] == 403
    assert post(endpoint, urllib.parse.urlencode({"update": "LOAD <http://example.org/x>"}),
                "application/x-www-form-urlencoded")[0] == 403  # fmt: skip
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    try:
        remote = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
        status, _, body = get(endpoint, query=f"SELECT * WHERE {{ SERVICE <{remote}> {{ ?s ?p ?o }} }}")
        assert status == 400 and "SERVICE is refused" in body
        hidden = f"SELECT * WHERE {{ # the engine ends a comment at CR\rSERVICE <{remote}> {{ ?s ?p ?o }} }}"
        status, body = post(endpoint, hidden, "application/sparql-query")
        assert status == 400 and "SERVICE is refused" in body
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()
    assert get(endpoint, **{"query": SEPARATORS, "default-graph-uri": "http://example.org/g"})[0] == 400


def test_a_runaway_query_is_stopped_while_others_are_answered(endpoint):
    answers: dict[str, tuple] = {}
    order: list[str] = []

    def ask(name: str, query: str) -> None:
        answers[name] = get(endpoint, query=query)
        order.append(name)

    runaway = threading.Thread(target=ask, args=("runaway", RUNAWAY))
    started = time.monotonic()
    runaway.start()
    quick = threading.Thread(target=ask, args=("quick", SEPARATORS))
    quick.start()
    quick.join()
    runaway.join()
    assert time.monotonic() - started < 1 + 1  # stopped within its timeout plus one second (the bound)
    assert answers["quick"][0] == 200 and order == ["quick", "runaway"]  # answered while the runaway ran
    assert answers["runaway"][0] == 503 and "stopped after its timeout of 1 s" in answers["runaway"][2]


def test_the_query_page_loads_nothing_from_elsewhere(endpoint):
    status, media, page = get(endpoint.removesuffix("/sparql") + "/", "text/html")
    assert status == 200 and media.startswith("text/html")
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    assert "textContent" in page and "innerHTML" not in page  # data is never parsed as HTML


def test_an_answer_over_the_size_limit_is_refused_as_it_is_written(endpoint):
    # 93 million rows: within the 1 s timeout only if the evaluation stops at the limit
    status, _, body = get(endpoint, query="SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }")
    assert status == 507 and "over the limit of 200,000 bytes" in body


def test_a_deeply_nested_query_is_stopped_as_such_not_as_out_of_memory(endpoint):
    # the child evaluated on an 8 MB stack, crashed in 0.2 s, and was reported over its memory limit
    deep = "SELECT * WHERE { " + " UNION ".join(f"{{ ?s ?p {i} }}" for i in range(20_000)) + " } LIMIT 1"
    status, body = post(endpoint, deep, "application/sparql-query")
    assert status == 503 and "timeout of 1 s" in body, body


def raw(endpoint: str, request: bytes) -> bytes:
    """Send bytes as they are (what urllib would not), return the first line of the answer."""
    url = urllib.parse.urlsplit(endpoint)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(request)
        return sock.makefile("rb").readline()


LENGTHS = [("abc", b"400"), ("-1", b"400"), ("\xb2", b"400"), ("9" * 5000, b"400"), ("99999999999", b"413"),
           ("6\r\nContent-Length: 7", b"400")]  # fmt: skip


@pytest.mark.parametrize(("length", "status"), LENGTHS)
def test_a_post_without_a_usable_length_is_refused(endpoint, length, status):
    host = urllib.parse.urlsplit(endpoint).netloc
    request = (f"POST /sparql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/sparql-query\r\n"
               f"Content-Length: {length}\r\n\r\nASK {{}}")  # fmt: skip
    assert raw(endpoint, request.encode("latin-1")).split()[1] == status
    assert get(endpoint, query="ASK {}")[0] == 200  # and the server goes on answering


def test_the_endpoint_listens_on_ipv6_loopback():
    server = subprocess.Popen(
        [sys.executable, "-m", "reegraph", "serve", "--host", "::1", "--port", "0"], stderr=subprocess.PIPE, text=True
    )
    try:
        line = server.stderr.readline()
        assert "serving" in line and "http://[::1]:" in line, line
        status, _, body = get(line.split(" at ")[1].strip(), query="ASK {}")
        assert status == 200 and json.loads(body)["boolean"] is True
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.browser
def test_the_query_page_runs_free_text_named_and_edited_queries_in_chromium(endpoint, chromium):
    from playwright import sync_api as playwright  # a test extra: missing, the test fails

    origin = endpoint.removesuffix("/sparql")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True)
        page, outside = blocked_page(browser, allow=origin + "/")
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(origin + "/")
        page.locator("#named option").nth(20).wait_for(state="attached")  # (the page's CSP forbids eval)
        page.click("#run")  # the sample SELECT
        page.wait_for_selector("#out table")
        assert page.locator("#out tr").count() > 10
        page.fill("#text", "CONSTRUCT { ?s a ?c } WHERE { ?s a ?c } LIMIT 2")
        page.click("#run")
        page.wait_for_selector("#out pre")
        assert " a " in page.text_content("#out pre") or "rdf:type" in page.text_content("#out pre")
        page.select_option("#named", "separators-outside-china")
        assert page.locator("#params input").count() > 0
        page.fill("#text", "ASK { ?s ?p ?o }")  # edited: the text, not the named query, runs
        page.click("#run")
        playwright.expect(page.locator("#out")).to_have_text("true")
        assert page.input_value("#named") == "" and outside == [] and errors == []
        browser.close()


def test_other_methods_get_405_naming_the_allowed_ones(endpoint):
    for method, path in (("PUT", "/sparql"), ("DELETE", "/sparql"), ("POST", "/queries"), ("PATCH", "/")):
        request = urllib.request.Request(endpoint.removesuffix("/sparql") + path, method=method, data=b"")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 405
        assert refused.value.headers["Allow"] == ("GET, HEAD, POST" if path == "/sparql" else "GET, HEAD")


def test_other_hosts_and_other_sites_pages_are_refused(endpoint):
    """A page elsewhere cannot make the user's browser query the endpoint, nor rebind a name to it."""
    port = urllib.parse.urlsplit(endpoint).port
    for host, status in ((f"attacker.example:{port}", 421), (f"127.0.0.1:{port + 1}", 421),
                         (f"localhost:{port}", 200), (f"127.0.0.1:{port}", 200)):  # fmt: skip
        request = f"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        assert raw(endpoint, request.encode()).split()[1] == str(status).encode(), host
    for origin, status in (("http://attacker.example", 403), ("null", 403), (f"http://127.0.0.1:{port}", 200)):
        request = (f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: {origin}\r\nConnection: close\r\n"
                   "Content-Type: application/sparql-query\r\nContent-Length: 6\r\n\r\nASK {}")  # fmt: skip
        assert raw(endpoint, request.encode()).split()[1] == str(status).encode(), origin


def test_a_client_that_hangs_up_early_leaves_no_trace(endpoint):
    url = urllib.parse.urlsplit(endpoint)
    head = f"Host: {url.netloc}\r\nContent-Type: application/sparql-query\r\n"
    for request in (f"POST /sparql HTTP/1.1\r\n{head}Content-Length: 100\r\n\r\nASK".encode(),
                    f"GET /sparql?query={urllib.parse.quote(RUNAWAY)} HTTP/1.1\r\nHost: {url.netloc}\r\n\r\n".encode(),
                    b"GET /sparql HTTP/1.1\r\nHost: ", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"):  # fmt: skip
        with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
            sock.sendall(request)
            time.sleep(0.2)
    assert get(endpoint, query="ASK {}")[0] == 200  # (and the fixture finds no traceback on stderr)


def test_head_websockets_and_fetches_from_other_sites(endpoint):
    host = urllib.parse.urlsplit(endpoint).netloc
    head = urllib.request.Request(endpoint.removesuffix("/sparql") + "/", method="HEAD")
    with urllib.request.urlopen(head, timeout=30) as response:
        assert response.status == 200 and int(response.headers["Content-Length"]) > 1000 and response.read() == b""
    upgrade = (f"GET /sparql HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")  # fmt: skip
    assert raw(endpoint, upgrade.encode()).split()[1] == b"403"
    for site, status in (("cross-site", b"403"), ("same-site", b"403"), ("same-origin", b"200"), ("none", b"200")):
        request = f"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: {host}\r\nSec-Fetch-Site: {site}\r\n\r\n"
        assert raw(endpoint, request.encode()).split()[1] == status, site  # (an <img> elsewhere sends no Origin)


@pytest.mark.parametrize(
    ("listening", "host", "answered"),
    [
        ("127.0.0.1", "127.0.0.1:8000", True), ("127.0.0.1", "LOCALHOST:8000", True),
        ("127.0.0.1", "localhost.:8000", False), ("127.0.0.1", "127.0.0.1", False),
        ("127.0.0.1", "u@127.0.0.1:8000", False), ("127.0.0.1", "127.0.0.1:8000/x", False),
        ("127.0.0.1", "127.0.0.1:", False), ("127.0.0.1", "127.0.0.2:8000", False),
        ("127.0.0.1", "evil.example:8000", False), ("::1", "[::1]:8000", True), ("::1", "[0:0::1]:8000", True),
        ("::1", "::1:8000", False), ("0.0.0.0", "10.1.2.3:8000", True), ("0.0.0.0", "evil.example:8000", False),
        ("0.0.0.0", "[::1]:8000", False), ("::", "[fe80::1]:8000", True), ("::", "rebound.example:8000", False),
        ("192.168.1.5", "192.168.1.5:8000", True), ("192.168.1.5", "localhost:8000", False),
        ("192.168.1.5", "sparql.example.org:8000", True),
    ],
)  # fmt: skip
def test_host_headers_answered(listening, host, answered):
    import ipaddress

    from reegraph.serve import _hosts

    assert _hosts(ipaddress.ip_address(listening), 8000, ("sparql.example.org",))(host) is answered


def test_http_2_is_not_spoken_and_forms_are_bounded(endpoint):
    # an HTTP/2 connection that opens no stream was never closed; a 1 MB form of empty fields took
    # a second of the event loop to parse
    url = urllib.parse.urlsplit(endpoint)
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(b"PRI * HTTP/2.0\r\nHost: " + url.netloc.encode() + b"\r\n\r\nSM\r\n\r\n")
        assert sock.makefile("rb").readline().startswith(b"HTTP/1.1 4")  # an HTTP/1.1 refusal
    upgrade = f"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: {url.netloc}\r\nConnection: Upgrade, HTTP2-Settings\r\n"
    upgrade += "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n"
    assert raw(endpoint, upgrade.encode()) == b"HTTP/1.1 200 \r\n"  # answered in HTTP/1.1, not switched
    status, body = post(endpoint, "a=&" * 300_000, "application/x-www-form-urlencoded")
    assert status == 400 and "at most 100 fields" in body
