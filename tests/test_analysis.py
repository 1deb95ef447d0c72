"""Analytics on hand-checkable fixture graphs (chain, diamond, star), cross-checked with networkx,
and the headline findings on the bundled graph. Every amount is a range: on the fixtures, whose
figures are all production, each is a point, and the hand-computed numbers hold at every end."""

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
from reegraph.analysis.concentration import Coverage
from reegraph.model import ENDS, OXIDE_TO_ELEMENT, Amount, Ends, Range
from reegraph.network.ops import make_network
from reegraph.network.project import build_network
from reegraph.rdf.load import bundled_files, load_store

from .conftest import SHAPES
from .test_network import NETWORK

T = "<https://example.org/test/{}>"
#: The bundled element list: "ALL" stands for every element the graph knows, and the fixture graphs
#: declare none of their own.
ELEMENTS = next(p for p in bundled_files() if p.name == "elements.ttl")


def fixture_network(name: str):
    """A hand-checkable fixture of ``tests/data/network`` with the bundled elements, as of 2025-01-01."""
    store = load_store(data=[NETWORK / "common.ttl", NETWORK / f"{name}.ttl", ELEMENTS], bundled=False)
    return build_network(store, as_of=date(2025, 1, 1))


def point(value: float) -> Range:
    """An amount known exactly: the same at every end."""
    return Range(value, value, value)


@pytest.fixture(scope="module")
def bundled():
    return build_network(load_store(), as_of=date(2026, 11, 28))


def test_chain_the_only_separator_is_the_single_point_of_failure():
    G = fixture_network("chain")
    use, sep = T.format("use"), T.format("sep")
    (flow,) = compute_flow(G, "ALL")
    assert (flow.flow, tuple(flow.binding), flow.note) == (point(40.0), ("separation",) * 3, "")
    for end in ENDS:
        assert max_flow(G, "ALL", use, end=end) == 40.0
        assert max_flow(G, "ALL", use, without=[sep], end=end) == 0.0
    losses = {(x.kind, x.id, x.stage): x for x in find_flow_losses(G, flow)}
    loss = losses[("facility", sep, "separation")]
    assert (loss.loss, loss.least, loss.dominates) == (Ends(1.0, 1.0, 1.0), 1.0, True)
    assert sep in find_dominators(G, "ALL", use)
    top = rank_chokepoints(G, compute_concentration(G), [flow])[0]
    assert top.dominates and top.score == 1.0
    assert (top.share, top.flow_loss, top.end_uses) == (point(1.0), Ends(1.0, 1.0, 1.0), (use,))


def test_diamond_has_no_single_point_of_failure_and_each_separator_carries_half():
    G = fixture_network("diamond")
    use = T.format("use")
    (flow,) = compute_flow(G, "ALL")
    assert (flow.flow, flow.binding.point) == (point(60.0), "separation")
    separation = [x for x in find_flow_losses(G, flow) if x.stage == "separation"]
    half = Ends(0.5, 0.5, 0.5)
    assert {(x.kind, x.id): x.loss for x in separation} == {
        ("facility", T.format("sep-a")): half,
        ("facility", T.format("sep-b")): half,
        ("country", "US"): half,
        ("country", "AU"): half,
        ("company", "<https://example.org/test/acme>"): half,
        ("company", "<https://example.org/test/beta>"): half,
    }
    assert not any(x.dominates for x in separation)
    dominators = find_dominators(G, "ALL", use)
    assert T.format("sep-a") not in dominators and T.format("sep-b") not in dominators
    assert T.format("mine") in dominators
    for end in ENDS:
        assert max_flow(G, "ALL", use, without=[T.format("sep-a")], end=end) == 30.0
    shares = next(c for c in compute_concentration(G) if c.stage == "separation")
    assert (shares.status, shares.total, shares.hhi) == ("complete", point(60.0), point(5000.0))
    assert {s.country: s.share for s in shares.shares} == {"US": point(0.5), "AU": point(0.5)}
    assert shares.highly_concentrated is True  # 5,000 is above 1,800 at every end


