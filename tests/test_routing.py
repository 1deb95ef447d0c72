"""The routing of a flow between countries (reegraph.analysis.flow.route_flow): properties on random
small stage networks (the flow is the series network's maximum flow, monotone in every amount, never
raised by a gate, conserved through every country), and hand-worked cases of its cost rule: a tonne
costs 1 for each border it crosses and 2 for each stage where it passes a country nothing bounds.

Amounts are multiples of 0.25 t, so sums are exact in floating point and rounding to the kilogram
loses nothing."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reegraph.analysis.flow import Gate, Licence, StageCapacity, gate_limit, route_flow, series_flow, throughput
from reegraph.model import ENDS, Range, add_ranges

PROPERTIES = settings(max_examples=100, derandomize=True, deadline=None, database=None)

COUNTRIES = ("AU", "CN", "MY", "US")
FRACTIONS = (0.0, 0.25, 0.5, 1.0)

quarters = st.integers(0, 200).map(lambda n: n / 4)


def stage(name: str, countries: Mapping[str, Range], *, measured: bool = True) -> StageCapacity:
    """A stage whose countries hold ``countries`` (every country a handler)."""
    return StageCapacity(name, measured, add_ranges(countries.values()), tuple(countries.items()), (), (), (), 1)


@st.composite
def amounts(draw, *, points: bool = False) -> Range:
    """A country's amount: a point, a range without one, or (unless ``points``) a range nothing bounds."""
    low = draw(quarters)
    shape = "point" if points else draw(st.sampled_from(["point", "point", "range", "unbounded"]))
    if shape == "point":
        return Range(low, low, low)
    if shape == "range":
        return Range(low, low + draw(quarters))
    return Range(low, math.inf)


@st.composite
def networks(draw, *, points: bool = False) -> list[StageCapacity]:
    """One to four stages, each with one to four countries; now and then a stage that does not
    measure the flow (its countries pass it without bound)."""
    stages = []
    for k in range(draw(st.integers(1, 4))):
        names = draw(st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=4, unique=True))
        row = {c: draw(amounts(points=points)) for c in sorted(names)}
        stages.append(stage(f"s{k}", row, measured=draw(st.integers(0, 5)) > 0))
    return stages


@st.composite
def gates(draw, stages: list[StageCapacity]) -> Gate:
    """A gate on each exporter's exports at each stage: to each importer (or the end uses) one of
    two licences of its own (each a fraction, shared by the importers under it) or nothing."""
    importers = ["", *COUNTRIES]
    chosen = {}
    for s in stages:
        for exporter, _ in s.countries:
            licences = [Licence(draw(st.sampled_from(FRACTIONS)), (s.stage, exporter, i)) for i in range(2)]
            for importer in importers:
                chosen[(s.stage, exporter, importer)] = draw(st.sampled_from([None, *licences]))
    return lambda stage_name, exporter, importer: chosen[(stage_name, exporter, importer)]


def at(flow: Range, end: str) -> float:
    """The flow at one end, ``inf`` where nothing bounds it."""
    value = flow.at(end)
    return math.inf if value is None else value


def series_max_flow(stages: list[StageCapacity]) -> float:
    """The maximum flow of the series network at the points, by networkx: each country at each stage
    a node of its amount (without bound where the stage does not measure the flow), every country
    at one stage linked to every country at the next."""
    H: nx.DiGraph = nx.DiGraph()
    for k, s in enumerate(stages):
        for country, amount in s.countries:
            inside = {"capacity": amount.point} if s.measured else {}
            H.add_edge((k, country, "in"), (k, country, "out"), **inside)
            if k == 0:
                H.add_edge("source", (k, country, "in"))
            if k + 1 < len(stages):
                for target, _ in stages[k + 1].countries:
                    H.add_edge((k, country, "out"), (k + 1, target, "in"))
            else:
                H.add_edge((k, country, "out"), "sink")
    try:
        return float(nx.maximum_flow_value(H, "source", "sink"))
    except nx.NetworkXUnbounded:
        return math.inf


@PROPERTIES
@given(networks(points=True))
def test_the_flow_at_the_point_is_the_series_networks_maximum_flow(stages):
    """All countries link to all, so the maximum flow is the smallest total of the stages that bound
    it (networkx on the country network agrees)."""
    flow, _ = route_flow(stages)
    expected = series_max_flow(stages)
    assert at(flow, "point") == expected
    assert at(series_flow(stages)[0], "point") == expected


