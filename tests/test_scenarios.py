"""The scenario engine on hand-checkable fixtures, and its headline result on the bundled graph."""

from __future__ import annotations

from datetime import date

import pytest

from reegraph.analysis.scenarios import ExportControl, Scenario, region_of, run_scenario
from reegraph.load import load_store
from reegraph.network import build_network, example_network

ALL = frozenset({"ALL"})
SEPARATION = frozenset({"separation"})


def shortfalls(G, scenario, regions=("US", "ROW")):
    return {i.region: i.shortfall for i in run_scenario(G, scenario, elements=["ALL"], regions=regions)}


def test_blocking_the_only_separator_cuts_everyone_else_off():
    block = ExportControl("US", ALL, SEPARATION)
    assert shortfalls(example_network("chain"), Scenario("block", (block,))) == {"US": 0.0, "ROW": 1.0}


def test_with_two_separators_blocking_one_halves_the_supply():
    block = ExportControl("AU", ALL, SEPARATION)
    assert shortfalls(example_network("diamond"), Scenario("block", (block,)), regions=("US",)) == {"US": 0.5}


def test_a_licensed_fraction_of_three_tenths_leaves_a_shortfall_of_seven_tenths():
    licensed = ExportControl("US", ALL, SEPARATION, licensed_fraction=0.3)
    assert shortfalls(example_network("chain"), Scenario("licensed", (licensed,)))["ROW"] == pytest.approx(0.7)


def test_offline_plants_and_scaled_capacity():
    G = example_network("diamond")
    assert shortfalls(G, Scenario("outage", offline=frozenset({"sep-a"})), regions=("US",)) == {"US": 0.5}
    assert shortfalls(G, Scenario("expansion", scale={"sep-b": 2.0}), regions=("US",)) == {"US": 0.0}
    (impact,) = run_scenario(
        G, Scenario("outage", offline=frozenset({"sep-a", "sep-b"})), elements=["ALL"], regions=["US"]
    )
    assert (impact.baseline, impact.scenario, impact.shortfall) == (60.0, 0.0, 1.0)


def test_binding_names_the_saturated_plants():
    block = ExportControl("AU", ALL, SEPARATION)
    (impact,) = run_scenario(example_network("diamond"), Scenario("b", (block,)), elements=["ALL"], regions=["US"])
    assert "sep-a" in impact.binding


def test_regions():
    assert [region_of(c) for c in ("CN", "US", "DE", "JP", "MY")] == ["CN", "US", "EU", "JP", "ROW"]


def test_china_blocking_dy_and_tb_leaves_outside_china_with_what_others_separate():
    G = build_network(load_store(), as_of=date(2026, 11, 28))
    controls = ExportControl("CN", frozenset({"Dy", "Tb", "La"} - {"La"}), frozenset({"separation", "metal", "magnet"}))
    impacts = run_scenario(G, Scenario("china-2025-04", (controls,)), elements=["Dy", "Ce"], regions=["CN", "US"])
    dy_us = next(i for i in impacts if i.element == "Dy" and i.region == "US" and i.end_use == "end-use/electric-cars")
    assert dy_us.shortfall > 0.95  # only Lynas Malaysia's heavy circuit is left
    assert "market/separation/MY" in dy_us.binding or "facility/lynas-malaysia" in dy_us.binding
    dy_cn = next(i for i in impacts if i.element == "Dy" and i.region == "CN" and i.end_use == "end-use/electric-cars")
    assert dy_cn.shortfall == 0.0
    assert all(i.shortfall in (0.0, None) for i in impacts if i.element == "Ce")  # cerium is not controlled


def test_monte_carlo_is_seeded_and_matches_the_hand_count():
    from reegraph.analysis.scenarios import monte_carlo

    G = example_network("diamond")
    once = monte_carlo(G, Scenario("x"), elements=["ALL"], regions=["US"], draws=400, seed=3, facility_outage=0.3)
    again = monte_carlo(G, Scenario("x"), elements=["ALL"], regions=["US"], draws=400, seed=3, facility_outage=0.3)
    assert once == again
    # mine out (0.3) or both separators out (0.7 x 0.09) -> 1; one separator out (0.7 x 0.42) -> 0.5
    assert once[0].p50 == 0.5 and once[0].p90 == 1.0
    assert once[0].mean == pytest.approx(0.3 + 0.063 + 0.5 * 0.294, abs=0.06)


def test_the_aggregated_draws_price_flows_as_the_full_network_does():
    from reegraph.analysis.scenarios import _aggregate_flow
    from reegraph.network import feeding_stage

    G = build_network(load_store(), as_of=date(2028, 12, 31), include_planned=True)
    online = frozenset({"facility/lynas-malaysia-heavy-plant", "facility/white-mesa-heavy-circuit"})
    control = ExportControl(
        "CN", frozenset({"Dy", "Tb"}), frozenset({"separation", "metal", "magnet"}), licensed_fraction=0.2
    )
    scenario = Scenario("mixed", (control,), offline=frozenset({"facility/creg-separation"}), online=online)
    planned = frozenset(n for n, d in G.nodes(data=True) if d["kind"] == "facility" and d["status"] != "operating")
    offline = scenario.offline | (planned - online)
    impacts = run_scenario(G, scenario, elements=["Dy", "Tb", "Nd", "ALL"])
    assert len(impacts) > 50
    for impact in impacts:
        feeding = feeding_stage(G, impact.end_use, impact.element)
        aggregated = _aggregate_flow(G, impact.element, feeding, impact.region, scenario, offline, {})
        assert aggregated == pytest.approx(impact.scenario), impact
