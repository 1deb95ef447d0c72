"""Analytics on hand-checkable fixture graphs (chain, diamond, star), cross-checked with networkx,
and the headline findings on the bundled graph."""

from __future__ import annotations

import math
from datetime import date

import pytest

from reegraph.analysis import (
    compute_concentration,
    compute_flow,
    find_articulation_points,
    find_bridges,
    find_dominators,
    find_flow_losses,
    hhi,
    max_flow,
    rank_chokepoints,
)
from reegraph.network.project import build_network
from reegraph.rdf.load import load_store

from .test_network import fixture_network

T = "<https://example.org/test/{}>"


@pytest.fixture(scope="module")
def bundled():
    return build_network(load_store(), as_of=date(2026, 11, 28))


def test_chain_the_only_separator_is_the_single_point_of_failure():
    G = fixture_network("chain")
    (flow,) = compute_flow(G, "ALL")
    assert (flow.flow, flow.binding_stage) == (40.0, "separation")
    assert max_flow(G, "ALL", T.format("use")) == 40.0
    losses = {(x.kind, x.id, x.stage): x for x in find_flow_losses(G, flow)}
    sep = losses[("facility", T.format("sep"), "separation")]
    assert (sep.loss, sep.dominates) == (1.0, True)
    assert T.format("sep") in find_dominators(G, "ALL", T.format("use"))
    assert max_flow(G, "ALL", T.format("use"), without=[T.format("sep")]) == 0.0
    top = rank_chokepoints(G, compute_concentration(G), [flow])[0]
    assert top.dominates and top.score == 1.0


def test_diamond_has_no_single_point_of_failure_and_each_separator_carries_half():
    G = fixture_network("diamond")
    (flow,) = compute_flow(G, "ALL")
    assert flow.flow == 60.0
    separation = [x for x in find_flow_losses(G, flow) if x.stage == "separation"]
    assert {(x.kind, x.id): x.loss for x in separation} == {
        ("facility", T.format("sep-a")): 0.5,
        ("facility", T.format("sep-b")): 0.5,
        ("country", "US"): 0.5,
        ("country", "AU"): 0.5,
        ("company", "<https://example.org/test/acme>"): 0.5,
        ("company", "<https://example.org/test/beta>"): 0.5,
    }
    assert not any(x.dominates for x in separation)
    dominators = find_dominators(G, "ALL", T.format("use"))
    assert T.format("sep-a") not in dominators and T.format("sep-b") not in dominators
    assert T.format("mine") in dominators
    assert max_flow(G, "ALL", T.format("use"), without=[T.format("sep-a")]) == 30.0
    shares = next(c for c in compute_concentration(G) if c.stage == "separation")
    assert (shares.hhi, shares.top1_share, shares.top3_share) == (5000.0, 0.5, 1.0)


def test_star_one_country_holds_everything():
    G = fixture_network("star")
    (entry,) = compute_concentration(G)
    assert (entry.stage, entry.element, entry.total, entry.hhi, entry.top1_share) == (
        "mining",
        "ALL",
        100.0,
        10000.0,
        1.0,
    )
    assert entry.highly_concentrated and entry.computed_from == "facilities"


def test_hhi_on_the_doj_scale():
    assert hhi([0.5, 0.3, 0.2]) == pytest.approx(3800.0)
    assert hhi([]) == 0.0


def test_articulation_points_and_bridges_of_known_links(bundled):
    points = find_articulation_points(bundled)
    assert "facility/mountain-pass-separation" in points  # between the mine and the Fort Worth metal plant
    assert "facility/mount-weld" not in points  # Mount Weld, Kalgoorlie and Lynas Malaysia form a triangle
    assert ("facility/mountain-pass-mine", "facility/mountain-pass-separation") in find_bridges(bundled)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_igraph_cuts_match_networkx_on_random_link_networks(seed, bundled):
    import networkx as nx

    from reegraph.analysis import find_cuts

    graphs = [bundled] if seed == 1 else []
    random = nx.gnm_random_graph(300, 330, seed=seed, directed=True)  # sparse: many cuts, some cycles
    G = nx.DiGraph()
    G.add_edges_from(((f"f{u}", f"f{v}") for u, v in random.edges), link="contract")
    G.add_edges_from([("f0", "f1"), ("f1", "f0")], link="reported")  # a link both ways is one edge
    G.add_edges_from([("f2", "m"), ("m", "f3")], link="inferred")  # not a known link: ignored
    graphs.append(G)
    for graph in graphs:
        known = nx.Graph((u, v) for u, v, d in graph.edges(data=True) if d.get("link") in ("contract", "reported"))
        points, bridges = find_cuts(graph)
        assert points == sorted(nx.articulation_points(known))
        assert bridges == sorted(tuple(sorted(b)) for b in nx.bridges(known))
        assert points and bridges


