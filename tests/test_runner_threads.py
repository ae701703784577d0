"""The runner's worker threads against stops, limits and odd tasks (real processes): what
an adversarial pass over the thread-based runner found, each kept fixed here."""

from __future__ import annotations

import fcntl
import math
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import types
from pathlib import Path
from typing import Any

import pytest

from ameide import proc
from ameide.runner import Runner, TaskResult
from ameide.task import Task


class Quiet:
    def task_started(self, task: Task) -> None: ...
    def task_finished(self, result: TaskResult) -> None: ...


def task(tid: str, argv: tuple[str, ...], cwd: str = ".", **kw: Any) -> Task:
    return Task(tid, 1, 1, "unit", "test", (), argv, cwd, **kw)


def runner(tmp_path: Path, jobs: int = 2) -> Runner:
    return Runner(
        str(tmp_path), str(tmp_path / "run"), jobs=jobs, env=dict(os.environ), listener=Quiet()
    )


def test_no_task_starts_once_the_run_is_stopped(tmp_path: Path) -> None:
    r = runner(tmp_path)
    r.stop()
    marker = tmp_path / "ran"
    results = r.run_phase([task(f"t{i}", ("touch", str(marker))) for i in range(3)])
    assert not marker.exists()
    assert {x.status for x in results} <= {"cancelled", "skipped"}, results


def test_a_task_started_as_the_stop_came_is_killed_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The signal lands while a worker is starting a child, after the interrupt listed what
    to kill: the child is killed as soon as it is registered, not waited for (it used to
    run to its end, 20 s in the report, 15 minutes with the default timeout)."""
    r = runner(tmp_path)
    real = proc._register

    def register_then_stop(pgid: int) -> None:
        real(pgid)
        r.stop()

    monkeypatch.setattr(proc, "_register", register_then_stop)
    t0 = time.monotonic()
    (res,) = r.run_phase([task("slow", ("sleep", "30"))])
    assert time.monotonic() - t0 < 5
    assert res.status == "cancelled", res


@pytest.mark.parametrize("timeout", [3_000_000.0, math.inf])
def test_a_huge_or_infinite_timeout_is_no_timeout(tmp_path: Path, timeout: float) -> None:
    (res,) = runner(tmp_path).run_phase([task("t", ("true",), timeout=timeout)])
    assert res.status == "passed", res


def test_a_fractional_timeout_is_reported_as_set(tmp_path: Path) -> None:
    (res,) = runner(tmp_path).run_phase([task("t", ("sleep", "10"), timeout=0.3)])
    assert res.status == "timeout" and "timed out after 0.3s" in res.message, res.message


def test_waiting_for_the_install_lock_ends_with_the_stop(tmp_path: Path) -> None:
    """Another run holds the install lock: a stop while waiting cancels the install, which
    never runs (it used to wait the other run out, then install anyway)."""
    lock = tmp_path / "state" / "install.lock"
    lock.parent.mkdir()
    held = os.open(lock, os.O_RDWR | os.O_CREAT)
    fcntl.flock(held, fcntl.LOCK_EX)
    marker = tmp_path / "installed"
    r = runner(tmp_path)
    threading.Timer(0.3, r.stop).start()
    t0 = time.monotonic()
    try:
        (res,) = r.run_phase([task("install", ("touch", str(marker)), params={"lock": str(lock)})])
    finally:
        os.close(held)
    assert time.monotonic() - t0 < 3
    assert res.status == "cancelled" and not marker.exists(), res


def test_a_log_being_cleaned_when_the_run_stops_keeps_no_credential(tmp_path: Path) -> None:
    from ameide.sanitize import DROPPED, Scrubber

    secret = "supersecretvalue123"
    log = tmp_path / "big.log"
    log.write_bytes(b"x" * (3 << 20) + f"token {secret}\n".encode() + b"y" * 100)
    stop = threading.Event()
    stop.set()
    Scrubber({"MY_API_TOKEN": secret}).file(str(log), stop)
    data = log.read_bytes()
    assert secret.encode() not in data and data.endswith(DROPPED)


def test_why_a_task_could_not_start(tmp_path: Path) -> None:
    (tmp_path / "notexec.sh").write_text("#!/bin/sh\necho hi\n")
    bad = tmp_path / "badinterp.sh"
    bad.write_text("#!/no/such/interpreter\necho hi\n")
    bad.chmod(0o755)
    results = runner(tmp_path, jobs=1).run_phase(
        [
            task("gone", ("true",), cwd="no-such-dir"),
            task("perm", ("./notexec.sh",)),
            task("interp", ("./badinterp.sh",)),
            task("missing", ("no-such-tool-xyz",)),
        ]
    )
    why = {x.task.id: (x.status, x.message) for x in results}
    assert why["gone"] == (
        "error",
        f"cannot start true: its working directory {tmp_path / 'no-such-dir'} does not exist",
    ), why
    assert why["perm"] == ("error", "cannot start ./notexec.sh: Permission denied"), why
    assert why["interp"][1] == (
        "cannot start ./badinterp.sh: the interpreter its #! line names was not found"
    ), why
    assert why["missing"] == ("error", "no-such-tool-xyz: command not found"), why


def test_a_task_that_removes_the_run_directory_does_not_end_the_run(tmp_path: Path) -> None:
    r = runner(tmp_path, jobs=1)
    results = r.run_phase(
        [task("a", ("rm", "-rf", str(tmp_path / "run"))), task("b", ("echo", "after"))]
    )
    assert [x.status for x in results] == ["passed", "passed"]
    assert "after" in Path(results[1].log or "").read_text()


def test_fewer_lanes_when_no_more_threads_can_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = threading.Thread.start
    lanes: list[str] = []

    def start(self: threading.Thread) -> None:
        if self.name.startswith("ameide-lane-"):
            if lanes:
                raise RuntimeError("can't start new thread")
            lanes.append(self.name)
        real(self)

    monkeypatch.setattr(threading.Thread, "start", start)
    results = runner(tmp_path, jobs=8).run_phase([task(f"t{i}", ("true",)) for i in range(5)])
    assert [x.status for x in results] == ["passed"] * 5 and lanes == ["ameide-lane-0"]


def test_a_signal_while_the_process_seam_is_half_imported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The handler met `ameide.proc` mid-import (no terminate_all yet) and ended the run as
    an internal error; nothing was started through it, so it only unwinds."""
    from ameide.interrupt import Interrupts

    monkeypatch.setitem(sys.modules, "ameide.proc", types.ModuleType("ameide.proc"))
    with pytest.raises(KeyboardInterrupt):
        Interrupts()._handle(signal.SIGINT, None)


