"""The RDF layer: the store seam (embedded Oxigraph or a remote endpoint), the only builder of
SPARQL text, the ontology's terms, loading and validation."""
