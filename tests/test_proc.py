"""The process seam's executable lookup (the rest is exercised through the runner)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from ameide import proc


def tool(d: Path, name: str) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    p = d / name
    p.write_text("#!/bin/sh\nexit 0\n")
    p.chmod(0o755)
    return p


def test_the_first_executable_on_path_wins(tmp_path: Path) -> None:
    first = tool(tmp_path / "a", "ameide-tool-x")
    tool(tmp_path / "b", "ameide-tool-x")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "ameide-tool-x").write_text("not executable")
    env = {"PATH": os.pathsep.join(str(tmp_path / d) for d in ("c", "a", "b"))}
    assert proc._executable("ameide-tool-x", env) == str(first)


def test_no_lookup_for_paths_relative_path_entries_or_missing_tools(tmp_path: Path) -> None:
    tool(tmp_path / "a", "ameide-tool-y")
    assert proc._executable("./ameide-tool-y", {"PATH": str(tmp_path / "a")}) is None
    # a relative PATH entry depends on the child's cwd: leave the search to exec
    assert proc._executable("ameide-tool-y", {"PATH": f"bin:{tmp_path / 'a'}"}) is None
    assert proc._executable("ameide-no-such-tool", {"PATH": str(tmp_path / "a")}) is None


def _timed(tmp_path: Path, name: str, argv: tuple[str, ...], timeout: float, **kw: float) -> Any:
    return proc.run_logged(
        argv, str(tmp_path), env=None, log_path=str(tmp_path / f"{name}.log"), timeout=timeout, **kw
    )


def test_a_later_but_shorter_deadline_is_kept(tmp_path: Path) -> None:
    """The timeout watch sleeps until its earliest deadline: a task started later with a
    shorter timeout must wake it (it used to be a pidfd per task, polled with its own)."""
    out: dict[str, Any] = {}
    long = threading.Thread(
        target=lambda: out.setdefault("long", _timed(tmp_path, "long", ("sleep", "3"), 30.0))
    )
    long.start()
    time.sleep(0.2)  # the 30 s deadline is the watch's earliest now
    t0 = time.monotonic()
    short = _timed(tmp_path, "short", ("sleep", "30"), 0.3)
    took = time.monotonic() - t0
    assert short.timed_out and short.returncode is None, short
    assert 0.25 < took < 2.0, took
    assert "timed out after 0.3s" in (tmp_path / "short.log").read_text()
    long.join()
    assert out["long"].returncode == 0 and not out["long"].timed_out, out


def test_a_task_that_ignores_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    script = "trap '' TERM; echo ready; while :; do sleep 0.05; done"
    t0 = time.monotonic()
    res = _timed(tmp_path, "stubborn", ("sh", "-c", script), 0.3, grace=0.5)
    took = time.monotonic() - t0
    assert res.timed_out, res
    assert 0.7 < took < 3.0, took  # SIGTERM at 0.3 s (ignored), SIGKILL 0.5 s later


def test_a_task_done_before_its_deadline_is_not_killed_later(tmp_path: Path) -> None:
    """A finished task's deadline comes due with nothing to kill: no signal reaches a later
    process, and the watch goes on serving the deadlines after it."""
    first = _timed(tmp_path, "first", ("true",), 0.2)
    assert first.returncode == 0 and not first.timed_out
    time.sleep(0.4)  # the first deadline has passed: the watch dropped it
    res = _timed(tmp_path, "second", ("sleep", "0.5"), 5.0)
    assert res.returncode == 0 and not res.timed_out, res
    late = _timed(tmp_path, "late", ("sleep", "10"), 0.2)
    assert late.timed_out, late


# --- what an adversarial pass over the timeout watch found, each kept fixed here


def test_a_child_that_ended_in_time_is_not_timed_out_while_unreaped(tmp_path: Path) -> None:
    """The deadline passes after the child exited but before its worker reaped it (a busy
    worker waits for the GIL): it ended in time, and its free group id is not signalled."""
    p = subprocess.Popen(["true"], start_new_session=True)
    os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped
    entry = proc._WATCH.add(p.pid, 0.01, 1.0)
    assert entry is not None
    time.sleep(0.2)  # the deadline comes and goes while the child is a zombie
    assert (entry.state, entry.timed_out) == (0, False)
    assert p.wait() == 0
    assert proc._WATCH.reaped(entry) is None


def test_the_sigkill_comes_one_grace_after_the_sigterm(tmp_path: Path) -> None:
    """A leader that ignores SIGTERM and exits during the grace, leaving a child that
    ignores it too: the rest of its group is SIGKILLed when the first grace ends (it used
    to get a second grace from the leader's exit: ~2x the documented wait)."""
    pidfile = tmp_path / "child.pid"
    script = f"trap '' TERM; sleep 30 & echo $! > {pidfile}; sleep 0.8; exit 0"
    t0 = time.monotonic()
    res = _timed(tmp_path, "stubborn", ("sh", "-c", script), 0.3, grace=0.8)
    took = time.monotonic() - t0
    assert res.timed_out, res
    assert took < 1.35, took  # SIGTERM at 0.3 s, SIGKILL at 1.1 s (not 0.8 + 0.8 = 1.6 s)
    pid = int(pidfile.read_text())
    deadline = time.monotonic() + 2  # SIGKILLed: gone once the kernel has delivered it
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    """Running and not a zombie (a reparented zombie waits for PID 1 to reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except FileNotFoundError:
        return False
    return stat[stat.rfind(b")") + 2 :].split()[0] != b"Z"


def test_timeouts_hold_in_a_forked_child(tmp_path: Path) -> None:
    """The watch thread does not survive a fork: a child process (multiprocessing's default
    start method here) starts its own, so its tasks still time out."""
    _timed(tmp_path, "warm", ("true",), 5.0)  # the parent's watch thread is running
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through its exit code
        try:
            res = _timed(tmp_path, "in-child", ("sleep", "30"), 0.3)
            os._exit(0 if res.timed_out else 1)
        finally:
            os._exit(2)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    raise AssertionError("the forked child's task never timed out")


def test_a_task_that_removes_the_run_directory_then_times_out(tmp_path: Path) -> None:
    log = tmp_path / "run" / "phase1" / "logs" / "t.log"
    log.parent.mkdir(parents=True)
    res = proc.run_logged(
        ("sh", "-c", f"rm -rf {tmp_path / 'run'}; sleep 30"),
        str(tmp_path),
        env=None,
        log_path=str(log),
        timeout=0.3,
        grace=0.5,
    )
    assert res.timed_out, res
    assert "timed out after 0.3s" in log.read_text()


def test_a_deadline_during_a_stop_is_a_cancellation(tmp_path: Path) -> None:
    """The run is being stopped (an interrupt: everything is SIGTERMed, then SIGKILLed after
    the interrupt's grace) when a task's deadline comes: the task was cancelled, it did not
    time out (it used to say `timeout`, and the run's first failure named it)."""
    stopping = threading.Event()

    def interrupt() -> None:
        stopping.set()
        proc.terminate_all(grace=0.6)

    threading.Timer(0.2, interrupt).start()
    try:
        res = _timed(
            tmp_path, "stopped", ("sh", "-c", "trap '' TERM; sleep 30"), 0.4, stopping=stopping
        )
    finally:  # the task died of the interrupt's SIGKILL, after its hurry()
        proc.hurry(False)  # as a run's end does: later runs get their graces
    assert res.cancelled and not res.timed_out, res
    assert "timed out" not in (tmp_path / "stopped.log").read_text()


def test_reaped_entries_do_not_pile_up_in_a_long_session(tmp_path: Path) -> None:
    """Finished tasks' deadlines (900 s by default) are dropped, not kept until they come."""
    for _ in range(proc._Watch.COMPACT * 2 + 10):
        p = subprocess.Popen(["true"], start_new_session=True)
        entry = proc._WATCH.add(p.pid, 900.0, 1.0)
        assert entry is not None
        p.wait()
        assert proc._WATCH.reaped(entry) is None
    assert len(proc._WATCH._heap) <= proc._Watch.COMPACT + 1


def test_a_timed_out_group_gets_one_sigterm(tmp_path: Path) -> None:
    """The watch SIGTERMs the group at the deadline; when the leader dies of it, what is
    left gets the rest of the grace, not a second SIGTERM (which would cut short the
    handler a tool runs on the first)."""
    terms, ready = tmp_path / "terms", tmp_path / "ready"
    child = (
        "import signal, time\n"
        f"signal.signal(signal.SIGTERM, lambda *_: open({str(terms)!r}, 'a').write('TERM\\n'))\n"
        f"open({str(ready)!r}, 'w').close()\n"
        "while True: time.sleep(0.02)\n"
    )
    script = (
        f"{sys.executable} -c {shlex.quote(child)} & "
        f"while [ ! -e {ready} ]; do sleep 0.02; done; sleep 30"
    )
    res = _timed(tmp_path, "group", ("sh", "-c", script), 1.0, grace=0.6)
    assert res.timed_out, res
    assert terms.read_text() == "TERM\n"
