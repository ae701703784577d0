"""Machine output of `affected` and `targets`: `"schema": 1`, stable names and order."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ameide.model import AffectedReport, Graph

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from ameide.plan import TargetCommands
    from ameide.task import Task

SCHEMA = 1


def affected_doc(report: AffectedReport) -> dict[str, Any]:
    ch = report.changes
    return {
        "schema": SCHEMA,
        "root": ch.root,
        "base": {"ref": ch.base.ref, "commit": ch.base.commit, "source": ch.base.source},
        "head": ch.head,
        "branch": ch.branch,
        "everything": ch.everything,
        "everything_reason": ch.everything_reason,
        "changed": [
            {"path": f.path, "status": f.status, "kind": f.kind, "owners": list(f.owners)}
            for f in report.files
        ],
        "affected": [
            {
                "id": a.target.id,
                "ecosystem": a.target.ecosystem,
                "name": a.target.name,
                "path": a.target.path,
                "direct": a.direct,
                "reason": {
                    "kind": a.reason.kind,
                    "file": a.reason.file,
                    "chain": list(a.reason.chain),
                    "deleted": a.reason.deleted,  # the gone target's id, for kind "deleted"
                    "detail": a.reason.detail,  # kinds "config" and "lockfile": what changed
                    "test": a.reason.test,  # reached through a test-only import
                },
                "explain": a.reason.explain(),
            }
            for a in report.affected
        ],
        "total_targets": report.total_targets,
        "warnings": list(report.warnings),
    }


def targets_doc(graph: Graph, commands: Mapping[str, TargetCommands]) -> dict[str, Any]:
    dependents = graph.dependents()
    return {
        "schema": SCHEMA,
        "root": graph.root,
        "targets": [
            {
                **t.to_json(),
                "dependents": dependents[t.id],
                "tasks": [_task_doc(task, argv) for task, argv in commands[t.id].tasks],
                "notes": list(commands[t.id].notes),
            }
            for t in graph.targets.values()
        ],
        "globals": [
            {"path": g.path, "scope": g.scope, "targets": list(g.targets), "why": g.why}
            for g in graph.globals
        ],
        "lockfiles": [
            {"path": lf.path, "kind": lf.kind, "workspace": lf.workspace} for lf in graph.lockfiles
        ],
        "configs": [
            {"path": c.path, "kind": c.kind, "workspace": c.workspace} for c in graph.configs
        ],
        "warnings": list(graph.warnings),
    }


_INLINE = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def _c_encoder() -> Any:
    """json's C encoder made once (JSONEncoder.encode builds a new one for every value):
    7,000 targets encode in a third of the time."""
    from json import encoder as enc

    make = getattr(enc, "c_make_encoder", None)
    if make is None:
        return None
    return make(
        None,
        _INLINE.default,
        enc.encode_basestring,
        None,
        ": ",
        ", ",
        False,
        False,
        True,
    )


_C_ENCODE = _c_encoder()


def _encode(value: Any) -> str:
    if _C_ENCODE is not None and isinstance(value, dict | list):
        return "".join(_C_ENCODE(value, 0))
    return _INLINE.encode(value)


def _task_doc(task: Task, argv: tuple[str, ...]) -> dict[str, Any]:
    return {
        "phase": task.phase,
        "task": task.id,  # a Go task runs every package of its module in one command
        "kind": task.kind,
        "command": list(argv),  # this target alone; "{junit}" is the run's report path
        "cwd": task.cwd,
        "builtin": task.builtin,
    }


def dumps(doc: dict[str, Any], depth: int = 2) -> str:
    """Two levels indented (`depth`), everything deeper on one line: one list item (a target,
    a changed file) per line reads well and diffs well, and the inner values go through
    json's C encoder (`indent=` forces the pure-Python one, ~3x slower on 7,000 targets).
    With a deeper `depth`, a table of plain values (a task of summary.json) still takes one
    line."""
    out: list[str] = []
    _pretty(doc, 0, out, depth)
    out.append("\n")
    return "".join(out)


def _plain(value: Any) -> bool:
    """A table whose values are scalars or lists of scalars."""
    vals = value.values() if isinstance(value, dict) else value
    return all(
        not isinstance(v, dict | list)
        or (isinstance(v, list) and not any(isinstance(x, dict | list) for x in v))
        for v in vals
    )


def _pretty(value: Any, depth: int, out: list[str], limit: int = 2) -> None:
    if (
        depth >= limit
        or not isinstance(value, dict | list)
        or not value
        or (limit > 2 and depth >= 1 and _plain(value))
    ):
        out.append(_encode(value))
        return
    pad = "\n" + "  " * (depth + 1)
    out.append("{" if isinstance(value, dict) else "[")
    first = True
    items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
    for key, item in items:
        out.append(pad if first else "," + pad)
        first = False
        if key is not None:
            out.append(_INLINE.encode(key) + ": ")
        _pretty(item, depth + 1, out, limit)
    out.append("\n" + "  " * depth + ("}" if isinstance(value, dict) else "]"))
