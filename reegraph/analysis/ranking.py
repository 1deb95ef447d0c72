"""One ranked list of chokepoints that merges concentration, dominance and flow loss."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace

import networkx as nx

from reegraph.analysis.capacity import StageTable, Tables, stage_table
from reegraph.analysis.concentration import Concentration
from reegraph.analysis.flow import StageFlow, find_flow_losses
from reegraph.model import FACILITY, market_id

#: A candidate is listed when it dominates, or when its share or its flow loss reaches this.
MIN_SCORE = 0.5
_KIND_ORDER = {"country": 0, "company": 1, "facility": 2}


@dataclass(frozen=True)
class Chokepoint:
    """A country, company or facility at one stage whose loss would cut supply."""

    kind: str
    id: str
    label: str
    stage: str
    elements: tuple[str, ...]
    end_uses: tuple[str, ...]
    share: float | None
    hhi: float | None
    flow_loss: float | None
    dominates: bool
    score: float
    why: str
    sources: tuple[str, ...]
    rank: int = 0

    def as_dict(self) -> dict:
        """JSON-ready data (the report's ``chokepoints`` entries)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["elements"], data["end_uses"], data["sources"] = (
            list(self.elements),
            list(self.end_uses),
            list(self.sources),
        )
        return data


@dataclass
class _Signal:
    element: str
    share: float | None = None
    hhi: float | None = None
    amount: float | None = None
    total: float | None = None
    basis: str = ""
    year: int | None = None
    flow_loss: float | None = None
    dominates: bool = False
    end_uses: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)

    @property
    def score(self) -> float:
        return 1.0 if self.dominates else max(self.flow_loss or 0.0, self.share or 0.0)


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
    its share of the stage and the share of the element's flow lost without it. Elements scoring at
    least ``min_score`` are merged into one entry per candidate and stage.

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
    shares = [c for c in concentration if c.kind == "production" and c.element in elements]
    for entry in [c for c in shares if c.by == "location"] or shares:
        for share in entry.shares:
            signal = signals[("country", share.country, entry.stage)].setdefault(entry.element, _Signal(entry.element))
            if signal.share is None or share.share > signal.share:
                signal.share, signal.hhi, signal.amount, signal.total = (
                    share.share,
                    entry.hhi,
                    share.amount,
                    entry.total,
                )
                signal.basis, signal.year = entry.basis, entry.year
            signal.sources.update(share.sources)
    for flow in flows:
        if not flow.flow:
            continue
        stages = {s.stage: _StageFacts(G, stage_table(G, flow.element, s.stage, tables), s.stage) for s in flow.stages}
        for loss in find_flow_losses(G, flow, tables, min_loss=min_score):  # countries: every loss, for their shares
            facts = stages[loss.stage]
            members = facts.groups.get((loss.kind, loss.id), [])
            signal = signals[(loss.kind, loss.id, loss.stage)].setdefault(flow.element, _Signal(flow.element))
            if signal.flow_loss is None or loss.loss > signal.flow_loss:
                signal.flow_loss = loss.loss
            signal.dominates |= loss.dominates
            if loss.loss > 0 or loss.dominates:
                signal.end_uses.update(flow.end_uses)
            signal.sources.update(facts.sources(members, country=loss.id if loss.kind == "country" else None))
            if loss.kind != "country" and signal.share is None:
                signal.share = facts.share(members)
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
                share=_max(s.share for s in strong),
                hhi=_max(s.hhi for s in strong),
                flow_loss=_max(s.flow_loss for s in strong),
                dominates=top.dominates,
                score=round(top.score, 12),
                why=_why(G, kind, ident, stage, top, strong),
                sources=tuple(sorted(set().union(*(s.sources for s in strong)))),
            )
        )
    chokepoints.sort(key=lambda c: (-c.score, _KIND_ORDER[c.kind], c.id, c.stage))
    return [_with_rank(c, i + 1) for i, c in enumerate(chokepoints)]


