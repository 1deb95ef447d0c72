"""Disruption scenarios on the network: export controls (blocked or licensed to a fraction), plants,
companies or countries offline, capacity scaled, new plants; and the supply each region can still
get, per element and end use.

This is the engine's core: :class:`Scenario` and :func:`run_scenario`. Regions are groups of
countries (:data:`REGIONS`); a region's end uses are fed by every country's market at the feeding
stage, its own countries' without restriction and the others' through the trade edges that export
controls act on. Demand is not capped, so a result is the most a region can receive: ``shortfall``
is one minus the scenario's flow over the baseline's.

References
----------
Ahuja, Magnanti and Orlin, *Network Flows* (1993): max-flow min-cut theorem; node splitting.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import networkx as nx

from reegraph.analysis.flow import Tables, _end_use_groups, flow_network, stage_table
from reegraph.network import feeding_stage

_EU = """AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"""

#: Regions of the scenario results; ``ROW`` is every country in none of the others.
REGIONS: dict[str, frozenset[str]] = {
    "CN": frozenset({"CN"}),
    "US": frozenset({"US"}),
    "EU": frozenset(_EU.split()),  # the 27 member states
    "JP": frozenset({"JP"}),
}


def region_of(country: str) -> str:
    """The region code of an ISO country code.

    Examples
    --------
    >>> region_of("EE"), region_of("MY")
    ('EU', 'ROW')
    """
    return next((name for name, members in REGIONS.items() if country in members), "ROW")


@dataclass(frozen=True)
class ExportControl:
    """Exports of ``elements`` from ``exporter`` at ``stages`` to ``destinations`` (regions; empty:
    everywhere else) are blocked, or licensed up to ``licensed_fraction`` of the exporter's output."""

    exporter: str
    elements: frozenset[str]
    stages: frozenset[str]
    destinations: frozenset[str] = frozenset()
    licensed_fraction: float = 0.0
    military_only: bool = False

    def covers(self, element: str, stage: str, region: str) -> bool:
        """Whether this control restricts ``element`` leaving at ``stage`` for ``region``."""
        return (
            element in self.elements
            and stage in self.stages
            and region != region_of(self.exporter)
            and (not self.destinations or region in self.destinations)
        )


@dataclass(frozen=True)
class Scenario:
    """A what-if: export controls, facilities offline, capacity scaled by a factor, and planned
    facilities brought online (the others in the network stay offline, as in the baseline)."""

    name: str
    controls: tuple[ExportControl, ...] = ()
    offline: frozenset[str] = frozenset()
    scale: Mapping[str, float] = field(default_factory=dict)
    online: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Impact:
    """What one region can still get of one element for one end use, against the baseline."""

    end_use: str
    end_use_label: str
    element: str
    region: str
    baseline: float | None
    scenario: float | None
    shortfall: float | None
    binding: tuple[str, ...]


def run_scenario(
    G: nx.DiGraph,
    scenario: Scenario,
    *,
    elements: Iterable[str],
    regions: Iterable[str] = (*REGIONS, "ROW"),
    tables: Tables | None = None,
) -> list[Impact]:
    """Baseline and scenario flow of each element to each end use and region; sorted by shortfall
    (largest first), then end use, element and region.

    Examples
    --------
    The chain's only separator is in the US; blocking its exports leaves the rest of the world
    without supply, while the US itself is untouched.

    >>> from reegraph.network import example_network
    >>> block = ExportControl("US", frozenset({"ALL"}), frozenset({"separation"}))
    >>> [(i.region, i.shortfall) for i in run_scenario(example_network("chain"), Scenario("x", (block,)),
    ...  elements=["ALL"], regions=["US", "ROW"])]
    [('ROW', 1.0), ('US', 0.0)]
    """
    tables = {} if tables is None else tables
    planned = frozenset(n for n, d in G.nodes(data=True) if d["kind"] == "facility" and d.get("status") != "operating")
    base = Scenario("baseline", offline=planned)
    scenario = replace(scenario, offline=scenario.offline | (planned - scenario.online))
    impacts = []
    for element in elements:
        for end_uses in _end_use_groups(G, element, tables).values():
            representative = end_uses[0]
            baseline = _max_flow(_network(G, element, representative, None, base, tables))
            for region in regions:
                H = _network(G, element, representative, region, scenario, tables)
                value = _max_flow(H)
                binding = _binding(H) if value is not None else ()
                shortfall = None
                if baseline is not None and value is not None and baseline > 0:
                    shortfall = round(max(0.0, 1 - value / baseline), 12)
                for end_use in end_uses:
                    if _military_only(scenario) and G.nodes[end_use].get("sector") != "defence":
                        continue
                    impacts.append(
                        Impact(
                            end_use=end_use,
                            end_use_label=G.nodes[end_use].get("label", end_use),
                            element=element,
                            region=region,
                            baseline=baseline,
                            scenario=value,
                            shortfall=shortfall,
                            binding=binding,
                        )
                    )
    return sorted(impacts, key=lambda i: (-(i.shortfall or 0.0), i.end_use, i.element, i.region))


