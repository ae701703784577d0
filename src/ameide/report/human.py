"""Human output of `affected` and `targets`: rich tables grouped by ecosystem."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ameide.ecosystems import REGISTRY
from ameide.model import AffectedReport, Graph

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

    from ameide.plan import TargetCommands
    from ameide.task import Task


def _short(sha: str | None) -> str:
    return sha[:10] if sha else "empty tree"


def render_affected(report: AffectedReport, console: Any, *, explain: bool = False) -> None:
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
    sections: list[Section] = []
    if explain and report.files:
        frows = []
        for f in report.files:
            owners = ", ".join(f.owners[:4]) + (
                f" (+{len(f.owners) - 4})" if len(f.owners) > 4 else ""
            )
            frows.append((f.status, f.path, f.kind, owners or "-"))
        fcols = (("status", WHOLE), ("path", WHOLE), ("counts as", WHOLE), ("owners", WORDS))
        sections.append(("changed files", fcols, frows, ()))
    if not report.affected:
        _tables(console, sections)
        console.print(Text("nothing affected", style="green"))
        return
    for eco in REGISTRY.names():
        rows = [a for a in report.affected if a.target.ecosystem == eco]
        if not rows:
            continue
        cells = []
        for a in rows:
            if explain:
                why = a.reason.explain()
            elif a.direct:
                why = a.reason.explain().split(" <- ", 1)[-1]
            else:
                why = f"depends on {a.reason.chain[1]}" + (
                    f" (+{len(a.reason.chain) - 2} more hops)" if len(a.reason.chain) > 2 else ""
                )
            cells.append((a.target.id, a.target.path, why))
        cols = (("target", WHOLE), ("path", WHOLE), ("why", WORDS))
        sections.append((f"{eco} ({len(rows)})", cols, cells, ()))
    _tables(console, sections)


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

# how a column may break: WHOLE never (ids, paths, statuses), WORDS only between words (a
# word of its own, such as an id in a list, is never split)
WHOLE, WORDS = "whole", "words"
_SEP = 3  # rich's column separator " │ " (show_edge=False, pad_edge=False)


def _fits(width: int, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[str]]) -> bool:
    """Whether a table of these rows fits `width` without splitting what must stay whole:
    WHOLE columns at their longest cell, WORDS columns at their longest word."""
    return (
        _SEP * (len(columns) - 1) + sum(_min_width(columns, rows, i) for i in range(len(columns)))
        <= width
    )


def _min_width(columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[str]], i: int) -> int:
    """A column's narrowest width: its header whole, and its longest cell (WHOLE) or word."""
    head, how = columns[i]
    cells = [r[i] for r in rows]
    if how == WHOLE:
        return max(len(c) for c in [head, *cells])
    return max([len(head), *(len(w) for c in cells for w in c.split())])


Section = tuple[str, "Sequence[tuple[str, str]]", "Sequence[Sequence[str]]", "Sequence[int]"]


def _tables(console: Any, sections: Sequence[Section]) -> None:
    """Rich tables when every one fits the console's width, folding only between words;
    else aligned plain lines for all of them (long lines, but no id is ever split, and one
    listing never mixes the two forms). (title, columns, rows, right-aligned columns)"""
    plain = any(
        len(rows) > TABLE_ROWS or not _fits(console.width, columns, rows)
        for _, columns, rows, _ in sections
    )
    for title, columns, rows, right in sections:
        if plain:
            _plain(console, title, [h for h, _ in columns], rows, right)
            continue
        from rich.table import Table

        table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
        for i, (head, how) in enumerate(columns):
            table.add_column(
                head,
                no_wrap=how == WHOLE,
                overflow="fold",
                justify="right" if i in right else "left",
                min_width=_min_width(columns, rows, i),
            )
        for r in rows:
            table.add_row(*r)
        console.print(table)


def _plain(
    console: Any,
    title: str,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    right: Sequence[int] = (),
) -> None:
    """Columns aligned with two spaces, the last one free; for pipes and narrow terminals."""
    cells = [tuple(header), *(tuple(r) for r in rows)]
    last = len(header) - 1
    w = [max(len(c[i]) for c in cells) for i in range(last)]
    lines = [title]
    for c in cells:
        parts = [f"{c[i]:>{w[i]}}" if i in right else f"{c[i]:<{w[i]}}" for i in range(last)]
        lines.append("  ".join([*parts, c[last]]).rstrip())
    console.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)


def render_targets(graph: Graph, console: Any, commands: Mapping[str, TargetCommands]) -> None:
    from rich.text import Text

    dependents = graph.dependents()
    for w in graph.warnings:
        console.print(Text(f"! {w}", style="yellow"))
    console.print(Text(f"{len(graph.targets)} targets in {graph.root}"))
    sections: list[Section] = []
    for eco in REGISTRY.names():
        targets = [t for t in graph.targets.values() if t.ecosystem == eco]
        if not targets:
            continue
        big = len(targets) > TABLE_ROWS
        rows = []
        for t in targets:
            cmds = " · ".join(
                f"{task.phase}: {short_command(task, t.id)}" for task, _ in commands[t.id].tasks
            )
            row = [t.id, t.path, str(len(t.deps)), str(len(dependents[t.id]))]
            if not big:  # the plain listing of a big ecosystem leaves the dependencies out
                row.append(", ".join(t.deps[:3]) + (" ..." if len(t.deps) > 3 else ""))
            rows.append((*row, cmds or "-"))
        columns = [("target", WHOLE), ("path", WHOLE), ("deps", WHOLE), ("dependents", WHOLE)]
        if not big:
            columns.append(("depends on", WORDS))
        columns.append(("phase commands", WORDS))
        sections.append((f"{eco} ({len(targets)})", columns, rows, (2, 3)))
    _tables(console, sections)
    console.print(
        Text(
            "phase commands: what `ameide run --all` runs for each target (without a base, so "
            "no buf breaking); `ameide targets --json` has the full commands and the notes",
            style="dim",
        )
    )
