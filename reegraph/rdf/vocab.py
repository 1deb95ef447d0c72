"""The reegraph ontology's terms as code.

``REE`` mirrors every term that ``ontology/reegraph.ttl`` declares in the ``ree:`` namespace; a test
keeps the two equal. Unknown names raise ``AttributeError``, so a typo such as ``REE.capasity``
fails at import time instead of producing a silent empty query.

Examples
--------
>>> from reegraph.rdf.vocab import REE
>>> str(REE.SeparationPlant)
'https://w3id.org/reegraph/ontology#SeparationPlant'
"""

from __future__ import annotations

import functools

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from reegraph import model

ONTOLOGY_IRI = "https://w3id.org/reegraph/ontology"
DATA = Namespace(model.DATA)
WGS = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")


class REE(DefinedNamespace):
    """Terms of the reegraph ontology (``https://w3id.org/reegraph/ontology#``)."""

    _NS = Namespace("https://w3id.org/reegraph/ontology#")
    _fail = True

    # Classes
    Basis: URIRef
    ByproductSource: URIRef
    Component: URIRef
    ComponentPlant: URIRef
    Composition: URIRef
    ConcentrationPlant: URIRef
    Confidence: URIRef
    Country: URIRef
    Disruption: URIRef
    Element: URIRef
    ElementGroup: URIRef
    EndUse: URIRef
    EndUserScope: URIRef
    ExportControl: URIRef
    Facility: URIRef
    FacilityStatus: URIRef
    LinkStatus: URIRef
    MagnetPlant: URIRef
    Material: URIRef
    MetalAlloyPlant: URIRef
    Mine: URIRef
    OreType: URIRef
    Organization: URIRef
    Ownership: URIRef
    Policy: URIRef
    PolicyStatus: URIRef
    ProductForm: URIRef
    Quantity: URIRef
    QuantityKind: URIRef
    RecyclingPlant: URIRef
    Region: URIRef
    Sector: URIRef
    SeparationPlant: URIRef
    Source: URIRef
    Stage: URIRef
    SupplyLink: URIRef

    # Object properties
    affects: URIRef
    basis: URIRef
    confidence: URIRef
    containsElement: URIRef
    country: URIRef
    coversElement: URIRef
    coversProductForm: URIRef
    criticalElement: URIRef
    customer: URIRef
    dependsOn: URIRef
    destination: URIRef
    element: URIRef
    forRegion: URIRef
    forStage: URIRef
    endUserScope: URIRef
    hasComposition: URIRef
    hasQuantity: URIRef
    headquarters: URIRef
    issuer: URIRef
    linkStatus: URIRef
    material: URIRef
    memberOfGroup: URIRef
    operator: URIRef
    oreType: URIRef
    owned: URIRef
    owner: URIRef
    parentOrganization: URIRef
    policyStatus: URIRef
    produces: URIRef
    productForm: URIRef
    quantityKind: URIRef
    sector: URIRef
    status: URIRef
    supplier: URIRef
    suspendedBy: URIRef
    unit: URIRef
    usesComponent: URIRef
    usesMaterial: URIRef

    # Datatype properties
    accessed: URIRef
    announcedDate: URIRef
    atomicNumber: URIRef
    controlCode: URIRef
    deMinimisShare: URIRef
    documentNumber: URIRef
    effectiveDate: URIRef
    endDate: URIRef
    expiryDate: URIRef
    isAggregate: URIRef
    isoCode: URIRef
    massFraction: URIRef
    maxFraction: URIRef
    maxValue: URIRef
    method: URIRef
    minFraction: URIRef
    minValue: URIRef
    perUnit: URIRef
    reviewed: URIRef
    share: URIRef
    stageOrder: URIRef
    startDate: URIRef
    suspendedDate: URIRef
    suspendedUntil: URIRef
    symbol: URIRef
    value: URIRef
    year: URIRef

    # Annotation properties
    stage: URIRef

    # Concept schemes
    Bases: URIRef
    ChinaClassification: URIRef
    Confidences: URIRef
    EndUserScopes: URIRef
    FacilityStatuses: URIRef
    LinkStatuses: URIRef
    MagnetClassification: URIRef
    PolicyStatuses: URIRef
    ProductForms: URIRef
    QuantityKinds: URIRef
    Sectors: URIRef
    Stages: URIRef
    USGSClassification: URIRef

    # Concepts: Basis
    ConcentrateBasis: URIRef
    ContainedElement: URIRef
    CountBasis: URIRef
    MagnetBasis: URIRef
    MetalBasis: URIRef
    PerUnitBasis: URIRef
    REO: URIRef

    # Concepts: Confidence
    Derived: URIRef
    Estimate: URIRef
    Reported: URIRef

    # Concepts: ElementGroup
    ChinaLight: URIRef
    ChinaMediumHeavy: URIRef
    MagnetREE: URIRef
    USGSHeavy: URIRef
    USGSLight: URIRef
    USGSScandium: URIRef

    # Concepts: EndUserScope
    AllEndUsers: URIRef
    MilitaryEndUsers: URIRef

    # Concepts: FacilityStatus
    Closed: URIRef
    Construction: URIRef
    Idle: URIRef
    Operating: URIRef
    Planned: URIRef

    # Concepts: LinkStatus
    Contract: URIRef
    Inferred: URIRef
    ReportedFlow: URIRef

    # Concepts: PolicyStatus
    Announced: URIRef
    Expired: URIRef
    InForce: URIRef
    Suspended: URIRef
    UnknownStatus: URIRef

    # Concepts: ProductForm
    Alloy: URIRef
    BondedNdFeB: URIRef
    Compound: URIRef
    Concentrate: URIRef
    Metal: URIRef
    MixedCarbonate: URIRef
    Ore: URIRef
    SeparatedOxide: URIRef
    SinteredNdFeB: URIRef
    SmCo: URIRef
    Target: URIRef

    # Concepts: QuantityKind
    Capacity: URIRef
    Demand: URIRef
    Intensity: URIRef
    NetImportReliance: URIRef
    Production: URIRef
    Quota: URIRef
    Reserves: URIRef
    Share: URIRef
    Trade: URIRef

    # Concepts: Sector
    Aerospace: URIRef
    Automotive: URIRef
    Defence: URIRef
    Electronics: URIRef
    Energy: URIRef
    HealthCare: URIRef
    Industrial: URIRef
    Optics: URIRef

    # Concepts: Stage
    ComponentStage: URIRef
    ConcentrationStage: URIRef
    EndUseStage: URIRef
    MagnetStage: URIRef
    MetalStage: URIRef
    MiningStage: URIRef
    RecyclingStage: URIRef
    SeparationStage: URIRef


#: Prefixes of the namespaces reegraph uses, for SPARQL and for readable messages.
PREFIXES = {
    "ree": "https://w3id.org/reegraph/ontology#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "wgs": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "unit": "http://qudt.org/vocab/unit/",
}

_NAMESPACES = tuple(PREFIXES.values())


def compact(iri: str) -> str:
    """``ree:Mine`` for a term in a known namespace, else ``<iri>``.

    Examples
    --------
    >>> compact("https://w3id.org/reegraph/ontology#Mine")
    'ree:Mine'
    """
    if not iri.startswith(_NAMESPACES):
        return f"<{iri}>"
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and iri[len(namespace) :].replace("_", "").replace("-", "").isalnum():
            return f"{prefix}:{iri[len(namespace) :]}"
    return f"<{iri}>"


@functools.lru_cache(maxsize=1 << 20)
def short_id(iri: str) -> str:
    """A reegraph data IRI without its namespace (``facility/lynas-malaysia``); others as :func:`compact`.

    Examples
    --------
    >>> short_id("https://w3id.org/reegraph/id/source/usgs-mcs-2025-rare-earths")
    'source/usgs-mcs-2025-rare-earths'
    """
    return iri[len(DATA) :] if iri.startswith(str(DATA)) else compact(iri)