def _redundant(G: nx.DiGraph, kind: str, ident: str, stage: str) -> bool:
    """Unnamed groups of companies, and their aggregate plants, are covered by their country's entry;
    a company whose only plant at the stage is listed itself is covered by that plant's entry."""
    unnamed = set(G.graph.get("aggregate_organizations", ()))
    if kind == "company":
        plants = [
            n
            for n, d in G.nodes(data=True)
            if d["kind"] == FACILITY and d["stage"] == stage and ident in d.get("owners", ())
        ]
        return ident in unnamed or len(plants) == 1
    if kind == "facility":
        return G.nodes[ident].get("aggregate", False) and set(G.nodes[ident].get("operators", ())) <= unnamed
    return False


def _with_rank(c: Chokepoint, rank: int) -> Chokepoint:
    return replace(c, rank=rank)


def _max(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _element_order(element: str) -> tuple[int, str]:
    return (0 if element == "ALL" else 1, element)


class _StageFacts:
    """One stage's table for one element, indexed for the ranking: members of each candidate,
    the stage total when every facility has a finite figure, and the sources of the figures used."""

    def __init__(self, G: nx.DiGraph, table: StageTable, stage: str) -> None:
        self.G, self.table, self.stage = G, table, stage
        self.groups = table.groups
        caps = table.capacities.values()
        finite = table.quantified and all(c != float("inf") for c in caps)
        self.total = sum(caps) if finite else None
        self.used = set(table.evidence)

    def share(self, members: list[str]) -> float | None:
        if not self.total:
            return None
        return sum(self.table.capacities[n] for n in members) / self.total

    def sources(self, members: list[str], *, country: str | None) -> set[str]:
        holders = [*members, market_id(self.stage, country)] if country else members
        found: set[str] = set()
        for holder in holders:
            for amount in self.G.nodes[holder].get("amounts", ()) if holder in self.G else ():
                if amount in self.used:
                    found.update(amount.sources)
        return found


def _label(G: nx.DiGraph, kind: str, ident: str) -> str:
    if kind == "facility":
        return G.nodes[ident].get("label", ident)
    names = G.graph.get("countries" if kind == "country" else "organizations", {})
    return names.get(ident, ident)


def _why(G: nx.DiGraph, kind: str, ident: str, stage: str, top: _Signal, strong: list[_Signal]) -> str:
    name = _label(G, kind, ident)
    what = "rare-earth" if top.element == "ALL" else top.element
    if kind == "facility" and G.nodes[ident].get("owner"):
        owner = G.graph.get("organizations", {}).get(G.nodes[ident]["owner"], G.nodes[ident]["owner"])
        name = f"{name} ({owner})" if owner not in name else name
    parts = []
    if top.share is not None and top.amount is not None and top.total:
        figures = f"{top.amount:,.0f} of {top.total:,.0f} {top.basis}, {top.year}"
        parts.append(f"{name} holds {top.share:.0%} of {what} {stage} output ({figures})")
    elif top.share is not None:
        parts.append(f"{name} holds {top.share:.0%} of the {what} {stage} capacity that has published figures")
    else:
        parts.append(f"{name} is at the {stage} stage for {what}")
    if top.dominates:
        parts.append(f"every supply path of {what} crosses it")
    elif top.flow_loss:
        parts.append(f"without it {top.flow_loss:.0%} of the {what} supply that can reach end uses is lost")
    if top.end_uses:
        uses = sorted(top.end_uses, key=lambda u: (top.element not in G.nodes[u].get("critical", ()), u))
        labels = [G.nodes[u].get("label", u) for u in uses[:2]]
        more = f" and {len(uses) - 2} more" if len(uses) > 2 else ""
        parts.append(f"affecting {', '.join(labels)}{more}")
    others = [s.element for s in strong[1:]]
    tail = f" (also: {', '.join(others)})" if others else ""
    return "; ".join(parts) + tail + "."
