"""Honest numbers: every amount is what the evidence supports, no more and no less.

Small networks whose answers are worked out by hand pin the reading rules of the data card
(``graphs/README.md``, "How amounts are read"); hypothesis properties on random networks guard the
invariants (adding a plant never lowers any supply, ``low <= point <= high``, shares that can sum to
one, order independence); the bundled graph and the German-plant experiment of issue 15 are checked
as a user would see them.
"""

from __future__ import annotations

import itertools
import json
import math
from datetime import date
from importlib import resources
from pathlib import Path

import jsonschema
import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reegraph.analysis import compute_concentration, compute_flow
from reegraph.analysis.capacity import country_range, stage_table
from reegraph.analysis.concentration import hhi_range, part_of
from reegraph.analysis.flow import find_flow_losses
from reegraph.analysis.scenarios import Scenario, run_scenario
from reegraph.model import ENDS, OXIDE_TO_ELEMENT, Amount, Ore, OreShare, Range, end_use_node, facility_node
from reegraph.network.ops import EXAMPLE_ELEMENTS, add_markets, markets

PROPERTIES = settings(
    max_examples=200, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


def figure(kind: str, value: float, *, elements: tuple[str, ...] = (), year: int = 2024, basis: str = "t REO"):
    """A figure as the projection makes it (``elements`` empty: all rare earths); kind ``ore``: the
    plant extracts, or is fed, ``ORES[value]``."""
    return (kind, value, basis, year, elements)


#: Ores for random plants: Dy 2-4% (point 3%); Nd+Pr jointly 15-20% beside 50% Ce; Dy 10% and Nd 5-30%.
ORES = (
    Ore("ore/x", (OreShare("c/x-dy", ("Dy",), 0.02, 0.04, 0.03, 2024),)),
    Ore(
        "ore/l",
        (OreShare("c/l-ce", ("Ce",), 0.5, 0.5, 0.5, 2024), OreShare("c/l-ndpr", ("Nd", "Pr"), 0.15, 0.2, None, 2024)),
    ),
    Ore(
        "ore/h", (OreShare("c/h-dy", ("Dy",), 0.1, 0.1, 0.1, 2024), OreShare("c/h-nd", ("Nd",), 0.05, 0.3, None, 2024))
    ),
)


def network(plants, *, caps=None, end_uses=(("use", "separation"),), as_of="2025-01-01") -> nx.DiGraph:
    """A network from ``(id, stage, country, [figure, ...])`` rows (figures from :func:`figure`),
    countries' own figures ``{"CC|stage": [figure, ...]}``, and end uses of every element fed from a
    stage; wired by the market rule as the bundled graph is."""
    G = nx.DiGraph(as_of=as_of, elements=dict(EXAMPLE_ELEMENTS), groups={})
    for id_, stage, country, figures in plants:
        amounts = tuple(
            Amount(id_, kind, float(value), basis, year, elements, sources=("source/example",))
            for kind, value, basis, year, elements in figures
            if kind != "ore"
        )
        ores = tuple(ORES[int(f[1])] for f in figures if f[0] == "ore")
        G.add_node(id_, **facility_node(stage, country, label=id_, amounts=amounts, owners=(f"org/{id_}",), ores=ores))
    country_figures = {
        f"country/{key.split('|')[0]}|{key.split('|')[1]}": tuple(
            Amount(f"cap-{key}", kind, float(value), basis, year, elements, sources=("source/example",))
            for kind, value, basis, year, elements in figures
        )
        for key, figures in (caps or {}).items()
    }
    add_markets(G, country_figures)
    for id_, stage in end_uses:
        G.add_node(id_, **end_use_node(stage, label=id_, elements=tuple(EXAMPLE_ELEMENTS)))
        G.add_edges_from(((m, id_) for m in markets(G, stage=stage)), link="inferred")
    return G


def flow_of(G: nx.DiGraph, element: str = "ALL") -> Range:
    (found,) = compute_flow(G, element)
    return found.flow


def entry(G: nx.DiGraph, stage: str, element: str = "ALL", **options):
    return next(c for c in compute_concentration(G, **options) if c.stage == stage and c.element == element)


# --- the rules, worked out by hand -----------------------------------------------------------------


def test_a_country_figure_bounds_its_plants_including_the_one_without_a_figure():
    """China reports 100 t separated; one Chinese plant reports 60 t, the other nothing. Alone the
    second plant is unknown, but the country figure caps the pair: China holds exactly 100 t, and with
    a US plant of 50 t China's share is 100 / 150 = 2/3, complete (nothing is unbounded)."""
    G = network(
        [
            ("mine", "mining", "CN", [figure("production", 1000)]),
            ("cn-1", "separation", "CN", [figure("production", 60)]),
            ("cn-2", "separation", "CN", []),
            ("us-1", "separation", "US", [figure("production", 50)]),
        ],
        caps={"CN|separation": [figure("production", 100)]},
    )
    table = stage_table(G, "ALL", "separation", unit="stage")
    assert not table.holdings["cn-2"].range.bounded
    assert country_range(table, "CN", flow=False) == Range(100.0, 100.0, 100.0)
    c = entry(G, "separation")
    assert c.status == "complete"
    assert c.total == Range(150.0, 150.0, 150.0)
    shares = {s.country: s.share for s in c.shares}
    assert shares["CN"].point == pytest.approx(2 / 3) and shares["CN"].low == pytest.approx(2 / 3)
    assert shares["US"].point == pytest.approx(1 / 3)
    # The flow: the mine gives 1,000 t, separation 150 t binds.
    assert flow_of(G) == Range(150.0, 150.0, 150.0)


def test_an_oxide_figure_becomes_tonnes_of_contained_element():
    """Dy2O3 is 2 x 162.500 / (2 x 162.500 + 3 x 15.999) = 87.13% Dy: a mine of 500 t Dy oxide and a
    separator of 100 t Dy oxide give 100 x 0.8713 = 87.13 t of Dy metal content."""
    factor = 2 * 162.500 / (2 * 162.500 + 3 * 15.999)
    assert OXIDE_TO_ELEMENT["Dy"] == pytest.approx(factor, abs=5e-5)
    G = network(
        [
            ("mine", "mining", "US", [figure("production", 500, elements=("Dy",))]),
            ("sep", "separation", "US", [figure("production", 100, elements=("Dy",))]),
        ]
    )
    flow = flow_of(G, "Dy")
    assert flow.point == pytest.approx(100 * OXIDE_TO_ELEMENT["Dy"])
    assert flow.low == flow.high == flow.point


def test_production_is_a_point_and_capacity_only_bounds_it():
    """A US separator produced 30 t; an Australian one has only a capacity of 50 t, so it produced
    between 0 and 50. The stage holds 30-80 t, with no point; US holds 30/80 = 37.5% to 100%, Australia
    0 to 50/80 = 62.5%; the HHI runs from the most even split (30 and 30: 5,000) to US alone (10,000)."""
    G = network(
        [
            ("mine", "mining", "US", [figure("production", 1000)]),
            ("sep-a", "separation", "US", [figure("production", 30)]),
            ("sep-b", "separation", "AU", [figure("capacity", 50)]),
        ]
    )
    assert flow_of(G) == Range(30.0, 80.0, None)
    c = entry(G, "separation")
    shares = {s.country: s.share for s in c.shares}
    assert (shares["US"].low, shares["US"].high) == (pytest.approx(0.375), pytest.approx(1.0))
    assert (shares["AU"].low, shares["AU"].high) == (pytest.approx(0.0), pytest.approx(0.625))
    assert shares["US"].point is None
    assert (c.hhi.low, c.hhi.high) == (pytest.approx(5000.0), pytest.approx(10000.0))
    assert c.highly_concentrated is True  # even the most even split is above 1,800


def test_a_joint_ndpr_figure_bounds_the_sum_never_each_element_in_full():
    """100 t of NdPr oxide: Nd+Pr together are 100 t; Nd alone is anywhere from 0 to 100 t (so its
    concentration has not enough data), and so is Pr; the Nd flow is at most 100 x 0.8574 t."""
    G = network(
        [
            ("mine", "mining", "US", [figure("production", 1000)]),
            ("sep", "separation", "US", [figure("production", 100, elements=("Nd", "Pr"))]),
        ]
    )
    joint = entry(G, "separation", "Nd+Pr")
    assert joint.total == Range(100.0, 100.0, 100.0) and joint.status == "complete"
    for symbol in ("Nd", "Pr"):
        table = stage_table(G, symbol, "separation", unit="stage")
        assert table.holdings["sep"].range == Range(0.0, 100.0, None)
        alone = entry(G, "separation", symbol)
        assert alone.status == "not enough data" and not alone.shares
    nd = flow_of(G, "Nd")
    assert nd.low == 0 and nd.point is None and nd.high == pytest.approx(100 * OXIDE_TO_ELEMENT["Nd"])


def test_a_stale_figure_is_left_out_and_listed_unless_max_age_allows_it():
    """A separator's only figure is from 2018; as of 2025 with figures at most 3 years old (2022 is the
    oldest year kept), it is stale: the plant is unknown, the entry lists the figure, and the flow has
    no upper bound at separation. With --max-age 10 it counts."""
    plants = [
        ("mine", "mining", "US", [figure("production", 1000)]),
        ("sep-old", "separation", "AU", [figure("production", 40, year=2018)]),
        ("sep-new", "separation", "US", [figure("production", 60)]),
    ]
    G = network(plants)
    c = entry(G, "separation")
    assert c.coverage.stale == (("sep-old", 2018),)
    assert c.coverage.unquantified == ("sep-old",)
    assert c.status == "not enough data"  # one country quantified, another operating unquantified
    assert "sep-old" in stage_table(G, "ALL", "separation").holdings
    assert flow_of(G) == Range(60.0, 1000.0, None)  # the mine bounds what separation cannot
    G.graph["max_age"] = 10
    c = entry(G, "separation")
    assert c.coverage.stale == () and c.status == "complete"
    assert c.span == "2018–2024"
    assert flow_of(G) == Range(100.0, 100.0, 100.0)


def test_a_plant_without_a_figure_is_unknown_never_zero():
    """China's separator reports 100 t, Australia's 50 t, a US separator reports nothing. The US
    plant is not zero: the report gives shares of the quantified 150 t (China 2/3), marks the entry
    partial and names the plant; the flow's high end is bounded only by the 1,000 t mine."""
    G = network(
        [
            ("mine", "mining", "CN", [figure("production", 1000)]),
            ("cn", "separation", "CN", [figure("production", 100)]),
            ("au", "separation", "AU", [figure("production", 50)]),
            ("us", "separation", "US", []),
        ]
    )
    c = entry(G, "separation")
    assert c.status == "partial"
    assert c.coverage.unquantified == ("us",)
    assert "nothing bounds 1 of 3 plants (us)" in c.note
    assert {s.country: s.share.point for s in c.shares} == {"CN": pytest.approx(2 / 3), "AU": pytest.approx(1 / 3)}
    assert flow_of(G) == Range(150.0, 1000.0, None)


def test_a_share_of_an_unbounded_total_is_at_most_the_whole_never_nan():
    """A country whose amount nothing bounds, in a total nothing bounds, holds at most all of it
    (not infinity over infinity); one that holds nothing holds none of it."""
    assert part_of(Range(0.0, math.inf), Range(10.0, math.inf)) == Range(0.0, 1.0)
    assert part_of(Range(5.0, math.inf), Range(10.0, math.inf)) == Range(0.0, 1.0)
    assert part_of(Range(0.0, 0.0), Range(10.0, math.inf)) == Range(0.0, 0.0)


def test_one_quantified_holder_beside_unquantified_ones_is_never_100_percent():
    """Only China's separator has a figure; a US separator operates without one. China's 100 t are
    all that is quantified, but that is not 100% of the stage: not enough data, said in words."""
    G = network(
        [
            ("mine", "mining", "CN", [figure("production", 1000)]),
            ("cn", "separation", "CN", [figure("production", 100)]),
            ("us", "separation", "US", []),
        ]
    )
    c = entry(G, "separation")
    assert c.status == "not enough data" and c.shares == () and c.hhi is None
    assert "figures only in CN" in c.note and "us" in c.note
    assert c.highly_concentrated is None


def test_by_ownership_a_country_figure_is_split_between_owners_not_counted_twice():
    """China reports 100 t separated: a Chinese-owned plant made 60 t and a US-owned one has no
    figure, so the US-owned plant made exactly 100 - 60 = 40 t; a US plant made 50 t. By location
    China holds 100 of 150 t; by owner the US holds 40 + 50 = 90 t (60%) and China 60 t (40%), of the
    same 150 t."""
    G = network(
        [
            ("mine", "mining", "CN", [figure("production", 1000)]),
            ("cn-owned", "separation", "CN", [figure("production", 60)]),
            ("us-owned", "separation", "CN", []),
            ("us-plant", "separation", "US", [figure("production", 50)]),
        ],
        caps={"CN|separation": [figure("production", 100)]},
    )
    for node, owner in (("cn-owned", "CN"), ("us-owned", "US"), ("us-plant", "US")):
        G.nodes[node]["owner_country"] = owner
    c = entry(G, "separation", by="ownership")
    assert c.total == Range(150.0, 150.0, 150.0)
    shares = {s.country: s.share for s in c.shares}
    assert shares["US"] == Range(pytest.approx(0.6), pytest.approx(0.6), pytest.approx(0.6))
    assert shares["CN"] == Range(pytest.approx(0.4), pytest.approx(0.4), pytest.approx(0.4))
    assert {s.country: s.amount for s in c.shares} == {"US": Range(90.0, 90.0, 90.0), "CN": Range(60.0, 60.0, 60.0)}


def test_a_new_plant_without_a_figure_widens_the_range_and_never_lowers_the_flow():
    """The fault of issue 15: once any plant had a figure, plants without one counted as zero, so a
    new plant made supply collapse. Here a 100 t/yr metal plant is added beside an unquantified one:
    the Dy flow's ends do not fall."""
    base = [
        ("mine", "mining", "US", [figure("production", 500, elements=("Dy",))]),
        ("sep", "separation", "US", [figure("production", 100, elements=("Dy",))]),
        ("metal-cn", "metal", "CN", []),
    ]
    added = [*base, ("metal-de", "metal", "DE", [figure("capacity", 100, elements=("Dy",), basis="t metal")])]
    uses = (("use", "metal"),)
    before, after = flow_of(network(base, end_uses=uses), "Dy"), flow_of(network(added, end_uses=uses), "Dy")
    assert after.low >= before.low and after.high >= before.high
    assert before == after == Range(0.0, 100 * OXIDE_TO_ELEMENT["Dy"], None)


# --- invariants on random networks -------------------------------------------------------------------

COUNTRIES = ("CN", "US", "AU")
STAGES = ("mining", "separation", "metal")
ELEMENT_SETS = ((), ("Nd",), ("Pr",), ("Nd", "Pr"), ("Dy",))


@st.composite
def random_figure(draw, stage: str):
    kind = draw(st.sampled_from(("production", "capacity")))
    value = draw(st.integers(0, 200))
    elements = draw(st.sampled_from(ELEMENT_SETS))
    year = draw(st.sampled_from((2016, 2022, 2023, 2024)))
    basis = "t metal" if stage == "metal" else "t REO"
    return figure(kind, value, elements=elements, year=year, basis=basis)


@st.composite
def random_figures(draw, stage: str):
    """Up to two figures, and for a mine or a separator maybe the ores it extracts or is fed."""
    figures = draw(st.lists(random_figure(stage), max_size=2))
    if stage in ("mining", "separation"):
        figures += [figure("ore", i) for i in draw(st.sets(st.integers(0, len(ORES) - 1), max_size=2))]
    return figures


@st.composite
def random_plant(draw, name: str):
    stage = draw(st.sampled_from(STAGES))
    return (name, stage, draw(st.sampled_from(COUNTRIES)), draw(random_figures(stage)))


@st.composite
def random_chain(draw):
    """Plants at three stages (each stage has at least one; mines and separators maybe with ores),
    maybe a country figure, end uses fed from separation and metal."""
    plants = [(f"{stage}-0", stage, draw(st.sampled_from(COUNTRIES)), draw(random_figures(stage))) for stage in STAGES]
    plants += [draw(random_plant(f"p{i}")) for i in range(draw(st.integers(0, 4)))]
    caps = {}
    if draw(st.booleans()):
        stage = draw(st.sampled_from(STAGES))
        caps[f"{draw(st.sampled_from(COUNTRIES))}|{stage}"] = [draw(random_figure(stage))]
    return plants, caps


USES = (("use-oxide", "separation"), ("use-metal", "metal"))
KEYS = ("ALL", "Nd", "Dy")


def supplies(plants, caps) -> dict[tuple, Range]:
    """Each key's flow per feeding stage, and each region's baseline per end use and key."""
    G = network(plants, caps=caps, end_uses=USES)
    found = {("flow", key, f.feeding_stage): f.flow for key in KEYS for f in compute_flow(G, key)}
    for impact in run_scenario(G, Scenario("none"), elements=KEYS, regions=("CN", "US", "ROW")):
        found[("region", impact.element, impact.end_use, impact.region)] = impact.scenario
    return found


def at_least(after: Range, before: Range) -> bool:
    """``after`` is no lower than ``before`` at the low and the high end, and at the point where both
    have one."""
    tolerance = 1e-6
    if after.low < before.low - tolerance or after.high < before.high - tolerance:
        return False
    return after.point is None or before.point is None or after.point >= before.point - tolerance


@PROPERTIES
@given(random_chain(), random_plant("extra"))
def test_adding_a_plant_never_lowers_any_supply_and_removing_it_never_raises_one(chain, extra):
    plants, caps = chain
    before, after = supplies(plants, caps), supplies([*plants, extra], caps)
    assert before.keys() <= after.keys()
    for key, value in before.items():
        assert at_least(after[key], value), (key, value, after[key])


@PROPERTIES
@given(random_chain(), st.integers(0, 7), st.integers(1, 300))
def test_adding_capacity_never_lowers_any_supply(chain, which, extra):
    """Every capacity figure of one plant grows by ``extra`` t. (Giving a figure to a plant that had
    none is new knowledge, not new capacity: it may well narrow the range.)"""
    plants, caps = chain
    name = plants[which % len(plants)][0]
    grown = [
        (n, s, c, [(k, v + extra if k == "capacity" else v, b, y, e) for k, v, b, y, e in f])
        if n == name
        else (n, s, c, f)
        for n, s, c, f in plants
    ]
    before, after = supplies(plants, caps), supplies(grown, caps)
    for key, value in before.items():
        assert at_least(after[key], value), (key, value, after[key])


def well_formed(r: Range) -> bool:
    tolerance = 1e-9 * max(1.0, abs(r.low))
    return 0 <= r.low <= r.high + tolerance and (r.point is None or r.low - tolerance <= r.point <= r.high + tolerance)


@PROPERTIES
@given(random_chain())
def test_ranges_are_ordered_flows_stay_under_every_stage_and_shares_can_sum_to_one(chain):
    plants, caps = chain
    G = network(plants, caps=caps, end_uses=USES)
    for key in KEYS:
        for flow in compute_flow(G, key):
            assert well_formed(flow.flow)
            for stage in flow.stages:
                assert well_formed(stage.total)
                assert all(well_formed(amount) for _, amount in stage.countries)
                if stage.measured:
                    assert flow.flow.high <= stage.total.high + 1e-6
                    assert flow.flow.low <= stage.total.low + 1e-6
    for c in compute_concentration(G):
        assert well_formed(c.total)
        if c.hhi is not None:
            assert well_formed(c.hhi) and c.hhi.high <= 10_000 + 1e-6
        if c.shares:
            assert all(well_formed(s.share) and s.share.high <= 1 + 1e-9 for s in c.shares)
            assert (
                math.fsum(s.share.low for s in c.shares) <= 1 + 1e-9 <= math.fsum(s.share.high for s in c.shares) + 2e-9
            )
            if all(s.share.point is not None for s in c.shares):
                assert math.fsum(s.share.point for s in c.shares) == pytest.approx(1.0)


@PROPERTIES
@given(random_chain())
def test_results_do_not_depend_on_the_order_of_plants(chain):
    plants, caps = chain

    def everything(rows):
        G = network(rows, caps=caps, end_uses=USES)
        return (
            [(c.stage, c.element, c.total, c.hhi, c.shares, c.status, c.note) for c in compute_concentration(G)],
            supplies(rows, caps),
        )

    assert everything(plants) == everything(list(reversed(plants)))


@PROPERTIES
@given(random_chain())
def test_the_report_flow_and_the_scenario_baseline_agree_at_both_ends(chain):
    """The report's flow (the smallest stage) and the scenario engine's baseline (a max-flow on the
    country-group network) are the same supply at the low and the high end."""
    plants, caps = chain
    G = network(plants, caps=caps, end_uses=USES)
    for key in KEYS:
        flows = {f.feeding_stage: f.flow for f in compute_flow(G, key)}
        for impact in run_scenario(G, Scenario("none"), elements=[key], regions=("ROW",)):
            feeding = G.nodes[impact.end_use]["feeding_stage"]
            for end in ("low", "high"):
                assert impact.baseline.at(end) == pytest.approx(flows[feeding].at(end)), (key, feeding, end)


@PROPERTIES
@given(random_chain(), st.sampled_from((0.25, 0.5, 0.9)))
def test_the_loss_threshold_only_drops_candidates_below_it(chain, min_loss):
    """find_flow_losses skips candidates that cannot reach ``min_loss`` without pricing them; the
    ones it keeps and their losses must be those of the full computation."""
    plants, caps = chain
    G = network(plants, caps=caps, end_uses=USES)
    for key in KEYS:
        for flow in compute_flow(G, key):
            every = find_flow_losses(G, flow)
            expected = [
                x
                for x in every
                if x.kind == "country"
                or x.dominates
                or max((v for v in x.loss if v is not None), default=0) >= min_loss
            ]
            assert find_flow_losses(G, flow, min_loss=min_loss) == expected


def regional(G: nx.DiGraph, scenario: Scenario) -> dict[tuple, Range]:
    return {
        (i.element, i.end_use, i.region): i.scenario
        for i in run_scenario(G, scenario, elements=KEYS, regions=("CN", "US", "ROW"))
    }


@PROPERTIES
@given(random_chain(), st.lists(st.tuples(st.integers(0, 7), st.sampled_from((0.0, 0.5, 1.0, 2.0))), max_size=3))
def test_scaling_a_plant_up_never_lowers_supply_and_down_never_raises_it(chain, picks):
    """A scenario's [[scale]]: a factor of 1 changes nothing, above 1 never lowers any region's
    supply at any end, below 1 never raises it (a plant nothing bounds stays unbounded)."""
    plants, caps = chain
    G = network(plants, caps=caps, end_uses=USES)
    names = [p[0] for p in plants]
    scale = {names[i % len(names)]: factor for i, factor in picks}
    base = regional(G, Scenario("none"))
    assert regional(G, Scenario("same", scale=dict.fromkeys(scale, 1.0))) == base
    up = regional(G, Scenario("up", scale={n: f for n, f in scale.items() if f >= 1}))
    down = regional(G, Scenario("down", scale={n: f for n, f in scale.items() if f <= 1}))
    for key, value in base.items():
        assert at_least(up[key], value), (key, value, up[key])
        assert at_least(value, down[key]), (key, value, down[key])


@PROPERTIES
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), min_size=1, max_size=4))
def test_the_hhi_range_holds_every_split_the_amounts_allow(bounds):
    """Brute force on a grid of whole tonnes: every allocation inside the ranges has an HHI inside
    hhi_range, and the range's ends are reached (within a grid step's rounding)."""
    amounts = [Range(float(min(a, b)), float(max(a, b))) for a, b in bounds]
    found = hhi_range(amounts)
    values = [
        10_000 * sum(x * x for x in split) / sum(split) ** 2
        for split in itertools.product(*(range(int(a.low), int(a.high) + 1) for a in amounts))
        if sum(split) > 0
    ]
    if not values:
        return
    assert found.low - 1e-6 <= min(values) and max(values) <= found.high + 1e-6
    assert max(values) == pytest.approx(found.high, abs=1e-6)


