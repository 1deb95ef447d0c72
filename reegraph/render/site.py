"""The pages of the static site that only the site has (``reegraph site``): the index, the sources,
the data card and the ontology's documentation, and the bar of links every page of the site carries.

Like every page, they are self-contained and escape every string from the data; the data card's
Markdown is rendered with raw HTML off, and its links to files outside the site become text.
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it import MarkdownIt

from reegraph.app import EstimateFact, Info, OntologyTerm, SourceUse
from reegraph.render.html import Raw, esc, link, page, table

#: The pages of the site: file, title in the bar of links, and what it shows (for the index).
PAGES = (
    ("index.html", "Home", ""),
    ("report.html", "Report", "The chokepoint report: country shares by stage, flows in tonnes, the ranking, why."),
    ("flows.html", "Flows", "The flows of each element in tonnes, mine to end use, by country."),
    ("network.html", "Network", "The supply network, stage by stage, by country, expandable to its plants."),
    ("map.html", "Map", "The facilities on a world map, by stage."),
    ("scenarios.html", "Scenarios", "The built-in scenarios: who runs short, when, and by how much."),
    ("sources.html", "Sources", "Every source behind the figures, and every figure that is an estimate."),
    ("data-card.html", "Data card", "What the graph covers, how amounts are read, the known gaps."),
    ("ontology.html", "Ontology", "The classes, properties and values of the reegraph ontology."),
)


def nav(current: str, files: Sequence[str]) -> str:
    """The bar of links to the site's pages (those in ``files``), ``current`` marked."""
    links = "".join(
        f'<a href="{name}"{" aria-current=page" if name == current else ""} '
        f'style="margin-right:1.1em;{"font-weight:700;color:#1b1b1b" if name == current else "color:#1f618d"}">'
        f"{esc(title)}</a>"
        for name, title, _ in PAGES
        if name in files
    )
    return (
        '<nav style="font:14px system-ui,sans-serif;padding:8px 16px;border-bottom:1px solid #ddd;'
        f'background:#fafafa">{links}</nav>'
    )


def with_nav(html: str, bar: str) -> str:
    """A page with the bar of links at the top of its body."""
    head, body, rest = html.partition("<body>")
    if not body:
        raise ValueError("a page without <body>")
    return f"{head}<body>\n{bar}{rest}"


def render_index(
    info: Info, *, as_of: str, version: str, files: Sequence[str], top: Sequence[tuple[str, str]], notes: Sequence[str]
) -> str:
    """The home page: what the site is, the graph in figures, the top chokepoints (label and why)
    and the pages, with ``notes`` on what could not be drawn."""
    years = f"{info.first_year}–{info.last_year}" if info.first_year else "none"
    pages = "".join(
        f'<li><a href="{name}">{esc(title)}</a>: {esc(what)}</li>' for name, title, what in PAGES[1:] if name in files
    )
    chokepoints = "".join(f"<li><b>{esc(label)}</b>: {esc(why)}</li>" for label, why in top)
    said = "".join(f"<li>{esc(n)}</li>" for n in notes)
    body = f"""<h1>reegraph: the rare-earth supply chain and where it breaks</h1>
<p>An open, sourced knowledge graph of the rare-earth chain, element by element, from mine to end
use, and the analytics that find its single points of failure. Every figure carries its source,
year, basis and confidence; where data is missing the pages say so in words. As of {esc(as_of)};
made by reegraph {esc(version)}.</p>
<p class="muted">{info.triples:,} triples · {info.sources} sources · figures from {esc(years)} ·
latest source {esc(info.latest_source_date or "none")} · ontology {esc(info.ontology_version)}</p>
<h2>Pages</h2><ul>{pages}</ul>
{f"<ul class=muted>{said}</ul>" if said else ""}
<h2>Top chokepoints</h2><ol>{chokepoints}</ol>
<p class="muted">The site is static and works offline: nothing on it is fetched from elsewhere. Links to
the publishers of the sources open their pages.</p>"""
    return page("reegraph", body)


def render_scenarios_index(scenarios: Sequence[tuple[str, str, str, str]]) -> str:
    """The list of the built-in scenarios: the file of each, the file of its flows, its name and title."""
    rows = [
        [Raw(f'<a href="{esc(file)}">{esc(name)}</a>'), title, Raw(f'<a href="{esc(flows)}">flows in tonnes</a>')]
        for file, flows, name, title in scenarios
    ]
    body = f"""<h1>Scenarios</h1>
<p>Each built-in scenario run on the bundled graph at its own date: demand against supply month by
month where the graph gives demand, and each region's supply against the baseline; and its flows in
tonnes beside the baseline's, element by element, for the end uses in the EU.</p>
{table(["scenario", "what it assumes", "flows"], rows, wide=(1,))}"""
    return page("reegraph scenarios", body)


