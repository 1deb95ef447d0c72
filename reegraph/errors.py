"""The one exception hierarchy of reegraph.

The library raises only these; the CLI alone turns them into a one-line message and an exit code
(README, "Exit codes"): 2 for usage or unreadable input, 3 for a runtime failure. Exit 1 (the data
does not conform) is a finding, not an exception.
"""

from __future__ import annotations

#: What is said of text that is not UTF-8 (an argument of bytes the shell passed through).
NOT_UTF8 = "an argument or input is not valid UTF-8 text"


class ReegraphError(Exception):
    """Base class of every error reegraph raises on purpose."""

    exit_code = 3


class InputError(ReegraphError):
    """Input that cannot be used: a missing or malformed file, an unknown name, a bad option."""

    exit_code = 2


class ParseError(InputError):
    """A data file that does not parse; the message reads ``path:line: message``."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


class ExecutionError(ReegraphError):
    """The work could not finish: a timeout, an unreachable endpoint, an engine failure."""

    exit_code = 3
