"""A :class:`~reegraph.scenario.spec.ScenarioSpec` resolved against the graph: every value checked,
every name (facility, company, country, element, end use, region, product form, stage, basis)
looked up, every policy read from the graph, and the result turned into the engine's
:class:`~reegraph.analysis.scenarios.Scenario`.

A failure names the file and line of the value (``bad.toml:4: unknown facility 'facility/x'``), or
the scenario's name for a spec built in Python. A policy is looked up with its IRI bound as a
parameter of :data:`reegraph.rdf.sparql.POLICY`, and only once its name has the shape of a data id:
nothing a scenario file says becomes query text.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

import networkx as nx
from rdflib import URIRef

from reegraph.analysis.scenarios import ExportControl, Scenario
from reegraph.errors import InputError, ParseError, ReegraphError
from reegraph.model import (
    CAPACITY_BASES,
    DATA,
    FORM_STAGES,
    MAX_AMOUNT,
    MAX_FACTOR,
    REGION_CODES,
    end_uses,
    facilities,
    region_of,
)
from reegraph.rdf.sparql import POLICY, POLICY_ISSUERS
from reegraph.rdf.store import Store
from reegraph.rdf.vocab import short_id
from reegraph.scenario.spec import (
    ExportControlSpec,
    Licensing,
    Lines,
    NewFacility,
    ScenarioSpec,
    Stockpile,
    Substitution,
    Target,
    is_day,
)

#: The shape of a data id's local part (``mofcom-2025-18``).
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")


@dataclass(frozen=True)
class ResolvedScenario:
    """A spec checked against the graph: the engine's scenario (controls, plants offline, capacity
    scaled), the planned plants it brings online and from when, its stockpiles and its new plants
    (ids ``new/<id>``), its includes merged in."""

    spec: ScenarioSpec
    scenario: Scenario
    online: Mapping[str, date | None] = field(default_factory=dict)
    stockpiles: tuple[Stockpile, ...] = ()
    new_facilities: tuple[NewFacility, ...] = ()
    start: date | None = None
    months: int = 24
    licensing: Licensing | None = None  # latency_days and per_month as (low, high) pairs
    substitutions: tuple[Substitution, ...] = ()


#: The longest monthly run, in months (50 years).
MAX_MONTHS = 600


def resolve(
    spec: ScenarioSpec, store: Store, G: nx.DiGraph, *, licensed_fraction: float | None = None
) -> ResolvedScenario:
    """Check ``spec`` (and what it includes) against the network ``G`` and the graph in ``store``.

    ``licensed_fraction`` overrides the spec's own default (``--licensed-fraction``); a control's
    own fraction wins over both.

    Raises
    ------
    ParseError
        For a spec read from a file: a value that is out of range, of the wrong type, or names
        something the graph does not know (``file:line: message``).
    InputError
        The same, for a spec built in Python (the message names the scenario).
    """
    check = _Checker(spec, store, G)
    fraction = check.fraction(spec.lines, "licensed_fraction", spec.licensed_fraction)
    if licensed_fraction is not None:
        fraction = licensed_fraction
    resolved = ResolvedScenario(
        spec=spec,
        scenario=Scenario(
            name=spec.name,
            controls=tuple(check.control(c, fraction) for c in spec.controls),
            offline=frozenset(n for t in spec.offline for n in check.plants(t, "offline")),
            scale={
                n: check.number(t.lines, "factor", t.factor, most=MAX_FACTOR)
                for t in spec.scale
                for n in sorted(check.plants(t, "scale"))
            },
        ),
        online={
            check.facility(o.lines, o.facility, "online"): check.date(o.lines, "from", o.start) for o in spec.online
        },
        stockpiles=tuple(check.stockpile(s) for s in spec.stockpiles),
        new_facilities=tuple(check.new_facility(p) for p in spec.new_facilities),
        start=check.date(spec.lines, "start", spec.start),
        months=24 if spec.months is None else check.months(spec.lines, spec.months),
        licensing=None if spec.licensing is None else check.licensing(spec.licensing),
        substitutions=tuple(check.substitution(x) for x in spec.substitutions),
    )
    for other in spec.includes:
        resolved = _merge(resolved, resolve(other, store, G, licensed_fraction=licensed_fraction))
    seen: set[str] = set()
    for plant in resolved.new_facilities:
        if plant.id in seen:
            raise check.fail({}, "id", f"two new facilities are called {plant.id.removeprefix('new/')!r}")
        seen.add(plant.id)
    return resolved


def _merge(resolved: ResolvedScenario, other: ResolvedScenario) -> ResolvedScenario:
    """``resolved`` with what ``other`` (an include) adds; where both say something, ``resolved`` wins."""
    scenario = Scenario(
        name=resolved.scenario.name,
        controls=(*resolved.scenario.controls, *other.scenario.controls),
        offline=resolved.scenario.offline | other.scenario.offline,
        scale={**other.scenario.scale, **resolved.scenario.scale},
    )
    return replace(
        resolved,
        scenario=scenario,
        online={**other.online, **resolved.online},
        stockpiles=(*resolved.stockpiles, *other.stockpiles),
        new_facilities=(*resolved.new_facilities, *other.new_facilities),
        start=resolved.start or (None if resolved.spec.as_of else other.start),  # its own date first
        months=resolved.months if resolved.spec.months is not None or other.spec.months is None else other.months,
        licensing=resolved.licensing or other.licensing,
        substitutions=(*resolved.substitutions, *other.substitutions),
    )


class _Checker:
    """Checks a spec's values against the graph; every failure names where the value was written."""

    def __init__(self, spec: ScenarioSpec, store: Store, G: nx.DiGraph) -> None:
        self.spec, self.store, self.G = spec, store, G
        self.facilities = set(facilities(G))
        self.countries = set(G.graph.get("countries", {}))
        self.companies = set(G.graph.get("organizations", {}))
        self.elements = set(G.graph.get("elements", {}))
        self.end_uses = {n.removeprefix("end-use/") for n in end_uses(G)}

    def fail(self, lines: Lines, key: str, message: str) -> ReegraphError:
        if self.spec.path is None:
            return InputError(f"scenario {self.spec.name}: {message}")
        return ParseError(str(self.spec.path), lines.get(key, lines.get("")), message)

    def text(self, lines: Lines, key: str, value: object, section: str) -> str:
        if not isinstance(value, str):
            raise self.fail(lines, key, f"[{section}] {key} must be a string")
        return value

    def strings(self, lines: Lines, key: str, value: object, section: str) -> list[str]:
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise self.fail(lines, key, f"[{section}] {key} must be a list of strings")
        return list(value)

    def fraction(self, lines: Lines, key: str, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise self.fail(lines, key, f"{key} must be a number between 0 and 1, not {value!r}")
        return float(value)

    def number(self, lines: Lines, key: str, value: object, *, most: float = MAX_AMOUNT) -> float:
        """A number from 0 to ``most``."""
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= most:
            raise self.fail(lines, key, f"{key} must be a number from 0 to {most:g}, not {value!r}")
        return float(value)

    def span(self, lines: Lines, key: str, value: object, *, most: float) -> tuple[float, float, float | None]:
        """A number, a range ``[low, high]`` (no point) or ``[low, point, high]``, from 0 to ``most``,
        as ``(low, high, point)``."""
        if isinstance(value, list) and len(value) in (2, 3):
            found = [self.number(lines, key, v, most=most) for v in value]
            if found != sorted(found):
                raise self.fail(lines, key, f"{key} must be [low, high] or [low, point, high] in order, not {value!r}")
            return found[0], found[-1], found[1] if len(found) == 3 else None
        if isinstance(value, list | tuple):
            raise self.fail(lines, key, f"{key} must be a number, [low, high] or [low, point, high], not {value!r}")
        one = self.number(lines, key, value, most=most)
        return one, one, one

    def months(self, lines: Lines, value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_MONTHS:
            raise self.fail(lines, "months", f"months must be a whole number from 1 to {MAX_MONTHS}, not {value!r}")
        return value

    def licensing(self, spec: Licensing) -> Licensing:
        return Licensing(
            self.span(spec.lines, "latency_days", spec.latency_days, most=3650),
            self.span(spec.lines, "per_month", spec.per_month, most=1),
        )

    def substitution(self, spec: Substitution) -> Substitution:
        lines = spec.lines
        element = self.text(lines, "element", spec.element, "substitution")
        self.known(lines, "element", [element], self.elements, "element")
        return Substitution(
            element,
            self.number(lines, "share", spec.share, most=1),
            self.number(lines, "months", spec.months, most=MAX_MONTHS),
            self.end_use(lines, spec.end_use),
        )

    def end_use(self, lines: Lines, end_use: object) -> str:
        """An end use named by a scenario (``""``: every end use), as ``end-use/<id>``."""
        if end_use and (not isinstance(end_use, str) or end_use.removeprefix("end-use/") not in self.end_uses):
            raise self.fail(lines, "end_use", f"unknown end use {end_use!r}")
        return _short("end-use", end_use) if end_use else ""  # type: ignore[arg-type]

    def date(self, lines: Lines, key: str, value: object) -> date | None:
        if value is None or is_day(value):
            return value
        raise self.fail(lines, key, f"{key} must be a date such as 2025-06-01, not {value!r}")

    def known(self, lines: Lines, key: str, values: list[str], allowed: Collection[str], what: str) -> None:
        """Each of ``values`` is in ``allowed``."""
        for value in values:
            if value not in allowed:
                raise self.fail(lines, key, f"unknown {what} {value!r}")

    def facility(self, lines: Lines, value: object, section: str) -> str:
        name = _short("facility", self.text(lines, "facility", value, section))
        if name not in self.facilities:
            raise self.fail(lines, "facility", f"unknown facility {name!r}")
        return name

    def plants(self, target: Target, section: str) -> set[str]:
        """The facilities a target names: one facility, a company's plants, or a country's."""
        if target.kind == "facility":
            return {self.facility(target.lines, target.name, section)}
        if target.kind == "country":
            country = self.text(target.lines, "country", target.name, section)
            self.known(target.lines, "country", [country], self.countries, "country")
            return {n for n in self.facilities if self.G.nodes[n]["country"] == country}
        if target.kind != "company":
            raise self.fail(target.lines, "", f"[[{section}]] needs one of facility, company, country")
        company = _short("org", self.text(target.lines, "company", target.name, section))
        if company not in self.companies:
            raise self.fail(target.lines, "company", f"unknown company {company!r}")
        return {
            n
            for n in self.facilities
            if company in self.G.nodes[n].get("owners", ()) or company in self.G.nodes[n].get("operators", ())
        }

    def control(self, spec: ExportControlSpec, default: float) -> ExportControl:
        """A control's own licensed fraction wins over the scenario's (and --licensed-fraction)."""
        lines, section = spec.lines, "export_control"
        fraction = (
            default
            if spec.licensed_fraction is None
            else self.fraction(lines, "licensed_fraction", spec.licensed_fraction)
        )
        if not isinstance(spec.extraterritorial, bool):
            message = f"extraterritorial must be true or false, not {spec.extraterritorial!r}"
            raise self.fail(lines, "extraterritorial", message)
        if spec.policy is not None:
            written = [k for k in ("exporter", "elements", "product_forms", "destinations") if getattr(spec, k)]
            if written or spec.end_users != "all":
                terms = ", ".join([*written, *(["end_users"] if spec.end_users != "all" else [])])
                raise self.fail(lines, "policy", f"a control names a policy or writes its terms, not both ({terms})")
            control = self.policy(_short("policy", self.text(lines, "policy", spec.policy, section)), lines, fraction)
            return replace(control, extraterritorial=control.extraterritorial or spec.extraterritorial)
        exporter = self.text(lines, "exporter", spec.exporter, section)
        self.known(lines, "exporter", [exporter], self.countries, "country")
        elements = self.strings(lines, "elements", spec.elements, section)
        self.known(lines, "elements", elements, self.elements, "element")
        forms = self.strings(lines, "product_forms", spec.product_forms, section)
        for form in forms:
            if form not in FORM_STAGES:
                known = ", ".join(FORM_STAGES)
                raise self.fail(lines, "product_forms", f"unknown product form {form!r} (known: {known})")
        destinations = self.strings(lines, "destinations", spec.destinations, section)
        self.known(lines, "destinations", destinations, REGION_CODES, "region")
        if spec.end_users not in ("all", "military"):
            raise self.fail(lines, "end_users", f"end_users must be 'all' or 'military', not {spec.end_users!r}")
        return ExportControl(
            exporter=exporter,
            elements=frozenset(elements),
            stages=frozenset(FORM_STAGES[f] for f in forms) or frozenset(FORM_STAGES.values()),
            destinations=frozenset(destinations),
            licensed_fraction=fraction,
            military_only=spec.end_users == "military",
            extraterritorial=spec.extraterritorial,
        )

    def policy(self, name: str, lines: Lines, fraction: float) -> ExportControl:
        """An export control of the graph, its IRI bound as a parameter of the lookup."""
        slug = name.removeprefix("policy/")
        rows = []
        if _SLUG.fullmatch(slug):
            binding = {"policy": URIRef(f"{DATA}policy/{slug}")}
            rows = self.store.values(POLICY, bindings=binding)
        if not rows:
            raise self.fail(lines, "policy", f"unknown export control {name!r}")
        issuers = self.store.values(POLICY_ISSUERS, bindings=binding)
        if not issuers:
            raise self.fail(lines, "policy", f"export control {name!r} has no issuing country")
        destinations = {region_of(r["destination"]) for r in rows if r["destination"]}
        return ExportControl(
            exporter=str(issuers[0]["cc"]),
            elements=frozenset(r["element"] for r in rows if r["element"]),
            stages=frozenset(FORM_STAGES[r["form"]] for r in rows if r["form"] in FORM_STAGES),
            destinations=frozenset(destinations),
            licensed_fraction=fraction,
            military_only=any(r["scope"] == "military" for r in rows),
            extraterritorial=any(r["share"] for r in rows),
        )

    def stockpile(self, spec: Stockpile) -> Stockpile:
        lines = spec.lines
        region = self.text(lines, "region", spec.region, "stockpile")
        self.known(lines, "region", [region], REGION_CODES, "region")
        days = self.span(lines, "days", spec.days, most=36_500)
        return Stockpile(region, days, self.end_use(lines, spec.end_use))

    def new_facility(self, spec: NewFacility) -> NewFacility:
        lines, section = spec.lines, "new_facility"
        ident = self.text(lines, "id", spec.id, section)
        if not _SLUG.fullmatch(ident):
            raise self.fail(lines, "id", f"id must be letters, digits, '.', '_', '~' or '-', not {ident!r}")
        stage = self.text(lines, "stage", spec.stage, section)
        if stage not in FORM_STAGES.values():
            raise self.fail(lines, "stage", f"unknown stage {stage!r}")
        country = self.text(lines, "country", spec.country, section)
        self.known(lines, "country", [country], self.countries, "country")
        elements = self.strings(lines, "elements", spec.elements, section)
        self.known(lines, "elements", elements, self.elements, "element")
        capacity = self.number(lines, "capacity", spec.capacity)
        if spec.basis not in CAPACITY_BASES:
            message = f"basis must be one of {', '.join(CAPACITY_BASES)}, not {spec.basis!r}"
            raise self.fail(lines, "basis", message)
        start = self.date(lines, "from", spec.start)
        return NewFacility(f"new/{ident}", stage, country, capacity, tuple(sorted(elements)), spec.basis, start, lines)


def _short(kind: str, name: str) -> str:
    """``facility/x`` for ``x``, ``facility/x`` or the full IRI."""
    name = short_id(name) if name.startswith("http") else name
    return name if name.startswith(f"{kind}/") else f"{kind}/{name}"
