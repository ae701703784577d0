"""Step 5, phases: 0 contract, 1 unit, 2 integration-local, in order, through the runner
(or replayed from the cache); a failed phase stops the ones after it."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from ameide.evidence.runsummary import PhaseRecord

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ameide.affected import Planning
    from ameide.agents.guardrails import GuardrailReport
    from ameide.cache.session import CacheSession
    from ameide.plan import Plan
    from ameide.runner import Listener, Runner
    from ameide.task import Task
    from ameide.taskenv import TaskEnv
    from ameide.taskresult import TaskResult
    from ameide.testrun import TestRequest


def make_runner(
    ctx: Planning,
    run_dir: str,
    req: TestRequest,
    env: Mapping[str, str],
    tenv: TaskEnv,
    listener: Listener,
) -> Runner:
    """The runner of one run: `--jobs`, AMEIDE_JOBS or `[run] jobs`; the tasks'
    environment; the built-in checks of every ecosystem and the profiles'."""
    from ameide.ecosystems import REGISTRY
    from ameide.runner import Runner
    from ameide.testrun import jobs_from_env

    jobs = req.jobs or jobs_from_env(env, ctx.config.run.get("jobs"))
    builtins: dict[str, object] = {**REGISTRY.builtins(), "profile-check": _profile_check}
    return Runner(
        ctx.repo.root, run_dir, jobs=jobs, env=dict(tenv.env), listener=listener, builtins=builtins
    )


def _profile_check(task: Task, root: str, log: str, env: Mapping[str, str]) -> tuple[int, str]:
    """A profile's built-in check (agents/checks.py, imported when a profile asks for one)."""
    from ameide.agents.checks import run_builtin

    return run_builtin(task, root, log, env)


def new_record() -> PhaseRecord:
    return PhaseRecord({}, {}, {}, {})


class Phases:
    """Runs (or replays) the plan's phases for one run, into a PhaseRecord. `stopped()` says
    whether an interrupt arrived (the engine's flag): no further phase or replay starts."""

    def __init__(
        self,
        plan: Plan,
        phases: tuple[int, ...],
        listener: Listener,
        *,
        fail_fast: bool,
        stopped: Any,  # () -> bool
        guard: GuardrailReport | None,
    ) -> None:
        self.plan = plan
        self.phases = phases
        self.listener = listener
        self.fail_fast = fail_fast
        self.stopped = stopped
        self.guard = guard
        self.rec = new_record()

    # ------------------------------------------------------------------ helpers
    def _started(self, n: int, pre: list[TaskResult], tasks: list[Task]) -> None:
        hook = getattr(self.listener, "phase_started", None)
        if hook:
            hook(n, [r.task for r in pre] + tasks)
        for r in pre:
            self.listener.task_finished(r)

    def _finished(self, n: int, res: list[TaskResult], status: str | None = None) -> None:
        hook = getattr(self.listener, "phase_finished", None)
        if hook:
            hook(n, res, status or self.rec.status[n], self.rec.times[n])

    def _quiet(self, pre: list[TaskResult]) -> bool:
        """Nothing to test and a clean guardrails check: it goes to the evidence only."""
        g = self.guard
        return (
            not self.plan.tasks and bool(pre) and pre[0].ok and g is not None and not g.noteworthy
        )

    # ------------------------------------------------------------------ replay
    def replay(
        self, cache: CacheSession, found: dict[str, Any], run_dir: str, guarded: list[TaskResult]
    ) -> PhaseRecord:
        """Every task a local hit: replay each one's evidence, phase by phase, no runner."""
        rec = self.rec
        for n in self.phases:
            if self.stopped():
                rec.status[n] = "not-run"
                continue
            tasks = self.plan.phase(n)
            pre = list(guarded) if n == 0 else []
            if not tasks and not pre:
                rec.status[n] = "empty"
                continue
            self._started(n, pre, tasks)
            t0 = time.perf_counter()
            logs = os.path.join(run_dir, f"phase{n}", "logs")
            os.makedirs(logs, exist_ok=True)
            res = pre
            for t in tasks:
                if self.stopped():
                    break
                self.listener.task_started(t)
                rec.started[t.id] = (time.time(), 0)  # one replay after another: one lane
                log = os.path.join(logs, t.slug + ".log")
                r = cache.replay(t, found[t.id], "local", log, t.report_file(run_dir))
                self.listener.task_finished(r)
                res.append(r)
            rec.times[n] = time.perf_counter() - t0
            rec.results[n] = res
            rec.status[n] = "interrupted" if self.stopped() else "passed"
            self._finished(n, res)
        return rec

    # ------------------------------------------------------------------ live
    def run(self, runner: Runner, guarded: list[TaskResult], after: Any) -> PhaseRecord:
        """Every selected phase through the runner; `after(results)` runs after each phase
        (install stamps)."""
        for n in self.phases:
            if self.stopped():
                break
            self._phase(n, runner, guarded if n == 0 else [], after)
        return self.rec

    def _phase(self, n: int, runner: Runner, pre: list[TaskResult], after: Any) -> None:
        rec = self.rec
        tasks = self.plan.phase(n)
        if not tasks and not pre:
            rec.status[n] = "empty"
            return
        if any(s == "failed" for s in rec.status.values()):
            rec.status[n] = "not-run"
            return
        if self._quiet(pre):
            rec.results[n], rec.status[n], rec.times[n] = pre, "passed", 0.0
            return
        # in the inner loop a guardrail failure stops its phase like any other failure: the
        # phase's tasks are listed as skipped, none runs
        if pre and not pre[0].ok and self.fail_fast:
            why = "skipped: the guardrails check failed"
            pre = pre + [runner.not_run(t, "skipped", why) for t in tasks]
            tasks = []
        self._started(n, pre, tasks)
        t0 = time.perf_counter()
        res: list[TaskResult] = []
        runner.started = rec.started  # the runner notes each task's start and lane there
        try:
            if tasks:
                res = runner.run_phase(tasks)
        finally:
            rec.times[n] = time.perf_counter() - t0
            rec.results[n] = pre + [runner.current[t.id] for t in tasks if t.id in runner.current]
        if self.stopped():
            # interrupted() marks the phase and nothing after it runs; the view still ends
            # it (its GitHub group closed, its lines out before anything goes to stderr)
            self._finished(n, rec.results[n], "interrupted")
            return
        res = pre + res
        rec.status[n] = "passed" if all(r.ok for r in res) else "failed"
        self._finished(n, res)
        after(res)

    def environment_failed(self, guarded: list[TaskResult], tools: list[TaskResult]) -> None:
        """The toolchain check failed: the run's first phase holds it (and the guardrails),
        nothing runs. That is phase 0 when it is run; under `run --phase 1` it is phase 1,
        or the check would land in a phase the evidence does not report."""
        n = min(self.phases)
        self.rec.results[n] = guarded + tools
        self.rec.status[n] = "failed"
        self.rec.times[n] = 0.0

    def interrupted(self) -> None:
        """After an interrupt: a phase that started and did not finish is interrupted, one
        that never started did not run."""
        for n in self.phases:
            if n in self.rec.results and self.rec.status.get(n) not in ("passed", "failed"):
                self.rec.status[n] = "interrupted"
            elif n not in self.rec.status:
                self.rec.status[n] = "not-run"
