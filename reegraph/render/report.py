"""The chokepoint report (``reegraph report``) as a terminal summary, Markdown, CSV, JSON and one
self-contained HTML page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reegraph.app import Report, ScenarioReport, flow_diagrams
from reegraph.model import Range, fmt_amount, fmt_ends, fmt_share
from reegraph.render.flows import flow_section
from reegraph.render.html import Raw, ShareRow, bars, esc, link, page, share_bars, table
from reegraph.render.scenario import scenario_section
from reegraph.render.text import plain, render_csv, render_json, render_markdown, render_table

#: The formats of ``reegraph report``.
FORMATS = ("table", "markdown", "json", "csv", "html")


def render_report(
    report: Report,
    fmt: str,
    *,
    scenario: ScenarioReport | None = None,
    sources: Mapping[str, tuple[str, str]] | None = None,
) -> str:
    """The report in one of :data:`FORMATS`: JSON is the contract (README, "JSON contract"); CSV the
    ranking; HTML one page, with ``scenario``'s impacts as a section and the chokepoints' sources
    by title, linked to their web pages (``sources``: title and URL by short id)."""
    if fmt == "json":
        return render_json(report.as_dict())
    if fmt == "csv":
        return render_csv(*_chokepoint_rows(report))
    if fmt == "markdown":
        return render_report_markdown(report)
    if fmt == "html":
        return render_report_html(report, scenario=scenario, sources=sources)
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
    headers, rows = _concentration_rows(report, quantified_only=True)
    lines += [
        "",
        "Concentration by stage and year (each entry from that year's figures only)"
        if any(c.year is not None for c in report.concentration)
        else f"Concentration by stage (latest figures up to {report.as_of}, from {report.oldest_year} on: "
        "older ones are stale)",
        render_table(headers, rows),
    ]
    lacking = [c for c in report.concentration if c.status == "not enough data"]
    if lacking:
        said = (f"{c.element} at {c.stage}" + ("" if c.year is None else f" ({c.year})") for c in lacking)
        lines.append(f"Not enough data: {', '.join(said)}")
        lines.append("(--format markdown or json says what is missing for each)")
    if report.unhandled:
        lines.append(report.unhandled_note)
    partial = [c for c in report.concentration if c.status == "partial"]
    if partial:
        many = f"{len(partial)} entries are shares" if len(partial) > 1 else "1 entry is a share"
        lines.append(
            f"* {many} of the quantified output: some plants have no figure (--format markdown or json names them)."
        )
    return "\n".join(lines)


def render_report_markdown(report: Report) -> str:
    """The report as Markdown: the ranking and the concentration table."""
    chokepoints = render_markdown(*_chokepoint_rows(report))
    concentration = render_markdown(*_concentration_rows(report))
    return (
        f"# reegraph chokepoint report\n\nAs of {report.as_of}; shares by {report.by}.\n\n"
        f"## Chokepoints\n\n{chokepoints}\n\n## Concentration by stage\n\n{concentration}"
        + (f"\n\n{report.unhandled_note}" if report.unhandled else "")
    )


def render_report_html(
    report: Report, *, scenario: ScenarioReport | None = None, sources: Mapping[str, tuple[str, str]] | None = None
) -> str:
    """The report as one self-contained HTML page: country shares by stage, the ranking and each
    element's flow in tonnes as charts, then the tables, each chokepoint's sources by title, linked
    to their pages (``sources``); with ``scenario``, its impacts too."""
    shares: list[ShareRow] = []
    lacking: dict[tuple[str, str], list[str]] = {}  # by stage and years: the elements without data
    for c in report.concentration:
        if c.year is not None:
            continue
        if c.status == "not enough data":
            lacking.setdefault((c.stage, c.span), []).append(c.element)
            continue
        partial = c.status == "partial"  # (some plants have no figure: the note and the pale bar say so)
        note = "shares of the quantified output: some plants have no figure" if partial else ""
        label = f"{c.stage} · {c.element}" + (f" ({c.span})" if c.span else "")
        shares.append(ShareRow(label, note, [(s.country, s.share) for s in c.shares], partial))
    for (stage, span), elements in lacking.items():
        label = f"{stage} · {', '.join(elements)}" + (f" ({span})" if span else "")
        shares.append(ShareRow(label, "not enough data for a share (the concentration table says what is missing)", []))
    ranking = [(f"{c.rank}. {c.label} ({c.stage})", c.score, f"{c.score:.2f}") for c in report.chokepoints[:15]]
    headers, rows = _chokepoint_rows(report)
    why = headers.index("why")
    for row, point in zip(rows, report.chokepoints, strict=True):  # the why, then its sources by title
        cited = "; ".join(_cite(s, sources or {}) for s in point.sources)
        row[why] = Raw(f'{esc(row[why])}<div class="muted">Sources: {cited or "none"}</div>')
    drop = headers.index("id")  # the label says it; JSON and CSV keep the id
    chokepoints = table(
        [*headers[:drop], *headers[drop + 1 :]],
        [[*row[:drop], *row[drop + 1 :]] for row in rows],
        numeric=(0, 5, 6, 7),
        wide=(why - 1,),
    )
    unhandled = f"<p>{esc(report.unhandled_note)}</p>" if report.unhandled else ""
    body = f"""<h1>reegraph chokepoint report</h1>
