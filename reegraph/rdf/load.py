"""Load the ontology, the bundled graphs and user overlays into a store.

The ontology and ``graphs/`` live at the top of the repository and ship inside the wheel as
``reegraph/ontology`` and ``reegraph/graphs``; :func:`data_root` finds whichever is present.
Loading never reaches the network: Oxigraph's parsers fetch nothing (no ``owl:imports``, no remote
JSON-LD contexts), and SPARQL text inside data is only ever data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from reegraph.errors import InputError
from reegraph.rdf.store import FORMATS, OxigraphStore

_PACKAGE = Path(__file__).resolve().parents[1]


def data_root() -> Path:
    """The folder holding ``ontology/`` and ``graphs/``: the installed package, else the checkout."""
    for base in (_PACKAGE, _PACKAGE.parent):
        if (base / "ontology" / "reegraph.ttl").is_file():
            return base
    raise InputError(f"reegraph's ontology/ is missing from {_PACKAGE} and {_PACKAGE.parent}")


def ontology_path() -> Path:
    """Path of ``ontology/reegraph.ttl``."""
    return data_root() / "ontology" / "reegraph.ttl"


def shapes_path() -> Path:
    """Path of ``ontology/shapes.ttl``."""
    return data_root() / "ontology" / "shapes.ttl"


def graphs_path() -> Path:
    """Path of the bundled ``graphs/`` folder."""
    return data_root() / "graphs"


def bundled_files() -> list[Path]:
    """The ontology and every bundled graph file (``graphs/scenarios/`` holds what-ifs, not data)."""
    graphs = graphs_path()
    data = [p for p in expand_paths([graphs]) if "scenarios" not in p.relative_to(graphs).parts]
    return [ontology_path(), *data]


def is_dir(path: Path) -> bool:
    """Whether ``path`` is a folder (``False`` for a name the system refuses)."""
    try:
        return path.is_dir()
    except OSError:
        return False


def is_file(path: Path) -> bool:
    """Whether ``path`` is a file (``False`` for a name the system refuses, such as one too long)."""
    try:
        return path.is_file()
    except OSError:
        return False


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Expand folders to the RDF files beneath them, sorted; keep files as given.

    Raises
    ------
    InputError
        A path does not exist.
    """
    files: list[Path] = []
    for path in paths:
        if is_file(path):
            files.append(path)
        elif is_dir(path):
            found = (p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FORMATS)
            files.extend(sorted(found))
        else:
            raise InputError(f"{path}: no such file or directory")
    return files


def load_store(*, data: Sequence[Path] = (), bundled: bool = True) -> OxigraphStore:
    """A store with the ontology, the bundled graphs (unless ``bundled=False``) and overlays.

    Each file goes into a named graph whose IRI is the file's ``file:`` URI.

    Raises
    ------
    InputError
        An overlay path is missing or has an unknown suffix.
    ParseError
        A file does not parse (``path:line: message``).

    Examples
    --------
    >>> store = load_store()
    >>> store.ask("ASK { ?x a <https://w3id.org/reegraph/ontology#Element> }")
    True
    """
    store = OxigraphStore()
    files = bundled_files() if bundled else [ontology_path()]
    for path in files:
        store.load_file(path, graph=path.resolve().as_uri(), trusted=True)
    for path in expand_paths(data):
        store.load_file(path, graph=path.resolve().as_uri())
    return store
