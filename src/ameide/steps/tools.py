"""Step 2, toolchain: the tools of the ecosystems in play against the repository's pins."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ameide.affected import Planning
    from ameide.plan import Plan
    from ameide.taskresult import TaskResult
    from ameide.workspace.toolchain import ToolStatus


def ecosystems_in(plan: Plan) -> list[str]:
    """The ecosystems whose tools the plan's tasks run (a target with nothing to run, such
    as a workspace root project, needs no tool)."""
    from ameide.ecosystems import REGISTRY

    return sorted({t.ecosystem for t in plan.tasks if REGISTRY.get(t.ecosystem) is not None})


def check_tools(ctx: Planning, ecos: Iterable[str], env: Mapping[str, str]) -> list[ToolStatus]:
    """Every tool the ecosystems declare (pnpm brings node: its scripts run under it)
    against its pin, each version command in its own thread. `env` is the tasks'
    environment: `pnpm --version` may already run the repository's code."""
    from ameide.background import each
    from ameide.workspace.toolchain import check, pins

    wanted = list(pins(ctx.repo.root, ctx.config, ctx.graph, ecos).values())
    return each((functools.partial(check, p, ctx.repo.root, env) for p in wanted), "ameide-tool")


def tool_result(s: ToolStatus) -> TaskResult:
    """A tool's status as phase 0's case: passed, or an error with the fix."""
    from ameide.evidence.junit import synthetic_case
    from ameide.task import Task
    from ameide.taskresult import TaskResult

    task = Task(f"toolchain {s.tool}", 0, 0, "toolchain", s.tool, (), (), ".", builtin="toolchain")
    # the pin as people read it: `22.x` for node's major, `>=1.25.5` for a go line
    wanted = s.label or s.wanted or "any"
    if s.ok:
        msg = f"{s.tool} {s.found} at {s.path} (wanted {wanted}, {s.source})"
        case = synthetic_case("toolchain", s.tool, "passed", 0.0, msg, "")
        return TaskResult(task, "passed", 0, 0.0, None, (case,), "synthetic", msg)
    found = f"found {s.found} at {s.path}" if s.found else "not found on PATH"
    msg = f"{s.tool}: wanted {wanted} ({s.source}), {found}"
    case = synthetic_case("toolchain", s.tool, "error", 0.0, msg, f"fix: {s.fix}")
    return TaskResult(task, "error", None, 0.0, None, (case,), "synthetic", f"{msg}; fix: {s.fix}")
