"""The only subprocess seam: every child process is started here and comes back as a result.

Every child gets its own process group (start_new_session) and is registered while it runs,
so a timeout, a cancelled task or an interrupted run kills the whole group, grandchildren
included, and `kill_all()` can sweep whatever is left before ameide exits.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from ameide.records import record


@record
class ProcResult:
    """What one finished (or unstartable) process produced."""

    argv: tuple[str, ...]
    cwd: str
    returncode: int
    stdout: bytes
    stderr: bytes
    elapsed: float
    missing: bool = False  # the executable was not found; returncode is 127

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def text(self) -> str:
        return os.fsdecode(self.stdout)

    def err_text(self) -> str:
        return os.fsdecode(self.stderr).strip()


def _missing(argv: Sequence[str], cwd: str, started: float) -> ProcResult:
    hint = f"{argv[0]}: command not found".encode()
    return ProcResult(tuple(argv), cwd, 127, b"", hint, time.perf_counter() - started, True)


def run(
    argv: Sequence[str],
    cwd: str | os.PathLike[str],
    *,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    timeout: float | None = None,
) -> ProcResult:
    """Run a command to completion and capture its output (for short, bounded commands)."""
    started = time.perf_counter()
    cwd_s = os.fspath(cwd)
    try:
        p = _popen(
            argv,
            cwd=cwd_s,
            env=dict(env) if env is not None else None,
            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except FileNotFoundError:
        return _missing(argv, cwd_s, started)
    try:
        out, err = p.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_now(p)
        try:  # what it wrote before; a daemon it left may hold the pipe open: not forever
            out, _ = p.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            out = b""
        return ProcResult(tuple(argv), cwd_s, 124, out, b"timed out", time.perf_counter() - started)
    except BaseException:  # an interrupt: the child goes with us
        _kill_now(p)
        raise
    finally:
        _disown(p)
    return ProcResult(tuple(argv), cwd_s, p.returncode, out, err, time.perf_counter() - started)


def run_many(
    commands: Sequence[Sequence[str]],
    cwd: str | os.PathLike[str],
    *,
    env: Mapping[str, str] | None = None,
) -> list[ProcResult]:
    """Run independent short commands concurrently and return their results in order.

    Used for the git queries of change detection, whose latencies otherwise add up.
    """
    cwd_s = os.fspath(cwd)
    env_d = dict(env) if env is not None else None
    started = time.perf_counter()
    procs: list[subprocess.Popen[bytes] | ProcResult] = []
    try:
        for argv in commands:
            try:
                procs.append(
                    _popen(
                        argv,
                        cwd=cwd_s,
                        env=env_d,
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                    )
                )
            except FileNotFoundError:
                procs.append(_missing(argv, cwd_s, started))
        results: list[ProcResult] = []
        for argv, p in zip(commands, procs, strict=True):
            if isinstance(p, ProcResult):
                results.append(p)
                continue
            out, err = p.communicate()
            results.append(
                ProcResult(
                    tuple(argv), cwd_s, p.returncode, out, err, time.perf_counter() - started
                )
            )
        return results
    except BaseException:  # an interrupt: the children go with us
        for p in procs:
            if not isinstance(p, ProcResult):
                _kill_now(p)
        raise
    finally:
        for p in procs:
            if not isinstance(p, ProcResult):
                _disown(p)


# ----------------------------------------------------------------- what we started

_REAL_POPEN = subprocess.Popen  # captured before any test double patches the module
_OWN: set[int] = set()  # pids of the children started here (not yet reaped)


class _Gate:
    """Starts are shared, a look at our children is exclusive: a child is in _OWN before
    anyone compares the children /proc lists with it (an unowned child is an orphan to
    kill), while `jobs` worker threads still fork side by side.

    A signal handler may look from the thread it interrupted, in the middle of a start: that
    thread's own starts do not block it (re-entrant lock, per-thread count), and no wait is
    longer than LOOK_WAIT, so an interrupt can never hang on the gate."""

    LOOK_WAIT = 2.0

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.RLock())
        self._starts = 0
        self._looking: threading.Thread | None = None
        self._mine = threading.local()

    def start(self) -> _Gate:
        """`with gate.start():` around a fork (the gate itself is the context manager: a
        generator-based one costs ~10 us per task, which hundreds of short tasks feel)."""
        return self

    def __enter__(self) -> None:
        me = threading.current_thread()
        mine = self._mine
        mine.n = getattr(mine, "n", 0) + 1  # first: a look from here waits less
        try:
            with self._cond:
                looking = self._looking
                if looking is not None and looking is not me:
                    self._cond.wait_for(lambda: self._looking in (None, me), self.LOOK_WAIT)
                self._starts += 1
        except BaseException:
            mine.n -= 1
            raise

    def __exit__(self, *exc: object) -> None:
        try:
            with self._cond:
                self._starts -= 1
                if self._looking is not None:  # a look waits for the starts to drain
                    self._cond.notify_all()
        finally:
            self._mine.n -= 1

    @contextlib.contextmanager
    def look(self) -> Iterator[None]:
        me = threading.current_thread()
        if self._looking is me:  # re-entered (a handler during a look): already exclusive
            yield
            return
        with self._cond:
            self._cond.wait_for(lambda: self._looking is None, self.LOOK_WAIT)
            self._looking = me
            own = getattr(self._mine, "n", 0)
            self._cond.wait_for(lambda: self._starts <= own, self.LOOK_WAIT)
        try:
            yield
        finally:
            with self._cond:
                if self._looking is me:
                    self._looking = None
                self._cond.notify_all()


_GATE = _Gate()
_OWN_LOCK = threading.RLock()  # _OWN itself: held for a set operation, never across a fork


def _popen(argv: Sequence[str], **kw: Any) -> subprocess.Popen[bytes]:
    """Start a child in a session (and process group) of its own, registered as ours."""
    with _GATE.start():
        p = subprocess.Popen(list(argv), start_new_session=True, **kw)
        if isinstance(p, _REAL_POPEN):
            with _OWN_LOCK:
                _OWN.add(p.pid)
    return p


def _disown(p: subprocess.Popen[bytes]) -> None:
    """The child has been waited for: its pid is no longer ours."""
    if isinstance(p, _REAL_POPEN) and p.returncode is not None:
        with _OWN_LOCK:
            _OWN.discard(p.pid)


def _kill_now(p: subprocess.Popen[bytes]) -> None:
    """SIGKILL a short command's whole group and reap it."""
    if isinstance(p, _REAL_POPEN) and p.pid > 1:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(p.pid, signal.SIGKILL)
    else:
        with contextlib.suppress(OSError):
            p.kill()
    with contextlib.suppress(Exception):
        p.wait(timeout=5)


