"""``reegraph report``: the JSON contract, the terminal summary, CSV, filters and bad options."""

from __future__ import annotations

import json

import pytest

from reegraph.model import STAGES

AS_OF = ("--as-of", "2026-11-28")


@pytest.fixture(scope="module")
def report():
    from click.testing import CliRunner

    from reegraph.cli import cli

    result = CliRunner().invoke(cli, ["report", *AS_OF, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_json_contract(report):
    data = json.loads(report)
    assert (data["schema_version"], data["as_of"]) == ("1", "2026-11-28")
    for entry in data["concentration"]:
        assert entry["stage"] in STAGES
        assert {"element", "by", "year", "kind", "basis", "total", "hhi", "top1_share", "top3_share"} <= set(entry)
        shares = [s["share"] for s in entry["shares"]]
        assert shares == sorted(shares, reverse=True) and all(0 <= s <= 1 for s in shares)
        assert all(len(s["country"]) == 2 for s in entry["shares"])
        assert 0 <= entry["hhi"] <= 10_000
    assert {(e["stage"], e["element"]) for e in data["concentration"]} >= {("mining", "ALL"), ("separation", "Dy")}
    chokepoints = data["chokepoints"]
    assert [c["rank"] for c in chokepoints] == list(range(1, len(chokepoints) + 1))
    for c in chokepoints:
        assert c["kind"] in ("country", "company", "facility", "stage") and c["stage"] in STAGES
        assert (
            c["why"]
            and c["sources"]
            and all(s.startswith("https://w3id.org/reegraph/id/source/") for s in c["sources"])
        )
        assert all(u.startswith("https://w3id.org/reegraph/id/end-use/") for u in c["end_uses"])
    top = chokepoints[0]
    assert (top["kind"], top["id"]) == ("country", "CN")


def test_same_input_gives_byte_identical_json(run, report):
    again = run("report", *AS_OF, "--format", "json")
    assert again.stdout == report


def test_default_summary_shows_chokepoints_then_concentration(run):
    result = run("report", *AS_OF)
    assert result.exit_code == 0
    head, _, tail = result.stdout.partition("Concentration by stage")
    assert "Top chokepoints" in head and "  1. China" in head
    assert "separation  Dy" in tail


def test_filters_narrow_the_report(run_json):
    data = run_json("report", *AS_OF, "--element", "Tb", "--stage", "separation")
    assert {(e["stage"], e["element"]) for e in data["concentration"]} == {("separation", "Tb")}
    assert all(c["stage"] == "separation" and "Tb" in c["elements"] for c in data["chokepoints"])
    uses = run_json("report", *AS_OF, "--end-use", "mri-contrast")
    assert all(u.endswith("/end-use/mri-contrast") for c in uses["chokepoints"] for u in c["end_uses"])


def test_ownership_and_planned_capacity_change_the_picture(run_json):
    planned = run_json("report", *AS_OF, "--include-planned", "--element", "Dy")
    separation = next(f for f in planned["flows"] if f["element"] == "Dy" and f["feeding_stage"] == "magnet")
    stage = next(s for s in separation["stages"] if s["stage"] == "separation")
    amounts = {c["country"]: c["amount"] for c in stage["countries"]}
    # White Mesa's heavy circuits (150 t Dy oxide) and Lynas's new plant (250 t) join when planned plants count
    assert amounts["US"] == pytest.approx(150 * 0.8713)
    assert amounts["MY"] == pytest.approx((75 + 250) * 0.8713)

    def separated(by):
        data = run_json("report", *AS_OF, "--by", by, "--stage", "separation", "--element", "ALL")
        (entry,) = [e for e in data["concentration"] if e["element"] == "ALL"]
        assert entry["by"] == by
        return {s["country"]: s["amount"] for s in entry["shares"]}

    located, owned = separated("location"), separated("ownership")
    assert owned["AU"] == located["MY"] and "MY" not in owned  # Lynas Malaysia belongs to Lynas (AU)


def test_csv_has_one_row_per_chokepoint(run, report):
    result = run("report", *AS_OF, "--format", "csv")
    header, *rows = result.stdout.splitlines()
    assert header.startswith("rank,kind,id,label,stage,elements,share,hhi,flow_loss,dominates,why")
    assert len(rows) == len(json.loads(report)["chokepoints"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--element", "Xx"], "--element: unknown element or group 'Xx'"),
        (["--end-use", "flying-cars"], "--end-use: unknown end use 'flying-cars'"),
        (["--as-of", "2026-13-01"], "Invalid value for '--as-of'"),
        (["--stage", "smelting"], "Invalid value for '--stage'"),
    ],
)
def test_bad_options_give_one_line_and_exit_2(run, args, message):
    result = run("report", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_output_file_is_written_atomically(run, tmp_path):
    target = tmp_path / "report.json"
    result = run("report", *AS_OF, "--format", "json", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["schema_version"] == "1"


def test_hostile_labels_cannot_reshape_the_terminal_table(run, tmp_path):
    hostile = tmp_path / "hostile.ttl"
    hostile.write_text(
        "@prefix ree: <https://w3id.org/reegraph/ontology#> .\n"
        "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix unit: <http://qudt.org/vocab/unit/> .\n"
        "@prefix el: <https://w3id.org/reegraph/id/element/> .\n"
        "<https://example.org/evil> a ree:SeparationPlant ;\n"
        '    rdfs:label "=Evil\\u001b[2J\\nplant" ;\n'
        "    ree:country <https://w3id.org/reegraph/id/country/VN> ;\n"
        "    ree:operator <https://w3id.org/reegraph/id/org/lynas> ; ree:status ree:Operating ;\n"
        "    prov:wasDerivedFrom <https://w3id.org/reegraph/id/source/usgs-mcs-2025-rare-earths> ;\n"
        "    ree:hasQuantity <https://example.org/evil-q> .\n"
        "<https://example.org/evil-q> a ree:Quantity ; ree:quantityKind ree:Production ; ree:value 90000 ;\n"
        "    ree:unit unit:TONNE ; ree:basis ree:REO ; ree:element el:Dy ; ree:year 2024 ;\n"
        "    ree:confidence ree:Reported ;\n"
        "    prov:wasDerivedFrom <https://w3id.org/reegraph/id/source/usgs-mcs-2025-rare-earths> .\n",
        encoding="utf-8",
    )
    table = run("report", *AS_OF, "--data", str(hostile), "--element", "Dy")
    assert table.exit_code == 0
    assert "=Evil\ufffd[2J\ufffdplant" in table.stdout and "\x1b" not in table.stdout
    csv_out = run("report", *AS_OF, "--data", str(hostile), "--element", "Dy", "--format", "csv").stdout
    assert "\"'=Evil" in csv_out  # quoted, and a spreadsheet will not run it as a formula


PLANT = """@prefix ree: <https://w3id.org/reegraph/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://example.org/p> a ree:Mine ; rdfs:label "P" ; ree:country <https://w3id.org/reegraph/id/country/{cc}> ;
    ree:operator <https://w3id.org/reegraph/id/org/lynas> ; ree:status ree:Operating ; {extra}
    prov:wasDerivedFrom <https://w3id.org/reegraph/id/source/usgs-mcs-2025-rare-earths> ;
    ree:hasQuantity <https://example.org/q> .
<https://example.org/q> a ree:Quantity ; ree:quantityKind ree:Production ; ree:value {value} ; ree:unit unit:TONNE ;
    ree:basis ree:REO ; ree:year {year} ; ree:confidence ree:Reported ;
    prov:wasDerivedFrom <https://w3id.org/reegraph/id/source/usgs-mcs-2025-rare-earths> .
"""


def plant(tmp_path, name="p.ttl", *, cc="AU", value='"100"^^xsd:decimal', year="2024", extra=""):
    path = tmp_path / name
    path.write_text(PLANT.format(cc=cc, value=value, year=year, extra=extra), encoding="utf-8")
    return str(path)


LAT, LONG = "<http://www.w3.org/2003/01/geo/wgs84_pos#lat>", "<http://www.w3.org/2003/01/geo/wgs84_pos#long>"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"value": '"abc"'}, "ree:value 'abc' is not a number"),
        ({"value": '"NaN"^^xsd:double'}, "must be a finite number >= 0"),
        ({"value": '"-5"^^xsd:decimal'}, "must be a finite number >= 0"),
        ({"year": '"2024-05"'}, "ree:year '2024-05' is not an integer"),
        ({"extra": 'ree:startDate "2024-13" ;'}, "date '2024-13' is not an xsd:date"),
        ({"extra": f'{LAT} "north" ; {LONG} "10" ;'}, "wgs:lat 'north' is not a number of degrees"),
        ({"extra": f'{LAT} "10" ; {LONG} "INF"^^xsd:double ;'}, "wgs:long 'INF' is not a number of degrees"),
        ({"extra": f'{LAT} "91" ; {LONG} "10" ;'}, "wgs:lat '91' is not a number of degrees within ±90"),
        ({"extra": f'{LAT} "10" ;'}, "p>: has a position without wgs:long"),
    ],
)
def test_malformed_overlay_figures_give_one_line_and_exit_2(run, tmp_path, kwargs, message):
    result = run("report", *AS_OF, "--data", plant(tmp_path, **kwargs))
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_plant_stated_twice_gives_the_same_report_in_any_file_order(run, tmp_path):
    a = plant(tmp_path, "a.ttl", cc="AU")
    b = plant(tmp_path, "b.ttl", cc="US")
    first = run("report", *AS_OF, "--format", "json", "--data", a, "--data", b).stdout
    second = run("report", *AS_OF, "--format", "json", "--data", b, "--data", a).stdout
    assert first == second


