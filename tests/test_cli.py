"""Every command and exit code, through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from reegraph import __version__
from reegraph.cli import cli

from .conftest import DATA


def test_version(run):
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"reegraph, version {__version__}"


def commands(group=cli, path=()):
    """Every command of the CLI, subcommands included, as argument paths."""
    import click

    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name)


def test_help_has_an_example_for_every_command_and_the_readme_lists_each(run):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    found = list(commands())
    # info, validate, report, scenario list/show/run/compare, view, map, query, serve, push, sources,
    # import usgs-mcs, exposure, site
    assert len(found) == 16
    for path in found:
        result = run(*path, "--help")
        assert result.exit_code == 0, path
        assert "Example:" in result.stdout or "Examples:" in result.stdout, path
        assert f"`reegraph {' '.join(path)}" in readme or f"`{' '.join(path)} " in readme, path
        command = cli
        for name in path:
            command = command.commands[name]
        if any(p.name == "data" for p in command.params):
            assert "--data" in result.stdout and "--endpoint" in result.stdout, path


def test_info_table_counts_the_bundled_graph(run):
    result = run("info")
    assert result.exit_code == 0
    assert "ontology version  0.2.0" in result.stdout
    assert "Element        17" in result.stdout


def test_info_json(run_json):
    info = run_json("info")
    assert info["ontology_version"] == "0.2.0"
    assert info["classes"]["Element"] == 17
    assert info["classes"]["Facility"] == sum(info["stages"].values()) == sum(info["countries"].values())
    assert info["sources"] >= 1 and info["triples"] > 1000
    assert info["last_year"] >= info["first_year"] >= 2000


def test_info_markdown(run):
    result = run("info", "--format", "markdown")
    assert result.exit_code == 0
    assert "| class | instances |" in result.stdout


def test_data_overlay_adds_to_the_counts(run_json):
    before = run_json("info")
    after = run_json("info", "--data", str(DATA / "base.ttl"))
    assert after["classes"]["Facility"] == before["classes"]["Facility"] + 2
    assert after["countries"]["FR"] == before["countries"].get("FR", 0) + 2


def test_data_overlay_accepts_folders_and_the_env_var(run):
    folder = run("info", "--format", "json", "--data", str(DATA / "bad"))
    assert folder.exit_code == 2  # the folder is expanded, and its first broken file reported
    plain = run("info", "--format", "json")
    env = run("info", "--format", "json", env={"REEGRAPH_DATA": str(DATA / "base.ttl")})
    assert env.exit_code == 0
    assert json.loads(env.stdout)["countries"]["FR"] == json.loads(plain.stdout)["countries"].get("FR", 0) + 2


def test_validate_bundled_data_conforms(run):
    result = run("validate")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.startswith("conforms: 0 violation(s)")


def test_validate_violations_exit_1_with_file_and_message(run):
    bad = DATA / "shacl" / "quantity-negative.ttl"
    result = run("validate", "--data", str(DATA / "base.ttl"), "--data", str(bad))
    assert result.exit_code == 1
    line = next(line for line in result.stdout.splitlines() if "a number >= 0" in line)
    file, rest = line.split(": ", 1)
    assert Path(file).resolve() == bad.resolve()
    assert rest.startswith("violation: <https://example.org/test/q> ")
    assert "does not conform: 1 violation(s)" in result.stdout


def test_validate_json(run):
    result = run("validate", "--format", "json", "--data", str(DATA / "shacl" / "country-not-iso.ttl"))
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["conforms"] is False
    [finding] = report["findings"]
    assert finding["focus"] == "<https://example.org/test/XB>"
    assert finding["value"] == "XX"
    assert finding["file"].endswith("country-not-iso.ttl")


def test_unreadable_input_exits_2_without_traceback(run, tmp_path):
    result = run("validate", "--data", str(tmp_path / "missing.ttl"))
    assert result.exit_code == 2
    assert result.stderr == f"reegraph: error: {tmp_path / 'missing.ttl'}: no such file or directory\n"


def test_bad_option_exits_2(run):
    result = run("info", "--format", "yaml")
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.stderr


def test_output_file_is_written_atomically(run, tmp_path):
    out = tmp_path / "info.json"
    out.write_text("previous")
    result = run("info", "--format", "json", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(out.read_text())["classes"]["Element"] == 17
    assert [p.name for p in tmp_path.iterdir()] == ["info.json"]


def test_output_file_gets_the_usual_mode_not_the_temporary_files(run, tmp_path):
    import os
    import stat

    mask = os.umask(0o022)
    try:
        out = tmp_path / "info.txt"
        assert run("info", "-o", str(out)).exit_code == 0
    finally:
        os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644  # mkstemp alone would leave 0o600


def test_output_into_missing_folder_exits_2_and_keeps_nothing(run, tmp_path):
    result = run("info", "-o", str(tmp_path / "no" / "such" / "out.txt"))
    assert result.exit_code == 2
    assert "cannot write" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_failed_run_leaves_previous_output_untouched(run, tmp_path):
    out = tmp_path / "report.txt"
    out.write_text("previous")
    result = run("info", "-o", str(out), "--data", str(DATA / "bad" / "missing-dot.ttl"))
    assert result.exit_code == 2
    assert out.read_text() == "previous"


def test_sources_counts_the_facts_each_source_backs_and_flags_estimates(run_json, tmp_path):
    estimate = tmp_path / "estimate.ttl"
    estimate.write_text(
        "@prefix ree: <https://w3id.org/reegraph/ontology#> .\n"
        "@prefix t: <https://example.org/test/> .\n"
        "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
        "@prefix unit: <http://qudt.org/vocab/unit/> .\n"
        "t:sep ree:hasQuantity t:sep-capacity .\n"
        "t:sep-capacity a ree:Quantity ; ree:quantityKind ree:Capacity ; ree:value 50 ; ree:unit unit:TONNE ;\n"
        '    ree:basis ree:REO ; ree:year 2027 ; ree:confidence ree:Estimate ; ree:method "Half the mine." ;\n'
        "    prov:wasDerivedFrom t:doc .\n",
        encoding="utf-8",
    )
    out = run_json("sources", "--data", str(DATA / "base.ttl"), "--data", str(estimate))
    doc = next(s for s in out["sources"] if s["id"] == "<https://example.org/test/doc>")
    assert (doc["facts"], doc["estimates"], doc["title"], doc["issued"]) == (5, 1, "Test report", "2025-01-31")
    flagged = next(e for e in out["estimates"] if e["id"] == "<https://example.org/test/sep-capacity>")
    assert flagged == {
        "id": "<https://example.org/test/sep-capacity>",
        "about": "Test separator",
        "kind": "capacity",
        "value": 50.0,
        "basis": "t REO",
        "year": 2027,
        "method": "Half the mine.",
        "sources": ["<https://example.org/test/doc>"],
    }
    facts = [s["facts"] for s in out["sources"]]
    assert facts == sorted(facts, reverse=True)
    assert out["sources"][0]["id"] == "source/usgs-mcs-2026-rare-earths"


def test_sources_csv_lists_estimates_with_their_method(run):
    result = run("sources", "--estimates", "--format", "csv")
    assert result.exit_code == 0
    header, *rows = result.stdout.splitlines()
    assert header == "fact,about,kind,value,basis,year,method,sources"
    assert any(row.startswith("quantity/bayan-obo-quota-2024,") and "70.06%" in row for row in rows)


def test_sources_table_prints_sources_then_estimates(run):
    result = run("sources")
    assert result.exit_code == 0
    first, _, rest = result.stdout.partition("fact(s) with confidence 'estimate'")
    assert first.splitlines()[0].split()[:3] == ["source", "facts", "estimates"]
    assert "quantity/kachin-2024" in rest


def test_sources_stale_lists_facilities_due_for_review(run, run_json, tmp_path):
    """A facility is due when its newest figure is older than --max-age years or its last review is
    more than a year old; one without a review date is due, never silently fresh."""
    today = run_json("sources", "--stale", "--as-of", "2026-12-03")["stale"]
    sareco = next(f for f in today if f["id"].endswith("/facility/sareco-stepnogorsk"))
    assert sareco["newest"] == 2012 and sareco["why"].startswith("newest figure is from 2012")
    assert all("last reviewed" not in f["why"] for f in today)  # every facility was reviewed in 2026
    later = run_json("sources", "--stale", "--as-of", "2028-01-01")["stale"]
    assert len(later) > len(today) and all("last reviewed 2026-" in f["why"] for f in later)
    new = tmp_path / "new.ttl"
    new.write_text(
        """@prefix ree: <https://w3id.org/reegraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://example.org/test/plant> a ree:SeparationPlant ; rdfs:label "Test plant" .
""",
        encoding="utf-8",
    )
    listed = run_json("sources", "--stale", "--as-of", "2026-12-03", "--data", str(new))["stale"]
    assert next(f for f in listed if f["label"] == "Test plant")["why"] == "never reviewed"
    table = run("sources", "--stale", "--as-of", "2026-12-03")
    assert table.exit_code == 0 and table.stdout.startswith(f"{len(today)} facilities due for review")
    both = run("sources", "--stale", "--estimates")
    assert both.exit_code == 2 and "give one of them" in both.stderr
