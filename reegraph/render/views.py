"""Views of the network as self-contained HTML: the map (``reegraph map``) and the network
(``reegraph view``).

The map is SVG drawn here: Natural Earth country outlines shipped with reegraph (1:110m), the
facilities at their coordinates, the known supply links as lines; tooltips are SVG titles. No script,
no tile server, nothing fetched; every string from the data is escaped. Online tiles only when asked
for (``tiles``): then the map is Web Mercator, drawn over the tiles of one zoom level, and the page's
Content-Security-Policy lets it load images from that one server.

The network view is a pyvis network (its nodes, edges and options) drawn by the vis-network library
that pyvis bundles, inlined into our own page: pyvis's template fetches Bootstrap from a CDN and,
when a tooltip contains "href", shows tooltips with ``innerHTML``. Here the data travels as JSON
with ``<``, ``>`` and ``&`` escaped, and tooltips are built with ``textContent``; a link is made
only for an http(s) source URL.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import networkx as nx

from reegraph.errors import InputError
from reegraph.render.html import esc, page

#: Colour of each stage on the map and in the legend.
STAGE_COLOURS = {
    "mining": "#8d6e63",
    "concentration": "#d4ac0d",
    "separation": "#c0392b",
    "metal": "#2e86c1",
    "magnet": "#8e44ad",
    "component": "#17a589",
    "recycling": "#28b463",
}
_ASSETS = Path(__file__).resolve().parents[1] / "assets"
_SCALE, _NORTH, _SOUTH = 5.0, 84.0, -58.0  # pixels per degree; the latitudes shown


@cache
def world() -> list[dict]:
    """Country outlines: ``[{"name", "rings": [[[lon, lat], ...], ...]}]`` (Natural Earth 1:110m)."""
    return json.loads((_ASSETS / "world-110m.json").read_text(encoding="utf-8"))["countries"]


def _plate_carree(lon: float, lat: float) -> tuple[float, float]:
    return (lon + 180) * _SCALE, (_NORTH - lat) * _SCALE


def _mercator(zoom: int):
    """Web Mercator at a tile zoom level: pixels of a world ``256 * 2**zoom`` wide, as tiles are cut.

    Examples
    --------
    >>> xy = _mercator(0)
    >>> xy(0, 0), xy(180, 0)
    ((128.0, 128.0), (256.0, 128.0))
    """
    size = 256 * 2**zoom

    def xy(lon: float, lat: float) -> tuple[float, float]:
        lat = max(min(lat, 85.0511), -85.0511)
        return (lon + 180) / 360 * size, (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * size

    return xy


def check_tiles(template: str) -> str:
    """``template`` if it is an http(s) tile URL with a plain host and ``{z}``, ``{x}`` and ``{y}``.

    Raises
    ------
    InputError
        Anything else.
    """
    parts = urlsplit(template)
    host = re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]+)?", parts.netloc)  # the origin goes into the page's CSP
    if parts.scheme not in ("http", "https") or not host or any(f"{{{k}}}" not in template for k in "zxy"):
        raise InputError(f"--tiles: {template!r} is not an http(s) URL with {{z}}, {{x}} and {{y}}")
    return template


def render_map(G: nx.DiGraph, *, title: str, tiles: str | None = None, zoom: int = 3) -> str:
    """The facilities of ``G`` on a world map, coloured by stage and sized by their largest figure;
    planned and under-construction plants hollow; known supply links as lines. With ``tiles`` (a
    URL template, see :func:`check_tiles`) the map is drawn over online tiles of level ``zoom``."""
    xy = _mercator(zoom) if tiles else _plate_carree
    top, bottom = xy(0, _NORTH)[1], xy(0, _SOUTH)[1]
    width, height = xy(180, 0)[0], bottom - top
    land = []
    if tiles:
        size, count, template = 256, 2**zoom, check_tiles(tiles).replace("{z}", str(zoom))
        for ty in range(int(top // size), min(int(bottom // size) + 1, count)):
            for tx in range(count):
                url = template.replace("{x}", str(tx)).replace("{y}", str(ty))
                land.append(f'<image class="tile" href="{esc(url)}" x="{tx * size}" y="{ty * size}" '
                            f'width="{size}" height="{size}"/>')  # fmt: skip
    else:
        for country in world():
            d = " ".join(_path(ring, xy) for ring in country["rings"])
            name = esc(country["name"])
            land.append(f'<path d="{d}" fill="#e8e6df" stroke="#fff" stroke-width="0.6"><title>{name}</title></path>')
    placed = {n: d for n, d in G.nodes(data=True) if d.get("kind") == "facility" and d.get("lat") is not None}
    links = []
    for u, v, data in G.edges(data=True):
        if data.get("link") in ("contract", "reported") and u in placed and v in placed:
            (x1, y1), (x2, y2) = xy(placed[u]["long"], placed[u]["lat"]), xy(placed[v]["long"], placed[v]["lat"])
            links.append(
                f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#555" stroke-opacity="0.45" '
                f'stroke-width="1.2"><title>{esc(placed[u]["label"])} → {esc(placed[v]["label"])} '
                f"({esc(data['link'])})</title></line>"
            )
    dots = []
    for node, data in sorted(placed.items(), key=lambda item: -_size(item[1])):  # small dots drawn last, on top
        x, y = xy(data["long"], data["lat"])
        colour = STAGE_COLOURS.get(data["stage"], "#555")
        hollow = data.get("status") != "operating"
        fill = f'fill="#fff" stroke="{colour}" stroke-width="2"' if hollow else f'fill="{colour}" fill-opacity="0.8"'
        dots.append(
            f'<circle class="facility" cx="{x:.1f}" cy="{y:.1f}" r="{_radius(data):.1f}" {fill}>'
            f"<title>{esc(_tooltip(node, data))}</title></circle>"
        )
    legend = "".join(
        f'<span style="display:inline-block;margin-right:1.2em"><svg width="12" height="12">'
        f'<circle cx="6" cy="6" r="5" '
        f'fill="{c}"/></svg> {esc(stage)}</span>'
        for stage, c in STAGE_COLOURS.items()
        if any(d["stage"] == stage for d in placed.values())
    )
    credit = (
        f"Map tiles: {esc(urlsplit(tiles).netloc)} (online; follow its terms and credit its data)."
        if tiles
        else "Country outlines: Natural Earth 1:110m (public domain), via world-atlas 2.0.2."
    )
    body = f"""<h1>{esc(title)}</h1>
