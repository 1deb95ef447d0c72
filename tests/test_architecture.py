"""The house rules, read from the code (ARCHITECTURE.md): every import points down, the analytics
import nothing but the schema, no module reaches for another's private helpers, and SPARQL text is
built in one room."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "reegraph"

#: The layers, bottom first. A module may import the modules of its own room (without cycles) and
#: any room of a lower layer; rooms of one layer do not import each other. This is the one place
#: the allowed direction is written down.
LAYERS: list[tuple[str, ...]] = [
    ("reegraph.errors", "reegraph._gc", "reegraph._guard"),
    ("reegraph.model",),
    ("reegraph.rdf",),
    ("reegraph.analysis", "reegraph.library", "reegraph.network"),
    ("reegraph.scenario",),
    ("reegraph.app",),
    ("reegraph.render",),
    ("reegraph.serve", "reegraph.reconcile", "reegraph.site"),  # the endpoint; the data card's tables; the site
    ("reegraph.cli",),  # the command line, which starts the endpoint
    ("reegraph", "reegraph.__main__"),  # the public API (reegraph/__init__.py), python -m reegraph
]
#: What the analytics may import besides the standard library and their own room.
ANALYSIS_IMPORTS = {"reegraph.model", "reegraph.errors", "networkx", "igraph"}
#: SPARQL in a string: a query form or WHERE followed by a group, or a PREFIX declaration.
SPARQL = re.compile(
    r"\b(SELECT(\s+(DISTINCT|REDUCED))?\s*[?$*(]|(ASK|CONSTRUCT)\s*(\{|WHERE\b)|DESCRIBE\s*[?$<*])"
    r"|\bWHERE\s*\{|\bPREFIX\s+\w*:\s*<",
    re.IGNORECASE,
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room(module: str) -> tuple[int, str]:
    """The layer and room of a module: the longest room name it falls under."""
    found = [(i, r) for i, rooms in enumerate(LAYERS) for r in rooms if module == r or module.startswith(r + ".")]
    if module != "reegraph":
        found = [(i, r) for i, r in found if r != "reegraph"]
    assert found, f"{module} is in no layer: add it to LAYERS"
    return max(found, key=lambda f: len(f[1]))


def imports(source: str, module: str, *, is_package: bool = False) -> list[tuple[str, list[str]]]:
    """Every module ``source`` imports (at any depth, in functions too), with the names taken from it."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                package = module.split(".") if is_package else module.split(".")[:-1]
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            names = [alias.name for alias in node.names]
            submodules = [n for n in names if (PACKAGE.parent / base.replace(".", "/") / n).with_suffix(".py").exists()
                          or (PACKAGE.parent / base.replace(".", "/") / n / "__init__.py").exists()]  # fmt: skip
            found += [(f"{base}.{n}", []) for n in submodules]
            if len(submodules) < len(names):
                found.append((base, [n for n in names if n not in submodules]))
    return found


def violations(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """What in ``source`` (the text of ``module``) breaks the layering rules."""
    layer, home = room(module)
    problems = []
    for target, names in imports(source, module, is_package=is_package):
        top = target.split(".")[0]
        if home == "reegraph.analysis" and top != "reegraph":
            if top not in sys.stdlib_module_names and top not in ANALYSIS_IMPORTS:
                problems.append(f"{module} imports {target}: the analytics import only {sorted(ANALYSIS_IMPORTS)}")
            continue
        if top != "reegraph":
            continue
        target_layer, target_room = room(target)
        if home == "reegraph.analysis" and target_room != home and target not in ANALYSIS_IMPORTS:
            problems.append(f"{module} imports {target}: the analytics import only {sorted(ANALYSIS_IMPORTS)}")
        elif target_room != home and target_layer >= layer:
            problems.append(f"{module} imports {target}: {target_room} is not below {home} (see LAYERS)")
        private = [n for n in names if n.startswith("_")]
        if private and target != module:
            problems.append(f"{module} imports private {', '.join(private)} from {target}")
    return problems


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_import_points_down(module):
    path = MODULES[module]
    assert violations(path.read_text(encoding="utf-8"), module, is_package=path.name == "__init__.py") == []


def test_no_import_cycles_within_a_room():
    graph = nx.DiGraph()
    for module, path in MODULES.items():
        for target, _ in imports(path.read_text(encoding="utf-8"), module, is_package=path.name == "__init__.py"):
            if target in MODULES and target != module and room(target) == room(module):
                graph.add_edge(module, target)
    cycles = list(nx.simple_cycles(graph))
    assert cycles == [], f"import cycles: {cycles}"


@pytest.mark.parametrize(
    ("module", "source", "problem"),
    [
        ("reegraph.rdf.store", "from reegraph.app import report", "reegraph.app is not below reegraph.rdf"),
        ("reegraph.analysis.flow", "from reegraph.network.project import build_network", "the analytics import only"),
        ("reegraph.analysis.flow", "import rdflib", "the analytics import only"),
        ("reegraph.network.ops", "from reegraph.analysis import flow", "reegraph.analysis is not below"),
        ("reegraph.app", "from reegraph.analysis.flow import _removals", "imports private _removals"),
        ("reegraph.render.text", "from . import report", "imports reegraph.render.report"),
        ("reegraph.model", "def f():\n    from reegraph import app", "reegraph.app is not below reegraph.model"),
    ],
)
def test_the_rules_catch_what_they_forbid(module, source, problem):
    found = violations(source, module)
    if problem.startswith("imports reegraph.render"):  # a module of one's own room: allowed
        assert found == []
    else:
        assert any(problem in p for p in found), found


def strings(source: str) -> list[str]:
    """The string constants of a module, its docstrings left out (examples are not queries it sends)."""
    tree = ast.parse(source)
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
    ]


@pytest.mark.parametrize("module", sorted(set(MODULES) - {"reegraph.rdf.sparql"}))
def test_sparql_text_is_built_only_in_rdf_sparql(module):
    found = [s for s in strings(MODULES[module].read_text(encoding="utf-8")) if SPARQL.search(s)]
    assert found == [], f"{module} holds SPARQL text; build it in reegraph/rdf/sparql.py"


def test_the_sparql_scan_sees_queries():
    assert [s[:9] for s in strings('"""Doc: SELECT * WHERE { }."""\nQ = "SELECT ?x WHERE"\n') if SPARQL.search(s)] == [
        "SELECT ?x"
    ]
    assert SPARQL.search(f"PREFIX ree: <{'https://w3id.org/reegraph/ontology#'}>")
    assert SPARQL.search("select ?s where { ?s ?p ?o }")  # keywords in any case
    assert not SPARQL.search("Select the plants: where they are")
