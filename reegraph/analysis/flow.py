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

import math
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from reegraph.analysis.capacity import (
    Tables,
    country_of,
    country_value,
    end_use_groups,
    handlers,
    mandatory_stages,
    stage_table,
)
from reegraph.model import FACILITY, FLOW_STAGES, KNOWN_LINKS, MARKET, OPTIONAL_STAGES, Amount, feeding_stage, market_id


@dataclass(frozen=True)
class StageCapacity:
    """What one stage can pass of an element: per-country amounts, the evidence, and the total."""

    stage: str
    quantified: bool
    total: float
    countries: tuple[tuple[str, float], ...]
    evidence: tuple[Amount, ...]


@dataclass(frozen=True)
class StageFlow:
    """The maximum flow of one element to the end uses fed from one stage."""

    element: str
    feeding_stage: str
    end_uses: tuple[str, ...]
    basis: str
    flow: float | None
    binding_stage: str | None
    stages: tuple[StageCapacity, ...]


@dataclass(frozen=True)
class Loss:
    """The share of a flow lost when a facility, a company's plants or a country's plants at one
    stage drop out."""

    kind: str
    id: str
    stage: str
    element: str
    feeding_stage: str
    loss: float
    remaining: float
    dominates: bool


def compute_flow(G: nx.DiGraph, element: str, tables: Tables | None = None) -> list[StageFlow]:
    """Maximum flow of ``element`` (a symbol or ``ALL``) to the end uses, grouped by the stage that
    feeds them (end uses fed from the same stage share one flow: their demand is not capped).

    Examples
    --------
    A chain: mine -> separator -> end use; the separator's 40 t bind.

    >>> from reegraph.network.ops import make_network
    >>> G = make_network([("mine", "mining", "US", 100.0), ("sep", "separation", "US", 40.0)],
    ...                  end_uses=[("use", "separation")])
    >>> [(f.flow, f.binding_stage) for f in compute_flow(G, "ALL")]
    [(40.0, 'separation')]
    """
    tables = {} if tables is None else tables
    flows = []
    for feeding, end_uses in sorted(end_use_groups(G, element, tables).items()):
        stages = tuple(stage_capacity(G, element, s, tables) for s in mandatory_stages(G, feeding, tables))
        bounded = [s for s in stages if s.quantified]
        binding = min(bounded, key=lambda s: s.total) if bounded else None
        flows.append(
            StageFlow(
                element=element,
                feeding_stage=feeding,
                end_uses=tuple(end_uses),
                basis="t REO" if element == "ALL" else "t contained element",
                flow=binding.total if binding else None,
                binding_stage=binding.stage if binding else None,
                stages=stages,
            )
        )
    return flows


def stage_capacity(G: nx.DiGraph, element: str, stage: str, tables: Tables | None = None) -> StageCapacity:
    """What ``stage`` can pass of ``element``, by country, with the figures used."""
    table = stage_table(G, element, stage, tables)
    countries = {c: country_value(table, c, 0.0, 0) for c in table.countries}
    return StageCapacity(
        stage=stage,
        quantified=table.quantified or not table.handlers,  # no plant handles it: nothing passes
        total=(sum(countries.values()) if table.quantified else math.inf) if table.handlers else 0.0,
        countries=tuple(sorted(countries.items(), key=lambda kv: (-kv[1], kv[0]))),
        evidence=table.evidence,
    )


