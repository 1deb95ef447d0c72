"""Capacity-constrained flow of each element from the mines to the end uses, its minimum cut, and
the flow lost when a facility, a company or a country drops out.

Capacities come from :mod:`reegraph.analysis.capacity`. The network of
:func:`reegraph.network.project.build_network` joins every country's market to every other of the
same stage and feeds each stage only from the one before it (cracking may be skipped), so each
stage the flow must cross is a cut, and the maximum flow is the smallest stage capacity.
:func:`find_flow_losses` uses that to price every removal with arithmetic instead of one max-flow
per candidate; :func:`max_flow` computes the same value with networkx on the node-split network and
serves as the cross-check and as the engine for networks whose trade is restricted.

References
----------
Ahuja, Magnanti and Orlin, *Network Flows* (1993): max-flow min-cut theorem; node splitting.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

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
from reegraph.model import (
    ENDS,
    FACILITY,
    FLOW_STAGES,
    KNOWN_LINKS,
    MARKET,
    OPTIONAL_STAGES,
    Amount,
    Ends,
    Range,
    add_ranges,
    feeding_stage,
    market_id,
)


@dataclass(frozen=True)
class StageCapacity:
    """What one stage passes of an element: the total and each country's amount as ranges, whether
    the stage measures the element at all (its basis converts), the figures used and left out as
    stale, and the plants that nothing bounds."""

    stage: str
    measured: bool
    total: Range
    countries: tuple[tuple[str, Range], ...]
    evidence: tuple[Amount, ...]
    stale: tuple[Amount, ...]
    unbounded: tuple[str, ...]
    handlers: int
    sources: tuple[str, ...] = ()  # of every figure used, ore compositions included
    stopped: int = 0  # running plants a scenario stops (not among the handlers)


class Binding(NamedTuple):
    """The stage that binds a flow at each of :data:`~reegraph.model.ENDS` (``None``: none does)."""

    low: str | None
    point: str | None
    high: str | None


@dataclass(frozen=True)
class StageFlow:
    """The maximum flow of one element to the end uses fed from one stage, as a range: at the low
    end of every amount, at the points (where every stage has one) and at the high end; the stage
    that binds at each end (``None`` where none does)."""

    element: str
    feeding_stage: str
    end_uses: tuple[str, ...]
    basis: str
    flow: Range
    binding: Binding
    stages: tuple[StageCapacity, ...]
    note: str = ""

    @property
    def bounded(self) -> bool:
        """Whether some stage bounds the flow from above."""
        return self.flow.bounded


@dataclass(frozen=True)
class Loss:
    """The share of a flow lost when a facility, a company's plants or a country's plants at one
    stage drop out, at each end (``None`` where the flow there is zero or unbounded)."""

    kind: str
    id: str
    stage: str
    element: str
    feeding_stage: str
    loss: Ends
    dominates: bool

    @property
    def least(self) -> float:
        """The smallest loss over the ends: the loss that rests on evidence, not on what nothing
        bounds. The low or the high end where the loss is undefined (a flow of nothing, or without
        bound) counts as none; the point counts where there is one."""
        low, point, high = self.loss
        return min(0.0 if low is None else low, 0.0 if high is None else high, *([] if point is None else [point]))


def compute_flow(G: nx.DiGraph, element: str, tables: Tables | None = None) -> list[StageFlow]:
    """Maximum flow of ``element`` (a symbol or ``ALL``) to the end uses, grouped by the stage that
    feeds them (end uses fed from the same stage share one flow: their demand is not capped).

    Every stage the flow must cross is a cut, so the flow at each end is the smallest stage total
    there; stages whose figures are not in the flow's unit (magnets in t magnet) do not bound it,
    unless no plant there handles the element (then nothing passes).

    Examples
    --------
    A chain: mine -> separator -> end use; the separator's 40 t bind.

    >>> from reegraph.network.ops import make_network
    >>> G = make_network([("mine", "mining", "US", 100.0), ("sep", "separation", "US", 40.0)],
    ...                  end_uses=[("use", "separation")])
    >>> [(f.flow, f.binding.point) for f in compute_flow(G, "ALL")]
    [(Range(low=40.0, high=40.0, point=40.0), 'separation')]
    """
    tables = {} if tables is None else tables
    flows = []
    for feeding, end_uses in sorted(end_use_groups(G, element, tables).items()):
        stages = tuple(stage_capacity(G, element, s, tables) for s in mandatory_stages(G, feeding, tables))
        flow, binding = series_flow(stages)
        flows.append(
            StageFlow(
                element=element,
                feeding_stage=feeding,
                end_uses=tuple(end_uses),
                basis="t REO" if element == "ALL" else "t contained element",
                flow=flow,
                binding=binding,
                stages=stages,
                note=flow_note(element, flow, stages),
            )
        )
    return flows


def series_flow(stages: Iterable[StageCapacity]) -> tuple[Range, Binding]:
    """The flow through ``stages`` in series, and the stage that binds it at each end: a stage bounds
    the flow where it measures it, or where no plant there handles it at all."""
    bounding = [s for s in stages if s.measured or not s.handlers]
    return _smallest([s.total for s in bounding], [s.stage for s in bounding])


def flow_note(element: str, flow: Range, stages: Iterable[StageCapacity]) -> str:
    """What a flow's range rests on, in words: the stages that guarantee nothing, the stages that
    nothing bounds, and those that do not measure the element ("" for a flow known to a point)."""
    what = "rare earths" if element == "ALL" else element
    stages = list(stages)
    parts = []
    nothing = [s for s in stages if s.measured and s.total.low <= 0]
    if flow.low <= 0 and nothing:
        said = ", ".join(f"{s.stage} ({_why_nothing(s)})" for s in nothing)
        parts.append(f"the evidence guarantees no {what}: nothing is known to pass at {said}")
    if not flow.bounded:
        open_ = [s for s in stages if s.measured and not s.total.bounded]
        said = ", ".join(f"{s.stage} ({len(s.unbounded)} of {s.handlers} plants)" for s in open_)
        parts.append(f"nothing bounds it: plants without a figure at {said}" if open_ else "no stage measures it")
    unmeasured = [s.stage for s in stages if not s.measured]
    if unmeasured:
        parts.append(f"not measured in {what} at {', '.join(unmeasured)} (figures in another basis)")
    return "; ".join(parts)


def _why_nothing(stage: StageCapacity) -> str:
    if not stage.handlers:
        if stage.stopped:
            return (
                "the scenario stops its one plant"
                if stage.stopped == 1
                else f"the scenario stops all {stage.stopped} plants"
            )
        return "no plant handles it"
    if stage.unbounded and len(stage.unbounded) == stage.handlers:
        return "its one plant has no figure" if stage.handlers == 1 else f"none of {stage.handlers} plants has a figure"
    return f"{stage.handlers} plant{'s' if stage.handlers != 1 else ''}, only capacities or joint figures"


def _smallest(totals: list[Range], names: list[str]) -> tuple[Range, Binding]:
    """The flow through stages in series: the smallest total at each end, and the stage giving it.
    The point exists where every stage has one, or where the stages without one cannot go below the
    smallest point."""
    if not totals:
        return Range(0.0, math.inf), Binding(None, None, None)
    low = min(t.low for t in totals)
    high = min(t.high for t in totals)
    points = [t.point for t in totals if t.point is not None]
    point = min(points) if points else None
    if point is not None and any(t.point is None and t.low < point for t in totals):
        point = None

    def binding(values: list[float | None], best: float | None) -> str | None:
        if best is None or math.isinf(best):
            return None
        return next(n for n, v in zip(names, values, strict=True) if v == best)

    return Range(low, high, point), Binding(
        binding([t.low for t in totals], low),
        binding([t.point for t in totals], point),
        binding([t.high for t in totals], high),
    )


def stage_capacity(G: nx.DiGraph, element: str, stage: str, tables: Tables | None = None) -> StageCapacity:
    """What ``stage`` passes of ``element``, by country, with the figures used."""
    table = stage_table(G, element, stage, tables)
    return capacity_of(table, {c: country_range(table, c) for c in table.countries()})


def capacity_of(table: StageTable, countries: Mapping[str, Range]) -> StageCapacity:
    """The :class:`StageCapacity` of ``table``'s stage with each country's amount as in ``countries``
    (its total their sum), and the figures, stale figures, unbounded plants and handlers of the
    table's plants."""
    return StageCapacity(
        stage=table.stage,
        measured=table.measured,
        total=add_ranges(countries.values()),
        countries=tuple(sorted(countries.items(), key=lambda kv: (-kv[1].high, -kv[1].low, kv[0]))),
        evidence=table.evidence,
        stale=table.stale,
        unbounded=tuple(table.unquantified),
        handlers=table.handlers,
        sources=table.sources,
    )


