"""What the loaded graph holds: ontology version, counts per class, stage and country, sources,
and the data vintage."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from reegraph.rdf.store import Store
from reegraph.rdf.vocab import ONTOLOGY_IRI, SPARQL_PREFIXES, STAGES

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

    def as_dict(self) -> dict:
        """The summary as plain JSON-ready data."""
        return asdict(self)


def summarize_store(store: Store) -> Info:
    """Summarise the graph in ``store``.

    Examples
    --------
    >>> from reegraph.rdf.load import load_store
    >>> info = summarize_store(load_store())
    >>> info.classes["Element"]
    17
    """
    version = store.select(f"SELECT ?v WHERE {{ <{ONTOLOGY_IRI}> <http://www.w3.org/2002/07/owl#versionInfo> ?v }}")
    counts = {
        str(row["c"]).rsplit("#", 1)[1]: int(row["n"])
        for row in store.select(
            SPARQL_PREFIXES
            + "SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { VALUES ?c { %s } ?x a/rdfs:subClassOf* ?c } GROUP BY ?c"
            % " ".join(f"ree:{name}" for name in COUNTED_CLASSES)
        )
    }
    stages = _count(
        store,
        "SELECT ?k (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a ?c . ?c ree:stage/skos:notation ?k } GROUP BY ?k",
    )
    stages = {k: stages[k] for k in sorted(stages, key=lambda k: (*STAGES, k).index(k))}
    countries = _count(
        store,
        "SELECT ?k (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a/rdfs:subClassOf* ree:Facility ; "
        "ree:country/ree:isoCode ?k } GROUP BY ?k",
    )
    years = store.select(SPARQL_PREFIXES + "SELECT (MIN(?y) AS ?lo) (MAX(?y) AS ?hi) WHERE { ?q ree:year ?y }")
    latest = store.select(
        SPARQL_PREFIXES + "SELECT (MAX(STR(?d)) AS ?latest) WHERE { ?s a ree:Source ; dcterms:issued ?d }"
    )
    return Info(
        ontology_version=str(version[0]["v"]) if version else "",
        triples=len(store),
        classes={name: counts.get(name, 0) for name in COUNTED_CLASSES},
        stages=stages,
        countries=countries,
        sources=counts.get("Source", 0),
        first_year=_int(years[0].get("lo")) if years else None,
        last_year=_int(years[0].get("hi")) if years else None,
        latest_source_date=str(latest[0]["latest"]) if latest and "latest" in latest[0] else None,
    )


def _count(store: Store, query: str) -> dict[str, int]:
    rows = store.select(SPARQL_PREFIXES + query)
    pairs = sorted(((str(row["k"]), int(row["n"])) for row in rows), key=lambda kv: (-kv[1], kv[0]))
    return dict(pairs)


def _int(value) -> int | None:
    return int(value) if value is not None else None
