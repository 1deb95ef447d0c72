from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
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
ENABLE_VIRTUOSO = "install Virtuoso 7 (Debian: apt-get install virtuoso-opensource)"


def find_chromium() -> str | None:
    """``REEGRAPH_CHROMIUM`` if set, else ``chromium`` (or ``chromium-browser``) on PATH."""
    return os.environ.get("REEGRAPH_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def find_virtuoso() -> tuple[str, str] | None:
    """Virtuoso's server and its SQL client (``virtuoso-t``, ``isql-vt``) on PATH, with Debian's
    configuration file (the tests start from it)."""
    server, client = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    found = server and client and Path("/etc/virtuoso-opensource-7/virtuoso.ini").is_file()
    return (server, client) if found else None


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked ``browser`` need a Chromium, tests marked ``virtuoso`` a Virtuoso. Where one is
    missing they are skipped, all under one summary line (the skip is raised here, one place, not in
    each test) saying how to enable them; under CI (``CI=true``, which ``.ci/run`` sets, after
    installing both) a missing program is a failure instead."""
    for marker, program, found, enable in (
        ("browser", "Chromium", find_chromium, ENABLE_BROWSER),
        ("virtuoso", "Virtuoso 7", find_virtuoso, ENABLE_VIRTUOSO),
    ):
        if not item.get_closest_marker(marker) or found():
            continue
        if os.environ.get("CI") == "true":
            pytest.fail(f"{marker} tests may not be skipped under CI=true: {enable}")
        pytest.skip(f"{marker} tests need {program}: {enable}")


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium executable for tests marked ``browser`` (the marker makes sure there is one)."""
    found = find_chromium()
    assert found, "a test using the chromium fixture must be marked @pytest.mark.browser"
    if not os.access(found, os.X_OK):
        pytest.fail(f"REEGRAPH_CHROMIUM={found} is not an executable file")
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, server: subprocess.Popen, what: str) -> None:
    """Return once ``url`` answers; fail if ``server`` exits first or it takes over 30 s."""
    for _ in range(600):
        if server.poll() is not None:
            raise RuntimeError(f"{what} exited with {server.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not answer at {url}")


@contextlib.contextmanager
def oxigraph_server(folder: Path) -> Iterator[str]:
    """Oxigraph's server on 127.0.0.1 with its database in ``folder``; its query URL."""
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    port = free_port()
    command = [binary, "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", server, "oxigraph")
        yield f"http://127.0.0.1:{port}/query"
    finally:
        server.terminate()
        server.wait(timeout=10)
