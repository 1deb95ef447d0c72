"""What each stage can pass of an element: the capacity of every facility and the caps of the
country markets, from the figures in the network.

Capacities, per element, in tonnes of contained element (``ALL``: tonnes of REO):

- a facility's own figure for the element (production for the latest year up to ``as_of``, else
  its latest capacity); a joint figure (NdPr) bounds each member; oxide tonnages are converted with
  the stoichiometric factors in :data:`reegraph.model.OXIDE_TO_ELEMENT`;
- a country's own figure for the stage (China's Dy oxide output) caps that country's market;
- a facility that handles the element but has no figure is unbounded when its country's market is
  capped, and otherwise counts zero at a stage where any figure for the element exists; a stage
  with no figure for the element at all does not constrain the flow (per-element mine output, for
  instance, is not in the graph).

The tables are computed once per network, element and stage and kept in a :data:`Tables` dict that
the caller passes along (the report, the ranking and the scenarios share one).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from reegraph.errors import InputError
from reegraph.model import (
    ELEMENT_BASES,
    END_USE,
    FACILITY,
    FLOW_STAGES,
    MARKET,
    OPTIONAL_STAGES,
    OXIDE_TO_ELEMENT,
    Amount,
    as_of_year,
    facilities,
    feeding_stage,
)

#: Stage tables and the network index already computed, by network, element and stage: see
#: :func:`stage_table`.
Tables = dict


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


def country_value(table: StageTable, country: str, lost_finite: float, lost_unbounded: int) -> float:
    """What ``country`` passes at the table's stage once plants of ``lost_finite`` t and
    ``lost_unbounded`` plants without a figure are gone, under its market's cap."""
    finite, unbounded = table.countries.get(country, (0.0, 0))
    # sums taken in another order can leave -1e-13 for nothing: never below zero
    left = math.inf if unbounded - lost_unbounded > 0 else max(0.0, finite - lost_finite)
    return min(left, table.markets.get(country, math.inf))


def stage_table(G: nx.DiGraph, element: str, stage: str, tables: Tables | None = None) -> StageTable:
    """The :class:`StageTable` of ``element`` at ``stage``, from ``tables`` when already computed."""
    tables = {} if tables is None else tables
    key = (id(G), element, stage)
    if key not in tables:
        tables[key] = _build_table(_index(G, tables), element, stage)
    return tables[key]


class _Index:
    """What every element's tables need, gathered in one pass over the network: facilities by stage
    and country, their figures by element, the countries' own figures, the end uses."""

    def __init__(self, G: nx.DiGraph) -> None:
        self.year = as_of_year(G)
        every = frozenset(G.graph.get("elements", {}))
        self.figures: dict[tuple[str, str], list[tuple[str, Amount]]] = defaultdict(list)
        self.markets: dict[tuple[str, str], list[tuple[str, Amount]]] = defaultdict(list)
        self.open: dict[str, list[str]] = defaultdict(list)  # facilities that handle every element
        self.restricted: dict[str, list[tuple[str, frozenset[str]]]] = defaultdict(list)
        self.by_country: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.end_uses: list[tuple[str, dict]] = []
        self.country: dict[str, str] = {}
        self.owners: dict[str, tuple[str, ...]] = {}
        self.operating: set[str] = set()
        for node, data in sorted(G.nodes(data=True)):
            kind = data["kind"]
            if kind == END_USE:
                self.end_uses.append((node, data))
            elif kind == MARKET:
                for amount in data.get("amounts", ()):
                    for key in _keys(amount):
                        self.markets[(data["stage"], key)].append((data["country"], amount))
            elif kind == FACILITY:
                stage = data["stage"]
                self.country[node] = data["country"]
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
    return list(amount.elements) if amount.basis in ELEMENT_BASES else []


def country_of(G: nx.DiGraph, tables: Tables) -> dict[str, str]:
    """Each facility's country."""
    return _index(G, tables).country


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


def end_use_groups(G: nx.DiGraph, element: str, tables: Tables) -> dict[str, list[str]]:
    """The end uses that depend on ``element`` (every one for ``ALL``), by the stage that feeds them."""
    groups: dict[str, list[str]] = defaultdict(list)
    for node, data in _index(G, tables).end_uses:
        if element == "ALL" or element in data["elements"]:
            groups[feeding_stage(G, node, element)].append(node)
    return groups


def mandatory_stages(G: nx.DiGraph, feeding: str, tables: Tables | None = None) -> list[str]:
    """The stages every flow to an end use fed from ``feeding`` must cross, in order."""
    present = _index(G, {} if tables is None else tables).present
    chain = FLOW_STAGES[: FLOW_STAGES.index(feeding) + 1] if feeding in FLOW_STAGES else FLOW_STAGES
    return [s for s in chain if s in present and s not in OPTIONAL_STAGES]


def handlers(G: nx.DiGraph, element: str, stage: str) -> list[str]:
    """The facilities at ``stage`` that can pass ``element``, sorted."""
    return [n for n in facilities(G, stage=stage) if element == "ALL" or element in G.nodes[n]["handles"]]
