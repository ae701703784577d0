"""A failure's excerpt shaped for the agent that fixes it: the location first, the assertion
once, at most twenty lines, nothing left of the reports and terminals the text came through.

Each ecosystem's `case_lines()` picks what its runner's report says about a failure; the
rules here are the same for every runner (docs/test.md, "The excerpt")."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ameide.records import replace
from ameide.sanitize import printable

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ameide.evidence.junit import Case

MAX_LINES = 20
MAX_WIDTH = 400  # characters of one line: a minified value can fill a screen on its own
_MAX_INPUT = 400  # lines considered before de-duplication (a text is capped at 64 KiB)
_MIN_REPEAT = 8  # characters (spaces aside) a line needs to count as a repeat of another

# a newline a one-line XML attribute carried as a reference (pytest, node) or that a writer
# escaped once more (`&amp;#10;` read back as `&#10;`)
_NEWLINE_REF = re.compile(r"&#13;&#10;|&#(?:10|13|[xX]0*[aAdD]);")
_ENTITY = r"&(?:[A-Za-z][A-Za-z0-9]{1,7}|#\d{1,7}|#[xX][0-9A-Fa-f]{1,6});"
_HAS_ENTITY = re.compile(_ENTITY)
# what an entity-encoded text cannot hold: the characters the entities stand for, and an
# `&` that starts none
_RAW = re.compile(rf"[<>\"]|&(?!{_ENTITY[1:]})")
_SPACE = re.compile(r"\s+")


def readable(text: str) -> str:
    """`text` as its runner printed it: terminal codes and control characters out, newlines
    that a report encoded back, and the entities of a text a report escaped once too often
    (node's JUnit writes `&amp;quot;`) decoded.

    Only a text that is encoded through and through (entities, and no raw `<`, `>`, `"` or
    bare `&`) is decoded: one that holds entities next to raw markup shows the values a
    test compares, and `Tea &amp; Cake` must not turn into the `Tea & Cake` it differs from."""
    for _ in range(3):  # double escaping: `&amp;quot;` -> `&quot;` -> `"`
        text = _NEWLINE_REF.sub("\n", text)
        if not _HAS_ENTITY.search(text) or _RAW.search(text):
            break
        import html  # its entity table costs ~2 ms: only when a report is encoded

        text = html.unescape(text)
    return printable(text)


def readable_case(case: Case) -> Case:
    """The case with its message and text made `readable`, for the ecosystem's parser."""
    return replace(case, message=readable(case.message), text=readable(case.text))


def location(test: str | None, file: str | None, line: int | None) -> str | None:
    """The excerpt's first line: `file:line: test` (what is known of it)."""
    where = f"{file}:{line}" if file and line else file
    if where and test:
        return f"{where}: {test}"
    return where or test


def _key(line: str) -> str:
    """What a line says, however it was escaped, indented or wrapped."""
    import html

    return _SPACE.sub("", html.unescape(line))


def dedupe(lines: list[str]) -> list[str]:
    """The lines without those said again further down, whole or inside a longer line or run
    of lines: node repeats an assertion in its message, its error and its error's cause;
    pytest repeats its message in its `E` lines. The last, fullest telling stays."""
    keys = [_key(ln) for ln in lines]
    joined = "".join(keys)
    out = []
    end = 0  # where the keys after line i start in `joined`
    for ln, k in zip(lines, keys, strict=True):
        end += len(k)
        if len(k) >= _MIN_REPEAT and joined.find(k, end) != -1:
            continue
        out.append(ln)
    return out


def _clip(line: str) -> str:
    if len(line) <= MAX_WIDTH:
        return line
    return f"{line[:MAX_WIDTH]} ... (+{len(line) - MAX_WIDTH} characters)"


def shape(head: str | None, lines: Iterable[str], max_lines: int = MAX_LINES) -> str:
    """The excerpt: `head` (the location) first, then the lines that say something, each
    once, at most `max_lines` in all. The lines are a case's (made `readable` as a whole:
    a line alone can look encoded when it holds a value under test) or a log's."""
    body: list[str] = []
    for ln in lines:
        for part in printable(ln).splitlines():
            if part.strip():
                body.append(part.rstrip())
        if len(body) >= _MAX_INPUT:
            break
    out = ([head] if head else []) + dedupe(body)
    return "\n".join(_clip(ln) for ln in out[:max_lines])


__all__ = ["MAX_LINES", "dedupe", "location", "readable", "readable_case", "shape"]
