"""What the graph holds, rendered: ``reegraph info``, ``validate``, ``sources`` and ``query``."""

from __future__ import annotations

import json
from collections.abc import Sequence

from reegraph.app import EstimateFact, Info, SourceUse, StaleFacility
from reegraph.library import Query, describe
from reegraph.rdf.validate import Finding
from reegraph.render.text import render_csv, render_json, render_markdown, render_table


def render_info(summary: Info, fmt: str) -> str:
    """The summary as JSON, or as tables (``table`` or ``markdown``)."""
    if fmt == "json":
        return render_json(summary.as_dict())
    render = render_markdown if fmt == "markdown" else render_table
    years = f"{summary.first_year}-{summary.last_year}" if summary.first_year else "none"
    head: list[list[object]] = [
        ["ontology version", summary.ontology_version],
        ["triples", f"{summary.triples:,}"],
        ["sources", summary.sources],
        ["years of figures", years],
        ["latest source", summary.latest_source_date or "none"],
    ]
    sections = [
        render(["graph", "value"], head),
        render(["class", "instances"], list(summary.classes.items())),
        render(["stage", "facilities"], list(summary.stages.items())),
        render(["country", "facilities"], list(summary.countries.items())),
    ]
    return "\n\n".join(sections)


def render_findings(findings: Sequence[Finding], triples: int, fmt: str) -> str:
    """Validation findings as JSON, or one line each and a verdict (``table``)."""
    violations = sum(f.severity == "violation" for f in findings)
    if fmt == "json":
        return render_json(
            {"conforms": violations == 0, "triples": triples, "findings": [f.as_dict() for f in findings]}
        )
    lines = [
        f"{f.file or '-'}: {f.severity}: {f.focus}{' ' + f.path if f.path else ''}: {f.message}"
        + (f" (value: {f.value})" if f.value and f.value != f.focus else "")
        for f in findings
    ]
    verdict = "conforms" if violations == 0 else "does not conform"
    lines.append(
        f"{verdict}: {violations} violation(s), {len(findings) - violations} other finding(s), "
        f"{triples:,} triples checked"
    )
    return "\n".join(lines)


def render_sources(used: Sequence[SourceUse], guessed: Sequence[EstimateFact], fmt: str, *, estimates: bool) -> str:
    """The sources and the estimates: JSON holds both lists; the other formats print the sources then
    the estimates, or only the estimates with ``estimates`` (CSV prints one of the two)."""
    if fmt == "json":
        return render_json({"sources": [s.as_dict() for s in used], "estimates": [e.as_dict() for e in guessed]})
    source_table = (
        ["source", "facts", "estimates", "issued", "publisher", "title"],
        [[s.id, s.facts, s.estimates, s.issued, s.publisher, s.title] for s in used],
    )
    estimate_table = (
        ["fact", "about", "kind", "value", "basis", "year", "method", "sources"],
        [[e.id, e.about, e.kind, e.value, e.basis, e.year, e.method, " ".join(e.sources)] for e in guessed],
    )
    if fmt == "csv":
        return render_csv(*(estimate_table if estimates else source_table))
    render = render_markdown if fmt == "markdown" else render_table
    heading = f"{len(guessed)} fact(s) with confidence 'estimate':"
    sections = (
        [heading, render(*estimate_table)] if estimates else [render(*source_table), heading, render(*estimate_table)]
    )
    return "\n\n".join(sections)


def render_stale(stale: Sequence[StaleFacility], fmt: str) -> str:
    """The facilities due for review (``reegraph sources --stale``): why each is due."""
    if fmt == "json":
        return render_json({"stale": [f.as_dict() for f in stale]})
    headers = ["facility", "label", "stage", "country", "newest figure", "reviewed", "why"]
    rows = [[f.id, f.label, f.stage, f.country, f.newest or "", f.reviewed, f.why] for f in stale]
    if fmt == "csv":
        return render_csv(headers, rows)
    render = render_markdown if fmt == "markdown" else render_table
    return f"{len(stale)} facilities due for review:\n\n" + render(headers, rows)


def render_library(queries: Sequence[Query], fmt: str) -> str:
    """The named queries: JSON with their headers and texts, or a table of names, titles and parameters."""
    if fmt == "json":
        return render_json([describe(q) for q in queries])
    rows = [
        [q.name, q.title, " ".join(f"{p.name}:{p.type}" + ("?" if p.optional else "") for p in q.params)]
        for q in queries
    ]
    render = {"table": render_table, "markdown": render_markdown, "csv": render_csv}[fmt]
    return render(["query", "title", "parameters (?: optional)"], rows)


def render_results(kind: str, data: bytes, fmt: str) -> str:
    """A query's answer for ``reegraph query --format fmt``: a graph as serialised; results as
    serialised, or as a table or Markdown table (``data`` then holds SPARQL JSON)."""
    text = data.decode("utf-8")
    if kind == "graph" or fmt not in ("table", "markdown"):
        return text
    results = json.loads(text)
    if "boolean" in results:
        return "true" if results["boolean"] else "false"
    names = results["head"]["vars"]
    rows = [[binding.get(n, {}).get("value", "") for n in names] for binding in results["results"]["bindings"]]
    return (render_markdown if fmt == "markdown" else render_table)(names, rows)
