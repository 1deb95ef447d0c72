"""The map (``reegraph map``): the facilities on a world map, one self-contained HTML page.

It is SVG drawn here: Natural Earth country outlines shipped with reegraph (1:110m), the
facilities at their coordinates, the known supply links as lines; tooltips are SVG titles. No script,
no tile server, nothing fetched; every string from the data is escaped. Online tiles only when asked
for (``tiles``): then the map is Web Mercator, drawn over the tiles of one zoom level, and the page's
Content-Security-Policy lets it load images from that one server.

Dense areas are drawn again in insets (East Asia, North America, Europe: each facility in exactly one
panel, the world map marking where the insets are); plants that share a site or would cover each
other are set out in a ring around it, a thin line back to their place. Short names are placed
beside the dots where they fit without touching another name or dot; the rest are named below the
map. Each dot is sized by one figure of its plant (:func:`size_figure`: a capacity or production
figure in its stage's unit, :data:`reegraph.model.STAGE_BASIS`), its area in proportion to tonnes on
one scale for every unit of tonnes; the facilities without coordinates are listed under the map.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

import networkx as nx

from reegraph.analysis.capacity import oldest_year
from reegraph.errors import InputError
from reegraph.model import FACILITY, KNOWN_LINKS, STAGE_BASIS, STAGES, Amount, node_label
from reegraph.render.charts import nice_top
from reegraph.render.html import esc, page, table
from reegraph.render.palette import legend_html, stage_colour

_ASSETS = Path(__file__).resolve().parents[1] / "assets"
_NORTH, _SOUTH = 84.0, -58.0  # the latitudes the world map shows
#: The width of the world map in CSS pixels (the page's column at 1400 px), and its insets': the
#: first beside the other two, which are stacked.
WIDTH, INSET_WIDTHS = 1260.0, (700.0, 540.0)
#: The insets: letter, name, and the box they show (west, east, south, north, in degrees).
INSETS = (
    ("A", "East Asia: China, Japan, Korea, South-East Asia", (94.0, 146.0, 0.0, 47.0)),
    ("B", "North America", (-122.0, -76.0, 25.0, 43.0)),
    ("C", "Europe", (-8.0, 60.0, 43.0, 70.0)),
)
#: The radius of a stage's largest reference figure, the least radius of a dot, the side of the
#: square of a plant without a figure (pixels).
R_MAX, R_MIN, NO_FIGURE_SIDE = 22.0, 3.0, 7.0
_FONT, _LINE = 11.0, 13.0  # the labels' font size and line height (px)
_GAP = 2.0  # between a dot and its label, and between dots set out in a ring


@cache
def world() -> list[dict]:
    """Country outlines: ``[{"name", "rings": [[[lon, lat], ...], ...]}]`` (Natural Earth 1:110m)."""
    return json.loads((_ASSETS / "world-110m.json").read_text(encoding="utf-8"))["countries"]


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


def size_figure(data: dict) -> Amount | None:
    """The figure a facility's dot is sized by: a capacity or production figure in its stage's unit
    (:data:`~reegraph.model.STAGE_BASIS`), preferring one that counts every element, then a
    capacity, then the latest year, then the largest; ``None`` where it has none in that unit.

    Examples
    --------
    >>> from reegraph.model import facility_node
    >>> a = Amount("a", "production", 900.0, "t REO", 2024)
    >>> b = Amount("b", "capacity", 400.0, "t REO", 2024, elements=("Nd", "Pr"))
    >>> size_figure(facility_node("separation", "US", amounts=[a, b])).id
    'a'
    >>> size_figure(facility_node("magnet", "US", amounts=[a])) is None  # t REO is not a magnet's unit
    True
    """
    basis = STAGE_BASIS.get(data.get("stage", ""))
    found = [a for a in data.get("amounts", ()) if a.kind in ("capacity", "production") and a.basis == basis]
    return max(found, key=lambda a: (not a.elements, a.kind == "capacity", a.year, a.value), default=None)


def radius(value: float, top: float, least: float = R_MIN) -> float:
    """The radius of a dot of ``value`` tonnes on a scale whose reference ``top`` has radius
    :data:`R_MAX`: area in proportion to tonnes, at least ``least`` (also on a scale without a
    figure, ``top`` 0). Every unit of tonnes (t REO, t metal, t magnet) is drawn on one scale,
    each stage in its own unit.

    Examples
    --------
    >>> radius(100.0, 100.0), radius(25.0, 100.0), radius(0.01, 100.0), radius(0.0, 0.0)
    (22.0, 11.0, 3.0, 3.0)
    """
    return max(least, R_MAX * math.sqrt(value / top)) if top > 0 else least


def years_said(years: Sequence[int], oldest: int) -> str:
    """The span of the ``years`` of some figures and how many are from before ``oldest``, in words:
    the year from which the analytics count figures (:func:`~reegraph.analysis.capacity.oldest_year`;
    an older one is stale: they leave it out, and list it).

    Examples
    --------
    As of 2026, with figures up to 2026, the analytics count figures from 2023 on: 2019 and 2020 are
    stale; a scenario set in 2028 on data of 2025 counts from 2022 on, so 2022 is not:

    >>> years_said([2024, 2019, 2020], 2023)
    'years 2019–2024; 2 from before 2023, which the analytics leave out as stale'
    >>> years_said([2022, 2019], 2022)
    'years 2019–2022; 1 from before 2022, which the analytics leave out as stale'
    >>> years_said([2024], 2023)
    'year 2024; none from before 2023, which the analytics leave out as stale'
    """
    first, last = min(years), max(years)
    stale = sum(1 for y in years if y < oldest)
    span = f"years {first}–{last}" if first != last else f"year {first}"
    return f"{span}; {stale or 'none'} from before {oldest}, which the analytics leave out as stale"


def _scale_of(basis: str) -> str:
    """The scale a unit's dots are drawn on: one for every unit of tonnes, one for each other unit."""
    return "tonnes" if basis.startswith("t ") else basis


