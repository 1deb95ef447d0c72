"""The scenario engine on hand-checkable fixtures, and its headline result on the bundled graph.

Every amount is a range and every result is computed at each end (:data:`reegraph.model.ENDS`). The
fixtures give production figures only, so their amounts are points (low = point = high) and each
hand-computed answer must hold at every end."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reegraph.analysis.capacity import stage_table
from reegraph.analysis.flow import compute_flow
from reegraph.analysis.scenarios import ExportControl, Scenario, region_of, run_scenario, scenario_flow
from reegraph.model import ENDS, Amount, Ends, Range
from reegraph.network.ops import make_network
from reegraph.network.project import build_network
from reegraph.rdf.load import load_store

from .conftest import example_network

ALL = frozenset({"ALL"})
SEPARATION = frozenset({"separation"})


def every(value: float) -> Ends:
    """A result that is ``value`` at every end."""
    return Ends(value, value, value)


def tonnes(value: float) -> Range:
    """An amount known to the tonne: a point."""
    return Range(value, value, value)


def shortfalls(G, scenario, regions=("US", "ROW")):
    return {i.region: i.shortfall for i in run_scenario(G, scenario, elements=["ALL"], regions=regions)}


def test_blocking_the_only_separator_cuts_everyone_else_off():
    block = ExportControl("US", ALL, SEPARATION)
    assert shortfalls(example_network("chain"), Scenario("block", (block,))) == {"US": every(0.0), "ROW": every(1.0)}


def test_with_two_separators_blocking_one_halves_the_supply():
    block = ExportControl("AU", ALL, SEPARATION)
    assert shortfalls(example_network("diamond"), Scenario("block", (block,)), regions=("US",)) == {"US": every(0.5)}


def test_a_licensed_fraction_of_three_tenths_leaves_a_shortfall_of_seven_tenths():
    licensed = ExportControl("US", ALL, SEPARATION, licensed_fraction=0.3)
    (row,) = run_scenario(example_network("chain"), Scenario("l", (licensed,)), elements=["ALL"], regions=["ROW"])
    assert row.shortfall == pytest.approx(every(0.7))
    assert row.baseline == tonnes(40.0) and row.scenario == pytest.approx(tonnes(12.0))  # 0.3 of the 40 t separated


def test_offline_plants_and_scaled_capacity():
    G = example_network("diamond")
    assert shortfalls(G, Scenario("outage", offline=frozenset({"sep-a"})), regions=("US",)) == {"US": every(0.5)}
    assert shortfalls(G, Scenario("expansion", scale={"sep-b": 2.0}), regions=("US",)) == {"US": every(0.0)}
    (impact,) = run_scenario(
        G, Scenario("outage", offline=frozenset({"sep-a", "sep-b"})), elements=["ALL"], regions=["US"]
    )
    assert (impact.baseline, impact.scenario, impact.shortfall) == (tonnes(60.0), tonnes(0.0), every(1.0))
    assert impact.binding == {}  # nothing flows, so nothing is saturated


def test_planned_plants_brought_online_add_their_capacity():
    G = example_network("diamond")
    G.nodes["sep-b"]["status"] = "planned"  # offline in the baseline, and in a scenario that does not bring it online
    (before,) = run_scenario(G, Scenario("as is"), elements=["ALL"], regions=["US"])
    (after,) = run_scenario(G, Scenario("built", online=frozenset({"sep-b"})), elements=["ALL"], regions=["US"])
    assert (before.baseline, before.scenario, before.shortfall) == (tonnes(30.0), tonnes(30.0), every(0.0))
    assert (after.baseline, after.scenario, after.shortfall) == (tonnes(30.0), tonnes(60.0), every(0.0))


def test_binding_names_the_saturated_plants():
    block = ExportControl("AU", ALL, SEPARATION)
    (impact,) = run_scenario(example_network("diamond"), Scenario("b", (block,)), elements=["ALL"], regions=["US"])
    # at every end: the US separator, full, and the closed gate of Australia's exports
    assert impact.binding == dict.fromkeys(ENDS, ("gate/separation/AU", "sep-a"))


def test_regions():
    assert [region_of(c) for c in ("CN", "US", "DE", "JP", "MY")] == ["CN", "US", "EU", "JP", "ROW"]


def element_network(plants, feeding, elements=("Dy",)):
    """:func:`plants_network` with each plant's figure given for each of ``elements`` (t contained
    element), and the end use needing them. (An all-element figure in t REO bounds one element only
    from above, and does not measure the flow at the metal stage, whose basis is t metal; so answers
    that are points at every stage need figures per element.)"""
    G = plants_network(plants, feeding)
    for name, _, _, value in plants:
        G.nodes[name]["amounts"] = tuple(
            Amount(f"{name}/{e}", "production", value, "t contained element", 2024, (e,), "", ()) for e in elements
        )
    G.nodes["use"]["elements"] = tuple(elements)
    return G


#: A Chinese mine whose output China separates but for 20 t that Malaysia separates
CHINA_AND_MALAYSIA = [
    ("mine", "mining", "CN", 1000.0),
    ("sep-cn", "separation", "CN", 980.0),
    ("sep-my", "separation", "MY", 20.0),
]
#: China's April 2025 controls as the engine sees them: Dy and Tb, from separation on
HEAVY = ExportControl("CN", frozenset({"Dy", "Tb"}), frozenset({"separation", "metal", "magnet"}))


def test_china_blocking_dy_and_tb_leaves_outside_china_with_what_others_separate():
    G = element_network(CHINA_AND_MALAYSIA, "separation", elements=("Dy", "Nd"))
    impacts = run_scenario(G, Scenario("china-2025-04", (HEAVY,)), elements=["Dy", "Nd"], regions=["CN", "US"])
    found = {(i.element, i.region): i for i in impacts}
    dy_us = found[("Dy", "US")]
    assert (dy_us.baseline, dy_us.scenario, dy_us.shortfall) == (tonnes(1000.0), tonnes(20.0), every(0.98))
    assert dy_us.binding == dict.fromkeys(ENDS, ("gate/separation/CN", "sep-my"))  # only Malaysia's plant is left
    assert impacts[0] is dy_us  # the largest shortfall first
    assert found[("Dy", "CN")].scenario == tonnes(1000.0) and found[("Dy", "CN")].shortfall == every(0.0)
    assert found[("Nd", "US")].shortfall == found[("Nd", "CN")].shortfall == every(0.0)  # Nd is not controlled


def test_a_licence_and_new_plants_outside_the_exporter_reduce_the_shortfall():
    G = element_network([*CHINA_AND_MALAYSIA, ("sep-us", "separation", "US", 200.0)], "separation")
    G.nodes["sep-us"]["status"] = "planned"

    def dy_us(scenario):
        (impact,) = run_scenario(G, scenario, elements=["Dy"], regions=["US"])
        assert impact.baseline == tonnes(1000.0)
        return impact.scenario, impact.shortfall

    assert dy_us(Scenario("blocked", (HEAVY,))) == (tonnes(20.0), every(0.98))
    # half of China's 980 t licensed: 20 + 490 t, so half the shortfall
    licensed = Scenario("licensed", (replace(HEAVY, licensed_fraction=0.5),))
    assert dy_us(licensed) == (tonnes(510.0), pytest.approx(every(0.49)))
    # a US separator of 200 t outside the controls: 20 + 200 t
    built = Scenario("built", (HEAVY,), online=frozenset({"sep-us"}))
    assert dy_us(built) == (tonnes(220.0), pytest.approx(every(0.78)))


def test_china_controls_on_the_bundled_graph_leave_dy_without_a_shortfall_at_the_low_end():
    """The bundled graph has all-element mine figures only, so no figure guarantees any Dy: the
    baseline's low end is 0 and the shortfall is undefined there and at the point; at the high end the
    world's mine output bounds Dy, and Chinese export controls cost the US nothing there."""
    G = build_network(load_store(), as_of=date(2026, 11, 28))
    impacts = run_scenario(G, Scenario("china-2025-04", (HEAVY,)), elements=["Dy", "Ce", "ALL"], regions=["CN", "US"])
    found = {(i.element, i.region, i.end_use): i for i in impacts}
    dy_us, dy_cn = (found[("Dy", r, "end-use/electric-cars")] for r in ("US", "CN"))
    for impact in impacts:
        for r in (impact.baseline, impact.scenario):
            assert 0 <= r.low <= r.high and (r.point is None or r.low <= r.point <= r.high), impact
        assert all(v is None or 0 <= v <= 1 for v in impact.shortfall), impact
    for dy in (dy_us, dy_cn):
        assert dy.baseline.low == dy.scenario.low == 0.0 and dy.baseline.point is None and dy.baseline.bounded
        assert dy.shortfall == Ends(None, None, 0.0)
        assert set(dy.binding) == {"high"}  # a flow of nothing binds nothing
    assert "gate/separation/CN" in dy_us.binding["high"]  # the control is in the minimum cut for the US ...
    assert not any(b.startswith("gate/") for b in dy_cn.binding["high"])  # ... not for China
    others = [i for i in impacts if i.element in ("Ce", "ALL")]  # cerium is not controlled, nor all REO tonnage
    assert others and all(i.scenario == i.baseline for i in others)
    assert all(i.shortfall == Ends(0.0, None, 0.0) for i in others if i.element == "ALL")  # defined at both ends


