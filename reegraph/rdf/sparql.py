"""The only place reegraph builds SPARQL text.

Every query reegraph sends is here: the texts of the projection, the summaries, the validation lint
and the scenario lookups, as constants or as small builders; the checks that keep a query off the
network (:func:`check_query`); and the binding of parameters. Values never enter a query as pasted
text. A parameter is bound by a ``VALUES`` block at the start of the query's WHERE clause, the
same for the embedded store and a remote endpoint, of terms written by :func:`term`, which checks
IRIs against SPARQL's IRIREF grammar and escapes literals. The named queries of the library are files
(``reegraph/queries/*.rq``), read by :mod:`reegraph.library`; a user's own query text is checked
here before any engine sees it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from rdflib import Literal, URIRef
from rdflib.term import Node

from reegraph.errors import InputError
from reegraph.rdf.vocab import ONTOLOGY_IRI, PREFIXES

#: The PREFIX lines of every namespace reegraph uses.
SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())

# ---------------------------------------------------------------------------------------------
# Checks and binding
# ---------------------------------------------------------------------------------------------

#: The deepest nesting of brackets accepted in a query.
MAX_NESTING = 200

#: What is not code in a query: long and short strings (with escapes), IRIs, comments.
NOT_CODE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\''
    r'|<(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>'
    r"|#[^\n\r]*",
    re.DOTALL,
)
_NAME_CHARS = (  # SPARQL's PN_CHARS_U, digits, and VARNAME's other characters
    "A-Za-z_0-9\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d\u2070-\u218f"
    "\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff\u00b7\u0300-\u036f\u203f-\u2040"
)
_VARIABLES = re.compile(f"[?$][{_NAME_CHARS}]+")  # a little wider than VARNAME: safe, as the engine would fail
_VARIABLE_NAME = re.compile(f"[{_NAME_CHARS}]+")
_BRACKETS = re.compile(r"[{}()\[\]]")
_ESCAPES = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")  # SPARQL's escapes, valid anywhere
_IRIREF = re.compile(r'[^<>"{}|^`\\\x00-\x20\s]+')  # IRIREF's characters, without escapes or spaces
#: A WHERE clause's or a group's opening brace, or something to skip (a string, an IRI, a comment).
_OPEN = re.compile(rf"(?P<skip>{NOT_CODE.pattern})|(?P<where>\bWHERE\s*\{{)|\{{", re.IGNORECASE | re.DOTALL)
_LANGUAGE = re.compile(r"[A-Za-z]+(-[A-Za-z0-9]+)*")


def check_query(text: str) -> None:
    """Refuse a query that could call a remote service, or that nests too deeply to parse safely.

    ``SERVICE`` would make the engine fetch the remote endpoint. Where a keyword starts and ends
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


def is_iri(text: str) -> bool:
    """Whether ``text`` can stand between ``<`` and ``>`` in a query (SPARQL's IRIREF, no escapes).

    Examples
    --------
    >>> is_iri("https://w3id.org/reegraph/id/policy/mofcom-2025-18"), is_iri("x> ?s ?p ?o . <y")
    (True, False)
    """
    return bool(_IRIREF.fullmatch(text))


def term(node: Node) -> str:
    """The SPARQL text of an rdflib IRI or literal: an IRI checked by :func:`is_iri`, a literal
    quoted with its escapes, language tag or datatype.

    Raises
    ------
    InputError
        An IRI with characters an IRI cannot hold, a bad language tag, or a blank node.

    Examples
    --------
    >>> term(Literal('x" } ; DROP ALL #\\n'))
    '"x\\\\" } ; DROP ALL #\\\\n"'
    >>> term(URIRef("urn:a> . ?s ?p ?o . <urn:b"))
    Traceback (most recent call last):
    ...
    reegraph.errors.InputError: not a valid IRI: 'urn:a> . ?s ?p ?o . <urn:b'
    """
    if isinstance(node, URIRef):
        if not is_iri(str(node)):
            raise InputError(f"not a valid IRI: {str(node)!r}")
        return f"<{node}>"
    if isinstance(node, Literal):
        text = str(node)
        for raw, escaped in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r")):
            text = text.replace(raw, escaped)
        if node.language:
            if not _LANGUAGE.fullmatch(node.language):
                raise InputError(f"not a valid language tag: {node.language!r}")
            return f'"{text}"@{node.language}'
        return f'"{text}"^^{term(node.datatype)}' if node.datatype else f'"{text}"'
    raise InputError(f"cannot bind {node!r}: only IRIs and literals are parameters")


