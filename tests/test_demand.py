"""The monthly run of demand against supply (reegraph.analysis.demand), its inputs from the graph and
scenario files, and ``reegraph scenario run`` with demand: hand-worked cases and properties."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from reegraph.analysis.allocation import first_short
from reegraph.analysis.demand import (
    DAYS_PER_MONTH,
    Claimant,
    Substitute,
    Timing,
    approved,
    case,
    courses,
    demand_factor,
    run,
    sample,
)
from reegraph.cli import cli
from reegraph.model import Range

ID = "https://w3id.org/reegraph/id/"


def one(value: float) -> Range:
    return Range(value, value, value)


def claimant(region: str, demand: float, blocked: float, stock_days: float = 0.0, **kw) -> Claimant:
    kw.setdefault("licensed_fraction", 0.0)
    return Claimant("end-use/cars", "Dy", region, one(demand), one(blocked), one(0.0), one(stock_days), **kw)


def months_of(claimants, timing, end="point", rule="pro-rata"):
    return run(claimants, timing, case(claimants, timing, end), rule=rule)


# --- hand-worked cases -------------------------------------------------------------------------


def test_approved_by_hand():
    # 63 days of latency, then all within one month (30.4375 days): month 2 is days 60.875-91.3125,
    # the share rises from 0 on day 63 to (91.3125-63)/30.4375 = 0.930 at its end: mean
    # 0.930 x 28.3125 / 2 / 30.4375 = 0.4327
    assert approved(0, 63, 1.0) == 0.0
    assert approved(1, 63, 1.0) == 0.0
    assert approved(2, 63, 1.0) == pytest.approx(28.3125**2 / 2 / 30.4375 / 30.4375)
    assert approved(4, 63, 1.0) == 1.0
    assert approved(5, 63, 0.0) == 0.0  # nothing is ever approved


def test_stock_draw_down_by_hand():
    # EU needs 24 t a year (2 t a month) and holds 45 days (2 x 45 / 30.4375 = 2.957 t); a block
    # takes all its supply for good. Month 0: 2 t from stock, 0.957 left; month 1: 0.957 from
    # stock, 1.043 short; then 2 t short a month.
    eu = claimant("EU", 24.0, 1.0, stock_days=45.0)
    months = months_of([eu], Timing(months=4))[eu.key]
    stock = 2 * 45 / DAYS_PER_MONTH
    assert [m.from_stock for m in months] == pytest.approx([2.0, stock - 2.0, 0.0, 0.0])
    assert [m.short for m in months] == pytest.approx([0.0, 4.0 - stock, 2.0, 2.0])
    assert first_short(months) == 1


def test_a_region_shares_its_supply_pro_rata_or_defence_first():
    # In the US, cars (12 t a year) and the F-35 (defence, 12 t a year) both lose half their supply:
    # the US pool has (1 + 1) x 0.5 = 1 t a month. Pro rata each gets 0.5 t and is 0.5 t short;
    # defence first the F-35 gets its 1 t and cars nothing. The EU, blocked alike, keeps its own
    # 0.5 t: regions do not share.
    cars = claimant("US", 12.0, 0.5)
    jets = Claimant("end-use/f-35", "Dy", "US", one(12.0), one(0.5), one(0.0), one(0.0), defence=True)
    eu = claimant("EU", 12.0, 0.5)
    timing = Timing(months=1)
    pro = months_of([cars, jets, eu], timing)
    assert [pro[c.key][0].supplied for c in (cars, jets, eu)] == pytest.approx([0.5, 0.5, 0.5])
    first = months_of([cars, jets, eu], timing, rule="defence-first")
    assert [first[c.key][0].supplied for c in (cars, jets, eu)] == pytest.approx([0.0, 1.0, 0.5])


def test_licences_never_take_supply_away():
    # a blocked share below the licensed one (a published share against a network-priced outage)
    # is raised to it: licensing more cannot leave less
    eu = Claimant("end-use/cars", "Dy", "EU", one(12.0), Range(0.0, 1.0, 0.1), Range(0.2, 0.5, 0.3), one(0.0))
    for end in ("low", "point", "high"):
        draw = case([eu], Timing(months=1), end)
        assert draw.blocked[eu.key][0] >= draw.licensed[eu.key][0]


def test_a_plant_starting_within_the_horizon_changes_the_dependence_from_its_month():
    # blocked entirely until month 3, when a new plant halves the dependence: 12 t a year, so short
    # 1 t a month, then 0.5 t
    eu = claimant("EU", 12.0, 1.0, changes=((3, one(0.5), one(0.0)),))
    months = months_of([eu], Timing(months=5))[eu.key]
    assert [m.short for m in months] == pytest.approx([1.0, 1.0, 1.0, 0.5, 0.5])


def test_the_schedule_brings_plants_online_in_their_month(tmp_path):
    from datetime import date

    from reegraph import app

    path = tmp_path / "build.toml"
    path.write_text(
        "[scenario]\nas_of = 2025-06-01\nstart = 2025-04-04\nmonths = 12\n"
        '[[new_facility]]\nid = "us-sm"\nstage = "separation"\ncountry = "US"\nelements = ["Sm"]\n'
        'capacity = 5\nbasis = "t contained element"\nfrom = 2025-10-01\n',
        encoding="utf-8",
    )
    prepared = app.prepare_scenario(app.load(), path)
    assert "new/us-sm" not in prepared.network  # not started at the run date
    G, online = app._schedule(prepared, date(2025, 4, 4), 12)
    assert "new/us-sm" in G and "new/us-sm" not in prepared.network
    assert ["new/us-sm" in found for found in online] == [m >= 6 for m in range(12)]  # 2025-10-04 on


def test_regions_with_different_dependence_do_not_share():
    # CN (not touched) keeps all its supply; the EU, fully blocked, gets none of China's surplus.
    cn, eu = claimant("CN", 120.0, 0.0), claimant("EU", 12.0, 1.0)
    found = months_of([cn, eu], Timing(months=2))
    assert all(m.short == 0 for m in found[cn.key])
    assert all(m.short == pytest.approx(1.0) for m in found[eu.key])


def test_substitution_cuts_demand_linearly():
    # half of the demand cut over 10 months: month 4 (its middle is 4.5) keeps 1 - 0.5 x 0.45
    assert demand_factor(4, "Dy", "end-use/cars", [Substitute("Dy", 0.5, 10)]) == pytest.approx(0.775)
    assert demand_factor(20, "Dy", "end-use/cars", [Substitute("Dy", 0.5, 10)]) == pytest.approx(0.5)
    assert demand_factor(4, "Tb", "end-use/cars", [Substitute("Dy", 0.5, 10)]) == 1.0
    eu = claimant("EU", 12.0, 1.0)
    cut = months_of([eu], Timing(months=12, substitutes=(Substitute("Dy", 0.5, 10),)))[eu.key]
    assert cut[-1].short == pytest.approx(0.5)


def test_ends_order_the_shortage_and_an_input_without_point_leaves_the_point_undefined():
    eu = Claimant("end-use/cars", "Dy", "EU", Range(6, 18, 12), Range(0.2, 1.0, 0.9), one(0.0), Range(0, 60, 30))
    found = courses([eu], Timing(months=6))[0]
    lost = [found.lost(end) for end in ("low", "point", "high")]
    assert lost[0] <= lost[1] <= lost[2]
    unknown = Claimant("end-use/cars", "Dy", "EU", one(12), Range(0.0, 1.0, None), one(0.0))
    assert courses([unknown], Timing(months=6))[0].months["point"] is None


# --- properties on random claimants -------------------------------------------------------------

fractions = st.floats(0, 1)
claimants_st = st.lists(  # (region, end use, demand, dependence, licensed, stock days, defence, later dependence)
    st.tuples(st.sampled_from(["CN", "EU", "US"]), st.sampled_from(["cars", "wind", "f-35"]), st.floats(0, 500),
              st.sampled_from([0.0, 0.5, 1.0]) | fractions, fractions, st.floats(0, 200), st.booleans(),
              st.none() | st.tuples(st.integers(1, 23), fractions)),
    min_size=1, max_size=6, unique_by=lambda t: (t[0], t[1]),
)  # fmt: skip
timings = st.builds(
    Timing,
    months=st.integers(1, 24),
    latency_days=st.floats(0, 120).map(one),
    per_month=fractions.map(one),
    substitutes=st.lists(st.builds(Substitute, st.just("Dy"), fractions, st.floats(0, 24),
                                   st.sampled_from(["", "end-use/cars"])), max_size=2).map(tuple),
)  # fmt: skip


def build(rows, *, dep=1.0, stock=0.0, only=None):
    """Claimants from rows; ``dep`` scales the dependence (at every step) and ``stock`` adds days
    (of the claimant at index ``only``, else of all)."""

    def scaled(b, i):
        return one(min(1.0, b * (dep if only in (None, i) else 1.0)))

    found = []
    for i, (r, u, d, b, lic, s, f, later) in enumerate(rows):
        changes = () if later is None else ((later[0], scaled(later[1], i), one(0.0)),)
        days = one(s + (stock if only in (None, i) else 0.0))
        found.append(Claimant(f"end-use/{u}", "Dy", r, one(d), scaled(b, i), one(0.0), days, defence=f,
                              licensed_fraction=lic, changes=changes))  # fmt: skip
    return found


@settings(max_examples=200, deadline=None)
@given(claimants_st, timings, st.sampled_from(["pro-rata", "defence-first"]))
def test_never_more_than_demand_nor_than_supply(rows, timing, rule):
    found = build(rows)
    draw = case(found, timing, "point")
    result = run(found, timing, draw, rule=rule)
    for c in found:
        for m in result[c.key]:
            assert m.supplied <= m.demand + 1e-9
            assert m.short >= -1e-9 and m.stock >= -1e-9
    by_region = {}
    for c in found:
        by_region.setdefault(c.region, []).append(c)
    for members in by_region.values():
        for month in range(timing.months):
            done = approved(month, draw.latency_days, draw.per_month)

            def kept(c, month=month, done=done):
                blocked = c.blocked.point
                for first, later, _ in c.changes:
                    blocked = later.point if first <= month else blocked
                return 1 - blocked * (1 - c.licensed_fraction * done)

            supply = sum(draw.demand[c.key] / 12 * kept(c) for c in members)
            assert sum(result[c.key][month].supplied for c in members) <= supply + 1e-6


@settings(max_examples=300, deadline=None)
@given(claimants_st, timings, st.floats(0, 1), st.data(), st.sampled_from(["pro-rata", "defence-first"]))
def test_more_supply_never_lengthens_a_shortage(rows, timing, less, data, rule):
    # less dependence for one claimant (or all): more supply; no claimant is short longer or by more
    only = data.draw(st.none() | st.integers(0, len(rows) - 1))
    before, after = build(rows), build(rows, dep=less, only=only)
    a = months_of(before, timing, rule=rule)
    b = months_of(after, timing, rule=rule)
    for x, y in zip(before, after, strict=True):
        assert sum(m.short > 1e-9 for m in b[y.key]) <= sum(m.short > 1e-9 for m in a[x.key])
        assert math.fsum(m.short for m in b[y.key]) <= math.fsum(m.short for m in a[x.key]) + 1e-6


@settings(max_examples=200, deadline=None)
@given(claimants_st, timings, st.floats(0, 1), st.sampled_from(["pro-rata", "defence-first"]))
def test_more_licensed_never_lengthens_a_shortage(rows, timing, more, rule):
    before = build(rows)
    after = [replace(c, licensed_fraction=min(1.0, c.licensed_fraction + more)) for c in before]
    a, b = months_of(before, timing, rule=rule), months_of(after, timing, rule=rule)
    for x, y in zip(before, after, strict=True):
        assert math.fsum(m.short for m in b[y.key]) <= math.fsum(m.short for m in a[x.key]) + 1e-6


@settings(max_examples=200, deadline=None)
@given(claimants_st, timings, st.floats(0, 365), st.data(), st.sampled_from(["pro-rata", "defence-first"]))
def test_more_stock_never_brings_a_shortage_forward(rows, timing, more, data, rule):
    only = data.draw(st.none() | st.integers(0, len(rows) - 1))
    before, after = build(rows), build(rows, stock=more, only=only)
    a = months_of(before, timing, rule=rule)
    b = months_of(after, timing, rule=rule)
    for x, y in zip(before, after, strict=True):
        first_a, first_b = first_short(a[x.key]), first_short(b[y.key])
        assert first_b is None or (first_a is not None and first_b >= first_a)


def test_monte_carlo_is_seeded_and_its_percentiles_are_ordered():
    eu = Claimant("end-use/cars", "Dy", "EU", Range(6, 18, 12), Range(0.2, 1.0, 0.9), one(0.0), Range(0, 90, 30))
    timing = Timing(months=12, latency_days=Range(30, 90, 60), per_month=Range(0.2, 1, 0.5))
    one_run = sample([eu], timing, draws=300, seed=3)
    assert one_run == sample([eu], timing, draws=300, seed=3)
    lost = one_run[0].lost
    assert lost[0] <= lost[1] <= lost[2] and lost[0] < lost[2]  # the inputs differ, so do p10 and p90
    with pytest.raises(ValueError):
        sample([eu], timing, draws=0)


# --- the bundled graph --------------------------------------------------------------------------


def _run(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["scenario", "run", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_china_2025_04_electric_cars_month_by_month_by_region():
    found = _run("china-2025-04", "--region", "EU", "--region", "US", "--region", "JP", "--end-use", "electric-cars")
    cars = {c["region"]: c for c in found["demand"]["claimants"] if c["element"] == "Dy"}
    assert set(cars) == {"EU", "US", "JP"}
    eu = cars["EU"]
    assert len(eu["months"]) == 24 and eu["months"][0]["date"] == "2025-04"
    month = eu["months"][3]  # July 2025: the EU's 61 days of stock are spent
    assert month["demand"]["point"] > 0 and month["short"]["point"] > 0
    for end in ("low", "point", "high"):  # units at the same end as the tonnes: never more than are sold
        if month["short"][end]:
            assert month["units_short"][end] == pytest.approx(month["short"][end] / eu["per_unit_t"][end], rel=1e-3)
        assert (month["units_short"][end] or 0) <= eu["units_per_year"]["value"] / 12 + 1
    assert eu["first_short_date"]["point"] == "2025-06" and eu["first_short_date"]["high"] == "2025-05"
    assert eu["first_short"]["low"] is None  # at the least short end nothing depends on China
    # the regions differ: demand (units sold) and stock (EU 55-90 days, point 61; US 30-60, point 42)
    assert len({round(c["demand_t_per_year"]["point"], 3) for c in cars.values()}) == 3
    assert cars["EU"]["first_short"]["point"] > cars["US"]["first_short"]["point"]
    assert eu["dependence"]["basis"] == "published share" and eu["dependence"]["blocked"]["point"] == 0.999


def test_a_region_without_a_stock_figure_has_no_point():
    found = _run("china-2025-04", "--region", "ROW", "--element", "Dy", "--end-use", "electric-cars")
    (row,) = found["demand"]["claimants"]
    assert row["stock_days"] == {"low": 0.0, "point": None, "high": None}
    assert row["defined"] == {"low": True, "point": False, "high": True}
    assert row["first_short_date"]["high"] == "2025-04" and row["first_short"]["low"] is None
    assert any(n.startswith("ROW Dy in electric cars") and "no stock figure" in n for n in found["demand"]["notes"])


def test_china_2025_04_table_is_one_line_per_end_use():
    result = CliRunner().invoke(cli, ["scenario", "run", "china-2025-04"])
    assert result.exit_code == 0, result.output
    cars = [line for line in result.output.splitlines() if line.startswith("electric cars") and " Dy " in line]
    assert len(cars) == 1 and "2025-05 (2025-04 to never)" in cars[0]
    assert "Supply only (demand not in the graph)" in result.output
    assert "no content per unit of Nd, Pr, Tb in the graph" in result.output  # the rest of the car's elements


def test_back_test_supply_recovers_as_licences_come_and_stop_months_stay_fitted():
    # not fitted: licences from day 42 at 40% a month (CLEPA's two counts) give the share of normal
    # supply each month, 1 - 0.999 x (1 - approved): April 0.1%, May 8%, June 45%, July 85%, August all
    found = _run("china-2025-04-as-licensed", "--element", "Dy", "--end-use", "electric-cars")
    cars = {c["region"]: c for c in found["demand"]["claimants"]}
    shares = [m["supplied"]["point"] / m["demand"]["point"] for m in cars["EU"]["months"][:5]]
    assert shares == pytest.approx([0.001, 0.0782, 0.4486, 0.8452, 1.0], abs=5e-4)
    assert cars["EU"]["recovers_date"]["point"] == "2025-08"
    # fitted (the stocks are read from when lines stopped): the record's months come back
    assert cars["EU"]["first_short_date"]["point"] == "2025-06"
    assert cars["JP"]["first_short_date"]["point"] == "2025-05"
    assert cars["US"]["first_short_date"]["point"] == "2025-05"
    assert cars["CN"]["first_short"]["point"] is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[licensing]\nper_month = 2\n", ":2: per_month must be a number from 0 to 1"),
        (
            "[licensing]\nlatency_days = [90, 30]\n",
            ":2: latency_days must be [low, high] or [low, point, high] in order",
        ),
        (
            '[[stockpile]]\nregion = "EU"\ndays = [1, 2, 3, 4]\n',
            ":3: days must be a number, [low, high] or [low, point, high]",
        ),
        ('[[substitution]]\nelement = "Xx"\nshare = 0.5\nmonths = 3\n', ":2: unknown element 'Xx'"),
        ("[scenario]\nmonths = 2.5\n", ":2: months must be a whole number"),
        ("[scenario]\nmonths = 0\n", ":2: months must be a whole number from 1 to 600"),
        ("[scenario]\nstart = 5\n", ":2: start must be a date"),
    ],
)
def test_bad_monthly_inputs_name_their_line(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["scenario", "run", str(path)])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[licensing]]\nlatency_days = 10\n[[licensing]]\nlatency_days = 500\n", ":1: [licensing] is one table"),
        ('[[stockpile]]\nregion = "EU"\ndays = 30\n[[stockpile]]\nregion = "EU"\ndays = 300\n',
         ":4: a second [[stockpile]] for EU"),
    ],
)  # fmt: skip
def test_a_scenario_says_each_thing_once(tmp_path, text, message):
    path = tmp_path / "twice.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["scenario", "run", str(path)])
    assert result.exit_code == 2 and message in result.output, result.output


CONTENT = """@prefix ree: <https://w3id.org/reegraph/ontology#> . @prefix eu: <https://w3id.org/reegraph/id/end-use/> .
@prefix q: <https://w3id.org/reegraph/id/quantity/> . @prefix el: <https://w3id.org/reegraph/id/element/> .
@prefix src: <https://w3id.org/reegraph/id/source/> . @prefix unit: <http://qudt.org/vocab/unit/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
eu:f-35 ree:hasQuantity q:x .
q:x a ree:Quantity ; ree:quantityKind ree:Intensity ; ree:element el:{element} ; ree:value 0.01 ; {extra}
    ree:unit unit:{unit} ; ree:basis ree:ContainedElement ; ree:perUnit "aircraft" ; ree:year 2025 ;
    ree:confidence ree:Estimate ; ree:method "test" ; prov:wasDerivedFrom src:f-35-deliveries-2025 .
