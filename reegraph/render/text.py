"""Renderers shared by every command: plain-text tables, Markdown tables, CSV and JSON.

They take rows (sequences of cells) or JSON-ready data and return text; they never print.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any


def render_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A fixed-width text table.

    Examples
    --------
    >>> print(render_table(["stage", "n"], [["mining", 3]]))
    stage   n
    ------  -
    mining  3
    """
    cells = [[_cell(c) for c in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def markdown_text(text: str) -> str:
    """A line of prose for Markdown: control characters made visible, ``&`` and ``<`` escaped (so a
    label cannot open HTML in a viewer).

    >>> markdown_text("Mine <img src=x onerror=alert(1)> & co")
    'Mine &lt;img src=x onerror=alert(1)> &amp; co'
    """
    return plain(text).replace("&", "&amp;").replace("<", "&lt;")


def render_markdown(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table; pipes, newlines, ``<``, ``&`` and control characters in
    cells are escaped.

    Examples
    --------
    >>> print(render_markdown(["stage", "n"], [["mining", 3]]))
    | stage | n |
    | --- | --- |
    | mining | 3 |
    """

    def md(value: Any) -> str:  # HTML in a cell is shown, not run, by a Markdown viewer
        return markdown_text(_cell(value).replace("\n", " ")).replace("|", "\\|")

    lines = ["| " + " | ".join(md(h) for h in headers) + " |", "|" + " --- |" * len(headers)]
    lines += ["| " + " | ".join(md(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_csv(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """RFC 4180 CSV. Text cells that a spreadsheet would run as a formula get a leading apostrophe.

    Examples
    --------
    >>> print(render_csv(["name", "n"], [["=cmd()", 3], ["a, b", -1.5]]), end="")
    name,n
    '=cmd(),3
    "a, b",-1.5
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows([[_csv_cell(c) for c in row] for row in rows])
    return out.getvalue()


def render_json(data: Any) -> str:
    """Stable, indented JSON (keys in insertion order, non-ASCII kept)."""
    return json.dumps(data, indent=2, ensure_ascii=False)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return plain(str(value))


def plain(text: str) -> str:
    """``text`` with control characters (line breaks, terminal escape sequences) made visible as
    ``\\uFFFD``, so data cannot reshape or recolour a terminal table.

    Examples
    --------
    >>> plain("Mine\\x1b[31m A\\nB")
    'Mine\\ufffd[31m A\\ufffdB'
    """
    return "".join("\ufffd" if _hidden(c) else c for c in text)


def _hidden(c: str) -> bool:
    """A control character, or one that reorders text (the bidirectional overrides and isolates)."""
    n = ord(c)
    return (
        n < 32
        or 127 <= n < 160
        or 0x202A <= n <= 0x202E  # embeddings and overrides
        or 0x2066 <= n <= 0x2069  # isolates
        or n in (0x061C, 0x200E, 0x200F, 0x2028, 0x2029)  # marks, line and paragraph separators
    )


def _csv_cell(value: Any) -> Any:
    if isinstance(value, str):
        # line breaks may stay (quoted); other control characters would reach a terminal that cats it
        value = "".join("\ufffd" if _hidden(c) and c not in "\n\r\t" else c for c in value)
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + value
    return "" if value is None else value
