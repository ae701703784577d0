"""A small YAML reader for the block-style subset pnpm writes (pnpm-lock.yaml v9,
pnpm-workspace.yaml): nested mappings by indentation, block sequences of scalars or mappings,
quoted keys, comments. Flow collections (``{integrity: ...}``, ``[x64]``) and multi-line
scalars are kept as their raw text: enough to compare two versions, never to interpret them.
"""

from __future__ import annotations

from typing import Any


def _unquote(s: str) -> str:
    s = s.strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        inner = s[1:-1]
        return inner.replace("''", "'") if s[0] == "'" else inner.replace('\\"', '"')
    return s


def _strip_comment(line: str) -> str:
    if "#" not in line:
        return line
    q: str | None = None
    for i, ch in enumerate(line):
        if q:
            if ch == q:
                q = None
        elif ch in "'\"":
            q = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


def _split_key(text: str) -> tuple[str, str] | None:
    """'key: value' -> (key, value); None when the line is not a mapping entry."""
    if text[:1] in "'\"":
        q = text[0]
        j = 1
        while j < len(text):
            if text[j] == q:
                if q == "'" and j + 1 < len(text) and text[j + 1] == "'":
                    j += 2
                    continue
                break
            j += 1
        rest = text[j + 1 :]
        if rest.startswith(":") and (len(rest) == 1 or rest[1] in " \t"):
            return _unquote(text[: j + 1]), rest[1:].strip()
        return None
    if text[:1] in "[{":
        return None
    idx = text.find(": ")
    if text.endswith(":") and (idx == -1 or idx > len(text) - 2):
        idx = len(text) - 1
    if idx <= 0:
        return None
    return text[:idx].strip(), text[idx + 1 :].strip()


def loads(text: str) -> Any:
    lines: list[tuple[int, str]] = []
    for raw in text.splitlines():
        s = _strip_comment(raw).rstrip()
        if not s.strip() or s.strip() in ("---", "..."):
            continue
        lines.append((len(s) - len(s.lstrip(" ")), s.strip()))
    pos = 0

    def parse_block(indent: int) -> Any:
        nonlocal pos
        if pos >= len(lines):
            return None
        ind, text = lines[pos]
        if text.startswith("- ") or text == "-":
            seq: list[Any] = []
            while pos < len(lines) and lines[pos][0] == ind and lines[pos][1].startswith("-"):
                item = lines[pos][1][1:].strip()
                pos += 1
                if not item:
                    seq.append(
                        parse_block(ind + 1) if pos < len(lines) and lines[pos][0] > ind else None
                    )
                    continue
                kv = _split_key(item)
                if kv is not None:
                    # a mapping inside a sequence item: the first key is on the dash line
                    sub: dict[str, Any] = {}
                    k, v = kv
                    sub[k] = _value(v, ind + 2)
                    while (
                        pos < len(lines)
                        and lines[pos][0] == ind + 2
                        and not lines[pos][1].startswith("- ")
                    ):
                        kv2 = _split_key(lines[pos][1])
                        pos += 1
                        if kv2 is None:
                            continue
                        sub[kv2[0]] = _value(kv2[1], ind + 2)
                    seq.append(sub)
                else:
                    seq.append(_unquote(item))
            return seq
        mapping: dict[str, Any] = {}
        while pos < len(lines) and lines[pos][0] == ind:
            kv = _split_key(lines[pos][1])
            pos += 1
            if kv is None:
                continue
            mapping[kv[0]] = _value(kv[1], ind)
        return mapping

    def _value(v: str, ind: int) -> Any:
        nonlocal pos
        if v in ("", "|", ">", "|-", ">-"):
            if pos < len(lines) and (
                lines[pos][0] > ind or (lines[pos][0] == ind and lines[pos][1].startswith("- "))
            ):
                if v:
                    start = pos
                    while pos < len(lines) and lines[pos][0] > ind:
                        pos += 1
                    return "\n".join(t for _, t in lines[start:pos])
                return parse_block(lines[pos][0])
            return None if not v else ""
        return _unquote(v)

    return parse_block(lines[0][0]) if lines else {}
