"""Just enough Markdown for instruction files: code vs prose, `@path` imports, headings."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_TICKS = re.compile(r"`+")
_IMPORT = re.compile(r"(?:^|(?<=\s))@((?:[^\s\\]|\\ )+)")
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


def split_code(text: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(prose, code): lines (1-based number, text). Prose lines have inline code blanked out;
    code holds every fenced-block line and every inline code span."""
    prose: list[tuple[int, str]] = []
    code: list[tuple[int, str]] = []
    fence: str | None = None
    for n, line in enumerate(text.splitlines(), 1):
        m = _FENCE.match(line)
        if fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            else:
                code.append((n, line))
            continue
        if m:
            fence = m.group(1)
            continue
        out: list[str] = []
        i = 0
        while i < len(line):
            t = _TICKS.match(line, i)
            if t:
                close = line.find(t.group(0), t.end())
                # a run of backticks closes only on a run of the same length
                while close != -1 and line[close : close + len(t.group(0)) + 1] == t.group(0) + "`":
                    close = line.find(t.group(0), close + len(t.group(0)) + 1)
                if close != -1:
                    code.append((n, line[t.end() : close]))
                    out.append(" " * (close + len(t.group(0)) - i))
                    i = close + len(t.group(0))
                    continue
                out.append(t.group(0))
                i = t.end()
                continue
            out.append(line[i])
            i += 1
        prose.append((n, "".join(out)))
    return prose, code


def imports(text: str) -> list[tuple[int, str]]:
    """`@path` imports outside code spans and blocks: (line number, path as written)."""
    prose, _ = split_code(text)
    out: list[tuple[int, str]] = []
    for n, line in prose:
        for m in _IMPORT.finditer(line):
            out.append((n, m.group(1).replace("\\ ", " ")))
    return out


def looks_like_path(token: str) -> bool:
    """`@docs/a.md`, `@./x`, `@~/y`, `@AGENTS.md` — not `@alice` or `@org/team` mentions."""
    if token.startswith(("./", "../", "~/", "/")):
        return True
    last = token.rsplit("/", 1)[-1]
    return "." in last.strip(".")


def headings(text: str) -> list[tuple[int, int, str]]:
    """(line number, level, title) of ATX headings outside code blocks."""
    prose, _ = split_code(text)
    out = []
    for n, line in prose:
        m = _HEADING.match(line)
        if m:
            out.append((n, len(m.group(1)), m.group(2).strip()))
    return out