def find_flow_losses(
    G: nx.DiGraph, flow: StageFlow, tables: Tables | None = None, *, min_loss: float = 0.0
) -> list[Loss]:
    """The loss of ``flow`` when each facility, each company (ultimate owner) and each country drops
    out at one stage, with whether it dominates (every path crosses it). Sorted by loss, then id.
    Facilities and companies that neither dominate nor lose at least ``min_loss`` of the flow are
    left out (countries are always kept).

    Exact for the market network of :func:`reegraph.network.project.build_network` (every stage a cut);
    each candidate costs arithmetic on the countries it touches, not a max-flow.

    Examples
    --------
    A diamond: two separators in two countries; losing either loses half the flow.

    >>> from reegraph.network.ops import make_network
    >>> G = make_network([("mine", "mining", "US", 100.0, "org/a"), ("sep-a", "separation", "US", 30.0, "org/a"),
    ...                   ("sep-b", "separation", "AU", 30.0, "org/b")], end_uses=[("use", "separation")])
    >>> losses = find_flow_losses(G, compute_flow(G, "ALL")[0])
    >>> sorted({(x.id, x.loss) for x in losses if x.stage == "separation"})
    [('AU', 0.5), ('US', 0.5), ('org/a', 0.5), ('org/b', 0.5), ('sep-a', 0.5), ('sep-b', 0.5)]
    """
    if not flow.flow:
        return []
    tables = {} if tables is None else tables
    losses = []
    for stage_cap in flow.stages:
        others = min((s.total for s in flow.stages if s.stage != stage_cap.stage), default=math.inf)
        for kind, ident, dominates, left in _removals(G, flow.element, stage_cap.stage, tables):
            remaining = min(left, others)
            loss = 1 - remaining / flow.flow if math.isfinite(remaining) else 0.0
            if loss < min_loss and not dominates and kind != "country":
                continue
            losses.append(
                Loss(
                    kind=kind,
                    id=ident,
                    stage=stage_cap.stage,
                    element=flow.element,
                    feeding_stage=flow.feeding_stage,
                    loss=round(min(max(loss, 0.0), 1.0), 12),
                    remaining=remaining,
                    dominates=dominates,
                )
            )
    return sorted(losses, key=lambda x: (-x.loss, x.kind, x.id, x.stage))


def _removals(G: nx.DiGraph, element: str, stage: str, tables: Tables) -> list[tuple[str, str, bool, float]]:
    """Every candidate at a stage: (kind, id, dominates, what the stage passes without it). Computed
    once per element and stage."""
    key = (id(G), element, stage, "removals")
    if key in tables:
        return tables[key]
    table = stage_table(G, element, stage, tables)
    located = country_of(G, tables)
    base = {c: country_value(table, c, 0.0, 0) for c in table.countries}
    stage_total = sum(base.values()) if table.quantified else math.inf
    removals = []
    for (kind, ident), removed in table.groups.items():
        dominates = (kind, ident) in table.dominant
        if dominates:
            left = 0.0
        elif table.quantified:
            touched: dict[str, list[float]] = {}
            for node in removed:
                cap = table.capacities[node]
                entry = touched.setdefault(located[node], [0.0, 0])
                if cap == math.inf:
                    entry[1] += 1
                else:
                    entry[0] += cap
            left = stage_total - sum(base[c] - country_value(table, c, f, int(u)) for c, (f, u) in touched.items())
        else:
            left = math.inf
        removals.append((kind, ident, dominates, left))
    tables[key] = removals
    return removals


def max_flow(G: nx.DiGraph, element: str, end_use: str, *, without: Iterable[str] = ()) -> float | None:
    """Maximum flow of ``element`` from the mines to ``end_use`` by networkx on the node-split
    network (``None`` when no figure bounds it); ``without`` removes nodes first.

    Examples
    --------
    >>> from reegraph.network.ops import make_network
    >>> G = make_network([("mine", "mining", "US", 100.0), ("sep", "separation", "US", 40.0)],
    ...                  end_uses=[("use", "separation")])
    >>> max_flow(G, "ALL", "use"), max_flow(G, "ALL", "use", without=["sep"])
    (40.0, 0.0)
    """
    H = flow_network(G, element, end_use, without=frozenset(without))
    try:
        value = nx.maximum_flow_value(H, "source", "sink")
    except nx.NetworkXUnbounded:
        return None
    return float(value)


def flow_network(G: nx.DiGraph, element: str, end_use: str, *, without: frozenset[str] = frozenset()) -> nx.DiGraph:
    """The node-split network for one element and end use: each facility and market becomes an
    ``in`` and an ``out`` node joined by its capacity; ``source`` feeds the mines; the end use is
    the ``sink``. Edges without a capacity are unbounded. Known links are left out: each runs
    parallel to a path through the markets, so they add no capacity."""
    H: nx.DiGraph = nx.DiGraph()
    H.add_nodes_from(("source", "sink"))
    feeding = feeding_stage(G, end_use, element)
    tables: Tables = {}
    stages = set(mandatory_stages(G, feeding, tables)) | OPTIONAL_STAGES
    capacities: dict[str, float] = {}
    market_caps: dict[str, float] = {}
    for stage in stages & set(FLOW_STAGES):
        table = stage_table(G, element, stage, tables)
        if table.quantified:
            capacities.update(table.capacities)
        else:
            capacities.update(dict.fromkeys(handlers(G, element, stage), math.inf))
        market_caps.update({market_id(stage, c): v for c, v in table.markets.items()})
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
