"""uv's phase tasks: pytest through `uv run` per project (collect in phase 0, `-m "not
integration"` in phase 1, `-m integration` in phase 2 when some test is marked so), and one
`uv sync --all-packages` per workspace."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ameide.ecosystems.base import InstallSpec
from ameide.task import JUNIT, Task

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ameide.ecosystems.base import PlanContext
    from ameide.model import Target

NAME = "uv"
# besides the members' manifests, what decides what a sync installs
INSTALL_INPUTS = ("uv.lock", "pyproject.toml", ".python-version")
PYTEST = (NAME, "run", "--frozen", "--no-sync", "pytest", "-p", "no:cacheprovider")
PY_ENV = {"PYTHONDONTWRITEBYTECODE": "1"}
NO_TESTS = 5  # pytest's exit code when it collected nothing: not a failure here


def installs(ctx: PlanContext, targets: Sequence[Target]) -> list[InstallSpec]:
    out = []
    for ws in sorted({t.group for t in targets}):
        frozen = os.path.isfile(os.path.join(ctx.root, ws, "uv.lock"))
        rel = "" if ws == "." else ws + "/"
        members = ctx.members(NAME, ws)
        out.append(
            InstallSpec(
                ws,
                f"{NAME} sync {ws}",
                (NAME, "sync", "--all-packages", *(("--frozen",) if frozen else ())),
                tuple(rel + f for f in INSTALL_INPUTS)
                + tuple(f"{m}/pyproject.toml" for m in members),
                ".venv",
                f"{NAME} sync ({ws}): skipped, uv.lock and manifests unchanged since last sync",
                () if frozen else (f"{NAME} ({ws}): no uv.lock; syncing without --frozen",),
                # a venv copied from elsewhere keeps that checkout's paths in its scripts and
                # editable .pth files, and a plain sync sees nothing to do
                moved=("--reinstall",),
            )
        )
    return out


def tasks(ctx: PlanContext, targets: Sequence[Target]) -> list[Task]:
    out: list[Task] = []
    for t in targets:
        rel = t.path if t.group == "." else os.path.relpath(t.path, t.group)
        if ctx.wants(t, "contract"):
            out.append(
                _pytest(ctx, t, f"{t.id} collect", 0, "collect", ("--collect-only", "-q", rel))
            )
        if ctx.wants(t, "unit"):
            argv = ("-m", "not integration", f"--junitxml={JUNIT}", rel)
            out.append(_pytest(ctx, t, f"{t.id} pytest", 1, "unit", argv, junit=True))
        if ctx.wants(t, "integration"):
            if has_integration_marker(ctx.root, t):
                argv = ("-m", "integration", f"--junitxml={JUNIT}", rel)
                tid = f"{t.id} pytest -m integration"
                out.append(_pytest(ctx, t, tid, 2, "integration", argv, junit=True))
            else:
                ctx.note(f"{t.id}: no tests marked integration -> no integration task")
    return out


def _pytest(
    ctx: PlanContext,
    t: Target,
    tid: str,
    phase: int,
    kind: str,
    args: tuple[str, ...],
    *,
    junit: bool = False,
) -> Task:
    timeout = ctx.timeout([t.id])
    # a test still running 10 s before the task's timeout has its stack printed (pytest's
    # faulthandler): the log, and so the excerpt, names the test that hangs
    hang = ("-o", f"faulthandler_timeout={max(1, int(timeout) - 10)}")
    return Task(
        tid,
        phase,
        1,
        kind,
        NAME,
        (t.id,),
        (*PYTEST, *hang, *args),
        t.group,
        env=PY_ENV,
        report="junit" if junit else "none",
        ok_codes=(0, NO_TESTS),
        timeout=timeout,
        code_notes=((NO_TESTS, "no tests collected"),),
    )


def has_integration_marker(root: str, target: Target) -> bool:
    top = os.path.join(root, target.path)
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = [
            d
            for d in dirnames
            if d not in (".venv", "node_modules", "__pycache__") and not d.startswith(".")
        ]
        for name in filenames:
            if name.endswith(".py") and (
                name.startswith("test")
                or name.endswith("_test.py")
                or "tests" in dirpath
                or name == "conftest.py"
            ):
                try:
                    with open(
                        os.path.join(dirpath, name), encoding="utf-8", errors="replace"
                    ) as fh:
                        if "mark.integration" in fh.read():
                            return True
                except OSError:
                    continue
    return False
