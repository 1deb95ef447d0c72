"""Ore compositions: each element's amount at a mine (and at a plant fed that ore) from the mine's
all-rare-earth figure and the element's share of its ore (graphs/README.md, rule 12)."""

from __future__ import annotations

from datetime import date

import pytest

from reegraph.analysis.capacity import country_range, ore_share, stage_table
from reegraph.analysis.flow import compute_flow
from reegraph.analysis.scenarios import Scenario, run_scenario
from reegraph.errors import InputError
from reegraph.model import OXIDE_TO_ELEMENT, Ore, OreShare, Range
from reegraph.network.ops import make_network
from reegraph.network.project import build_network
from reegraph.rdf.load import load_store

DY = OXIDE_TO_ELEMENT["Dy"]
X = Ore("ore/x", (OreShare("c/x-dy", ("Dy",), 0.02, 0.04, 0.03, 2024),))
Y = Ore("ore/y", (OreShare("c/y-dy", ("Dy",), 0.10, 0.10, 0.10, 2024),))


def two_mines_two_separators():
    return make_network(
        [
            ("mine-a", "mining", "US", 1000),
            ("mine-b", "mining", "AU", 500),
            ("sep-1", "separation", "US", 800),
            ("sep-2", "separation", "MY", 500),
        ],
        end_uses=[("use", "separation")],
        ores={"mine-a": [X], "sep-1": [X], "mine-b": [Y], "sep-2": [Y]},
    )


def test_two_mines_two_separators_by_hand():
    """Mine A (US, 1,000 t REO) has ore X, 2-4% Dy2O3 (point 3%); mine B (AU, 500 t) ore Y, 10%.
    Separator 1 (US, 800 t) is fed ore X, separator 2 (MY, 500 t) ore Y. Dy2O3 -> Dy: 0.8713.

    mining:     A 1000 x [0.02, 0.04] x 0.8713 = [17.426, 34.852], point 26.139
                B  500 x 0.10 x 0.8713 = 43.565
                total [60.991, 78.417], point 69.704
    separation: 1  800 x [0.02, 0.04] x 0.8713 = [13.9408, 27.8816], point 20.9112
                2  500 x 0.10 x 0.8713 = 43.565
                total [57.5058, 71.4466], point 64.4762
    flow: the smaller stage at each end: separation, [57.5058, 71.4466], point 64.4762.
    Without mine B, mining holds A's [17.426, 34.852] alone and binds: 26.139 at the point.
    """
    G = two_mines_two_separators()
    (flow,) = compute_flow(G, "Dy")
    mining, separation = flow.stages
    assert mining.total == pytest.approx(Range(60.991, 78.417, 69.704))
    assert dict(mining.countries)["US"] == pytest.approx(Range(17.426, 34.852, 26.139))
    assert separation.total == pytest.approx(Range(57.5058, 71.4466, 64.4762))
    assert flow.flow == pytest.approx(Range(57.5058, 71.4466, 64.4762))
    assert tuple(flow.binding) == ("separation", "separation", "separation")
    assert stage_table(G, "Dy", "mining").holdings["mine-a"].reason == "ore"
    (impact, *_) = run_scenario(G, Scenario("no-b", offline=frozenset({"mine-b"})), elements=["Dy"], regions=["US"])
    assert impact.scenario == pytest.approx(Range(17.426, 34.852, 26.139))
    assert impact.shortfall.point == pytest.approx(1 - 26.139 / 64.4762)


def test_share_rules():
    """Joint statements bound the sum of their elements, never each in full; an element no statement
    names gets what the others leave; a mixed feed takes the widest."""
    ore = Ore(
        "ore/m",
        (
            OreShare("c/ce", ("Ce",), 0.5, 0.5, 0.5, 2020),
            OreShare("c/ndpr", ("Nd", "Pr"), 0.15, 0.2, None, 2020),
            OreShare("c/heavy", ("Dy", "Tb"), 0.01, 0.02, None, 2020),
        ),
    )
    assert ore_share([ore], frozenset({"Dy"})) == Range(0.0, 0.02)
    assert ore_share([ore], frozenset({"Dy", "Tb"})) == Range(0.01, 0.02)
    assert ore_share([ore], frozenset({"La"})).high == pytest.approx(1 - 0.5 - 0.15 - 0.01)
    assert ore_share([ore, X], frozenset({"Dy"})) == Range(0.0, 0.04)
    assert ore_share([], frozenset({"Dy"})) is None


def test_more_ore_output_never_lowers_an_element():
    G = two_mines_two_separators()
    before = compute_flow(G, "Dy")[0].flow
    G.nodes["mine-a"]["amounts"] = (G.nodes["mine-a"]["amounts"][0]._replace(value=2000.0),)
    after = compute_flow(G, "Dy")[0].flow
    assert after.low >= before.low and after.high >= before.high


@pytest.fixture(scope="module")
def bundled():
    return build_network(load_store(), as_of=date(2026, 11, 28))


def test_per_element_mine_amounts_sum_to_each_country_figure(bundled):
    """Each country's per-element mine amounts (t REO of each oxide) add up, within their ranges, to
    its all-rare-earth figure (USGS's, or its mines' where that is the same within the card's
    reconciliation): the lows never exceed it and the highs always reach it."""
    every = [e for e in bundled.graph["elements"] if e not in ("Sc", "Pm")]
    whole = stage_table(bundled, "ALL", "mining", unit="stage")
    checked = 0
    for country in whole.countries():
        total = country_range(whole, country)
        tables = [stage_table(bundled, e, "mining", unit="stage") for e in every]
        parts = [country_range(t, country) for t in tables if country in t.tallies]
        low, high = sum(p.low for p in parts), sum(p.high for p in parts)
        assert low <= total.high * (1 + 1e-9) and high >= total.low * (1 - 1e-9), country
        checked += 1
    assert checked >= 10