<p class="muted">As of {esc(report.as_of)}; shares by {esc(report.by)}; figures from before
{report.oldest_year} (more than {report.max_age} years old) are left out as stale. Every figure comes
from the graph, with its source. Amounts and shares are ranges: what the evidence allows, from its
lowest to its highest (rounded outwards), with the point estimate first where the figures give one.
A flow loss is given at the low ends and at the high ends of the figures.</p>
<h2>Country shares by stage</h2>
<p class="muted">Each country solid up to the low end of its share range (what the evidence guarantees
it); hatched, the rest, which the evidence pins to no one country; each range in words under its bar.
Partial entries are shares of the quantified output (some plants have no figure: the table names how many),
so no country's share of the stage is guaranteed: their bars are pale, with nothing solid.</p>
{share_bars(shares)}
<h2>Chokepoint ranking</h2>
<p class="muted">Score: 1 when every supply path crosses it, else the larger of the lowest share and the
lowest flow loss the evidence allows.</p>
{bars(ranking)}
{flow_section(flow_diagrams(report.flows, labels=report.labels))}
<h2>Chokepoints</h2>
{chokepoints}
<h2>Concentration by stage</h2>
{table(*_concentration_rows(report), numeric=(3, 4))}
{unhandled}
{scenario_section(scenario, level=2) if scenario else ""}"""
    return page(f"reegraph chokepoint report, {report.as_of}", body)


def _chokepoint_rows(report: Report) -> tuple[list[str], list[list[Any]]]:
    headers = ["rank", "kind", "id", "label", "stage", "elements", "share", "hhi", "flow_loss", "dominates", "why"]
    rows = [
        [c.rank, c.kind, c.id, c.label, c.stage, " ".join(c.elements), fmt_share(c.share) if c.share else "",
         _hhi(c.hhi), fmt_ends(c.flow_loss) if c.flow_loss else "", "yes" if c.dominates else "no", c.why]
        for c in report.chokepoints
    ]  # fmt: skip
    return headers, rows


def _cite(source: str, known: Mapping[str, tuple[str, str]]) -> str:
    """A source by its title (cut at 90 characters), linked to its web page where it has one."""
    title, url = known.get(source, (source.rsplit("/", 1)[-1], ""))
    shown = title if len(title) <= 90 else title[:88] + "…"
    return link(url, shown) if url else esc(shown)


def _hhi(r: Range | None) -> str:
    return "" if r is None else fmt_amount(r)


def _concentration_rows(report: Report, *, quantified_only: bool = False) -> tuple[list[str], list[list[Any]]]:
    headers = ["stage", "element", "years", "total", "HHI", "basis", "top countries", "status"]
    rows = [
        [c.stage, c.element, c.span, fmt_amount(c.total), _hhi(c.hhi), c.basis,
         ", ".join(f"{s.country} {fmt_share(s.share)}" for s in c.shares[:3]),
         c.status if quantified_only else (c.note or c.status)]
        for c in report.concentration
        if c.status != "not enough data" or not quantified_only
    ]  # fmt: skip
    return headers, rows