def short_name(label: str, limit: int = 26) -> str:
    """A facility's name for the map: its label up to the first comma or bracket, cut after a whole
    word (not a little one such as "and") to at most ``limit`` characters, with an ellipsis.

    Examples
    --------
    >>> short_name("Lynas Malaysia (Lynas Advanced Materials Plant), Gebeng")
    'Lynas Malaysia'
    >>> short_name("Mountain Pass heavy rare-earth separation circuit (construction)")
    'Mountain Pass heavy…'
    >>> short_name("Mount Weld mine and concentrator plant")
    'Mount Weld mine…'
    """
    head = re.split(r"[,(]", label, maxsplit=1)[0].strip() or label.strip()
    if len(head) <= limit:
        return head
    words = head[:limit].split(" ")[:-1] or [head[: limit - 1]]  # the last word may be cut: drop it
    while len(words) > 1 and words[-1].lower() in ("and", "of", "the", "for", "de", "&", "-"):
        words.pop()
    return " ".join(words).rstrip(" -") + "…"


def text_width(text: str, size: float = _FONT) -> float:
    """An upper estimate of the width of ``text`` in pixels at font ``size`` (sans-serif; DejaVu
    Sans, among the widest, as the measure), for placing labels without a browser.

    Examples
    --------
    >>> text_width("Mount Weld") > text_width("Illi")
    True
    """
    em = 0.0
    for c in text:
        em += (
            0.30 if c in "il.,;:'|!j" else
            0.42 if c in "frt()-[] " else
            1.0 if c in "mwMW…" else
            0.76 if c.isupper() else
            0.64
        )  # fmt: skip
    return em * size + 2


class Panel(NamedTuple):
    """One map: the world or an inset (``key`` a letter), its size in pixels, the box it shows
    (west, east, south, north) and its projection to its pixels."""

    key: str
    name: str
    box: tuple[float, float, float, float]
    width: float
    height: float
    xy: Callable[[float, float], tuple[float, float]]


class _Mark(NamedTuple):
    """A facility as drawn: its place, where its marker is drawn (set out from a shared site), its
    radius and the figure that sized it."""

    node: str
    data: dict
    site: tuple[float, float]
    at: tuple[float, float]
    r: float
    figure: Amount | None


