"""``reegraph report``: the JSON contract, the terminal summary, CSV, filters and bad options."""

from __future__ import annotations

import json
import math
import re

import pytest

from reegraph.analysis.concentration import HHI_THRESHOLD, STATUSES
from reegraph.model import STAGES

AS_OF = ("--as-of", "2026-11-28")
ID = "https://w3id.org/reegraph/id/"
#: China's 3,500 t of Dy oxide against Lynas Malaysia's 75 t Dy capacity: China's lowest Dy separation share.
CHINA_DY_LOW = 3500 / 3575


@pytest.fixture(scope="module")
def report():
    from click.testing import CliRunner

    from reegraph.cli import cli

    result = CliRunner().invoke(cli, ["report", *AS_OF, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def ordered(r: dict, top: float | None = None) -> bool:
    """A range of the contract is ordered: 0 <= low <= point <= high (high null: unbounded), within ``top``."""
    high = math.inf if r["high"] is None else r["high"]
    point = r["low"] if r["point"] is None else r["point"]
    return 0 <= r["low"] <= point + 1e-9 and point <= high + 1e-9 and (top is None or high <= top + 1e-9)


def test_json_contract(report):
    """What the schema cannot say: ranges ordered, shares sorted, status, note, verdict and span
    consistent with the numbers, flows the smallest of their stages, ranks in order of score."""
    data = json.loads(report)
    assert (data["schema_version"], data["as_of"], data["max_age"]) == ("2", "2026-11-28", 3)
    for entry in data["concentration"]:
        assert entry["stage"] in STAGES and entry["status"] in STATUSES and entry["threshold"] == HHI_THRESHOLD
        assert ordered(entry["total"]) and all(
            ordered(s["share"], 1.0) and ordered(s["amount"]) for s in entry["shares"]
        )
        assert all(len(s["country"]) == 2 for s in entry["shares"])
        keys = [(s["share"]["high"], s["share"]["low"]) for s in entry["shares"]]
        assert keys == sorted(keys, reverse=True)
        hhi = entry["hhi"]
        if entry["status"] == "not enough data":
            assert (entry["shares"], hhi, entry["highly_concentrated"]) == ([], None, None)
        else:
            assert entry["shares"] and ordered(hhi, 10_000)
            verdict = True if hhi["low"] > HHI_THRESHOLD else False if hhi["high"] <= HHI_THRESHOLD else None
            assert entry["highly_concentrated"] is verdict
        assert (entry["note"] == "") == (entry["status"] == "complete")
        assert (entry["status"] == "partial") <= bool(entry["coverage"]["unquantified"])
        years = entry["coverage"]["years"]
        assert entry["span"] == ("" if not years else f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0]))
    assert {(e["stage"], e["element"]) for e in data["concentration"]} >= {
        ("mining", "ALL"),
        ("separation", "Dy"),
        ("separation", "Nd+Pr"),
    }
    for flow in data["flows"]:
        measured = [s for s in flow["stages"] if s["measured"]]
        assert all(ordered(s["total"]) and all(ordered(c["amount"]) for c in s["countries"]) for s in flow["stages"])
        for end in ("low", "high"):  # stages in series: the flow is the smallest, at the stage that binds
            totals = {s["stage"]: math.inf if s["total"][end] is None else s["total"][end] for s in measured}
            value = math.inf if flow["flow"][end] is None else flow["flow"][end]
            assert value == min(totals.values(), default=math.inf), (flow["element"], end)
            assert flow["binding"][end] is None or totals[flow["binding"][end]] == value
    chokepoints = data["chokepoints"]
    assert [c["rank"] for c in chokepoints] == list(range(1, len(chokepoints) + 1))
    scores = [c["score"] for c in chokepoints]
    assert scores == sorted(scores, reverse=True) and all(0.5 <= s <= 1 for s in scores)
    for c in chokepoints:
        assert c["kind"] in ("country", "company", "facility") and c["stage"] in STAGES
        assert c["why"] and c["sources"] and all(s.startswith(f"{ID}source/") for s in c["sources"])
        assert all(u.startswith(f"{ID}end-use/") for u in c["end_uses"])
        assert c["share"] is None or (ordered(c["share"], 1.0) and c["score"] >= c["share"]["low"] - 1e-9)
        assert c["dominates"] <= (c["score"] == 1.0)
    assert [(c["kind"], c["id"], c["stage"]) for c in chokepoints[:4]] == [
        ("country", "CN", "separation"),
        ("country", "CN", "magnet"),
        ("country", "CN", "mining"),
        ("company", f"{ID}org/baogang", "separation"),
    ]
    top = chokepoints[0]
    # Lynas Malaysia separates La and Ce as well (2025 data), so China no longer holds every Ce path
    assert {"ALL", "Ce", "Dy", "Tb"} <= set(top["elements"]) and not top["dominates"]
    # China's own Dy figure against Lynas's derived capacity: the low end of China's Dy share
    assert (top["share"]["low"], top["share"]["high"]) == (pytest.approx(CHINA_DY_LOW), 1.0)
    assert top["score"] == pytest.approx(CHINA_DY_LOW)


