"""Output of `ameide branch start` and `ameide pr open|status`: JSON documents (`"schema": 1`)
and the human rendering of the same records."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ameide.workflows.branch import BranchReport
    from ameide.workflows.pr import OpenReceipt, StatusReport

SCHEMA = 1


def _lines(console: Any, lines: list[tuple[str, str]]) -> None:
    from rich.text import Text

    for text, style in lines:
        console.print(Text(text, style=style), soft_wrap=True)


def _rel(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


# ------------------------------------------------------------------------------ branch


def branch_doc(r: BranchReport) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "action": r.action,
        "branch": r.branch,
        "base": r.base,
        "remote": r.remote,
        "base_commit": r.base_commit,
        "head": r.head,
        "ahead": r.ahead,
        "behind": r.behind,
        "prefix": r.prefix,
        "prefix_source": r.prefix_source,
        "profile": r.profile,
    }


def render_branch(r: BranchReport, console: Any) -> None:
    if r.action == "created":
        out = [
            (
                f"created {r.branch} from {r.remote}/{r.base} ({(r.base_commit or '')[:12]}) "
                "and switched to it",
                "bold",
            ),
            (f"  prefix {r.prefix!r} from {r.prefix_source}", "dim"),
            ("  next: commit your change, run `ameide test`, then `ameide pr open`", ""),
        ]
    else:
        where = f"from {r.remote}/{r.base}; " if r.base else ""
        ahead = f"{r.ahead} commit{'s' if r.ahead != 1 else ''} ahead"
        out = [
            (f"already on {r.branch} ({where}{ahead}, {r.behind} behind): nothing to do", "bold")
        ]
    _lines(console, out)


# ------------------------------------------------------------------------------- pr open


def open_doc(r: OpenReceipt) -> dict[str, Any]:
    from ameide.workflows.pr import receipt_doc

    return receipt_doc(r)


_PUSHED = {
    "new": "new branch",
    "updated": "updated",
    "forced": "forced with lease",
    "up-to-date": "already up to date",
}


def render_open(r: OpenReceipt, console: Any) -> None:
    pr, ev = r.pr, r.evidence
    kind = "draft PR" if pr.draft else "PR"
    upstream = f"; upstream {r.push.upstream}" if r.push.upstream else ""
    out = [
        (
            f"pushed {r.branch} to {r.target.remote} ({_PUSHED.get(r.push.status, r.push.status)}"
            f"{upstream})",
            "",
        ),
        (
            f"{r.action} {kind} #{pr.number} in {r.target.repo.slug}: {pr.title} "
            f"({r.branch} -> {r.base}, {r.commits} commit{'s' if r.commits != 1 else ''})",
            "bold",
        ),
    ]
    if ev.status == "passed":
        out.append((f"  evidence: run {ev.run_id} passed on this commit, clean tree", ""))
    else:
        out.append((f"  evidence: none, tests were not run (--no-tests-ok): {ev.reason}", "yellow"))
    out.append((f"  receipt: {_rel(r.receipt_path)}", "dim"))
    out.append((pr.url, ""))
    _lines(console, out)


# ------------------------------------------------------------------------------ pr status


def status_doc(s: StatusReport) -> dict[str, Any]:
    from ameide.workflows.pr import status_doc as doc

    return doc(s)


_MARK = {
    "success": "PASS",
    "neutral": "PASS",
    "skipped": "skip",
    "failure": "FAIL",
    "timed_out": "TIME",
    "cancelled": "----",
    "action_required": "ACT ",
    "startup_failure": "FAIL",
    "stale": "old ",
    "error": "FAIL",
    "pending": "....",
}


def _mergeable(s: StatusReport) -> str:
    pr = s.pr
    state = pr.mergeable_state or "unknown"
    if pr.state != "open":
        return f"n/a ({pr.state})"
    if pr.mergeable is None:
        return "unknown (GitHub is still computing it; rerun in a few seconds)"
    if not pr.mergeable:
        return f"no ({state}: conflicts with {pr.base})" if state == "dirty" else f"no ({state})"
    return f"yes ({state})"


def render_status(s: StatusReport, console: Any) -> None:
    pr = s.pr
    flags = ", ".join(x for x in ("draft" if pr.draft else "", pr.state) if x)
    head = (
        f"{pr.head_sha[:12]} (your HEAD)"
        if s.pushed
        else f"{pr.head_sha[:12]}; your HEAD {(s.local_head or '?')[:12]} is not pushed "
        "(ameide pr open pushes it)"
    )
    review = s.review_decision.replace("_", " ")
    out: list[tuple[str, str]] = [
        (f"PR #{pr.number} {pr.title} ({flags}) {pr.head} -> {pr.base}", "bold"),
        (f"  {pr.url}", ""),
        (f"  mergeable: {_mergeable(s)}", ""),
        (
            f"  review: {review}"
            + (
                f" (requested: {', '.join(pr.requested_reviewers)})"
                if pr.requested_reviewers
                else ""
            )
            + (f"; {len(s.reviews)} reviews" if s.reviews else ""),
            "",
        ),
        (f"  head: {head}", ""),
    ]
    n_fail = sum(
        1 for c in s.checks if c.status == "completed" and _MARK.get(c.conclusion or "") == "FAIL"
    )
    if not s.checks and not s.statuses:
        out.append(("checks: none reported for this commit (yet)", "dim"))
    else:
        out.append((f"checks of {pr.head_sha[:12]}:", "bold"))
    for c in s.checks:
        if c.status == "completed":
            mark = _MARK.get(c.conclusion or "", "????")
            what = c.conclusion or "?"
        else:
            mark, what = "....", c.status
        style = "red" if mark in ("FAIL", "TIME", "ACT ") else ("green" if mark == "PASS" else "")
        out.append((f"  {mark}  {c.name}  {what}" + (f"  {c.url}" if c.url else ""), style))
    for st in s.statuses:
        mark = _MARK.get(st.state, "????")
        desc = f" ({st.description})" if st.description else ""
        out.append(
            (f"  {mark}  {st.context}  {st.state}{desc}" + (f"  {st.url}" if st.url else ""), "")
        )
    n_fail += sum(1 for st in s.statuses if st.state in ("failure", "error"))
    verdict = {
        "failing": f"FAILING ({n_fail} failed)",
        "pending": "pending",
        "passing": "passing",
        "none": "no checks",
    }[s.checks_state]
    out.append((f"pr status: {verdict}", "bold"))
    _lines(console, out)
