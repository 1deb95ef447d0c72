"""Pure analytics over the network of :mod:`reegraph.model`: capacity, concentration, structure,
flow, the chokepoint ranking and the scenario engine. They import :mod:`reegraph.model`, networkx
and igraph, nothing above. No printing, no files, no globals; same input, same output."""

from reegraph.analysis.concentration import Concentration, Share, compute_concentration, hhi
from reegraph.analysis.flow import StageFlow, compute_flow, find_flow_losses, max_flow
from reegraph.analysis.ranking import Chokepoint, rank_chokepoints
from reegraph.analysis.structure import find_articulation_points, find_bridges, find_cuts, find_dominators

__all__ = [
    "Chokepoint",
    "Concentration",
    "Share",
    "StageFlow",
    "compute_concentration",
    "compute_flow",
    "find_articulation_points",
    "find_bridges",
    "find_cuts",
    "find_dominators",
    "find_flow_losses",
    "hhi",
    "max_flow",
    "rank_chokepoints",
]