def test_monte_carlo_is_seeded_and_matches_the_hand_count():
    from reegraph.analysis.scenarios import monte_carlo

    G = example_network("diamond")

    def draw(seed):
        return monte_carlo(G, Scenario("x"), elements=["ALL"], regions=["US"], draws=400, seed=seed,
                           facility_outage=0.3)  # fmt: skip

    once = draw(3)
    assert once == draw(3) and once != draw(4)
    (found,) = once
    assert found.draws == 400
    # mine out (0.3) or both separators out (0.7 x 0.09) -> 1; one separator out (0.7 x 0.42) -> 0.5
    assert found.p50 == every(0.5) and found.p90 == every(1.0)
    assert found.mean == pytest.approx(every(0.3 + 0.063 + 0.5 * 0.294), abs=0.06)
    assert found.mean.low == found.mean.point == found.mean.high  # the same draws priced at each end


def full_network(G, element, end_use, region, scenario, end="point"):
    """The reference: the facility-level node-split network of :func:`flow_network` at one end of the
    amounts (``None`` at the point where some amount has none), with the scenario applied edge by
    edge, by the rules the README states and not with the engine's code: offline plants removed,
    capacities scaled, and every edge that carries a controlled export routed through a gate. A gate
    holds the licensed fraction of what the exporter's plants pass at the last stage the control
    covers (never more than at an earlier stage) and nothing at earlier covered stages. Unlike the
    engine, it lets goods under a control that spares a destination be re-exported unprocessed from
    there (transshipment)."""
    from reegraph.analysis.flow import flow_network
    from reegraph.model import FLOW_STAGES, OPTIONAL_STAGES, feeding_stage

    def restricted(control, stage, to_region):
        return control.covers(element if element in control.elements else "ALL", stage, to_region)

    H = flow_network(G, element, end_use, without=scenario.offline, end=end)
    if H is None:
        return None
    for node, factor in scenario.scale.items():
        edge = H.get_edge_data(f"{node}|in", f"{node}|out")
        if edge is not None and "capacity" in edge:
            edge["capacity"] *= factor
    feeding = feeding_stage(G, end_use, element)
    present = {d["stage"] for _, d in G.nodes(data=True) if d["kind"] == "facility"}
    stages = [s for s in FLOW_STAGES[: FLOW_STAGES.index(feeding) + 1] if s in present and s not in OPTIONAL_STAGES]

    def output(stage, country):
        """What the country's plants pass at a stage in H, under its market's cap."""
        plants = [
            n
            for n, d in G.nodes(data=True)
            if d["kind"] == "facility" and (d["stage"], d["country"]) == (stage, country)
        ]
        caps = [H.edges[f"{n}|in", f"{n}|out"].get("capacity", math.inf) for n in plants if f"{n}|in" in H]
        market = H.get_edge_data(f"market/{stage}/{country}|in", f"market/{stage}/{country}|out") or {}
        return min(sum(caps), market.get("capacity", math.inf))

    for control in scenario.controls:
        covered = [s for s in stages if s in control.stages]
        for stage in control.stages:
            market, gate = f"market/{stage}/{control.exporter}|out", f"gate/{stage}/{control.exporter}"
            for head in list(H.successors(market)) if market in H else []:
                if head == "sink":
                    if region is None or stage != feeding or not restricted(control, stage, region):
                        continue
                else:
                    country = G.nodes[head.split("|")[0]]["country"]
                    if country == control.exporter or not restricted(control, stage, region_of(country)):
                        continue
                H.remove_edge(market, head)
                H.add_edge(gate, head)
            if gate in H:
                through = min(output(s, control.exporter) for s in stages[: stages.index(stage) + 1])
                fraction = control.licensed_fraction if stage == covered[-1] else 0.0
                if math.isinf(through) and fraction > 0:
                    H.add_edge(market, gate)
                else:
                    H.add_edge(market, gate, capacity=0.0 if math.isinf(through) else fraction * through)
    return H


