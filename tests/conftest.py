from __future__ import annotations

import json
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