def _inset(key: str, name: str, box: tuple[float, float, float, float], width: float) -> Panel:
    """An inset: equirectangular, true to scale at its middle latitude."""
    west, east, south, north = box
    squeeze = math.cos(math.radians((south + north) / 2))
    k = width / ((east - west) * squeeze)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (lon - west) * k * squeeze, (north - lat) * k

    return Panel(key, name, box, width, (north - south) * k, xy)


def _panels(tiles: bool, zoom: int) -> list[Panel]:
    """The world map (plate carrée, or Web Mercator over tiles) and, offline, its insets."""
    if tiles:
        merc, scale = _mercator(zoom), WIDTH / (256 * 2**zoom)
        top = merc(0, _NORTH)[1]

        def xy(lon: float, lat: float) -> tuple[float, float]:
            x, y = merc(lon, lat)
            return x * scale, (y - top) * scale

        return [Panel("", "World", (-180.0, 180.0, _SOUTH, _NORTH), WIDTH, xy(0, _SOUTH)[1], xy)]
    k = WIDTH / 360
    world_panel = Panel(
        "", "World", (-180.0, 180.0, _SOUTH, _NORTH), WIDTH, (_NORTH - _SOUTH) * k,
        lambda lon, lat: ((lon + 180) * k, (_NORTH - lat) * k),
    )  # fmt: skip
    widths = (INSET_WIDTHS[0], INSET_WIDTHS[1], INSET_WIDTHS[1])
    return [world_panel, *(_inset(key, name, box, w) for (key, name, box), w in zip(INSETS, widths, strict=True))]


def _within(box: tuple[float, float, float, float], lon: float, lat: float) -> bool:
    west, east, south, north = box
    return west <= lon <= east and south <= lat <= north


def _ring(marks: list[_Mark]) -> list[_Mark]:
    """Marks that would cover each other, set out in a ring around their middle, in order of id,
    each far enough from the next not to touch it."""
    cx = sum(m.site[0] for m in marks) / len(marks)
    cy = sum(m.site[1] for m in marks) / len(marks)
    marks = sorted(marks, key=lambda m: m.node)
    pairs = [(m.r, marks[(i + 1) % len(marks)].r) for i, m in enumerate(marks)]
    ring = max(m.r for m in marks) + _GAP
    while True:
        if all(a + b + _GAP <= 2 * ring for a, b in pairs):
            arcs = [2 * math.asin((a + b + _GAP) / (2 * ring)) for a, b in pairs]
            if sum(arcs) <= 2 * math.pi:
                break
        ring *= 1.1
    spare = (2 * math.pi - sum(arcs)) / len(marks)
    placed, angle = [], -math.pi / 2
    for mark, arc in zip(marks, arcs, strict=True):
        placed.append(mark._replace(at=(cx + ring * math.cos(angle), cy + ring * math.sin(angle))))
        angle += arc + spare
    return placed


