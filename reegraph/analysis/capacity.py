"""What each stage holds of an element or a set of elements: every facility's and every country's
amount as a :class:`~reegraph.model.Range` with its reason, read from the figures in the network by
the rules of the data card (``graphs/README.md``, "How amounts are read"):

- a holder's figures are production and capacity figures in the unit asked for, of the as-of year
  or earlier (a plant not yet operating: any year), and not older than ``max_age`` years before it
  (older ones are *stale*: left out, and listed; for an as-of date beyond the data's ``vintage``,
  the year of its latest source, the years count back from the vintage);
- per set of elements a holder reports, the latest production figure is used, else the latest
  capacity: production is a point, capacity bounds production from above (``[0, capacity]``);
- a figure for several elements (NdPr oxide, all rare earths) bounds the sum of its elements: it
  counts in full toward a key that contains all of them, and only as an upper bound toward a key
  that holds some (Nd of an NdPr figure is between 0 and the whole figure, never the whole);
- the lower bound sums disjoint production figures inside the key; the upper bound covers each
  element of the key with its smallest figure; an element no figure covers leaves the holder
  unbounded (*unknown*, never zero);
- a country's own figure for the stage (China's Dy oxide output) bounds the sum of its plants, so
  it bounds plants without figures too; without it, a country's amount is the sum of its plants'.
- a plant whose ore is known (a mine's, or the feed of a plant processing it: ``ores``) holds of
  an element its all-rare-earth figure in t REO times the element's share of the ore (a range where
  sources differ; over a mixed feed in unknown proportions, the widest), within what its own
  figures for the element allow (:func:`ore_share`).

Amounts are in the stage's basis for concentration (``unit="stage"``) and, for flows
(``unit="flow"``), in tonnes of contained element for a symbol (oxide converted with
:data:`reegraph.model.OXIDE_TO_ELEMENT`) or tonnes of REO for ``ALL``; a stage whose basis does not
convert (magnets in t magnet) does not measure the flow and does not constrain it.

Tables are computed once per network, key, stage and unit and kept in a :data:`Tables` dict that
the caller passes along (the report, the ranking and the scenarios share one).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import NamedTuple

import networkx as nx

from reegraph.errors import InputError
from reegraph.model import (
    ELEMENT_BASES,
    END_USE,
    FACILITY,
    FLOW_STAGES,
    MARKET,
    MAX_AGE,
    OPTIONAL_STAGES,
    OUTSIDE_REO,
    OXIDE_TO_ELEMENT,
    STAGE_BASIS,
    Amount,
    Ore,
    OreShare,
    Range,
    as_of_year,
    facilities,
    feeding_stage,
)

#: Stage tables and the network index already computed, by network, key, stage and unit: see
#: :func:`stage_table`.
Tables = dict

#: Why a holder's amount is what it is, in words (the ``reason`` of a :class:`Holding`).
REASONS = {
    "production": "production figure",
    "capacity": "capacity only: production between 0 and it",
    "joint": "a figure for several elements bounds it, not each in full",
    "partial": "figures cover some of its elements; the rest has none",
    "conflict": "its figures disagree: the range spans them",
    "ore": "an all-rare-earth figure times the element's share of its ore",
    "stale": "only figures older than the age limit",
    "unknown": "no figure",
}

UNKNOWN = Range(0.0, math.inf)


class Holding(NamedTuple):
    """One holder's (a facility's, or a country's own figure's) amount of a key at a stage: the
    range, why (a key of :data:`REASONS`), the figures behind it (and the ore shares) and the stale
    ones left out."""

    range: Range
    reason: str
    figures: tuple[Amount | OreShare, ...] = ()
    stale: tuple[Amount, ...] = ()

    @property
    def amounts(self) -> list[Amount]:
        """Its figures without its ores' shares (an ore's composition does not age: no year of it
        counts toward the span of an amount's years)."""
        return [a for a in self.figures if isinstance(a, Amount)]