<p class="muted">{len(placed)} facilities at their coordinates (town level), sized by their largest figure;
hollow: planned or under construction. Lines: known supply links. Hover for details.</p>
<p>{legend}</p>
<svg id="map" role="img" viewBox="0 {top:.0f} {width:.0f} {height:.0f}"
 style="width:100%;height:auto;background:#f4f8fb">
<g>{"".join(land)}</g><g>{"".join(links)}</g><g>{"".join(dots)}</g></svg>
<p class="muted">{credit}</p>"""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(tiles)) if tiles else ""
    return page(title, body, images_from=origin)


def _path(ring: list[list[float]], xy) -> str:
    """An SVG path of a ring; a step across the antimeridian starts a new subpath instead of a line
    across the whole map."""
    steps = []
    previous = None
    for lon, lat in ring:
        x, y = xy(lon, lat)
        jump = previous is None or abs(lon - previous) > 180
        steps.append(f"{'M' if jump else 'L'}{x:.1f},{y:.1f}")
        previous = lon
    return " ".join(steps) + " Z"


def _size(data: dict) -> float:
    values = [a.value for a in data.get("amounts", ()) if a.kind in ("production", "capacity")]
    return max(values, default=0.0)


def _radius(data: dict) -> float:
    return min(4.0 + math.sqrt(_size(data)) / 12, 22.0)


def _tooltip(node: str, data: dict) -> str:
    lines = [f"{data['label']} ({node})", f"{data['stage']}, {data['country']}, {data.get('status', '')}"]
    if data.get("operators"):
        lines.append("operator: " + ", ".join(data["operators"]))
    for a in data.get("amounts", ()):
        what = " ".join(a.elements) or "all"
        lines.append(f"{a.kind} {a.value:,.0f} {a.basis} ({what}, {a.year}, {a.confidence}); {', '.join(a.sources)}")
    return "\n".join(lines)


#: Colours of countries in the network view, in order of first appearance (then grey).
COUNTRY_COLOURS = (
    "#c0392b", "#2e86c1", "#28b463", "#d68910", "#8e44ad", "#17a589", "#a04000", "#1f618d", "#b7950b",
    "#7d3c98", "#148f77", "#943126", "#5d6d7e", "#d35400", "#229954", "#6c3483",
)  # fmt: skip


def render_network(
    G: nx.DiGraph,
    *,
    title: str,
    chokepoints: Sequence = (),
    offline: frozenset[str] = frozenset(),
    gated: frozenset[tuple[str, str]] = frozenset(),
    source_urls: dict[str, str] | None = None,
) -> str:
    """The network as an interactive page: left to right by stage, nodes coloured by country and
    sized by their largest figure, the report's chokepoints ringed in red, a scenario's offline
    plants greyed and its controlled exports dashed red; a search box and an element filter."""
    from pyvis.network import Network

    source_urls = source_urls or {}
    net = Network(height="780px", width="100%", directed=True, cdn_resources="in_line")
    marked = _marked(G, chokepoints)
    colours: dict[str, str] = {}
    for node, data in sorted(G.nodes(data=True), key=lambda item: (_level(item[1]), item[0])):
        country = data.get("country", "")
        if country not in colours:
            colours[country] = COUNTRY_COLOURS[len(colours)] if len(colours) < len(COUNTRY_COLOURS) else "#999"
        colour = colours[country]
        if data["kind"] == "end-use":
            colour = "#34495e"
        out = node in offline
        net.nodes.append(
            {
                "id": node,
                "label": _short_label(data),
                "level": _level(data),
                "shape": {"facility": "dot", "market": "diamond", "end-use": "box"}[data["kind"]],
                "size": 10 if data["kind"] != "facility" else round(min(8 + math.sqrt(_size(data)) / 6, 40), 1),
                "color": {"background": "#ddd" if out else colour, "border": "#e00" if node in marked else "#444"},
                "borderWidth": 4 if node in marked else 1,
                "shapeProperties": {"borderDashes": [4, 4] if out else False},
                "font": {"color": "#fff" if data["kind"] == "end-use" else "#222"},
                "title": _short_label(data),  # plain text until the page builds the full tooltip
                "info": _info(node, data, source_urls, marked.get(node), out),
                "handles": list(_handles(data)),
            }
        )
    for u, v, data in G.edges(data=True):
        known = data.get("link") in ("contract", "reported")
        cut = (u, v) in gated
        net.edges.append(
            {
                "from": u,
                "to": v,
                "width": round(1 + math.log10(1 + _size(G.nodes[u])) / 1.5, 2),
                "color": {"color": "#e00" if cut else "#2c3e50" if known else "#b3b6b7"},
                "dashes": cut,
                "title": f"{data.get('link', '')}{' (controlled export)' if cut else ''}",
            }
        )
    net.set_options(json.dumps(_OPTIONS))
    nodes, edges, _, _, _, options = net.get_network_data()
    vis = Path(__import__("pyvis").__file__).resolve().parent / "templates" / "lib" / "vis-9.1.2"
    legend = "".join(
        f'<span class="key"><i style="background:{c}"></i>{esc(country or "-")}</span>'
        for country, c in colours.items()
    )
    return _NETWORK_PAGE.format(
        title=esc(title),
        css=(vis / "vis-network.css").read_text(encoding="utf-8"),
        js=(vis / "vis-network.min.js").read_text(encoding="utf-8").replace("</script", "<\\/script"),
        nodes=_script_json(nodes),
        edges=_script_json(edges),
        options=options,
        legend=legend,
        count=len(nodes),
        elements=_script_json(sorted(G.graph.get("elements", {}))),
    )


def _script_json(value) -> str:
    """JSON that can sit inside a <script> element whatever its strings hold."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _level(data: dict) -> int:
    order = ["mining", "concentration", "separation", "metal", "magnet", "component", "recycling"]
    if data["kind"] == "end-use":
        return 2 * len(order)
    index = order.index(data["stage"]) if data["stage"] in order else len(order) - 1
    return 2 * index + (1 if data["kind"] == "market" else 0)


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
            nodes = [f"market/{c.stage}/{c.id}"]
        else:
            nodes = [n for n, d in G.nodes(data=True) if d.get("stage") == c.stage and c.id in d.get("owners", ())]
        for node in nodes:
            if node in G:
                marked.setdefault(node, f"chokepoint #{c.rank}: {c.why}")
    return marked


