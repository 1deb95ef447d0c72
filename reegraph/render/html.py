"""Self-contained HTML pages: charts drawn as inline SVG, styles inline, no script and nothing fetched
(a Content-Security-Policy says so to the browser). Every string from the data is escaped; links are
kept only for http(s) URLs.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reegraph.model import Range, fmt_share
from reegraph.render.palette import LEGEND_CSS, PALE, country_colour, country_legend, hatch, legend_html

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"  # img-src last: page() may extend it


def esc(value: Any) -> str:
    """Text for HTML content or attribute values, escaped (``None`` is empty).

    Examples
    --------
    >>> esc('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return "" if value is None else html.escape(str(value), quote=True)


def link(url: str, text: str | None = None) -> str:
    """A link for an http(s) URL; anything else (``javascript:``, ``data:``) is shown as text only.

    Examples
    --------
    >>> link("javascript:alert(1)")
    'javascript:alert(1)'
    """
    label = esc(text if text is not None else url)
    if not url.lower().startswith(("https://", "http://")):
        return label
    return f'<a href="{esc(url)}" rel="noopener noreferrer">{label}</a>'


def page(title: str, body: str, *, images_from: str = "") -> str:
    """A complete HTML document around ``body``; it may load images from the origin ``images_from``
    (online map tiles, when asked for) and nothing else."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{esc(f"{_CSP} {images_from}".strip())}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>
body {{ font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 90em;
       padding: 0 1em; color: #1b1b1b }}
h1 {{ font-size: 1.6em }} h2 {{ margin-top: 2em; border-bottom: 1px solid #ddd }}
table {{ border-collapse: collapse; width: 100%; margin: 1em 0 }}
th, td {{ border-bottom: 1px solid #e5e5e5; padding: 4px 6px; text-align: left; vertical-align: top }}
th {{ background: #f6f6f6 }} td.n {{ text-align: right; white-space: nowrap }}
.why {{ color: #444; font-size: 0.95em }} .muted {{ color: #777 }}
svg text {{ font: 12px system-ui, sans-serif }} {LEGEND_CSS}
td.wide {{ min-width: 24em }}
.bars {{ display: grid; grid-template-columns: minmax(14em, 30em) minmax(12em, 1fr); gap: 4px 12px;
        align-items: center; max-width: 70em }}
.bars .bar {{ display: flex; align-items: center; gap: 6px }} .bars .bar i {{ display: block; height: 16px }}
.share-bars {{ align-items: start }} .stack {{ display: flex; height: 18px; border: 1px solid #bbb }}
.stack i {{ display: block; height: 100%; font-style: normal; font-size: 12px; text-align: center; overflow: hidden }}
.stack i.open {{ background: {hatch()}; color: #444 }} .stack i.pale {{ opacity: {PALE} }}
</style></head>
<body>
{body}
</body></html>
"""


def table(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, numeric: Sequence[int] = (), wide: Sequence[int] = ()
) -> str:
    """An HTML table; cells are escaped unless they are :class:`Raw`; ``numeric`` columns align
    right, ``wide`` ones (prose) keep room to be read."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    kinds = {**dict.fromkeys(numeric, " class=n"), **dict.fromkeys(wide, " class=wide")}
    body = "".join(
        "<tr>"
        + "".join(f"<td{kinds.get(i, '')}>{c if isinstance(c, Raw) else esc(c)}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class Raw(str):
    """Markup already escaped (a link), passed through :func:`table` as is."""


@dataclass(frozen=True)
class ShareRow:
    """One bar of :func:`share_bars`: its label, a note, each country's share, and whether the shares
    are partial (of the quantified output only: some plants at the stage have no figure, so no
    country's share of the stage is guaranteed)."""

    label: str
    note: str
    shares: Sequence[tuple[str, Range]]
    partial: bool = False


def share_bars(rows: Sequence[ShareRow]) -> str:
    """Horizontal bars of country shares given as ranges, one per row, as HTML: the whole label
    beside the bar; each country solid up to the low end of its share (what the evidence guarantees
    it), in its colour, or pale where the row is partial (nothing guaranteed: nothing solid); the
    rest, which the evidence pins to no one country, hatched; the ranges in words under the bar; a
    row without shares drawn as an empty hatched bar that says "no data". A legend names every
    colour.

    Examples
    --------
    >>> "no data" in share_bars([ShareRow("separation · Sc", "none of 3 plants has a figure", [])])
    True
    """
    cells, names = [], set()
    for row in rows:
        parts, words = [], []
        for country, share in row.shares:
            names.add(country)
            words.append(f"{country} {fmt_share(share)}")
            if share.low > 0:
                parts.append(
                    f'<i class="part{" pale" if row.partial else ""}" style="width:{share.low * 100:.2f}%;'
                    f'background:{country_colour(country)}" title="{esc(country)}: {esc(fmt_share(share))}'
                    f'{" of the quantified output" if row.partial else ""}"></i>'
                )
        open_ = 1 - math.fsum(s.low for _, s in row.shares)
        if not row.shares:
            parts.append('<i class="open" style="width:100%" title="no data">no data</i>')
        elif open_ > 0.0005:
            parts.append(
                f'<i class="open" style="width:{open_ * 100:.2f}%" '
                f'title="{open_:.0%} the evidence pins to no one country"></i>'
            )
        text = " · ".join(words[:8]) + (f" · {len(words) - 8} more" if len(words) > 8 else "")
        said = " — ".join(t for t in (text, row.note) if t)
        cells.append(
            f'<div class="label">{esc(row.label)}</div><div class="shares"><div class="stack">{"".join(parts)}</div>'
            f'<div class="muted">{esc(said)}</div></div>'
        )
    keys = legend_html(country_legend(names))
    if any(r.partial for r in rows):
        keys += (
            '<span class="key pale"><i></i>pale: a share of the quantified output only (some plants have no '
            "figure), not guaranteed</span>"
        )
    return (
        f'<p class="legend">{keys}<span class="key hatch"><i></i>pinned to no one country, or no data</span></p>'
        f'<div class="bars share-bars">{"".join(cells)}</div>'
    )


def bars(rows: Sequence[tuple[str, float, str]], *, colour: str = "#882255") -> str:
    """Horizontal bars of values in [0, 1], each with its whole label (wrapped, never cut) and a
    note, as HTML: a grid of label and bar."""
    cells = "".join(
        f'<div class="label">{esc(label)}</div><div class="bar">'
        f'<i style="width:{max(min(value, 1.0), 0.0) * 100:.1f}%;background:{colour}"></i>'
        f"<span>{esc(note)}</span></div>"
        for label, value, note in rows
    )
    return f'<div class="bars">{cells}</div>'
