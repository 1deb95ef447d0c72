"""The map (``reegraph map``): the facilities on a world map, one self-contained HTML page.

It is SVG drawn here: Natural Earth country outlines shipped with reegraph (1:110m), the
facilities at their coordinates, the known supply links as lines; tooltips are SVG titles. No script,
no tile server, nothing fetched; every string from the data is escaped. Online tiles only when asked
for (``tiles``): then the map is Web Mercator, drawn over the tiles of one zoom level, and the page's
Content-Security-Policy lets it load images from that one server.

"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import networkx as nx

from reegraph.errors import InputError
from reegraph.model import FACILITY, KNOWN_LINKS, node_label
from reegraph.render.html import esc, largest_figure, page
from reegraph.render.palette import STAGE_COLOURS, stage_colour

_ASSETS = Path(__file__).resolve().parents[1] / "assets"
_SCALE, _NORTH, _SOUTH = 5.0, 84.0, -58.0  # pixels per degree; the latitudes shown


@cache
def world() -> list[dict]:
    """Country outlines: ``[{"name", "rings": [[[lon, lat], ...], ...]}]`` (Natural Earth 1:110m)."""
    return json.loads((_ASSETS / "world-110m.json").read_text(encoding="utf-8"))["countries"]


def _plate_carree(lon: float, lat: float) -> tuple[float, float]:
    return (lon + 180) * _SCALE, (_NORTH - lat) * _SCALE


def _mercator(zoom: int) -> Callable[[float, float], tuple[float, float]]:
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
    placed = {n: d for n, d in G.nodes(data=True) if d["kind"] == FACILITY and d.get("lat") is not None}
    links = []
    for u, v, data in G.edges(data=True):
        if data.get("link") in KNOWN_LINKS and u in placed and v in placed:
            (x1, y1), (x2, y2) = xy(placed[u]["long"], placed[u]["lat"]), xy(placed[v]["long"], placed[v]["lat"])
            links.append(
                f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#555" stroke-opacity="0.45" '
                f'stroke-width="1.2"><title>{esc(placed[u]["label"])} → {esc(placed[v]["label"])} '
                f"({esc(data['link'])})</title></line>"
            )
    dots = []
    for node, data in sorted(
        placed.items(), key=lambda item: -largest_figure(item[1])
    ):  # small dots drawn last, on top
        x, y = xy(data["long"], data["lat"])
        colour = stage_colour(data["stage"])
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


def _path(ring: list[list[float]], xy: Callable[[float, float], tuple[float, float]]) -> str:
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


def _radius(data: dict) -> float:
    return min(4.0 + math.sqrt(largest_figure(data)) / 12, 22.0)


def _tooltip(node: str, data: dict) -> str:
    lines = [f"{node_label(data)} ({node})", f"{data['stage']}, {data['country']}, {data.get('status', '')}"]
    if data.get("operators"):
        lines.append("operator: " + ", ".join(data["operators"]))
    for a in data.get("amounts", ()):
        what = " ".join(a.elements) or "all"
        lines.append(f"{a.kind} {a.value:,.0f} {a.basis} ({what}, {a.year}, {a.confidence}); {', '.join(a.sources)}")
    return "\n".join(lines)