def test_star_one_country_holds_everything():
    G = fixture_network("star")
    (entry,) = compute_concentration(G)
    assert (entry.stage, entry.element, entry.status, entry.total, entry.hhi) == (
        "mining",
        "ALL",
        "complete",
        point(100.0),
        point(10000.0),
    )
    (china,) = entry.shares
    assert (china.country, china.amount, china.share) == ("CN", point(100.0), point(1.0))
    assert entry.highly_concentrated and (entry.span, entry.note) == ("2024", "")
    assert entry.coverage == Coverage(
        holders=2, reasons={"production": 2}, unquantified=(), stale=(), from_facilities=1.0, years=(2024,)
    )


def capacity_diamond():
    """The diamond with the US separator reporting only a capacity of 30 t: it produced 0-30 t."""
    G = make_network(SHAPES["diamond"], end_uses=[("use", "separation")])
    G.nodes["sep-a"]["amounts"] = (Amount("sep-a", "capacity", 30.0, "t REO", 2024, sources=("source/example",)),)
    return G


def test_a_loss_on_a_flow_without_a_point_is_known_at_its_low_and_high_ends():
    """The capacity diamond's flow is 30-60 t with no point; without Australia's 30 t, 0-30 t are
    left: all of it lost at the low end, half at the high end, and networkx agrees at each end."""
    G = capacity_diamond()
    (flow,) = compute_flow(G, "ALL")
    assert (flow.flow, tuple(flow.binding)) == (Range(30.0, 60.0, None), ("separation", None, "separation"))
    australia = next(x for x in find_flow_losses(G, flow) if (x.kind, x.id) == ("country", "AU"))
    assert (australia.loss, australia.dominates) == (Ends(1.0, None, 0.5), False)
    for end, left in (("low", 0.0), ("point", None), ("high", 30.0)):
        assert max_flow(G, "ALL", "use", end=end) == flow.flow.at(end)
        assert max_flow(G, "ALL", "use", without=["sep-b"], end=end) == left


def test_a_loss_known_at_both_ends_is_not_zero_for_want_of_a_point():
    """In the capacity diamond the least loss the evidence gives for Australia is 50% (the high end),
    and the loss reaches the end use: the point is undefined because no point estimate exists, not
    because nothing bounds the flow."""
    G = capacity_diamond()
    (flow,) = compute_flow(G, "ALL")
    australia = next(x for x in find_flow_losses(G, flow) if (x.kind, x.id) == ("country", "AU"))
    ranked = rank_chokepoints(G, compute_concentration(G), [flow])
    assert australia.least == 0.5
    assert next(c for c in ranked if c.id == "AU").end_uses == ("use",)


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
    """The arithmetic of find_flow_losses against networkx's max flow on the node-split network, at
    each end of the amounts: the flow itself, and the flow left without each country and the largest
    losers among companies and facilities."""
    checked = dict.fromkeys(ENDS, 0)
    for element in ("ALL", "Nd", "Dy", "Tb"):
        for flow in compute_flow(bundled, element):
            end_use = flow.end_uses[0]
            for end in ENDS:
                value = flow.flow.at(end)
                expected = None if value is None or math.isinf(value) else pytest.approx(value)
                assert max_flow(bundled, element, end_use, end=end) == expected, (element, end)
            losses = find_flow_losses(bundled, flow)
            others = sorted((x for x in losses if x.kind != "country"), key=lambda x: -max(_defined(x.loss)))
            for loss in [x for x in losses if x.kind == "country"] + others[:6]:
                members = _members(bundled, element, loss)
                for end in ENDS:
                    before, lost = flow.flow.at(end), loss.loss.at(end)
                    after = max_flow(bundled, element, end_use, without=members, end=end)
                    if loss.dominates:
                        assert lost == 1.0 and after in (0.0, None), loss
                    elif before is None:  # no point estimate: neither gives one
                        assert lost is None and after is None, loss
                    elif before <= 0 or math.isinf(before):  # a flow of nothing, or one nothing bounds
                        assert lost is None, loss
                    else:
                        assert lost == pytest.approx(1 - after / before, abs=1e-9), (loss, end)
                        checked[end] += 1
    assert checked["low"] > 20 and checked["high"] > 20


def _defined(ends):
    return [v for v in ends if v is not None] or [0.0]


def _members(G, element, loss):
    handles = [
        n
        for n, d in G.nodes(data=True)
        if d["kind"] == "facility" and d["stage"] == loss.stage and (element == "ALL" or element in d["handles"])
    ]
    if loss.kind == "facility":
        return [loss.id]
    if loss.kind == "country":
        return [n for n in handles if G.nodes[n]["country"] == loss.id]
    return [n for n in handles if loss.id in G.nodes[n]["owners"]]


