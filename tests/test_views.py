"""The map and the HTML report: self-contained files, hostile strings inert, and (in Chromium,
every non-file request blocked) drawn with no error and no request out."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from reegraph.load import load_store
from reegraph.network import build_network

HOSTILE = (
    "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "<https://w3id.org/reegraph/id/facility/lynas-malaysia>\n"
    '    rdfs:label "<img src=x onerror=window.hacked=1><script>window.hacked=2</script>" .\n'
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
    for name, args in {"map": ["map"], "report": ["report", "--format", "html"]}.items():
        out = folder / f"{name}.html"
        result = CliRunner().invoke(cli, [*args, "--as-of", "2026-11-28", "--data", str(hostile), "-o", str(out)])
        assert result.exit_code == 0, result.stderr
        written[name] = out
    return written


def test_the_map_draws_every_placed_facility_and_nothing_loads(pages):
    html = pages["map"].read_text(encoding="utf-8")
    G = build_network(load_store(), as_of=date(2026, 11, 28), include_planned=True)
    placed = [n for n, d in G.nodes(data=True) if d["kind"] == "facility" and d.get("lat") is not None]
    assert html.count('<circle class="facility"') == len(placed) > 40
    assert "&lt;img src=x onerror=window.hacked=1&gt;&lt;script&gt;" in html
    assert "<script" not in html and not re.search(r"<[^>]*\s(src|href)=", html)
    assert html.count("<path d=") > 150  # the country outlines ship with reegraph


@pytest.mark.browser
@pytest.mark.parametrize("name", ["map", "report"])
def test_in_chromium_each_page_draws_with_no_error_no_request_and_no_script_run(pages, name, tmp_path_factory):
    playwright = pytest.importorskip("playwright.sync_api")
    chromium = Path("/usr/bin/chromium")
    assert chromium.exists(), "install Debian's chromium (.ci/run does)"
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        outside, errors = [], []

        def route(request_route):
            if request_route.request.url.startswith("file:"):
                request_route.continue_()
            else:
                outside.append(request_route.request.url)
                request_route.abort()

        page.route("**/*", route)
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(pages[name].as_uri())
        assert outside == [] and errors == []
        assert page.evaluate("window.hacked") is None  # the hostile label ran nothing
        if name == "map":
            assert page.locator("circle.facility").count() > 40
            dot = page.locator("circle.facility").last
            dot.hover()
            assert "(facility/" in dot.locator("title").text_content()
        else:
            assert page.locator("svg rect").count() > 20 and page.locator("table tr").count() > 20
        shots = tmp_path_factory.getbasetemp() / "screenshots"
        shots.mkdir(exist_ok=True)
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
        browser.close()
