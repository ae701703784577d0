"""`ameide pr open` and `ameide pr status`.

open: every local check first (branch, clean tree, profile allows PRs, guardrails over the
diff against the base, green evidence for HEAD), then the forge (token, the open PR of this
branch), then the push (upstream set; forced only with --force-with-lease), then create or
update the PR, and a receipt written next to the run's evidence. Nothing is pushed when a
check fails; a rerun updates the same PR.
"""

from __future__ import annotations

import json
import os
import time
from typing import TYPE_CHECKING, Any

from ameide.errors import AmeideError, UsageError
from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ameide.agents.guardrails import GuardrailReport
    from ameide.forge import Target
    from ameide.forge.auth import Secret
    from ameide.forge.base import CheckRun, CommitStatus, Forge, PullRequest, Review
    from ameide.vcs import PushResult, Repo
    from ameide.workflows.common import Actor, Context
    from ameide.workflows.evidence import Evidence

SCHEMA = 1
RECEIPT = "pr.json"
WAIVED_DIR = "pr-receipts"  # under artifacts/agent-ci/: receipts of PRs opened without a run


@record
class OpenRequest:
    cwd: str
    draft: bool | None = None  # None: draft for agents, ready for people
    title: str | None = None
    body_file: str | None = None
    base: str | None = None
    force_with_lease: bool = False
    no_tests_ok: bool = False


@record
class OpenReceipt:
    action: str  # created | updated
    pr: PullRequest
    target: Target
    branch: str
    base: str
    head: str
    commits: int
    push: PushResult
    evidence: Evidence
    actor: Actor
    profile: str
    draft_requested: bool | None
    receipt_path: str
    opened_at: str


# ----------------------------------------------------------------------------- shared steps


def _base_branch(ctx: Context, branch: str, explicit: str | None, remote: str) -> tuple[str, str]:
    """(base branch, where it came from): --base, the base `branch start` recorded, else the
    remote's default branch."""
    from ameide import vcs
    from ameide.workflows.branch import BASE_KEY

    if explicit:
        return explicit, "--base"
    recorded = vcs.config_get(ctx.repo, BASE_KEY.format(branch))
    if recorded:
        return recorded, "recorded by ameide branch start"
    default = vcs.ls_remote(ctx.repo, remote).default_branch
    if not default:
        raise UsageError(
            f"{remote} does not say which branch is its default",
            hint="name the base: ameide pr open --base main",
        )
    return default, f"the default branch of {remote}"


def _guardrails(ctx: Context, merge_base: str) -> GuardrailReport:
    from ameide import vcs
    from ameide.agents.guardrails import evaluate, load_allowlist

    snap = vcs.snapshot(ctx.repo, merge_base)
    changed = [(c.path, c.status) for c in snap.changes]
    return evaluate(ctx.detected, changed, load_allowlist(ctx.repo.root))


def _refuse_guardrails(report: GuardrailReport) -> None:
    from ameide.agents.guardrails import ALLOWLIST
    from ameide.workflows.common import Refused

    n = len(report.violations)
    lines = [f"  {v.path} ({v.status}): {v.explain(report.profile)}" for v in report.violations]
    raise Refused(
        f"the {report.profile} profile forbids {n} file{'s' if n != 1 else ''} this pull "
        "request changes:\n" + "\n".join(lines),
        hint="revert those changes on the branch (git revert / a fixing commit), or do this "
        f"work in a workspace whose profile allows it; a migration can list paths in {ALLOWLIST}",
    )


def _evidence(ctx: Context, head: str, waive: bool) -> Evidence:
    from ameide.evidence.rundir import ARTIFACTS
    from ameide.workflows.common import Refused
    from ameide.workflows.evidence import Evidence, judge, latest

    doc, problem = latest(ctx.repo.root)
    if doc is not None:
        problem = judge(doc, head)
    if problem is None and doc is not None:
        run_id = str(doc["run_id"])
        run_dir = os.path.join(ctx.repo.root, ARTIFACTS, run_id)
        return Evidence("passed", None, run_id, run_dir, doc)
    if not waive:
        raise Refused(
            f"no green `ameide test` run for HEAD {head[:12]} on a clean tree: {problem}",
            hint="commit everything, run `ameide test` and fix what it reports, then rerun "
            "`ameide pr open`; --no-tests-ok opens the pull request anyway and says in its "
            "body that tests were not run",
        )
    return Evidence("waived", problem, None, None, None)