def _set_out(marks: list[_Mark]) -> list[_Mark]:
    """The marks of one panel, those that would cover each other (closer than most of their radii,
    or within 4 px) gathered into groups and set out in rings; the others where they are."""
    group = list(range(len(marks)))

    def root(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    for i, a in enumerate(marks):
        for j in range(i):
            b = marks[j]
            if math.dist(a.site, b.site) < max(4.0, 0.8 * (a.r + b.r)):
                group[root(i)] = root(j)
    groups: dict[int, list[_Mark]] = {}
    for i, mark in enumerate(marks):
        groups.setdefault(root(i), []).append(mark)
    return [m for members in groups.values() for m in (_ring(members) if len(members) > 1 else members)]


Box = tuple[float, float, float, float]  # left, top, right, bottom


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _place_labels(marks: Sequence[_Mark], panel: Panel, obstacles: Sequence[Box]) -> dict[str, Box]:
    """Greedy label placement: each mark in turn (the largest first) takes the first of twelve places
    around its marker where its short name stays inside the panel and touches no other name, marker
    or obstacle; a mark with no such place gets none."""
    dots = [(m.at[0] - m.r - 1, m.at[1] - m.r - 1, m.at[0] + m.r + 1, m.at[1] + m.r + 1) for m in marks]
    taken: list[Box] = [*obstacles, *dots]
    placed: dict[str, Box] = {}
    for mark in sorted(marks, key=lambda m: (-m.r, m.node)):
        (x, y), r = mark.at, mark.r + _GAP
        w, h, d = text_width(short_name(mark.data["label"] or mark.node)), _LINE, mark.r * 0.72 + _GAP
        for left, top in (
            (x + r, y - h / 2), (x - r - w, y - h / 2), (x + d, y - d - h), (x + d, y + d),
            (x - d - w, y - d - h), (x - d - w, y + d), (x - w / 2, y - r - h), (x - w / 2, y + r),
            (x - 4, y - r - h), (x + 4 - w, y - r - h), (x - 4, y + r), (x + 4 - w, y + r),
        ):  # fmt: skip
            box = (left, top, left + w, top + h)
            inside = left >= 1 and top >= 1 and box[2] <= panel.width - 1 and box[3] <= panel.height - 1
            if inside and not any(_overlaps(box, other) for other in taken):
                placed[mark.node] = box
                taken.append(box)
                break
    return placed


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


def _land(panel: Panel) -> str:
    """The country outlines that reach into a panel's box."""
    west, east, south, north = panel.box
    paths = []
    for country in world():
        points = [p for ring in country["rings"] for p in ring]
        if max(p[0] for p in points) < west or min(p[0] for p in points) > east:
            continue
        if max(p[1] for p in points) < south or min(p[1] for p in points) > north:
            continue
        d = " ".join(_path(ring, panel.xy) for ring in country["rings"])
        name = esc(country["name"])
        paths.append(f'<path d="{d}" fill="#e8e6df" stroke="#fff" stroke-width="0.6"><title>{name}</title></path>')
    return "".join(paths)


def _marker(mark: _Mark, top: dict[str, float], oldest: int) -> str:
    """A facility's marker with its tooltip: a dot sized by its figure (dashed where the figure counts
    some elements only), or a small square without one; hollow unless operating."""
    colour = stage_colour(mark.data["stage"])
    hollow = mark.data.get("status") != "operating"
    partial = mark.figure is not None and bool(mark.figure.elements)
    if hollow:
        paint = f'fill="#fff" stroke="{colour}" stroke-width="2"'
    elif partial:
        paint = f'fill="{colour}" fill-opacity="0.45" stroke="{colour}" stroke-width="1.5"'
    else:
        paint = f'fill="{colour}" fill-opacity="0.85" stroke="#fff" stroke-width="0.8"'
    paint += ' stroke-dasharray="2 1.5"' if partial else ""
    title = f"<title>{esc(_tooltip(mark, top, oldest))}</title>"
    x, y = mark.at
    if mark.figure is None:
        s = NO_FIGURE_SIDE
        square = f'x="{x - s / 2:.1f}" y="{y - s / 2:.1f}" width="{s}" height="{s}"'
        return f'<rect class="facility" {square} {paint}>{title}</rect>'
    return f'<circle class="facility" cx="{x:.1f}" cy="{y:.1f}" r="{mark.r:.1f}" {paint}>{title}</circle>'


def _tooltip(mark: _Mark, top: dict[str, float], oldest: int) -> str:
    data = mark.data
    lines = [f"{node_label(data)} ({mark.node})", f"{data['stage']}, {data['country']}, {data.get('status', '')}"]
    if data.get("operators"):
        lines.append("operator: " + ", ".join(data["operators"]))
    figure, unit = mark.figure, STAGE_BASIS.get(data["stage"], "")
    if figure is None:
        lines.append(f"size: no capacity or production figure in {unit or 'a unit of its stage'} (square)")
    else:
        only = f", {' '.join(figure.elements)} only" if figure.elements else ""
        stale = f", before {oldest}: stale, left out by the analytics" if figure.year < oldest else ""
        lines.append(f"size: {figure.kind} {figure.value:,.0f} {figure.basis} ({figure.year}{only}{stale})")
    for a in data.get("amounts", ()):
        what = " ".join(a.elements) or "all"
        lines.append(f"{a.kind} {a.value:,.0f} {a.basis} ({what}, {a.year}, {a.confidence}); {', '.join(a.sources)}")
    return "\n".join(lines)


def _label(mark: _Mark, box: Box) -> str:
    name = esc(short_name(mark.data["label"] or mark.node))
    return f'<text class="label" x="{box[0] + 1:.1f}" y="{box[1] + 10:.1f}">{name}</text>'


def _svg(panel: Panel, body: str, *, id_: str) -> str:
    return (
        f'<svg id="{id_}" class="panel" role="img" width="{panel.width:.0f}" height="{panel.height:.0f}" '
        f'viewBox="0 0 {panel.width:.0f} {panel.height:.0f}">{body}</svg>'
    )


def _size_legend(stage: str, top: dict[str, float]) -> str:
    """Reference circles for a stage in its unit: its largest figure rounded up, a quarter and a
    twenty-fifth of it, drawn on the scale of its unit (those above the least size), then the least
    size and the figures it stands for."""
    unit = STAGE_BASIS.get(stage, "")
    scale = top[_scale_of(unit)]
    refs = [(v, f"{v:,.0f}") for v in (top[stage], top[stage] / 4, top[stage] / 25) if radius(v, scale) > R_MIN]
    refs.append((0.0, f"under {_least(scale):,.0f}"))
    parts, x = [], 0.0
    for value, text in refs:
        r = radius(value, scale)
        parts.append(
            f'<circle cx="{x + r + 1:.1f}" cy="{R_MAX + 1:.1f}" r="{r:.1f}" fill="{stage_colour(stage)}" '
            f'fill-opacity="0.85"/><text x="{x + 2 * r + 5:.1f}" y="{R_MAX + 5:.1f}">{esc(text)}</text>'
        )
        x += 2 * r + 14 + text_width(text, 12)
    return (
        f'<span class="size"><span><b>{esc(stage)}</b> ({esc(unit)})</span>'
        f'<svg width="{x:.0f}" height="{2 * R_MAX + 2:.0f}">{"".join(parts)}</svg></span>'
    )


def _least(top: float) -> float:
    """The figure (two significant digits) under which a dot is drawn at the least size."""
    return float(f"{top * (R_MIN / R_MAX) ** 2:.2g}")


_CSS = """<style>
.panel { display: block; background: #f4f8fb; max-width: 100%; height: auto }
.panel text.label { font-size: 11px; fill: #222; paint-order: stroke; stroke: #f4f8fb; stroke-width: 3px;
  pointer-events: none }
.insets { display: flex; gap: 20px; align-items: flex-start; margin-top: 20px }
.insets figure { margin: 0 0 20px }
.insets figcaption { font-weight: 600; margin-bottom: 4px }
.size { display: inline-flex; align-items: center; gap: 6px; margin: 0 24px 6px 0 }
.marks svg { vertical-align: -3px }
</style>"""


def render_map(G: nx.DiGraph, *, title: str, tiles: str | None = None, zoom: int = 3) -> str:
    """The facilities of ``G`` on a world map with insets of its dense areas, coloured by stage and
    sized by their capacity (or production) in their stage's unit (:func:`size_figure`); planned and under-construction
    plants hollow; known supply links as lines; the facilities without coordinates listed below.
    With ``tiles`` (a URL template, see :func:`check_tiles`) the world map is drawn over online
    tiles of level ``zoom``, without insets."""
    oldest = oldest_year(G)  # (figures from before it are stale to the analytics)
    every = {n: d for n, d in G.nodes(data=True) if d["kind"] == FACILITY}
    placed = {n: d for n, d in every.items() if d.get("lat") is not None}
    figures = {n: size_figure(d) for n, d in placed.items()}
    top: dict[str, float] = {}  # each stage's largest figure, then each scale's
    for n, figure in figures.items():
        if figure is not None and figure.value > 0:
            for key in (placed[n]["stage"], _scale_of(figure.basis)):
                top[key] = max(top.get(key, 0.0), figure.value)
    top = {key: nice_top(value)[0] for key, value in top.items()}
    panels = _panels(bool(tiles), zoom)
    home = {
        n: next((p for p in panels[1:] if _within(p.box, d["long"], d["lat"])), panels[0]) for n, d in placed.items()
    }

    drawn: dict[str, list[_Mark]] = {}
    for panel in panels:
        marks = []
        for n in sorted(n for n in placed if home[n] is panel):
            d, figure = placed[n], figures[n]
            figure = figure if figure is not None and figure.value > 0 else None
            r = NO_FIGURE_SIDE / 2 if figure is None else radius(figure.value, top[_scale_of(figure.basis)])
            site = panel.xy(d["long"], d["lat"])
            marks.append(_Mark(n, d, site, site, r, figure))
        drawn[panel.key] = _set_out(marks)
    at = {m.node: (home[m.node], m.at) for marks in drawn.values() for m in marks}

    svgs: list[str] = []
    unlabelled: list[_Mark] = []
    for panel in panels:
        marks = drawn[panel.key]
        boxes = []
        layers = [_land(panel)] if not tiles else [_tiles(panel, tiles, zoom)]
        if not panel.key:  # the world: where the insets are
            for inset in panels[1:]:
                west, east, south, north = inset.box
                (x1, y1), (x2, y2) = panel.xy(west, north), panel.xy(east, south)
                boxes.append((x1, y1, x2, y2))
                count = sum(1 for n in placed if home[n] is inset)
                layers.append(
                    f'<rect class="inset-box" x="{x1:.1f}" y="{y1:.1f}" width="{x2 - x1:.1f}" height="{y2 - y1:.1f}" '
                    f'fill="#fff" fill-opacity="0.55" stroke="#555" stroke-dasharray="4 3">'
                    f"<title>Inset {inset.key}: {esc(inset.name)} ({count} facilities), below</title></rect>"
                    f'<text class="inset-key" x="{x1 + 4:.1f}" y="{y1 + 15:.1f}"><tspan font-weight="bold">'
                    f"{inset.key}</tspan> {esc(inset.name.split(':')[0])}: see below</text>"
                )
        layers.append(_links(G, panel, at, placed))
        for mark in marks:
            if mark.at != mark.site:
                layers.append(
                    f'<line x1="{mark.site[0]:.1f}" y1="{mark.site[1]:.1f}" x2="{mark.at[0]:.1f}" '
                    f'y2="{mark.at[1]:.1f}" stroke="#222" stroke-width="0.8"/><circle class="site" '
                    f'cx="{mark.site[0]:.1f}" cy="{mark.site[1]:.1f}" r="1.8" fill="#222"/>'
                )
        layers.extend(_marker(m, top, oldest) for m in sorted(marks, key=lambda m: (-m.r, m.node)))  # small on top
        labels = _place_labels(marks, panel, boxes)
        layers.extend(_label(m, labels[m.node]) for m in sorted(marks, key=lambda m: m.node) if m.node in labels)
        unlabelled.extend(m for m in marks if m.node not in labels)
        svg = _svg(panel, "".join(layers), id_="map" if not panel.key else f"inset-{panel.key}")
        if panel.key:
            caption = f"{panel.key}. {esc(panel.name)}: {_count(len(marks), 'facility', 'facilities')}"
            svg = f"<figure><figcaption>{caption}</figcaption>{svg}</figure>"
        svgs.append(svg)
    maps = svgs[0]
    if len(svgs) > 1:
        maps += f'<div class="insets"><div>{svgs[1]}</div><div>{"".join(svgs[2:])}</div></div>'

    credit = (
        f"Map tiles: {esc(urlsplit(tiles).netloc)} (online; follow its terms and credit its data)."
        if tiles
        else "Country outlines: Natural Earth 1:110m (public domain), via world-atlas 2.0.2."
    )
    body = f"""{_CSS}<h1>{esc(title)}</h1>
{_summary(G, every, placed, figures, oldest, tiles=bool(tiles))}
{_legend(placed, figures, top)}
{maps}
{_unlabelled(unlabelled)}
{_missing(G, every, placed)}
<p class="muted">{credit}</p>"""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(tiles)) if tiles else ""
    return page(title, body, images_from=origin)