def find_flow_losses(
    G: nx.DiGraph, flow: StageFlow, tables: Tables | None = None, *, min_loss: float = 0.0
) -> list[Loss]:
    """The loss of ``flow`` when each facility, each company (ultimate owner) and each country drops
    out at one stage, at each end, with whether it dominates (every path crosses it). Sorted by the
    least loss, then id. Facilities and companies that neither dominate nor lose at least
    ``min_loss`` at some end are left out (countries are always kept).

    Exact for the market network of :func:`reegraph.network.project.build_network` (every stage a
    cut); each candidate costs arithmetic on the countries it touches, not a max-flow.

    Examples
    --------
    A diamond: two separators in two countries; losing either loses half the flow.

    >>> from reegraph.network.ops import make_network
    >>> G = make_network([("mine", "mining", "US", 100.0, "org/a"), ("sep-a", "separation", "US", 30.0, "org/a"),
    ...                   ("sep-b", "separation", "AU", 30.0, "org/b")], end_uses=[("use", "separation")])
    >>> losses = find_flow_losses(G, compute_flow(G, "ALL")[0])
    >>> sorted({(x.id, x.loss.point) for x in losses if x.stage == "separation"})
    [('AU', 0.5), ('US', 0.5), ('org/a', 0.5), ('org/b', 0.5), ('sep-a', 0.5), ('sep-b', 0.5)]
    """
    tables = {} if tables is None else tables
    measured = [s for s in flow.stages if s.measured]
    losses = []
    for stage_cap in flow.stages:
        if not stage_cap.measured:
            continue
        others = [s.total for s in measured if s.stage != stage_cap.stage]
        floor_low, floor_high = _floors(flow.flow, stage_cap.total, min_loss)
        groups, by_low, by_high = _candidates(G, flow.element, stage_cap.stage, tables)
        # plants that could not cost min_loss even if all they might hold went are not priced: the
        # lists run from the largest reach down
        table = stage_table(G, flow.element, stage_cap.stage, tables)
        plants = _reaching(by_low, floor_low) | (set() if floor_high is None else _reaching(by_high, floor_high))
        if len(table.holdings) == 1:  # the only plant dominates
            plants |= set(table.holdings)
        for (kind, ident), removed in [*groups, *((("facility", n), [n]) for n in sorted(plants))]:
            dominates = (kind, ident) in table.dominant
            reach = _reach(table, removed, tables)
            if (
                kind != "country"
                and not dominates
                and reach[0] < floor_low
                and (floor_high is None or reach[1] < floor_high)
            ):
                continue  # even losing the most it could hold leaves the stage above 1 - min_loss of the flow
            left = Range(0.0, 0.0, 0.0) if dominates else _left(G, flow.element, stage_cap.stage, tables, removed)
            remaining, _ = _smallest([left, *others], ["x"] * (1 + len(others)))
            loss = Ends(*(_loss(flow.flow.at(end), remaining.at(end), dominates) for end in ENDS))
            if kind != "country" and not dominates and max((v for v in loss if v is not None), default=0.0) < min_loss:
                continue
            losses.append(Loss(kind, ident, stage_cap.stage, flow.element, flow.feeding_stage, loss, dominates))
    return sorted(losses, key=lambda x: (-x.least, x.kind, x.id, x.stage))


