"""Oversized and damaged cache data (issue 12, item 10) and data safety: an entry bigger than
any artifact can be is never read into memory, a decompression bomb is cut off, a damaged
entry is a miss that the run rewrites, and ameide deletes nothing it did not write."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from ameide.cache.artifact import MAGIC, MAX_ARTIFACT, CorruptArtifact, unpack
from tests.cache.conftest import FakeGo, MakeGoRepo
from tests.conftest import ROOT, git, load_summary, write_files

pytestmark = pytest.mark.fault

RunCli = Callable[[list[str], Path], tuple[int, str, str]]
KEY = "cd" * 32
CHANGE = {"b/b.go": "package b\n\nfunc B() int { return 2 }\n"}

LOOKUP = """
import json, sys
sys.path.insert(0, {src!r})
def peak():  # this process's own high-water mark (ru_maxrss counts the forked parent's)
    return int(next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM")))
from ameide.cache.session import CacheSession
from ameide.cache.settings import CacheSettings
from ameide.cache.store import LocalStore
s = CacheSettings(True, "", {dir!r}, 1 << 40, frozenset(), (), None, "")
session = CacheSession(s, {{"t": {key!r}}}, LocalStore({dir!r}, 1 << 40))
found = session._local({key!r})
print(json.dumps({{"found": found is not None, "damaged": session.damaged,
                  "peak_kib": peak()}}))
"""


def lookup(cache_dir: Path) -> dict[str, object]:
    code = LOOKUP.format(src=str(ROOT / "src"), dir=str(cache_dir), key=KEY)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, check=True, timeout=120
    ).stdout
    doc: dict[str, object] = json.loads(out)
    return doc


def entry(cache_dir: Path) -> Path:
    p = cache_dir / "tasks" / "v1" / KEY[:2] / KEY
    p.parent.mkdir(parents=True, exist_ok=True)
    return p


def test_an_oversized_local_entry_is_dropped_unread(tmp_path: Path) -> None:
    """A 1.5 GB damaged entry peaked at 3 GB of memory: now it is never read."""
    p = entry(tmp_path)
    with open(p, "wb") as fh:  # sparse: costs no disk
        fh.write(MAGIC + b"0" * 64 + b"\n")
        fh.truncate(1536 * 1024 * 1024)
    doc = lookup(tmp_path)
    assert doc == {"found": False, "damaged": 1, "peak_kib": doc["peak_kib"]}
    assert int(str(doc["peak_kib"])) < 100 * 1024, doc
    assert not p.exists()  # deleted: the next success rewrites it


def bomb(size: int) -> bytes:
    """A valid artifact envelope (digest right) around a payload that inflates to `size`."""
    z = zlib.compressobj(9)
    head = json.dumps({"key": KEY}).encode() + b"\n"
    payload = z.compress(head)
    chunk = b"\0" * (1 << 20)
    for _ in range(size >> 20):
        payload += z.compress(chunk)
    payload += z.flush()
    return MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload


def test_a_decompression_bomb_is_cut_off(tmp_path: Path) -> None:
    data = bomb(1 << 30)  # 1 GiB of zeros in ~1 MiB
    assert len(data) < MAX_ARTIFACT
    with pytest.raises(CorruptArtifact, match="payload larger than 64 MiB"):
        unpack(data, KEY)
    entry(tmp_path).write_bytes(data)
    doc = lookup(tmp_path)
    assert doc["found"] is False and doc["damaged"] == 1
    assert int(str(doc["peak_kib"])) < 200 * 1024, doc


@pytest.mark.parametrize("damage", ["empty", "garbage", "truncated", "oversized"])
def test_a_damaged_entry_in_a_run_is_a_miss_that_gets_rewritten(
    run_cli: RunCli,
    fake_go: FakeGo,
    go_repo: MakeGoRepo,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    damage: str,
) -> None:
    cache_dir = tmp_path / "cache"
    monkeypatch.setenv("AMEIDE_CACHE_DIR", str(cache_dir))
    repo = go_repo()
    write_files(repo, CHANGE)
    assert run_cli(["test"], repo)[0] == 0
    entries = sorted((cache_dir / "tasks" / "v1").glob("*/*"))
    assert entries
    for p in entries:
        good = p.read_bytes()
        if damage == "empty":
            p.write_bytes(b"")
        elif damage == "garbage":
            p.write_bytes(b"\x00\xff" * 1000)
        elif damage == "truncated":
            p.write_bytes(good[: len(good) // 2])
        else:
            with open(p, "ab") as fh:
                fh.truncate(MAX_ARTIFACT + 1)
    code, out, err = run_cli(["test"], repo)
    assert code == 0, out + err
    doc = load_summary(repo)
    assert doc["cache"]["damaged"] == len(entries) and doc["cache"]["hits"] == 0
    for p in entries:  # rewritten by the runs that followed
        unpack(p.read_bytes(), p.name)


def test_ameide_deletes_nothing_it_did_not_write(
    run_cli: RunCli,
    fake_go: FakeGo,
    go_repo: MakeGoRepo,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """`cache clean` with the cache pointed at a directory holding other files, and runs in a
    work tree with untracked and ignored files: only ameide's own entries go."""
    cache_dir = tmp_path / "shared"
    (cache_dir / "tasks").mkdir(parents=True)
    (cache_dir / "notes.txt").write_text("mine\n")
    (cache_dir / "tasks" / "other.bin").write_bytes(b"mine too")
    monkeypatch.setenv("AMEIDE_CACHE_DIR", str(cache_dir))
    repo = go_repo({".gitignore": "*.local\n"})
    write_files(repo, {**CHANGE, "scratch.txt": "untracked\n", "env.local": "ignored\n"})
    before = git(repo, "status", "--porcelain")
    assert run_cli(["test"], repo)[0] == 0
    assert run_cli(["cache", "clean"], repo)[0] == 0
    assert (cache_dir / "notes.txt").read_text() == "mine\n"
    assert (cache_dir / "tasks" / "other.bin").read_bytes() == b"mine too"
    assert not list((cache_dir / "tasks" / "v1").glob("*/*"))
    after = git(repo, "status", "--porcelain")
    assert after == before  # the evidence is ignored by its own .gitignore
    assert (repo / "scratch.txt").read_text() == "untracked\n"
    assert (repo / "env.local").read_text() == "ignored\n"
