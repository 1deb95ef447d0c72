"""Scenario results (``reegraph scenario run`` and ``compare``) as tables, Markdown, CSV, JSON and one
self-contained HTML page.

Amounts and shortfalls are ranges (README "Scenarios"): an amount shows as ``low–high`` with the
point first where the rules give one; a shortfall, computed at the low ends of the amounts, at their
points and at their high ends, as the range of those it is defined at (``no data`` where none)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from reegraph.app import Comparison, Exposure, MonteCarloReport, ScenarioReport
from reegraph.model import DATA, ENDS, REGION_CODES, Ends, Range, fmt_amount, fmt_ends, iri
from reegraph.render.charts import CHART_CSS, Cell, Series, heat_map, keys_html, line_chart
from reegraph.render.html import esc, page, table
from reegraph.render.palette import RAMP, SERIES
from reegraph.render.text import markdown_text, plain, render_csv, render_json, render_markdown, render_table


def render_scenario(result: ScenarioReport | MonteCarloReport | Comparison, fmt: str, *, detail: bool = False) -> str:
    """A run, a Monte Carlo run or a comparison as ``table``, ``markdown``, ``json`` (its contract,
    README "Scenarios"), ``csv`` or (a run) ``html``; ``detail``: a run's table with every end use,
    element and region's supply."""
    if fmt == "json":
        return render_json(result.as_dict())
    if isinstance(result, Comparison):
        return render_comparison(result, fmt)
    if isinstance(result, MonteCarloReport):
        return (
            render_monte_carlo_csv(result)
            if fmt == "csv"
            else render_monte_carlo_table(result, markdown=fmt == "markdown")
        )
    if fmt == "csv":
        return render_scenario_csv(result)
    if fmt == "html":
        return render_scenario_html(result)
    return render_scenario_table(result, markdown=fmt == "markdown", detail=detail)


def amount(d: dict[str, float | None]) -> str:
    """A range of the JSON contract in words (``high`` ``null``: unbounded)."""
    high = d["high"]
    return fmt_amount(Range(d["low"] or 0.0, math.inf if high is None else high, d["point"]))


def ends(d: dict[str, float | None] | None) -> str:
    """A share at each end of the JSON contract in words (empty for ``None``)."""
    return "" if d is None else fmt_ends(Ends(*(d[end] for end in ENDS)))


def change(d: dict[str, float | None] | None) -> str:
    """Scenario less baseline at each end in tonnes, in words: ``+348``, a gain; ``-1,200``, a loss."""
    return "" if d is None else fmt_ends(Ends(*(d[end] for end in ENDS)), lambda v: f"{v:+,.0f}".replace("+0", "0"))


def _binding(impact: dict[str, Any]) -> list[str]:
    """What binds at the point, else at the low end, else at the high end."""
    return next((impact["binding"][end] for end in ("point", "low", "high") if impact["binding"].get(end)), [])


def _days(impact: dict[str, Any]) -> str:
    values = [v for v in impact["days_to_shortage"].values() if v is not None]
    if not values:
        return ""
    low, high = min(values), max(values)
    return f"{low:g}" if low == high else f"{low:g}–{high:g}"


def _spread(d: Mapping[str, float | None], fmt: str = "{:,.1f}") -> str:
    """A result at each end (``low``: the least shortage) in words: the point, then the range of the
    ends it is defined at; ``no data`` where none is."""
    values = [v for v in d.values() if v is not None]
    if not values:
        return "no data"
    low, high, point = min(values), max(values), d.get("point")
    if low == high:
        return fmt.format(low)
    span = f"{fmt.format(low)}–{fmt.format(high)}"
    return span if point is None else f"{fmt.format(point)} ({span})"


def _when(claimant: Mapping[str, Any], key: str = "first_short") -> str:
    """A month at each end in words: the point, then the earliest to the latest (``no data``: not
    computed at that end; ``never``: not short within the horizon; ``still short``: short at its
    end)."""
    point, span = _when_parts(claimant, key)
    return f"{point} ({span})" if span else point


def _when_parts(claimant: Mapping[str, Any], key: str = "first_short") -> tuple[str, str]:
    """:func:`_when` in two parts: the point, and the earliest to the latest (empty where the ends
    agree)."""
    dates = claimant[f"{key}_date"]

    def word(end: str) -> str:
        v = claimant[key][end]
        if not claimant["defined"][end]:
            return "no data"
        if v is None:
            if key == "first_short":
                return "never"
            return "not short" if claimant["first_short"][end] is None else "still short"
        return str(dates[end])

    point, low, high = word("point"), word("low"), word("high")
    if low == high == point:
        return point, ""
    return point, f"{high} to {low}" if key == "first_short" else f"{low} to {high}"


