"""Loading data never reaches the network: a loopback listener counts connections (zero)."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading

import pytest


@pytest.fixture
def listener():
    """A TCP listener on 127.0.0.1 that counts every connection made to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    state = {"connections": 0, "open": True}

    def accept():
        while state["open"]:
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            state["connections"] += 1
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", state
    state["open"] = False
    thread.join()
    server.close()


def _reegraph(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "reegraph", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_hostile_data_makes_no_connection(listener, tmp_path):
    url, state = listener
    (tmp_path / "service.ttl").write_text(
        f"""@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{url}/ontology> a owl:Ontology ; owl:imports <{url}/imported.ttl> .
<urn:x> rdfs:comment "SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}" ;
    rdfs:seeAlso <{url}/see-also.ttl> ; rdfs:isDefinedBy <{url}/defined-by> .
"""
    )
    (tmp_path / "inline.jsonld").write_text(
        '{"@context": {"rdfs": "http://www.w3.org/2000/01/rdf-schema#"}, "@id": "urn:y", '
        f'"rdfs:seeAlso": {{"@id": "{url}/more"}}}}'
    )
    for command in ("info", "validate"):
        result = _reegraph(command, "--data", str(tmp_path), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    (tmp_path / "remote.jsonld").write_text(f'{{"@context": "{url}/context.jsonld", "@id": "urn:z"}}')
    result = _reegraph("info", "--data", str(tmp_path / "remote.jsonld"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        f"reegraph: error: {tmp_path / 'remote.jsonld'}: "
        "remote JSON-LD contexts are never fetched; put the @context inline\n"
    )
    assert state["connections"] == 0


def test_guard_refuses_connections_that_a_library_might_try(listener, tmp_path):
    url, state = listener
    script = f"""
import urllib.request
from rdflib import Graph
from reegraph._guard import deny_network
deny_network()
for attempt in (
    lambda: urllib.request.urlopen("{url}/x", timeout=2),
    lambda: list(Graph().query("SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}")),
    lambda: __import__("socket").create_connection(("127.0.0.1", {url.rsplit(":", 1)[1]}), timeout=2),
):
    try:
        attempt()
    except Exception as exc:
        print(type(exc).__name__, "network" in str(exc))
    else:
        print("connected")
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")[:3]
    assert "connected" not in result.stdout
    assert all(line.endswith("True") for line in lines), result.stdout
    assert state["connections"] == 0


#: The issue's attack: a policy name that closes the IRI and calls a SERVICE on the listener.
ATTACK = (
    "mofcom-2025-18> a ?k . SERVICE <{url}/sparql> {{ ?a ?b ?c }} <https://w3id.org/reegraph/id/policy/mofcom-2025-18"
)
#: Scenario files that put the attack in each field that names something in the graph.
HOSTILE_SCENARIOS = {
    "policy": '[[export_control]]\npolicy = "{attack}"\n',
    "policy/ prefixed": '[[export_control]]\npolicy = "policy/{attack}"\n',
    "exporter": '[[export_control]]\nexporter = "{attack}"\nelements = ["Dy"]\n',
    "elements": '[[export_control]]\nexporter = "CN"\nelements = ["{attack}"]\n',
    "destinations": '[[export_control]]\nexporter = "CN"\nelements = ["Dy"]\ndestinations = ["{attack}"]\n',
    "facility": '[[offline]]\nfacility = "{attack}"\n',
    "company": '[[offline]]\ncompany = "{attack}"\n',
    "country": '[[scale]]\ncountry = "{attack}"\nfactor = 2\n',
    "online": '[[online]]\nfacility = "{attack}"\n',
    "stockpile end use": '[[stockpile]]\nregion = "EU"\ndays = 10\nend_use = "{attack}"\n',
    "new facility": '[[new_facility]]\nid = "x"\nstage = "metal"\ncountry = "{attack}"\ncapacity = 1\n',
}


@pytest.mark.parametrize("field", sorted(HOSTILE_SCENARIOS))
def test_names_in_scenario_files_never_become_query_text(run, listener, tmp_path, field):
    url, state = listener
    path = tmp_path / "hostile.toml"
    path.write_text(HOSTILE_SCENARIOS[field].format(attack=ATTACK.format(url=url)), encoding="utf-8")
    result = run("scenario", "run", str(path), "--element", "Dy")
    assert result.exit_code == 2, result.stdout
    assert result.stderr.startswith(f"reegraph: error: {path}:") and result.stderr.count("\n") == 1, result.stderr
    assert "unknown" in result.stderr
    assert state["connections"] == 0


@pytest.mark.parametrize(
    "args",
    [
        ("report", "--element", "{attack}"),
        ("report", "--end-use", "{attack}"),
        ("scenario", "run", "china-2025-04", "--element", "{attack}"),
        ("view", "--element", "{attack}", "-o", "{out}"),
        ("view", "--end-use", "{attack}", "-o", "{out}"),
        ("view", "--country", "{attack}", "-o", "{out}"),
        ("query", "facts-from-source", "--param", "source={attack}"),
        ("query", "company-facilities", "--param", "company={attack}"),
        ("query", "export-controls-on", "--param", "date={attack}"),
    ],
)
def test_names_in_options_never_become_query_text(run, listener, tmp_path, args):
    url, state = listener
    attack = ATTACK.format(url=url)
    result = run(*(a.format(attack=attack, out=tmp_path / "x.html") for a in args))
    assert result.exit_code == 2, result.stdout
    assert result.stderr.startswith("reegraph: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert not (tmp_path / "x.html").exists()
    assert state["connections"] == 0


def test_a_string_parameter_is_only_a_value(run, listener):
    """A string parameter is bound by the engine: the attack is a symbol no plant has (no rows, exit 0)."""
    url, state = listener
    result = run("query", "separators-outside-china", "--param", f"element={ATTACK.format(url=url)}", "--format", "csv")
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 1  # the header alone
    assert state["connections"] == 0
