"""`ameide branch start` on real git with a bare repository as `origin`: what it creates,
what it refuses (and that a refusal changes nothing), idempotence, prefixes."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import git
from tests.workflows.test_pr import _commit

RunCli = Callable[..., tuple[int, str, str]]


def _state(repo: Path) -> tuple[str, str, str]:
    """What a refusal must not change: the branches, HEAD, the work tree."""
    return (
        git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads"),
        git(repo, "symbolic-ref", "-q", "HEAD")
        if _attached(repo)
        else git(repo, "rev-parse", "HEAD"),
        git(repo, "status", "--porcelain"),
    )


def _attached(repo: Path) -> bool:
    return (
        subprocess.run(["git", "symbolic-ref", "-q", "HEAD"], cwd=repo, check=False).returncode == 0
    )


def test_start_fetches_the_default_branch_and_switches(
    run_cli: RunCli, remote_repo: tuple[Path, Path], tmp_path: Path
) -> None:
    repo, bare = remote_repo
    # the remote moved on since this clone last fetched: the branch starts from the new tip
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(bare), str(other))
    tip = _commit(other, {"NEWS.md": "news\n"}, "news")
    git(other, "push", "-q", "origin", "main")
    code, out, err = run_cli(["branch", "start", "Fix: login (500s!)", "--json"], repo)
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "schema": 1,
        "action": "created",
        "branch": "codex/fix-login-500s",
        "base": "main",
        "remote": "origin",
        "base_commit": tip,
        "head": tip,
        "ahead": 0,
        "behind": 0,
        "prefix": "codex/",
        "prefix_source": "profile code ([pr] branch_prefix)",
        "profile": "code",
    }
    assert git(repo, "symbolic-ref", "--short", "HEAD") == "codex/fix-login-500s"
    assert git(repo, "rev-parse", "HEAD") == tip
    # no upstream yet (pr open sets it when it pushes), nothing pushed
    r = subprocess.run(
        ["git", "rev-parse", "--abbrev-ref", "@{upstream}"], cwd=repo, capture_output=True
    )
    assert r.returncode != 0
    assert "codex/fix-login-500s" not in git(bare, "branch")


def test_running_it_again_on_that_branch_is_a_no_op(
    run_cli: RunCli, remote_repo: tuple[Path, Path]
) -> None:
    repo = remote_repo[0]
    assert run_cli(["branch", "start", "docs"], repo)[0] == 0
    _commit(repo, {"docs/a.md": "a\n"})
    (repo / "wip.txt").write_text("work in progress")  # dirty is fine: nothing changes
    before = _state(repo)
    code, out, _ = run_cli(["branch", "start", "docs"], repo)
    assert code == 0
    assert (
        out == "already on codex/docs (from origin/main; 1 commit ahead, 0 behind): nothing to do\n"
    )
    code, _, err = run_cli(["branch", "start", "docs", "--base", "release"], repo)
    assert code == 2
    assert err.startswith(
        "ameide: error: already on codex/docs, which was started from main, not release\n"
    )
    assert _state(repo) == before


def test_base_option_and_prefixes(
    run_cli: RunCli, remote_repo: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = remote_repo[0]
    git(repo, "push", "-q", "origin", "main:release-1")
    code, out, _ = run_cli(["branch", "start", "hotfix", "--base", "release-1", "--json"], repo)
    assert code == 0
    doc = json.loads(out)
    assert (doc["branch"], doc["base"]) == ("codex/hotfix", "release-1")
    assert git(repo, "config", "branch.codex/hotfix.ameide-base") == "release-1"
    git(repo, "switch", "-q", "main")
    monkeypatch.setenv("AMEIDE_BRANCH_PREFIX", "alice/")
    code, out, _ = run_cli(["branch", "start", "tidy", "--json"], repo)
    assert code == 0 and json.loads(out)["branch"] == "alice/tidy"
    assert json.loads(out)["prefix_source"] == "AMEIDE_BRANCH_PREFIX"
    git(repo, "switch", "-q", "main")
    code, out, _ = run_cli(["branch", "start", "tidy", "--prefix", "", "--json"], repo)
    assert code == 0 and json.loads(out)["branch"] == "tidy"
    git(repo, "switch", "-q", "main")
    monkeypatch.delenv("AMEIDE_BRANCH_PREFIX")
    monkeypatch.setenv("AMEIDE_AGENT_PROFILE", "gitops")
    code, out, _ = run_cli(["branch", "start", "codex/gitops-bump", "--json"], repo)
    assert code == 0 and json.loads(out)["branch"] == "codex/gitops-bump"  # not doubled


@pytest.mark.parametrize(
    "case",
    ["dirty", "untracked", "exists", "exists-remote", "detached", "no-remote", "bad-base", "topic"],
)
def test_refusals_change_nothing(
    run_cli: RunCli, remote_repo: tuple[Path, Path], case: str
) -> None:
    repo = remote_repo[0]
    argv = ["branch", "start", "feature"]
    code_want = 2
    if case == "dirty":
        (repo / "README.md").write_text("edited\n")
        want = (
            "ameide: error: the work tree has uncommitted changes (README.md): branch start "
            "would carry them onto codex/feature\n"
            "  hint: commit them (git add -A && git commit), or stash them (git stash -u), "
            "then rerun\n"
        )
    elif case == "untracked":
        (repo / "notes.txt").write_text("x")
        want = "ameide: error: the work tree has uncommitted changes (notes.txt)"
    elif case == "exists":
        git(repo, "branch", "codex/feature")
        want = (
            "ameide: error: branch codex/feature already exists\n"
            "  hint: continue it (git switch codex/feature), or choose another topic\n"
        )
    elif case == "exists-remote":
        git(repo, "push", "-q", "origin", "main:codex/feature")
        want = "ameide: error: branch codex/feature already exists on origin\n"
    elif case == "detached":
        git(repo, "checkout", "-q", "--detach")
        want = "ameide: error: HEAD is detached ("
    elif case == "no-remote":
        git(repo, "remote", "remove", "origin")
        code_want = 3
        want = (
            "ameide: error: this checkout has no remote 'origin' (remotes: none): there is no "
            "default branch to start from\n"
        )
    elif case == "bad-base":
        argv += ["--base", "nope"]
        want = (
            "ameide: error: --base nope: no such branch on origin\n"
            "  hint: name a branch that exists there (git ls-remote --heads origin)\n"
        )
    else:
        argv = ["branch", "start", "!!!"]
        want = "ameide: error: topic '!!!' has no letters or digits to name a branch after\n"
    before = _state(repo)
    refs_before = git(repo, "for-each-ref", "refs/remotes")
    code, out, err = run_cli(argv, repo)
    assert (code, out) == (code_want, "")
    assert err.startswith(want), err
    assert _state(repo) == before
    assert git(repo, "for-each-ref", "refs/remotes") == refs_before


def test_an_unreachable_remote_is_an_environment_error(
    run_cli: RunCli, remote_repo: tuple[Path, Path], tmp_path: Path
) -> None:
    repo = remote_repo[0]
    git(repo, "remote", "set-url", "origin", str(tmp_path / "gone.git"))
    code, _, err = run_cli(["branch", "start", "x"], repo)
    assert code == 3
    assert err.startswith("ameide: error: git ls-remote origin failed: ")
    assert "  hint: check that the remote 'origin' exists and is reachable (git remote -v)" in err


def test_outside_a_repository(run_cli: RunCli, tmp_path: Path) -> None:
    code, _, err = run_cli(["branch", "start", "x"], tmp_path)
    assert code == 3 and err.startswith("ameide: error: not a git repository")
