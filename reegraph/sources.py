"""The sources behind the graph: how many facts each backs, and which facts are only estimates."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from reegraph.rdf.store import Store
from reegraph.rdf.vocab import SPARQL_PREFIXES, short_id


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

    def as_dict(self) -> dict:
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

    def as_dict(self) -> dict:
        """The row as plain JSON-ready data."""
        return {**asdict(self), "sources": list(self.sources)}


_SOURCES = """
SELECT ?s (MIN(?t) AS ?title) (MIN(?p) AS ?publisher) (MIN(?d) AS ?issued) (MIN(?u) AS ?url)
       (COUNT(DISTINCT ?f) AS ?facts) (COUNT(DISTINCT ?e) AS ?estimates)
WHERE {
    ?s a ree:Source .
    OPTIONAL { ?s dcterms:title ?t } OPTIONAL { ?s dcterms:publisher ?p }
    OPTIONAL { ?s dcterms:issued ?d } OPTIONAL { ?s schema:url ?u }
    OPTIONAL { ?f prov:wasDerivedFrom ?s . OPTIONAL { ?f ree:confidence ree:Estimate . BIND (?f AS ?e) } }
}
GROUP BY ?s
"""

_ESTIMATES = """
SELECT ?f (MIN(?a) AS ?about) (MIN(?k) AS ?kind) (MIN(?v) AS ?value) (MIN(?b) AS ?basis)
       (MIN(?y) AS ?year) (MIN(?m) AS ?method)
WHERE {
    ?f ree:confidence ree:Estimate .
    OPTIONAL { ?f ree:method ?m }
    OPTIONAL {
        { ?h ree:hasQuantity ?f } UNION { ?h ree:hasComposition ?f } UNION { ?f ree:owned ?h }
        OPTIONAL { ?h rdfs:label ?l }
        OPTIONAL { ?h ree:supplier/rdfs:label ?from ; ree:customer/rdfs:label ?to }
        BIND (COALESCE(?l, CONCAT(?from, " to ", ?to)) AS ?a)
    }
    OPTIONAL { ?f ree:quantityKind/skos:notation ?k }
    OPTIONAL { ?f ree:value ?v } OPTIONAL { ?f ree:massFraction ?v } OPTIONAL { ?f ree:share ?v }
    OPTIONAL { ?f ree:basis/skos:notation ?b }
    OPTIONAL { ?f ree:year ?y }
}
GROUP BY ?f
"""


def list_sources(store: Store) -> list[SourceUse]:
    """Every source in ``store`` with the number of facts it backs, most-used first (then by id).

    Examples
    --------
    >>> from reegraph.rdf.load import load_store
    >>> top = list_sources(load_store())[0]
    >>> top.id, top.facts > 10
    ('source/usgs-mcs-2025-rare-earths', True)
    """
    rows = [
        SourceUse(
            id=short_id(str(row["s"])),
            title=_text(row, "title"),
            publisher=_text(row, "publisher"),
            issued=_text(row, "issued"),
            url=_text(row, "url"),
            facts=int(row["facts"]),
            estimates=int(row["estimates"]),
        )
        for row in store.select(SPARQL_PREFIXES + _SOURCES)
    ]
    return sorted(rows, key=lambda r: (-r.facts, r.id))


def find_estimates(store: Store) -> list[EstimateFact]:
    """Every fact in ``store`` whose confidence is ``ree:Estimate``, sorted by id.

    Examples
    --------
    >>> from reegraph.rdf.load import load_store
    >>> facts = find_estimates(load_store())
    >>> all(f.method for f in facts)
    True
    """
    sources: dict[str, list[str]] = {}
    for row in store.select(
        SPARQL_PREFIXES + "SELECT ?f ?s WHERE { ?f ree:confidence ree:Estimate ; prov:wasDerivedFrom ?s }"
    ):
        sources.setdefault(str(row["f"]), []).append(short_id(str(row["s"])))
    facts = [
        EstimateFact(
            id=short_id(str(row["f"])),
            about=_text(row, "about"),
            kind=_text(row, "kind"),
            value=float(row["value"]) if row.get("value") is not None else None,
            basis=_text(row, "basis"),
            year=int(row["year"]) if row.get("year") is not None else None,
            method=_text(row, "method"),
            sources=tuple(sorted(sources.get(str(row["f"]), []))),
        )
        for row in store.select(SPARQL_PREFIXES + _ESTIMATES)
    ]
    return sorted(facts, key=lambda f: f.id)


def _text(row, key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value)