def _worst(claimants: list[dict[str, Any]]) -> dict[str, Any]:
    """The claimant that runs short first at the point (then at the worst end), then loses most."""

    def key(c: dict[str, Any]) -> tuple:
        first = [c["first_short"][e] if c["defined"][e] else None for e in ("point", "high")]
        return (*(math.inf if v is None else v for v in first), -(c["lost_t"]["point"] or 0.0))

    return min(claimants, key=key)


#: The columns of the one-line-per-end-use view.
SUMMARY = ["end use", "element", "worst region", "first short", "recovers", "t lost", "units lost",
           "regions short (point)"]  # fmt: skip


def demand_summary(report: ScenarioReport) -> tuple[list[list[str]], list[list[str]], list[str]]:
    """One row per end use with demand (:data:`SUMMARY`: who runs short first, when, what is lost
    over the horizon); one row per end use without (its worst supply shortfall); and notes on the
    elements of an end use with demand that have none in the graph."""
    claimants = report.demand.get("claimants", [])
    by_use: dict[str, list[dict[str, Any]]] = {}
    for c in claimants:
        by_use.setdefault(c["end_use"], []).append(c)
    rows = []
    for uses in sorted(by_use.values(), key=lambda cs: _worst(cs)["end_use_label"]):
        w = _worst(uses)
        short = sorted({c["region"] for c in uses if c["defined"]["point"] and c["first_short"]["point"] is not None})
        unknown = sorted({c["region"] for c in uses if not c["defined"]["point"]})
        short += [f"no point: {' '.join(unknown)}"] if unknown else []
        rows.append(
            [w["end_use_label"], w["element"], w["region"], _when(w), _when(w, "recovers"),
             f"{_spread(w['lost_t'])} ({_spread(w['lost_share'], '{:.0%}')} of demand)",
             f"{_spread(w['units_lost'], '{:,.0f}')} ({w['per_unit_label']})", " ".join(short) or "none"]
        )  # fmt: skip
    others: dict[str, dict[str, Any]] = {}
    missing: dict[str, set[str]] = {}
    for i in report.impacts:
        if i["end_use"] in by_use:
            if i["element"] != "ALL" and all(c["element"] != i["element"] for c in by_use[i["end_use"]]):
                missing.setdefault(i["end_use_label"], set()).add(i["element"])
            continue
        best = others.get(i["end_use"])
        if best is None or _rank(i) > _rank(best):
            others[i["end_use"]] = i
    rest = sorted([i["end_use_label"], i["element"], i["region"], ends(i["shortfall"])] for i in others.values())
    notes = [
        f"{label}: no content per unit of {', '.join(sorted(found))} in the graph, so no demand for them "
        "(--detail shows their supply)"
        for label, found in sorted(missing.items())
    ]
    return rows, rest, notes


def _summary_head(report: ScenarioReport) -> str:
    demand = report.demand
    return (
        f"Who runs short: demand against supply month by month from {demand.get('start')} "
        f"({demand.get('months')} months, rule {demand.get('rule')}). A figure is the point, then its "
        "range: tonnes and units from the least short to the most, months from the earliest to the latest."
    )


def _no_rows(report: ScenarioReport) -> str:
    return f"(no end use of those asked has demand in the graph up to {str(report.demand.get('start'))[:4]})"


def render_demand_summary(report: ScenarioReport, *, markdown: bool = False) -> str:
    """:func:`demand_summary` as text."""
    rows, rest, _ = demand_summary(report)
    render = render_markdown if markdown else render_table
    prose = markdown_text if markdown else plain
    lines = [prose(_summary_head(report)), "", render(SUMMARY, rows) if rows else _no_rows(report)]
    if rest:
        lines += ["", "Supply only (demand not in the graph): the largest shortfall of each end use", "",
                  render(["end use", "element", "region", "shortfall"], rest)]  # fmt: skip
    return "\n".join(lines)


def _rank(impact: dict[str, Any]) -> tuple:
    """The worst shortfall first; among equals, one with a point, a single element, another region."""
    values = [v for v in impact["shortfall"].values() if v is not None]
    return (max(values, default=-1.0), impact["shortfall"]["point"] is not None, impact["element"] != "ALL",
            impact["region"] != "CN")  # fmt: skip


#: The inputs a Monte Carlo run may hold at their point, in words.
_HELD = {"blocked": "dependence (published share)", "licensed": "dependence with all licensed",
         "stock_days": "stock"}  # fmt: skip

#: The columns of a claimant's months.
MONTHS = ["month", "demand t", "supplied t", "from stock t", "short t", "short (units)", "stock t"]