# ----------------------------------------------------------------- long-running, logged tasks

_LIVE: set[int] = set()  # process-group ids of running children
_LIVE_LOCK = threading.RLock()  # a signal handler may take it on the main thread
KILL_GRACE = 2.0  # seconds between SIGTERM and SIGKILL (a timeout, a cancelled task)
INTERRUPT_GRACE = 1.5  # the same after a signal: all gone within 3 s (docs/test.md)
_HURRY = threading.Event()  # a second signal: SIGKILL now, no more grace


def _register(pgid: int) -> None:
    if pgid <= 1:
        return
    with _LIVE_LOCK:
        _LIVE.add(pgid)


def _unregister(pgid: int) -> None:
    with _LIVE_LOCK:
        _LIVE.discard(pgid)


_STOPPED: set[int] = set()  # process groups an interrupt signalled (terminate_all, the watch)


def _stopped_by_us(pgid: int) -> bool:
    """Did an interrupt signal this group? (Then its end is a cancellation, even an exit 0:
    a task that exits cleanly on SIGTERM did not pass.)"""
    with _LIVE_LOCK:
        if pgid in _STOPPED:
            _STOPPED.discard(pgid)
            return True
    return False


def hurry(on: bool = True) -> None:
    """Cut every grace period short: whatever is still running is SIGKILLed now. (`False`
    when a run is over: the next one gets its graces again.)"""
    if on:
        _HURRY.set()
    else:
        _HURRY.clear()
        with _LIVE_LOCK:
            _STOPPED.clear()


def _wait_gone(groups: set[int], pids: set[int], deadline: float, reap: bool = False) -> None:
    """Until no group in `groups` has a live member, or the deadline (or hurry())."""
    while time.monotonic() < deadline and not _HURRY.is_set():
        if reap:
            _reap(pids)
        if not (groups & _live_groups()):
            return
        time.sleep(0.02)


