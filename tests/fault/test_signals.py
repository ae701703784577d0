"""Signals and containment (issue 12, items 1, 4, 5 and 11), with ameide as a real process:
SIGINT, SIGTERM and SIGHUP end a run within 3 s with every process its tasks started gone
(a child in the task's group, a `setsid` daemon, a double-forked one), exit 130 and a
summary.json saying `interrupted`; a second signal shortens the grace and still leaves the
evidence; a stuck remote download does not hold the exit; a closed terminal is a SIGHUP; a
signal while planning is a one-line exit; and a run that passes leaves nothing behind."""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cache.conftest import FakeGo, MakeGoRepo
from tests.conftest import write_files
from tests.fault.servers import Hostile, drip, drip_headers
from tests.integration.conftest import (
    AMEIDE,
    Spawned,
    alive,
    ameide_env,
    marked_processes,
    wait_until,
)

pytestmark = pytest.mark.fault

Spawn = Callable[..., Spawned]
B = "go:example.com/m/b"
CHANGE = {"b/b.go": "package b\n\nfunc B() int { return 2 }\n"}
DEADLINE = 3.0  # issue 12: ameide and every task gone within 3 s of the signal

# A task that leaves processes behind three ways: a child in its own process group, a child
# in a session of its own (`setsid`), and a double-forked daemon already orphaned while the
# task runs. With `trap`, the task ignores SIGTERM: only SIGKILL ends it.
TASK = r"""
import os, signal, subprocess, sys, time
mode = sys.argv[1]
if mode == "trap":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if mode == "exit0":  # a tool that winds down cleanly on SIGTERM
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
group = subprocess.Popen(["sleep", "300"])
session = subprocess.Popen(["sleep", "301"], start_new_session=True)
subprocess.run(["setsid", "sh", "-c", "sleep 302 >/dev/null 2>&1 &"], check=True)
path = os.environ["FAULT_PIDS"]
with open(path + ".tmp", "w") as fh:
    fh.write(f"{os.getpid()} {group.pid} {session.pid}")
os.rename(path + ".tmp", path)
if mode == "pass":
    sys.exit(0)
time.sleep(300)
"""


def task_repo(go_repo: MakeGoRepo, tmp_path: Path, mode: str) -> Path:
    script = tmp_path / "task.py"
    script.write_text(TASK)
    repo = go_repo({"ameide.toml": f'[targets."{B}"]\nunit = ["python3", "{script}", "{mode}"]\n'})
    write_files(repo, CHANGE)
    return repo


def started(pid_file: Path, run: Spawned, timeout: float = 60) -> list[int]:
    ok = wait_until(lambda: pid_file.exists() or run.proc.poll() is not None, timeout)
    assert ok and pid_file.exists(), f"the task never started:\n{run.output()}"
    return [int(p) for p in pid_file.read_text().split()]


def start_task_run(
    go_repo: MakeGoRepo, spawn: Spawn, mark: str, tmp_path: Path, mode: str
) -> tuple[Path, Spawned, list[int]]:
    """`ameide test` running TASK in `mode`, every process carrying `mark`: (repo, the run,
    the pids of the task, its group child and its session child) once the task runs."""
    repo = task_repo(go_repo, tmp_path, mode)
    pids = tmp_path / "pids"
    key, value = mark.split("=", 1)
    run = spawn(["test"], repo, ameide_env(FAULT_PIDS=str(pids), **{key: value}))
    return repo, run, started(pids, run)


def summary(repo: Path) -> dict[str, object]:
    doc: dict[str, object] = json.loads(
        (repo / "artifacts/agent-ci/latest/summary.json").read_text()
    )
    return doc


def gone_after(run: Spawned, mark: str, t0: float, timeout: float = 30) -> float:
    """Seconds from `t0` until ameide has exited and no process carrying `mark` is left."""
    wait_until(
        lambda: run.proc.poll() is not None and not marked_processes(mark), timeout, step=0.02
    )
    return time.monotonic() - t0


