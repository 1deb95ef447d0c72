"""The benchmark generator makes ontology-conformant graphs of the size asked for."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from reegraph.rdf.load import load_store
from reegraph.rdf.validate import validate_store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from generate import generate


def test_generated_graph_conforms_and_has_the_requested_size(tmp_path):
    path = tmp_path / "synth.ttl"
    path.write_text(generate(3000, seed=7))
    base = len(load_store(bundled=False))
    store = load_store(data=[path], bundled=False)
    assert 2500 <= len(store) - base <= 3500
    assert validate_store(store) == []


def test_generator_is_deterministic():
    assert generate(2000, seed=1) == generate(2000, seed=1)
    assert generate(2000, seed=1) != generate(2000, seed=2)


@pytest.mark.parametrize(
    ("op", "written"), [("report", "report"), ("scenario", "scenario"), ("monte-carlo", "scenario")]
)
def test_the_naive_path_answers_the_same_as_reegraph(tmp_path, op, written):
    from run import OPS

    path = tmp_path / "synth.ttl"
    path.write_text(generate(2000, seed=3))
    ours, theirs = OPS[op]
    naive: dict = {"PATH": path}
    exec(theirs, naive)  # both sides as bench/run.py times them
    exec(ours, {"PATH": path})
    assert path.with_suffix(f".{written}.json").read_text(encoding="utf-8") == naive["text"] + "\n"
