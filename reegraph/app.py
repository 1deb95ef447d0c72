"""The use cases that the command line, the endpoint and a notebook share.

Each takes a store (:func:`load`) and plain options and returns a typed result; the renderers in
:mod:`reegraph.render` turn results into text and pages, the faces (:mod:`reegraph.cli`,
:mod:`reegraph.serve`) into output and exit codes. Results carry their JSON contract as
``as_dict()`` (``schema_version`` "2", JSON Schema files in ``reegraph/schemas/``).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
from rdflib import BNode, Literal, URIRef

from reegraph._gc import gc_paused
from reegraph.analysis import compute_concentration, compute_flow, find_cuts, rank_chokepoints
from reegraph.analysis.capacity import joint_keys, oldest_year
from reegraph.analysis.concentration import HHI_THRESHOLD, Concentration
from reegraph.analysis.demand import (
    ALL_AT_ONCE,
    DAYS_PER_MONTH,
    DEMAND_RULES,
    MAX_DRAWS,
    NONE,
    REVIEW_DAYS,
    Claimant,
    Course,
    Spread,
    Substitute,
    Timing,
    courses,
    sample,
)
from reegraph.analysis.flow import Binding, Link, StageFlow, route_flow
from reegraph.analysis.ranking import Chokepoint
from reegraph.analysis.scenarios import Distribution, Scenario, planned_facilities, scenario_flow, scenario_marks
from reegraph.analysis.scenarios import monte_carlo as simulate
from reegraph.analysis.scenarios import run_scenario as run_engine
from reegraph.errors import InputError
from reegraph.library import bind, find_query, from_text
from reegraph.model import ENDS, FACILITY, MAX_AGE, REGION_CODES, STAGES, Amount, Ends, Range, iri, region_of
from reegraph.model import end_uses as end_uses_of
from reegraph.network.ops import add_facilities, flow_elements, network_filter, resolve_elements, resolve_end_uses
from reegraph.network.project import build_network
from reegraph.rdf import sparql
from reegraph.rdf.load import load_store
from reegraph.rdf.remote import RemoteStore
from reegraph.rdf.store import Store
from reegraph.rdf.validate import Finding, validate_store
from reegraph.rdf.vocab import PREFIXES, short_id
from reegraph.scenario.products import read_products
from reegraph.scenario.resolve import ResolvedScenario, resolve
from reegraph.scenario.spec import ScenarioSpec, find_scenario, is_day, list_scenarios, read_spec, run_date

#: Version of the JSON contracts (README, "JSON contract").
SCHEMA_VERSION = "2"


def range_dict(r: Range | None) -> dict[str, float | None] | None:
    """A range in the JSON contracts: ``low``, ``point`` (``null``: the rules give none) and
    ``high`` (``null``: nothing bounds it)."""
    if r is None:
        return None
    return {"low": r.low, "point": r.point, "high": r.high if r.bounded else None}


def ends_dict(e: Ends | Binding | None) -> dict[str, Any] | None:
    """A result at each end in the JSON contracts (``null`` where it is undefined there)."""
    return None if e is None else {"low": e.low, "point": e.point, "high": e.high}


def _max_age(max_age: int) -> int:
    if isinstance(max_age, bool) or not isinstance(max_age, int) or not 0 <= max_age <= 100:
        raise InputError(f"max_age must be a whole number of years from 0 to 100, not {max_age!r}")
    return max_age


def load(data: Path | str | Sequence[Path | str] = (), *, endpoint: str | None = None) -> Store:
    """The graph to work on: the bundled ontology and graphs with ``data`` files or folders loaded on
    top, in memory; or the SPARQL endpoint at ``endpoint`` (a URL), which reads what was pushed there.

    Raises
    ------
    InputError
        A missing or unreadable file, an endpoint that is not an http(s) URL, or both ``data`` and
        ``endpoint``.
    ParseError
        A file that does not parse (``path:line: message``).

    Examples
    --------
    >>> store = load()
    >>> len(store) > 5000
    True
    """
    paths = [data] if isinstance(data, str | Path) else list(data)
    if not all(isinstance(p, str | Path) for p in paths):
        raise InputError(f"data: give file or folder paths, not {paths!r}")
    if endpoint is None:
        return load_store(data=[Path(p) for p in paths])
    if paths:
        raise InputError("--data cannot be combined with --endpoint: upload the files first (reegraph push)")
    return RemoteStore(str(endpoint))


def validate(store: Store) -> list[Finding]:
    """Every SHACL and lint finding for the graph in ``store`` (an empty list: it conforms)."""
    return validate_store(store)


# ---------------------------------------------------------------------------------------------
# The chokepoint report
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """Everything ``reegraph report`` shows: concentration, flows, structure and the ranking."""

    as_of: str
    by: str
    max_age: int
    oldest_year: int
    concentration: tuple[Concentration, ...]
    flows: tuple[StageFlow, ...]
    chokepoints: tuple[Chokepoint, ...]
    articulation_points: tuple[str, ...]
    bridges: tuple[tuple[str, str], ...]
    skipped_links: tuple[str, ...]
    #: each element asked for with the stages shown where no plant carries it
    unhandled: tuple[tuple[str, tuple[str, ...]], ...] = ()
    #: the same in words ("No plant in the graph handles Pm at any stage: ..."; empty: none)
    unhandled_note: str = ""
    #: each flow's end uses' labels, by id (not in the JSON, which gives the ids)
    labels: Mapping[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract (``schema_version`` "2", ``reegraph/schemas/report.schema.json``; ids
        of data nodes are full IRIs)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "as_of": self.as_of,
            "by": self.by,
            "max_age": self.max_age,
            "oldest_year": self.oldest_year,
            "concentration": [_concentration_dict(c) for c in self.concentration],
            "chokepoints": [_chokepoint_dict(c) for c in self.chokepoints],
            "flows": [_flow_dict(f) for f in self.flows],
            "unhandled": [{"element": e, "stages": list(stages)} for e, stages in self.unhandled],
            "structure": {
                "articulation_points": [iri(n) for n in self.articulation_points],
                "bridges": [[iri(a), iri(b)] for a, b in self.bridges],
                "links_not_drawn": [iri(link) for link in self.skipped_links],
            },
        }


@gc_paused()
def report(
    store: Store,
    *,
    as_of: date | None = None,
    elements: Sequence[str] = (),
    end_uses: Sequence[str] = (),
    stages: Sequence[str] = (),
    by: str = "location",
    include_planned: bool = False,
    all_years: bool = False,
    max_age: int = MAX_AGE,
    network: nx.DiGraph | None = None,
) -> Report:
    """Project the graph as of a date (default: today), run the analytics, and collect the report
    (filters as in ``reegraph report``; figures older than ``max_age`` years before the date are
    stale); ``network``: the graph already projected with these ``as_of`` and ``include_planned``.

    Raises
    ------
    InputError
        An element, group or end use that the graph does not know.

    Examples
    --------
    >>> top = report(load(), as_of=date(2026, 11, 28)).chokepoints[0]
    >>> top.kind, top.id
    ('country', 'CN')
    """
    as_of = _day(as_of) or date.today()
    if by not in ("location", "ownership"):
        raise InputError(f"by must be 'location' or 'ownership', not {by!r}")
    G = build_network(store, as_of=as_of, include_planned=include_planned) if network is None else network
    G.graph["max_age"] = _max_age(max_age)
    keys, symbols = resolve_elements(G, elements)
    wanted_uses = resolve_end_uses(G, end_uses)
    tables: dict = {}
    concentration = compute_concentration(
        G,
        by=by,
        stages=stages or None,
        elements=_with_joint(G, keys, symbols, tables),
        all_years=all_years,
        tables=tables,
    )
    flows = []
    for element in ("ALL", *symbols) if not elements or (keys and "ALL" in keys) else symbols:
        for flow in compute_flow(G, element, tables):
            kept = tuple(u for u in flow.end_uses if not wanted_uses or u in wanted_uses)
            if kept:
                flows.append(replace(flow, end_uses=kept))
    # the ranking reads the latest year of each entry, and the symbols of any group asked for
    wanted_elements = {e for u in wanted_uses for e in G.nodes[u]["elements"]}
    signal_elements = ["ALL", *symbols] if keys else None
    if wanted_uses:
        signal_elements = ["ALL", *sorted(wanted_elements & set(symbols))]
    same = signal_elements is None and not all_years
    signals = (
        concentration
        if same
        else compute_concentration(G, by=by, stages=stages or None, elements=signal_elements, tables=tables)
    )
    ranked = [
        c
        for c in rank_chokepoints(G, signals, flows, tables=tables)
        if (not stages or c.stage in stages)
        and (not keys or set(c.elements) & {*keys, *symbols})
        and (not wanted_uses or set(c.end_uses) & wanted_uses or (not c.end_uses and set(c.elements) & wanted_elements))
    ]
    points, bridges = find_cuts(G)
    handled: dict[str, set[str]] = {}  # by stage: the elements some plant there carries
    for _, d in G.nodes(data=True):
        if d["kind"] == FACILITY:
            handled.setdefault(d["stage"], set()).update(d["handles"])
    shown = tuple(s for s in STAGES if s in handled and (not stages or s in stages))
    unhandled = tuple((e, missing) for e in symbols if (missing := tuple(s for s in shown if e not in handled[s])))
    said = [
        f"{e} at any stage" if not stages and len(missing) == len(handled) else f"{e} at {', '.join(missing)}"
        for e, missing in unhandled
    ]
    return Report(
        as_of=as_of.isoformat(),
        by=by,
        max_age=max_age,
        oldest_year=oldest_year(G),
        concentration=tuple(concentration),
        flows=tuple(flows),
        chokepoints=tuple(replace(c, rank=i + 1) for i, c in enumerate(ranked)),
        articulation_points=tuple(points),
        bridges=tuple(bridges),
        skipped_links=tuple(G.graph.get("skipped_links", ())),
        unhandled=unhandled,
        unhandled_note=f"No plant in the graph handles {'; '.join(said)}: nothing to measure there." if said else "",
        labels=end_use_labels(G, flows),
    )


def _with_joint(G: nx.DiGraph, keys: list[str] | None, symbols: list[str], tables: dict) -> list[str] | None:
    """The concentration keys for ``--element`` names: those named, and the joint keys (``Nd+Pr``)
    that figures name and that hold any of their symbols."""
    if keys is None:
        return None
    joint = {k for stage in STAGES for k in joint_keys(G, stage, tables) if set(k.split("+")) & set(symbols)}
    return [*keys, *sorted(joint)]


def _concentration_dict(c: Concentration) -> dict[str, Any]:
    return {
        "stage": c.stage,
        "element": c.element,
        "by": c.by,
        "basis": c.basis,
        "year": c.year,
        "span": c.span,
        "status": c.status,
        "note": c.note,
        "total": range_dict(c.total),
        "hhi": range_dict(c.hhi),
        "threshold": HHI_THRESHOLD,
        "highly_concentrated": c.highly_concentrated,
        "shares": [
            {
                "country": s.country,
                "amount": range_dict(s.amount),
                "share": range_dict(s.share),
                "sources": [iri(x) for x in s.sources],
            }
            for s in c.shares
        ],
        "coverage": {
            "holders": c.coverage.holders,
            "reasons": c.coverage.reasons,
            "unquantified": [iri(n) for n in c.coverage.unquantified],
            "stale": [{"figure": iri(f), "year": y} for f, y in c.coverage.stale],
            "from_facilities": c.coverage.from_facilities,
            "years": list(c.coverage.years),
        },
        "sources": [iri(x) for x in c.sources],
    }


def _chokepoint_dict(c: Chokepoint) -> dict[str, Any]:
    return {
        "rank": c.rank,
        "kind": c.kind,
        "id": c.id if c.kind == "country" else iri(c.id),
        "label": c.label,
        "stage": c.stage,
        "elements": list(c.elements),
        "end_uses": [iri(u) for u in c.end_uses],
        "share": range_dict(c.share),
        "hhi": range_dict(c.hhi),
        "flow_loss": ends_dict(c.flow_loss),
        "dominates": c.dominates,
        "score": c.score,
        "why": c.why,
        "sources": [iri(s) for s in c.sources],
    }


def _flow_dict(flow: StageFlow) -> dict[str, Any]:
    return {
        "element": flow.element,
        "feeding_stage": flow.feeding_stage,
        "end_uses": [iri(u) for u in flow.end_uses],
        "basis": flow.basis,
        "flow": range_dict(flow.flow),
        "binding": ends_dict(flow.binding),
        "note": flow.note,
        "stages": [
            {
                "stage": s.stage,
                "measured": s.measured,
                "total": range_dict(s.total),
                "countries": [{"country": c, "amount": range_dict(a)} for c, a in s.countries],
                "unbounded": [iri(n) for n in s.unbounded],
                "stale": [iri(a.id) for a in s.stale],
            }
            for s in flow.stages
        ],
    }


# ---------------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedScenario:
    """A scenario ready to run: what it resolved to, the network at its date (planned plants
    included, its new plants added), the engine's scenario with the plants it brings online, and
    the date."""

    resolved: ResolvedScenario
    network: nx.DiGraph
    scenario: Scenario
    as_of: date


def prepare_scenario(
    store: Store,
    scenario: str | Path | ScenarioSpec,
    *,
    as_of: date | None = None,
    licensed_fraction: float | None = None,
    max_age: int = MAX_AGE,
) -> PreparedScenario:
    """Read a scenario (a built-in name, a ``.toml`` file, or a spec built in Python), build the
    network at its date with planned plants, resolve its names, add its new plants and bring online
    the planned plants it names whose start has come (figures older than ``max_age`` years are
    stale).

    Raises
    ------
    InputError
        An unknown scenario, or a spec built in Python that names what the graph does not know.
    ParseError
        A scenario file that does not parse or names what the graph does not know (file and line).
    """
    if isinstance(scenario, str | Path):
        spec = read_scenario(str(scenario))
    elif isinstance(scenario, ScenarioSpec):
        spec = scenario
    else:
        raise InputError(f"a scenario is a name, a .toml file or a ScenarioSpec, not {scenario!r}")
    if licensed_fraction is not None and not (
        isinstance(licensed_fraction, int | float) and 0 <= licensed_fraction <= 1
    ):
        raise InputError(f"licensed_fraction must be a number between 0 and 1, not {licensed_fraction!r}")
    when = _day(as_of) or run_date(spec) or date.today()
    G = build_network(store, as_of=when, include_planned=True)
    G.graph["max_age"] = _max_age(max_age)
    resolved = resolve(spec, store, G, licensed_fraction=licensed_fraction)
    online = {n for n, start in resolved.online.items() if start is None or start <= when}
    started = [p for p in resolved.new_facilities if p.start is None or p.start <= when]
    _add_new(G, spec, started, when)
    online.update(p.id for p in started)
    return PreparedScenario(resolved, G, replace(resolved.scenario, online=frozenset(online)), when)


def _add_new(G: nx.DiGraph, spec: ScenarioSpec, plants: Sequence[Any], when: date) -> None:
    """Add a scenario's hypothetical plants to ``G`` (planned, so offline until brought online)."""
    source = str(spec.path) if spec.path is not None else spec.name
    add_facilities(
        G,
        [
            {"id": p.id, "stage": p.stage, "country": p.country, "elements": p.elements,
             "amounts": (Amount(f"{p.id}/capacity", "capacity", p.capacity, p.basis, when.year, p.elements,
                                "estimate", (source,)),)}
            for p in plants
        ],
    )  # fmt: skip


