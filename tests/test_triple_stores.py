"""Real triple stores on 127.0.0.1 give the embedded answers: Oxigraph's server and Virtuoso 7 (the
open-source edition Debian packages), each started here with a throw-away database folder and filled
with ``reegraph push``. The report, a scenario, ``info``, ``validate`` and every library query (with
its defaults, and with the parameters below) must give the same output through ``--endpoint`` as
from the bundled graph, byte for byte."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from reegraph.library import library

from .conftest import find_virtuoso, free_port, oxigraph_server, wait_for

pytestmark = pytest.mark.slow

#: Library queries run with parameters too: required ones, values that filter, a fractional decimal
#: (Virtuoso 7 fails on one in the SELECT list of an ordered query), an IRI, an empty answer.
PARAMETERS = [
    ("company-facilities", "company=org/lynas"),
    ("facts-from-source", "source=source/usgs-mcs-2025-rare-earths"),
    ("separators-outside-china", "element=Tb"),
    ("export-controls-on", "date=2025-12-01"),
    ("export-controls-on", "date=2025-10-10"),
    ("facilities", "stage=separation", "country=US"),
    ("facilities-near", "south=0.5", "north=60.25", "west=-10", "east=150.5"),
    ("policies", "status=in-force"),
    ("components", "element=Dy"),
    ("end-uses-of-element", "element=Nd"),
    ("capacity-by-country", "stage=separation", "kind=capacity"),
    ("elements", "group=magnet"),
    ("mine-production", "year=2024"),
    ("estimates", "confidence=estimate"),
    ("quotas", "year=2024"),
    ("facilities", "country=ZZ"),
]
CASES = [
    (name,)
    for name, query in sorted(library().items())
    if all(p.default is not None or p.optional for p in query.params)  # (the others are in PARAMETERS)
] + PARAMETERS
COMMANDS = [
    ("report", "--as-of", "2026-11-28"),
    ("report", "--as-of", "2026-11-28", "--by", "ownership", "--element", "Dy"),
    ("scenario", "run", "china-2025-04", "--as-of", "2026-11-28"),
    ("scenario", "run", "china-2025-10", "--as-of", "2025-11-01", "--licensed-fraction", "0.25"),
    ("info",),
    ("sources",),
]


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    with oxigraph_server(tmp_path_factory.mktemp("oxigraph")) as url:
        yield url, None


def virtuoso_ini(folder: Path, sql_port: int, http_port: int) -> str:
    """Debian's virtuoso.ini for a server whose files all live in ``folder``, listening on 127.0.0.1
    only, with a result-row limit above the bundled graph's triple count."""
    text = Path("/etc/virtuoso-opensource-7/virtuoso.ini").read_text()
    text = text.replace("/var/lib/virtuoso-opensource-7/db/", f"{folder}/")
    section, lines = "", []
    for line in text.splitlines():
        if re.match(r"\s*\[", line):
            section = line.strip()
        key = line.split("=", 1)[0].strip() if "=" in line and not line.lstrip().startswith(";") else ""
        line = {
            ("[Parameters]", "ServerPort"): f"ServerPort = 127.0.0.1:{sql_port}",
            ("[Parameters]", "DirsAllowed"): f"DirsAllowed = ., {folder}, /usr/share/virtuoso-opensource-7/vad",
            ("[HTTPServer]", "ServerPort"): f"ServerPort = 127.0.0.1:{http_port}",
            ("[URIQA]", "DefaultHost"): f"DefaultHost = 127.0.0.1:{http_port}",
            ("[SPARQL]", "ResultSetMaxRows"): "ResultSetMaxRows = 1000000",
        }.get((section, key), line)
        lines.append(line)
    return "\n".join(lines) + "\n"


