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
        return sorted({resolve_target(t, ctx, req.cwd) for t in req.targets})
    return [a.target.id for a in ctx.report.affected]


def resolve_target(name: str, ctx: Planning, cwd: str) -> str:
    """A target by its id, by its directory (relative to the repository root or to where
    ameide runs: `go/lib/strutil`, `.`), or by the last part of its id when only one target
    ends so (`strutil`, `@example/core`); an unknown or ambiguous name is exit 2 with the
    candidates."""
    import os

    targets = ctx.graph.targets
    if name in targets:
        return name
    root = ctx.repo.root
    rel = os.path.relpath(os.path.normpath(os.path.join(cwd, name)), root)
    for path in dict.fromkeys((rel, os.path.normpath(name).strip("/"))):
        at = sorted(t.id for t in targets.values() if os.path.normpath(t.path) == path)
        if len(at) == 1:
            return at[0]
        if at:
            raise _ambiguous(name, at)
    tails = sorted(
        t for t in targets if t.endswith((f"/{name}", f":{name}")) or t.split(":", 1)[-1] == name
    )
    if len(tails) == 1:
        return tails[0]
    if tails:
        raise _ambiguous(name, tails)
    import difflib

    near = difflib.get_close_matches(name, list(targets), n=3)
    raise UsageError(
        f"unknown target {name!r}",
        hint=("did you mean " + ", ".join(near) + "?")
        if near
        else "give an id, a target's directory or the end of its id (list them with: "
        "ameide targets)",
    )


def _ambiguous(name: str, ids: list[str]) -> UsageError:
    more = f" (+{len(ids) - 6})" if len(ids) > 6 else ""
    return UsageError(
        f"target {name!r} is ambiguous: {', '.join(ids[:6])}{more}",
        hint="give one of these ids: ameide run --target ID",
    )