class Tally(NamedTuple):
    """Sums over some plants: lower bounds, finite upper bounds, how many are unbounded, points, and
    how many bounded ones have no point."""

    low: float = 0.0
    high: float = 0.0
    unbounded: int = 0
    point: float = 0.0
    pointless: int = 0

    def plus(self, other: Tally) -> Tally:
        """The sums with ``other``'s plants added."""
        return Tally(
            self.low + other.low,
            self.high + other.high,
            self.unbounded + other.unbounded,
            self.point + other.point,
            self.pointless + other.pointless,
        )

    def minus(self, other: Tally) -> Tally:
        """The sums with ``other``'s plants taken away."""
        return self.plus(Tally(-other.low, -other.high, -other.unbounded, -other.point, -other.pointless))

    def range(self) -> Range:
        """The sums as a range (unbounded if any plant is; a point where every plant has one)."""
        unbounded = self.unbounded > 0
        return _clean(
            self.low, math.inf if unbounded else self.high, None if unbounded or self.pointless else self.point
        )


def tally(ranges: Iterable[Range]) -> Tally:
    """The :class:`Tally` of some plants' ranges."""
    unbounded = pointless = 0
    lows, highs, points = [], [], []
    for r in ranges:
        lows.append(r.low)
        if math.isinf(r.high):
            unbounded += 1
            continue
        highs.append(r.high)
        if r.point is None:
            pointless += 1
        else:
            points.append(r.point)
    low, high, point = math.fsum(lows), math.fsum(highs), math.fsum(points)
    return Tally(low, high, unbounded, point, pointless)


NOTHING = Tally()


@dataclass(frozen=True)
class StageTable:
    """One key (``ALL``, a symbol, a group or a joint set such as ``Nd+Pr``) at one stage, in one
    unit: every facility that handles some of it with its :class:`Holding`, each country's own
    figure, per-country sums, and the structure the ranking needs (how many facilities handle it,
    the candidates that hold all of them, each candidate's plants)."""

    stage: str
    key: str
    unit: str
    basis: str
    measured: bool
    holdings: dict[str, Holding]
    caps: dict[str, Holding]
    tallies: dict[str, Tally]
    handlers: int
    named: bool
    located: dict[str, str]
    owners: dict[str, tuple[str, ...]]

    @cached_property
    def groups(self) -> dict[tuple[str, str], list[str]]:
        """Each country's and each company's (ultimate owner's) plants (a facility's: see
        :meth:`members`)."""
        groups: dict[tuple[str, str], list[str]] = defaultdict(list)
        for node in sorted(self.holdings):
            groups[("country", self.located[node])].append(node)
            for owner in self.owners[node]:
                groups[("company", owner)].append(node)
        return dict(groups)

    def members(self, kind: str, ident: str) -> list[str]:
        """A candidate's plants that handle the key."""
        if kind == "facility":
            return [ident] if ident in self.holdings else []
        return self.groups.get((kind, ident), [])

    @cached_property
    def unquantified(self) -> list[str]:
        """The plants nothing bounds: no usable figure and no country figure bounding them."""
        capped = {c for c in self.caps if self.capped(c)}
        return sorted(n for n, h in self.holdings.items() if math.isinf(h.range.high) and self.located[n] not in capped)

    @cached_property
    def dominant(self) -> frozenset[tuple[str, str]]:
        """The candidates that hold every facility handling the key (a country or company that
        holds them all; the facility, where there is one)."""
        if not self.holdings:
            return frozenset()
        countries = {self.located[n] for n in self.holdings}
        common = set.intersection(*(set(self.owners[n]) for n in self.holdings))
        found = {("company", o) for o in common} | (
            {("country", next(iter(countries)))} if len(countries) == 1 else set()
        )
        if len(self.holdings) == 1:
            found.add(("facility", next(iter(self.holdings))))
        return frozenset(found)

    @property
    def evidence(self) -> tuple[Amount, ...]:
        """Every figure used, sorted by id (ore shares: in each holding's ``figures``)."""
        found = {a for h in (*self.holdings.values(), *self.caps.values()) for a in h.amounts}
        return tuple(sorted(found, key=lambda a: a.id))

    @property
    def sources(self) -> tuple[str, ...]:
        """The sources of every figure used, the ore compositions an amount rests on included."""
        found = {s for a in self.evidence for s in a.sources}
        found.update(s for h in self.holdings.values() for x in h.figures for s in x.sources)
        return tuple(sorted(found))

    @property
    def stale(self) -> tuple[Amount, ...]:
        """Every figure left out as stale, sorted by id."""
        found = {a for h in (*self.holdings.values(), *self.caps.values()) for a in h.stale}
        return tuple(sorted(found, key=lambda a: a.id))

    def capped(self, country: str) -> bool:
        """Whether the country's own figure bounds its plants from above."""
        cap = self.caps.get(country)
        return cap is not None and cap.range.bounded

    def countries(self, *, flow: bool = True) -> list[str]:
        """The countries with an amount: those with plants (and, but for flows, a figure of their own)."""
        return sorted(self.tallies if flow else {*self.tallies, *self.caps})

    def without(self, plants: Collection[str]) -> StageTable:
        """The table with ``plants`` gone (a scenario's stopped plants): their holdings, and with
        them their figures, out of every sum, count and list; the countries' own figures stay."""
        gone = self.holdings.keys() & set(plants)
        if not gone:
            return self
        holdings = {n: h for n, h in self.holdings.items() if n not in gone}
        return replace(self, holdings=holdings, tallies=_tallies(holdings, self.located), handlers=len(holdings))


