"""The golden path an agent walks, end to end on real git and the GitHub stand-in:
branch start -> commit -> ameide test -> pr open -> pr open again (updates, no duplicate)
-> pr status."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import git, load_summary
from tests.workflows.conftest import TOKEN, FakeGitHub

RunCli = Callable[..., tuple[int, str, str]]


def _assert_no_token(repo: Path, *texts: str) -> None:
    for t in texts:
        assert TOKEN not in t
    for p in (repo / "artifacts").rglob("*"):
        if p.is_file():
            assert TOKEN not in p.read_text(errors="replace"), p


def test_the_agent_flow(
    run_cli: RunCli,
    remote_repo: tuple[Path, Path],
    github: FakeGitHub,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo, bare = remote_repo
    monkeypatch.setenv("CLAUDECODE", "1")  # an agent: draft by default

    # 1. branch start
    code, out, err = run_cli(["branch", "start", "Add the usage guide"], repo)
    assert (code, err) == (0, "")
    main_sha = git(repo, "rev-parse", "main")
    assert out.splitlines() == [
        f"created codex/add-the-usage-guide from origin/main ({main_sha[:12]}) and switched to it",
        "  prefix 'codex/' from profile code ([pr] branch_prefix)",
        "  next: commit your change, run `ameide test`, then `ameide pr open`",
    ]
    assert git(repo, "symbolic-ref", "--short", "HEAD") == "codex/add-the-usage-guide"
    assert git(repo, "config", "branch.codex/add-the-usage-guide.ameide-base") == "main"
    # again: nothing to do
    code, out, _ = run_cli(["branch", "start", "Add the usage guide"], repo)
    assert code == 0
    assert out == (
        "already on codex/add-the-usage-guide (from origin/main; 0 commits ahead, 0 behind): "
        "nothing to do\n"
    )

    # 2. commit, 3. ameide test (only a doc changed: nothing needs a toolchain)
    (repo / "docs" / "usage.md").write_text("# Usage\n\nRun it.\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "docs: add the usage guide", "-m", "Explains the CLI.")
    code, _, _ = run_cli(["test"], repo)
    assert code == 0
    summary = load_summary(repo)
    head = git(repo, "rev-parse", "HEAD")
    assert (summary["head"], summary["dirty"], summary["result"]) == (head, False, "passed")
    run_id = summary["run_id"]

    # 4. pr open: pushes with upstream, creates a draft PR, writes the receipt
    code, out, err = run_cli(["pr", "open", "--json"], repo)
    assert (code, err) == (0, "")
    receipt = json.loads(out)
    assert receipt["action"] == "created"
    assert receipt["url"] == "https://github.com/acme/app/pull/1"
    assert receipt["pr"]["draft"] is True
    assert receipt["pr"]["title"] == "docs: add the usage guide"
    assert receipt["push"] == {
        "status": "new",
        "detail": "[new branch]",
        "upstream": "origin/codex/add-the-usage-guide",
    }
    assert receipt["evidence"]["status"] == "passed"
    assert receipt["evidence"]["run_id"] == run_id
    assert receipt["actor"] == {"kind": "agent", "why": "Claude Code (CLAUDECODE is set)"}
    assert receipt["forge"]["repo"] == "acme/app"
    written = repo / "artifacts" / "agent-ci" / run_id / "pr.json"
    assert json.loads(written.read_text()) == receipt
    assert receipt["receipt"] == str(written)
    assert git(bare, "rev-parse", "refs/heads/codex/add-the-usage-guide") == head
    assert (
        git(repo, "rev-parse", "--abbrev-ref", "codex/add-the-usage-guide@{upstream}")
        == "origin/codex/add-the-usage-guide"
    )
    post = github.calls("POST", "/pulls")
    assert len(post) == 1
    assert post[0].body["head"] == "codex/add-the-usage-guide"
    assert post[0].body["base"] == "main"
    body = post[0].body["body"]
    assert body.startswith("Explains the CLI.\n\n<!-- ameide:begin")
    assert f"`{head[:10]}` docs: add the usage guide" in body
    assert f"`ameide test` **passed** on `{head[:10]}` with a clean tree" in body
    assert f"(run `{run_id}`)" in body
    assert "| 0 contract | passed | 0.0s | 1 |" in body  # the guardrails check
    assert "Nothing affected: 1 changed file, no target." in body
    assert git(repo, "status", "--porcelain") == ""

    # a new commit without a new test run: refused, nothing pushed
    (repo / "docs" / "usage.md").write_text("# Usage\n\nRun it twice.\n")
    git(repo, "commit", "-q", "-am", "docs: say it twice")
    code, out, err = run_cli(["pr", "open"], repo)
    assert code == 1
    assert err.startswith(
        f"ameide: error: no green `ameide test` run for HEAD {git(repo, 'rev-parse', 'HEAD')[:12]}"
    )
    assert f"the latest run ({run_id}) tested {head[:12]}" in err
    assert git(bare, "rev-parse", "refs/heads/codex/add-the-usage-guide") == head

    # 5. test again, pr open again: the same PR is updated, never a second one
    assert run_cli(["test"], repo)[0] == 0
    run2 = load_summary(repo)["run_id"]
    head2 = git(repo, "rev-parse", "HEAD")
    code, out, err = run_cli(["pr", "open"], repo)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "pushed codex/add-the-usage-guide to origin (updated; upstream "
        "origin/codex/add-the-usage-guide)",
        "updated draft PR #1 in acme/app: docs: add the usage guide "
        "(codex/add-the-usage-guide -> main, 2 commits)",
        f"  evidence: run {run2} passed on this commit, clean tree",
        f"  receipt: artifacts/agent-ci/{run2}/pr.json",
        "https://github.com/acme/app/pull/1",
    ]
    assert len(github.calls("POST", "/pulls")) == 1
    patch = github.calls("PATCH", "/pulls/1")
    assert len(patch) == 1 and set(patch[0].body) == {"body"}  # the title stays as it is
    assert len(github.pulls) == 1
    new_body = github.pulls[1]["body"]
    assert new_body.count("<!-- ameide:begin") == 1
    assert new_body.startswith("Explains the CLI.\n\n")
    assert f"(run `{run2}`)" in new_body and run_id not in new_body
    assert f"`{head2[:10]}` docs: say it twice" in new_body
    assert git(bare, "rev-parse", "refs/heads/codex/add-the-usage-guide") == head2

    # and once more with nothing new: idempotent
    code, out, _ = run_cli(["pr", "open"], repo)
    assert code == 0
    assert "(already up to date; upstream origin/codex/add-the-usage-guide)" in out
    assert len(github.pulls) == 1 and len(github.calls("POST", "/pulls")) == 1

    # 6. pr status: state, draft, mergeability, review decision, checks of the head commit
    github.add_check(head2, "build", "completed", "success")
    github.add_check(head2, "unit", "in_progress", None)
    github.reviews[1] = [{"user": {"login": "lead"}, "state": "APPROVED", "submitted_at": "x"}]
    code, out, err = run_cli(["pr", "status"], repo)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "PR #1 docs: add the usage guide (draft, open) codex/add-the-usage-guide -> main",
        "  https://github.com/acme/app/pull/1",
        "  mergeable: yes (clean)",
        "  review: approved; 1 reviews",
        f"  head: {head2[:12]} (your HEAD)",
        f"checks of {head2[:12]}:",
        "  PASS  build  success  https://github.com/acme/app/runs/build",
        "  ....  unit  in_progress  https://github.com/acme/app/runs/unit",
        "pr status: pending",
    ]
    github.add_check(head2, "lint", "completed", "failure")
    code, out, _ = run_cli(["pr", "status", "--json"], repo)
    assert code == 1
    doc = json.loads(out)
    assert doc["checks_state"] == "failing"
    assert doc["pr"]["draft"] is True and doc["pr"]["state"] == "open"
    assert (doc["pr"]["mergeable"], doc["pr"]["mergeable_state"]) == (True, "clean")
    assert doc["review_decision"] == "approved"
    assert [(c["name"], c["conclusion"]) for c in doc["checks"]] == [
        ("build", "success"),
        ("lint", "failure"),
        ("unit", None),
    ]
    assert doc["pushed"] is True
    _assert_no_token(repo, out, err)