def test_the_lowest_hhi_is_below_a_split_found_by_hand():
    """Six countries: US 44, AU 25-98, CA 43, BR 74-142, IN 79-145, VN 40 t. The split (44, 61.08,
    43, 74, 79, 40) lies inside every range and has an HHI of 1,790.7 (below the 1,800 threshold),
    so the lowest HHI is at most that and the entry is not certainly highly concentrated."""
    amounts = [Range(44.0, 44.0, 44.0), Range(25.0, 98.0), Range(43.0, 43.0, 43.0), Range(74.0, 142.0),
               Range(79.0, 145.0), Range(40.0, 40.0, 40.0)]  # fmt: skip
    split = (44, 61.08, 43, 74, 79, 40)
    by_hand = 10_000 * sum(x * x for x in split) / sum(split) ** 2
    assert by_hand == pytest.approx(1790.7, abs=0.05)
    assert hhi_range(amounts).low <= by_hand + 1e-5  # the range is rounded to 6 decimals


# --- the bundled graph ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled(request):
    from reegraph.app import load, report

    store = load()
    return store, report(store)


def test_dy_and_tb_separation_give_china_a_range_below_100_and_malaysia_a_share(bundled):
    _, result = bundled
    for element in ("Dy", "Tb"):
        c = next(c for c in result.concentration if c.stage == "separation" and c.element == element)
        shares = {s.country: s.share for s in c.shares}
        assert shares["CN"].low < 1.0 and shares["CN"].high == pytest.approx(1.0)
        assert shares["MY"].high > 0
        assert c.status == "partial" and c.coverage.unquantified  # Solvay La Rochelle has no figure


