"""The loader: bundled data, overlays, malformed input and deep nesting."""

from __future__ import annotations

from pathlib import Path

import pytest

from reegraph.errors import InputError, ParseError
from reegraph.rdf.load import bundled_files, data_root, expand_paths, load_store

from .conftest import DATA

BAD = DATA / "bad"
EXPECTED = [
    line.split("\t") for line in (BAD / "EXPECTED.tsv").read_text().splitlines() if line and not line.startswith("#")
]


def test_data_root_holds_ontology_and_graphs():
    root = data_root()
    assert (root / "ontology" / "reegraph.ttl").is_file()
    assert (root / "ontology" / "shapes.ttl").is_file()
    assert (root / "graphs").is_dir()


def test_bundled_files_are_ontology_then_sorted_graphs():
    files = bundled_files()
    assert files[0].name == "reegraph.ttl"
    assert files[1:] == sorted(files[1:])
    assert all(f.suffix == ".ttl" for f in files)


def test_each_file_is_its_own_named_graph():
    store = load_store(data=[DATA / "base.ttl"])
    graphs = {row["g"] for row in store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
    assert (DATA / "base.ttl").resolve().as_uri() in {str(g) for g in graphs}
    assert len(graphs) == len(bundled_files()) + 1


def test_every_bad_file_is_covered_by_the_expectations():
    assert sorted(name for name, _ in EXPECTED) == sorted(p.name for p in BAD.iterdir() if p.name != "EXPECTED.tsv")


@pytest.mark.parametrize(("name", "message"), EXPECTED)
def test_malformed_input_gives_path_line_message_and_exit_2(run, name, message):
    path = BAD / name
    result = run("info", "--data", str(path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == message.format(path=path) + "\n"


def test_parse_error_is_an_input_error():
    with pytest.raises(ParseError) as caught:
        load_store(data=[BAD / "missing-dot.ttl"], bundled=False)
    assert isinstance(caught.value, InputError)
    assert caught.value.line == 3


@pytest.mark.parametrize("bracket", ["[ <http://example.org/p> ", "( "])
def test_deep_nesting_loads_and_validates_without_recursion_error(run, tmp_path, bracket):
    # rdflib's parser raises RecursionError at ~1,000 levels; Oxigraph's does not recurse.
    depth = 20_000
    close = " ]" if bracket.startswith("[") else " )"
    path = tmp_path / "deep.ttl"
    path.write_text("<http://example.org/a> <http://example.org/b> " + bracket * depth + "1" + close * depth + " .\n")
    result = run("validate", "--data", str(path))
    assert result.exit_code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr


def test_empty_file_and_comment_only_file_load(tmp_path):
    (tmp_path / "empty.ttl").write_text("")
    (tmp_path / "comment.ttl").write_text("# nothing here\n")
    store = load_store(data=[tmp_path], bundled=False)
    assert len(store) == len(load_store(bundled=False))


def test_expand_paths_rejects_missing_paths(tmp_path: Path):
    with pytest.raises(InputError, match="no such file or directory"):
        expand_paths([tmp_path / "nope"])


def test_overlay_formats_other_than_turtle(tmp_path):
    (tmp_path / "a.nt").write_text('<http://example.org/a> <http://example.org/b> "nt" .\n')
    (tmp_path / "b.jsonld").write_text('{"@id": "http://example.org/a", "http://example.org/b": "jsonld"}')
    (tmp_path / "c.trig").write_text('<http://example.org/g> { <http://example.org/a> <http://example.org/b> "trig" }')
    store = load_store(data=[tmp_path], bundled=False)
    values = {str(r["o"]) for r in store.select("SELECT ?o WHERE { <http://example.org/a> ?p ?o }")}
    assert values == {"nt", "jsonld", "trig"}