def render_sources_page(used: Sequence[SourceUse], guessed: Sequence[EstimateFact]) -> str:
    """Every source (title linked to its page, publisher, date, facts and estimates it backs), then
    every fact that is only an estimate, with its method."""
    sources = [
        [Raw(link(s.url, s.title or s.id) if s.url else esc(s.title or s.id)), s.publisher, s.issued, s.facts,
         s.estimates, s.id]
        for s in used
    ]  # fmt: skip
    estimates = [
        [e.about, e.kind, "" if e.value is None else f"{e.value:,.6g}", e.basis, e.year or "", e.method,
         " ".join(e.sources)]
        for e in guessed
    ]  # fmt: skip
    body = f"""<h1>Sources</h1>
<p>{len(used)} documents back the graph's figures; {len(guessed)} facts are estimates (the method of each
is below). The links open the publishers' pages.</p>
{table(["title", "publisher", "issued", "facts", "estimates", "id"], sources, numeric=(3, 4), wide=(0,))}
<h2>Estimates</h2>
{table(["about", "kind", "value", "basis", "year", "method", "sources"], estimates, numeric=(2,), wide=(5,))}"""
    return page("reegraph sources", body)


def render_data_card(markdown: str) -> str:
    """The data card (``graphs/README.md``) as a page: raw HTML in it is shown as text, and a link
    that is not to the web or to a heading of the page is shown as its text."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")

    def link_open(renderer, tokens, idx, options, env):  # type: ignore[no-untyped-def]
        href = tokens[idx].attrGet("href") or ""
        if href.startswith(("https://", "http://", "#")):
            if not href.startswith("#"):
                tokens[idx].attrSet("rel", "noopener noreferrer")
            return renderer.renderToken(tokens, idx, options, env)
        tokens[idx].meta["dropped"] = True
        return ""

    def link_close(renderer, tokens, idx, options, env):  # type: ignore[no-untyped-def]
        depth, j = 0, idx - 1  # find the opening token of this link
        while j >= 0 and not (tokens[j].type == "link_open" and depth == 0):
            depth += {"link_close": 1, "link_open": -1}.get(tokens[j].type, 0)
            j -= 1
        return "" if j >= 0 and tokens[j].meta.get("dropped") else "</a>"

    md.add_render_rule("link_open", link_open)
    md.add_render_rule("link_close", link_close)
    return page("reegraph data card", md.render(markdown))


#: The kinds of term, in the order the ontology page shows them, with their headings.
_KINDS = {
    "owl:Class": "Classes",
    "owl:ObjectProperty": "Object properties",
    "owl:DatatypeProperty": "Data properties",
    "owl:AnnotationProperty": "Annotation properties",
    "skos:ConceptScheme": "Concept schemes",
    "rdfs:Datatype": "Datatypes",
}


def render_ontology_page(terms: Sequence[OntologyTerm], *, namespace: str) -> str:
    """The ontology's documentation: its classes, properties and the values of its closed
    vocabularies (stages, bases, confidence, ...), each term with its definition, parents, domain
    and range, every term of the ontology linked to its entry."""
    known = {t.name for t in terms}

    def ref(name: str) -> str:
        return f'<a href="#{esc(name)}">{esc(name)}</a>' if name in known else esc(name)

    def refs(names: Sequence[str]) -> str:
        return ", ".join(ref(n) for n in names)

    sections, contents = [], []
    kinds = [k for k in _KINDS if any(t.kind == k for t in terms)]
    values = sorted({t.kind for t in terms} - set(_KINDS))
    for kind in [*kinds, *values]:
        found = [t for t in terms if t.kind == kind]
        heading = _KINDS.get(kind) or f"Values of {kind}"
        anchor = f"kind-{kind.replace(':', '-')}"
        contents.append(f'<a href="#{esc(anchor)}">{esc(heading)}</a> ({len(found)})')
        rows = []
        for t in found:
            about = [t.definition]
            about += [f"notation: {t.notation}"] if t.notation else []
            name = Raw(f'<b id="{esc(t.name)}">{esc(t.name)}</b><div class="muted">{esc(t.label)}</div>')
            rows.append([name, Raw("<br>".join(esc(a) for a in about if a)), Raw(refs(t.parents)),
                         Raw(refs(t.domains)), Raw(refs(t.ranges))])  # fmt: skip
        headers = ["term", "definition", "parents", "domain", "range"]
        if kind not in ("owl:ObjectProperty", "owl:DatatypeProperty", "owl:AnnotationProperty"):
            headers, rows = headers[:3], [row[:3] for row in rows]
        sections.append(f'<h2 id="{esc(anchor)}">{esc(heading)}</h2>{table(headers, rows, wide=(1,))}')
    body = f"""<h1>The reegraph ontology</h1>
<p>OWL 2, in Turtle (<code>ontology/reegraph.ttl</code>), checked by SHACL shapes
(<code>ontology/shapes.ttl</code>). Namespace <code>{esc(namespace)}</code> (prefix <code>ree:</code>); the
IRIs are names, not fetched. {len(terms)} terms:</p>
<p>{" · ".join(contents)}</p>
{"".join(sections)}"""
    return page("reegraph ontology", body)