def _floors(flow: Range, total: Range, min_loss: float) -> tuple[float, float | None]:
    """How much a candidate must be able to take from a stage's low end and from its high end to
    cost at least ``min_loss`` of the flow at some end (``inf`` at the low end, ``None`` at the high
    end: it cannot there). Removing plants leaves the stage at least its total less what they take
    at each end (an unbounded stage stays unbounded unless an unbounded plant goes), and the point
    is never below the low end; a loss is undefined where the flow is nothing or unbounded."""
    if min_loss <= 0:
        return 0.0, 0.0
    keep = 1 - min_loss
    low = [total.low - keep * v for v in (flow.low, flow.point) if v is not None and 0 < v < math.inf]
    high = max(0.0, total.high - keep * flow.high) if 0 < flow.high < math.inf else None
    return max(0.0, min(low, default=math.inf)), high


def _loss(before: float | None, after: float | None, dominates: bool) -> float | None:
    """The share of ``before`` lost: 1 for a dominator; undefined for a flow of nothing or without
    bound."""
    if dominates:
        return 1.0
    if before is None or after is None or before <= 0 or math.isinf(before):
        return None
    return round(min(max(1 - after / before, 0.0), 1.0), 12)


def _candidates(
    G: nx.DiGraph, element: str, stage: str, tables: Tables
) -> tuple[list[tuple[tuple[str, str], list[str]]], list[tuple[float, str]], list[tuple[float, str]]]:
    """The candidates at a stage: the countries and companies with their plants, and the plants by
    the most each could take from the stage's low end and from its high end, largest first.
    Computed once per element and stage."""
    key = (id(G), element, stage, "candidates")
    if key not in tables:
        table = stage_table(G, element, stage, tables)
        lift = _lift(table, tables)
        located = table.located
        by_low, by_high = [], []
        for node, holding in table.holdings.items():
            r = holding.range
            by_low.append((min(r.high, lift[located[node]] + r.low), node))
            by_high.append((r.high, node))
        by_low.sort(key=lambda x: (-x[0], x[1]))
        by_high.sort(key=lambda x: (-x[0], x[1]))
        tables[key] = list(table.groups.items()), by_low, by_high
    return tables[key]


