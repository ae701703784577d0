"""A fake `go` for evidence tests (no toolchain needed): `go vet` passes; `go test -json` passes
every package except one whose directory holds a file named FAIL, which fails with output a
page must not trust: markup, entities, quotes, and the value of `$ACME_DEPLOY_TOKEN`."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.conftest import git, write_files

FAKE_GO = r"""#!/bin/sh
case "$1" in
version) echo "go version go1.25.5 linux/amd64"; exit 0 ;;
vet) echo "vet: ok"; exit 0 ;;
test) ;;
*) echo "fake go: unsupported: $*" >&2; exit 2 ;;
esac
shift
mod=$(sed -n 's/^module //p' go.mod)
rc=0
for p in "$@"; do
  case "$p" in -*) continue ;; esac
  d=${p#"$mod"}; d=${d#/}; [ -n "$d" ] || d=.
  printf '{"Action":"run","Package":"%s","Test":"TestX"}\n' "$p"
  if [ -e "$d/testdata/FAIL" ]; then
    printf '{"Action":"output","Package":"%s","Test":"TestX","Output":' "$p"
    printf '"    x_test.go:3: got <script>alert(1)</script> \\u0026amp; \\"q\\" token=%s\\n"}\n' \
      "$ACME_DEPLOY_TOKEN"
    i=0
    while [ $i -lt "${FAKE_GO_LINES:-3}" ]; do
      printf '{"Action":"output","Package":"%s","Test":"TestX",' "$p"
      printf '"Output":"    x_test.go:4: detail line %s of a long failure\\n"}\n' "$i"
      i=$((i + 1))
    done
    printf '{"Action":"fail","Package":"%s","Test":"TestX","Elapsed":0.01}\n' "$p"
    printf '{"Action":"fail","Package":"%s","Elapsed":0.02}\n' "$p"
    rc=1
  else
    printf '{"Action":"output","Package":"%s","Test":"TestX","Output":"ok\\n"}\n' "$p"
    printf '{"Action":"pass","Package":"%s","Test":"TestX","Elapsed":0.01}\n' "$p"
    printf '{"Action":"pass","Package":"%s","Elapsed":0.02}\n' "$p"
  fi
done
exit $rc
"""

SENTINEL = "ameide-sentinel-token-7f3a9c21e5"


def install_fake_go(bin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir.mkdir(exist_ok=True)
    go = bin_dir / "go"
    go.write_text(FAKE_GO)
    go.chmod(go.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("CI", "1")  # plain output
    # a credential of the project's own that tasks may see (not ameide's, not a well-known
    # name taskenv.DENY keeps from them), which a test might print
    monkeypatch.setenv("ACME_DEPLOY_TOKEN", SENTINEL)


def go_module(name: str) -> dict[str, str | bytes]:
    """One Go module with one package and its test."""
    return {
        "go.mod": f"module {name}\n\ngo 1.22\n",
        "x.go": "package x\n\nfunc X() int { return 1 }\n",
        "x_test.go": 'package x\n\nimport "testing"\n\nfunc TestX(t *testing.T) {}\n',
    }


def two_package_repo(root: Path) -> Path:
    """A module with packages a (fails once FAIL is added) and b (depends on a), committed on
    main and changed on branch `feature`."""
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write_files(
        root,
        {
            "go.mod": "module example.com/m\n\ngo 1.22\n",
            "a/a.go": "package a\n\nfunc A() int { return 1 }\n",
            "a/a_test.go": 'package a\n\nimport "testing"\n\nfunc TestX(t *testing.T) {}\n',
            "b/b.go": 'package b\n\nimport "example.com/m/a"\n\nfunc B() int { return a.A() }\n',
            "b/b_test.go": 'package b\n\nimport "testing"\n\nfunc TestX(t *testing.T) {}\n',
        },
    )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial")
    git(root, "checkout", "-q", "-b", "feature")
    return root


def failing_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fake go installed, and two_package_repo with a changed `a` whose test fails."""
    install_fake_go(tmp_path / "fakebin", monkeypatch)
    repo = two_package_repo(tmp_path / "repo")
    write_files(repo, {"a/a.go": "package a\n\nfunc A() int { return 2 }\n", "a/testdata/FAIL": ""})
    return repo
