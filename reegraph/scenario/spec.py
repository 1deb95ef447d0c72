"""Scenario files: a small TOML format for what-ifs, read into a :class:`ScenarioSpec`.

Reading needs no store and no graph: it checks the TOML, its sections and keys, the shape of each
table and the date the scenario runs at, and reads the built-in scenarios it includes. What the
values mean (numbers in range, names the graph knows) is checked when the spec is resolved against
the graph (:func:`reegraph.scenario.resolve.resolve`), with the file and line of each value; a spec
built in Python goes through the same checks.

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
    [[stockpile]]                # region = "EU", days = 60, [45, 90] or [45, 60, 90] (end_use = "electric-cars")
    [licensing]                  # how licences come, month by month (defaults: MOFCOM's review limit)
    latency_days = 63            # days from the control to the first approval (45 working days), or a range
    per_month = 1.0              # share of the licensed fraction approved each month after that, or a range
    [[substitution]]             # element = "Dy", end_use = "electric-cars" (optional), share = 0.5,
                                 # months = 24: demand cut by up to share, reached linearly over months
    [[new_facility]]             # id = "x", stage = "separation", country = "US", elements = ["Dy"],
                                 # capacity = 500, basis = "t REO", from = 2027-01-01
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TypeGuard

from reegraph.errors import InputError, ParseError
from reegraph.rdf.load import graphs_path, is_file

#: Where each key of a table was written: key to line, and ``""`` to the table's own line.
Lines = dict[str, int | None]

_SECTIONS = {
    "scenario": {"title", "description", "as_of", "start", "months", "licensed_fraction", "include"},
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
    "licensing": {"latency_days", "per_month"},
    "substitution": {"element", "end_use", "share", "months"},
    "new_facility": {"id", "stage", "country", "elements", "capacity", "basis", "from"},
}


@dataclass(frozen=True)
class ExportControlSpec:
    """An export control: a policy of the graph (``policy/mofcom-2025-18``), or its terms written
    out (``exporter``, ``elements``, ``product_forms``, ``destinations``, ``end_users``: ``all`` or
    ``military``). ``licensed_fraction`` (``None``: the scenario's) is the share of normal exports
    licensed; ``extraterritorial``: also once processed abroad."""

    policy: str | None = None
    exporter: str | None = None
    elements: tuple[str, ...] = ()
    product_forms: tuple[str, ...] = ()
    destinations: tuple[str, ...] = ()
    end_users: str = "all"
    licensed_fraction: float | None = None
    extraterritorial: bool = False
    lines: Lines = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Target:
    """Plants named by one ``facility``, all of a ``company``'s, or all of a ``country``'s; for
    ``[[scale]]``, their capacity times ``factor`` (which a scale must give)."""

    kind: str  # facility, company or country
    name: str
    factor: float | None = None
    lines: Lines = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Online:
    """A planned plant of the graph brought online from a date (``None``: from the start)."""

    facility: str
    start: date | None = None
    lines: Lines = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Stockpile:
    """Days of normal supply held for a region (and, optionally, one end use): a number, a range
    ``[low, high]`` (no point) or ``[low, point, high]``."""

    region: str
    days: float | tuple[float, float, float | None]
    end_use: str = ""
    lines: Lines = field(default_factory=dict, compare=False, repr=False)

    @property
    def span(self) -> tuple[float, float, float | None]:
        """The days as ``(low, high, point)``."""
        return self.days if isinstance(self.days, tuple) else (self.days, self.days, self.days)


@dataclass(frozen=True)
class Licensing:
    """How licences come after a control starts: none for ``latency_days``, then ``per_month`` of
    the licensed fraction approved each month until all of it is (each a number, a range
    ``[low, high]`` with no point, or ``[low, point, high]``). The defaults: MOFCOM's published
    review limit of 45 working days, then all."""

    latency_days: float | tuple[float, float, float | None] = 63.0
    per_month: float | tuple[float, float, float | None] = 1.0
    lines: Lines = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Substitution:
    """Demand for ``element`` (by ``end_use``; empty: every end use) cut by up to ``share``, reached
    linearly over ``months`` from the start (thrift and substitution, such as grain-boundary-diffused
    magnets that need one-half to one-third of the Dy)."""

    element: str
    share: float
    months: float
    end_use: str = ""
    lines: Lines = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class NewFacility:
    """A hypothetical plant: its capacity (in ``basis``) for ``elements`` (empty: every element),
    from a date (``None``: from the start)."""

    id: str
    stage: str
    country: str
    capacity: float
    elements: tuple[str, ...] = ()
    basis: str = "t REO"
    start: date | None = None
    lines: Lines = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class ScenarioSpec:
    """A what-if, as written: in a scenario file, or built in Python.

    Examples
    --------
    China's April 2025 controls, with a new 500 t Dy separator in the US from 2027:

    >>> spec = ScenarioSpec(
    ...     "my-build-out",
    ...     as_of=date(2027, 6, 1),
    ...     includes=(read_spec(find_scenario("china-2025-04")),),
    ...     new_facilities=(NewFacility("us-dy", "separation", "US", 500.0, elements=("Dy",)),),
    ... )
    >>> run_date(spec), [c.policy for c in all_controls(spec)]
    (datetime.date(2027, 6, 1), ['policy/mofcom-2025-18'])
    """

    name: str
    title: str | None = None  # None: the name
    description: str = ""
    as_of: date | None = None
    start: date | None = None  # month 0 of a monthly run (None: the first control's date, else as_of)
    months: int | None = None  # the horizon of a monthly run (None: 24)
    licensed_fraction: float = 0.0
    licensing: Licensing | None = None
    substitutions: tuple[Substitution, ...] = ()
    controls: tuple[ExportControlSpec, ...] = ()
    offline: tuple[Target, ...] = ()
    scale: tuple[Target, ...] = ()
    online: tuple[Online, ...] = ()
    stockpiles: tuple[Stockpile, ...] = ()
    new_facilities: tuple[NewFacility, ...] = ()
    includes: tuple[ScenarioSpec, ...] = ()
    path: Path | None = None
    lines: Lines = field(default_factory=dict, compare=False, repr=False)


def is_day(value: object) -> TypeGuard[date]:
    """Whether ``value`` is a date (a day), not a datetime or anything else.

    Examples
    --------
    >>> from datetime import datetime
    >>> is_day(date(2025, 6, 1)), is_day(datetime(2025, 6, 1)), is_day("2025-06-01")
    (True, False, False)
    """
    return isinstance(value, date) and not isinstance(value, datetime)


def scenarios_path() -> Path:
    """The folder of the built-in scenarios (``graphs/scenarios``)."""
    return graphs_path() / "scenarios"


def list_scenarios() -> list[Path]:
    """The built-in scenario files, sorted by name."""
    return sorted(scenarios_path().glob("*.toml"))


def find_scenario(name: str, *, near: Path | None = None) -> Path:
    """A built-in scenario by name, or a file path (a relative one found next to ``near``, the
    including file's folder, first).

    Raises
    ------
    InputError
        Neither a built-in name nor an existing ``.toml`` file.
    """
    path = Path(name)
    if path.suffix == ".toml":
        for candidate in (near / path, path) if near is not None and not path.is_absolute() else (path,):
            if is_file(candidate):
                return candidate
    builtin = scenarios_path() / f"{name}.toml"
    if "/" not in name and is_file(builtin):
        return builtin
    known = ", ".join(p.stem for p in list_scenarios())
    raise InputError(f"unknown scenario {name!r} (built-in: {known}; or give a .toml file)")


#: The deepest chain of includes, and the most scenario files one read takes in.
MAX_INCLUDE_DEPTH = 16
MAX_INCLUDED = 200


def read_spec(path: Path, *, _reading: tuple[Path, ...] = (), _seen: set[Path] | None = None) -> ScenarioSpec:
    """Read a scenario file, and the scenarios it includes.

    Raises
    ------
    ParseError
        The file is not TOML, has an unknown section or key, a table of the wrong shape, a bad
        ``as_of`` or ``include``, or includes itself (``file:line: message``).
    """
    text = _read(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+)", str(exc))
        raise ParseError(str(path), int(match.group(1)) if match else None, str(exc).split(" (at ")[0]) from None
    where = _Locator(text)
    for section, value in data.items():
        if section not in _SECTIONS:
            raise ParseError(str(path), where.table(section), f"unknown section [{section}]")
        for index, table in enumerate(value if isinstance(value, list) else [value]):
            if not isinstance(table, dict):
                raise ParseError(str(path), where.table(section), f"[{section}] must be a table")
            for key in table:
                if key not in _SECTIONS[section]:
                    known = ", ".join(sorted(_SECTIONS[section]))
                    raise ParseError(
                        str(path),
                        where.key(section, index, key),
                        f"unknown key {key!r} in [{section}] (known: {known})",
                    )

    def tables(section: str) -> list[tuple[dict, Lines]]:
        value = data.get(section, [])
        found = value if isinstance(value, list) else [value]
        return [(t, where.lines(section, i, t)) for i, t in enumerate(found)]

    for single in ("scenario", "licensing"):
        if isinstance(data.get(single), list):
            raise ParseError(str(path), where.table(single), f"[{single}] is one table, not [[{single}]]")
    stocks: set[tuple[str, str]] = set()
    for t, lines in tables("stockpile"):
        key = (str(t.get("region")), str(t.get("end_use", "")))
        if key in stocks:
            raise ParseError(str(path), lines[""], f"a second [[stockpile]] for {key[0]} {key[1]}".rstrip())
        stocks.add(key)
    head, head_lines = tables("scenario")[0] if "scenario" in data else ({}, {"": None})
    as_of = head.get("as_of")
    if as_of is not None and not is_day(as_of):
        raise ParseError(str(path), head_lines.get("as_of"), f"as_of must be a date such as 2025-06-01, not {as_of!r}")
    for key in ("start",):
        if head.get(key) is not None and not is_day(head[key]):
            raise ParseError(
                str(path), head_lines.get(key), f"{key} must be a date such as 2025-04-04, not {head[key]!r}"
            )
    includes = head.get("include", [])
    if not isinstance(includes, list) or not all(isinstance(n, str) for n in includes):
        raise ParseError(str(path), head_lines.get("include"), "include must be a list of scenario names")
    here = (*_reading, path.resolve())
    seen = {path.resolve()} if _seen is None else _seen  # each file is taken in once, however often named
    if len(here) > MAX_INCLUDE_DEPTH:
        raise ParseError(str(path), head_lines.get("include"), f"includes nest more than {MAX_INCLUDE_DEPTH} deep")
    included = []
    for name in includes:
        try:
            other = find_scenario(name, near=path.parent)
        except InputError as exc:
            raise ParseError(str(path), head_lines.get("include"), str(exc)) from None
        if other.resolve() in here:
            raise ParseError(str(path), head_lines.get("include"), f"scenario {name!r} includes itself")
        if other.resolve() in seen:
            continue
        seen.add(other.resolve())
        if len(seen) > MAX_INCLUDED:
            raise ParseError(str(path), head_lines.get("include"), f"includes take in more than {MAX_INCLUDED} files")
        included.append(read_spec(other, _reading=here, _seen=seen))
    return ScenarioSpec(
        name=path.stem,
        title=str(head.get("title", path.stem)),
        description=str(head.get("description", "")),
        as_of=as_of,
        start=head.get("start"),
        months=head.get("months"),
        licensed_fraction=head.get("licensed_fraction", 0.0),
        licensing=next(
            (
                Licensing(t.get("latency_days", 63.0), t.get("per_month", 1.0), lines)
                for t, lines in tables("licensing")
            ),
            None,
        ),
        substitutions=tuple(
            Substitution(t.get("element"), t.get("share"), t.get("months"), t.get("end_use", ""), lines)  # type: ignore[arg-type]
            for t, lines in tables("substitution")
        ),
        controls=tuple(_control(t, lines) for t, lines in tables("export_control")),
        offline=tuple(_target(path, t, lines, "offline") for t, lines in tables("offline")),
        scale=tuple(_target(path, t, lines, "scale") for t, lines in tables("scale")),
        online=tuple(Online(t.get("facility"), t.get("from"), lines) for t, lines in tables("online")),  # type: ignore[arg-type]
        stockpiles=tuple(
            Stockpile(t.get("region"), t.get("days"), t.get("end_use", ""), lines)  # type: ignore[arg-type]
            for t, lines in tables("stockpile")
        ),
        new_facilities=tuple(_new_facility(t, lines) for t, lines in tables("new_facility")),
        includes=tuple(included),
        path=path,
        lines=head_lines,
    )


def run_date(spec: ScenarioSpec) -> date | None:
    """The date a scenario runs at: its own ``as_of``, else the first of its includes' (the network
    is built at this date before the spec's names are checked against it).

    Raises
    ------
    InputError
        An ``as_of`` that is not a date (a spec built in Python; a file's is checked when read).
    """
    if spec.as_of is not None:
        if not is_day(spec.as_of):
            raise InputError(f"scenario {spec.name}: as_of must be a date such as 2025-06-01, not {spec.as_of!r}")
        return spec.as_of
    return next((d for d in map(run_date, spec.includes) if d is not None), None)


def all_controls(spec: ScenarioSpec) -> list[ExportControlSpec]:
    """The export controls of a spec and of the specs it includes, its own first."""
    return [*spec.controls, *(c for other in spec.includes for c in all_controls(other))]


def _control(table: dict, lines: Lines) -> ExportControlSpec:
    return ExportControlSpec(
        policy=table.get("policy"),
        exporter=table.get("exporter"),
        elements=table.get("elements", ()),
        product_forms=table.get("product_forms", ()),
        destinations=table.get("destinations", ()),
        end_users=table.get("end_users", "all"),
        licensed_fraction=table.get("licensed_fraction"),
        extraterritorial=table.get("extraterritorial", False),
        lines=lines,
    )


def _target(path: Path, table: dict, lines: Lines, section: str) -> Target:
    kinds = [k for k in ("facility", "company", "country") if k in table]
    if len(kinds) != 1:
        raise ParseError(str(path), lines[""], f"[[{section}]] needs one of facility, company, country")
    return Target(kinds[0], table[kinds[0]], table.get("factor"), lines)


def _new_facility(table: dict, lines: Lines) -> NewFacility:
    return NewFacility(
        id=table.get("id"),  # type: ignore[arg-type]
        stage=table.get("stage"),  # type: ignore[arg-type]
        country=table.get("country"),  # type: ignore[arg-type]
        capacity=table.get("capacity"),  # type: ignore[arg-type]
        elements=table.get("elements", ()),
        basis=table.get("basis", "t REO"),
        start=table.get("from"),
        lines=lines,
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

    def lines(self, section: str, index: int, table: dict) -> Lines:
        """Where the table and each of its keys were written."""
        return {"": self.table(section, index), **{key: self.key(section, index, key) for key in table}}
