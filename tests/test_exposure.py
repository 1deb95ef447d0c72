"""``reegraph exposure``: a manufacturer's products mapped onto the graph and the scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

from reegraph.model import ENDS

SAMPLE = Path(__file__).resolve().parents[1] / "reegraph" / "samples" / "products.csv"
ID = "https://w3id.org/reegraph/id/"
HEADER = "product,units_per_year,element,component,content_kg_per_unit,region,supplier_country,end_use\n"


def test_the_shipped_sample_maps_each_product_and_element(run_json):
    data = run_json("exposure", str(SAMPLE), "--scenario", "china-2025-10", "--scenario", "myanmar-kachin")
    rows = {(r["product"], r["element"]): r for r in data["products"]}
    # the fin actuator names a component: its elements come from the graph (an SmCo actuator needs Sm)
    assert set(rows) == {
        ("Traction motor for a mid-size EV", "Dy"),
        ("Traction motor for a mid-size EV", "Tb"),
        ("Fin actuator", "Sm"),
        ("Turbine blade coating", "Y"),
    }
    motor = rows[("Traction motor for a mid-size EV", "Dy")]
    assert motor["t_per_year"] == pytest.approx(120_000 * 0.03 / 1000)  # 3.6 t of Dy a year
    assert motor["chokepoints"][0]["label"] == "China" and motor["chokepoints"][0]["stage"] == "separation"
    assert rows[("Fin actuator", "Sm")]["t_per_year"] is None  # a component row gives no content
    for row in data["products"]:
        assert set(row["scenarios"]) == {"china-2025-10", "myanmar-kachin"}
        for said in row["scenarios"].values():
            assert said["chosen"] == "given" and said["end_use"].startswith(f"{ID}end-use/")
            assert said["months"] == 24 and set(said["units_lost"]) == set(ENDS)
    # Kachin's loss cuts the Dy reaching the EU's electric cars by 6% at the high end; its
    # dependence has no point, so the monthly run gives only the ends: from no motor lost to all
    kachin = motor["scenarios"]["myanmar-kachin"]
    assert kachin["shortfall"]["high"] == pytest.approx(0.056, abs=0.001)
    assert not kachin["defined"]["point"] and kachin["units_lost"]["low"] == 0
    assert kachin["units_lost"]["high"] == pytest.approx(2 * 120_000, rel=1e-6)  # 24 months


def test_months_to_shortage_and_units_lost_follow_the_stock_a_maker_holds(run_json, tmp_path):
    # 10,000 motors a year with 30 g of Dy each (0.3 t a year) in the EU under china-2025-04 (nothing
    # licensed; at the point 99.9% of the EU's Dy passes China): with no stock the motors run short
    # in month 0 (April 2025); 90 days of stock cover months 0 and 1 (60.9 days) and most of month 2
    products = tmp_path / "p.csv"
    products.write_text(
        HEADER.replace("end_use", "end_use,stock_days")
        + "Motor A,10000,Dy,,0.03,EU,,electric-cars,0\nMotor B,10000,Dy,,0.03,EU,,electric-cars,90\n",
        encoding="utf-8",
    )
    a, b = (
        r["scenarios"]["china-2025-04"]
        for r in run_json("exposure", str(products), "--scenario", "china-2025-04")["products"]
    )
    assert a["first_short_date"]["point"] == "2025-04" and b["first_short_date"]["point"] == "2025-06"
    assert a["defined"]["point"] and a["months"] == 24
    # 24 months at 99.9% short: 10,000 x 2 x 0.999 = 19,980 motors lost, less what 90 days of stock cover
    assert a["units_lost"]["point"] == pytest.approx(19_980, abs=1)
    assert b["units_lost"]["point"] == pytest.approx(19_980 - 10_000 * 90 / 365.25, abs=1)  # the stock covers 2,464
    assert a["first_short"]["low"] is None and a["units_lost"]["low"] == 0  # the dependence may be nil


def test_without_an_end_use_the_worst_civil_one_stands_for_it(run_json, tmp_path):
    products = tmp_path / "p.csv"
    products.write_text(HEADER + "Motor,1000,Dy,,0.05,US,,\n", encoding="utf-8")
    (row,) = run_json("exposure", str(products), "--scenario", "china-2025-10")["products"]
    said = row["scenarios"]["china-2025-10"]
    assert said["chosen"] == "worst civil end use"
    for use in ("f-35", "ddg-51", "virginia-class", "guided-missiles", "radar-sonar"):
        assert not said["end_use"].endswith(f"/{use}")  # defence end uses stand for no civil product


def test_the_table_names_each_scenario(run):
    result = run("exposure", str(SAMPLE), "--scenario", "myanmar-kachin")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Exposure as of ") and "myanmar-kachin" in result.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,units\nx,1\n", "line 1: unknown column 'name'"),
        ("product,element\nx,Dy\n", "line 1: no 'units_per_year' column"),
        (HEADER, "no products"),
        (HEADER + "Motor,many,Dy,,,EU,,\n", "line 2: units_per_year 'many' is not a number"),
        (HEADER + "Motor,0,Dy,,,EU,,\n", "line 2: units_per_year must be a number above 0"),
        (HEADER + "Motor,10,Dy,smco-actuator,,EU,,\n", "line 2: give an element or a component"),
        (HEADER + "Motor,10,dysprosium,,,EU,,\n", "line 2: element 'dysprosium' is not an element symbol"),
        (HEADER + "Motor,10,Dy,,-1,EU,,\n", "line 2: content_kg_per_unit must be a number of kg"),
        (HEADER + "Motor,10,Dy,,,Mars,,\n", "line 2: region 'Mars' is none of"),
        (HEADER + "Motor,10,Dy,,,EU,China,\n", "line 2: supplier_country 'China' is not an ISO"),
        (HEADER + "Motor,10,Dy,,,EU,\n", "line 2: 7 cells, the header has 8"),
        (HEADER + "Motor,10,Dy,,inf,EU,,\n", "line 2: content_kg_per_unit 'inf' is not a finite number"),
        (HEADER + "Motor,10,Xx,,,EU,,\n", "line 2: element 'Xx' is not one the graph knows"),
        (HEADER + "Motor,10,,warp-drive,,EU,,\n", "line 2: no component 'warp-drive' in the graph"),
        (HEADER + "Motor,10,Dy,,,EU,,flying-cars\n", "line 2: no end use 'flying-cars' in the graph"),
    ],
)
def test_a_bad_products_file_gets_a_one_line_error_and_nothing_is_written(run, tmp_path, text, message):
    products = tmp_path / "bad.csv"
    products.write_text(text, encoding="utf-8")
    out = tmp_path / "out.json"
    out.write_text("kept", encoding="utf-8")
    result = run("exposure", str(products), "--format", "json", "-o", str(out))
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert out.read_text(encoding="utf-8") == "kept"


def test_a_missing_file_and_an_unknown_scenario_are_refused(run, tmp_path):
    assert run("exposure", str(tmp_path / "none.csv")).exit_code == 2
    assert run("exposure", str(SAMPLE), "--scenario", "no-such-scenario").exit_code == 2
