"""Who runs short, by how much and when: demand set against a scenario's supply, month by month.

Each *claimant* is one region's demand for one element in one end use (t a year, a range). The
scenario acts on it through its *dependence*: the share of the claimant's normal supply the
scenario takes away, known at the two limits of licensing (``blocked``: nothing licensed;
``licensed``: all of it, so what outages alone take). Licences come after a latency and at a rate,
so in month ``m`` a claimant keeps ``1 - [licensed + (blocked - licensed) (1 - phi(m))]`` of its
normal supply, with ``phi(m)`` its licensed fraction times the share approved by then
(:func:`approved`); the blocked share is never below the licensed one.

Assumptions, stated with every result: in the baseline each claimant's normal supply is its
demand (the market clears); a region's claimants of one element share the region's supply, split
by the allocation rule (:mod:`reegraph.analysis.allocation`), and regions do not share; a claimant
short of supply draws on its
stock (days of normal demand at the start) before it is short; substitution cuts demand linearly
up to a cap.

Each result is given for three cases: ``low`` (the least shortage: the least dependence and
demand, the most stock, the quickest licences), ``point`` (the point estimates; undefined where an
input has none) and ``high`` (the most shortage).
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reegraph.analysis.allocation import Month, first_short, simulate
from reegraph.model import ENDS, Range

#: Days in a month, on average.
DAYS_PER_MONTH = 365.25 / 12

#: The allocation rules of a monthly run: in proportion to demand, or defence end uses first.
DEMAND_RULES = ("pro-rata", "defence-first")

#: No amount: the default stock.
NONE = Range(0.0, 0.0, 0.0)
#: MOFCOM's published review limit, 45 working days, in calendar days.
REVIEW_DAYS = Range(63.0, 63.0, 63.0)
#: All licences approved within the month after the latency.
ALL_AT_ONCE = Range(1.0, 1.0, 1.0)

#: The most Monte Carlo draws of a monthly run.
MAX_DRAWS = 100_000


@dataclass(frozen=True)
class Claimant:
    """One region's demand for one element in one end use: ``demand`` in t a year, ``per_unit`` the
    t of element per unit (``None``: not known), ``stock_days`` days of normal demand held at the
    start, and the share of its supply the scenario takes with nothing licensed (``blocked``) and
    with everything licensed (``licensed``), each a range (``low``: the least; a stock of unknown
    size: ``Range(0, inf, None)``); ``changes``: from a month on, new values of both (plants
    starting within the horizon); ``held``: inputs (``blocked``, ``stock_days``) whose range only
    bounds what is not known, so Monte Carlo draws hold them at their point; ``licensed_fraction``:
    the share of the controlled supply the controls that cover it license in the end."""

    end_use: str
    element: str
    region: str
    demand: Range
    blocked: Range
    licensed: Range
    stock_days: Range = NONE
    per_unit: Range | None = None
    defence: bool = False
    changes: tuple[tuple[int, Range, Range], ...] = ()
    held: frozenset[str] = frozenset()  # inputs whose range is a bound, not a spread: draws hold the point
    licensed_fraction: float = 1.0  # of its normal supply, licensed once all licences are approved

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.end_use, self.element, self.region)

    @property
    def steps(self) -> tuple[tuple[int, Range, Range], ...]:
        """``(first month, blocked, licensed)`` from month 0 on."""
        return ((0, self.blocked, self.licensed), *self.changes)


@dataclass(frozen=True)
class Substitute:
    """Demand for ``element`` (in ``end_use``; empty: all) cut by up to ``share``, reached linearly
    over ``months``."""

    element: str
    share: float
    months: float
    end_use: str = ""


@dataclass(frozen=True)
class Timing:
    """A monthly run's clock: ``months`` simulated; licences from ``latency_days`` after the start,
    ``per_month`` of them approved each month after that (each a range); substitution."""

    months: int = 24
    latency_days: Range = REVIEW_DAYS
    per_month: Range = ALL_AT_ONCE
    substitutes: tuple[Substitute, ...] = ()


def approved(month: int, latency_days: float, per_month: float) -> float:
    """The mean, over ``month`` (0: the first), of the share of licences approved: none until
    ``latency_days``, then ``per_month`` more each month, at most all.

    Examples
    --------
    With 45 working days (63 days) of latency and all approved a month after that: none in month
    0, 43% on average in month 2 (days 61 to 91), all from month 4.

    >>> approved(0, 63, 1.0), round(approved(2, 63, 1.0), 3), approved(4, 63, 1.0)
    (0.0, 0.433, 1.0)
    """
    start, end = month * DAYS_PER_MONTH, (month + 1) * DAYS_PER_MONTH
    if per_month <= 0 or end <= latency_days:
        return 0.0
    full = latency_days + DAYS_PER_MONTH / per_month  # the day all are approved

    def integral(t: float) -> float:  # of the approved share from 0 to day t
        if t <= latency_days:
            return 0.0
        if t <= full:
            return (t - latency_days) ** 2 / (2 * (full - latency_days))
        return (full - latency_days) / 2 + (t - full)

    return min(1.0, (integral(end) - integral(start)) / DAYS_PER_MONTH)


def demand_factor(month: int, element: str, end_use: str, substitutes: Iterable[Substitute]) -> float:
    """The share of normal demand left in ``month`` after substitution (the cuts add up, to at most
    all of it).

    >>> demand_factor(5, "Dy", "end-use/x", [Substitute("Dy", 0.5, 10)])
    0.725
    """
    cut = sum(
        s.share * min(1.0, (month + 0.5) / s.months) if s.months > 0 else s.share
        for s in substitutes
        if s.element == element and s.end_use in ("", end_use)
    )
    return max(0.0, 1.0 - cut)


@dataclass(frozen=True)
class Draw:
    """The inputs of one monthly run: per claimant its demand (t a year), stock (days) and
    dependences (one per step of :attr:`Claimant.steps`); the licence latency and rate."""

    demand: Mapping[tuple, float]
    stock_days: Mapping[tuple, float]
    blocked: Mapping[tuple, tuple[float, ...]]
    licensed: Mapping[tuple, tuple[float, ...]]
    latency_days: float
    per_month: float


def case(claimants: Sequence[Claimant], timing: Timing, end: str) -> Draw | None:
    """The inputs at one of :data:`~reegraph.model.ENDS` (``low``: the least shortage); an input
    with no point is ``None`` at the point (:func:`run` leaves its region out); ``None`` where the
    licence latency or rate has none."""
    least = end == "low"

    def pick(r: Range, *, more_is_worse: bool) -> float | None:
        if end == "point":
            return r.point
        return r.low if least == more_is_worse else r.high

    values: dict[str, dict[tuple, Any]] = {
        name: {c.key: pick(getattr(c, name), more_is_worse=name == "demand") for c in claimants}
        for name in ("demand", "stock_days")
    }
    values["blocked"] = {c.key: tuple(pick(b, more_is_worse=True) for _, b, _ in c.steps) for c in claimants}
    values["licensed"] = {c.key: tuple(pick(x, more_is_worse=True) for _, _, x in c.steps) for c in claimants}
    latency = pick(timing.latency_days, more_is_worse=True)
    rate = pick(timing.per_month, more_is_worse=False)
    if latency is None or rate is None:
        return None
    values["blocked"] = _at_least(values["blocked"], values["licensed"])
    return Draw(latency_days=latency, per_month=rate, **values)


def _at_least(blocked: Mapping[tuple, tuple[Any, ...]], licensed: Mapping[tuple, tuple[Any, ...]]) -> dict:
    """Each blocked share no less than its licensed one (licences never take supply away);
    ``None`` (no value at this end) stays."""
    return {
        k: tuple(None if b is None or x is None else max(b, x) for b, x in zip(v, licensed[k], strict=True))
        for k, v in blocked.items()
    }


def run(
    claimants: Sequence[Claimant], timing: Timing, draw: Draw, *, rule: str = "pro-rata"
) -> dict[tuple, list[Month]]:
    """Simulate ``timing.months`` months with the inputs of ``draw``: per claimant, each month's
    demand, what supply gave, what stock gave, what was short and the stock left (t).

    A region's claimants of one element share one pool (the region's market): its supply each
    month is the sum of their normal monthly demand times the share the scenario leaves each, split
    by ``rule`` (``defence-first``: the region's defence end uses are served first). Regions do
    not share: what one keeps is not another's.

    Examples
    --------
    The EU needs 12 t a year and holds a month of stock; a block takes all of its supply and
    licences come after 63 days, all within a month. It lives on stock in month 0, runs short in
    month 1, gets 43% on average in month 2 (:func:`approved`), then recovers.

    >>> eu = Claimant("end-use/cars", "Dy", "EU", Range(12, 12, 12), Range(1, 1, 1), Range(0, 0, 0),
    ...               stock_days=Range(DAYS_PER_MONTH, DAYS_PER_MONTH, DAYS_PER_MONTH))
    >>> timing = Timing(months=4)
    >>> months = run([eu], timing, case([eu], timing, "point"))[eu.key]
    >>> [round(m.short, 2) for m in months]
    [0.0, 1.0, 0.57, 0.0]
    """
    if rule not in DEMAND_RULES:
        raise ValueError(f"rule must be one of {', '.join(DEMAND_RULES)}, not {rule!r}")
    keep = [approved(m, draw.latency_days, draw.per_month) for m in range(timing.months)]
    pools: dict[tuple, list[Claimant]] = defaultdict(list)
    for c in claimants:
        pools[(c.element, c.region)].append(c)
    result: dict[tuple, list[Month]] = {}
    for members in pools.values():
        if not all(_complete(c, draw) for c in members):
            continue  # an input without a value at this end: no result for the region
        normal = {c.key: draw.demand[c.key] / 12 for c in members}
        supply = [
            math.fsum(normal[c.key] * _kept(c, draw, month, share) for c in members) for month, share in enumerate(keep)
        ]
        wanted = {
            c.key: [
                normal[c.key] * demand_factor(m, c.element, c.end_use, timing.substitutes) for m in range(timing.months)
            ]
            for c in members
        }
        stock = {  # a stock of unknown size at its high end: enough for every month of the horizon
            c.key: normal[c.key] * draw.stock_days[c.key] / DAYS_PER_MONTH
            if math.isfinite(draw.stock_days[c.key])
            else math.fsum(wanted[c.key])
            for c in members
        }
        first = [c.key for c in members if c.defence] if rule == "defence-first" else []
        runs = simulate(
            supply, {_name(k): v for k, v in wanted.items()}, {_name(k): v for k, v in stock.items()},
            rule="priority" if first else "pro-rata", priority=[_name(k) for k in first],
        )  # fmt: skip
        for c in members:
            result[c.key] = runs[_name(c.key)]
    return result


def _complete(c: Claimant, draw: Draw) -> bool:
    """Whether the draw gives every input of ``c`` a value."""
    return (
        draw.demand[c.key] is not None
        and draw.stock_days[c.key] is not None
        and None not in draw.blocked[c.key]
        and None not in draw.licensed[c.key]
    )


def _kept(c: Claimant, draw: Draw, month: int, done: float) -> float:
    """The share of its normal supply a claimant keeps in ``month`` with the share ``done`` of its
    licences approved."""
    step = max(i for i, (first, _, _) in enumerate(c.steps) if first <= month)
    blocked, licensed = draw.blocked[c.key][step], draw.licensed[c.key][step]
    phi = c.licensed_fraction * done
    return max(0.0, 1 - (licensed + (blocked - licensed) * (1 - phi)))


def _name(key: tuple) -> str:
    return "|".join(key)


@dataclass(frozen=True)
class Course:
    """One claimant's months at each end (``None`` where the end is undefined), and from them the
    first month short, the month it recovers (the first after its last short month; ``None``: still
    short at the horizon or never short) and the t lost over the horizon."""

    claimant: Claimant
    months: Mapping[str, list[Month] | None]

    def first_short(self, end: str) -> int | None:
        found = self.months[end]
        return None if found is None else first_short(found)

    def recovers(self, end: str) -> int | None:
        found = self.months[end]
        if not found or first_short(found) is None:
            return None
        last = max(m.month for m in found if m.short > 1e-9)
        return last + 1 if last + 1 < len(found) else None

    def lost(self, end: str) -> float | None:
        found = self.months[end]
        return None if found is None else math.fsum(m.short for m in found)


def courses(claimants: Sequence[Claimant], timing: Timing, *, rule: str = "pro-rata") -> list[Course]:
    """Each claimant's months at each end, in the order given."""
    by_end: dict[str, dict[tuple, list[Month]]] = {}
    for end in ENDS:
        draw = case(claimants, timing, end)
        by_end[end] = {} if draw is None else run(claimants, timing, draw, rule=rule)
    return [Course(c, {end: by_end[end].get(c.key) for end in ENDS}) for c in claimants]


@dataclass(frozen=True)
class Spread:
    """Monte Carlo percentiles for one claimant: of the first month short (``None``: not short
    within the horizon) and of the t lost over the horizon."""

    claimant: Claimant
    draws: int
    first_short: tuple[int | None, int | None, int | None]  # p10, p50, p90
    lost: tuple[float, float, float]


def sample(
    claimants: Sequence[Claimant],
    timing: Timing,
    *,
    draws: int,
    seed: int = 0,
    rule: str = "pro-rata",
    progress: Callable[[int], None] | None = None,
) -> list[Spread]:
    """Monte Carlo over the uncertain inputs: each draw takes every range at a random place
    (triangular, with the point as mode where there is one, else uniform): one place per region's
    dependence on the element, per end use and element's content per unit (so regions move
    together), per claimant's stock, and for the licence latency and rate. Inputs a claimant
    ``held`` stay at their point; a claimant with a held input that has no point (a stock of
    unknown size) cannot be drawn and is left out. Seeded and deterministic; ``progress`` is called
    with the number of draws done after each.

    Raises
    ------
    ValueError
        ``draws`` below 1 or above :data:`MAX_DRAWS`.
    """
    if not 1 <= draws <= MAX_DRAWS:
        raise ValueError(f"draws must be from 1 to {MAX_DRAWS:,}, not {draws}")
    drawn = [c for c in claimants if drawable(c)]
    rng = random.Random(seed)
    firsts: dict[tuple, list[float]] = defaultdict(list)
    losts: dict[tuple, list[float]] = defaultdict(list)
    for done in range(1, draws + 1):
        places: dict[tuple, float] = {}

        def at(r: Range, key: tuple, hold: bool = False, places: dict[tuple, float] = places) -> float:
            if hold:
                return r.point  # type: ignore[return-value]  # drawable() checked it has one
            if key not in places:
                places[key] = rng.random()
            return _place(r, places[key])

        licensed = {
            c.key: tuple(at(x, ("licensed", c.element, c.region), "licensed" in c.held) for _, _, x in c.steps)
            for c in drawn
        }
        blocked = {
            c.key: tuple(at(b, ("blocked", c.element, c.region), "blocked" in c.held) for _, b, _ in c.steps)
            for c in drawn
        }
        draw = Draw(
            demand={c.key: at(c.demand, ("demand", c.end_use, c.element)) for c in drawn},
            stock_days={c.key: at(c.stock_days, ("stock", *c.key), "stock_days" in c.held) for c in drawn},
            blocked=_at_least(blocked, licensed),
            licensed=licensed,
            latency_days=at(timing.latency_days, ("latency",)),
            per_month=at(timing.per_month, ("rate",)),
        )
        for key, months in run(drawn, timing, draw, rule=rule).items():
            first = first_short(months)
            firsts[key].append(math.inf if first is None else first)
            losts[key].append(math.fsum(m.short for m in months))
        if progress is not None:
            progress(done)
    result = []
    for c in drawn:
        f, lost = sorted(firsts[c.key]), sorted(losts[c.key])
        result.append(
            Spread(
                c,
                draws,
                tuple(None if math.isinf(v) else int(v) for v in (_rank(f, q) for q in (0.1, 0.5, 0.9))),  # type: ignore[arg-type]
                tuple(round(_rank(lost, q), 6) for q in (0.1, 0.5, 0.9)),  # type: ignore[arg-type]
            )
        )
    return result


def drawable(c: Claimant) -> bool:
    """Whether Monte Carlo can draw a claimant: every held input has a point, every other range is
    bounded."""
    ranges = {"demand": [c.demand], "stock_days": [c.stock_days], "blocked": [b for _, b, _ in c.steps],
              "licensed": [x for _, _, x in c.steps]}  # fmt: skip
    return all(
        (r.point is not None) if name in c.held else math.isfinite(r.high)
        for name, found in ranges.items()
        for r in found
    )


def _place(r: Range, u: float) -> float:
    """The value at quantile ``u`` of the triangular distribution on ``r`` (mode: the point; none:
    uniform)."""
    low, high = r.low, r.high
    if high <= low:
        return low
    if r.point is None:
        return low + u * (high - low)
    mode = (r.point - low) / (high - low)
    if u < mode:
        return low + math.sqrt(u * (high - low) * (r.point - low))
    return high - math.sqrt((1 - u) * (high - low) * (high - r.point))


def _rank(values: list[float], q: float) -> float:
    """The nearest-rank percentile of sorted ``values``."""
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]
