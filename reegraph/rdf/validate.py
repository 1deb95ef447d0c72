"""Check data against the SHACL shapes and the ontology lint; return a list of findings.

Two kinds of checks:

* **SHACL** (``ontology/shapes.ttl``, run by pySHACL with no inference): facilities, quantities,
  shares, countries, dates, supply links and policies.
* **Lint** (SPARQL over the store): every class, property and ``ree:`` IRI used is declared in the
  ontology, in a loaded file, or in a reused vocabulary (catches ``ree:capasity``); literals are
  well-formed for their datatype; the ontology's own terms have exactly one English label, a
  definition, and (properties) a domain and a range; the ontology header is complete.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    GEO,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SH,
    SKOS,
    VANN,
    WGS,
    XSD,
    DefinedNamespace,
)
from rdflib.term import Node

from reegraph.rdf import sparql
from reegraph.rdf.load import shapes_path
from reegraph.rdf.store import Store, read_rdflib
from reegraph.rdf.vocab import ONTOLOGY_IRI, compact

#: Reused vocabularies whose terms are checked against rdflib's closed term lists.
REUSED: tuple[type[DefinedNamespace], ...] = (
    RDF,
    RDFS,
    OWL,
    XSD,
    SKOS,
    DCTERMS,
    PROV,
    SDO,
    WGS,
    GEO,
    DCAT,
    VANN,
    SH,
)
_SEVERITY = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}


@dataclass(frozen=True)
class Finding:
    """One problem found in the data."""

    severity: str
    rule: str
    focus: str
    path: str
    message: str
    value: str = ""
    file: str = ""

    def as_dict(self) -> dict[str, str]:
        """The finding as a plain dict (for JSON)."""
        return asdict(self)


def validate_store(store: Store) -> list[Finding]:
    """All SHACL and lint findings for the data in ``store``, sorted by file, focus and message.

    Examples
    --------
    >>> from reegraph.rdf.load import load_store
    >>> validate_store(load_store())
    []
    """
    findings = _with_files(store, [*find_shacl_violations(store), *find_lint_problems(store)])
    return sorted(set(findings), key=lambda f: (f.file, f.focus, f.path, f.message, f.value))


def find_shacl_violations(store: Store) -> list[Finding]:
    """Run the bundled SHACL shapes over the union of the store's graphs."""
    from pyshacl import validate

    shapes = read_rdflib(shapes_path())
    _, results, _ = validate(store.to_rdflib(), shacl_graph=shapes, inference="none")
    findings = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        source = results.value(result, SH.sourceShape)
        findings.append(
            Finding(
                severity=_SEVERITY.get(results.value(result, SH.resultSeverity), "violation"),
                rule=_shape_name(shapes, source),
                focus=_show_focus(results.value(result, SH.focusNode)),
                path=_show(results.value(result, SH.resultPath)),
                message=str(results.value(result, SH.resultMessage) or "does not conform"),
                value=_show(results.value(result, SH.value)),
            )
        )
    return findings


def find_lint_problems(store: Store) -> list[Finding]:
    """Undeclared terms, ill-typed literals and ontology annotation gaps."""
    return [*_find_undeclared_terms(store), *_find_ill_typed_literals(store), *_lint_ontology(store)]


def _find_undeclared_terms(store: Store) -> list[Finding]:
    declared = {row["t"] for row in store.select(sparql.DECLARED_TERMS)}
    findings = []
    used = store.select(sparql.USED_TERMS)
    for row in used:
        term = row["t"]
        if term in declared or _in_reused_vocabulary(term):
            continue
        findings.append(
            Finding(
                severity="violation",
                rule="lint:undeclared-term",
                focus=_show_focus(row["where"]),
                path="",
                message=f"{_show(term)} is used as a {row['as']} but is not declared in the ontology "
                "or a reused vocabulary (a typo?)",
                value=_show(term),
                file=_display_path(row.get("graph")),
            )
        )
    return findings