def _schedule(prepared: PreparedScenario, start: date, months: int) -> tuple[nx.DiGraph, list[frozenset[str]]]:
    """The plants online in each month of a run from ``start`` (planned plants and new ones on their
    dated schedule), and a network holding every new plant that starts within the horizon."""
    resolved, G = prepared.resolved, prepared.network
    dates = [date.fromordinal(start.toordinal() + round(m * DAYS_PER_MONTH)) for m in range(months)]
    late = [p for p in resolved.new_facilities if p.id not in G and p.start is not None and p.start <= dates[-1]]
    if late:
        G = G.copy()
        _add_new(G, resolved.spec, late, prepared.as_of)
    plants = {**resolved.online, **{p.id: p.start for p in resolved.new_facilities if p.id in G}}
    return G, [frozenset(n for n, s in plants.items() if s is None or s <= day) for day in dates]


@dataclass(frozen=True)
class ScenarioReport:
    """What ``reegraph scenario run`` shows: the impacts of one scenario, as of a date; each impact
    a dict of the JSON contract (end use IRI and label, element, region, baseline and scenario
    supply as ranges in t, the shortfall at each end, what binds at each end, days to shortage);
    ``notes``: per element asked for, what keeps it from a shortfall, in words; ``offline``: each
    plant the scenario takes offline, with what it produced and the sources of its figures and ore."""

    scenario: str
    title: str
    as_of: str
    max_age: int
    impacts: tuple[dict[str, Any], ...]
    notes: tuple[dict[str, str], ...] = ()
    offline: tuple[dict[str, Any], ...] = ()
    sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # by element: what the flows rest on
    demand: Mapping[str, Any] = field(default_factory=dict)  # the monthly run: see :func:`_monthly`
    products: Mapping[str, Course] = field(default_factory=dict)  # products' monthly courses, by id (exposure)

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract (``schema_version`` "2", ``reegraph/schemas/scenario.schema.json``)."""
        return {"schema_version": SCHEMA_VERSION, "scenario": self.scenario, "title": self.title,
                "as_of": self.as_of, "max_age": self.max_age, "notes": list(self.notes),
                "offline": list(self.offline), "impacts": list(self.impacts),
                "sources": {e: [iri(x) for x in found] for e, found in self.sources.items()},
                "demand": dict(self.demand)}  # fmt: skip


@gc_paused()
def run_scenario(
    store: Store,
    scenario: str | Path | ScenarioSpec,
    *,
    as_of: date | None = None,
    licensed_fraction: float | None = None,
    elements: Sequence[str] = (),
    regions: Sequence[str] = (),
    end_uses: Sequence[str] = (),
    max_age: int = MAX_AGE,
    rule: str = "pro-rata",
    draws: int = 0,
    seed: int = 0,
    products: Sequence[dict[str, Any]] = (),
) -> ScenarioReport:
    """Run a built-in scenario, a scenario file or a spec built in Python, and collect its impacts
    (for the end uses named in ``end_uses`` only, if any: ``electric-cars`` or its IRI), and the
    monthly run of demand against supply where the graph gives demand (:func:`_monthly`; ``rule``
    shares scarce supply, ``draws`` Monte Carlo draws of its uncertain inputs, seeded by ``seed``).

    Every amount is a range, so each result is computed at the low end of every amount, at the
    points (where the rules give them) and at the high end: the baseline and scenario supply are
    ranges, the shortfall is given at each end (undefined where the baseline there is nothing or
    unbounded). ``days_to_shortage`` is the stockpile's days of cover divided by the shortfall,
    where the scenario names a stockpile for the region. An element that no end use depends on, or
    whose shortfall is undefined at the low end and the point, gets a note saying why.

    Examples
    --------
    >>> result = run_scenario(load(), "china-2025-04", elements=["Dy"], regions=["EU"])
    >>> cars = next(i for i in result.impacts if i["end_use"].endswith("/electric-cars"))
    >>> cars["baseline"]["low"], cars["shortfall"]["low"]  # no figure guarantees any Dy metal
    (0.0, None)
    >>> run_scenario(load(), "china-2025-04", elements=["Sc"], regions=["EU"]).notes[0]["note"][:44]
    'Sc: not enough data for a shortfall: the evi'
    """
    regions = _regions(regions)
    prepared = prepare_scenario(store, scenario, as_of=as_of, licensed_fraction=licensed_fraction, max_age=max_age)
    G, resolved = prepared.network, prepared.resolved
    symbols = flow_elements(G, elements) if elements else ["ALL", *sorted(G.graph["elements"])]
    wanted = resolve_end_uses(G, end_uses)
    impacts = []
    tables: dict = {}
    for impact in run_engine(G, prepared.scenario, elements=symbols, regions=regions, tables=tables):
        if wanted and impact.end_use not in wanted:
            continue
        days = [
            s.span[0] for s in resolved.stockpiles if s.region == impact.region and s.end_use in ("", impact.end_use)
        ]
        impacts.append(
            {
                "end_use": iri(impact.end_use),
                "end_use_label": impact.end_use_label,
                "element": impact.element,
                "region": impact.region,
                "baseline": range_dict(impact.baseline),
                "scenario": range_dict(impact.scenario),
                "shortfall": ends_dict(impact.shortfall),
                "change": ends_dict(_change(impact.baseline, impact.scenario)),
                "binding": {end: [iri(b) for b in found] for end, found in impact.binding.items()},
                "days_to_shortage": ends_dict(
                    Ends(*(round(min(days) / v, 1) if days and v else None for v in impact.shortfall))
                ),
            }
        )
    spec = resolved.spec
    title = spec.name if spec.title is None else spec.title
    notes = _scenario_notes(G, symbols, impacts, narrowed=bool(wanted))
    offline = tuple(_offline(G, node) for node in sorted(prepared.scenario.offline) if node in G)
    sources = {  # the graph's sources (a hypothetical plant's figure rests on the spec, not on one)
        e: tuple(
            sorted({x for f in compute_flow(G, e, tables) for st in f.stages for x in st.sources if x[:7] == "source/"})
        )
        for e in symbols
        if any(i["element"] == e for i in impacts)
    }
    demand = _monthly(
        store, prepared, symbols, regions, wanted, rule=rule, draws=draws, seed=seed, tables=tables, products=products
    )
    mine = demand.pop("products", {})
    return ScenarioReport(
        spec.name, title, prepared.as_of.isoformat(), max_age, tuple(impacts), notes, offline, sources, demand, mine
    )


# ---------------------------------------------------------------------------------------------
# Demand month by month
# ---------------------------------------------------------------------------------------------

#: Regions of the graph's demand figures that stand for a model region but hold more than it.
_BROADER = {"region/europe": "EU", "region/north-america": "US"}
#: Regions of the graph's demand figures that are a model region exactly.
_EXACT = {"region/eu27": "EU"}


def _monthly(
    store: Store,
    prepared: PreparedScenario,
    symbols: Sequence[str],
    regions: Sequence[str],
    wanted: set[str],
    *,
    rule: str,
    draws: int,
    seed: int,
    tables: dict,
    products: Sequence[dict[str, Any]] = (),
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """The monthly run (:mod:`reegraph.analysis.demand`): a claimant for each region, end use and
    element with units in the graph (the latest year up to the start) and a content per unit; its
    dependence from the network with nothing and everything licensed (where the network cannot
    price it, the exporter's published share at the point and the whole range around it); its
    stock from the scenario; the months, first month short, recovery and t lost at each end.

    ``products``: a manufacturer's products as claimants too (``product`` its line, ``end_use``
    ``None`` for the worst civil end use of its element and region, ``demand``, ``per_unit``,
    ``stock``); their courses are returned under ``"products"`` by line, not shown with the rest."""
    if rule not in DEMAND_RULES:
        raise InputError(f"rule must be one of {', '.join(DEMAND_RULES)}, not {rule!r}")
    if isinstance(draws, bool) or not isinstance(draws, int) or not 0 <= draws <= MAX_DRAWS:
        raise InputError(f"draws must be a whole number from 0 to {MAX_DRAWS:,}, not {draws!r}")
    resolved, G = prepared.resolved, prepared.network
    start = resolved.start or prepared.as_of
    if start.year * 12 + start.month + resolved.months > 9999 * 12:
        raise InputError(f"scenario {resolved.spec.name}: {resolved.months} months from {start} run past the year 9999")
    licensing = resolved.licensing
    timing = Timing(
        months=resolved.months,
        latency_days=_span(licensing.latency_days) if licensing else REVIEW_DAYS,  # type: ignore[arg-type]
        per_month=_span(licensing.per_month) if licensing else ALL_AT_ONCE,  # type: ignore[arg-type]
        substitutes=tuple(Substitute(x.element, x.share, x.months, x.end_use) for x in resolved.substitutions),
    )
    cells, said_of = _demand_cells(store, start.year)
    notes = [text for use, text in said_of if not wanted or use in wanted]
    everywhere = [c for c in cells if c["element"] in symbols]
    if licensing and not prepared.scenario.controls:
        notes.append("[licensing] has no export control to act on")
    cells = [
        c
        for c in cells
        if c["element"] in symbols and c["region"] in regions and (not wanted or c["end_use"] in wanted)
    ]
    cells = [{**c, "label": G.nodes[c["end_use"]].get("label", c["end_use"])} for c in cells if c["end_use"] in G]
    cells += list(products)
    said: dict[str, Any] = {
        "start": start.isoformat(),
        "months": timing.months,
        "rule": rule,
        "latency_days": range_dict(timing.latency_days),
        "approved_per_month": range_dict(timing.per_month),
        "assumptions": list(DEMAND_ASSUMPTIONS),
        "notes": notes,
        "claimants": [],
    }
    if not cells:
        return said
    elements = sorted({c["element"] for c in cells})
    outages = bool(prepared.scenario.offline - planned_facilities(G)) or any(
        f < 1 for f in prepared.scenario.scale.values()
    )
    G, online = _schedule(prepared, start, timing.months)
    steps = [m for m in range(timing.months) if m == 0 or online[m] != online[m - 1]]
    priced = []  # per step: the shortfalls with nothing and with everything licensed
    for m in steps:
        scenario = replace(prepared.scenario, online=online[m])
        fresh: dict = {} if m else tables  # another network: another cache
        priced.append(
            (
                _impacts(G, scenario, 0.0, elements, regions, fresh),
                _impacts(G, scenario, 1.0, elements, regions, fresh) if outages else {},
            )
        )
    shares = _published_shares(store, start.year)
    notes += _demand_against_supply(everywhere, priced[0][0], elements)
    claimants, basis, mine = [], {}, {}
    for cell in cells:
        if "product" in cell and cell["end_use"] is None:  # the worst civil end use stands for it
            cell = {**cell, "end_use": _worst_civil(G, priced[0][0], cell["element"], cell["region"])}
            if cell["end_use"] is None:
                continue
        key = (cell["end_use"], cell["element"], cell["region"])
        defence = G.nodes[cell["end_use"]].get("sector") == "defence"
        covering = [  # the controls on this element to this region (military ones: defence end uses only)
            c
            for c in prepared.scenario.controls
            if (defence or not c.military_only)
            and any(c.covers(e, stage, cell["region"]) for e in (cell["element"], "ALL") for stage in c.stages)
        ]
        covered = bool(covering)
        share = next(
            (
                shares.get((x, cell["element"]), shares.get((x, "")))
                for x in sorted({c.exporter for c in prepared.scenario.controls})
            ),
            None,
        )
        found: list[tuple[Range, Range]] = []
        hows: dict[str, list[str]] = {"blocked": [], "licensed": []}  # on what each step's rests
        for blocked, licensed in priced:
            d0, how0 = _dependence(_cut(blocked, key), covered or outages, share if covered else None)
            d1, how1 = _dependence(_cut(licensed, key), outages, None) if outages else (NONE, "none")
            found.append((d0, d1))
            hows["blocked"].append(how0)
            hows["licensed"].append(how1)
        how = hows["blocked"][0]  # month 0's, as shown
        stock = cell.get("stock") or _stock(resolved.stockpiles, cell["region"], cell["end_use"])
        held = {name for name, said in hows.items() if set(said) - {"none", "network"}}  # bounds, not spreads
        if stock is None and all(d0 == NONE and d1 == NONE for d0, d1 in found):
            stock = NONE  # the scenario cannot touch it: its stock does not matter
        if stock is None:  # unknown, not none: from nothing to enough for the whole run, no point
            stock = Range(0.0, math.inf, None)
            held.add("stock_days")
            if "product" not in cell:
                notes.append(f"{cell['region']} {cell['element']} in {cell['label']}: no stock figure, so no point "
                             "estimate; at the most short end it holds none")  # fmt: skip
        changes = tuple((m, *found[i]) for i, m in enumerate(steps) if i and found[i] != found[i - 1])
        name = f"{cell['end_use']}#{cell['product']}" if "product" in cell else cell["end_use"]
        fraction = min((c.licensed_fraction for c in covering), default=1.0)  # the strictest holds
        claimants.append(
            Claimant(name, cell["element"], cell["region"], cell["demand"], found[0][0], found[0][1],
                     stock, cell["per_unit"], defence, changes, frozenset(held), fraction)
        )  # fmt: skip
        if "product" in cell:
            mine[claimants[-1].key] = cell
        else:
            basis[key] = (cell, how)
    for x in resolved.substitutions:
        if not any(c.element == x.element and x.end_use in ("", c.end_use) for c in claimants):
            notes.append(
                f"[[substitution]] of {x.element} {x.end_use or ''}: no demand it could cut".replace("  ", " ")
            )
    inherited = [x for x in resolved.stockpiles if x not in resolved.spec.stockpiles]
    starts = sorted({str(x.start or x.as_of) for x in resolved.spec.includes} - {str(start)})
    if inherited and starts:
        notes.append(f"the stocks come from the scenarios included, read for a run from {', '.join(starts)}; "
                     f"this one starts on {start}")  # fmt: skip
    if resolved.online or resolved.new_facilities:
        shared = sorted({c.element for c in claimants if "blocked" in c.held})
        notes += [f"{e}: the dependence rests on a published share, which the plants this scenario brings online "
                  "do not change; they count only where the network prices the supply" for e in shared]  # fmt: skip
    runs = courses(claimants, timing, rule=rule)
    drawn = sample(claimants, timing, draws=draws, seed=seed, rule=rule, progress=progress) if draws else []
    spread = {s.claimant.key: s for s in drawn}
    if draws:
        words = {"stock_days": "stock", "blocked": "dependence", "licensed": "dependence with all licensed"}
        notes += [
            f"Monte Carlo leaves out {c.region} {c.element} in {basis[c.key][0]['label']}: its "
            f"{' and '.join(w for n, w in words.items() if n in c.held and getattr(c, n).point is None)} "
            "has no point to hold"
            for c in claimants
            if c.key in basis and c.key not in spread
        ]
    said["draws"] = draws
    said["claimants"] = [
        _course_dict(run, basis[run.claimant.key], start, spread.get(run.claimant.key))
        for run in runs
        if run.claimant.key in basis
    ]
    said["products"] = {mine[run.claimant.key]["product"]: run for run in runs if run.claimant.key in mine}
    return said


def _worst_civil(G: nx.DiGraph, impacts: Mapping[tuple[str, str, str], Any], element: str, region: str) -> str | None:
    """The civil end use of ``element`` whose supply to ``region`` the scenario cuts most (at the
    high end, then the point), with nothing licensed."""
    found = [
        (tuple(-1.0 if v is None else v for v in (i.shortfall.high, i.shortfall.point)), use)
        for (use, e, r), i in impacts.items()
        if e == element and r == region and G.nodes[use].get("sector") != "defence"
    ]
    return max(found)[1] if found else None


#: What every monthly run assumes, in words (shown with its results).
DEMAND_ASSUMPTIONS = (
    "In the baseline each region's supply meets its demand; the scenario takes away the share of it that "
    "the network (or, where the network cannot price it, the exporter's published share) says passes the "
    "controls or the plants offline.",
    "Licences restore that share as they are approved: none until the latency has passed, then at the "
    "approval rate, up to the licensed fraction.",
    "Each region's end uses share the region's supply of an element by the allocation rule (regions do not "
    "share); an end use short of supply draws on its stock (days of normal demand at the start) before it "
    "is short.",
    "Demand is a year's units (the latest year up to the start) times the content per unit, spread evenly "
    "over the months; other end uses of the element are not modelled.",
)


def _span(found: tuple[float, ...]) -> Range:
    """``(low, high, point)`` (or ``(value, value)``) as a range."""
    return Range(found[0], found[1], found[2] if len(found) > 2 else found[0])


def _stock(stockpiles: Sequence[Any], region: str, end_use: str) -> Range | None:
    """The stock a scenario gives a region's end use (one naming the end use wins), in days;
    ``None`` where it gives none."""
    found = [s for s in stockpiles if s.region == region and s.end_use in ("", end_use)]
    found.sort(key=lambda s: s.end_use == "")
    return _span(found[0].span) if found else None


def _cut(impacts: Mapping[tuple[str, str, str], Any], key: tuple[str, str, str]) -> Ends | None:
    """The shortfall of one (end use, element, region), if priced."""
    found = impacts.get(key)
    return None if found is None else found.shortfall


def _impacts(
    G: nx.DiGraph, scenario: Scenario, fraction: float, elements: Sequence[str], regions: Sequence[str], tables: dict
) -> dict[tuple[str, str, str], Any]:
    """The engine's impacts by (end use, element, region), every control's licensed fraction set
    to ``fraction``."""
    controls = tuple(replace(c, licensed_fraction=fraction) for c in scenario.controls)
    impacts = run_engine(G, replace(scenario, controls=controls), elements=elements, regions=regions, tables=tables)
    return {(i.end_use, i.element, i.region): i for i in impacts}


def _demand_against_supply(
    everywhere: Sequence[dict[str, Any]], impacts: Mapping[tuple[str, str, str], Any], elements: Sequence[str]
) -> list[str]:
    """Per element, the world's modelled demand (every region's) set against what the world can
    make in the baseline, in words: where it exceeds it, or where the graph cannot say."""
    notes = []
    for element in elements:
        demand = math.fsum(c["demand"].point or 0.0 for c in everywhere if c["element"] == element)
        supply = [i.baseline for (_, e, _), i in impacts.items() if e == element]
        if not demand or not supply:
            continue
        high = max(r.high for r in supply)
        points = [r.point for r in supply if r.point is not None]
        span = f"{min(r.low for r in supply):,.0f}–{'unbounded' if math.isinf(high) else f'{high:,.0f}'} t"
        said = f"{element}: the modelled demand, {demand:,.0f} t a year at the point,"
        if demand > high:
            notes.append(f"{said} exceeds the most the world can make in the graph ({span}): check the contents")
        elif not points:
            notes.append(
                f"{said} cannot be set against the world's supply, which the graph puts at {span} with no point"
            )
        elif demand > max(points):
            notes.append(f"{said} exceeds the world's supply at the point ({max(points):,.0f} t)")
    return notes


def _dependence(shortfall: Ends | None, touched: bool, share: float | None) -> tuple[Range, str]:
    """A claimant's dependence as a range, and on what it rests: ``none`` (the scenario cannot touch
    it), ``network`` (the shortfall at each end), ``published share`` (the network has no point:
    the exporter's published share is the point), ``network, no point`` (neither gives one). An end
    the network cannot price is open, from 0 to 1."""
    if not touched:
        return NONE, "none"
    values = [] if shortfall is None else [v for v in shortfall if v is not None]
    point = None if shortfall is None else shortfall.point
    how = "network"
    if point is None:
        point, how = (share, "published share") if share is not None else (None, "network, no point")
    if shortfall is None or shortfall.low is None or shortfall.high is None:
        values += [0.0, 1.0]
    if point is not None:
        values.append(point)
    return Range(min(values), max(values), point), how


def _published_shares(store: Store, year: int) -> dict[tuple[str, str], float]:
    """Each country's latest published share of separation up to ``year``, by (country, element):
    the element's own share where the graph gives one, else (element ``""``) the share for all rare
    earths."""
    found: dict[tuple[str, str], float] = {}
    for row in sorted(store.values(sparql.PUBLISHED_SHARES), key=lambda r: int(str(r["year"]))):
        if int(str(row["year"])) <= year and str(row["stage"]) == "separation":
            found[(str(row["cc"]), "" if row.get("element") is None else str(row.get("element")))] = float(
                str(row["value"])
            )
    return found


#: The units a content per unit may be in, as tonnes.
_CONTENT_UNITS = {"TONNE": 1.0, "KiloGM": 0.001}


def _amount(q: str, name: str, text: Any, *, default: Any) -> float:
    """A quantity's figure as a finite number of 0 or more (``default`` where it has none)."""
    try:
        value = float(str(default if text is None else text))
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise InputError(f"{q}: {name} must be a finite number of 0 or more, not {text!r}")
    return value


def _demand_cells(store: Store, year: int) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Demand in t a year per (end use, element, model region): the latest units up to ``year``
    (the model region's own figure before a broader one; rest of world as the world less the
    broadest figure of each other region) times the content per unit; with notes (by end use) on
    what each rests on."""
    units: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in store.values(sparql.DEMAND_UNITS):
        q, found_year = short_id(str(row["q"])), int(str(row["year"]))
        if str(row["unit"]).rsplit("/", 1)[-1] in ("KiloGM", "TONNE", "GM"):
            raise InputError(f"{q}: units sold or built are a count, not a mass ({row['unit']})")
        if not 1900 <= found_year <= 2100:
            raise InputError(f"{q}: ree:year must be between 1900 and 2100, not {found_year}")
        if found_year > year:
            continue
        region = short_id(str(row["region"]))
        code = row.get("code")
        units[short_id(str(row["endUse"]))].append(
            {
                "q": q, "year": found_year, "value": float(str(row["value"])),
                "per_unit": None if row.get("perUnit") is None else str(row.get("perUnit")),
                "about": str(row.get("about") or ""),
                "sources": tuple(sorted(short_id(x) for x in str(row.get("sources") or "").split())),
                "region": _EXACT.get(region) or (region_of(code) if code else _BROADER.get(region, region)),
                "exact": region in _EXACT or bool(code), "from": region,
                "world": region == "region/world",
            }
        )  # fmt: skip
    content: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in store.values(sparql.DEMAND_CONTENT):
        q = short_id(str(row["q"]))
        scale = _CONTENT_UNITS.get(str(row["unit"]).rsplit("/", 1)[-1])
        if scale is None:
            raise InputError(f"{q}: a content per unit must be in kg or t (unit:KiloGM, unit:TONNE), not {row['unit']}")
        value, low, high = (
            _amount(q, name, row.get(key), default=row["value"]) * scale
            for name, key in (("ree:value", "value"), ("ree:minValue", "min"), ("ree:maxValue", "max"))
        )
        if not low <= value <= high:
            raise InputError(
                f"{q}: ree:minValue <= ree:value <= ree:maxValue does not hold ({low:g}, {value:g}, {high:g})"
            )
        end_use, element = short_id(str(row["endUse"])), str(row.get("element"))
        twice = next((c["q"] for c in content[end_use] if c["element"] == element), None)
        if twice:
            raise InputError(f"{q}: a second content of {element} per unit of {end_use} (the first: {twice})")
        content[end_use].append(
            {"q": q, "element": element, "per_unit": Range(low, high, value),
             "label": str(row.get("perUnit") or "unit"),
             "sources": tuple(sorted(short_id(x) for x in str(row.get("sources") or "").split()))}
        )  # fmt: skip
    cells: list[dict[str, Any]] = []
    notes: list[tuple[str, str]] = []
    for end_use, figures in sorted(units.items()):
        name = end_use.removeprefix("end-use/")
        if end_use not in content:
            notes.append((end_use, f"{name}: units but no content per unit, so no demand in t"))
            continue
        chosen: dict[str, dict[str, Any]] = {}
        for region in REGION_CODES:
            own = [f for f in figures if f["region"] == region and not f["world"]]
            if not own:
                continue
            rank = lambda f: (f["year"], f["exact"], f["per_unit"] is None)  # noqa: E731
            best = chosen[region] = max(own, key=lambda f: (*rank(f), f["value"]))  # latest, own, unqualified
            rivals = sorted({f["value"] for f in own if rank(f) == rank(best)})
            said = [
                f"{len(rivals)} figures for {best['year']} ({', '.join(f'{v:,.0f}' for v in rivals)}); the largest "
                "is used"
                if len(rivals) > 1
                else "",
                "" if best["exact"] else f"the figure is for {best['from'].removeprefix('region/')}, which holds more",
                f"the latest units are of {best['year']}, used for {year}" if best["year"] < year else "",
            ]
            notes += [(end_use, f"{name} in {region}: {text}") for text in said if text]
            wider = [f for f in figures if f["region"] == region and not f["exact"] and f["year"] == best["year"]]
            if best["exact"] and wider and (rest := max(f["value"] for f in wider) - best["value"]) > 0:
                where = wider[0]["from"].removeprefix("region/")
                notes.append((end_use, f"{name}: {rest:,.0f} of {where}'s {best['year']} units fall in no region"))
        world = [f for f in figures if f["world"]]
        if world:
            latest = max(world, key=lambda f: f["year"])
            broadest = {
                r: max((f for f in figures if f["region"] == r and f["year"] == latest["year"] and not f["world"]
                        and f["per_unit"] is None), key=lambda f: (not f["exact"], f["value"]), default=None)
                for r in REGION_CODES if r != "ROW"
            }  # fmt: skip
            rest = latest["value"] - sum(f["value"] for f in broadest.values() if f is not None)
            if rest > 0 and all(broadest.values()):
                chosen["ROW"] = {
                    **latest,
                    "value": rest,
                    "region": "ROW",
                    "derived": [f["q"] for f in broadest.values() if f],
                }
        missing = [r for r in REGION_CODES if r not in chosen]
        if missing:
            notes.append((end_use, f"{name}: no units for {' '.join(missing)} in the graph, so no demand there"))
        for region, figure in chosen.items():
            for each in content[end_use]:
                cells.append(
                    {
                        "end_use": end_use, "element": each["element"],
                        "region": region, "units": figure, "per_unit": each["per_unit"], "content": each,
                        "demand": each["per_unit"].scaled(figure["value"]),
                    }
                )  # fmt: skip
    return cells, notes


def _offline(G: nx.DiGraph, node: str) -> dict[str, Any]:
    """A plant a scenario takes offline: its production and capacity figures (those older than the
    run's staleness threshold marked), its ores, and their sources."""
    data = G.nodes[node]
    oldest = oldest_year(G)
    used = [a for a in data.get("amounts", ()) if a.kind in ("production", "capacity")]
    figures = [
        f"{a.kind} {a.value:,.0f} {a.basis}{' of ' + '+'.join(a.elements) if a.elements else ''} ({a.year}, "
        f"{a.confidence}{', stale' if a.year < oldest else ''})"
        for a in used
    ]
    sources = {s for a in used for s in a.sources}
    sources |= {s for ore in data.get("ores", ()) for x in ore.shares for s in x.sources}
    return {
        "facility": iri(node),
        "label": data["label"],
        "figures": figures,
        "ores": [iri(ore.id) for ore in data.get("ores", ())],
        "sources": sorted(iri(s) for s in sources),
    }


def _change(baseline: Range, scenario: Range) -> Ends:
    """Scenario less baseline at each end, in tonnes (a gain is positive); undefined where either is
    unbounded or has no point."""
    found: list[float | None] = []
    for end in ENDS:
        before, after = baseline.at(end), scenario.at(end)
        if before is None or after is None or not (math.isfinite(before) and math.isfinite(after)):
            found.append(None)
        else:
            found.append(round(after - before, 6))
    return Ends(*found)


def _scenario_notes(
    G: nx.DiGraph, symbols: Sequence[str], impacts: list[dict], *, narrowed: bool = False
) -> tuple[dict, ...]:
    """Per element, why no shortfall can be priced at the low end or the point, in words (of the
    baseline: the plants in operation)."""
    notes = []
    running = G.subgraph(set(G) - planned_facilities(G))
    tables: dict = {}
    for element in symbols:
        own = [i for i in impacts if i["element"] == element]
        if not own:
            where = "of those asked for" if narrowed else "in the graph"
            notes.append({"element": element, "note": f"no end use {where} depends on {element}"})
        elif all(i["shortfall"]["low"] is None and i["shortfall"]["point"] is None for i in own):
            longest = max(compute_flow(running, element, tables), key=lambda f: len(f.stages), default=None)
            said = f": {longest.note}" if longest and longest.note else ""
            notes.append({"element": element, "note": f"{element}: not enough data for a shortfall{said}"})
    return tuple(notes)


@dataclass(frozen=True)
class MonteCarloReport:
    """Shortfall distributions over seeded random outages on top of a scenario."""

    scenario: str
    as_of: str
    max_age: int
    draws: int
    seed: int
    facility_outage: float
    country_outage: float
    distributions: tuple[Distribution, ...]
    labels: Mapping[str, str] = field(default_factory=dict)  # each end use's label, by id
    demand: Mapping[str, Any] = field(default_factory=dict)  # the monthly run, its inputs drawn too

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract (``schema_version`` "2"): percentiles of the shortfall at each end."""
        return {
            "schema_version": SCHEMA_VERSION,
            "scenario": self.scenario,
            "as_of": self.as_of,
            "max_age": self.max_age,
            "monte_carlo": {
                "draws": self.draws,
                "seed": self.seed,
                "facility_outage": self.facility_outage,
                "country_outage": self.country_outage,
            },
            "distributions": [
                {"element": d.element, "end_uses": [iri(u) for u in d.end_uses], "region": d.region,
                 "p10": ends_dict(d.p10), "p50": ends_dict(d.p50), "p90": ends_dict(d.p90),
                 "mean": ends_dict(d.mean)}
                for d in self.distributions
            ],
            "demand": dict(self.demand),
        }  # fmt: skip


def monte_carlo(
    store: Store,
    scenario: str | Path | ScenarioSpec,
    *,
    draws: int,
    seed: int = 0,
    facility_outage: float = 0.05,
    country_outage: float = 0.01,
    as_of: date | None = None,
    licensed_fraction: float | None = None,
    elements: Sequence[str] = (),
    regions: Sequence[str] = (),
    max_age: int = MAX_AGE,
    rule: str = "pro-rata",
    progress: Callable[[str, int, int], None] | None = None,
) -> MonteCarloReport:
    """Shortfall distributions over ``draws`` seeded random outages on top of a scenario: each plant
    out with probability ``facility_outage``, each country's plants with ``country_outage``; and
    the monthly run (:func:`_monthly`) with its uncertain inputs drawn ``draws`` times: dependence,
    content per unit, stocks, licence latency and rate. ``progress`` is called as draws are done:
    ``(what, done, draws)``, ``what`` being ``outages`` or ``months``.

    Elements default to those the scenario's controls cover, else all; elements whose flow no figure
    bounds are left out.
    """
    regions = _regions(regions)
    if isinstance(draws, bool) or not isinstance(draws, int) or not 1 <= draws <= MAX_DRAWS:
        raise InputError(f"draws must be a whole number from 1 to {MAX_DRAWS:,}, not {draws!r}")
    for name, p in (("facility_outage", facility_outage), ("country_outage", country_outage)):
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 1:
            raise InputError(f"{name} must be a probability between 0 and 1, not {p!r}")
    prepared = prepare_scenario(store, scenario, as_of=as_of, licensed_fraction=licensed_fraction, max_age=max_age)
    G, applied = prepared.network, prepared.scenario
    controlled = sorted({e for c in applied.controls for e in c.elements} & set(G.graph["elements"]))
    symbols = flow_elements(G, elements) if elements else controlled or ["ALL", *sorted(G.graph["elements"])]
    results = simulate(
        G,
        applied,
        elements=symbols,
        regions=regions,
        draws=draws,
        seed=seed,
        facility_outage=facility_outage,
        country_outage=country_outage,
        progress=None if progress is None else (lambda done: progress("outages", done, draws)),
    )
    name = prepared.resolved.spec.name
    demand = _monthly(
        store, prepared, symbols, regions, set(), rule=rule, draws=draws, seed=seed, tables={},
        progress=None if progress is None else (lambda done: progress("months", done, draws)),
    )  # fmt: skip
    demand.pop("products", None)
    return MonteCarloReport(
        name,
        prepared.as_of.isoformat(),
        max_age,
        draws,
        seed,
        facility_outage,
        country_outage,
        tuple(results),
        {u: G.nodes[u]["label"] for d in results for u in d.end_uses},
        demand,
    )


@dataclass(frozen=True)
class ComparisonRow:
    """One end use, element and region: its shortfall and its change in tonnes at each end under
    each of two scenarios (``None``: not computed under the second)."""

    end_use: str
    end_use_label: str
    element: str
    region: str
    first: dict[str, float | None]
    second: dict[str, float | None] | None
    first_change: dict[str, float | None] | None = None
    second_change: dict[str, float | None] | None = None


@dataclass(frozen=True)
class Comparison:
    """Two scenarios' shortfalls side by side, in the first one's order; and their monthly runs:
    per region, end use and element with demand, the first month short and the tonnes and units
    lost under each (``demand``)."""

    first: str
    second: str
    max_age: int
    rows: tuple[ComparisonRow, ...]
    demand: tuple[dict[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract (``schema_version`` "2"): each row carries the two shortfalls (at each
        end) under the scenarios' names, and the two changes in tonnes under ``change``."""
        return {
            "schema_version": SCHEMA_VERSION,
            "scenarios": [self.first, self.second],
            "max_age": self.max_age,
            "rows": [
                {"end_use": r.end_use, "end_use_label": r.end_use_label, "element": r.element, "region": r.region,
                 self.first: r.first, self.second: r.second,
                 "change_t": {self.first: r.first_change, self.second: r.second_change}}
                for r in self.rows
            ],
            "demand": list(self.demand),
        }  # fmt: skip


#: What a comparison shows of each claimant's monthly run under each scenario.
_COMPARED = ("first_short", "first_short_date", "recovers", "recovers_date", "lost_t", "units_lost", "defined")


def compare(
    store: Store,
    first: str | Path | ScenarioSpec,
    second: str | Path | ScenarioSpec,
    *,
    elements: Sequence[str] = (),
    regions: Sequence[str] = (),
    end_uses: Sequence[str] = (),
    max_age: int = MAX_AGE,
) -> Comparison:
    """The shortfall and change in tonnes of each end use, element and region under two scenarios,
    and each monthly claimant's first month short and losses under both (narrowed to ``regions``
    and ``end_uses`` if given)."""
    a, b = (
        run_scenario(store, s, elements=elements, regions=regions, end_uses=end_uses, max_age=max_age)
        for s in (first, second)
    )
    other = {(i["end_use"], i["element"], i["region"]): i for i in b.impacts}
    rows = []
    for i in a.impacts:
        j = other.get((i["end_use"], i["element"], i["region"]), {})
        rows.append(
            ComparisonRow(i["end_use"], i["end_use_label"], i["element"], i["region"], i["shortfall"],
                          j.get("shortfall"), i["change"], j.get("change"))
        )  # fmt: skip
    names = _name(first), _name(second)
    second_name = names[1] if names[1] != names[0] else f"{names[1]} (2)"
    runs = [{(c["end_use"], c["element"], c["region"]): c for c in r.demand.get("claimants", [])} for r in (a, b)]
    demand = tuple(
        {"end_use": key[0], "end_use_label": c["end_use_label"], "element": key[1], "region": key[2],
         "per_unit_label": c["per_unit_label"],
         **{name: None if key not in run else {k: run[key][k] for k in _COMPARED}
            for name, run in zip((names[0], second_name), runs, strict=True)}}
        for key, c in sorted({**runs[1], **runs[0]}.items())
    )  # fmt: skip
    return Comparison(names[0], second_name, max_age, tuple(rows), demand)


def _regions(regions: Sequence[str]) -> list[str]:
    """The regions asked for (all when none), each checked.

    Raises
    ------
    InputError
        A region that is none of :data:`reegraph.model.REGION_CODES` (or a bare string).
    """
    if isinstance(regions, str):
        raise InputError(f"regions: give a list of region codes, such as [{regions!r}]")
    unknown = [r for r in regions if r not in REGION_CODES]
    if unknown:
        raise InputError(f"unknown region {unknown[0]!r} (known: {', '.join(REGION_CODES)})")
    return list(regions) or list(REGION_CODES)


def _day(value: date | None) -> date | None:
    """``value`` if it is a date (or ``None``).

    Raises
    ------
    InputError
        Anything else (a string, a datetime).
    """
    if value is None or is_day(value):
        return value
    raise InputError(f"as_of must be a datetime.date, not {value!r}")


def _name(scenario: str | Path | ScenarioSpec) -> str:
    return scenario if isinstance(scenario, str) else scenario.name


def read_scenario(name: str) -> ScenarioSpec:
    """A built-in scenario by name, or a scenario file, read into a spec (to run, or to build on).

    Raises
    ------
    InputError
        Neither a built-in name nor an existing ``.toml`` file.
    ParseError
        The file does not parse (``file:line: message``).
    """
    return read_spec(find_scenario(name))


def scenario_titles() -> list[tuple[str, str]]:
    """The built-in scenarios: name and title."""
    return [(path.stem, str(read_spec(path).title)) for path in list_scenarios()]


# ---------------------------------------------------------------------------------------------
# A manufacturer's exposure
# ---------------------------------------------------------------------------------------------


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


#: The scenarios ``reegraph exposure`` runs unless told otherwise.
EXPOSURE_SCENARIOS = ("china-2025-04", "china-2025-10", "myanmar-kachin")


@dataclass(frozen=True)
class Exposure:
    """What ``reegraph exposure`` shows: for each product and element, the tonnes a year it holds, the
    chokepoints of that element, and for each scenario the worst supply shortfall of the element in
    the product's region (over the end uses that take it, the network alone) and, from the monthly
    run with the product as a claimant of its own, the first month short and the units lost."""

    as_of: str
    rows: tuple[dict[str, Any], ...]

    def as_dict(self) -> dict[str, Any]:
        """The JSON contract."""
        return {"schema_version": SCHEMA_VERSION, "as_of": self.as_of, "products": list(self.rows)}


def exposure(
    store: Store,
    products: Path | str,
    *,
    scenarios: Sequence[str] = EXPOSURE_SCENARIOS,
    as_of: date | None = None,
) -> Exposure:
    """Map a products file (see :mod:`reegraph.scenario.products`) onto the graph: which chokepoints
    each product's elements pass, and what each scenario does to them in the product's region.

    Raises
    ------
    InputError
        A bad products file (with its line), an element or component the graph does not know, an
        unknown scenario.
    """
    found = read_products(Path(products))
    as_of = _day(as_of) or date.today()
    G = build_network(store, as_of=as_of)
    known = G.graph["elements"]
    parts: dict[str, set[str]] = defaultdict(set)
    for row in query(store, "components"):
        parts[short_id(str(row["component"])).removeprefix("component/")].add(str(row.get("element")))
    wanted: list[tuple[Any, str]] = []
    uses = set(end_uses_of(G))
    for product in found:
        if product.end_use and f"end-use/{product.end_use}" not in uses:
            raise InputError(f"{products}: line {product.line}: no end use {product.end_use!r} in the graph")
        if product.element and product.element not in known:
            raise InputError(f"{products}: line {product.line}: element {product.element!r} is not one the graph knows")
        if product.component and product.component not in parts:
            raise InputError(f"{products}: line {product.line}: no component {product.component!r} in the graph")
        for element in [product.element] if product.element else sorted(parts[product.component]):
            wanted.append((product, element))
    elements = sorted({e for _, e in wanted})
    regions = sorted({p.region for p, _ in wanted})
    chokepoints = report(store, as_of=as_of, elements=elements, network=G).chokepoints
    cells = []
    for index, (product, element) in enumerate(wanted):
        content = product.content_kg_per_unit if product.element else None
        per_unit = content / 1000 if content else 1.0  # t per unit; without a content, the run counts units
        cells.append(
            {"product": f"{index}", "end_use": f"end-use/{product.end_use}" if product.end_use else None,
             "element": element, "region": product.region, "label": product.name,
             "demand": _span((product.units_per_year * per_unit,) * 2), "per_unit": _span((per_unit,) * 2),
             "stock": None if product.stock_days is None else _span((product.stock_days,) * 2)}
        )  # fmt: skip
    runs = {name: run_scenario(store, name, elements=elements, regions=regions, products=cells) for name in scenarios}
    rows = []
    for index, (product, element) in enumerate(wanted):
        content = product.content_kg_per_unit if product.element else None
        on_it = [c for c in chokepoints if element in c.elements][:3]
        said = {}
        use = iri(f"end-use/{product.end_use}") if product.end_use else None
        for name, run in runs.items():
            mine = [
                i
                for i in run.impacts
                if i["element"] == element
                and i["region"] == product.region
                and (i["end_use"] == use if use else G.nodes[short_id(i["end_use"])].get("sector") != "defence")
            ]
            worst = max(
                mine, key=lambda i: tuple(_or(i["shortfall"][end], -1.0) for end in ("high", "low")), default=None
            )
            shortfall = worst["shortfall"] if worst else dict.fromkeys(ENDS)
            course = run.products.get(f"{index}")
            start = date.fromisoformat(run.demand["start"])
            per_unit = 1.0 if course is None or course.claimant.per_unit is None else course.claimant.per_unit.low
            said[name] = {
                "end_use": worst["end_use"] if worst else None,
                "chosen": "given" if use else "worst civil end use",
                "shortfall": shortfall,
                "months": run.demand["months"],
                "first_short": {e: None if course is None else course.first_short(e) for e in ENDS},
                "first_short_date": {
                    e: None if course is None or (m := course.first_short(e)) is None else _month_date(start, m)
                    for e in ENDS
                },
                "units_lost": {
                    e: None if course is None or (lost := course.lost(e)) is None else round(lost / per_unit, 1)
                    for e in ENDS
                },
                "defined": {e: course is not None and course.months[e] is not None for e in ENDS},
            }
        rows.append(
            {
                "product": product.name,
                "line": product.line,
                "element": element,
                "component": product.component or None,
                "region": product.region,
                "supplier_country": product.supplier_country or None,
                "units_per_year": product.units_per_year,
                "t_per_year": None if content is None else round(product.units_per_year * content / 1000, 6),
                "stock_days": product.stock_days,
                "chokepoints": [
                    {"label": c.label, "stage": c.stage, "share": range_dict(c.share), "score": c.score} for c in on_it
                ],
                "scenarios": said,
            }
        )
    return Exposure(as_of.isoformat(), tuple(rows))


# ---------------------------------------------------------------------------------------------
# The network view
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkView:
    """What ``reegraph view`` draws: the (filtered) network, the report's chokepoints, a scenario's
    offline plants and controlled export edges, and each source's web address."""

    network: nx.DiGraph
    title: str
    chokepoints: tuple[Chokepoint, ...]
    offline: frozenset[str]
    gated: frozenset[tuple[str, str]]
    source_urls: Mapping[str, str]
    notes: tuple[str, ...] = ()  # what is missing for the elements asked for, in words


def network_view(
    store: Store,
    *,
    as_of: date | None = None,
    scenario: str | Path | ScenarioSpec | None = None,
    elements: Sequence[str] = (),
    end_uses: Sequence[str] = (),
    stages: Sequence[str] = (),
    countries: Sequence[str] = (),
) -> NetworkView:
    """The network as of a date (or under a scenario, at its date), narrowed by the options."""
    offline: frozenset[str] = frozenset()
    gated: frozenset[tuple[str, str]] = frozenset()
    if scenario is not None:
        prepared = prepare_scenario(store, scenario, as_of=as_of)
        G, when = prepared.network, prepared.as_of
        offline, gated = scenario_marks(G, prepared.scenario)
        title = f"reegraph network under {prepared.resolved.spec.name}, {when.isoformat()}"
    else:
        when = _day(as_of) or date.today()
        G = build_network(store, as_of=when)
        title = f"reegraph network, {when.isoformat()}"
    found = report(store, as_of=when, elements=elements, stages=stages, network=None if scenario else G)
    notes = [c.note for c in found.concentration if elements and c.status == "not enough data"]
    G = network_filter(G, elements=elements, end_uses=end_uses, stages=stages, countries=countries)
    notes += [found.unhandled_note] if found.unhandled and elements else []
    return NetworkView(G, title, found.chokepoints, offline, gated, source_urls(store), tuple(notes))


@dataclass(frozen=True)
class FlowDiagram:
    """One element's flow in tonnes, as the flow diagrams draw it: the flow of its longest chain
    (the end uses fed from the latest stage) with one routing between countries, and its other end
    uses' flows (fed from an earlier stage), which the diagrams say in words; ``end_uses``: the
    labels of the drawn flow's end uses."""

    flow: StageFlow
    links: tuple[Link, ...]
    end_uses: tuple[str, ...]
    others: tuple[StageFlow, ...] = ()


@dataclass(frozen=True)
class FlowView:
    """What ``reegraph view --flows`` draws: each element's flow diagram; under a scenario, the
    baseline and the scenario (for ``region``'s end uses) side by side, in the same order."""

    title: str
    as_of: str
    diagrams: tuple[FlowDiagram, ...]
    scenario: str = ""
    region: str = ""
    after: tuple[FlowDiagram, ...] = ()
    notes: tuple[str, ...] = ()


def end_use_labels(G: nx.DiGraph, flows: Sequence[StageFlow]) -> dict[str, str]:
    """The labels of ``flows``' end uses, by id (``""`` for an end use without one)."""
    return {u: G.nodes[u].get("label", "") for f in flows for u in f.end_uses}


def flow_diagrams(
    flows: Sequence[StageFlow],
    *,
    labels: Mapping[str, str] | None = None,
    route: Callable[[StageFlow], tuple[StageFlow, tuple[Link, ...]]] | None = None,
) -> tuple[FlowDiagram, ...]:
    """One :class:`FlowDiagram` per element of ``flows`` (the report's, or
    :func:`~reegraph.analysis.flow.compute_flow`'s), in their order: the flow with the most stages
    drawn (the latest feeding stage on a tie), routed by ``route`` (default: the flow as it is, by
    :func:`~reegraph.analysis.flow.route_flow`); end uses by their ``labels`` (default: their ids'
    last part)."""
    by_element: dict[str, list[StageFlow]] = {}
    for flow in flows:
        by_element.setdefault(flow.element, []).append(flow)
    diagrams = []
    for found in by_element.values():
        drawn = max(found, key=lambda f: (len(f.stages), STAGES.index(f.feeding_stage)))
        shown, links = route(drawn) if route else (drawn, route_flow(drawn.stages)[1])
        names = tuple((labels or {}).get(u) or u.rsplit("/", 1)[-1].replace("-", " ") for u in drawn.end_uses)
        others = tuple(route(f)[0] if route else f for f in found if f is not drawn)
        diagrams.append(FlowDiagram(shown, links, names, others))
    return tuple(diagrams)


def flow_view(
    store: Store,
    *,
    as_of: date | None = None,
    elements: Sequence[str] = (),
    scenario: str | Path | ScenarioSpec | None = None,
    region: str = "EU",
    max_age: int = MAX_AGE,
) -> FlowView:
    """Each element's flow in tonnes (all, or those named: symbols or groups) as of a date; under a
    scenario, at its date, the baseline (planned plants offline) and the scenario priced for
    ``region``'s end uses, as :func:`run_scenario` prices them.

    Raises
    ------
    InputError
        An unknown element, region or scenario.
    """
    if region not in REGION_CODES:
        raise InputError(f"unknown region {region!r}: one of {', '.join(REGION_CODES)}")
    if scenario is None:
        when = _day(as_of) or date.today()
        G = build_network(store, as_of=when)
        found = report(store, as_of=when, elements=elements, max_age=max_age, network=G)
        notes = (found.unhandled_note,) if found.unhandled and elements else ()
        diagrams = flow_diagrams(found.flows, labels=found.labels)
        return FlowView(f"reegraph flows in tonnes, {when.isoformat()}", when.isoformat(), diagrams, notes=notes)
    prepared = prepare_scenario(store, scenario, as_of=as_of, max_age=max_age)
    G = prepared.network
    tables: dict = {}
    symbols = flow_elements(G, elements) if elements else ["ALL", *sorted(G.graph["elements"])]
    flows = [f for e in symbols for f in compute_flow(G, e, tables)]
    labels = end_use_labels(G, flows)
    before = flow_diagrams(
        flows, labels=labels, route=lambda f: scenario_flow(G, f, Scenario("baseline"), tables=tables)
    )
    after = flow_diagrams(
        flows, labels=labels, route=lambda f: scenario_flow(G, f, prepared.scenario, region=region, tables=tables)
    )
    spec = prepared.resolved.spec
    military = any(c.military_only for c in prepared.scenario.controls)
    said = (
        "Controls on military end users act on defence end uses only and are not drawn here: the scenario's "
        "impacts (reegraph scenario run) price them."
    )
    return FlowView(
        f"reegraph flows in tonnes under {spec.name}, {prepared.as_of.isoformat()}",
        prepared.as_of.isoformat(),
        before,
        spec.name if spec.title is None else f"{spec.name}: {spec.title}",
        region,
        after,
        (said,) if military else (),
    )


def source_urls(store: Store) -> dict[str, str]:
    """The web address of each source that has one, by short id."""
    return {source: url for source, (_, url) in source_titles(store).items() if url}


def source_titles(store: Store) -> dict[str, tuple[str, str]]:
    """Each source's title (its short id where it has none) and web address ("" if none), by short
    id."""
    rows = [(short_id(str(r["s"])), r["title"], r["url"]) for r in store.values(sparql.SOURCE_PAGES)]
    return {source: (title or source, url or "") for source, title, url in rows}


# ---------------------------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------------------------


def query(
    store: Store, name_or_text: str, params: Mapping[str, str] | None = None, *, timeout: float | None = None
) -> list[dict[str, Any]]:
    """The rows of a SELECT query as plain dicts: a library query by name (``reegraph query
    --list``), a ``.rq`` file, or SPARQL text; ``params`` bind the query's parameters. IRIs become
    strings, literals Python values (``int``, ``Decimal``, ``date``, ``bool``, ``str``); a variable
    left unbound is ``None``.

    Raises
    ------
    InputError
        An unknown query or parameter, a value of the wrong type, a query refused (``SERVICE``) or
        that does not parse, or one that is not a SELECT query.
    ExecutionError
        It ran past ``timeout`` seconds, or the engine failed.

    Examples
    --------
    >>> rows = query(load(), "separators-outside-china", {"element": "Tb"})
    >>> "MY" in {r["country"] for r in rows}  # Lynas Malaysia separates terbium
    True
    """
    if not isinstance(name_or_text, str):
        raise InputError(f"a query is a library name, a .rq file or SPARQL text, not {name_or_text!r}")
    chosen = from_text(name_or_text) if "{" in name_or_text else find_query(name_or_text)
    kind, data = store.evaluate(chosen.text, bindings=bind(chosen, params or {}), results="json", timeout=timeout)
    results: dict[str, Any] = json.loads(data) if kind == "results" else {"boolean": None}
    if "boolean" in results:
        raise InputError("reegraph.query answers SELECT queries (ASK, CONSTRUCT: use the store's ask and construct)")
    names = results["head"]["vars"]
    return [{name: _python(row.get(name)) for name in names} for row in results["results"]["bindings"]]


def _python(value: dict[str, str] | None) -> Any:
    """A SPARQL JSON term as a Python value."""
    if value is None:
        return None
    if value["type"] == "uri":
        return value["value"]
    if value["type"] == "bnode":
        return str(BNode(value["value"]))
    datatype = value.get("datatype")
    return Literal(
        value["value"], lang=value.get("xml:lang"), datatype=URIRef(datatype) if datatype else None
    ).toPython()


# ---------------------------------------------------------------------------------------------
# What the graph holds: info and sources
# ---------------------------------------------------------------------------------------------

#: Classes counted by ``reegraph info`` (instances of subclasses included).
COUNTED_CLASSES = (
    "Element",
    "Country",
    "Organization",
    "Facility",
    "Material",
    "Component",
    "EndUse",
    "Quantity",
    "SupplyLink",
    "Policy",
    "ExportControl",
    "Source",
)


@dataclass(frozen=True)
class Info:
    """A summary of a loaded graph."""

    ontology_version: str
    triples: int
    classes: dict[str, int]
    stages: dict[str, int]
    countries: dict[str, int]
    sources: int
    first_year: int | None
    last_year: int | None
    latest_source_date: str | None

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain JSON-ready data."""
        return asdict(self)


def info(store: Store) -> Info:
    """What the graph in ``store`` holds: ontology version, counts per class, stage and country,
    sources, and the years its figures cover.

    Examples
    --------
    >>> info(load()).classes["Element"]
    17
    """
    version = store.select(sparql.ONTOLOGY_VERSION)
    counts = {
        str(row["c"]).rsplit("#", 1)[1]: int(str(row["n"]))
        for row in store.select(sparql.count_instances(COUNTED_CLASSES))
    }
    stages = _count(store, sparql.FACILITIES_BY_STAGE)
    stages = {k: stages[k] for k in sorted(stages, key=lambda k: (*STAGES, k).index(k))}
    years = store.select(sparql.YEARS)
    latest = store.select(sparql.LATEST_SOURCE)
    return Info(
        ontology_version=str(version[0]["v"]) if version else "",
        triples=len(store),
        classes={name: counts.get(name, 0) for name in COUNTED_CLASSES},
        stages=stages,
        countries=_count(store, sparql.FACILITIES_BY_COUNTRY),
        sources=counts.get("Source", 0),
        first_year=_int(years[0].get("lo")) if years else None,
        last_year=_int(years[0].get("hi")) if years else None,
        latest_source_date=str(latest[0]["latest"]) if latest and "latest" in latest[0] else None,
    )


def _count(store: Store, query: str) -> dict[str, int]:
    pairs = sorted(((str(row["k"]), int(str(row["n"]))) for row in store.select(query)), key=lambda kv: (-kv[1], kv[0]))
    return dict(pairs)


def _int(value: Any) -> int | None:
    return int(value) if value is not None else None


@dataclass(frozen=True)
class SourceUse:
    """One ``ree:Source`` and the number of facts (subjects of ``prov:wasDerivedFrom``) it backs."""

    id: str
    title: str
    publisher: str
    issued: str
    url: str
    facts: int
    estimates: int

    def as_dict(self) -> dict[str, Any]:
        """The row as plain JSON-ready data."""
        return asdict(self)


@dataclass(frozen=True)
class EstimateFact:
    """A fact whose confidence is ``ree:Estimate``, with what it is about and how it was estimated."""

    id: str
    about: str
    kind: str
    value: float | None
    basis: str
    year: int | None
    method: str
    sources: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """The row as plain JSON-ready data."""
        return {**asdict(self), "sources": list(self.sources)}


def list_sources(store: Store) -> list[SourceUse]:
    """Every source in ``store`` with the number of facts it backs, most-used first (then by id).

    Examples
    --------
    >>> top = list_sources(load())[0]
    >>> top.id, top.facts > 10
    ('source/usgs-mcs-2026-rare-earths', True)
    """
    rows = [
        SourceUse(
            id=short_id(str(row["s"])),
            title=_text(row, "title"),
            publisher=_text(row, "publisher"),
            issued=_text(row, "issued"),
            url=_text(row, "url"),
            facts=int(str(row["facts"])),
            estimates=int(str(row["estimates"])),
        )
        for row in store.select(sparql.SOURCES)
    ]
    return sorted(rows, key=lambda r: (-r.facts, r.id))


def find_estimates(store: Store) -> list[EstimateFact]:
    """Every fact in ``store`` whose confidence is ``ree:Estimate``, sorted by id.

    Examples
    --------
    >>> all(f.method for f in find_estimates(load()))
    True
    """
    sources: dict[str, list[str]] = defaultdict(list)
    for row in store.select(sparql.ESTIMATE_SOURCES):
        sources[str(row["f"])].append(short_id(str(row["s"])))
    facts = [
        EstimateFact(
            id=short_id(str(row["f"])),
            about=_text(row, "about"),
            kind=_text(row, "kind"),
            value=float(str(row["value"])) if row.get("value") is not None else None,
            basis=_text(row, "basis"),
            year=int(str(row["year"])) if row.get("year") is not None else None,
            method=_text(row, "method"),
            sources=tuple(sorted(sources.get(str(row["f"]), []))),
        )
        for row in store.select(sparql.ESTIMATES)
    ]
    return sorted(facts, key=lambda f: f.id)


@dataclass(frozen=True)
class StaleFacility:
    """A facility due for review: its newest figure is stale, or its last review is more than
    :data:`REVIEW_AGE` years old (or was never recorded)."""

    id: str
    label: str
    stage: str
    country: str
    newest: int | None
    reviewed: str
    why: str

    def as_dict(self) -> dict[str, Any]:
        """The row as plain JSON-ready data (``id`` a full IRI)."""
        return {**asdict(self), "id": iri(self.id)}


#: A facility's review is due this many years after the last one.
REVIEW_AGE = 1


def find_stale(store: Store, *, as_of: date | None = None, max_age: int = MAX_AGE) -> list[StaleFacility]:
    """The facilities whose newest figure is more than ``max_age`` years before the year of
    ``as_of`` (default: today), or whose review (``ree:reviewed``) is more than a year before it
    or missing; sorted by country, stage and id. A facility without any figure is due only for its
    review.

    Examples
    --------
    >>> stale = find_stale(load(), as_of=date(2026, 12, 3))
    >>> next(f for f in stale if f.id == "facility/sareco-stepnogorsk").why.startswith("newest figure")
    True
    """
    as_of = _day(as_of) or date.today()
    oldest = as_of.year - _max_age(max_age)
    due = as_of.replace(year=as_of.year - REVIEW_AGE, day=min(as_of.day, 28))
    found = []
    for row in store.select(sparql.FACILITY_FRESHNESS):
        newest = int(str(row["newest"])) if row.get("newest") is not None else None
        reviewed = _text(row, "reviewed")
        why = []
        if newest is not None and newest < oldest:
            why.append(f"newest figure is from {newest}, before {oldest}")
        if not reviewed:
            why.append("never reviewed")
        elif reviewed[:10] < due.isoformat():
            why.append(f"last reviewed {reviewed[:10]}, more than a year before {as_of.isoformat()}")
        if why:
            found.append(
                StaleFacility(
                    id=short_id(str(row["f"])),
                    label=_text(row, "label"),
                    stage=_text(row, "stage"),
                    country=_text(row, "cc"),
                    newest=newest,
                    reviewed=reviewed[:10],
                    why="; ".join(why),
                )
            )
    return sorted(found, key=lambda f: (f.country, f.stage, f.id))


@dataclass(frozen=True)
class OntologyTerm:
    """A term the ontology declares: its local name, kind (``owl:Class``, ``owl:ObjectProperty``, ...; a
    value of one of its classes, such as a stage, by that class), label, definition, notation, and
    the local names (or full IRIs, outside ``ree:``) of its parents, domains and ranges."""

    name: str
    kind: str
    label: str
    definition: str
    notation: str
    parents: tuple[str, ...]
    domains: tuple[str, ...]
    ranges: tuple[str, ...]


def ontology_terms(store: Store) -> list[OntologyTerm]:
    """The terms of the reegraph ontology in ``store``, by kind then name.

    Examples
    --------
    >>> terms = {t.name: t for t in ontology_terms(load())}
    >>> terms["country"].domains, terms["country"].ranges
    (('Facility',), ('Country',))
    """

    def names(row: Mapping[str, Any], key: str) -> tuple[str, ...]:
        return tuple(sorted(_local(x) for x in _text(row, key).split()))

    found = [
        OntologyTerm(
            name=_local(str(row["t"])),
            kind=_local(str(row["kind"])),
            label=_text(row, "label"),
            definition=_text(row, "definition"),
            notation=_text(row, "notation"),
            parents=names(row, "parents"),
            domains=names(row, "domains"),
            ranges=names(row, "ranges"),
        )
        for row in store.select(sparql.ONTOLOGY_DOCS)
    ]
    return sorted(found, key=lambda t: (t.kind, t.name))


def _local(value: str) -> str:
    """An ontology term's local name (``ree:Mine``: ``Mine``); an outside term as its IRI's last part
    with its prefix where it has a known one (``owl:Class``)."""
    for prefix, namespace in PREFIXES.items():
        if value.startswith(namespace):
            rest = value[len(namespace) :]
            return rest if prefix == "ree" else f"{prefix}:{rest}"
    return value


def _text(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value)


def _course_dict(run: Course, basis: tuple[dict[str, Any], str], start: date, spread: Spread | None) -> dict[str, Any]:
    """One claimant's monthly run as JSON: its inputs and what they rest on, the months (each
    figure at each end: ``low`` the least shortage), the first month short, recovery, t lost and
    units lost, and the Monte Carlo percentiles where drawn."""
    cell, how = basis
    c = run.claimant
    units = cell["units"]

    def in_units(tonnes: float | None, end: str) -> float | None:
        """Tonnes as units at the same end (the demand there is units times the content there)."""
        per = None if c.per_unit is None else c.per_unit.at(end)
        return None if tonnes is None or not per else round(tonnes / per, 1)

    months = []
    for m in (
        range(len(next(v for v in run.months.values() if v is not None) or [])) if any(run.months.values()) else []
    ):
        at = {end: (None if found is None else found[m]) for end, found in run.months.items()}

        def each(name: str, at: dict = at) -> dict[str, float | None]:
            return {end: None if x is None else round(getattr(x, name), 6) for end, x in at.items()}

        short = each("short")
        months.append(
            {
                "month": m, "date": _month_date(start, m), "demand": each("demand"), "supplied": each("supplied"),
                "from_stock": each("from_stock"), "short": short,
                "stock": {**each("stock"), **({"low": None} if math.isinf(c.stock_days.high) else {})},
                "units_short": {end: in_units(v, end) for end, v in short.items()},
            }
        )  # fmt: skip
    lost = {end: run.lost(end) for end in ENDS}
    said = {
        "end_use": iri(c.end_use), "end_use_label": cell["label"], "element": c.element, "region": c.region,
        "demand_t_per_year": range_dict(c.demand), "per_unit_t": range_dict(c.per_unit),
        "per_unit_label": cell["content"]["label"],
        "units_per_year": {"value": units["value"], "year": units["year"], "quantity": iri(units["q"]),
                           "about": units.get("about", ""),
                           "derived_from": [iri(q) for q in units.get("derived", [])]},
        "content_quantity": iri(cell["content"]["q"]),
        "sources": [iri(x) for x in sorted({*units["sources"], *cell["content"]["sources"]})],
        "stock_days": range_dict(c.stock_days), "defence": c.defence, "licensed_fraction": c.licensed_fraction,
        "dependence": {"blocked": range_dict(c.blocked), "licensed": range_dict(c.licensed), "basis": how,
                       "changes": [{"from_month": m, "blocked": range_dict(b), "licensed": range_dict(x)}
                                   for m, b, x in c.changes]},
        "defined": {end: run.months[end] is not None for end in ENDS},
        "first_short": {end: run.first_short(end) for end in ENDS},
        "first_short_date": {
            end: None if (first := run.first_short(end)) is None else _month_date(start, first) for end in ENDS
        },
        "recovers": {end: run.recovers(end) for end in ENDS},
        "recovers_date": {
            end: None if (back := run.recovers(end)) is None else _month_date(start, back) for end in ENDS
        },
        "lost_t": {end: None if v is None else round(v, 6) for end, v in lost.items()},
        "lost_share": {end: _share_of(v, run.months[end]) for end, v in lost.items()},
        "units_lost": {end: in_units(v, end) for end, v in lost.items()},
        "months": months,
    }  # fmt: skip
    if spread is not None:
        said["monte_carlo"] = {
            "draws": spread.draws,
            "first_short": dict(zip(("p10", "p50", "p90"), spread.first_short, strict=True)),
            "lost_t": dict(zip(("p10", "p50", "p90"), spread.lost, strict=True)),
            "held": sorted(c.held),  # ranges that bound the unknown: held at their point, not drawn
        }
    return said


def _share_of(lost: float | None, months: Sequence[Any] | None) -> float | None:
    """Tonnes lost as a share of the tonnes asked over the same months (``None``: not computed)."""
    asked = None if months is None else math.fsum(m.demand for m in months)
    return None if lost is None or not asked else round(min(1.0, lost / asked), 6)


def _month_date(start: date, month: int) -> str:
    """The calendar month (``YYYY-MM``) of month ``month`` of a run from ``start`` (month 0: the
    start's own)."""
    index = start.year * 12 + start.month - 1 + month
    return f"{index // 12:04d}-{index % 12 + 1:02d}"