def _info(node: str, data: dict, urls: dict[str, str], why: str | None, out: bool) -> dict:
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
    return {"label": str(data.get("label", node)), "facts": facts, "figures": figures}


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
.tip {{ max-width: 420px; font-size: 12px }} .tip b {{ display: block; margin-bottom: 4px }} .tip a {{ color: #1f618d }}
</style></head>
<body>
<header><h1>{title}</h1>
<label>Find <input id="find" placeholder="plant, company or country" size="28"></label>
<label style="margin-left:1em">Element <select id="element"><option value="">all</option></select></label>
<span id="count" style="margin-left:1em">{count} nodes</span>
<div style="margin-top:6px">{legend}</div></header>
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


def network_filter(
    G: nx.DiGraph,
    *,
    elements: Sequence[str] = (),
    end_uses: Sequence[str] = (),
    stages: Sequence[str] = (),
    countries: Sequence[str] = (),
) -> nx.DiGraph:
    """The part of ``G`` the view's options ask for (each option narrows; none: all of it).

    Raises
    ------
    InputError
        An unknown element, group, end use or country.
    """
    from reegraph.network.project import expand_elements, resolve_end_uses

    keep = set(G)
    if elements:
        wanted = expand_elements(G.graph["elements"], G.graph["groups"], elements)
        keep = {n for n in keep if G.nodes[n]["kind"] == "market" or set(_handles(G.nodes[n])) & wanted}
    if countries:
        unknown = set(countries) - {d.get("country") for _, d in G.nodes(data=True)}
        if unknown:
            raise InputError(f"--country: no plant in {', '.join(sorted(unknown))}")
        keep = {n for n in keep if G.nodes[n]["kind"] == "end-use" or G.nodes[n].get("country") in countries}
    if stages:
        keep = {n for n in keep if G.nodes[n]["stage"] in stages}
    if end_uses:
        named = resolve_end_uses(G, end_uses)
        feeding = set().union(*(nx.ancestors(G, u) for u in named))
        keep &= named | feeding
    return G.subgraph(keep).copy()


def _handles(data: dict) -> tuple[str, ...]:
    return tuple(data.get("handles", ())) or tuple(data.get("elements", ()))


def scenario_marks(G: nx.DiGraph, scenario) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:
    """A scenario's offline plants, and the edges that carry its controlled exports out of the
    exporter's markets."""
    from reegraph.analysis.scenarios import region_of

    offline = frozenset(n for n in scenario.offline if n in G)
    gated = set()
    for control in scenario.controls:
        for stage in control.stages:
            market = f"market/{stage}/{control.exporter}"
            if market not in G:
                continue
            for head in G.successors(market):
                if G.nodes[head]["kind"] == "end-use":
                    continue
                region = region_of(G.nodes[head].get("country") or "")
                if any(control.covers(element, stage, region) for element in control.elements):
                    gated.add((market, head))
    return offline, frozenset(gated)


def source_urls(store) -> dict[str, str]:
    """The web address of each source, by short id."""
    from reegraph.rdf.vocab import SPARQL_PREFIXES, short_id

    rows = store.values(SPARQL_PREFIXES + "SELECT ?s ?url WHERE { ?s a ree:Source ; schema:url ?url }")
    return {short_id(r["s"]): r["url"] for r in rows if r["url"]}