def reference_flow(H) -> float | None:
    """The maximum flow of a :func:`full_network` (``math.inf``: unbounded; ``None``: no network)."""
    import networkx as nx

    if H is None:
        return None
    try:
        return float(nx.maximum_flow_value(H, "source", "sink"))
    except nx.NetworkXUnbounded:
        return math.inf


def unbounded_separators(G) -> frozenset[str]:
    """The separators outside China that carry Dy or Tb with no figure for them (Solvay La Rochelle,
    IREL Aluva, VTRE, and planned ones): while they run, nothing bounds separation outside China
    and the world's mine output bounds the high end. With them offline the separators' own figures
    bound the high end, and the controls act there."""
    return frozenset(
        n for e in ("Dy", "Tb") for n in stage_table(G, e, "separation").unquantified if G.nodes[n]["country"] != "CN"
    )


@pytest.mark.parametrize("variant", ["licensed", "scaled", "blocked-to-us"])
def test_the_engine_prices_flows_as_the_facility_level_network_does(variant):
    G = build_network(load_store(), as_of=date(2028, 12, 31), include_planned=True)
    online = frozenset({"facility/lynas-malaysia-heavy-plant", "facility/white-mesa-heavy-circuit"})
    unbounded = unbounded_separators(G) - online
    heavy = frozenset({"Dy", "Tb"})
    downstream = frozenset({"separation", "metal", "magnet"})
    scenario = {
        "licensed": Scenario(
            "licensed",
            (ExportControl("CN", heavy, downstream, licensed_fraction=0.2),),
            offline=frozenset({"facility/creg-separation"}) | unbounded,
            online=online,
        ),
        "scaled": Scenario(
            "scaled",
            (ExportControl("CN", heavy | {"Nd"}, frozenset({"magnet"}), licensed_fraction=0.5),),
            offline=unbounded,
            scale={"facility/lynas-malaysia": 0.5, "facility/mountain-pass-separation": 2.0},
        ),
        "blocked-to-us": Scenario(
            "blocked",
            (ExportControl("CN", heavy, downstream, destinations=frozenset({"US"})),),
            offline=unbounded,
            online=online,
        ),
    }[variant]
    planned = frozenset(n for n, d in G.nodes(data=True) if d["kind"] == "facility" and d["status"] != "operating")
    applied = Scenario(scenario.name, scenario.controls, scenario.offline | (planned - scenario.online), scenario.scale)
    impacts = run_scenario(G, scenario, elements=["Dy", "Tb", "Nd", "ALL"])
    assert len(impacts) > 50
    # the controls cut Dy and Tb at the high end, short of all of it
    assert any(0 < (i.shortfall.high or 0) < 1 for i in impacts if i.element in ("Dy", "Tb"))
    checked = set()
    for impact in impacts:
        key = (impact.element, G.nodes[impact.end_use]["feeding_stages"].get(impact.element), impact.region)
        if key in checked:
            continue
        checked.add(key)
        for end in ENDS:
            found = impact.scenario.at(end)
            expected = reference_flow(full_network(G, impact.element, impact.end_use, impact.region, applied, end))
            if expected is None or found is None:
                assert found is expected is None and end == "point", (end, impact)
            elif variant == "blocked-to-us":  # the reference lets controlled oxide through a third country's market
                assert found <= expected + 1e-6, (end, impact)
            else:
                assert found == pytest.approx(expected), (end, impact)
    assert {k[0] for k in checked} == {"Dy", "Tb", "Nd", "ALL"}


