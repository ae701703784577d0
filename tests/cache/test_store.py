"""The local store and the artifact format: round trips (with and without the raw report),
damaged, half-written and older-format entries are misses (never crashes),
least-recently-used pruning, and concurrent writers and readers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ameide.cache.artifact import FORMAT, CorruptArtifact, pack, unpack
from ameide.cache.store import LocalStore
from tests.cache.conftest import as_format_1, seal

KEY = "ab" + "0" * 62


def meta(key: str = KEY, **kw: object) -> dict[str, object]:
    return {
        "format": FORMAT,
        "key": key,
        "task": "go test m",
        "status": "passed",
        "duration": 1.5,
        "junit_source": "converted",
        "cases": [["s", "c", "TestX", 0.1, "passed", "", "", None, None]],
        **kw,
    }


# ------------------------------------------------------------------ artifact


def test_artifact_round_trip() -> None:
    data = pack(meta(), b"$ go test\nok\n")
    m, log, report = unpack(data, KEY)
    assert m["task"] == "go test m" and log == b"$ go test\nok\n" and report is None


@pytest.mark.parametrize("report", [b'{"Action":"pass"}\n\n\x00\xff', b""])
def test_the_raw_report_round_trips_byte_for_byte(report: bytes) -> None:
    data = pack(meta(report={"size": len(report), "stored": True}), b"log\n", report)
    m, log, got = unpack(data, KEY)
    assert (log, got, m["log_size"]) == (b"log\n", report, 4)


def test_a_report_left_out_for_its_size_unpacks_without_one() -> None:
    m, log, got = unpack(pack(meta(report={"size": 9 << 20, "stored": False}), b"log"), KEY)
    assert (log, got, m["report"]["size"]) == (b"log", None, 9 << 20)


def test_an_older_format_is_rejected_by_name() -> None:
    old = as_format_1(pack(meta(report={"size": 3, "stored": True}), b"log", b"rep"))
    assert old.startswith(b"ameide-task-result 1\n")
    with pytest.raises(CorruptArtifact, match="artifact format 1, this ameide reads 2"):
        unpack(old, KEY)


@pytest.mark.fault
@pytest.mark.parametrize(
    ("head", "body", "why"),
    [
        ({"log_size": 9}, b"log", "bad log size"),  # longer than the payload
        ({"log_size": -1}, b"log", "bad log size"),
        ({"log_size": "3"}, b"log", "bad log size"),
        ({"log_size": 3}, b"logREPORT", "bad report size"),  # trailing bytes, no report
        ({"log_size": 3, "report": {"size": 5, "stored": True}}, b"logREPORT", "report size"),
        ({"log_size": 3, "report": {"size": 6, "stored": False}}, b"logREPORT", "report size"),
        ({"log_size": 3, "report": {"size": "6", "stored": True}}, b"logREPORT", "report rec"),
        ({"log_size": 3, "report": [6, True]}, b"logREPORT", "bad report record"),
        ({"format": 1, "log_size": 3}, b"log", "another key"),
    ],
)
def test_inconsistent_metadata_is_rejected(head: dict[str, object], body: bytes, why: str) -> None:
    with pytest.raises(CorruptArtifact, match=why):
        unpack(seal({**meta(), **head}, body), KEY)


@pytest.mark.fault
@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (lambda d: d[: len(d) // 2], "content hash mismatch"),  # half-written
        (lambda d: d[:-1] + bytes([d[-1] ^ 1]), "content hash mismatch"),  # a flipped bit
        (lambda d: b"garbage" + d, "bad header"),
        (lambda d: b"", "bad header"),
    ],
)
def test_damaged_artifacts_are_rejected(damage: object, why: str) -> None:
    data = damage(pack(meta(), b"log"))  # type: ignore[operator]
    with pytest.raises(CorruptArtifact, match=why):
        unpack(data, KEY)


@pytest.mark.fault
def test_an_artifact_under_another_key_or_not_passed_is_rejected() -> None:
    with pytest.raises(CorruptArtifact, match="another key"):
        unpack(pack(meta(), b""), "cd" + "0" * 62)
    with pytest.raises(CorruptArtifact, match="not a successful"):
        unpack(pack(meta(status="failed"), b""), KEY)
    bad = meta()
    del bad["cases"]
    with pytest.raises(CorruptArtifact, match="incomplete"):
        unpack(pack(bad, b""), KEY)
    with pytest.raises(CorruptArtifact, match="incomplete"):
        unpack(seal(meta(), b""), KEY)  # no log_size


# ------------------------------------------------------------------ store


@pytest.mark.fault
def test_put_get_is_atomic_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    s = LocalStore(str(tmp_path), 10_000)
    assert s.get(KEY) is None
    assert s.put(KEY, b"data")
    assert s.get(KEY) == b"data"
    assert os.listdir(os.path.dirname(s.path(KEY))) == [KEY]
    assert s.path(KEY) == str(tmp_path / "tasks" / "v1" / "ab" / KEY)


@pytest.mark.fault
def test_a_read_only_store_only_costs_speed(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    s = LocalStore(str(blocker), 10_000)
    assert s.put(KEY, b"x") is False and s.get(KEY) is None


def test_prune_removes_least_recently_used_first(tmp_path: Path) -> None:
    s = LocalStore(str(tmp_path), 1000)
    keys = [f"{i:02x}" + "0" * 62 for i in range(6)]
    now = time.time()
    for n, k in enumerate(keys):
        s.put(k, b"x" * 300)
        os.utime(s.path(k), (now - 100 + n, now - 100 + n))
    s.get(keys[0])  # a hit refreshes the oldest
    removed, freed = s.prune()
    # 1800 bytes > 1000: down to <= 800 -> the four least recently used go, the hit stays
    assert (removed, freed) == (4, 1200)
    assert sorted(k for k in keys if s.get(k) is not None) == [keys[0], keys[5]]
    assert s.prune() == (0, 0)  # under the limit: nothing to do


def test_prune_skips_while_another_process_prunes(tmp_path: Path) -> None:
    s = LocalStore(str(tmp_path), 10)
    s.put(KEY, b"x" * 100)
    lock = s._try_lock()
    assert lock is not None
    try:
        assert s.prune() == (0, 0)  # does not wait, does not delete
    finally:
        os.close(lock)
    assert s.prune() == (1, 100)


def test_stale_temporary_files_of_crashed_writers_are_swept(tmp_path: Path) -> None:
    s = LocalStore(str(tmp_path), 10)
    s.put(KEY, b"x" * 100)
    tmp = Path(s.path(KEY)).parent / ".tmp-1-dead-ab00"
    tmp.write_bytes(b"half")
    os.utime(tmp, (time.time() - 7200, time.time() - 7200))
    s.prune()
    assert not tmp.exists()
    assert s.usage().entries == 0


def test_usage_and_clean(tmp_path: Path) -> None:
    s = LocalStore(str(tmp_path), 10_000)
    for i in range(3):
        s.put(f"{i:02x}" + "1" * 62, b"y" * 10)
    u = s.usage()
    assert (u.entries, u.bytes) == (3, 30) and u.oldest is not None
    assert s.clean() == (3, 30)
    assert s.usage().entries == 0


_HAMMER = r"""
import sys, os
sys.path.insert(0, sys.argv[3])
from ameide.cache.artifact import FORMAT, pack, unpack, CorruptArtifact
from ameide.cache.store import LocalStore
s = LocalStore(sys.argv[1], 1 << 20)
me = int(sys.argv[2])
keys = [f"{i:02x}" + "e" * 62 for i in range(8)]
bad = 0
for n in range(300):
    k = keys[(n * 7 + me) % len(keys)]
    if n % 2 == me % 2:
        meta = {"format": FORMAT, "key": k, "task": "t", "status": "passed", "duration": 0.1,
                "junit_source": "synthetic", "cases": []}
        s.put(k, pack(meta, os.urandom(2000 + 97 * me)))
    else:
        data = s.get(k)
        if data is not None:
            try:
                unpack(data, k)
            except CorruptArtifact:
                bad += 1
    if n % 50 == 0:
        s.prune(20_000)
print(bad)
"""


@pytest.mark.fault
def test_concurrent_writers_readers_and_pruners_never_see_a_torn_entry(tmp_path: Path) -> None:
    src = str(Path(__file__).resolve().parents[2] / "src")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _HAMMER, str(tmp_path), str(i), src],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    outs = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0]
    assert outs == ["0", "0", "0", "0"]
    s = LocalStore(str(tmp_path), 1 << 20)
    for k in (f"{i:02x}" + "e" * 62 for i in range(8)):
        data = s.get(k)
        if data is not None:
            unpack(data, k)  # every surviving entry is whole
