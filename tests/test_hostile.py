"""Hostile input: each defect found by an attack on the landed code (issue 19) reproduced exactly, and
a bounded fuzz of the inputs a user controls. The attack inputs live in ``tests/data/hostile/``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reegraph.scenario.spec import read_spec

HOSTILE = Path(__file__).resolve().parent / "data" / "hostile"


def one_line_error(result, code: int = 2) -> str:
    """The run failed with ``code`` and said why in one line, with no traceback."""
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    said = result.stderr.strip().splitlines()
    assert len(said) == 1 and said[0].startswith("reegraph: error: "), said
    return said[0]


# --- memory and CPU bombs ----------------------------------------------------------------------


def test_rdf_xml_entity_declarations_are_refused_before_parsing(run):
    # 100 characters expanded 30^4 times: 81 MB of text from a file of under 1 KB (it took 0.31 GB)
    said = one_line_error(run("info", "--data", str(HOSTILE / "entities.rdf")))
    assert said.endswith("entities.rdf:3: DTD entity declarations are refused (they can expand without bound)")


@pytest.mark.parametrize("name", ["huge-decimal.ttl", "long-decimal.ttl"])
@pytest.mark.parametrize("command", ["info", "validate"])
def test_a_number_too_large_to_convert_is_refused_on_load(run, name, command):
    # "1e999999999"^^xsd:decimal made validate take 8 s and 2 GB (a billion-digit expansion)
    said = one_line_error(run(command, "--data", str(HOSTILE / name)))
    assert f"{name}:2: number" in said and "is too long or too large to read" in said and "quantity/x" in said


def test_a_number_parameter_with_a_huge_exponent_is_refused(run):
    # --param south=1E+999999999 took 7.9 GB before any timeout applied
    said = one_line_error(run("query", "facilities-near", "--param", "south=1E+999999999"))
    assert "south: '1E+999999999' is not a valid decimal (at most 30 digits, no exponent)" in said


def test_scenario_includes_are_read_once_and_bounded(run):
    # 16 levels, each including the next twice, read 2^16 files; now each file once
    spec = read_spec(HOSTILE / "double-00.toml")
    depth = 0
    while spec.includes:
        (spec,) = spec.includes  # one include each, not two
        depth += 1
    assert depth == 15
    said = one_line_error(run("scenario", "run", str(HOSTILE / "deep-00.toml")))
    assert said.endswith("deep-16.toml:2: includes nest more than 16 deep")


def test_absurd_monte_carlo_sizes_are_refused(run):
    result = run("scenario", "run", "china-2025-04", "--monte-carlo", "1000000")
    assert result.exit_code == 2 and "1000000 is not in the range 1<=x<=100000" in result.stderr


def test_long_runs_show_progress_and_stop_cleanly_on_ctrl_c(tmp_path):
    out = tmp_path / "mc.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "reegraph", "scenario", "run", "china-2025-04", "--monte-carlo", "100000",
         "-o", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    line = process.stderr.readline()  # the first progress line comes after 2 s
    assert line.startswith("Monte Carlo, outages: ") and "of 100,000 draws" in line
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=60)
    assert process.returncode == 130
    assert rest.strip().splitlines()[-1] == "reegraph: interrupted; nothing was written"
    assert "Traceback" not in rest and not out.exists()


# --- output ------------------------------------------------------------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_a_full_disk_on_standard_output_is_one_line():
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "reegraph", "info"], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120
        )
    assert result.returncode == 2
    assert result.stderr.strip() == "reegraph: error: cannot write to standard output: No space left on device"


def test_markdown_prose_and_terminal_text_keep_labels_inert():
    from reegraph.render.text import markdown_text, plain

    assert markdown_text("x <img src=x onerror=alert(1)>") == "x &lt;img src=x onerror=alert(1)>"
    assert plain("a\u2028b\u202ec") == "a\ufffdb\ufffdc"  # line separator, right-to-left override


# --- a bounded fuzz: mutate the project's own inputs -------------------------------------------

SEEDS = {
    "data.ttl": Path(__file__).resolve().parent / "data" / "base.ttl",
    "data.rdf": HOSTILE / "entities.rdf",
    "data.jsonld": Path(__file__).resolve().parent / "data" / "bad" / "broken.jsonld",
    "scenario.toml": Path(__file__).resolve().parents[1] / "graphs" / "scenarios" / "china-2025-04-as-licensed.toml",
}
TOKENS = ["<", ">", '"', "'", "\\", "{", "}", "[", "]", "(", ")", "=", ".", ";", ",", "#", "\n", "\x00", "\xff",
          "1e999999", "-1", "nan", "inf", "9" * 40, "<!ENTITY a 'x'>", "&a;", "@prefix", "^^", "[[", "]]", "include",
          "ree:value", "http://", "\u202e", "2025-13-45", "true"]  # fmt: skip
FIXTURES = [HealthCheck.function_scoped_fixture]  # (the examples share tmp_path: each rewrites its file)
mutations = st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(["insert", "delete", "replace"]),
                               st.sampled_from(TOKENS)), min_size=1, max_size=6)  # fmt: skip


def mutate(text: str, edits) -> str:
    for at, how, token in edits:
        at = at % (len(text) + 1)
        if how == "insert":
            text = text[:at] + token + text[at:]
        elif how == "delete":
            text = text[:at] + text[at + len(token) :]
        else:
            text = text[:at] + token + text[at + len(token) :]
    return text


def ends_cleanly(result) -> None:
    """Exit 0 to 3; a failure says why in one line; never a traceback."""
    assert result.exit_code in (0, 1, 2, 3), (result.exit_code, result.output[-500:])
    assert "Traceback" not in result.output
    if result.exit_code >= 2:
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize("seed", sorted(SEEDS))
@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=FIXTURES)
@given(edits=mutations)
def test_fuzz_mutated_inputs_end_cleanly(run_any, tmp_path, seed, edits):
    text = mutate(SEEDS[seed].read_text(encoding="utf-8", errors="replace"), edits)
    path = tmp_path / seed
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    if seed == "scenario.toml":
        ends_cleanly(run_any("scenario", "run", str(path), "--element", "Dy", "--format", "json"))
    else:
        ends_cleanly(run_any("info", "--data", str(path)))


@settings(max_examples=150, deadline=None, derandomize=True, suppress_health_check=FIXTURES)
@given(edits=mutations, value=st.text(max_size=40))
def test_fuzz_queries_and_parameters_end_cleanly(run_any, edits, value):
    query = mutate("SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o FILTER (?o > 1.5) } LIMIT 5", edits)
    ends_cleanly(run_any("query", "-e", query, "--format", "json"))
    ends_cleanly(run_any("query", "facilities-near", "--param", f"south={value}", "--format", "json"))
    ends_cleanly(run_any("query", "facilities", "--param", value * 1000, "--format", "json"))  # (no "=", long)


@pytest.fixture
def run_any():
    """Invoke the CLI in-process and keep what it raised in the result (a fuzz run must not raise)."""
    from click.testing import CliRunner

    from reegraph.cli import cli

    def invoke(*args: str):
        result = CliRunner().invoke(cli, list(args))
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    return invoke


# --- queries -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { " + " UNION ".join(f"{{ ?s ?p {i} }}" for i in range(20_000)) + " } LIMIT 1",
        "SELECT * WHERE { " + " . ".join(f"?s{i} ?p {i}" for i in range(20_000)) + " } LIMIT 1",
        "SELECT * WHERE { ?s ?p ?o FILTER(" + " && ".join(f"?o != {i}" for i in range(100_000)) + ") } LIMIT 1",
    ],
    ids=["20,000 UNIONs", "20,000 triple patterns", "100,000 &&"],
)
def test_flat_query_chains_end_with_a_message_not_a_crash(tmp_path, query):
    # each ended the process with a native stack overflow (exit 139, no message)
    path = tmp_path / "flat.rq"
    path.write_text(query, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "reegraph", "query", str(path), "--timeout", "3"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode in (0, 2, 3), result.returncode
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) <= 1


@pytest.mark.parametrize(
    ("tail", "options", "said"),
    [
        ("LIMIT 1000000", "--format table", "the answer is over the limit of 20,000,000 bytes: add a LIMIT"),
        ("LIMIT 2000000", "--format csv", "the answer is over the limit of 100,000,000 bytes: add a LIMIT"),
        ("LIMIT 1000000", "--format json --max-bytes 2000000000 --timeout 0.5",
         "query stopped after its timeout of 0.5 s"),
        ("ORDER BY ?a", "--format json --max-memory 100",
         "query stopped: it needed more than its memory limit of 100 MB"),
    ],
)  # fmt: skip
def test_a_huge_answer_is_refused_and_the_timeout_and_memory_bound_hold(tail, options, said):
    # a million rows rendered as a table ran for 49 s and 7.2 GB past a 5 s timeout, and exited 0;
    # a query within its timeout took 3.8 GB
    result = subprocess.run(
        [sys.executable, "-m", "reegraph", "query", "-e", f"SELECT * {{?a ?b ?c . ?d ?e ?f}} {tail}", *options.split()],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 3 and result.stdout == ""
    assert result.stderr.strip() == f"reegraph: error: {said}"


# --- tracebacks --------------------------------------------------------------------------------


def test_arguments_that_are_not_utf_8_get_one_line():
    for args in (["query", "-e", "SELECT * WHERE { ?s ?p \udcff }"],
                 ["query", "separators-outside-china", "--param", "element=\udcff"]):  # fmt: skip
        result = subprocess.run(
            [sys.executable, "-m", "reegraph", *args], capture_output=True, timeout=120,
            env={**os.environ, "PYTHONUTF8": "1"},
        )  # fmt: skip
        assert result.returncode == 2
        assert result.stderr.decode().strip() == "reegraph: error: an argument or input is not valid UTF-8 text"


def test_a_tiny_outage_probability_is_no_division_by_zero(run):
    # log(1 - 1e-17) is 0: the gaps between failed plants divided by it
    result = run("scenario", "run", "china-2025-04", "--monte-carlo", "10", "--facility-outage", "1e-17",
                 "--element", "Dy")  # fmt: skip
    assert result.exit_code == 0 and "Traceback" not in result.output


def test_a_year_that_is_no_integer_is_left_out_of_the_span(run):
    result = run("info", "--data", str(HOSTILE / "non-integer-year.ttl"))
    assert result.exit_code == 0 and "Traceback" not in result.output


def test_a_literal_over_16_mib_is_one_line(run, tmp_path):
    path = tmp_path / "big.ttl"
    path.write_text(f'<https://w3id.org/reegraph/id/facility/x> <http://www.w3.org/2000/01/rdf-schema#label> '
                    f'"{"a" * (17 * 1024 * 1024)}" .\n', encoding="utf-8")  # fmt: skip
    said = one_line_error(run("info", "--data", str(path)))
    assert said.endswith("big.ttl: a term is too large to read (Reached the buffer maximal size of 16777216)")


def test_serve_takes_addresses_not_names(run):
    # a name would be resolved in native code that the network guard does not see
    said = one_line_error(run("serve", "--host", "example.org"))
    assert said == "reegraph: error: --host must be an IP address such as 127.0.0.1 or ::1, not 'example.org'"


def test_output_keeps_links_modes_and_special_files(run, tmp_path):
    real = tmp_path / "real.txt"
    real.write_text("old\n", encoding="utf-8")
    real.chmod(0o600)
    link, hard = tmp_path / "link.txt", tmp_path / "hard.txt"
    link.symlink_to(real)
    os.link(real, hard)
    assert run("info", "-o", str(link)).exit_code == 0
    assert link.is_symlink() and real.read_text(encoding="utf-8").startswith("graph")  # the target written
    assert hard.read_text(encoding="utf-8") == real.read_text(encoding="utf-8")  # the hard link sees it
    assert oct(real.stat().st_mode & 0o777) == "0o600"  # a private file stays private
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True)
    assert run("info", "-o", str(fifo)).exit_code == 0
    assert reader.communicate(timeout=60)[0].startswith("graph")
    assert fifo.is_fifo()  # written to, not replaced by a regular file
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_output_to_dev_stdout_is_written_not_replaced():
    result = subprocess.run([sys.executable, "-m", "reegraph", "info", "-o", "/dev/stdout"], capture_output=True,
                            text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0 and result.stdout.startswith("graph")


@pytest.mark.parametrize(
    "args",
    [["--bogus"], ["nosuch"], ["query", "facilities", "--param", "x\n" * 50_000], ["report", "--format", "nope"]],
    ids=["group option", "command", "long value with newlines", "choice"],
)
def test_usage_errors_are_one_bounded_line(run, args):
    # click printed usage, a hint and the error on three lines, echoing a 100 KB value whole
    said = one_line_error(run(*args))
    assert len(said) < 500 and said.endswith("--help)")


def test_an_ask_query_prints_as_a_table(run):
    # the check for an empty table read the rows of an answer that has none (KeyError: 'results')
    result = run("query", "-e", "ASK { ?s ?p ?o }")
    assert result.exit_code == 0 and result.stdout.strip() == "true", result.output


def test_rdflib_asides_stay_off_stderr(tmp_path):
    # an odd boolean made rdflib print a two-line UserWarning among reegraph's own messages
    path = tmp_path / "weird.ttl"
    path.write_text('<urn:a> <urn:b> "maybe"^^<http://www.w3.org/2001/XMLSchema#boolean> .\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "reegraph", "validate", "--data", str(path)],
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode in (0, 1) and result.stderr == "", result.stderr


def test_the_no_rows_notice_quotes_parameters_on_one_line(run):
    # a newline in a value forged a second "reegraph: error:" line; escape sequences passed through
    result = run("query", "separators-outside-china", "--param", "element=X\nreegraph: error: forged\x1b]0;t\x07")
    assert result.exit_code == 0 and result.stderr.count("\n") == 1 and "\x1b" not in result.stderr, result.stderr
