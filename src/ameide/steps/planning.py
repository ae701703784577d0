"""Step 1, plan: the affected (or chosen) targets and their tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ameide import vcs
from ameide.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ameide.affected import Planning
    from ameide.plan import Plan
    from ameide.testrun import TestRequest


def plan_request(req: TestRequest, env: Mapping[str, str]) -> tuple[Planning, Plan, list[str]]:
    """(planning context, plan, the target ids planned for)."""
    from ameide.affected import plan_context
    from ameide.plan import build_plan

    ctx = plan_context(req.cwd, req.base, env)
    ids = chosen_ids(req, ctx)
    base = ctx.report.changes.base.commit
    repo = ctx.repo

    def base_paths(paths: list[str]) -> set[str]:
        return vcs.paths_in_commit(repo, base, paths) if base else set()

    plan = build_plan(
        repo.root,
        ctx.graph,
        ids,
        ctx.config,
        state_dir=ctx.cache_dir,
        base_commit=base,
        git_root=repo.git_root,
        base_paths=base_paths,
        phases=req.phases,
        changed=[f.path for f in ctx.report.files if f.kind == "config"],
    )
    return ctx, plan, ids


def chosen_ids(req: TestRequest, ctx: Planning) -> list[str]:
    """`--all`, the targets named (exit 2 for an unknown one), else the affected ones."""
    targets = ctx.graph.targets
    if req.all_targets:
        return sorted(targets)
    if req.targets:
        unknown = [t for t in req.targets if t not in targets]
        if unknown:
            import difflib

            near = difflib.get_close_matches(unknown[0], list(targets), n=3)
            raise UsageError(
                f"unknown target {unknown[0]!r}",
                hint=("did you mean " + ", ".join(near) + "?")
                if near
                else "list them with: ameide targets",
            )
        return sorted(set(req.targets))
    return [a.target.id for a in ctx.report.affected]