#: Lets anonymous SPARQL users write through the Graph Store Protocol, and makes <urn:reegraph> the
#: default graph of requests to 127.0.0.1 (for queries, and for Graph Store writes to ``?default``):
#: Virtuoso's own default graph is the union of every graph, its ~5,600 system triples included.
VIRTUOSO_SETUP = """GRANT SPARQL_UPDATE TO "SPARQL";
INSERT INTO DB.DBA.SYS_SPARQL_HOST (SH_HOST, SH_GRAPH_URI, SH_DEFINES)
  VALUES ('127.0.0.1:%', 'urn:reegraph', 'define input:named-graph-uri <urn:reegraph>');
checkpoint;"""


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    found = find_virtuoso()
    assert found, "tests using the virtuoso fixture must be marked @pytest.mark.virtuoso"
    server_binary, isql = found
    folder = tmp_path_factory.mktemp("virtuoso")
    sql_port, http_port = free_port(), free_port()
    (folder / "virtuoso.ini").write_text(virtuoso_ini(folder, sql_port, http_port))
    log = (folder / "console.log").open("w")
    command = [server_binary, "+foreground", "+configfile", str(folder / "virtuoso.ini")]
    server = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{http_port}/sparql?query=ASK%7B%7D", server, "virtuoso-t")
        subprocess.run([isql, f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={VIRTUOSO_SETUP}"], check=True,
                       capture_output=True, timeout=60)  # fmt: skip
        yield f"http://127.0.0.1:{http_port}/sparql", None  # push finds /sparql-graph-crud
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module", params=["oxigraph", pytest.param("virtuoso", marks=pytest.mark.virtuoso)])
def endpoint(request, run):
    """A store with the bundled graph pushed into its default graph; its SPARQL endpoint's URL."""
    url, store = request.getfixturevalue(request.param)
    pushed = run("push", "--endpoint", url, *(("--store", store) if store else ()))
    assert pushed.exit_code == 0, pushed.stderr
    held = int(re.search(r"now holds ([\d,]+) triples", pushed.stderr).group(1).replace(",", ""))
    local = int(re.search(r"^triples\s+([\d,]+)$", run("info").stdout, re.M).group(1).replace(",", ""))
    assert held == local  # the ontology and the graphs, every triple (some 7,000)
    return url


@pytest.fixture(scope="module")
def run():
    """The CLI in-process (module scope: the stores are filled once per module)."""
    from click.testing import CliRunner

    from reegraph.cli import cli

    return lambda *args: CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_commands_give_the_embedded_output(run, endpoint, args):
    local, remote = run(*args, "--format", "json"), run(*args, "--format", "json", "--endpoint", endpoint)
    assert local.exit_code == 0, local.stderr
    assert remote.exit_code == 0, remote.stderr
    assert remote.stdout == local.stdout


@pytest.mark.parametrize("case", CASES, ids=" ".join)
@pytest.mark.parametrize("form", ["json", "csv", "tsv"])
def test_each_library_query_gives_the_embedded_answer(run, endpoint, case, form):
    name, *params = case
    args = ["query", name, *(a for p in params for a in ("--param", p)), "--format", form]
    local, remote = run(*args), run(*args, "--endpoint", endpoint)
    assert local.exit_code == 0, local.stderr
    assert remote.exit_code == 0, remote.stderr
    assert remote.stdout == local.stdout
    if form == "json" and params != ["country=ZZ"]:  # (the one case chosen to be empty)
        assert json.loads(local.stdout)["results"]["bindings"], "a case that compares nothing"


def test_validate_finds_the_same_through_the_endpoint(run, endpoint, tmp_path):
    local, remote = run("validate", "--format", "json"), run("validate", "--format", "json", "--endpoint", endpoint)
    assert local.exit_code == remote.exit_code == 0, remote.stdout + remote.stderr
    assert json.loads(remote.stdout)["findings"] == json.loads(local.stdout)["findings"] == []
    # Then with two problems in the data (a typo'd class, a 13th month), inserted and taken out again.
    (tmp_path / "bad.nt").write_text(BAD)
    local = run("validate", "--format", "json", "--data", str(tmp_path / "bad.nt"))
    update(endpoint, f"INSERT DATA {{ {BAD} }}")
    try:
        remote = run("validate", "--format", "json", "--endpoint", endpoint)
    finally:
        update(endpoint, f"DELETE DATA {{ {BAD} }}")
    assert local.exit_code == remote.exit_code == 1, remote.stdout + remote.stderr
    found = [{**f, "file": ""} for f in json.loads(local.stdout)["findings"]]  # (an endpoint's graphs are not files)
    assert json.loads(remote.stdout)["findings"] == found
    assert {f["rule"] for f in found} >= {"lint:undeclared-term", "lint:ill-typed-literal"}


BAD = """<https://w3id.org/reegraph/id/facility/zz-test> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> \
<https://w3id.org/reegraph/ontology#Mien> .
<https://w3id.org/reegraph/id/facility/zz-test> <http://www.w3.org/2000/01/rdf-schema#label> "zz test" .
<https://w3id.org/reegraph/id/policy/zz-test> <https://w3id.org/reegraph/ontology#announcedDate> \
"2025-13-01"^^<http://www.w3.org/2001/XMLSchema#date> .
""".replace("\\\n", "")


def update(endpoint: str, text: str) -> None:
    """A SPARQL update at the store behind ``endpoint`` (Oxigraph's /update; Virtuoso's /sparql)."""
    url, field = (
        (endpoint[: -len("/query")] + "/update", "update") if endpoint.endswith("/query") else (endpoint, "query")
    )
    urllib.request.urlopen(url, data=urllib.parse.urlencode({field: text}).encode(), timeout=30).read()


def test_a_construct_query_gives_the_embedded_triples(run, endpoint):
    """Virtuoso answers a CONSTRUCT as a JSON table if JSON is acceptable: it is asked for N-Triples."""
    query = ("PREFIX ree: <https://w3id.org/reegraph/ontology#> CONSTRUCT { ?e ree:symbol ?s } "
             "WHERE { ?e a ree:Element ; ree:symbol ?s }")  # fmt: skip
    local, remote = run("query", "-e", query), run("query", "-e", query, "--endpoint", endpoint)
    assert local.exit_code == remote.exit_code == 0, remote.stderr
    triples = sorted(line for line in local.stdout.splitlines() if "ree:symbol" in line or "symbol>" in line)
    assert (
        len(triples) == 17
        and sorted(line for line in remote.stdout.splitlines() if "ree:symbol" in line or "symbol>" in line) == triples
    )
