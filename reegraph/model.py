"""The network's schema, written once: node kinds and their attributes, link kinds, market ids,
stages, bases, regions and the :class:`Amount` every figure is carried in.

reegraph's analyses run on a ``networkx.DiGraph`` (called ``G``) built by
:func:`reegraph.network.project.build_network` or :func:`reegraph.network.ops.make_network`. Its
nodes are of three kinds, each with the attributes of its ``TypedDict`` below:

- facilities (:class:`FacilityData`), with short data ids such as ``facility/lynas-malaysia``;
- country markets (:class:`MarketData`), one per stage and country: ``market/<stage>/<CC>``
  (:func:`market_id`);
- end uses (:class:`EndUseData`), such as ``end-use/electric-cars``.

Edges carry ``link``: ``contract`` or ``reported`` for known supply links (and ``id``, the link's
data id), ``inferred`` for the market rule, ``trade`` between the markets of one stage.
``G.graph`` holds ``as_of`` (ISO date), ``elements`` (symbol to name), ``groups`` (group name to
member symbols), ``organizations`` (id to label), ``aggregate_organizations``, ``countries`` (ISO
code to name) and ``skipped_links`` (known links that skip a stage, listed but not drawn).

Everything here is plain data and small functions over ``G``: no store, no RDF.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import NamedTuple, TypedDict

import networkx as nx

#: The closed stage vocabulary, in chain order (the ontology's ree:Stages); recycling sits outside the order.
STAGES = ("mining", "concentration", "separation", "metal", "magnet", "component", "end-use")
#: The stages material flows through, in order; end uses are the flows' sinks.
FLOW_STAGES = STAGES[:-1]
#: Stages a flow may skip: mines feed separators directly where cracking is done on site.
OPTIONAL_STAGES = frozenset({"concentration", "component"})

#: The basis each stage's tonnages are compared on; other bases at that stage are left out.
STAGE_BASIS = {
    "mining": "t REO",
    "concentration": "t REO",
    "separation": "t REO",
    "metal": "t metal",
    "magnet": "t magnet",
    "component": "units",
}
#: Bases whose figures count tonnes of the elements they name.
ELEMENT_BASES = frozenset({"t REO", "t metal", "t contained element"})
#: Bases a hypothetical facility's capacity may be given in.
CAPACITY_BASES = ("t REO", "t metal", "t magnet", "t contained element")

#: Product forms (``skos:notation``) by the stage whose output they are.
FORM_STAGES = {
    "ore": "mining",
    "concentrate": "mining",
    "mixed-carbonate": "concentration",
    "oxide": "separation",
    "compound": "separation",
    "metal": "metal",
    "alloy": "metal",
    "target": "metal",
    "sintered-ndfeb": "magnet",
    "bonded-ndfeb": "magnet",
    "smco": "magnet",
}

#: Oxide to contained element, by mass (stoichiometry with IUPAC standard atomic weights; the
#: oxides in which each element is reported: La2O3, CeO2, Pr6O11, Nd2O3, ..., Tb4O7, Y2O3, Sc2O3).
OXIDE_TO_ELEMENT = {
    "La": 0.8527, "Ce": 0.8141, "Pr": 0.8277, "Nd": 0.8574, "Sm": 0.8624, "Eu": 0.8636, "Gd": 0.8676,
    "Tb": 0.8502, "Dy": 0.8713, "Ho": 0.8730, "Er": 0.8745, "Tm": 0.8756, "Yb": 0.8782, "Lu": 0.8794,
    "Y": 0.7874, "Sc": 0.6520, "Pm": 0.86,
}  # fmt: skip

#: Elements that tonnages of rare-earth oxide (``ALL``) hold none of: USGS's figures "exclude most
#: scandium", which comes from other industries' residues, not from rare-earth ore; promethium has
#: no stable isotope and does not occur in mined ore.
OUTSIDE_REO = frozenset({"Sc", "Pm"})

_EU = """AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"""

#: Regions of the scenario results; ``ROW`` is every country in none of the others.
REGIONS: dict[str, frozenset[str]] = {
    "CN": frozenset({"CN"}),
    "US": frozenset({"US"}),
    "EU": frozenset(_EU.split()),  # the 27 member states
    "JP": frozenset({"JP"}),
}
#: Every region code, ``ROW`` last.
REGION_CODES = (*REGIONS, "ROW")

#: Node kinds.
FACILITY, MARKET, END_USE = "facility", "market", "end-use"
#: Link kinds of known supply links (evidence); ``inferred`` and ``trade`` edges are the market rule.
KNOWN_LINKS = ("contract", "reported")

#: The namespace of reegraph's data IRIs; node ids are these IRIs without it.
DATA = "https://w3id.org/reegraph/id/"


class Amount(NamedTuple):
    """One figure about a node: value and unit basis, the elements it counts (empty: all), its year,
    confidence (``reported``, ``derived``, ``estimate``) and sources (short ids)."""

    id: str
    kind: str
    value: float
    basis: str
    year: int
    elements: tuple[str, ...] = ()
    confidence: str = "reported"
    sources: tuple[str, ...] = ()


class OreShare(NamedTuple):
    """One statement of an ore's composition: the elements it names (jointly, where several) make up
    between ``low`` and ``high`` of the ore's total rare-earth oxide (oxide basis; ``point`` where the
    source gives one), with the year of its data, confidence and sources (short ids)."""

    id: str
    elements: tuple[str, ...]
    low: float
    high: float
    point: float | None
    year: int
    confidence: str = "reported"
    sources: tuple[str, ...] = ()


class Ore(NamedTuple):
    """The composition of what a facility extracts or processes: an ore type's (or the facility's own)
    statements, by id."""

    id: str
    shares: tuple[OreShare, ...]


def share_bounds(point: float | None, low: float | None, high: float | None) -> tuple[float, float]:
    """A composition's range from what it states: its ends where given, else its point, else
    nothing to everything.

    Examples
    --------
    >>> share_bounds(0.05, None, None), share_bounds(None, None, 0.2), share_bounds(0.03, 0.02, 0.04)
    ((0.05, 0.05), (0.0, 0.2), (0.02, 0.04))
    """
    return (
        low if low is not None else point if point is not None else 0.0,
        high if high is not None else point if point is not None else 1.0,
    )


#: The largest figure reegraph reads, in tonnes (all rare-earth reserves are about 1e8 t REO): a
#: larger one is a mistake, and sums of such figures would overflow.
MAX_AMOUNT = 1e10
#: The largest factor a scenario scales a plant by.
MAX_FACTOR = 1e3
#: Figures older than this many years before the as-of date are stale: left out, and said so.
MAX_AGE = 3
#: The ends of a :class:`Range` that analyses are computed at: the least the evidence supports,
#: the point estimate (where the rules give one), the most it allows.
ENDS = ("low", "point", "high")


class Range(NamedTuple):
    """An amount the evidence puts between ``low`` and ``high`` (``math.inf``: nothing bounds it),
    with the point estimate where the rules give one (``None`` where they do not).

    Examples
    --------
    >>> Range(0.0, 75.0).at("high"), Range(0.0, 75.0).at("point")
    (75.0, None)
    """

    low: float
    high: float
    point: float | None = None

    @property
    def bounded(self) -> bool:
        """Whether something bounds the amount from above."""
        return math.isfinite(self.high)

    def at(self, end: str) -> float | None:
        """The amount at one of :data:`ENDS`."""
        return self.point if end == "point" else self.low if end == "low" else self.high

    def scaled(self, factor: float) -> Range:
        """The range times a factor (unbounded stays unbounded unless the factor is zero)."""
        if factor == 0:
            return Range(0.0, 0.0, 0.0)
        return Range(self.low * factor, self.high * factor, None if self.point is None else self.point * factor)


class Ends(NamedTuple):
    """One result computed at each of :data:`ENDS` (``None`` where it is undefined there: a share of
    nothing, a loss of an unbounded flow)."""

    low: float | None
    point: float | None
    high: float | None

    def at(self, end: str) -> float | None:
        """The result at one of :data:`ENDS`."""
        return getattr(self, end)


def fmt_amount(r: Range) -> str:
    """A range of tonnes in words, compactly: ``3,500``, ``0–75``, ``≥ 3,050``, ``unknown``; the
    point first where there is one and the range is not a point.

    Examples
    --------
    >>> fmt_amount(Range(3500.0, 3500.0, 3500.0)), fmt_amount(Range(0.0, 75.0)), fmt_amount(Range(2.0, math.inf))
    ('3,500', '0–75', '≥ 2')
    """
    if not r.bounded:
        return "unknown" if r.low <= 0 else f"≥ {r.low:,.0f}"
    text = f"{r.low:,.0f}" if round(r.low) == round(r.high) else f"{r.low:,.0f}–{r.high:,.0f}"
    return f"{r.point:,.0f} ({text})" if r.point is not None and text != f"{r.point:,.0f}" else text


def fmt_share(r: Range) -> str:
    """A range of fractions as percentages, compactly (``91–100%``), rounded outwards (the low end
    down, the high end up: never more certain than the evidence), with as many decimals as it takes
    to tell the ends apart; the point first where there is one and the range is wider.

    Examples
    --------
    >>> fmt_share(Range(0.9788, 1.0)), fmt_share(Range(0.5, 0.5, 0.5)), fmt_share(Range(0.9988, 1.0, 0.999))
    ('97–100%', '50%', '99.9% (99.8–100%)')
    >>> fmt_share(Range(0.0, 0.00001)), fmt_share(Range(0.2, 0.2, 0.2))
    ('0–1%', '20%')
    """

    def one(v: float, digits: int, how: str) -> str:
        scaled = 100 * v * 10**digits
        n = math.floor(scaled + 1e-9) if how == "down" else math.ceil(scaled - 1e-9) if how == "up" else round(scaled)
        text = f"{n / 10**digits:.{digits}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text

    exact = r.low == r.high
    for digits in range(3):
        low = one(r.low, digits, "near" if exact else "down")
        high = one(r.high, digits, "near" if exact else "up")
        point = None if r.point is None else one(r.point, digits, "near")
        blurred = (low == high and not exact) or (point in (low, high) and r.point not in (r.low, r.high))
        if not blurred:
            break
    text = f"{low}%" if low == high else f"{low}–{high}%"
    return text if point is None or low == high else f"{point}% ({text})"


def fmt_ends(e: Ends, value: Callable[[float], str] | None = None) -> str:
    """A share computed at each end of the amounts, in words: one value where the ends agree, else
    the value at the low end and at the high end (the point first where there is one; these are
    results in two worlds, not bounds); ``no data`` where it is defined at none. ``value`` writes
    one value (default: a percentage).

    Examples
    --------
    >>> fmt_ends(Ends(0.2, 0.3, 0.5)), fmt_ends(Ends(None, None, 0.0)), fmt_ends(Ends(0.5, 0.5, 0.5))
    ('30% (20% at the low end, 50% at the high end)', '0% at the high end (no data at the low end)', '50%')
    >>> fmt_ends(Ends(None, None, None))
    'no data'
    """

    def pct(v: float) -> str:
        return fmt_share(Range(v, v, v))

    shown = {end: (value or pct)(v) for end, v in zip(ENDS, e, strict=True) if v is not None}
    if not shown:
        return "no data"
    missing = [end for end in ("low", "high") if end not in shown]
    if len(set(shown.values())) == 1 and not missing:
        return shown["low"]
    sides = [f"{shown[end]} at the {end} end" for end in ("low", "high") if end in shown]
    if missing:
        only = next((end for end in ("low", "high") if end in shown), "point")
        head = shown[only] + ("" if only == "point" else f" at the {only} end")
        return f"{head} (no data at the {' and '.join(missing)} end{'s' if len(missing) > 1 else ''})"
    return f"{shown['point']} ({', '.join(sides)})" if "point" in shown else ", ".join(sides)


def fmt_span(years: Iterable[int]) -> str:
    """The span of some years (``2018–2024``; one year alone; ``""`` without any).

    Examples
    --------
    >>> fmt_span([2024, 2018, 2020]), fmt_span([2024]), fmt_span([])
    ('2018–2024', '2024', '')
    """
    found = sorted(set(years))
    return "" if not found else str(found[0]) if found[0] == found[-1] else f"{found[0]}–{found[-1]}"


def add_ranges(ranges: Iterable[Range]) -> Range:
    """The sum of ranges: bounds add; the point exists where every part has one.

    Examples
    --------
    >>> add_ranges([Range(1.0, 1.0, 1.0), Range(0.0, 4.0)])
    Range(low=1.0, high=5.0, point=None)
    """
    ranges = list(ranges)
    points = [r.point for r in ranges]
    return Range(
        math.fsum(r.low for r in ranges),
        math.inf if any(math.isinf(r.high) for r in ranges) else math.fsum(r.high for r in ranges),
        None if None in points else math.fsum(p for p in points if p is not None),
    )


class FacilityData(TypedDict):
    """The attributes of a facility node."""

    kind: str  # FACILITY
    label: str
    stage: str  # one of FLOW_STAGES
    country: str  # ISO 3166-1 alpha-2
    status: str  # operating, construction, planned (closed and idle plants are not in the network)
    aggregate: bool  # an aggregate of several plants ("rest of China, magnets")
    operators: tuple[str, ...]  # organization ids
    owner: str  # the first ultimate owner ("" if none)
    owners: tuple[str, ...]  # ultimate owners, followed through parent organizations
    owner_country: str  # the owner's headquarters (the facility's country where unknown)
    handles: tuple[str, ...]  # element symbols it can pass
    lat: float | None
    long: float | None
    amounts: tuple[Amount, ...]
    ores: tuple[Ore, ...]  # what it extracts or is fed: one ore, or several in unknown proportions


class MarketData(TypedDict):
    """The attributes of a country market node: the country's own figures for its stage."""

    kind: str  # MARKET
    stage: str
    country: str
    label: str
    amounts: tuple[Amount, ...]