def test_headline_findings_on_the_bundled_graph(bundled):
    shares = {(c.stage, c.element): c for c in compute_concentration(bundled)}
    mining = shares[("mining", "ALL")]
    # production figures: China's 270,000 t (2024 quotas; USGS's 2025 estimate is the same) of
    # 388,452 t, up to 400,152 t with Laos's clays, which only an upper bound (11,700 t) holds
    assert (mining.status, mining.shares[0].country) == ("complete", "CN")
    assert mining.total == pytest.approx(Range(388_452, 400_152))
    assert mining.shares[0].share == pytest.approx(Range(270_000 / 400_152, 270_000 / 388_452))
    dy = shares[("separation", "Dy")]
    # China's 3,500 t Dy oxide against Lynas Malaysia's 75 t Dy capacity (0-75 t produced); four plants
    # outside China that separate Dy have no figure: shares of the quantified output, never 100%
    unquantified = ("facility/irel-aluva", "facility/reelement-noblesville", "facility/solvay-la-rochelle",
                    "facility/vtre-refinery")  # fmt: skip
    assert (dy.status, dy.coverage.unquantified) == ("partial", unquantified)
    assert [(s.country, s.share) for s in dy.shares] == [
        ("CN", pytest.approx(Range(3500 / 3575, 1.0))),
        ("MY", pytest.approx(Range(0.0, 75 / 3575))),
    ]
    assert dy.highly_concentrated is True
    for stage in ("separation", "metal"):  # the NdPr figures bound the pair, not each in full
        assert shares[(stage, "Nd")].status == "not enough data" and shares[(stage, "Nd")].hhi is None
        assert shares[(stage, "Nd+Pr")].shares[0].country == "CN"
    assert shares[("metal", "Nd+Pr")].shares[0].share.low > 0.99
    assert shares[("magnet", "ALL")].shares[0].share.low > 0.9
    (dy_flow,) = [f for f in compute_flow(bundled, "Dy") if f.feeding_stage == "magnet"]
    # the mines' ores bound Dy from above (mines of unknown ore: by all their rare earths) and
    # guarantee none of it (the one monazite analysis stands for deposits it was not made on)
    assert (dy_flow.flow.low, dy_flow.flow.point, tuple(dy_flow.binding)) == (0.0, None, ("mining", None, "mining"))
    assert dy_flow.flow.high < 400_152 * OXIDE_TO_ELEMENT["Dy"]
    assert dy_flow.note.startswith("the evidence guarantees no Dy: nothing is known to pass at mining")
    separation = next(s for s in dy_flow.stages if s.stage == "separation")
    countries = dict(separation.countries)
    assert countries["CN"] == pytest.approx(point(3500 * OXIDE_TO_ELEMENT["Dy"]))
    assert countries["MY"] == pytest.approx(Range(0.0, 75 * OXIDE_TO_ELEMENT["Dy"]))
    assert separation.unbounded == unquantified and not countries["FR"].bounded
    ranked = rank_chokepoints(bundled, compute_concentration(bundled, elements=["Dy"]), compute_flow(bundled, "Dy"))
    china = ranked[0]
    assert (china.kind, china.id, china.stage, china.rank) == ("country", "CN", "separation", 1)
    # nothing guarantees any Dy, so no flow loss is priced: the share ranks China
    assert china.share == pytest.approx(Range(3500 / 3575, 1.0))
    assert (china.flow_loss, china.dominates) == (None, False)
    assert "source/argus-china-2025-outlook" in china.sources
    (all_flow, *_) = compute_flow(bundled, "ALL")
    lost = next(x for x in find_flow_losses(bundled, all_flow) if (x.id, x.stage) == ("CN", "separation"))
    # without China's separators at least 95% of the guaranteed flow is gone; at the high end the
    # plants without a figure (Solvay La Rochelle among them) could take its place
    assert lost.loss.low > 0.95 and (lost.loss.point, lost.loss.high) == (None, 0.0)


