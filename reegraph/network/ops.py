"""Operations on the network: the market rule that wires it, plants added to it, the parts of it an
option asks for, and the names (elements, groups, end uses) that options use.

The market rule (``graphs/README.md``, "Potential flows where no contract is known"): facilities
feed a market per (stage, country); a market feeds its country's plants at the next stage that has
plants (and the one after it where that stage may be skipped); a country without plants at that
stage buys from every country that has them; the markets of a stage trade with each other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import networkx as nx

from reegraph.errors import InputError
from reegraph.model import (
    END_USE,
    FACILITY,
    MARKET,
    OPTIONAL_STAGES,
    STAGES,
    Amount,
    Ore,
    end_use_node,
    end_uses,
    facility_node,
    handled_elements,
    market_id,
    market_node,
    markets,
)


def add_markets(G: nx.DiGraph, amounts: Mapping[str, Sequence[Amount]]) -> None:
    """Wire ``G``'s facilities by the market rule: one market per (stage, country) with facilities,
    carrying the country's own figures for the stage (``amounts`` keyed ``country/CC|stage``)."""
    by_stage: dict[str, set[str]] = defaultdict(set)
    nodes = [(n, d) for n, d in sorted(G.nodes(data=True)) if d["kind"] == FACILITY]
    inferred = []
    for node, data in nodes:
        stage, country = data["stage"], data["country"]
        market = market_id(stage, country)
        by_stage[stage].add(country)
        if market not in G:
            G.add_node(market, **market_node(stage, country, amounts.get(f"country/{country}|{stage}", ())))
        inferred.append((node, market))
    for stage, countries in by_stage.items():
        ordered = sorted(countries)
        G.add_edges_from(
            ((market_id(stage, a), market_id(stage, b)) for a in ordered for b in ordered if a != b), link="trade"
        )
    feeders = {stage: upstream_stages(stage, by_stage) for stage in by_stage}
    for node, data in nodes:
        for upstream in feeders[data["stage"]]:
            market = market_id(upstream, data["country"])
            if market in G:
                inferred.append((market, node))
            else:  # the country has no plant at that stage: it buys from every country that has one
                inferred.extend((market_id(upstream, country), node) for country in sorted(by_stage[upstream]))
    G.add_edges_from(inferred, link="inferred")


def upstream_stages(stage: str, present: Mapping[str, object]) -> list[str]:
    """The stages whose markets feed a facility at ``stage``: the previous stage that has plants
    (a key of ``present``), and also the one before it when the previous stage may be skipped.

    Examples
    --------
    >>> upstream_stages("separation", {"mining": 1, "concentration": 1, "separation": 1})
    ['concentration', 'mining']
    """
    order = [s for s in STAGES if s in present]
    if stage not in order or order.index(stage) == 0:
        return []
    feeders = []
    for previous in reversed(order[: order.index(stage)]):
        feeders.append(previous)
        if previous not in OPTIONAL_STAGES:
            break
    return feeders


def add_facilities(G: nx.DiGraph, plants: Sequence[dict]) -> None:
    """Add facilities to a built network and wire the markets again by the market rule (for
    scenarios: hypothetical plants). Each plant: ``id``, ``stage``, ``country``, ``amounts`` and
    ``elements`` (empty: every element)."""
    if not plants:
        return
    every = tuple(sorted(G.graph.get("elements", {})))
    stage_of = {}
    for plant in plants:
        stage, country = plant["stage"], plant["country"]
        stage_of[market_id(stage, country)] = stage
        G.add_node(
            plant["id"],
            **facility_node(
                stage, country, label=plant["id"], status="planned", amounts=plant["amounts"],
                handles=plant["elements"] or every,
            ),
        )  # fmt: skip
    new_markets = [(market, stage) for market, stage in sorted(stage_of.items()) if market not in G]
    # the market rule depends on which countries have plants at each stage: draw it again
    G.remove_edges_from(
        [
            (u, v)
            for u, v, data in G.edges(data=True)
            if data["link"] in ("trade", "inferred") and G.nodes[v]["kind"] != END_USE
        ]
    )
    add_markets(G, {})
    uses = [
        (n, {d["feeding_stage"], *d.get("feeding_stages", {}).values()})
        for n, d in G.nodes(data=True)
        if d["kind"] == END_USE
    ]
    for market, stage in new_markets:  # each feeds the end uses fed from its stage, as every market there does
        G.add_edges_from(((market, use) for use, fed_from in uses if stage in fed_from), link="inferred")


#: The elements a :func:`make_network` network knows.
EXAMPLE_ELEMENTS = {"Nd": "neodymium", "Pr": "praseodymium", "Dy": "dysprosium", "Tb": "terbium"}


