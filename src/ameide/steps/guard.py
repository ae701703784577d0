"""Step 3, guardrails: the active profile's path guardrails over the changed files, and its
extra phase-0 checks (docs/profiles.md). Only when phase 0 runs."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ameide.affected import Planning
    from ameide.agents.guardrails import GuardrailReport
    from ameide.plan import Plan
    from ameide.taskresult import TaskResult
    from ameide.testrun import TestRequest


def guardrails(
    req: TestRequest, ctx: Planning, plan: Plan, env: Mapping[str, str]
) -> tuple[GuardrailReport | None, Plan]:
    """(the guardrails' verdict, the plan with the profile's checks added)."""
    if 0 not in req.phases:
        return None, plan
    from ameide.agents.detect import Roots, detect
    from ameide.agents.guardrails import check_tasks, evaluate, load_allowlist
    from ameide.plan import Plan
    from ameide.task import unique_files

    roots = Roots(os.path.realpath(req.cwd), ctx.repo.git_root, ctx.repo.root)
    detected = detect(roots, env, cache_dir=ctx.cache_dir)
    changed = [(f.path, f.status) for f in ctx.report.files]
    report = evaluate(detected, changed, load_allowlist(ctx.repo.root))
    tasks, notes = check_tasks(detected.profile, changed)
    if tasks or notes:
        merged = sorted((*plan.tasks, *tasks), key=lambda t: t.phase)  # stable
        all_notes = tuple(sorted((*plan.notes, *notes)))
        plan = Plan(unique_files(merged), all_notes, plan.targets)
    return report, plan


def guard_result(report: GuardrailReport, run_dir: str) -> TaskResult:
    """The verdict as phase 0's first case, its details in `phase0/logs/guardrails.log`."""
    from ameide.agents.guardrails import describe
    from ameide.evidence.junit import synthetic_case
    from ameide.fsutil import atomic_write_text
    from ameide.task import Task
    from ameide.taskresult import TaskResult

    task = Task(
        "guardrails",
        0,
        0,
        "guardrails",
        "profile",
        (),
        (),
        ".",
        builtin="guardrails",
        params={"profile": report.profile},
    )
    text = describe(report)
    log = os.path.join(run_dir, "phase0", "logs", "guardrails.log")
    atomic_write_text(log, text)
    if report.ok:
        n = report.checked
        msg = f"{n} changed file{'s' if n != 1 else ''} within the {report.profile} profile"
        if report.exempted:
            msg += f", {len(report.exempted)} of them only through the allowlist"
        case = synthetic_case("guardrails", "guardrails", "passed", 0.0, msg, text)
        return TaskResult(task, "passed", 0, 0.0, log, (case,), "synthetic", msg)
    v = report.violations[0]
    more = f" (+{len(report.violations) - 1} more)" if len(report.violations) > 1 else ""
    msg = f"{v.shown}: {v.explain(report.profile)}{more}"
    case = synthetic_case("guardrails", "guardrails", "failed", 0.0, msg, text)
    return TaskResult(task, "failed", 1, 0.0, log, (case,), "synthetic", msg)