def _find_ill_typed_literals(store: Store) -> list[Finding]:
    rows = store.select(sparql.TYPED_LITERALS)
    return [
        Finding(
            severity="violation",
            rule="lint:ill-typed-literal",
            focus=_show_focus(row["s"]),
            path=_show(row["p"]),
            message=f"{str(row['o'])!r} is not a valid {_show(getattr(row['o'], 'datatype', None))}",
            value=str(row["o"]),
            file=_display_path(row.get("g")),
        )
        for row in rows
        if isinstance(row["o"], Literal) and row["o"].ill_typed
    ]


def _lint_ontology(store: Store) -> list[Finding]:
    findings = []
    terms = store.select(sparql.ONTOLOGY_TERMS)
    for row in terms:
        term, is_property = _show(row["t"]), row["kind"] != OWL.Class
        problems = []
        if int(row["labels"]) != 1:
            problems.append(f"has {int(row['labels'])} English rdfs:label values (needs exactly one)")
        if int(row["defs"]) != 1:
            problems.append(f"has {int(row['defs'])} skos:definition values (needs exactly one)")
        if is_property and (int(row["domains"]) == 0 or int(row["ranges"]) == 0):
            problems.append("needs an rdfs:domain and an rdfs:range")
        findings += [
            Finding("violation", "lint:ontology-term", term, "", f"ontology term {term} {p}") for p in problems
        ]
    header = {row["p"] for row in store.select(sparql.ONTOLOGY_HEADER)}
    required = (
        OWL.versionIRI,
        OWL.versionInfo,
        DCTERMS.title,
        DCTERMS.description,
        DCTERMS.license,
        DCTERMS.creator,
        DCTERMS.created,
    )
    findings += [
        Finding(
            "violation",
            "lint:ontology-header",
            f"<{ONTOLOGY_IRI}>",
            _show(p),
            f"the ontology header lacks {_show(p)}",
        )
        for p in required
        if p not in header
    ]
    return findings


#: Namespaces that rdflib spells differently from the published vocabulary (rdflib's WGS uses https).
_ALIASES = {"http://www.w3.org/2003/01/geo/wgs84_pos#": WGS}


def _in_reused_vocabulary(term: Node) -> bool:
    if not isinstance(term, URIRef):
        return False
    vocabularies: list[tuple[str, type[DefinedNamespace]]] = [*((str(v._NS), v) for v in REUSED), *_ALIASES.items()]
    for namespace, vocab in vocabularies:
        if str(term).startswith(namespace):
            return URIRef(str(vocab._NS) + term[len(namespace) :]) in vocab
    return False


def _with_files(store: Store, findings: list[Finding]) -> list[Finding]:
    """Fill in the file of findings that lack one, from the files that state their focus node."""
    focus = {URIRef(f.focus[1:-1]) for f in findings if not f.file and f.focus.startswith("<")}
    files = store.graphs_of(focus) if focus else {}
    located = []
    for finding in findings:
        where = files.get(URIRef(finding.focus[1:-1])) if finding.focus.startswith("<") else None
        if where and not finding.file:
            finding = Finding(**{**finding.as_dict(), "file": ", ".join(_display_path(g) for g in where)})
        located.append(finding)
    return located


def _display_path(graph_iri: object) -> str:
    """The file a graph was loaded from (its IRI is the file's ``file:`` URI); "" for an endpoint's
    graphs, which are not files, or a triple in no named graph."""
    if not str(graph_iri or "").startswith("file:"):
        return ""
    path = Path(unquote(urlparse(str(graph_iri)).path))
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _shape_name(shapes: Graph, shape: Node | None) -> str:
    if isinstance(shape, URIRef):
        return shapes.namespace_manager.normalizeUri(shape)
    parent = next(shapes.subjects(SH.property, shape), None) or next(shapes.subjects(SH.sparql, shape), None)
    return _shape_name(shapes, parent) if parent is not None else "shacl"


def _show(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return compact(str(term))
    return str(term)


def _show_focus(term: Node | None) -> str:
    return f"<{term}>" if isinstance(term, URIRef) else _show(term)
