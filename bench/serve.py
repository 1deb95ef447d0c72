"""The endpoint under load (issue 19): latency of a simple query at 20 concurrent clients, alone
and beside 4 runaway queries; whether idle connections delay a new client; how soon the port is
free after SIGTERM. Each figure is measured on ``reegraph serve`` and, in the same run, on
Oxigraph's own server (``oxigraph serve``, the `oxigraph` test extra) loaded with the same graph,
as the reference: a well-kept native SPARQL server. Prints one JSON object per line:

    {"op": "latency", "server": "reegraph", "runaways": 0, "clients": 20, "requests": N,
     "p50_ms": ..., "p99_ms": ..., "errors": {...}}
    {"op": "idle", "server": ..., "idle_connections": N, "new_client_ms": ..., "closed_after_s": ...}
    {"op": "sigterm", "server": ..., "port_free_s": ..., "exit_s": ..., "exit_code": ...}

Usage: ``python bench/serve.py [--seconds 10] [--idle 2000]`` (loopback only, nothing else).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

SIMPLE = "SELECT ?s WHERE { ?s a <https://w3id.org/reegraph/ontology#SeparationPlant> } ORDER BY ?s"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(server: str, port: int, folder: Path) -> subprocess.Popen:
    if server == "reegraph":
        command = [sys.executable, "-m", "reegraph", "serve", "--port", str(port), "--timeout", "30"]
        process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
        assert "serving" in process.stderr.readline()
        return process
    from reegraph.rdf.load import bundled_files

    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    files = [arg for path in bundled_files() for arg in ("--file", str(path))]
    subprocess.run([oxigraph, "load", "--location", str(folder / "db"), *files], check=True, capture_output=True)
    process = subprocess.Popen([oxigraph, "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}",
                                "--union-default-graph", "--timeout-s", "30"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    for _ in range(300):
        try:
            urllib.request.urlopen(query_url(server, port, "ASK {}"), timeout=1).read()
            return process
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("oxigraph did not start")


def query_url(server: str, port: int, query: str) -> str:
    path = "/sparql" if server == "reegraph" else "/query"
    return f"http://127.0.0.1:{port}{path}?{urllib.parse.urlencode({'query': query})}"


def ask(url: str) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            outcome = str(response.status)
    except urllib.error.HTTPError as error:
        outcome = str(error.code)
    except OSError as error:
        outcome = type(error).__name__
    return time.perf_counter() - started, outcome


def latency(server: str, port: int, runaways: int, seconds: float, clients: int = 20) -> dict:
    stop = time.monotonic() + seconds
    times: list[float] = []
    errors: dict[str, int] = {}

    def client() -> None:
        while time.monotonic() < stop:
            took, outcome = ask(query_url(server, port, SIMPLE))
            if outcome == "200":
                times.append(took)
            else:
                errors[outcome] = errors.get(outcome, 0) + 1

    def runaway() -> None:
        while time.monotonic() < stop:
            ask(query_url(server, port, RUNAWAY))

    threads = [threading.Thread(target=runaway) for _ in range(runaways)]
    for thread in threads:
        thread.start()
    time.sleep(1 if runaways else 0)  # the runaways are running
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    for thread in threads:
        thread.join()
    cuts = statistics.quantiles(times, n=100) if len(times) > 1 else [float("nan")] * 99
    return {"op": "latency", "server": server, "runaways": runaways, "clients": clients, "requests": len(times),
            "p50_ms": round(cuts[49] * 1000, 1), "p99_ms": round(cuts[98] * 1000, 1), "errors": errors}  # fmt: skip


def idle(server: str, port: int, count: int) -> dict:
    sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(count)]
    took, outcome = ask(query_url(server, port, "ASK {}"))
    started = time.monotonic()
    sockets[0].settimeout(120)
    try:
        closed = sockets[0].recv(1) == b""
    except OSError:
        closed = False
    closed_after = round(time.monotonic() - started, 1) if closed else None
    for sock in sockets:
        sock.close()
    return {"op": "idle", "server": server, "idle_connections": count, "new_client": outcome,
            "new_client_ms": round(took * 1000, 1), "closed_after_s": closed_after}  # fmt: skip


def sigterm(server: str, port: int, process: subprocess.Popen) -> dict:
    threads = [threading.Thread(target=ask, args=(query_url(server, port, RUNAWAY),)) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1)
    started = time.monotonic()
    process.terminate()
    port_free = None
    while port_free is None and time.monotonic() - started < 60:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
                port_free = time.monotonic() - started
            except OSError:
                time.sleep(0.01)
    code = process.wait(timeout=60)
    exited = time.monotonic() - started
    for thread in threads:
        thread.join()
    return {"op": "sigterm", "server": server, "port_free_s": port_free and round(port_free, 3),
            "exit_s": round(exited, 3), "exit_code": code}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="length of each latency run")
    parser.add_argument("--idle", type=int, default=2000, help="idle connections to open")
    parser.add_argument("--server", action="append", choices=["reegraph", "oxigraph"])
    args = parser.parse_args()
    for server in args.server or ["reegraph", "oxigraph"]:
        with tempfile.TemporaryDirectory() as folder:
            port = free_port()
            process = start(server, port, Path(folder))
            try:
                for runaways in (0, 4):
                    print(json.dumps(latency(server, port, runaways, args.seconds)), flush=True)
                print(json.dumps(idle(server, port, args.idle)), flush=True)
                print(json.dumps(sigterm(server, port, process)), flush=True)
            finally:
                if process.poll() is None:
                    process.kill()


if __name__ == "__main__":
    main()
