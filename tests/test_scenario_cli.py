"""``reegraph scenario``: list, show, run, compare, and scenario files with errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ID = "https://w3id.org/reegraph/id/"


def test_list_and_show(run):
    listed = run("scenario", "list")
    assert listed.exit_code == 0
    for name in ("china-2025-04", "china-2025-10", "china-2025-11-suspension", "myanmar-kachin", "us-2028-build-out"):
        assert name in listed.stdout
    shown = run("scenario", "show", "china-2025-04")
    assert 'policy = "policy/mofcom-2025-18"' in shown.stdout


def test_run_json_contract_and_headline(run):
    result = run("scenario", "run", "china-2025-04", "--element", "Dy", "--element", "Ce", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["schema_version"], data["scenario"], data["as_of"]) == ("1", "china-2025-04", "2025-06-01")
    rows = {(i["end_use"].rsplit("/", 1)[-1], i["element"], i["region"]): i for i in data["impacts"]}
    ev_eu = rows[("electric-cars", "Dy", "EU")]
    assert ev_eu["shortfall"] > 0.95  # separated Dy outside China: what Lynas Malaysia makes
    assert ev_eu["days_to_shortage"] == pytest.approx(21 / ev_eu["shortfall"], abs=0.1)
    assert rows[("electric-cars", "Dy", "CN")]["shortfall"] == 0.0
    assert all(i["shortfall"] == 0.0 for i in data["impacts"] if i["element"] == "Ce")
    for impact in data["impacts"]:
        assert set(impact) == {"end_use", "end_use_label", "element", "region", "baseline", "scenario", "shortfall",
                               "binding", "days_to_shortage"}  # fmt: skip


def test_licensed_fraction_and_new_capacity_reduce_the_shortfall(run_json):
    def dy_us(*args):
        data = run_json("scenario", "run", *args, "--element", "Dy", "--region", "US")
        return next(i["shortfall"] for i in data["impacts"] if i["end_use"].endswith("/electric-cars"))

    blocked = dy_us("china-2025-04")
    assert dy_us("china-2025-04", "--licensed-fraction", "0.5") == pytest.approx(blocked * 0.5, abs=0.01)
    assert dy_us("china-2025-04-with-build-out") < blocked - 0.05  # Lynas's new plant and White Mesa


def test_compare_sets_each_run_s_shortfalls_side_by_side(run, run_json):
    first, second = "china-2025-04", "china-2025-04-with-build-out"
    runs = [run_json("scenario", "run", name, "--element", "Dy") for name in (first, second)]
    compared = run_json("scenario", "compare", first, second, "--element", "Dy")
    assert compared["scenarios"] == [first, second]
    key = lambda i: (i["end_use"], i["element"], i["region"])  # noqa: E731
    later = {key(i): i["shortfall"] for i in runs[1]["impacts"]}
    assert [(key(r), r[first], r[second]) for r in compared["rows"]] == [
        (key(i), i["shortfall"], later.get(key(i))) for i in runs[0]["impacts"]
    ]
    cars = next(r for r in compared["rows"] if key(r) == (f"{ID}end-use/electric-cars", "Dy", "US"))
    assert cars[first] > 0.95 and cars[second] < cars[first] - 0.05  # the build-out's new separators help
    table = run("scenario", "compare", first, second, "--element", "Dy", "--format", "csv").stdout.splitlines()
    assert table[0] == f"end use,element,region,{first},{second}" and len(table) == len(compared["rows"]) + 1
    us_cars = next(line for line in table if line.startswith(f"{cars['end_use_label']},Dy,US,"))
    assert us_cars.endswith(f",{cars[first]:.1%},{cars[second]:.1%}")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            '[scenario]\ntitle = "x"\n[[offline]]\nfacility = "facility/nowhere"\n',
            4,
            "unknown facility 'facility/nowhere'",
        ),
        ("[scenario]\nlicensed_fraction = 1.5\n", 2, "licensed_fraction must be a number between 0 and 1"),
        ('[[export_control]]\nexporter = "CN"\nelements = ["Xx"]\n', 3, "unknown element 'Xx'"),
        ('[[export_control]]\npolicy = "policy/none"\n', 2, "unknown export control 'policy/none'"),
        ("[scenario]\ntitle = \n", 2, "Invalid value"),
        ("[bogus]\n", 1, "unknown section [bogus]"),
        ('[[stockpile]]\nregion = "EU"\ndays = -3\n', 3, "days must be a number >= 0"),
        ("[scenario]\n\n[[scale]]\nfactor = 2\n", 3, "[[scale]] needs one of facility, company, country"),
        ('[[scale]]\ncompany = "org/nobody"\nfactor = 2\n', 2, "unknown company 'org/nobody'"),
        ('[scenario]\ninclude = "china-2025-04"\n', 2, "include must be a list of scenario names"),
        ('[[scale]]\ncountry = "MY"\n', 1, "factor must be a number >= 0, not None"),
        ('[[export_control]]\npolicy = "mofcom-2025-18"\nexporter = "US"\n', 2, "names a policy or writes its terms"),
        ('[[new_facility]]\nid = "x> . }"\nstage = "metal"\ncountry = "US"\ncapacity = 1\n', 2, "id must be letters"),
        (
            '[[new_facility]]\nid = "x"\nstage = "metal"\ncountry = "US"\ncapacity = 1\n'
            '[[new_facility]]\nid = "x"\nstage = "metal"\ncountry = "US"\ncapacity = 2\n',
            None,
            "two new facilities are called 'x'",
        ),
        ('[scenario]\ninclude = ["{path}"]\n', 2, "includes itself"),
        ('[scenario]\ninclude = ["martian-embargo"]\n', 2, "unknown scenario 'martian-embargo'"),
        ('[scenario]\nas_of = "June"\n', 2, "as_of must be a date such as 2025-06-01, not 'June'"),
        (
            '[[new_facility]]\nid = "x"\nstage = "metal"\ncountry = "US"\ncapacity = 1\nbasis = "t ore"\n',
            6,
            "basis must be",
        ),
    ],
)
def test_scenario_files_with_errors_give_file_line_and_exit_2(run, tmp_path, text, line, message):
    path = tmp_path / "bad.toml"
    path.write_text(text.replace("{path}", str(path)), encoding="utf-8")
    result = run("scenario", "run", str(path))
    assert result.exit_code == 2
    assert f"bad.toml{f':{line}' if line else ''}: " in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_scenario_name(run):
    result = run("scenario", "run", "martian-embargo")
    assert result.exit_code == 2 and "unknown scenario 'martian-embargo'" in result.stderr


def test_monte_carlo_output_is_deterministic(run):
    args = (
        "scenario",
        "run",
        "china-2025-04",
        "--element",
        "Dy",
        "--monte-carlo",
        "200",
        "--seed",
        "5",
        "--format",
        "json",
    )
    first, second = run(*args), run(*args)
    assert first.exit_code == 0 and first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert data["monte_carlo"]["draws"] == 200
    eu = next(d for d in data["distributions"] if d["region"] == "EU")
    assert 0.9 < eu["p50"] <= eu["p90"] <= 1.0


def test_a_hypothetical_separator_restores_the_flow(run_json, tmp_path):
    path = tmp_path / "new-separator.toml"
    path.write_text(
        '[scenario]\nas_of = 2026-06-01\ninclude = ["china-2025-04"]\n\n[[new_facility]]\nid = "us-dy"\n'
        'stage = "separation"\ncountry = "US"\nelements = ["Dy"]\ncapacity = 3500\n',
        encoding="utf-8",
    )
    data = run_json("scenario", "run", str(path), "--element", "Dy", "--region", "US")
    ev = next(i for i in data["impacts"] if i["end_use"].endswith("/electric-cars"))
    assert ev["shortfall"] == 0.0


def test_a_hypothetical_facility_at_an_unknown_stage_is_refused(run, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[[new_facility]]\nid = "x"\nstage = "smelting"\n', encoding="utf-8")
    result = run("scenario", "run", str(path))
    assert result.exit_code == 2 and "bad.toml:3: unknown stage 'smelting'" in result.stderr


def test_scaling_a_country_or_company_scales_each_of_its_plants(run_json, tmp_path):
    def ev_dy_us(text):
        path = tmp_path / "scale.toml"
        path.write_text('[scenario]\ninclude = ["china-2025-04"]\n' + text, encoding="utf-8")
        data = run_json("scenario", "run", str(path), "--element", "Dy", "--region", "US")
        return next(i["scenario"] for i in data["impacts"] if i["end_use"].endswith("/electric-cars"))

    base = ev_dy_us("")
    assert base > 0  # Lynas Malaysia's heavy circuit
    assert ev_dy_us('[[scale]]\ncountry = "MY"\nfactor = 0\n') == 0.0
    assert ev_dy_us('[[scale]]\ncompany = "org/lynas"\nfactor = 0.5\n') == pytest.approx(base * 0.5)
    assert ev_dy_us('[[offline]]\ncompany = "org/lynas"\n') == 0.0


def test_every_built_in_scenario_runs_and_its_headline_is_computed(run_json):
    def rows(name, *args):
        data = run_json("scenario", "run", name, *args)
        return {(i["end_use"].rsplit("/", 1)[-1], i["element"], i["region"]): i for i in data["impacts"]}

    april = rows("china-2025-04", "--element", "Dy", "--element", "ALL")
    assert april[("electric-cars", "Dy", "EU")]["shortfall"] > 0.95
    assert all(i["shortfall"] == 0.0 for k, i in april.items() if k[1] == "ALL")  # all-REO tonnage: untouched
    suspended = rows("china-2025-11-suspension", "--element", "Dy")
    assert all(suspended[k]["scenario"] == april[k]["scenario"] for k in suspended)  # No. 18 stays in force
    october = rows("china-2025-10", "--element", "Dy", "--licensed-fraction", "0.3")
    defence, civil = october[("f-35", "Dy", "US")], october[("electric-cars", "Dy", "US")]
    assert defence["shortfall"] > civil["shortfall"] > 0.5  # military end users refused (No. 61)
    build_out = rows("us-2028-build-out", "--element", "Dy")
    assert all(i["shortfall"] == 0.0 and i["scenario"] >= i["baseline"] for i in build_out.values())
    assert build_out[("electric-cars", "Dy", "US")]["scenario"] > build_out[("electric-cars", "Dy", "US")]["baseline"]
    kachin = rows("myanmar-kachin", "--element", "ALL", "--region", "CN")
    # all-REO mining (390 kt) exceeds separation (294 kt), so losing Kachin's 31 kt binds nothing; its
    # heavy-REE effect needs per-element mine output, which the graph lacks (README, Limitations)
    assert kachin and all(i["shortfall"] == 0.0 for i in kachin.values())


def test_scenario_results_do_not_depend_on_the_hash_seed():
    # seeds 1 and 3 gave maximum flows differing in the last bit (networkx orders sets by hash)
    def run(seed):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        command = [sys.executable, "-m", "reegraph", "scenario", "run", "china-2025-04", "--format", "json"]
        return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout

    assert run("1") == run("3")


@pytest.mark.parametrize("value", ["inf", "nan", "-1", "true"])
def test_a_capacity_that_is_not_a_finite_number_at_least_zero_is_refused(run, tmp_path, value):
    path = tmp_path / "bad.toml"
    path.write_text(
        f'[[new_facility]]\nid = "x"\nstage = "metal"\ncountry = "US"\ncapacity = {value}\n', encoding="utf-8"
    )
    result = run("scenario", "run", str(path))
    assert result.exit_code == 2 and "bad.toml:5: capacity must be a number >= 0, not" in result.stderr


def test_an_include_is_found_next_to_the_file_that_includes_it(run_json, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "base.toml").write_text('[scenario]\ninclude = ["china-2025-04"]\n', encoding="utf-8")
    (tmp_path / "sub" / "top.toml").write_text('[scenario]\ninclude = ["base.toml"]\n', encoding="utf-8")
    data = run_json("scenario", "run", str(tmp_path / "sub" / "top.toml"), "--element", "Dy", "--region", "EU")
    assert data["as_of"] == "2025-06-01" and data["impacts"]  # china-2025-04's date, through base.toml


def test_a_name_too_long_for_the_file_system_is_an_unknown_scenario(run):
    result = run("scenario", "run", "a" * 300 + ".toml")
    assert result.exit_code == 2 and "unknown scenario" in result.stderr and result.stderr.count("\n") == 1
    data = run("info", "--data", "a" * 300 + ".ttl")
    assert data.exit_code == 2 and "no such file or directory" in data.stderr