"""


@pytest.mark.parametrize(
    ("element", "extra", "unit", "message"),
    [
        ("Dy", "ree:minValue -5 ;", "KiloGM", "quantity/x: ree:minValue must be a finite number of 0 or more"),
        ("Dy", 'ree:minValue "NaN"^^<http://www.w3.org/2001/XMLSchema#double> ;', "KiloGM", "ree:minValue must be"),
        ("Dy", "ree:minValue 0.05 ; ree:maxValue 0.02 ;", "KiloGM", "ree:minValue <= ree:value <= ree:maxValue"),
        ("Dy", "", "GM", "a content per unit must be in kg or t"),
        ("Sm", "", "KiloGM", "quantity/x: a second content of Sm per unit of end-use/f-35"),
    ],
)
def test_bad_content_figures_are_refused(tmp_path, element, extra, unit, message):
    data = tmp_path / "content.ttl"
    data.write_text(CONTENT.format(element=element, extra=extra, unit=unit), encoding="utf-8")
    result = CliRunner().invoke(cli, ["scenario", "run", "china-2025-04", "--data", str(data)])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_a_horizon_past_9999_is_refused(tmp_path):
    path = tmp_path / "far.toml"
    path.write_text("[scenario]\nstart = 9999-01-01\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["scenario", "run", str(path)])
    assert result.exit_code == 2 and "run past the year 9999" in result.output


def test_compare_gives_tonnes_and_months_under_each_and_html():
    args = ["scenario", "compare", "china-2025-04", "china-2025-04-as-licensed", "--region", "EU", "--element", "Dy",
            "--end-use", "electric-cars"]  # fmt: skip
    result = CliRunner().invoke(cli, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    (row,) = data["rows"]
    assert set(row["change_t"]) == {"china-2025-04", "china-2025-04-as-licensed"}
    (eu,) = data["demand"]
    blocked, licensed = eu["china-2025-04"], eu["china-2025-04-as-licensed"]
    assert licensed["lost_t"]["point"] < blocked["lost_t"]["point"]  # licences come: less is lost
    assert blocked["recovers"]["point"] is None and licensed["recovers_date"]["point"] == "2025-08"
    page = CliRunner().invoke(cli, [*args, "--format", "html"])
    assert page.exit_code == 0 and "<table>" in page.stdout and "Who runs short under each" in page.stdout


def test_modelled_demand_is_set_against_what_the_world_makes(tmp_path):
    # on the bundled graph no figure gives the world's Dy supply a point: the run says so
    found = _run("china-2025-04", "--element", "Dy")
    assert any(n.startswith("Dy: the modelled demand, 1,974 t a year at the point, cannot be set against") for n in
               found["demand"]["notes"])  # fmt: skip
    # 1,000 t of Dy in each of 191 F-35s is more than the world's mines could give at their high end
    data = tmp_path / "heavy.ttl"
    data.write_text(CONTENT.format(element="Dy", extra="", unit="TONNE").replace("0.01", "1000"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["scenario", "run", "china-2025-04", "--element", "Dy", "--data", str(data),
                                      "--format", "json"])  # fmt: skip
    notes = json.loads(result.stdout)["demand"]["notes"]
    assert any("exceeds the most the world can make in the graph (0–53,154 t)" in n for n in notes), notes


def test_each_claimant_is_licensed_by_the_controls_that_cover_it(tmp_path):
    # a refusal of Sm for military end users does not stop the Dy licences for the EU's cars
    path = tmp_path / "mil.toml"
    path.write_text(
        '[scenario]\ninclude = ["china-2025-04-as-licensed"]\n[[export_control]]\nexporter = "CN"\nelements = ["Sm"]\n'
        'product_forms = ["oxide", "metal"]\nend_users = "military"\nlicensed_fraction = 0.0\n',
        encoding="utf-8",
    )
    plain = {(c["end_use"], c["region"]): c for c in _run("china-2025-04-as-licensed")["demand"]["claimants"]}
    both = {(c["end_use"], c["region"]): c for c in _run(str(path))["demand"]["claimants"]}
    cars = (f"{ID}end-use/electric-cars", "EU")
    assert both[cars]["licensed_fraction"] == 1.0 and both[cars]["lost_t"] == plain[cars]["lost_t"]
    jets = (f"{ID}end-use/f-35", "US")
    assert both[jets]["licensed_fraction"] == 0.0 and both[jets]["recovers"]["point"] is None
    assert plain[jets]["recovers"]["point"] is not None


def test_monte_carlo_holds_bounds_at_their_point_and_leaves_out_what_has_none():
    timing = Timing(months=12, latency_days=one(400.0))  # no licence within the run
    spread = Claimant("end-use/cars", "Dy", "EU", one(12.0), Range(0.0, 1.0, 0.5), one(0.0), one(0.0),
                      licensed_fraction=0.0)  # fmt: skip
    held = replace(spread, region="US", held=frozenset({"blocked"}))
    unknown = replace(spread, region="JP", stock_days=Range(0.0, math.inf, None), held=frozenset({"stock_days"}))
    found = {s.claimant.region: s for s in sample([spread, held, unknown], timing, draws=300, seed=1)}
    assert found["EU"].lost[0] < found["EU"].lost[2]  # drawn: the losses spread
    assert found["US"].lost == (6.0, 6.0, 6.0)  # held at 50%: 12 t a year, half lost, every draw
    assert "JP" not in found  # a stock of unknown size has no point to hold


def test_monte_carlo_draws_never_let_licences_take_supply_away():
    # a blocked share drawn below the licensed one (0.2-0.5) is raised to it: with no licence ever
    # approved, at least 20% of 12 t is lost in every draw
    eu = Claimant("end-use/cars", "Dy", "EU", one(12.0), Range(0.0, 1.0, 0.1), Range(0.2, 0.5, 0.3), one(0.0),
                  licensed_fraction=0.0)  # fmt: skip
    (found,) = sample([eu], Timing(months=12, latency_days=one(400.0)), draws=300, seed=2)
    assert found.lost[0] >= 2.4 - 1e-9
