"""Benchmarks: each operation with reegraph and with the naive path (rdflib's memory store), in the
same run, each measurement in a fresh process. Prints one JSON object per line:

    {"op": "load", "triples": N, "reegraph_s": ..., "baseline_s": ..., "ratio": ...,
     "peak_rss_mb": ..., "baseline_peak_rss_mb": ...}

Operations: ``load`` (parse into the store); ``report`` (``reegraph report --format json -o FILE``
end to end, run in the measuring process: load, projection, analytics, JSON); ``scenario``
(``reegraph scenario run china-2025-04``, same way); ``monte-carlo`` (the same with
``--monte-carlo 100 --seed 1``); ``months`` (the monthly run of demand against supply of the
back-test scenario on the bundled graph, 24 months, Dy and Sm) and ``months-monte-carlo`` (1,000
draws of its inputs) against a naive path that re-solves networkx's maximum flow every month (for
the draws, 5 of them scaled to 1,000). Their naive path loads into rdflib's memory store, answers the
same SPARQL there and runs the same networkx analysis. ``queries`` times each library query
(``reegraph query NAME --format json``: check, evaluation in the process, W3C JSON; the command's
timeout is a watchdog thread around it) once the data is loaded, against rdflib answering it
(``null`` past 30 s or when rdflib fails on it);
``triples`` is then the requested size. ``view`` times generating the network view of the built
synthetic network (``render_network``) against pyvis's own path (``add_node``, ``add_edge``,
``generate_html``), and how long the bundled graph's view takes to load and draw in headless
Chromium (``view-settle``).

``ratio`` is baseline time / reegraph time (higher is better); times are medians of ``--repeat``
runs; ``triples`` is the count actually loaded. Usage:

    python bench/run.py --triples 100000 [--triples 1000000] [--repeat 3] [--op load] [--op report]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

#: The naive path for the report: rdflib's memory store answers the same SPARQL, networkx and the
#: same analysis code do the rest.
_RDFLIB_STORE = """
from rdflib import Graph
from reegraph.rdf.load import bundled_files
class RdflibStore:
    def __init__(self, graph):
        self.graph = graph
    def values(self, query, *, bindings=None):
        result = self.graph.query(query, initBindings=bindings or {})
        names = [str(v) for v in result.vars]
        return [{n: None if t is None else str(t) for n, t in zip(names, row)} for row in result]
    def values_many(self, queries):
        return (self.values(q) for q in queries)
    def __len__(self):
        return len(self.graph)
g = Graph()
for p in [*bundled_files(), PATH]:
    g.parse(p)
store = RdflibStore(g)
"""
_REPORT = (
    "from datetime import date; from reegraph.app import report; from reegraph.render.text import render_json; "
    "text = render_json(report(store, as_of=date(2026, 11, 28)).as_dict()); n = len(store)"
)
_SCENARIO = (
    "from reegraph.app import run_scenario; from reegraph.render.text import render_json; "
    "text = render_json(run_scenario(store, 'china-2025-04').as_dict()); n = len(store)"
)
_MONTE_CARLO = (
    "from reegraph.app import monte_carlo; from reegraph.render.text import render_json; "
    "text = render_json(monte_carlo(store, 'china-2025-04', draws=100, seed=1, "
    "facility_outage=0.05, country_outage=0.01).as_dict()); n = len(store)"
)


def _command(*args: str) -> str:
    """A reegraph command run in the measuring process, writing to ``PATH`` with ``.<op>.json``."""
    return (
        f"from reegraph.cli import cli; cli.main([*{list(args)!r}, '--data', str(PATH), '--format', 'json', "
        f"'-o', str(PATH.with_suffix('.{args[0]}.json'))], standalone_mode=False); n = None"
    )


#: The monthly run on the bundled graph (``PATH`` unused): reegraph prices the network twice (nothing
#: and everything licensed) and steps the months on numbers; the naive path re-solves networkx's
#: maximum flow for every month at that month's licensed share, as a month-by-month model would.
#: The store is loaded before the clock starts on both sides.
_MONTHS_SETUP = (
    "from reegraph import app; store = app.load(); import time; start = time.perf_counter(); "
    "NAME, ELEMENTS = 'china-2025-04-as-licensed', ['Dy', 'Sm']\n"
)
_MONTHS_NAIVE = """
from dataclasses import replace
from reegraph.analysis.demand import approved
from reegraph.analysis.scenarios import run_scenario as engine
prepared = app.prepare_scenario(store, NAME)
lic = prepared.resolved.licensing
def one_run(latency, rate):
    supply = {}
    for m in range(prepared.resolved.months):
        phi = approved(m, latency, rate)
        controls = tuple(replace(c, licensed_fraction=phi) for c in prepared.scenario.controls)
        for i in engine(prepared.network, replace(prepared.scenario, controls=controls), elements=ELEMENTS):
            supply.setdefault((i.end_use, i.element, i.region), []).append(i.scenario.high)
    return supply
