"""When installs run (issue 12, "also seen"): a member's manifest changes what the lockfile
must cover, so `pnpm install --frozen-lockfile` runs (and fails early, in phase 0, with
ERR_PNPM_OUTDATED_LOCKFILE when the lockfile was not updated) instead of being skipped until
a later step fails; likewise `uv sync` for a member's pyproject.toml."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import MakeRepo, git, write_files

pytestmark = pytest.mark.fault

RunCli = Callable[[list[str], Path], tuple[int, str, str]]
FAKE = """#!/bin/sh
echo "$(basename "$0") $*" >> "$FAKE_CALLS"
case "$1" in
--version) echo {v} ;;
install) mkdir -p node_modules ;;
sync) mkdir -p .venv ;;
esac
"""
PNPM: dict[str, str | bytes] = {
    "package.json": '{"name": "root", "private": true, "packageManager": "pnpm@12.4.2"}\n',
    "pnpm-workspace.yaml": "packages:\n  - packages/*\n",
    "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
    "packages/x/package.json": '{"name": "x", "scripts": {"test": "node --test"}}\n',
    "packages/x/index.js": "export const x = 1;\n",
    "packages/y/package.json": '{"name": "y", "scripts": {"test": "node --test"}}\n',
    "packages/y/index.js": "export const y = 1;\n",
}
UV: dict[str, str | bytes] = {
    "pyproject.toml": '[project]\nname = "root"\nversion = "0"\n\n'
    '[tool.uv.workspace]\nmembers = ["libs/*"]\n',
    "uv.lock": "version = 1\n",
    "libs/a/pyproject.toml": '[project]\nname = "a"\nversion = "0"\n',
    "libs/a/src/a/__init__.py": "",
    "libs/b/pyproject.toml": '[project]\nname = "b"\nversion = "0"\n',
    "libs/b/src/b/__init__.py": "",
}


@pytest.fixture
def calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool, v in {"node": "v22.11.0", "pnpm": "12.4.2", "uv": "uv 0.9.26"}.items():
        (bin_dir / tool).write_text(FAKE.replace("{v}", v))
        (bin_dir / tool).chmod(0o755)
    log = tmp_path / "calls.log"
    log.write_text("")
    monkeypatch.setenv("FAKE_CALLS", str(log))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("CI", "1")
    monkeypatch.setenv("AMEIDE_CACHE", "0")
    return log


def installs(calls: Path, verb: str) -> int:
    return sum(1 for ln in calls.read_text().splitlines() if ln.split()[1:2] == [verb])


@pytest.mark.parametrize(
    ("files", "verb", "member", "source"),
    [
        (PNPM, "install", "packages/y/package.json", "packages/x/index.js"),
        (UV, "sync", "libs/b/pyproject.toml", "libs/a/src/a/__init__.py"),
    ],
    ids=["pnpm", "uv"],
)
def test_a_member_manifest_change_runs_the_install(
    run_cli: RunCli,
    make_repo: MakeRepo,
    calls: Path,
    files: dict[str, str | bytes],
    verb: str,
    member: str,
    source: str,
) -> None:
    repo = make_repo(files)
    git(repo, "checkout", "-q", "-b", "feature")
    write_files(repo, {source: "# touched\n"})
    assert run_cli(["test"], repo)[0] == 0
    assert installs(calls, verb) == 1
    assert run_cli(["test"], repo)[0] == 0
    assert installs(calls, verb) == 1  # nothing the lockfile covers changed: skipped
    # another member's manifest changes, the lockfile does not
    with open(repo / member, "a", encoding="utf-8") as fh:
        fh.write("\n")
    code, out, err = run_cli(["test"], repo)
    assert code == 0, out + err
    assert installs(calls, verb) == 2, calls.read_text()
