"""``reegraph site``: every page, linked, in one folder that works offline; written so that nothing
the user had is lost; the pages only the site has (index, sources, data card, ontology) escape what
they show; in Chromium, no request leaves the folder and a country has one colour on every page."""

from __future__ import annotations

import os
import re
import sys
from html import unescape

import pytest
from click.testing import CliRunner

from reegraph.cli import cli
from reegraph.errors import InputError
from reegraph.render.palette import country_colour
from reegraph.site import MARK, write_site

from .conftest import blocked_page
from .test_views import HOSTILE

#: The pages every site has (and one per built-in scenario).
PAGES = {"index.html", "report.html", "flows.html", "network.html", "map.html", "scenarios.html", "sources.html",
         "data-card.html", "ontology.html"}  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site of the bundled graph with the hostile labels, as of 2026-11-28, written by the CLI."""
    folder = tmp_path_factory.mktemp("site")
    hostile = folder / "hostile.ttl"
    hostile.write_text(HOSTILE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["site", "--data", str(hostile), "--as-of", "2026-11-28", "-o", str(folder / "s")])
    assert result.exit_code == 0, result.stderr
    return folder / "s"


def test_the_site_has_every_page_and_each_built_in_scenario_and_its_flows_linked_from_the_index(site):
    from reegraph.app import scenario_titles

    files = {p.name for p in site.iterdir()}
    names = [name for name, _ in scenario_titles()]
    scenarios = {f"scenario-{name}.html" for name in names} | {f"scenario-{name}-flows.html" for name in names}
    assert len(names) >= 7 and files == PAGES | scenarios | {MARK}
    index = (site / "index.html").read_text(encoding="utf-8")
    for name in PAGES - {"index.html"}:
        assert f'href="{name}"' in index
    listing = (site / "scenarios.html").read_text(encoding="utf-8")
    assert all(f'href="{name}"' in listing for name in scenarios)
    flows = unescape(re.sub(r"<[^>]+>", " ", (site / "scenario-china-2025-04-flows.html").read_text(encoding="utf-8")))
    assert "Beside each baseline, the same flow under the scenario china-2025-04" in flows and "Dy (t " in flows


def test_every_local_link_resolves_inside_the_folder_and_nothing_is_loaded_from_outside(site):
    for page in site.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert re.search(r"default-src (&#x27;|')none", html), page.name  # the CSP: nothing fetched
        assert not re.search(r"<(link|iframe|object|embed)\b", html), page.name
        assert not re.search(r'\bsrc="(?!data:)', html), page.name  # no image or script from a URL
        for href in re.findall(r'href="([^"]*)"', html):
            if href.startswith(("https://", "http://", "#")):
                continue
            target = href.split("#")[0]
            assert "/" not in target and (site / target).is_file(), (page.name, href)
        assert "nav style=" in html and "aria-current=page" in html, page.name  # the bar of links


def test_the_hostile_labels_are_escaped_on_every_page(site):
    without_labels = {"data-card.html", "ontology.html", "scenarios.html"}  # (no facility or country names)
    for page in site.glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "<img src=x" not in html and "<script>window.hacked" not in html, page.name
        shown = "&lt;img src=x onerror=window.hacked" in html or "\\u003cimg src=x onerror=window.hacked" in html
        assert shown == (page.name not in without_labels), page.name  # shown as text, not dropped


def test_the_ontology_page_documents_every_class_and_property_with_its_domain_and_range(site):
    from reegraph.app import load, ontology_terms

    terms = ontology_terms(load())
    html = (site / "ontology.html").read_text(encoding="utf-8")
    assert len(terms) > 150
    for term in terms:
        assert f'id="{term.name}"' in html, term.name
    country = next(t for t in terms if t.name == "country")
    assert (country.kind, country.domains, country.ranges) == ("owl:ObjectProperty", ("Facility",), ("Country",))
    owner = next(t for t in terms if t.name == "owner")  # (a union as range elsewhere: its members)
    assert owner.ranges == ("Organization",)
    stage = next(t for t in terms if t.name == "MiningStage")
    assert (stage.kind, stage.notation) == ("Stage", "mining")


def test_the_data_card_shows_raw_html_as_text_and_keeps_only_web_and_heading_links():
    from reegraph.render.site import render_data_card

    html = render_data_card(
        "# Card\n\n<script>alert(1)</script> [web](https://example.org) [file](../LICENSE) "
        "[part](#card) [bad](javascript:alert(1))\n"
    )
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<a href="https://example.org" rel="noopener noreferrer">web</a>' in html
    assert '<a href="#card">part</a>' in html
    assert " file " in html and "../LICENSE" not in html  # the file outside the site: its text
    assert "javascript:" not in html.split("</head>")[1].replace("[bad](javascript:alert(1))", "")


def test_the_sources_page_lists_every_source_by_title_with_its_link():
    from reegraph.app import SourceUse
    from reegraph.render.site import render_sources_page

    used = [SourceUse("source/a", '<b>A "title"</b>', "USGS", "2026-01", "https://usgs.gov/a", 3, 1),
            SourceUse("source/b", "", "", "", "javascript:alert(1)", 1, 0)]  # fmt: skip
    html = render_sources_page(used, [])
    assert '<a href="https://usgs.gov/a" rel="noopener noreferrer">&lt;b&gt;A &quot;title&quot;&lt;/b&gt;</a>' in html
    assert "javascript:" not in html and ">source/b<" in html  # no title: its id, and no link
    assert "2 documents back the graph's figures; 0 facts are estimates" in html


def test_a_second_site_replaces_the_first_and_a_foreign_folder_is_refused_untouched(tmp_path):
    out = tmp_path / "site"
    write_site({"index.html": "one"}, out)
    write_site({"index.html": "two", "map.html": "m"}, out)
    assert (out / "index.html").read_text() == "two" and {p.name for p in out.iterdir()} == {"index.html", "map.html",
                                                                                             MARK}  # fmt: skip
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("years of work")
    result = CliRunner().invoke(cli, ["site", "-o", str(mine)])
    assert result.exit_code == 2 and result.stdout == ""
    said = f"reegraph: error: {mine}: holds files reegraph did not write ('thesis.tex'); give a new or empty folder"
    assert result.stderr.strip() == said
    assert [p.name for p in mine.iterdir()] == ["thesis.tex"]
    (tmp_path / "file").write_text("x")
    result = CliRunner().invoke(cli, ["site", "-o", str(tmp_path / "file")])
    assert result.exit_code == 2 and "file" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_file_added_to_a_site_since_it_was_written_is_kept_and_the_site_not_replaced(tmp_path):
    out = tmp_path / "site"
    write_site({"index.html": "one"}, out)
    (out / "notes.md").write_text("mine")
    result = CliRunner().invoke(cli, ["site", "-o", str(out)])
    assert result.exit_code == 2 and "('notes.md')" in result.stderr
    assert {p.name: p.read_text() for p in out.iterdir() if p.name != MARK} == {"index.html": "one", "notes.md": "mine"}
    (out / MARK).write_text("anything else\nnotes.md\n")  # a mark reegraph did not write vouches for nothing
    with pytest.raises(InputError, match=r"did not write \('.reegraph-site', 'index.html', 'notes.md'\)"):
        write_site({"index.html": "two"}, out)


def test_a_site_that_cannot_be_written_leaves_the_old_one_and_no_leftovers(tmp_path):
    out = tmp_path / "site"
    write_site({"index.html": "old"}, out)
    with pytest.raises(InputError, match="cannot write"):
        write_site({"index.html": "new", "no/such/folder.html": "x"}, out)
    assert (out / "index.html").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # the new folder is gone


def test_a_failure_while_the_new_site_is_moved_in_puts_the_old_one_back(tmp_path, monkeypatch):
    out = tmp_path / "site"
    write_site({"index.html": "old"}, out)
    calls, replace = [], os.replace

    def failing(src, dst):  # the old site is moved aside, then moving the new one in fails
        calls.append(dst)
        if len(calls) == 2:
            raise PermissionError(13, "Permission denied")
        replace(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(InputError, match="cannot write: Permission denied"):
        write_site({"index.html": "new"}, out)
    assert len(calls) == 3 and (out / "index.html").read_text() == "old"  # aside, in (fails), back
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_failure_while_the_old_site_is_moved_aside_leaves_it_and_no_leftovers(tmp_path, monkeypatch):
    out = tmp_path / "site"
    write_site({"index.html": "old"}, out)
    calls, replace = [], os.replace

    def failing(src, dst):  # moving the old site aside fails: nothing else is tried
        calls.append(dst)
        if len(calls) == 1:
            raise PermissionError(16, "Device or resource busy")
        replace(src, dst)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(InputError, match=r"site: cannot write: Device or resource busy$"):
        write_site({"index.html": "new"}, out)
    assert len(calls) == 1 and (out / "index.html").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # neither the new folder nor the one beside


def test_a_folder_that_cannot_be_read_is_refused_in_one_line_naming_it(tmp_path, monkeypatch):
    (tmp_path / "loop").symlink_to("loop")  # a symbolic link to itself: nothing under it resolves
    result = CliRunner().invoke(cli, ["site", "-o", str(tmp_path / "loop" / "site")])
    assert result.exit_code == 2 and result.stdout == ""
    said = f"reegraph: error: {tmp_path / 'loop' / 'site'}: cannot read: Too many levels of symbolic links"
    assert result.stderr.strip() == said
    out = tmp_path / "site"
    write_site({"index.html": "old"}, out)
    iterdir = type(out).iterdir

    def refused(self):
        if self.name == "site":
            raise PermissionError(13, "Permission denied", str(self))
        return iterdir(self)

    monkeypatch.setattr(type(out), "iterdir", refused)
    with pytest.raises(InputError) as raised:
        write_site({"index.html": "new"}, out)
    assert str(raised.value) == f"{out}: cannot read: Permission denied"
    monkeypatch.undo()
    assert (out / "index.html").read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["loop", "site"]


def test_a_site_an_older_reegraph_wrote_is_refused_untouched_as_one_that_cannot_be_checked(tmp_path):
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("old")
    (out / MARK).write_text("A site written by reegraph site; the command replaces this folder.\n")  # (no list)
    result = CliRunner().invoke(cli, ["site", "-o", str(out)])
    assert result.exit_code == 2 and result.stdout == ""
    said = (f"reegraph: error: {out}: written by an older reegraph, whose mark does not list the files it wrote, so "
            "what the folder holds cannot be checked; remove it or choose another folder")  # fmt: skip
    assert result.stderr.strip() == said
    assert {p.name: p.read_text() for p in out.iterdir()} == {
        "index.html": "old", MARK: "A site written by reegraph site; the command replaces this folder.\n"
    }  # fmt: skip


def test_a_listed_name_that_is_now_a_folder_or_a_link_is_kept_and_the_site_not_replaced(tmp_path):
    out = tmp_path / "site"
    write_site({"index.html": "old", "report.html": "r", "map.html": "m"}, out)
    (out / "report.html").unlink()
    (out / "report.html").mkdir()
    (out / "report.html" / "thesis.tex").write_text("years of work")
    with pytest.raises(InputError, match=r"did not write \('report.html'\); give a new or empty folder$"):
        write_site({"index.html": "new"}, out)
    assert (out / "report.html" / "thesis.tex").read_text() == "years of work"
    (out / "map.html").unlink()
    (out / "map.html").symlink_to(tmp_path / "elsewhere.html")  # (a link to a file reegraph never wrote)
    (tmp_path / "elsewhere.html").write_text("mine")
    with pytest.raises(InputError, match=r"did not write \('map.html', 'report.html'\)"):
        write_site({"index.html": "new"}, out)
    assert (out / "map.html").is_symlink() and (out / "index.html").read_text() == "old"
    assert (tmp_path / "elsewhere.html").read_text() == "mine"


@pytest.mark.browser
def test_in_chromium_every_page_loads_nothing_from_outside_and_a_country_has_one_colour(site, chromium):
    from playwright import sync_api as playwright  # a test extra: missing, the test fails

    colours: dict[str, set[str]] = {}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True)
        page, outside = blocked_page(browser, allow=site.as_uri(), viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        for file in sorted(site.glob("*.html")):
            page.goto(file.as_uri())
            assert page.evaluate("window.hacked") is None, file.name
            keys = page.evaluate(
                "[...document.querySelectorAll('.key')].filter(k => k.querySelector('i'))"
                ".map(k => [k.textContent.trim(), getComputedStyle(k.querySelector('i')).backgroundColor])"
            )
            for label, colour in keys:
                if re.fullmatch(r"[A-Z]{2}", label):
                    colours.setdefault(label, set()).add(colour)
        page.goto((site / "index.html").as_uri())
        page.click("nav >> text=Ontology")  # the bar of links leads to the page
        assert page.url.endswith("/ontology.html") and page.locator("h1").text_content() == "The reegraph ontology"
        browser.close()
    assert outside == [] and errors == []
    assert {"CN", "US", "AU"} <= set(colours)
    for code, found in colours.items():
        r, g, b = (int(country_colour(code)[i : i + 2], 16) for i in (1, 3, 5))
        assert found == {f"rgb({r}, {g}, {b})"}, code


def test_without_the_views_extra_the_site_leaves_the_network_out_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyvis", None)  # import pyvis raises ImportError, as without the extra
    result = CliRunner().invoke(cli, ["site", "--as-of", "2026-11-28", "-o", str(tmp_path / "s")])
    assert result.exit_code == 0, result.stderr
    assert "(no network page: the index says why)" in result.stderr
    assert not (tmp_path / "s" / "network.html").exists()
    # no page links to the page that is not there
    assert not [p.name for p in (tmp_path / "s").glob("*.html") if 'href="network.html"' in p.read_text()]
    assert "No network page: the network view needs pyvis" in unescape((tmp_path / "s" / "index.html").read_text())
