from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reegraph.cli import cli

DATA = Path(__file__).parent / "data"


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
