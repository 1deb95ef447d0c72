"""The network view (``reegraph view``): the network as an interactive, self-contained page.

By default one node stands for each stage and country (a group: the country's plants at the stage
and its market), its dot's area in proportion to its plants' figures summed: each plant's figure in the stage's
unit that sizes its dot on the map (:func:`~reegraph.render.map.size_figure`; a plant without one
adds nothing, and the tooltip counts it); a double-click (or "show plants") opens a group into its
plants and closes it again. The page lays the columns out itself, one per stage under its heading,
each node's label under it and no label over another node, and fits the drawing to the window.

It is drawn by the vis-network library that pyvis bundles, inlined into our own page: pyvis's
template fetches Bootstrap from a CDN and, when a tooltip contains "href", shows tooltips with
``innerHTML``. Here the data travels as JSON with ``<``, ``>`` and ``&`` escaped, and tooltips are
built with ``textContent``; a link is made only for an http(s) source URL.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import networkx as nx

from reegraph.analysis.capacity import oldest_year, ore_share
from reegraph.errors import ExecutionError
from reegraph.model import (
    END_USE,
    FACILITY,
    KNOWN_LINKS,
    MARKET,
    STAGE_BASIS,
    STAGES,
    Amount,
    market_id,
    node_label,
)
from reegraph.network.ops import expand_elements
from reegraph.render.html import esc
from reegraph.render.map import radius, size_figure, years_said
from reegraph.render.palette import COUNTRY_COLOURS, END_USE_COLOUR, country_colour, country_legend, legend_html

#: The heading of each column, left to right: the stages, then the end uses.
HEADINGS = {
    "mining": "mining",
    "concentration": "concentration",
    "separation": "separation",
    "metal": "metal and alloy",
    "magnet": "magnets",
    "component": "components",
    "end-use": "end uses",
}
#: How surely a node carries an element, for the element filter (see :func:`carried`).
CARRIES, MAY_CARRY = 2, 1
#: The least radius of a dot (pixels): enough to see its colour and to double-click it.
LEAST = 5.0


def render_network(
    G: nx.DiGraph,
    *,
    title: str,
    chokepoints: Sequence = (),
    offline: frozenset[str] = frozenset(),
    gated: frozenset[tuple[str, str]] = frozenset(),
    source_urls: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    plants: bool = False,
    elements: Sequence[str] = (),
) -> str:
    """The network as an interactive page: a column per stage under its heading, one node per
    country at each stage (opened into its plants with a double-click, or all at once with
    ``plants``), coloured by country and sized by its total, the report's chokepoints ringed in
    red, a scenario's offline plants white with dashed borders (a group with some says how many)
    and its controlled exports dashed red; a search box and an element filter, set to ``elements``
    (symbols or groups: what may carry any of them, see :func:`carried`); ``notes`` (what is
    missing, in words) above the drawing."""
    try:
        import pyvis  # the vis-network library it bundles draws the page
    except ImportError as error:  # an extra: the rest of reegraph runs without it
        raise ExecutionError(f"the network view needs pyvis: pip install 'reegraph[views]' ({error})") from error

    nodes, edges = view_data(G, chokepoints=chokepoints, offline=offline, gated=gated, source_urls=source_urls)
    vis = Path(str(pyvis.__file__)).resolve().parent / "templates" / "lib" / "vis-9.1.2"
    countries = {n.get("country") or None for n in nodes if n.get("members")}
    legend = legend_html([*country_legend(countries), ("end use", END_USE_COLOUR)])
    bases = sorted({n["basis"] for n in nodes if n.get("basis")}, key=list(STAGE_BASIS.values()).index)
    return _NETWORK_PAGE.format(
        title=esc(title),
        css=(vis / "vis-network.css").read_text(encoding="utf-8"),
        js=(vis / "vis-network.min.js").read_text(encoding="utf-8").replace("</script", "<\\/script"),
        nodes=_script_json(nodes),
        edges=_script_json(edges),
        headings=_script_json({STAGES.index(stage): text for stage, text in HEADINGS.items()}),
        expanded=_script_json(sorted(n["id"] for n in nodes if plants and n.get("members"))),
        options=json.dumps(_OPTIONS),
        legend=legend,
        sizes=esc(", ".join(bases) or "no figures"),
        notes="".join(f"<li>{esc(note)}</li>" for note in notes),
        elements=_script_json(sorted(G.graph.get("elements", {}))),
        chosen=_script_json(sorted(expand_elements(G.graph.get("elements", {}), G.graph.get("groups", {}), elements))),
    )


def view_data(
    G: nx.DiGraph,
    *,
    chokepoints: Sequence = (),
    offline: frozenset[str] = frozenset(),
    gated: frozenset[tuple[str, str]] = frozenset(),
    source_urls: Mapping[str, str] | None = None,
) -> tuple[list[dict], list[dict]]:
    """The page's nodes and edges. Nodes: a group per stage and country (``group/<stage>/<CC>``),
    listing its ``members`` (its plants, largest first, then its market) and its ``total`` in the
    stage's ``basis`` (each plant's :func:`~reegraph.render.map.size_figure` in it, summed) with the number of
    plants ``counted`` in it (those with such a figure); each member, naming its group (``parent``);
    the end uses. Each has its ``column`` (the index of its stage in :data:`STAGES`), its ``order``
    within it, what it ``carries`` (:func:`carried`; a group and its market: what its plants carry)
    and the vis-network attributes that draw it. Edges: those of the network, each ``known`` (a
    reported or contracted link) or not and ``cut`` (a controlled export) or not; the page draws one
    edge between two groups for the edges between their members."""
    source_urls = source_urls or {}
    marked = _marked(G, chokepoints)
    members: dict[str, list[str]] = {}
    for node, data in G.nodes(data=True):
        if data["kind"] != END_USE:
            members.setdefault(_group_id(data), []).append(node)
    figures = {n: size_figure(d) for n, d in G.nodes(data=True) if d["kind"] == FACILITY}
    groups = [_group(G, group, found, figures, marked, offline, source_urls) for group, found in members.items()]
    tops: dict[str, float] = {}
    for group in groups:
        tops[group["basis"]] = max(tops.get(group["basis"], 0.0), group["total"])
    palette = list(COUNTRY_COLOURS)  # the columns list the countries in the palette's order (China first)
    groups.sort(key=lambda g: (g["column"], palette.index(g["country"]) if g["country"] in palette else len(palette),
                               g["country"]))  # fmt: skip
    nodes = []
    for group in groups:
        group["size"] = radius(group["total"], tops[group["basis"]], LEAST)
        nodes.append(group)
        for node in group["members"]:  # its plants, largest first, then its market
            data = G.nodes[node]
            out = node in offline
            plant = data["kind"] == FACILITY
            nodes.append(
                {
                    "id": node,
                    "label": _short_label(data),
                    "parent": group["id"],
                    "column": group["column"],
                    "shape": "dot" if plant else "diamond",
                    "size": radius(_tonnes(figures[node]), tops[group["basis"]], LEAST) if plant else 7,
                    **_look(country_colour(data.get("country")), node in marked, out, all_out=out),
                    "title": _short_label(data),  # plain text until the page builds the full tooltip
                    "info": _info(node, data, source_urls, marked.get(node), out),
                    "carries": carried(data) if plant else group["carries"],
                }
            )
    uses = sorted(
        (n for n, d in G.nodes(data=True) if d["kind"] == END_USE), key=lambda n: (_short_label(G.nodes[n]).lower(), n)
    )
    for node in uses:
        data = G.nodes[node]
        nodes.append(
            {
                "id": node,
                "label": _short_label(data),
                "column": STAGES.index(END_USE),
                "shape": "box",
                "size": 10,
                **_look(END_USE_COLOUR, node in marked, False, all_out=False),
                "font": {"color": "#fff", "size": 12},
                "margin": {"top": 1, "bottom": 1, "left": 5, "right": 5},
                "title": _short_label(data),
                "info": _info(node, data, source_urls, marked.get(node), False),
                "carries": carried(data),
            }
        )
    for order, node in enumerate(nodes):
        node["order"] = order
    edges = [
        {
            "from": u,
            "to": v,
            "link": str(data.get("link", "")),
            "known": data.get("link") in KNOWN_LINKS,
            "cut": (u, v) in gated,
            "width": round(1 + math.log10(1 + _tonnes(size_figure(G.nodes[u]))) / 1.5, 2),
        }
        for u, v, data in sorted(G.edges(data=True), key=lambda e: (e[0], e[1]))
    ]
    return nodes, edges


def carried(data: Mapping) -> dict[str, int]:
    """How surely a node carries each element, for the view's element filter: an end use, the
    elements it needs; a plant, those its products name, each :data:`CARRIES` where the plant has a
    figure above nothing for that element alone, or its ore's share of that element alone has a low
    end above nothing (or no ore of it is known: its products' word stands), :data:`MAY_CARRY` where
    the share may be nothing but may be more (stated only jointly, as NdPr, or over several ores in
    unknown proportions), and not at all where its ore leaves no room for it. The shares are
    :func:`~reegraph.analysis.capacity.ore_share`'s, which the analytics read too: this tells the sure
    from the possible for the eye and changes no figure. A market: none.

    Examples
    --------
    An ore of 20-30% NdPr (jointly) and 1-2% Dy: Dy surely, Nd and Pr maybe (either alone may be
    nothing); a plant without a known ore, what its products name; a figure of Dy alone settles it.

    >>> from reegraph.model import Ore, OreShare
    >>> ore = Ore("ore/x", (OreShare("c/ndpr", ("Nd", "Pr"), 0.2, 0.3, None, 2024),
    ...                     OreShare("c/dy", ("Dy",), 0.01, 0.02, None, 2024)))
    >>> carried({"kind": "facility", "handles": ("Dy", "Nd", "Pr"), "ores": (ore,)})
    {'Dy': 2, 'Nd': 1, 'Pr': 1}
    >>> carried({"kind": "facility", "handles": ("Dy", "Tb")})
    {'Dy': 2, 'Tb': 2}
    >>> joint = Ore("ore/y", (OreShare("c/hree", ("Dy", "Tb"), 0.0, 0.1, None, 2024),))
    >>> carried({"kind": "facility", "handles": ("Dy",), "ores": (joint,),
    ...          "amounts": (Amount("a", "production", 3500.0, "t REO", 2024, elements=("Dy",)),)})
    {'Dy': 2}
    """
    if data["kind"] == END_USE:
        return dict.fromkeys(data.get("elements", ()), CARRIES)
    found = {}
    counted = {a.elements[0] for a in data.get("amounts", ()) if len(a.elements) == 1 and a.value > 0}
    for symbol in data.get("handles", ()):
        share = ore_share(data.get("ores", ()), frozenset({symbol}))
        if symbol in counted or share is None or share.low > 0:
            found[symbol] = CARRIES
        elif share.high > 0:
            found[symbol] = MAY_CARRY
    return found


def _group_id(data: Mapping) -> str:
    return f"group/{data['stage']}/{data.get('country') or '-'}"


def _tonnes(figure: Amount | None) -> float:
    return figure.value if figure else 0.0


def _group(
    G: nx.DiGraph,
    group: str,
    found: list[str],
    figures: Mapping[str, Amount | None],
    marked: Mapping[str, str],
    offline: frozenset[str],
    urls: Mapping[str, str],
) -> dict:
    """A group's node (without its size, which depends on the others')."""
    _, stage, country = group.split("/", 2)
    plants = sorted((n for n in found if G.nodes[n]["kind"] == FACILITY), key=lambda n: (-_tonnes(figures[n]), n))
    market = [n for n in found if G.nodes[n]["kind"] == MARKET]
    counted = [f for n in plants if (f := figures[n]) is not None]
    total = math.fsum(f.value for f in counted)
    basis = STAGE_BASIS.get(stage, "")
    out = [n for n in plants if n in offline]
    whys = list(dict.fromkeys(marked[n] for n in [*market, *plants] if n in marked))
    carries: dict[str, int] = {}
    for plant in plants:
        for symbol, how in carried(G.nodes[plant]).items():
            carries[symbol] = max(carries.get(symbol, 0), how)
    names = [node_label(G.nodes[n], n) for n in plants]
    name = G.graph.get("countries", {}).get(country, country)
    many = "plant" if len(plants) == 1 else "plants"
    sized = f"no figure in {basis} for its {len(plants)} {many}: its size says nothing"
    if counted:
        partial, unsized = sum(1 for f in counted if f.elements), len(plants) - len(counted)
        sized = (
            f"total {total:,.0f} {basis}: each plant's figure that sizes it on the map (a capacity or production, one "
            f"for every element first, then a capacity, then the latest), summed "
            f"({years_said([f.year for f in counted], oldest_year(G))})"
            + (f"; {partial} of them for some elements only" if partial else "")
            + (f"; {unsized} of {len(plants)} plants {'has' if unsized == 1 else 'have'} no figure" if unsized else "")
        )
    facts = [
        f"{name} ({country}) · {stage}",
        sized,
        f"{many}: " + "; ".join(names[:12]) + (f"; and {len(names) - 12} more" if len(names) > 12 else ""),
        *([f"offline in this scenario: {len(out)} of {len(plants)} {many}"] if out else []),
        *whys,
        "double-click to show its plants",
    ]
    figures_of_country = _info(market[0], G.nodes[market[0]], urls, None, False)["figures"] if market else []
    label = f"{country} {stage} ({len(plants)} {many}" + (f", {len(out)} offline" if out else "") + ")"
    return {
        "id": group,
        "label": label,
        "country": "" if country == "-" else country,
        "column": STAGES.index(stage),
        "shape": "dot",
        "members": [*plants, *market],
        "total": total,
        "basis": basis,
        "counted": len(counted),
        **_look(country_colour(country), bool(whys), bool(out), all_out=len(out) == len(plants) > 0),
        "title": label,
        "info": {"label": f"{country} {stage}: {len(plants)} {many}", "facts": facts, "figures": figures_of_country},
        "carries": carries,
    }


def _look(colour: str, ringed: bool, out: bool, *, all_out: bool) -> dict:
    """The vis-network attributes of a node's colour and border: ringed red if a chokepoint, dashed
    if (some of it) offline, white if all of it is."""
    return {
        "color": {"background": "#fff" if all_out else colour, "border": "#e00" if ringed else "#444"},
        "borderWidth": 4 if ringed else 1,
        "shapeProperties": {"borderDashes": [4, 3] if out else False},
        "font": {"size": 13, "color": "#222", "background": "rgba(255,255,255,0.85)"},
    }


def _script_json(value: object) -> str:
    """JSON that can sit inside a <script> element whatever its strings hold."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _short_label(data: dict) -> str:
    label = str(data.get("label", ""))
    return label if len(label) <= 40 else label[:38] + "…"