def _tiles(panel: Panel, tiles: str, zoom: int) -> str:
    """The tiles under the world map, in the tiles' own pixels scaled to the panel's."""
    merc, size, count = _mercator(zoom), 256, 2**zoom
    top, bottom = merc(0, _NORTH)[1], merc(0, _SOUTH)[1]
    template = check_tiles(tiles).replace("{z}", str(zoom))
    images = []
    for ty in range(int(top // size), min(int(bottom // size) + 1, count)):
        for tx in range(count):
            url = template.replace("{x}", str(tx)).replace("{y}", str(ty))
            images.append(f'<image class="tile" href="{esc(url)}" x="{tx * size}" y="{ty * size}" '
                          f'width="{size}" height="{size}"/>')  # fmt: skip
    scale = panel.width / (size * count)
    return f'<g transform="scale({scale:.6f}) translate(0,{-top:.3f})">{"".join(images)}</g>'


def _links(G: nx.DiGraph, panel: Panel, at: dict, placed: dict) -> str:
    """The known supply links a panel shows: on the world map every one (from where a plant in an
    inset really is), in an inset those between two of its plants."""
    lines = []
    for u, v, data in G.edges(data=True):
        if data.get("link") not in KNOWN_LINKS or u not in at or v not in at:
            continue
        ends = []
        for node in (u, v):
            home, xy = at[node]
            if home is panel:
                ends.append(xy)
            elif not panel.key:
                ends.append(panel.xy(placed[node]["long"], placed[node]["lat"]))
        if len(ends) < 2:
            continue
        (x1, y1), (x2, y2) = ends
        lines.append(
            f'<line class="link" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#555" '
            f'stroke-opacity="0.5" stroke-width="1.2"><title>{esc(placed[u]["label"])} → {esc(placed[v]["label"])} '
            f"({esc(data['link'])})</title></line>"
        )
    return "".join(lines)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _summary(G: nx.DiGraph, every: dict, placed: dict, figures: dict, oldest: int, *, tiles: bool) -> str:
    """What the map shows and what it leaves out, in words."""
    others = len(every) - len(placed)
    where = (
        f"{len(placed)} of {_count(len(every), 'facility', 'facilities')} in the network on "
        f"{esc(str(G.graph.get('as_of', '')))} (operating, under construction or planned) have coordinates "
        f"(town level) and are drawn"
    )
    where += f"; the {others} others are listed below the map." if others else "."
    unsized = [n for n, f in figures.items() if f is None]
    stages = [stage for stage in STAGES if any(d["stage"] == stage for d in placed.values())]
    units = "; ".join(
        f"{', '.join(s for s in stages if STAGE_BASIS.get(s) == unit)} in {unit}"
        for unit in dict.fromkeys(STAGE_BASIS[s] for s in stages if s in STAGE_BASIS)
    )
    years = [f.year for f in figures.values() if f is not None]
    sizes = (
        f"Dots are sized by capacity (or production) in their stage's unit ({units}; area in proportion to "
        f"tonnes, on one scale: a tonne of magnet holds about a third of a tonne of rare earths, so compare across "
        f"stages with care); "
        f"{_count(len(unsized), 'plant has', 'plants have')} no figure in that unit and "
        f"{'is' if len(unsized) == 1 else 'are'} drawn as a small square."
    )
    if years:
        sizes += f" The figures behind the sizes: {years_said(years, oldest)} (the tooltip gives each year)."
    dense = (
        " Dense areas are drawn again, larger, in insets A–C below the world map (each plant in one place only);"
        " plants at one site are set out in a ring around it, a thin line back to their place."
        if not tiles
        else " Plants at one site are set out in a ring around it, a thin line back to their place."
    )
    return f'<p>{where}</p>\n<p class="muted">{sizes}{dense} Hover a marker for its figures and sources.</p>'


def _legend(placed: dict, figures: dict, top: dict[str, float]) -> str:
    """The colours (every stage drawn), the marks, and a size scale per stage in its unit."""
    stages = [s for s in (*STAGES, "recycling") if any(d["stage"] == s for d in placed.values())]
    stages += sorted({d["stage"] for d in placed.values()} - set(stages))
    colours = legend_html((stage, stage_colour(stage)) for stage in stages)
    grey = "#777"
    marks = [
        (f'<circle cx="8" cy="8" r="6" fill="{grey}"/>', "operating"),
        (
            f'<circle cx="8" cy="8" r="5" fill="#fff" stroke="{grey}" stroke-width="2"/>',
            "planned or under construction",
        ),
        (f'<rect x="4.5" y="4.5" width="7" height="7" fill="{grey}"/>', "no figure in its stage's unit (fixed size)"),
        (
            f'<circle cx="8" cy="8" r="6" fill="{grey}" fill-opacity="0.45" stroke="{grey}" stroke-width="1.5" '
            f'stroke-dasharray="2 1.5"/>',
            "figure for some elements only (such as Nd–Pr)",
        ),
        ('<line x1="0" y1="8" x2="16" y2="8" stroke="#555" stroke-width="1.2"/>', "known supply link"),
        (
            '<line x1="2" y1="14" x2="12" y2="4" stroke="#222" stroke-width="0.8"/><circle cx="2" cy="14" r="1.8" '
            'fill="#222"/>',
            "where a plant set out of a crowd really is",
        ),
    ]
    keys = "".join(
        f'<span class="key"><svg width="16" height="16">{svg}</svg> {esc(text)}</span>' for svg, text in marks
    )
    sizes = "".join(_size_legend(stage, top) for stage in stages if stage in top)
    least = "".join(
        f" A figure under {_least(top[scale]):,.0f} {'t' if scale == 'tonnes' else esc(scale)} "
        f"is drawn at the least size ({R_MIN:.0f} px)."
        for scale in sorted({_scale_of(STAGE_BASIS.get(s, "")) for s in stages if s in top})
    )
    return (
        f'<p>Stage: {colours}</p>\n<p class="marks">{keys}</p>\n'
        f"<p>Size (area in proportion to tonnes, one scale for all stages, each in its unit): {sizes}"
        f'<br><span class="muted">{least}</span></p>'
    )


def _unlabelled(marks: list[_Mark]) -> str:
    """The drawn plants whose names did not fit on the map, named."""
    if not marks:
        return '<p class="muted unnamed">Every drawn plant is named on the map.</p>'
    names = "; ".join(esc(node_label(m.data, m.node)) for m in sorted(marks, key=lambda m: m.node))
    return (
        f'<p class="muted unnamed">{_count(len(marks), "drawn plant is", "drawn plants are")} not named on the map '
        f"(no room beside the marker without covering another name or marker; their tooltips name them): {names}.</p>"
    )


def _missing(G: nx.DiGraph, every: dict, placed: dict) -> str:
    """The facilities the map cannot draw, with why."""
    missing = [(n, d) for n, d in every.items() if n not in placed]
    if not missing:
        return "<p>Every facility in the network has coordinates.</p>"
    order = {stage: i for i, stage in enumerate(STAGES)}
    countries = G.graph.get("countries", {})
    rows = [
        (
            f"{node_label(d)} ({n})",
            d["stage"],
            f"{d['country']} ({countries[d['country']]})" if d["country"] in countries else d["country"],
            d.get("status", ""),
            "no coordinates in the graph" + ("; an aggregate of several plants, no one site" if d["aggregate"] else ""),
        )
        for n, d in sorted(missing, key=lambda item: (order.get(item[1]["stage"], 99), item[1]["label"], item[0]))
    ]
    return (
        f'<h2 id="not-drawn">Not on the map: {_count(len(missing), "facility", "facilities")} without coordinates'
        "</h2>\n" + table(["facility", "stage", "country", "status", "why not drawn"], rows)
    )
