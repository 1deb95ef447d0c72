"""The chokepoint report (``reegraph report``) as a terminal summary, Markdown, CSV, JSON and one
self-contained HTML page."""

from __future__ import annotations

from typing import Any

from reegraph.app import Report, ScenarioReport
from reegraph.model import iri
from reegraph.render.html import Raw, bars, esc, link, page, stacked_bars, table
from reegraph.render.scenario import scenario_section
from reegraph.render.text import num, pct, plain, render_csv, render_json, render_markdown, render_table

#: The formats of ``reegraph report``.
FORMATS = ("table", "markdown", "json", "csv", "html")


def render_report(report: Report, fmt: str, *, scenario: ScenarioReport | None = None) -> str:
    """The report in one of :data:`FORMATS`: JSON is the contract (README, "JSON contract"); CSV the
    ranking; HTML one page, with ``scenario``'s impacts as a section."""
    if fmt == "json":
        return render_json(report.as_dict())
    if fmt == "csv":
        return render_csv(*_chokepoint_rows(report))
    if fmt == "markdown":
        return render_report_markdown(report)
    if fmt == "html":
        return render_report_html(report, scenario=scenario)
    return render_report_table(report)


def render_report_table(report: Report, *, top: int = 10) -> str:
    """The terminal summary: the top chokepoints with their why, then concentration by stage."""
    lines = [f"reegraph chokepoint report, as of {report.as_of} (shares by {report.by})", "", "Top chokepoints"]
    for c in report.chokepoints[:top]:
        elements = ", ".join(c.elements)
        flag = "  [every path crosses it]" if c.dominates else ""
        lines.append(plain(f"{c.rank:>3}. {c.label} - {c.stage} - {elements} - score {c.score:.2f}{flag}"))
        lines.append(plain(f"     {c.why}"))
    if len(report.chokepoints) > top:
        lines.append(f"     ... {len(report.chokepoints) - top} more (--format json or csv for all)")
    headers, rows = _concentration_rows(report, production_only=True)
    lines += ["", "Concentration by stage (production, latest year with data)", render_table(headers, rows)]
    hidden = len(report.concentration) - len(rows)
    if hidden:
        lines.append(f"({hidden} entries from capacity figures: --format json or markdown)")
    return "\n".join(lines)


def render_report_markdown(report: Report) -> str:
    """The report as Markdown: the ranking and the concentration table."""
    chokepoints = render_markdown(*_chokepoint_rows(report))
    concentration = render_markdown(*_concentration_rows(report))
    return (
        f"# reegraph chokepoint report\n\nAs of {report.as_of}; shares by {report.by}.\n\n"
        f"## Chokepoints\n\n{chokepoints}\n\n## Concentration by stage\n\n{concentration}"
    )


def render_report_html(report: Report, *, scenario: ScenarioReport | None = None) -> str:
    """The report as one self-contained HTML page: country shares by stage and the ranking as charts,
    then the tables, each chokepoint's sources as links; with ``scenario``, its impacts too."""
    production = [c for c in report.concentration if c.kind == "production"]
    shares = []
    for c in production:
        top = [(s.country, s.share) for s in c.shares[:6]]
        rest = 1 - sum(share for _, share in top)
        shares.append((f"{c.stage} · {c.element} ({c.year})", [*top, *([("other", rest)] if rest > 0.0005 else [])]))
    ranking = [(f"{c.rank}. {c.label} ({c.stage})", c.score, f"{c.score:.2f}") for c in report.chokepoints[:15]]
    headers, rows = _chokepoint_rows(report)
    sources = [Raw(" ".join(link(iri(s), s.rsplit("/", 1)[-1]) for s in c.sources)) for c in report.chokepoints]
    chokepoints = table([*headers, "sources"], [[*row, src] for row, src in zip(rows, sources, strict=True)],
                        numeric=(0, 6, 7, 8))  # fmt: skip
    body = f"""<h1>reegraph chokepoint report</h1>
<p class="muted">As of {esc(report.as_of)}; shares by {esc(report.by)}. Every figure comes from the graph,
with its source.</p>
<h2>Country shares by stage</h2>
<p class="muted">Production, latest year with data; hover a part for its share.</p>
{stacked_bars(shares)}
<h2>Chokepoint ranking</h2>
<p class="muted">Score: 1 when every supply path crosses it, else the larger of its share and the flow lost
without it.</p>
{bars(ranking)}
<h2>Chokepoints</h2>
{chokepoints}
<h2>Concentration by stage</h2>
{table(*_concentration_rows(report), numeric=(2, 5, 6))}
{scenario_section(scenario, level=2) if scenario else ""}"""
    return page(f"reegraph chokepoint report, {report.as_of}", body)


def _chokepoint_rows(report: Report) -> tuple[list[str], list[list[Any]]]:
    headers = ["rank", "kind", "id", "label", "stage", "elements", "share", "hhi", "flow_loss", "dominates", "why"]
    rows = [
        [c.rank, c.kind, c.id, c.label, c.stage, " ".join(c.elements), pct(c.share), num(c.hhi), pct(c.flow_loss),
         "yes" if c.dominates else "no", c.why]
        for c in report.chokepoints
    ]  # fmt: skip
    return headers, rows


def _concentration_rows(report: Report, *, production_only: bool = False) -> tuple[list[str], list[list[Any]]]:
    headers = ["stage", "element", "year", "kind", "basis", "total", "HHI", "top countries", "from"]
    rows = [
        [c.stage, c.element, c.year, c.kind, c.basis, f"{c.total:,.0f}", f"{c.hhi:,.0f}",
         ", ".join(f"{s.country} {s.share:.0%}" for s in c.shares[:3]), c.computed_from]
        for c in report.concentration
        if c.kind == "production" or not production_only
    ]  # fmt: skip
    return headers, rows
