"""JSON with comments (devcontainer.json): `//` and `/* */` comments outside strings and
trailing commas are blanked out, keeping every line and column, then `json.loads` parses it."""

from __future__ import annotations

import json
from typing import Any


class JsoncError(ValueError):
    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(f"line {line} column {col}: {message}")
        self.message = message
        self.line = line
        self.col = col


def _pos(text: str, i: int) -> tuple[int, int]:
    line = text.count("\n", 0, i) + 1
    return line, i - (text.rfind("\n", 0, i) + 1) + 1


def strip(text: str) -> str:
    """Blank comments and trailing commas (same length, same newlines)."""
    out = list(text)
    n = len(text)
    i = 0
    in_str = False
    last_comma: int | None = None  # a comma outside strings, awaiting the next token
    while i < n:
        c = text[i]
        if in_str:
            if c == "\\":
                i += 2
                continue
            if c == '"':
                in_str = False
            i += 1
            continue
        if c == '"':
            in_str = True
            last_comma = None
            i += 1
            continue
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            for k in range(i, j):
                out[k] = " "
            i = j
            continue
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise JsoncError("unterminated /* comment", *_pos(text, i))
            for k in range(i, j + 2):
                if out[k] != "\n":
                    out[k] = " "
            i = j + 2
            continue
        if c in "}]" and last_comma is not None:
            out[last_comma] = " "
        if c == ",":
            last_comma = i
        elif not c.isspace():
            last_comma = None
        i += 1
    return "".join(out)


def loads(text: str) -> Any:
    """Parse JSON with comments; errors carry 1-based line and column."""
    try:
        return json.loads(strip(text))
    except json.JSONDecodeError as exc:
        raise JsoncError(exc.msg, exc.lineno, exc.colno) from None
