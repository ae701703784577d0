"""Console output of the test engine: plain lines, GitHub annotations, the closing block."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from ameide.evidence.junit import Case
from ameide.report.console import make_console
from ameide.report.testview import PlainListener, make_listener, render_closing
from ameide.runner import TaskResult
from ameide.task import Task


def console() -> tuple[Any, io.StringIO]:
    buf = io.StringIO()
    return make_console(buf), buf


def result(status: str, cases: tuple[Case, ...] = (), message: str = "") -> TaskResult:
    t = Task(
        "go test example.com/m",
        1,
        1,
        "unit",
        "go",
        ("go:example.com/m/a",),
        ("go", "test", "-json", "example.com/m/a"),
        "go/m",
    )
    return TaskResult(
        t, status, 1 if status == "failed" else 0, 1.25, None, cases, "converted", message
    )


def test_plain_lines() -> None:
    c, buf = console()
    lst = PlainListener(c, {})
    lst.phase_started(1, [result("passed").task])
    lst.task_finished(result("passed"))
    lst.task_finished(result("failed", message="exit code 1"))
    lst.phase_finished(1, [], "failed", 2.5)
    assert buf.getvalue().splitlines() == [
        "== phase 1 unit: 1 task",
        "  PASS go test example.com/m (1.2s)",
        "  FAIL go test example.com/m (1.2s)  exit code 1",
        "   phase 1 failed in 2.5s",
    ]


def test_github_groups_and_error_annotations() -> None:
    c, buf = console()
    lst = PlainListener(c, {"GITHUB_ACTIONS": "true"})
    failing = Case(
        "example.com/m/a",
        "example.com/m/a",
        "TestX",
        0.1,
        "failed",
        "TestX failed",
        "a_test.go:3: got 1, want 2\n",
        "go/m/a/a_test.go",
        3,
    )
    lst.phase_started(1, [result("failed").task])
    lst.phase_finished(1, [result("failed", (failing,))], "failed", 1.0)
    lines = buf.getvalue().splitlines()
    assert lines[0] == "::group::phase 1 unit: 1 task"
    assert lines[1] == "::endgroup::"
    # the case's excerpt without its location (the annotation has it) or `TestX failed`
    assert lines[2] == (
        "::error file=go/m/a/a_test.go,line=3,title=go test example.com/m%3A "
        "TestX::a_test.go:3: got 1, want 2"
    )


def test_no_live_view_without_a_tty_or_in_ci() -> None:
    c, _ = console()
    assert type(make_listener(c, {}, ci=False)) is PlainListener


DOC: dict[str, Any] = {
    "mode": "test",
    "result": "failed",
    "exit_code": 1,
    "root": "/r",
    "run_id": "RID",
    "targets": [{"id": "go:example.com/m/a"}],
    "totals": {"duration": 3.5, "tasks": 2, "tests": 7},
    "phases": [
        {
            "phase": 0,
            "name": "contract",
            "status": "passed",
            "duration": 1.0,
            "tasks": [
                {
                    "id": "go vet example.com/m",
                    "kind": "vet",
                    "status": "passed",
                    "log": "l0",
                    "tests": {"total": 1},
                }
            ],
        },
        {
            "phase": 1,
            "name": "unit",
            "status": "failed",
            "duration": 2.5,
            "tasks": [
                {
                    "id": "go test example.com/m",
                    "kind": "unit",
                    "status": "failed",
                    "log": "phase1/logs/go_test.log",
                    "tests": {"total": 6, "failed": 1},
                }
            ],
        },
        {"phase": 2, "name": "integration-local", "status": "not-run", "duration": 0, "tasks": []},
    ],
    "first_failure": {
        "task": "go test example.com/m",
        "phase": 1,
        "targets": ["go:example.com/m/a"],
        "command": "go test -json ./a",
        "cwd": "go/m",
        "test": "TestX",
        "file": "go/m/a/a_test.go",
        "line": 3,
        "excerpt": "TestX failed\na_test.go:3: got 1, want 2",
    },
    "warnings": [],
}


def test_closing_block_names_the_first_actionable_error() -> None:
    c, buf = console()
    render_closing(DOC, c, "/r")
    assert buf.getvalue().splitlines() == [
        "",
        "ameide test: FAILED (exit 1)",
        "  phase 0 contract           passed         1.0s  (1 task)",
        "  phase 1 unit               failed         2.5s  (1 task, 1 failed)",
        "  phase 2 integration-local  not-run",
        "  total 3.5s, 1 target, 2 tasks, 1 check, 6 test cases",
        "  evidence: artifacts/agent-ci/RID/",
        "",
        "first failure: go test example.com/m (phase 1)",
        "  targets: go:example.com/m/a",
        "  command: go test -json ./a  (in go/m)",
        "  test:    TestX (go/m/a/a_test.go:3)",
        "  | TestX failed",
        "  | a_test.go:3: got 1, want 2",
        "  full log: artifacts/agent-ci/RID/phase1/logs/go_test.log",
    ]


def test_closing_block_points_at_report_html(tmp_path: Path) -> None:
    run = tmp_path / "artifacts" / "agent-ci" / "RID"
    run.mkdir(parents=True)
    (run / "report.html").write_text("<!doctype html>")
    c, buf = console()
    render_closing({**DOC, "root": str(tmp_path)}, c, str(tmp_path))
    lines = buf.getvalue().splitlines()
    i = lines.index("  evidence: artifacts/agent-ci/RID/")
    assert lines[i + 1] == "  report:   artifacts/agent-ci/RID/report.html  (open it in a browser)"


def test_from_a_subdirectory_every_path_is_from_the_root_and_it_says_so(tmp_path: Path) -> None:
    """Run in js/core: the evidence, the report, the log and the test's file all from the
    repository root (as the excerpt and summary.json give them), and one line says so."""
    run = tmp_path / "artifacts" / "agent-ci" / "RID"
    run.mkdir(parents=True)
    (run / "report.html").write_text("<!doctype html>")
    (tmp_path / "js" / "core").mkdir(parents=True)
    c, buf = console()
    render_closing({**DOC, "root": str(tmp_path)}, c, str(tmp_path / "js" / "core"))
    lines = buf.getvalue().splitlines()
    i = lines.index("  evidence: artifacts/agent-ci/RID/")
    assert lines[i + 1] == "  report:   artifacts/agent-ci/RID/report.html  (open it in a browser)"
    root_line = f"  paths are from the repository root: {tmp_path}"
    assert lines.count(root_line) == 1
    if DOC.get("first_failure"):  # inside the failure's block, after its full log
        assert lines.index(root_line) > lines.index(next(x for x in lines if "first failure" in x))
    else:
        assert lines[i + 2] == root_line
    assert not any("../" in ln for ln in lines)
    c, buf = console()
    render_closing({**DOC, "root": str(tmp_path)}, c, str(tmp_path))
    assert "paths are from the repository root" not in buf.getvalue()


def test_closing_block_header_names_the_command_and_aligns_interrupted() -> None:
    c, buf = console()
    phases = [dict(DOC["phases"][0], status="interrupted")]
    render_closing(dict(DOC, mode="ci", result="interrupted", phases=phases), c, "/r")
    lines = buf.getvalue().splitlines()
    assert lines[1] == "ameide test ci: INTERRUPTED (exit 1)"
    assert lines[2] == "  phase 0 contract           interrupted    1.0s  (1 task)"


def test_a_long_task_is_named_at_30s_and_every_60s_after() -> None:
    """Without a TTY nothing else would say a cold `go vet` is still alive."""
    import time

    c, buf = console()
    lst = PlainListener(c, {})
    slow, quick = result("passed").task, Task("q", 1, 1, "unit", "go", (), ("true",), ".")
    t0 = time.monotonic()
    lst.task_started(slow)
    lst.task_started(quick)
    lst.tick(t0 + 29.5)
    assert buf.getvalue() == ""
    lst.tick(t0 + 30.2)
    assert buf.getvalue().splitlines() == [
        "  ... still running: go test example.com/m (30s), q (30s)"
    ]
    lst.task_finished(TaskResult(quick, "passed", 0, 31.0, None, (), "synthetic", ""))
    for at in (31, 60, 89.9):  # nothing new until 60 s after the first line
        lst.tick(t0 + at)
    assert len(buf.getvalue().splitlines()) == 2  # the first line and q's PASS
    lst.tick(t0 + 90.1)
    lst.tick(t0 + 150.3)
    lines = buf.getvalue().splitlines()
    assert lines[2:] == [
        "  ... still running: go test example.com/m (90s)",
        "  ... still running: go test example.com/m (150s)",
    ]


def test_progress_lines_follow_ameide_progress() -> None:
    from ameide.report.testview import cadence

    assert cadence({}) == (30.0, 60.0)
    assert cadence({"AMEIDE_PROGRESS": "5,10"}) == (5.0, 10.0)
    assert cadence({"AMEIDE_PROGRESS": "5"}) == (5.0, 60.0)
    assert cadence({"AMEIDE_PROGRESS": "off"}) is None
    from ameide.errors import UsageError

    for bad in ("soon", "-5", "1,2,3", "5,0"):
        with pytest.raises(UsageError):
            cadence({"AMEIDE_PROGRESS": bad})
    c, buf = console()
    lst = PlainListener(c, {"AMEIDE_PROGRESS": "off"})
    lst.task_started(result("passed").task)
    lst.tick(1e9)
    assert buf.getvalue() == ""


def test_a_real_run_without_a_tty_says_what_is_still_running(
    tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    """End to end, output to a pipe: a task sleeping 4 s is named while it runs, again and again."""
    import os
    import subprocess

    from tests.conftest import ROOT, git, tool_env, write_files

    repo = tmp_path / "r"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write_files(
        repo,
        {
            "go.mod": "module example.com/m\n\ngo 1.22\n",
            "a/a.go": "package a\n",
            "ameide.toml": '[targets."go:example.com/m/a"]\nunit = ["sleep", "4"]\n',
        },
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "x")
    env = {**tool_env(), "AMEIDE_PROGRESS": "1,1", "AMEIDE_CACHE": "0", "CI": "1"}
    out = subprocess.run(
        [os.path.join(ROOT, ".venv", "bin", "ameide"), "run", "--phase", "1", "--all"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    lines = [ln for ln in out.stdout.splitlines() if "still running" in ln]
    # the loop looks once a second: a line may come up to a second after it is due
    said = [
        ln.removeprefix("  ... still running: go:example.com/m/a unit (ameide.toml) (")
        for ln in lines
    ]
    assert len(said) >= 2 and all(s.endswith("s)") for s in said), out.stdout
    secs = [int(s[:-2]) for s in said]
    assert secs == sorted(set(secs)) and secs[0] <= 2 and secs[-1] <= 4, out.stdout
    assert "\x1b" not in out.stdout


class Flushes(io.StringIO):
    """A pipe's stream: what was flushed is what a reader has seen; `writes` counts the
    writes, which an unbuffered stream (PYTHONUNBUFFERED) would each pass to the pipe."""

    def __init__(self) -> None:
        super().__init__()
        self.seen = ""
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)

    def flush(self) -> None:
        self.seen = self.getvalue()


def test_plain_lines_are_let_out_in_batches_and_never_held_for_long(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A line per task in a pipe, but not a write per line (500 short tasks: 500 writes and
    wake-ups of the reader): held back at most FLUSH_EVERY, until the next tick (every
    second while a phase runs) or the end of the phase."""
    from ameide.report import console as mod

    now = [100.0]
    monkeypatch.setattr(mod.time, "monotonic", lambda: now[0])
    out = Flushes()
    view = PlainListener(mod.PlainConsole(out), {})
    view.phase_started(1, [])
    assert out.seen.endswith("== phase 1 unit: 0 tasks\n")  # the first line goes out at once
    view.task_finished(result("passed"))
    view.task_finished(result("passed"))
    assert out.seen.count("PASS") == 0  # within FLUSH_EVERY of the last write: held
    assert out.writes == 1  # held by the console itself, not by the stream's buffer
    now[0] += mod.PlainConsole.FLUSH_EVERY * 1.5
    view.task_finished(result("failed"))
    assert out.seen.count("PASS") == 2 and "FAIL" in out.seen
    view.task_finished(result("passed"))
    view.tick()  # a second into a long task: what was held goes out
    assert out.seen.count("PASS") == 3
    view.task_finished(result("passed"))
    view.phase_finished(1, [], "failed", 1.0)
    assert out.seen == out.getvalue() and out.seen.endswith("phase 1 failed in 1.0s\n")


def test_a_still_running_line_goes_out_with_its_own_tick(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tick that names a long task lets that line out too (it used to wait a tick)."""
    from ameide.report import console as mod

    now = [100.0]
    monkeypatch.setattr(mod.time, "monotonic", lambda: now[0])
    out = Flushes()
    view = PlainListener(mod.PlainConsole(out), {"AMEIDE_PROGRESS": "1,1"})
    view.phase_started(1, [])
    view.task_started(result("passed").task)
    view.tick(now=101.5)
    assert "still running: go test example.com/m (2s)" in out.seen, out.seen