@PROPERTIES
@given(networks())
def test_without_a_gate_the_routed_flow_is_the_stages_in_series_at_every_end(stages):
    """What scenario_flow compares the gated flow with (to tell when export controls bind): without
    a gate the routing passes what the stages in series do, at every end where it has a value (at
    the point it has none where some amount has none; the stages in series may still give one)."""
    flow, _ = route_flow(stages)
    bound, _ = series_flow(stages)
    for end in ENDS:
        if flow.at(end) is not None:
            assert flow.at(end) == bound.at(end), end
    assert flow.low == bound.low and flow.high == bound.high


@PROPERTIES
@given(st.data())
def test_raising_an_amount_never_lowers_the_flow(data):
    """One country's amount at one stage raised by some tonnes (its low end, point and high end
    alike), under a gate or none: the flow at every end is at least what it was."""
    stages = data.draw(networks())
    gate = data.draw(st.none() | gates(stages))
    k = data.draw(st.integers(0, len(stages) - 1))
    countries = dict(stages[k].countries)
    country = data.draw(st.sampled_from(sorted(countries)))
    more = data.draw(quarters)
    old = countries[country]
    countries[country] = Range(old.low + more, old.high + more, None if old.point is None else old.point + more)
    raised = [*stages[:k], stage(stages[k].stage, countries, measured=stages[k].measured), *stages[k + 1 :]]
    before, _ = route_flow(stages, gate=gate)
    after, _ = route_flow(raised, gate=gate)
    for end in ENDS:
        assert at(after, end) >= at(before, end), end


@PROPERTIES
@given(st.data())
def test_a_gate_never_raises_the_flow(data):
    """At every end (a gate that licenses nothing may bound a flow that nothing bounded before)."""
    stages = data.draw(networks())
    free, _ = route_flow(stages)
    gated, _ = route_flow(stages, gate=data.draw(gates(stages)))
    for end in ENDS:
        assert at(gated, end) <= at(free, end), end


@PROPERTIES
@given(st.data())
def test_the_links_conserve_the_flow(data):
    """At every end where the flow is defined: what enters a country at a stage leaves it, what
    leaves the first stage is the flow (so every stage passes it), and what leaves the last stage
    (to the end uses) is the flow."""
    stages = data.draw(networks())
    flow, links = route_flow(stages, gate=data.draw(st.none() | gates(stages)))
    names = [s.stage for s in stages]
    for i, end in enumerate(ENDS):
        value = flow.at(end)
        if value is None or math.isinf(value):
            assert all(x.flow[i] is None for x in links)
            continue
        entering: dict[tuple[int, str], float] = defaultdict(float)
        leaving: dict[tuple[int, str], float] = defaultdict(float)
        for x in links:
            k = names.index(x.stage)
            leaving[(k, x.source)] += x.flow[i]
            if x.target:
                assert k + 1 < len(stages)
                entering[(k + 1, x.target)] += x.flow[i]
            else:
                assert k == len(stages) - 1
        for (k, country), tonnes in entering.items():
            assert leaving[(k, country)] == pytest.approx(tonnes, abs=1e-6), (end, k, country)
        for k in range(1, len(stages)):
            assert leaving[(k, "")] == 0
            assert sum(t for (j, _), t in leaving.items() if j == k) == pytest.approx(value, abs=1e-6)
        assert sum(t for (j, _), t in leaving.items() if j == 0) == pytest.approx(value, abs=1e-6)


def routed(
    stages: list[StageCapacity], end: str = "point", gate: Gate | None = None
) -> dict[tuple[str, str, str], float]:
    """The tonnes each link carries at one end (links carrying nothing left out)."""
    _, links = route_flow(stages, gate=gate)
    i = ENDS.index(end)
    return {(x.stage, x.source, x.target): x.flow[i] for x in links if x.flow[i]}


def licensed(stage_name: str, exporter: str, fraction: float) -> Gate:
    """A gate licensing ``fraction`` of what ``exporter`` sends abroad at one stage, one licence for
    every destination."""
    licence = Licence(fraction, (stage_name, exporter))
    return lambda stage_at, source, importer: licence if (stage_at, source) == (stage_name, exporter) else None


