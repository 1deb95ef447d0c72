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

The network of :func:`reegraph.network.project.build_network` joins every country's market to every other
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

from reegraph.errors import InputError
from reegraph.network.project import OPTIONAL_STAGES, Amount, example_network, feeding_stage  # noqa: F401 (used in examples)

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
    """One element at one stage: the capacity of every facility that can pass some of it (``inf``
    where unbounded; facilities that count zero are left out), per-country market caps, the figures
    used, whether any figure exists, how many facilities handle the element, and the candidates
    (country, company or the only facility) that hold every one of them: these dominate."""

    capacities: dict[str, float]
    markets: dict[str, float]
    evidence: tuple[Amount, ...]
    quantified: bool
    handlers: int
    dominant: frozenset[tuple[str, str]]
    groups: dict[tuple[str, str], list[str]]
    countries: dict[str, tuple[float, int]]


def _country_value(table: StageTable, country: str, lost_finite: float, lost_unbounded: int) -> float:
    finite, unbounded = table.countries.get(country, (0.0, 0))
    # sums taken in another order can leave -1e-13 for nothing: never below zero
    left = math.inf if unbounded - lost_unbounded > 0 else max(0.0, finite - lost_finite)
    return min(left, table.markets.get(country, math.inf))


#: Stage tables and the network index already computed; see :func:`stage_table`.
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
    tables = {} if tables is None else tables
    flows = []
    for feeding, end_uses in sorted(_end_use_groups(G, element, tables).items()):
        stages = tuple(stage_capacity(G, element, s, tables) for s in _mandatory_stages(G, feeding, tables))
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
    countries = {c: _country_value(table, c, 0.0, 0) for c in table.countries}
    return StageCapacity(
        stage=stage,
        quantified=table.quantified or not table.handlers,  # no plant handles it: nothing passes
        total=(sum(countries.values()) if table.quantified else math.inf) if table.handlers else 0.0,
        countries=tuple(sorted(countries.items(), key=lambda kv: (-kv[1], kv[0]))),
        evidence=table.evidence,
    )


def stage_table(G: nx.DiGraph, element: str, stage: str, tables: Tables | None = None) -> StageTable:
    """The :class:`StageTable` of ``element`` at ``stage``, from ``tables`` when already computed."""
    tables = {} if tables is None else tables
    key = (id(G), element, stage)
    if key not in tables:
        tables[key] = _build_table(_index(G, tables), element, stage)
    return tables[key]


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

    >>> G = example_network("diamond")
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
    country_of = _index(G, tables).country
    base = {c: _country_value(table, c, 0.0, 0) for c in table.countries}
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
                entry = touched.setdefault(country_of[node], [0.0, 0])
                if cap == math.inf:
                    entry[1] += 1
                else:
                    entry[0] += cap
            left = stage_total - sum(base[c] - _country_value(table, c, f, u) for c, (f, u) in touched.items())
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
    H.add_nodes_from(("source", "sink"))
    feeding = feeding_stage(G, end_use, element)
    tables: Tables = {}
    stages = set(_mandatory_stages(G, feeding, tables)) | OPTIONAL_STAGES
    capacities: dict[str, float] = {}
    market_caps: dict[str, float] = {}
    for stage in stages & set(_FLOW_STAGES):
        table = stage_table(G, element, stage, tables)
        if table.quantified:
            capacities.update(table.capacities)
        else:
            capacities.update(dict.fromkeys(_handlers(G, element, stage), math.inf))
        market_caps.update({f"market/{stage}/{c}": v for c, v in table.markets.items()})
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


