"""SPARQL for analysts: the named query library (``reegraph/queries/*.rq``), safe parameters, the
W3C result formats, and a timeout that really stops the work.

A library query opens with a header of ``#`` lines::

    # title: Who separates an element outside China
    # description: Separation plants outside China that make ... (one line)
    # param: element: string = Dy — element symbol
    # param: country: string, optional — ISO 3166-1 alpha-2 code

A parameter is a variable of the query's SELECT clause. Its value is bound to that variable by the
engine (Oxigraph's substitutions), never pasted into the query text; an optional parameter left out
stays unbound and matches anything. Types: ``string``, ``iri`` (a full IRI or a short data id such
as ``org/lynas``), ``date`` (``today`` allowed), ``integer``, ``decimal``.

Queries never reach the network: ``SERVICE`` is refused before evaluation (Oxigraph would fetch
it), updates (``LOAD`` among them) are not queries and are refused by the parser.
"""

from __future__ import annotations

import json
import multiprocessing
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from reegraph.errors import ExecutionError, InputError, ReegraphError
from reegraph.rdf.vocab import DATA

#: Folder of the named queries.
QUERIES = Path(__file__).resolve().parent / "queries"
#: Parameter types.
TYPES = ("string", "iri", "date", "integer", "decimal")

_PARAM = re.compile(r"^# param: (\w+): (\w+)(?:, (optional)| = (\S+))? — (.+)$")
_IRI = re.compile(r"^[^\s<>\"{}|\\^`]+$")
_ESCAPES = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")  # SPARQL's escapes, valid anywhere


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


def describe_library() -> list[dict]:
    """The named queries with their headers and texts, as JSON-ready dicts."""
    return [
        {
            "name": q.name,
            "title": q.title,
            "description": q.description,
            "params": [
                {k: getattr(p, k) for k in ("name", "type", "default", "optional", "description")} for p in q.params
            ],
            "text": q.text,
        }
        for q in library().values()
    ]


def find_query(name: str) -> Query:
    """A library query by name, or a ``.rq`` file.

    Raises
    ------
    InputError
        Neither a library name nor a readable ``.rq`` file.
    """
    path = Path(name)
    if path.suffix == ".rq" and path.is_file():
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


def bind(query: Query, values: dict[str, str]) -> dict[str, Node]:
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
        if not _IRI.match(iri):
            raise wrong
        return URIRef(iri)
    if param.type == "date":
        try:
            day = date.today() if value == "today" else date.fromisoformat(value)
        except ValueError:
            raise wrong from None
        return Literal(day.isoformat(), datatype=XSD.date)
    try:
        number = int(value) if param.type == "integer" else Decimal(value)
    except (ValueError, InvalidOperation):
        raise wrong from None
    if param.type == "decimal" and not number.is_finite():
        raise wrong
    return Literal(str(number), datatype=XSD.integer if param.type == "integer" else XSD.decimal)


def check_query(text: str) -> None:
    """Refuse a query that could call a remote service, or that nests too deeply to parse safely.

    ``SERVICE`` would make Oxigraph fetch the remote endpoint. Where a keyword starts and ends
    depends on how comments, strings, IRIs and escapes are read, and readers differ (a comment ends
    at ``\\r`` for Oxigraph, not for rdflib), so the check reads nothing: the word ``service`` may
    not appear anywhere in the text, in any case, with SPARQL's ``\\u`` escapes decoded or not,
    except in variable names. Queries that must match the word can build it (``CONCAT("serv", "ice")``).

    Raises
    ------
    InputError
        The query holds the word, or brackets nested deeper than :data:`MAX_NESTING` (Oxigraph's
        parser would overflow its stack and end the process).

    Examples
    --------
    >>> check_query("SELECT ?service WHERE { ?s ?p ?service }")
    >>> check_query("SELECT * WHERE { # note\\rSERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    Traceback (most recent call last):
    ...
    reegraph.errors.InputError: SERVICE is refused: ...
    """
    decoded = _ESCAPES.sub(lambda m: chr(min(int(m.group(1) or m.group(2), 16), 0x10FFFF)), text)
    if any("service" in _VARIABLES.sub(" ", variant).casefold() for variant in (text, decoded)):
        raise InputError(
            "SERVICE is refused: a query may not hold the word 'service' outside variable names (reegraph never "
            'calls a remote service; to match text that holds it, write CONCAT("serv", "ice"))'
        )
    depth = deepest = 0
    for bracket in _BRACKETS.findall(NOT_CODE.sub(" ", text)):
        depth = max(depth + (1 if bracket in "{([" else -1), 0)
        deepest = max(deepest, depth)
    if deepest > MAX_NESTING:
        raise InputError(f"the query nests brackets {deepest} deep: at most {MAX_NESTING} are accepted")


#: The deepest nesting of brackets accepted in a query.
MAX_NESTING = 200
_NAME_CHARS = (  # SPARQL's PN_CHARS_U, digits, and VARNAME's other characters
    "A-Za-z_0-9\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f"
    "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff\u00b7\u0300-\u036f\u203f-\u2040"
)
_VARIABLES = re.compile(f"[?$][{_NAME_CHARS}]+")  # a little wider than VARNAME: safe, as the engine would fail
_BRACKETS = re.compile(r"[{}()\[\]]")