def months_of(c: Mapping[str, Any]) -> tuple[str, list[list[str]]]:
    """A claimant's months: its heading (demand and on what it rests, stock, dependence, first
    month short, recovery) and one row per month (:data:`MONTHS`)."""
    rows = [
        [m["date"], _spread(m["demand"], "{:,.2f}"), _spread(m["supplied"], "{:,.2f}"),
         _spread(m["from_stock"], "{:,.2f}"), _spread(m["short"], "{:,.2f}"), _spread(m["units_short"], "{:,.0f}"),
         _spread(m["stock"], "{:,.2f}")]
        for m in c["months"]
    ]  # fmt: skip
    per = c["per_unit_t"]
    head = (
        f"{c['end_use_label']}, {c['element']}, {c['region']}: demand {_spread(c['demand_t_per_year'])} t a year "
        f"({c['units_per_year']['value']:,.0f} a year in {c['units_per_year']['year']} x "
        f"{_spread({k: None if v is None else v * 1000 for k, v in per.items()}, '{:,.4g}')} kg per "
        f"{c['per_unit_label']}); stock {_spread(c['stock_days'], '{:,.0f}')} days; "
        f"dependence {_spread(c['dependence']['blocked'], '{:.1%}')} ({c['dependence']['basis']}); "
        f"first short {_when(c)}; recovers {_when(c, 'recovers')}"
        + (f"; the units: {c['units_per_year']['about']}" if c["units_per_year"]["about"] else "")
    )
    return head, rows


def render_months(report: ScenarioReport, *, markdown: bool = False) -> str:
    """Each claimant's months (:func:`months_of`) as text."""
    render = render_markdown if markdown else render_table
    prose = markdown_text if markdown else plain
    return "\n\n".join(
        prose(head) + "\n\n" + render(MONTHS, rows) for head, rows in map(months_of, report.demand.get("claimants", []))
    )


def _notes(report: ScenarioReport, *, detail: bool) -> list[str]:
    """What the run could not price, what it assumes, what it leaves out."""
    said = [*demand_summary(report)[2], *report.demand.get("notes", []),
            *(f"assumes: {a}" for a in report.demand.get("assumptions", []))]  # fmt: skip
    if not detail:
        quiet = [n for n in _said(report) if "depends on" not in n]  # the narrowed run's other elements
        said = quiet + said
    return said


def render_scenario_table(report: ScenarioReport, *, markdown: bool = False, detail: bool = False) -> str:
    """The compact view (one line per end use, :func:`render_demand_summary`), with each claimant's
    months where the run was narrowed to end uses; ``detail``: every end use, element and region's
    supply against the baseline as well."""
    prose = markdown_text if markdown else plain
    head = f"Scenario {report.scenario}: {report.title}, as of {report.as_of}"
    parts = [prose(head), render_demand_summary(report, markdown=markdown)]
    if report.demand.get("claimants") and _narrowed(report):
        parts.append(render_months(report, markdown=markdown))
    if detail:
        parts.append(render_supply_table(report, markdown=markdown))
    said = _notes(report, detail=detail)
    if not detail:
        said.append("--detail adds every end use, element and region's supply against the baseline")
    notes = "".join(f"\n{'- ' if markdown else ''}{prose(line)}" for line in said)
    return "\n\n".join(p for p in parts if p) + ("\n" + notes if notes else "")


def _narrowed(report: ScenarioReport) -> bool:
    """Whether the run was narrowed to a few end uses (then each claimant's months are shown)."""
    return len({i["end_use"] for i in report.impacts}) <= 3


def render_supply_table(report: ScenarioReport, *, markdown: bool = False) -> str:
    """Impacts as a table, the largest shortfalls first, then the notes on what could not be priced."""
    headers = ["end use", "element", "region", "baseline", "scenario", "change", "shortfall", "days", "binding"]
    rows = [
        [i["end_use_label"], i["element"], i["region"], amount(i["baseline"]), amount(i["scenario"]),
         change(i["change"]), ends(i["shortfall"]), _days(i),
         " ".join(b.removeprefix(DATA) for b in _binding(i)[:3])]
        for i in report.impacts
    ]  # fmt: skip
    head = (
        "Supply against the baseline, the network alone (no published shares, no demand): the most each region "
        "could receive (t contained element; t REO for ALL)"
    )
    body = render_markdown(headers, rows) if markdown else render_table(headers, rows)
    said = _said(report)
    documents = len({x for found in report.sources.values() for x in found})
    if documents:
        said.append(f"{documents} sources back these figures (--format json lists them by element)")
    prose = markdown_text if markdown else plain
    notes = "".join(f"\n{'- ' if markdown else ''}{prose(line)}" for line in said)
    return prose(head) + "\n\n" + body + ("\n" + notes if notes else "")