def kill_group(
    pgid: int,
    grace: float = KILL_GRACE,
    leader: subprocess.Popen[bytes] | None = None,
    term: bool = True,
) -> None:
    """SIGTERM the group, then SIGKILL whatever is still there after `grace` seconds (at
    once after hurry()). `term=False`: it had its SIGTERM already (a second one would cut
    short the handler a task runs on the first), `grace` is what is left of its grace.

    `leader` (our child) is reaped while waiting: a zombie leader keeps the group alive."""
    if pgid <= 1 or pgid == os.getpgrp():  # 0 would be our own group, 1 init: never
        return
    try:
        os.killpg(pgid, signal.SIGTERM if term else 0)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and not _HURRY.is_set():
        if leader is not None:
            leader.poll()
        if not group_alive(pgid):
            return
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _stats() -> Iterator[tuple[int, int, int, bool]]:
    """(pid, parent pid, process group, zombie) of every process /proc shows."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return
    for e in entries:
        if not e.isdigit():
            continue
        try:
            with open(f"/proc/{e}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) > 2:
            yield int(e), int(fields[1]), int(fields[2]), fields[0] == b"Z"


def _live_groups() -> set[int]:
    return {pgid for _, _, pgid, zombie in _stats() if not zombie}


def group_alive(pgid: int) -> bool:
    """Does the group still have a member that is not a zombie?

    Zombies count for killpg(pgid, 0) until their new parent reaps them, which a container's
    PID 1 may do late; they hold no resources, so they do not count here."""
    if not os.path.isdir("/proc/self"):
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    return pgid in _live_groups()


def kill_all() -> int:
    """Kill every registered process group; returns how many there were."""
    with _LIVE_LOCK:
        groups = sorted(_LIVE)
        _LIVE.clear()
    for g in groups:
        kill_group(g, grace=0.5)
    return len(groups)


# ----------------------------------------------------------------- containment
#
# A task's process group goes with it, but a process can leave its group: `setsid`, a
# double-forked daemon. While a run lasts, ameide is the "child subreaper" of its tasks
# (Linux prctl PR_SET_CHILD_SUBREAPER): an orphan of a task tree is re-parented to ameide
# instead of init, so it shows up as a child we never started. kill_orphans() kills those
# (and their groups) and reaps exactly them: never waitpid(-1), which would steal the exit
# status of children the runner's workers are waiting for.

_PR_SET_CHILD_SUBREAPER = 36
_PR_GET_CHILD_SUBREAPER = 37
_CONTAIN: dict[str, Any] = {"on": False, "before": frozenset()}  # pids not ours to reap


def _prctl(option: int, arg: Any) -> bool:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(option, arg, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _is_subreaper() -> bool:
    import ctypes

    flag = ctypes.c_int(0)
    return _prctl(_PR_GET_CHILD_SUBREAPER, ctypes.byref(flag)) and bool(flag.value)


def _children() -> set[int]:
    """The pids of this process's children (every thread's)."""
    kids: set[int] = set()
    try:
        tasks = os.listdir("/proc/self/task")
        for tid in tasks:
            with open(f"/proc/self/task/{tid}/children", "rb") as fh:
                kids.update(int(p) for p in fh.read().split())
        return kids
    except OSError:  # no CONFIG_PROC_CHILDREN: scan every process
        me = os.getpid()
        return {pid for pid, ppid, _, _ in _stats() if ppid == me}


def adopted() -> set[int]:
    """Children we did not start: orphans of our tasks, adopted while containment is on."""
    if not _CONTAIN["on"]:
        return set()
    before: frozenset[int] = _CONTAIN["before"]
    with _GATE.look(), _OWN_LOCK:
        return _children() - _OWN - before


def _reap(pids: Iterable[int]) -> None:
    """waitpid the given adopted children that have exited (never anyone else)."""
    for pid in pids:
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)


def reap_orphans() -> None:
    """Reap adopted orphans that have exited (their zombies would pile up otherwise)."""
    _reap(adopted())


def _signal_all(groups: set[int], pids: set[int], sig: int) -> None:
    mine = os.getpgrp()
    for g in groups:
        if g > 1 and g != mine:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(g, sig)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def kill_orphans(grace: float = 0.5) -> int:
    """SIGTERM every adopted orphan and its group, SIGKILL what is left after `grace`, and
    reap them; orphans of orphans are adopted in turn and go the same way. Returns how many
    there were."""
    seen: set[int] = set()
    deadline = time.monotonic() + grace
    while True:
        pids = adopted()
        _reap(pids)
        pids = adopted()
        if not pids:
            return len(seen)
        groups = {pgid for pid, _, pgid, _ in _stats() if pid in pids}
        new = pids - seen
        seen |= pids
        late = time.monotonic() >= deadline or _HURRY.is_set()
        _signal_all(groups, pids if late else new, signal.SIGKILL if late else signal.SIGTERM)
        if late:
            for pid in pids:
                with contextlib.suppress(ChildProcessError, OSError):
                    os.waitpid(pid, 0)
            if time.monotonic() > deadline + 2:  # something keeps coming back
                return len(seen)
        else:
            _wait_gone(groups, pids, deadline, reap=True)


@contextlib.contextmanager
def contained(grace: float = 0.5) -> Iterator[bool]:
    """For the length of a run, adopt every orphan the tasks leave (Linux), and kill them
    all when it ends. Yields whether containment works here (docs/test.md says what a
    platform without it leaves)."""
    was = _is_subreaper() if sys.platform.startswith("linux") else False
    on = was or (sys.platform.startswith("linux") and _prctl(_PR_SET_CHILD_SUBREAPER, 1))
    previous = dict(_CONTAIN)
    _CONTAIN.update(on=on, before=frozenset(_children()) if on else frozenset())
    try:
        yield on
    finally:
        try:
            kill_orphans(grace)
        finally:
            _CONTAIN.update(previous)
            if on and not was:
                _prctl(_PR_SET_CHILD_SUBREAPER, 0)


def terminate_all(grace: float = INTERRUPT_GRACE) -> None:
    """An interrupt: SIGTERM every task group, every short command we started and every
    adopted orphan at once; SIGKILL whatever is left after `grace` seconds (or at once after
    hurry())."""
    with _LIVE_LOCK:
        groups = set(_LIVE)
    with _OWN_LOCK:
        groups |= _OWN  # our children lead their own sessions: pid == process group
    orphans = adopted()
    groups |= {pgid for pid, _, pgid, _ in _stats() if pid in orphans}
    with _LIVE_LOCK:  # before the signal: a worker woken by it must know who sent it
        _STOPPED.update(groups)
    _signal_all(groups, orphans, signal.SIGTERM)
    _wait_gone(groups, orphans, time.monotonic() + grace, reap=True)
    hurry()  # the grace is spent: what is orphaned from now on is killed without one
    orphans = adopted()
    groups |= {pgid for pid, _, pgid, _ in _stats() if pid in orphans}
    _signal_all(groups, orphans, signal.SIGKILL)
    reap_orphans()


@record
class LoggedResult:
    returncode: int | None  # None when killed (timeout/cancel) or not started
    elapsed: float
    timed_out: bool = False
    cancelled: bool = False
    missing: bool = False  # it could not be started at all (`why` says what was wrong)
    why: str = ""


_FOREVER = 30 * 24 * 3600.0  # poll() takes milliseconds in a C int: ~24 days at most


class _Timed:
    """A running child with a deadline (one entry of _Watch)."""

    __slots__ = ("grace", "pid", "state", "stopping", "termed", "timed_out")

    def __init__(self, pid: int, grace: float, stopping: threading.Event | None) -> None:
        self.pid = pid  # the leader of its own process group (start_new_session)
        self.grace = grace
        self.stopping = stopping
        self.state = 0  # 0 running, 1 SIGTERMed, 2 SIGKILLed, 3 reaped
        self.termed = 0.0  # monotonic time of the SIGTERM
        self.timed_out = False  # SIGTERMed for its deadline, not while a stop was under way


class TimedOut(subprocess.TimeoutExpired):
    """A watched child's time ran out; its group was SIGTERMed `left` seconds ago less than
    the grace (the caller SIGKILLs what is left when the grace is over, not later)."""

    def __init__(self, cmd: Any, timeout: float, left: float) -> None:
        super().__init__(cmd, timeout)
        self.left = left


def _running(pid: int) -> bool:
    """Has our child `pid` not exited yet? (An exited one is a zombie until its worker
    reaps it; WNOWAIT leaves it to that worker.) The group id of a running leader cannot be
    anybody else's."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
    except ChildProcessError:  # reaped already
        return False