"""
_MONTHS = (
    _MONTHS_SETUP + "r = app.run_scenario(store, NAME, elements=ELEMENTS); n = len(r.demand['claimants'])",
    _MONTHS_SETUP + _MONTHS_NAIVE + "s = one_run(lic.latency_days[2], lic.per_month[2]); n = len(s)",
)
#: 1,000 draws of the monthly run's inputs; the naive path re-solves every month of 5 draws and is
#: scaled to 1,000 (``baseline_s`` is that extrapolation: 200 times the 5 draws' time).
_MONTHS_MC = (
    _MONTHS_SETUP + "r = app.run_scenario(store, NAME, elements=ELEMENTS, draws=1000); n = 1000",
    _MONTHS_SETUP
    + _MONTHS_NAIVE
    + "import random; rng = random.Random(1)\n"
    + "for _ in range(5): one_run(rng.uniform(*lic.latency_days[:2]), rng.uniform(*lic.per_month[:2]))\n"
    + "start -= 199 * (time.perf_counter() - start); n = 1000",
)

#: Each operation: (reegraph code, baseline code). ``PATH`` is the synthetic Turtle file.
OPS = {
    "load": (
        "from reegraph.rdf.load import load_store; store = load_store(data=[PATH]); n = len(store)",
        "from rdflib import Graph; g = Graph(); g.parse(PATH, format='turtle'); n = len(g)",
    ),
    # reegraph: exactly what a user runs, the command, in this process, writing its JSON to a file
    "report": (_command("report", "--as-of", "2026-11-28"), _RDFLIB_STORE + _REPORT),
    "scenario": (_command("scenario", "run", "china-2025-04"), _RDFLIB_STORE + _SCENARIO),
    "monte-carlo": (
        _command("scenario", "run", "china-2025-04", "--monte-carlo", "100", "--seed", "1"),
        _RDFLIB_STORE + _MONTE_CARLO,
    ),
    "months": _MONTHS,
    "months-monte-carlo": _MONTHS_MC,
}

_TIMER = """
import resource, time, json
from pathlib import Path
PATH = Path({path!r})
start = time.perf_counter()
{code}
elapsed = time.perf_counter() - start
print(json.dumps({{"s": elapsed, "n": n, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def measure(code: str, path: Path) -> dict:
    """Run ``code`` in a fresh interpreter; return its time, triple count and peak RSS."""
    out = subprocess.run(
        [sys.executable, "-c", _TIMER.format(path=str(path), code=code)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def synthetic_file(triples: int) -> Path:
    """Write the synthetic graph of about ``triples`` triples (regenerated each run: never stale)."""
    path = HERE / "out" / f"synth-{triples}.ttl"
    path.parent.mkdir(exist_ok=True)
    path.write_text(generate(triples), encoding="utf-8")
    return path


#: The library queries' parameters for the benchmark (the others run with their defaults).
QUERY_PARAMS = {
    "facts-from-source": {"source": "source/usgs-mcs-2025-rare-earths"},
    "company-facilities": {"company": "org/lynas"},
}
_QUERY_TIMES = """
import json, signal, statistics, time
from pathlib import Path
from reegraph.library import bind, library
PATH, PARAMS, REPEAT, LIMIT = Path({path!r}), {params!r}, {repeat}, {limit}
def stop(*_): raise TimeoutError
signal.signal(signal.SIGALRM, stop)
{setup}
times = {{}}
for name, q in library().items():
    bindings = bind(q, PARAMS.get(name, {{}}))
    runs = []
    for _ in range(REPEAT):
        signal.alarm(LIMIT)
        try:
            start = time.perf_counter()
            {run}
            runs.append(time.perf_counter() - start)
            if runs[-1] > 2:
                break  # slow enough to measure once
        except Exception:  # past the limit, or an engine that cannot answer it (rdflib: components)
            break
        finally:
            signal.alarm(0)
    times[name] = statistics.median(runs) if runs else None
print(json.dumps(times))
"""
_QUERY_SIDES = {
    "reegraph": (
        "from reegraph.rdf.load import load_store; from reegraph.render.data import render_results\n"
        "store = load_store(data=[PATH])",
        "render_results(*store.evaluate(q.text, bindings=bindings), 'json')",
    ),
    "rdflib": (
        "from rdflib import Graph; from reegraph.rdf.load import bundled_files\n"
        "graph = Graph()\n"
        "for p in [*bundled_files(), PATH]: graph.parse(p)",
        "graph.query(q.text, initBindings=bindings).serialize(format='json')",
    ),
}


def time_queries(path: Path, repeat: int, limit: int = 30) -> dict[str, dict]:
    """Each library query's median time on each side (load excluded; ``None`` past ``limit`` s)."""
    found = {}
    for side, (setup, run) in _QUERY_SIDES.items():
        code = _QUERY_TIMES.format(
            path=str(path), params=QUERY_PARAMS, repeat=repeat, limit=limit, setup=setup, run=run
        )
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
        found[side] = json.loads(out.strip().splitlines()[-1])
    return found


_VIEW = """
import json, time
from datetime import date
from pathlib import Path
from reegraph.rdf.load import load_store
from reegraph.network.project import build_network
G = build_network(load_store(data=[Path({path!r})]), as_of=date(2026, 11, 28))
start = time.perf_counter()
{code}
print(json.dumps({{"s": time.perf_counter() - start, "nodes": G.number_of_nodes(), "edges": G.number_of_edges()}}))
"""
#: The network view from a built network: reegraph's page, and pyvis's own path (add_node, add_edge,
#: generate_html) as the naive one.
_VIEW_SIDES = {
    "reegraph": "from reegraph.render.view import render_network; html = render_network(G, title='bench')",
    "pyvis": (
        "from pyvis.network import Network\n"
        "net = Network(directed=True, cdn_resources='in_line')\n"
        "for n, d in G.nodes(data=True): net.add_node(n, label=str(d.get('label', n)), title=str(d.get('label', n)))\n"
        "for u, v in G.edges(): net.add_edge(u, v)\n"
        "html = net.generate_html()"
    ),
}
_SETTLE = """
import json, time
from pathlib import Path
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path={chromium!r}, headless=True)
    page = browser.new_page(viewport={{"width": 1400, "height": 900}})
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
    start = time.perf_counter()
    page.goto(Path({path!r}).as_uri())
    page.wait_for_function("window.reegraphNetwork !== undefined")
    page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    print(json.dumps({{"s": time.perf_counter() - start}}))
    browser.close()
"""


def time_view(path: Path, repeat: int) -> dict:
    """Generating the network view of the synthetic graph, ours against pyvis's own path (medians)."""
    found = {}
    for side, code in _VIEW_SIDES.items():
        runs = []
        for _ in range(repeat):
            out = subprocess.run([sys.executable, "-c", _VIEW.format(path=str(path), code=code)], check=True,
                                 capture_output=True, text=True).stdout  # fmt: skip
            runs.append(json.loads(out.strip().splitlines()[-1]))
        found[side] = {**runs[0], "s": statistics.median(r["s"] for r in runs)}
    return found


def time_settle(chromium: str, repeat: int) -> float:
    """Seconds for the bundled graph's network view to load and draw in headless Chromium (median)."""
    page = HERE / "out" / "bundled-view.html"
    subprocess.run([sys.executable, "-m", "reegraph", "view", "-o", str(page)], check=True, capture_output=True)
    runs = []
    for _ in range(repeat):
        code = _SETTLE.format(path=str(page), chromium=chromium)
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1])["s"])
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description="reegraph benchmarks")
    parser.add_argument("--triples", type=int, action="append", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--op", choices=[*sorted(OPS), "queries", "view"], action="append")
    args = parser.parse_args()
    chromium = os.environ.get("REEGRAPH_CHROMIUM") or shutil.which("chromium")  # as the browser tests find it
    if "view" in (args.op or ["view"]) and chromium:
        settle = time_settle(chromium, args.repeat)
        print(json.dumps({"op": "view-settle", "graph": "bundled", "reegraph_s": round(settle, 4)}), flush=True)
    for triples in args.triples:
        path = synthetic_file(triples)
        if "queries" in (args.op or ["queries"]):
            times = time_queries(path, args.repeat)
            for name, ours in times["reegraph"].items():
                theirs = times["rdflib"].get(name)
                ratio = round(theirs / ours, 1) if theirs and ours else None
                line = {"op": "query", "name": name, "triples": triples, "reegraph_s": ours, "baseline_s": theirs}
                print(json.dumps({**line, "ratio": ratio}), flush=True)
        if "view" in (args.op or ["view"]):
            views = time_view(path, args.repeat)
            ours, theirs = views["reegraph"], views["pyvis"]
            line = {"op": "view", "triples": triples, "nodes": ours["nodes"], "edges": ours["edges"]}
            ratio = round(theirs["s"] / ours["s"], 1)
            print(json.dumps({**line, "reegraph_s": round(ours["s"], 4), "baseline_s": round(theirs["s"], 4),
                              "ratio": ratio}), flush=True)  # fmt: skip
        for op in [o for o in args.op or sorted(OPS) if o not in ("queries", "view")]:
            ours, theirs = OPS[op]
            runs = [(measure(ours, path), measure(theirs, path)) for _ in range(args.repeat)]
            reegraph_s = statistics.median(r[0]["s"] for r in runs)
            baseline_s = statistics.median(r[1]["s"] for r in runs)
            print(
                json.dumps(
                    {
                        "op": op,
                        "triples": runs[0][0]["n"] or runs[0][1]["n"],
                        "reegraph_s": round(reegraph_s, 4),
                        "baseline_s": round(baseline_s, 4),
                        "ratio": round(baseline_s / reegraph_s, 2),
                        "peak_rss_mb": round(max(r[0]["rss_mb"] for r in runs), 1),
                        "baseline_peak_rss_mb": round(max(r[1]["rss_mb"] for r in runs), 1),
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