def _marked(G: nx.DiGraph, chokepoints: Sequence) -> dict[str, str]:
    """Nodes to ring in red, with the chokepoint's why: facilities named, a country's market at the
    stage, a company's plants at the stage."""
    marked: dict[str, str] = {}
    for c in chokepoints:
        if c.kind == "facility":
            nodes = [c.id]
        elif c.kind == "country":
            nodes = [market_id(c.stage, c.id)]
        else:
            nodes = [n for n, d in G.nodes(data=True) if d.get("stage") == c.stage and c.id in d.get("owners", ())]
        for node in nodes:
            if node in G:
                marked.setdefault(node, f"chokepoint #{c.rank}: {c.why}")
    return marked


def _info(node: str, data: dict, urls: Mapping[str, str], why: str | None, out: bool) -> dict:
    figures = [
        {
            "text": f"{a.kind} {f'{a.value:.0%} of' if a.kind == 'share' else f'{a.value:,.0f}'} {a.basis} "
            f"({' '.join(a.elements) or 'all'}, {a.year}, {a.confidence})",
            "sources": [{"id": s, "url": urls.get(s, "")} for s in a.sources],
        }
        for a in data.get("amounts", ())
    ]
    facts = [node, " · ".join(x for x in (data.get("stage", ""), data.get("country", ""), data.get("status", "")) if x)]
    if data.get("operators"):
        facts.append("operator: " + ", ".join(data["operators"]))
    if out:
        facts.append("offline in this scenario")
    if why:
        facts.append(why)
    return {"label": node_label(data, node), "facts": facts, "figures": figures}


