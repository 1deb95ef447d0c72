"""The graph as a ``networkx.DiGraph``: facilities, country markets and end uses, with the known
supply links and the potential flows that ``graphs/README.md`` infers where no contract is known.

Built from a handful of SPARQL queries (:data:`reegraph.rdf.sparql.NETWORK`); the nodes, edges
and their attributes are those :mod:`reegraph.model` writes down.
"""

from __future__ import annotations

import calendar
import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from operator import itemgetter
from typing import Any

import networkx as nx

from reegraph._gc import gc_paused
from reegraph.errors import InputError
from reegraph.model import (
    FACILITY,
    MARKET,
    MAX_AMOUNT,
    OUTSIDE_REO,
    STAGES,
    Amount,
    Ore,
    OreShare,
    end_use_node,
    facility_node,
    share_bounds,
)
from reegraph.network.ops import add_markets, expand_elements, upstream_stages
from reegraph.rdf.sparql import NETWORK
from reegraph.rdf.store import Store, Values
from reegraph.rdf.vocab import short_id

#: The facilities query's columns that a facility may lack.
_OPTIONAL_FIELDS = ("label", "start", "end", "aggregate", "lat", "long")


class _Answers(dict):
    """The rows of each query by name, taken from the running queries when first asked for."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self._pending = zip(NETWORK, store.values_many(list(NETWORK.values())), strict=True)

    def __missing__(self, name: str) -> list[Values]:
        for done, rows in self._pending:
            self[done] = rows
            if done == name:
                return rows
        raise KeyError(name)


@gc_paused()
def build_network(
    store: Store,
    *,
    as_of: date,
    elements: Iterable[str] | None = None,
    include_planned: bool = False,
) -> nx.DiGraph:
    """Project the graph in ``store`` onto a ``networkx.DiGraph`` as of a date.

    Parameters
    ----------
    store
        The loaded graph.
    as_of
        Facilities that started after this date or ended before it are left out, as are links not
        in force on it.
    elements
        Keep only facilities and end uses that handle at least one of these symbols (default: all).
    include_planned
        Also keep facilities under construction or planned (by default only operating ones).

    Examples
    --------
    >>> from datetime import date
    >>> from reegraph.rdf.load import load_store
    >>> G = build_network(load_store(), as_of=date(2026, 11, 28))
    >>> G.nodes["facility/lynas-malaysia"]["country"], G.nodes["facility/lynas-malaysia"]["stage"]
    ('MY', 'separation')
    """
    answers = _Answers(store)
    G: nx.DiGraph = nx.DiGraph(as_of=as_of.isoformat())
    G.graph["elements"], G.graph["groups"] = _elements(answers["elements"])
    wanted = expand_elements(G.graph["elements"], G.graph["groups"], elements) if elements else frozenset()
    organizations = _organizations(answers["organizations"])
    G.graph["organizations"] = {short_id(o): d["label"] for o, d in sorted(organizations.items())}
    G.graph["aggregate_organizations"] = sorted(short_id(o) for o, d in organizations.items() if d["aggregate"])
    names: dict[str, list[str]] = defaultdict(list)
    for row in answers["countries"]:
        names[row["cc"]].append(row["l"])
    G.graph["countries"] = {cc: min(labels) for cc, labels in sorted(names.items())}  # min: same on any engine
    operators: dict[str, list[str]] = defaultdict(list)
    for row in answers["operators"]:
        operators[str(row["f"])].append(str(row["o"]))
    names_rows = answers["names"]
    codes = {row["x"]: row["name"] for row in sorted(names_rows, key=lambda r: (r["x"], r["name"]))}
    isos = {row["x"]: row["iso"] for row in names_rows if row["iso"] is not None}
    amounts = _amounts(answers["amounts"], codes, isos)
    # a plant whose products name no element carries what rare-earth oxide carries
    every = frozenset(G.graph["elements"]) - OUTSIDE_REO
    handles = _handles(answers["handles"], set(every))
    ores = _ores([*answers["ores"], *answers["own_ores"]], codes)
    statuses = {"operating"} | ({"construction", "planned"} if include_planned else set())
    every_sorted = tuple(sorted(every))
    owned: dict[tuple[tuple[str, ...], str], dict] = {}  # facilities share few operator lists: one lookup each

    if not answers["facilities"]:
        raise InputError("the graph holds no facilities, so nothing to analyse (an endpoint needs reegraph push first)")
    for row in _merged(answers["facilities"], codes):
        iri, stage, status, country = row["f"], row["stage"], row["status"], row["cc"]
        if status not in statuses or stage not in STAGES:
            continue
        if status == "operating" and (row["start"] or row["end"]) and not _in_force(row["start"], row["end"], as_of):
            continue
        handled = handles.get(iri, every)
        if wanted and not handled & wanted:
            continue
        ops = tuple(sorted(operators.get(iri, ())))
        ownership = owned.get((ops, country))
        if ownership is None:
            owners = tuple(sorted({_ultimate(o, organizations) for o in ops}))
            ownership = owned[(ops, country)] = {
                "operators": tuple(short_id(o) for o in ops),
                "owners": tuple(short_id(o) for o in owners),
                "owner_country": _owner_country(owners, organizations, country),
            }
        node = short_id(iri)
        G.add_node(
            node,
            **facility_node(
                stage,
                country,
                label=row["label"] or node,
                status=status,
                aggregate=row["aggregate"] == "true",
                **ownership,
                handles=every_sorted if handled is every else tuple(sorted(handled)),
                lat=_coordinate(row, iri, "lat", 90),
                long=_coordinate(row, iri, "long", 180),
                amounts=tuple(amounts.get(iri, ())),
                ores=ores.get(iri, ()),
            ),
        )
    add_markets(G, amounts)
    _add_links(G, answers["links"], as_of, operators, codes)
    _add_end_uses(G, answers["end_uses"], answers["feeding"], wanted)
    # The data's vintage: the year of its latest source. Staleness counts back from it where the date
    # lies beyond the data (a scenario set in 2028 reads the figures of today).
    latest = next((str(row["latest"]) for row in answers["vintage"] if row.get("latest")), "")
    G.graph["vintage"] = int(latest[:4]) if latest[:4].isdigit() else as_of.year
    return G


def _coordinate(row: dict[str, Any], node: str, axis: str, limit: float) -> float | None:
    """A facility's wgs:lat or wgs:long in degrees; ``None`` when it has neither.

    Raises
    ------
    InputError
        It has one and not the other, or one is not a number within +-``limit``.
    """
    text, other = row[axis], row["long" if axis == "lat" else "lat"]
    if text is None and other is None:
        return None
    if text is None:
        raise InputError(f"{short_id(node)}: has a position without wgs:{axis}")
    try:
        degrees = float(text)
    except ValueError:
        degrees = math.nan
    if not -limit <= degrees <= limit:
        raise InputError(f"{short_id(node)}: wgs:{axis} {text!r} is not a number of degrees within ±{limit}")
    return degrees


def _merged(rows: list[Values], codes: dict[str, str]) -> list[dict[str, Any]]:
    """One row per facility, with its codes named: a value stated twice (two labels, two countries)
    keeps its smallest, as MIN would, so any engine and any file order give the same network."""
    merged: dict[str | None, dict[str, Any]] = {}
    for row in rows:
        row["stage"], row["cc"], row["status"] = (codes.get(row[k] or "") for k in ("class", "country", "state"))
        if row["stage"] is None or row["cc"] is None or row["status"] is None:
            continue  # a class without a stage (schema:Place), or a country or status without a code
        kept = merged.get(row["f"])
        if kept is None:
            merged[row["f"]] = row
            continue
        for name in ("stage", "cc", "status", *_OPTIONAL_FIELDS):
            value = row[name]
            if value is not None and (kept[name] is None or value < kept[name]):
                kept[name] = value
    return list(merged.values())


def _elements(rows: list[dict]) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    names: dict[str, str] = {}
    groups: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        names[str(row["symbol"])] = str(row.get("name") or row["symbol"])
        if row.get("group") is not None:
            groups[str(row["group"])].add(str(row["symbol"]))
    return dict(sorted(names.items())), {g: tuple(sorted(m)) for g, m in sorted(groups.items())}


def _organizations(rows: list[Values]) -> dict[str, dict[str, Any]]:
    return {
        str(row["o"]): {
            "label": str(row.get("label") or ""),
            "country": str(row.get("country") or ""),
            "parent": str(row.get("parent") or ""),
            "aggregate": str(row.get("aggregate")) == "true",
        }
        for row in rows
    }


def _ultimate(org: str, organizations: dict[str, dict[str, Any]]) -> str:
    seen = {org}
    while (parent := organizations.get(org, {}).get("parent")) and parent not in seen:
        seen.add(parent)
        org = parent
    return org


def _owner_country(owners: tuple[str, ...], organizations: dict[str, dict[str, Any]], location: str) -> str:
    if len(owners) == 1:
        return organizations.get(owners[0], {}).get("country") or location
    countries = {organizations.get(o, {}).get("country", "") for o in owners} - {""}
    return countries.pop() if len(countries) == 1 else location


def _amounts(rows: list[dict], codes: dict[str, str], isos: dict[str, str]) -> dict[str, list[Amount]]:
    """Every figure, keyed by its holder (``country/CC|stage`` for a country's figure for a stage).

    Raises
    ------
    InputError
        A value that is not a finite number >= 0, or a year that is not an integer.
    """
    name = codes.get
    parts: dict[tuple[str, str], list] = {}
    for row in rows:
        kind, basis = name(row["kind"]), name(row["basis"])
        if kind is None or basis is None:
            continue
        holder, q = row["holder"], row["q"]
        iso = isos.get(holder)
        key = (f"country/{iso}" if iso else holder, q)
        value, year = _number(row["value"], q, "ree:value"), _year(row["year"], q)
        if kind in ("production", "capacity") and (unit := row.get("unit")) is not None and str(unit) != TONNE:
            raise InputError(f"{short_id(q)}: ree:unit {short_id(str(unit))!r}: figures are read in tonnes ({TONNE})")
        entry = parts.get(key)
        if entry is None:
            confidence, stage = row["confidence"], row["stage"]
            entry = parts[key] = [
                kind,
                value,
                basis,
                year,
                name(confidence, "") if confidence else "",
                name(stage, "") if stage else "",
                set(),
                set(),
            ]
        else:  # a value or year stated twice: keep the smallest, whatever the file order
            entry[1], entry[3] = min(entry[1], value), min(entry[3], year)
        if (element := row["element"]) is not None and (symbol := name(element)):
            entry[6].add(symbol)
        if (source := row["source"]) is not None:
            entry[7].add(short_id(source))
    result: dict[str, list[Amount]] = defaultdict(list)
    for (holder, q), (kind, value, basis, year, confidence, stage, elements, sources) in parts.items():
        amount = Amount(short_id(q), kind, value, basis, year, _sorted(elements), confidence, _sorted(sources))
        result[f"{holder}|{stage}" if stage else holder].append(amount)
    for figures in result.values():
        if len(figures) > 1:
            figures.sort(key=lambda a: a.id)  # the same order whatever order the engine answers in
    return result


def _ores(rows: list[dict], codes: dict[str, str]) -> dict[str, tuple[Ore, ...]]:
    """Each facility's ores with their compositions: its own where it has some, else those of its
    ore types (several: a mixed feed).

    Raises
    ------
    InputError
        A fraction outside [0, 1] or not a number, a range whose ends are the wrong way round, an
        ore whose shares' lower ends add up to more than the whole, or one with two statements that
        name the same element.
    """
    statements: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)  # by ore, by composition
    fed: dict[str, set[str]] = defaultdict(set)  # each facility's ores
    for row in rows:
        ore, facility = str(row["ore"]), str(row["f"])
        fed[facility].add(ore)
        share = statements[ore].setdefault(str(row["c"]), {"elements": set(), "sources": set(), "row": row})
        for key in ("fraction", "min", "max", "year", "confidence"):
            if row[key] != share["row"][key]:  # the rows of one composition differ only in element and source
                prop = {"fraction": "massFraction", "min": "minFraction", "max": "maxFraction"}.get(key, key)
                raise InputError(f"{short_id(str(row['c']))}: more than one ree:{prop}; give one")
        if row["element"] is not None:
            share["elements"].add(str(row["element"]))
        if row["source"] is not None:
            share["sources"].add(short_id(str(row["source"])))
    ores: dict[str, Ore] = {}
    for ore, shares in statements.items():  # each ore read once, however many plants it feeds
        found_ore = ores[ore] = Ore(
            short_id(ore), tuple(sorted((_share(c, d, codes) for c, d in shares.items()), key=lambda x: x.id))
        )
        seen: dict[str, str] = {}
        for x in found_ore.shares:  # the rule reads statements that never overlap
            for symbol in x.elements:
                if symbol in seen:
                    raise InputError(f"{found_ore.id}: {seen[symbol]} and {x.id} both name {symbol}")
                seen[symbol] = x.id
        lows = math.fsum(x.low for x in found_ore.shares)
        if lows > 1 + 1e-9:
            raise InputError(f"{found_ore.id}: its shares' lower ends add up to {lows:.1%}, more than the whole")
    found: dict[str, tuple[Ore, ...]] = {}
    for facility, names in fed.items():  # its own composition where it has one, else its ore types'
        chosen = [facility] if facility in names else sorted(names)
        found[facility] = tuple(ores[ore] for ore in chosen)
    return found


def _share(composition: str, data: dict[str, Any], codes: dict[str, str]) -> OreShare:
    row, name = data["row"], short_id(composition)
    point = None if row["fraction"] is None else _fraction(row["fraction"], name, "ree:massFraction")
    low, high = share_bounds(
        point,
        None if row["min"] is None else _fraction(row["min"], name, "ree:minFraction"),
        None if row["max"] is None else _fraction(row["max"], name, "ree:maxFraction"),
    )
    if not low <= high or (point is not None and not low <= point <= high):
        raise InputError(f"{name}: its fractions must satisfy ree:minFraction <= ree:massFraction <= ree:maxFraction")
    if not data["elements"]:
        raise InputError(f"{name}: a composition names no ree:element")
    if row["year"] is None:
        raise InputError(f"{name}: an ore's composition needs ree:year, the year of its data")
    confidence = row["confidence"]
    return OreShare(
        name,
        _sorted(data["elements"]),
        low,
        high,
        point,
        _year(row["year"], composition),
        codes.get(confidence, "") if confidence else "",
        _sorted(data["sources"]),
    )


def _fraction(text: str, node: str, prop: str) -> float:
    value = _number(text, node, prop)
    if value > 1:
        raise InputError(f"{node}: {prop} {value:g} must be a fraction between 0 and 1")
    return value


#: The unit of every figure the analytics read.
TONNE = "http://qudt.org/vocab/unit/TONNE"


def _number(text: str, node: str, prop: str) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):  # None: an empty literal
        raise InputError(f"{short_id(node)}: {prop} {text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise InputError(f"{short_id(node)}: {prop} {text[:40]!r} must be a finite number >= 0")
    if value > MAX_AMOUNT:
        raise InputError(
            f"{short_id(node)}: {prop} {value:.3g} is more than {MAX_AMOUNT:.0e} t, the size of no real figure"
        )
    return value


def _year(text: str, node: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise InputError(f"{short_id(node)}: ree:year {text!r} is not an integer") from None


def _sorted(values: set[str]) -> tuple[str, ...]:
    return tuple(values) if len(values) < 2 else tuple(sorted(values))


def _handles(rows: list[dict], every: set[str]) -> dict[str, frozenset[str]]:
    handled: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        # a product that names no element (a concentrate, a mixed carbonate) carries all of them
        handled[str(row["f"])] |= {str(row["element"])} if row.get("element") is not None else every
    return {f: frozenset(e) for f, e in handled.items()}


def _in_force(start: str | None, end: str | None, as_of: date) -> bool:
    return (start is None or _bound(str(start), first=True) <= as_of) and (
        end is None or as_of <= _bound(str(end), first=False)
    )


def _bound(value: str, *, first: bool) -> date:
    """The first or last day that an ``xsd:date``, ``xsd:gYearMonth`` or ``xsd:gYear`` covers.

    Raises
    ------
    InputError
        A value that is none of these.
    """
    try:
        parts = [int(p) for p in value[:10].split("-")]
        year, month, day = [*parts, 0, 0][:3]
        if first:
            return date(year, month or 1, day or 1)
        month = month or 12
        return date(year, month, day or calendar.monthrange(year, month)[1])
    except (ValueError, IndexError, calendar.IllegalMonthError):
        raise InputError(f"date {value!r} is not an xsd:date, xsd:gYearMonth or xsd:gYear") from None


def _add_links(
    G: nx.DiGraph, rows: list[dict], as_of: date, operators: dict[str, list[str]], codes: dict[str, str]
) -> None:
    """Known links between facilities in the network; a link to an organization reaches its
    facilities at the stage after the supplier's."""
    stage_of = {n: d["stage"] for n, d in G.nodes(data=True) if d["kind"] == FACILITY}
    operated: dict[str, list[str]] = defaultdict(list)
    for facility, ops in operators.items():
        for op in ops:
            operated[op].append(short_id(facility))
    present = dict.fromkeys(stage_of.values(), ())
    upstream = {stage: set(upstream_stages(stage, present)) for stage in present}
    edges: dict[tuple[str, str], dict] = {}
    drawn, skipped = set(), set()
    for row in sorted(rows, key=itemgetter("l", "customer", "status")):
        if (row["start"] or row["end"]) and not _in_force(row["start"], row["end"], as_of):
            continue
        supplier = short_id(row["supplier"])
        supplier_stage = stage_of.get(supplier)
        if supplier_stage is None:
            continue
        customer, link = short_id(row["customer"]), short_id(row["l"])
        for node in (customer,) if customer in stage_of else operated.get(row["customer"], ()):
            if node not in stage_of:
                continue
            if supplier_stage in upstream[stage_of[node]]:
                # two links between one pair of plants make one edge: the first link by id names it
                if (supplier, node) not in edges:
                    edges[(supplier, node)] = {"link": codes.get(row["status"], "reported"), "id": link}
                drawn.add(link)
            else:  # a link that skips a stage would bypass that stage's cut; it is listed, not drawn
                skipped.add(link)
    G.add_edges_from((u, v, d) for (u, v), d in edges.items())
    G.graph["skipped_links"] = sorted(skipped - drawn)


def _add_end_uses(G: nx.DiGraph, uses: list[dict], feeders: list[dict], wanted: frozenset[str]) -> None:
    needs: dict[str, dict] = {}
    for row in uses:
        entry = needs.setdefault(
            str(row["u"]),
            {
                "label": str(row.get("label") or ""),
                "sector": str(row.get("sector") or ""),
                "all": set(),
                "critical": set(),
            },
        )
        if row.get("element") is not None:
            entry["all"].add(str(row["element"]))
            if str(row["critical"]) == "true":
                entry["critical"].add(str(row["element"]))
    # an end use is fed, for each element, from the stage that makes the materials its components
    # use that contain the element (a material naming no element contains all); else from separation
    feeding: dict[str, dict[str, str]] = defaultdict(dict)
    for row in feeders:  # plants in this network only
        plant = short_id(row["f"])
        stage = G.nodes[plant]["stage"] if plant in G else None
        if stage not in STAGES:
            continue
        stages = feeding[row["u"]]
        for key in ("ALL", row["element"] or "*"):
            if STAGES.index(stage) > STAGES.index(stages.get(key, "mining")):
                stages[key] = stage
    markets: dict[str, list[str]] = defaultdict(list)
    for n, d in sorted(G.nodes(data=True)):
        if d["kind"] == MARKET:
            markets[d["stage"]].append(n)
    for iri, entry in sorted(needs.items()):
        if wanted and not entry["all"] & wanted:
            continue
        stages = feeding.get(iri, {})
        per_element = {
            e: max((stages.get(e, "mining"), stages.get("*", "mining")), key=STAGES.index) for e in sorted(entry["all"])
        }
        per_element = {e: s if s != "mining" else "separation" for e, s in per_element.items()}
        node = short_id(iri)
        G.add_node(
            node,
            **end_use_node(
                stages.get("ALL", "separation"),
                label=entry["label"],
                sector=entry["sector"],
                elements=sorted(entry["all"]),
                critical=sorted(entry["critical"]),
                feeding_stages=per_element,
            ),
        )
        for stage in sorted({stages.get("ALL", "separation"), *per_element.values()}):
            G.add_edges_from(((market, node) for market in markets.get(stage, ())), link="inferred")