def test_no_100_percent_rests_on_one_holder_while_others_operate_without_a_figure(bundled):
    store, result = bundled
    from reegraph.app import report

    for entries in (result.concentration, report(store, all_years=True).concentration):
        for c in entries:
            whole = [s for s in c.shares if s.share.low >= 1.0]
            if whole:
                located = {c.shares[0].country}
                assert not c.coverage.unquantified or c.status != "complete", c
                assert c.status != "not enough data"
                assert len(located) == 1


def test_every_share_in_the_bundled_report_is_a_well_formed_fraction(bundled):
    """Every country share of every entry lies in [0, 1] (USGS's zero figures for countries whose
    plants do not run once made one infinity over infinity)."""
    _, result = bundled
    for c in result.concentration:
        for s in c.shares:
            assert well_formed(s.share) and s.share.high <= 1.0, (c.stage, c.element, s.country, s.share)


def test_every_entry_names_the_span_of_its_years(bundled):
    _, result = bundled
    for c in result.concentration:
        years = c.coverage.years
        if len(years) > 1:
            assert c.span == f"{years[0]}–{years[-1]}"
        elif years:
            assert c.span == str(years[0])


def test_nd_and_pr_are_not_each_credited_with_the_whole_ndpr_figure(bundled):
    _, result = bundled
    by = {(c.stage, c.element): c for c in result.concentration}
    for stage in ("separation", "metal"):
        joint = by[(stage, "Nd+Pr")]
        assert joint.total.low > 0
        for symbol in ("Nd", "Pr"):
            alone = by[(stage, symbol)]
            assert alone.status == "not enough data" and alone.total.low == 0 < joint.total.low
    nd, pr = (next(f for f in result.flows if f.element == e and f.feeding_stage == "separation") for e in ("Nd", "Pr"))
    assert nd.flow.low == 0 and pr.flow.low == 0  # neither is guaranteed the NdPr oxide in full


