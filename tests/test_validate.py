"""One fixture per SHACL rule and lint check: each fires, with a clear message, on its focus node."""

from __future__ import annotations

import pytest

from reegraph.rdf.load import load_store
from reegraph.rdf.validate import validate_store

from .conftest import DATA

FIXTURES = sorted((DATA / "shacl").glob("*.ttl"))


def _header(path, key):
    for line in path.read_text().splitlines():
        if line.startswith(f"# {key}: "):
            return line.split(": ", 1)[1]
    raise AssertionError(f"{path.name} has no '# {key}:' line")


def _focus_iri(curie):
    return "<https://example.org/test/" + curie.removeprefix("t:") + ">"


def test_base_fixture_and_bundled_graph_conform():
    assert validate_store(load_store(data=[DATA / "base.ttl"])) == []


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_rule_fires_with_its_message(fixture):
    findings = validate_store(load_store(data=[DATA / "base.ttl", fixture], bundled=False))
    expected, focus = _header(fixture, "expect"), _focus_iri(_header(fixture, "focus"))
    matching = [f for f in findings if expected in f.message and f.focus == focus]
    assert matching, [f"{f.focus} {f.message}" for f in findings]
    assert all(f.severity == "violation" for f in matching)
    assert all(
        f.file == str(fixture.relative_to(fixture.parents[3])) or f.file.endswith(fixture.name) for f in matching
    )


def test_every_shape_has_a_fixture():
    from rdflib.namespace import RDF, SH

    from reegraph.rdf.load import shapes_path
    from reegraph.rdf.store import read_rdflib

    shapes = read_rdflib(shapes_path())
    named = {str(s).rsplit("#", 1)[1] for s in shapes.subjects(RDF.type, SH.NodeShape)}
    covered = " ".join(f.stem for f in FIXTURES).lower()
    prefixes = {
        "Facility": "facility",
        "Country": "country",
        "Organization": "organization",
        "Ownership": "ownership",
        "Share": "share",
        "Quantity": "quantity",
        "MethodForEstimates": "estimate",
        "SupplyLink": "link",
        "Element": "element",
        "Policy": "policy",
        "ExportControl": "export-control",
        "Source": "source",
        "Region": "region",
        "Disruption": "disruption",
        "StageOfAggregates": "country-figure",
        "OreComposition": "composition",
    }
    assert named == set(prefixes)
    assert all(prefixes[name] in covered for name in named)


def test_findings_are_sorted_and_deterministic():
    overlay = [DATA / "base.ttl", *FIXTURES[:5]]
    first = validate_store(load_store(data=overlay, bundled=False))
    second = validate_store(load_store(data=overlay, bundled=False))
    assert first == second
    assert first == sorted(first, key=lambda f: (f.file, f.focus, f.path, f.message, f.value))


def test_findings_name_the_file_of_a_subject_whose_iri_holds_the_word_service(run, tmp_path):
    """The files of a finding's subject are looked up by index, not by a query with the IRI in its text
    (which the SERVICE check refused: exit 2 instead of the findings)."""
    data = tmp_path / "services.ttl"
    data.write_text(
        "@prefix ree: <https://w3id.org/reegraph/ontology#> .\n"
        "<https://example-services.org/field-service-depot> a ree:SeparationPlant .\n",
        encoding="utf-8",
    )
    result = run("validate", "--data", str(data))
    assert result.exit_code == 1, result.stderr
    lines = [line for line in result.stdout.splitlines() if "field-service-depot" in line]
    starts = (f"{data}: violation: ", f"{data}: warning: ", "services.ttl")
    assert lines and all(line.startswith(starts) for line in lines)
