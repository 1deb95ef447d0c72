"""A remote SPARQL 1.1 endpoint behind the same :class:`~reegraph.store.Store` seam as the embedded
store (``--endpoint URL`` or ``REEGRAPH_ENDPOINT``), and ``reegraph push`` through the Graph Store
Protocol.

The endpoint must show the pushed data in its default graph (push without ``--graph``, or run the
server with the default graph as the union of all graphs: ``oxigraph serve --union-default-graph``).
Parameters reach a remote query as a ``VALUES`` block built from RDF terms serialised by rdflib
(escaped, never raw text), placed at the start of the query's WHERE clause.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from reegraph.errors import ExecutionError, InputError

_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


class RemoteStore:
    """A SPARQL 1.1 endpoint, read through the SPARQL Protocol (POST, form-encoded)."""

    def __init__(self, url: str, *, timeout: float = 60.0) -> None:
        self.url, self.timeout = url, timeout

    def request(self, query: str, accept: str, *, bindings: Mapping[str, Node] | None = None) -> tuple[bytes, str]:
        """The endpoint's answer to ``query`` in the media type ``accept``, and its media type.

        Raises
        ------
        ExecutionError
            The endpoint cannot be reached, answers with an error, times out, or says its results
            are incomplete (Virtuoso's ``X-SQL-State`` header).
        """
        body = urllib.parse.urlencode({"query": with_values(query, bindings or {})}).encode("utf-8")
        request = urllib.request.Request(
            self.url, data=body, headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                state = response.headers.get("X-SQL-State")
                if state:
                    raise ExecutionError(f"{self.url} returned incomplete results (X-SQL-State {state})")
                return response.read(), (response.headers.get("Content-Type") or "").split(";")[0].strip()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", errors="replace").strip().splitlines()
            raise ExecutionError(f"{self.url} answered {exc.code}: {detail[0] if detail else exc.reason}") from None
        except TimeoutError:
            raise ExecutionError(f"{self.url} did not answer within {self.timeout:g} s") from None
        except (urllib.error.URLError, OSError) as exc:
            raise ExecutionError(f"cannot reach {self.url}: {getattr(exc, 'reason', exc)}") from None

    def select(self, query: str, *, bindings: Mapping[str, Node] | None = None) -> list[dict[str, Node]]:
        """Run a SELECT query; rows map variable names to rdflib terms."""
        data = json.loads(self.request(query, "application/sparql-results+json", bindings=bindings)[0])
        return [{k: _term(v) for k, v in row.items()} for row in data["results"]["bindings"]]

    def values(self, query: str) -> list[dict[str, str | None]]:
        """Run a SELECT query; rows hold each term's string value (SPARQL CSV results)."""
        from reegraph.store import read_csv_values, read_json_values

        rows = read_csv_values(self.request(query, "text/csv")[0])
        if rows is None:  # an unquoted comma in an IRI (Oxigraph's CSV): ask for JSON instead
            rows = read_json_values(self.request(query, "application/sparql-results+json")[0])
        return rows

    def values_many(self, queries: Sequence[str]) -> Iterator[list[dict[str, str | None]]]:
        """:meth:`values` of each query, in order."""
        return (self.values(q) for q in queries)

    def ask(self, query: str, *, bindings: Mapping[str, Node] | None = None) -> bool:
        """Run an ASK query."""
        return bool(json.loads(self.request(query, "application/sparql-results+json", bindings=bindings)[0])["boolean"])

    def construct(self, query: str, *, bindings: Mapping[str, Node] | None = None) -> Graph:
        """Run a CONSTRUCT or DESCRIBE query into an in-memory rdflib graph."""
        graph = Graph()
        graph.parse(data=self.request(query, "application/n-triples", bindings=bindings)[0], format="nt")
        return graph

    def to_rdflib(self) -> Graph:
        """Every triple of the endpoint's default graph, copied into an rdflib graph (for SHACL)."""
        return self.construct("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")

    def graphs_of(self, subjects) -> dict:
        """The endpoint's graphs are not files reegraph loaded: findings name no file."""
        return {}

    def __len__(self) -> int:
        rows = self.values("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return int(rows[0]["n"]) if rows else 0


def with_values(query: str, bindings: Mapping[str, Node]) -> str:
    """``query`` with a VALUES block binding ``bindings`` at the start of its (first) WHERE clause.

    Examples
    --------
    >>> print(with_values('SELECT ?s WHERE { ?s ?p ?e }', {"e": Literal('x" } ; DROP ALL #')}))
    SELECT ?s WHERE { VALUES (?e) { ("x\\" } ; DROP ALL #") } ?s ?p ?e }
    """
    if not bindings:
        return query
    names = " ".join(f"?{name}" for name in bindings)
    block = f" VALUES ({names}) {{ ({' '.join(term.n3() for term in bindings.values())}) }}"
    match = _WHERE.search(query) or re.search(r"\{", query)
    if match is None:
        raise InputError("cannot bind parameters: the query has no WHERE clause")
    return query[: match.end()] + block + query[match.end() :]


def _term(value: dict) -> Node:
    kind = value["type"]
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":
        return BNode(value["value"])
    return Literal(value["value"], lang=value.get("xml:lang"), datatype=value.get("datatype"))


def store_url(endpoint: str) -> str:
    """The Graph Store Protocol URL next to a query endpoint: Oxigraph's layout (``/query`` and
    ``/store``); Fuseki's ``/sparql`` next to ``/data``."""
    for query, store in (("/query", "/store"), ("/sparql", "/data")):
        if endpoint.endswith(query):
            return endpoint[: -len(query)] + store
    raise InputError(f"cannot tell the Graph Store URL of {endpoint}: give it with --store")


def push(files: Sequence[Path], store: str, *, graph: str | None, timeout: float = 120.0) -> int:
    """Upload each file (Turtle or N-Triples) to the Graph Store: into the default graph, or into
    ``graph``. Returns the number of files sent.

    Raises
    ------
    ExecutionError
        The store cannot be reached or refuses a file.
    """
    target = f"{store}?{urllib.parse.urlencode({'graph': graph}) if graph else 'default'}"
    media = {".ttl": "text/turtle", ".nt": "application/n-triples"}
    for path in files:
        if path.suffix.lower() not in media:
            raise InputError(f"{path}: reegraph push sends Turtle (.ttl) or N-Triples (.nt) files")
        request = urllib.request.Request(
            target, data=path.read_bytes(), method="POST", headers={"Content-Type": media[path.suffix.lower()]}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            raise ExecutionError(f"{store} refused {path.name}: {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise ExecutionError(f"cannot reach {store}: {getattr(exc, 'reason', exc)}") from None
    return len(files)