def _reaching(by_reach: list[tuple[float, str]], floor: float) -> set[str]:
    """The plants of a list sorted by reach, largest first, that reach ``floor``."""
    return {node for _, node in itertools.takewhile(lambda pair: pair[0] >= floor, by_reach)}


def _lift(table: StageTable, tables: Tables) -> dict[str, float]:
    """How far each country's own figure lifts its low end above its plants' lows."""
    found = tables.get((id(table), "lift"))
    if found is None:
        found = tables[(id(table), "lift")] = {
            c: max(0.0, country_range(table, c).low - t.low) for c, t in table.tallies.items()
        }
    return found


def _reach(table: StageTable, removed: list[str], tables: Tables) -> tuple[float, float]:
    """The most plants can take from a stage's low end and from its high end: from a country's low
    end their lows and, where the country's own figure lifts it above its plants' lows, at most that
    lift more (never more than their highs); from a high end at most their highs."""
    lift = _lift(table, tables)
    by_country: dict[str, list[Range]] = defaultdict(list)
    for node in removed:
        by_country[table.located[node]].append(table.holdings[node].range)
    low = high = 0.0
    for country, ranges in by_country.items():
        highs = math.fsum(r.high for r in ranges)
        low += min(highs, lift[country] + math.fsum(r.low for r in ranges))
        high += highs
    return low, high


def _left(G: nx.DiGraph, element: str, stage: str, tables: Tables, removed: list[str]) -> Range:
    """What a stage passes of ``element`` without the plants ``removed``, in the time of those plants."""
    key = (id(G), element, stage, "sum")
    if key not in tables:
        table = stage_table(G, element, stage, tables)
        base = {c: country_range(table, c) for c in table.countries()}
        tables[key] = table, base, tally(base.values())
    table, base, whole = tables[key]
    located = country_of(G, tables)
    touched: dict[str, list[Range]] = {}
    for node in removed:
        touched.setdefault(located[node], []).append(table.holdings[node].range)
    for country, ranges in touched.items():  # each touched country's amount replaced by what it keeps
        whole = whole.minus(tally([base[country]])).plus(tally([country_range(table, country, tally(ranges))]))
    return whole.range()