def test_stage_cut_losses_match_networkx_max_flow_on_the_bundled_graph(bundled):
    checked = 0
    for element in ("ALL", "Nd", "Dy", "Tb"):
        for flow in compute_flow(bundled, element):
            if flow.flow is None:
                continue
            end_use = flow.end_uses[0]
            assert max_flow(bundled, element, end_use) == pytest.approx(flow.flow)
            for loss in find_flow_losses(bundled, flow)[:6]:
                members = _members(bundled, element, loss)
                expected = max_flow(bundled, element, end_use, without=members)
                remaining = loss.remaining if math.isfinite(loss.remaining) else None
                assert expected == pytest.approx(remaining), loss
                checked += 1
    assert checked > 20


def _members(G, element, loss):
    handles = [
        n
        for n, d in G.nodes(data=True)
        if d["kind"] == "facility" and d["stage"] == loss.stage and (element == "ALL" or element in d["handles"])
    ]
    if loss.kind == "facility":
        return [loss.id]
    key = "country" if loss.kind == "country" else "owner"
    return [n for n in handles if G.nodes[n].get(key) == loss.id]


def test_headline_findings_on_the_bundled_graph(bundled):
    shares = {(c.stage, c.element): c for c in compute_concentration(bundled)}
    assert shares[("mining", "ALL")].shares[0].country == "CN"
    assert shares[("mining", "ALL")].top1_share == pytest.approx(270_000 / 393_305)
    assert shares[("separation", "Dy")].top1_share == 1.0  # nobody outside China separated Dy in 2024
    assert shares[("metal", "Nd")].shares[0].country == "CN"
    assert shares[("magnet", "ALL")].top1_share > 0.9
    (dy,) = [f for f in compute_flow(bundled, "Dy") if f.feeding_stage == "magnet"]
    assert dy.binding_stage == "separation"
    assert dict(next(s for s in dy.stages if s.stage == "separation").countries).keys() >= {"CN", "MY"}
    ranked = rank_chokepoints(bundled, compute_concentration(bundled, elements=["Dy"]), compute_flow(bundled, "Dy"))
    china = next(c for c in ranked if c.kind == "country" and c.id == "CN" and c.stage == "separation")
    assert china.rank == 1 and china.flow_loss > 0.95 and "end-use/electric-cars" in china.end_uses
    assert "source/argus-china-2025-outlook" in china.sources


def test_ownership_moves_a_share_to_the_parent_company_country():
    G = fixture_network("owned")
    assert G.nodes[T.format("sep-b")]["owner_country"] == "US"  # Beta Sub (AU) -> its parent Acme (US)

    def shares(by):
        (entry,) = compute_concentration(G, by=by, stages=["separation"], elements=["ALL"])
        return {s.country: (s.amount, s.share) for s in entry.shares}, entry.hhi

    # by location: AU 20 + 50 of 100 t, US 30; by owner: sep-b's 20 t move to the US
    assert shares("location") == ({"AU": (70.0, 0.7), "US": (30.0, 0.3)}, 70**2 + 30**2)
    assert shares("ownership") == ({"AU": (50.0, 0.5), "US": (50.0, 0.5)}, 2 * 50**2)
    with pytest.raises(ValueError):
        compute_concentration(G, by="nationality")


def test_ownership_moves_lynas_malaysia_to_australia(bundled):
    """Lynas Malaysia separates in Malaysia for an Australian company: by owner, its tonnes count for AU."""

    def separation(by):
        (entry,) = compute_concentration(bundled, by=by, stages=["separation"], elements=["ALL"])
        return {s.country: s.amount for s in entry.shares}, entry.total

    located, total = separation("location")
    owned, same_total = separation("ownership")
    assert total == same_total and "MY" not in owned and "AU" not in located
    assert owned["AU"] == located["MY"] > 10_000
    assert {c: a for c, a in owned.items() if c != "AU"} == {c: a for c, a in located.items() if c != "MY"}
