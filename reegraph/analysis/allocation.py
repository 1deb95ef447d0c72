"""Who gets what under scarcity, month by month: allocation rules and a stock draw-down.

Pure functions over plain numbers (tonnes of one element a month), for the demand side of a
scenario: :func:`allocate` shares a month's supply among claimants by a stated rule, and
:func:`simulate` runs it month after month, each claimant drawing on its own stock when it is
short. Properties (tested on random inputs): nobody gets more than it asks, the allocations never
add up to more than the supply, more supply never lengthens a shortage and more stock never brings
one forward.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: The allocation rules: shares in proportion to demand, or priority claimants served first (in
#: the order given), the rest in proportion.
RULES = ("pro-rata", "priority")


def allocate(
    supply: float, demand: Mapping[str, float], *, rule: str = "pro-rata", priority: Sequence[str] = ()
) -> dict[str, float]:
    """Share ``supply`` among the claimants of ``demand`` (each at most what it asks).

    ``pro-rata``: each gets the same fraction of its demand, the supply over the total demand (all
    of it when supply suffices). ``priority``: the claimants in ``priority`` are served in full, in
    that order, while supply lasts; the others share what is left pro rata.

    Raises
    ------
    ValueError
        An unknown rule, a negative or non-finite supply or demand, or a priority claimant with no
        demand entry.

    Examples
    --------
    >>> allocate(60.0, {"EU": 40.0, "US": 80.0})
    {'EU': 20.0, 'US': 40.0}
    >>> allocate(60.0, {"EU": 40.0, "US": 80.0}, rule="priority", priority=["US"])
    {'EU': 0.0, 'US': 60.0}
    """
    if rule not in RULES:
        raise ValueError(f"rule must be one of {', '.join(RULES)}, not {rule!r}")
    if not math.isfinite(supply) or supply < 0:
        raise ValueError(f"supply must be a finite number >= 0, not {supply!r}")
    for key, value in demand.items():
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"demand of {key} must be a finite number >= 0, not {value!r}")
    unknown = [k for k in priority if k not in demand]
    if unknown:
        raise ValueError(f"priority names claimants with no demand: {', '.join(unknown)}")
    given = dict.fromkeys(demand, 0.0)
    left = supply
    if rule == "priority":
        for key in dict.fromkeys(priority):  # each once, in order
            given[key] = min(demand[key], left)
            left -= given[key]
    rest = {k: v for k, v in demand.items() if not (rule == "priority" and k in priority)}
    total = math.fsum(rest.values())
    fraction = 1.0 if total <= left else left / total
    for key, value in rest.items():
        given[key] = value * fraction
    return given


@dataclass(frozen=True)
class Month:
    """One claimant in one month: what it asked, what supply gave it, what its stock gave, what it
    lacked, and the stock left at the end of the month (all in tonnes)."""

    month: int
    demand: float
    supplied: float
    from_stock: float
    short: float
    stock: float


def simulate(
    supply: Sequence[float],
    demand: Mapping[str, float | Sequence[float]],
    stock: Mapping[str, float],
    *,
    rule: str = "pro-rata",
    priority: Sequence[str] = (),
) -> dict[str, list[Month]]:
    """Month by month, share each month's ``supply`` (t) among the claimants' monthly ``demand``
    (t: the same every month, or one figure per month) by ``rule``; a claimant that gets less draws
    the gap from its ``stock`` (t at the start) until the stock runs out, and is short by what is
    left.

    Raises
    ------
    ValueError
        As :func:`allocate`, or a negative or non-finite stock.

    Examples
    --------
    Two months of 60 t for EU (40 t a month, 30 t in stock) and US (80 t, no stock): pro rata each
    gets half its demand; the EU covers its 20 t gap from stock in month 0 and falls 10 t short in
    month 1; the US is 40 t short from the start.

    >>> months = simulate([60.0, 60.0], {"EU": 40.0, "US": 80.0}, {"EU": 30.0})
    >>> [(m.supplied, m.from_stock, m.short, m.stock) for m in months["EU"]]
    [(20.0, 20.0, 0.0, 10.0), (20.0, 10.0, 10.0, 0.0)]
    >>> [m.short for m in months["US"]]
    [40.0, 40.0]
    """
    for key, value in stock.items():
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"stock of {key} must be a finite number >= 0, not {value!r}")
    left = {k: float(stock.get(k, 0.0)) for k in demand}
    runs: dict[str, list[Month]] = {k: [] for k in demand}
    for month, available in enumerate(supply):
        wanted = {k: float(v) if isinstance(v, int | float) else float(v[month]) for k, v in demand.items()}
        given = allocate(available, wanted, rule=rule, priority=priority)
        for key, asked in wanted.items():
            gap = max(0.0, asked - given[key])
            drawn = min(gap, left[key])
            left[key] -= drawn
            runs[key].append(Month(month, asked, given[key], drawn, gap - drawn, left[key]))
    return runs


def first_short(months: Sequence[Month], *, tolerance: float = 1e-9) -> int | None:
    """The first month a claimant is short (``None``: never).

    Examples
    --------
    >>> first_short(simulate([60.0, 60.0], {"EU": 40.0}, {})["EU"]) is None
    True
    """
    return next((m.month for m in months if m.short > tolerance), None)
