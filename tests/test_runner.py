"""The runner through the process seam, with processes faked by pytest-subprocess."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Any

import pytest
from pytest_subprocess import FakeProcess

from ameide.runner import Runner, TaskResult, how_it_ended
from ameide.task import Task


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []

    def task_started(self, task: Task) -> None:
        self.events.append(("start", task.id, ""))

    def task_finished(self, result: TaskResult) -> None:
        self.events.append(("finish", result.task.id, result.status))


def task(tid: str, argv: tuple[str, ...], **kw: Any) -> Task:
    return Task(tid, 1, 1, "unit", "pnpm", (f"pnpm:{tid}",), argv, ".", **kw)


def run(tmp_path: Path, tasks: list[Task], *, jobs: int = 2) -> tuple[list[TaskResult], Recorder]:
    rec = Recorder()
    runner = Runner(
        str(tmp_path), str(tmp_path / "run"), jobs=jobs, env=dict(os.environ), listener=rec
    )
    results = runner.run_phase(tasks)
    return results, rec


def test_passing_and_failing_tasks_are_results(tmp_path: Path, fp: FakeProcess) -> None:
    fp.register(["ok"], stdout="fine\n")
    fp.register(["bad"], stdout="it broke\n", returncode=3)
    results, _ = run(tmp_path, [task("a", ("ok",)), task("b", ("bad",))])
    assert [(r.task.id, r.status, r.exit_code) for r in results] == [
        ("a", "passed", 0),
        ("b", "failed", 3),
    ]
    assert results[1].message == "exit code 3"
    # the failure is visible in the evidence even though the tool wrote no report
    synthetic = results[1].cases[-1]
    assert synthetic.status == "failed" and "$ bad" in synthetic.text
    assert results[0].cases[0].status == "passed"
    log = Path(results[1].log or "").read_text()
    assert log.startswith("$ (cd . && bad)\n")


def test_ok_codes_and_missing_commands(tmp_path: Path, fp: FakeProcess) -> None:
    fp.register(["collect"], returncode=5)
    fp.allow_unregistered(True)  # the missing tool really is missing
    results, _ = run(
        tmp_path,
        [task("c", ("collect",), ok_codes=(0, 5)), task("m", ("no-such-tool-xyz",))],
    )
    assert [r.status for r in results] == ["passed", "error"]
    assert results[1].message == "no-such-tool-xyz: command not found"


def test_a_failure_cancels_nothing_else_in_its_phase(tmp_path: Path, fp: FakeProcess) -> None:
    """Which tasks a cancellation would catch depends on who finished first: the phase runs
    to its end, so the same tree gives the same failed tasks every time."""
    fp.register(["bad"], returncode=1)
    fp.register(["later"])
    fp.register(["later2"], returncode=2)
    tasks = [task("bad", ("bad",)), task("later", ("later",)), task("later2", ("later2",))]
    results, rec = run(tmp_path, tasks, jobs=1)
    assert [r.status for r in results] == ["failed", "passed", "failed"]
    assert [e[1] for e in rec.events if e[0] == "start"] == ["bad", "later", "later2"]


def test_every_task_runs_after_failures(tmp_path: Path, fp: FakeProcess) -> None:
    fp.register(["bad"], returncode=1)
    fp.register(["bad2"], returncode=1)
    results, _ = run(tmp_path, [task("x", ("bad",)), task("y", ("bad2",))], jobs=1)
    assert [r.status for r in results] == ["failed", "failed"]


def test_prepare_stage_failure_skips_the_rest(tmp_path: Path, fp: FakeProcess) -> None:
    fp.register(["install"], returncode=1)
    install = Task("install", 0, 0, "install", "pnpm", (), ("install",), ".")
    check = Task("check", 0, 1, "typecheck", "pnpm", ("pnpm:a",), ("check",), ".")
    results, _ = run(tmp_path, [install, check])
    assert [(r.task.id, r.status) for r in results] == [("install", "failed"), ("check", "skipped")]


def test_junit_placeholder_is_replaced_and_report_read(tmp_path: Path, fp: FakeProcess) -> None:
    def write_report(process: Any) -> None:
        path = next(a.split("=", 1)[1] for a in process.args if a.startswith("--junitxml="))
        Path(path).write_text(
            '<testsuite name="s"><testcase name="t1" time="0.5"/>'
            '<testcase name="t2"><failure message="m">x</failure></testcase>'
            "</testsuite>"
        )

    report = tmp_path / "run" / "phase1" / "reports" / "p.xml"
    fp.register(["pytest", f"--junitxml={report}"], callback=write_report, returncode=1)
    t = task("p", ("pytest", "--junitxml={junit}"), report="junit")
    (result,), _ = run(tmp_path, [t])
    assert result.junit_source == "native"
    assert [(c.name, c.status) for c in result.cases] == [("t1", "passed"), ("t2", "failed")]
    assert result.report == str(report) == t.report_file(str(tmp_path / "run"))
    # the log names the command that ran, report path and all, ready to paste
    assert Path(result.log or "").read_text().splitlines()[0] == (
        f"$ (cd . && pytest --junitxml={report})"
    )


def test_a_synthetic_case_shows_the_command_that_ran(tmp_path: Path, fp: FakeProcess) -> None:
    report = tmp_path / "run" / "phase1" / "reports" / "p.xml"
    fp.register(["pytest", f"--junitxml={report}"], stdout="crashed early\n", returncode=4)
    t = task("p", ("pytest", "--junitxml={junit}"), report="junit")
    (result,), _ = run(tmp_path, [t])
    assert (result.status, result.message, result.junit_source) == (
        "failed",
        "exit code 4",
        "synthetic",
    )
    assert result.cases[-1].text.splitlines() == [
        f"$ pytest --junitxml={report}",
        "exit code: 4",
        f"$ (cd . && pytest --junitxml={report})",
        "crashed early",
    ]


def test_real_timeout_kills_the_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    script = f"sleep 60 & echo $! > {pidfile}; wait"
    t = task("slow", ("sh", "-c", script), timeout=1.0)
    (result,), _ = run(tmp_path, [t])
    assert result.status == "timeout"
    assert result.message == "timed out after 1s (process group killed)"
    assert not alive(int(pidfile.read_text()))  # the grandchild died with its group
    # no `exit code: None`: the case says how the task ended
    assert result.cases[-1].text.splitlines()[:2] == [
        f"$ sh -c {shlex.quote(script)}",
        "killed after the timeout (1s)",
    ]


def test_a_crash_names_the_signal(tmp_path: Path) -> None:
    t = task("crash", ("sh", "-c", "echo boom; kill -SEGV $$"))
    (result,), _ = run(tmp_path, [t])
    assert (result.status, result.exit_code, result.message) == (
        "failed",
        -11,
        "killed by SIGSEGV",
    )
    assert result.cases[-1].text.splitlines()[1:] == [
        "killed by SIGSEGV",
        "$ (cd . && sh -c 'echo boom; kill -SEGV $$')",
        "boom",
    ]


def test_how_it_ended() -> None:
    assert [how_it_ended(c) for c in (0, 3, -9, -200, None)] == [
        "exit code 0",
        "exit code 3",
        "killed by SIGKILL",
        "killed by signal 200",
        "killed",
    ]
    assert how_it_ended(3, sep=": ") == "exit code: 3"


@pytest.mark.parametrize(
    ("tid", "slug"),
    [
        ("pnpm install .", "pnpm_install"),
        ("uv sync .", "uv_sync"),
        ("go test example.com/monorepo/lib", "go_test_example.com_monorepo_lib"),
        ("uv:acme-common unit (ameide.toml)", "uv_acme-common_unit_ameide.toml"),
        ("pnpm:@example/ui test", "pnpm_example_ui_test"),
        ("a ../../b", "a_._._b"),
        ("...", "task"),
        ("x" * 119, "x" * 119),
        # cut at 120 characters, with a hash of the whole id: unique by construction
        ("x" * 119 + " y", "x" * 107 + "-30bc64483f74"),
    ],
)
def test_log_names_have_no_dangling_separators(tid: str, slug: str) -> None:
    got = task(tid, ()).slug
    assert got == slug
    assert ".." not in got and not got.endswith(("_", ".", "-"))


def alive(pid: int) -> bool:
    """Running and not a zombie (a reparented zombie waits for PID 1 to reap it)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except FileNotFoundError:
        return False
    return stat[stat.rfind(b")") + 2 :].split()[0] != b"Z"


