"""pnpm's phase tasks: `pnpm run <script>` per package (typecheck in phase 0; test and lint in
phase 1; test:integration in phase 2), node's JUnit reporter for test runners, and one
`pnpm install --frozen-lockfile` per workspace."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ameide.ecosystems.base import InstallSpec
from ameide.task import JUNIT, Task

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ameide.ecosystems.base import PlanContext
    from ameide.model import Target

NAME = "pnpm"
NODE_JUNIT = (
    "--test-reporter=spec --test-reporter-destination=stdout "
    f"--test-reporter=junit --test-reporter-destination={JUNIT}"
)
# besides the lockfile and the members' manifests, what decides what an install installs
INSTALL_INPUTS = (
    "pnpm-lock.yaml",
    "package.json",
    "pnpm-workspace.yaml",
    ".npmrc",
    ".pnpmfile.cjs",
)


def installs(ctx: PlanContext, targets: Sequence[Target]) -> list[InstallSpec]:
    """One install per workspace with a package that runs something (a root project runs
    nothing of its own unless ameide.toml says so)."""
    wss = sorted({t.group for t in targets if not t.meta.get("root") or ctx.overrides_any(t)})
    out = []
    for ws in wss:
        rel = "" if ws == "." else ws + "/"
        members = ctx.members(NAME, ws)
        out.append(
            InstallSpec(
                ws,
                f"{NAME} install {ws}",
                (NAME, "install", "--frozen-lockfile"),
                tuple(rel + f for f in INSTALL_INPUTS)
                + tuple(f"{m}/package.json" for m in members),
                "node_modules",
                f"{NAME} install ({ws}): skipped, lockfile and manifests unchanged since "
                "last install",
            )
        )
    return out


def tasks(ctx: PlanContext, targets: Sequence[Target]) -> list[Task]:
    out: list[Task] = []
    for t in targets:
        scripts = set(t.meta.get("scripts", []))
        if t.meta.get("root"):
            # a root script usually runs the whole workspace (`pnpm -r test`): running it for
            # the root project would test every package, affected or not (Turborepo keeps
            # root tasks apart for the same reason); ameide.toml can name a command
            if not ctx.overrides_any(t):
                ctx.note(
                    f"{t.id}: workspace root project -> no tasks (its scripts usually run "
                    f'the whole workspace; set [targets."{t.id}"] unit = [...] in ameide.toml '
                    "to run a command of its own)"
                )
            continue
        if ctx.wants(t, "contract") and "typecheck" in scripts:
            out.append(_script(ctx, t, "typecheck", 0, "typecheck"))
        if ctx.wants(t, "unit"):
            if "test" in scripts:
                out.append(_script(ctx, t, "test", 1, "unit", junit=True))
            else:
                ctx.note(f'{t.id}: no "test" script -> no unit task')
            if "lint" in scripts:
                out.append(_script(ctx, t, "lint", 1, "lint"))
        if ctx.wants(t, "integration"):
            if "test:integration" in scripts:
                out.append(_script(ctx, t, "test:integration", 2, "integration", junit=True))
            else:
                ctx.note(f'{t.id}: no "test:integration" script -> no integration task')
    return out


def _script(
    ctx: PlanContext, t: Target, name: str, phase: int, kind: str, *, junit: bool = False
) -> Task:
    """`pnpm run <name>` in the package; test runners report through node's JUnit."""
    return Task(
        f"{t.id} {name}",
        phase,
        1,
        kind,
        NAME,
        (t.id,),
        (NAME, "run", name),
        t.path,
        env={"NODE_OPTIONS": NODE_JUNIT} if junit else {},
        report="junit" if junit else "none",
        timeout=ctx.timeout([t.id]),
    )
