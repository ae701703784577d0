"""Text ameide did not write itself, made safe to print and store.

`redact` takes credentials out of a message that came from a server (a remote cache echoing
`Authorization: Bearer <token>`, a URL with `user:password@`); `printable` takes control
sequences out of anything re-printed from a task or a server, so that output cannot drive
the terminal (set its title, clear it, hide text with `\\r`, reorder it with bidi controls).
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import threading
    from collections.abc import Iterable, Mapping

MASK = "***"
# what a log cleaned of credentials ends with when the run was interrupted before the end
DROPPED = (
    b"\n[ameide: the rest of this log was dropped: the run was interrupted while credentials "
    b"were being removed from it]\n"
)

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


_URL_CREDENTIALS = rb"\b([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s'\":]+:[^/@\s'\"]+@"
_URL_PASSWORD = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^/@\s:]+:([^/@\s]{6,})@")


# variables whose values are credentials: never shown, even when a task printed one
_SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|PASSWD|PRIVATE_KEY|SIGNATURE_KEY|API_KEY)")


def _credentials(env: Mapping[str, str]) -> set[str]:
    """The credential values of an environment (long enough to be one): those of the names
    tasks are denied (taskenv.DENY) and of any other name saying it holds one, and the
    passwords inside URL values (`DATABASE_URL=postgres://bob:s3cret99@db/x`)."""
    from ameide.taskenv import MIN_SECRET, denied

    found = {
        v
        for k, v in env.items()
        if len(v) >= MIN_SECRET and (_SECRET_NAME.search(k.upper()) or denied(k))
    }
    for v in env.values():
        if "://" in v:
            found.update(m.group(1) for m in _URL_PASSWORD.finditer(v))
    return found


class Scrubber:
    """Credential values out of everything a task wrote that ameide keeps or shows: its log
    and report files, its test cases (so junit.xml, summary.json, report.html, the console
    and cache entries), as `[redacted]`; `scheme://user:password@` as `scheme://***@`.

    The values are those of the credential variables in the environments given (ameide's
    own and the tasks'; `_credentials` says which names) and the passwords
    of URLs among their values: a variable let through with `[env] pass` is still a
    credential, and a test that prints it must not put it into the evidence. With no
    credential in the environment, files are not read at all (500 short tasks would pay)."""

    def __init__(self, *envs: Mapping[str, str]) -> None:
        values = sorted({v for env in envs for v in _credentials(env)}, key=lambda v: (-len(v), v))
        enc = [v.encode("utf-8", "surrogateescape") for v in values]
        self.values = tuple(values)
        self._bytes = re.compile(b"|".join([*(re.escape(v) for v in enc), _URL_CREDENTIALS]))
        self._keep = max([256, *(len(v) for v in enc)]) - 1  # the longest match, at most

    @staticmethod
    def _sub(m: re.Match[bytes]) -> bytes:
        return m.group(1) + b"***@" if m.group(1) else b"[redacted]"

    def text(self, s: str) -> str:
        if not s or (not self.values and "://" not in s):  # nothing it could match
            return s
        # any lone surrogate survives the round trip (text from a report can hold one)
        raw = s.encode("utf-8", "surrogatepass")
        if not self._bytes.search(raw):
            return s
        return self._bytes.sub(self._sub, raw).decode("utf-8", "surrogatepass")

    def file(self, path: str, stopping: threading.Event | None = None) -> None:
        """Rewrite `path` without credentials, if it holds any (streamed: logs can be big).

        A run stopped meanwhile (`stopping`: an interrupt; hundreds of megabytes take
        seconds) drops the part not yet cleaned instead of keeping it: nothing unscrubbed
        stays, and ameide still leaves within its grace."""
        if not self.values:
            return
        try:
            if not self._found(path, stopping):
                return
            tmp = path + ".scrub"
            with open(path, "rb") as src, open(tmp, "wb") as out:
                carry = b""
                while True:
                    if stopping is not None and stopping.is_set():
                        out.write(DROPPED)
                        break
                    chunk = src.read(1 << 20)
                    buf = carry + chunk
                    cut = len(buf) if not chunk else max(0, len(buf) - self._keep)
                    pos = 0
                    for m in self._bytes.finditer(buf):
                        if m.start() >= cut:
                            break
                        out.write(buf[pos : m.start()] + self._sub(m))
                        pos = m.end()
                    out.write(buf[pos : max(pos, cut)])
                    carry = buf[max(pos, cut) :]
                    if not chunk:
                        break
            os.replace(tmp, path)
        except OSError:
            return

    def _found(self, path: str, stopping: threading.Event | None = None) -> bool:
        with open(path, "rb") as fh:
            tail = b""
            while chunk := fh.read(1 << 20):
                if stopping is not None and stopping.is_set():
                    return True  # not read to the end: treated as holding one
                buf = tail + chunk
                if self._bytes.search(buf):
                    return True
                tail = buf[-self._keep :]
        return False
