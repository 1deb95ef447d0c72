"""``reegraph serve`` as a real server on 127.0.0.1, queried with raw HTTP, SPARQLWrapper and rdflib."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest

pytestmark = pytest.mark.slow

SEPARATORS = "SELECT ?s WHERE { ?s a <https://w3id.org/reegraph/ontology#SeparationPlant> } ORDER BY ?s"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture(scope="module")
def endpoint():
    server = subprocess.Popen(
        [sys.executable, "-m", "reegraph", "serve", "--port", "0", "--timeout", "1"],
        stderr=subprocess.PIPE,
        text=True,
    )
    line = server.stderr.readline()
    assert "serving" in line, line
    url = line.split(" at ")[1].strip()
    yield url
    server.terminate()
    server.wait(timeout=10)


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
    runaway.start()
    quick = threading.Thread(target=ask, args=("quick", SEPARATORS))
    quick.start()
    quick.join()
    runaway.join()
    assert answers["quick"][0] == 200 and order == ["quick", "runaway"]  # answered while the runaway ran
    assert answers["runaway"][0] == 503 and "stopped after its timeout of 1 s" in answers["runaway"][2]


def test_the_query_page_loads_nothing_from_elsewhere(endpoint):
    status, media, page = get(endpoint.removesuffix("/sparql") + "/", "text/html")
    assert status == 200 and media.startswith("text/html")
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    assert "textContent" in page and "innerHTML" not in page  # data is never parsed as HTML
