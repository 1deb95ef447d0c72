"""One ranked list of chokepoints that merges concentration, dominance and flow loss."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

import networkx as nx

from reegraph.analysis.capacity import StageTable, Tables, country_of, country_range, stage_table, tally
from reegraph.analysis.concentration import Concentration, part_of
from reegraph.analysis.flow import Loss, StageFlow, find_flow_losses
from reegraph.model import FACILITY, Ends, Range, add_ranges, fmt_amount, fmt_ends, fmt_share, fmt_span, node_label

#: A candidate is listed when it dominates, or when the least share or flow loss the evidence
#: gives reaches this.
MIN_SCORE = 0.5
_KIND_ORDER = {"country": 0, "company": 1, "facility": 2}


@dataclass(frozen=True)
class Chokepoint:
    """A country, company or facility at one stage whose loss would cut supply: its share of the
    stage (a range), the flow lost without it (at each end), whether every path crosses it, and the
    score: 1 for a dominator, else the larger of the least share and the least flow loss the
    evidence gives."""

    kind: str
    id: str
    label: str
    stage: str
    elements: tuple[str, ...]
    end_uses: tuple[str, ...]
    share: Range | None
    hhi: Range | None
    flow_loss: Ends | None
    dominates: bool
    score: float
    why: str
    sources: tuple[str, ...]
    rank: int = 0


@dataclass
class _Signal:
    element: str
    share: Range | None = None
    hhi: Range | None = None
    amount: Range | None = None
    total: Range | None = None
    basis: str = ""
    span: str = ""
    note: str = ""
    loss: Loss | None = None
    dominates: bool = False
    end_uses: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)

    @property
    def score(self) -> float:
        if self.dominates:
            return 1.0
        return max(self.loss.least if self.loss else 0.0, self.share.low if self.share else 0.0)


def rank_chokepoints(
    G: nx.DiGraph,
    concentration: list[Concentration],
    flows: list[StageFlow],
    *,
    min_score: float = MIN_SCORE,
    tables: Tables | None = None,
) -> list[Chokepoint]:
    """Merge the signals into one list, highest score first (ties by kind, id and stage).

    A candidate's score for an element is 1 when every supply path crosses it, else the larger of
    the lowest share of the stage the evidence allows it and the smallest share of the element's
    flow lost without it at any end. Elements scoring at least ``min_score`` are merged into one
    entry per candidate and stage. Aggregates (several plants under one name) are never listed as
    single points of failure: their country and companies are.

    Examples
    --------
    >>> from reegraph.analysis import compute_concentration, compute_flow
    >>> from reegraph.network.ops import make_network
    >>> G = make_network([("mine", "mining", "US", 100.0), ("sep", "separation", "US", 40.0)],
    ...                  end_uses=[("use", "separation")])
    >>> top = rank_chokepoints(G, compute_concentration(G), compute_flow(G, "ALL"))[0]
    >>> top.kind, top.id, top.stage, top.dominates
    ('country', 'US', 'mining', True)
    """
    tables = {} if tables is None else tables
    signals: dict[tuple[str, str, str], dict[str, _Signal]] = defaultdict(dict)
    elements = {"ALL", *G.graph.get("elements", {})}
    shares = [c for c in concentration if c.element in elements and c.shares and c.year is None]
    entries = {(c.stage, c.element): c for c in shares}
    for entry in [c for c in shares if c.by == "location"] or shares:
        for share in entry.shares:
            signal = signals[("country", share.country, entry.stage)].setdefault(entry.element, _Signal(entry.element))
            if signal.share is None or share.share.low > signal.share.low:
                signal.share, signal.hhi, signal.amount = share.share, entry.hhi, share.amount
                signal.total, signal.basis, signal.span, signal.note = entry.total, entry.basis, entry.span, entry.note
            signal.sources.update(share.sources)
    for flow in flows:
        if not (flow.flow.low > 0 or flow.flow.point):
            continue  # the evidence guarantees none of it: no loss to price, no path worth naming
        for loss in find_flow_losses(G, flow, tables, min_loss=min_score):  # countries: every loss, for their shares
            table = stage_table(G, flow.element, loss.stage, tables, unit="stage")
            plants = stage_table(G, flow.element, loss.stage, tables)  # the same plants, in either unit
            groups, members = plants.groups, plants.members(loss.kind, loss.id)
            signal = signals[(loss.kind, loss.id, loss.stage)].setdefault(flow.element, _Signal(flow.element))
            if signal.loss is None or loss.least > signal.loss.least:
                signal.loss = loss
            signal.dominates |= loss.dominates
            if loss.least > 0 or loss.dominates:
                signal.end_uses.update(flow.end_uses)
            signal.sources.update(_sources(table, members, loss.id if loss.kind == "country" else None))
            if loss.kind != "country" and signal.share is None:
                signal.share, signal.amount, signal.total = _member_share(G, table, groups, members, tables)
                found = entries.get((loss.stage, flow.element))  # the stage's total rests on its figures
                signal.basis, signal.span = (
                    table.basis,
                    found.span if found else fmt_span(a.year for n in members for a in table.holdings[n].amounts),
                )
                signal.note = found.note if found else ""
    chokepoints = []
    for (kind, ident, stage), by_element in signals.items():
        strong = [s for s in by_element.values() if s.score >= min_score]
        if not strong or _redundant(G, kind, ident, stage):
            continue
        strong.sort(key=lambda s: (-s.score, not s.dominates, _element_order(s.element)))
        top = strong[0]
        chokepoints.append(
            Chokepoint(
                kind=kind,
                id=ident,
                label=_label(G, kind, ident),
                stage=stage,
                elements=tuple(sorted((s.element for s in strong), key=_element_order)),
                end_uses=tuple(sorted(set().union(*(s.end_uses for s in strong)))),
                share=top.share,
                hhi=top.hhi,
                flow_loss=top.loss.loss if top.loss else None,
                dominates=top.dominates,
                score=round(top.score, 12),
                why=_why(G, kind, ident, stage, top, strong),
                sources=tuple(sorted(set().union(*(s.sources for s in strong)))),
            )
        )
    chokepoints.sort(key=lambda c: (-c.score, _KIND_ORDER[c.kind], c.id, c.stage))
    return [_with_rank(c, i + 1) for i, c in enumerate(chokepoints)]


def _member_share(
    G: nx.DiGraph, table: StageTable, groups: dict[tuple[str, str], list[str]], members: list[str], tables: Tables
) -> tuple[Range | None, Range | None, Range | None]:
    """A company's or a plant's share of the stage's quantified output (its plants bounded by their
    countries' figures), its amount and the total; ``None`` where nothing bounds its plants."""
    located = country_of(G, tables)
    total = add_ranges(country_range(table, c, flow=False, bounded_only=True) for c in table.countries(flow=False))
    parts = []
    held = set(members)
    for country in sorted({located[n] for n in members}):
        others = [table.holdings[n].range for n in groups.get(("country", country), []) if n not in held]
        parts.append(country_range(table, country, tally(others), flow=False))
    amount = add_ranges(parts)
    if not amount.bounded or total.high <= 0:
        return None, None, None
    return part_of(amount, total), amount, total


