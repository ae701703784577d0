"""`ameide agents show`: the human and JSON renderings, and the hot path staying light."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from pytest import MonkeyPatch

from tests.agents.conftest import MakeWorkspace
from tests.conftest import MakeRepo, git, write_files

RunCli = Callable[..., tuple[int, str, str]]


def test_show_human_output(
    run_cli: RunCli, make_workspace: MakeWorkspace, tmp_path: Path, monkeypatch: MonkeyPatch
) -> None:
    ws = make_workspace(
        "code",
        {"AGENTS.md": "# profile\n", "repo/AGENTS.md": "# repo\n@docs/more.md\n"},
    )
    repo = ws / "repo"
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "codex"))
    code, out, err = run_cli(["agents", "show", "--agent", "codex"], repo)
    assert code == 0, err
    sha = hashlib.sha256(b"# repo\n@docs/more.md\n").hexdigest()[:12]
    prof = hashlib.sha256(b"# profile\n").hexdigest()[:12]
    assert out.splitlines() == [
        f"profile: code (workspace: workspace layout {ws})",
        "",
        f"Codex: instruction stack from {repo}",
        f"  project root: {repo}; project_doc_max_bytes 32768; CODEX_HOME {tmp_path}/codex",
        "  version: not found on PATH; modelled on Codex CLI as of openai/codex main "
        "(agents_md.rs@0cf644af, config loader@12883137, hooks@0082977c)",
        f"  - {ws}/AGENTS.md",
        f"      above-root: 10 bytes, sha256 {prof}; above the project root {repo}: Codex "
        "never looks above it",
        f"  + {repo}/AGENTS.md",
        f"      loaded: 21 bytes, sha256 {sha}; project root: AGENTS.md",
        "  skills: none",
        "  stop gate: not installed (ameide agents install)",
        f"  ! {repo}/AGENTS.md:2: @docs/more.md is not expanded: Codex does not read @ includes "
        "(inline the text or use a nested AGENTS.md)",
        f"  ! the code profile's instructions ({ws}/AGENTS.md) do not reach Codex in full from "
        f"here (above the project root {repo}: Codex never looks above it); run `ameide agents "
        "install`",
        f"  merged text: 21 bytes, sha256 {sha}",
        "  | # repo",
        "  | @docs/more.md",
    ]
    _, out, _ = run_cli(["agents", "show", "--agent", "codex", "--no-text"], repo)
    assert out.splitlines()[-1] == f"  merged text: 21 bytes, sha256 {sha}"


def test_show_json_for_both_agents(run_cli: RunCli, make_repo: MakeRepo) -> None:
    repo = make_repo({"CLAUDE.md": "# claude\n@AGENTS.md\n", "AGENTS.md": "# shared\n"})
    code, out, _ = run_cli(["agents", "show", "--json"], repo)
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == 1 and doc["profile"]["name"] == "code"
    codex, claude = doc["stacks"]
    assert [(f["path"], f["status"], f["loaded"]) for f in codex["files"]] == [
        (f"{repo}/AGENTS.md", "loaded", True)
    ]
    assert codex["merged"] == {
        "bytes": 9,
        "sha256": hashlib.sha256(b"# shared\n").hexdigest(),
        "text": "# shared\n",
    }
    assert [(f["path"], f["status"], f["depth"]) for f in claude["files"]] == [
        (f"{repo}/CLAUDE.md", "loaded", 0),
        (f"{repo}/AGENTS.md", "loaded", 1),
        (f"{repo}/AGENTS.md", "duplicate", 0),
    ]
    assert claude["merged"]["text"] == (
        f"Contents of {repo}/CLAUDE.md (project instructions, checked into the codebase):\n\n"
        "# claude\n@AGENTS.md\n\n"
        f"Contents of {repo}/AGENTS.md (project instructions, checked into the codebase):\n\n"
        "# shared"
    )
    assert claude["settings"]["agents_md_mode"] == "unknown"
    assert claude["settings"]["version"] is None


def test_a_cached_profile_keeps_pydantic_off_the_test_hot_path(make_repo: MakeRepo) -> None:
    repo = make_repo({"README.md": "hi\n"})
    git(repo, "checkout", "-q", "-b", "feature")
    write_files(repo, {"docs/a.md": "a\n"})
    probe = (
        "import sys; from ameide.cli import main; code = main(['test']); "
        "print(code, 'pydantic' in sys.modules)"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", probe], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.splitlines()[-1]
        for _ in range(2)
    ]
    assert runs[1] == "0 False"  # the first run validated and cached the profile