class EndUseData(TypedDict):
    """The attributes of an end-use node."""

    kind: str  # END_USE
    stage: str  # "end-use"
    label: str
    sector: str
    elements: tuple[str, ...]  # the elements it depends on
    critical: tuple[str, ...]  # those critical to it
    feeding_stage: str  # the last stage that feeds it any element
    feeding_stages: dict[str, str]  # the stage that feeds it each element


def facility_node(
    stage: str,
    country: str,
    *,
    label: str = "",
    status: str = "operating",
    amounts: Iterable[Amount] = (),
    handles: Iterable[str] = (),
    operators: Iterable[str] = (),
    owners: Iterable[str] = (),
    owner_country: str = "",
    aggregate: bool = False,
    lat: float | None = None,
    long: float | None = None,
    ores: Iterable[Ore] = (),
) -> FacilityData:
    """The attributes of a facility node (``G.add_node(id, **facility_node(...))``)."""
    owners = tuple(owners)
    return FacilityData(
        kind=FACILITY,
        label=label,
        stage=stage,
        country=country,
        status=status,
        aggregate=aggregate,
        operators=tuple(operators),
        owner=owners[0] if owners else "",
        owners=owners,
        owner_country=owner_country or country,
        handles=tuple(handles),
        lat=lat,
        long=long,
        amounts=tuple(amounts),
        ores=tuple(ores),
    )


