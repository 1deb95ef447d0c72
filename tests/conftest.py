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
