"""Concentration of each stage: each country's share and the Herfindahl-Hirschman index, as ranges
over what the evidence allows, with the coverage behind them.

Amounts are the ranges of :mod:`reegraph.analysis.capacity` in the stage's basis. Shares are of the
*quantified* output: plants that nothing bounds (no figure, or only stale ones, and no country
figure above them) are left out of the shares and counted in the coverage instead, by name. An
entry whose quantified output sits in one country while other countries have plants without
figures, or where no holder has a production figure at all, says "not enough data" instead of a
share.

References
----------
US Department of Justice and Federal Trade Commission, *Merger Guidelines* (2023), section 2.1:
HHI on the 0-10,000 scale; above 1,800 a market is highly concentrated.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import networkx as nx

from reegraph.analysis.capacity import (
    StageTable,
    Tables,
    country_of,
    country_range,
    figure_years,
    joint_keys,
    named_at,
    stage_table,
    tally,
)
from reegraph.model import STAGE_BASIS, Range, add_ranges, fmt_span, node_label

#: DOJ/FTC (2023): a market with an HHI above this is highly concentrated.
HHI_THRESHOLD = 1800.0
#: The highest HHI is found exactly among up to this many countries with uncertain amounts (2^n
#: corners), by local search beyond.
EXACT_HHI_MAX = 12

#: The statuses of a :class:`Concentration` entry.
STATUSES = ("complete", "partial", "not enough data")


@dataclass(frozen=True)
class Share:
    """A country's share of one stage and key: its amount and its share as ranges (the share's
    point where every country's amount has one), the sources behind it."""

    country: str
    amount: Range
    share: Range
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Coverage:
    """What an entry rests on: how many facilities handle the key, how many hold what they do for
    each reason (:data:`~reegraph.analysis.capacity.REASONS`), which have no usable figure
    (nothing bounds them; ``stale``: only old figures), how much of the quantified output rests on
    facility figures rather than countries' own, and the span of years of the figures used."""

    holders: int
    reasons: dict[str, int]
    unquantified: tuple[str, ...]
    stale: tuple[tuple[str, int], ...]
    from_facilities: float | None
    years: tuple[int, ...]


@dataclass(frozen=True)
class Concentration:
    """How concentrated one stage is for one key (``ALL``, an element, a group, a joint set such as
    ``Nd+Pr``): the quantified total, the country shares and the HHI as ranges, the coverage, and a
    status (one of :data:`STATUSES`) with a sentence saying what is missing."""

    stage: str
    element: str
    by: str
    basis: str
    year: int | None
    total: Range
    hhi: Range | None
    shares: tuple[Share, ...]
    coverage: Coverage
    status: str
    note: str
    sources: tuple[str, ...]

    @property
    def highly_concentrated(self) -> bool | None:
        """True when even the lowest HHI the evidence allows is above the DOJ/FTC threshold of
        1,800, False when the highest is at or below it, None in between or without data."""
        if self.hhi is None:
            return None
        if self.hhi.low > HHI_THRESHOLD:
            return True
        return False if self.hhi.high <= HHI_THRESHOLD else None

    @property
    def span(self) -> str:
        """The years of the figures behind the entry (``2018-2024``; ``""`` without any)."""
        return fmt_span(self.coverage.years)


def hhi(shares: Iterable[float]) -> float:
    """Herfindahl-Hirschman index of fractional shares, on the 0-10,000 scale.

    Examples
    --------
    >>> hhi([0.5, 0.5])
    5000.0
    >>> hhi([1.0])
    10000.0
    """
    return round(sum((100 * s) ** 2 for s in shares), 6)