def market_node(stage: str, country: str, amounts: Iterable[Amount] = ()) -> MarketData:
    """The attributes of a country's market at a stage, with the country's own figures for it."""
    return MarketData(
        kind=MARKET, stage=stage, country=country, label=f"{country} {stage} market", amounts=tuple(amounts)
    )


def end_use_node(
    feeding_stage: str,
    *,
    label: str = "",
    sector: str = "",
    elements: Iterable[str] = (),
    critical: Iterable[str] = (),
    feeding_stages: Mapping[str, str] | None = None,
) -> EndUseData:
    """The attributes of an end-use node."""
    return EndUseData(
        kind=END_USE,
        stage="end-use",
        label=label,
        sector=sector,
        elements=tuple(elements),
        critical=tuple(critical),
        feeding_stage=feeding_stage,
        feeding_stages=dict(feeding_stages or {}),
    )


def node_label(data: Mapping, default: str = "") -> str:
    """A node's label for people: an aggregate (several plants under one name) says so.

    Examples
    --------
    >>> node_label({"label": "Japan sintered NdFeB plants", "aggregate": True})
    'Japan sintered NdFeB plants [aggregate of several plants]'
    """
    label = str(data.get("label") or default)
    return f"{label} [aggregate of several plants]" if data.get("aggregate") and "aggregate" not in label else label


