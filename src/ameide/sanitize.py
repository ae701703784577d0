"""Text ameide did not write itself, made safe to print and store.

`redact` takes credentials out of a message that came from a server (a remote cache echoing
`Authorization: Bearer <token>`, a URL with `user:password@`); `printable` takes control
sequences out of anything re-printed from a task or a server, so that output cannot drive
the terminal (set its title, clear it, hide text with `\\r`, reorder it with bidi controls).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

MASK = "***"

# `Authorization: Bearer abc`, `Basic abc=`, `token abc`
_SCHEME = r"(?i)\b(bearer|basic|token)(\s+)[A-Za-z0-9._~+/=:-]{4,}"
# `token=abc`, `"password": "abc"`, `api_key: abc`
_PAIR = (
    r"(?i)\b([\w-]*(?:token|secret|password|passwd|api[_-]?key|signature)[\w-]*)"
    r"(\"?\s*[=:]\s*\"?)([^\s\"',;&}]{4,})"
)

# ESC [ ... final (CSI), ESC ] ... BEL/ST (OSC), ESC P/X/^/_ ... ST, and two-byte ESC x
_ANSI = (
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b[\]PX^_].*?(?:\x07|\x1b\\|\Z)"
    r"|\x1b[@-Z\\-_]"
    r"|\x9b[0-?]*[ -/]*[@-~]"
)
# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def redact(text: str, secrets: Iterable[str | bytes | None] = ()) -> str:
    """`text` without the given secrets, URL credentials, or anything that looks like an
    authorization header or a `token=` pair."""
    values = []
    for s in secrets:
        v = s.decode("utf-8", "replace") if isinstance(s, bytes) else s
        if v and len(v) >= 4:
            values.append(v)
    for v in sorted(values, key=len, reverse=True):
        text = text.replace(v, MASK)
    text = re.sub(_SCHEME, rf"\1\2{MASK}", text)  # compiled on first use (re caches it)
    text = re.sub(_PAIR, rf"\1\2{MASK}", text)
    from ameide.vcs import redact_url  # `https://user:secret@host` -> `https://***@host`

    return redact_url(text)


def _visible(m: re.Match[str]) -> str:
    c = ord(m.group(0))
    if c == 0x0D:  # a carriage return could hide what came before it on the line
        return ""
    return f"^{chr(c + 64)}" if c < 0x20 else f"\\u{c:04x}" if c > 0xFF else f"\\x{c:02x}"


def printable(text: str) -> str:
    """`text` with escape sequences removed and any other control character made visible
    (`^G`, `\\x9b`, `\\u202e`); tabs and newlines stay. A `\\r\\n` line end is a newline."""
    if _CONTROL.search(text) is None:  # the common case: nothing to do
        return text
    text = re.sub(_ANSI, "", text.replace("\r\n", "\n"), flags=re.S)
    return _CONTROL.sub(_visible, text)


def one_line(text: str) -> str:
    """`text` (a file name) on one line: control characters, newlines included, as escapes
    (`notes/a\\nb.txt`)."""
    if _CONTROL.search(text) is None and "\n" not in text and "\t" not in text:
        return text
    return re.sub(
        r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]",
        lambda m: repr(m.group(0))[1:-1],
        text,
    )