class _Watch:
    """The deadlines of running children, kept by one thread: a worker blocks in waitpid, and
    a child whose time is up has its group SIGTERMed, SIGKILLed `grace` seconds later if its
    worker has not reaped it by then. A pidfd and a poll per task cost ~30 us of Python,
    which hundreds of short tasks feel; the watch costs a heap push.

    A child that has exited is never signalled, even when its worker has not reaped it yet
    (it ended in time, and its group id may be free). A deadline that comes while the run is
    being stopped (`stopping`) is not a timeout: the task ends cancelled (its group is
    still signalled, in case the caller does not kill what runs)."""

    COMPACT = 256  # reaped entries still queued (until their deadline) before a clean-up

    def __init__(self) -> None:
        self._reset()
        if hasattr(os, "register_at_fork"):  # a forked child has no watch thread: a new one
            os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, _Timed]] = []
        self._seq = 0
        self._stale = 0  # reaped entries in the heap
        self._thread: threading.Thread | None = None

    def add(
        self, pid: int, timeout: float, grace: float, stopping: threading.Event | None = None
    ) -> _Timed | None:
        """Watch our child `pid` from now on; None when no watch thread can be started."""
        import heapq

        entry = _Timed(pid, grace, stopping)
        due = time.monotonic() + timeout
        with self._cond:
            if self._thread is None:
                thread = threading.Thread(target=self._run, name="ameide-timeouts", daemon=True)
                try:
                    thread.start()
                except RuntimeError:  # no more threads here: the caller polls instead
                    return None
                self._thread = thread
            earliest = not self._heap or due < self._heap[0][0]
            self._seq += 1
            heapq.heappush(self._heap, (due, self._seq, entry))
            if earliest:
                self._cond.notify()
        return entry

    def reaped(self, entry: _Timed) -> float | None:
        """The child was waited for: stop watching it. None if it ended in time, else the
        seconds of its grace left."""
        with self._cond:
            state, entry.state = entry.state, 3
            if state in (0, 1):  # still queued: dropped when it comes due, or compacted
                self._stale += 1
                if self._stale > self.COMPACT and self._stale * 2 > len(self._heap):
                    import heapq

                    self._heap = [e for e in self._heap if e[2].state != 3]
                    heapq.heapify(self._heap)
                    self._stale = 0
            if not entry.timed_out:
                return None
            return max(0.0, entry.termed + entry.grace - time.monotonic())

    def _next(self) -> _Timed:
        """The first entry whose deadline has come (waits for it); the lock is held."""
        import heapq

        while True:
            while self._heap and self._heap[0][2].state == 3:
                heapq.heappop(self._heap)
                self._stale -= 1
            if not self._heap:
                self._cond.wait()
                continue
            wait = self._heap[0][0] - time.monotonic()
            if wait <= 0:
                return heapq.heappop(self._heap)[2]
            self._cond.wait(wait)

    def _run(self) -> None:
        import heapq

        while True:
            with self._cond:
                entry = self._next()
                if not _running(entry.pid):
                    continue  # ended in time; its worker is about to say so
                if entry.state == 0:  # its time is up: SIGTERM now, SIGKILL after the grace
                    entry.state, entry.termed = 1, time.monotonic()
                    entry.timed_out = not (entry.stopping is not None and entry.stopping.is_set())
                    if not entry.timed_out:
                        with _LIVE_LOCK:
                            _STOPPED.add(entry.pid)
                    sig = signal.SIGKILL if _HURRY.is_set() else signal.SIGTERM
                    self._seq += 1
                    heapq.heappush(self._heap, (entry.termed + entry.grace, self._seq, entry))
                else:
                    entry.state, sig = 2, signal.SIGKILL
                # under the lock, and only while the leader runs: its group id is its own
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(entry.pid, sig)