def test_same_input_gives_byte_identical_json(run, report):
    again = run("report", *AS_OF, "--format", "json")
    assert again.stdout == report


def test_default_summary_shows_chokepoints_then_concentration(run):
    result = run("report", *AS_OF)
    assert result.exit_code == 0
    head, _, tail = result.stdout.partition("Concentration by stage")
    assert "Top chokepoints" in head and "  1. China - separation - ALL, Ce, Dy, Tb - score 0.98" in head
    assert "holds 97–100% of the quantified Dy separation output" in head
    assert "from 2023 on: older ones are stale" in tail
    (dy,) = [line for line in tail.splitlines() if line.startswith("separation  Dy ")]
    assert "CN 97–100%, MY 0–3%" in dy and dy.endswith("partial")
    assert "Nd at separation" in tail and "Pr at separation" in tail  # Not enough data: NdPr figures bound the pair


def test_filters_narrow_the_report(run_json):
    data = run_json("report", *AS_OF, "--element", "Tb", "--stage", "separation")
    assert {(e["stage"], e["element"]) for e in data["concentration"]} == {("separation", "Tb")}
    assert data["chokepoints"]
    assert all(c["stage"] == "separation" and "Tb" in c["elements"] for c in data["chokepoints"])
    assert {f["element"] for f in data["flows"]} == {"Tb"}
    uses = run_json("report", *AS_OF, "--end-use", "electric-cars")
    assert uses["chokepoints"] and uses["flows"]
    assert all(f["end_uses"] == [f"{ID}end-use/electric-cars"] for f in uses["flows"])
    assert all(u == f"{ID}end-use/electric-cars" for c in uses["chokepoints"] for u in c["end_uses"])


def test_ownership_and_planned_capacity_change_the_picture(run_json):
    def dy_separation(*args):
        data = run_json("report", *AS_OF, *args, "--element", "Dy")
        (entry,) = [e for e in data["concentration"] if (e["stage"], e["element"]) == ("separation", "Dy")]
        flow = next(f for f in data["flows"] if f["element"] == "Dy" and f["feeding_stage"] == "magnet")
        stage = next(s for s in flow["stages"] if s["stage"] == "separation")
        return {s["country"]: s["amount"] for s in entry["shares"]}, stage

    current, _ = dy_separation()
    planned, stage = dy_separation("--include-planned")
    # capacities bound production from above: Lynas Malaysia's 75 t Dy oxide, and with planned plants
    # its new 250 t; White Mesa's Phase 2 circuit (240 t Dy oxide) and Mountain Pass's heavy circuit
    # (200 t of Dy and Tb together) join the US, Caremag (600 t of Dy and Tb together) France
    assert current["MY"] == {"low": 0.0, "point": None, "high": 75.0} and "US" not in current
    assert planned["MY"] == {"low": 0.0, "point": None, "high": 325.0}
    assert planned["US"] == {"low": 0.0, "point": None, "high": 440.0}
    assert planned["FR"] == {"low": 0.0, "point": None, "high": 600.0}
    amounts = {c["country"]: c["amount"] for c in stage["countries"]}  # the flow, in t Dy
    assert (amounts["MY"]["low"], amounts["MY"]["high"]) == (0.0, pytest.approx((75 + 250) * 0.8713))
    # ReElement's planned Marion plant has no figure: nothing bounds the US in the flow
    assert amounts["US"]["high"] is None and f"{ID}facility/reelement-marion" in stage["unbounded"]

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
    company = next(r for r in rows if r.split(",")[1] == "company")
    assert ",separation,ALL Ce,64–66%," in company  # shares as ranges


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