def _sources(table: StageTable, members: list[str], country: str | None) -> set[str]:
    found = {s for n in members for a in table.holdings[n].figures for s in a.sources}
    if country and country in table.caps:
        found.update(s for a in table.caps[country].figures for s in a.sources)
    return found


def _redundant(G: nx.DiGraph, kind: str, ident: str, stage: str) -> bool:
    """Aggregates (several plants under one name) are not single points of failure: their country's
    and companies' entries cover them; unnamed groups of companies are covered by their country's
    entry; a company whose only plant at the stage is listed itself is covered by that plant's entry."""
    unnamed = set(G.graph.get("aggregate_organizations", ()))
    if kind == "company":
        plants = [
            n
            for n, d in G.nodes(data=True)
            if d["kind"] == FACILITY and d["stage"] == stage and ident in d.get("owners", ())
        ]
        return ident in unnamed or (len(plants) == 1 and not G.nodes[plants[0]].get("aggregate", False))
    if kind == "facility":
        return bool(G.nodes[ident].get("aggregate", False))
    return False


def _with_rank(c: Chokepoint, rank: int) -> Chokepoint:
    return replace(c, rank=rank)


def _element_order(element: str) -> tuple[int, str]:
    return (0 if element == "ALL" else 1, element)


def _label(G: nx.DiGraph, kind: str, ident: str) -> str:
    if kind == "facility":
        return node_label(G.nodes[ident], ident)
    names = G.graph.get("countries" if kind == "country" else "organizations", {})
    return names.get(ident, ident)


def _why(G: nx.DiGraph, kind: str, ident: str, stage: str, top: _Signal, strong: list[_Signal]) -> str:
    name = _label(G, kind, ident)
    what = "rare-earth" if top.element == "ALL" else top.element
    if kind == "facility" and G.nodes[ident].get("owner"):
        owner = G.graph.get("organizations", {}).get(G.nodes[ident]["owner"], G.nodes[ident]["owner"])
        name = f"{name} ({owner})" if owner not in name else name
    parts = []
    if top.share is not None and top.amount is not None and top.total is not None:
        span = f", {top.span}" if top.span else ""
        figures = f"{fmt_amount(top.amount)} of {fmt_amount(top.total)} {top.basis}{span}"
        quantified = "the quantified " if top.note else ""
        parts.append(f"{name} holds {fmt_share(top.share)} of {quantified}{what} {stage} output ({figures})")
        if top.note and "nothing bounds" in top.note:
            parts.append(top.note[top.note.index("nothing bounds") :])
    else:
        parts.append(f"{name} is at the {stage} stage for {what}")
    if top.dominates:
        parts.append(f"every supply path of {what} crosses it")
    elif top.loss and top.loss.least > 0:
        parts.append(f"without it the {what} supply that can reach end uses falls by {fmt_ends(top.loss.loss)}")
    if top.end_uses:
        uses = sorted(top.end_uses, key=lambda u: (top.element not in G.nodes[u].get("critical", ()), u))
        labels = [G.nodes[u].get("label", u) for u in uses[:2]]
        more = f" and {len(uses) - 2} more" if len(uses) > 2 else ""
        parts.append(f"affecting {', '.join(labels)}{more}")
    others = [s.element for s in strong[1:]]
    tail = f" (also: {', '.join(others)})" if others else ""
    return "; ".join(parts) + tail + "."
