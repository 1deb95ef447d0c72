"""Scenario results (``reegraph scenario run`` and ``compare``) as tables, Markdown, CSV, JSON and one
self-contained HTML page."""

from __future__ import annotations

from reegraph.app import Comparison, MonteCarloReport, ScenarioReport
from reegraph.model import DATA, iri
from reegraph.render.html import Raw, bars, esc, link, page, table
from reegraph.render.text import num, pct, plain, render_csv, render_json, render_markdown, render_table


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


def render_scenario_table(report: ScenarioReport, *, markdown: bool = False) -> str:
    """Impacts as a table: the largest shortfalls first."""
    headers = ["end use", "element", "region", "baseline", "scenario", "shortfall", "days", "binding"]
    rows = [
        [i["end_use_label"], i["element"], i["region"], num(i["baseline"]), num(i["scenario"]),
         pct(i["shortfall"]), "" if i["days_to_shortage"] is None else i["days_to_shortage"],
         " ".join(b.removeprefix(DATA) for b in i["binding"][:3])]
        for i in report.impacts
    ]  # fmt: skip
    head = f"Scenario {report.scenario}: {report.title}, as of {report.as_of} (t contained element; t REO for ALL)"
    body = render_markdown(headers, rows) if markdown else render_table(headers, rows)
    return plain(head) + "\n\n" + body


def render_scenario_csv(report: ScenarioReport) -> str:
    """Impacts as CSV, one row per end use, element and region."""
    headers = [
        "end_use",
        "end_use_label",
        "element",
        "region",
        "baseline",
        "scenario",
        "shortfall",
        "days_to_shortage",
        "binding",
    ]
    rows = [[i[h] if h != "binding" else " ".join(i["binding"]) for h in headers] for i in report.impacts]
    return render_csv(headers, rows)


def render_scenario_html(report: ScenarioReport) -> str:
    """Impacts as one self-contained HTML page: the shortfalls as a chart, then the table."""
    return page(f"reegraph scenario {report.scenario}, {report.as_of}", scenario_section(report, level=1))


def scenario_section(report: ScenarioReport, *, level: int) -> str:
    """A scenario's impacts as a section of a page: the largest shortfalls as a chart, then the table."""
    hit = [i for i in report.impacts if i["shortfall"]]
    chart = [
        (f"{i['element']} · {i['region']} · {i['end_use_label']}", i["shortfall"], f"{i['shortfall']:.0%}")
        for i in hit[:30]
    ]
    headers = ["end use", "element", "region", "baseline", "scenario", "shortfall", "days to shortage", "binding"]
    rows = [
        [i["end_use_label"], i["element"], i["region"], num(i["baseline"]), num(i["scenario"]), pct(i["shortfall"]),
         "" if i["days_to_shortage"] is None else i["days_to_shortage"],
         Raw(" ".join(link(b, b.rsplit("/", 2)[-2] + "/" + b.rsplit("/", 1)[-1]) for b in i["binding"]))]
        for i in report.impacts
    ]  # fmt: skip
    h, sub = f"h{level}", f"h{level + 1}"
    return f"""<{h}>Scenario {esc(report.scenario)}</{h}>
<p>{esc(report.title)}, as of {esc(report.as_of)}. Tonnes of contained element (t REO for ALL); the most
each region could receive against the baseline.</p>
<{sub}>Largest shortfalls</{sub}>
{bars(chart) if chart else '<p class="muted">No shortfall.</p>'}
<{sub}>Impacts</{sub}>
{table(headers, rows, numeric=(3, 4, 5, 6))}
"""


def render_monte_carlo_table(report: MonteCarloReport, *, markdown: bool = False) -> str:
    """Shortfall percentiles as a table, one row per element, group of end uses and region."""
    headers = ["element", "region", "end uses", "p50", "p90", "mean"]
    rows = [[d.element, d.region, _uses(d.end_uses), pct(d.p50), pct(d.p90), pct(d.mean)] for d in report.distributions]
    head = (
        f"Scenario {report.scenario} as of {report.as_of}: {report.draws} draws (seed {report.seed}), each plant out "
        f"with probability {report.facility_outage}, each country with {report.country_outage}"
    )
    return plain(head) + "\n\n" + (render_markdown(headers, rows) if markdown else render_table(headers, rows))


def render_monte_carlo_csv(report: MonteCarloReport) -> str:
    """Shortfall percentiles as CSV, one row per element, group of end uses and region."""
    rows = [
        [d.element, d.region, " ".join(iri(u) for u in d.end_uses), d.p50, d.p90, d.mean] for d in report.distributions
    ]
    return render_csv(["element", "region", "end_uses", "p50", "p90", "mean"], rows)


def _uses(end_uses: tuple[str, ...]) -> str:
    names = ", ".join(u.rsplit("/", 1)[-1] for u in end_uses[:3])
    return names + (f" +{len(end_uses) - 3}" if len(end_uses) > 3 else "")


def render_comparison(comparison: Comparison, fmt: str) -> str:
    """Two scenarios' shortfalls side by side: ``table``, ``markdown`` or ``csv``."""
    headers = ["end use", "element", "region", comparison.first, comparison.second]
    rows = [[r.end_use_label, r.element, r.region, pct(r.first), pct(r.second)] for r in comparison.rows]
    render = {"csv": render_csv, "markdown": render_markdown}.get(fmt, render_table)
    return render(headers, rows)
