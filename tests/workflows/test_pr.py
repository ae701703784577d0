"""`ameide pr open|status` against the GitHub stand-in: what is refused before anything is
pushed, each forge error and its exit code, pushes (upstream, rejection, --force-with-lease),
draft/ready, titles and bodies, receipts, and that the token never shows."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import git
from tests.workflows.conftest import TOKEN, FakeGitHub

RunCli = Callable[..., tuple[int, str, str]]
BRANCH = "codex/change"


def _remote_head(bare: Path, branch: str = BRANCH) -> str | None:
    import subprocess

    r = subprocess.run(
        ["git", "rev-parse", "-q", "--verify", f"refs/heads/{branch}"],
        cwd=bare,
        capture_output=True,
        text=True,
        check=False,
    )
    return r.stdout.strip() or None


def _commit(repo: Path, files: dict[str, str], msg: str = "docs: change") -> str:
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", msg)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def ready(run_cli: RunCli, remote_repo: tuple[Path, Path]) -> Callable[..., Path]:
    """`ready(files, test=True)`: branch codex/change with one commit, tested green."""

    def _ready(files: dict[str, str] | None = None, *, test: bool = True) -> Path:
        repo = remote_repo[0]
        assert run_cli(["branch", "start", "change"], repo)[0] == 0
        _commit(repo, files or {"docs/change.md": "changed\n"})
        if test:
            assert run_cli(["test"], repo)[0] == 0
        return repo

    return _ready


def _no_token(*texts: str) -> None:
    for t in texts:
        assert TOKEN not in t


# ------------------------------------------------------------------ refused before pushing


def test_a_person_gets_a_ready_pr_with_title_and_body_file(
    run_cli: RunCli, ready: Callable[..., Path], github: FakeGitHub, tmp_path: Path
) -> None:
    repo = ready()
    body = tmp_path / "body.md"
    body.write_text("## Why\n\nBecause.\n")
    code, out, err = run_cli(
        ["pr", "open", "--title", "Better docs", "--body-file", str(body), "--json"], repo
    )
    assert (code, err) == (0, ""), err
    doc = json.loads(out)
    assert doc["pr"]["draft"] is False
    assert doc["actor"]["kind"] == "human"
    sent = github.calls("POST", "/pulls")[0].body
    assert sent["title"] == "Better docs"
    assert sent["draft"] is False
    assert sent["body"].startswith("## Why\n\nBecause.\n\n<!-- ameide:begin")


def test_draft_and_ready_flags_change_an_existing_pr(
    run_cli: RunCli, ready: Callable[..., Path], github: FakeGitHub
) -> None:
    repo = ready()
    assert run_cli(["pr", "open", "--draft"], repo)[0] == 0
    assert github.pulls[1]["draft"] is True
    code, out, _ = run_cli(["pr", "open"], repo)  # no flag: stays a draft
    assert code == 0 and "updated draft PR #1" in out
    assert not github.calls("POST", "/graphql")
    code, out, _ = run_cli(["pr", "open", "--ready"], repo)
    assert code == 0 and "updated PR #1" in out
    gql = github.calls("POST", "/graphql")
    assert len(gql) == 1
    assert "markPullRequestReadyForReview" in gql[0].body["query"]
    assert gql[0].body["variables"] == {"id": "PR_node1"}
    assert github.pulls[1]["draft"] is False
    assert run_cli(["pr", "open", "--draft"], repo)[0] == 0
    assert "convertPullRequestToDraft" in github.calls("POST", "/graphql")[1].body["query"]
    assert github.pulls[1]["draft"] is True


def test_github_enterprise_paths(
    run_cli: RunCli,
    ready: Callable[..., Path],
    remote_repo: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeGitHub(remote_repo[1], enterprise=True)
    try:
        monkeypatch.setenv("AMEIDE_FORGE_API_URL", fake.url)  # http://127.0.0.1:N/api/v3
        monkeypatch.setenv("AMEIDE_FORGE_REPO", "acme/app")
        monkeypatch.setenv("GH_ENTERPRISE_TOKEN", TOKEN)
        repo = ready()
        assert run_cli(["pr", "open", "--draft"], repo)[0] == 0
        code, out, err = run_cli(["pr", "open", "--ready", "--json"], repo)
        assert (code, err) == (0, "")
        assert json.loads(out)["pr"]["draft"] is False
        assert [f"{r.method} {r.path}" for r in fake.requests] == [
            "GET /api/v3/repos/acme/app/pulls",
            "POST /api/v3/repos/acme/app/pulls",
            "GET /api/v3/repos/acme/app/pulls",
            "PATCH /api/v3/repos/acme/app/pulls/1",
            "POST /api/graphql",
            "GET /api/v3/repos/acme/app/pulls/1",
        ]
        assert fake.violations == []
    finally:
        fake.close()


def test_agents_are_detected_from_codex_and_ameide_actor(
    run_cli: RunCli, ready: Callable[..., Path], github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = ready()
    monkeypatch.setenv("CODEX_THREAD_ID", "019d-thread")
    code, out, _ = run_cli(["pr", "open", "--json"], repo)
    assert code == 0
    assert json.loads(out)["actor"] == {"kind": "agent", "why": "Codex (CODEX_THREAD_ID is set)"}
    assert github.pulls[1]["draft"] is True
    monkeypatch.setenv("AMEIDE_ACTOR", "robot")
    code, _, err = run_cli(["pr", "open"], repo)
    assert code == 2 and "AMEIDE_ACTOR='robot': expected 'agent' or 'human'" in err


def test_no_evidence_is_refused_and_nothing_is_pushed(
    run_cli: RunCli, ready: Callable[..., Path], remote_repo: tuple[Path, Path], github: FakeGitHub
) -> None:
    repo = ready(test=False)
    code, out, err = run_cli(["pr", "open"], repo)
    assert (code, out) == (1, "")
    head = git(repo, "rev-parse", "HEAD")
    assert err == (
        f"ameide: error: no green `ameide test` run for HEAD {head[:12]} on a clean tree: no "
        "`ameide test` run here (artifacts/agent-ci/latest/summary.json does not exist)\n"
        "  hint: commit everything, run `ameide test` and fix what it reports, then rerun "
        "`ameide pr open`; --no-tests-ok opens the pull request anyway and says in its body "
        "that tests were not run\n"
    )
    assert _remote_head(remote_repo[1]) is None
    assert github.requests == []


def test_a_failed_or_dirty_run_is_not_evidence(
    run_cli: RunCli, ready: Callable[..., Path], github: FakeGitHub
) -> None:
    repo = ready()
    latest = repo / "artifacts" / "agent-ci" / "latest" / "summary.json"
    doc = json.loads(latest.read_text())
    latest.write_text(json.dumps({**doc, "dirty": True}))
    code, _, err = run_cli(["pr", "open"], repo)
    assert code == 1 and "had uncommitted changes (dirty: true)" in err
    latest.write_text(
        json.dumps({**doc, "result": "failed", "first_failure": {"task": "go test x"}})
    )
    code, _, err = run_cli(["pr", "open"], repo)
    assert code == 1 and "did not pass (result: failed; first failure: go test x)" in err
    latest.write_text(json.dumps({**doc, "mode": "run"}))
    code, _, err = run_cli(["pr", "open"], repo)
    assert code == 1 and "is `ameide run` (chosen phases/targets), not `ameide test`" in err
    assert github.requests == []


def test_no_tests_ok_opens_it_and_says_so(
    run_cli: RunCli, ready: Callable[..., Path], github: FakeGitHub
) -> None:
    repo = ready(test=False)
    code, out, err = run_cli(["pr", "open", "--no-tests-ok", "--json"], repo)
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["evidence"]["status"] == "waived"
    assert "does not exist" in doc["evidence"]["reason"]
    receipt = Path(doc["receipt"])
    assert receipt.parent == repo / "artifacts" / "agent-ci" / "pr-receipts"
    assert json.loads(receipt.read_text()) == doc
    body = github.pulls[1]["body"]
    assert "**Tests were not run**" in body and "--no-tests-ok" in body
    assert git(repo, "status", "--porcelain") == ""


def test_a_profile_without_prs_is_refused(
    run_cli: RunCli, ready: Callable[..., Path], github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = ready()
    monkeypatch.setenv("AMEIDE_AGENT_PROFILE", "sre")
    code, _, err = run_cli(["pr", "open"], repo)
    assert code == 2
    assert err.startswith(
        "ameide: error: the sre profile may not open pull requests here: the profile does not "
        "allow them (set AMEIDE_SRE_ALLOW_PR=1 to enable)\n"
    )
    assert github.requests == []


def test_guardrail_violations_in_the_diff_are_refused(
    run_cli: RunCli,
    ready: Callable[..., Path],
    remote_repo: tuple[Path, Path],
    github: FakeGitHub,
) -> None:
    repo = ready({"gitops/prod/app.yaml": "replicas: 2\n"}, test=False)
    code, _, err = run_cli(["pr", "open", "--no-tests-ok"], repo)
    assert code == 1
    assert err.splitlines()[:3] == [
        "ameide: error: the code profile forbids 1 file this pull request changes:",
        "  gitops/prod/app.yaml (added): forbidden by gitops/** (profile code)",
        "  hint: revert those changes on the branch (git revert / a fixing commit), or do this "
        "work in a workspace whose profile allows it; a migration can list paths in "
        ".ameide/test-contract-allowlist.txt",
    ]
    assert _remote_head(remote_repo[1]) is None
    assert github.requests == []


@pytest.mark.parametrize("state", ["dirty", "detached", "base", "no-commits"])
def test_local_state_errors(
    run_cli: RunCli,
    remote_repo: tuple[Path, Path],
    github: FakeGitHub,
    state: str,
) -> None:
    repo = remote_repo[0]
    if state == "dirty":
        run_cli(["branch", "start", "x"], repo)
        _commit(repo, {"a.md": "a\n"})
        (repo / "scratch.txt").write_text("x")
        want = "ameide: error: the work tree has uncommitted changes (scratch.txt)"
    elif state == "detached":
        git(repo, "checkout", "-q", "--detach")
        want = "ameide: error: HEAD is detached"
    elif state == "base":
        want = "ameide: error: main is the base branch: a pull request needs a branch of its own"
    else:
        run_cli(["branch", "start", "x"], repo)
        want = "ameide: error: codex/x has no commits that origin/main lacks: nothing to propose"
    code, out, err = run_cli(["pr", "open", "--no-tests-ok"], repo)
    assert (code, out) == (2, "")
    assert err.startswith(want), err
    assert github.requests == []


# ------------------------------------------------------------------ the forge's errors


CASES = {
    "401": (
        401,
        {"message": "Bad credentials"},
        {},
        3,
        "rejected the token from GH_TOKEN (401 Bad credentials) while trying to list the pull "
        "requests of codex/change",
        "the token is invalid, expired or revoked",
    ),
    "403": (
        403,
        {"message": "Resource not accessible by personal access token"},
        {},
        3,
        "refused to let the token from GH_TOKEN list the pull requests of codex/change (403 "
        "Resource not accessible by personal access token)",
        "the token lacks a permission",
    ),
    "403-sso": (
        403,
        {"message": "Resource protected by organization SAML enforcement."},
        {"X-GitHub-SSO": "required; url=https://github.com/orgs/acme/sso?authorization_request=1"},
        3,
        "is not authorized for this organization's SAML single sign-on",
        "authorize the token for SSO: https://github.com/orgs/acme/sso?authorization_request=1",
    ),
    "404": (
        404,
        {"message": "Not Found"},
        {},
        3,
        "GitHub (acme/app at {url}): not found while trying to list the pull requests",
        "GitHub answers 404, not 403, for a private repository the token has no access to",
    ),
    "rate-limit": (
        403,
        {"message": "API rate limit exceeded for user ID 1."},
        {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": "{reset}",
        },
        3,
        "API rate limit exhausted (5000 requests per hour for this token) while trying to list "
        "the pull requests of codex/change; it resets at",
        "wait for the reset and rerun",
    ),
    "secondary": (
        429,
        {"message": "You have exceeded a secondary rate limit."},
        {"retry-after": "60"},
        3,
        "secondary rate limit hit while trying to list the pull requests of codex/change (429 "
        "You have exceeded a secondary rate limit.)",
        "retry after 60 s, then rerun",
    ),
    "500": (
        500,
        {"message": "Server Error"},
        {},
        3,
        "failed to list the pull requests of codex/change: server error 500 Server Error",
        "githubstatus.com",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_forge_error_has_its_message_and_exit_code(
    run_cli: RunCli,
    ready: Callable[..., Path],
    remote_repo: tuple[Path, Path],
    github: FakeGitHub,
    case: str,
) -> None:
    repo = ready()
    status, doc, headers, exit_code, message, hint = CASES[case]
    reset = str(int(time.time()) + 600)
    headers = {k: v.format(reset=reset) for k, v in headers.items()}
    times = 2 if status in (502, 503, 504) else 1  # such a GET is retried once
    for argv in (["pr", "open"], ["pr", "open", "-v"]):
        github.fail(status, doc, headers=headers, times=times)
        code, out, err = run_cli(argv, repo)
        assert (code, out) == (exit_code, "")
        assert message.format(url=github.url) in err, err
        assert f"  hint: {hint}" in err or hint in err.split("hint:", 1)[1], err
        _no_token(out, err)
        assert "Traceback" in err if "-v" in argv else "Traceback" not in err
    assert _remote_head(remote_repo[1]) is None  # the API is asked before anything is pushed
    assert len(github.calls("GET", "/pulls")) == 2 * times


def test_a_bad_gateway_is_retried_once(
    run_cli: RunCli, ready: Callable[..., Path], github: FakeGitHub
) -> None:
    repo = ready()
    github.fail(502, {"message": "Bad Gateway"}, method="GET", path="/pulls")
    code, _, err = run_cli(["pr", "open"], repo)
    assert (code, err) == (0, "")
    assert len(github.calls("GET", "/pulls")) == 2


def test_network_failure(
    run_cli: RunCli, ready: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    repo = ready()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("AMEIDE_FORGE_API_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AMEIDE_FORGE_REPO", "acme/app")
    monkeypatch.setenv("GH_TOKEN", TOKEN)
    code, out, err = run_cli(["pr", "open", "-v"], repo)
    assert (code, out) == (3, "")
    assert (
        f"ameide: error: cannot reach GitHub at http://127.0.0.1:{port} to list the pull "
        "requests of codex/change: [Errno 111] Connection refused"
    ) in err
    assert "hint: check the network, proxy settings (HTTPS_PROXY)" in err
    _no_token(err)


def test_422_validation_on_create(
    run_cli: RunCli, ready: Callable[..., Path], remote_repo: tuple[Path, Path], github: FakeGitHub
) -> None:
    repo = ready()
    github.fail(
        422,
        {
            "message": "Validation Failed",
            "errors": [
                {
                    "resource": "PullRequest",
                    "code": "custom",
                    "message": "No commits between main and codex/change",
                }
            ],
        },
        method="POST",
    )
    code, _, err = run_cli(["pr", "open"], repo)
    assert code == 2
    assert (
        "rejected the request to open a pull request from codex/change into main (422 "
        "Validation Failed: No commits between main and codex/change)"
    ) in err
    assert "hint: the branch has no commits the base lacks" in err
    # the push happened (GitHub is asked to create only after it); a rerun is safe
    assert _remote_head(remote_repo[1]) == git(repo, "rev-parse", "HEAD")
    assert run_cli(["pr", "open"], repo)[0] == 0
    assert len(github.pulls) == 1


def test_a_pr_opened_meanwhile_is_updated_not_duplicated(
    run_cli: RunCli, ready: Callable[..., Path], github: FakeGitHub
) -> None:
    repo = ready()
    # another run opened it between our lookup and our create: GitHub answers 422
    github.fail(200, [], method="GET", path="/pulls")  # the first lookup sees nothing
    github.pulls[7] = {
        "number": 7,
        "node_id": "PR_node7",
        "html_url": "https://github.com/acme/app/pull/7",
        "state": "open",
        "draft": False,
        "title": "Theirs",
        "body": "Their words.",
        "merged_at": None,
        "base": {"ref": "main"},
        "head": {"ref": BRANCH, "sha": "0" * 40},
        "_reviewers": [],
    }
    code, out, err = run_cli(["pr", "open", "--json"], repo)
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert (doc["action"], doc["pr"]["number"]) == ("updated", 7)
    assert len(github.pulls) == 1
    assert github.pulls[7]["title"] == "Theirs"
    assert github.pulls[7]["body"].startswith("Their words.\n\n<!-- ameide:begin")


def test_no_token_anywhere(
    run_cli: RunCli, ready: Callable[..., Path], github: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = ready()
    monkeypatch.delenv("GH_TOKEN")
    code, out, err = run_cli(["pr", "open"], repo)
    assert (code, out) == (3, "")
    host = github.url.removeprefix("http://")
    assert err.startswith(
        f"ameide: error: no token for {host}: tried GH_TOKEN, GITHUB_TOKEN, GH_ENTERPRISE_TOKEN, "
        "GITHUB_ENTERPRISE_TOKEN (unset); gh (not installed); coder (not installed)\n"
    )
    assert github.requests == []


# ------------------------------------------------------------------ pushing


def test_a_rejected_push_and_force_with_lease(
    run_cli: RunCli, ready: Callable[..., Path], remote_repo: tuple[Path, Path], github: FakeGitHub
) -> None:
    repo, bare = remote_repo[0], remote_repo[1]
    ready()
    assert run_cli(["pr", "open"], repo)[0] == 0
    # rewrite the pushed commit: a plain push is rejected, --force-with-lease goes through
    (repo / "docs" / "change.md").write_text("changed again\n")
    git(repo, "commit", "-q", "-a", "--amend", "--no-edit")
    assert run_cli(["test"], repo)[0] == 0
    code, _, err = run_cli(["pr", "open"], repo)
    assert code == 2
    assert "push of codex/change rejected: origin has commits this branch lacks" in err
    assert "rerun with --force-with-lease" in err
    code, out, err = run_cli(["pr", "open", "--force-with-lease"], repo)
    assert (code, err) == (0, "")
    assert "(forced with lease; upstream origin/codex/change)" in out
    assert _remote_head(bare) == git(repo, "rev-parse", "HEAD")
    # someone else pushes to the branch: the lease protects their commit
    other = bare.parent / "other"
    git(bare.parent, "clone", "-q", "-b", BRANCH, str(bare), str(other))
    (other / "theirs.md").write_text("theirs\n")
    git(other, "add", "-A")
    git(other, "commit", "-q", "-m", "theirs")
    git(other, "push", "-q", "origin", BRANCH)
    theirs = git(other, "rev-parse", "HEAD")
    git(repo, "commit", "-q", "--amend", "-m", "docs: change (reworded)")
    assert run_cli(["test"], repo)[0] == 0
    code, _, err = run_cli(["pr", "open", "--force-with-lease"], repo)
    assert code == 2, err
    assert "moved since you last fetched it" in err
    assert _remote_head(bare) == theirs
    assert len(github.pulls) == 1


def test_status_without_a_pr(
    run_cli: RunCli, ready: Callable[..., Path], github: FakeGitHub
) -> None:
    repo = ready()
    code, _, err = run_cli(["pr", "status"], repo)
    assert code == 2
    assert err == (
        "ameide: error: no pull request for codex/change in acme/app\n"
        "  hint: open one: ameide pr open\n"
    )


def test_status_of_a_merged_pr_and_an_unpushed_head(
    run_cli: RunCli, ready: Callable[..., Path], github: FakeGitHub
) -> None:
    repo = ready()
    assert run_cli(["pr", "open"], repo)[0] == 0
    pushed = git(repo, "rev-parse", "HEAD")
    github.pulls[1].update(state="closed", merged_at="2026-01-01T00:00:00Z")
    github.mergeable = (None, "unknown")
    github.statuses[pushed] = [
        {"context": "ci/jenkins", "state": "failure", "target_url": None, "description": "red"}
    ]
    github.reviews[1] = [
        {"user": {"login": "a"}, "state": "APPROVED", "submitted_at": "1"},
        {"user": {"login": "b"}, "state": "CHANGES_REQUESTED", "submitted_at": "2"},
        {"user": {"login": "b"}, "state": "COMMENTED", "submitted_at": "3"},
    ]
    _commit(repo, {"docs/more.md": "more\n"})
    code, out, _ = run_cli(["pr", "status"], repo)
    assert code == 1
    assert out.splitlines()[0] == "PR #1 docs: change (merged) codex/change -> main"
    assert "  mergeable: n/a (merged)" in out
    assert "  review: changes requested; 3 reviews" in out
    assert f"your HEAD {git(repo, 'rev-parse', 'HEAD')[:12]} is not pushed" in out
    assert "  FAIL  ci/jenkins  failure (red)" in out
    assert out.splitlines()[-1] == "pr status: FAILING (1 failed)"


def test_an_up_to_date_branch_is_not_pushed_again(
    run_cli: RunCli, ready: Callable[..., Path], github: FakeGitHub
) -> None:
    """git runs the pre-push hook even for an up-to-date push, and the hook inherits the
    environment that carries the token: a branch already pushed is not pushed at all."""
    repo = ready()
    marker = repo / ".git" / "hook-ran"
    hook = repo / ".git" / "hooks" / "pre-push"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text(f"#!/bin/sh\necho ran >> {marker}\n")
    hook.chmod(0o755)
    assert run_cli(["pr", "open"], repo)[0] == 0
    assert marker.read_text() == "ran\n"  # the first push ran the user's hook
    code, out, _ = run_cli(["pr", "open", "--json"], repo)
    assert code == 0
    assert json.loads(out)["push"]["status"] == "up-to-date"
    assert marker.read_text() == "ran\n"  # no second push, no second hook
    _commit(repo, {"docs/more.md": "more\n"})
    assert run_cli(["test"], repo)[0] == 0
    assert run_cli(["pr", "open"], repo)[0] == 0
    assert marker.read_text() == "ran\nran\n"  # a new commit is pushed, hooks and all
