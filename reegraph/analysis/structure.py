"""Structural chokepoints: what every supply path crosses (dominators from a super-source), and the
articulation points and bridges of the network of known links.

References
----------
Cooper, Harvey and Kennedy, "A Simple, Fast Dominance Algorithm" (2001), as in networkx.
Hopcroft and Tarjan, "Efficient algorithms for graph manipulation" (1973): articulation points.
"""

from __future__ import annotations

import igraph as ig
import networkx as nx

from reegraph.analysis.capacity import handlers, mandatory_stages
from reegraph.model import FACILITY, KNOWN_LINKS, feeding_stage, markets


def find_dominators(G: nx.DiGraph, element: str, end_use: str) -> list[str]:
    """The nodes (facilities and country markets) that every path from the mines to ``end_use``
    crosses for ``element``, upstream first.

    Examples
    --------
    >>> from reegraph.network.ops import make_network
    >>> chain = make_network([("mine", "mining", "US", 100.0), ("sep", "separation", "US", 40.0)],
    ...                      end_uses=[("use", "separation")])
    >>> find_dominators(chain, "ALL", "use")
    ['mine', 'market/mining/US', 'sep', 'market/separation/US']
    >>> diamond = make_network([("mine", "mining", "US", 100.0), ("sep-a", "separation", "US", 30.0),
    ...                         ("sep-b", "separation", "AU", 30.0)], end_uses=[("use", "separation")])
    >>> find_dominators(diamond, "ALL", "use")
    ['mine', 'market/mining/US']
    """
    H = element_subgraph(G, element, end_use)
    if end_use not in H:
        return []
    idom = nx.immediate_dominators(H, "source")
    if end_use not in idom:
        return []
    chain = []
    node = idom[end_use]
    while node != "source":
        chain.append(node)
        node = idom[node]
    return chain[::-1]


def element_subgraph(G: nx.DiGraph, element: str, end_use: str) -> nx.DiGraph:
    """The part of ``G`` that can carry ``element`` to ``end_use``, with a ``source`` before the mines."""
    feeding = feeding_stage(G, end_use, element)
    stages = mandatory_stages(G, feeding)
    keep = {n for s in (*stages, "concentration") for n in handlers(G, element, s)}
    keep |= set(markets(G))
    H = G.subgraph(keep | {end_use}).copy()
    H.remove_edges_from([(u, end_use) for u in list(H.predecessors(end_use)) if G.nodes[u]["stage"] != feeding])
    H.add_node("source")
    for node in keep:
        if G.nodes[node]["stage"] == "mining" and G.nodes[node]["kind"] == FACILITY:
            H.add_edge("source", node)
    return H


def known_links(G: nx.DiGraph) -> list[tuple[str, str]]:
    """The known supply links (contract or reported) between facilities, as node pairs."""
    return [(u, v) for u, v, d in G.edges(data=True) if d.get("link") in KNOWN_LINKS]


def find_cuts(G: nx.DiGraph) -> tuple[list[str], list[tuple[str, str]]]:
    """The articulation points and bridges of the undirected network of known links.

    Computed with igraph (linear time, in C); networkx's ``articulation_points`` and ``bridges``
    give the same answer (tests check it) but take about 0.7 s at 1e6 triples, igraph 0.05 s.
    """
    index: dict[str, int] = {}
    pairs = [(index.setdefault(u, len(index)), index.setdefault(v, len(index))) for u, v in known_links(G)]
    graph = ig.Graph(n=len(index), edges=pairs).simplify()  # a link both ways is one undirected edge
    names = list(index)
    points = sorted(names[i] for i in graph.articulation_points())
    edges = graph.get_edgelist()
    bridges = sorted(tuple(sorted((names[edges[e][0]], names[edges[e][1]]))) for e in graph.bridges())
    return points, bridges


def find_articulation_points(G: nx.DiGraph) -> list[str]:
    """Facilities whose loss splits the network of known links, sorted.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_edges_from([("a", "b"), ("b", "c")], link="contract")
    >>> find_articulation_points(G)
    ['b']
    """
    return find_cuts(G)[0]


def find_bridges(G: nx.DiGraph) -> list[tuple[str, str]]:
    """Known links whose loss splits the network of known links, each as a sorted pair, sorted.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_edges_from([("a", "b"), ("b", "c")], link="contract")
    >>> find_bridges(G)
    [('a', 'b'), ('b', 'c')]
    """
    return find_cuts(G)[1]