def test_aggregates_are_labelled_and_never_ranked(bundled):
    store, result = bundled
    from reegraph.network.project import build_network

    G = build_network(store, as_of=date.today())
    aggregates = {n for n, d in G.nodes(data=True) if d.get("aggregate")}
    assert aggregates
    assert not {c.id for c in result.chokepoints} & aggregates


# --- the German-plant experiment ----------------------------------------------------------------------

GERMAN_PLANT = """@prefix ree:  <https://w3id.org/reegraph/ontology#> .
@prefix fac:  <https://w3id.org/reegraph/id/facility/> .
@prefix q:    <https://w3id.org/reegraph/id/quantity/> .
@prefix cc:   <https://w3id.org/reegraph/id/country/> .
@prefix el:   <https://w3id.org/reegraph/id/element/> .
@prefix mat:  <https://w3id.org/reegraph/id/material/> .
@prefix src:  <https://w3id.org/reegraph/id/source/> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .

fac:de-dy-metal a ree:MetalAlloyPlant ; rdfs:label "Hypothetical Dy metal plant (Germany)"@en ;
    ree:country cc:DE ; ree:status ree:Operating ; ree:produces mat:re-metals-alloys ;
    ree:hasQuantity q:de-dy-metal-capacity ; prov:wasDerivedFrom src:a3-hitachi-santoku .
q:de-dy-metal-capacity a ree:Quantity ; ree:quantityKind ree:Capacity ; ree:value 100 ;
    ree:unit unit:TONNE ; ree:basis ree:MetalBasis ; ree:element el:Dy ; ree:year 2025 ;
    ree:confidence ree:Reported ; prov:wasDerivedFrom src:a3-hitachi-santoku .
"""

