"""Disruption scenarios on the network: export controls (blocked or licensed to a fraction), plants,
companies or countries offline, capacity scaled, new plants; and the supply each region can still
get, per element and end use.

This is the engine's core: :class:`Scenario` and :func:`run_scenario`. Regions are groups of
countries (:data:`reegraph.model.REGIONS`); a region's end uses are fed by every country's market at the feeding
stage, its own countries' without restriction and the others' through the trade edges that export
controls act on. Demand is not capped, so a result is the most a region can receive: ``shortfall``
is one minus the scenario's flow over the baseline's.

References
----------
Ahuja, Magnanti and Orlin, *Network Flows* (1993): max-flow min-cut theorem; node splitting.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace

import networkx as nx

from reegraph.analysis.capacity import (
    StageTable,
    Tables,
    country_of,
    country_range,
    end_use_groups,
    mandatory_stages,
    stage_table,
    tally,
)
from reegraph.analysis.flow import (
    Binding,
    Licence,
    Link,
    StageFlow,
    capacity_of,
    flow_note,
    gate_limit,
    route_flow,
    series_flow,
    throughput,
)
from reegraph.model import (
    END_USE,
    ENDS,
    FACILITY,
    REGION_CODES,
    Ends,
    Range,
    facilities,
    market_id,
    region_of,
)


@dataclass(frozen=True)
class ExportControl:
    """Exports of ``elements`` from ``exporter`` at ``stages`` to ``destinations`` (regions; empty:
    everywhere else) are blocked, or licensed up to ``licensed_fraction`` of the exporter's output;
    ``military_only``: for defence end uses only; ``extraterritorial``: also once processed abroad."""

    exporter: str
    elements: frozenset[str]
    stages: frozenset[str]
    destinations: frozenset[str] = frozenset()
    licensed_fraction: float = 0.0
    military_only: bool = False
    extraterritorial: bool = False

    def reaches(self, element: str, stage: str, destination: str, region: str) -> bool:
        """Whether material leaving the exporter at ``stage`` for ``destination`` (a region or an
        exporter) on its way to ``region``'s end uses passes this control's gate. An extraterritorial
        control (MOFCOM No. 61's 0.1% rule) follows the material through foreign plants, so what
        counts is where it ends up."""
        to = region if self.extraterritorial else destination if destination in REGION_CODES else region_of(destination)
        return self.covers(element if element in self.elements else "ALL", stage, to)

    def covers(self, element: str, stage: str, region: str) -> bool:
        """Whether this control restricts ``element`` leaving at ``stage`` for ``region``."""
        return (
            element in self.elements
            and stage in self.stages
            and region != region_of(self.exporter)
            and (not self.destinations or region in self.destinations)
        )


@dataclass(frozen=True)
class Scenario:
    """A what-if: export controls, facilities offline, capacity scaled by a factor, and planned
    facilities brought online (the others in the network stay offline, as in the baseline)."""

    name: str
    controls: tuple[ExportControl, ...] = ()
    offline: frozenset[str] = frozenset()
    scale: Mapping[str, float] = field(default_factory=dict)
    online: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Impact:
    """What one region can still get of one element for one end use, against the baseline: both as
    ranges (each end computed with every amount at that end), the shortfall at each end, and what
    binds at each end."""

    end_use: str
    end_use_label: str
    element: str
    region: str
    baseline: Range
    scenario: Range
    shortfall: Ends
    binding: dict[str, tuple[str, ...]]


def run_scenario(
    G: nx.DiGraph,
    scenario: Scenario,
    *,
    elements: Iterable[str],
    regions: Iterable[str] = REGION_CODES,
    tables: Tables | None = None,
) -> list[Impact]:
    """Baseline and scenario flow of each element to each end use and region; sorted by shortfall
    (largest first), then end use, element and region.

    Examples
    --------
    The chain's only separator is in the US; blocking its exports leaves the rest of the world
    without supply, while the US itself is untouched.

    >>> from reegraph.network.ops import make_network
    >>> G = make_network([("mine", "mining", "US", 100.0), ("sep", "separation", "US", 40.0)],
    ...                  end_uses=[("use", "separation")])
    >>> block = ExportControl("US", frozenset({"ALL"}), frozenset({"separation"}))
    >>> impacts = run_scenario(G, Scenario("x", (block,)), elements=["ALL"], regions=["US", "ROW"])
    >>> [(i.region, i.shortfall.point) for i in impacts]
    [('ROW', 1.0), ('US', 0.0)]
    """
    tables = {} if tables is None else tables
    planned = planned_facilities(G)
    base = Scenario("baseline", offline=planned)
    scenario = replace(scenario, offline=scenario.offline | (planned - scenario.online))
    impacts = []
    base_known: dict = {}
    known: dict = {}
    for element in elements:
        for feeding, all_uses in end_use_groups(G, element, tables).items():
            baseline = _range(
                [
                    _max_flow(_aggregate_network(G, element, feeding, None, base, tables, base_known, end))
                    for end in ENDS
                ]
            )
            for scoped, end_uses in _scopes(G, scenario, all_uses):
                priced: dict[tuple, tuple[Range, dict[str, tuple[str, ...]]]] = {}  # regions the controls treat alike
                for region in regions:
                    key = _signature(G, scoped, element, feeding, region, tables)
                    if key not in priced:
                        values, binding = [], {}
                        for end in ENDS:
                            H = _aggregate_network(G, element, feeding, region, scoped, tables, known, end)
                            flow = _max_flow(H)
                            values.append(flow)
                            if H is not None and flow is not None and 0 < flow < math.inf:
                                binding[end] = _binding(G, H, element, feeding, region, scoped, tables, end)
                        priced[key] = _range(values), binding
                    value, binding = priced[key]
                    shortfall = Ends(*(_shortfall(baseline.at(end), value.at(end)) for end in ENDS))
                    for end_use in end_uses:
                        impacts.append(
                            Impact(
                                end_use=end_use,
                                end_use_label=G.nodes[end_use].get("label", end_use),
                                element=element,
                                region=region,
                                baseline=baseline,
                                scenario=value,
                                shortfall=shortfall,
                                binding=binding,
                            )
                        )
    return sorted(impacts, key=lambda i: (-_worst(i.shortfall), i.end_use, i.element, i.region))


def _range(values: list[float | None]) -> Range:
    """The flows at the low end, the point and the high end as a range (``None`` at the high end:
    nothing bounds it)."""
    low, point, high = values
    return Range(low or 0.0, math.inf if high is None else high, point)


def _shortfall(baseline: float | None, value: float | None) -> float | None:
    """One minus the scenario's flow over the baseline's: undefined where the baseline is nothing or
    either is unbounded."""
    if baseline is None or value is None or not 0 < baseline < math.inf or math.isinf(value):
        return None
    return round(max(0.0, 1 - value / baseline), 12)


def _worst(shortfall: Ends) -> float:
    return max((v for v in shortfall if v is not None), default=0.0)


def planned_facilities(G: nx.DiGraph) -> frozenset[str]:
    """Facilities not yet operating: offline unless a scenario brings them online."""
    return frozenset(n for n, d in G.nodes(data=True) if d["kind"] == FACILITY and d.get("status") != "operating")


def _scopes(G: nx.DiGraph, scenario: Scenario, end_uses: list[str]) -> list[tuple[Scenario, list[str]]]:
    """The end uses split by the controls that apply to them: controls for military end users act
    on defence end uses only."""
    if not any(c.military_only for c in scenario.controls):
        return [(scenario, end_uses)]
    civil = replace(scenario, controls=tuple(c for c in scenario.controls if not c.military_only))
    defence = [u for u in end_uses if G.nodes[u].get("sector") == "defence"]
    scopes = [(civil, [u for u in end_uses if u not in defence]), (scenario, defence)]
    return [(s, uses) for s, uses in scopes if uses]


def _licence(
    controls: Iterable[ExportControl],
    element: str,
    stage: str,
    stages: list[str],
    exporter: str,
    destination: str,
    region: str,
) -> Licence | None:
    """The licence on what ``exporter`` sends at ``stage`` to ``destination`` (a country, a region
    or an exporter) on its way to ``region``'s end uses (``None``: no control reaches it). Both
    engines gate with it. A control is one licence, shared by the destinations it covers; controls
    whose destinations overlap are one licence at the strictest fraction among them (whatever
    their order; where a wider control's destinations include a stricter one's, this may let less
    through than the controls would)."""
    mine = [c for c in controls if c.exporter == exporter]

    def reach(control: ExportControl, to: str) -> bool:
        return control.reaches(element, stage, to, region)

    pool = [c for c in mine if reach(c, destination)]
    if not pool:
        return None
    grown = True
    while grown:  # the controls that share a destination with the pool join it
        joined = [
            c
            for c in mine
            if c not in pool and any(reach(c, r) and any(reach(p, r) for p in pool) for r in REGION_CODES)
        ]
        pool += joined
        grown = bool(joined)
    return Licence(min(_fraction(c, stage, stages) for c in pool), frozenset(pool))


def _fraction(control: ExportControl, stage: str, stages: list[str]) -> float:
    """Licensed exports leave as the most finished product the control covers: the fraction applies
    at the last covered stage, and earlier covered stages export nothing (so the licence is counted
    once, not once per stage)."""
    covered = [s for s in stages if s in control.stages]
    return control.licensed_fraction if covered and stage == covered[-1] else 0.0


def _stopped(table: StageTable, scenario: Scenario) -> set[str]:
    """The plants of a stage that ``scenario`` stops: those it takes offline (planned plants it does
    not bring online among them, once :func:`run_scenario` or :func:`scenario_flow` has added them)
    and those it scales to nothing."""
    return {n for n in table.holdings if n in scenario.offline or scenario.scale.get(n, 1.0) <= 0}


def _capacities(
    G: nx.DiGraph, element: str, stage: str, scenario: Scenario, tables: Tables, end: str
) -> dict[str, float | None]:
    """Each country's amount at a stage and one end, with the scenario's offline plants removed and
    scaling applied. At a stage that does not measure the element (magnets in t magnet) a country
    with a running plant passes without bound and a country without one passes nothing. Costs the
    size of those sets, not the stage's (but the country list at an unmeasured stage)."""
    table = stage_table(G, element, stage, tables)
    located = country_of(G, tables)
    if not table.measured:
        gone = _stopped(table, scenario)
        return dict.fromkeys(sorted({located[n] for n in table.holdings if n not in gone}), math.inf)
    lost: dict[str, list[Range]] = defaultdict(list)
    for node in scenario.offline:
        holding = table.holdings.get(node)
        if holding is not None:
            lost[located[node]].append(holding.range)
    scaled: dict[str, list[tuple[Range, float]]] = defaultdict(list)
    for node, factor in scenario.scale.items():
        holding = table.holdings.get(node)
        if holding is not None and node not in scenario.offline:
            scaled[located[node]].append((holding.range, factor))
    # rounded to the gram, as a residue such as 1.8e-12 t left by subtracting sums makes networkx's
    # preflow-push fail
    result: dict[str, float | None] = {}
    for country in table.countries():
        value = country_range(table, country, tally(lost.get(country, ())), scaled=scaled.get(country, ())).at(end)
        result[country] = value if value is None or math.isinf(value) else round(value, 6)
    return result


def _max_flow(H: nx.DiGraph | None) -> float | None:
    """The maximum flow, rounded as the capacities are (networkx's sum can differ in the last bit
    with the hash seed, which orders its sets); ``None`` where nothing bounds it or there is no
    network to price."""
    if H is None:
        return None
    try:
        return round(float(nx.maximum_flow_value(H, "source", "sink")), 6)
    except nx.NetworkXUnbounded:
        return None


#: At most this many distinct draws' outages are kept priced in a Monte Carlo run (memory stays bounded).
SEEN_DRAWS = 2_000

#: At most this many plants are named for one saturated group (largest first).
BINDING_PLANTS = 5


def _binding(
    G: nx.DiGraph,
    H: nx.DiGraph,
    element: str,
    feeding: str,
    region: str,
    scenario: Scenario,
    tables: Tables,
    end: str,
) -> tuple[str, ...]:
    """What the minimum cut of the aggregate network at one end saturates, named: an export gate as
    ``gate/<stage>/<CC>``; a group's amount at a stage as each of its countries' market
    (``market/<stage>/<CC>``) where the country's own figure bounds it, else its largest plants."""
    _, (reachable, _) = nx.minimum_cut(H, "source", "sink")
    stages = mandatory_stages(G, feeding, tables)
    group = _grouping(scenario, region)
    found: set[str] = set()
    for u in reachable:
        for v in H.successors(u):
            if v in reachable or "capacity" not in H.edges[u, v]:
                continue
            if v[0] == "gate":
                found.add(f"gate/{v[1]}/{v[2]}")
                continue
            (k, name) = u[0]
            stage = stages[k]
            table = stage_table(G, element, stage, tables)
            stopped = _stopped(table, scenario)
            for country in table.countries():
                if group(country) != name:
                    continue
                if country in table.caps and table.caps[country].range.bounded:
                    found.add(market_id(stage, country))
                    continue
                plants = [
                    (-(table.holdings[n].range.at(end) or 0.0), n)
                    for n in table.groups.get(("country", country), ())
                    if n not in stopped and table.holdings[n].range.bounded
                ]
                found.update(n for _, n in sorted(plants)[:BINDING_PLANTS])
    return tuple(sorted(found))


def scenario_flow(
    G: nx.DiGraph, flow: StageFlow, scenario: Scenario, *, region: str | None = None, tables: Tables | None = None
) -> tuple[StageFlow, tuple[Link, ...]]:
    """``flow`` (of :func:`~reegraph.analysis.flow.compute_flow` over ``G``) under ``scenario``, as
    :func:`run_scenario` prices it, and one routing of it between countries
    (:func:`~reegraph.analysis.flow.route_flow`): each stage's countries without the scenario's
    offline plants (and planned plants it does not bring online), with its scaling, and its figures,
    stale figures, unbounded plants, handlers and sources (and the flow's note) those of the plants
    it runs; its export controls (those on every end user) acting on the cross-border links they
    cover on the way to ``region``'s end uses (``None``: no control acts). The binding stage is
    ``"export controls"`` at an end where the routed flow is below what the same routing passes
    without the controls (by more than the 50 kg that rounding to the kilogram can leave);
    elsewhere it is the stage that binds the stages in series
    (:func:`~reegraph.analysis.flow.series_flow`).

    Examples
    --------
    The chain's only separator is in the US; blocking its exports leaves the rest of the world none.

    >>> from reegraph.analysis.flow import compute_flow
    >>> from reegraph.network.ops import make_network
    >>> G = make_network([("mine", "mining", "US", 100.0), ("sep", "separation", "US", 40.0)],
    ...                  end_uses=[("use", "separation")])
    >>> block = ExportControl("US", frozenset({"ALL"}), frozenset({"separation"}))
    >>> after, links = scenario_flow(G, compute_flow(G, "ALL")[0], Scenario("x", (block,)), region="ROW")
    >>> after.flow.point, after.binding.point
    (0.0, 'export controls')
    """
    tables = {} if tables is None else tables
    planned = planned_facilities(G)
    scenario = replace(scenario, offline=scenario.offline | (planned - scenario.online))
    stages = []
    for stage in flow.stages:
        ends = [_capacities(G, flow.element, stage.stage, scenario, tables, end) for end in ENDS]
        countries = {
            c: Range(ends[0].get(c) or 0.0, math.inf if (h := ends[2].get(c, 0.0)) is None else h, ends[1].get(c))
            for c in sorted({*ends[0], *ends[2]})
        }
        if not stage.measured:  # countries with a running plant pass without bound
            countries = {c: Range(0.0, math.inf) for c in countries}
        table = stage_table(G, flow.element, stage.stage, tables)
        gone = _stopped(table, scenario)
        stopped = len(gone - planned)  # the plants the scenario stops (planned ones were never running)
        stages.append(replace(capacity_of(table.without(gone), countries), stopped=stopped))
    controls = [c for c in scenario.controls if not c.military_only] if region is not None else []
    names = [s.stage for s in stages]

    def gate(stage: str, exporter: str, importer: str) -> Licence | None:
        return _licence(controls, flow.element, stage, names, exporter, importer or region or "", region or "")

    value, links = route_flow(stages, gate=gate)
    bound, binding = series_flow(stages)
    free = bound if controls else value  # what passes without the controls (every country linked to every next one)
    held = Binding(
        *(
            "export controls" if (v := value.at(end)) is not None and (f := free.at(end)) is not None and v < f - 0.05
            else found
            for end, found in zip(ENDS, binding, strict=True)
        )
    )  # fmt: skip
    note = flow_note(flow.element, value, stages)
    return replace(flow, stages=tuple(stages), flow=value, binding=held, note=note), links


def scenario_marks(G: nx.DiGraph, scenario: Scenario) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    """A scenario's offline plants, and the edges of ``G`` that carry its controlled exports out of the
    exporter's markets as :func:`run_scenario` models them (for drawing)."""
    offline = frozenset(n for n in scenario.offline if n in G)
    gated = set()
    for control in scenario.controls:
        for stage in control.stages:
            market = market_id(stage, control.exporter)
            if market not in G:
                continue
            for head in G.successors(market):
                if G.nodes[head]["kind"] == END_USE:
                    continue
                region = region_of(G.nodes[head].get("country") or "")
                if any(control.covers(element, stage, region) for element in control.elements):
                    gated.add((market, head))
    return offline, frozenset(gated)


@dataclass(frozen=True)
class Distribution:
    """Shortfall percentiles over Monte Carlo draws for one element, group of end uses and region."""

    element: str
    end_uses: tuple[str, ...]
    region: str
    draws: int
    p10: Ends
    p50: Ends
    p90: Ends
    mean: Ends


def monte_carlo(
    G: nx.DiGraph,
    scenario: Scenario,
    *,
    elements: Iterable[str],
    regions: Iterable[str] = REGION_CODES,
    draws: int = 1000,
    seed: int = 0,
    facility_outage: float = 0.05,
    country_outage: float = 0.01,
    tables: Tables | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[Distribution]:
    """Shortfall distributions when, on top of ``scenario``, each facility is out with probability
    ``facility_outage`` and each country's plants with ``country_outage`` (seeded, deterministic;
    ``progress`` is called with the number of draws done after each).

    Each draw is priced on the network aggregated to one node per stage and country group (each
    controlled exporter, then each region's remaining countries): trade within a group is free, so
    the aggregate has the same maximum flow as the full network, at a fraction of the cost.

    Examples
    --------
    >>> from reegraph.network.ops import make_network
    >>> G = make_network([("mine", "mining", "US", 100.0), ("sep-a", "separation", "US", 30.0),
    ...                   ("sep-b", "separation", "AU", 30.0)], end_uses=[("use", "separation")])
    >>> d = monte_carlo(G, Scenario("x"), elements=["ALL"], regions=["US"], draws=200, seed=1,
    ...                 facility_outage=0.3, country_outage=0.0)
    >>> d[0].p50.point, d[0].p90.point
    (0.5, 1.0)
    """
    tables = {} if tables is None else tables
    rng = random.Random(seed)
    regions = list(regions)
    planned = planned_facilities(G)
    offline_base = scenario.offline | (planned - scenario.online)
    plants = [n for n in facilities(G) if n not in offline_base]
    by_country: dict[str, list[str]] = defaultdict(list)
    for plant in plants:
        by_country[G.nodes[plant]["country"]].append(plant)
    countries = sorted(by_country)
    outcomes: dict[tuple[str, tuple[str, ...], str], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    groups = {e: end_use_groups(G, e, tables) for e in elements}
    base: dict = {}
    baselines = {
        (e, feeding, end): _max_flow(
            _aggregate_network(G, e, feeding, None, Scenario("b", offline=planned), tables, base, end)
        )
        for e in elements
        for feeding in groups[e]
        for end in ENDS
    }
    seen: dict[frozenset[str], list[tuple[tuple, str, float]]] = {}  # the outages of a draw, priced once
    for done in range(1, draws + 1):
        down = [c for c in countries if rng.random() < country_outage]
        out = _bernoulli(rng, plants, facility_outage)
        offline = offline_base.union(out, *(by_country[c] for c in down))
        found = seen.get(offline)
        if found is None:
            found = _price_draw(G, replace(scenario, offline=offline), elements, groups, baselines, regions, tables)
            if len(seen) < SEEN_DRAWS:
                seen[offline] = found
        for key, end, value in found:
            outcomes[key][end].append(value)
        if progress is not None:
            progress(done)
    results = []
    for (element, uses, region), by_end in sorted(outcomes.items()):
        for values in by_end.values():
            values.sort()
        results.append(
            Distribution(
                element=element,
                end_uses=uses,
                region=region,
                draws=max(len(v) for v in by_end.values()),
                p10=_each(by_end, lambda v: _percentile(v, 0.1)),
                p50=_each(by_end, lambda v: _percentile(v, 0.5)),
                p90=_each(by_end, lambda v: _percentile(v, 0.9)),
                mean=_each(by_end, lambda v: sum(v) / len(v)),
            )
        )
    return results


def _price_draw(
    G: nx.DiGraph,
    drawn: Scenario,
    elements: Iterable[str],
    groups: Mapping[str, Mapping[str, list[str]]],
    baselines: Mapping[tuple, float | None],
    regions: list[str],
    tables: Tables,
) -> list[tuple[tuple, str, float]]:
    """One Monte Carlo draw's shortfalls: ``((element, end uses, region), end, shortfall)``."""
    found = []
    known: dict = {}
    for element in elements:
        for feeding, all_uses in groups[element].items():
            for end in ENDS:
                baseline = baselines[(element, feeding, end)]
                if baseline is None or not 0 < baseline < math.inf:
                    continue
                for scoped, end_uses in _scopes(G, drawn, all_uses):
                    priced: dict[tuple, float | None] = {}  # regions that controls treat alike share a flow
                    for region in regions:
                        key = _signature(G, scoped, element, feeding, region, tables)
                        if key not in priced:
                            H = _aggregate_network(G, element, feeding, region, scoped, tables, known, end)
                            priced[key] = _max_flow(H)
                        value = _shortfall(baseline, priced[key])
                        if value is not None:
                            found.append(((element, tuple(end_uses), region), end, value))
    return found


def _each(by_end: dict[str, list[float]], statistic: Callable[[list[float]], float]) -> Ends:
    """A statistic of the draws at each end (``None`` at an end with no priced draw)."""
    return Ends(*(round(statistic(by_end[end]), 6) if by_end.get(end) else None for end in ENDS))


def _bernoulli(rng: random.Random, items: list[str], p: float) -> list[str]:
    """Each item kept with probability ``p``: one random number per kept item, not per item, by
    drawing the geometric gaps between them (Batagelj and Brandes, Phys. Rev. E 71, 2005)."""
    if p <= 0:
        return []
    if p >= 1:
        return list(items)
    kept: list[str] = []
    index, log_q = -1, math.log1p(-p)  # not log(1 - p): for p below 1e-16, 1 - p is 1 and its log 0
    while True:
        index += 1 + int(math.log(1 - rng.random()) / log_q)
        if index >= len(items):
            return kept
        kept.append(items[index])


def _signature(G: nx.DiGraph, scenario: Scenario, element: str, feeding: str, region: str, tables: Tables) -> tuple:
    """What the flow to ``region`` depends on: which controls cover it at which stage, and whether it
    is an exporter's own region."""
    stages = mandatory_stages(G, feeding, tables)
    covered = tuple(c.reaches(element, stage, region, region) for c in scenario.controls for stage in stages)
    return (covered, tuple(region_of(c.exporter) == region for c in scenario.controls))


def _percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile of sorted ``values``."""
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


def _grouping(scenario: Scenario, region: str | None) -> Callable[[str], str]:
    """Country to group: each controlled exporter on its own, the other countries by region."""
    exporters = {c.exporter for c in scenario.controls} if region is not None else set()
    return lambda country: country if country in exporters else region_of(country)


def _aggregate_network(
    G: nx.DiGraph,
    element: str,
    feeding: str,
    region: str | None,
    scenario: Scenario,
    tables: Tables,
    known: dict[tuple, dict[str, float | None]] | None = None,
    end: str = "point",
) -> nx.DiGraph | None:
    """The flow network of ``element`` to ``region``'s end uses fed from ``feeding`` (``region``
    ``None``: no controls apply) with every amount at one end, aggregated to one node per stage and
    country group (each controlled exporter, then each region's other countries) with the scenario
    applied; ``None`` at the point where some amount has none.

    Trade within a group is free and every stage is a cut, so its maximum flow equals that of the
    facility-level network (the tests check this), at a few dozen nodes whatever the graph's size.
    ``known`` caches :func:`_capacities` by element and stage for this scenario.
    """
    exporters = sorted({c.exporter for c in scenario.controls}) if region is not None else []
    group = _grouping(scenario, region)
    stages = mandatory_stages(G, feeding, tables)
    H: nx.DiGraph = nx.DiGraph()
    H.add_nodes_from(("source", "sink"))
    names = sorted({*exporters, *REGION_CODES})
    known = {} if known is None else known
    for stage in stages:
        if (element, stage, end) not in known:
            known[(element, stage, end)] = _capacities(G, element, stage, scenario, tables, end)
    capacities = {stage: known[(element, stage, end)] for stage in stages}
    if any(None in caps.values() for caps in capacities.values()):
        return None
    through = {x: throughput([capacities[s] for s in stages], x) for x in exporters}  # type: ignore[misc]
    for k, stage in enumerate(stages):
        capacity: dict[str, float] = defaultdict(float)
        for country, value in capacities[stage].items():
            capacity[group(country)] += value  # type: ignore[operator]
        for name in names:
            node = (k, name)
            if math.isfinite(capacity.get(name, 0.0)):
                H.add_edge((node, "in"), (node, "out"), capacity=capacity.get(name, 0.0))
            else:
                H.add_edge((node, "in"), (node, "out"))
            if k == 0:
                H.add_edge("source", (node, "in"))
            else:
                for origin in names:
                    _link(H, scenario, element, stages, stages[k - 1], (k - 1, origin), node, origin, name, region)
        if stage == stages[-1]:
            for name in names:
                _link(H, scenario, element, stages, stage, (k, name), "sink", name, region, region)
    for gate in [n for n in H if n[0] == "gate"]:  # feed each gate, now that all exist: the licensed share
        _, stage, exporter, licence = gate
        k = stages.index(stage)
        limit = gate_limit(licence.fraction, through[exporter][k])
        if limit is None:
            H.add_edge(((k, exporter), "out"), gate)
        else:
            H.add_edge(((k, exporter), "out"), gate, capacity=limit)
    return H


def _link(
    H: nx.DiGraph,
    scenario: Scenario,
    element: str,
    stages: list[str],
    stage: str,
    tail: Hashable,
    head: Hashable,
    origin: str,
    destination: str | None,
    region: str | None,
) -> None:
    """An edge from group ``origin`` at ``stage`` to ``head`` (the next stage's group, or the sink);
    through the exporter's gate for its licence (:func:`_licence`) where a control reaches
    ``destination``."""
    target = head if head == "sink" else (head, "in")
    licence = None
    if origin != destination and region is not None and destination:
        licence = _licence(scenario.controls, element, stage, stages, origin, destination, region)
    if licence is None:
        H.add_edge((tail, "out"), target)
    else:
        H.add_edge(("gate", stage, origin, licence), target)