def _said(report: ScenarioReport) -> list[str]:
    """The notes, then what each plant taken offline held."""
    return [n["note"] for n in report.notes] + _offline_lines(report)


def _offline_lines(report: ScenarioReport) -> list[str]:
    """What each plant taken offline produced or could produce, and on what sources that rests."""
    lines = []
    for plant in report.offline:
        what = "; ".join(plant["figures"]) or "no figure"
        ores = f"; ore: {', '.join(o.rsplit('/', 1)[-1] for o in plant['ores'])}" if plant["ores"] else ""
        sources = ", ".join(s.rsplit("/", 1)[-1] for s in plant["sources"]) or "none"
        lines.append(f"offline: {plant['label']}: {what}{ores} (sources: {sources})")
    return lines


def render_scenario_csv(report: ScenarioReport) -> str:
    """Impacts as CSV, one row per end use, element and region; ranges as in the table."""
    headers = ["end_use", "end_use_label", "element", "region", "baseline", "scenario", "change", "shortfall",
               "days_to_shortage", "binding"]  # fmt: skip
    rows = [
        [i["end_use"], i["end_use_label"], i["element"], i["region"], amount(i["baseline"]), amount(i["scenario"]),
         change(i["change"]), ends(i["shortfall"]), _days(i), " ".join(_binding(i))]
        for i in report.impacts
    ]  # fmt: skip
    return render_csv(headers, rows)


def render_scenario_html(report: ScenarioReport) -> str:
    """A run as one self-contained HTML page (:func:`scenario_section`)."""
    return page(f"reegraph scenario {report.scenario}, {report.as_of}", scenario_section(report, level=1))


def scenario_section(report: ScenarioReport, *, level: int) -> str:
    """A run as a section of a page: who runs short month by month (:func:`shortfalls_over_time`:
    a heat map of end use by region and each claimant's months as lines), the one-line-per-end-use
    table and the notes; then the supply against the baseline, its table folded away, and what
    could not be priced and what was taken offline."""
    headers = ["end use", "element", "region", "baseline", "scenario", "change (t)", "shortfall", "days to shortage",
               "binding"]  # fmt: skip
    rows = [
        [i["end_use_label"], i["element"], i["region"], amount(i["baseline"]), amount(i["scenario"]),
         change(i["change"]), ends(i["shortfall"]), _days(i),
         " ".join(b.removeprefix(DATA) for b in _binding(i))]  # (ids: the IRIs do not resolve)
        for i in report.impacts
    ]  # fmt: skip
    notes = "".join(f"<li>{esc(n['note'])}</li>" for n in report.notes)
    offline = "".join(f"<li>{esc(line)}</li>" for line in _offline_lines(report))
    h, sub = f"h{level}", f"h{level + 1}"
    summary, rest, _ = demand_summary(report)
    said = "".join(f"<li>{esc(n)}</li>" for n in _notes(report, detail=True))
    others = table(["end use", "element", "region", "shortfall"], rest)
    short = sum(1 for i in report.impacts if any(v for v in i["shortfall"].values()))
    gained = sum(1 for i in report.impacts if _gain(i))
    return f"""<{h}>Scenario {esc(report.scenario)}</{h}>
<p>{esc(report.title)}, as of {esc(report.as_of)}.</p>
<{sub}>Who runs short, month by month</{sub}>
<p>{esc(_summary_head(report))}</p>
{shortfalls_over_time(report)}
{table(SUMMARY, summary, numeric=(5, 6)) if summary else ""}
{f"<p>Supply only (demand not in the graph): the largest shortfall of each end use</p>{others}" if rest else ""}
{f"<ul>{said}</ul>" if said else ""}
<{sub}>Supply against the baseline</{sub}>
<p>Tonnes of contained element (t REO for ALL): the most each region could receive against the baseline,
the network alone (no published shares, no demand). Amounts are ranges (the point first where the figures
give one); the shortfall is computed at the low ends, the points and the high ends of the amounts.
{short} of {len(report.impacts)} rows have a shortfall at some end, {gained} a gain.</p>
<details class="impacts"><summary>Impacts: {len(rows)} rows of end use, element and region, the largest
shortfalls first</summary>
{table(headers, rows, numeric=(3, 4, 5, 6, 7))}
</details>
{f"<{sub}>Not priced</{sub}><ul>{notes}</ul>" if notes else ""}
{f"<{sub}>Taken offline</{sub}><ul>{offline}</ul>" if offline else ""}
"""


#: The colour of a gain in the heat map (Tol's "bright" cyan: unlike the ramp of shortfalls).
GAIN = SERIES["cyan"]


