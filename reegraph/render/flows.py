"""Flows in tonnes: a Sankey-style diagram per element as inline SVG (no script), for the report page
and ``reegraph view --flows``.

Columns are the stages of the element's chain, then its end uses; each column is stacked in bands
by country, in tonnes of the flow's basis; ribbons join the bands as one routing of the maximum flow
carries it (:func:`reegraph.analysis.flow.route_flow`). A band is a range: solid up to the low end
(what the evidence guarantees), pale up to the high end, a black tick at the point where there is
one; hatched where no figure bounds it (sized only by what the routing passes there), never drawn
as zero or as a full bar. The stage that binds the flow is framed and says so.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from reegraph.analysis.flow import StageCapacity, StageFlow
from reegraph.app import FlowDiagram, FlowView
from reegraph.model import ENDS, Range, fmt_amount
from reegraph.render.html import esc, page
from reegraph.render.palette import (
    END_USE_COLOUR,
    MISSING,
    PALE,
    country_colour,
    country_legend,
    legend_html,
)

#: Pixels: a band's width, the tallest column, the header, a band's gap, an open (unbounded) end.
BAND, PLOT, TOP, GAP, OPEN = 14, 300, 62, 3, 8
#: Pixels: a label's line, and the width of a character of a label (11 px system-ui, generously).
LINE, CHAR = 14, 6.7

#: The styles of the diagrams (the legend keys' are :func:`~reegraph.render.html.page`'s).
FLOWS_CSS = """
.flows svg text { font: 11px system-ui, sans-serif; paint-order: stroke; stroke: #fff; stroke-width: 3px }
.flows svg text.head { font-weight: 600; font-size: 12px } .flows svg text.binds { fill: #000; font-weight: 600 }
.flows .pair { display: flex; flex-wrap: wrap; gap: 12px 32px; align-items: flex-start;
  width: calc(100vw - 40px); position: relative; left: 50%; transform: translateX(-50%); justify-content: center }
.flows figure { margin: 0 0 1em 0; overflow-x: auto } .flows .pair figure { width: min-content }
.flows figcaption { font-weight: 600; margin: 0.3em 0 }
.key.tick i { background: linear-gradient(90deg, #fff 5px, #000 5px 7px, #fff 7px) }
.key.frame i { background: #fff; border: 2px dashed #000 } .key.lost i { background: #fff; border: 1px dashed #444 }
"""


@dataclass
class _Band:
    """One band of a column: a country's amount at a stage (country ``""``: the end uses), its height
    in tonnes, and where its ribbons attach."""

    country: str
    amount: Range
    tonnes: float
    label: str
    title: str
    measured: bool = True
    baseline: float = 0.0  # the baseline's tonnes (under a scenario): the rest is lost
    y: float = 0.0
    height: float = 0.0
    slots: dict[str, float] = field(default_factory=lambda: defaultdict(float))


def flow_section(
    diagrams: Sequence[FlowDiagram],
    *,
    after: Sequence[FlowDiagram] = (),
    scenario: str = "",
    region: str = "",
    level: int = 2,
) -> str:
    """The flows in tonnes as an HTML section: a heading, how to read the diagrams, and one diagram
    per element (with ``after``, the same element under ``scenario`` beside it, for ``region``'s
    end uses, on one scale)."""
    h = f"h{level}"
    if not diagrams:
        return f'<section class="flows"><{h}>Flows in tonnes</{h}><p>No element has a flow to draw.</p></section>'
    scenario_words = (
        f" Beside each baseline, the same flow under the scenario {esc(scenario)}, as it reaches the end uses in "
        f"{esc(region)}; a dashed outline marks what the scenario takes away."
        if after
        else ""
    )
    parts = [
        f'<section class="flows"><style>{FLOWS_CSS}</style><{h}>Flows in tonnes</{h}>',
        '<p class="muted">Each diagram follows one element from the mines to its end uses: a column per stage, a band '
        "per country, in tonnes of the flow's basis. Solid: the least the evidence guarantees (the low end); pale: up "
        "to the most it allows (the high end); a black tick: the point estimate. Hatched: no figure bounds the "
        "country's plants (drawn as large as what passes there, not as a figure). The ribbons are one routing of the "
        "maximum flow, the cheapest when a tonne costs 1 for each border it crosses and 2 for each stage where it "
        "passes a country that nothing bounds there (hatched): the trade between countries is inferred, not known. "
        "The dashed frame marks the stage that binds the flow." + scenario_words + "</p>",
    ]
    for i, diagram in enumerate(diagrams):
        other = after[i] if i < len(after) else None
        parts.append(_element(diagram, other, ident=f"f{i}", level=level + 1))
    parts.append("</section>")
    return "\n".join(parts)


def render_flows_page(view: FlowView) -> str:
    """The page of ``reegraph view --flows``: every element's flow in tonnes (under a scenario, the
    baseline and the scenario side by side)."""
    said = "".join(f"<p>{esc(note)}</p>" for note in view.notes)
    intro = (
        f"<p>Under {esc(view.scenario)}, as of {esc(view.as_of)}; baseline: the network at that date without "
        f"the planned plants. The scenario is priced for the end uses in {esc(view.region)}.</p>"
        if view.scenario
        else f"<p>As of {esc(view.as_of)}.</p>"
    )
    body = f"<h1>{esc(view.title)}</h1>{intro}{said}" + flow_section(
        view.diagrams, after=view.after, scenario=view.scenario, region=view.region
    )
    return page(view.title, body)


def _element(diagram: FlowDiagram, after: FlowDiagram | None, *, ident: str, level: int) -> str:
    """One element: its heading, the flow in words, the legend and the diagram (or the pair)."""
    flow = diagram.flow
    name = "All rare earths" if flow.element == "ALL" else flow.element
    h = f"h{level}"
    words = [_summary(diagram)]
    words += [_other(f) for f in diagram.others]
    if after is not None:
        words.append(esc(_change(flow, after.flow)) + _leans(after))  # (text: its "<1%" escaped)
    scale = _scale([diagram, *([after] if after else [])])
    if after is None:
        legend, svg = _diagram(diagram, scale, ident=ident)
        drawn = f'<p class="legend">{legend}</p><figure>{svg}</figure>'
    else:
        left_legend, left = _diagram(diagram, scale, ident=ident)
        right_legend, right = _diagram(after, scale, ident=ident + "s", baseline=diagram)
        drawn = (
            f'<div class="pair"><figure><figcaption>Baseline</figcaption><p class="legend">{left_legend}</p>{left}'
            f'</figure><figure><figcaption>Scenario</figcaption><p class="legend">{right_legend}</p>{right}'
            "</figure></div>"
        )
    return f"<{h}>{esc(name)} ({esc(flow.basis)})</{h}>" + "".join(f"<p>{w}</p>" for w in words if w) + drawn


def _summary(diagram: FlowDiagram) -> str:
    """The drawn flow in words: how much reaches which end uses, what binds it, what is missing."""
    flow = diagram.flow
    what = "rare earths" if flow.element == "ALL" else flow.element
    uses = ", ".join(diagram.end_uses)
    text = (
        f"{_tonnes(flow.flow)} of {esc(what)} ({esc(flow.basis)}) can reach the {len(diagram.end_uses)} end "
        f"use{'s' if len(diagram.end_uses) != 1 else ''} fed from {esc(flow.feeding_stage)} ({esc(uses)}). "
        f"{_binding_words(flow)}"
    )
    missing = _missing(flow.stages)
    return text + (f" {missing}" if missing else "") + (f" ({esc(flow.note)}.)" if flow.note else "")


def _other(flow: StageFlow) -> str:
    n = len(flow.end_uses)
    return (
        f"The same supply also feeds {n} end use{'s' if n != 1 else ''} from {esc(flow.feeding_stage)} (not drawn: "
        f"they compete for it): {_tonnes(flow.flow)}. {_binding_words(flow)}"
    )


def _change(before: StageFlow, after: StageFlow) -> str:
    """What the scenario does to the flow at each end, in words (text, not HTML): "takes 1,200 t
    (−10%)" (a loss), "adds 300 t (+2%)" (a gain; a share under 0.5% is said "<1%") or "changes
    nothing" (to the tonne), each said once for the ends it holds at. Where nothing bounds the flow
    after, it "adds an amount nothing bounds"; where nothing bounded it before, it "takes" one; where
    nothing bounds it either time, the change is unknown.

    Examples
    --------
    >>> from reegraph.analysis.flow import Binding
    >>> def flow(low, high, point=None):
    ...     return StageFlow("Dy", "separation", (), "t", Range(low, high, point), Binding(None, None, None), ())
    >>> _change(flow(100.0, 400.0), flow(90.0, 460.0))
    'The scenario takes 10 t (−10%) at the low end; adds 60 t (+15%) at the high end.'
    >>> _change(flow(100.0, 400.0), flow(100.0, 400.0))
    'The scenario changes nothing at the low and high ends.'

    200,000 t less 600 t is 0.3% less, and 200,000 t more 900 t 0.45% more: under 1% each, which
    rounds to 0%; 1,100 t more is 0.55%, which rounds to 1%:

    >>> _change(flow(200_000.0, 200_000.0), flow(199_400.0, 200_900.0))
    'The scenario takes 600 t (−<1%) at the low end; adds 900 t (+<1%) at the high end.'
    >>> _change(flow(200_000.0, 200_000.0), flow(200_000.0, 201_100.0))
    'The scenario changes nothing at the low end; adds 1,100 t (+1%) at the high end.'
    >>> _change(flow(10.0, 20.0, 15.0), flow(8.0, 16.0, 12.0))
    'The scenario takes 2 t (−20%) at the low end; takes 3 t (−20%) at the point; takes 4 t (−20%) at the high end.'
    >>> _change(flow(10.0, 20.0, 15.0), flow(10.0, 20.0, 15.0))
    'The scenario changes nothing at every end.'

    Nothing bounds the high end before and after: what the scenario does there is unknown (it may
    change nothing); a high end bounded only after lost an amount nothing bounds, and one bounded only
    before gained one:

    >>> _change(flow(10.0, math.inf), flow(10.0, math.inf))  # doctest: +NORMALIZE_WHITESPACE
    'The scenario changes nothing at the low end; changes it by an unknown amount, if at all, at the high end
    (nothing bounds it there before or after).'
    >>> _change(flow(10.0, math.inf), flow(10.0, 30.0))
    'The scenario changes nothing at the low end; takes an amount nothing bounds at the high end.'
    >>> _change(flow(10.0, 30.0), flow(10.0, math.inf))
    'The scenario changes nothing at the low end; adds an amount nothing bounds at the high end.'
    """
    by_words: dict[str, list[str]] = {}
    for end in ENDS:
        b, a = before.flow.at(end), after.flow.at(end)
        if b is None or a is None:
            continue
        if math.isinf(b) and math.isinf(a):
            words = "changes it by an unknown amount, if at all, at {ends} (nothing bounds it there before or after)"
        elif math.isinf(b) or math.isinf(a):
            words = f"{'takes' if math.isinf(b) else 'adds'} an amount nothing bounds"
        elif abs(a - b) < 0.5:
            words = "changes nothing"
        else:
            words = f"{'takes' if a < b else 'adds'} {abs(a - b):,.0f} t{_share(a - b, b)}"
        by_words.setdefault(words, []).append(end)
    said = "; ".join(
        words.replace("{ends}", _ends(ends)) if "{ends}" in words else f"{words} at {_ends(ends)}"
        for words, ends in by_words.items()
    )
    return f"The scenario {said or 'changes an amount that no end has data for'}."


def _share(change: float, of: float) -> str:
    """``change`` as a share of ``of``, signed, in brackets: " (−10%)", " (+<1%)" under 0.5%; nothing
    where ``of`` is not positive."""
    if of <= 0:
        return ""
    sign = "−" if change < 0 else "+"
    whole = f"{abs(change) / of:.0%}"
    return f" ({sign}{'<1%' if whole == '0%' else whole})"


def _ends(ends: Sequence[str]) -> str:
    """Ends (of :data:`~reegraph.model.ENDS`, in order) in words.

    >>> [_ends(e) for e in (["low"], ["point"], ["low", "high"], ["point", "high"], ["low", "point", "high"])]
    ['the low end', 'the point', 'the low and high ends', 'the point and the high end', 'every end']
    """
    if len(ends) == len(ENDS):
        return "every end"
    if "point" not in ends:
        return f"the {' and '.join(ends)} end{'s' if len(ends) > 1 else ''}"
    return " and ".join("the point" if end == "point" else f"the {end} end" for end in ends)


def _tonnes(r: Range) -> str:
    text = fmt_amount(r)
    if text == "unknown":
        return "An unknown amount (no figure bounds it)"
    return f"{'At least ' + text[2:] if text.startswith('≥') else text} t"


def _total(r: Range) -> str:
    text = fmt_amount(r)
    return text if text == "unknown" else f"{text} t"


def _binding_words(flow: StageFlow) -> str:
    """Which stage binds the flow at which end, in words."""
    by_stage: dict[str, list[str]] = {}
    for end, stage in zip(ENDS, flow.binding, strict=True):
        if stage is not None:
            by_stage.setdefault(stage, []).append(end)
    if not by_stage:
        return "No stage bounds it."
    said = "; ".join(f"{esc(stage)} at {_ends(ends)}" for stage, ends in by_stage.items())
    return f"Binds: {said}."


def _missing(stages: Sequence[StageCapacity]) -> str:
    """The stages and countries that no figure bounds, in words."""
    said = []
    for stage in stages:
        if not stage.measured:
            continue  # the flow's note says so
        open_ = [c for c, r in stage.countries if not r.bounded]
        if open_:
            said.append(f"no figure bounds {', '.join(esc(c) for c in open_)} at {esc(stage.stage)}")
    return ("Drawn hatched: " + "; ".join(said) + ".") if said else ""


def _leans(diagram: FlowDiagram) -> str:
    """Where the routing at the high end passes a country more than its figures guarantee and some
    of its plants there have no figure, in words (a scenario can seem to change nothing there
    because its flow goes round through them)."""
    carried: dict[tuple[str, str], float] = defaultdict(float)
    for link in diagram.links:
        carried[(link.stage, link.source)] += link.flow.high or 0.0
    said = []
    for stage in diagram.flow.stages:
        open_ = [
            c
            for c, r in stage.countries
            if stage.measured and not r.bounded and carried[(stage.stage, c)] > r.low + 0.5
        ]
        if open_:
            said.append(f"{', '.join(esc(c) for c in open_)} at {esc(stage.stage)}")
    if not said:
        return ""
    return (
        f" At the high end the scenario's flow passes more than the figures guarantee through countries where some "
        f"plants have no figure ({'; '.join(said)}): its high end may rest on what those plants might take, not on "
        "what they are known to do."
    )


def _order(diagram: FlowDiagram) -> dict[str, int]:
    """The countries in one order for every column: by the largest amount each has anywhere."""
    size: dict[str, float] = defaultdict(float)
    for stage in diagram.flow.stages:
        for country, r in stage.countries:
            size[country] = max(size[country], r.high if r.bounded else r.low)
    return {c: i for i, c in enumerate(sorted(size, key=lambda c: (-size[c], c)))}


Column = tuple[str, StageCapacity | None, list[_Band]]


def _columns(diagram: FlowDiagram, baseline: FlowDiagram | None = None) -> list[Column]:
    """The diagram's columns: each stage's bands, then the end uses' band, heights in tonnes."""
    flow = diagram.flow
    names = [s.stage for s in flow.stages]
    passed: dict[tuple[str, str], float] = defaultdict(float)  # (stage, country): the most routed through it
    for end in ("low", "high"):
        into: dict[tuple[str, str], float] = defaultdict(float)
        out: dict[tuple[str, str], float] = defaultdict(float)
        for x in diagram.links:
            v = x.flow.at(end) or 0.0
            out[(x.stage, x.source)] += v
            k = names.index(x.stage)
            into[(names[k + 1], x.target) if x.target else ("end-use", "")] += v
        for key in {*into, *out}:
            passed[key] = max(passed[key], into[key], out[key])
    order = _order(diagram if baseline is None else baseline)
    before = {} if baseline is None else {(b.country, s): b.tonnes for s, _, bands in _columns(baseline) for b in bands}
    columns: list[Column] = []
    for stage in flow.stages:
        bands = []
        for country, r in sorted(stage.countries, key=lambda kv: (order.get(kv[0], len(order)), kv[0])):
            tonnes = r.high if r.bounded and stage.measured else max(r.low, passed[(stage.stage, country)])
            label = f"{country} {fmt_amount(r)}" if stage.measured else country
            if r.bounded and r.high <= 0 and not before.get((country, stage.stage)):
                continue  # nothing passes: said in the table of figures, not drawn
            title = (
                f"{country}, {stage.stage}: {fmt_amount(r)} t" if stage.measured
                else f"{country}, {stage.stage}: not measured in this basis"
            )  # fmt: skip
            lost = before.get((country, stage.stage), 0.0)
            bands.append(_Band(country, r, tonnes, label, title, stage.measured, lost))
        columns.append((stage.stage, stage, bands))
    r = flow.flow
    end_label = f"{len(diagram.end_uses)} end use{'s' if len(diagram.end_uses) != 1 else ''}\n{fmt_amount(r)}"
    uses = _Band(
        "", r, r.high if r.bounded else max(r.low, passed[("end-use", "")]), end_label,
        f"{fmt_amount(r)} t to {', '.join(diagram.end_uses)}", True, before.get(("", "end-use"), 0.0),
    )  # fmt: skip
    columns.append(("end-use", None, [uses]))
    return columns


def _scale(diagrams: Sequence[FlowDiagram]) -> float:
    """Pixels per tonne: the tallest column of any of ``diagrams`` fills the plot."""
    tallest = max((sum(b.tonnes for b in bands) for d in diagrams for _, _, bands in _columns(d)), default=0.0)
    return PLOT / tallest if tallest > 0 else 0.0


def _diagram(diagram: FlowDiagram, scale: float, *, ident: str, baseline: FlowDiagram | None = None) -> tuple[str, str]:
    """The legend (HTML) and the diagram (SVG) of one flow, at ``scale`` pixels per tonne."""
    flow = diagram.flow
    columns = _columns(diagram, baseline)
    # the columns' x: each as wide as its band, its widest label and its header
    xs, x = [], 6.0
    heads = []
    for stage, cap, bands in columns:
        total = _total(cap.total if cap is not None else flow.flow) if cap is None or cap.measured else "not measured"
        ends = [e for e, s in zip(ENDS, flow.binding, strict=True) if s == stage]
        head = [stage.replace("-", " "), total, *([f"binds: {_ends(ends)}"] if ends else [])]
        heads.append(head)
        widest = max([len(line) for b in bands for line in b.label.split("\n")] + [len(t) for t in head]) * CHAR
        xs.append(x)
        x += BAND + 6 + widest + 12
    width = math.ceil(x)
    # the bands' y, stacked in the order of the countries
    for _, _, bands in columns:
        y = float(TOP)
        for band in bands:
            own = band.tonnes * scale
            band.height = max(own, band.baseline * scale, 1.0 if band.tonnes > 0 else 0.0)
            band.y = y
            y += band.height + (0 if band.amount.bounded and band.measured else OPEN) + GAP
    shapes: list[str] = []
    used: set[str] = set()
    hatched = lost = ticked = False
    # ribbons first, under the bands: the high end pale, the low end solid, each stacked from a band's top
    names = [stage for stage, _, _ in columns]
    index = {(stage, b.country): (k, b) for k, (stage, _, bands) in enumerate(columns) for b in bands}
    for end, opacity in (("high", 0.3), ("low", 0.75)):
        for link in sorted(diagram.links, key=lambda x: (names.index(x.stage), x.source, x.target)):
            v = link.flow.at(end) or 0.0
            if v <= 0:
                continue
            k, tail = index[(link.stage, link.source)]
            _, into = index[(names[k + 1], link.target) if link.target else ("end-use", "")]
            w = max(v * scale, 0.5)
            y1, y2 = tail.y + tail.slots[f"out-{end}"], into.y + into.slots[f"in-{end}"]
            tail.slots[f"out-{end}"] += w
            into.slots[f"in-{end}"] += w
            x1, x2 = xs[k] + BAND, xs[k + 1]
            mid = (x1 + x2) / 2
            colour = country_colour(link.source)
            used.add(link.source)
            target = f"{link.target}, {names[k + 1]}" if link.target else "the end uses"
            tip = (
                f"{link.source}, {link.stage} → {target}: "
                + ", ".join(f"{v_:,.0f} t at the {e}" for e, v_ in zip(ENDS, link.flow, strict=True) if v_ is not None)
                + " end (one routing of the maximum flow; the trade is inferred)"
            )
            shapes.append(
                f'<path class="ribbon" d="M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f} '
                f'L{x2:.1f},{y2 + w:.1f} C{mid:.1f},{y2 + w:.1f} {mid:.1f},{y1 + w:.1f} {x1:.1f},{y1 + w:.1f} Z" '
                f'fill="{colour}" fill-opacity="{opacity}"><title>{esc(tip)}</title></path>'
            )
    labels: list[str] = []
    bottom = float(TOP)
    for k, (_, _, bands) in enumerate(columns):
        x0 = xs[k]
        next_free = float(TOP) + 4
        for band in bands:
            colour = END_USE_COLOUR if not band.country else country_colour(band.country)
            if band.country:
                used.add(band.country)
            r, s = band.amount, scale
            parts = []
            if band.measured and r.bounded and band.baseline * s > band.tonnes * s + 0.5:  # what the scenario took
                lost = True
                parts.append(
                    f'<rect class="lost" x="{x0 - 2:.1f}" y="{band.y:.1f}" width="{BAND + 4}" '
                    f'height="{band.baseline * s:.1f}" fill="none" stroke="#444" stroke-dasharray="3 2"/>'
                )
            if r.bounded and band.measured:
                parts.append(_rect(x0, band.y, band.tonnes * s if band.tonnes else 0, colour, PALE, "pale"))
                parts.append(_rect(x0, band.y, min(r.low, band.tonnes) * s, colour, 1.0, "solid"))
            else:
                hatched = True
                solid = r.low * s if band.measured else 0.0
                parts.append(_rect(x0, band.y, solid, colour, 1.0, "solid"))
                open_height = max(band.tonnes * s - solid, 0.0) + OPEN
                parts.append(
                    f'<rect class="open" x="{x0:.1f}" y="{band.y + solid:.1f}" width="{BAND}" '
                    f'height="{open_height:.1f}" fill="url(#{ident}-hatch)" stroke="{colour}"/>'
                )
            if r.point is not None and band.measured and r.bounded and r.low < r.point < r.high:
                ticked = True
                py = band.y + r.point * s
                parts.append(
                    f'<line x1="{x0 - 3:.1f}" x2="{x0 + BAND + 3:.1f}" y1="{py:.1f}" y2="{py:.1f}" '
                    'stroke="#000" stroke-width="2"/>'
                )
            shapes.append(f'<g class="band"><title>{esc(band.title)}</title>{"".join(parts)}</g>')
            stop = band.y + max(band.height, band.baseline * s) + (0 if r.bounded and band.measured else OPEN)
            bottom = max(bottom, stop)
            centre = band.y + (stop - band.y) / 2 + 4
            y = max(centre, next_free + 9)
            next_free = y + LINE - 9
            lx = x0 + BAND + 6
            if y - centre > 3:  # moved to stay clear of the label above: a leader from the band
                labels.append(
                    f'<path d="M{x0 + BAND:.1f},{centre - 4:.1f} L{lx - 1:.1f},{y - 4:.1f}" stroke="#999" fill="none"/>'
                )
            lines = band.label.split("\n")
            spans = "".join(
                f'<tspan x="{lx:.1f}" dy="{0 if i == 0 else LINE}">{esc(line)}</tspan>' for i, line in enumerate(lines)
            )
            labels.append(f'<text class="label" x="{lx:.1f}" y="{y:.1f}">{spans}</text>')
            next_free += LINE * (len(lines) - 1)
            bottom = max(bottom, y + 4 + LINE * (len(lines) - 1))
        # the header: stage, total, and whether it binds
        head = heads[k]
        for i, line in enumerate(head):
            cls = "head" if i == 0 else "binds" if line.startswith("binds") else "label"
            labels.append(f'<text class="{cls}" x="{x0:.1f}" y="{14 + i * LINE}">{esc(line)}</text>')
        if len(head) > 2:  # the binding stage, framed
            shapes.append(
                f'<rect class="frame" x="{x0 - 4:.1f}" y="{TOP - 4}" width="{BAND + 8}" '
                f'height="{max(bottom - TOP + 8, 12):.1f}" fill="none" stroke="#000" stroke-width="2" '
                'stroke-dasharray="5 3"/>'
            )
    height = math.ceil(bottom + 10)
    defs = (
        f'<defs><pattern id="{ident}-hatch" width="5" height="5" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="5" height="5" fill="#fff"/>'
        f'<line x1="0" y1="0" x2="0" y2="5" stroke="{MISSING}" stroke-width="2"/></pattern></defs>'
    )
    svg = (
        f'<svg role="img" aria-label="{esc(flow.element)} flow in tonnes" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">{defs}{"".join(shapes)}{"".join(labels)}</svg>'
    )
    keys = legend_html([*country_legend(used), ("end uses", END_USE_COLOUR)])
    keys += '<span class="key pale"><i></i>pale: up to the high end</span>'
    if ticked:
        keys += '<span class="key tick"><i></i>point estimate</span>'
    if hatched:
        keys += '<span class="key hatch"><i></i>no figure bounds it</span>'
    keys += '<span class="key frame"><i></i>binding stage</span>'
    if lost:
        keys += '<span class="key lost"><i></i>lost in the scenario</span>'
    return keys, svg


def _rect(x: float, y: float, height: float, colour: str, opacity: float, cls: str) -> str:
    if height <= 0:
        return ""
    return (
        f'<rect class="{cls}" x="{x:.1f}" y="{y:.1f}" width="{BAND}" height="{max(height, 1.0):.1f}" '
        f'fill="{colour}" fill-opacity="{opacity}"/>'
    )