def _military_only(scenario: Scenario) -> bool:
    return bool(scenario.controls) and all(c.military_only for c in scenario.controls)


def _network(
    G: nx.DiGraph, element: str, end_use: str, region: str | None, scenario: Scenario, tables: Tables
) -> nx.DiGraph:
    """The node-split network with the scenario applied: offline plants removed, capacities
    scaled, and every edge that carries a controlled export routed through a gate whose capacity is
    the licensed fraction of the exporter's output at that stage."""
    H = flow_network(G, element, end_use, without=scenario.offline)
    for node, factor in scenario.scale.items():
        edge = H.get_edge_data(f"{node}|in", f"{node}|out")
        if edge is not None and "capacity" in edge:
            edge["capacity"] *= factor
    feeding = feeding_stage(G, end_use, element)
    for control in scenario.controls:
        if element not in control.elements and "ALL" not in control.elements:
            continue
        for stage in control.stages:
            market = f"market/{stage}/{control.exporter}|out"
            if market not in H:
                continue
            gate = f"gate/{stage}/{control.exporter}"
            for head in list(H.successors(market)):
                if head == "sink":
                    if region is None or stage != feeding or not _restricts(control, element, stage, region):
                        continue
                elif not _crosses(G, head, control, element, stage):
                    continue
                H.remove_edge(market, head)
                H.add_edge(gate, head)
            if gate in H:
                output = _output(G, element, stage, control.exporter, tables)
                cap = control.licensed_fraction * output if math.isfinite(output) else None
                if cap is None and control.licensed_fraction > 0:
                    H.add_edge(market, gate)
                else:
                    H.add_edge(market, gate, capacity=cap or 0.0)
    return H


def _restricts(control: ExportControl, element: str, stage: str, region: str) -> bool:
    return control.covers(element if element in control.elements else "ALL", stage, region)


def _crosses(G: nx.DiGraph, head: str, control: ExportControl, element: str, stage: str) -> bool:
    """Whether an edge from the exporter's market to ``head`` leaves for a controlled destination."""
    node = head.split("|")[0]
    country = G.nodes[node]["country"] if node in G else None
    if country is None or country == control.exporter:
        return False
    return _restricts(control, element, stage, region_of(country))


def _output(G: nx.DiGraph, element: str, stage: str, country: str, tables: Tables) -> float:
    table = stage_table(G, element, stage, tables)
    plants = sum(c for n, c in table.capacities.items() if G.nodes[n]["country"] == country)
    return min(plants, table.markets.get(country, math.inf))


def _max_flow(H: nx.DiGraph) -> float | None:
    try:
        return float(nx.maximum_flow_value(H, "source", "sink"))
    except nx.NetworkXUnbounded:
        return None


def _binding(H: nx.DiGraph) -> tuple[str, ...]:
    """The plants, markets and gates whose capacity the minimum cut saturates."""
    _, (reachable, _) = nx.minimum_cut(H, "source", "sink")
    cut = {
        u.split("|")[0]
        for u in reachable
        for v in H.successors(u)
        if v not in reachable and "capacity" in H.edges[u, v]
    }
    return tuple(sorted(cut))