def max_flow(
    G: nx.DiGraph, element: str, end_use: str, *, without: Iterable[str] = (), end: str = "point"
) -> float | None:
    """Maximum flow of ``element`` from the mines to ``end_use`` at one end of the amounts, by
    networkx on the node-split network (``None`` when nothing bounds it or, at the point, where the
    amounts have none); ``without`` removes nodes first.

    Examples
    --------
    >>> from reegraph.network.ops import make_network
    >>> G = make_network([("mine", "mining", "US", 100.0), ("sep", "separation", "US", 40.0)],
    ...                  end_uses=[("use", "separation")])
    >>> max_flow(G, "ALL", "use"), max_flow(G, "ALL", "use", without=["sep"])
    (40.0, 0.0)
    """
    H = flow_network(G, element, end_use, without=frozenset(without), end=end)
    if H is None:
        return None
    try:
        value = nx.maximum_flow_value(H, "source", "sink")
    except nx.NetworkXUnbounded:
        return None
    return float(value)


def flow_network(
    G: nx.DiGraph, element: str, end_use: str, *, without: frozenset[str] = frozenset(), end: str = "point"
) -> nx.DiGraph | None:
    """The node-split network for one element and end use at one end of the amounts: each facility
    and market becomes an ``in`` and an ``out`` node joined by its capacity; ``source`` feeds the
    mines; the end use is the ``sink``. A country's own figure bounds its market (and its plants are
    then bounded by it alone); elsewhere each plant carries its own amount. Stages that do not
    measure the element, and edges without a capacity, are unbounded. Known links are left out:
    each runs parallel to a path through the markets, so they adds no capacity. ``None`` at the
    point where some amount has none."""
    H: nx.DiGraph = nx.DiGraph()
    H.add_nodes_from(("source", "sink"))
    feeding = feeding_stage(G, end_use, element)
    tables: Tables = {}
    stages = set(mandatory_stages(G, feeding, tables)) | OPTIONAL_STAGES
    capacities: dict[str, float] = {}
    market_caps: dict[str, float] = {}
    for stage in stages & set(FLOW_STAGES):
        table = stage_table(G, element, stage, tables)
        located = country_of(G, tables)
        gone: dict[str, list[Range]] = {}
        for node in without & table.holdings.keys():
            gone.setdefault(located[node], []).append(table.holdings[node].range)
        for country in table.countries():
            value = country_range(table, country, tally(gone.get(country, ()))).at(end) if table.measured else math.inf
            if value is None:
                return None
            if country in table.caps and table.measured:
                market_caps[market_id(stage, country)] = value
        for node, holding in table.holdings.items():
            capped = table.caps.get(located[node]) is not None or not table.measured
            value = math.inf if capped else holding.range.at(end)
            if value is None:
                return None
            capacities[node] = value
    kept = {n for n in capacities if n not in without}
    for node in kept:
        _split(H, node, capacities[node])
        if G.nodes[node]["stage"] == "mining":
            H.add_edge("source", f"{node}|in")
    for node, data in G.nodes(data=True):
        if data["kind"] == MARKET and data["stage"] in stages:
            _split(H, node, market_caps.get(node, math.inf))
    for u, v, data in G.edges(data=True):
        if u in without or v in without or data["link"] in KNOWN_LINKS:
            continue  # every known link runs parallel to a market path; through it, it would skip the country's cap
        if v == end_use and G.nodes[u].get("stage") != feeding:
            continue  # the element reaches this end use from its feeding stage only
        tail = _out(G, u, kept, H)
        head = "sink" if v == end_use else _in(G, v, kept, H, trade=data["link"] == "trade")
        if tail and head:
            H.add_edge(tail, head)
    return H


def _split(H: nx.DiGraph, node: str, capacity: float) -> None:
    if math.isfinite(capacity):
        H.add_edge(f"{node}|in", f"{node}|out", capacity=capacity)
    else:
        H.add_edge(f"{node}|in", f"{node}|out")