def test_huge_output_is_streamed_to_the_log(tmp_path: Path) -> None:
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cmd = ("python3", "-c", "import sys\nfor _ in range(200):\n sys.stdout.write('x' * 1048576)")
    (result,), _ = run(tmp_path, [task("big", cmd)])
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert result.status == "passed"
    assert os.path.getsize(result.log or "") > 200 * 1024 * 1024
    assert after - before < 50 * 1024  # KiB: the 200 MiB never went through our memory


def test_real_tasks_get_one_log_each_with_one_header(tmp_path: Path) -> None:
    tasks = [task(f"t{i}", ("sh", "-c", f"echo out {i}")) for i in range(30)]
    results, _ = run(tmp_path, tasks, jobs=2)
    assert all(r.status == "passed" for r in results)
    for i, r in enumerate(results):
        # the helper thread wrote the header ahead of the task, the task appended its output
        assert Path(r.log or "").read_text() == f"$ (cd . && sh -c 'echo out {i}')\nout {i}\n"


def test_tasks_that_never_started_leave_no_log(tmp_path: Path) -> None:
    """A failed install stage skips the rest: those tasks get results but no log files."""
    install = Task("install", 1, 0, "install", "pnpm", (), ("false",), ".")
    tasks = [install] + [task(f"later{i}", ("true",)) for i in range(10)]
    results, _ = run(tmp_path, tasks, jobs=1)
    assert [r.status for r in results] == ["failed"] + ["skipped"] * 10
    logs = sorted(p.name for p in (tmp_path / "run" / "phase1" / "logs").iterdir())
    assert logs == [results[0].task.slug + ".log"]


def test_the_program_keeps_its_own_name_as_argv0(tmp_path: Path) -> None:
    # the executable is resolved on PATH once, but the child still sees the name it was given
    (result,), _ = run(tmp_path, [task("name", ("sh", "-c", "echo $0"))])
    assert Path(result.log or "").read_text().splitlines()[-1] == "sh"