def country_range(
    table: StageTable,
    country: str,
    lost: Tally = NOTHING,
    *,
    scaled: Sequence[tuple[Range, float]] = (),
    flow: bool = True,
    bounded_only: bool = False,
) -> Range:
    """What ``country`` holds of the table's key once plants summing to ``lost`` are gone and the
    plants in ``scaled`` (their ranges, not among ``lost``) make ``factor`` times what they did.

    Its plants' sums bound it; its own figure, where it has one, bounds it too: the plants left hold
    at least the figure's lower bound less the most the change can take away, and at most its upper
    bound less the least it takes away (plus the most a plant scaled up can add). For flows
    (``flow``) a country passes only through its plants; otherwise its own figure counts without
    them. ``bounded_only``: plants that nothing bounds are left out (the share of the quantified).
    """
    plants = table.tallies.get(country)
    cap = table.caps.get(country)
    if plants is None:
        if cap is None or flow:
            return Range(0.0, 0.0, 0.0)
        if bounded_only and math.isinf(cap.range.high):  # nothing quantified beyond what it guarantees
            return Range(cap.range.low, cap.range.low, None)
        return cap.range
    left = plants.minus(lost)
    taken_most = math.inf if lost.unbounded else lost.high  # the most the change takes away
    taken_least = lost.low
    taken_point: float | None = lost.point if lost.pointless == 0 and not lost.unbounded else None
    for r, factor in scaled:
        left = left.minus(tally([r])).plus(tally([r.scaled(factor)]))
        shrink = 1.0 - factor  # > 0: the plant gives up part of its output; < 0: it adds
        if shrink:
            taken_most += shrink * (r.high if shrink > 0 else r.low)
            taken_least += shrink * (r.low if shrink > 0 else r.high)
            taken_point = None if taken_point is None or r.point is None else taken_point + shrink * r.point
    unbounded = left.unbounded > 0
    low = left.low
    high = math.inf if unbounded else left.high
    point = left.point if left.pointless == 0 and not unbounded else None
    if cap is not None:
        low = max(low, cap.range.low - taken_most)
        high = min(high, cap.range.high - taken_least)
        if cap.range.point is not None and taken_point is not None:
            point = cap.range.point - taken_point  # else the plants' own point, where they all have one
    if math.isinf(high) and bounded_only:
        high = left.high
        point = left.point if left.pointless == 0 else None
    return _clean(low, high, point)


