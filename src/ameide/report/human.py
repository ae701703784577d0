"""Human output of `affected` and `targets`: rich tables grouped by ecosystem."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ameide.ecosystems import REGISTRY
from ameide.model import AffectedReport, Graph, Target

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from ameide.plan import TargetCommands
    from ameide.task import Task


def _short(sha: str | None) -> str:
    return sha[:10] if sha else "empty tree"


def render_affected(report: AffectedReport, console: Any, *, explain: bool = False) -> None:
    from rich.table import Table
    from rich.text import Text

    ch = report.changes
    console.print(
        Text.assemble(
            ("base ", "dim"),
            (ch.base.ref or "(none)", "bold"),
            (f" @ {_short(ch.base.commit)}", "dim"),
            (f"  ({ch.base.source})", "dim"),
        )
    )
    if ch.everything:
        console.print(Text(f"! {ch.everything_reason}", style="yellow"))
    for w in report.warnings:
        console.print(Text(f"! {w}", style="yellow"))
    n_changed = len(report.files)
    console.print(
        Text(
            f"{n_changed} changed file{'s' if n_changed != 1 else ''}, "
            f"{len(report.affected)} of {report.total_targets} targets affected"
        )
    )
    if explain and report.files:
        ft = Table(title="changed files", title_justify="left", show_edge=False, pad_edge=False)
        ft.add_column("status")
        ft.add_column("path", overflow="fold")
        ft.add_column("counts as")
        ft.add_column("owners", overflow="fold")
        for f in report.files:
            owners = ", ".join(f.owners[:4]) + (
                f" (+{len(f.owners) - 4})" if len(f.owners) > 4 else ""
            )
            ft.add_row(f.status, f.path, f.kind, owners or "-")
        console.print(ft)
    if not report.affected:
        console.print(Text("nothing affected", style="green"))
        return
    for eco in REGISTRY.names():
        rows = [a for a in report.affected if a.target.ecosystem == eco]
        if not rows:
            continue
        table = Table(
            title=f"{eco} ({len(rows)})", title_justify="left", show_edge=False, pad_edge=False
        )
        table.add_column("target", overflow="fold")
        table.add_column("path", overflow="fold")
        table.add_column("why", overflow="fold")
        for a in rows:
            if explain:
                why = a.reason.explain()
            elif a.direct:
                why = a.reason.explain().split(" <- ", 1)[-1]
            else:
                why = f"depends on {a.reason.chain[1]}" + (
                    f" (+{len(a.reason.chain) - 2} more hops)" if len(a.reason.chain) > 2 else ""
                )
            table.add_row(a.target.id, a.target.path, why)
        console.print(table)


def short_command(task: Task, target_id: str) -> str:
    """A task as a few words for the targets table: `go test`, `pytest -m integration`."""
    if task.builtin:
        return f"{task.builtin} {os.path.basename(str(task.params.get('template', '')))}".strip()
    if task.id.startswith(target_id + " "):
        return task.id[len(target_id) + 1 :]
    words = [a for a in task.argv[:4] if not a.startswith("-json")]
    tags = [a for a in task.argv if a.startswith("-tags=")]
    return " ".join(words[:2] + tags)


TABLE_ROWS = 300  # above this, an ecosystem prints aligned plain lines: rich's table
# layout takes ~0.8 ms per row (6 s for the 7,000 targets of the bench's large repo)


def _plain_rows(
    eco: str,
    rows: list[Target],
    dependents: Mapping[str, list[str]],
    commands: Mapping[str, TargetCommands],
    console: Any,
) -> None:
    cells = [("target", "path", "deps", "dependents", "phase commands")]
    for t in rows:
        cmds = " · ".join(
            f"{task.phase}: {short_command(task, t.id)}" for task, _ in commands[t.id].tasks
        )
        cells.append((t.id, t.path, str(len(t.deps)), str(len(dependents[t.id])), cmds or "-"))
    w = [max(len(c[i]) for c in cells) for i in range(4)]
    lines = [f"{eco} ({len(rows)})"]
    for c in cells:
        lines.append(
            f"{c[0]:<{w[0]}}  {c[1]:<{w[1]}}  {c[2]:>{w[2]}}  {c[3]:>{w[3]}}  {c[4]}".rstrip()
        )
    console.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)


def render_targets(graph: Graph, console: Any, commands: Mapping[str, TargetCommands]) -> None:
    from rich.table import Table
    from rich.text import Text

    dependents = graph.dependents()
    for w in graph.warnings:
        console.print(Text(f"! {w}", style="yellow"))
    console.print(Text(f"{len(graph.targets)} targets in {graph.root}"))
    for eco in REGISTRY.names():
        rows = [t for t in graph.targets.values() if t.ecosystem == eco]
        if not rows:
            continue
        if len(rows) > TABLE_ROWS:
            _plain_rows(eco, rows, dependents, commands, console)
            continue
        table = Table(
            title=f"{eco} ({len(rows)})", title_justify="left", show_edge=False, pad_edge=False
        )
        table.add_column("target", overflow="fold")
        table.add_column("path", overflow="fold")
        table.add_column("deps", justify="right")
        table.add_column("dependents", justify="right")
        table.add_column("depends on", overflow="fold")
        table.add_column("phase commands", overflow="fold")
        for t in rows:
            cmds = " · ".join(
                f"{task.phase}: {short_command(task, t.id)}" for task, _ in commands[t.id].tasks
            )
            table.add_row(
                t.id,
                t.path,
                str(len(t.deps)),
                str(len(dependents[t.id])),
                ", ".join(t.deps[:3]) + (" ..." if len(t.deps) > 3 else ""),
                cmds or "-",
            )
        console.print(table)
    console.print(
        Text(
            "phase commands: what `ameide run --all` runs for each target (without a base, so "
            "no buf breaking); `ameide targets --json` has the full commands and the notes",
            style="dim",
        )
    )