class _Index:
    """What every element's tables need, gathered in one pass over the network: facilities by stage
    and country, their figures by element, the countries' own figures, the end uses."""

    def __init__(self, G: nx.DiGraph) -> None:
        self.year = int(str(G.graph.get("as_of", "9999"))[:4])
        every = frozenset(G.graph.get("elements", {}))
        self.figures: dict[tuple[str, str], list[tuple[str, Amount]]] = defaultdict(list)
        self.markets: dict[tuple[str, str], list[tuple[str, Amount]]] = defaultdict(list)
        self.open: dict[str, list[str]] = defaultdict(list)  # facilities that handle every element
        self.restricted: dict[str, list[tuple[str, frozenset[str]]]] = defaultdict(list)
        self.by_country: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.end_uses: list[tuple[str, dict]] = []
        self.country: dict[str, str] = {}
        self.owner: dict[str, str] = {}
        self.owners: dict[str, tuple[str, ...]] = {}
        self.operating: set[str] = set()
        for node, data in sorted(G.nodes(data=True)):
            kind = data["kind"]
            if kind == "end-use":
                self.end_uses.append((node, data))
            elif kind == "market":
                for amount in data.get("amounts", ()):
                    for key in _keys(amount):
                        self.markets[(data["stage"], key)].append((data["country"], amount))
            elif kind == "facility":
                stage = data["stage"]
                self.country[node], self.owner[node] = data["country"], data.get("owner", "")
                self.owners[node] = data.get("owners") or ((data["owner"],) if data.get("owner") else ())
                if data.get("status", "operating") == "operating":
                    self.operating.add(node)
                self.by_country[(stage, data["country"])].append(node)
                handles = frozenset(data.get("handles", ()))
                if not handles or handles >= every:
                    self.open[stage].append(node)
                else:
                    self.restricted[stage].append((node, handles))
                for amount in data.get("amounts", ()):
                    for key in _keys(amount):
                        self.figures[(stage, key)].append((node, amount))
        self.present = set(self.open) | set(self.restricted)
        self.open_sets = {stage: set(nodes) for stage, nodes in self.open.items()}
        self.open_countries = defaultdict(set, {s: {self.country[n] for n in nodes} for s, nodes in self.open.items()})
        self.open_owners: dict[str, frozenset[str]] = {
            s: frozenset.intersection(*(frozenset(self.owners[n]) for n in nodes)) for s, nodes in self.open.items()
        }


def _keys(amount: Amount) -> list[str]:
    """The element keys a figure can serve: ``ALL`` for an all-element REO figure, else its symbols."""
    if amount.kind not in ("production", "capacity"):
        return []
    if not amount.elements:
        return ["ALL"] if amount.basis == "t REO" else []
    return list(amount.elements) if amount.basis in _ELEMENT_BASES else []


def _index(G: nx.DiGraph, tables: Tables) -> _Index:
    key = (id(G), "index")
    if key not in tables:
        tables[key] = _Index(G)
    return tables[key]


