"""Agent tests: the agents' own homes and ameide's profile knobs isolated per test, and a
builder for the canonical workspace layout `<tmp>/workspaces/<profile>/{AGENTS.md,repo/}`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import git, write_files

AGENT_VARS = (
    "CODEX_HOME",
    "CLAUDE_CONFIG_DIR",
    "AMEIDE_WORKSPACES_ROOT",
    "AMEIDE_PROFILES_PATH",
    "AMEIDE_SRE_ALLOW_PR",
)


@pytest.fixture(autouse=True)
def isolate_agents(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in AGENT_VARS:
        monkeypatch.delenv(var, raising=False)
    # never let the machine's real /workspaces decide a profile
    monkeypatch.setenv("AMEIDE_WORKSPACES_ROOT", str(tmp_path / "no-workspaces"))


MakeWorkspace = Callable[..., Path]


@pytest.fixture
def make_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MakeWorkspace:
    """`make_workspace("code", {"AGENTS.md": ..., "repo/x": ...})` -> the workspace dir
    `<tmp>/workspaces/code`, with `repo/` a git repository (committed) and
    AMEIDE_WORKSPACES_ROOT pointing at `<tmp>/workspaces`."""

    def _make(profile: str, files: dict[str, str | bytes], *, commit: bool = True) -> Path:
        ws = tmp_path / "workspaces" / profile
        repo = ws / "repo"
        repo.mkdir(parents=True)
        git(repo, "init", "-q", "-b", "main")
        write_files(ws, files)
        if commit:
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "-m", "initial", "--allow-empty")
        monkeypatch.setenv("AMEIDE_WORKSPACES_ROOT", str(tmp_path / "workspaces"))
        return ws

    return _make