def plants_network(plants, feeding):
    """A network of (name, stage, country, t REO) plants, wired by the market rule, with one end
    use fed from the markets at ``feeding``."""
    from reegraph.network.ops import make_network

    return make_network(plants, end_uses=[("use", feeding)])


def test_licensed_oxide_reaches_a_metal_maker_abroad():
    G = element_network(
        [("mine", "mining", "CN", 100.0), ("sep", "separation", "CN", 100.0), ("metal", "metal", "US", 100.0)],
        feeding="metal",
    )
    licensed = ExportControl("CN", ALL, SEPARATION, licensed_fraction=0.3)
    (us,) = run_scenario(G, Scenario("l", (licensed,)), elements=["Dy"], regions=["US"])
    assert (us.baseline, us.scenario) == (tonnes(100.0), pytest.approx(tonnes(30.0)))
    assert us.binding == dict.fromkeys(ENDS, ("gate/separation/CN",))


#: China mines and separates 100 t REO; a US plant makes metal from it (:func:`plants_network`:
#: every figure in t REO, for all the elements)
CHINESE_OXIDE_US_METAL = [
    ("mine", "mining", "CN", 100.0),
    ("sep", "separation", "CN", 100.0),
    ("metal", "metal", "US", 100.0),
]


def test_licensed_oxide_reaches_a_metal_maker_abroad_for_all_elements():
    """The all-element (``ALL``, t REO) version of the licence test, on its original fixture.

    For ``ALL`` the metal stage (basis t metal) does not measure the flow, so the US metal plant
    passes without bound because it runs. Baseline: mine 100, separation 100, so 100 t. Scenario:
    Chinese oxide leaves for the US only through the gate, which holds 0.3 of what China separates
    (min(100, 100) = 100), so 30 t, and the shortfall is 1 - 30/100 = 0.7. Had the metal plant's
    100 t bounded the stage, the answer would be the same. Every figure is a production figure, so
    this holds at every end."""
    G = plants_network(CHINESE_OXIDE_US_METAL, feeding="metal")
    licensed = ExportControl("CN", ALL, SEPARATION, licensed_fraction=0.3)
    (us,) = run_scenario(G, Scenario("l", (licensed,)), elements=["ALL"], regions=["US"])
    assert (us.baseline, us.scenario) == (tonnes(100.0), pytest.approx(tonnes(30.0)))
    assert us.shortfall == pytest.approx(every(0.7))
    assert us.binding == dict.fromkeys(ENDS, ("gate/separation/CN",))