def test_output_file_is_written_atomically(run, report, tmp_path):
    target = tmp_path / "report.json"
    result = run("report", *AS_OF, "--format", "json", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text())["schema_version"] == "2"
    assert target.read_text(encoding="utf-8") == report
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left behind


def test_hostile_labels_cannot_reshape_the_terminal_table(run, tmp_path):
    """China's label and a plant's carry an escape sequence and a line break: China heads the ranking,
    and the plant, which has no figure, is named in China's why (nothing bounds it)."""
    hostile = tmp_path / "hostile.ttl"
    hostile.write_text(
        "@prefix ree: <https://w3id.org/reegraph/ontology#> .\n"
        "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<https://w3id.org/reegraph/id/country/CN> rdfs:label "=Rogue\\u001b[2J\\nland" .\n'
        "<https://example.org/evil> a ree:SeparationPlant ;\n"
        '    rdfs:label "=Evil\\u001b[2J\\nplant" ;\n'
        "    ree:country <https://w3id.org/reegraph/id/country/VN> ;\n"
        "    ree:operator <https://w3id.org/reegraph/id/org/lynas> ; ree:status ree:Operating ;\n"
        "    prov:wasDerivedFrom <https://w3id.org/reegraph/id/source/usgs-mcs-2025-rare-earths> .\n",
        encoding="utf-8",
    )
    table = run("report", *AS_OF, "--data", str(hostile), "--element", "Dy")
    assert table.exit_code == 0
    assert "  1. =Rogue\ufffd[2J\ufffdland - separation - " in table.stdout
    assert re.search(r"nothing bounds \d+ of \d+ plants \(=Evil\ufffd\[2J\ufffdplant, ", table.stdout)
    assert "\x1b" not in table.stdout
    assert not [line for line in table.stdout.splitlines() if line.startswith(("land", "plant"))]
    csv_out = run("report", *AS_OF, "--data", str(hostile), "--element", "Dy", "--format", "csv").stdout
    assert "\"'=Rogue" in csv_out  # quoted, and a spreadsheet will not run it as a formula
    assert "\x1b" not in csv_out  # nor can it reach a terminal that prints the file
    tagged = tmp_path / "tagged.ttl"
    tagged.write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<https://w3id.org/reegraph/id/country/CN> rdfs:label "</script><script>alert(1)</script>\u202eland" .\n',
        encoding="utf-8",
    )
    markdown = run("report", *AS_OF, "--data", str(tagged), "--element", "Dy", "--format", "markdown").stdout
    assert "<script" not in markdown and "&lt;script>" in markdown and "\u202e" not in markdown


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


def test_all_years_keeps_the_latest_figures_in_the_ranking(run_json, report):
    every_year = run_json("report", *AS_OF, "--all-years")
    assert {e["year"] for e in every_year["concentration"] if e["stage"] == "mining"} >= {2023, 2024}
    assert None not in {e["year"] for e in every_year["concentration"]}
    assert every_year["chokepoints"] == json.loads(report)["chokepoints"]
    assert [(c["id"], c["stage"]) for c in every_year["chokepoints"][:3]] == [
        ("CN", "separation"),
        ("CN", "magnet"),
        ("CN", "mining"),
    ]


def test_a_group_name_ranks_on_its_members(run_json):
    magnet = run_json("report", *AS_OF, "--element", "magnet")
    # the group, and the joint key that its members' NdPr figures name
    assert {e["element"] for e in magnet["concentration"]} == {"magnet", "Nd+Pr"}
    assert magnet["chokepoints"]
    assert all(set(c["elements"]) <= {"ALL", "Dy", "Nd", "Pr", "Tb"} for c in magnet["chokepoints"])
    china = next(c for c in magnet["chokepoints"] if c["id"] == "CN" and c["stage"] == "separation")
    assert {"Dy", "Tb"} <= set(china["elements"])
    assert (china["share"]["low"], china["share"]["high"]) == (pytest.approx(CHINA_DY_LOW), 1.0)


