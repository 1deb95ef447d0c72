"""Remote stores: a real Oxigraph server on 127.0.0.1, filled with ``reegraph push``, gives the same
answers as the embedded store."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    server = subprocess.Popen(
        [binary, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{base}/query?query=ASK%7B%7D", timeout=1).read()
            break
        except OSError:
            time.sleep(0.05)
    yield f"{base}/query"
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture(scope="module")
def pushed(oxigraph):
    from click.testing import CliRunner

    from reegraph.cli import cli

    result = CliRunner().invoke(cli, ["push", "--endpoint", oxigraph], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert "now holds" in result.stderr
    return oxigraph


def test_the_report_from_the_endpoint_is_the_embedded_report(run, pushed):
    args = ("report", "--as-of", "2026-11-28", "--format", "json")
    remote, local = run(*args, "--endpoint", pushed), run(*args)
    assert remote.exit_code == 0, remote.stderr
    assert remote.stdout == local.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("separators-outside-china", "--param", "element=Tb"),
        ("export-controls-on", "--param", "date=2025-12-01"),  # a parameter used in FILTERs
        ("facilities", "--param", "stage=separation", "--param", "country=US"),
    ],
)
def test_library_queries_with_parameters_answer_alike(run, pushed, args):
    remote = run("query", *args, "--format", "json", "--endpoint", pushed)
    local = run("query", *args, "--format", "json")
    assert remote.exit_code == 0, remote.stderr
    assert normal(remote.stdout) == normal(local.stdout)


def normal(text: str) -> list:
    """Rows of W3C JSON results; lists made by GROUP_CONCAT compared as sets (its order is the engine's)."""
    rows = json.loads(text)["results"]["bindings"]
    concat = {"elements", "forms"}
    return [{k: sorted(v["value"].split()) if k in concat else v for k, v in row.items()} for row in rows]


def test_scenarios_and_info_run_against_the_endpoint(run, pushed):
    remote = run("scenario", "run", "china-2025-04", "--element", "Dy", "--format", "json", "--endpoint", pushed)
    local = run("scenario", "run", "china-2025-04", "--element", "Dy", "--format", "json")
    assert remote.stdout == local.stdout
    info = run("info", "--format", "json", "--endpoint", pushed)
    assert json.loads(info.stdout)["classes"]["Element"] == 17


def test_unreachable_endpoints_and_mixed_sources_are_clear_errors(run):
    down = run("report", "--endpoint", f"http://127.0.0.1:{free_port()}/query")
    assert down.exit_code == 3 and "cannot reach" in down.stderr
    mixed = run("report", "--endpoint", "http://127.0.0.1:1/query", "--data", "x.ttl")
    assert mixed.exit_code == 2 and "--data cannot be combined with --endpoint" in mixed.stderr


def test_the_network_guard_lets_through_only_the_named_endpoint(oxigraph):
    other = f"http://127.0.0.1:{free_port()}/query"
    code = f"""
import urllib.request
from reegraph._guard import allow, deny_network
deny_network()
allow({oxigraph!r})
urllib.request.urlopen({oxigraph!r} + "?query=ASK%7B%7D", timeout=5).read()
try:
    urllib.request.urlopen({other!r}, timeout=5)
except PermissionError as exc:
    print("refused:", exc)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("refused: reegraph does not use the network")