def with_values(query: str, bindings: Mapping[str, Node]) -> str:
    """``query`` with a VALUES block binding ``bindings`` at the start of its (first) WHERE clause:
    how parameters reach every engine (the embedded store as a remote endpoint: Oxigraph's own
    substitutions bind only projected variables, and a trailing ``VALUES`` fails on Virtuoso).

    Raises
    ------
    InputError
        A variable name or a term that cannot be written safely, or no WHERE clause.

    Examples
    --------
    >>> print(with_values('SELECT ?s WHERE { ?s ?p ?e }', {"e": Literal('x" } ; DROP ALL #')}))
    SELECT ?s WHERE { VALUES (?e) { ("x\\" } ; DROP ALL #") } ?s ?p ?e }
    >>> print(with_values('# where { in a comment\\nASK { ?s ?p "WHERE {" }', {"s": URIRef("urn:x")}))
    # where { in a comment
    ASK { VALUES (?s) { (<urn:x>) } ?s ?p "WHERE {" }
    >>> print(with_values("SELECT ?s { { SELECT ?s WHERE { ?s ?p ?o } } FILTER(?s = ?t) }", {"t": URIRef("urn:x")}))
    SELECT ?s { VALUES (?t) { (<urn:x>) } { SELECT ?s WHERE { ?s ?p ?o } } FILTER(?s = ?t) }
    """
    if not bindings:
        return query
    if not all(_VARIABLE_NAME.fullmatch(name) for name in bindings):
        raise InputError(f"cannot bind parameters named {', '.join(map(repr, bindings))}")
    names = " ".join(f"?{name}" for name in bindings)
    block = f" VALUES ({names}) {{ ({' '.join(term(node) for node in bindings.values())}) }}"
    opens = [m for m in _OPEN.finditer(query) if not m.group("skip")]
    if query_form(query) == "CONSTRUCT":  # its template comes first
        opens = [m for m in opens if m.group("where")]
    match = opens[0] if opens else None  # the outermost group: a subquery's WHERE comes later
    if match is None:
        raise InputError("cannot bind parameters: the query has no WHERE clause")
    return query[: match.end()] + block + query[match.end() :]


