"""Go's phase tasks: one `go vet` / `go test` per module over its chosen packages (one
compilation), `-tags=integration` for the integration phase."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ameide.task import Task

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ameide.ecosystems.base import PlanContext
    from ameide.model import Target

NAME = "go"
REPORT = "gotest-json"  # `go test -json` on stdout, converted by report.py


def tasks(ctx: PlanContext, targets: Sequence[Target]) -> list[Task]:
    by_mod: dict[str, list[Target]] = {}
    for t in targets:
        by_mod.setdefault(t.meta["module_dir"], []).append(t)
    out: list[Task] = []
    for _, ts in sorted(by_mod.items()):
        integ = [t for t in ts if t.meta.get("integration_files")]
        out += _batch(ctx, "vet", (), 0, "vet", [t for t in ts if ctx.wants(t, "contract")])
        out += _batch(ctx, "vet", ("-tags=integration",), 0, "vet", integ)
        unit = []
        for t in ts:
            if not ctx.wants(t, "unit"):
                continue
            if t.meta.get("test_files"):
                unit.append(t)
            elif not t.meta.get("integration_files"):
                ctx.note(f"{t.id}: no test files -> no unit task")
        out += _batch(ctx, "test", (), 1, "unit", unit)
        integ = [t for t in integ if ctx.wants(t, "integration")]
        out += _batch(ctx, "test", ("-tags=integration",), 2, "integration", integ)
    return out


def _batch(
    ctx: PlanContext,
    verb: str,
    flags: tuple[str, ...],
    phase: int,
    kind: str,
    pkgs: list[Target],
) -> list[Task]:
    """One `go vet`/`go test` over the packages of one module (one compilation)."""
    if not pkgs:
        return []
    ids = [t.id for t in pkgs]
    test = verb == "test"  # `go test -json`: converted to JUnit, failures located
    return [
        Task(
            " ".join((NAME, verb, *flags, pkgs[0].meta["module"])),
            phase,
            1,
            kind,
            NAME,
            tuple(ids),
            (NAME, verb, *(("-json",) if test else ()), *flags, *[t.name for t in pkgs]),
            pkgs[0].meta["module_dir"],
            report=REPORT if test else "none",
            timeout=ctx.timeout(ids),
            params={"dirs": {t.name: t.path for t in pkgs}} if test else {},
        )
    ]