def share_ranges(amounts: Sequence[Range]) -> list[Range]:
    """Each amount's share of the sum, as the range it can take while every amount moves within its
    own (its own high against the others' lows, its low against their highs); the point where every
    amount has one.

    Examples
    --------
    >>> share_ranges([Range(60.0, 60.0, 60.0), Range(0.0, 40.0)])
    [Range(low=0.6, high=1.0, point=None), Range(low=0.0, high=0.4, point=None)]
    """
    lows = math.fsum(a.low for a in amounts)
    highs = math.fsum(a.high for a in amounts)
    points = [a.point for a in amounts]
    total_point = None if None in points else math.fsum(p for p in points if p is not None)
    result = []
    for a in amounts:
        low = a.low / (a.low + highs - a.high) if a.low > 0 else 0.0
        rest = lows - a.low
        high = a.high / (a.high + rest) if a.high > 0 else 0.0
        point = a.point / total_point if total_point and a.point is not None else None
        result.append(Range(low, high, point))
    return result


def hhi_range(amounts: Sequence[Range]) -> Range:
    """The lowest and highest HHI the amounts allow (each within its range), and the HHI at the
    points where every amount has one.

    The lowest is exact: at the minimum every amount is clipped to one common level, so a scan of
    that level suffices. The highest lies at a corner of the ranges: exact among up to
    :data:`EXACT_HHI_MAX` uncertain amounts, else the best corner a local search finds (never below
    the point's).

    Examples
    --------
    >>> hhi_range([Range(50.0, 50.0, 50.0), Range(0.0, 50.0)])
    Range(low=5000.0, high=10000.0, point=None)
    """
    points = [a.point for a in amounts]
    point = None if None in points or not sum(points) else _hhi_of(points)  # type: ignore[arg-type]
    low = _lowest(amounts)
    high = _highest(amounts)
    if point is not None:
        low, high = min(low, point), max(high, point)
    return Range(round(low, 6), round(high, 6), None if point is None else round(point, 6))


def _hhi_of(values: Sequence[float]) -> float:
    total = math.fsum(values)
    return 10_000 * math.fsum(v * v for v in values) / (total * total) if total > 0 else math.inf


def _lowest(amounts: Sequence[Range]) -> float:
    cuts = sorted({v for a in amounts for v in (a.low, a.high)})
    candidates = set(cuts)
    for left, right in itertools.pairwise(cuts):
        inside = [a for a in amounts if a.low <= left and a.high >= right]
        # below the level an amount sits at its high, above it at its low
        fixed = [a.high if a.high <= left else a.low for a in amounts if not (a.low <= left and a.high >= right)]
        c, d = math.fsum(v * v for v in fixed), math.fsum(fixed)
        if inside and d > 0:
            candidates.add(min(max(c / d, left), right))
    best = math.inf
    for level in candidates:
        best = min(best, _hhi_of([min(max(level, a.low), a.high) for a in amounts]))
    return 0.0 if math.isinf(best) else best


def _highest(amounts: Sequence[Range]) -> float:
    uncertain = [i for i, a in enumerate(amounts) if a.low < a.high]
    base = [a.low for a in amounts]
    if len(uncertain) <= EXACT_HHI_MAX:
        best = 0.0
        for corner in itertools.product((False, True), repeat=len(uncertain)):
            values = list(base)
            for i, up in zip(uncertain, corner, strict=True):
                if up:
                    values[i] = amounts[i].high
            value = _hhi_of(values)
            best = max(best, value if math.isfinite(value) else 0.0)
        return best
    best = 0.0
    for start in uncertain:  # one large, the rest small; then flip any corner that helps
        values = list(base)
        values[start] = amounts[start].high
        improved = True
        while improved:
            improved = False
            for i in uncertain:
                flipped = list(values)
                flipped[i] = amounts[i].low if values[i] == amounts[i].high else amounts[i].high
                if _hhi_of(flipped) > _hhi_of(values) + 1e-9:
                    values, improved = flipped, True
        best = max(best, _hhi_of(values))
    return best