@pytest.mark.parametrize("trap", [False, True], ids=["polite", "ignores-TERM"])
@pytest.mark.parametrize(
    "sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["INT", "TERM", "HUP"]
)
def test_a_signal_ends_the_run_within_3s_with_every_process_gone(
    fake_go: FakeGo,
    go_repo: MakeGoRepo,
    spawn: Spawn,
    reap_marked: str,
    tmp_path: Path,
    sig: signal.Signals,
    trap: bool,
) -> None:
    mode = "trap" if trap else "wait"
    repo, run, (task, group, session) = start_task_run(go_repo, spawn, reap_marked, tmp_path, mode)
    assert wait_until(lambda: len(marked_processes(reap_marked)) >= 5, 10)  # + the daemon

    t0 = time.monotonic()
    run.proc.send_signal(sig)
    elapsed = gone_after(run, reap_marked, t0)

    assert run.proc.returncode == 130, run.output()
    assert elapsed < DEADLINE, f"{elapsed:.2f}s; left: {marked_processes(reap_marked)}"
    assert not any(alive(p) for p in (task, group, session))
    doc = summary(repo)
    assert doc["result"] == "interrupted" and doc["exit_code"] == 130
    assert "INTERRUPTED (exit 130)" in run.output()
    assert "Traceback" not in run.output()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_a_second_signal_shortens_the_grace_but_keeps_the_evidence(
    fake_go: FakeGo,
    go_repo: MakeGoRepo,
    spawn: Spawn,
    reap_marked: str,
    tmp_path: Path,
    sig: signal.Signals,
) -> None:
    repo, run, _ = start_task_run(go_repo, spawn, reap_marked, tmp_path, "trap")

    t0 = time.monotonic()
    run.proc.send_signal(sig)
    time.sleep(0.2)
    run.proc.send_signal(sig)  # a double Ctrl-C, a supervisor repeating itself
    elapsed = gone_after(run, reap_marked, t0)

    assert run.proc.returncode == 130, run.output()
    assert elapsed < 1.4, f"{elapsed:.2f}s: the second signal did not cut the grace short"
    assert not marked_processes(reap_marked)
    doc = summary(repo)
    assert doc["result"] == "interrupted"
    tasks = [t for p in doc["phases"] for t in p["tasks"]]  # type: ignore[attr-defined]
    assert any(t["status"] == "cancelled" for t in tasks)
    assert "INTERRUPTED (exit 130)" in run.output()


def test_a_signal_during_a_stuck_remote_download_ends_the_run_within_3s(
    fake_go: FakeGo,
    go_repo: MakeGoRepo,
    spawn: Spawn,
    reap_marked: str,
    hostile: Callable[..., Hostile],
) -> None:
    """The remote answers each read in time but never finishes: the lookup thread is stuck in
    a download when SIGTERM arrives. (Before: alive 20 s after SIGTERM.)"""
    server = hostile(drip(every=0.2))
    repo = go_repo()
    write_files(repo, CHANGE)
    key, value = reap_marked.split("=", 1)
    env = ameide_env(AMEIDE_REMOTE_CACHE_URL=server.url, **{key: value})
    env["AMEIDE_REMOTE_CACHE_TIMEOUT"] = "5"  # deadline 25 s: only the signal can end it
    run = spawn(["test"], repo, env)
    assert server.wait_for_request(30), run.output()
    time.sleep(0.5)

    t0 = time.monotonic()
    run.proc.send_signal(signal.SIGTERM)
    elapsed = gone_after(run, reap_marked, t0)

    assert run.proc.returncode == 130, run.output()
    assert elapsed < DEADLINE, f"{elapsed:.2f}s"
    assert summary(repo)["result"] == "interrupted"
    assert "remote cache" not in run.output()  # an interrupted run says nothing about it


def test_under_a_dripping_remote_the_run_finishes_within_its_budget(
    fake_go: FakeGo, go_repo: MakeGoRepo, spawn: Spawn, hostile: Callable[..., Hostile]
) -> None:
    """docs/cache.md: a transfer gets max(10 s, 5 x timeout) = 10 s; the first failure turns
    the remote off, the tasks (the fake go: instant) run locally. (Before: past 90 s.)"""
    server = hostile(drip(every=0.2))
    repo = go_repo()
    write_files(repo, CHANGE)
    env = ameide_env(AMEIDE_REMOTE_CACHE_URL=server.url, AMEIDE_REMOTE_CACHE_TIMEOUT="1")
    t0 = time.monotonic()
    run = spawn(["test"], repo, env)
    code = run.wait(timeout=60)
    elapsed = time.monotonic() - t0
    assert code == 0, run.output()
    assert 10 <= elapsed < 10 + 5, elapsed  # the budget, plus start-up and the tasks
    assert "not used: too slow: no complete answer within the 10s deadline" in run.output()