def make_network(
    plants: Iterable[Sequence],
    *,
    end_uses: Iterable[tuple[str, str]] = (),
    as_of: str = "2025-01-01",
    year: int = 2024,
    ores: Mapping[str, Sequence[Ore]] | None = None,
) -> nx.DiGraph:
    """A small network from plain rows, wired by the market rule as the bundled graph is: for
    examples, tests and what-ifs in a notebook.

    Parameters
    ----------
    plants
        ``(id, stage, country, t REO produced in year[, owner])`` rows; the owner is an
        organization id (``org/a``), which also operates the plant.
    end_uses
        ``(id, stage)`` rows: an end use of every element, fed by every country's market at that stage.
    as_of, year
        The network's date, and the year of the plants' figures.
    ores
        The ores of some plants by id: what a mine extracts, or what a plant is fed.

    The network knows the elements of :data:`EXAMPLE_ELEMENTS`; every plant handles all of them.

    Examples
    --------
    A US mine of 100 t REO feeds a US separator of 40 t that feeds one end use:

    >>> G = make_network([("mine", "mining", "US", 100.0), ("sep", "separation", "US", 40.0)],
    ...                  end_uses=[("use", "separation")])
    >>> sorted(G.successors("market/mining/US")), sorted(G.predecessors("use"))
    (['sep'], ['market/separation/US'])
    """
    G: nx.DiGraph = nx.DiGraph(as_of=as_of, elements=dict(EXAMPLE_ELEMENTS), groups={})
    for id_, stage, country, value, *owner in plants:
        figure = Amount(id_, "production", float(value), "t REO", year, sources=("source/example",))
        G.add_node(
            id_,
            **facility_node(
                stage,
                country,
                label=id_,
                amounts=(figure,),
                operators=owner,
                owners=owner,
                ores=(ores or {}).get(id_, ()),
            ),
        )
    add_markets(G, {})
    for id_, stage in end_uses:
        G.add_node(id_, **end_use_node(stage, label=id_, elements=tuple(EXAMPLE_ELEMENTS)))
        G.add_edges_from(((market, id_) for market in markets(G, stage=stage)), link="inferred")
    return G


def expand_elements(
    known: Mapping[str, str], groups: Mapping[str, Sequence[str]], names: Iterable[str]
) -> frozenset[str]:
    """The element symbols that ``names`` (symbols, group names or ``ALL``) stand for.

    Raises
    ------
    InputError
        A name that is neither a known symbol, a group nor ``ALL``.

    Examples
    --------
    >>> sorted(expand_elements({"Dy": "dysprosium", "Tb": "terbium"}, {"heavy": ("Dy", "Tb")}, ["heavy"]))
    ['Dy', 'Tb']
    """
    wanted: set[str] = set()
    for name in names:
        if name in known:
            wanted.add(name)
        elif name in groups:
            wanted.update(groups[name])
        elif name == "ALL":
            wanted.update(known)
        else:
            choices = ", ".join(["ALL", *sorted(known), *sorted(groups)])
            raise InputError(f"unknown element or group {name!r} (known: {choices})")
    return frozenset(wanted)


def resolve_elements(G: nx.DiGraph, names: Sequence[str]) -> tuple[list[str] | None, list[str]]:
    """Concentration keys and flow symbols for ``--element`` names (symbols, group names or ``ALL``):
    the names as given (``None`` for none: every key), and the symbols they stand for, sorted.

    Raises
    ------
    InputError
        An unknown name, for ``--element``.
    """
    if not names:
        return None, sorted(G.graph["elements"])
    try:
        symbols = expand_elements(G.graph["elements"], G.graph["groups"], [n for n in names if n != "ALL"])
    except InputError as exc:
        raise InputError(f"--element: {exc}") from None
    return list(dict.fromkeys(names)), sorted(symbols)


def flow_elements(G: nx.DiGraph, names: Sequence[str]) -> list[str]:
    """The flows ``--element`` names ask for: ``ALL`` (all rare earths, t REO) if named, then each
    symbol named or in a group named."""
    return (["ALL"] if "ALL" in names else []) + resolve_elements(G, names)[1]


def resolve_end_uses(G: nx.DiGraph, names: Iterable[str]) -> set[str]:
    """The end-use nodes of ``G`` that ``names`` (``electric-cars``, ``end-use/electric-cars`` or a
    full IRI) stand for.

    Raises
    ------
    InputError
        A name that is no end use of ``G``.
    """
    known = set(end_uses(G))
    wanted = set()
    for name in names:
        short = name.rsplit("/id/", 1)[-1]
        short = short if short.startswith("end-use/") else f"end-use/{short}"
        if short not in known:
            sample = ", ".join(sorted(n.removeprefix("end-use/") for n in known)[:8])
            raise InputError(f"--end-use: unknown end use {name!r} (for example: {sample}, ...)")
        wanted.add(short)
    return wanted


def network_filter(
    G: nx.DiGraph,
    *,
    elements: Sequence[str] = (),
    end_uses: Sequence[str] = (),
    stages: Sequence[str] = (),
    countries: Sequence[str] = (),
) -> nx.DiGraph:
    """The part of ``G`` the options ask for (each option narrows; none: all of it).

    Raises
    ------
    InputError
        An unknown element, group, end use or country.
    """
    keep = set(G)
    if elements:
        wanted = expand_elements(G.graph["elements"], G.graph["groups"], elements)
        keep = {n for n in keep if G.nodes[n]["kind"] == MARKET or set(handled_elements(G.nodes[n])) & wanted}
    if countries:
        unknown = set(countries) - {d.get("country") for _, d in G.nodes(data=True)}
        if unknown:
            raise InputError(f"--country: no plant in {', '.join(sorted(unknown))}")
        keep = {n for n in keep if G.nodes[n]["kind"] == END_USE or G.nodes[n].get("country") in countries}
    if stages:
        keep = {n for n in keep if G.nodes[n]["stage"] in stages}
    if end_uses:
        named = resolve_end_uses(G, end_uses)
        feeding = set().union(*(nx.ancestors(G, u) for u in named))
        keep &= named | feeding
    # in G's order (a subgraph view would follow the set's, which changes with the hash seed)
    H: nx.DiGraph = nx.DiGraph(**G.graph)
    H.add_nodes_from((n, d) for n, d in G.nodes(data=True) if n in keep)
    H.add_edges_from((u, v, d) for u, v, d in G.edges(data=True) if u in keep and v in keep)
    return H
