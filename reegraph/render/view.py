"""The network view (``reegraph view``): the network as an interactive, self-contained page.

It is a pyvis network (its nodes, edges and options) drawn by the vis-network library that pyvis
bundles, inlined into our own page: pyvis's template fetches Bootstrap from a CDN and, when a
tooltip contains "href", shows tooltips with ``innerHTML``. Here the data travels as JSON with
``<``, ``>`` and ``&`` escaped, and tooltips are built with ``textContent``; a link is made only for
an http(s) source URL.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import networkx as nx

from reegraph.errors import ExecutionError
from reegraph.model import END_USE, FACILITY, KNOWN_LINKS, MARKET, handled_elements, market_id, node_label
from reegraph.render.html import esc, largest_figure
from reegraph.render.palette import country_colour, country_legend, legend_html

#: The colour of end uses (no country).
END_USE_COLOUR = "#34495e"


def render_network(
    G: nx.DiGraph,
    *,
    title: str,
    chokepoints: Sequence = (),
    offline: frozenset[str] = frozenset(),
    gated: frozenset[tuple[str, str]] = frozenset(),
    source_urls: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
) -> str:
    """The network as an interactive page: left to right by stage, nodes coloured by country and
    sized by their largest figure, the report's chokepoints ringed in red, a scenario's offline
    plants white with dashed borders and its controlled exports dashed red; a search box and an element filter;
    ``notes`` (what is missing, in words) above the drawing."""
    try:
        from pyvis.network import Network
    except ImportError as error:  # an extra: the rest of reegraph runs without it
        raise ExecutionError(f"the network view needs pyvis: pip install 'reegraph[views]' ({error})") from error

    source_urls = source_urls or {}
    net = Network(height="780px", width="100%", directed=True, cdn_resources="in_line")
    marked = _marked(G, chokepoints)
    countries = set()
    for node, data in sorted(G.nodes(data=True), key=lambda item: (_level(item[1]), item[0])):
        if data["kind"] == END_USE:
            colour = END_USE_COLOUR
        else:
            countries.add(data.get("country") or None)
            colour = country_colour(data.get("country"))
        out = node in offline
        net.nodes.append(
            {
                "id": node,
                "label": _short_label(data),
                "level": _level(data),
                "shape": {FACILITY: "dot", MARKET: "diamond", END_USE: "box"}[data["kind"]],
                "size": 10 if data["kind"] != FACILITY else round(min(8 + math.sqrt(largest_figure(data)) / 6, 40), 1),
                "color": {"background": "#fff" if out else colour, "border": "#e00" if node in marked else "#444"},
                "borderWidth": 4 if node in marked else 1,
                "shapeProperties": {"borderDashes": [4, 4] if out else False},
                "font": {"color": "#fff" if data["kind"] == END_USE else "#222"},
                "title": _short_label(data),  # plain text until the page builds the full tooltip
                "info": _info(node, data, source_urls, marked.get(node), out),
                "handles": list(handled_elements(data)),
            }
        )
    for u, v, data in G.edges(data=True):
        known = data.get("link") in KNOWN_LINKS
        cut = (u, v) in gated
        net.edges.append(
            {
                "from": u,
                "to": v,
                "width": round(1 + math.log10(1 + largest_figure(G.nodes[u])) / 1.5, 2),
                "color": {"color": "#e00" if cut else "#2c3e50" if known else "#b3b6b7"},
                "dashes": cut,
                "title": f"{data.get('link', '')}{' (controlled export)' if cut else ''}",
            }
        )
    net.set_options(json.dumps(_OPTIONS))
    nodes, edges, _, _, _, options = net.get_network_data()
    vis = Path(str(__import__("pyvis").__file__)).resolve().parent / "templates" / "lib" / "vis-9.1.2"
    legend = legend_html([*country_legend(countries), ("end use", END_USE_COLOUR)])
    return _NETWORK_PAGE.format(
        title=esc(title),
        css=(vis / "vis-network.css").read_text(encoding="utf-8"),
        js=(vis / "vis-network.min.js").read_text(encoding="utf-8").replace("</script", "<\\/script"),
        nodes=_script_json(nodes),
        edges=_script_json(edges),
        options=options,
        legend=legend,
        notes="".join(f"<li>{esc(note)}</li>" for note in notes),
        count=len(nodes),
        elements=_script_json(sorted(G.graph.get("elements", {}))),
    )


def _script_json(value: object) -> str:
    """JSON that can sit inside a <script> element whatever its strings hold."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _level(data: dict) -> int:
    order = ["mining", "concentration", "separation", "metal", "magnet", "component", "recycling"]
    if data["kind"] == END_USE:
        return 2 * len(order)
    index = order.index(data["stage"]) if data["stage"] in order else len(order) - 1
    return 2 * index + (1 if data["kind"] == MARKET else 0)


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
            "text": f"{a.kind} {a.value:,.0f} {a.basis} ({' '.join(a.elements) or 'all'}, {a.year}, {a.confidence})",
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
    "layout": {"hierarchical": {"enabled": True, "direction": "LR", "sortMethod": "directed", "levelSeparation": 230,
                                "nodeSpacing": 28}},
    "physics": {"enabled": False},
    "interaction": {"hover": True, "tooltipDelay": 120, "navigationButtons": False},
    "edges": {"arrows": {"to": {"enabled": True, "scaleFactor": 0.4}}, "smooth": False},
    "nodes": {"font": {"size": 13}},
}  # fmt: skip