def test_end_use_filter_keeps_only_chokepoints_for_its_elements(run_json, report):
    """Hard-disk drives need Dy, Nd and Pr: China's separation stays, for ALL and Dy, without Tb."""
    everything = next(c for c in json.loads(report)["chokepoints"] if (c["id"], c["stage"]) == ("CN", "separation"))
    assert "Tb" in everything["elements"]
    drives = run_json("report", *AS_OF, "--end-use", "hard-disk-drives")
    assert drives["chokepoints"]
    assert all(set(c["elements"]) <= {"ALL", "Dy", "Nd", "Pr"} for c in drives["chokepoints"])
    china = next(c for c in drives["chokepoints"] if (c["id"], c["stage"]) == ("CN", "separation"))
    assert china["elements"] == ["ALL", "Dy"]


def test_end_use_filter_keeps_the_chokepoints_every_end_use_shares(run_json):
    """Glass polishing needs only Ce, which no figure names; China's mining (ALL) still feeds it:
    53-69% of the rare-earth flow is lost without China's mines at the low and high ends."""
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
    links = re.findall(r'href="([^"]*)"', page)  # the sources' own pages
    assert len(links) > 10 and all(url.startswith(("https://", "http://")) for url in links)
    assert page.count("<svg") == 17 and 'title="CN: ' in page  # the flows by element; shares by stage, with tooltips
    assert page.count('<div class="bar">') > 0  # the ranking: labels whole, in HTML


def _small_report(amounts: dict[str, float | None]) -> str:
    """The HTML report of a US mine of 100 t feeding separators of ``amounts`` t by country (``None``:
    a plant without a figure), for one end use labelled "Lasers & <b>optics</b>"."""
    from datetime import date

    from reegraph import app
    from reegraph.network.ops import make_network
    from reegraph.render.report import render_report_html

    plants = [("mine", "mining", "US", 100.0)]
    plants += [(f"sep-{c}", "separation", c, value or 1.0) for c, value in amounts.items()]
    G = make_network(plants, end_uses=[("use", "separation")])
    for country, value in amounts.items():
        if value is None:
            G.nodes[f"sep-{country}"]["amounts"] = ()
    G.nodes["use"]["label"] = "Lasers & <b>optics</b>"
    report = app.report(None, as_of=date(2026, 1, 1), network=G)  # the network given: no store is read
    assert report.labels == {"use": "Lasers & <b>optics</b>"}
    return render_report_html(report)


def _share_bar(page: str, label: str) -> list[tuple[str, str]]:
    """The parts of the share bar of ``label``: (class, width)."""
    head = f'<div class="label">{re.escape(label)}</div><div class="shares"><div class="stack">'
    bar = re.search(head + "(.*?)</div>", page)
    assert bar, label
    return re.findall(r'<i class="([\w ]+)" style="width:([\d.]+)%', bar.group(1))


def test_a_stage_with_a_plant_without_a_figure_has_no_solid_share():
    """China's separator makes 60 t and Malaysia's 40 t: 60% and 40% of the quantified output. With a
    French separator that has no figure, neither share of the stage is guaranteed: both parts are
    pale and nothing is solid; without it, both are solid."""
    partial = _small_report({"CN": 60.0, "MY": 40.0, "FR": None})
    assert _share_bar(partial, "separation · ALL (2024)") == [("part pale", "60.00"), ("part pale", "40.00")]
    assert 'title="CN: 60% of the quantified output"' in partial
    assert '<span class="key pale"><i></i>pale: a share of the quantified output only' in partial
    complete = _small_report({"CN": 60.0, "MY": 40.0})
    assert _share_bar(complete, "separation · ALL (2024)") == [("part", "60.00"), ("part", "40.00")]
    assert '<span class="key pale">' not in complete.split("<h2>Chokepoint ranking</h2>")[0]


def test_the_report_s_flows_name_the_end_uses_by_their_labels():
    """The 100 t mine feeds 60 + 40 t of separation: 100 t reach the end use, named by its label (as
    text), not by its id."""
    page = _small_report({"CN": 60.0, "MY": 40.0})
    flows = page.split('<section class="flows">')[1]
    assert "100 t to Lasers &amp; &lt;b&gt;optics&lt;/b&gt;" in flows
    assert "fed from separation (Lasers &amp; &lt;b&gt;optics&lt;/b&gt;)" in flows