def handled_elements(data: Mapping) -> tuple[str, ...]:
    """The element symbols a node carries: a facility's ``handles``, an end use's ``elements``
    (a market's: none)."""
    return tuple(data.get("handles", ())) or tuple(data.get("elements", ()))


def market_id(stage: str, country: str) -> str:
    """The node id of a country's market at a stage.

    Examples
    --------
    >>> market_id("separation", "MY")
    'market/separation/MY'
    """
    return f"market/{stage}/{country}"


def is_market_id(node: str) -> bool:
    """Whether ``node`` is a market's id."""
    return node.startswith("market/")


def facilities(G: nx.DiGraph, *, stage: str | None = None) -> list[str]:
    """Facility node ids of ``G`` (at one stage if given), sorted."""
    return sorted(n for n, d in G.nodes(data=True) if d["kind"] == FACILITY and (stage is None or d["stage"] == stage))


def markets(G: nx.DiGraph, *, stage: str | None = None) -> list[str]:
    """Market node ids of ``G`` (at one stage if given), sorted."""
    return sorted(n for n, d in G.nodes(data=True) if d["kind"] == MARKET and (stage is None or d["stage"] == stage))


def end_uses(G: nx.DiGraph) -> list[str]:
    """End-use node ids of ``G``, sorted."""
    return sorted(n for n, d in G.nodes(data=True) if d["kind"] == END_USE)