def _gain(impact: Mapping[str, Any]) -> str:
    """An impact's supply change in words where it is a gain (positive at some end, negative at none),
    else empty."""
    values = [v for v in impact["change"].values() if v is not None]
    return change(impact["change"]) if values and max(values) > 0 and min(values) >= 0 else ""


def month_bins(months: int) -> list[tuple[int, int]]:
    """The months of a horizon of ``months`` (month 0 the start) in the heat map's colour bins,
    first to last (each ``(first, last)``): the first three months one by one, then months 3 to 5,
    6 to 11 and 12 to the end.

    Examples
    --------
    >>> month_bins(24)
    [(0, 0), (1, 1), (2, 2), (3, 5), (6, 11), (12, 23)]
    >>> month_bins(4)
    [(0, 0), (1, 1), (2, 2), (3, 3)]
    """
    edges = [(0, 0), (1, 1), (2, 2), (3, 5), (6, 11), (12, months - 1)]
    return [(a, min(b, months - 1)) for a, b in edges if a < months]


def month_colour(month: int, months: int) -> str:
    """The colour of a first month short (:data:`RAMP`, earlier darker) on a horizon of ``months``."""
    return RAMP[next(k for k, (a, b) in enumerate(month_bins(months)) if a <= month <= b)]


def _date(start: str, month: int) -> str:
    """The calendar month (``YYYY-MM``) of month ``month`` of a run from ``start`` (an ISO date)."""
    index = int(start[:4]) * 12 + int(start[5:7]) - 1 + month
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _first(c: Mapping[str, Any]) -> str:
    """A claimant's first month short in words (:func:`_when`), or "never short"."""
    first = _when(c)
    return "never short" if first == "never" else f"first short {first}"


def heat_cell(claimant: Mapping[str, Any] | None, months: int, *, gain: str = "", target: str = "") -> Cell:
    """A claimant's heat-map cell: its first month short and the share of its demand short over the
    horizon (the point first, then the range; solid in the month's colour where the point is short,
    striped in the earliest end's colour where only some ends are), a gain (``gain``: the supply's
    change in words) or "never short"; no claimant, or none computed at any end: "no data"."""
    if claimant is None:
        return Cell(("no data",), "no demand figure in the graph for this end use and region")
    c = claimant
    where = f"{c['end_use_label']}, {c['element']}, {c['region']}"
    defined = [e for e in ENDS if c["defined"][e]]
    if not defined:
        return Cell(("no data",), f"{where}: the monthly run could not be computed at any end", target=target)
    share = _spread(c["lost_share"], "{:.0%}")
    title = (
        f"{where}: first short {_when(c)}; {share} of demand short over {months} months "
        f"({_spread(c['lost_t'])} t); recovers {_when(c, 'recovers')}"
    )
    firsts = [c["first_short"][e] for e in defined if c["first_short"][e] is not None]
    point = c["first_short"]["point"] if c["defined"]["point"] else None
    first, span = _when_parts(c)
    words = (f"{first} at the point" if first in ("no data", "never") else first, span, f"{share} of demand short")
    if point is not None:
        return Cell(tuple(w for w in words if w), title, "solid", month_colour(point, months), target)
    if firsts:
        return Cell(tuple(w for w in words if w), title, "striped", month_colour(min(firsts), months), target)
    unknown = [e for e in ENDS if e not in defined]
    never = "never short" + (f" ({', '.join(unknown)}: no data)" if unknown else "")
    if gain:
        return Cell(("gain", f"supply {gain} t", never), f"{title}; supply against the baseline {gain} t", "solid",
                    GAIN, target)  # fmt: skip
    return Cell((never, f"in {months} months"), title, "plain", "", target)