def test_all_years_keeps_the_latest_figures_in_the_ranking(run_json):
    top = run_json("report", *AS_OF, "--all-years")["chokepoints"][:3]
    assert [(c["id"], c["stage"]) for c in top[:2]] == [("CN", "metal"), ("CN", "separation")]


def test_a_group_name_ranks_on_its_members(run_json):
    magnet = run_json("report", *AS_OF, "--element", "magnet")
    assert {e["element"] for e in magnet["concentration"]} == {"magnet"}
    china = next(c for c in magnet["chokepoints"] if c["id"] == "CN" and c["stage"] == "separation")
    assert china["share"] == 1.0 and {"Dy", "Tb"} <= set(china["elements"])


def test_end_use_filter_keeps_only_chokepoints_for_its_elements(run_json):
    polishing = run_json("report", *AS_OF, "--end-use", "glass-polishing")
    assert polishing["chokepoints"]
    assert all(set(c["elements"]) <= {"ALL", "Ce"} for c in polishing["chokepoints"])


def test_the_html_report_is_self_contained_and_hostile_labels_are_inert(run, tmp_path):
    import re

    hostile = tmp_path / "hostile.ttl"
    hostile.write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<https://w3id.org/reegraph/id/country/CN>\n"
        '    rdfs:label "<img src=x onerror=alert(1)><script>alert(2)</script>" .\n',
        encoding="utf-8",
    )
    out = tmp_path / "report.html"
    result = run("report", *AS_OF, "--data", str(hostile), "--format", "html", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "Content-Security-Policy" in page
    assert "&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;" in page  # China's label, shown as text
    assert "<img" not in page and "<script" not in page and "<link" not in page
    assert not re.search(r"<[^>]*\ssrc=", page)  # no element loads anything
    assert all(url.startswith("https://w3id.org/reegraph/id/") for url in re.findall(r'href="([^"]*)"', page))
    assert page.count("<svg") == 2 and "<title>CN: " in page  # shares by stage and the ranking, with tooltips
