"""Scenario files: a small TOML format for what-ifs, read into a :class:`~reegraph.analysis.scenarios.Scenario`
with errors that name the file and line.

The format (documented in the README, section "Scenarios")::

    [scenario]
    title = "China licenses exports of seven medium and heavy rare earths"
    as_of = 2025-06-01            # the date the scenario is run at (--as-of overrides)
    licensed_fraction = 0.0       # for controls that set none (--licensed-fraction overrides this)
    include = ["other-scenario"]  # built-in scenarios merged into this one

    [[export_control]]
    policy = "policy/mofcom-2025-18"   # elements, product forms, destinations, end users from the graph
    # or: exporter = "CN", elements = ["Dy"], product_forms = ["oxide"], destinations = ["US", "EU"],
    #     end_users = "all" | "military", licensed_fraction = 0.3,
    #     extraterritorial = true  (also once processed abroad; a policy with ree:deMinimisShare is)

    [[offline]]                  # facility = "facility/..." | company = "org/..." | country = "MM"
    [[scale]]                    # facility | company | country as for [[offline]], factor = 1.5
    [[online]]                   # facility = "facility/..." (a planned plant), from = 2027-01-01
    [[stockpile]]                # region = "EU", days = 60 (end_use = "electric-cars" to narrow it)
    [[new_facility]]             # id = "x", stage = "separation", country = "US", elements = ["Dy"],
                                 # capacity = 500, basis = "t REO", from = 2027-01-01
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import networkx as nx

from reegraph.analysis.scenarios import REGIONS, ExportControl, Scenario, region_of
from reegraph.errors import InputError, ParseError
from reegraph.rdf.load import graphs_path
from reegraph.rdf.store import Store
from reegraph.rdf.vocab import SPARQL_PREFIXES, short_id

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
_SECTIONS = {
    "scenario": {"title", "description", "as_of", "licensed_fraction", "include"},
    "export_control": {
        "policy",
        "exporter",
        "elements",
        "product_forms",
        "destinations",
        "end_users",
        "licensed_fraction",
        "extraterritorial",
    },
    "offline": {"facility", "company", "country"},
    "scale": {"facility", "company", "country", "factor"},
    "online": {"facility", "from"},
    "stockpile": {"region", "days", "end_use"},
    "new_facility": {"id", "stage", "country", "elements", "capacity", "basis", "from"},
}
#: Bases a hypothetical facility's capacity may be given in.
BASES = ("t REO", "t metal", "t magnet", "t contained element")


@dataclass(frozen=True)
class Stockpile:
    """Days of normal supply held for a region (and, optionally, one end use)."""

    region: str
    days: float
    end_use: str = ""


@dataclass(frozen=True)
class ScenarioSpec:
    """A scenario file read and checked: the engine's :class:`Scenario`, its date, the planned
    plants it brings online, and its stockpiles."""

    name: str
    title: str
    description: str
    path: Path
    as_of: date | None
    scenario: Scenario
    online: Mapping[str, date | None] = field(default_factory=dict)
    stockpiles: tuple[Stockpile, ...] = ()
    new_facilities: tuple[dict, ...] = ()


def scenarios_path() -> Path:
    """The folder of the built-in scenarios (``graphs/scenarios``)."""
    return graphs_path() / "scenarios"


def list_scenarios() -> list[Path]:
    """The built-in scenario files, sorted by name."""
    return sorted(scenarios_path().glob("*.toml"))


def find_scenario(name: str) -> Path:
    """A built-in scenario by name, or a file path.

    Raises
    ------
    InputError
        Neither a built-in name nor an existing ``.toml`` file.
    """
    path = Path(name)
    if path.suffix == ".toml" and path.is_file():
        return path
    builtin = scenarios_path() / f"{name}.toml"
    if builtin.is_file():
        return builtin
    known = ", ".join(p.stem for p in list_scenarios())
    raise InputError(f"unknown scenario {name!r} (built-in: {known}; or give a .toml file)")


def read_scenario(path: Path, store: Store, G: nx.DiGraph, *, licensed_fraction: float | None = None) -> ScenarioSpec:
    """Read and check a scenario file against the graph.

    Raises
    ------
    ParseError
        The file is not TOML, or names something the graph does not know (``file:line: message``).
    """
    data, lines = _parse(path)
    checker = _Checker(path, lines, store, G)
    head = data.get("scenario", {})
    fraction = checker.fraction(head, "scenario", 0, "licensed_fraction", 0.0)
    if licensed_fraction is not None:
        fraction = licensed_fraction
    spec = ScenarioSpec(
        name=path.stem,
        title=str(head.get("title", path.stem)),
        description=str(head.get("description", "")),
        path=path,
        as_of=_date(path, lines, head, "scenario", 0, "as_of"),
        scenario=Scenario(
            name=path.stem,
            controls=tuple(checker.control(t, i, fraction) for i, t in enumerate(data.get("export_control", []))),
            offline=frozenset(
                n for i, t in enumerate(data.get("offline", [])) for n in checker.plants(t, "offline", i)
            ),
            scale={
                n: checker.number(t, "scale", i, "factor")
                for i, t in enumerate(data.get("scale", []))
                for n in sorted(checker.plants(t, "scale", i))
            },
        ),
        online={
            checker.facility(t, "online", i): checker.date(t, "online", i, "from")
            for i, t in enumerate(data.get("online", []))
        },
        stockpiles=tuple(checker.stockpile(t, i) for i, t in enumerate(data.get("stockpile", []))),
        new_facilities=tuple(checker.new_facility(t, i) for i, t in enumerate(data.get("new_facility", []))),
    )
    for index, name in enumerate(head.get("include", [])):
        other = read_scenario(checker.include(name, index), store, G, licensed_fraction=licensed_fraction)
        spec = _merge(spec, other)
    return spec


def scenario_date(path: Path) -> date | None:
    """The date a scenario file runs at: its own ``as_of``, else the first of its includes' (the
    network is built at this date before the file's names are checked against it).

    Raises
    ------
    ParseError
        The file is not TOML, has an unknown section or key, or a bad ``as_of``.
    """
    data, lines = _parse(path)
    head = data.get("scenario", {})
    when = _date(path, lines, head, "scenario", 0, "as_of")
    includes = head.get("include", [])
    for name in includes if when is None and isinstance(includes, list) else []:
        try:
            other = find_scenario(str(name))
        except InputError:
            continue  # read_scenario reports it, at its line
        if (when := scenario_date(other)) is not None:
            break
    return when


def _parse(path: Path) -> tuple[dict, _Locator]:
    """The TOML of a scenario file, with only known sections and keys, and where each key is."""
    text = _read(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+)", str(exc))
        raise ParseError(path, int(match.group(1)) if match else None, str(exc).split(" (at ")[0]) from None
    lines = _Locator(text)
    for section, value in data.items():
        if section not in _SECTIONS:
            raise ParseError(path, lines.table(section), f"unknown section [{section}]")
        for index, table in enumerate(value if isinstance(value, list) else [value]):
            if not isinstance(table, dict):
                raise ParseError(path, lines.table(section), f"[{section}] must be a table")
            for key in table:
                if key not in _SECTIONS[section]:
                    known = ", ".join(sorted(_SECTIONS[section]))
                    raise ParseError(
                        path, lines.key(section, index, key), f"unknown key {key!r} in [{section}] (known: {known})"
                    )
    return data, lines


def _date(path: Path, lines: _Locator, table: dict, section: str, index: int, key: str) -> date | None:
    value = table.get(key)
    if value is None or (isinstance(value, date) and not hasattr(value, "hour")):
        return value
    raise ParseError(path, lines.key(section, index, key), f"{key} must be a date such as 2025-06-01, not {value!r}")


def _merge(spec: ScenarioSpec, other: ScenarioSpec) -> ScenarioSpec:
    scenario = Scenario(
        name=spec.name,
        controls=(*spec.scenario.controls, *other.scenario.controls),
        offline=spec.scenario.offline | other.scenario.offline,
        scale={**other.scenario.scale, **spec.scenario.scale},
    )
    return replace(
        spec,
        as_of=spec.as_of or other.as_of,
        scenario=scenario,
        online={**other.online, **spec.online},
        stockpiles=(*spec.stockpiles, *other.stockpiles),
        new_facilities=(*spec.new_facilities, *other.new_facilities),
    )


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None


class _Locator:
    """Line numbers of tables and keys in a TOML text, for error messages."""

    def __init__(self, text: str) -> None:
        self.tables: dict[tuple[str, int], int] = {}
        self.keys: dict[tuple[str, int, str], int] = {}
        counts: dict[str, int] = {}
        current = ("", 0)
        for number, line in enumerate(text.splitlines(), start=1):
            stripped = line.strip()
            header = re.match(r"^\[\[?\s*([A-Za-z_]+)\s*\]\]?", stripped)
            if header:
                name = header.group(1)
                index = counts.get(name, 0)
                counts[name] = index + 1
                current = (name, index if stripped.startswith("[[") else 0)
                self.tables.setdefault(current, number)
                continue
            key = re.match(r"^([A-Za-z_]+)\s*=", stripped)
            if key:
                self.keys.setdefault((*current, key.group(1)), number)

    def table(self, section: str, index: int = 0) -> int | None:
        return self.tables.get((section, index))

    def key(self, section: str, index: int, key: str) -> int | None:
        return self.keys.get((section, index, key), self.table(section, index))


class _Checker:
    """Checks values against the graph; every failure is a ``ParseError`` at the key's line."""

    def __init__(self, path: Path, lines: _Locator, store: Store, G: nx.DiGraph) -> None:
        self.path, self.lines, self.store, self.G = path, lines, store, G
        self.facilities = {n for n, d in G.nodes(data=True) if d["kind"] == "facility"}
        self.countries = set(G.graph.get("countries", {}))
        self.companies = set(G.graph.get("organizations", {}))
        self.elements = set(G.graph.get("elements", {}))
        self.end_uses = {n.removeprefix("end-use/") for n, d in G.nodes(data=True) if d["kind"] == "end-use"}

    def fail(self, section: str, index: int, key: str, message: str) -> ParseError:
        return ParseError(self.path, self.lines.key(section, index, key), message)

    def text(self, table: dict, section: str, index: int, key: str) -> str:
        value = table.get(key)
        if not isinstance(value, str):
            raise self.fail(section, index, key, f"[{section}] {key} must be a string")
        return value

    def strings(self, table: dict, section: str, index: int, key: str) -> list[str]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(section, index, key, f"[{section}] {key} must be a list of strings")
        return value

    def fraction(self, table: dict, section: str, index: int, key: str, default: float) -> float:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise self.fail(section, index, key, f"{key} must be a number between 0 and 1, not {value!r}")
        return float(value)

    def date(self, table: dict, section: str, index: int, key: str) -> date | None:
        return _date(self.path, self.lines, table, section, index, key)

    def facility(self, table: dict, section: str, index: int) -> str:
        name = _short("facility", self.text(table, section, index, "facility"))
        if name not in self.facilities:
            raise self.fail(section, index, "facility", f"unknown facility {name!r}")
        return name

    def number(self, table: dict, section: str, index: int, key: str) -> float:
        """A finite number >= 0."""
        value = table.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
            raise self.fail(section, index, key, f"{key} must be a number >= 0, not {value!r}")
        return float(value)

    def known(self, section: str, index: int, key: str, values: list[str], allowed: Collection[str], what: str) -> None:
        """Each of ``values`` is in ``allowed``, or the line of ``key`` is named."""
        for value in values:
            if value not in allowed:
                raise self.fail(section, index, key, f"unknown {what} {value!r}")

    def plants(self, table: dict, section: str, index: int) -> set[str]:
        """The facilities a table names: one facility, a company's plants, or a country's."""
        if len([k for k in ("facility", "company", "country") if k in table]) != 1:
            raise ParseError(
                self.path, self.lines.table(section, index), f"[[{section}]] needs one of facility, company, country"
            )
        if "facility" in table:
            return {self.facility(table, section, index)}
        if "country" in table:
            country = self.text(table, section, index, "country")
            self.known(section, index, "country", [country], self.countries, "country")
            return {n for n in self.facilities if self.G.nodes[n]["country"] == country}
        company = _short("org", self.text(table, section, index, "company"))
        if company not in self.companies:
            raise self.fail(section, index, "company", f"unknown company {company!r}")
        return {
            n
            for n in self.facilities
            if company in self.G.nodes[n].get("owners", ()) or company in self.G.nodes[n].get("operators", ())
        }

    def control(self, table: dict, index: int, default: float) -> ExportControl:
        """A control's own licensed fraction wins over the scenario's (and --licensed-fraction)."""
        fraction = self.fraction(table, "export_control", index, "licensed_fraction", default)
        extraterritorial = table.get("extraterritorial", False)
        if not isinstance(extraterritorial, bool):
            raise self.fail(
                "export_control",
                index,
                "extraterritorial",
                f"extraterritorial must be true or false, not {extraterritorial!r}",
            )
        if "policy" in table:
            control = self.policy(
                _short("policy", self.text(table, "export_control", index, "policy")), index, fraction
            )
            return replace(control, extraterritorial=control.extraterritorial or extraterritorial)
        exporter = self.text(table, "export_control", index, "exporter")
        self.known("export_control", index, "exporter", [exporter], self.countries, "country")
        elements = self.strings(table, "export_control", index, "elements")
        self.known("export_control", index, "elements", elements, self.elements, "element")
        forms = self.strings(table, "export_control", index, "product_forms")
        for form in forms:
            if form not in FORM_STAGES:
                known = ", ".join(FORM_STAGES)
                raise self.fail(
                    "export_control", index, "product_forms", f"unknown product form {form!r} (known: {known})"
                )
        destinations = self.strings(table, "export_control", index, "destinations")
        self.known("export_control", index, "destinations", destinations, (*REGIONS, "ROW"), "region")
        users = table.get("end_users", "all")
        if users not in ("all", "military"):
            raise self.fail(
                "export_control", index, "end_users", f"end_users must be 'all' or 'military', not {users!r}"
            )
        return ExportControl(
            exporter=exporter,
            elements=frozenset(elements),
            stages=frozenset(FORM_STAGES[f] for f in forms) or frozenset(FORM_STAGES.values()),
            destinations=frozenset(destinations),
            licensed_fraction=fraction,
            military_only=users == "military",
            extraterritorial=extraterritorial,
        )

    def policy(self, name: str, index: int, fraction: float) -> ExportControl:
        iri = f"https://w3id.org/reegraph/id/{name}"
        rows = self.store.values(
            SPARQL_PREFIXES
            + f"""SELECT ?issuer ?element ?form ?destination ?scope ?share WHERE {{
                <{iri}> a ree:ExportControl ; ree:issuer ?issuer .
                OPTIONAL {{ <{iri}> ree:deMinimisShare ?share }}
                OPTIONAL {{ <{iri}> ree:coversElement/ree:symbol ?element }}
                OPTIONAL {{ <{iri}> ree:coversProductForm/skos:notation ?form }}
                OPTIONAL {{ <{iri}> ree:destination/ree:isoCode ?destination }}
                OPTIONAL {{ <{iri}> ree:endUserScope/skos:notation ?scope }}
            }}"""
        )
        if not rows:
            raise self.fail("export_control", index, "policy", f"unknown export control {name!r}")
        issuers = self.store.values(
            SPARQL_PREFIXES + f"SELECT ?cc WHERE {{ <{iri}> ree:issuer ?i . "
            "{ ?i ree:isoCode ?cc } UNION { ?i ree:headquarters/ree:isoCode ?cc } } ORDER BY ?cc"
        )
        if not issuers:
            raise self.fail("export_control", index, "policy", f"export control {name!r} has no issuing country")
        destinations = {region_of(r["destination"]) for r in rows if r["destination"]}
        return ExportControl(
            exporter=issuers[0]["cc"],
            elements=frozenset(r["element"] for r in rows if r["element"]),
            stages=frozenset(FORM_STAGES[r["form"]] for r in rows if r["form"] in FORM_STAGES),
            destinations=frozenset(destinations),
            licensed_fraction=fraction,
            military_only=any(r["scope"] == "military" for r in rows),
            extraterritorial=any(r["share"] for r in rows),
        )

    def stockpile(self, table: dict, index: int) -> Stockpile:
        region = self.text(table, "stockpile", index, "region")
        self.known("stockpile", index, "region", [region], (*REGIONS, "ROW"), "region")
        days = self.number(table, "stockpile", index, "days")
        end_use = table.get("end_use", "")
        if end_use and end_use.removeprefix("end-use/") not in self.end_uses:
            raise self.fail("stockpile", index, "end_use", f"unknown end use {end_use!r}")
        return Stockpile(region, days, _short("end-use", end_use) if end_use else "")

    def new_facility(self, table: dict, index: int) -> dict:
        section = "new_facility"
        ident = self.text(table, section, index, "id")
        stage = self.text(table, section, index, "stage")
        if stage not in FORM_STAGES.values():
            raise self.fail(section, index, "stage", f"unknown stage {stage!r}")
        country = self.text(table, section, index, "country")
        self.known(section, index, "country", [country], self.countries, "country")
        elements = self.strings(table, section, index, "elements")
        self.known(section, index, "elements", elements, self.elements, "element")
        capacity = self.number(table, section, index, "capacity")
        basis = table.get("basis", "t REO")
        if basis not in BASES:
            raise self.fail(section, index, "basis", f"basis must be one of {', '.join(BASES)}, not {basis!r}")
        return {
            "id": f"new/{ident}",
            "stage": stage,
            "country": country,
            "elements": tuple(sorted(elements)),
            "capacity": capacity,
            "basis": basis,
            "from": self.date(table, section, index, "from"),
        }

    def include(self, name: str, index: int) -> Path:
        try:
            return find_scenario(name)
        except InputError as exc:
            raise self.fail("scenario", 0, "include", str(exc)) from None


def _short(kind: str, name: str) -> str:
    """``facility/x`` for ``x``, ``facility/x`` or the full IRI."""
    name = short_id(name) if name.startswith("http") else name
    return name if name.startswith(f"{kind}/") else f"{kind}/{name}"