def dy_separation_network():
    """China's separator reports 3,500 t of Dy oxide, Malaysia's only a 75 t Dy capacity, a French
    one nothing; a Chinese mine reports 10,000 t of all rare earths; an end use needs Dy from
    separation. The bundled graph's Dy separation in small."""
    G = make_network(
        [
            ("mine", "mining", "CN", 10_000.0),
            ("cn-sep", "separation", "CN", 3_500.0),
            ("my-sep", "separation", "MY", 75.0),
            ("fr-sep", "separation", "FR", 0.0),
        ],
        end_uses=[("magnets", "separation")],
    )
    G.nodes["cn-sep"]["amounts"] = (Amount("cn-dy", "production", 3_500.0, "t REO", 2024, ("Dy",), sources=("s/cn",)),)
    G.nodes["my-sep"]["amounts"] = (Amount("my-dy", "capacity", 75.0, "t REO", 2024, ("Dy",), sources=("s/my",)),)
    G.nodes["fr-sep"]["amounts"] = ()
    G.nodes["magnets"]["elements"] = ("Dy",)
    return G


def test_china_ranks_on_its_dy_separation_share_when_no_dy_flow_is_guaranteed():
    G = dy_separation_network()
    mining, entry = compute_concentration(G, elements=["Dy"])
    assert (mining.stage, mining.status) == ("mining", "not enough data")  # the mine reports all rare earths
    assert (entry.stage, entry.status, entry.coverage.unquantified) == ("separation", "partial", ("fr-sep",))
    assert entry.total == Range(3500.0, 3575.0, None)
    assert [(s.country, s.share) for s in entry.shares] == [
        ("CN", pytest.approx(Range(3500 / 3575, 1.0))),
        ("MY", pytest.approx(Range(0.0, 75 / 3575))),
    ]
    (flow,) = compute_flow(G, "Dy")
    dy = OXIDE_TO_ELEMENT["Dy"]
    assert flow.flow == pytest.approx(Range(0.0, 10_000 * dy)) and tuple(flow.binding) == ("mining", None, "mining")
    for end, expected in (("low", 0.0), ("point", None), ("high", pytest.approx(10_000 * dy))):
        assert max_flow(G, "Dy", "magnets", end=end) == expected
    (china,) = rank_chokepoints(G, [mining, entry], [flow])
    assert (china.kind, china.id, china.stage, china.sources) == ("country", "CN", "separation", ("s/cn",))
    assert china.share == pytest.approx(Range(3500 / 3575, 1.0)) and china.score == pytest.approx(3500 / 3575)
    assert (china.flow_loss, china.dominates, china.end_uses) == (None, False, ())
    assert "nothing bounds 1 of 3 plants (fr-sep)" in china.why


def test_ownership_moves_a_share_to_the_parent_company_country():
    G = fixture_network("owned")
    assert G.nodes[T.format("sep-b")]["owner_country"] == "US"  # Beta Sub (AU) -> its parent Acme (US)

    def shares(by):
        (entry,) = compute_concentration(G, by=by, stages=["separation"], elements=["ALL"])
        assert entry.status == "complete"
        return {s.country: (s.amount, s.share) for s in entry.shares}, entry.hhi

    # by location: AU 20 + 50 of 100 t, US 30; by owner: sep-b's 20 t move to the US
    assert shares("location") == ({"AU": (point(70.0), point(0.7)), "US": (point(30.0), point(0.3))}, point(5800.0))
    assert shares("ownership") == ({"AU": (point(50.0), point(0.5)), "US": (point(50.0), point(0.5))}, point(5000.0))
    with pytest.raises(ValueError):
        compute_concentration(G, by="nationality")


def test_ownership_moves_lynas_malaysia_to_australia(bundled):
    """Lynas Malaysia separates in Malaysia for an Australian company: by owner, its tonnes count for
    AU (and NPM Silmet's in Estonia for Neo Performance Materials' Canada); the rest stays put."""

    def separation(by):
        (entry,) = compute_concentration(bundled, by=by, stages=["separation"], elements=["ALL"])
        return {s.country: s.amount for s in entry.shares}, entry.total, entry.hhi

    located, total, located_hhi = separation("location")
    owned, same_total, owned_hhi = separation("ownership")
    assert (total, located_hhi) == (same_total, owned_hhi) and "MY" not in owned and "AU" not in located
    assert owned["AU"] == located["MY"] and located["MY"].low > 5_000
    moved = {"MY": "AU", "EE": "CA"}
    assert owned == {moved.get(c, c): a for c, a in located.items()}