_NETWORK_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>{title}</title>
<style>{css}</style>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 0; color: #1b1b1b }}
header {{ padding: 10px 16px; border-bottom: 1px solid #ddd }} h1 {{ font-size: 1.25em; margin: 0 0 6px }}
#network {{ height: 780px; width: 100% }} .key {{ margin-right: 12px; white-space: nowrap }}
.key i {{ display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 4px }}
.notes {{ margin: 6px 0 0; padding-left: 18px; color: #7b241c; font-size: 13px }} .notes:empty {{ display: none }}
.tip {{ max-width: 420px; font-size: 12px }} .tip b {{ display: block; margin-bottom: 4px }} .tip a {{ color: #1f618d }}
</style></head>
<body>
<header><h1>{title}</h1>
<label>Find <input id="find" placeholder="plant, company or country" size="28"></label>
<label style="margin-left:1em">Element <select id="element"><option value="">all</option></select></label>
<span id="count" style="margin-left:1em">{count} nodes</span>
<div style="margin-top:6px">{legend}</div>
<ul class="notes">{notes}</ul></header>
<div id="network"></div>
<script>{js}</script>
<script>
"use strict";
const nodes = new vis.DataSet({nodes});
const edges = new vis.DataSet({edges});
const elements = {elements};
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
nodes.update(nodes.get().map((n) => ({{ id: n.id, title: tip(n.info) }})));
const network = new vis.Network(document.getElementById("network"), {{ nodes, edges }}, {options});
for (const symbol of elements) {{
  const option = document.createElement("option"); option.value = symbol; option.textContent = symbol;
  document.getElementById("element").appendChild(option);
}}
document.getElementById("element").addEventListener("change", (event) => {{
  const symbol = event.target.value;
  const hide = (n) => !!symbol && n.handles.length > 0 && !n.handles.includes(symbol);
  nodes.update(nodes.get().map((n) => ({{ id: n.id, hidden: hide(n) }})));
  document.getElementById("count").textContent = nodes.get({{ filter: (n) => !n.hidden }}).length + " nodes";
}});
document.getElementById("find").addEventListener("input", (event) => {{
  const text = event.target.value.trim().toLowerCase();
  if (!text) {{ network.unselectAll(); return; }}
  const found = nodes.get({{ filter: (n) => !n.hidden && (n.info.label + " " + n.id).toLowerCase().includes(text) }});
  network.selectNodes(found.map((n) => n.id));
  if (found.length) network.focus(found[0].id, {{ scale: 1.1, animation: false }});
}});
window.reegraphNetwork = network;
</script>
</body></html>
"""