def cost(stages: list[StageCapacity], links: Mapping[tuple[str, str, str], float], end: str) -> float:
    """What a routing costs by the rule, leaving out the last hop to the end uses (every tonne pays
    it alike): 1 a tonne for each border crossed between stages, 2 a tonne for each stage it passes
    through a country whose amount there has no bound."""
    open_ = {(s.stage, c) for s in stages for c, r in s.countries if r.at(end) is None or math.isinf(r.at(end))}
    crossing = sum(t for (_, source, target), t in links.items() if target and source != target)
    return crossing + 2 * sum(t for (name, source, _), t in links.items() if (name, source) in open_)


def test_the_routing_keeps_the_flow_at_home_where_it_can():
    """US and Australian mines of 60 t and 40 t; separators of 40 t in each: 80 t pass (separation
    binds). Each separator can be fed from home, the US's with 40 t of its 60 t and Australia's
    with its 40 t, at no cost; US ore sent to Australia would only displace Australian ore, at 1 a
    tonne. The routing crosses no border."""
    stages = [stage("mining", {"US": Range(60.0, 60.0, 60.0), "AU": Range(40.0, 40.0, 40.0)}),
              stage("separation", {"US": Range(40.0, 40.0, 40.0), "AU": Range(40.0, 40.0, 40.0)})]  # fmt: skip
    assert route_flow(stages)[0].point == 80.0
    assert routed(stages) == {
        ("mining", "US", "US"): 40.0,
        ("mining", "AU", "AU"): 40.0,
        ("separation", "US", ""): 40.0,
        ("separation", "AU", ""): 40.0,
    }


def test_the_routing_crosses_only_what_the_flow_needs():
    """US and Australian mines of 60 t and 40 t; separators of 30 t in the US and 70 t in Australia.
    100 t pass; the US can separate 30 t of its 60 t, so 30 t must cross to Australia (cost 30),
    and Australia separates its own 40 t besides. Crossing more (say Australia's ore to the US)
    would only add cost."""
    stages = [stage("mining", {"US": Range(60.0, 60.0, 60.0), "AU": Range(40.0, 40.0, 40.0)}),
              stage("separation", {"US": Range(30.0, 30.0, 30.0), "AU": Range(70.0, 70.0, 70.0)})]  # fmt: skip
    links = routed(stages)
    assert links == {
        ("mining", "US", "US"): 30.0,
        ("mining", "US", "AU"): 30.0,
        ("mining", "AU", "AU"): 40.0,
        ("separation", "US", ""): 30.0,
        ("separation", "AU", ""): 70.0,
    }
    assert cost(stages, links, "point") == 30.0


def test_a_bounded_plant_one_border_away_is_preferred_to_an_unbounded_one_at_home():
    """A US mine of 30 t; a US separator no figure bounds and a Canadian one of 30 t. Through the
    US plant a tonne costs 2 (an unbounded stage); through Canada's 1 (one border; both then pay
    alike to the end uses). At the high end the 30 t all go to Canada: cost 30, not 60. At the low
    end the US plant guarantees nothing, so Canada's 30 t are all there is either way."""
    stages = [stage("mining", {"US": Range(30.0, 30.0, 30.0)}),
              stage("separation", {"US": Range(0.0, math.inf), "CA": Range(30.0, 30.0, 30.0)})]  # fmt: skip
    flow, _ = route_flow(stages)
    assert flow == Range(30.0, 30.0, None)
    for end in ("low", "high"):
        links = routed(stages, end)
        assert links == {("mining", "US", "CA"): 30.0, ("separation", "CA", ""): 30.0}, end
    assert cost(stages, routed(stages, "high"), "high") == 30.0


def test_the_unbounded_plant_takes_only_what_the_bounded_ones_cannot():
    """A US mine of 50 t; a US separator no figure bounds and a Canadian one of 30 t. At the high
    end 50 t pass: 30 t through Canada (1 a tonne) fill it, and only the 20 t left go through the
    unbounded US plant (2 a tonne): cost 30 + 40 = 70, against 100 all through the US."""
    stages = [stage("mining", {"US": Range(50.0, 50.0, 50.0)}),
              stage("separation", {"US": Range(0.0, math.inf), "CA": Range(30.0, 30.0, 30.0)})]  # fmt: skip
    links = routed(stages, "high")
    assert links == {
        ("mining", "US", "CA"): 30.0,
        ("mining", "US", "US"): 20.0,
        ("separation", "CA", ""): 30.0,
        ("separation", "US", ""): 20.0,
    }
    assert cost(stages, links, "high") == 70.0


