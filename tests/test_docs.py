"""The README's examples run: its Python session is a doctest."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_python_api_example_runs_as_written():
    sessions = re.findall(r"```pycon\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert sessions, "the README has no Python session"
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for number, session in enumerate(sessions):
        test = parser.get_doctest(session, {}, f"README session {number}", str(README), 0)
        assert test.examples
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
