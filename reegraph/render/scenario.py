"""Scenario results (``reegraph scenario run`` and ``compare``) as tables, Markdown, CSV, JSON and one
self-contained HTML page.

Amounts and shortfalls are ranges (README "Scenarios"): an amount shows as ``low–high`` with the
point first where the rules give one; a shortfall, computed at the low ends of the amounts, at their
points and at their high ends, as the range of those it is defined at (``no data`` where none)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from reegraph.app import Comparison, Exposure, MonteCarloReport, ScenarioReport
from reegraph.model import DATA, ENDS, Ends, Range, fmt_amount, fmt_ends, iri
from reegraph.render.html import Raw, bars, esc, link, page, table
from reegraph.render.text import plain, render_csv, render_json, render_markdown, render_table


def render_scenario(result: ScenarioReport | MonteCarloReport | Comparison, fmt: str) -> str:
    """A run, a Monte Carlo run or a comparison as ``table``, ``markdown``, ``json`` (its contract,
    README "Scenarios"), ``csv`` or (a run) ``html``."""
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
    return render_scenario_table(result, markdown=fmt == "markdown")


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


def render_scenario_table(report: ScenarioReport, *, markdown: bool = False) -> str:
    """Impacts as a table, the largest shortfalls first, then the notes on what could not be priced."""
    headers = ["end use", "element", "region", "baseline", "scenario", "change", "shortfall", "days", "binding"]
    rows = [
        [i["end_use_label"], i["element"], i["region"], amount(i["baseline"]), amount(i["scenario"]),
         change(i["change"]), ends(i["shortfall"]), _days(i),
         " ".join(b.removeprefix(DATA) for b in _binding(i)[:3])]
        for i in report.impacts
    ]  # fmt: skip
    head = f"Scenario {report.scenario}: {report.title}, as of {report.as_of} (t contained element; t REO for ALL)"
    body = render_markdown(headers, rows) if markdown else render_table(headers, rows)
    said = _said(report)
    documents = len({x for found in report.sources.values() for x in found})
    if documents:
        said.append(f"{documents} sources back these figures (--format json lists them by element)")
    notes = "".join(f"\n{'- ' if markdown else ''}{plain(line)}" for line in said)
    return plain(head) + "\n\n" + body + ("\n" + notes if notes else "")


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
    """Impacts as one self-contained HTML page: the shortfalls as a chart, then the table."""
    return page(f"reegraph scenario {report.scenario}, {report.as_of}", scenario_section(report, level=1))


def scenario_section(report: ScenarioReport, *, level: int) -> str:
    """A scenario's impacts as a section of a page: the largest shortfalls as a chart (at the point,
    else the least defined), then the table and the notes."""
    chart = []
    for i in report.impacts:
        values = [v for v in i["shortfall"].values() if v is not None]
        if values and max(values) > 0:
            at = i["shortfall"]["point"] if i["shortfall"]["point"] is not None else min(values)
            chart.append((f"{i['element']} · {i['region']} · {i['end_use_label']}", at, ends(i["shortfall"])))
    headers = ["end use", "element", "region", "baseline", "scenario", "change (t)", "shortfall", "days to shortage",
               "binding"]  # fmt: skip
    rows = [
        [i["end_use_label"], i["element"], i["region"], amount(i["baseline"]), amount(i["scenario"]),
         change(i["change"]), ends(i["shortfall"]), _days(i),
         Raw(" ".join(link(b, b.rsplit("/", 2)[-2] + "/" + b.rsplit("/", 1)[-1]) for b in _binding(i)))]
        for i in report.impacts
    ]  # fmt: skip
    notes = "".join(f"<li>{esc(n['note'])}</li>" for n in report.notes)
    offline = "".join(f"<li>{esc(line)}</li>" for line in _offline_lines(report))
    none_priced = (
        "No shortfall at any end where one could be priced: see what was not priced below."
        if report.notes
        else "No shortfall at any end."
    )
    h, sub = f"h{level}", f"h{level + 1}"
    return f"""<{h}>Scenario {esc(report.scenario)}</{h}>
