"""Capacity-constrained flow of each element from the mines to the end uses, its minimum cut, and
the flow lost when a facility, a company or a country drops out.

Capacities, per element, in tonnes of contained element (``ALL``: tonnes of REO):

- a facility's own figure for the element (production for the latest year up to ``as_of``, else
  its latest capacity); a joint figure (NdPr) bounds each member; oxide tonnages are converted with
  the stoichiometric factors in :data:`OXIDE_TO_ELEMENT`;
- a country's own figure for the stage (China's Dy oxide output) caps that country's market;
- a facility that handles the element but has no figure is unbounded when its country's market is
  capped, and otherwise counts zero at a stage where any figure for the element exists; a stage
  with no figure for the element at all does not constrain the flow (per-element mine output, for
  instance, is not in the graph).

The network of :func:`reegraph.network.build_network` joins every country's market to every other
of the same stage and feeds each stage only from the one before it (cracking may be skipped), so
each stage the flow must cross is a cut, and the maximum flow is the smallest stage capacity.
:func:`find_flow_losses` uses that to price every removal with arithmetic instead of one max-flow
per candidate; :func:`max_flow` computes the same value with networkx on the node-split network and
serves as the cross-check and as the engine for networks whose trade is restricted.

References
----------
Ahuja, Magnanti and Orlin, *Network Flows* (1993): max-flow min-cut theorem; node splitting.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from reegraph.network import OPTIONAL_STAGES, Amount, example_network  # noqa: F401 (used in examples)

#: Oxide to contained element, by mass (stoichiometry with IUPAC standard atomic weights; the
#: oxides in which each element is reported: La2O3, CeO2, Pr6O11, Nd2O3, ..., Tb4O7, Y2O3, Sc2O3).
OXIDE_TO_ELEMENT = {
    "La": 0.8527, "Ce": 0.8141, "Pr": 0.8277, "Nd": 0.8574, "Sm": 0.8624, "Eu": 0.8636, "Gd": 0.8676,
    "Tb": 0.8502, "Dy": 0.8713, "Ho": 0.8730, "Er": 0.8745, "Tm": 0.8756, "Yb": 0.8782, "Lu": 0.8794,
    "Y": 0.7874, "Sc": 0.6520, "Pm": 0.86,
}  # fmt: skip
_ELEMENT_BASES = {"t REO", "t metal", "t contained element"}
_FLOW_STAGES = ("mining", "concentration", "separation", "metal", "magnet", "component")


@dataclass(frozen=True)
class StageTable:
    """Per-facility capacities (``inf`` where unbounded), per-country market caps, the figures used,
    and whether any figure for the element exists at the stage."""

    capacities: dict[str, float]
    markets: dict[str, float]
    evidence: tuple[Amount, ...]
    quantified: bool

    def total(self, G: nx.DiGraph, without: frozenset[str] = frozenset()) -> float:
        """What the stage passes with the facilities in ``without`` left out."""
        if not self.quantified:
            return math.inf
        per_country: dict[str, float] = defaultdict(float)
        for node, cap in self.capacities.items():
            if node not in without:
                per_country[G.nodes[node]["country"]] += cap
        return sum(min(v, self.markets.get(c, math.inf)) for c, v in per_country.items())


#: Stage tables already computed, by (id of the network, element, stage); see :func:`stage_table`.
Tables = dict


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

    >>> G = example_network("chain")
    >>> [(f.flow, f.binding_stage) for f in compute_flow(G, "ALL")]
    [(40.0, 'separation')]
    """
    flows = []
    for feeding, end_uses in sorted(_end_use_groups(G, element).items()):
        stages = tuple(stage_capacity(G, element, s, tables) for s in _mandatory_stages(G, feeding))
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
    per_country: dict[str, float] = defaultdict(float)
    for node, cap in table.capacities.items():
        per_country[G.nodes[node]["country"]] += cap
    countries = {c: min(v, table.markets.get(c, math.inf)) for c, v in per_country.items()}
    return StageCapacity(
        stage=stage,
        quantified=table.quantified,
        total=table.total(G),
        countries=tuple(sorted(countries.items(), key=lambda kv: (-kv[1], kv[0]))),
        evidence=table.evidence,
    )


def stage_table(G: nx.DiGraph, element: str, stage: str, tables: Tables | None = None) -> StageTable:
    """The :class:`StageTable` of ``element`` at ``stage``, from ``tables`` when already computed."""
    key = (id(G), element, stage)
    if tables is not None and key in tables:
        return tables[key]
    caps, markets, evidence, quantified = _capacities(G, element, stage)
    table = StageTable(caps, markets, tuple(evidence), quantified)
    if tables is not None:
        tables[key] = table
    return table