GERMAN_SCENARIO = """[scenario]
include = ["china-2025-04"]

[[new_facility]]
id = "de-dy-metal"
stage = "metal"
country = "DE"
elements = ["Dy"]
capacity = 100
"""


def _eu_cars_dy(run_json, *args):
    data = run_json("scenario", "run", *args, "--element", "Dy", "--region", "EU")
    return next(i for i in data["impacts"] if i["end_use"].endswith("/electric-cars"))


def test_a_german_dy_metal_plant_never_lowers_eu_supply_nor_raises_the_shortfall(run_json, tmp_path):
    """Issue 15's experiment: a 100 t/yr Dy metal plant in Germany, given with --data and as a
    scenario's [[new_facility]], must raise or leave the EU electric-car Dy baseline and scenario
    supply and lower or leave the shortfall, at every end."""
    ttl, toml = tmp_path / "de.ttl", tmp_path / "de.toml"
    ttl.write_text(GERMAN_PLANT, encoding="utf-8")
    toml.write_text(GERMAN_SCENARIO, encoding="utf-8")
    before = _eu_cars_dy(run_json, "china-2025-04")
    for after in (_eu_cars_dy(run_json, "china-2025-04", "--data", str(ttl)), _eu_cars_dy(run_json, str(toml))):
        for what in ("baseline", "scenario"):
            for end in ("low", "high"):
                high_after, high_before = after[what][end], before[what][end]
                assert (high_after is None) or (high_before is not None and high_after >= high_before - 1e-6)
        for end in ENDS:
            if before["shortfall"][end] is not None and after["shortfall"][end] is not None:
                assert after["shortfall"][end] <= before["shortfall"][end] + 1e-9
    ranked = run_json("report", "--data", str(ttl), "--element", "Dy")["chokepoints"]
    assert not [c for c in ranked if c["id"].endswith("/de-dy-metal")]  # not a single point of failure