def shortfall_heat_map(report: ScenarioReport, *, ident: str = "sc") -> tuple[str, list[dict[str, Any]]]:
    """The heat map of who runs short (end use and element by region, :func:`heat_cell`), each
    claimant's cell the label of the radio input ``{ident}-c{i}`` (``i`` its place among the run's
    claimants), with its legend; and the claimants."""
    claimants = list(report.demand.get("claimants", []))
    months = int(report.demand.get("months") or 0)
    regions = [r for r in REGION_CODES if any(c["region"] == r for c in claimants)]
    gains = {(i["end_use"], i["element"], i["region"]): _gain(i) for i in report.impacts}
    found = {(c["end_use"], c["element"], c["region"]): k for k, c in enumerate(claimants)}
    uses = sorted({(c["end_use_label"], c["element"], c["end_use"]) for c in claimants})
    rows = []
    for label, element, use in uses:
        cells = []
        for region in regions:
            k = found.get((use, element, region))
            cells.append(
                heat_cell(None if k is None else claimants[k], months, gain=gains.get((use, element, region), ""),
                          target="" if k is None else f"{ident}-c{k}")
            )  # fmt: skip
        rows.append((f"{label} ({element})", cells))
    start = str(report.demand.get("start"))
    used = {(cell.kind, cell.colour) for _, cells in rows for cell in cells}
    keys = []
    for a, b in month_bins(months):
        colour = month_colour(a, months)
        if ("solid", colour) in used or ("striped", colour) in used:
            when = _date(start, a) if a == b else f"{_date(start, a)} to {_date(start, b)}"
            keys.append((f"first short {when} (month {a}{'' if a == b else f' to {b}'})", "solid", colour))
    if any(kind == "striped" for kind, _ in used):
        keys.append(("striped: short at some ends only (no point, or not at the point); colour: the earliest",
                     "striped", RAMP[0]))  # fmt: skip
    if ("solid", GAIN) in used:
        keys.append(("gain: the scenario raises supply", "solid", GAIN))
    if ("plain", "") in used:
        keys.append((f"never short in {months} months", "plain", ""))
    if ("missing", "") in used:
        keys.append(("no data", "missing", ""))
    return keys_html(keys) + heat_map("end use (element)", regions, rows), claimants


def claimant_chart(c: Mapping[str, Any], *, key: str = "chart") -> str:
    """A claimant's months as two line charts (:func:`reegraph.render.charts.line_chart`), each
    figure a band from the least short end to the most and a line at the point: demand and
    supplied, with what is short (demand not met from supply or stock) shaded at the point, else at
    the most short end (its pattern's id ``{key}-hatch``); then the stock held."""
    months = c["months"]
    labels = [m["date"] for m in months]
    element = "REO" if c["element"] == "ALL" else c["element"]

    def at(key: str, end: str) -> list[float | None]:
        return [m[key][end] for m in months]

    def series(name: str, key: str, colour: str) -> Series:
        return Series(name, colour, at(key, "low"), at(key, "point"), at(key, "high"))

    stock = series("stock held", "stock", SERIES["purple"])
    if c["defined"]["low"] and c["stock_days"]["high"] is None:  # no stock figure: at the least short end, enough
        stock = Series("stock held (no stock figure: no upper bound)", stock.colour, [math.inf] * len(months),
                       stock.point, stock.high)  # fmt: skip
    end = "point" if c["defined"]["point"] else "high"
    met = [
        None if s is None or f is None else s + f
        for s, f in zip(at("supplied", end), at("from_stock", end), strict=True)
    ]
    area = (
        "short: demand not met from supply or stock" + ("" if end == "point" else " (at the most short end: no point)"),
        SERIES["red"],
        at("demand", end),
        met,
    )
    tips = [
        f"{m['date']}: demand {_spread(m['demand'], '{:,.2f}')} t; supplied {_spread(m['supplied'], '{:,.2f}')} t; "
        f"from stock {_spread(m['from_stock'], '{:,.2f}')} t; short {_spread(m['short'], '{:,.2f}')} t; "
        f"stock {_spread(m['stock'], '{:,.2f}')} t"
        for m in months
    ]
    what = f"{c['end_use_label']}, {c['element']}, {c['region']}"
    demand = replace(series("demand", "demand", SERIES["blue"]), dashed=True)  # on top: supplied may equal it
    flows = line_chart(
        labels,
        [series("supplied", "supplied", SERIES["green"]), demand],
        area=area, tips=tips, key=key, height=270, describe=f"{what}: demand and supplied by month",
    )  # fmt: skip
    held = line_chart(labels, [stock], tips=tips, height=170, describe=f"{what}: stock held by month")
    return (
        f'<p class="axis">Demand and supplied, t of contained {esc(element)} a month (hover a month for its figures)'
        f"</p>{flows}"
        f'<p class="axis">Stock held at the end of the month, t of contained {esc(element)}</p>{held}'
    )