def _out(G: nx.DiGraph, node: str, kept: set[str], H: nx.DiGraph) -> str | None:
    if G.nodes[node]["kind"] == FACILITY:
        return f"{node}|out" if node in kept else None
    return f"{node}|out" if f"{node}|out" in H else None


def _in(G: nx.DiGraph, node: str, kept: set[str], H: nx.DiGraph, *, trade: bool) -> str | None:
    kind = G.nodes[node]["kind"]
    if kind == FACILITY:
        return f"{node}|in" if node in kept else None
    if kind == MARKET and f"{node}|in" in H:
        # imports join the buyer's market after its cap: the cap bounds the country's own output
        return f"{node}|out" if trade else f"{node}|in"
    return None


class Link(NamedTuple):
    """The tonnes of an element that one routing of the maximum flow carries from a country's plants
    at ``stage`` to a country's plants at the next stage (``target`` ``""``: to the end uses), at
    each of :data:`~reegraph.model.ENDS` (``None`` where the flow there is undefined)."""

    stage: str
    source: str
    target: str
    flow: Ends


class Licence(NamedTuple):
    """What an export gate admits: ``fraction`` of the exporter's :func:`throughput`
    (:func:`gate_limit`), shared by every link from the exporter at the stage under the same
    ``name`` (one export control, whatever destinations it covers)."""

    fraction: float
    name: Hashable


#: The licence on what ``exporter`` sends at ``stage`` to ``importer`` (``""``: the end uses), or
#: ``None`` where nothing restricts it.
Gate = Callable[[str, str, str], Licence | None]


def throughput(amounts: Iterable[Mapping[str, float]], exporter: str) -> list[float]:
    """What ``exporter`` passes at each of a series of stages (``amounts``: each stage's amount by
    country): its amount there, and never more than at an earlier stage where it passes something
    (its later stages taken as fed by its earlier ones, which bounds a stage that does not measure
    the flow); nothing where it passes nothing (no plant, or all stopped), a stage that bounds none
    of the later ones. A country that enters the chain late (a separator of imported ore) is
    bounded from its first stage on.

    Examples
    --------
    >>> throughput([{"CN": 100.0}, {"CN": 50.0, "MY": 10.0}, {"MY": math.inf}], "CN")
    [100.0, 50.0, 0.0]
    >>> throughput([{"CN": 100.0}, {"CN": 50.0, "MY": 10.0}, {"MY": math.inf}], "MY")
    [0.0, 10.0, 10.0]
    >>> throughput([{"CN": 100.0}, {"CN": 0.0}, {"CN": math.inf}], "CN")  # its separators stopped
    [100.0, 0.0, 100.0]
    """
    result, bound = [], math.inf
    for row in amounts:
        value = row.get(exporter, 0.0)
        if value > 0:
            bound = min(bound, value)
        result.append(bound if value > 0 else 0.0)
    return result


def gate_limit(fraction: float, throughput: float) -> float | None:
    """The most an export gate lets through: the licensed ``fraction`` of the exporter's
    ``throughput`` (:func:`throughput`); ``None`` where nothing bounds it (a licence on a throughput
    without bound). A gate that licenses nothing passes nothing, whatever the throughput."""
    if math.isinf(throughput):
        return None if fraction > 0 else 0.0
    return fraction * throughput


#: The cost of a tonne crossing a border, and of a tonne passing a country whose amount nothing
#: bounds: the routing keeps trade and reliance on unbounded countries to what the maximum flow needs.
_TRADE_COST, _UNBOUNDED_COST = 1, 2


