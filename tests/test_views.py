"""The map and the HTML report: self-contained files, hostile strings inert, and (in Chromium,
every non-file request blocked) drawn with no error and no request out."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from reegraph.network.project import build_network
from reegraph.rdf.load import load_store

from .conftest import blocked_page

HOSTILE = (  # a facility, a country and an end use: every page shows at least one of them
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "<https://w3id.org/reegraph/id/facility/lynas-malaysia>\n"
    '    rdfs:label "<img src=x onerror=window.hacked=1><script>window.hacked=2</script>" .\n'
    '<https://w3id.org/reegraph/id/country/CN> rdfs:label "<img src=x onerror=window.hacked=3>China" .\n'
    '<https://w3id.org/reegraph/id/end-use/electric-cars> rdfs:label "<img src=x onerror=window.hacked=4>cars" .\n'
)


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """The map and the report of the bundled graph with a hostile facility label, written by the CLI."""
    from click.testing import CliRunner

    from reegraph.cli import cli

    folder = tmp_path_factory.mktemp("views")
    hostile = folder / "hostile.ttl"
    hostile.write_text(HOSTILE, encoding="utf-8")
    written = {}
    # the April 2025 controls with the separators outside China that nothing bounds taken offline, so
    # that the controls' shortfalls can be priced and charted (with them running, the high end is free)
    priced = folder / "priced.toml"
    priced.write_text(
        '[scenario]\ninclude = ["china-2025-04"]\n'
        + "".join(f'[[offline]]\nfacility = "facility/{f}"\n'
                  for f in ("solvay-la-rochelle", "irel-aluva", "vtre-refinery", "reelement-noblesville")),
        encoding="utf-8",
    )  # fmt: skip
    views = {
        "map": ["map"],
        "report": ["report", "--format", "html", "--scenario", str(priced)],
        "network": ["view", "--scenario", "china-2025-04", "--plants"],  # every plant shown: the hostile one too
        "scenario": ["scenario", "run", str(priced), "--format", "html"],
    }
    for name, args in views.items():
        out = folder / f"{name}.html"
        date_args = [] if name in ("network", "scenario") else ["--as-of", "2026-11-28"]
        result = CliRunner().invoke(cli, [*args, *date_args, "--data", str(hostile), "-o", str(out)])
        assert result.exit_code == 0, result.stderr
        written[name] = out
    return written


@pytest.mark.parametrize("name", ["map", "report", "network", "scenario"])
def test_every_page_shows_the_hostile_labels_only_as_text(pages, name):
    html = pages[name].read_text(encoding="utf-8")
    assert "<img" not in html
    escaped = "\\u003cimg src=x onerror=window.hacked=" if name == "network" else "&lt;img src=x onerror=window.hacked="
    assert html.count(escaped) >= 3 if name != "map" else html.count(escaped) >= 1


def test_the_map_draws_every_placed_facility_and_nothing_loads(pages):
    html = pages["map"].read_text(encoding="utf-8")
    G = build_network(load_store(), as_of=date(2026, 11, 28), include_planned=True)
    placed = [n for n, d in G.nodes(data=True) if d["kind"] == "facility" and d.get("lat") is not None]
    drawn = html.count('<circle class="facility"') + html.count('<rect class="facility"')  # a square: no figure
    assert drawn == len(placed) > 40
    assert "&lt;img src=x onerror=window.hacked=1&gt;&lt;script&gt;" in html
    assert "<script" not in html and not re.search(r"<[^>]*\s(src|href)=", html)
    assert html.count("<path d=") > 150  # the country outlines ship with reegraph


def test_the_network_view_carries_its_data_as_escaped_json_and_builds_tooltips_as_text(pages):
    html = pages["network"].read_text(encoding="utf-8")
    assert "\\u003cimg src=x onerror=window.hacked=1\\u003e" in html  # inside the JSON data
    assert "<img" not in html.split("<script>", 1)[0] and not re.search(r"<(script|link|img)[^>]*\s(src|href)=", html)
    assert "textContent" in html and "popup.innerHTML" not in html  # not pyvis's template


def test_the_view_options_narrow_the_network():
    from reegraph.network.ops import network_filter

    G = build_network(load_store(), as_of=date(2026, 11, 28))
    dy = network_filter(G, elements=["Dy"])
    assert "facility/lynas-malaysia" in dy and all(
        "Dy" in d["handles"] for _, d in dy.nodes(data=True) if d["kind"] == "facility"
    )
    cars = network_filter(G, end_uses=["electric-cars"])
    assert [n for n, d in cars.nodes(data=True) if d["kind"] == "end-use"] == ["end-use/electric-cars"]
    us = network_filter(G, countries=["US"], stages=["separation"])
    assert {d["country"] for _, d in us.nodes(data=True)} == {"US"}
    with pytest.raises(Exception, match="unknown end use"):
        network_filter(G, end_uses=["hoverboards"])


@pytest.mark.browser
@pytest.mark.parametrize("name", ["map", "report", "network", "scenario"])
def test_in_chromium_each_page_draws_with_no_error_no_request_and_no_script_run(
    pages, name, tmp_path_factory, chromium
):
    from playwright import sync_api as playwright  # a test extra: missing, the test fails

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True)
        page, outside = blocked_page(browser, viewport={"width": 1400, "height": 900})
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(pages[name].as_uri())
        assert outside == [] and errors == []
        assert page.evaluate("window.hacked") is None  # the hostile labels ran nothing
        if name != "network":  # (its labels show in tooltips, below)
            assert "<img src=x onerror=window.hacked=" in page.evaluate("document.body.textContent")  # as text
        if name == "map":
            assert page.locator(".facility").count() > 40
            dot = page.locator("circle.facility").last
            dot.hover()
            assert "(facility/" in dot.locator("title").text_content()
        elif name in ("report", "scenario"):
            assert page.locator("table tr").count() > 20
            assert page.locator("svg:not(.lines)").count() == (17 if name == "report" else 0)  # the flows by element
            assert page.locator(".bars .bar").count() == (4 if name == "report" else 0)  # the ranking
            assert (page.locator(".stack i.part").count() > 40) is (name == "report")  # the shares' parts
            # the shortfalls: a heat map cell for each claimant short at some end, one claimant's lines shown
            assert page.locator("table.heat td.solid, table.heat td.striped").count() >= 7
            assert page.locator("svg.lines:visible").count() == 2 and page.locator("svg.lines:visible polygon").count()
            # every label whole: the ranking's, the shares', and every table cell (the chokepoints' names)
            cut = page.evaluate(
                "[...document.querySelectorAll('.bars .label, table td, table th')]"
                ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"
            )
            assert cut == []
            # "no data" is never a bar: only the hatched, uncoloured part says it
            said = page.evaluate(
                "[...document.querySelectorAll('.stack i, .bars .bar i')].filter(e => /no data/.test(e.title +"
                " e.textContent)).map(e => [e.className, getComputedStyle(e).backgroundColor])"
            )
            assert all(kind == "open" and colour == "rgba(0, 0, 0, 0)" for kind, colour in said), said
            assert bool(said) is (name == "report")  # (the bundled report has stages without figures)
        else:
            html = pages[name].read_text(encoding="utf-8")
            data = html.split("const all = ", 1)[1].split(";\n", 1)[0]
            expected = len([n for n in json.loads(data) if "members" not in n])  # the plants, not their countries
            drawn = page.evaluate("window.reegraphNetwork.body.nodeIndices.length")  # nodes laid out and drawn
            assert drawn == expected > 100
            box = page.locator("#network").bounding_box()
            spot = page.evaluate(
                "(() => { const n = window.reegraphNetwork; const p = n.getPositions(['facility/lynas-malaysia']);"
                " return n.canvasToDOM(p['facility/lynas-malaysia']); })()"
            )
            page.mouse.move(box["x"] + spot["x"], box["y"] + spot["y"])
            tooltip = page.locator("div.vis-tooltip")
            tooltip.wait_for(state="visible", timeout=5000)
            text = tooltip.text_content()
            assert "<img src=x onerror=window.hacked=1>" in text  # the label, as text
            assert page.locator("div.vis-tooltip img, div.vis-tooltip script").count() == 0
            assert "facility/lynas-malaysia" in text and page.locator("div.vis-tooltip a").count() > 0
            page.select_option("#element", "Tb")
            assert page.locator("#count").text_content() != f"{drawn} nodes"
        shots = tmp_path_factory.getbasetemp() / "screenshots"
        shots.mkdir(exist_ok=True)
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        browser.close()


@pytest.mark.parametrize(
    "tiles",
    [
        "file:///tiles/{z}/{x}/{y}.png",
        "https://tiles.example.org/{z}/{x}.png",
        "https://x.org; script-src 'unsafe-inline' /{z}/{x}/{y}.png",
        "javascript:alert(1)//{z}{x}{y}",
    ],
)
def test_tile_templates_other_than_plain_http_ones_are_refused(run, tmp_path, tiles):
    result = run("map", "--tiles", tiles, "-o", str(tmp_path / "map.html"))
    assert result.exit_code == 2 and "is not an http(s) URL with {z}, {x} and {y}" in result.stderr
    assert not (tmp_path / "map.html").exists()


def test_online_tiles_only_when_asked_for(run, tmp_path):
    out = tmp_path / "map.html"
    result = run("map", "--as-of", "2026-11-28", "--tiles", "https://tiles.example.org/{z}/{x}/{y}.png", "--zoom", "2",
                 "-o", str(out))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    html = out.read_text(encoding="utf-8")
    hrefs = re.findall(r'<image class="tile" href="([^"]+)"', html)
    assert len(hrefs) == 12 and hrefs[0] == "https://tiles.example.org/2/0/0.png"  # rows 0-2 hold 84°N-58°S
    assert "img-src data: https://tiles.example.org" in html and "<path d=" not in html
    assert html.count('<circle class="facility"') + html.count('<rect class="facility"') > 40


@pytest.mark.browser
def test_in_chromium_the_tiled_map_asks_only_its_tile_server(tmp_path, chromium):
    from click.testing import CliRunner
    from playwright import sync_api as playwright  # a test extra: missing, the test fails

    from reegraph.cli import cli

    out = tmp_path / "tiled.html"
    args = ["map", "--tiles", "https://tiles.example.org/{z}/{x}/{y}.png", "--zoom", "1", "-o", str(out)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True)
        page, asked = blocked_page(browser)
        page.goto(out.as_uri())
        page.wait_for_load_state("networkidle")
        assert sorted(asked) == sorted(f"https://tiles.example.org/1/{x}/{y}.png" for x in (0, 1) for y in (0, 1))
        browser.close()


def test_the_view_marks_as_controlled_only_the_exports_the_scenario_model_restricts():
    from reegraph.analysis.scenarios import ExportControl, Scenario, scenario_marks

    G = build_network(load_store(), as_of=date(2026, 11, 28))
    control = ExportControl(exporter="EE", elements=frozenset({"Nd"}), stages=frozenset({"separation"}))
    _, gated = scenario_marks(G, Scenario(name="test", controls=(control,)))
    heads = {head for market, head in gated if market == "market/separation/EE"}
    assert {"market/separation/CN", "market/separation/US", "facility/less-common-metals"} <= heads
    assert "market/separation/FR" not in heads  # within the EU, as the engine models it
    assert {market for market, _ in gated} == {"market/separation/EE"}


def test_a_filtered_view_does_not_depend_on_the_hash_seed(tmp_path):
    """The nodes and edges of a filtered view came in the order of a set, which the hash seed changes."""
    import os
    import subprocess
    import sys

    def draw(seed):
        out = tmp_path / f"view-{seed}.html"
        command = [sys.executable, "-m", "reegraph", "view", "--as-of", "2026-11-28", "--stage", "separation",
                   "--country", "CN", "--country", "MY", "-o", str(out)]  # fmt: skip
        subprocess.run(command, env={**os.environ, "PYTHONHASHSEED": seed}, check=True, capture_output=True)
        return out.read_text(encoding="utf-8")

    assert draw("1") == draw("3")


@pytest.mark.slow
@pytest.mark.parametrize("ci", ["", "true"])
def test_without_chromium_or_virtuoso_their_tests_skip_with_one_line_each_except_under_ci(tmp_path, ci):
    """The README's test command on a machine without Chromium or Virtuoso: their tests are skipped,
    under one line per program saying how to enable them; under CI a missing program fails the run."""
    env = {k: v for k, v in os.environ.items() if k not in ("REEGRAPH_CHROMIUM", "CI")}
    env |= {"PATH": str(tmp_path), "CI": ci}  # an empty folder: neither program on it
    tests = Path(__file__).parent
    files = [tests / "test_views.py", tests / "test_serve.py", tests / "test_triple_stores.py"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-m", "browser or virtuoso", "-rs", *files],
        cwd=tests.parent, env=env, capture_output=True, text=True,
    )  # fmt: skip
    summary = result.stdout.splitlines()[-1]
    if ci:
        assert result.returncode == 1 and " error" in summary and "skipped" not in summary, result.stdout
        assert "browser tests may not be skipped under CI=true" in result.stdout
        assert "virtuoso tests may not be skipped under CI=true" in result.stdout
    else:
        assert result.returncode == 0 and " skipped" in summary and "passed" not in summary, result.stdout
        skipped = [line for line in result.stdout.splitlines() if line.startswith("SKIPPED")]
        browser, virtuoso = sorted(skipped, key=lambda line: "virtuoso tests" in line)  # workers finish in any order
        assert "REEGRAPH_CHROMIUM=/path/to/chromium" in browser and "apt-get install chromium" in browser
        assert "apt-get install virtuoso-opensource" in virtuoso


def test_without_the_views_extra_the_network_view_names_it_and_the_rest_runs(run, tmp_path, monkeypatch):
    for module in ("pyvis", "pyvis.network"):
        monkeypatch.setitem(sys.modules, module, None)  # as if `pip install reegraph` (no extra)
    out = tmp_path / "network.html"
    out.write_text("kept")
    result = run("view", "-o", str(out))
    assert result.exit_code == 3 and result.stdout == ""
    assert result.stderr.startswith("reegraph: error: the network view needs pyvis: pip install 'reegraph[views]'")
    assert out.read_text() == "kept"
    assert run("report", "--format", "html", "-o", str(tmp_path / "report.html")).exit_code == 0
    assert run("map", "-o", str(tmp_path / "map.html")).exit_code == 0


def test_one_palette_a_country_has_one_colour_on_every_page_and_every_colour_is_in_a_legend(pages):
    import re

    from reegraph.render.palette import COUNTRY_COLOURS, OTHER, country_colour

    report, network = pages["report"].read_text(), pages["network"].read_text()
    legend = lambda page: dict(re.findall(r'<span class="key"><i style="background:(#\w+)"></i>([^<]*)</span>', page))  # noqa: E731
    # the report's country shares: every part in a country's colour, every colour in the legend
    parts = re.findall(r'background:(#\w+)" title="([^:"]+):', report)
    assert {code for _, code in parts} >= {"CN", "US", "AU", "MY"}
    for colour, code in parts:
        assert colour == (OTHER if code == "other" else country_colour(code)), code
    assert {colour for colour, _ in parts} <= set(legend(report))
    # the network: the same colour for each country, every colour in the legend, "other" named
    nodes = re.findall(r'"color": \{"background": "(#\w+)"', network)
    assert set(nodes) - {"#fff"} <= set(legend(network))  # (#fff, dashed: a plant offline in the scenario)
    assert legend(network)["#CC6677"] == "CN" and COUNTRY_COLOURS["CN"] == "#CC6677"
    assert legend(network)[OTHER].startswith("other: ") and "GB" in legend(network)[OTHER]