def _push_env(target: Target, repo: Repo, token: Secret) -> dict[str, str]:
    """Let git push over HTTPS with the forge token, through the environment (never argv,
    never a config file): `http.<origin>/.extraheader`, as actions/checkout does."""
    import base64
    import urllib.parse

    from ameide import vcs

    url = vcs.remote_url(repo.git_root, target.remote, repo.env, push=True) or ""
    u = urllib.parse.urlsplit(url)
    if u.scheme != "https" or (u.hostname or "").lower() != target.repo.host.split(":")[0]:
        return {}
    if u.username:  # credentials in the URL: the user chose how git authenticates
        return {}
    count = repo.env.get("GIT_CONFIG_COUNT", "0")
    n = int(count) if count.isdigit() else 0
    basic = base64.b64encode(f"x-access-token:{token.reveal()}".encode()).decode()
    origin = f"https://{u.netloc}/"
    return {
        "GIT_CONFIG_COUNT": str(n + 1),
        f"GIT_CONFIG_KEY_{n}": f"http.{origin}.extraheader",
        f"GIT_CONFIG_VALUE_{n}": f"AUTHORIZATION: basic {basic}",
    }


def _already_pushed(repo: Repo, remote: str, branch: str, head: str) -> PushResult | None:
    """The branch as pushed last (its remote-tracking ref) is HEAD: no `git push` at all.
    git would run the pre-push hook even for an up-to-date push, and that hook would inherit
    the environment carrying the token; someone who pushed with their own credentials keeps
    the token away from hooks this way (docs/workflows.md). A remote that moved on since is
    the forge's to report, as it would refuse the push."""
    from ameide import vcs

    tracking = vcs.rev_of(repo, f"refs/remotes/{remote}/{branch}")
    if tracking is None or tracking != head:
        return None
    return vcs.PushResult(True, "up-to-date", "[up to date]", vcs.upstream_of(repo, branch))


def _push_refused(push: PushResult, remote: str, branch: str) -> AmeideError:
    from ameide.errors import EnvError

    if push.status == "remote-rejected":
        return EnvError(
            f"{remote} refused the push of {branch}: {push.detail}",
            hint="a branch rule or hook on the server declined it: check the branch protection "
            "rules and that the token may push this branch name (the profile's prefix)",
        )
    if push.status == "stale":
        return UsageError(
            f"push of {branch} refused: {remote}/{branch} moved since you last fetched it "
            f"({push.detail})",
            hint=f"git fetch {remote}, look at what changed (git log {branch}..{remote}/{branch})"
            ", integrate it, then rerun",
        )
    return UsageError(
        f"push of {branch} rejected: {remote} has commits this branch lacks ({push.detail})",
        hint=f"integrate them (git pull --rebase {remote} {branch}) and rerun; if you rewrote "
        "the branch on purpose, rerun with --force-with-lease",
    )


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


# ------------------------------------------------------------------------------- pr open


