"""The human `targets` listing: a rich table, or aligned plain lines for big ecosystems and
for consoles too narrow to show every id whole."""

from __future__ import annotations

import io

import pytest

from ameide.model import Graph, Target
from ameide.plan import TargetCommands
from ameide.report.console import make_console
from ameide.report.human import TABLE_ROWS, render_targets
from ameide.task import Task


def graph_of(n: int) -> tuple[Graph, dict[str, TargetCommands]]:
    targets = {}
    commands = {}
    for i in range(n):
        tid = f"pnpm:p{i:04d}"
        deps = (f"pnpm:p{i - 1:04d}",) if i else ()
        targets[tid] = Target(tid, "pnpm", f"p{i:04d}", f"packages/p{i:04d}", deps)
        test = Task(f"{tid} test", 1, 1, "unit", "pnpm", (tid,), ("pnpm", "run", "test"), ".")
        commands[tid] = TargetCommands(((test, test.argv),), ())
    return Graph("/r", targets), commands


def render(n: int) -> list[str]:
    buf = io.StringIO()
    graph, commands = graph_of(n)
    render_targets(graph, make_console(buf), commands)
    return buf.getvalue().splitlines()


def test_a_big_ecosystem_is_listed_as_aligned_plain_lines() -> None:
    lines = render(TABLE_ROWS + 1)
    assert lines[:3] == [
        f"{TABLE_ROWS + 1} targets in /r",
        f"pnpm ({TABLE_ROWS + 1})",
        "target      path            deps  dependents  phase commands",
    ]
    assert lines[3] == "pnpm:p0000  packages/p0000     0           1  1: test"
    assert lines[3 + TABLE_ROWS] == "pnpm:p0300  packages/p0300     1           0  1: test"
    assert lines[-1].startswith("phase commands: what `ameide run --all` runs")


def test_a_small_ecosystem_gets_the_table() -> None:
    lines = render(2)
    assert lines[1].startswith("pnpm (2)")
    assert any("phase commands" in ln and "┃" in ln for ln in lines)
    assert any(ln.startswith("pnpm:p0001") and ln.rstrip().endswith("1: test") for ln in lines)


def long_ids(n: int) -> tuple[Graph, dict[str, TargetCommands]]:
    targets, commands = {}, {}
    for i in range(n):
        tid = f"go:example.com/organisation/monorepo/services/team/svc{i}"
        deps = (f"go:example.com/organisation/monorepo/services/team/svc{i - 1}",) if i else ()
        targets[tid] = Target(tid, "go", tid[3:], f"services/team/svc{i}", deps)
        test = Task(f"go test {tid}", 1, 1, "unit", "go", (tid,), ("go", "test"), ".")
        commands[tid] = TargetCommands(((test, test.argv),), ())
    return Graph("/r", targets), commands


@pytest.mark.parametrize("columns", ["40", "80", "120"])
def test_a_target_id_is_never_split_across_lines(
    columns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    buf = io.StringIO()
    graph, commands = long_ids(3)
    render_targets(graph, make_console(buf), commands)
    out = buf.getvalue()
    for tid in graph.targets:
        assert tid in out, out
    # too narrow for a table that keeps them whole: aligned plain lines, no table rules
    assert "┃" not in out
    assert out.splitlines()[2].split() == [
        "target",
        "path",
        "deps",
        "dependents",
        "depends",
        "on",
        "phase",
        "commands",
    ]


def test_a_wide_console_keeps_the_table_and_folds_between_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "180")
    buf = io.StringIO()
    graph, commands = long_ids(3)
    render_targets(graph, make_console(buf), commands)
    out = buf.getvalue()
    assert "┃" in out
    for tid in graph.targets:
        assert tid in out, out
