"""The terms in code equal the terms in ontology/, and the ontology passes its own lint."""

from __future__ import annotations

from reegraph.model import STAGES
from reegraph.rdf.load import load_store
from reegraph.rdf.store import OxigraphStore
from reegraph.rdf.validate import find_lint_problems
from reegraph.rdf.vocab import ONTOLOGY_IRI, REE


def _ontology_store() -> OxigraphStore:
    return load_store(bundled=False)


def test_vocab_terms_equal_ontology_terms():
    rows = _ontology_store().select('SELECT DISTINCT ?t WHERE { ?t a ?k FILTER(STRSTARTS(STR(?t), "%s")) }' % REE._NS)
    declared = {str(row["t"])[len(str(REE._NS)) :] for row in rows}
    assert declared == set(REE.__annotations__)


def test_unknown_term_fails_loudly():
    import pytest

    with pytest.raises(AttributeError):
        REE.capasity  # noqa: B018


def test_ontology_passes_its_lint():
    assert find_lint_problems(_ontology_store()) == []


def test_lint_catches_missing_label_definition_and_header(tmp_path):
    store = _ontology_store()
    store.load_data(
        b"<https://w3id.org/reegraph/ontology#Widget> a <http://www.w3.org/2002/07/owl#Class> .",
        name="extra.ttl",
        graph="urn:extra",
    )
    problems = {f.message for f in find_lint_problems(store)}
    assert any("Widget has 0 English rdfs:label" in m for m in problems)
    assert any("Widget has 0 skos:definition" in m for m in problems)

    bare = OxigraphStore()
    bare.load_data(
        f"<{ONTOLOGY_IRI}> a <http://www.w3.org/2002/07/owl#Ontology> .".encode(),
        name="bare.ttl",
        graph="urn:bare",
    )
    assert sum("header lacks" in f.message for f in find_lint_problems(bare)) == 7


def test_stage_vocabulary_matches_code():
    rows = load_store(bundled=False).select(
        "SELECT ?n ?o WHERE { ?s a <%sStage> ; <http://www.w3.org/2004/02/skos/core#notation> ?n ; "
        "<%sstageOrder> ?o } ORDER BY ?o" % (REE._NS, REE._NS)
    )
    assert tuple(str(r["n"]) for r in rows) == STAGES
    assert [int(r["o"]) for r in rows] == list(range(1, len(STAGES) + 1))


def test_every_facility_class_names_its_stage():
    rows = load_store(bundled=False).select(
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT ?c ?stage WHERE { ?c rdfs:subClassOf <%sFacility> OPTIONAL { ?c <%sstage> ?stage } }"
        % (REE._NS, REE._NS)
    )
    assert len(rows) == 8  # seven stage classes and the by-product sources of the mining stage
    assert all("stage" in r for r in rows)
