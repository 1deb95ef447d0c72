"""The Python API (``import reegraph``): what the README's session does not already show."""

from __future__ import annotations

from datetime import date

import pytest

import reegraph


@pytest.fixture(scope="module")
def store():
    return reegraph.load()


def test_a_spec_built_in_python_is_checked_as_a_file_is(store):
    bad = reegraph.ScenarioSpec("my-plan", offline=(reegraph.Target("facility", "facility/nowhere"),))
    with pytest.raises(reegraph.InputError, match=r"^scenario my-plan: unknown facility 'facility/nowhere'$"):
        reegraph.run_scenario(store, bad)
    odd = reegraph.ScenarioSpec(
        "my-plan", controls=(reegraph.ExportControlSpec(exporter="CN", elements=("Dy",), licensed_fraction=2),)
    )
    with pytest.raises(reegraph.InputError, match="licensed_fraction must be a number between 0 and 1, not 2"):
        reegraph.run_scenario(store, odd)


def test_a_spec_built_in_python_with_a_date_that_is_not_a_date(store):
    with pytest.raises(
        reegraph.InputError, match="scenario x: as_of must be a date such as 2025-06-01, not '2027-01-01'"
    ):
        reegraph.run_scenario(store, reegraph.ScenarioSpec("x", as_of="2027-01-01"))  # type: ignore[arg-type]


def test_a_scenario_titled_empty_keeps_its_empty_title_and_an_untitled_one_its_name(store, tmp_path):
    empty, untitled = tmp_path / "empty.toml", tmp_path / "untitled.toml"
    empty.write_text('[scenario]\ntitle = ""\nas_of = 2026-01-01\n', encoding="utf-8")
    untitled.write_text("[scenario]\nas_of = 2026-01-01\n", encoding="utf-8")
    assert reegraph.run_scenario(store, str(empty), elements=["Dy"]).title == ""
    assert reegraph.run_scenario(store, str(untitled), elements=["Dy"]).title == "untitled"
    assert reegraph.run_scenario(store, reegraph.ScenarioSpec("in-code"), elements=["Dy"]).title == "in-code"


def test_a_spec_built_in_python_gives_what_the_same_file_gives(store, tmp_path):
    path = tmp_path / "plan.toml"
    path.write_text(
        '[scenario]\nas_of = 2026-06-01\ninclude = ["china-2025-04"]\n\n[[new_facility]]\nid = "us-dy"\n'
        'stage = "separation"\ncountry = "US"\nelements = ["Dy"]\ncapacity = 500\n',
        encoding="utf-8",
    )
    built = reegraph.ScenarioSpec(
        "plan",
        as_of=date(2026, 6, 1),
        includes=(reegraph.read_scenario("china-2025-04"),),
        new_facilities=(reegraph.NewFacility("us-dy", "separation", "US", 500, elements=("Dy",)),),
    )
    from_file = reegraph.run_scenario(store, str(path), elements=["Dy"])
    from_code = reegraph.run_scenario(store, built, elements=["Dy"])
    assert from_code.as_dict() == from_file.as_dict() and from_code.impacts


def test_query_takes_text_and_gives_python_values(store):
    element = "<https://w3id.org/reegraph/ontology#Element>"
    rows = reegraph.query(store, f"SELECT ?n ?none WHERE {{ {{ SELECT (COUNT(*) AS ?n) {{ ?e a {element} }} }} }}")
    assert rows == [{"n": 17, "none": None}]
    with pytest.raises(reegraph.InputError, match="answers SELECT queries"):
        reegraph.query(store, "ASK { ?s ?p ?o }")
    with pytest.raises(reegraph.InputError, match="SERVICE is refused"):
        reegraph.query(store, "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }")
    with pytest.raises(reegraph.InputError, match="unknown query 'no-such-query'"):
        reegraph.query(store, "no-such-query")


def test_a_network_built_from_rows_runs_through_the_analytics():
    from reegraph.analysis import compute_flow, max_flow
    from reegraph.model import ENDS, Range

    G = reegraph.make_network(
        [("mine", "mining", "AU", 100.0), ("sep", "separation", "MY", 40.0), ("sep-2", "separation", "US", 30.0)],
        end_uses=[("magnets", "separation")],
    )
    (flow,) = compute_flow(G, "ALL")
    # production figures: every amount is a point, and the 70 t of separation bind at every end
    assert (flow.flow, tuple(flow.binding), flow.note) == (Range(70.0, 70.0, 70.0), ("separation",) * 3, "")
    separation = flow.stages[1]
    assert (separation.stage, separation.unbounded) == ("separation", ())
    assert dict(separation.countries) == {"MY": Range(40.0, 40.0, 40.0), "US": Range(30.0, 30.0, 30.0)}
    assert [max_flow(G, "ALL", "magnets", end=end) for end in ENDS] == [70.0, 70.0, 70.0]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: reegraph.run_scenario(s, "china-2025-04", regions="EU"), "give a list of region codes"),
        (lambda s: reegraph.run_scenario(s, "china-2025-04", regions=["XX"]), "unknown region 'XX'"),
        (lambda s: reegraph.run_scenario(s, "china-2025-04", licensed_fraction=5), "licensed_fraction must be"),
        (lambda s: reegraph.run_scenario(s, 5), "a scenario is a name, a .toml file or a ScenarioSpec"),
        (lambda s: reegraph.monte_carlo(s, "china-2025-04", draws=0), "draws must be a whole number"),
        (lambda s: reegraph.monte_carlo(s, "china-2025-04", draws=5, facility_outage=2), "facility_outage must be"),
        (lambda s: reegraph.report(s, as_of="2025-01-01"), "as_of must be a datetime.date"),
        (lambda s: reegraph.report(s, by="nationality"), "by must be 'location' or 'ownership'"),
        (lambda s: reegraph.query(s, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"), "answers SELECT queries"),
        (lambda s: reegraph.query(s, 5), "a query is a library name"),
        (lambda s: reegraph.load([5]), "give file or folder paths"),
    ],
)
def test_arguments_the_api_cannot_use_are_input_errors(store, call, message):
    with pytest.raises(reegraph.InputError, match=message):
        call(store)


def test_a_scenario_may_be_a_path_and_data_a_single_path(store, tmp_path):
    from pathlib import Path

    path = tmp_path / "plain.toml"
    path.write_text('[scenario]\ninclude = ["china-2025-04"]\n', encoding="utf-8")
    assert (
        reegraph.run_scenario(store, path, elements=["Dy"]).as_dict()
        == reegraph.run_scenario(store, str(path), elements=["Dy"]).as_dict()
    )
    data = Path(__file__).parent / "data" / "base.ttl"
    assert len(reegraph.load(data)) == len(reegraph.load([str(data)])) > len(store)
