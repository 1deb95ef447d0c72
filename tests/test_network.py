"""The network projection: nodes, attributes, markets, known links and the as-of filter."""

from __future__ import annotations

from datetime import date

import pytest

from reegraph.errors import InputError
from reegraph.model import facilities
from reegraph.network.project import build_network
from reegraph.rdf.load import load_store

from .conftest import DATA

NETWORK = DATA / "network"


@pytest.fixture(scope="module")
def store():
    return load_store()


def fixture_network(name: str):
    store = load_store(data=[NETWORK / "common.ttl", NETWORK / f"{name}.ttl"], bundled=False)
    return build_network(store, as_of=date(2025, 1, 1))


def test_chain_fixture_has_facilities_markets_and_the_end_use():
    G = fixture_network("chain")
    assert facilities(G) == ["<https://example.org/test/mine>", "<https://example.org/test/sep>"]
    assert G.nodes["<https://example.org/test/sep>"]["amounts"][0].value == 40.0
    assert sorted(G.successors("<https://example.org/test/mine>")) == ["market/mining/US"]
    assert sorted(G.successors("market/mining/US")) == ["<https://example.org/test/sep>"]
    assert sorted(G.successors("market/separation/US")) == ["<https://example.org/test/use>"]


def test_a_country_without_a_stage_buys_from_every_country_that_has_it():
    G = fixture_network("diamond")
    assert set(G.predecessors("<https://example.org/test/sep-b>")) == {"market/mining/US"}
    assert G.edges["market/separation/US", "market/separation/AU"]["link"] == "trade"


def test_bundled_facility_attributes_and_ultimate_owners(store):
    G = build_network(store, as_of=date(2026, 11, 28))
    lynas = G.nodes["facility/lynas-malaysia"]
    assert (lynas["stage"], lynas["country"], lynas["owner"], lynas["owner_country"]) == (
        "separation",
        "MY",
        "org/lynas",
        "AU",
    )
    assert {"Dy", "Tb"} <= set(lynas["handles"])
    vac = G.nodes["facility/evac-sumter"]
    assert (vac["owner"], vac["owner_country"]) == ("org/ara-partners", "US")  # e-VAC -> VAC -> Ara Partners
    assert G.edges["facility/mount-weld", "facility/lynas-kalgoorlie"]["link"] == "reported"
    assert "link/solvay-to-noveon" in G.graph["skipped_links"]  # oxide straight to a magnet plant skips metal


def test_as_of_date_and_planned_facilities(store):
    early = build_network(store, as_of=date(2025, 1, 1))
    late = build_network(store, as_of=date(2026, 11, 28))
    assert "facility/neo-narva" not in early and "facility/neo-narva" in late  # opened September 2025
    assert early.has_edge("facility/mountain-pass-mine", "facility/shenghe-leshan")  # in force until 2025-04-17
    assert not late.has_edge("facility/mountain-pass-mine", "facility/shenghe-leshan")
    assert "facility/eneabba-refinery" not in late
    planned = build_network(store, as_of=date(2026, 11, 28), include_planned=True)
    assert planned.nodes["facility/eneabba-refinery"]["status"] == "construction"


def test_element_filter_and_unknown_element(store):
    G = build_network(store, as_of=date(2026, 11, 28), elements=["Dy"])
    assert all("Dy" in d["handles"] for n, d in G.nodes(data=True) if d["kind"] == "facility")
    with pytest.raises(InputError, match="unknown element or group 'Xx'"):
        build_network(store, as_of=date(2026, 11, 28), elements=["Xx"])


def test_the_collector_pause_nests_and_restores():
    import gc

    from reegraph._gc import gc_paused

    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():
            pass
        assert not gc.isenabled()  # the inner pause leaves the collector to the outer one
    assert gc.isenabled()


def test_an_added_facility_rewires_the_markets_as_a_fresh_build_would(store):
    from reegraph.network.ops import add_facilities

    G = build_network(store, as_of=date(2026, 11, 28))
    fed_by_all = set(G.predecessors("facility/neo-narva"))
    add_facilities(G, [{"id": "new-si-metal", "stage": "metal", "country": "SI", "amounts": (), "elements": ()}])
    # Slovenia now has a metal market: its magnet plant buys from it alone
    assert set(G.predecessors("facility/magneti-ljubljana")) == {"market/metal/SI"}
    # a magnet plant in a country without one buys from every metal market, the new one too
    assert set(G.predecessors("facility/neo-narva")) == fed_by_all | {"market/metal/SI"}
    assert G.edges["market/metal/SI", "market/metal/CN"]["link"] == "trade"
    # and the new plant itself: no separation market at home, so fed by every country's
    assert set(G.predecessors("new-si-metal")) == {n for n in G if n.startswith("market/separation/")}
    assert set(G.successors("new-si-metal")) == {"market/metal/SI"}