def test_kachin_is_medium_heavy_clay_and_bounds_its_dy(bundled):
    table = stage_table(bundled, "Dy", "mining", unit="stage")
    kachin = table.holdings["facility/kachin-ion-adsorption-clays"]
    assert kachin.reason == "ore" and kachin.range == pytest.approx(Range(0.0, 22000 * 0.155))  # USGS 2025
    assert {"source/zhang-2016-china-ore-partitioning"} <= {s for a in kachin.figures for s in a.sources}


def test_a_composition_that_claims_more_than_the_whole_is_refused(tmp_path):
    data = tmp_path / "ore.ttl"
    data.write_text(
        """@prefix ree: <https://w3id.org/reegraph/ontology#> .
@prefix el: <https://w3id.org/reegraph/id/element/> .
<https://w3id.org/reegraph/id/ore/too-much> a ree:OreType ; ree:hasComposition <urn:c1> , <urn:c2> .
<urn:c1> a ree:Composition ; ree:basis ree:REO ; ree:element el:Ce ;
    ree:minFraction 0.7 ; ree:maxFraction 0.8 ; ree:year 2020 .
<urn:c2> a ree:Composition ; ree:basis ree:REO ; ree:element el:La ;
    ree:minFraction 0.4 ; ree:maxFraction 0.5 ; ree:year 2020 .
<https://w3id.org/reegraph/id/facility/bayan-obo> ree:oreType <https://w3id.org/reegraph/id/ore/too-much> .
""",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"ore/too-much: its shares' lower ends add up to 110\.0%"):
        build_network(load_store(data=[data]), as_of=date(2026, 11, 28))


def test_two_statements_of_one_ore_that_name_the_same_element_are_refused(tmp_path):
    """The share rule reads an ore's statements as disjoint: Dy 2-4% beside Dy+Tb 5-8% would give
    Dy+Tb at least 7%, not 5%; such an ore is refused, naming both statements."""
    data = tmp_path / "ore.ttl"
    data.write_text(
        """@prefix ree: <https://w3id.org/reegraph/ontology#> .
@prefix el: <https://w3id.org/reegraph/id/element/> .
<https://w3id.org/reegraph/id/ore/overlap> a ree:OreType ; ree:hasComposition <urn:c1> , <urn:c2> .
<urn:c1> a ree:Composition ; ree:basis ree:REO ; ree:element el:Dy ;
    ree:minFraction 0.02 ; ree:maxFraction 0.04 ; ree:year 2020 .
<urn:c2> a ree:Composition ; ree:basis ree:REO ; ree:element el:Dy , el:Tb ;
    ree:minFraction 0.05 ; ree:maxFraction 0.08 ; ree:year 2020 .
<https://w3id.org/reegraph/id/facility/bayan-obo> ree:oreType <https://w3id.org/reegraph/id/ore/overlap> .
""",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"ore/overlap: <urn:c1> and <urn:c2> both name Dy"):
        build_network(load_store(data=[data]), as_of=date(2026, 11, 28))


def test_a_composition_with_two_values_of_one_fraction_is_refused_whatever_the_order(tmp_path):
    """Two ree:minFraction on one statement would leave the answer to the order the engine returns
    rows in; such a composition is refused."""
    data = tmp_path / "ore.ttl"
    data.write_text(
        """@prefix ree: <https://w3id.org/reegraph/ontology#> .
@prefix el: <https://w3id.org/reegraph/id/element/> .
<https://w3id.org/reegraph/id/ore/dup> a ree:OreType ; ree:hasComposition <urn:c1> .
<urn:c1> a ree:Composition ; ree:basis ree:REO ; ree:element el:Dy ;
    ree:minFraction 0.1 , 0.5 ; ree:maxFraction 0.6 ; ree:year 2020 .
<https://w3id.org/reegraph/id/facility/bayan-obo> ree:oreType <https://w3id.org/reegraph/id/ore/dup> .
""",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"<urn:c1>: more than one ree:minFraction"):
        build_network(load_store(data=[data]), as_of=date(2026, 11, 28))


def test_a_plant_with_its_own_composition_reads_it_instead_of_a_type(tmp_path):
    """Mountain Pass's own analysis, stated on the mine, says 1-2% Dy: its Dy at the mine is its
    2025 output (50,692 t REO, MP's figure) times that, in t of Dy oxide (the stage's basis)."""
    data = tmp_path / "own.ttl"
    data.write_text(
        """@prefix ree: <https://w3id.org/reegraph/ontology#> .
@prefix el: <https://w3id.org/reegraph/id/element/> .
<https://w3id.org/reegraph/id/facility/mountain-pass-mine> ree:hasComposition <urn:own> .
<urn:own> a ree:Composition ; ree:basis ree:REO ; ree:element el:Dy ;
    ree:minFraction 0.01 ; ree:maxFraction 0.02 ; ree:year 2025 .
""",
        encoding="utf-8",
    )
    G = build_network(load_store(data=[data]), as_of=date(2026, 11, 28))
    (ore,) = G.nodes["facility/mountain-pass-mine"]["ores"]
    assert ore.id == "facility/mountain-pass-mine" and [s.id for s in ore.shares] == ["<urn:own>"]
    holding = stage_table(G, "Dy", "mining", unit="stage").holdings["facility/mountain-pass-mine"]
    assert holding.range == pytest.approx(Range(50_692 * 0.01, 50_692 * 0.02))
