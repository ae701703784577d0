"""The parallel executor: `jobs` worker threads per stage pulling from one queue.

Tasks run as processes through proc.run_logged (their own process groups, output streamed to
the log file) or as built-in checks. Failed tasks are data (TaskResult), never exceptions.
Threads, not an event loop: a worker blocks in fork/exec and waitpid with the GIL released,
so `jobs` children start side by side, and the run never imports asyncio (~100 ms).
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Protocol

from ameide import proc
from ameide.evidence.junit import Case, parse_junit, synthetic_case
from ameide.logspool import LogSpool
from ameide.task import JUNIT
from ameide.taskresult import TaskResult

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from ameide.cache.session import CacheSession
    from ameide.task import Task

LOG_TAIL_BYTES = 64 * 1024


def _locator(task: Task) -> Callable[[Case, str, Task], Case]:
    """The failure locator of the task's ecosystem (the generic one for the core's own)."""
    from ameide.ecosystems import REGISTRY

    eco = REGISTRY.get(task.ecosystem)
    if eco is not None:
        return eco.locate
    from ameide.ecosystems.base import locate

    return locate


class _Locate:
    """_locator(task), looked up on the first call: a task that passed without a report of
    its own (most of them) never needs it."""

    __slots__ = ("_fn", "_task")

    def __init__(self, task: Task) -> None:
        self._task = task
        self._fn: Callable[[Case, str, Task], Case] | None = None

    def __call__(self, case: Case, root: str, task: Task) -> Case:
        if self._fn is None:
            self._fn = _locator(self._task)
        return self._fn(case, root, task)


def _lock(path: str, stopping: threading.Event) -> int | None:
    """The install lock (another ameide run may be installing into the same workspace);
    None when the run is stopped while waiting for it."""
    import fcntl

    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if stopping.wait(0.05):
                os.close(fd)
                return None
            continue
        if stopping.is_set():  # taken just as the run was stopped: install nothing
            os.close(fd)
            return None
        return fd


def how_it_ended(returncode: int | None, sep: str = " ") -> str:
    """`exit code 3`; a process killed by a signal (a negative code) names the signal."""
    if returncode is None:
        return "killed"
    if returncode < 0:
        import signal

        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code{sep}{returncode}"


class Listener(Protocol):
    def task_started(self, task: Task) -> None: ...
    def task_finished(self, result: TaskResult) -> None: ...


TICK = 1.0  # seconds between the listener's ticks while a stage runs


def read_tail(path: str | None, limit: int = LOG_TAIL_BYTES) -> str:
    if not path:
        return ""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - limit))
            data = fh.read()
    except OSError:
        return ""
    text = data.decode("utf-8", "replace")
    if size > limit:
        text = text.split("\n", 1)[-1]
    return text


class Runner:
    def __init__(
        self,
        root: str,
        run_dir: str,
        *,
        jobs: int,
        env: Mapping[str, str],
        listener: Listener,
        builtins: dict[str, object] | None = None,
        cache: CacheSession | None = None,
    ) -> None:
        self.root = root
        self.cache = cache
        self.run_dir = run_dir
        self.jobs = max(1, jobs)
        self.env = env
        self.listener = listener
        self.builtins = builtins or {}
        self.current: dict[str, TaskResult] = {}
        # task id -> (wall-clock time a worker took it, that worker's lane): report.html's
        # timeline (summary.json `start`, `worker`)
        self.started: dict[str, tuple[float, int]] = {}
        self._made: set[int] = set()
        self._known: dict[str, tuple[str, str]] = {}  # task id -> (log, report file)
        self._spool = LogSpool(())
        self.stopping = threading.Event()  # an interrupt: no new task starts
        self._say = threading.Lock()  # the listener hears one worker at a time
        self.notified: set[str] = set()
        # tasks without env of their own inherit ours untouched: encoding an environment
        # for every one of hundreds of short tasks is measurable
        self._inherit = dict(env) == dict(os.environ)
        from ameide.sanitize import Scrubber

        # credentials a task printed never reach its evidence (docs/config.md)
        self.scrub = Scrubber(os.environ, env)

    def _logs_ahead(self, batch: list[Task]) -> LogSpool:
        """A helper thread creates the batch's log files while the tasks run."""
        return LogSpool(self._paths(t)[0] for t in batch)

    def _paths(self, task: Task) -> tuple[str, str]:
        """(log, report file) of a task in this run (Task.report_file lays reports out),
        worked out once per task (the log spool asks first)."""
        known = self._known.get(task.id)
        if known is None:
            known = self._known[task.id] = self._lay_out(task)
        return known

    def _lay_out(self, task: Task) -> tuple[str, str]:
        phase_dir = os.path.join(self.run_dir, f"phase{task.phase}")
        if task.phase not in self._made:
            os.makedirs(os.path.join(phase_dir, "logs"), exist_ok=True)
            os.makedirs(os.path.join(phase_dir, "reports"), exist_ok=True)
            self._made.add(task.phase)
        slug = task.slug
        return f"{phase_dir}/logs/{slug}.log", task.report_file(self.run_dir, slug)

    def run_phase(self, tasks: list[Task]) -> list[TaskResult]:
        """Run the tasks of one phase: stage 0 (installs) first, then the rest in parallel.

        A failure cancels nothing in its stage: which tasks a cancellation catches depends on
        which finished first, and the same tree must give the same failed tasks and the same
        first failure every time (the upstream cause, not whichever downstream failure came
        in first). Fail-fast happens between stages and phases. After stop() (an interrupt)
        no task starts, the ones running are killed by the caller, and every task still gets
        a result (`self.current` holds them as they come)."""
        results: dict[str, TaskResult] = {}
        self.current = results
        self.notified = set()
        failed = False
        try:
            for stage in sorted({t.stage for t in tasks}):
                batch = [t for t in tasks if t.stage == stage]
                if failed or self.stopping.is_set():
                    why = "an earlier step failed" if failed else "interrupted"
                    for t in batch:
                        results[t.id] = self.not_run(t, "skipped", why)
                    continue
                self._spool = self._logs_ahead(batch)
                try:
                    self._run_stage(batch)
                finally:
                    self._spool.close()
                    proc.reap_orphans()  # daemons the stage's tasks left that have exited
                failed = any(not r.ok for r in results.values())
        finally:
            self.finish(tasks, "interrupted")
        return [results[t.id] for t in tasks]

    def stop(self) -> None:
        """An interrupt (any thread, a signal handler included): start no further task."""
        self.stopping.set()

    def _run_stage(self, batch: list[Task]) -> None:
        """`jobs` workers over one queue; this thread ticks the listener (a task running
        long is named without a TTY) and re-raises what broke a worker."""
        queue = deque(batch)
        broke: list[BaseException] = []
        workers = [
            threading.Thread(
                target=self._worker, args=(queue, lane, broke), name=f"ameide-lane-{lane}"
            )
            for lane in range(min(self.jobs, len(batch)))
        ]
        started: list[threading.Thread] = []
        for w in workers:
            try:
                w.start()
            except RuntimeError:  # no more threads here (a pids or memory limit): fewer lanes
                if not started:
                    raise
                break
            started.append(w)
        workers = started
        tick = getattr(self.listener, "tick", None)
        due = time.monotonic() + TICK
        try:
            for w in workers:
                while True:
                    w.join(max(0.0, due - time.monotonic()))
                    if not w.is_alive():
                        break
                    due += TICK
                    if tick is not None:
                        with self._say:
                            tick()
        except BaseException:  # Ctrl-C without ameide's handlers (an embedding caller)
            self.stop()  # the lanes take no further task; the caller kills what runs
            raise
        if broke:
            raise broke[0]

    def _worker(self, queue: deque[Task], lane: int, broke: list[BaseException]) -> None:
        try:
            while not self.stopping.is_set() and not broke:
                try:
                    task = queue.popleft()
                except IndexError:
                    return
                self.started[task.id] = (time.time(), lane)
                self._guarded(task)
        except BaseException as exc:  # a bug: the run ends with it, after the other lanes
            broke.append(exc)

    def finish(self, tasks: list[Task], why: str) -> None:
        """Give every task a result and tell the listener about those it has not heard of."""
        for t in tasks:
            if t.id not in self.current:
                self.current[t.id] = self.not_run(t, "cancelled", why)
            if t.id not in self.notified:
                self.notified.add(t.id)
                self.listener.task_finished(self.current[t.id])

    def not_run(self, task: Task, status: str, why: str) -> TaskResult:
        return TaskResult(
            task,
            status,
            None,
            0.0,
            None,
            (synthetic_case(task.id, task.id, "skipped", 0.0, why, ""),),
            "synthetic",
            why,
        )

    def _guarded(self, task: Task) -> None:
        with self._say:
            self.listener.task_started(task)
        lock = task.params.get("lock")
        cached = None
        cacheable = self.cache is not None and bool(self.cache.key(task))
        if self.cache is not None and cacheable:
            log, report = self._paths(task)
            cached = self.cache.lookup(task, log, report)
        if cached is not None:
            result = cached
        elif lock:  # installs: two ameide runs must not install into one workspace at once
            fd = _lock(lock, self.stopping)
            if fd is None:
                result = self.not_run(task, "cancelled", "interrupted")
            else:
                try:
                    result = self.run_task(task)
                finally:
                    os.close(fd)
        else:
            result = self.run_task(task)
        if self.cache is not None and cacheable and cached is None and result.ok:
            self.cache.save(result)  # a passed result is kept even when the run is stopped
        self.current[task.id] = result
        with self._say:
            self.notified.add(task.id)
            self.listener.task_finished(result)

    def run_task(self, task: Task) -> TaskResult:
        log, junit_file = self._paths(task)
        cwd = os.path.join(self.root, task.cwd)
        env: dict[str, str] | None = None
        if task.env or not self._inherit:
            env = dict(self.env)
            for k, v in task.env.items():
                env[k] = v.replace(JUNIT, junit_file)
        # the command as it runs (the report path in place of `{junit}`), so it can be pasted
        argv = task.resolved(junit_file)
        header = f"$ (cd {task.cwd} && {task.command(junit_file, argv)})\n".encode()
        started = time.perf_counter()
        message = ""
        if task.builtin:
            with open(log, "wb") as fh:
                fh.write(header)
            fn = self.builtins[task.builtin]
            code, message = fn(task, self.root, log, env or self.env)  # type: ignore[operator]
            res = proc.LoggedResult(code, time.perf_counter() - started)
        elif task.report not in ("none", "junit"):
            # a native report on stdout (`go test -json`) goes to the report file; the log
            # gets its readable text once converted
            with open(log, "wb") as fh:
                fh.write(header)
            res = proc.run_logged(
                task.argv,
                cwd,
                env=env,
                log_path=junit_file,
                timeout=task.timeout,
                stopping=self.stopping,
            )
        else:
            res = proc.run_logged(
                argv,
                cwd,
                env=env,
                log_path=log,
                timeout=task.timeout,
                header=header,
                stopping=self.stopping,
            )
        return self._result(task, res, message, log, junit_file)

    def _result(
        self, task: Task, res: proc.LoggedResult, message: str, log: str, junit_file: str
    ) -> TaskResult:
        report = junit_file if task.report != "none" and os.path.exists(junit_file) else None
        for path in (log, report):
            if path:
                self.scrub.file(path, self.stopping)
        locate = _Locate(task)  # the ecosystem's locator, looked up if a case needs it
        cases, source, problem = self._reported(task, report, log, locate)
        message = message or problem
        if res.cancelled:
            tail = read_tail(log, 4096)
            case = synthetic_case(task.id, task.id, "skipped", res.elapsed, "cancelled", tail)
            return TaskResult(
                task, "cancelled", None, res.elapsed, log, (case,), "synthetic", "cancelled"
            )
        status, message = _verdict(task, res, message)
        if status != "passed" and not any(c.status in ("failed", "error") for c in cases):
            # the tool crashed or failed before reporting a test: make the failure visible,
            # located when a build error, a panic or a stack trace in the log names a file
            case = _crash_case(task, res, status, message, log, junit_file)
            cases.append(locate(case, self.root, task))
            if source == "synthetic" or not cases[:-1]:
                source = "synthetic" if len(cases) == 1 else source
        elif not cases:
            cases.append(synthetic_case(task.id, task.id, "passed", res.elapsed, message, ""))
        return TaskResult(
            task,
            status,
            res.returncode,
            res.elapsed,
            log,
            tuple(cases),
            source,
            message,
            report=report,
        )

    def _reported(
        self, task: Task, report: str | None, log: str, locate: Callable[[Case, str, Task], Case]
    ) -> tuple[list[Case], str, str]:
        """(cases, junit source, problem) from the tool's own report: JUnit as written, or a
        native format on stdout converted by its ecosystem (its readable text to the log)."""
        if report is None:
            return [], "synthetic", ""
        if task.report == "junit":
            try:
                cases = [locate(c, self.root, task) for c in parse_junit(report, task.id)]
                return cases, "native", ""
            except Exception as exc:  # a half-written report: fall back to synthetic
                return [], "synthetic", f"unreadable JUnit report ({type(exc).__name__})"
        from ameide.ecosystems import REGISTRY

        fmt = REGISTRY.report_format(task.report)
        if fmt is None:
            return [], "synthetic", ""
        converted, human = fmt.convert(report)
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(human)
        return [locate(c, self.root, task) for c in converted], "converted", ""


def _verdict(task: Task, res: proc.LoggedResult, message: str) -> tuple[str, str]:
    """The task's status and message from how its process ended."""
    if res.timed_out:
        return "timeout", f"timed out after {task.timeout:g}s (process group killed)"
    if res.missing:
        return "error", res.why or f"{task.argv[0]}: command not found"
    if res.returncode in task.ok_codes:
        note = dict(task.code_notes).get(res.returncode) if res.returncode else None
        return "passed", message or note or ""
    return "failed", message or how_it_ended(res.returncode)


def _crash_case(
    task: Task, res: proc.LoggedResult, status: str, message: str, log: str, junit_file: str
) -> Case:
    """The case of a task that failed before reporting a test: its command, how it ended,
    the tail of its log."""
    tail = read_tail(log, 8 * 1024)
    if res.timed_out:
        ended = f"killed after the timeout ({task.timeout:g}s)"
    elif res.missing:
        ended = message
    else:
        ended = how_it_ended(res.returncode, sep=": ")
    return synthetic_case(
        task.id,
        task.id,
        "error" if status != "failed" else "failed",
        res.elapsed,
        message,
        f"$ {task.command(junit_file)}\n{ended}\n{tail}",
    )