def shortfalls_over_time(report: ScenarioReport, *, ident: str = "sc") -> str:
    """Who runs short over time, with no script: the heat map (:func:`shortfall_heat_map`), then one
    claimant's months as lines (:func:`claimant_chart`) with its months in numbers folded below,
    chosen by clicking its cell or its name (radio inputs ``{ident}-c{i}`` and CSS; the worst
    claimant, :func:`_worst`, first). ``ident`` keeps the ids apart where a page holds several."""
    heat, claimants = shortfall_heat_map(report, ident=ident)
    if not claimants:
        return f'<p class="muted">{esc(_no_rows(report))}</p>'
    worst = claimants.index(_worst(claimants))
    inputs = "".join(
        f'<input type="radio" class="pick" name="{ident}-claimant" id="{ident}-c{k}"{" checked" if k == worst else ""}>'
        for k in range(len(claimants))
    )
    names = "".join(
        f'<label for="{ident}-c{k}">{esc(c["end_use_label"])} ({esc(c["element"])}), {esc(c["region"])}</label>'
        for k, c in enumerate(claimants)
    )
    panels = []
    for k, c in enumerate(claimants):
        head, rows = months_of(c)
        panels.append(
            f'<div class="panel" id="{ident}-p{k}"><p><b>{esc(c["end_use_label"])}, {esc(c["element"])}, '
            f"{esc(c['region'])}</b>: {esc(_first(c))}; "
            f"{esc(_spread(c['lost_share'], '{:.0%}'))} of demand short over {len(c['months'])} months.</p>"
            f"{claimant_chart(c, key=f'{ident}-p{k}')}"
            f"<details><summary>The months in numbers, and what they rest on</summary><p>{esc(head)}</p>"
            f"{table(MONTHS, rows, numeric=(1, 2, 3, 4, 5, 6))}</details></div>"
        )
    rules = "\n".join(
        f"#{ident}-c{k}:checked ~ .panels #{ident}-p{k} {{ display: block }}\n"
        f'#{ident}-c{k}:checked ~ * label[for="{ident}-c{k}"] {{ outline: 3px solid #000; outline-offset: -3px; '
        "background: #0001 }"
        for k in range(len(claimants))
    )
    return f"""<style>{CHART_CSS}
.shortfalls input.pick {{ position: absolute; opacity: 0; width: 1px; height: 1px }}
.shortfalls .panel {{ display: none }} .shortfalls .axis {{ margin: 0.6em 0 0; color: #444 }}
.shortfalls .names {{ display: flex; flex-wrap: wrap; gap: 4px 8px; margin: 0.6em 0 }}
.shortfalls .names label {{ border: 1px solid #bbb; border-radius: 3px; padding: 2px 8px; cursor: pointer }}
.shortfalls .heat td label {{ padding: 4px 2px }}
{rules}
</style>
<div class="shortfalls">{inputs}
<div class="heatwrap">{heat}</div>
<p class="muted">Each cell: the first month short, then the share of demand short over the run; the point first,
then the range from the most short end to the least. Choose a cell, or a name below, for its months.</p>
<div class="names">{names}</div>
<div class="panels">{"".join(panels)}</div>
</div>"""


def render_monte_carlo_table(report: MonteCarloReport, *, markdown: bool = False) -> str:
    """Shortfall percentiles as a table, one row per element, group of end uses and region."""
    headers = ["element", "region", "end uses", "p10", "p50", "p90", "mean"]
    rows = [
        [
            d.element,
            d.region,
            _uses(d.end_uses, report.labels),
            fmt_ends(d.p10),
            fmt_ends(d.p50),
            fmt_ends(d.p90),
            fmt_ends(d.mean),
        ]
        for d in report.distributions
    ]
    head = (
        f"Scenario {report.scenario} as of {report.as_of}: {report.draws} draws (seed {report.seed}), each plant out "
        f"with probability {report.facility_outage}, each country with {report.country_outage}"
    )
    render = render_markdown if markdown else render_table
    text = plain(head) + "\n\n" + render(headers, rows)
    claimants = [c for c in report.demand.get("claimants", []) if "monte_carlo" in c]
    if claimants:
        months = report.demand["months"]

        def month(v: int | None) -> str:
            return "never" if v is None else str(v)

        rows = [
            [c["end_use_label"], c["element"], c["region"],
             " / ".join(month(c["monte_carlo"]["first_short"][p]) for p in ("p10", "p50", "p90")),
             " / ".join(f"{c['monte_carlo']['lost_t'][p]:,.1f}" for p in ("p10", "p50", "p90")),
             ", ".join(_HELD[h] for h in c["monte_carlo"]["held"]) or "-"]
            for c in claimants
        ]  # fmt: skip
        text += (
            f"\n\nWho runs short, with content per unit, stocks, dependence and licence latency and rate drawn "
            f"(each within its range, unless held at its point) {report.draws} times (month 0 is "
            f"{report.demand['start']}; never: not within {months} months)\n\n"
            + render(["end use", "element", "region", "first month short p10 / p50 / p90",
                      f"t lost in {months} months p10 / p50 / p90", "held at the point"], rows)
        )  # fmt: skip
        text += "".join(f"\n{plain(n)}" for n in report.demand.get("notes", []) if n.startswith("Monte Carlo"))
    return text