def _clean(low: float, high: float, point: float | None) -> Range:
    """A range with sums' residues (-1e-13 for nothing) removed and ``low <= point <= high``
    (where figures disagree, the tighter bound holds)."""
    high = max(0.0, high)
    low = min(max(0.0, low), high)
    if point is not None:
        point = min(max(point, low), high)
    return Range(low, high, point)


def stage_table(
    G: nx.DiGraph,
    key: str,
    stage: str,
    tables: Tables | None = None,
    *,
    unit: str = "flow",
    year: int | None = None,
) -> StageTable:
    """The :class:`StageTable` of ``key`` at ``stage``, from ``tables`` when already computed.
    Figures older than ``G.graph["max_age"]`` years (default :data:`~reegraph.model.MAX_AGE`)
    before the as-of year are stale; with ``year``, only the figures of that year count.

    Raises
    ------
    InputError
        A figure in t REO for an element with no oxide factor.
    """
    tables = {} if tables is None else tables
    index = _index(G, tables, year)
    cache_key = (id(G), key, stage, unit, index.oldest, year)
    if cache_key not in tables:
        tables[cache_key] = _build_table(index, key, key_members(G, key), stage, unit)
    return tables[cache_key]


#: What ``ALL`` stands for in a network that declares no elements: its all-element figures count.
_ANY = frozenset({"ALL"})


def oldest_year(G: nx.DiGraph) -> int:
    """The oldest year whose figures are not stale: ``max_age`` years before the as-of year, or
    before the data's vintage where the date lies beyond it (``build_network`` sets the vintage: a
    scenario set in 2028 reads today's figures)."""
    year = as_of_year(G)
    return min(year, G.graph.get("vintage", year)) - G.graph.get("max_age", MAX_AGE)


def named_at(G: nx.DiGraph, key: str, stage: str, tables: Tables, year: int | None = None) -> bool:
    """Whether some figure in ``stage``'s basis names an element of ``key`` (``ALL``: always), so
    that its concentration table is worth building."""
    members = key_members(G, key)
    return key == "ALL" or _index(G, tables, year).names(stage, _bases("stage", key, stage), members)


def key_members(G: nx.DiGraph, key: str) -> frozenset[str]:
    """The element symbols a key stands for: every one that tonnages of rare-earth oxide count for
    ``ALL`` (not scandium: :data:`~reegraph.model.OUTSIDE_REO`), a group's members, the symbols of a
    joint key (``Nd+Pr``), or the symbol itself."""
    elements = G.graph.get("elements", {})
    if key == "ALL":
        return frozenset(elements) - OUTSIDE_REO or _ANY
    groups = G.graph.get("groups", {})
    if key in groups:
        return frozenset(groups[key])
    return frozenset(key.split("+"))


def joint_key(elements: Iterable[str]) -> str:
    """The key of a joint figure's elements (``Nd+Pr``).

    Examples
    --------
    >>> joint_key(["Pr", "Nd"])
    'Nd+Pr'
    """
    return "+".join(sorted(elements))


