"""Allocation under scarcity and the monthly stock draw-down (reegraph.analysis.allocation): hand-
computed cases for each rule, and properties on random inputs."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reegraph.analysis.allocation import allocate, first_short, simulate

PROPERTIES = settings(max_examples=300, derandomize=True, deadline=None, database=None)


def test_pro_rata_two_regions_by_hand():
    """90 t of Dy for the EU (60 t) and the US (120 t): 90 / 180 = half of each demand."""
    assert allocate(90.0, {"EU": 60.0, "US": 120.0}) == {"EU": 30.0, "US": 60.0}
    assert allocate(500.0, {"EU": 60.0, "US": 120.0}) == {"EU": 60.0, "US": 120.0}  # enough: all
    assert allocate(0.0, {"EU": 60.0, "US": 120.0}) == {"EU": 0.0, "US": 0.0}


def test_priority_serves_in_order_then_shares_the_rest_by_hand():
    """Defence first (50 t), then China's own use (100 t), then the rest pro rata: of 180 t, 50 to
    defence, 100 to China, and the 30 t left split 20:40 between the EU and the US (1:2)."""
    demand = {"defence": 50.0, "CN": 100.0, "EU": 20.0, "US": 40.0}
    given_ = allocate(180.0, demand, rule="priority", priority=["defence", "CN"])
    assert given_ == pytest.approx({"defence": 50.0, "CN": 100.0, "EU": 10.0, "US": 20.0})
    scarce = allocate(120.0, demand, rule="priority", priority=["defence", "CN"])
    assert scarce == pytest.approx({"defence": 50.0, "CN": 70.0, "EU": 0.0, "US": 0.0})


def test_monthly_draw_down_by_hand():
    """EU needs 40 t a month and holds 50 t; supply gives it 20 t in months 0-2, then 40 t: it draws
    20 t in month 0 (stock 30), 20 t in month 1 (stock 10), 10 t in month 2 and is 10 t short there
    (stock 0), and is whole again in month 3."""
    months = simulate([20.0, 20.0, 20.0, 40.0], {"EU": 40.0}, {"EU": 50.0})["EU"]
    assert [(m.from_stock, m.short, m.stock) for m in months] == [
        (20.0, 0.0, 30.0),
        (20.0, 0.0, 10.0),
        (10.0, 10.0, 0.0),
        (0.0, 0.0, 0.0),
    ]
    assert first_short(months) == 2


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: allocate(-1.0, {"EU": 1.0}), "supply must be a finite number"),
        (lambda: allocate(math.nan, {"EU": 1.0}), "supply must be a finite number"),
        (lambda: allocate(1.0, {"EU": -1.0}), "demand of EU"),
        (lambda: allocate(1.0, {"EU": 1.0}, rule="lottery"), "rule must be one of"),
        (lambda: allocate(1.0, {"EU": 1.0}, rule="priority", priority=["JP"]), "no demand: JP"),
        (lambda: simulate([1.0], {"EU": 1.0}, {"EU": math.inf}), "stock of EU"),
    ],
)
def test_bad_numbers_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


amounts = st.floats(0, 1e6, allow_nan=False, allow_infinity=False)
demands = st.dictionaries(st.sampled_from(["CN", "EU", "US", "JP", "ROW"]), amounts, min_size=1)
rules = st.sampled_from(["pro-rata", "priority"])


def _priority(demand, rule, picks):
    return [k for k in picks if k in demand] if rule == "priority" else []


@PROPERTIES
@given(amounts, demands, rules, st.lists(st.sampled_from(["CN", "EU", "US", "JP", "ROW"]), max_size=3))
def test_nobody_gets_more_than_it_asks_and_the_supply_is_used_up_to_demand(supply, demand, rule, picks):
    given_ = allocate(supply, demand, rule=rule, priority=_priority(demand, rule, picks))
    assert all(0 <= given_[k] <= demand[k] * (1 + 1e-12) for k in demand)
    total = math.fsum(given_.values())
    assert total <= supply * (1 + 1e-12) + 1e-9
    assert total == pytest.approx(min(supply, math.fsum(demand.values())), rel=1e-9, abs=1e-6)


@PROPERTIES
@given(
    st.lists(amounts, min_size=1, max_size=12), demands, st.dictionaries(st.sampled_from(["CN", "EU", "US"]), amounts),
    rules, st.lists(st.sampled_from(["CN", "EU", "US", "JP", "ROW"]), max_size=3), amounts, st.integers(0, 11),
)  # fmt: skip
def test_more_supply_never_brings_a_shortage_forward_and_more_stock_never_does(
    supply, demand, stock, rule, picks, extra, month
):
    priority = _priority(demand, rule, picks)
    before = simulate(supply, demand, stock, rule=rule, priority=priority)
    richer = list(supply)
    richer[month % len(supply)] += extra
    more_supply = simulate(richer, demand, stock, rule=rule, priority=priority)
    more_stock = simulate(supply, demand, {k: stock.get(k, 0.0) + extra for k in demand}, rule=rule, priority=priority)
    for key in demand:
        start = first_short(before[key])
        for after in (more_supply[key], more_stock[key]):
            later = first_short(after)
            assert start is None or later is None or later >= start, (key, start, later)
            short_before = math.fsum(m.short for m in before[key])
            assert math.fsum(m.short for m in after) <= short_before * (1 + 1e-9) + 1e-6