def query_form(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the query's first keyword after its prologue ("" if none).

    Examples
    --------
    >>> query_form('PREFIX s: <urn:select#> # ASK\\nconstruct { ?s ?p "SELECT" } WHERE { ?s ?p ?o }')
    'CONSTRUCT'
    """
    found = re.search(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", NOT_CODE.sub(" ", query), re.IGNORECASE)
    return found.group(1).upper() if found else ""


def columns(query: str) -> list[str]:
    """The variables a SELECT query projects (none for ``SELECT *``).

    Examples
    --------
    >>> columns("SELECT ?a (SAMPLE(?x) AS ?b) WHERE { ?a ?p ?x }")
    ['a', 'b']
    >>> columns('# SELECT ?c WHERE\\nSELECT ?s { ?s ?p "where" }')
    ['s']
    """
    head = re.search(r"\bSELECT\b([^{]*?)(?:\bWHERE\b|\{)", NOT_CODE.sub(" ", query), re.DOTALL | re.IGNORECASE)
    found, depth = [], 0
    for token in re.finditer(r"[()]|\bAS\s+\?(\w+)|\?(\w+)", head.group(1) if head else "", re.IGNORECASE):
        if token.group(0) in "()":
            depth += 1 if token.group(0) == "(" else -1
        elif token.group(1) or depth == 0:
            found.append(token.group(1) or token.group(2))
    return found


# ---------------------------------------------------------------------------------------------
# The store itself
# ---------------------------------------------------------------------------------------------

#: The number of triples (for an endpoint, in its default graph).
COUNT_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
#: Every triple (an endpoint's copy, for SHACL).
ALL_TRIPLES = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"


#: The example a user sees first on the endpoint's query page.
EXAMPLE = """PREFIX ree: <https://w3id.org/reegraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?facility ?label WHERE { ?facility a ree:SeparationPlant ; rdfs:label ?label }"""

# ---------------------------------------------------------------------------------------------
# The network projection (reegraph.network.project)
# ---------------------------------------------------------------------------------------------

# Codes are read as IRIs and named through "names" (one small query), which keeps the big queries
# free of joins.
_NAMES = """
SELECT ?x ?name ?iso WHERE {
    { ?x skos:notation ?name } UNION { ?x ree:symbol ?name } UNION { ?x ree:isoCode ?iso BIND (?iso AS ?name) }
    UNION { ?x ree:stage/skos:notation ?name }
}
"""

_FACILITIES = """
SELECT ?f ?class ?country ?state ?label ?start ?end ?aggregate ?lat ?long WHERE {
    ?f ree:status ?state ; a ?class ; ree:country ?country .
    OPTIONAL { ?f rdfs:label ?label } OPTIONAL { ?f ree:startDate ?start } OPTIONAL { ?f ree:endDate ?end }
    OPTIONAL { ?f ree:isAggregate ?aggregate } OPTIONAL { ?f wgs:lat ?lat } OPTIONAL { ?f wgs:long ?long }
}
"""

_ORGANIZATIONS = """
SELECT ?o (MIN(?l) AS ?label) (MIN(?hq) AS ?country) (MIN(?p) AS ?parent) (MIN(?a) AS ?aggregate)
WHERE {
    ?o a ree:Organization . OPTIONAL { ?o ree:isAggregate ?a }
    OPTIONAL { ?o rdfs:label ?l } OPTIONAL { ?o ree:headquarters/ree:isoCode ?hq }
    OPTIONAL { ?o ree:parentOrganization ?p }
}
GROUP BY ?o
"""

_AMOUNTS = """
SELECT ?holder ?q ?kind ?value ?basis ?year ?unit ?confidence ?stage ?element ?source WHERE {
    ?holder ree:hasQuantity ?q .
    ?q ree:quantityKind ?kind ; ree:value ?value ; ree:basis ?basis ; ree:year ?year .
    OPTIONAL { ?q ree:unit ?unit }
    OPTIONAL { ?q ree:confidence ?confidence }
    OPTIONAL { ?q ree:forStage ?stage }
    OPTIONAL { ?q ree:element ?element }
    OPTIONAL { ?q prov:wasDerivedFrom ?source }
}
"""

_HANDLES = """
SELECT ?f ?m ?element WHERE { ?f ree:produces ?m . OPTIONAL { ?m ree:containsElement/ree:symbol ?element } }
"""

_COMPOSITION = """
    ?c ree:basis ree:REO .
    OPTIONAL { ?c ree:element/ree:symbol ?element } OPTIONAL { ?c ree:massFraction ?fraction }
    OPTIONAL { ?c ree:minFraction ?min } OPTIONAL { ?c ree:maxFraction ?max } OPTIONAL { ?c ree:year ?year }
    OPTIONAL { ?c ree:confidence ?confidence } OPTIONAL { ?c prov:wasDerivedFrom ?source }
}
"""
_SELECT_ORES = "SELECT ?f ?ore ?c ?element ?fraction ?min ?max ?year ?confidence ?source WHERE {"
#: Plants' ores: those of their ore types, and a plant's own composition (as its own ore). Two
#: queries, not a UNION with BIND, which engines evaluate in time that grows with the square of the
#: number of ore types.
_ORES = _SELECT_ORES + " ?f ree:oreType ?ore . ?ore ree:hasComposition ?c ." + _COMPOSITION
_OWN_ORES = _SELECT_ORES + " ?f ree:status [] ; ree:hasComposition ?c . BIND (?f AS ?ore)" + _COMPOSITION

_LINKS = """
SELECT ?l ?supplier ?customer ?status ?start ?end WHERE {
    ?l a ree:SupplyLink ; ree:supplier ?supplier ; ree:customer ?customer ; ree:linkStatus ?status .
    OPTIONAL { ?l ree:startDate ?start } OPTIONAL { ?l ree:endDate ?end }
}
"""

_END_USES = """
SELECT ?u (MIN(?l) AS ?label) (MIN(?sec) AS ?sector) ?element ?critical WHERE {
    ?u a ree:EndUse .
    OPTIONAL { ?u rdfs:label ?l } OPTIONAL { ?u ree:sector/skos:notation ?sec }
    OPTIONAL {
        { ?u ree:dependsOn/ree:symbol ?element BIND (false AS ?critical) }
        UNION { ?u ree:criticalElement/ree:symbol ?element BIND (true AS ?critical) }
        UNION { ?u ree:usesComponent/ree:dependsOn/ree:symbol ?element BIND (false AS ?critical) }
        UNION { ?u ree:usesComponent/ree:criticalElement/ree:symbol ?element BIND (true AS ?critical) }
    }
}
GROUP BY ?u ?element ?critical
"""

_FEEDING_STAGES = """
SELECT DISTINCT ?u ?f ?element WHERE {
    ?u a ree:EndUse ; ree:usesComponent/ree:usesMaterial ?m . ?f ree:produces ?m .
    OPTIONAL { ?m ree:containsElement/ree:symbol ?element }
}
"""

_ELEMENTS = """
SELECT ?symbol (MIN(?l) AS ?name) ?group WHERE {
    ?e a ree:Element ; ree:symbol ?symbol . OPTIONAL { ?e rdfs:label ?l }
    OPTIONAL { ?e ree:memberOfGroup/skos:notation ?group }
}
GROUP BY ?symbol ?group
"""

#: Every query the projection reads, by name, in the order it reads them (they run ahead of it, two
#: at a time: :meth:`~reegraph.rdf.store.Store.values_many`).
_LATEST_SOURCE = (
    "SELECT (MAX(STR(?d)) AS ?latest) WHERE { ?s a ree:Source ; dcterms:issued ?d "
    'FILTER (REGEX(STR(?d), "^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$")) }'
)

NETWORK = {
    name: SPARQL_PREFIXES + text
    for name, text in {
        "elements": _ELEMENTS,
        "organizations": _ORGANIZATIONS,
        "countries": "SELECT ?cc ?l WHERE { ?c ree:isoCode ?cc ; rdfs:label ?l }",
        "operators": "SELECT ?f ?o WHERE { ?f ree:operator ?o }",
        "names": _NAMES,
        "amounts": _AMOUNTS,
        "handles": _HANDLES,
        "ores": _ORES,
        "own_ores": _OWN_ORES,
        "facilities": _FACILITIES,
        "links": _LINKS,
        "end_uses": _END_USES,
        "feeding": _FEEDING_STAGES,
        "vintage": _LATEST_SOURCE,
    }.items()
}

# ---------------------------------------------------------------------------------------------
# What the graph holds: info, sources, the data card's reconciliation
# ---------------------------------------------------------------------------------------------

#: Every ore type's composition statements, for the data card: ore, elements, fractions, year,
#: confidence and sources.
ORE_COMPOSITIONS = (
    SPARQL_PREFIXES
    + """SELECT ?ore (MIN(?l) AS ?label) ?c (GROUP_CONCAT(DISTINCT ?symbol; separator=" ") AS ?elements)
    (MIN(?f) AS ?fraction) (MIN(?lo) AS ?min) (MIN(?hi) AS ?max) (MIN(?y) AS ?year) (MIN(?conf) AS ?confidence)
    (GROUP_CONCAT(DISTINCT STR(?s); separator=" ") AS ?sources)
WHERE {
    ?ore a ree:OreType ; ree:hasComposition ?c . OPTIONAL { ?ore rdfs:label ?l }
    ?c ree:element/ree:symbol ?symbol .
    OPTIONAL { ?c ree:massFraction ?f } OPTIONAL { ?c ree:minFraction ?lo } OPTIONAL { ?c ree:maxFraction ?hi }
    OPTIONAL { ?c ree:year ?y } OPTIONAL { ?c ree:confidence/skos:notation ?conf }
    OPTIONAL { ?c prov:wasDerivedFrom ?s }
}
GROUP BY ?ore ?c ORDER BY ?ore ?c"""
)

ONTOLOGY_VERSION = f"SELECT ?v WHERE {{ <{ONTOLOGY_IRI}> <http://www.w3.org/2002/07/owl#versionInfo> ?v }}"
FACILITIES_BY_STAGE = (
    SPARQL_PREFIXES
    + "SELECT ?k (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a ?c . ?c ree:stage/skos:notation ?k } GROUP BY ?k"
)
FACILITIES_BY_COUNTRY = (
    SPARQL_PREFIXES + "SELECT ?k (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a/rdfs:subClassOf* ree:Facility ; "
    "ree:country/ree:isoCode ?k } GROUP BY ?k"
)
YEARS = (
    SPARQL_PREFIXES
    + "SELECT (MIN(?y) AS ?lo) (MAX(?y) AS ?hi) WHERE { ?q ree:year ?y FILTER (DATATYPE(?y) = xsd:integer) }"
)
LATEST_SOURCE = NETWORK["vintage"]


def count_instances(classes: Sequence[str]) -> str:
    """Instances of each of the ontology's ``classes`` (local names, subclasses counted).

    Raises
    ------
    InputError
        A name that is not a plain local name.
    """
    if not all(re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", name) for name in classes):
        raise InputError(f"not ontology class names: {', '.join(classes)}")
    names = " ".join(f"ree:{name}" for name in classes)
    return (
        SPARQL_PREFIXES + "SELECT ?c (COUNT(DISTINCT ?x) AS ?n) WHERE { "
        f"VALUES ?c {{ {names} }} ?x a/rdfs:subClassOf* ?c }} GROUP BY ?c"
    )


SOURCES = (
    SPARQL_PREFIXES
    + """
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
)

ESTIMATES = (
    SPARQL_PREFIXES
    + """
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
)
#: Each facility with its stage, country, review date and the year of its newest figure.
FACILITY_FRESHNESS = (
    SPARQL_PREFIXES
    + """
SELECT ?f (MIN(?l) AS ?label) (MIN(?k) AS ?stage) (MIN(?c) AS ?cc) (MAX(?r) AS ?reviewed) (MAX(?y) AS ?newest)
WHERE {
    ?f a ?class . ?class ree:stage/skos:notation ?k .
    OPTIONAL { ?f rdfs:label ?l } OPTIONAL { ?f ree:country/ree:isoCode ?c } OPTIONAL { ?f ree:reviewed ?r }
    OPTIONAL { ?f ree:hasQuantity/ree:year ?y }
}
GROUP BY ?f
"""
)
ESTIMATE_SOURCES = SPARQL_PREFIXES + "SELECT ?f ?s WHERE { ?f ree:confidence ree:Estimate ; prov:wasDerivedFrom ?s }"
SOURCE_PAGES = (
    SPARQL_PREFIXES
    + "SELECT ?s ?title ?url WHERE { ?s a ree:Source OPTIONAL { ?s dcterms:title ?title } "
    + "OPTIONAL { ?s schema:url ?url } }"
)

#: Facility production figures for all elements, with the facility's stage and country.
FACILITY_FIGURES = (
    SPARQL_PREFIXES
    + """
SELECT ?f ?cc ?stage ?value ?basis ?year WHERE {
    ?f a ?class ; ree:country/ree:isoCode ?cc ; ree:status ree:Operating ; ree:hasQuantity ?q .
    ?class ree:stage/skos:notation ?stage .
    ?q ree:quantityKind ree:Production ; ree:value ?value ; ree:basis/skos:notation ?basis ; ree:year ?year .
    FILTER NOT EXISTS { ?q ree:element ?element }
}
"""
)
#: Country production and quota figures for all elements in the year bound to ``?wanted``.
COUNTRY_FIGURES = (
    SPARQL_PREFIXES
    + """
SELECT ?wanted ?cc ?stage ?kind ?value ?basis WHERE {
    ?c ree:isoCode ?cc ; ree:hasQuantity ?q .
    ?q ree:forStage/skos:notation ?stage ; ree:quantityKind/skos:notation ?kind ; ree:value ?value ;
       ree:basis/skos:notation ?basis ; ree:year ?year .
    FILTER (?year = ?wanted && ?kind IN ("production", "quota"))
    FILTER NOT EXISTS { ?q ree:element ?element }
}
"""
)
#: Each country's published shares of a stage, for all rare earths (``?element`` unbound) or for
#: the elements named (one row per element), with their sources.
PUBLISHED_SHARES = (
    SPARQL_PREFIXES
    + """
SELECT ?cc ?element ?stage ?year ?value (GROUP_CONCAT(STR(?s); SEPARATOR=" ") AS ?sources) WHERE {
    ?c ree:isoCode ?cc ; ree:hasQuantity ?q .
    ?q ree:quantityKind ree:Share ; ree:forStage/skos:notation ?stage ; ree:value ?value ; ree:year ?year .
    OPTIONAL { ?q ree:element/ree:symbol ?element }
    OPTIONAL { ?q prov:wasDerivedFrom ?s }
}
GROUP BY ?cc ?element ?stage ?year ?value
"""
)
#: Units of each end use sold, built or installed, by region and year (count basis), with sources.
DEMAND_UNITS = (
    SPARQL_PREFIXES
    + """
SELECT ?q ?endUse ?region ?code ?year ?value ?unit ?perUnit ?confidence ?about
       (GROUP_CONCAT(STR(?s); SEPARATOR=" ") AS ?sources) WHERE {
    ?endUse a ree:EndUse ; ree:hasQuantity ?q .
    ?q ree:quantityKind ree:Demand ; ree:basis ree:CountBasis ; ree:forRegion ?region ; ree:value ?value ;
       ree:year ?year ; ree:unit ?unit ; ree:confidence ?confidence .
    OPTIONAL { ?region ree:isoCode ?code }
    OPTIONAL { ?q ree:perUnit ?perUnit }
    OPTIONAL { ?q ree:method ?method }
    OPTIONAL { ?q rdfs:comment ?comment }
    BIND (COALESCE(STR(?method), STR(?comment)) AS ?about)
    OPTIONAL { ?q prov:wasDerivedFrom ?s }
}
GROUP BY ?q ?endUse ?region ?code ?year ?value ?unit ?perUnit ?confidence ?about
"""
)
#: Each end use's content of an element per unit (contained element), with its range and sources.
DEMAND_CONTENT = (
    SPARQL_PREFIXES
    + """
SELECT ?q ?endUse ?element ?value ?min ?max ?unit ?perUnit ?year ?confidence
       (GROUP_CONCAT(STR(?s); SEPARATOR=" ") AS ?sources) WHERE {
    ?endUse a ree:EndUse ; ree:hasQuantity ?q .
    ?q ree:quantityKind ree:Intensity ; ree:basis ree:ContainedElement ; ree:element/ree:symbol ?element ;
       ree:value ?value ; ree:unit ?unit ; ree:year ?year ; ree:confidence ?confidence .
    OPTIONAL { ?q ree:minValue ?min } OPTIONAL { ?q ree:maxValue ?max } OPTIONAL { ?q ree:perUnit ?perUnit }
    OPTIONAL { ?q prov:wasDerivedFrom ?s }
}
GROUP BY ?q ?endUse ?element ?value ?min ?max ?unit ?perUnit ?year ?confidence
"""
)
FACILITY_COUNTRIES = (
    SPARQL_PREFIXES + "SELECT ?f ?cc WHERE { ?f a/rdfs:subClassOf* ree:Facility ; ree:country/ree:isoCode ?cc }"
)
COVERAGE = (
    SPARQL_PREFIXES
    + """
SELECT ?stage (COUNT(DISTINCT ?f) AS ?all) (COUNT(DISTINCT ?cn) AS ?china) (COUNT(DISTINCT ?agg) AS ?aggregates)
       (COUNT(DISTINCT ?op) AS ?operating) (COUNT(DISTINCT ?prod) AS ?production) (COUNT(DISTINCT ?cap) AS ?capacity)
WHERE {
    ?f a ?class ; ree:country/ree:isoCode ?cc ; ree:status ?status . ?class ree:stage/skos:notation ?stage .
    BIND (IF(?cc = "CN", ?f, ?none) AS ?cn)
    BIND (IF(?status = ree:Operating, ?f, ?none) AS ?op)
    OPTIONAL { ?f ree:isAggregate true . BIND (?f AS ?agg) }
    OPTIONAL { ?f ree:hasQuantity/ree:quantityKind ree:Production . BIND (?f AS ?prod) }
    OPTIONAL { ?f ree:hasQuantity/ree:quantityKind ree:Capacity . BIND (?f AS ?cap) }
}
GROUP BY ?stage
"""
)
COUNTRY_COVERAGE = (
    SPARQL_PREFIXES
    + "SELECT ?cc ?stage (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a ?class ; ree:country/ree:isoCode ?cc . "
    "?class ree:stage/skos:notation ?stage } GROUP BY ?cc ?stage"
)

# ---------------------------------------------------------------------------------------------
# Scenario files: an export control's terms, with ?policy bound
# ---------------------------------------------------------------------------------------------

POLICY = (
    SPARQL_PREFIXES
    + """SELECT ?policy ?issuer ?element ?form ?destination ?scope ?share WHERE {
    ?policy a ree:ExportControl ; ree:issuer ?issuer .
    OPTIONAL { ?policy ree:deMinimisShare ?share }
    OPTIONAL { ?policy ree:coversElement/ree:symbol ?element }
    OPTIONAL { ?policy ree:coversProductForm/skos:notation ?form }
    OPTIONAL { ?policy ree:destination/ree:isoCode ?destination }
    OPTIONAL { ?policy ree:endUserScope/skos:notation ?scope }
}"""
)
POLICY_ISSUERS = (
    SPARQL_PREFIXES + "SELECT ?policy ?cc WHERE { ?policy ree:issuer ?i . "
    "{ ?i ree:isoCode ?cc } UNION { ?i ree:headquarters/ree:isoCode ?cc } } ORDER BY ?cc"
)

# ---------------------------------------------------------------------------------------------
# Validation: the ontology lint
# ---------------------------------------------------------------------------------------------

#: Terms declared as classes, properties, concept schemes or datatypes (or as instances of a class).
DECLARED_TERMS = (
    SPARQL_PREFIXES
    + """SELECT DISTINCT ?t WHERE {
    { ?t a ?kind VALUES ?kind { owl:Class rdfs:Class rdf:Property owl:ObjectProperty owl:DatatypeProperty
                                owl:AnnotationProperty skos:ConceptScheme rdfs:Datatype } }
    UNION { ?t a/a owl:Class }
}"""
)
#: Every term used as a property, a class or an ree: object, with the least subject, role ("class"
#: first) and (where the triple is in a named graph: a loaded file) graph that use it, so every engine
#: names the same. The data is matched in the default graph: an endpoint that holds it there is checked.
USED_TERMS = (
    SPARQL_PREFIXES
    + """SELECT ?t (MIN(?s) AS ?where) (MIN(?role) AS ?as) (MIN(?g) AS ?graph) WHERE {
    { ?s ?t ?o OPTIONAL { GRAPH ?g { ?s ?t ?o } } BIND("property" AS ?role) }
    UNION { ?s a ?t OPTIONAL { GRAPH ?g { ?s a ?t } } BIND("class" AS ?role) }
    UNION { ?s ?p ?t FILTER(isIRI(?t) && STRSTARTS(STR(?t), STR(ree:))) OPTIONAL { GRAPH ?g { ?s ?p ?t } }
            BIND("term" AS ?role) }
} GROUP BY ?t"""
)
#: Literals of the datatypes whose lexical forms the lint checks.
TYPED_LITERALS = (
    SPARQL_PREFIXES
    + """SELECT DISTINCT ?s ?p ?o ?g WHERE {
    ?s ?p ?o
    FILTER(isLiteral(?o) && DATATYPE(?o) IN (xsd:integer, xsd:decimal, xsd:double, xsd:float, xsd:boolean, xsd:date,
                                             xsd:dateTime, xsd:gYear, xsd:gYearMonth, xsd:anyURI))
    OPTIONAL { GRAPH ?g { ?s ?p ?o } }
}"""
)
ONTOLOGY_TERMS = (
    SPARQL_PREFIXES
    + """SELECT ?t ?kind (COUNT(DISTINCT ?label) AS ?labels) (COUNT(DISTINCT ?def) AS ?defs)
          (COUNT(DISTINCT ?domain) AS ?domains) (COUNT(DISTINCT ?range) AS ?ranges) WHERE {
    ?t a ?kind . VALUES ?kind { owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty }
    FILTER(STRSTARTS(STR(?t), STR(ree:)))
    OPTIONAL { ?t rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en")) }
    OPTIONAL { ?t skos:definition ?def }
    OPTIONAL { ?t rdfs:domain ?domain }
    OPTIONAL { ?t rdfs:range ?range }
} GROUP BY ?t ?kind"""
)
#: The ontology's own terms (classes, properties, concept schemes, datatypes and the values of its
#: classes such as the stages), each with its English label, definition, parents and (a property)
#: domain and range, the members of a union standing for it: what the ontology's documentation shows.
ONTOLOGY_DOCS = (
    SPARQL_PREFIXES
    + """SELECT ?t ?kind (SAMPLE(?l) AS ?label) (SAMPLE(?d) AS ?definition) (SAMPLE(?n) AS ?notation)
          (GROUP_CONCAT(DISTINCT STR(?up); separator=" ") AS ?parents)
          (GROUP_CONCAT(DISTINCT STR(?dom); separator=" ") AS ?domains)
          (GROUP_CONCAT(DISTINCT STR(?ran); separator=" ") AS ?ranges) WHERE {
    { ?t a ?kind VALUES ?kind { owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty
                                skos:ConceptScheme rdfs:Datatype } }
    UNION { ?t a ?kind . ?kind a owl:Class FILTER(STRSTARTS(STR(?kind), STR(ree:))) }
    FILTER(STRSTARTS(STR(?t), STR(ree:)))
    OPTIONAL { ?t rdfs:label ?l FILTER(LANGMATCHES(LANG(?l), "en") || LANG(?l) = "") }
    OPTIONAL { ?t skos:definition ?d }
    OPTIONAL { ?t skos:notation ?n }
    OPTIONAL { ?t rdfs:subClassOf|rdfs:subPropertyOf ?up FILTER(isIRI(?up)) }
    OPTIONAL { ?t rdfs:domain ?d0 OPTIONAL { ?d0 owl:unionOf/rdf:rest*/rdf:first ?d1 }
               BIND(COALESCE(?d1, ?d0) AS ?dom) }
    OPTIONAL { ?t rdfs:range ?r0 OPTIONAL { ?r0 owl:unionOf/rdf:rest*/rdf:first ?r1 }
               BIND(COALESCE(?r1, ?r0) AS ?ran) }
} GROUP BY ?t ?kind"""
)
ONTOLOGY_HEADER = f"SELECT DISTINCT ?p WHERE {{ <{ONTOLOGY_IRI}> ?p ?o }}"
#: A decimal or integer literal (or a year) whose lexical form would blow up when converted (an
#: exact number is expanded digit by digit): longer than 64 characters, or with an exponent of four
#: digits or more (bind ``?g`` to the graph to look in). Doubles and floats convert to at most
#: infinity, which the readers of figures refuse.
OVERSIZED_NUMBERS = (
    SPARQL_PREFIXES
    + """
SELECT ?s ?lexical WHERE {
    GRAPH ?g { ?s ?p ?o }
    FILTER (isLiteral(?o) && DATATYPE(?o) IN (xsd:decimal, xsd:integer, xsd:int, xsd:long, xsd:short,
            xsd:nonNegativeInteger, xsd:positiveInteger, xsd:gYear))
    BIND (STR(?o) AS ?lexical)
    FILTER (STRLEN(?lexical) > 64 || REGEX(?lexical, "[eE][+-]?0*[0-9]{4}"))
}
LIMIT 1
"""
)