class _Index:
    """What every table needs, gathered in one pass over the network: facilities by stage with their
    figures and what they handle, the countries' own figures, the end uses."""

    def __init__(self, G: nx.DiGraph, year: int | None = None) -> None:
        self.exact = year is not None
        self.year = as_of_year(G) if year is None else year
        self.oldest = oldest_year(G)
        self.every = frozenset(G.graph.get("elements", {})) - OUTSIDE_REO or _ANY  # what an all-element figure covers
        self.plants: dict[str, list[tuple[str, frozenset[str] | None, list[Amount], list[Amount], tuple[Ore, ...]]]] = (
            defaultdict(list)
        )
        self.caps: dict[str, list[tuple[str, list[Amount], list[Amount]]]] = defaultdict(list)
        self.end_uses: list[tuple[str, dict]] = []
        self.country: dict[str, str] = {}
        self.owners: dict[str, tuple[str, ...]] = {}
        self.joint: dict[str, set[str]] = defaultdict(set)  # per stage basis: joint keys some figure names
        self.named: dict[tuple[str, str], set[str]] = defaultdict(set)  # per stage and basis: symbols figures name
        for node, data in sorted(G.nodes(data=True)):
            kind = data["kind"]
            if kind == END_USE:
                self.end_uses.append((node, data))
            elif kind in (MARKET, FACILITY):
                operating = kind == MARKET or data.get("status", "operating") == "operating"
                fresh, stale = self._figures(data.get("amounts", ()), operating)
                for amount in (*fresh, *stale):
                    self.named[(data["stage"], amount.basis)].update(amount.elements)
                if kind == MARKET:
                    self.caps[data["stage"]].append((data["country"], fresh, stale))
                    continue
                self.country[node] = data["country"]
                self.owners[node] = data.get("owners") or ((data["owner"],) if data.get("owner") else ())
                handles = frozenset(data.get("handles", ()))
                ores = data.get("ores", ())
                for ore in ores:
                    self.named[(data["stage"], "t REO")].update(e for x in ore.shares for e in x.elements)
                self.plants[data["stage"]].append(
                    (node, None if not handles or handles == self.every else handles, fresh, stale, ores)
                )

    def names(self, stage: str, bases: Iterable[str], members: frozenset[str]) -> bool:
        """Whether some figure at ``stage`` in one of ``bases`` names some of ``members`` (a figure for
        all rare earths names none: it speaks of every key that holds all of them only)."""
        return any(not members.isdisjoint(self.named.get((stage, basis), ())) for basis in bases)

    def _figures(self, amounts: Iterable[Amount], operating: bool) -> tuple[list[Amount], list[Amount]]:
        fresh: list[Amount] = []
        stale: list[Amount] = []
        for amount in amounts:
            if amount.kind not in ("production", "capacity") or (self.exact and amount.year != self.year):
                continue
            if amount.year > self.year and (operating or amount.kind == "production"):
                continue  # not yet a fact (a plant not yet operating counts with its planned capacity)
            is_stale = amount.year < self.oldest and not self.exact
            (stale if is_stale else fresh).append(amount)
            if len(amount.elements) > 1 and not is_stale:
                self.joint[amount.basis].add(joint_key(amount.elements))
        return fresh, stale


def _index(G: nx.DiGraph, tables: Tables, year: int | None = None) -> _Index:
    key = (id(G), "index", G.graph.get("max_age", MAX_AGE), year)
    if key not in tables:
        tables[key] = _Index(G, year)
    return tables[key]


def figure_years(G: nx.DiGraph, stage: str) -> list[int]:
    """The years of the production and capacity figures in ``stage``'s basis, up to the as-of year."""
    basis, year = STAGE_BASIS.get(stage), as_of_year(G)
    return sorted(
        {
            a.year
            for _, d in G.nodes(data=True)
            if d.get("stage") == stage and d["kind"] in (FACILITY, MARKET)
            for a in d.get("amounts", ())
            if a.basis == basis and a.kind in ("production", "capacity") and a.year <= year
        }
    )


def joint_keys(G: nx.DiGraph, stage: str, tables: Tables | None = None) -> list[str]:
    """The joint keys (``Nd+Pr``) that figures in ``stage``'s basis name, sorted."""
    return sorted(_index(G, {} if tables is None else tables).joint.get(STAGE_BASIS.get(stage, ""), ()))


def _bases(unit: str, key: str, stage: str) -> frozenset[str]:
    """The bases a table reads: the stage's for concentration; for flows, t REO for ``ALL`` and the
    element bases for a symbol (oxide converted)."""
    if unit == "stage":
        return frozenset({STAGE_BASIS[stage]}) if stage in STAGE_BASIS else frozenset()
    return frozenset({"t REO"}) if key == "ALL" else ELEMENT_BASES


