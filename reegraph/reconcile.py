"""Reconciliation of the curated graph: facility figures summed per country against the country
figures (USGS mine production, China's quotas and magnet output), and country shares of each stage
computed from facility figures against the shares published by USGS and the IEA.

``python -m reegraph.reconcile`` prints the tables that ``graphs/README.md`` shows; a test keeps the
two equal.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from rdflib import Literal

from reegraph.model import STAGES, share_bounds
from reegraph.rdf import sparql
from reegraph.rdf.store import Store
from reegraph.rdf.vocab import short_id
from reegraph.render.text import render_markdown

#: The year the data card reconciles, and the basis each stage's tonnages are counted on.
YEAR = 2024
BASIS = {"mining": "t REO", "separation": "t REO", "magnet": "t magnet"}

#: China's share of each stage as published, for comparison with the share computed from facilities.
PUBLISHED_CHINA_SHARE = {
    "mining": (0.692, "USGS MCS 2025: 270,000 of 390,000 t REO (2024)"),
    "separation": (0.91, "IEA commentary of 2025-10-23: rare-earth refining (2024)"),
    "magnet": (0.94, "IEA commentary of 2025-10-23: sintered NdFeB magnets (2024)"),
}


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
        """Facilities minus the country figure, as a fraction of the country figure."""
        return (self.facilities - self.country_figure) / self.country_figure


@dataclass(frozen=True)
class StageShare:
    """A country's share of a stage, computed from the latest facility figures up to :data:`YEAR`."""

    stage: str
    country: str
    amount: float
    share: float
    years: str


def facility_amounts(store: Store, stage: str) -> dict[str, tuple[float, int]]:
    """Each operating facility's latest all-element production figure up to :data:`YEAR` on the stage's basis.

    Returns ``{facility IRI: (amount, year)}``; the country is looked up by :func:`country_amounts`.
    """
    latest: dict[str, tuple[float, int]] = {}
    for row in store.select(sparql.FACILITY_FIGURES):
        year = int(row["year"])
        if str(row["stage"]) != stage or str(row["basis"]) != BASIS[stage] or year > YEAR:
            continue
        facility = str(row["f"])
        if facility not in latest or year > latest[facility][1]:
            latest[facility] = (float(row["value"]), year)
    return latest


def country_amounts(store: Store, stage: str) -> dict[str, tuple[float, int, set[int]]]:
    """Facility figures summed per country: ``{ISO code: (amount, facilities, years)}``."""
    country = {str(row["f"]): str(row["cc"]) for row in store.select(sparql.FACILITY_COUNTRIES)}
    sums: dict[str, list] = defaultdict(lambda: [0.0, 0, set()])
    for facility, (amount, year) in facility_amounts(store, stage).items():
        entry = sums[country[facility]]
        entry[0] += amount
        entry[1] += 1
        entry[2].add(year)
    return {cc: (a, n, years) for cc, (a, n, years) in sums.items()}


def check_countries(store: Store, stage: str) -> list[CountryCheck]:
    """Country figures of :data:`YEAR` for ``stage`` against their facilities' sum, largest first."""
    summed = country_amounts(store, stage)
    checks = []
    rows = store.select(sparql.COUNTRY_FIGURES, bindings={"wanted": Literal(YEAR)})
    for row in rows:
        if str(row["stage"]) != stage or str(row["basis"]) != BASIS[stage]:
            continue
        cc = str(row["cc"])
        amount, count, _ = summed.get(cc, (0.0, 0, set()))
        checks.append(CountryCheck(stage, cc, float(row["value"]), str(row["kind"]), amount, count))
    return sorted(checks, key=lambda c: (-c.country_figure, c.country, c.kind))


def stage_shares(store: Store, stage: str) -> list[StageShare]:
    """Country shares of ``stage`` computed from facility figures, largest first."""
    summed = country_amounts(store, stage)
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


def render_data_card_tables(store: Store) -> str:
    """The coverage and reconciliation tables of ``graphs/README.md``, as Markdown."""
    parts = [
        "**Facilities by stage** (a facility can carry both a production and a capacity figure)",
        render_coverage(store),
        "**Facilities by country and stage** (aggregates count as one)",
        render_country_coverage(store),
        "**Ore compositions** (share of each element in the ore's total rare-earth oxide; a joint share names several)",
        render_compositions(store),
    ]
    for stage in BASIS:
        checks = check_countries(store, stage)
        if checks:
            parts.append(f"**{stage.capitalize()}, {YEAR}, {BASIS[stage]}: country figure against its facilities**")
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
    for stage in BASIS:
        shares = stage_shares(store, stage)
        china = next((s.share for s in shares if s.country == "CN"), 0.0)
        published, source = PUBLISHED_CHINA_SHARE[stage]
        parts.append(
            f"**{stage.capitalize()}: country shares from facility figures ({BASIS[stage]}, latest year up to "
            f"{YEAR})**. China: {china:.1%} computed against {published:.0%} published ({source}); "
            f"difference {100 * (china - published):+.1f} points."
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