def test_under_a_silent_remote_the_run_costs_one_read_timeout(
    fake_go: FakeGo, go_repo: MakeGoRepo, spawn: Spawn, hostile: Callable[..., Hostile]
) -> None:
    from tests.fault.servers import silent

    server = hostile(silent)
    repo = go_repo()
    write_files(repo, CHANGE)
    env = ameide_env(AMEIDE_REMOTE_CACHE_URL=server.url, AMEIDE_REMOTE_CACHE_TIMEOUT="1")
    t0 = time.monotonic()
    code = spawn(["test"], repo, env).wait(timeout=60)
    elapsed = time.monotonic() - t0
    assert code == 0
    assert elapsed < 1 + 5, elapsed


def test_closing_the_terminal_is_a_hangup_that_ends_the_run(
    fake_go: FakeGo, go_repo: MakeGoRepo, reap_marked: str, tmp_path: Path
) -> None:
    """ameide on a terminal (live view) whose terminal goes away: the kernel sends SIGHUP and
    every later write fails with EIO. The run still ends cleanly with its evidence."""
    import fcntl
    import pty
    import termios

    repo = task_repo(go_repo, tmp_path, "wait")
    pids = tmp_path / "pids"
    key, value = reap_marked.split("=", 1)
    env = ameide_env(FAULT_PIDS=str(pids), **{key: value})
    env.pop("CI", None)
    master, slave = pty.openpty()

    def controlling_tty() -> None:
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(
        [str(AMEIDE), "test"],
        cwd=repo,
        env=env,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        preexec_fn=controlling_tty,
    )
    os.close(slave)
    stop = threading.Event()
    seen = bytearray()

    def drain() -> None:  # a terminal that is read, until it is closed
        while not stop.is_set():
            if select.select([master], [], [], 0.05)[0]:
                with contextlib.suppress(OSError):
                    seen.extend(os.read(master, 65536))

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        ok = wait_until(lambda: pids.exists() or proc.poll() is not None, 60)
        assert ok and pids.exists(), seen.decode(errors="replace")
        t0 = time.monotonic()
        stop.set()
        reader.join()
        os.close(master)  # the terminal window closes
        wait_until(lambda: proc.poll() is not None and not marked_processes(reap_marked), 30, 0.02)
        elapsed = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    assert elapsed < DEADLINE, elapsed
    assert not marked_processes(reap_marked)
    assert summary(repo)["result"] == "interrupted"


def test_a_signal_while_planning_is_a_one_line_exit(
    fake_go: FakeGo, go_repo: MakeGoRepo, spawn: Spawn, reap_marked: str, tmp_path: Path
) -> None:
    """Before anything ran (here: a toolchain check that hangs) there is no evidence to
    write: exit 130 with one line, and the hanging check is gone with ameide."""
    started_file = tmp_path / "version-started"
    real = fake_go.bin_dir / "go-real"
    (fake_go.bin_dir / "go").rename(real)
    go = fake_go.bin_dir / "go"
    go.write_text(
        f'#!/bin/sh\nif [ "$1" = version ]; then touch "{started_file}"; exec sleep 300; fi\n'
        f'exec "{real}" "$@"\n'
    )
    go.chmod(0o755)
    repo = go_repo()
    write_files(repo, CHANGE)
    key, value = reap_marked.split("=", 1)
    run = spawn(["test"], repo, ameide_env(**{key: value}))
    assert wait_until(started_file.exists, 30), run.output()

    t0 = time.monotonic()
    run.proc.send_signal(signal.SIGTERM)
    elapsed = gone_after(run, reap_marked, t0)

    assert run.proc.returncode == 130
    assert elapsed < DEADLINE, elapsed
    assert run.output() == "ameide: interrupted\n"


def test_a_run_that_passes_leaves_no_process_behind(
    fake_go: FakeGo,
    go_repo: MakeGoRepo,
    spawn: Spawn,
    reap_marked: str,
    tmp_path: Path,
) -> None:
    """A task that exits 0 but leaves a child in its group, a setsid child and a daemon:
    nothing it started outlives the run."""
    repo = task_repo(go_repo, tmp_path, "pass")
    pids = tmp_path / "pids"
    key, value = reap_marked.split("=", 1)
    run = spawn(["test"], repo, ameide_env(FAULT_PIDS=str(pids), **{key: value}))
    assert run.wait(timeout=60) == 0, run.output()
    assert pids.exists()
    assert wait_until(lambda: not marked_processes(reap_marked), 1.0), marked_processes(reap_marked)