def _build_table(index: _Index, key: str, members: frozenset[str], stage: str, unit: str) -> StageTable:
    bases = _bases(unit, key, stage)
    symbol = next(iter(members)) if unit == "flow" and key != "ALL" and len(members) == 1 else None
    measured = STAGE_BASIS.get(stage) in bases
    holdings: dict[str, Holding] = {}
    shapes: dict[tuple, Holding] = {}
    for node, handles, fresh, stale, ores in index.plants.get(stage, ()):
        relevant = members - OUTSIDE_REO if handles is None else members & handles
        if not relevant:
            continue
        if ores and key != "ALL" and "t REO" in bases:
            holding = _holding(fresh, stale, relevant, handles or index.every, bases, symbol)
            holdings[node] = _by_ore(holding, fresh, relevant, handles or index.every, ores, symbol)
            continue
        if len(fresh) + len(stale) == 1 and (not fresh or fresh[0].value > 0):
            # most plants: one figure; the holding has the same shape for all such plants, scaled
            amount = (fresh or stale)[0]
            signature = (bool(fresh), amount.kind, amount.basis, amount.elements, handles)
            if signature not in shapes:
                one = [amount._replace(value=1.0)]
                shapes[signature] = _holding(one if fresh else [], [] if fresh else one, relevant,
                                             handles or index.every, bases, symbol)  # fmt: skip
            shape = shapes[signature]
            if shape.figures:
                holdings[node] = Holding(shape.range.scaled(amount.value), shape.reason, (amount,), ())
            else:
                holdings[node] = Holding(shape.range, shape.reason, (), (amount,) if shape.stale else ())
            continue
        holdings[node] = _holding(fresh, stale, relevant, handles or index.every, bases, symbol)
    caps: dict[str, Holding] = {}
    for country, fresh, stale in index.caps.get(stage, ()):
        if any(a.basis in bases and set(a.elements or index.every) & members for a in (*fresh, *stale)):
            caps[country] = _holding(fresh, stale, members, index.every, bases, symbol)
    return StageTable(
        stage=stage,
        key=key,
        unit=unit,
        basis=(STAGE_BASIS.get(stage, "") if unit == "stage" else "t REO" if key == "ALL" else "t contained element"),
        measured=measured,
        holdings=holdings,
        caps=caps,
        tallies=_tallies(holdings, index.country),
        handlers=len(holdings),
        named=index.names(stage, bases, members) or (key == "ALL" and bool(holdings or caps) and unit == "stage"),
        located=index.country,
        owners=index.owners,
    )


def _tallies(holdings: Mapping[str, Holding], located: Mapping[str, str]) -> dict[str, Tally]:
    """Each country's :class:`Tally` of its plants' holdings."""
    by_country: dict[str, list[Range]] = defaultdict(list)
    for node, holding in holdings.items():
        by_country[located[node]].append(holding.range)
    return {c: tally(ranges) for c, ranges in by_country.items()}