def feeding_stage(G: nx.DiGraph, end_use: str, element: str) -> str:
    """The stage whose markets feed ``end_use`` with ``element`` (``ALL``: the last stage of any)."""
    data = G.nodes[end_use]
    if element == "ALL":
        return data["feeding_stage"]
    return data.get("feeding_stages", {}).get(element, data["feeding_stage"])


def as_of_year(G: nx.DiGraph) -> int:
    """The year of ``G``'s as-of date (figures of later years are not yet facts)."""
    return int(str(G.graph.get("as_of", "9999"))[:4])


def region_of(country: str) -> str:
    """The region code of an ISO country code.

    Examples
    --------
    >>> region_of("EE"), region_of("MY")
    ('EU', 'ROW')
    """
    return next((name for name, members in REGIONS.items() if country in members), "ROW")


def iri(short: str) -> str:
    """The full IRI of a short data id (``facility/x``); market and export-gate ids
    (``gate/separation/CN``), countries and full IRIs unchanged.

    Examples
    --------
    >>> iri("facility/lynas-malaysia"), iri("market/separation/CN"), iri("CN")
    ('https://w3id.org/reegraph/id/facility/lynas-malaysia', 'market/separation/CN', 'CN')
    """
    return short if short.startswith(("market/", "gate/", "<", "http")) or "/" not in short else DATA + short
