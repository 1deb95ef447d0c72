"""Charts for the static pages, with no script: a heat map as an HTML table (its labels wrap, never
cut) and a line chart of ranges as inline SVG (each series a band from its low to its high end, its
point as the line), each with a legend naming every colour it uses.

A value that is not known is drawn as missing: a heat-map cell without data is hatched grey with the
words "no data", and a line or band stops where its values stop; ``math.inf`` (nothing bounds it)
runs a band to the top of the plot.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from reegraph.render.html import esc
from reegraph.render.palette import hatch, ink

#: The CSS the heat map and its legend need (cell kinds: ``solid``, ``striped``, ``plain``, ``missing``).
CHART_CSS = f"""
.heat {{ width: auto; min-width: 40em; table-layout: fixed }}
.heat th {{ background: #f6f6f6; font-weight: 600 }} .heat th.row {{ width: 16em; font-weight: normal }}
.heat td {{ width: 11em; height: 4.2em; padding: 4px 6px; border: 2px solid #fff; vertical-align: middle;
            text-align: center; font-size: 12.5px; line-height: 1.3 }}
.heat td label {{ display: block; cursor: pointer }}
.heat td.plain {{ background: #fff; outline: 1px solid #bbb; outline-offset: -3px }}
.heat td.missing {{ background: {hatch(2, 5)}; color: #333 }}
.heat td.missing span, .heat td.striped span {{ display: inline-block; background: #fffffff2; padding: 1px 5px;
                                                  border-radius: 2px; color: #000 }}
.heat td b {{ font-size: 13.5px }}
.keys {{ display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 0.5em 0; font-size: 13px; align-items: center }}
.keys span {{ display: inline-flex; align-items: center; gap: 5px }}
.keys i {{ display: inline-block; width: 22px; height: 14px; border: 1px solid #0003 }}
.keys i.plain {{ background: #fff; border-color: #888 }}
.keys i.missing {{ background: {hatch(2, 3)} }}
.keys i.line, .keys i.dashed {{ height: 0; border: 0; border-top: 3px solid }}
.keys i.dashed {{ border-top-style: dashed }} .keys i.band {{ opacity: 0.3 }}
svg.lines text {{ font: 12px system-ui, sans-serif; fill: #333 }}
"""


@dataclass(frozen=True)
class Cell:
    """One heat-map cell: the words it shows (escaped when drawn), its tooltip, its fill and how it is
    drawn (``solid``: filled; ``striped``: stripes of the fill, for a result at some ends only;
    ``plain``: no fill; ``missing``: hatched grey, for no data); ``target``: the id of a radio input
    the cell selects (it is drawn as that input's label)."""

    words: tuple[str, ...]
    title: str
    kind: str = "missing"
    colour: str = ""
    target: str = ""


def _cell(cell: Cell) -> str:
    style = ""
    if cell.kind == "solid":
        style = f' style="background:{cell.colour};color:{ink(cell.colour)}"'
    elif cell.kind == "striped":
        style = f' style="background:repeating-linear-gradient(45deg,{cell.colour} 0 4px,#fff 4px 12px)"'
    words = "<br>".join(f"<b>{esc(w)}</b>" if i == 0 else esc(w) for i, w in enumerate(cell.words))
    inner = f"<span>{words}</span>"
    if cell.target:
        inner = f'<label for="{esc(cell.target)}">{inner}</label>'
    return f'<td class="{cell.kind}"{style} title="{esc(cell.title)}">{inner}</td>'


def heat_map(corner: str, columns: Sequence[str], rows: Sequence[tuple[str, Sequence[Cell]]]) -> str:
    """A heat map as an HTML table: a header row of ``columns`` under ``corner``, then each row's
    label and its cells (:class:`Cell`)."""
    head = f'<th class="row">{esc(corner)}</th>' + "".join(f"<th>{esc(c)}</th>" for c in columns)
    body = "".join(f'<tr><th class="row">{esc(label)}</th>{"".join(map(_cell, cells))}</tr>' for label, cells in rows)
    return f'<table class="heat"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def keys_html(keys: Sequence[tuple[str, str, str]]) -> str:
    """A legend of ``(label, kind, colour)`` keys: ``kind`` ``solid``, ``striped``, ``plain``,
    ``missing`` (as :class:`Cell`), ``line``, ``dashed``, ``band`` or ``hatched`` (a chart's series and area)."""
    out = []
    for label, kind, colour in keys:
        if kind == "striped":
            style = f' style="background:repeating-linear-gradient(45deg,{colour} 0 4px,#fff 4px 7px)"'
        elif kind == "hatched":
            style = f' style="background:repeating-linear-gradient(45deg,{colour} 0 2px,#fff 2px 5px)"'
        elif kind in ("line", "dashed"):
            style = f' style="border-top-color:{colour}"'
        elif kind in ("solid", "band"):
            style = f' style="background:{colour}"'
        else:
            style = ""
        out.append(f'<span class="key-{kind}"><i class="{kind}"{style}></i>{esc(label)}</span>')
    return f'<div class="keys">{"".join(out)}</div>'


@dataclass(frozen=True)
class Series:
    """A series of a line chart: at each x its ``low``, ``point`` and ``high`` (``None``: not known
    there; ``math.inf`` in ``high`` or ``low``: nothing bounds it); ``dashed``: its line dashed (to show
    through another drawn after it)."""

    name: str
    colour: str
    low: Sequence[float | None]
    point: Sequence[float | None]
    high: Sequence[float | None]
    dashed: bool = False


def nice_top(value: float, ticks: int = 4) -> tuple[float, float]:
    """The top of a y axis from 0 that holds ``value``, and its tick step (1, 2, 2.5 or 5 times a
    power of ten, about ``ticks`` steps).

    Examples
    --------
    >>> nice_top(31.67), nice_top(0.0), nice_top(180.0)
    ((40.0, 10.0), (1.0, 0.25), (200.0, 50.0))
    """
    if not value > 0:
        return 1.0, 0.25
    raw = value / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(s * power for s in (1.0, 2.0, 2.5, 5.0, 10.0) if s * power >= raw)
    return float(f"{step * math.ceil(value / step - 1e-9):.12g}"), step


def _runs(values: Sequence[tuple[float, ...] | None]) -> list[list[tuple[int, tuple[float, ...]]]]:
    """The runs of consecutive known values (a ``None`` breaks a run), with their x index."""
    runs: list[list[tuple[int, tuple[float, ...]]]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            runs.append([])
        else:
            runs[-1].append((i, v))
    return [r for r in runs if r]


@dataclass(frozen=True)
class Frame:
    """The geometry of a line chart: its size, the plot's margins, the number of x positions and the
    top of the y axis; :meth:`x` and :meth:`y` give pixel positions."""

    width: float
    height: float
    count: int
    top: float
    left: float = 64.0
    right: float = 20.0
    above: float = 12.0
    below: float = 44.0

    def x(self, i: float) -> float:
        """The pixel x of position ``i`` (0 at the plot's left edge, ``count - 1`` at its right)."""
        span = self.width - self.left - self.right
        return self.left + (span / 2 if self.count < 2 else i * span / (self.count - 1))

    def y(self, v: float) -> float:
        """The pixel y of value ``v`` (0 at the plot's bottom, :attr:`top` or more at its top)."""
        span = self.height - self.above - self.below
        return self.above + span * (1 - min(v, self.top) / self.top)


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    area: tuple[str, str, Sequence[float | None], Sequence[float | None]] | None = None,
    tips: Sequence[str] = (),
    key: str = "chart",
    width: int = 880,
    height: int = 300,
    describe: str = "",
) -> str:
    """A line chart as inline SVG with x ``labels`` (one per position, shown as room allows), each
    series a band from its low to its high end and a line through its points (drawn in order, the
    last on top); ``area``: ``(name,
    colour, upper, lower)``, hatched between the two where ``upper`` is above ``lower`` (its pattern's
    id ``{key}-hatch``: one ``key`` per chart of a page); ``tips``: a tooltip per x position. The y
    axis runs from 0; the legend (HTML, before the chart) names every colour drawn."""
    finite = [
        v for s in series for values in (s.low, s.point, s.high) for v in values if v is not None and math.isfinite(v)
    ]
    top, step = nice_top(max(finite, default=0.0))
    f = Frame(width, height, len(labels), top)
    parts = []
    for k in range(round(top / step) + 1):  # the y grid and its labels
        y = f.y(k * step)
        parts.append(f'<line x1="{f.left}" x2="{width - f.right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e3e3"/>')
        parts.append(f'<text class="tick" x="{f.left - 6}" y="{y + 4:.1f}" text-anchor="end">{_num(k * step)}</text>')
    every = max(1, math.ceil(len(labels) * 60 / (width - f.left - f.right)))  # a label needs about 60 px
    for i, label in enumerate(labels):
        if i % every == 0:
            x, y = f.x(i), height - f.below + 16
            parts.append(f'<text class="tick" x="{x:.1f}" y="{y}" text-anchor="middle">{esc(label)}</text>')
    bottom = f.y(0)
    parts.append(f'<line x1="{f.left}" x2="{width - f.right}" y1="{bottom}" y2="{bottom}" stroke="#888"/>')
    keys: list[tuple[str, str, str]] = []
    lines = []
    for s in series:
        pairs = [None if lo is None or hi is None else (hi, lo) for lo, hi in zip(s.low, s.high, strict=True)]
        bands = _runs(pairs)
        parts += [_polygon(f, run, f'fill="{s.colour}" fill-opacity="0.15"') for run in bands]
        points = _runs([None if p is None else (p,) for p in s.point])
        for run in points:
            if len(run) == 1:
                i, v = run[0]
                lines.append(f'<circle cx="{f.x(i):.1f}" cy="{f.y(v[0]):.1f}" r="3" fill="{s.colour}"/>')
            else:
                xy = " ".join(f"{f.x(i):.1f},{f.y(v[0]):.1f}" for i, v in run)
                dash = ' stroke-dasharray="7 5"' if s.dashed else ""
                lines.append(f'<polyline points="{xy}" fill="none" stroke="{s.colour}" stroke-width="2.5"{dash}/>')
        if points:
            keys.append((f"{s.name} (point)", "dashed" if s.dashed else "line", s.colour))
        if bands:
            keys.append((f"{s.name}: range, least to most short", "band", s.colour))
    if area is not None:
        name, colour, upper, lower = area
        pairs = [None if u is None or w is None else (u, w) for u, w in zip(upper, lower, strict=True)]
        shaded = [run for run in _runs(pairs) if any(u > w for _, (u, w) in run)]
        if shaded:
            parts.append(
                f'<defs><pattern id="{esc(key)}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
                f'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="{colour}" '
                'stroke-width="3"/></pattern></defs>'
            )
            parts += [_polygon(f, run, f'fill="url(#{esc(key)}-hatch)" stroke="{colour}"') for run in shaded]
            keys.append((name, "hatched", colour))
    parts += lines
    spot = (width - f.left - f.right) / max(len(labels) - 1, 1)
    for i, tip in enumerate(tips):
        parts.append(
            f'<rect class="tip" x="{f.x(i) - spot / 2:.1f}" y="{f.above}" width="{spot:.1f}" '
            f'height="{bottom - f.above:.1f}" fill="transparent"><title>{esc(tip)}</title></rect>'
        )
    svg = (
        f'<svg class="lines" role="img" aria-label="{esc(describe)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{"".join(parts)}</svg>'
    )
    return keys_html(keys) + svg


def _polygon(f: Frame, run: list[tuple[int, tuple[float, ...]]], paint: str) -> str:
    """A band over a run of ``(upper, lower)`` values, along the upper edge and back along the lower,
    painted with the attributes ``paint``."""
    if len(run) == 1:  # one position: a narrow bar
        i, (upper, lower) = run[0]
        y = f.y(max(upper, lower))
        return f'<rect x="{f.x(i) - 3:.1f}" y="{y:.1f}" width="6" height="{f.y(min(upper, lower)) - y:.1f}" {paint}/>'
    edge = [(f.x(i), f.y(v[0])) for i, v in run] + [(f.x(i), f.y(v[1])) for i, v in reversed(run)]
    return f'<polygon points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in edge)}" {paint}/>'


def _num(v: float) -> str:
    """A tick value: whole numbers with thousands separators, else up to three significant figures."""
    return f"{v:,.0f}" if v == int(v) else f"{v:,.3g}"