def find_flow_losses(G: nx.DiGraph, flow: StageFlow, tables: Tables | None = None) -> list[Loss]:
    """The loss of ``flow`` when each facility, each company (ultimate owner) and each country drops
    out at one stage, with whether it dominates (every path crosses it). Sorted by loss, then id.

    Exact for the market network of :func:`reegraph.network.build_network` (every stage a cut);
    each candidate costs arithmetic on the countries it touches, not a max-flow.

    Examples
    --------
    A diamond: two separators in two countries; losing either loses half the flow.

    >>> G = example_network("diamond")
    >>> losses = find_flow_losses(G, compute_flow(G, "ALL")[0])
    >>> sorted({(x.id, x.loss) for x in losses if x.stage == "separation"})
    [('AU', 0.5), ('US', 0.5), ('org/a', 0.5), ('org/b', 0.5), ('sep-a', 0.5), ('sep-b', 0.5)]
    """
    if not flow.flow:
        return []
    losses = []
    for stage_cap in flow.stages:
        table = stage_table(G, flow.element, stage_cap.stage, tables)
        others = min((s.total for s in flow.stages if s.stage != stage_cap.stage), default=math.inf)
        finite: dict[str, float] = defaultdict(float)
        unbounded: dict[str, int] = defaultdict(int)
        for node, cap in table.capacities.items():
            country = G.nodes[node]["country"]
            if math.isinf(cap):
                unbounded[country] += 1
            else:
                finite[country] += cap

        def country_value(country: str, lost_finite: float, lost_unbounded: int, table=table, f=finite, u=unbounded):
            left = math.inf if u[country] - lost_unbounded > 0 else f[country] - lost_finite
            return min(left, table.markets.get(country, math.inf))

        base = {c: country_value(c, 0.0, 0) for c in set(finite) | set(unbounded)}
        stage_total = sum(base.values()) if table.quantified else math.inf
        for (kind, ident), removed in _candidates(G, table.capacities).items():
            touched: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
            for node in removed:
                cap = table.capacities[node]
                entry = touched[G.nodes[node]["country"]]
                if math.isinf(cap):
                    entry[1] += 1
                else:
                    entry[0] += cap
            if table.quantified:
                left = stage_total - sum(base[c] - country_value(c, f, u) for c, (f, u) in touched.items())
            else:
                left = 0.0 if len(removed) == len(table.capacities) else math.inf
            remaining = min(left, others)
            loss = 1 - remaining / flow.flow if math.isfinite(remaining) else 0.0
            losses.append(
                Loss(
                    kind=kind,
                    id=ident,
                    stage=stage_cap.stage,
                    element=flow.element,
                    feeding_stage=flow.feeding_stage,
                    loss=round(min(max(loss, 0.0), 1.0), 12),
                    remaining=remaining,
                    dominates=len(removed) == len(table.capacities),
                )
            )
    return sorted(losses, key=lambda x: (-x.loss, x.kind, x.id, x.stage))


def _candidates(G: nx.DiGraph, capacities: dict[str, float]) -> dict[tuple[str, str], list[str]]:
    """Each facility, country and company (ultimate owner) at a stage, with its facilities."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for node in sorted(capacities):
        data = G.nodes[node]
        groups[("facility", node)].append(node)
        groups[("country", data["country"])].append(node)
        if data.get("owner"):
            groups[("company", data["owner"])].append(node)
    return groups


def max_flow(G: nx.DiGraph, element: str, end_use: str, *, without: Iterable[str] = ()) -> float | None:
    """Maximum flow of ``element`` from the mines to ``end_use`` by networkx on the node-split
    network (``None`` when no figure bounds it); ``without`` removes nodes first.

    Examples
    --------
    >>> max_flow(example_network("chain"), "ALL", "use")
    40.0
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
    H = nx.DiGraph()
    stages = set(_mandatory_stages(G, G.nodes[end_use]["feeding_stage"])) | OPTIONAL_STAGES
    capacities: dict[str, float] = {}
    market_caps: dict[str, float] = {}
    for stage in stages & set(_FLOW_STAGES):
        caps, markets, _, quantified = _capacities(G, element, stage)
        capacities.update({n: c if quantified else math.inf for n, c in caps.items()})
        market_caps.update({f"market/{stage}/{c}": v for c, v in markets.items()})
    kept = {n for n in capacities if n not in without}
    for node in kept:
        _split(H, node, capacities[node])
        if G.nodes[node]["stage"] == "mining":
            H.add_edge("source", f"{node}|in")
    for node, data in G.nodes(data=True):
        if data["kind"] == "market" and data["stage"] in stages:
            _split(H, node, market_caps.get(node, math.inf))
    for u, v, data in G.edges(data=True):
        if u in without or v in without or data["link"] in ("contract", "reported"):
            continue  # every known link runs parallel to a market path; through it, it would skip the country's cap
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
    kind = G.nodes[node]["kind"]
    if kind == "facility":
        return f"{node}|out" if node in kept else None
    return f"{node}|out" if f"{node}|out" in H else None