_WATCH = _Watch()


def _wait(
    p: subprocess.Popen[bytes],
    timeout: float | None,
    grace: float = KILL_GRACE,
    stopping: threading.Event | None = None,
) -> int:
    """Wait for a child, at most `timeout` seconds (TimeoutExpired after that, its group
    SIGTERMed by then: the caller kills what is left; TimedOut says how much of the grace
    is left).

    Popen.wait(timeout) polls with sleeps that start at 0.5 ms and double: a 1 ms task is
    noticed late, and hundreds of them add up. The worker blocks in waitpid instead, and
    _WATCH kills the group when the time is up (without a watch thread: a pidfd, Linux >=
    5.3, polled with the timeout)."""
    if timeout is not None and not timeout < _FOREVER:  # a month, inf: no timeout at all
        timeout = None
    if timeout is None or not isinstance(p, _REAL_POPEN) or p.pid <= 1:
        return p.wait(timeout=timeout)
    entry = _WATCH.add(p.pid, timeout, grace, stopping)
    if entry is None:
        return _wait_pidfd(p, timeout)
    try:
        code = p.wait()
    finally:
        left = _WATCH.reaped(entry)
    if left is not None:
        raise TimedOut(p.args, timeout, left)
    return code


def _wait_pidfd(p: subprocess.Popen[bytes], timeout: float) -> int:
    if not hasattr(os, "pidfd_open"):
        return p.wait(timeout=timeout)
    try:
        fd = os.pidfd_open(p.pid)
    except OSError:
        return p.wait(timeout=timeout)
    try:
        import select

        poller = select.poll()
        poller.register(fd, select.POLLIN)
        if not poller.poll(max(0, int(timeout * 1000))):
            raise subprocess.TimeoutExpired(p.args, timeout)
    finally:
        os.close(fd)
    return p.wait()