<p>{esc(report.title)}, as of {esc(report.as_of)}. Tonnes of contained element (t REO for ALL); the most
each region could receive against the baseline. Amounts are ranges (the point first where the figures
give one); the shortfall is computed at the low ends, the points and the high ends of the amounts.</p>
<{sub}>Largest shortfalls</{sub}>
{bars(chart[:30]) if chart else f'<p class="muted">{none_priced}</p>'}
<{sub}>Impacts</{sub}>
{table(headers, rows, numeric=(3, 4, 5, 6, 7))}
{f"<{sub}>Not priced</{sub}><ul>{notes}</ul>" if notes else ""}
{f"<{sub}>Taken offline</{sub}><ul>{offline}</ul>" if offline else ""}
"""


def render_monte_carlo_table(report: MonteCarloReport, *, markdown: bool = False) -> str:
    """Shortfall percentiles as a table, one row per element, group of end uses and region."""
    headers = ["element", "region", "end uses", "p50", "p90", "mean"]
    rows = [
        [d.element, d.region, _uses(d.end_uses, report.labels), fmt_ends(d.p50), fmt_ends(d.p90), fmt_ends(d.mean)]
        for d in report.distributions
    ]
    head = (
        f"Scenario {report.scenario} as of {report.as_of}: {report.draws} draws (seed {report.seed}), each plant out "
        f"with probability {report.facility_outage}, each country with {report.country_outage}"
    )
    return plain(head) + "\n\n" + (render_markdown(headers, rows) if markdown else render_table(headers, rows))


def render_monte_carlo_csv(report: MonteCarloReport) -> str:
    """Shortfall percentiles as CSV, one row per element, group of end uses and region."""
    rows = [
        [d.element, d.region, " ".join(iri(u) for u in d.end_uses), fmt_ends(d.p50), fmt_ends(d.p90), fmt_ends(d.mean)]
        for d in report.distributions
    ]
    return render_csv(["element", "region", "end_uses", "p50", "p90", "mean"], rows)


def _uses(end_uses: tuple[str, ...], labels: Mapping[str, str] | None = None) -> str:
    """A group of end uses by label (the first three), and how many more."""
    names = "; ".join((labels or {}).get(u) or u.rsplit("/", 1)[-1] for u in end_uses[:3])
    return names + (f" +{len(end_uses) - 3}" if len(end_uses) > 3 else "")


def render_comparison(comparison: Comparison, fmt: str) -> str:
    """Two scenarios' shortfalls side by side: ``table``, ``markdown`` or ``csv``."""
    headers = ["end use", "element", "region", comparison.first, comparison.second]
    rows = [[r.end_use_label, r.element, r.region, ends(r.first), ends(r.second)] for r in comparison.rows]
    render = {"csv": render_csv, "markdown": render_markdown}.get(fmt, render_table)
    return render(headers, rows)


def render_exposure(result: Exposure, fmt: str) -> str:
    """``reegraph exposure``: JSON as the contract; else a row per product, element and scenario."""
    if fmt == "json":
        return render_json(result.as_dict())
    headers = ["product", "element", "region", "t/yr", "chokepoint", "scenario", "end use", "shortfall",
               "units at risk"]  # fmt: skip
    rows = []
    for r in result.rows:
        top = r["chokepoints"][0] if r["chokepoints"] else None
        where = f"{top['label']} ({top['stage']})" if top else ""
        for name, said in r["scenarios"].items():
            at_risk = Ends(*(said["units_at_risk"][end] for end in ENDS))
            rows.append([
                r["product"], r["element"], r["region"], "" if r["t_per_year"] is None else f"{r['t_per_year']:,.3g}",
                where, name, (said["end_use"] or "").rsplit("/", 1)[-1], ends(said["shortfall"]),
                fmt_ends(at_risk, lambda v: f"{v:,.0f}"),
            ])  # fmt: skip
    if fmt == "csv":
        return render_csv(headers, rows)
    body = render_markdown(headers, rows) if fmt == "markdown" else render_table(headers, rows)
    return (
        f"Exposure as of {result.as_of}: per product and element, the chokepoint it passes first and, per"
        " scenario, the shortfall of the element in the product's region (its end use, else the worst"
        " civil end use) and the units a year it puts at risk\n\n" + body
    )
