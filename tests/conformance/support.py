"""Building a fixture's two commits, and loading the conformance harness of bench/."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from tests.conformance.fixtures import Fixture
from tests.conftest import git, write_files

HARNESS = Path(__file__).resolve().parents[2] / "bench" / "conformance"


def build(fx: Fixture, repo: Path, *, native: bool) -> tuple[Path, str, str]:
    """The fixture as a git repository: the base tree committed on `main`, the change
    committed on the branch `change` (checked out). Returns (repo, base sha, head sha).
    With `native`, the setup steps the native tools need (e.g. `uv lock`) run first."""
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    write_files(repo, dict(fx.base))
    if native:
        for step in fx.native_setup:
            subprocess.run(step.split(), cwd=repo, check=True, capture_output=True, env=_tool_env())
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "change")
    for path, content in fx.change.items():
        if content is None:
            (repo / path).unlink()
        else:
            write_files(repo, {path: content})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change")
    return repo, base, git(repo, "rev-parse", "HEAD")


def _tool_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    return env


def harness() -> ModuleType:
    """bench/conformance/harness.py, imported (it puts its own directory on sys.path)."""
    if str(HARNESS) not in sys.path:
        sys.path.insert(0, str(HARNESS))
    return importlib.import_module("harness")
