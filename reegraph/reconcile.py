"""Reconciliation of the curated graph: facility figures summed per country against the country
figures (USGS mine production, China's quotas and magnet output), and country shares of each stage
computed from facility figures against the shares published by USGS and the IEA (held in the graph
as ``ree:Share`` figures of China, with their sources), for each year of :data:`YEARS`.

``python -m reegraph.reconcile`` prints the tables that ``graphs/README.md`` shows; a test keeps the
two equal.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from rdflib import Literal

from reegraph.app import REVIEW_AGE, find_stale
from reegraph.model import MAX_AGE, STAGES, share_bounds
from reegraph.rdf import sparql
from reegraph.rdf.store import Store
from reegraph.rdf.vocab import short_id
from reegraph.render.text import render_markdown

#: The years the data card reconciles, and the basis each stage's tonnages are counted on.
YEARS = (2024, 2025)
BASIS = {"mining": "t REO", "separation": "t REO", "magnet": "t magnet"}


@dataclass(frozen=True)
class PublishedShare:
    """China's share of a stage in a year as published (a ``ree:Share`` figure of China)."""

    stage: str
    year: int
    share: float
    sources: tuple[str, ...]


def published_shares(store: Store) -> dict[tuple[str, int], PublishedShare]:
    """China's published shares by (stage, year)."""
    found = {}
    for row in store.values(sparql.PUBLISHED_SHARES):
        if row["cc"] != "CN" or row.get("element") is not None:  # for all rare earths only
            continue
        key = (str(row["stage"]), int(str(row["year"])))
        sources = tuple(sorted(short_id(s) for s in str(row["sources"] or "").split()))
        found[key] = PublishedShare(*key, float(str(row["value"])), sources)
    return found


@dataclass(frozen=True)
class CountryCheck:
    """One country's stage figure against the sum of its facilities' figures."""

    stage: str
    country: str
    country_figure: float
    kind: str
    facilities: float
    count: int

    @property
    def difference(self) -> float:
        """Facilities minus the country figure, as a fraction of the country figure (infinite where
        the country figure is zero and its facilities are not)."""
        if not self.country_figure:
            return 0.0 if not self.facilities else math.inf
        return (self.facilities - self.country_figure) / self.country_figure


@dataclass(frozen=True)
class StageShare:
    """A country's share of a stage, computed from the latest facility figures up to a year."""

    stage: str
    country: str
    amount: float
    share: float
    years: str


def facility_amounts(store: Store, stage: str, year: int) -> dict[str, tuple[float, int]]:
    """Each operating facility's latest all-element production figure up to ``year`` on the stage's basis.

    Returns ``{facility IRI: (amount, year)}``; the country is looked up by :func:`country_amounts`.
    """
    latest: dict[str, tuple[float, int]] = {}
    for row in store.select(sparql.FACILITY_FIGURES):
        when = int(row["year"])
        if str(row["stage"]) != stage or str(row["basis"]) != BASIS[stage] or when > year:
            continue
        facility = str(row["f"])
        if facility not in latest or when > latest[facility][1]:
            latest[facility] = (float(row["value"]), when)
    return latest


def country_amounts(store: Store, stage: str, year: int) -> dict[str, tuple[float, int, set[int]]]:
    """Facility figures summed per country: ``{ISO code: (amount, facilities, years)}``."""
    country = {str(row["f"]): str(row["cc"]) for row in store.select(sparql.FACILITY_COUNTRIES)}
    sums: dict[str, list] = defaultdict(lambda: [0.0, 0, set()])
    for facility, (amount, when) in facility_amounts(store, stage, year).items():
        entry = sums[country[facility]]
        entry[0] += amount
        entry[1] += 1
        entry[2].add(when)
    return {cc: (a, n, years) for cc, (a, n, years) in sums.items()}


def check_countries(store: Store, stage: str, year: int) -> list[CountryCheck]:
    """Country figures of ``year`` for ``stage`` against their facilities' sum (latest figures up to
    that year), largest first."""
    summed = country_amounts(store, stage, year)
    checks = []
    rows = store.select(sparql.COUNTRY_FIGURES, bindings={"wanted": Literal(year)})
    for row in rows:
        if str(row["stage"]) != stage or str(row["basis"]) != BASIS[stage]:
            continue
        cc = str(row["cc"])
        amount, count, _ = summed.get(cc, (0.0, 0, set()))
        if float(row["value"]) > 0 or count:  # USGS's zeros ("—") where no plant runs say nothing here
            checks.append(CountryCheck(stage, cc, float(row["value"]), str(row["kind"]), amount, count))
    return sorted(checks, key=lambda c: (-c.country_figure, c.country, c.kind))


def stage_shares(store: Store, stage: str, year: int) -> list[StageShare]:
    """Country shares of ``stage`` computed from facility figures (latest up to ``year``), largest first."""
    summed = country_amounts(store, stage, year)
    total = sum(a for a, _, _ in summed.values())
    shares = [
        StageShare(stage, cc, a, a / total, "-".join(sorted({str(min(y)), str(max(y))})))
        for cc, (a, _, y) in summed.items()
    ]
    return sorted(shares, key=lambda s: (-s.amount, s.country))