def open_pr(req: OpenRequest, env: Mapping[str, str]) -> OpenReceipt:
    from ameide import vcs
    from ameide.forge import connect, resolve, token_for
    from ameide.forge.base import ForgeError
    from ameide.workflows import evidence as ev_mod
    from ameide.workflows.branch import BASE_KEY
    from ameide.workflows.common import actor, context, dirty_error, require_branch

    ctx = context(req.cwd, env)
    repo = ctx.repo
    who = actor(env)
    branch = require_branch(repo, "pr open")
    head = repo.head
    if head is None:
        raise UsageError("the branch has no commits yet", hint="commit your work first")
    allowed, why = ctx.detected.profile.prs_allowed(env)
    if not allowed:
        raise UsageError(
            f"the {ctx.detected.profile.name} profile may not open pull requests here: {why}",
            hint="leave the commits on the local branch and say so; a workspace can enable PRs "
            "for this profile (docs/profiles.md)",
        )
    body_text = None
    if req.body_file is not None:
        try:
            with open(req.body_file, encoding="utf-8") as fh:
                body_text = fh.read()
        except OSError as exc:
            raise UsageError(
                f"--body-file {req.body_file}: cannot read it ({exc.strerror})",
                hint="pass a readable Markdown file",
            ) from None
    if req.title is not None and not req.title.strip():
        raise UsageError("--title is empty", hint="give the pull request a title, or omit it")
    dirty = vcs.uncommitted(repo)
    if dirty:
        raise dirty_error(dirty, "pr open pushes commits only, and needs the tested tree")
    target = resolve(repo, ctx.config, env)
    remote = target.remote
    base, _ = _base_branch(ctx, branch, req.base, remote)
    if base == branch:
        raise UsageError(
            f"{branch} is the base branch: a pull request needs a branch of its own",
            hint="start one: ameide branch start TOPIC",
        )
    vcs.fetch_branch(repo, remote, base)
    tracking = f"refs/remotes/{remote}/{base}"
    mb = vcs.merge_base(repo, "HEAD", tracking)
    if mb is None:
        raise UsageError(
            f"{branch} shares no history with {remote}/{base}",
            hint="start the branch from the base (ameide branch start), or pass --base",
        )
    commits = vcs.commits_between(repo, mb)
    if not commits:
        raise UsageError(
            f"{branch} has no commits that {remote}/{base} lacks: nothing to propose",
            hint="commit your change first (then `ameide test`)",
        )
    guard = _guardrails(ctx, mb)
    if not guard.ok:
        _refuse_guardrails(guard)
    evidence = _evidence(ctx, head, req.no_tests_ok)

    token = token_for(target, env, repo.git_root)
    forge = connect(target, token)
    existing = forge.find_pr(branch)
    push = _already_pushed(repo, remote, branch, head) or vcs.push_branch(
        repo,
        remote,
        branch,
        force_with_lease=req.force_with_lease,
        extra_env=_push_env(target, repo, token),
    )
    if not push.ok:
        raise _push_refused(push, remote, branch)
    if vcs.config_get(repo, BASE_KEY.format(branch)) is None:
        vcs.config_set(repo, BASE_KEY.format(branch), base)

    prefix = ctx.detected.profile.branch_prefix
    generated = ev_mod.block(commits, evidence, head, ctx.detected.profile.name)
    pr = existing
    action = "updated"
    if pr is None:
        title = req.title or ev_mod.default_title(commits, branch, prefix)
        text = body_text
        if text is None and len(commits) == 1 and commits[0].body:
            text = commits[0].body
        draft = req.draft if req.draft is not None else who.kind == "agent"
        try:
            pr = forge.create_pr(
                branch=branch,
                base=base,
                title=title,
                body=ev_mod.compose_body(None, text, generated),
                draft=draft,
            )
            action = "created"
        except ForgeError as exc:
            if exc.kind != "exists":
                raise
            pr = forge.find_pr(branch)  # opened meanwhile (another run): update that one
            if pr is None:
                raise
    if action == "updated":
        pr = forge.update_pr(
            pr.number,
            title=req.title,
            body=ev_mod.compose_body(pr.body, body_text, generated),
            base=req.base if req.base and req.base != pr.base else None,
        )
        if req.draft is not None and pr.draft != req.draft:
            pr = forge.set_draft(pr, req.draft)

    receipt = OpenReceipt(
        action=action,
        pr=pr,
        target=target,
        branch=branch,
        base=base,
        head=head,
        commits=len(commits),
        push=push,
        evidence=evidence,
        actor=who,
        profile=ctx.detected.profile.name,
        draft_requested=req.draft,
        receipt_path=_receipt_path(repo.root, evidence),
        opened_at=_now(),
    )
    from ameide.fsutil import atomic_write_text

    atomic_write_text(receipt.receipt_path, json.dumps(receipt_doc(receipt), indent=2) + "\n")
    return receipt


def _receipt_path(root: str, evidence: Evidence) -> str:
    from ameide.evidence.rundir import ARTIFACTS

    if evidence.run_dir is not None:
        return os.path.join(evidence.run_dir, RECEIPT)
    import contextlib
    import secrets

    base = os.path.join(root, ARTIFACTS)
    os.makedirs(base, exist_ok=True)
    ignore = os.path.join(base, ".gitignore")
    if not os.path.exists(ignore):  # as evidence/rundir.py does: receipts are not source
        with contextlib.suppress(OSError), open(ignore, "w", encoding="utf-8") as fh:
            fh.write("# written by ameide: evidence is not source\n*\n")
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)
    return os.path.join(base, WAIVED_DIR, f"{stamp}.json")


def pr_doc(pr: PullRequest) -> dict[str, Any]:
    return {
        "number": pr.number,
        "url": pr.url,
        "state": pr.state,
        "draft": pr.draft,
        "title": pr.title,
        "base": pr.base,
        "head": pr.head,
        "head_sha": pr.head_sha,
    }


def target_doc(t: Target) -> dict[str, Any]:
    return {
        "kind": t.kind,
        "repo": t.repo.slug,
        "host": t.repo.host,
        "api_url": t.api_url,
        "remote": t.remote,
        "remote_url": t.remote_url,
    }


