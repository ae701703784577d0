"""One cached task result as bytes: the same artifact lives in the local store and on the remote.

    b"ameide-task-result 2\\n" + <sha256 of the payload, 64 hex> + b"\\n" + payload
    payload = zlib(<JSON metadata> + b"\\n" + <the task's log> + <the tool's raw report>)

The metadata says where the log ends (`log_size`) and what became of the raw report
(`report`: null when the tool wrote none; `{"size": n, "stored": true}` when its n bytes
follow the log; `{"size": n, "stored": false}` when it was over MAX_REPORT_BYTES and left out).
The digest catches truncated or damaged artifacts (a half-written file, a broken transfer,
bit rot on the server); the metadata names the key it was stored under, so an artifact served
under the wrong hash is rejected too. Authenticity (a server or a PR build writing a forged
result) is what the optional HMAC signature of the remote protocol is for (remote.py).

Format 1 (ameide before raw reports were cached) had no report and no `log_size`; its
entries live under keys of the previous KEY_VERSION (keys.py), so they are never looked up,
and one found under a current key anyway is rejected like any foreign artifact.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ameide.evidence.junit import Case

_PREFIX = b"ameide-task-result "
MAGIC = _PREFIX + b"2\n"
FORMAT = 2
MAX_LOG_BYTES = 32 * 1024 * 1024  # a bigger log is not worth caching (and not held in memory)
# a raw report (go test -json stream, JUnit XML) bigger than this is left out of the entry;
# the log and the parsed test cases are still cached, and the replay's first line says so
MAX_REPORT_BYTES = 8 * 1024 * 1024
# an artifact (compressed, on disk or on the wire) and its payload (decompressed) are never
# bigger than this: a legitimate one holds at most a 32 MiB log, an 8 MiB report and the
# metadata. Anything bigger is damaged or hostile and is refused before it is read whole.
MAX_ARTIFACT = 64 * 1024 * 1024
_REQUIRED = ("key", "task", "status", "duration", "junit_source", "cases", "log_size")


class CorruptArtifact(ValueError):
    """The bytes are not a valid artifact for this key (a miss, never a crash)."""


def pack(meta: dict[str, Any], log: bytes, report: bytes | None = None) -> bytes:
    """`report` is the raw report's bytes when stored (then `meta["report"]` must say
    `"stored": true`); `log_size` is filled in here."""
    head = json.dumps({**meta, "log_size": len(log)}, sort_keys=True).encode()
    payload = zlib.compress(head + b"\n" + log + (report or b""), 6)
    return MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload


def unpack(data: bytes, key: str) -> tuple[dict[str, Any], bytes, bytes | None]:
    """(metadata, log, raw report or None) of a verified artifact; CorruptArtifact otherwise."""
    head = len(MAGIC)
    if len(data) > MAX_ARTIFACT:
        raise CorruptArtifact(f"larger than {MAX_ARTIFACT >> 20} MiB")
    if not data.startswith(MAGIC):
        nl = data.find(b"\n", 0, 40)
        if data.startswith(_PREFIX) and nl > 0:  # another ameide's format: a miss
            version = data[len(_PREFIX) : nl].decode("ascii", "replace")
            raise CorruptArtifact(f"artifact format {version}, this ameide reads {FORMAT}")
        raise CorruptArtifact("not an ameide artifact (bad header)")
    if len(data) < head + 65 or data[head + 64 : head + 65] != b"\n":
        raise CorruptArtifact("not an ameide artifact (bad header)")
    payload = data[head + 65 :]
    if hashlib.sha256(payload).hexdigest().encode() != data[head : head + 64]:
        raise CorruptArtifact("content hash mismatch (truncated or damaged)")
    try:
        inflate = zlib.decompressobj()
        raw = inflate.decompress(payload, MAX_ARTIFACT)
        if inflate.unconsumed_tail:  # a decompression bomb, or damage that looks like one
            raise CorruptArtifact(f"payload larger than {MAX_ARTIFACT >> 20} MiB")
        end = raw.index(b"\n")
        meta = json.loads(raw[:end])
    except CorruptArtifact:
        raise
    except (zlib.error, ValueError) as exc:
        raise CorruptArtifact(f"unreadable payload ({type(exc).__name__})") from None
    if not isinstance(meta, dict) or any(k not in meta for k in _REQUIRED):
        raise CorruptArtifact("incomplete metadata")
    if meta.get("format") != FORMAT or meta["key"] != key:
        raise CorruptArtifact("stored under another key")
    if meta["status"] != "passed":
        raise CorruptArtifact("not a successful result")
    size = meta["log_size"]
    rest = len(raw) - end - 1
    if type(size) is not int or not 0 <= size <= rest:
        raise CorruptArtifact("bad log size")
    info = meta.get("report")
    stored, report_size = False, 0
    if info is not None:
        if not (
            isinstance(info, dict)
            and type(info.get("size")) is int
            and isinstance(info.get("stored"), bool)
        ):
            raise CorruptArtifact("bad report record")
        stored = info["stored"]
        report_size = info["size"] if stored else 0
    if rest - size != report_size:
        raise CorruptArtifact("bad report size")
    log = raw[end + 1 : end + 1 + size]
    return meta, log, raw[end + 1 + size :] if stored else None


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