@pytest.mark.parametrize(
    "shell",
    [
        'exec "$AMEIDE" test >&-',  # stdout closed
        'exec "$AMEIDE" test <&- >&- 2>&-',  # all three closed
        '"$AMEIDE" test | head -c1 >/dev/null; exit "${PIPESTATUS[0]}"',  # the reader goes
    ],
    ids=["stdout-closed", "all-closed", "reader-gone"],
)
def test_output_that_cannot_be_written_does_not_fail_the_run(
    fake_go: FakeGo, go_repo: MakeGoRepo, tmp_path: Path, shell: str
) -> None:
    repo = go_repo()
    write_files(repo, CHANGE)
    env = ameide_env(AMEIDE=str(AMEIDE))
    r = subprocess.run(
        ["bash", "-c", shell], cwd=repo, env=env, capture_output=True, timeout=60, check=False
    )
    assert r.returncode == 0, r.stderr.decode()
    assert b"Traceback" not in r.stderr and b"internal error" not in r.stderr
    assert summary(repo)["result"] == "passed"


def test_ctrl_c_while_planning_shards_against_a_stuck_remote(
    fake_go: FakeGo, go_repo: MakeGoRepo, spawn: Spawn, hostile: Callable[..., Hostile]
) -> None:
    """`ameide run --matrix` asks the remote which results it holds (HEAD requests); a
    Ctrl-C while they drip ends it at once, not when their deadline comes."""
    server = hostile(drip_headers(every=0.2))
    repo = go_repo()
    write_files(repo, CHANGE)
    env = ameide_env(AMEIDE_REMOTE_CACHE_URL=server.url, AMEIDE_REMOTE_CACHE_TIMEOUT="5")
    run = spawn(["run", "--matrix", "2"], repo, env)
    assert server.wait_for_request(30), run.output()
    time.sleep(0.3)
    t0 = time.monotonic()
    run.proc.send_signal(signal.SIGINT)
    code = run.wait(timeout=30)
    assert time.monotonic() - t0 < DEADLINE
    assert code == 130 and run.output().endswith("ameide: interrupted\n"), run.output()


def test_a_task_that_exits_0_on_the_interrupt_is_cancelled_and_its_phase_closed(
    fake_go: FakeGo, go_repo: MakeGoRepo, spawn: Spawn, reap_marked: str, tmp_path: Path
) -> None:
    """A tool that exits 0 when SIGTERMed did not pass: it used to be reported PASS and
    cached, so later runs replayed a test that never finished. And the interrupted phase is
    still ended in the output: its GitHub group closed, its lines out before the closing."""
    repo = task_repo(go_repo, tmp_path, "exit0")
    pids = tmp_path / "pids"
    key, value = reap_marked.split("=", 1)
    env = ameide_env(FAULT_PIDS=str(pids), GITHUB_ACTIONS="true", **{key: value})
    env.pop("PYTHONUNBUFFERED", None)  # the plain console batches its lines, as in CI
    run = spawn(["test"], repo, env)
    started(pids, run)
    run.proc.send_signal(signal.SIGTERM)
    gone_after(run, reap_marked, time.monotonic())
    assert run.proc.returncode == 130, run.output()
    doc = summary(repo)
    statuses = {t["id"]: t["status"] for p in doc["phases"] for t in p["tasks"]}  # type: ignore[attr-defined]
    assert statuses[f"{B} unit (ameide.toml)"] == "cancelled", statuses
    out = run.output()
    group = out.index("::group::phase 1 unit")
    assert group < out.index("::endgroup::", group) < out.index("INTERRUPTED (exit 130)"), out
    assert "ERR " not in out and "PASS go:example.com/m/b" not in out, out


def test_an_interrupted_ci_run_prints_its_task_lines_before_its_warnings(
    fake_go: FakeGo, go_repo: MakeGoRepo, spawn: Spawn, reap_marked: str, tmp_path: Path
) -> None:
    """stdout batched, stderr not: the lines of the interrupted phase must not come after
    a warning the run prints on stderr at its end (a GitHub step summary it cannot write)."""
    repo = task_repo(go_repo, tmp_path, "wait")
    pids = tmp_path / "pids"
    key, value = reap_marked.split("=", 1)
    env = ameide_env(
        FAULT_PIDS=str(pids),
        GITHUB_ACTIONS="true",
        GITHUB_STEP_SUMMARY=str(tmp_path),  # a directory: appending to it fails, a warning
        **{key: value},
    )
    env.pop("PYTHONUNBUFFERED", None)
    run = spawn(["test", "ci"], repo, env)
    started(pids, run)
    run.proc.send_signal(signal.SIGTERM)
    gone_after(run, reap_marked, time.monotonic())
    out = run.output()
    warning = out.index("ameide: warning: could not append")
    assert out.index("----") < out.index("::endgroup::", out.index("----")) < warning, out