def test_no_running_plant_at_an_unmeasured_stage_passes_nothing():
    """Regression: with the only metal plant offline, no all-element material reaches a metal-fed
    end use. The metal stage does not measure ``ALL`` (t metal against t REO), and the engine once let
    material through a country group with no plant at such a stage.

    By hand: the baseline is the mine's and separator's 100 t (the running US metal plant passes
    without bound); with it offline no country has a metal plant, so the flow is 0 and the shortfall
    1 at every end. The facility-level network without the plant says the same at each end."""
    from reegraph.analysis.capacity import stage_table
    from reegraph.analysis.flow import max_flow
    from reegraph.network.ops import make_network

    G = make_network(CHINESE_OXIDE_US_METAL, end_uses=[("use", "metal")])
    assert not stage_table(G, "ALL", "metal").measured  # the case under test: an unmeasured stage
    (us,) = run_scenario(G, Scenario("x", offline=frozenset({"metal"})), elements=["ALL"], regions=["US"])
    assert (us.baseline, us.scenario, us.shortfall) == (tonnes(100.0), Range(0.0, 0.0, 0.0), Ends(1.0, 1.0, 1.0))
    assert us.binding == {}  # nothing flows, so nothing is saturated
    for end in ENDS:
        assert max_flow(G, "ALL", "use", without=["metal"], end=end) == us.scenario.at(end) == 0.0, end
        assert max_flow(G, "ALL", "use", end=end) == us.baseline.at(end) == 100.0, end


#: Chinese oxide; the US and Japan make metal; Japan separates a little (the controls spare Japan)
JAPAN_SPARED = [
    ("mine", "mining", "CN", 100.0),
    ("sep", "separation", "CN", 100.0),
    ("sep-jp", "separation", "JP", 1.0),
    ("metal-us", "metal", "US", 100.0),
    ("metal-jp", "metal", "JP", 10.0),
]


def test_goods_under_control_are_not_transshipped_through_a_spared_country():
    G = element_network(JAPAN_SPARED, feeding="metal")
    block = ExportControl("CN", ALL, SEPARATION, destinations=frozenset({"US"}))
    (us,) = run_scenario(G, Scenario("b", (block,)), elements=["Dy"], regions=["US"])
    # Japan's metal from Chinese oxide (10) and Japan's own oxide (1), not 100 t of oxide re-exported
    assert (us.baseline, us.scenario, us.shortfall) == (tonnes(100.0), tonnes(11.0), every(0.89))
    reference = reference_flow(full_network(G, "Dy", "use", "US", Scenario("b", (block,))))
    assert reference == 100.0  # the reference re-exports the oxide through Japan's market


def test_outage_draws_keep_each_plant_with_the_given_probability():
    import random

    from reegraph.analysis.scenarios import _bernoulli

    items = [f"p{i}" for i in range(200)]
    rng = random.Random(11)
    counts = dict.fromkeys(items, 0)
    for _ in range(500):
        for item in _bernoulli(rng, items, 0.1):
            counts[item] += 1
    assert 0.095 < sum(counts.values()) / (200 * 500) < 0.105
    assert min(counts.values()) > 20 and max(counts.values()) < 85  # binomial(500, 0.1): 50 +- 6.7
    assert _bernoulli(rng, items, 0.0) == [] and _bernoulli(rng, items, 1.0) == items