#: What is not code in a query: long and short strings (with escapes), IRIs, comments.
NOT_CODE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\''
    r'|<(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>'
    r"|#[^\n\r]*",
    re.DOTALL,
)


def render(kind: str, data: bytes, fmt: str) -> str:
    """What :func:`evaluate` returned, for ``reegraph query --format fmt``: a graph as serialised;
    results as serialised, or as a table or Markdown table (``data`` then holds SPARQL JSON, as
    :func:`results_format` asks)."""
    text = data.decode("utf-8")
    if kind == "graph" or fmt not in ("table", "markdown"):
        return text
    from reegraph.app import render_markdown, render_table

    results = json.loads(text)
    if "boolean" in results:
        return "true" if results["boolean"] else "false"
    names = results["head"]["vars"]
    rows = [[binding.get(n, {}).get("value", "") for n in names] for binding in results["results"]["bindings"]]
    return (render_markdown if fmt == "markdown" else render_table)(names, rows)


def results_format(fmt: str) -> str:
    """The serialisation to ask :func:`evaluate` for, for ``--format fmt``."""
    return "json" if fmt in ("table", "markdown") else fmt


#: Serialisations of graphs, by name.
GRAPHS = ("turtle", "json-ld", "n-triples", "rdf-xml")
#: The media type of each.
MEDIA = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "json-ld": "application/ld+json",
    "n-triples": "application/n-triples",
    "rdf-xml": "application/rdf+xml",
}


class AnswerTooLargeError(ExecutionError):
    """A query's answer is larger than the limit it was given."""


def evaluate(
    store,
    text: str,
    bindings: dict[str, Node],
    *,
    results: str = "json",
    graph: str = "turtle",
    timeout: float | None,
    max_bytes: int | None = None,
) -> tuple[str, bytes]:
    """Evaluate a query and return ``("results", data)`` (SELECT, ASK) or ``("graph", data)``
    (CONSTRUCT, DESCRIBE). With a ``timeout`` it runs in a child process, killed past ``timeout``
    seconds, so a runaway query really stops (Oxigraph cannot cancel one); without one it runs in
    this process (faster: no copy-on-write faults). On a remote store it runs at its endpoint. An
    answer larger than ``max_bytes`` is refused.

    Raises
    ------
    InputError
        The query is refused or does not parse.
    ExecutionError
        It ran past the timeout, its answer is too large (:class:`AnswerTooLargeError`), or the
        engine failed.
    """
    from reegraph.rdf.remote import RemoteStore

    check_query(text)
    if isinstance(store, RemoteStore):  # the endpoint enforces its own limits; this client waits ``timeout``
        store.timeout = timeout
        data, media = store.request(text, f"{MEDIA[results]}, {MEDIA[graph]};q=0.9", bindings=bindings)
        if media == MEDIA["json"]:
            store.results(data, expect="any")
        return ("graph" if media in {MEDIA[g] for g in GRAPHS} else "results"), data
    args = (store, text, bindings, results, graph, max_bytes)
    if timeout is None:
        return _evaluate_here(*args)
    context = multiprocessing.get_context("fork")  # the child shares the loaded store copy-on-write
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(*args, send), daemon=True)
    child.start()
    send.close()
    try:
        if not receive.poll(timeout):
            raise ExecutionError(f"query stopped after its timeout of {timeout:g} s")
        status, payload = receive.recv()
    except EOFError:
        raise ExecutionError("query failed: the evaluating process ended without an answer") from None
    finally:
        child.kill()
        child.join()
        receive.close()
    if status == "ok":
        return payload
    raise status(payload)


def _child(*args) -> None:
    """In the child: evaluate, then send ``("ok", (kind, data))`` or ``(error class, message)``."""
    *args, send = args
    try:
        send.send(("ok", _evaluate_here(*args)))
    except ReegraphError as exc:
        send.send((next(c for c in (AnswerTooLargeError, InputError, ExecutionError) if isinstance(exc, c)), str(exc)))
    finally:
        send.close()


def _evaluate_here(
    store, text: str, bindings: dict[str, Node], results: str, graph: str, max_bytes: int | None
) -> tuple[str, bytes]:
    import pyoxigraph as ox

    formats = {
        "json": ox.QueryResultsFormat.JSON,
        "xml": ox.QueryResultsFormat.XML,
        "csv": ox.QueryResultsFormat.CSV,
        "tsv": ox.QueryResultsFormat.TSV,
        "turtle": ox.RdfFormat.TURTLE,
        "json-ld": ox.RdfFormat.JSON_LD,
        "n-triples": ox.RdfFormat.N_TRIPLES,
        "rdf-xml": ox.RdfFormat.RDF_XML,
    }
    result = store.evaluate(text, bindings=bindings)
    kind = "graph" if isinstance(result, ox.QueryTriples) else "results"
    try:
        data = result.serialize(format=formats[graph if kind == "graph" else results])
    except (OSError, RuntimeError, ValueError) as exc:  # an error met while the results stream
        raise ExecutionError(f"query failed: {exc}") from None
    if max_bytes is not None and len(data) > max_bytes:
        raise AnswerTooLargeError(f"the answer is over the limit of {max_bytes:,} bytes: add a LIMIT")
    return kind, data
