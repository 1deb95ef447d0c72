"""The named query library: ``reegraph/queries/*.rq``, each with a header.

A library query opens with a header of ``#`` lines::

    # title: Who separates an element outside China
    # description: Separation plants outside China that make ... (one line)
    # param: element: string = Dy — element symbol
    # param: country: string, optional — ISO 3166-1 alpha-2 code

A parameter is a variable of the query's outermost group. Its value is bound to that variable by a
``VALUES`` block of escaped terms (:func:`reegraph.rdf.sparql.with_values`), never pasted into the
query text; an optional parameter left out stays unbound and matches anything. Types: ``string``, ``iri`` (a full
IRI or a short data id such as ``org/lynas``), ``date`` (``today`` allowed), ``integer``,
``decimal``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from reegraph.errors import InputError
from reegraph.rdf.load import is_file
from reegraph.rdf.sparql import is_iri
from reegraph.rdf.vocab import DATA

#: Folder of the named queries.
QUERIES = Path(__file__).resolve().parent / "queries"
#: Parameter types.
TYPES = ("string", "iri", "date", "integer", "decimal")
#: The lexical forms of the number parameters (xsd:integer and xsd:decimal have no exponent).
_INTEGER = re.compile(r"[+-]?[0-9]{1,30}")
_DECIMAL = re.compile(r"[+-]?([0-9]{1,30}(\.[0-9]{0,30})?|\.[0-9]{1,30})")

_PARAM = re.compile(r"^# param: (\w+): (\w+)(?:, (optional)| = (\S+))? — (.+)$")


@dataclass(frozen=True)
class Param:
    """A query parameter: the variable it binds, its type, its default (``None``: required unless
    optional) and what it means."""

    name: str
    type: str
    default: str | None
    optional: bool
    description: str


@dataclass(frozen=True)
class Query:
    """A SPARQL query with its header."""

    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    text: str


def library() -> dict[str, Query]:
    """The named queries, by name (the file's stem), sorted."""
    return {path.stem: read_query(path) for path in sorted(QUERIES.glob("*.rq"), key=lambda p: p.stem)}


def describe(query: Query) -> dict[str, Any]:
    """A query with its header and text, as JSON-ready data."""
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "params": [
            {k: getattr(p, k) for k in ("name", "type", "default", "optional", "description")} for p in query.params
        ],
        "text": query.text,
    }


def from_text(text: str, *, name: str = "-e") -> Query:
    """A query given as text (``reegraph query -e``): no header is read, so it has no parameters."""
    return Query(name, name, "", (), text)


def find_query(name: str) -> Query:
    """A library query by name, or a ``.rq`` file.

    Raises
    ------
    InputError
        Neither a library name nor a readable ``.rq`` file.
    """
    path = Path(name)
    if path.suffix == ".rq" and is_file(path):
        return read_query(path)
    queries = library()
    if name in queries:
        return queries[name]
    raise InputError(f"unknown query {name!r} (see reegraph query --list, or give a .rq file)")


def read_query(path: Path) -> Query:
    """Read a ``.rq`` file and its header (a file without a header has no parameters).

    Raises
    ------
    InputError
        The file cannot be read, or a ``# param:`` line is malformed (named with its line).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    fields: dict[str, str] = {}
    params = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            break
        if line.startswith("# param:"):
            match = _PARAM.match(line)
            if not match or match.group(2) not in TYPES:
                raise InputError(
                    f"{path}:{number}: expected '# param: NAME: TYPE[, optional| = DEFAULT] — meaning' "
                    f"with TYPE one of {', '.join(TYPES)}"
                )
            name, kind, optional, default, description = match.groups()
            params.append(Param(name, kind, default, optional is not None, description))
        elif ":" in line:
            key, _, value = line[1:].partition(":")
            fields[key.strip()] = value.strip()
    return Query(path.stem, fields.get("title", path.stem), fields.get("description", ""), tuple(params), text)


def bind(query: Query, values: Mapping[str, str]) -> dict[str, Node]:
    """Typed terms for the query's parameters from ``name=value`` strings, with the defaults.

    Raises
    ------
    InputError
        An unknown parameter, a missing required one, or a value that is not of its type.

    Examples
    --------
    >>> q = Query("x", "x", "", (Param("element", "string", "Dy", False, "symbol"),), "")
    >>> bind(q, {})
    {'element': rdflib.term.Literal('Dy')}
    """
    known = {p.name: p for p in query.params}
    for name in values:
        if name not in known:
            choices = ", ".join(known) or "none"
            raise InputError(f"--param: query {query.name!r} has no parameter {name!r} (parameters: {choices})")
    bound: dict[str, Node] = {}
    for param in query.params:
        value = values.get(param.name, param.default)
        if value is None:
            if param.optional:
                continue
            raise InputError(f"--param: query {query.name!r} needs {param.name}=<{param.type}> ({param.description})")
        bound[param.name] = _term(param, value)
    return bound


def _term(param: Param, value: str) -> Node:
    wrong = InputError(f"--param {param.name}: {value!r} is not a valid {param.type}")
    if param.type == "string":
        return Literal(value)
    if param.type == "iri":
        iri = value if re.match(r"^[a-z][a-z0-9+.-]*:", value) else f"{DATA}{value}"
        if not is_iri(iri):
            raise wrong
        return URIRef(iri)
    if param.type == "date":
        try:
            day = date.today() if value == "today" else date.fromisoformat(value)
        except ValueError:
            raise wrong from None
        return Literal(day.isoformat(), datatype=XSD.date)
    # the lexical form first: an exponent such as 1E+999999999 would expand to a billion digits
    if not (_INTEGER if param.type == "integer" else _DECIMAL).fullmatch(value.strip()):
        raise InputError(f"--param {param.name}: {value[:40]!r} is not a valid {param.type} (at most 30 digits, "
                         "no exponent)")  # fmt: skip
    try:
        number = int(value) if param.type == "integer" else Decimal(value)
    except (ValueError, InvalidOperation):
        raise wrong from None
    if isinstance(number, Decimal) and not number.is_finite():
        raise wrong
    return Literal(str(number), datatype=XSD.integer if param.type == "integer" else XSD.decimal)
