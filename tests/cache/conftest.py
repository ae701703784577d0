"""Cache tests: a fake `go` (no toolchain needed) that records every call, and small repos.

The fake answers `go version` with the pinned version, passes `go vet`, and for
`go test -json` prints one passing test event per package it is given (or a failing one when
a package directory holds a file named FAIL). Every call is appended to `calls.log`, so a test
can tell a replayed result from a run."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ameide.cache.artifact import MAGIC
from tests.conftest import git, write_files

FAKE_GO = r"""#!/bin/sh
echo "$*" >> "$FAKE_GO_CALLS"
case "$1" in
version) echo "go version go${FAKE_GO_VERSION:-1.25.5} linux/amd64"; exit 0 ;;
vet) echo "vet: ok"; exit 0 ;;
test)
  shift
  rc=0
  for p in "$@"; do
    case "$p" in -*) continue ;; esac
    d=$(echo "$p" | sed 's|^example.com/m/||')
    if [ -e "$d/FAIL" ]; then
      printf '{"Action":"run","Package":"%s","Test":"TestX"}\n' "$p"
      printf '{"Action":"output","Package":"%s","Test":"TestX",' "$p"
      printf '"Output":"    x_test.go:3: boom\\n"}\n'
      printf '{"Action":"fail","Package":"%s","Test":"TestX","Elapsed":0.01}\n' "$p"
      printf '{"Action":"fail","Package":"%s","Elapsed":0.02}\n' "$p"
      rc=1
    else
      printf '{"Action":"run","Package":"%s","Test":"TestX"}\n' "$p"
      printf '{"Action":"output","Package":"%s","Test":"TestX","Output":"ok\\n"}\n' "$p"
      printf '{"Action":"pass","Package":"%s","Test":"TestX","Elapsed":0.01}\n' "$p"
      printf '{"Action":"pass","Package":"%s","Elapsed":0.02}\n' "$p"
    fi
  done
  exit $rc ;;
esac
echo "fake go: unsupported: $*" >&2
exit 2
"""

GO_REPO: dict[str, str | bytes] = {
    "go.mod": "module example.com/m\n\ngo 1.22\n",
    "a/a.go": "package a\n\nfunc A() int { return 1 }\n",
    "a/a_test.go": 'package a\n\nimport "testing"\n\nfunc TestX(t *testing.T) {}\n',
    "b/b.go": 'package b\n\nimport "example.com/m/a"\n\nfunc B() int { return a.A() }\n',
    "b/b_test.go": 'package b\n\nimport "testing"\n\nfunc TestX(t *testing.T) {}\n',
    "c/c.go": "package c\n\nfunc C() int { return 3 }\n",
    "c/c_test.go": 'package c\n\nimport "testing"\n\nfunc TestX(t *testing.T) {}\n',
    "README.md": "a repo\n",
}


class FakeGo:
    def __init__(self, bin_dir: Path, calls: Path) -> None:
        self.bin_dir = bin_dir
        self.calls_file = calls

    def calls(self, verb: str | None = None) -> list[str]:
        if not self.calls_file.exists():
            return []
        lines = self.calls_file.read_text().splitlines()
        return [ln for ln in lines if verb is None or ln.split(" ")[0] == verb]


@pytest.fixture
def fake_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeGo:
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    go = bin_dir / "go"
    go.write_text(FAKE_GO)
    go.chmod(go.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    calls = tmp_path / "calls.log"
    monkeypatch.setenv("FAKE_GO_CALLS", str(calls))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("CI", "1")  # plain output
    return FakeGo(bin_dir, calls)


MakeGoRepo = Callable[..., Path]


@pytest.fixture
def go_repo(tmp_path: Path) -> MakeGoRepo:
    """A committed Go module repo on `main`, checked out on branch `feature`."""
    counter = iter(range(100))

    def _make(extra: dict[str, str | bytes] | None = None, name: str | None = None) -> Path:
        repo = tmp_path / (name or f"gorepo{next(counter)}")
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        write_files(repo, {**GO_REPO, **(extra or {})})
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "initial")
        git(repo, "checkout", "-q", "-b", "feature")
        return repo

    return _make


def seal(meta: dict[str, Any], body: bytes, magic: bytes = MAGIC) -> bytes:
    """An artifact with a valid digest around any metadata and body (pack() checks nothing
    and fills in `log_size`; this writes exactly what it is given)."""
    payload = zlib.compress(json.dumps(meta).encode() + b"\n" + body)
    return magic + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload


def as_format_1(data: bytes) -> bytes:
    """The same result as the previous ameide wrote it: format 1, no raw report, no
    `log_size` (what a store or remote shared with an older ameide holds)."""
    raw = zlib.decompress(data[len(MAGIC) + 65 :])
    head, _, body = raw.partition(b"\n")
    meta = json.loads(head)
    log = body[: meta.pop("log_size")]
    meta.pop("report", None)
    meta["format"] = 1
    return seal(meta, log, b"ameide-task-result 1\n")


def reports(run_dir: Path) -> dict[str, bytes]:
    """Every raw report of a run (`phaseN/reports/<task>.<ext>`) and its bytes."""
    return {
        str(p.relative_to(run_dir)): p.read_bytes()
        for p in sorted(run_dir.glob("phase*/reports/*"))
    }