def test_an_extraterritorial_control_follows_the_material_through_foreign_plants():
    G = element_network(JAPAN_SPARED, feeding="metal")
    rule = ExportControl("CN", ALL, SEPARATION, destinations=frozenset({"US"}), extraterritorial=True)
    found = {
        i.region: i.scenario for i in run_scenario(G, Scenario("r", (rule,)), elements=["Dy"], regions=["US", "JP"])
    }
    assert found == {"US": tonnes(1.0), "JP": tonnes(100.0)}  # the US keeps Japan's own oxide only; Japan is spared


def test_an_extraterritorial_control_follows_the_material_through_foreign_plants_for_all_elements():
    """The all-element (``ALL``, t REO) version of the extraterritorial test, on its original fixture.

    By hand: the control follows Chinese oxide to wherever it ends up, so nothing of it reaches US
    end uses, whether made into metal in the US or in Japan; the US keeps Japan's own oxide, 1 t
    (either metal plant takes it). Japan is spared: the mine's 100 t reach it (through Japan's or the
    US's metal plant). Both hold whether or not the metal stage bounds the flow (for ``ALL`` it does
    not: t metal), against a baseline of 100 t (the mine), so shortfalls of 0.99 and 0, at every end."""
    G = plants_network(JAPAN_SPARED, feeding="metal")
    rule = ExportControl("CN", ALL, SEPARATION, destinations=frozenset({"US"}), extraterritorial=True)
    found = {i.region: i for i in run_scenario(G, Scenario("r", (rule,)), elements=["ALL"], regions=["US", "JP"])}
    assert {r: i.baseline for r, i in found.items()} == {"US": tonnes(100.0), "JP": tonnes(100.0)}
    assert {r: i.scenario for r, i in found.items()} == {"US": tonnes(1.0), "JP": tonnes(100.0)}
    assert {r: i.shortfall for r, i in found.items()} == {"US": every(0.99), "JP": every(0.0)}
    assert found["US"].binding == dict.fromkeys(ENDS, ("gate/separation/CN", "sep-jp"))


def test_controls_for_military_end_users_act_on_defence_end_uses_only():
    G = plants_network([("mine", "mining", "CN", 100.0), ("sep", "separation", "CN", 100.0)], feeding="separation")
    G.add_node("jet", kind="end-use", stage="end-use", label="jet", sector="defence", elements=(), critical=(),
               feeding_stage="separation")  # fmt: skip
    G.add_edge("market/separation/CN", "jet", link="inferred")
    military = ExportControl("CN", ALL, SEPARATION, military_only=True)
    found = {
        i.end_use: i.shortfall for i in run_scenario(G, Scenario("m", (military,)), elements=["ALL"], regions=["US"])
    }
    assert found == {"use": every(0.0), "jet": every(1.0)}


def test_the_strictest_of_several_controls_holds_and_others_elements_do_not_leak():
    G = element_network([("mine", "mining", "CN", 100.0), ("sep", "separation", "CN", 100.0)], feeding="separation")
    G.add_node("jet", kind="end-use", stage="end-use", label="jet", sector="defence", elements=("Dy",), critical=(),
               feeding_stage="separation")  # fmt: skip
    G.add_edge("market/separation/CN", "jet", link="inferred")
    other = ExportControl("CN", frozenset({"Ho"}), frozenset({"separation", "metal"}))  # a ban, on Ho only
    general = ExportControl("CN", frozenset({"Dy"}), SEPARATION, licensed_fraction=0.5)
    military = ExportControl("CN", frozenset({"Dy"}), SEPARATION, military_only=True)
    scenario = Scenario("m", (other, general, military))
    found = {i.end_use: i.shortfall for i in run_scenario(G, scenario, elements=["Dy"], regions=["US"])}
    assert found == {"use": pytest.approx(every(0.5)), "jet": every(1.0)}  # Ho's ban does not reach Dy