def test_a_detour_abroad_and_back_costs_what_an_unbounded_stage_does():
    """A US mine of 30 t; separators: the US's unbounded, Canada's 30 t; a US metal plant of 30 t.
    Through Canada a tonne crosses two borders (out and back): 2; through the US plant it passes one
    unbounded stage: 2. The costs tie, so the rule prefers neither (every routing of the 30 t costs
    60) and the test asks only that the 30 t pass. Two unbounded stages at home (4 a tonne)
    against the same detour through Canada's separator and metal plant (2) are another matter:
    the flow goes abroad."""
    mining = stage("mining", {"US": Range(30.0, 30.0, 30.0)})
    separation = stage("separation", {"US": Range(0.0, math.inf), "CA": Range(30.0, 30.0, 30.0)})
    tied = [mining, separation, stage("metal", {"US": Range(30.0, 30.0, 30.0)})]
    assert route_flow(tied)[0].high == 30.0
    abroad = [
        mining,
        separation,
        stage("metal", {"US": Range(0.0, math.inf), "CA": Range(30.0, 30.0, 30.0)}),
        stage("magnet", {"US": Range(30.0, 30.0, 30.0)}),
    ]
    links = routed(abroad, "high")
    assert links == {
        ("mining", "US", "CA"): 30.0,
        ("separation", "CA", "CA"): 30.0,
        ("metal", "CA", "US"): 30.0,
        ("magnet", "US", ""): 30.0,
    }
    assert cost(abroad, links, "high") == 60.0


def test_a_gate_licenses_a_fraction_of_what_the_exporter_passes_there_and_before():
    """Chinese mines of 100 t; separators of 50 t in China and 50 t in the US; US metal plants of
    100 t. China's separated exports are licensed at half of its throughput there: the 50 t it can
    separate (never more than the 100 t it mines), so 25 t. The US separates 50 t of Chinese ore
    (ore is not controlled) and receives 25 t separated in China: 75 t pass."""
    stages = [stage("mining", {"CN": Range(100.0, 100.0, 100.0)}),
              stage("separation", {"CN": Range(50.0, 50.0, 50.0), "US": Range(50.0, 50.0, 50.0)}),
              stage("metal", {"US": Range(100.0, 100.0, 100.0)})]  # fmt: skip
    rows = [dict(s.countries) for s in stages]
    assert throughput([{c: r.high for c, r in row.items()} for row in rows], "CN") == [100.0, 50.0, 0.0]
    assert gate_limit(0.5, 50.0) == 25.0
    assert gate_limit(0.5, math.inf) is None and gate_limit(0.0, math.inf) == 0.0  # nothing licensed: nothing

    half = licensed("separation", "CN", 0.5)
    assert route_flow(stages, gate=half)[0] == Range(75.0, 75.0, 75.0)
    assert routed(stages, gate=half) == {
        ("mining", "CN", "CN"): 25.0,
        ("mining", "CN", "US"): 50.0,
        ("separation", "CN", "US"): 25.0,
        ("separation", "US", "US"): 50.0,
        ("metal", "US", ""): 75.0,
    }


def test_a_licence_bounds_an_exporter_that_enters_the_chain_late_by_its_own_first_stage():
    """An Australian mine of 100 t; a Malaysian separator of 100 t (of Australian ore); US metal
    plants of 100 t. Malaysia's separated exports are licensed at half its throughput: it mines
    nothing, so its throughput starts at its 100 t of separation (not at the 0 t it mines), and
    50 t pass."""
    stages = [stage("mining", {"AU": Range(100.0, 100.0, 100.0)}),
              stage("separation", {"MY": Range(100.0, 100.0, 100.0)}),
              stage("metal", {"US": Range(100.0, 100.0, 100.0)})]  # fmt: skip
    rows = [{c: r.high for c, r in s.countries} for s in stages]
    assert throughput(rows, "MY") == [0.0, 100.0, 0.0]

    half = licensed("separation", "MY", 0.5)
    assert route_flow(stages, gate=half)[0] == Range(50.0, 50.0, 50.0)
    assert routed(stages, gate=half) == {
        ("mining", "AU", "MY"): 50.0,
        ("separation", "MY", "US"): 50.0,
        ("metal", "US", ""): 50.0,
    }