def render_coverage(store: Store) -> str:
    """Facilities per stage: where they are, how many are aggregates, and how many carry figures."""
    order = (*STAGES, "recycling")
    rows = sorted(store.select(sparql.COVERAGE), key=lambda r: order.index(str(r["stage"])))
    table: list[list[Any]] = [
        [
            str(r["stage"]),
            int(r["all"]),
            int(r["china"]),
            int(r["all"]) - int(r["china"]),
            int(r["aggregates"]),
            int(r["operating"]),
            int(r["production"]),
            int(r["capacity"]),
        ]
        for r in rows
    ]
    table.append(["all stages", *(sum(row[i] for row in table) for i in range(1, 8))])
    return render_markdown(
        [
            "stage",
            "facilities",
            "in China",
            "outside China",
            "aggregates",
            "operating",
            "with production",
            "with capacity",
        ],
        table,
    )


def render_country_coverage(store: Store) -> str:
    """Facilities per country and stage, countries with most facilities first."""
    rows = store.select(sparql.COUNTRY_COVERAGE)
    stages = [s for s in (*STAGES, "recycling") if any(str(r["stage"]) == s for r in rows)]
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        counts[str(row["cc"])][str(row["stage"])] = int(row["n"])
    order = sorted(counts, key=lambda cc: (-sum(counts[cc].values()), cc))
    return render_markdown(
        ["country", *stages, "all"],
        [[cc, *(counts[cc].get(s, "") for s in stages), sum(counts[cc].values())] for cc in order],
    )


def render_compositions(store: Store) -> str:
    """Every ore type's composition, a statement per row with its source, as Markdown."""
    rows = []
    for row in store.select(sparql.ORE_COMPOSITIONS):
        point = None if row.get("fraction") is None else float(row["fraction"])
        low, high = share_bounds(point, *(None if row.get(end) is None else float(row[end]) for end in ("min", "max")))
        sources = ", ".join(short_id(s) for s in sorted(str(row["sources"]).split()))
        rows.append(
            [
                str(row["label"]),
                "+".join(sorted(str(row["elements"]).split())),
                _percent(low, high, point),
                str(row["year"] or ""),
                str(row["confidence"] or ""),
                sources,
            ]
        )
    return render_markdown(["ore", "elements", "share of REO", "year", "confidence", "sources"], rows)


def _percent(low: float, high: float, point: float | None) -> str:
    """A range of fractions as the percentages the data states (``6.65–7.485%``; the point first)."""

    def pct(v: float) -> str:
        return f"{round(100 * v, 4):g}"

    text = pct(low) if low == high else f"{pct(low)}–{pct(high)}"
    return f"{text}%" if point is None or low == high else f"{pct(point)}% ({text}%)"


def render_due_for_review(store: Store) -> str:
    """The facilities due for review (``reegraph sources --stale``) as of the graph's latest review,
    so that the card changes with the data, not with the calendar."""
    latest = max(str(r["reviewed"])[:10] for r in store.select(sparql.FACILITY_FRESHNESS) if r.get("reviewed"))
    stale = find_stale(store, as_of=date.fromisoformat(latest))
    head = (
        f"**Due for review** as of {latest}, the latest review: {len(stale)} facilities whose newest figure is "
        f"older than {MAX_AGE} years or whose last review is more than {REVIEW_AGE} year old "
        "(`reegraph sources --stale` lists them as of today)"
    )
    rows = [[f.id, f.country, f.stage, f.newest or "", f.reviewed, f.why] for f in stale]
    return head + "\n\n" + render_markdown(["facility", "country", "stage", "newest figure", "reviewed", "why"], rows)


def render_data_card_tables(store: Store) -> str:
    """The coverage and reconciliation tables of ``graphs/README.md``, as Markdown."""
    parts = [
        "**Facilities by stage** (a facility can carry both a production and a capacity figure)",
        render_coverage(store),
        "**Facilities by country and stage** (aggregates count as one)",
        render_country_coverage(store),
        "**Ore compositions** (share of each element in the ore's total rare-earth oxide; a joint share names several)",
        render_compositions(store),
        render_due_for_review(store),
    ]
    for stage, year in ((stage, year) for stage in BASIS for year in YEARS):
        checks = check_countries(store, stage, year)
        if checks:
            parts.append(f"**{stage.capitalize()}, {year}, {BASIS[stage]}: country figure against its facilities**")
            parts.append(
                render_markdown(
                    ["country", "country figure", "kind", "facilities summed", "facilities", "difference"],
                    [
                        [
                            c.country,
                            f"{c.country_figure:,.0f}",
                            c.kind,
                            f"{c.facilities:,.0f}",
                            c.count,
                            f"{c.difference:+.1%}",
                        ]
                        for c in checks
                    ],
                )
            )
    published = published_shares(store)
    for stage, year in ((stage, year) for stage in BASIS for year in YEARS):
        shares = stage_shares(store, stage, year)
        china = next((s.share for s in shares if s.country == "CN"), 0.0)
        reference = published.get((stage, year))
        against = (
            f"against {reference.share:.1%} published ({', '.join(reference.sources)}); "
            f"difference {100 * (china - reference.share):+.1f} points"
            if reference
            else f"no published share for {year} was found"
        )
        parts.append(
            f"**{stage.capitalize()}: country shares from facility figures ({BASIS[stage]}, latest year up to "
            f"{year})**. China: {china:.1%} computed, {against}."
        )
        parts.append(
            render_markdown(
                ["country", "amount", "share", "years"],
                [[s.country, f"{s.amount:,.0f}", f"{s.share:.1%}", s.years] for s in shares],
            )
        )
    return "\n\n".join(parts)


if __name__ == "__main__":
    from reegraph.rdf.load import load_store

    print(render_data_card_tables(load_store()))