def test_a_country_with_every_plant_offline_has_exactly_nothing_left():
    from reegraph.analysis.scenarios import _capacities

    values = [651.59297, 788.72335, 93.85959, 28.34748, 835.7651, 432.76707]  # summed two ways: 4.5e-13 apart
    G = plants_network(
        [("mine", "mining", "US", 5000.0), *((f"sep-{i}", "separation", "US", v) for i, v in enumerate(values))],
        feeding="separation",
    )
    offline = Scenario("x", offline=frozenset(f"sep-{i}" for i in range(len(values))))
    half = Scenario("x", scale={"sep-0": 0.5})
    for end in ENDS:
        assert _capacities(G, "ALL", "separation", offline, {}, end) == {"US": 0.0}
        assert _capacities(G, "ALL", "separation", half, {}, end) == {"US": round(sum(values) - values[0] / 2, 6)}


def _gated_chain():
    """Chinese mines and separators of 100 t; US and Japanese metal plants of 100 t each."""
    plants = [("mine", "mining", "CN", 100.0), ("sep", "separation", "CN", 100.0),
              ("m-us", "metal", "US", 100.0), ("m-jp", "metal", "JP", 100.0)]  # fmt: skip
    return make_network(plants, end_uses=[("use", "metal")])


def by_both_engines(G, scenario: Scenario, region: str) -> tuple[Range, Range]:
    """The supply of all rare earths to ``region``'s end uses as the scenario engine prices it and
    as the flow view routes it (``G`` has one flow of them)."""
    (flow,) = compute_flow(G, "ALL")
    (impact,) = run_scenario(G, scenario, elements=["ALL"], regions=[region])
    return impact.scenario, scenario_flow(G, flow, scenario, region=region)[0].flow


def test_each_control_is_one_licence_shared_by_the_destinations_it_covers():
    """China's separated exports (its throughput there: 100 t) go to US and Japanese metal plants of
    100 t each. Licensed at half to the US and a quarter to Japan by two controls: 50 + 25 = 75 t
    (the engine once applied the strictest, 25 t, to both). At half to each by two controls: a
    licence each, 50 + 50 = 100 t. At half to both by one control: one licence of 50 t, shared. A
    block on the US alone leaves Japan's quarter: 25 t. Controls whose destinations overlap are one
    licence at the strictest fraction, in either order: half to both with a quarter to Japan, 25 t
    (less than the 50 t the two would let through: the rule errs short); half to both with half to
    the US, 50 t. The same in every region, by both engines."""
    G = _gated_chain()
    us = ExportControl("CN", ALL, SEPARATION, destinations=frozenset({"US"}), licensed_fraction=0.5)
    jp = ExportControl("CN", ALL, SEPARATION, destinations=frozenset({"JP"}), licensed_fraction=0.25)
    both = ExportControl("CN", ALL, SEPARATION, destinations=frozenset({"US", "JP"}), licensed_fraction=0.5)
    cases = [
        ((us, jp), 75.0),
        ((us, replace(jp, licensed_fraction=0.5)), 100.0),
        ((both,), 50.0),
        ((replace(us, licensed_fraction=0.0), jp), 25.0),
        ((both, jp), 25.0),
        ((jp, both), 25.0),
        ((us, both), 50.0),
        ((both, us), 50.0),
    ]
    for controls, expected in cases:
        for region in ("EU", "US", "JP"):
            priced, routed = by_both_engines(G, Scenario("x", controls), region)
            assert priced == tonnes(expected), (controls, region)
            assert routed == tonnes(expected), (controls, region)


@st.composite
def gated_networks(draw):
    """A small chain (mines, separators, metal plants in a few countries, some without a figure)
    and one to three controls from one or two exporters, with destinations or without."""
    countries = ("CN", "MY", "US", "JP", "AU")
    plants = []
    for stage in ("mining", "separation", "metal"):
        for i, country in enumerate(draw(st.lists(st.sampled_from(countries), min_size=1, max_size=3, unique=True))):
            plants.append((f"{stage}-{i}", stage, country, float(draw(st.integers(1, 8)) * 25)))
    G = make_network(plants, end_uses=[("use", "metal")])
    for node in draw(st.lists(st.sampled_from([p[0] for p in plants]), max_size=2, unique=True)):
        G.nodes[node]["amounts"] = ()  # no figure: nothing bounds it
    controls = tuple(
        ExportControl(
            draw(st.sampled_from(("CN", "MY"))),
            ALL,
            frozenset(draw(st.lists(st.sampled_from(("mining", "separation", "metal")), min_size=1, unique=True))),
            destinations=frozenset(draw(st.lists(st.sampled_from(("US", "EU", "JP", "ROW")), max_size=2, unique=True))),
            licensed_fraction=draw(st.sampled_from((0.0, 0.25, 0.5, 1.0))),
        )
        for _ in range(draw(st.integers(1, 3)))
    )
    return G, Scenario("x", controls), draw(st.sampled_from(("EU", "US", "JP", "ROW", "CN")))


