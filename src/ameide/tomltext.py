"""Minimal edits of a TOML file's top-level keys, keeping every other byte (keys, comments,
tables) as it was: the value is replaced in place, or the key is inserted above the first table
(and above the comments that introduce it). Every edit is re-parsed and compared before it is
returned, so a file this cannot edit safely raises instead of being damaged."""

from __future__ import annotations

import re
from typing import Any

from ameide.errors import ConfigError

_HEADER = re.compile(r"^\s*\[")
_VALUE = r"""(?P<value>"(?:[^"\\]|\\.)*"|'[^']*'|\[[^\]\n]*\]|[^\s#]+)"""


def _key_line(key: str) -> re.Pattern[str]:
    k = re.escape(key)
    return re.compile(rf"""^(?P<lead>\s*(?:{k}|"{k}"|'{k}')\s*=\s*){_VALUE}(?P<rest>.*)$""")


def parse(text: str) -> dict[str, Any]:
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"config.toml is not valid TOML: {exc}", hint="fix it by hand, then rerun"
        ) from None


def _top(lines: list[str]) -> int:
    return next((i for i, ln in enumerate(lines) if _HEADER.match(ln)), len(lines))


def _verify(before: dict[str, Any], out: str, key: str, want: object, hint: str) -> str:
    after = parse(out)
    rest = {k: v for k, v in after.items() if k != key}
    if after.get(key) != want or rest != {k: v for k, v in before.items() if k != key}:
        raise ConfigError(  # pragma: no cover - a safety net for exotic files
            f"could not set {key} in config.toml safely", hint=hint
        )
    return out


def set_top_level(text: str, key: str, value: str) -> str:
    """`text` with the top-level `key = value` (`value` written as TOML)."""
    before = parse(text)
    want = parse(f"{key} = {value}")[key]
    if before.get(key) == want:
        return text
    lines = text.splitlines(keepends=True)
    first_table = _top(lines)
    pattern = _key_line(key)
    for i in range(first_table):
        m = pattern.match(lines[i].rstrip("\r\n"))
        if m:
            eol = lines[i][len(lines[i].rstrip("\r\n")) :] or "\n"
            lines[i] = f"{m.group('lead')}{value}{m.group('rest')}{eol}"
            break
    else:
        at = first_table
        if first_table < len(lines):  # comments right above the first table belong to it
            while at > 0 and lines[at - 1].lstrip().startswith("#"):
                at -= 1
        if at > 0 and not lines[at - 1].endswith("\n"):
            lines[at - 1] += "\n"
        lines.insert(at, f"{key} = {value}\n")
    hint = f"add `{key} = {value}` above the first [table] by hand"
    return _verify(before, "".join(lines), key, want, hint)


def remove_top_level(text: str, key: str) -> str:
    """`text` without the top-level `key` (a one-line key); unchanged when it is absent."""
    before = parse(text)
    if key not in before:
        return text
    lines = text.splitlines(keepends=True)
    pattern = _key_line(key)
    for i in range(_top(lines)):
        if pattern.match(lines[i].rstrip("\r\n")):
            del lines[i]
            break
    return _verify(before, "".join(lines), key, None, f"remove `{key}` by hand")
