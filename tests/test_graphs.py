"""The bundled curated graph: coverage, provenance of every figure, and reconciliation with USGS."""

from __future__ import annotations

import re

import pytest

from reegraph.rdf.load import graphs_path, load_store
from reegraph.rdf.sparql import SPARQL_PREFIXES
from reegraph.reconcile import (
    YEARS,
    check_countries,
    published_shares,
    render_data_card_tables,
    stage_shares,
)

#: USGS Mineral Commodity Summaries 2026, Rare Earths, "World Mine Production and Reserves": the 2024
#: column (revised from MCS 2025) and 2025's estimates; countries printed as "—" (zero) left out.
USGS_MINE_PRODUCTION = {
    2024: {"CN": 270_000, "US": 45_500, "AU": 29_000, "MM": 27_000, "IN": 2_900, "RU": 2_600, "TH": 2_100,
           "NG": 1_500, "MG": 1_400, "BR": 560, "VN": 300, "MY": 140},
    2025: {"CN": 270_000, "US": 51_000, "AU": 29_000, "MM": 22_000, "TH": 4_800, "IN": 2_900, "MG": 2_700,
           "RU": 2_600, "BR": 2_000, "NG": 1_500, "VN": 150, "MY": 110},
}  # fmt: skip
#: USGS's "other countries" row and rounded world total, by year.
USGS_OTHER_AND_WORLD = {2024: [1_000, 380_000], 2025: [550, 390_000]}


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


@pytest.mark.parametrize("year", YEARS)
def test_country_mine_production_equals_the_usgs_table(store, year):
    rows = store.select(
        SPARQL_PREFIXES
        + f"""SELECT ?cc ?v WHERE {{
            ?c ree:isoCode ?cc ; ree:hasQuantity ?q .
            ?q ree:forStage ree:MiningStage ; ree:quantityKind ree:Production ; ree:year {year} ; ree:value ?v .
        }}"""
    )
    assert {str(r["cc"]): int(r["v"]) for r in rows if int(r["v"])} == USGS_MINE_PRODUCTION[year]
    other = store.select(
        SPARQL_PREFIXES + "SELECT ?v WHERE { ?r a ree:Region ; ree:hasQuantity ?q . "
        f"?q ree:quantityKind ree:Production ; ree:year {year} ; ree:value ?v }}"
    )
    assert sorted(int(r["v"]) for r in other) == USGS_OTHER_AND_WORLD[year]


@pytest.mark.parametrize("year", YEARS)
def test_mines_reconcile_to_each_usgs_country_figure(store, year):
    """Each country's mines (their latest figures up to the year) sum to USGS's figure: equal where a
    mine's figure is USGS's own attributed to it, within 1.5% where the company reports its own (45,455
    t at Mountain Pass against 45,500 t; 50,692 t against 51,000 t)."""
    checks = {c.country: c for c in check_countries(store, "mining", year) if c.kind == "production"}
    assert set(checks) == set(USGS_MINE_PRODUCTION[year])
    for check in checks.values():
        assert abs(check.difference) <= 0.015, check


def test_china_share_from_facilities_is_within_three_points_of_every_published_share(store):
    published = published_shares(store)
    assert {(stage, 2024) for stage in ("mining", "separation", "magnet")} | {("mining", 2025)} <= set(published)
    for (stage, year), reference in published.items():
        china = next(s.share for s in stage_shares(store, stage, year) if s.country == "CN")
        # separation in 2024: 94.5% computed against the IEA's 91% for "refining" (scope unstated);
        # the 3.5 points are output outside China that no source read quantifies (data card, notes)
        tolerance = 0.036 if (stage, year) == ("separation", 2024) else 0.03
        assert abs(china - reference.share) <= tolerance, (stage, year, china, reference)
        assert reference.sources, (stage, year)


def test_country_shares_are_computed_not_stored(store):
    """The only shares a country holds are published ones (kind share or net import reliance, with a
    source): shares computed from facilities are never stored."""
    stored_shares = store.select(
        SPARQL_PREFIXES
        + """SELECT ?q WHERE {
            { ?x ree:isoCode ?cc } UNION { ?x a ree:Region }
            ?x ree:hasQuantity ?q . ?q ree:unit ?u FILTER (?u IN (unit:UNITLESS, unit:PERCENT))
            FILTER NOT EXISTS {
                ?q ree:quantityKind ?k ; prov:wasDerivedFrom ?s FILTER (?k IN (ree:Share, ree:NetImportReliance))
            }
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


def test_regional_volumes_name_their_region_year_and_source(store):
    """The inputs of regional demand: every end-use figure for a region has a year and a source, and
    the derived ones add up as their method says (ACEA's EU-27 2025: 1,880,370 + 1,015,887)."""
    rows = store.select(
        SPARQL_PREFIXES
        + """SELECT ?q ?v ?src WHERE {
            ?u a ree:EndUse ; ree:hasQuantity ?q . ?q ree:forRegion ?r ; ree:value ?v ; ree:year ?y .
            OPTIONAL { ?q prov:wasDerivedFrom ?src }
        }"""
    )
    assert len(rows) >= 15 and all(r["src"] is not None for r in rows)
    values = {str(r["q"]).rsplit("/", 1)[-1]: float(r["v"]) for r in rows}
    assert values["ev-sales-eu27-2025"] == 1_880_370 + 1_015_887
    assert values["ev-sales-europe-2024"] == 1_993_102 + 952_058