def test_ctrl_c_while_a_command_loads_is_a_one_line_exit(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import ameide.cli as cli

    def loading(args: list[str]) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_fast_lane", loading)
    assert cli.main(["run", "--all"]) == 130
    assert capsys.readouterr().err == "ameide: interrupted\n"


def test_a_stopped_child_gets_its_grace(tmp_path: Path) -> None:
    """run_logged's `grace` (the gate gives `ameide test` WIND_DOWN to write its evidence):
    a child that takes 1.5 s to wind down after SIGTERM finishes doing so."""
    done = tmp_path / "wound-down"
    script = textwrap.dedent(
        f"""
        import signal, sys, time
        def bye(*_):
            time.sleep(1.5)
            open({str(done)!r}, "w").close()
            sys.exit(0)
        signal.signal(signal.SIGTERM, bye)
        time.sleep(60)
        """
    )
    res = proc.run_logged(
        (sys.executable, "-c", script),
        str(tmp_path),
        env=None,
        log_path=str(tmp_path / "log"),
        timeout=1.0,
        grace=5.0,
    )
    assert res.timed_out and done.exists()


def test_the_gate_stops_its_test_run_on_sigterm(tmp_path: Path) -> None:
    """SIGTERM to the gate stops its `ameide test` (a session of its own) instead of leaving
    it running without the gate."""
    pid_file = tmp_path / "child.pid"
    child = (
        f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(300)"
    )
    driver = textwrap.dedent(
        f"""
        import sys
        from ameide import proc
        from ameide.agents.gate import _signals_interrupt
        try:
            with _signals_interrupt():
                proc.run_logged((sys.executable, "-c", {child!r}), {str(tmp_path)!r}, env=None,
                                log_path={str(tmp_path / "log")!r}, timeout=300, grace=1.0)
        except KeyboardInterrupt:
            sys.exit(130)
        """
    )
    gate = subprocess.Popen([sys.executable, "-c", driver])
    deadline = time.monotonic() + 30
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = int(pid_file.read_text())
    gate.send_signal(signal.SIGTERM)
    assert gate.wait(timeout=10) == 130
    time.sleep(0.2)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_signal_inside_the_import_machinery_is_raised_a_moment_later() -> None:
    """Raised inside importlib (a weakref callback holding the global import lock), the
    KeyboardInterrupt was "ignored" with the lock still held: the helper threads' next
    import waited forever and so did the run. It is raised once the main thread is out."""
    from ameide.interrupt import Interrupts

    code = types.SimpleNamespace(co_filename="<frozen importlib._bootstrap>")
    frame: Any = types.SimpleNamespace(f_code=code)
    with pytest.raises(KeyboardInterrupt), Interrupts() as it:
        it._handle(signal.SIGTERM, frame)  # put off: returns
        assert it.count == 1
        time.sleep(2)  # the signal comes again here and raises
    assert it.count == 1  # one signal, not two


def test_an_exception_in_the_waiting_thread_stops_the_lanes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C reaching the thread that waits for the lanes (no ameide handlers installed,
    as when ameide is embedded): the lanes take no further task."""
    r = runner(tmp_path, jobs=1)
    marker = tmp_path / "second"
    real_join = threading.Thread.join

    def join(self: threading.Thread, timeout: float | None = None) -> None:
        if self.name.startswith("ameide-lane-"):
            raise KeyboardInterrupt
        real_join(self, timeout)

    monkeypatch.setattr(threading.Thread, "join", join)
    with pytest.raises(KeyboardInterrupt):
        r.run_phase([task("a", ("sleep", "0.5")), task("b", ("touch", str(marker)))])
    monkeypatch.undo()
    time.sleep(1.0)
    assert r.stopping.is_set() and not marker.exists()