def render_monte_carlo_csv(report: MonteCarloReport) -> str:
    """Shortfall percentiles as CSV, one row per element, group of end uses and region."""
    rows = [
        [
            d.element,
            d.region,
            " ".join(iri(u) for u in d.end_uses),
            fmt_ends(d.p10),
            fmt_ends(d.p50),
            fmt_ends(d.p90),
            fmt_ends(d.mean),
        ]
        for d in report.distributions
    ]
    return render_csv(["element", "region", "end_uses", "p10", "p50", "p90", "mean"], rows)


def _uses(end_uses: tuple[str, ...], labels: Mapping[str, str] | None = None) -> str:
    """A group of end uses by label (the first three), and how many more."""
    names = "; ".join((labels or {}).get(u) or u.rsplit("/", 1)[-1] for u in end_uses[:3])
    return names + (f" +{len(end_uses) - 3}" if len(end_uses) > 3 else "")


def _comparison_tables(comparison: Comparison) -> list[tuple[str, list[str], list[list[str]]]]:
    """A comparison as (title, headers, rows) tables: the supply rows, then the monthly runs."""
    a, b = comparison.first, comparison.second
    supply = (
        "Supply against the baseline (the network alone: no published shares, no demand), shortfall and change in "
        "tonnes under each",
        ["end use", "element", "region", f"{a} shortfall", f"{b} shortfall", f"{a} change (t)", f"{b} change (t)"],
        [[r.end_use_label, r.element, r.region, ends(r.first), ends(r.second), change(r.first_change),
          change(r.second_change)] for r in comparison.rows],
    )  # fmt: skip
    months = []
    for d in comparison.demand:
        row = [d["end_use_label"], d["element"], d["region"]]
        for key, fmt in (("first_short", None), ("lost_t", "{:,.1f}"), ("units_lost", "{:,.0f}")):
            for name in (a, b):
                run = d[name]
                if run is None:
                    row.append("-")
                elif fmt is None:
                    row.append(_when(run))
                else:
                    row.append(_spread(run[key], fmt))
        months.append(row)
    demand = (
        "Who runs short under each (first month short; tonnes and units lost over each run's horizon)",
        ["end use", "element", "region", f"{a} first short", f"{b} first short", f"{a} t lost", f"{b} t lost",
         f"{a} units lost", f"{b} units lost"],
        months,
    )  # fmt: skip
    return [supply, demand] if months else [supply]


def render_comparison(comparison: Comparison, fmt: str) -> str:
    """Two scenarios side by side: ``table``, ``markdown``, ``csv`` (the supply rows) or ``html``."""
    tables = _comparison_tables(comparison)
    if fmt == "csv":
        _, headers, rows = tables[0]
        return render_csv(headers, rows)
    if fmt == "html":
        body = "".join(f"<h2>{esc(title)}</h2>{table(headers, rows)}" for title, headers, rows in tables)
        title = f"reegraph: {comparison.first} against {comparison.second}"
        return page(title, f"<h1>{esc(title)}</h1>{body}")
    render = render_markdown if fmt == "markdown" else render_table
    return "\n\n".join(f"{plain(title)}\n\n{render(headers, rows)}" for title, headers, rows in tables)


def render_exposure(result: Exposure, fmt: str) -> str:
    """``reegraph exposure``: JSON as the contract; else a row per product, element and scenario."""
    if fmt == "json":
        return render_json(result.as_dict())
    headers = ["product", "element", "region", "t/yr", "chokepoint", "scenario", "end use", "supply shortfall",
               "first short", "units lost (months)"]  # fmt: skip
    rows = []
    for r in result.rows:
        top = r["chokepoints"][0] if r["chokepoints"] else None
        where = f"{top['label']} ({top['stage']})" if top else ""
        for name, said in r["scenarios"].items():
            lost = _spread(said["units_lost"], "{:,.0f}") if any(said["defined"].values()) else "no data"
            rows.append([
                r["product"], r["element"], r["region"], "" if r["t_per_year"] is None else f"{r['t_per_year']:,.3g}",
                where, name, (said["end_use"] or "").rsplit("/", 1)[-1], ends(said["shortfall"]), _when(said),
                f"{lost} ({said['months']})",
            ])  # fmt: skip
    if fmt == "csv":
        return render_csv(headers, rows)
    body = render_markdown(headers, rows) if fmt == "markdown" else render_table(headers, rows)
    return (
        f"Exposure as of {result.as_of}: per product and element, the chokepoint it passes first and, per"
        " scenario, the supply shortfall of the element in the product's region (its end use, else the"
        " worst civil end use; the network alone), and from the monthly run, with the product as a"
        " claimant of its own, the first month short and the units lost over the run's horizon\n\n" + body
    )