_NULL: list[int] = []
# a log is opened for appending (the child writes after our header) with a raw descriptor: a
# Python file object per task costs more than the open itself
_LOG_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC


def _devnull() -> int:
    """One read-only /dev/null for every task's stdin (Popen's DEVNULL opens and closes one
    per child)."""
    if not _NULL:
        _NULL.append(os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC))
    return _NULL[0]


_WHICH: dict[tuple[str, str], str] = {}


def _executable(name: str, env: Mapping[str, str] | None) -> str | None:
    """`name` resolved on PATH once per run, so the child execs one file instead of trying
    every PATH entry (and Popen skips building that list): ~0.1 ms per task, which is what
    hundreds of short tasks feel. None = let Popen search (it also reports a missing tool).

    Only absolute PATH entries are considered: a relative one depends on the child's cwd."""
    if "/" in name or subprocess.Popen is not _REAL_POPEN:  # test doubles match on argv
        return None
    path = (env if env is not None else os.environ).get("PATH", os.defpath)
    found = _WHICH.get((name, path))
    if found is not None:
        return found
    for d in path.split(os.pathsep):
        if not d.startswith("/"):
            return None
        candidate = os.path.join(d, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            _WHICH[(name, path)] = candidate
            return candidate
    return None  # not found: Popen raises FileNotFoundError, reported as missing


def _spawn(
    argv: Sequence[str], cwd: str, env: Mapping[str, str] | None, log_path: str, header: bytes
) -> subprocess.Popen[bytes] | LoggedResult:
    """Start one logged child and register its process group."""
    started = time.perf_counter()
    fd = _open_log(log_path)
    try:
        if header:
            os.write(fd, header)
        try:
            p = _popen(
                argv,
                executable=_executable(argv[0], env),
                cwd=cwd,
                env=dict(env) if env is not None else None,
                stdin=_devnull(),
                # a test double (pytest-subprocess) writes its output to a file object
                stdout=fd if subprocess.Popen.__module__ == "subprocess" else _file(fd),
                stderr=subprocess.STDOUT,
            )
        except FileNotFoundError:
            _WHICH.clear()  # a tool removed mid-run: search again next time
            why = _not_started(argv[0], cwd, env)
            os.write(fd, f"ameide: {why}\n".encode())
            return LoggedResult(127, time.perf_counter() - started, missing=True, why=why)
        except (OSError, ValueError) as exc:  # not executable, a NUL in an argument, ...
            why = f"cannot start {argv[0]}: {getattr(exc, 'strerror', None) or exc}"
            os.write(fd, f"ameide: {why}\n".encode())
            return LoggedResult(126, time.perf_counter() - started, missing=True, why=why)
    finally:
        os.close(fd)
    # a test double (pytest-subprocess) hands out made-up pids: never signal those
    _register(p.pid if isinstance(p, _REAL_POPEN) else 0)
    return p


def _open_log(log_path: str) -> int:
    """The log opened for appending; its directory made again if a task removed the run
    directory (the evidence goes on)."""
    try:
        return os.open(log_path, _LOG_FLAGS, 0o666)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(log_path), exist_ok=True)
        return os.open(log_path, _LOG_FLAGS, 0o666)


