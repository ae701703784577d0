"""buf's phase tasks, all in phase 0: `buf lint`, `buf format --diff --exit-code` and `buf
breaking` against the base commit per module, and the freshness gate of each generation
template whose committed output a chosen target holds (fresh.py)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ameide.task import Task

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any

    from ameide.ecosystems.base import PlanContext
    from ameide.model import Graph, Target

NAME = "buf"


def tasks(ctx: PlanContext, targets: Sequence[Target]) -> list[Task]:
    out: list[Task] = []
    mine = [t for t in targets if ctx.wants(t, "contract")]
    in_base = ctx.in_base([t.path for t in mine])
    for t in mine:
        ws = t.group
        mod = t.path if ws == "." else os.path.relpath(t.path, ws)
        out.append(_buf(ctx, t, "lint", ("lint", mod)))
        out.append(_buf(ctx, t, "format", ("format", mod, "--diff", "--exit-code")))
        if ctx.base_commit and t.path in in_base:
            wsdir = os.path.join(ctx.root, ws)
            sub = os.path.relpath(wsdir, ctx.git_root)
            git_dir = os.path.relpath(os.path.join(ctx.git_root, ".git"), wsdir)
            against = f"{git_dir}#ref={ctx.base_commit}"
            if sub != ".":
                against += f",subdir={sub}"
            out.append(_buf(ctx, t, "breaking", ("breaking", mod, "--against", against)))
        elif ctx.base_commit:
            ctx.note(f"{t.id}: not in the base commit -> no buf breaking check")
        else:
            ctx.note(f"{t.id}: no base commit -> no buf breaking check")
    return out + _fresh(ctx)


def _buf(ctx: PlanContext, t: Target, verb: str, args: tuple[str, ...]) -> Task:
    return Task(
        f"{t.id} {NAME} {verb}",
        0,
        1,
        f"{NAME}-{verb}",
        NAME,
        (t.id,),
        (NAME, *args),
        t.group,
        timeout=ctx.timeout([t.id]),
    )


def _fresh(ctx: PlanContext) -> list[Task]:
    """A freshness gate per template whose committed output an input module or a chosen
    target holding generated code (an edited *_pb.js) needs, and per changed template."""
    chosen = {t.id for t in ctx.chosen}
    out = []
    for tpl in codegen_templates(ctx.graph, ctx.changed):
        if not tpl["outs"]:
            continue  # every output is made at build time: nothing checked in to compare
        ins = [i for i in tpl["inputs"] if i in chosen]
        holders = [
            t.id
            for t in ctx.chosen
            if t.ecosystem != NAME
            and not t.meta.get("root")
            and any(_overlaps(t.path, o) for o in tpl["outs"])
        ]
        ins = sorted(set(ins) | set(holders))
        if not ins and not tpl["changed"]:
            continue  # a changed template always gets its freshness gate
        out.append(
            Task(
                f"codegen fresh {tpl['template']}",
                0,
                1,
                "codegen",
                NAME,
                tuple(ins),
                (),
                tpl["dir"],
                builtin="codegen",
                params={"template": tpl["template"], "outs": tpl["outs"]},
                timeout=ctx.timeout(()),
            )
        )
    return out


def codegen_templates(graph: Graph, changed: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Generation templates with their input module ids and the out dirs whose code is
    checked in (from buf meta); `changed` paths mark templates that changed themselves."""
    by_tpl: dict[str, dict[str, Any]] = {}
    touched = set(changed)
    for t in graph.targets.values():
        if t.ecosystem != NAME:
            continue
        for g in t.meta.get("generates", []):
            d = by_tpl.setdefault(
                g["template"],
                {
                    "template": g["template"],
                    "inputs": [],
                    "outs": [],
                    "dir": os.path.dirname(g["template"]) or ".",
                    "changed": g["template"] in touched,
                },
            )
            if t.id not in d["inputs"]:
                d["inputs"].append(t.id)
            if g.get("committed", True) and g["out"] not in d["outs"]:
                d["outs"].append(g["out"])
    for d in by_tpl.values():
        d["inputs"].sort()
        d["outs"].sort()
    return [by_tpl[k] for k in sorted(by_tpl)]


def _overlaps(path: str, out: str) -> bool:
    """Is the generated-code dir `out` inside the target at `path`, or the target in it?"""
    return path in (".", out) or out.startswith(path + "/") or path.startswith(out + "/")