def compute_concentration(
    G: nx.DiGraph,
    *,
    by: str = "location",
    stages: Iterable[str] | None = None,
    elements: Iterable[str] | None = None,
    all_years: bool = False,
    tables: Tables | None = None,
) -> list[Concentration]:
    """Country shares of each stage, for all rare earths (``ALL``), each element, each group and
    each joint set that figures name (``Nd+Pr``), wherever some figure speaks of the key.

    Each holder counts with its latest figures up to the as-of date that are not stale (see
    :mod:`reegraph.analysis.capacity`); with ``all_years`` every year with figures gets its own
    entry from that year's figures alone.

    Parameters
    ----------
    G
        The network of :func:`reegraph.network.project.build_network`.
    by
        ``location`` (the facility's country) or ``ownership`` (its ultimate owner's country).
    stages, elements
        Restrict the output (element symbols, group names, joint keys or ``ALL``).
    all_years
        One entry per year with data instead of the latest figures.

    Examples
    --------
    A star: one country holds everything.

    >>> from reegraph.network.ops import make_network
    >>> G = make_network([("a", "mining", "CN", 60.0), ("b", "mining", "CN", 40.0)])
    >>> [(c.element, c.hhi.point, c.shares[0].share.point) for c in compute_concentration(G)]
    [('ALL', 10000.0, 1.0)]
    """
    if by not in ("location", "ownership"):
        raise ValueError(f"by must be 'location' or 'ownership', not {by!r}")
    tables = {} if tables is None else tables
    wanted = set(elements) if elements else None
    results = []
    for stage in [s for s in STAGE_BASIS if not stages or s in set(stages)]:
        keys = ["ALL", *G.graph.get("elements", {}), *G.graph.get("groups", {}), *joint_keys(G, stage, tables)]
        years: list[int | None] = [*figure_years(G, stage)] if all_years else [None]
        for key in dict.fromkeys(keys):
            if wanted is not None and key not in wanted:
                continue
            for year in years:
                if wanted is None and not named_at(G, key, stage, tables, year):
                    continue
                table = stage_table(G, key, stage, tables, unit="stage", year=year)
                if (table.named or wanted is not None) and (table.holdings or table.caps):
                    results.append(_entry(G, table, by, year, tables))
    return results


def _entry(G: nx.DiGraph, table: StageTable, by: str, year: int | None, tables: Tables) -> Concentration:
    located = country_of(G, tables)
    unquantified = table.unquantified
    amounts = _amounts(G, table, by, located)
    quantified = {c: r for c, r in amounts.items() if r.high > 0}
    countries = sorted(quantified)
    ranges = [quantified[c] for c in countries]
    if by == "ownership":  # owners' amounts overlap under a location's figure: the total is the locations'
        located_amounts = [r for r in _amounts(G, table, "location", located).values() if r.high > 0]
        total = add_ranges(located_amounts) if located_amounts else Range(0.0, 0.0, 0.0)
        parts = [part_of(r, total) for r in ranges]
    else:
        total = add_ranges(ranges)
        parts = share_ranges(ranges)
    if not ranges and unquantified:
        total = Range(0.0, math.inf)  # nothing quantified: unknown
    others = {located[n] for n in unquantified} - set(countries)
    if total.low <= 0 or (len(countries) == 1 and others):
        status = "not enough data"
    else:
        status = "partial" if unquantified else "complete"
    shares: tuple[Share, ...] = ()
    hhi_value = None
    if status != "not enough data":
        sources = _sources(G, table, located, by)
        shares = tuple(
            sorted(
                (Share(c, r, s, sources.get(c, ())) for c, r, s in zip(countries, ranges, parts, strict=True)),
                key=lambda s: (-s.share.high, -s.share.low, s.country),
            )
        )
        hhi_value = hhi_range(ranges)
    used = table.evidence
    facility_high = math.fsum(
        min(h.range.high, total.high) for h in table.holdings.values() if h.range.bounded and h.figures
    )
    coverage = Coverage(
        holders=table.handlers,
        reasons=dict(sorted(Counter(h.reason for h in table.holdings.values()).items())),
        unquantified=tuple(unquantified),
        stale=tuple((a.id, a.year) for a in table.stale),
        from_facilities=min(1.0, facility_high / total.high) if total.high > 0 else None,
        years=tuple(sorted({a.year for a in used})),
    )
    return Concentration(
        stage=table.stage,
        element=table.key,
        by=by,
        basis=table.basis,
        year=year,
        total=total,
        hhi=hhi_value,
        shares=shares,
        coverage=coverage,
        status=status,
        note=_note(G, table, status, countries, unquantified, total),
        sources=table.sources,
    )