def _append(log_path: str, text: str) -> None:
    """A line of ameide's own at the end of a log."""
    fd = _open_log(log_path)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def _file(fd: int) -> Any:
    return open(fd, "ab", buffering=0, closefd=False)


def _not_started(name: str, cwd: str, env: Mapping[str, str] | None) -> str:
    """What a FileNotFoundError from starting `name` in `cwd` means: the working directory
    is gone, the program's `#!` interpreter is missing, or the program is."""
    if not os.path.isdir(cwd):
        return f"cannot start {name}: its working directory {cwd} does not exist"
    path = name if "/" in name else _executable(name, env)
    if path and os.path.isfile(os.path.join(cwd, path)):
        return f"cannot start {name}: the interpreter its #! line names was not found"
    return f"{name}: command not found"


def run_logged(
    argv: Sequence[str],
    cwd: str,
    *,
    env: Mapping[str, str] | None,
    log_path: str,
    timeout: float | None,
    header: bytes = b"",
    stopping: threading.Event | None = None,
    grace: float = KILL_GRACE,
) -> LoggedResult:
    """Run a command with stdout+stderr streamed straight into `log_path` (never held in
    memory), in its own process group, and wait for it: a timeout kills the group.

    Blocking, for the runner's worker threads: Popen releases the GIL while it forks, so
    `jobs` threads start and wait for children side by side (an event loop starts them one
    after another on one thread, and importing asyncio alone costs ~100 ms). An interrupt
    kills the group from outside (terminate_all); if `stopping` was set by then, the result
    says cancelled rather than failed; a child started after it was set (the signal came
    while it was being started, after the interrupt took its list of what to kill) is
    killed at once. `grace`: SIGTERM to SIGKILL on a timeout or an exception here."""
    started = time.perf_counter()
    if stopping is not None and stopping.is_set():
        return LoggedResult(None, 0.0, cancelled=True)
    spawned = _spawn(argv, cwd, env, log_path, header)
    if isinstance(spawned, LoggedResult):
        return spawned
    p = spawned
    pgid = p.pid if isinstance(p, _REAL_POPEN) else 0
    try:
        if stopping is not None and stopping.is_set():
            _stop_child(p, pgid, INTERRUPT_GRACE)
        try:
            code = _wait(p, timeout, grace, stopping)
        except subprocess.TimeoutExpired as exc:
            if isinstance(exc, TimedOut):  # the watch SIGTERMed it: the rest of its grace
                kill_group(pgid, exc.left, leader=p, term=False)
            else:
                _stop_child(p, pgid, grace)
            p.wait()
            _append(log_path, f"\nameide: timed out after {timeout:g}s; process group killed\n")
            return LoggedResult(None, time.perf_counter() - started, timed_out=True)
        except BaseException:  # Ctrl-C in the caller's thread: the child does not outlive it
            _stop_child(p, pgid, grace)
            raise
        if pgid > 1 and _has_members(pgid):
            # the task is done: whatever it left in its group (`cmd &`) goes with it
            kill_group(pgid, 0.5)
        elapsed = time.perf_counter() - started
        if stopping is not None and stopping.is_set() and (code != 0 or _stopped_by_us(pgid)):
            return LoggedResult(None, elapsed, cancelled=True)
        return LoggedResult(code, elapsed)
    finally:
        _unregister(pgid)
        _disown(p)


def _stop_child(p: subprocess.Popen[bytes], pgid: int, grace: float) -> None:
    if pgid > 1:
        kill_group(pgid, grace, leader=p)
    else:  # not a real process (a test double): ask it directly
        p.kill()


def _has_members(pgid: int) -> bool:
    """Is anything (a zombie included) left in the group? One cheap syscall."""
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True