def route_flow(stages: Sequence[StageCapacity], *, gate: Gate | None = None) -> tuple[Range, tuple[Link, ...]]:
    """The maximum flow through ``stages`` in series (each country's amount at a stage a capacity;
    a stage that does not measure the element passes its countries' flow without bound) and one
    routing of it between countries, at each end of the amounts.

    Trade between countries is inferred, not known, so many routings carry the maximum; this one is
    the cheapest (a minimum-cost maximum flow) when a tonne costs 1 for each border it crosses and 2
    for each stage where it passes a country whose amount nothing bounds at that end (at the high
    end, a country with any plant without a figure: the cost is the country's, not the plant's): it
    crosses borders and leans on unbounded countries only as far as the maximum needs, and would
    rather cross a border to a bounded country than pass an unbounded one at home. ``gate`` restricts
    the cross-border links export controls cover: those from one exporter at one stage under one
    :class:`Licence` share its fraction of the exporter's :func:`throughput` there.

    Examples
    --------
    A diamond: a US mine of 100 t, separators of 30 t in the US and in Australia; 60 t pass, 30 t
    of them across the border.

    >>> from reegraph.network.ops import make_network
    >>> G = make_network([("mine", "mining", "US", 100.0), ("sep-a", "separation", "US", 30.0),
    ...                   ("sep-b", "separation", "AU", 30.0)], end_uses=[("use", "separation")])
    >>> flow, links = route_flow(compute_flow(G, "ALL")[0].stages)
    >>> flow.point, [(x.stage, x.source, x.target, x.flow.point) for x in links]
    (60.0, [('mining', 'US', 'AU', 30.0), ('mining', 'US', 'US', 30.0), ('separation', 'AU', '', 30.0), \
('separation', 'US', '', 30.0)])
    """
    routed = {end: _route(stages, end, gate) for end in ENDS}
    value = {end: found[0] for end, found in routed.items()}
    keys = sorted({key for _, links in routed.values() for key in links})
    links = tuple(
        Link(*key, Ends(*(None if value[end] is None else routed[end][1].get(key, 0.0) for end in ENDS)))
        for key in keys
    )
    low, point, high = (value[end] for end in ENDS)
    return Range(low or 0.0, math.inf if high is None else high, point), links


def _route(
    stages: Sequence[StageCapacity], end: str, gate: Gate | None
) -> tuple[float | None, dict[tuple[str, str, str], float]]:
    """The maximum flow at one end and its routing by (stage, source, target), in tonnes rounded to
    the kilogram (the network simplex wants whole numbers); ``None`` where it is undefined (an
    amount without a point, or nothing bounds the flow)."""
    caps: list[dict[str, float]] = []
    for stage in stages:
        row = {}
        for country, amount in stage.countries:
            value = amount.at(end) if stage.measured else math.inf
            if value is None:
                return None, {}
            row[country] = value
        caps.append(row)
    if not caps:
        return None, {}
    H: nx.DiGraph = nx.DiGraph()
    H.add_nodes_from(("source", "sink"))
    through = {c: throughput(caps, c) for c in set().union(*caps)}
    for k, (stage, row) in enumerate(zip(stages, caps, strict=True)):
        for country, value in row.items():
            if math.isfinite(value):
                H.add_edge((k, country, "in"), (k, country, "out"), capacity=round(value * 1000), weight=0)
            else:
                H.add_edge((k, country, "in"), (k, country, "out"), weight=_UNBOUNDED_COST)
            if k == 0:
                H.add_edge("source", (k, country, "in"), weight=0)
        heads = [(c, (k + 1, c, "in")) for c in caps[k + 1]] if k + 1 < len(caps) else [("", "sink")]
        for country in row:
            for target, head in heads:
                licence = gate(stage.stage, country, target) if gate and country != target else None
                cost = 0 if country == target else _TRADE_COST
                if licence is None:
                    H.add_edge((k, country, "out"), head, weight=cost, link=(stage.stage, country, target))
                    continue
                door = ("gate", k, country, licence)
                if door not in H:
                    limit = gate_limit(licence.fraction, through[country][k])
                    if limit is None:
                        H.add_edge((k, country, "out"), door, weight=0)
                    else:
                        H.add_edge((k, country, "out"), door, capacity=round(limit * 1000), weight=0)
                H.add_edge(door, head, weight=cost, link=(stage.stage, country, target))
    try:
        flows = nx.max_flow_min_cost(H, "source", "sink")
    except nx.NetworkXUnbounded:
        return None, {}
    links: dict[tuple[str, str, str], float] = {}
    for u, v, data in H.edges(data=True):
        if "link" in data and flows[u][v]:
            links[data["link"]] = flows[u][v] / 1000
    return sum(flows[u]["sink"] for u in H.predecessors("sink")) / 1000, links
