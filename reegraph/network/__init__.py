"""The graph as a ``networkx.DiGraph``: projection from RDF, and operations on the network."""