def _holding(
    fresh: list[Amount],
    stale: list[Amount],
    relevant: frozenset[str],
    scope: frozenset[str],
    bases: frozenset[str],
    symbol: str | None,
) -> Holding:
    """A holder's amount of the ``relevant`` elements from its figures (the rules in the module's
    docstring); ``scope``: the elements it handles, which an all-element figure covers."""
    usable = [a for a in fresh if a.basis in bases]
    if len(usable) <= 1 and not stale:  # most holders: one figure or none, the rules in short
        if not usable:
            return Holding(UNKNOWN, "unknown", (), ())
        amount = usable[0]
        elements = scope & frozenset(amount.elements) if amount.elements else scope
        if elements.isdisjoint(relevant):
            return Holding(UNKNOWN, "unknown", (), ())
        else:
            value = _value(amount, symbol)
            low = value if amount.kind == "production" and elements <= relevant else 0.0
            high = value if elements >= relevant else math.inf
            if low == high:
                return Holding(Range(high, high, high), "production", (amount,), ())
            reason = "partial" if math.isinf(high) else "capacity" if elements <= relevant else "joint"
            return Holding(Range(low, high), reason, (amount,), ())
    best: dict[frozenset[str], tuple[tuple, Amount]] = {}
    for amount in usable:
        elements = scope & frozenset(amount.elements) if amount.elements else scope
        if not elements & relevant:
            continue
        rank = (amount.kind == "production", amount.year, amount.id)
        if elements not in best or rank > best[elements][0]:
            best[elements] = (rank, amount)
    old = tuple(a for a in stale if a.basis in bases and (not a.elements or set(a.elements) & relevant))
    if not best:
        return Holding(UNKNOWN, "stale" if old else "unknown", (), old)
    figures = [(elements, amount, _value(amount, symbol)) for elements, (_, amount) in best.items()]
    # lower bound: disjoint production figures inside the key, broadest first
    low, taken = 0.0, set[str]()
    for elements, amount, value in sorted(figures, key=lambda f: (-len(f[0]), -f[2], f[1].id)):
        if amount.kind == "production" and elements <= relevant and not elements & taken:
            low += value
            taken |= elements
    # upper bound: each element by its smallest figure, or one figure holding them all
    chosen: dict[str, tuple[float, str]] = {}
    for elements, amount, value in figures:
        for element in elements & relevant:
            if element not in chosen or (value, amount.id) < chosen[element]:
                chosen[element] = (value, amount.id)
    high = math.fsum({fid: v for v, fid in chosen.values()}.values()) if len(chosen) == len(relevant) else math.inf
    high = min([high, *(value for elements, _, value in figures if elements >= relevant)])
    used = tuple(sorted((a for _, a, _ in figures), key=lambda a: a.id))
    if low > high:  # its figures disagree (an all-element output above its per-element figures): span both
        return Holding(Range(high, low), "conflict", used, old)
    if low == high:
        return Holding(Range(high, high, high), "production", used, old)
    if math.isinf(high):
        reason = "partial"
    elif any(not elements <= relevant for elements, _, _ in figures):
        reason = "joint"
    else:
        reason = "capacity"
    return Holding(Range(low, high), reason, used, old)


def _value(amount: Amount, symbol: str | None) -> float:
    """A figure in the table's unit: oxide tonnes converted to the element for a symbol's flow."""
    return amount.value * _factor(symbol, amount.id) if amount.basis == "t REO" else amount.value


def _factor(symbol: str | None, what: str) -> float:
    """Tonnes of ``symbol`` in a tonne of its oxide (1 for no symbol: tonnes stay oxide)."""
    if symbol is None:
        return 1.0
    if symbol not in OXIDE_TO_ELEMENT:
        raise InputError(f"{what}: no oxide-to-element factor for {symbol!r} (not a rare earth?)")
    return OXIDE_TO_ELEMENT[symbol]


def ore_share(ores: Sequence[Ore], members: frozenset[str]) -> Range | None:
    """The share of ``members`` in the total rare-earth oxide of what a plant extracts or is fed
    (``None`` where no ore is known). In one ore: at least the shares of statements inside the
    members, at most those of the statements that touch them (without bound where a member is in no
    statement), and never more than the whole less the statements outside them; the point where
    every statement touching them lies inside and has one. Over several ores in unknown
    proportions: the lowest low and the highest high.

    Examples
    --------
    An ore of 50% Ce, 30% La and 15-20% NdPr (jointly): Nd alone is 0-20%; Nd and Pr are 15-20%;
    an element no statement names is at most what the others leave (5%).

    >>> from reegraph.model import Ore, OreShare
    >>> ore = Ore("ore/x", (OreShare("c/ce", ("Ce",), 0.5, 0.5, 0.5, 2024),
    ...                     OreShare("c/la", ("La",), 0.3, 0.3, 0.3, 2024),
    ...                     OreShare("c/ndpr", ("Nd", "Pr"), 0.15, 0.2, None, 2024)))
    >>> ore_share([ore], frozenset({"Nd"})), ore_share([ore], frozenset({"Nd", "Pr"}))
    (Range(low=0.0, high=0.2, point=None), Range(low=0.15, high=0.2, point=None))
    >>> round(ore_share([ore], frozenset({"Sm"})).high, 6)
    0.05
    """
    if not ores:
        return None
    lows, highs, points = [], [], []
    for ore in ores:
        inside = [x for x in ore.shares if members.issuperset(x.elements)]
        touching = [x for x in ore.shares if not members.isdisjoint(x.elements)]
        named = {e for x in ore.shares for e in x.elements}
        rest = round(1.0 - math.fsum(x.low for x in ore.shares if members.isdisjoint(x.elements)), 12)
        high = max(0.0, min(1.0, rest, math.fsum(x.high for x in touching) if members <= named else math.inf))
        low = min(math.fsum(x.low for x in inside), high)
        exact = len(inside) == len(touching) and members <= named and all(x.point is not None for x in inside)
        lows.append(low)
        highs.append(high)
        points.append(min(max(math.fsum(x.point or 0.0 for x in inside), low), high) if exact else None)
    return Range(min(lows), max(highs), points[0] if len(points) == 1 else None)