def _in(G: nx.DiGraph, node: str, kept: set[str], H: nx.DiGraph, *, trade: bool) -> str | None:
    kind = G.nodes[node]["kind"]
    if kind == "facility":
        return f"{node}|in" if node in kept else None
    if kind == "market" and f"{node}|in" in H:
        # imports join the buyer's market after its cap: the cap bounds the country's own output
        return f"{node}|out" if trade else f"{node}|in"
    return None


def _capacities(
    G: nx.DiGraph, element: str, stage: str
) -> tuple[dict[str, float], dict[str, float], list[Amount], bool]:
    """Per-facility capacities, per-country market caps, the figures used, and whether any figure
    for the element exists at the stage."""
    as_of_year = int(str(G.graph.get("as_of", "9999"))[:4])
    markets: dict[str, float] = {}
    evidence: list[Amount] = []
    for data in (d for _, d in G.nodes(data=True)):
        if data["kind"] == "market" and data["stage"] == stage:
            amount = _best(data.get("amounts", ()), element, as_of_year)
            if amount:
                markets[data["country"]] = _convert(amount, element)
                evidence.append(amount)
    caps: dict[str, float] = {}
    figures: dict[str, float] = {}
    for node in _handlers(G, element, stage):
        amount = _best(G.nodes[node].get("amounts", ()), element, as_of_year)
        if amount:
            figures[node] = _convert(amount, element)
            evidence.append(amount)
    quantified = bool(figures or markets)
    for node in _handlers(G, element, stage):
        if node in figures:
            caps[node] = figures[node]
        elif G.nodes[node]["country"] in markets or not quantified:
            caps[node] = math.inf
        else:
            caps[node] = 0.0
    return caps, markets, sorted(evidence, key=lambda a: a.id), quantified


def _handlers(G: nx.DiGraph, element: str, stage: str) -> list[str]:
    return sorted(
        n
        for n, d in G.nodes(data=True)
        if d["kind"] == "facility" and d["stage"] == stage and (element == "ALL" or element in d["handles"])
    )


def _best(amounts: Iterable[Amount], element: str, as_of_year: int) -> Amount | None:
    """The figure to use: production of the latest year up to ``as_of``, else the latest capacity;
    among equals the most specific (fewest elements)."""
    usable = [
        a
        for a in amounts
        if a.kind in ("production", "capacity")
        and (
            (element == "ALL" and not a.elements and a.basis == "t REO")
            or (element in a.elements and a.basis in _ELEMENT_BASES)
        )
    ]
    production = [a for a in usable if a.kind == "production" and a.year <= as_of_year]
    pool = production or [a for a in usable if a.kind == "capacity"]
    return max(pool, key=lambda a: (a.year, -len(a.elements), a.id), default=None)


def _convert(amount: Amount, element: str) -> float:
    if element != "ALL" and amount.basis == "t REO":
        return amount.value * OXIDE_TO_ELEMENT[element]
    return amount.value


def _end_use_groups(G: nx.DiGraph, element: str) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for node, data in sorted(G.nodes(data=True)):
        if data["kind"] == "end-use" and (element == "ALL" or element in data["elements"]):
            groups[data["feeding_stage"]].append(node)
    return groups


def _mandatory_stages(G: nx.DiGraph, feeding: str) -> list[str]:
    """The stages every flow to an end use fed from ``feeding`` must cross, in order."""
    present = {d["stage"] for _, d in G.nodes(data=True) if d["kind"] == "facility"}
    chain = _FLOW_STAGES[: _FLOW_STAGES.index(feeding) + 1] if feeding in _FLOW_STAGES else _FLOW_STAGES
    return [s for s in chain if s in present and s not in OPTIONAL_STAGES]
