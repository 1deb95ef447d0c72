"""The store seam: queries, safe bindings, term conversion and the rdflib view."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from reegraph.errors import InputError
from reegraph.rdf.store import OxigraphStore

DATA = b"""
<urn:a> <urn:label> "Mine \\"X\\"" ; <urn:n> 3 ; <urn:lang> "Bergwerk"@de .
<urn:b> <urn:label> "other" .
"""


@pytest.fixture
def store():
    s = OxigraphStore()
    s.load_data(DATA, name="t.ttl", graph="urn:g")
    return s


def test_select_ask_construct(store):
    rows = store.select("SELECT ?s WHERE { ?s <urn:label> ?l } ORDER BY ?s")
    assert [r["s"] for r in rows] == [URIRef("urn:a"), URIRef("urn:b")]
    assert store.ask("ASK { <urn:a> <urn:n> 3 }")
    assert len(store.construct("CONSTRUCT WHERE { ?s <urn:label> ?l }")) == 2
    assert len(store) == 4


def test_values_gives_plain_strings_and_none_for_unbound(store):
    rows = store.values("SELECT ?s ?l ?n WHERE { ?s <urn:label> ?l OPTIONAL { ?s <urn:n> ?n } } ORDER BY ?s")
    assert rows == [{"s": "urn:a", "l": 'Mine "X"', "n": "3"}, {"s": "urn:b", "l": "other", "n": None}]
    with pytest.raises(InputError, match="not a SELECT"):
        store.values("ASK {}")


def test_bindings_are_values_not_query_text(store):
    hostile = Literal('x" || true || "')
    rows = store.select("SELECT ?s ?l WHERE { ?s <urn:label> ?l }", bindings={"l": hostile})
    assert rows == []
    rows = store.select("SELECT ?s ?l WHERE { ?s <urn:label> ?l }", bindings={"l": Literal('Mine "X"')})
    assert [r["s"] for r in rows] == [URIRef("urn:a")]


def test_wrong_query_form_and_bad_sparql_are_input_errors(store):
    with pytest.raises(InputError, match="not a SELECT"):
        store.select("ASK {}")
    with pytest.raises(InputError, match="invalid SPARQL"):
        store.select("SELEKT")


@pytest.mark.parametrize(
    "term",
    [
        URIRef("urn:x"),
        Literal("plain"),
        Literal('with "quotes", \\ and\nlines'),
        Literal("de", lang="de"),
        Literal("3", datatype=XSD.integer),
    ],
)
def test_a_bound_term_comes_back_as_it_went_in(store, term):
    assert store.select("SELECT ?x WHERE { }", bindings={"x": term}) == [{"x": term}]


def test_unsupported_iri_is_an_input_error(store):
    with pytest.raises(InputError, match="not a valid IRI"):
        store.select("SELECT ?x WHERE { }", bindings={"x": URIRef("not an iri")})


def test_rdflib_view_sees_all_graphs(store):
    graph = store.to_rdflib()
    assert len(graph) == 4
    assert (URIRef("urn:a"), URIRef("urn:n"), Literal(3)) in graph


def test_graphs_of(store):
    found = store.graphs_of([URIRef("urn:a"), URIRef("urn:zzz")])
    assert found.get(URIRef("urn:a")) == ["urn:g"]
    assert found.get(URIRef("urn:zzz"), []) == []


def test_export_round_trips(store):
    turtle = store.export(fmt=ox.RdfFormat.TURTLE)
    assert b"<urn:a>" in turtle
    again = OxigraphStore()
    again.load_data(turtle, name="again.ttl", graph="urn:again")
    assert len(again) == len(store)
    quads = store.export()
    assert quads.count(b"<urn:g>") == 4