_OPTIONS = {
    "layout": {"hierarchical": {"enabled": False}},
    "physics": {"enabled": False},
    "interaction": {"hover": True, "tooltipDelay": 120, "navigationButtons": False},
    "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.4}}, "smooth": False},
    "nodes": {"font": {"size": 13, "face": "arial"}, "margin": 5},
}

#: The page. Its script lays the visible nodes out in columns: each node takes the height of its
#: shape and label (measured with the label's font) and the width of the wider, so no label reaches
#: another node; then it fits the drawing to the window and puts each column's heading above it.
_NETWORK_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>{title}</title>
<style>{css}</style>
<style>
html, body {{ height: 100% }}
body {{ font: 14px system-ui, sans-serif; margin: 0; color: #1b1b1b; display: flex; flex-direction: column }}
header {{ padding: 10px 16px 6px; border-bottom: 1px solid #ddd }} h1 {{ font-size: 1.25em; margin: 0 0 6px }}
#stages {{ position: relative; height: 26px; flex: none; border-bottom: 1px solid #eee; overflow: hidden }}
#stages span {{ position: absolute; top: 4px; transform: translateX(-50%); font-weight: 600; font-size: 14px;
  color: #333; white-space: nowrap }}
#network {{ flex: 1; min-height: 400px; width: 100% }}
.key {{ margin-right: 12px; white-space: nowrap; display: inline-block }}
.key i {{ display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 4px;
  vertical-align: -1px }}
.marks {{ color: #444; font-size: 13px; margin-top: 2px }}
.notes {{ margin: 6px 0 0; padding-left: 18px; color: #7b241c; font-size: 13px }} .notes:empty {{ display: none }}
.tip {{ max-width: 420px; font-size: 12px; white-space: normal }} .tip b {{ display: block; margin-bottom: 4px }}
.tip a {{ color: #1f618d }}
</style></head>
<body>
<header><h1>{title}</h1>
<label>Find <input id="find" placeholder="plant, company or country" size="28"></label>
<label style="margin-left:1em">Element <select id="element"><option value="">all</option></select></label>
<button id="plants" type="button" style="margin-left:1em">show plants</button>
<span id="count" style="margin-left:1em"></span>
<div style="margin-top:6px">{legend}</div>
<div class="marks"><span class="key"><i style="border:3px solid #e00; width:6px; height:6px"></i>chokepoint</span>
<span class="key"><i style="border:1px dashed #444; background:#fff"></i>offline in the scenario</span>
<span class="key">dark line: a known link; grey: a potential flow; dashed red: a controlled export</span>
<span class="key">dot area: the plants' figures (as on the map) summed ({sizes})</span>
<span class="key">faded: may carry the element (its ore's share of it may be nothing)</span>
<span class="key">double-click a country to show its plants</span></div>
<ul class="notes">{notes}</ul></header>
<div id="stages"></div>
<div id="network"></div>
<script>{js}</script>
<script>
"use strict";
const all = {nodes};
const links = {edges};
const headings = {headings};
const elements = {elements};
const chosen = {chosen};
const expanded = new Set({expanded});
const byId = new Map(all.map((n) => [n.id, n]));
const GAP = 10, BOX_GAP = 3, COLUMN_GAP = 48;
let symbols = chosen;
function tip(info) {{
  const box = document.createElement("div"); box.className = "tip";
  const head = document.createElement("b"); head.textContent = info.label; box.appendChild(head);
  for (const fact of info.facts) {{
    const line = document.createElement("div"); line.textContent = fact; box.appendChild(line);
  }}
  for (const figure of info.figures) {{
    const line = document.createElement("div"); line.textContent = figure.text + " ";
    for (const source of figure.sources) {{
      const web = source.url.startsWith("https://") || source.url.startsWith("http://");
      const ref = document.createElement(web ? "a" : "span");
      if (ref.tagName === "A") {{ ref.href = source.url; ref.target = "_blank"; ref.rel = "noopener noreferrer"; }}
      ref.textContent = "[" + source.id.replace("source/", "") + "] "; line.appendChild(ref);
    }}
    box.appendChild(line);
  }}
  return box;
}}
for (const n of all) n.title = tip(n.info);
const nodes = new vis.DataSet([]);
const edges = new vis.DataSet([]);
const network = new vis.Network(document.getElementById("network"), {{ nodes, edges }}, {options});
let columns = [];

function weight(n) {{ return symbols.length ? Math.max(0, ...symbols.map((s) => n.carries[s] || 0)) : 2; }}
function visible(n) {{
  if (n.members) return !expanded.has(n.id) && weight(n) > 0;
  if (n.parent) return expanded.has(n.parent) && weight(n) > 0;
  return weight(n) > 0;
}}
function shownAs(id) {{ const n = byId.get(id); return n.parent && !expanded.has(n.parent) ? n.parent : id; }}
function draw() {{
  const shown = all.filter(visible).sort((a, b) => a.order - b.order);
  nodes.clear(); edges.clear();
  nodes.add(shown.map((n) => ({{ ...n, x: 0, y: 0, opacity: weight(n) === 2 ? 1 : 0.3 }})));
  network.redraw();  // sizes each node with its label, measured in its font
  const byColumn = new Map();
  for (const n of shown) {{
    if (!byColumn.has(n.column)) byColumn.set(n.column, []);
    byColumn.get(n.column).push(n);
  }}
  const moved = [];
  columns = [];
  let x = 0;
  for (const column of [...byColumn.keys()].sort((a, b) => a - b)) {{
    const list = byColumn.get(column);
    const boxes = list.map((n) => network.getBoundingBox(n.id));
    const width = Math.max(...boxes.map((b) => b.right - b.left));
    let y = 0;
    list.forEach((n, i) => {{
      moved.push({{ id: n.id, x: x + width / 2, y: y - boxes[i].top }});
      y += boxes[i].bottom - boxes[i].top + (n.shape === "box" ? BOX_GAP : GAP);
    }});
    columns.push({{ column, x: x + width / 2 }});
    x += width + COLUMN_GAP;
  }}
  nodes.update(moved);
  const drawn = new Map();
  for (const link of links) {{
    const from = shownAs(link.from), to = shownAs(link.to);
    if (from === to || !weight(byId.get(link.from)) || !weight(byId.get(link.to))) continue;
    const key = from + " " + to;
    const edge = drawn.get(key) || {{ id: key, from, to, count: 0, known: 0, cut: 0, width: 0, link: link.link }};
    edge.count += 1; edge.known += link.known; edge.cut += link.cut; edge.width = Math.max(edge.width, link.width);
    drawn.set(key, edge);
  }}
  edges.add([...drawn.values()].map((e) => ({{
    id: e.id, from: e.from, to: e.to, width: e.width, dashes: e.cut > 0,
    smooth: byId.get(e.from).column === byId.get(e.to).column  // within a column: an arc beside it
      ? {{ enabled: true, type: "curvedCW", roundness: 0.5 }} : false,
    color: e.cut ? {{ color: "#e00" }} : e.known ? {{ color: "#2c3e50" }} : {{ color: "#aab0b3", opacity: 0.45 }},
    title: (e.count === 1 ? e.link : e.count + " links: " + e.known + " known, " + (e.count - e.known) + " potential")
      + (e.cut ? " (" + (e.count === 1 ? "" : e.cut + " ") + "controlled export" + (e.cut > 1 ? "s" : "") + ")" : ""),
  }})));
  network.fit({{ animation: false }});
  const plants = all.filter((n) => n.parent && visible(n) && n.shape === "dot").length;
  const faded = shown.filter((n) => weight(n) === 1).length, which = symbols.join(" or ");
  document.getElementById("count").textContent = shown.length + " nodes (" + plants + " plants shown)"
    + (faded ? ", " + faded + " faded (their ore may hold no " + which + ")" : "")
    + (symbols.length && shown.length === 0 ? ": nothing in the graph carries " + which : "");
  document.getElementById("plants").textContent = expanded.size ? "show countries" : "show plants";
}}
network.on("afterDrawing", () => {{
  const band = document.getElementById("stages");
  band.replaceChildren(...columns.map((c) => {{
    const heading = document.createElement("span");
    heading.textContent = headings[c.column];
    heading.style.left = network.canvasToDOM({{ x: c.x, y: 0 }}).x + "px";
    return heading;
  }}));
}});
network.on("doubleClick", (event) => {{
  const n = event.nodes.length ? byId.get(event.nodes[0]) : null;
  const group = n && (n.members ? n.id : n.parent);
  if (!group) return;
  if (expanded.has(group)) expanded.delete(group); else expanded.add(group);
  draw();
}});
document.getElementById("plants").addEventListener("click", () => {{
  if (expanded.size) expanded.clear(); else for (const n of all) if (n.members) expanded.add(n.id);
  draw();
}});
const menu = document.getElementById("element");
for (const choice of chosen.length > 1 ? [chosen.join(","), ...elements] : elements) {{
  const option = document.createElement("option");
  option.value = choice; option.textContent = choice.replaceAll(",", ", "); menu.appendChild(option);
}}
menu.value = chosen.join(",");
menu.addEventListener("change", (event) => {{
  symbols = event.target.value ? event.target.value.split(",") : []; draw();
}});
document.getElementById("find").addEventListener("input", (event) => {{
  const text = event.target.value.trim().toLowerCase();
  if (!text) {{ network.unselectAll(); return; }}
  const found = all.filter((n) => weight(n) && (n.info.label + " " + n.id).toLowerCase().includes(text));
  const ids = [...new Set(found.map((n) => shownAs(n.id)))].filter((id) => nodes.get(id));
  network.selectNodes(ids);
  if (ids.length) network.focus(ids[0], {{ scale: 1.1, animation: false }});
}});
window.addEventListener("resize", () => network.fit({{ animation: false }}));
draw();
window.reegraphNetwork = network;
</script>
</body></html>
"""
