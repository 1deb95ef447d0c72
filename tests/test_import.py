"""``reegraph import usgs-mcs``: the USGS Mineral Commodity Summaries data release into Turtle.

The fixture is the RARE EARTHS chapter of the MCS 2026 data release (``MCS2026_Commodities_Data``,
ScienceBase doi:10.5066/P1WKQ63T, version 1.0 of 2026-02-06), with its header and three rows of
another chapter, as USGS published it: one value per row, values with thousands separators, "—" for
zero, "NA" and "E" where there is no figure, and ">" for a lower bound.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from reegraph.errors import InputError
from reegraph.rdf.load import graphs_path, load_store
from reegraph.rdf.usgs import import_mcs
from reegraph.rdf.validate import validate_store

FIXTURE = Path(__file__).parent / "data" / "usgs" / "mcs2026-rare-earths.csv"
ID = "https://w3id.org/reegraph/id/"
REE = "https://w3id.org/reegraph/ontology#"


def figure(g: Graph, slug: str) -> dict[str, object]:
    q = URIRef(f"{ID}quantity/usgs-mcs2026-{slug}")
    return {str(p).rsplit("#", 1)[-1].rsplit("/", 1)[-1]: o for p, o in g.predicate_objects(q)}


@pytest.fixture(scope="module")
def imported():
    found = import_mcs(FIXTURE, url="https://www.sciencebase.gov/catalog/item/69837e43b66b01367d7ec7c7")
    g = Graph().parse(data=found.turtle, format="turtle")
    return found, g


def test_the_world_table_becomes_country_figures_with_year_confidence_and_source(imported):
    found, g = imported
    assert found.edition == 2026
    china = figure(g, "cn-mine-2025")
    assert china["value"] == Literal(270000) and china["year"] == Literal(2025)
    assert china["confidence"] == URIRef(REE + "Estimate") and "Estimated" in str(china["method"])
    assert china["wasDerivedFrom"] == URIRef(ID + "source/usgs-mcs-2026-rare-earths")
    assert figure(g, "au-mine-2024")["value"] == Literal(29000)  # revised from MCS 2025's 13,000
    assert figure(g, "us-mine-2024")["confidence"] == URIRef(REE + "Reported")
    assert figure(g, "world-mine-2025")["value"] == Literal(390000)
    assert (
        URIRef(ID + "region/world"),
        URIRef(REE + "hasQuantity"),
        URIRef(ID + "quantity/usgs-mcs2026-world-mine-2025"),
    ) in g
    assert figure(g, "ca-mine-2025")["value"] == Literal(0)  # "—" is USGS's zero
    # "NA" is no figure at all, never zero: Burma has no reserves figure
    assert not figure(g, "mm-reserves-2025")
    world = figure(g, "world-reserves-2025")
    assert world["value"] == Literal(85000000) and "lower bound" in str(world["comment"])


def test_net_import_reliance_and_import_sources_are_fractions(imported):
    _, g = imported
    assert float(figure(g, "us-net-import-reliance-2025")["value"].toPython()) == pytest.approx(0.67)
    assert float(figure(g, "us-net-import-reliance-2024")["value"].toPython()) == pytest.approx(0.53)
    china = figure(g, "us-imports-from-cn-2024")
    assert float(china["value"].toPython()) == pytest.approx(0.71) and "2021–24" in str(china["perUnit"])
    before = figure(g, "us-net-import-reliance-2021")  # ">95": the lower bound, said so
    assert float(before["value"].toPython()) == pytest.approx(0.95) and "lower bound" in str(before["comment"])


def test_the_import_validates_with_the_countries_it_names(imported, tmp_path):
    """What the import writes conforms to the shapes, with the graph's countries and regions (the
    bundled graph already holds this edition, graphs/usgs-mcs-2026.ttl, so it is not loaded)."""
    found, _ = imported
    path = tmp_path / "mcs2026.ttl"
    path.write_text(found.turtle, encoding="utf-8")
    regions = tmp_path / "regions.ttl"
    regions.write_text(
        "@prefix ree: <https://w3id.org/reegraph/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<https://w3id.org/reegraph/id/region/world> a ree:Region ; rdfs:label "World" .\n'
        '<https://w3id.org/reegraph/id/region/usgs-other-countries> a ree:Region ; rdfs:label "Other countries" .\n',
        encoding="utf-8",
    )
    countries = graphs_path() / "countries.ttl"
    findings = validate_store(load_store(data=[countries, regions, path], bundled=False))
    assert not [f for f in findings if f.severity == "violation"], findings[:3]


def test_the_bundled_edition_is_what_the_import_makes_but_for_the_two_revisions(imported):
    """graphs/usgs-mcs-2026.ttl is the import of the release with the two values version 1.3 revised
    (Brazil's and the world's reserves) edited by hand: every other figure is the same."""
    _, g = imported
    bundled = Graph().parse(graphs_path() / "usgs-mcs-2026.ttl")
    value = URIRef(REE + "value")
    revised = {"br-reserves-2025", "world-reserves-2025"}
    for q, v in g.subject_objects(value):
        slug = str(q).rsplit("/usgs-mcs2026-", 1)[-1]
        assert (bundled.value(q, value) == v) != (slug in revised), slug


def test_the_command_writes_turtle_and_says_what_it_read(run, tmp_path):
    out = tmp_path / "out.ttl"
    result = run("import", "usgs-mcs", str(FIXTURE), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith("MCS 2026: ") and "left out" in result.stderr
    assert "usgs-mcs2026-cn-mine-2025" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b,c\n1,2,3\n", "line 1: not the USGS MCS data-release layout"),
        ("", "line 1: not the USGS MCS data-release layout"),
        (
            "MCS chapter,Section,Commodity,Country,Statistics,Statistics_detail,Unit,Year,Value,Notes\n"
            "RARE EARTHS,World Mine Production and Reserves,Rare Earths,Atlantis,Production,Mine production,"
            "metric tons,2025,5,\n",
            "line 2: USGS country 'Atlantis' has no ISO code",
        ),
        (
            "MCS chapter,Section,Commodity,Country,Statistics,Statistics_detail,Unit,Year,Value,Notes\n"
            "RARE EARTHS,World Mine Production and Reserves,Rare Earths,China,Production,Mine production,"
            "metric tons,twenty,5,\n",
            "line 2: Year 'twenty' is not a year",
        ),
        (
            "MCS chapter,Section,Commodity,Country,Statistics,Statistics_detail,Unit,Year,Value,Notes\n"
            "RARE EARTHS,World Mine Production and Reserves,Rare Earths,China\n",
            "line 2: 4 columns",
        ),
        (
            "MCS chapter,Section,Commodity,Country,Statistics,Statistics_detail,Unit,Year,Value,Notes\n"
            "HELIUM,World Mine Production and Reserves,Helium,Qatar,Production,x,m3,2025,5,\n",
            "no RARE EARTHS world mine production rows",
        ),
    ],
)
def test_a_file_that_is_not_a_release_gets_a_one_line_error(run, tmp_path, text, message):
    bad = tmp_path / "bad.csv"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        import_mcs(bad)
    result = run("import", "usgs-mcs", str(bad), "-o", str(tmp_path / "never.ttl"))
    assert result.exit_code == 2 and message.split(":")[-1].strip()[:20] in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "never.ttl").exists()


def test_a_missing_file_and_a_bad_url_are_refused(run, tmp_path):
    assert run("import", "usgs-mcs", str(tmp_path / "nope.csv")).exit_code == 2
    assert run("import", "usgs-mcs", str(FIXTURE), "--url", "file:///etc/passwd").exit_code == 2