# --- the contracts ----------------------------------------------------------------------------------------


def _validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads(resources.files("reegraph").joinpath(f"schemas/{name}.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.mark.parametrize(
    "args",
    [
        ("report",),
        ("report", "--element", "Dy", "--by", "ownership"),
        ("report", "--all-years", "--max-age", "20"),
    ],
)
def test_report_json_matches_its_shipped_schema(run_json, args):
    data = run_json(*args)
    assert data["schema_version"] == "2"
    errors = [f"{e.json_path}: {e.message}" for e in _validator("report").iter_errors(data)]
    assert not errors, errors[:5]


@pytest.mark.parametrize(
    "args",
    [
        ("scenario", "run", "china-2025-04"),
        ("scenario", "run", "us-2028-build-out", "--element", "ALL"),
        ("scenario", "run", "china-2025-04", "--element", "Dy", "--monte-carlo", "20"),
        ("scenario", "compare", "china-2025-04", "us-2028-build-out", "--element", "Dy"),
    ],
)
def test_scenario_json_matches_its_shipped_schema(run_json, args):
    data = run_json(*args)
    errors = [f"{e.json_path}: {e.message}" for e in _validator("scenario").iter_errors(data)]
    assert not errors, errors[:5]


def test_the_schema_rejects_what_the_contract_forbids(run_json):
    """The schema is not a rubber stamp: a point outside [0, inf), a missing coverage, or version 1
    fail it."""
    data = run_json("report", "--element", "Dy")
    validator = _validator("report")
    assert validator.is_valid(data)
    for damage in (
        lambda d: d.__setitem__("schema_version", "1"),
        lambda d: d["concentration"][0].pop("coverage"),
        lambda d: d["concentration"][0]["total"].__setitem__("low", -1),
    ):
        copy = json.loads(json.dumps(data))
        damage(copy)
        assert not validator.is_valid(copy)


def test_an_element_with_no_data_says_so_on_stderr_and_in_the_json(run):
    """Sm has no flow the graph can bound from below: the run says so in words, not with an empty
    table or 0%."""
    result = run("scenario", "run", "china-2025-04", "--element", "Sm", "--region", "EU", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    (note,) = [n for n in data["notes"] if n["element"] == "Sm"]
    assert "not enough data" in note["note"] and "Sm" in result.stderr
    for impact in data["impacts"]:
        assert impact["shortfall"]["low"] is None and impact["shortfall"]["point"] is None
    table = run("scenario", "run", "china-2025-04", "--element", "Sm", "--region", "EU")
    assert "not enough data" in table.stdout


def test_a_report_with_max_age_zero_leaves_out_older_figures_and_says_so(run_json):
    data = run_json("report", "--max-age", "0", "--as-of", "2025-06-01")
    assert data["max_age"] == 0
    assert any(c["coverage"]["stale"] for c in data["concentration"])
    for c in data["concentration"]:
        assert all(y >= 2024 for y in c["coverage"]["years"]), c["coverage"]["years"]


def test_bad_max_age_is_a_usage_error(run):
    result = run("report", "--max-age", "-1")
    assert result.exit_code == 2 and "--max-age" in result.stderr


def test_json_for_a_missing_stage_says_no_data_not_zero(run_json):
    data = run_json("report")
    lacking = [c for c in data["concentration"] if c["status"] == "not enough data"]
    assert lacking
    for c in lacking:
        assert c["shares"] == [] and c["hhi"] is None and c["note"].startswith("not enough data")
        assert c["total"]["high"] is None or c["total"]["point"] is None or c["total"]["point"] > 0


def test_data_card_documents_the_reading_rules():
    card = (Path(__file__).parent.parent / "graphs" / "README.md").read_text(encoding="utf-8")
    assert "How amounts are read" in card


# --- absurd input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "message"),
    [
        ("1e160", "TONNE", "ree:value 1e+160 is more than 1e+10 t"),
        ("500000", "KiloGM", "ree:unit 'unit:KiloGM': figures are read in tonnes"),
    ],
)
def test_a_figure_of_absurd_size_or_in_another_unit_is_refused(run, tmp_path, value, unit, message):
    """Sums of 1e308-tonne figures overflowed and squares of 1e160 made the HHI NaN; a figure in kg
    was read as tonnes. Each is now a one-line error naming the quantity, exit 2."""
    path = tmp_path / "odd.ttl"
    path.write_text(
        GERMAN_PLANT.replace(
            "ree:value 100 ;", f'ree:value "{value}"^^<http://www.w3.org/2001/XMLSchema#double> ;'
        ).replace("unit:TONNE", f"unit:{unit}"),
        encoding="utf-8",
    )
    for args in (("report",), ("scenario", "run", "china-2025-04", "--element", "Dy")):
        result = run(*args, "--data", str(path))
        assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(("key", "value"), [("capacity", "1e308"), ("factor", "1e308")])
def test_a_scenario_with_an_absurd_capacity_or_factor_is_refused(run, tmp_path, key, value):
    section = (
        '[[new_facility]]\nid = "x"\nstage = "metal"\ncountry = "DE"\ncapacity = 1e308\n'
        if key == "capacity"
        else '[[scale]]\ncountry = "CN"\nfactor = 1e308\n'
    )
    path = tmp_path / "absurd.toml"
    path.write_text('[scenario]\ninclude = ["china-2025-04"]\n\n' + section, encoding="utf-8")
    result = run("scenario", "run", str(path))
    assert result.exit_code == 2 and f"{key} must be a number from 0 to" in result.stderr


def test_comparing_a_scenario_with_itself_keeps_both_columns(run_json):
    data = run_json("scenario", "compare", "china-2025-04", "china-2025-04", "--element", "Dy")
    first, second = data["scenarios"]
    assert first != second and all(first in row and second in row for row in data["rows"])