def _by_ore(
    holding: Holding,
    fresh: list[Amount],
    relevant: frozenset[str],
    scope: frozenset[str],
    ores: Sequence[Ore],
    symbol: str | None,
) -> Holding:
    """A plant's amount of ``relevant`` from its all-rare-earth figure and its ores' compositions,
    within what its own figures (``holding``) allow."""
    share = ore_share(ores, relevant)
    total = _holding(fresh, [], scope, scope, frozenset({"t REO"}), None)
    if share is None or not total.figures:
        return holding
    factor = _factor(symbol, total.figures[0].id)

    def times(amount: float, fraction: float) -> float:
        return 0.0 if fraction == 0 else amount * fraction * factor

    t, own = total.range, holding.range
    derived = Range(
        times(t.low, share.low),
        times(t.high, share.high),
        None if t.point is None or share.point is None else times(t.point, share.point),
    )
    low, high = max(own.low, derived.low), min(own.high, derived.high)
    if (low, high) == (own.low, own.high):
        return holding
    used = [x for o in ores for x in o.shares if not relevant.isdisjoint(x.elements)] or [
        x for o in ores for x in o.shares
    ]
    figures = tuple(sorted({*holding.figures, *total.figures, *used}, key=lambda a: a.id))
    if low > high:  # the element's own figures and its ore disagree: span both
        return Holding(Range(high, low), "conflict", figures, holding.stale)
    point = own.point if own.point is not None else derived.point
    return Holding(_clean(low, high, point), "ore", figures, holding.stale)


def country_of(G: nx.DiGraph, tables: Tables) -> dict[str, str]:
    """Each facility's country."""
    return _index(G, tables).country


def end_use_groups(G: nx.DiGraph, element: str, tables: Tables) -> dict[str, list[str]]:
    """The end uses that depend on ``element`` (for ``ALL``: on any element that tonnages of rare-earth
    oxide count), by the stage that feeds them."""
    groups: dict[str, list[str]] = defaultdict(list)
    members = key_members(G, element)  # ALL: not an end use of scandium alone
    for node, data in _index(G, tables).end_uses:
        if members == _ANY or not data["elements"] or not members.isdisjoint(data["elements"]):
            groups[feeding_stage(G, node, element)].append(node)
    return groups


def mandatory_stages(G: nx.DiGraph, feeding: str, tables: Tables | None = None) -> list[str]:
    """The stages every flow to an end use fed from ``feeding`` must cross, in order."""
    present = _index(G, {} if tables is None else tables).plants
    chain = FLOW_STAGES[: FLOW_STAGES.index(feeding) + 1] if feeding in FLOW_STAGES else FLOW_STAGES
    return [s for s in chain if s in present and s not in OPTIONAL_STAGES]


def handlers(G: nx.DiGraph, element: str, stage: str) -> list[str]:
    """The facilities at ``stage`` that can pass ``element``, sorted."""
    if element != "ALL":
        return [n for n in facilities(G, stage=stage) if element in G.nodes[n]["handles"]]
    members = key_members(G, "ALL")  # a plant of scandium alone carries none of what ALL counts
    return [
        n
        for n in facilities(G, stage=stage)
        if members == _ANY or not G.nodes[n]["handles"] or not members.isdisjoint(G.nodes[n]["handles"])
    ]
