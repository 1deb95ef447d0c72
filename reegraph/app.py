"""Renderers shared by every command (plain-text tables, Markdown tables, CSV and JSON), and the
chokepoint report: :func:`make_report` runs the analytics; ``render_report_*`` format the result.

Renderers take rows (sequences of cells) or JSON-ready data and return text; they never print.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from reegraph._gc import gc_paused

if TYPE_CHECKING:
    import networkx as nx


def render_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A fixed-width text table.

    Examples
    --------
    >>> print(render_table(["stage", "n"], [["mining", 3]]))
    stage   n
    ------  -
    mining  3
    """
    cells = [[_cell(c) for c in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def render_markdown(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table; pipes and newlines in cells are escaped.

    Examples
    --------
    >>> print(render_markdown(["stage", "n"], [["mining", 3]]))
    | stage | n |
    | --- | --- |
    | mining | 3 |
    """

    def md(value: Any) -> str:
        return _cell(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(md(h) for h in headers) + " |", "|" + " --- |" * len(headers)]
    lines += ["| " + " | ".join(md(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_csv(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """RFC 4180 CSV. Text cells that a spreadsheet would run as a formula get a leading apostrophe.

    Examples
    --------
    >>> print(render_csv(["name", "n"], [["=cmd()", 3], ["a, b", -1.5]]), end="")
    name,n
    '=cmd(),3
    "a, b",-1.5
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows([[_csv_cell(c) for c in row] for row in rows])
    return out.getvalue()


def render_json(data: Any) -> str:
    """Stable, indented JSON (keys in insertion order, non-ASCII kept)."""
    return json.dumps(data, indent=2, ensure_ascii=False)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return plain(str(value))


def plain(text: str) -> str:
    """``text`` with control characters (line breaks, terminal escape sequences) made visible as
    ``\\uFFFD``, so data cannot reshape or recolour a terminal table.

    Examples
    --------
    >>> plain("Mine\\x1b[31m A\\nB")
    'Mine\\ufffd[31m A\\ufffdB'
    """
    return "".join("\ufffd" if ord(c) < 32 or 127 <= ord(c) < 160 else c for c in text)


def _csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


# ---------------------------------------------------------------------------------------------
# The chokepoint report
# ---------------------------------------------------------------------------------------------

#: Version of the JSON contract of ``reegraph report`` (README, "JSON contract").
SCHEMA_VERSION = "1"


@dataclass(frozen=True)
class Report:
    """Everything ``reegraph report`` shows: concentration, flows, structure and the ranking."""

    as_of: str
    by: str
    concentration: tuple
    flows: tuple
    chokepoints: tuple
    articulation_points: tuple[str, ...]
    bridges: tuple[tuple[str, str], ...]
    skipped_links: tuple[str, ...]

    def as_dict(self) -> dict:
        """The JSON contract (``schema_version`` "1"; ids of data nodes are full IRIs)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "as_of": self.as_of,
            "by": self.by,
            "concentration": [_concentration_dict(c) for c in self.concentration],
            "chokepoints": [
                c.as_dict()
                | {
                    "id": c.id if c.kind == "country" else iri(c.id),
                    "end_uses": [iri(u) for u in c.end_uses],
                    "sources": [iri(s) for s in c.sources],
                }
                for c in self.chokepoints
            ],
            "flows": [_flow_dict(f) for f in self.flows],
            "structure": {
                "articulation_points": [iri(n) for n in self.articulation_points],
                "bridges": [[iri(a), iri(b)] for a, b in self.bridges],
                "links_not_drawn": [iri(link) for link in self.skipped_links],
            },
        }


@gc_paused()
def make_report(
    store,
    *,
    as_of: date,
    elements: Sequence[str] = (),
    end_uses: Sequence[str] = (),
    stages: Sequence[str] = (),
    by: str = "location",
    include_planned: bool = False,
    all_years: bool = False,
    network: nx.DiGraph | None = None,
) -> Report:
    """Project the graph, run the analytics, and collect the report (filters as in ``reegraph report``);
    ``network``: the graph already projected with these ``as_of`` and ``include_planned``.

    Raises
    ------
    InputError
        An element, group or end use that the graph does not know.
    """
    from reegraph.analysis import compute_concentration, compute_flow, find_cuts, rank_chokepoints
    from reegraph.network.project import build_network, resolve_end_uses

    G = build_network(store, as_of=as_of, include_planned=include_planned) if network is None else network
    keys, symbols = _resolve_elements(G, elements)
    wanted_uses = resolve_end_uses(G, end_uses)
    concentration = compute_concentration(G, by=by, stages=stages or None, elements=keys, all_years=all_years)
    tables: dict = {}
    flows = []
    for element in ("ALL", *symbols) if not elements or "ALL" in keys else symbols:
        for flow in compute_flow(G, element, tables):
            kept = tuple(u for u in flow.end_uses if not wanted_uses or u in wanted_uses)
            if kept:
                flows.append(replace(flow, end_uses=kept))
    # the ranking reads the latest year of each entry, and the symbols of any group asked for
    wanted_elements = {e for u in wanted_uses for e in G.nodes[u]["elements"]}
    signal_elements = ["ALL", *symbols] if keys else None
    if wanted_uses:
        signal_elements = ["ALL", *sorted(wanted_elements & set(symbols))]
    same = signal_elements is None and not all_years
    signals = (
        concentration if same else compute_concentration(G, by=by, stages=stages or None, elements=signal_elements)
    )
    ranked = [
        c
        for c in rank_chokepoints(G, signals, flows, tables=tables)
        if (not stages or c.stage in stages)
        and (not keys or set(c.elements) & {*keys, *symbols})
        and (not wanted_uses or set(c.end_uses) & wanted_uses or (not c.end_uses and set(c.elements) & wanted_elements))
    ]
    points, bridges = find_cuts(G)
    return Report(
        as_of=as_of.isoformat(),
        by=by,
        concentration=tuple(concentration),
        flows=tuple(flows),
        chokepoints=tuple(replace(c, rank=i + 1) for i, c in enumerate(ranked)),
        articulation_points=tuple(points),
        bridges=tuple(bridges),
        skipped_links=tuple(G.graph.get("skipped_links", ())),
    )


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
    from reegraph.render.html import Raw, bars, esc, link, page, stacked_bars, table

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
{_scenario_section(scenario, level=2) if scenario else ""}"""
    return page(f"reegraph chokepoint report, {report.as_of}", body)


def render_report_csv(report: Report) -> str:
    """The chokepoint ranking as CSV, one row per chokepoint."""
    return render_csv(*_chokepoint_rows(report))


def iri(short: str) -> str:
    """The full IRI of a short data id (``facility/x``); other ids unchanged."""
    from reegraph.rdf.vocab import DATA

    return short if short.startswith(("market/", "<", "http")) or "/" not in short else str(DATA) + short


def _chokepoint_rows(report: Report) -> tuple[list[str], list[list[Any]]]:
    headers = ["rank", "kind", "id", "label", "stage", "elements", "share", "hhi", "flow_loss", "dominates", "why"]
    rows = [
        [c.rank, c.kind, c.id, c.label, c.stage, " ".join(c.elements), _pct(c.share), _num(c.hhi), _pct(c.flow_loss),
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


def _concentration_dict(entry) -> dict:
    data = entry.as_dict()
    data["sources"] = [iri(s) for s in entry.sources]
    for share in data["shares"]:
        share["sources"] = [iri(s) for s in share["sources"]]
    return data


def _flow_dict(flow) -> dict:
    return {
        "element": flow.element,
        "feeding_stage": flow.feeding_stage,
        "end_uses": [iri(u) for u in flow.end_uses],
        "basis": flow.basis,
        "flow": flow.flow,
        "binding_stage": flow.binding_stage,
        "stages": [
            {
                "stage": s.stage,
                "quantified": s.quantified,
                "total": s.total if math.isfinite(s.total) else None,
                "countries": [{"country": c, "amount": a if math.isfinite(a) else None} for c, a in s.countries],
            }
            for s in flow.stages
        ],
    }


def _resolve_elements(G, names: Sequence[str]) -> tuple[list[str] | None, list[str]]:
    """Concentration keys and flow symbols for ``--element`` (symbols, group names or ``ALL``)."""
    from reegraph.errors import InputError
    from reegraph.network.project import expand_elements

    if not names:
        return None, sorted(G.graph["elements"])
    try:
        symbols = expand_elements(G.graph["elements"], G.graph["groups"], [n for n in names if n != "ALL"])
    except InputError as exc:
        raise InputError(f"--element: {exc}") from None
    return list(dict.fromkeys(names)), sorted(symbols)


def _flow_elements(G, names: Sequence[str]) -> list[str]:
    """The flows ``--element`` asks a scenario for: ``ALL`` (all rare earths, t REO) if named, then
    each symbol named or in a group named."""
    return (["ALL"] if "ALL" in names else []) + _resolve_elements(G, names)[1]


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.1%}"


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:,.0f}"


# ---------------------------------------------------------------------------------------------
# Scenario results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioReport:
    """What ``reegraph scenario run`` shows: the impacts of one scenario, as of a date."""

    scenario: str
    title: str
    as_of: str
    impacts: tuple[dict, ...]

    def as_dict(self) -> dict:
        """The JSON contract (``schema_version`` "1")."""
        return {"schema_version": SCHEMA_VERSION, "scenario": self.scenario, "title": self.title,
                "as_of": self.as_of, "impacts": list(self.impacts)}  # fmt: skip


def _prepare_scenario(store, name: str, as_of: date | None, licensed_fraction: float | None):
    """Read a scenario, build the network at its date with planned plants, and bring online the
    planned plants it names whose start has come."""
    from reegraph.network.project import Amount, add_facilities, build_network
    from reegraph.scenario.spec import find_scenario, read_scenario, scenario_date

    path = find_scenario(name)
    when = as_of or scenario_date(path) or date.today()
    G = build_network(store, as_of=when, include_planned=True)
    spec = read_scenario(path, store, G, licensed_fraction=licensed_fraction)
    online = {n for n, start in spec.online.items() if start is None or start <= when}
    started = [p for p in spec.new_facilities if p["from"] is None or p["from"] <= when]
    figures = {p["id"]: Amount(f"{p['id']}/capacity", "capacity", p["capacity"], p["basis"], when.year, p["elements"],
                               "estimate", (str(spec.path),)) for p in started}  # fmt: skip
    add_facilities(G, [{**p, "amounts": (figures[p["id"]],)} for p in started])
    online.update(plant["id"] for plant in started)
    return spec, G, replace(spec.scenario, online=frozenset(online)), when


@gc_paused()
def make_scenario_report(
    store,
    name: str,
    *,
    as_of: date | None = None,
    licensed_fraction: float | None = None,
    elements: Sequence[str] = (),
    regions: Sequence[str] = (),
) -> ScenarioReport:
    """Read a built-in scenario or a scenario file, run it, and collect its impacts.

    Impacts whose baseline no figure bounds are left out; ``days_to_shortage`` is the stockpile's
    days of cover divided by the shortfall, where the scenario names a stockpile for the region.
    """
    from reegraph.analysis.scenarios import REGIONS, run_scenario

    spec, G, scenario, when = _prepare_scenario(store, name, as_of, licensed_fraction)
    symbols = _flow_elements(G, elements) if elements else ["ALL", *sorted(G.graph["elements"])]
    chosen = list(regions) or [*REGIONS, "ROW"]
    impacts = []
    for impact in run_scenario(G, scenario, elements=symbols, regions=chosen):
        if impact.baseline is None:
            continue
        days = [s.days for s in spec.stockpiles if s.region == impact.region and s.end_use in ("", impact.end_use)]
        impacts.append(
            {
                "end_use": iri(impact.end_use),
                "end_use_label": impact.end_use_label,
                "element": impact.element,
                "region": impact.region,
                "baseline": impact.baseline,
                "scenario": impact.scenario,
                "shortfall": impact.shortfall,
                "binding": [iri(b) for b in impact.binding],
                "days_to_shortage": round(min(days) / impact.shortfall, 1) if days and impact.shortfall else None,
            }
        )
    return ScenarioReport(spec.name, spec.title, when.isoformat(), tuple(impacts))


def make_monte_carlo_report(
    store,
    name: str,
    *,
    draws: int,
    seed: int,
    facility_outage: float,
    country_outage: float,
    as_of: date | None = None,
    licensed_fraction: float | None = None,
    elements: Sequence[str] = (),
    regions: Sequence[str] = (),
) -> dict:
    """Shortfall distributions over seeded random outages on top of a scenario (JSON-ready).

    Elements default to those the scenario's controls cover, else all; elements whose flow no figure
    bounds are left out.
    """
    from reegraph.analysis.scenarios import REGIONS, monte_carlo

    spec, G, scenario, when = _prepare_scenario(store, name, as_of, licensed_fraction)
    controlled = sorted({e for c in scenario.controls for e in c.elements} & set(G.graph["elements"]))
    symbols = _flow_elements(G, elements) if elements else controlled or ["ALL", *sorted(G.graph["elements"])]
    results = monte_carlo(
        G,
        scenario,
        elements=symbols,
        regions=list(regions) or [*REGIONS, "ROW"],
        draws=draws,
        seed=seed,
        facility_outage=facility_outage,
        country_outage=country_outage,
    )
    return {
        "schema_version": SCHEMA_VERSION,
        "scenario": spec.name,
        "as_of": when.isoformat(),
        "monte_carlo": {
            "draws": draws,
            "seed": seed,
            "facility_outage": facility_outage,
            "country_outage": country_outage,
        },
        "distributions": [
            {"element": d.element, "end_uses": [iri(u) for u in d.end_uses], "region": d.region,
             "p50": d.p50, "p90": d.p90, "mean": d.mean}
            for d in results
        ],
    }  # fmt: skip


def render_monte_carlo_table(data: dict, *, markdown: bool = False) -> str:
    """Shortfall percentiles as a table, one row per element, group of end uses and region."""
    headers = ["element", "region", "end uses", "p50", "p90", "mean"]
    rows = [
        [d["element"], d["region"], _uses(d["end_uses"]), _pct(d["p50"]), _pct(d["p90"]), _pct(d["mean"])]
        for d in data["distributions"]
    ]  # fmt: skip
    mc = data["monte_carlo"]
    head = (
        f"Scenario {data['scenario']} as of {data['as_of']}: {mc['draws']} draws (seed {mc['seed']}), each plant out "
        f"with probability {mc['facility_outage']}, each country with {mc['country_outage']}"
    )
    return plain(head) + "\n\n" + (render_markdown(headers, rows) if markdown else render_table(headers, rows))


def _uses(end_uses: list[str]) -> str:
    names = ", ".join(u.rsplit("/", 1)[-1] for u in end_uses[:3])
    return names + (f" +{len(end_uses) - 3}" if len(end_uses) > 3 else "")


def render_scenario_table(report: ScenarioReport, *, markdown: bool = False) -> str:
    """Impacts as a table: the largest shortfalls first."""
    headers = ["end use", "element", "region", "baseline", "scenario", "shortfall", "days", "binding"]
    rows = [
        [i["end_use_label"], i["element"], i["region"], _num(i["baseline"]), _num(i["scenario"]),
         _pct(i["shortfall"]), "" if i["days_to_shortage"] is None else i["days_to_shortage"],
         " ".join(b.removeprefix("https://w3id.org/reegraph/id/") for b in i["binding"][:3])]
        for i in report.impacts
    ]  # fmt: skip
    head = f"Scenario {report.scenario}: {report.title}, as of {report.as_of} (t contained element; t REO for ALL)"
    body = render_markdown(headers, rows) if markdown else render_table(headers, rows)
    return plain(head) + "\n\n" + body


def render_scenario_html(report: ScenarioReport) -> str:
    """Impacts as one self-contained HTML page: the shortfalls as a chart, then the table."""
    from reegraph.render.html import page

    return page(f"reegraph scenario {report.scenario}, {report.as_of}", _scenario_section(report, level=1))


def _scenario_section(report: ScenarioReport, *, level: int) -> str:
    from reegraph.render.html import Raw, bars, esc, link, table

    hit = [i for i in report.impacts if i["shortfall"]]
    chart = [
        (f"{i['element']} · {i['region']} · {i['end_use_label']}", i["shortfall"], f"{i['shortfall']:.0%}")
        for i in hit[:30]
    ]
    headers = ["end use", "element", "region", "baseline", "scenario", "shortfall", "days to shortage", "binding"]
    rows = [
        [i["end_use_label"], i["element"], i["region"], _num(i["baseline"]), _num(i["scenario"]), _pct(i["shortfall"]),
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
