"""The bundled curated graph: coverage, provenance of every figure, and reconciliation with USGS."""

from __future__ import annotations

import re

import pytest

from reegraph.rdf.load import graphs_path, load_store
from reegraph.rdf.sparql import SPARQL_PREFIXES
from reegraph.reconcile import PUBLISHED_CHINA_SHARE, check_countries, render_data_card_tables, stage_shares

#: USGS Mineral Commodity Summaries 2025, Rare Earths, "World Mine Production and Reserves", 2024 column.
USGS_MINE_PRODUCTION_2024 = {
    "CN": 270_000, "US": 45_000, "MM": 31_000, "AU": 13_000, "NG": 13_000, "TH": 13_000, "IN": 2_900,
    "RU": 2_500, "MG": 2_000, "VN": 300, "MY": 130, "BR": 20,
}  # fmt: skip


@pytest.fixture(scope="module")
def store():
    return load_store()


def count(store, query: str) -> int:
    return int(store.select(SPARQL_PREFIXES + query)[0]["n"])


def test_coverage_meets_the_issue(store):
    facilities = "SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a/rdfs:subClassOf* ree:Facility ; ree:country ?c %s }"
    assert count(store, facilities % "") >= 80
    assert count(store, facilities % "FILTER (?c != <https://w3id.org/reegraph/id/country/CN>)") >= 30
    assert count(store, "SELECT (COUNT(?e) AS ?n) WHERE { ?e a ree:EndUse }") >= 20
    assert count(store, "SELECT (COUNT(?e) AS ?n) WHERE { ?e a ree:Element }") == 17
    stages = {
        str(r["s"])
        for r in store.select(SPARQL_PREFIXES + "SELECT DISTINCT ?s WHERE { ?f a/ree:stage/skos:notation ?s }")
    }
    assert {"mining", "concentration", "separation", "metal", "magnet"} <= stages


def test_every_quantity_has_source_year_basis_and_confidence(store):
    rows = store.select(
        SPARQL_PREFIXES
        + """SELECT ?q WHERE {
            { ?q a ree:Quantity } UNION { ?x ree:hasQuantity ?q }
            FILTER (NOT EXISTS { ?q prov:wasDerivedFrom/a ree:Source } || NOT EXISTS { ?q ree:year ?y }
                    || NOT EXISTS { ?q ree:basis ?b } || NOT EXISTS { ?q ree:confidence ?c })
        }"""
    )
    assert rows == []
    assert count(store, "SELECT (COUNT(?q) AS ?n) WHERE { ?q a ree:Quantity }") > 100


def test_every_estimate_says_how_it_was_made(store):
    rows = store.select(
        SPARQL_PREFIXES + "SELECT ?x WHERE { ?x ree:confidence ree:Estimate FILTER NOT EXISTS { ?x ree:method ?m } }"
    )
    assert rows == []


def test_country_mine_production_2024_equals_the_usgs_table(store):
    rows = store.select(
        SPARQL_PREFIXES
        + """SELECT ?cc ?v WHERE {
            ?c ree:isoCode ?cc ; ree:hasQuantity ?q .
            ?q ree:forStage ree:MiningStage ; ree:quantityKind ree:Production ; ree:year 2024 ; ree:value ?v .
        }"""
    )
    assert {str(r["cc"]): int(r["v"]) for r in rows} == USGS_MINE_PRODUCTION_2024
    other = store.select(
        SPARQL_PREFIXES + "SELECT ?v WHERE { ?r a ree:Region ; ree:hasQuantity ?q . "
        "?q ree:quantityKind ree:Production ; ree:year 2024 ; ree:value ?v }"
    )
    assert sorted(int(r["v"]) for r in other) == [1_100, 390_000]  # "other countries" and the rounded world


def test_mines_reconcile_to_each_usgs_country_figure(store):
    checks = {c.country: c for c in check_countries(store, "mining") if c.kind == "production"}
    assert set(checks) == set(USGS_MINE_PRODUCTION_2024)
    for check in checks.values():
        assert abs(check.difference) <= 0.015, check  # Mountain Pass reports 45,455 t against USGS's rounded 45,000


@pytest.mark.parametrize("stage", ["mining", "separation", "magnet"])
def test_china_share_from_facilities_is_within_three_points_of_the_published_share(store, stage):
    china = next(s.share for s in stage_shares(store, stage) if s.country == "CN")
    assert abs(china - PUBLISHED_CHINA_SHARE[stage][0]) <= 0.03


def test_country_shares_are_computed_not_stored(store):
    stored_shares = store.select(
        SPARQL_PREFIXES
        + """SELECT ?q WHERE {
            { ?x ree:isoCode ?cc } UNION { ?x a ree:Region }
            ?x ree:hasQuantity ?q . ?q ree:unit ?u FILTER (?u IN (unit:UNITLESS, unit:PERCENT))
        }"""
    )
    assert stored_shares == []
    assert (
        store.select(SPARQL_PREFIXES + "SELECT ?x WHERE { ?x ree:share ?v FILTER NOT EXISTS { ?x a ree:Ownership } }")
        == []
    )


def test_every_graph_file_opens_with_what_it_covers_its_vintage_and_sources():
    for path in sorted(graphs_path().glob("*.ttl")):
        head = path.read_text(encoding="utf-8").split("@prefix", 1)[0]
        assert head.startswith("# "), path.name
        assert "Vintage" in head, path.name
        assert re.search(r"[Ss]ources?", head), path.name


def test_the_data_card_shows_the_current_reconciliation(store):
    card = (graphs_path() / "README.md").read_text(encoding="utf-8")
    assert render_data_card_tables(store) in card


def test_the_bundled_graph_loads_and_validates_without_warnings():
    import warnings

    from reegraph.rdf.validate import validate_store

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert validate_store(load_store()) == []
