"""Attack harness: mutate the project's own inputs and measure how the ``reegraph`` CLI ends.

Inputs are derived deterministically (``random.Random(2026)``) from the repository's files, six
categories: Turtle (graphs/**/*.ttl, ontology/*.ttl, tests/data/**/*.ttl), RDF/XML and JSON-LD
(a few bundled Turtle files converted with rdflib, plus tests/data/** files of those formats),
scenario TOML (graphs/**/*.toml, tests/data/**/*.toml), SPARQL (reegraph/queries/*.rq) and query
parameters (``reegraph query NAME --param k=v``, names from the .rq headers). Mutations: bit flips,
deletions, duplicated slices, hostile tokens (1e999999999, 400-digit integers, <!ENTITY blocks,
deep nesting, \\xff, U+202E, NUL, long strings, /dev/zero includes, ...) inserted anywhere or after
a structural anchor, numbers replaced, truncation, a chunk repeated many times, re-encoding as
UTF-16/32. Every input stays under 1 MB.

Each input runs in a fresh process (data files: ``validate --data F`` / ``info --data F``
alternately; TOML: ``scenario run F``; SPARQL: ``query F.rq --timeout 10``; parameters: ``query
NAME --param ... --timeout 10``), at most --jobs at a time, killed after --limit seconds (a hang),
inside ``unshare -n`` (no network at all) when that works. Per run: exit code, "Traceback" in
stderr, exit outside 0-3 (signals are negative), more than one stderr line on failure, peak RSS
(GNU time's %M, see run(); a child past 8 GB is killed, "memcap"), and Python warnings leaking to
stderr ("pywarn"). Failures (traceback, hang, exit >= 4 or a signal, peak >= 1 GB) are saved with
the command under OUT/failures/ (multi-line errors and warnings under failures/multiline/), the
peak-RSS input of each category under OUT/worst/; every result goes to OUT/results.jsonl.

Run from the repository root (about 30-40 minutes on 2 cores for 2,000 inputs):

    .venv/bin/python bench/attack.py [--count 2000] [--jobs 2] [--limit 60] [--out /tmp/attack]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT_BYTES = 1_000_000 - 1
TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
MEMORY_CAP_KB = 8 * 1024 * 1024  # a child past 8 GB is killed (and reported): the machine has 24 GB and runs two
SHARES = {"ttl": 0.22, "rdf": 0.15, "jsonld": 0.15, "toml": 0.18, "rq": 0.17, "param": 0.13}
NAMES = {"ttl": "Turtle", "rdf": "RDF/XML", "jsonld": "JSON-LD", "toml": "TOML", "rq": "SPARQL", "param": "params"}

BIG = b"9" * 400
GENERIC = [
    b"1e999999999",
    b"-1E+999999999",
    BIG,
    b"0." + BIG,
    b"9" * 5000,
    b"\xff",
    b"\xfe\xff",
    "\u202e".encode(),
    b"\x00",
    b"\xed\xa0\x80",
    "\u2028".encode(),
    b"A" * 100_000,
    b"nan",
    b"inf",
    b"-0",
    b"\r",
    b"\\",
    b'"',
    b"'",
    b"<",
    b">",
    b"&",
    b"{",
    b"}",
    b"[",
    b"]",
    b"(",
    b")",
    b"2025-02-30",
    b"-999999999-01-01",
    b"\\u0000",
]
TOKENS = {
    "ttl": [
        b'"1e999999999"^^xsd:decimal',
        b'"1e999999999"^^<http://www.w3.org/2001/XMLSchema#decimal>',
        b'"' + BIG + b'"^^xsd:integer',
        b'"99999999999"^^xsd:gYear',
        b'"2025-13-45"^^xsd:date',
        b"ree:value 1e999999999 ;",
        b"ree:value " + BIG + b" ;",
        b"ree:year " + BIG + b" ;",
        b"[ <urn:x:p> " * 20_000,
        b"(" * 50_000,
        b"[ <urn:x:p> " * 20_000 + b"] " * 20_000,
        b"( " * 20_000 + b") " * 20_000,
        b"@base <file:///dev/zero> .",
        b"<> owl:imports <file:///dev/zero> .",
        b'"""' + b"x" * 200_000 + b'"""',
        b'"x"@' + b"a" * 5000,
        b"<urn:" + b"x" * 200_000 + b">",
        b"_:b" + b"0" * 100_000,
    ],
    "rdf": [
        b'<!DOCTYPE rdf:RDF [<!ENTITY a "' + b"x" * 100 + b'"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        b"&b;" * 1000,
        b"<!entity",
        b'<!DOCTYPE rdf:RDF SYSTEM "file:///dev/zero">',
        b"<rdf:Description><ree:p>" * 20_000,
        b'<?xml version="1.0" encoding="UTF-16"?>',
        b"<![CDATA[",
        b'rdf:parseType="Literal"',
        b'rdf:parseType="Collection"',
        b'xml:base="file:///dev/zero"',
        b'rdf:datatype="http://www.w3.org/2001/XMLSchema#decimal">1e999999999<',
        b'rdf:datatype="http://www.w3.org/2001/XMLSchema#integer">' + BIG + b"<",
        b"&#0;",
        b"&#xD800;",
    ],
    "jsonld": [
        b'"@context": "file:///dev/zero",',
        b'"@context": {"@vocab": "file:///dev/zero"},',
        b"[" * 100_000,
        b'{"a":' * 50_000,
        b'{"@type": "http://www.w3.org/2001/XMLSchema#decimal", "@value": "1e999999999"}',
        b'{"@value": 1e999999999}',
        b'{"@value": ' + BIG + b"}",
        b'"@list": [',
        b'"@graph": [',
        b'"@reverse": {',
        b'"@language": "\xff",',
        b'"@import": "file:///etc/passwd",',
        b'"@container": "@list",',
        b'"@id": "_:b0",',
    ],
    "toml": [
        b"days = " + BIG + b"\n",
        b"days = [1e999999999, 2, 3]\n",
        b"capacity = nan\n",
        b"capacity = inf\n",
        b"licensed_fraction = 1e-400\n",
        b"licensed_fraction = nan\n",
        b'include = ["/dev/zero"]\n',
        b'include = ["/proc/self/fd/0"]\n',
        b'include = ["{SELF}"]\n',
        b'include = ["' + b"x" * 100_000 + b'"]\n',
        b'include = ["china-2025-04", "china-2025-04", "china-2025-10", "china-2025-11-suspension"]\n',
        b"a = " + b"[" * 100_000 + b"]" * 100_000 + b"\n",
        b"a = " + b"{b = " * 50_000 + b"}" * 50_000 + b"\n",
        b'[[stockpile]]\nregion = "EU"\ndays = [1, 2]\n',
        b"as_of = 9999-12-31\n",
        b"as_of = 0001-01-01\n",
        b'[[new_facility]]\nid = "x"\nstage = "separation"\ncountry = "US"\ncapacity = 1e308\n',
        b"start = 1979-05-27T07:32:00Z\n",
        b'elements = ["' + b"Dy" * 50_000 + b'"]\n',
        b"[scenario]\n",
    ],
    "rq": [
        b"?a ?b ?c . ?d ?e ?f . ?g ?h ?i .",
        b"SERVICE <http://127.0.0.1:9/> { ?s ?p ?o }",
        b"(" * 100_000,
        b"{" * 50_000,
        b"FILTER(" + b"!" * 100_000 + b"?x)",
        b'"1e999999999"^^xsd:decimal',
        b"LIMIT " + BIG,
        b"OFFSET -1",
        b'FILTER(REGEX(STR(?s), "(a+)+$"))',
        b"ORDER BY RAND()",
        b"VALUES ?x { " + b"1 " * 100_000 + b"}",
        b"?s1 (!<urn:x>)* ?o1 .",
        b"?s1 (<urn:a>|^<urn:a>|!<urn:x>)+ ?o1 .",
        b"BIND(SHA512(STR(?s)) AS ?h)",
        b"{ SELECT (GROUP_CONCAT(STR(?q)) AS ?g) WHERE { ?q ?w ?e . ?r ?t ?y } }",
        b"DESCRIBE ?s",
        b"GRAPH ?g {",
        b"UNION { ?s ?p ?o }" * 5000,
        b"BIND(" + b"CONCAT(" * 10_000 + b"?s" + b")" * 10_000 + b" AS ?z)",
    ],
}
ANCHORS = {
    "ttl": [b" .\n", b";\n", b"[ "],
    "rdf": [b">", b"\n"],
    "jsonld": [b"{", b"[", b","],
    "toml": [b"\n"],
    "rq": [b"{", b" .\n", b"\n"],
}
# well-formed hostile fragments for the "semantic" mode (the input still parses, so deeper code runs)
WELL_FORMED = {
    "ttl": [
        b"@prefix r: <https://w3id.org/reegraph/ontology#> . @prefix x: <http://www.w3.org/2001/XMLSchema#> .\n" + line
        for line in [
            b'<urn:x:q> a r:Quantity ; r:value "1e308"^^x:double ; r:year 99999 .',
            b'<urn:x:p> a r:Policy ; r:effectiveDate "99999-01-01"^^x:date ; r:expiryDate "-0001-01-01"^^x:date .',
            b'<urn:x:m> a r:Mine ; r:startDate "-0044"^^x:gYear ; r:reviewed "0000-00-00"^^x:date .',
            b"<urn:x:a> r:supplier <urn:x:a> ; r:customer <urn:x:a> .",
        ]
    ],
    "rdf": [],
    "jsonld": [],
    "toml": [
        b'[[stockpile]]\nregion = "EU"\ndays = [90, 61, 55]\n',
        b'[[stockpile]]\nregion = "EU"\ndays = 1e-300\n',
        b'[[export_control]]\nexporter = "CN"\nelements = []\nlicensed_fraction = 1.0\n',
        b'[[offline]]\nfacility = "facility/kachin-ion-adsorption-clays"\n',
        b'[[online]]\nfacility = "facility/mp-10x"\nfrom = 0001-01-01\n',
        b"[licensing]\nlatency_days = [0, 0, 0]\nper_month = [1e308, 0.0, 0.0]\n",
        b'[[online]]\nfacility = "facility/mp-10x"\nfrom = 9999-12-31\n',
    ],
    "rq": [
        b"?a ?b ?c . ?d ?e ?f . ?g ?h ?i .",
        b"?s1 (!<urn:x>)* ?o1 .",
        b"?s1 (<urn:a>|^<urn:a>|!<urn:x>)+ ?o1 .",
        b'FILTER(REGEX(STR(?s), "(a+)+$"))',
        b"VALUES ?x { " + b"1 " * 50_000 + b"}",
        b"BIND(SHA512(STR(?s)) AS ?h)",
        b"{ SELECT (GROUP_CONCAT(STR(?q)) AS ?g) WHERE { ?q ?w ?e . ?r ?t ?y } }",
        b"OPTIONAL { ?s ?p ?o }",
    ],
}
STRINGS = [
    b"\xe2\x80\xae",
    b"A" * 100_000,
    b"\\u0000",
    b"\\uD800",
    "\u2028".encode(),
    b"<script>x</script>",
    b"=cmd|' /C calc'!A0",
    b"\x1b[31m",
    b"../../../etc/passwd",
    b"",
    b" ",
    b"Dy",
    b"policy/mofcom-2025-18",
    b"XX",
]
NUMBERS = [
    b"1e999999999",
    BIG,
    b"0." + BIG,
    b"-" + BIG,
    b"nan",
    b"0",
    b"-1",
    b"99999",
    b"1e308",
    b"-0",
    b"9" * 29,
    b"1e-400",
    b"18446744073709551616",
    b"2147483648",
]
SEMANTIC_OPS = ["number", "number", "literal", "literal", "dupline", "repeatline", "dropline", "wellformed"]
OPS = [
    "flip",
    "delete",
    "duplicate",
    "insert",
    "insert",
    "splice",
    "splice",
    "number",
    "truncate",
    "repeat",
    "transcode",
]
SAMPLE = {
    "string": [b"Tb", b"Dy", b"separation", b"CN", b"production", b"estimate", b"in-force", b"HREE"],
    "iri": [b"org/lynas", b"source/usgs-mcs-2025-rare-earths"],
    "date": [b"2025-04-04"],
    "decimal": [b"10.5", b"-90", b"180"],
    "integer": [b"2024", b"2025"],
}
PARAM_HOSTILE = [
    b"1E+999999999",
    BIG,
    b"0." + BIG,
    b"NaN",
    b"-0",
    b"0x10",
    b"1_000",
    b"+99999-01-01",
    b"2025-02-30",
    b"<http://x>",
    b'">',
    b"} UNION { ?s ?p ?o",
    b"file:///etc/passwd",
    b"http://127.0.0.1:9/",
    b"\xff",
    "\u202e".encode(),
    b"A" * 100_000,
    b" ",
    b"",
    b"\\",
    b"?x",
    b"_:b0",
    b"org/../../x",
]


def seeds(work: Path) -> dict[str, list[Path]]:
    """The files each category is mutated from (RDF/XML and JSON-LD converted from Turtle with rdflib)."""
    import rdflib
    from rdflib.compare import to_canonical_graph

    ttl = (
        sorted(ROOT.glob("graphs/**/*.ttl"))
        + sorted(ROOT.glob("ontology/*.ttl"))
        + sorted(ROOT.glob("tests/data/**/*.ttl"))
    )
    out = {
        "ttl": ttl,
        "rdf": sorted(ROOT.glob("tests/data/**/*.rdf")) + sorted(ROOT.glob("tests/data/**/*.owl")),
        "jsonld": sorted(ROOT.glob("tests/data/**/*.jsonld")),
        "toml": sorted(ROOT.glob("graphs/**/*.toml")) + sorted(ROOT.glob("tests/data/**/*.toml")),
        "rq": sorted(ROOT.glob("reegraph/queries/*.rq")),
    }
    out["toml"] += (
        sorted(ROOT.glob("graphs/**/*.toml")) * 7
    )  # the real scenarios weigh as much as the 50 tiny hostile ones
    (work / "seeds").mkdir(parents=True, exist_ok=True)
    for name in [
        "tests/data/base.ttl",
        "tests/data/queries/fixture.ttl",
        "graphs/elements.ttl",
        "graphs/countries.ttl",
        "graphs/policies.ttl",
        "graphs/mines.ttl",
    ]:
        graph = rdflib.Graph()  # canonical blank-node labels, sorted insertion: the same bytes in every run
        for triple in sorted(to_canonical_graph(rdflib.Graph().parse(ROOT / name, format="turtle"))):
            graph.add(triple)
        for fmt, ext in (("xml", "rdf"), ("json-ld", "jsonld")):
            path = work / "seeds" / f"{Path(name).stem}.{ext}"
            path.write_bytes(graph.serialize(format=fmt, encoding="utf-8"))
            out[ext].append(path)
    return out


def mutate(rng: random.Random, data: bytes, cat: str, self_name: str) -> bytes:
    tokens = GENERIC + [t.replace(b"{SELF}", self_name.encode()) for t in TOKENS[cat]]
    semantic = rng.random() < 0.5
    for _ in range(rng.randint(1, 4)):
        ops = (SEMANTIC_OPS if cat != "toml" else ["number", "literal", "wellformed"]) if semantic else OPS
        op, n = rng.choice(ops), len(data)
        lines = data.splitlines(keepends=True)
        a = rng.randrange(len(lines)) if lines else 0
        b = min(len(lines), a + rng.choice([1, 2, 5, 20]))
        i = rng.randint(0, n)
        j = min(n, i + rng.choice([1, 8, 64, 512]))
        if op == "flip" and n:
            i = min(i, n - 1)
            data = data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1 :]
        elif op == "delete":
            data = data[:i] + data[j:]
        elif op == "duplicate":
            data = data[:j] + data[i:j] + data[j:]
        elif op == "insert":
            data = data[:i] + rng.choice(tokens) + data[i:]
        elif op == "splice":  # a hostile token where the syntax allows something to start
            at = [m.end() for a in ANCHORS[cat] for m in re.finditer(re.escape(a), data)] or [i]
            k = rng.choice(at)
            data = data[:k] + rng.choice(TOKENS[cat]).replace(b"{SELF}", self_name.encode()) + b"\n" + data[k:]
        elif op == "number":
            spots = list(re.finditer(rb"-?\d+(\.\d+)?", data))
            if spots:
                m = rng.choice(spots)
                data = data[: m.start()] + rng.choice(NUMBERS) + data[m.end() :]
        elif op == "literal":
            spots = list(re.finditer(rb'"([^"\\\n]{0,200})"', data))
            if spots:
                m = rng.choice(spots)
                data = data[: m.start(1)] + rng.choice(STRINGS) + data[m.end(1) :]
        elif op == "dupline":
            data = b"".join(lines[:b] + lines[a:b] + lines[b:])
        elif op == "repeatline":
            block = b"".join(lines[a:b]) or b"\n"
            data = b"".join(lines[:b]) + block * rng.randint(10, max(11, 900_000 // len(block))) + b"".join(lines[b:])
        elif op == "dropline":
            data = b"".join(lines[:a] + lines[b:])
        elif op == "wellformed" and WELL_FORMED[cat]:
            at = [m.end() for a_ in ANCHORS[cat][:1] for m in re.finditer(re.escape(a_), data)] if cat != "toml" else []
            k = rng.choice(at or [n])  # TOML tables go at the end
            data = data[:k] + rng.choice(WELL_FORMED[cat]).replace(b"{SELF}", self_name.encode()) + b"\n" + data[k:]
        elif op == "truncate":
            data = data[:i]
        elif op == "repeat":
            chunk = data[i : i + rng.randint(1, 2000)] or b"x"
            data = data[:i] + chunk * rng.randint(100, max(101, 900_000 // len(chunk))) + data[i:]
        elif op == "transcode":
            data = data.decode("utf-8", "replace").encode(rng.choice(["utf-16", "utf-32", "utf-16-be"]))
    return data[:LIMIT_BYTES]


def make_input(cat: str, idx: int, seed: int, files: dict, work: Path, queries: dict) -> tuple[list, Path | None]:
    """The command (argv after ``reegraph``) and the input file it reads."""
    rng = random.Random(seed)
    if cat == "param":
        name = rng.choice(sorted(queries))
        args: list = ["query", name]
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            key, kind = rng.choice(queries[name]) if queries[name] and rng.random() < 0.9 else (b"element ", "string")
            value = rng.choice(SAMPLE[kind]) if rng.random() < 0.5 else rng.choice(PARAM_HOSTILE)
            if rng.random() < 0.6:
                value = mutate(rng, value, "rq", "")[:100_000]
            key = key if isinstance(key, bytes) else key.encode()
            arg = key + b"=" + value if rng.random() < 0.95 else key + value
            args += ["--param", arg.replace(b"\x00", b"")]  # argv cannot carry NUL
        return [*args, "--timeout", "10", "--format", rng.choice(["table", "json", "csv", "xml"])], None
    src = rng.choice(files[cat])
    path = work / cat / f"in-{idx:04d}.{cat}"
    path.write_bytes(mutate(rng, src.read_bytes(), cat, path.name))
    if cat == "toml":
        return ["scenario", "run", str(path)], path
    if cat == "rq":
        return ["query", str(path), "--timeout", "10"], path
    return ["validate" if idx % 2 == 0 else "info", "--data", str(path)], path


def rss_kb(pid: int) -> int:
    """Resident memory of a process and its children (the reegraph process under GNU time), in KB."""
    total = 0
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for one in [pid, *map(int, kids)]:
            total += int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{one}/status").read_text()).group(1))
    except (OSError, AttributeError):
        pass
    return total


def run(argv: list, limit: float, cwd: Path, wrap: list) -> dict:
    """Run one child and read its peak RSS; kill its group after ``limit`` s or past MEMORY_CAP_KB.

    The peak comes from GNU time (``%M``, the ru_maxrss of a process forked from the small ``time``
    binary): ru_maxrss of a process spawned straight from this harness also counts this harness's own
    RSS, copied in at fork/vfork and kept across exec, so it never reads below the harness's size."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REEGRAPH_") and k != "PYTHONHASHSEED"}
    err_path, rss_path = cwd / f"stderr-{threading.get_ident()}", cwd / f"rss-{threading.get_ident()}"
    rss_path.unlink(missing_ok=True)
    timed = [TIME, "-f", "%M", "-o", str(rss_path)] if TIME else []
    with open(err_path, "wb") as err:
        child = subprocess.Popen(
            [*wrap, *timed, *argv],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
        killed, polled, done, start = [], [0], threading.Event(), time.monotonic()

        def watch() -> None:  # kill the group past the wall limit, or past MEMORY_CAP_KB (to protect the machine)
            while not done.wait(0.25):
                polled.append(max(polled.pop(), rss_kb(child.pid)))
                why = "hang" if time.monotonic() - start > limit else "memcap" if polled[0] > MEMORY_CAP_KB else None
                if why:
                    killed.append(why)
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(child.pid, signal.SIGKILL)
                    return

        watcher = threading.Thread(target=watch)
        watcher.start()
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited, not yet reaped: its pid stays ours
        done.set()
        watcher.join()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = rc = os.waitstatus_to_exitcode(status)
    peak_kb = polled[0] if killed else usage.ru_maxrss  # fallbacks: the polled peak of a killed run, or an overestimate
    if TIME and rss_path.exists():
        said = rss_path.read_text().split()
        peak_kb = int(said[-1]) if said and said[-1].isdigit() else peak_kb
        if m := re.search(r"terminated by signal (\d+)", " ".join(said)):
            rc = -int(m.group(1))
    stderr = err_path.read_bytes()[:1_000_000].decode("utf-8", "replace")
    lines = [line for line in stderr.splitlines() if line.strip()]
    return {
        "rc": rc,
        "hang": "hang" in killed and rc < 0,
        "memcap": "memcap" in killed and rc < 0,
        "traceback": "Traceback" in stderr,
        "pywarn": bool(re.search(r"^\S+:\d+: \w*Warning: ", stderr, re.M)),
        "bad_rc": not 0 <= rc <= 3,
        "multiline": rc != 0 and len(lines) > 1,
        "rss_mb": round(peak_kb / 1024, 1),
        "secs": round(time.monotonic() - start, 2),
        "stderr": lines[:6],
    }


def shown(text: str, width: int) -> str:
    """Text safe for a terminal: control characters escaped, cut to ``width``."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text[:width])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--limit", type=float, default=60.0)
    parser.add_argument("--out", type=Path, default=Path("/tmp/attack"))
    parser.add_argument("--reegraph", default=str(ROOT / ".venv" / "bin" / "reegraph"))
    opts = parser.parse_args()
    if os.environ.get("PYTHONHASHSEED") != "0":  # rdflib's serializers order by set iteration: fix the hash seed
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
    sys.stdout.reconfigure(errors="backslashreplace")
    work, fails, worst_dir = opts.out / "work", opts.out / "failures", opts.out / "worst"
    for d in (work, fails, worst_dir):
        shutil.rmtree(d, ignore_errors=True)
    for d in [work / c for c in SHARES if c != "param"] + [fails / "multiline", worst_dir]:
        d.mkdir(parents=True)
    for f in ROOT.glob("tests/data/hostile/*.toml"):  # so that relative includes of the hostile chains resolve
        shutil.copy(f, work / "toml" / f.name)
    files = seeds(work)
    queries = {
        p.stem: re.findall(r"^# param: (\w+): (\w+)", p.read_text(encoding="utf-8"), re.M)
        for p in sorted(ROOT.glob("reegraph/queries/*.rq"))
    }
    wrap = (
        ["unshare", "-n", "--"]
        if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0
        else []
    )
    print(
        f"network: {'none (unshare -n)' if wrap else 'NOT isolated (unshare -n failed)'}; peak RSS from "
        f"{'GNU time' if TIME else 'wait4 (overestimates small peaks)'}",
        file=sys.stderr,
    )

    master = random.Random(2026)
    jobs = [(cat, i, master.getrandbits(64)) for cat, share in SHARES.items() for i in range(round(opts.count * share))]
    jobs.sort(key=lambda j: (j[1] / SHARES[j[0]], j[0]))  # interleave the categories
    lock, results, worst = threading.Lock(), [], {}
    log = open(opts.out / "results.jsonl", "w", encoding="utf-8")  # noqa: SIM115 (closed after the pool)
    started = time.monotonic()

    def one(job: tuple) -> None:
        cat, idx, seed = job
        try:
            args, path = make_input(cat, idx, seed, files, work, queries)
        except Exception as error:  # a harness bug, not a finding: say so and go on
            print(f"harness: {cat}-{idx}: {error!r}", file=sys.stderr)
            return
        argv = [opts.reegraph, *args]
        result = {
            "cat": cat,
            "idx": idx,
            "cmd": shlex.join(os.fsdecode(a) for a in argv),
            **run(argv, opts.limit, work, wrap),
        }
        failed = result["traceback"] or result["hang"] or result["bad_rc"] or result["rss_mb"] >= 1024
        with lock:
            tag, original = f"{cat}-{idx:04d}", result["cmd"]

            def keep(where: Path) -> str:  # the input and the command that reads it from there
                cmd = original
                if path:
                    shutil.copy(path, where / f"{tag}.{cat}")
                    cmd = cmd.replace(str(path), str(where / f"{tag}.{cat}"))
                (where / f"{tag}.cmd").write_text(cmd + "\n", encoding="utf-8", errors="surrogateescape")
                (where / f"{tag}.stderr").write_text("\n".join(result["stderr"]) + "\n", encoding="utf-8")
                return cmd

            if failed:
                result["cmd"] = keep(fails)
            elif result["multiline"] or result["pywarn"]:
                keep(fails / "multiline")
            if result["rss_mb"] > worst.get(cat, {}).get("rss_mb", -1):
                for old in worst_dir.glob(f"{cat}-*"):
                    old.unlink()
                keep(worst_dir)
                result["worst_input"] = str(worst_dir / f"{tag}.{cat}") if path else result["cmd"]
                worst[cat] = result
            results.append(result)
            log.write(json.dumps(result) + "\n")
            log.flush()
            if len(results) % 50 == 0:
                print(f"{len(results)}/{len(jobs)} runs, {time.monotonic() - started:.0f} s", file=sys.stderr)
        if path:
            path.unlink()

    with ThreadPoolExecutor(opts.jobs) as pool:
        list(pool.map(one, jobs))
    log.close()

    print(f"\n{len(results)} runs in {time.monotonic() - started:.0f} s\n")
    head = (
        f"{'category':9} {'runs':>5}  {'exit codes':34} {'tracebk':>7} {'multi':>5} {'pywarn':>6} {'hangs':>5} "
        f"{'peak MB':>8}  worst input"
    )
    print(head + "\n" + "-" * len(head))
    for cat in SHARES:
        rows = [r for r in results if r["cat"] == cat]
        hist = " ".join(f"{k}:{v}" for k, v in sorted(collections.Counter(r["rc"] for r in rows).items()))
        w = worst.get(cat, {})
        count = {k: sum(r[k] for r in rows) for k in ("traceback", "multiline", "pywarn", "hang")}
        print(
            f"{NAMES[cat]:9} {len(rows):>5}  {hist:34} {count['traceback']:>7} {count['multiline']:>5} "
            f"{count['pywarn']:>6} "
            f"{count['hang']:>5} {w.get('rss_mb', 0):>8}  "
            f"{shown(w.get('worst_input', ''), 120)}"
        )
    bad = [r for r in results if r["traceback"] or r["hang"] or r["bad_rc"] or r["rss_mb"] >= 1024]
    print(f"\nfailures: {len(bad)} (saved under {fails}); multi-line errors: {sum(r['multiline'] for r in results)}")
    for r in bad:
        flags = ", ".join(k for k in ("traceback", "hang", "memcap", "bad_rc") if r[k])
        print(
            f"\n[{r['cat']}-{r['idx']:04d}] exit {r['rc']}{', ' + flags if flags else ''}, {r['rss_mb']} MB, "
            f"{r['secs']} s: " + shown(r["cmd"], 400)
        )
        for line in r["stderr"][-3:]:
            print("    " + shown(line, 300))


if __name__ == "__main__":
    main()