def receipt_doc(r: OpenReceipt) -> dict[str, Any]:
    """The receipt: printed by `pr open --json` and written next to the run's evidence."""
    ev = r.evidence
    return {
        "schema": SCHEMA,
        "action": r.action,
        "url": r.pr.url,
        "pr": pr_doc(r.pr),
        "forge": target_doc(r.target),
        "branch": r.branch,
        "base": r.base,
        "head": r.head,
        "commits": r.commits,
        "push": {
            "status": r.push.status,
            "detail": r.push.detail,
            "upstream": r.push.upstream,
        },
        "evidence": {
            "status": ev.status,
            "reason": ev.reason,
            "run_id": ev.run_id,
            "summary": os.path.join(ev.run_dir, "summary.json") if ev.run_dir else None,
            "result": (ev.summary or {}).get("result"),
        },
        "actor": {"kind": r.actor.kind, "why": r.actor.why},
        "profile": r.profile,
        "draft_requested": r.draft_requested,
        "receipt": r.receipt_path,
        "opened_at": r.opened_at,
    }


# ------------------------------------------------------------------------------ pr status


@record
class StatusReport:
    target: Target
    branch: str
    local_head: str | None
    pr: PullRequest
    review_decision: str  # approved | changes_requested | review_required | none
    reviews: tuple[Review, ...]
    checks: tuple[CheckRun, ...]
    statuses: tuple[CommitStatus, ...]
    checks_state: str  # passing | failing | pending | none

    @property
    def pushed(self) -> bool:
        return self.local_head == self.pr.head_sha


FAILED_CONCLUSIONS = ("failure", "timed_out", "cancelled", "action_required", "startup_failure")


def review_decision(reviews: tuple[Review, ...] | list[Review], requested: tuple[str, ...]) -> str:
    """From the reviews: each reviewer's latest approving/blocking review counts (a comment
    changes nothing, a dismissal withdraws it)."""
    latest: dict[str, str] = {}
    for r in reviews:
        if r.state in ("APPROVED", "CHANGES_REQUESTED"):
            latest[r.user] = r.state
        elif r.state == "DISMISSED":
            latest.pop(r.user, None)
    states = set(latest.values())
    if "CHANGES_REQUESTED" in states:
        return "changes_requested"
    if "APPROVED" in states:
        return "approved"
    return "review_required" if requested else "none"


def checks_state(checks: tuple[CheckRun, ...], statuses: tuple[CommitStatus, ...]) -> str:
    if not checks and not statuses:
        return "none"
    if any(c.status == "completed" and c.conclusion in FAILED_CONCLUSIONS for c in checks) or any(
        s.state in ("failure", "error") for s in statuses
    ):
        return "failing"
    if any(c.status != "completed" for c in checks) or any(s.state == "pending" for s in statuses):
        return "pending"
    return "passing"


def status(cwd: str, env: Mapping[str, str]) -> StatusReport:
    from ameide.forge import connect, resolve, token_for
    from ameide.workflows.common import context, require_branch

    ctx = context(cwd, env)
    branch = require_branch(ctx.repo, "pr status")
    target = resolve(ctx.repo, ctx.config, env)
    forge: Forge = connect(target, token_for(target, env, ctx.repo.git_root))
    found = forge.find_pr(branch) or forge.find_pr(branch, state="all")
    if found is None:
        raise UsageError(
            f"no pull request for {branch} in {target.repo.slug}",
            hint="open one: ameide pr open",
        )
    pr = forge.get_pr(found.number)
    reviews = tuple(forge.reviews(pr.number))
    checks = tuple(sorted(forge.check_runs(pr.head_sha), key=lambda c: (c.name, c.app or "")))
    statuses = tuple(sorted(forge.statuses(pr.head_sha), key=lambda s: s.context))
    return StatusReport(
        target=target,
        branch=branch,
        local_head=ctx.repo.head,
        pr=pr,
        review_decision=review_decision(reviews, pr.requested_reviewers),
        reviews=reviews,
        checks=checks,
        statuses=statuses,
        checks_state=checks_state(checks, statuses),
    )


def status_doc(s: StatusReport) -> dict[str, Any]:
    pr = s.pr
    return {
        "schema": SCHEMA,
        "forge": target_doc(s.target),
        "branch": s.branch,
        "local_head": s.local_head,
        "pushed": s.pushed,
        "pr": {
            **pr_doc(pr),
            "mergeable": pr.mergeable,
            "mergeable_state": pr.mergeable_state,
            "requested_reviewers": list(pr.requested_reviewers),
        },
        "review_decision": s.review_decision,
        "reviews": [
            {"user": r.user, "state": r.state, "submitted_at": r.submitted_at} for r in s.reviews
        ],
        "checks_state": s.checks_state,
        "checks": [
            {
                "name": c.name,
                "status": c.status,
                "conclusion": c.conclusion,
                "url": c.url,
                "app": c.app,
            }
            for c in s.checks
        ],
        "statuses": [
            {"context": st.context, "state": st.state, "description": st.description, "url": st.url}
            for st in s.statuses
        ],
    }
