"""One cached task result as bytes: the same artifact lives in the local store and on the remote.

    b"ameide-task-result 1\\n" + <sha256 of the payload, 64 hex> + b"\\n" + payload
    payload = zlib(<JSON metadata> + b"\\n" + <the task's log>)

The digest catches truncated or damaged artifacts (a half-written file, a broken transfer,
bit rot on the server); the metadata names the key it was stored under, so an artifact served
under the wrong hash is rejected too. Authenticity (a server or a PR build writing a forged
result) is what the optional HMAC signature of the remote protocol is for (remote.py).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ameide.evidence.junit import Case

MAGIC = b"ameide-task-result 1\n"
FORMAT = 1
MAX_LOG_BYTES = 32 * 1024 * 1024  # a bigger log is not worth caching (and not held in memory)
_REQUIRED = ("key", "task", "status", "duration", "junit_source", "cases")


class CorruptArtifact(ValueError):
    """The bytes are not a valid artifact for this key (a miss, never a crash)."""


def pack(meta: dict[str, Any], log: bytes) -> bytes:
    payload = zlib.compress(json.dumps(meta, sort_keys=True).encode() + b"\n" + log, 6)
    return MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload


def unpack(data: bytes, key: str) -> tuple[dict[str, Any], bytes]:
    """(metadata, log) of a verified artifact; CorruptArtifact otherwise."""
    head = len(MAGIC)
    if not data.startswith(MAGIC) or len(data) < head + 65 or data[head + 64 : head + 65] != b"\n":
        raise CorruptArtifact("not an ameide artifact (bad header)")
    payload = data[head + 65 :]
    if hashlib.sha256(payload).hexdigest().encode() != data[head : head + 64]:
        raise CorruptArtifact("content hash mismatch (truncated or damaged)")
    try:
        raw = zlib.decompress(payload)
        meta_b, _, log = raw.partition(b"\n")
        meta = json.loads(meta_b)
    except (zlib.error, ValueError) as exc:
        raise CorruptArtifact(f"unreadable payload ({type(exc).__name__})") from None
    if not isinstance(meta, dict) or any(k not in meta for k in _REQUIRED):
        raise CorruptArtifact("incomplete metadata")
    if meta.get("format") != FORMAT or meta["key"] != key:
        raise CorruptArtifact("stored under another key")
    if meta["status"] != "passed":
        raise CorruptArtifact("not a successful result")
    return meta, log


def case_to_json(c: Case) -> list[Any]:
    return [c.suite, c.classname, c.name, c.time, c.status, c.message, c.text, c.file, c.line]


def case_from_json(v: Any) -> Case:
    from ameide.evidence.junit import Case

    if not isinstance(v, list) or len(v) != 9:
        raise CorruptArtifact("bad test case record")
    suite, classname, name, t, status, message, text, file, line = v
    if status not in ("passed", "failed", "error", "skipped"):
        raise CorruptArtifact("bad test case status")
    return Case(
        str(suite),
        str(classname),
        str(name),
        float(t),
        status,
        str(message),
        str(text),
        None if file is None else str(file),
        None if line is None else int(line),
    )
