"""One palette for every page and chart: a fixed colour per country and per stage, safe for the
common forms of colour blindness, so that a country has the same colour wherever it is drawn.

Countries take Paul Tol's "muted" scheme (nine colours, told apart with deuteranopia, protanopia
and tritanopia; https://personal.sron.nl/~pault/), given to the countries whose plants carry the
chain; every other country is "other", in one pale grey, and a legend names them. Stages take the
Okabe-Ito scheme (https://jfly.uni-koeln.de/color/), in chain order. The charts' other colours
(end uses, the months of a heat map, the series of a line chart, "no data") live here too, so that
every colour a page draws comes from this one module.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

#: The countries with a colour of their own, and their colours.
COUNTRY_COLOURS = {
    "CN": "#CC6677",  # rose
    "MM": "#882255",  # wine
    "AU": "#DDCC77",  # sand
    "MY": "#999933",  # olive
    "US": "#332288",  # indigo
    "JP": "#88CCEE",  # cyan
    "VN": "#117733",  # green
    "EE": "#44AA99",  # teal
    "IN": "#AA4499",  # purple
}
#: The colour of every other country (and of a node without one).
OTHER = "#DDDDDD"

#: The colour of end uses (they have no country), on every page.
END_USE_COLOUR = "#34495E"
#: Paul Tol's sequential "YlOrBr" scheme, darkest first, for an ordered quantity where the first is
#: the worst (the month of first shortage: earlier is darker).
RAMP = ("#662506", "#993404", "#CC4C02", "#EC7014", "#FB9A29", "#FEC44F")
#: The colours of a line chart's series and of its shaded area (Tol's "bright" scheme, told apart
#: with the common forms of colour blindness and unlike the countries' "muted" colours).
SERIES = {"blue": "#4477AA", "green": "#228833", "purple": "#AA3377", "red": "#EE6677", "cyan": "#66CCEE"}
#: The grey of "no data" (hatched, never a fill of its own), on every page.
MISSING = "#BBBBBB"
#: The opacity of a pale part: what lies between a range's low and high ends, or a share that is not
#: guaranteed.
PALE = 0.35

#: The colours of the stages, in chain order.
STAGE_COLOURS = {
    "mining": "#E69F00",
    "concentration": "#F0E442",
    "separation": "#D55E00",
    "metal": "#0072B2",
    "magnet": "#CC79A7",
    "component": "#009E73",
    "recycling": "#56B4E9",
}


def country_colour(code: str | None) -> str:
    """The colour of a country (ISO code), the same on every page.

    Examples
    --------
    >>> country_colour("CN"), country_colour("SI"), country_colour(None)
    ('#CC6677', '#DDDDDD', '#DDDDDD')
    """
    return COUNTRY_COLOURS.get(code or "", OTHER)


def ink(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (#RRGGBB).

    Examples
    --------
    >>> ink("#662506"), ink("#FEC44F")
    ('#fff', '#000')
    """
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#000" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "#fff"


def stage_colour(stage: str | None) -> str:
    """The colour of a stage (grey for none known)."""
    return STAGE_COLOURS.get(stage or "", OTHER)


def hatch(stripe: int = 2, gap: int = 4) -> str:
    """The CSS background of a hatched "no data" area: stripes of :data:`MISSING` on white.

    Examples
    --------
    >>> hatch()
    'repeating-linear-gradient(45deg, #BBBBBB 0 2px, #fff 2px 6px)'
    """
    return f"repeating-linear-gradient(45deg, {MISSING} 0 {stripe}px, #fff {stripe}px {stripe + gap}px)"


def country_legend(codes: Iterable[str | None]) -> list[tuple[str, str]]:
    """``(label, colour)`` for each colour the countries ``codes`` are drawn in, in palette order:
    the countries with a colour of their own, then "other: GB, KR, ..." naming the rest.

    Examples
    --------
    >>> country_legend(["SI", "CN", "GB", "US", None])
    [('CN', '#CC6677'), ('US', '#332288'), ('other: GB, SI, none', '#DDDDDD')]
    """
    given = set(codes)
    keys = [(code, colour) for code, colour in COUNTRY_COLOURS.items() if code in given]
    rest = sorted(c for c in given if c and c not in COUNTRY_COLOURS) + (["none"] if given & {None, ""} else [])
    return keys + ([(f"other: {', '.join(rest)}", OTHER)] if rest else [])


def legend_html(keys: Iterable[tuple[str, str]]) -> str:
    """A legend of ``(label, colour)`` keys as HTML (each a swatch and its label)."""
    return "".join(
        f'<span class="key"><i style="background:{colour}"></i>{html.escape(label)}</span>' for label, colour in keys
    )


#: The CSS :func:`legend_html` needs, and the keys of a pale part (``key pale``, in the colour of the
#: first country) and of a hatched one (``key hatch``: no data).
LEGEND_CSS = (
    ".key { display: inline-block; margin: 0 12px 4px 0; font-size: 13px } "
    ".key i { display: inline-block; width: 12px; height: 12px; margin-right: 5px; vertical-align: -1px; "
    "border: 1px solid #0003 } "
    f".key.pale i {{ background: {COUNTRY_COLOURS['CN']}; opacity: {PALE} }} "
    f".key.hatch i {{ background: {hatch(2, 3)} }}"
)
