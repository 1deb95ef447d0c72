from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reegraph.cli import cli
from reegraph.network.ops import make_network

DATA = Path(__file__).parent / "data"

#: Tiny networks whose answers are worked out by hand: a US mine (100 t REO) feeding a US separator
#: (40 t) that feeds one end use (chain); the mine feeding two separators of 30 t each, in the US and
#: in Australia (diamond); two Chinese mines of 60 t and 40 t and nothing else (star).
SHAPES = {
    "chain": [("mine", "mining", "US", 100.0, "org/a"), ("sep", "separation", "US", 40.0, "org/a")],
    "diamond": [
        ("mine", "mining", "US", 100.0, "org/a"),
        ("sep-a", "separation", "US", 30.0, "org/a"),
        ("sep-b", "separation", "AU", 30.0, "org/b"),
    ],
    "star": [("mine-1", "mining", "CN", 60.0, "org/c"), ("mine-2", "mining", "CN", 40.0, "org/c")],
}


def example_network(shape: str):
    """One of :data:`SHAPES`, wired by the market rule; chain and diamond have an end use ``use``."""
    return make_network(SHAPES[shape], end_uses=[("use", "separation")] if shape != "star" else [])


@pytest.fixture
def run():
    """Invoke the CLI in-process; return the click Result (stdout and stderr kept apart)."""

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    return invoke


@pytest.fixture
def run_json(run):
    def invoke(*args: str) -> dict:
        result = run(*args, "--format", "json")
        assert result.exit_code in (0, 1), result.stderr
        return json.loads(result.stdout)

    return invoke


ENABLE_BROWSER = "install Chromium (Debian: apt-get install chromium) or set REEGRAPH_CHROMIUM=/path/to/chromium"


def find_chromium() -> str | None:
    """``REEGRAPH_CHROMIUM`` if set, else ``chromium`` (or ``chromium-browser``) on PATH."""
    return os.environ.get("REEGRAPH_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked ``browser`` need a Chromium. None found, they are skipped, all under one summary
    line (the skip is raised here, one place, not in each test) saying how to enable them; under CI
    (``CI=true``, which ``.ci/run`` sets) a missing browser is a failure instead."""
    if not item.get_closest_marker("browser"):
        return
    found = find_chromium()
    if found and not os.access(found, os.X_OK):
        pytest.fail(f"REEGRAPH_CHROMIUM={found} is not an executable file")
    if not found and os.environ.get("CI") == "true":
        pytest.fail(f"no Chromium found and CI=true, so the browser tests may not be skipped: {ENABLE_BROWSER}")
    if not found:
        pytest.skip(f"browser tests need Chromium: {ENABLE_BROWSER}")


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium executable for tests marked ``browser`` (the marker makes sure there is one)."""
    found = find_chromium()
    assert found, "a test using the chromium fixture must be marked @pytest.mark.browser"
    return found


def blocked_page(browser, allow: str = "file:", **options):
    """A new page of ``browser`` on which every request whose URL does not start with ``allow`` is
    refused; returns the page and the list of refused URLs (filled as the page runs)."""
    page = browser.new_page(**options)
    outside: list[str] = []

    def route(request_route) -> None:
        if request_route.request.url.startswith(allow):
            request_route.continue_()
        else:
            outside.append(request_route.request.url)
            request_route.abort()

    page.route("**/*", route)
    return page, outside