@settings(max_examples=60, derandomize=True, deadline=None, database=None)
@given(gated_networks())
def test_both_engines_gate_alike(case):
    """What the scenario engine prices and what the flow view routes are one maximum flow under one
    gating rule: the two agree at every end, whatever the controls and their destinations."""
    priced, routed = by_both_engines(*case)
    for end in ENDS:
        assert priced.at(end) == routed.at(end), end


@st.composite
def licences(draw):
    """One to four controls on China's separated exports (100 t), each with some destinations (or
    all) and a fraction."""
    return tuple(
        ExportControl(
            "CN",
            ALL,
            SEPARATION,
            destinations=frozenset(draw(st.lists(st.sampled_from(("US", "JP", "EU")), max_size=2, unique=True))),
            licensed_fraction=draw(st.sampled_from((0.0, 0.25, 0.5, 1.0))),
        )
        for _ in range(draw(st.integers(1, 4)))
    )


_HALF_BOTH = ExportControl("CN", ALL, SEPARATION, destinations=frozenset({"US", "JP"}), licensed_fraction=0.5)


@settings(max_examples=80, derandomize=True, deadline=None, database=None)
@given(licences(), st.sampled_from(("EU", "US", "JP", "ROW")))
@example((_HALF_BOTH, replace(_HALF_BOTH, destinations=frozenset({"JP"}), licensed_fraction=0.25)), "EU")
@example((_HALF_BOTH, replace(_HALF_BOTH, destinations=frozenset({"US"}))), "EU")
def test_a_further_control_never_raises_supply(controls, region):
    """Every control restricts: with all its controls a scenario supplies, at every end and by both
    engines, no more than with its last one left out (whatever their destinations and order). China
    mines and separates 100 t; only US and Japanese metal plants (100 t each) take it."""
    G = _gated_chain()
    supplied = []
    for kept in (controls, controls[:-1]):
        priced, routed = by_both_engines(G, Scenario("x", kept), region)
        assert priced == routed
        supplied.append(routed.point)
    assert supplied[0] <= supplied[1], supplied


def test_plants_a_scenario_stops_are_neither_binding_nor_said_to_be_missing():
    """A Chinese mine of 100 t; separators of 100 t in China and 30 t in the US. Scaling China's to
    nothing leaves the US's 30 t, which alone binds (the stopped plant is not named). Taking both
    separators offline leaves nothing, and the flow's note says the scenario stops them, not that
    no plant handles separation."""
    G = make_network([("mine", "mining", "CN", 100.0), ("sep", "separation", "CN", 100.0),
                      ("sep2", "separation", "US", 30.0)], end_uses=[("use", "separation")])  # fmt: skip
    (flow,) = compute_flow(G, "ALL")
    (impact,) = run_scenario(G, Scenario("x", scale={"sep": 0.0}), elements=["ALL"], regions=["EU"])
    assert (impact.scenario, impact.binding) == (tonnes(30.0), dict.fromkeys(ENDS, ("sep2",)))
    after = scenario_flow(G, flow, Scenario("x", offline=frozenset({"sep", "sep2"})))[0]
    assert after.flow == tonnes(0.0)
    assert after.note.endswith("nothing is known to pass at separation (the scenario stops all 2 plants)")


def test_an_exporter_whose_plants_at_a_stage_are_stopped_is_licensed_as_one_without_plants_there():
    """A Chinese mine of 100 t, a Malaysian separator of 100 t, Chinese metal plants (t metal: they
    do not measure the flow, so China's throughput there is its mining's, 100 t). China's metal
    exports are licensed at half: 50 t, whether China has no separator or one the scenario takes
    offline (which once pinned its throughput to 0 t)."""
    half = ExportControl("CN", ALL, frozenset({"metal"}), licensed_fraction=0.5)
    plants = [("mine", "mining", "CN", 100.0), ("sep-my", "separation", "MY", 100.0), ("met", "metal", "CN", 100.0)]
    cases = [(plants, frozenset()), ([*plants, ("sep-cn", "separation", "CN", 100.0)], frozenset({"sep-cn"}))]
    for rows, offline in cases:
        G = make_network(rows, end_uses=[("use", "metal")])
        priced, routed = by_both_engines(G, Scenario("x", (half,), offline=offline), "EU")
        assert priced == tonnes(50.0), offline
        assert routed == tonnes(50.0), offline