def part_of(amount: Range, total: Range) -> Range:
    """An amount's share of a total that holds it (the rest of the total is at least the total's low
    end less the amount's high end, at most its high end less the amount's low end)."""
    low = amount.low / total.high if total.high > 0 else 0.0
    high = min(1.0, amount.high / max(amount.high, total.low)) if 0 < amount.high < math.inf else float(amount.high > 0)
    point = amount.point / total.point if amount.point is not None and total.point else None
    return Range(low, max(low, high), point)


def _amounts(G: nx.DiGraph, table: StageTable, by: str, located: dict[str, str]) -> dict[str, Range]:
    """Each country's quantified amount: by location, the country's range; by ownership, each
    owner country's plants in each location, bounded by that location's figure (what the location
    holds without the other owners' plants), summed over locations."""
    countries = table.countries(flow=False)
    if by == "location":
        return {c: country_range(table, c, flow=False, bounded_only=True) for c in countries}
    owned: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for node in table.holdings:
        owned[located[node]][G.nodes[node].get("owner_country") or located[node]].append(node)
    parts: dict[str, list[Range]] = defaultdict(list)
    for country in countries:
        if country not in owned:  # a country's own figure with no plant: the country holds it
            parts[country].append(country_range(table, country, flow=False, bounded_only=True))
            continue
        for owner in owned[country]:
            others = [table.holdings[n].range for o, ns in owned[country].items() if o != owner for n in ns]
            parts[owner].append(country_range(table, country, tally(others), flow=False, bounded_only=True))
    return {c: add_ranges(rs) for c, rs in parts.items()}


def _sources(G: nx.DiGraph, table: StageTable, located: dict[str, str], by: str) -> dict[str, tuple[str, ...]]:
    """The sources of each country's amount: its plants' figures (by owner's country with
    ``ownership``) and its own figure."""
    found: dict[str, set[str]] = defaultdict(set)
    for node, holding in table.holdings.items():
        held = G.nodes[node].get("owner_country") or located[node] if by == "ownership" else located[node]
        found[held].update(s for a in holding.figures for s in a.sources)
    for country, cap in table.caps.items():
        found[country].update(s for a in cap.figures for s in a.sources)
    return {c: tuple(sorted(s)) for c, s in found.items()}


def _note(
    G: nx.DiGraph, table: StageTable, status: str, countries: list[str], unquantified: list[str], total: Range
) -> str:
    """The entry's status in words: what is missing, by name."""
    what = "rare earths" if table.key == "ALL" else table.key
    missing = ""
    if unquantified:
        names = ", ".join(node_label(G.nodes[n], n) for n in unquantified[:3])
        more = f" and {len(unquantified) - 3} more" if len(unquantified) > 3 else ""
        missing = f"nothing bounds {len(unquantified)} of {table.handlers} plants ({names}{more})"
    if status == "not enough data":
        if not countries:
            reason = "no current figure bounds it"
        elif total.low <= 0:
            reason = "no production figure for it on its own (only capacities or joint figures bound it)"
        else:
            reason = f"figures only in {countries[0]}"
        return f"not enough data for {what} at {table.stage}: {reason}" + (f"; {missing}" if missing else "")
    if status == "partial":
        return f"shares of the quantified output; {missing}"
    return ""