def _build_table(index: _Index, element: str, stage: str) -> StageTable:
    handles = {n for n, h in index.restricted[stage] if element == "ALL" or element in h}
    handlers = len(index.open[stage]) + len(handles)
    dominant: set[tuple[str, str]] = set()
    if handlers:  # a country or company that holds every facility handling the element
        countries_in = index.open_countries[stage] | {index.country[n] for n in handles}
        common = set(index.open_owners[stage]) if index.open[stage] else set(index.owners[next(iter(handles))])
        for node in handles:
            common &= set(index.owners[node])
        dominant = {("company", o) for o in common} | (
            {("country", next(iter(countries_in)))} if len(countries_in) == 1 else set()
        )
    open_nodes = index.open_sets.get(stage, set())

    def handled(node: str) -> bool:
        return node in handles or node in open_nodes

    markets: dict[str, float] = {}
    evidence: list[Amount] = []
    current = [(c, a) for c, a in index.markets[(stage, element)] if a.year <= index.year]
    for country, amount in _best_by_holder(current, index.year).items():
        markets[country] = _convert(amount, element)
        evidence.append(amount)
    capacities: dict[str, float] = {}
    # an operating plant counts with figures up to the as-of year; a planned one with its capacity
    usable = [
        (n, a)
        for n, a in index.figures[(stage, element)]
        if handled(n) and (a.year <= index.year or n not in index.operating)
    ]
    for node, amount in _best_by_holder(usable, index.year).items():
        capacities[node] = _convert(amount, element)
        evidence.append(amount)
    quantified = bool(capacities or markets)
    if quantified:  # facilities without a figure: unbounded under a country cap, else zero
        for country in markets:
            for node in index.by_country[(stage, country)]:
                if node not in capacities and handled(node):
                    capacities[node] = math.inf
        capacities = {n: c for n, c in capacities.items() if c > 0}
    else:
        capacities = {}
    countries: dict[str, list] = defaultdict(lambda: [0.0, 0])
    for node, cap in capacities.items():
        entry = countries[index.country[node]]
        if math.isinf(cap):
            entry[1] += 1
        else:
            entry[0] += cap
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for node in sorted(capacities):
        groups[("facility", node)].append(node)
        groups[("country", index.country[node])].append(node)
        for owner in index.owners[node]:
            groups[("company", owner)].append(node)
    for kind, ident in sorted(dominant - groups.keys()):  # dominators carry no capacity of their own if unquantified
        if kind == "country":
            groups[(kind, ident)] = [n for n in capacities if index.country[n] == ident]
        else:
            groups[(kind, ident)] = [n for n in capacities if ident in index.owners[n]]
    if handlers == 1:
        (only,) = [*index.open[stage], *handles]
        groups.setdefault(("facility", only), [n for n in capacities if n == only])
        dominant.add(("facility", only))
    return StageTable(
        capacities=capacities,
        markets=markets,
        evidence=tuple(sorted(evidence, key=lambda a: a.id)),
        quantified=quantified,
        handlers=handlers,
        dominant=frozenset(dominant),
        groups=dict(groups),
        countries={c: (f, u) for c, (f, u) in countries.items()},
    )


def _best_by_holder(pairs: Iterable[tuple[str, Amount]], as_of_year: int) -> dict[str, Amount]:
    """Per holder, the figure to use: production of the latest year up to ``as_of``, else the latest
    capacity; among equals the most specific (fewest elements)."""
    best: dict[str, tuple] = {}
    for holder, amount in pairs:
        if amount.kind == "production" and amount.year > as_of_year:
            continue
        rank = (amount.kind == "production", amount.year, -len(amount.elements), amount.id)
        if holder not in best or rank > best[holder][0]:
            best[holder] = (rank, amount)
    return {h: a for h, (_, a) in best.items()}


def _convert(amount: Amount, element: str) -> float:
    if element != "ALL" and amount.basis == "t REO":
        if element not in OXIDE_TO_ELEMENT:
            raise InputError(f"{amount.id}: no oxide-to-element factor for {element!r} (not a rare earth?)")
        return amount.value * OXIDE_TO_ELEMENT[element]
    return amount.value


def _end_use_groups(G: nx.DiGraph, element: str, tables: Tables) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for node, data in _index(G, tables).end_uses:
        if element == "ALL" or element in data["elements"]:
            groups[feeding_stage(G, node, element)].append(node)
    return groups


def _mandatory_stages(G: nx.DiGraph, feeding: str, tables: Tables | None = None) -> list[str]:
    """The stages every flow to an end use fed from ``feeding`` must cross, in order."""
    present = _index(G, {} if tables is None else tables).present
    chain = _FLOW_STAGES[: _FLOW_STAGES.index(feeding) + 1] if feeding in _FLOW_STAGES else _FLOW_STAGES
    return [s for s in chain if s in present and s not in OPTIONAL_STAGES]


def _handlers(G: nx.DiGraph, element: str, stage: str) -> list[str]:
    """The facilities at ``stage`` that can pass ``element``, sorted."""
    return sorted(
        n
        for n, d in G.nodes(data=True)
        if d["kind"] == "facility" and d["stage"] == stage and (element == "ALL" or element in d["handles"])
    )
