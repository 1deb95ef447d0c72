"""Concentration of each stage: country shares, the Herfindahl-Hirschman index, top-1 and top-3.

References
----------
US Department of Justice and Federal Trade Commission, *Merger Guidelines* (2023), section 2.1:
HHI on the 0-10,000 scale; above 1,800 a market is highly concentrated.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields

import networkx as nx

from reegraph.model import FACILITY, MARKET, STAGE_BASIS, Amount, as_of_year, is_market_id

#: DOJ/FTC (2023): a market with an HHI above this is highly concentrated.
HHI_THRESHOLD = 1800.0


@dataclass(frozen=True)
class Share:
    """A country's share of one stage and element."""

    country: str
    share: float
    amount: float
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Concentration:
    """How concentrated one stage is for one element (or ``ALL``, or a group), in one year."""

    stage: str
    element: str
    by: str
    year: int
    kind: str
    basis: str
    total: float
    hhi: float
    top1_share: float
    top3_share: float
    shares: tuple[Share, ...]
    computed_from: str
    years: tuple[int, ...]
    sources: tuple[str, ...]

    @property
    def highly_concentrated(self) -> bool:
        """True above the DOJ/FTC threshold of 1,800."""
        return self.hhi > HHI_THRESHOLD

    def as_dict(self) -> dict:
        """JSON-ready data (the report's ``concentration`` entries)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}  # shallow: asdict deep-copies
        data["shares"] = [
            {"country": s.country, "share": s.share, "amount": s.amount, "sources": list(s.sources)}
            for s in self.shares
        ]
        data["years"] = list(self.years)
        data["sources"] = list(self.sources)
        data["threshold"] = HHI_THRESHOLD
        data["highly_concentrated"] = self.highly_concentrated
        return data


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


def compute_concentration(
    G: nx.DiGraph,
    *,
    by: str = "location",
    stages: Iterable[str] | None = None,
    elements: Iterable[str] | None = None,
    all_years: bool = False,
) -> list[Concentration]:
    """Country shares of each stage, for all rare earths (``ALL``), each element and each group.

    Amounts come from facility figures; a country whose facilities carry no figure for the stage,
    element and kind, but which has a country figure (USGS mine production, China's oxide output),
    counts with that figure (``computed_from`` says which were used). Production is used where any
    exists, else capacity. Each holder counts with its latest figure up to the entry's year; with
    ``all_years`` every year gets its own entry from that year's figures alone.

    Parameters
    ----------
    G
        The network of :func:`reegraph.network.project.build_network`.
    by
        ``location`` (the facility's country) or ``ownership`` (its ultimate owner's country).
    stages, elements
        Restrict the output (element symbols, group names or ``ALL``).
    all_years
        One entry per year with data instead of the latest year only.

    Examples
    --------
    A star: one country holds everything.

    >>> from reegraph.network.ops import make_network
    >>> G = make_network([("a", "mining", "CN", 60.0), ("b", "mining", "CN", 40.0)])
    >>> [(c.element, c.hhi, c.top1_share) for c in compute_concentration(G)]
    [('ALL', 10000.0, 1.0)]
    """
    if by not in ("location", "ownership"):
        raise ValueError(f"by must be 'location' or 'ownership', not {by!r}")
    keys = _keys(G, elements)
    records = _records(G, by, as_of_year(G))
    results = []
    for stage in _stages(records, stages):
        buckets = _buckets(records[stage], keys)
        for key, members in keys.items():
            matching = buckets.get(key, [])
            for kind in ("production", "capacity"):
                chosen = [r for r in matching if r[3].kind == kind]
                if chosen:
                    years = sorted({r[3].year for r in chosen}) if all_years else [max(r[3].year for r in chosen)]
                    for year in years:
                        entry = _entry(stage, key, by, kind, year, chosen, exact=all_years, group=len(members) > 1)
                        if entry:
                            results.append(entry)
                    break
    return results


def _keys(G: nx.DiGraph, elements: Iterable[str] | None) -> dict[str, tuple[str, ...]]:
    keys: dict[str, tuple[str, ...]] = {"ALL": ()}
    keys.update({symbol: (symbol,) for symbol in G.graph.get("elements", {})})
    keys.update(G.graph.get("groups", {}))
    if elements:
        wanted = set(elements)
        keys = {k: v for k, v in keys.items() if k in wanted}
    return keys


def _stages(records: dict[str, list], stages: Iterable[str] | None) -> list[str]:
    chosen = [s for s in STAGE_BASIS if s in records]
    return [s for s in chosen if s in set(stages)] if stages else chosen


def _records(G: nx.DiGraph, by: str, year: int) -> dict[str, list[tuple[str, str, str, Amount]]]:
    """Per stage, (holder, location, country counted, amount) for every usable figure; a holder is a
    facility, or a market standing for its country's own figure."""
    records: dict[str, list[tuple[str, str, str, Amount]]] = {}
    for node, data in sorted(G.nodes(data=True)):
        if data["kind"] not in (FACILITY, MARKET) or data["stage"] not in STAGE_BASIS:
            continue
        stage = records.setdefault(data["stage"], [])
        basis = STAGE_BASIS[data["stage"]]
        owner = data["owner_country"] if by == "ownership" and data["kind"] == FACILITY else data["country"]
        for amount in data.get("amounts", ()):
            if amount.basis == basis and amount.kind in ("production", "capacity") and amount.year <= year:
                stage.append((node, data["country"], owner, amount))
    return records


def _buckets(records: list, keys: dict[str, tuple[str, ...]]) -> dict[str, list]:
    """The records each key counts: all-element figures for ``ALL``; figures naming a symbol for that
    symbol; figures whose elements all belong to a group for the group."""
    groups = {k: set(m) for k, m in keys.items() if len(m) > 1}
    buckets: dict[str, list] = defaultdict(list)
    for record in records:
        elements = record[3].elements
        if not elements:
            buckets["ALL"].append(record)
            continue
        for symbol in elements:
            if symbol in keys:
                buckets[symbol].append(record)
        for key, members in groups.items():
            if members.issuperset(elements):
                buckets[key].append(record)
    return buckets


def _entry(
    stage: str,
    key: str,
    by: str,
    kind: str,
    year: int,
    records: list[tuple[str, str, str, Amount]],
    *,
    exact: bool,
    group: bool,
) -> Concentration | None:
    # each holder's latest figures up to the year; for a group, non-overlapping ones, broadest first
    by_holder: dict[str, list[tuple[str, str, Amount]]] = defaultdict(list)
    for holder, location, country, amount in records:
        if amount.year <= year and (not exact or amount.year == year):
            by_holder[holder].append((location, country, amount))
    chosen: list[tuple[str, str, str, Amount]] = []
    for holder, figures in sorted(by_holder.items()):
        if group:
            ranked = sorted(figures, key=lambda f: (-len(f[2].elements), -f[2].year, f[2].id))
        else:
            ranked = sorted(figures, key=lambda f: (-f[2].year, len(f[2].elements), f[2].id))[:1]
        covered: set[str] = set()
        for location, country, amount in ranked:
            if covered & set(amount.elements):
                continue
            covered.update(amount.elements)
            chosen.append((holder, location, country, amount))
    # a country's own figure counts only for elements that none of its facilities report
    reported: dict[str, set[str]] = defaultdict(set)
    for holder, location, _, amount in chosen:
        if not is_market_id(holder):
            reported[location].update(amount.elements or ("ALL",))
    amounts: dict[str, float] = defaultdict(float)
    by_country: dict[str, set[str]] = defaultdict(set)
    used_facilities = used_countries = False
    sources: set[str] = set()
    years: set[int] = set()
    for holder, location, country, amount in chosen:
        is_market = is_market_id(holder)
        if is_market and reported[location] & set(amount.elements or ("ALL",)):
            continue
        amounts[country] += amount.value
        by_country[country].update(amount.sources)
        used_countries |= is_market
        used_facilities |= not is_market
        sources.update(amount.sources)
        years.add(amount.year)
    total = sum(amounts.values())
    if total <= 0:
        return None
    shares = tuple(
        sorted(
            (Share(c, v / total, v, tuple(sorted(by_country[c]))) for c, v in amounts.items()),
            key=lambda s: (-s.share, s.country),
        )
    )
    computed_from = " and ".join(
        w for w, used in (("facilities", used_facilities), ("countries", used_countries)) if used
    )
    return Concentration(
        stage=stage,
        element=key,
        by=by,
        year=year,
        kind=kind,
        basis=STAGE_BASIS[stage],
        total=total,
        hhi=hhi(s.share for s in shares),
        top1_share=shares[0].share,
        top3_share=sum(s.share for s in shares[:3]),
        shares=shares,
        computed_from=computed_from,
        years=tuple(sorted(years)),
        sources=tuple(sorted(sources)),
    )
