"""The query library on a hand-made fixture (expected rows checked by eye), safe parameters, the W3C
result formats, refused SERVICE and updates, and a timeout that stops the query."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
import signal
import subprocess
import sys
import time

import pytest

from reegraph.errors import ExecutionError, InputError
from reegraph.library import bind, library
from reegraph.rdf.load import load_store, ontology_path
from reegraph.rdf.store import AnswerTooLargeError
from reegraph.rdf.vocab import short_id

from .conftest import DATA

FIXTURE = DATA / "queries" / "fixture.ttl"

#: query -> (parameters, columns compared, expected rows in order); ids shortened.
EXPECTED = {
    "capacity-by-country": (
        {},
        ("stage", "country", "element", "total"),
        [("mining", "CN", "ALL", "1000"), ("separation", "CN", "Dy", "90")],
    ),
    "company-facilities": (
        {"company": "org/state"},
        ("facility", "operator"),
        [("facility/mine-cn", "org/state"), ("facility/sep-cn", "org/sep-co")],
    ),
    "components": (
        {},
        ("component", "element", "critical"),
        [("component/motor", "Dy", "true"), ("component/motor", "Nd", "false")],
    ),
    "demand-by-region": (
        {"year": "2025"},
        ("endUse", "region", "year", "value"),
        [("end-use/cars", "CN", "2025", "1200"), ("end-use/cars", "US", "2025", "300")],
    ),
    "disruptions": (
        {},
        ("disruption", "affected", "country", "start"),
        [("disruption/flood", "facility/sep-my", "MY", "2025-02-01")],
    ),
    "element-chain": (
        {"element": "Dy"},
        ("stage", "facility", "status"),
        [
            ("separation", "facility/sep-cn", "operating"),
            ("separation", "facility/sep-my", "operating"),
            ("separation", "facility/sep-us", "planned"),
            ("magnet", "facility/magnet-jp", "operating"),
        ],
    ),
    "elements": (
        {"group": "magnet"},
        ("symbol", "atomicNumber", "group"),
        [("Nd", "60", "magnet"), ("Dy", "66", "magnet")],
    ),
    "end-uses-of-element": (
        {},
        ("endUse", "sector", "critical", "through"),
        [("end-use/cars", "automotive", "true", "traction motor"), ("end-use/jets", "defence", "false", "")],
    ),
    "estimates": (
        {},
        ("holder", "value", "confidence", "method"),
        [
            ("facility/sep-cn", "90", "estimate", "share of the national total"),
            ("facility/sep-us", "20", "estimate", "announced nameplate"),
        ],
    ),
    "export-controls-on": (
        {"date": "2025-12-01"},  # the extension to Nd is suspended on that day
        ("policy", "issuer", "elements", "forms"),
        [("policy/ban", "CN", "Dy", "oxide sintered-ndfeb")],  # lists in alphabetical order
    ),
    "facilities": (
        {"stage": "separation"},
        ("facility", "country", "status", "operator"),
        [
            ("facility/sep-cn", "CN", "operating", "Separation Co"),
            ("facility/sep-my", "MY", "operating", "Lynas"),
            ("facility/sep-us", "US", "planned", "Lynas"),
        ],
    ),
    "facilities-near": (
        {"south": "30", "north": "50", "west": "100", "east": "120"},
        ("facility", "lat", "long"),
        [("facility/mine-cn", "40", "110")],
    ),
    "facilities-without-figures": ({}, ("facility", "stage"), [("facility/magnet-jp", "magnet")]),
    "facts-from-source": (
        {"source": "source/usgs"},
        ("thing", "value"),
        [
            ("facility/mine-cn", ""),
            ("facility/sep-cn", ""),
            ("quantity/cn-mining-2024", "270000"),
            ("quantity/cn-quota-2024", "270000"),
            ("quantity/cn-reserves", "44000000"),
            ("quantity/mine-cn", "1000"),
            ("quantity/sep-cn-dy", "90"),
            ("quantity/us-mining-2024", "45000"),
        ],
    ),
    "magnet-feedstock": (
        {},
        ("plant", "supplier", "supplierCountry", "linkStatus"),
        [
            ("facility/magnet-jp", "facility/sep-cn", "CN", "reported"),  # a link to the plant's company
            ("facility/magnet-jp", "facility/sep-my", "MY", "contract"),
        ],
    ),
    "mine-production": ({"year": "2024"}, ("country", "value"), [("CN", "270000"), ("US", "45000")]),
    "ownership": (
        {"parentCountry": "CN"},
        ("facility", "operator", "ultimateParent"),
        [("facility/mine-cn", "org/state", "org/state"), ("facility/sep-cn", "org/sep-co", "org/state")],
    ),
    "planned-capacity": ({}, ("startYear", "stage", "element", "capacity"), [("2027", "separation", "Dy", "20")]),
    "policies": (
        {},
        ("policy", "status", "suspendedUntil"),
        [("policy/ban", "in-force", ""), ("policy/later", "suspended", "2026-11-10")],
    ),
    "quotas": ({}, ("holder", "stage", "value"), [("country/CN", "mining", "270000")]),
    "reserves": ({}, ("country", "value"), [("CN", "44000000")]),
    "separators-outside-china": (
        {"element": "Dy"},
        ("facility", "status", "kind", "value"),
        [("facility/sep-us", "planned", "capacity", "20"), ("facility/sep-my", "operating", "capacity", "10")],
    ),
    "sources": ({}, ("source", "publisher", "uses"), [("source/report", "Lynas", "13"), ("source/usgs", "USGS", "8")]),
    "supply-links": (
        {"customerCountry": "JP"},
        ("link", "supplier", "customer", "status"),
        [
            ("link/cn-to-jp", "facility/sep-cn", "org/magnet-co", "reported"),
            ("link/my-to-jp", "facility/sep-my", "facility/magnet-jp", "contract"),
        ],
    ),
}


@pytest.fixture(scope="module")
def fixture_store():
    return load_store(data=[ontology_path(), FIXTURE], bundled=False)


@pytest.fixture(scope="module")
def bundled_store():
    return load_store()


def cells(row: dict, columns) -> tuple:
    return tuple(
        short_id(str(row[c])) if c in row and str(row[c]).startswith("http") else str(row.get(c, "")) for c in columns
    )


def test_the_library_has_twenty_documented_queries_and_each_is_tested():
    queries = library()
    assert len(queries) >= 20 and set(queries) == set(EXPECTED)
    for query in queries.values():
        assert query.title != query.name and query.description, query.name
        assert all(p.description for p in query.params)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_query_gives_its_expected_rows_on_the_fixture(fixture_store, name):
    params, columns, expected = EXPECTED[name]
    query = library()[name]
    rows = fixture_store.select(query.text, bindings=bind(query, params))
    assert [cells(r, columns) for r in rows] == expected


def test_the_last_day_of_a_suspension_is_suspended(fixture_store):
    query = library()["export-controls-on"]
    for day, expected in (("2026-11-10", ["policy/ban"]), ("2026-11-11", ["policy/ban", "policy/later"])):
        rows = fixture_store.select(query.text, bindings=bind(query, {"date": day}))
        assert [cells(r, ("policy",))[0] for r in rows] == expected, day


OPTIONAL_PARAMS = sorted((q.name, p.name) for q in library().values() for p in q.params if p.optional)


@pytest.mark.parametrize(("name", "optional"), OPTIONAL_PARAMS)
def test_an_optional_parameter_narrows_exactly_like_a_filter(bundled_store, name, optional):
    """Binding an optional parameter keeps exactly the rows that carry that value (a parameter only
    in an OPTIONAL block would not: the VALUES block joins, the OPTIONAL does not filter)."""
    query = library()[name]
    required = {p.name: v for p in query.params if not p.optional for v in [EXPECTED[name][0].get(p.name)] if v}
    every = bundled_store.select(query.text, bindings=bind(query, required))
    values = sorted({str(r[optional]) for r in every if optional in r})
    assert values, f"{name}: no row has {optional}"
    value = values[len(values) // 2]
    narrowed = bundled_store.select(query.text, bindings=bind(query, {**required, optional: value}))
    kept = [r for r in every if str(r.get(optional)) == value]
    assert narrowed and sorted(map(_key, narrowed)) == sorted(map(_key, kept))
    kind = next(p.type for p in query.params if p.name == optional)
    absent = {"string": "none such", "iri": "urn:none", "integer": "1", "decimal": "-1", "date": "1900-01-01"}[kind]
    assert bundled_store.select(query.text, bindings=bind(query, {**required, optional: absent})) == []


def _key(row: dict) -> str:
    return repr(sorted((k, str(v)) for k, v in row.items()))


def test_json_csv_tsv_and_xml_follow_the_w3c_results_formats(run):
    args = ("query", "separators-outside-china", "--param", "element=Dy", "--format")
    data = json.loads(run(*args, "json").stdout)
    assert data["head"]["vars"][:3] == ["facility", "label", "country"]
    first = data["results"]["bindings"][0]
    assert first["facility"]["type"] == "uri" and first["value"]["datatype"].startswith(
        "http://www.w3.org/2001/XMLSchema#"
    )
    table = list(csv.reader(io.StringIO(run(*args, "csv").stdout)))
    assert table[0][:3] == ["facility", "label", "country"] and len(table) == len(data["results"]["bindings"]) + 1
    assert run(*args, "tsv").stdout.splitlines()[0].startswith("?facility\t?label\t?country")
    assert '<sparql xmlns="http://www.w3.org/2005/sparql-results#">' in run(*args, "xml").stdout


def test_a_hostile_value_is_only_a_value(run):
    hostile = 'Dy" || true || "'
    result = run("query", "separators-outside-china", "--param", f"element={hostile}", "--format", "csv")
    assert result.exit_code == 0 and result.stdout.strip().splitlines() == [
        "facility,label,country,status,element,kind,value,basis,year"
    ]
    bad_iri = run("query", "facts-from-source", "--param", "source=x> } ?s ?p ?o { <y")
    assert bad_iri.exit_code == 2 and "is not a valid iri" in bad_iri.stderr


def test_parameters_are_checked(run):
    unknown = run("query", "facilities", "--param", "colour=red")
    assert unknown.exit_code == 2 and "has no parameter 'colour'" in unknown.stderr
    missing = run("query", "facts-from-source")
    assert missing.exit_code == 2 and "needs source=<iri>" in missing.stderr
    bad = run("query", "export-controls-on", "--param", "date=yesterday")
    assert bad.exit_code == 2 and "is not a valid date" in bad.stderr


def test_service_and_updates_never_run(run):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/sparql"
    try:
        service = run("query", "-e", f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}")
        assert service.exit_code == 2 and "SERVICE is refused" in service.stderr
        for hidden in (
            f"SELECT * WHERE {{ # the engine ends a comment at CR\rSERVICE <{url}> {{ ?s ?p ?o }} }}",
            f"select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ BIND('\\'' AS ?x) SERVICE <{url}> {{ ?s ?p ?o }} BIND('' AS ?y) }}",
            f"SELECT * WHERE {{ SERVICESILENT<{url}>{{ ?s ?p ?o }} }}",  # no space needed after a keyword
            f"SELECT * WHERE {{ ?s ?p 1SERVICE <{url}> {{ ?s ?p ?o }} }}",
            f"PREFIX ex: <http://e/> SELECT * WHERE {{ BIND(ex:a\\# AS ?x) SERVICE <{url}> {{ ?s ?p ?o }} }}",
            f"SELECT * WHERE {{ BIND(1<'>' AS ?z) SERVICE <{url}> {{ ?s ?p ?o }} BIND('' AS ?y) }}",
        ):
            refused = run("query", "-e", hidden)
            assert refused.exit_code == 2 and "SERVICE is refused" in refused.stderr, hidden
        harmless = "SELECT ?service WHERE { BIND(CONCAT('serv', 'ice') AS ?service) }"
        assert run("query", "-e", harmless, "--format", "csv").stdout.splitlines() == ["service", "service"]
        load = run("query", "-e", f"LOAD <{url}>")
        assert load.exit_code == 2 and "invalid SPARQL" in load.stderr
        remote_from = run("query", "-e", f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}")  # a local graph name only
        assert remote_from.exit_code == 0
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody called
    finally:
        listener.close()


RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"  # 5,700^4 rows


def test_a_runaway_query_is_stopped_at_its_timeout(tmp_path):
    """The command's process ends at the timeout (it is the work), leaving no output file behind."""
    out = tmp_path / "answer.json"
    command = [sys.executable, "-m", "reegraph", "query", "-e", RUNAWAY, "--timeout", "0.5", "-o", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)  # unstopped, it would run for days
    assert result.returncode == 3 and result.stderr == "reegraph: error: query stopped after its timeout of 0.5 s\n"
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_stops_a_running_query_at_once():
    command = [sys.executable, "-m", "reegraph", "query", "-e", RUNAWAY, "--timeout", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(2)  # loaded, and running the query (or still loading: then click's own handler answers)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) in (-signal.SIGINT, 1)  # unstopped, it would run for days


def test_queries_nested_too_deeply_for_the_parser_are_refused(run):
    deep = run("query", "-e", "SELECT * " + "{" * 5000 + "}" * 5000)
    assert deep.exit_code == 2 and "nests brackets 5000 deep: at most 200" in deep.stderr
    assert run("query", "-e", "SELECT * " + "{" * 200 + "}" * 200).exit_code == 0


@pytest.mark.parametrize("timeout", ["1e300", "inf", "nan", "-1"])
def test_timeouts_must_be_a_real_number_of_seconds_up_to_a_week(run, timeout):
    result = run("query", "-e", "ASK {}", "--timeout", timeout)
    assert result.exit_code == 2 and "Invalid value for '--timeout'" in result.stderr


def test_the_library_stops_a_runaway_query_in_a_child_process(bundled_store):
    with pytest.raises(ExecutionError, match=r"stopped after its timeout of 0\.5 s"):
        bundled_store.evaluate(RUNAWAY, timeout=0.5)
    assert multiprocessing.active_children() == []  # the evaluating process is gone, not left burning a core
    with pytest.raises(AnswerTooLargeError, match="over the limit of 1,000 bytes"):
        bundled_store.evaluate("SELECT * WHERE { ?s ?p ?o }", timeout=10, max_bytes=1000)
    with pytest.raises(InputError, match="invalid SPARQL"):
        bundled_store.evaluate("SELECT ?x {", timeout=10)
    assert bundled_store.evaluate("ASK {}", timeout=10) == bundled_store.evaluate("ASK {}")


def test_list_expression_and_file(run, tmp_path):
    listed = run("query", "--list")
    assert listed.exit_code == 0 and "separators-outside-china" in listed.stdout
    counted = run("query", "-e", "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/reegraph/ontology#Element> }")
    assert counted.stdout.splitlines()[-1].strip() == "17"
    path = tmp_path / "mine.rq"
    path.write_text("# title: x\n# param: n: number — bad type\nSELECT * WHERE { ?s ?p ?n }\n", encoding="utf-8")
    bad = run("query", str(path))
    assert bad.exit_code == 2 and f"{path}:2: expected '# param:" in bad.stderr
    neither = run("query")
    assert neither.exit_code == 2 and "give a query NAME" in neither.stderr


def test_the_list_in_json_and_csv(run):
    described = json.loads(run("query", "--list", "--format", "json").stdout)
    assert {q["name"] for q in described} == set(library()) and all(q["text"] for q in described)
    rows = list(csv.reader(io.StringIO(run("query", "--list", "--format", "csv").stdout)))
    assert rows[0] == ["query", "title", "parameters (?: optional)"] and len(rows) == len(library()) + 1
    assert run("query", "--list", "--format", "xml").exit_code == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT ?x {", "reegraph: error: invalid SPARQL: error at 1:12: expected one of"),
        ("SELECT (<urn:f>(1) AS ?x) {}", "reegraph: error: cannot evaluate the query: The custom function <urn:f>"),
    ],
)
def test_queries_the_engine_refuses_are_one_line_usage_errors(run, text, message):
    result = run("query", "-e", text)
    assert result.exit_code == 2 and result.stderr.startswith(message) and result.stderr.count("\n") == 1
