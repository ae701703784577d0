"""The test engine behind `ameide test`, `ameide test ci` and `ameide run`.

A run is five steps (ameide/steps/): plan (affected targets -> tasks) -> toolchain check ->
guardrails -> cache (keys, store, remote) -> phases 0/1/2 through the runner -> evidence
(per-phase JUnit, logs, summary.json, latest). The Engine composes them and holds what one
run shares: the request, the listener, the interrupt state. It returns an outcome and never
prints (the listener renders progress, the CLI renders the closing block).
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from ameide.errors import UsageError
from ameide.evidence.runsummary import PHASE_NAMES, excerpt
from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ameide.affected import Planning
    from ameide.agents.guardrails import GuardrailReport
    from ameide.cache.session import CacheSession
    from ameide.cache.settings import CacheSettings
    from ameide.evidence.runsummary import PhaseRecord
    from ameide.plan import Plan
    from ameide.runner import Listener
    from ameide.taskenv import TaskEnv
    from ameide.taskresult import TaskResult
    from ameide.workspace.toolchain import ToolStatus

__all__ = ["PHASE_NAMES", "Engine", "Outcome", "TestRequest", "excerpt", "run_tests"]

# What every run imports once planning is done (the toolchain check, the guardrails, the
# evidence), in the order it does. Not the runner: a run that replays every result from the
# cache never needs it. No module-level import cycle joins these to what planning imports,
# so the two threads cannot deadlock on module locks (tests/test_boundary.py checks that).
AHEAD = (
    "ameide.workspace.toolchain",
    "ameide.steps.tools",
    "ameide.steps.guard",
    "ameide.steps.cache",
    "ameide.steps.phases",
    "ameide.steps.evidence",
    "ameide.evidence.rundir",
    "ameide.evidence.junit",
    "ameide.evidence.html",
    "ameide.report.jsonout",
    "ameide.report.runfacts",
    "ameide.cache.shard",
)


def _import_ahead() -> None:
    """Import AHEAD on a helper thread while the main thread waits for git. A failure is
    left for the main thread to meet where the module is needed (and report properly)."""
    import importlib

    for name in AHEAD:
        try:
            importlib.import_module(name)
        except Exception:
            return


@record
class TestRequest:
    mode: str  # test | ci | run
    cwd: str
    base: str | None = None
    phases: tuple[int, ...] = (0, 1, 2)
    targets: tuple[str, ...] = ()
    all_targets: bool = False
    jobs: int | None = None
    fail_fast: bool = True
    cache: bool = True  # False: `ameide run --no-cache`


@record
class Outcome:
    exit_code: int
    summary: dict[str, Any]  # the summary.json document
    run_dir: str | None
    nothing: bool  # nothing was affected / planned


def jobs_from_env(env: Mapping[str, str], config_jobs: Any) -> int:
    raw = env.get("AMEIDE_JOBS")
    if raw:
        if not raw.isdigit() or int(raw) < 1:
            raise UsageError(
                f"AMEIDE_JOBS={raw!r} is not a positive integer",
                hint="set AMEIDE_JOBS to the number of parallel tasks, e.g. 4",
            )
        return int(raw)
    if isinstance(config_jobs, int) and config_jobs > 0:
        return config_jobs
    return os.cpu_count() or 2


class Engine:
    """One run: plan -> toolchain -> guardrails -> cache -> phases -> evidence."""

    def __init__(self, req: TestRequest, listener: Listener, env: Mapping[str, str]) -> None:
        self.req = req
        self.listener = listener
        self.env = env
        self.interrupted = False
        self.shard_doc: dict[str, Any] | None = None
        self.cache_doc: dict[str, Any] | None = None
        self.cache: CacheSession | None = None
        self._tools: list[ToolStatus] | None = None
        self.extra_warnings: list[str] = []

    # ------------------------------------------------------------------ the steps
    def plan(self) -> tuple[Planning, Plan, list[str]]:
        from ameide.steps.planning import plan_request

        return plan_request(self.req, self.env)

    def prepare(self, ctx: Planning, plan: Plan) -> tuple[GuardrailReport | None, Plan]:
        """Cache settings, the tasks' environment and the guardrails (with their checks)."""
        from ameide.steps.cache import cache_settings, task_env
        from ameide.steps.guard import guardrails

        self.cache_settings: CacheSettings = cache_settings(self.req, ctx, self.env)
        self.tenv: TaskEnv = task_env(ctx, self.cache_settings, self.env)
        return guardrails(self.req, ctx, plan, self.env)

    def check_tools(self, ctx: Planning, ecos: list[str]) -> list[ToolStatus]:
        from ameide.steps.tools import check_tools

        return check_tools(ctx, ecos, self.tenv.env)

    def open_cache(self, ctx: Planning, plan: Plan, tools: list[ToolStatus]) -> CacheSession | None:
        from ameide.cache.settings import disabled_doc
        from ameide.steps.cache import open_cache

        s = self.cache_settings
        if not s.enabled:
            self.cache_doc = disabled_doc(s.reason)
            return None
        return open_cache(self.req, ctx, plan, tools, s, self.tenv, self.env)

    def cache_hits(self, ctx: Planning, plan: Plan) -> tuple[set[str], list[str]]:
        """Tasks whose result is in the local or remote cache already (`--matrix`)."""
        from ameide.steps.cache import cache_hits

        ecos = sorted({t.ecosystem for t in plan.tasks if t.targets})
        tools = self.check_tools(ctx, ecos) if self.cache_settings.enabled and plan.tasks else []
        return cache_hits(ctx, plan, tools, self.cache_settings, self.tenv)

    def _shard_from_env(self) -> tuple[Any, dict[str, float]] | None:
        """AMEIDE_SHARD (and the matrix's weights) for `ameide test ci`; exit 2 when bad."""
        if self.req.mode != "ci":
            if self.env.get("AMEIDE_SHARD"):
                self.extra_warnings.append(
                    "AMEIDE_SHARD is honoured by `ameide test ci` only: every task ran here"
                )
            return None
        from ameide.cache.shard import from_env

        return from_env(self.env)

    # ------------------------------------------------------------------ running
    def run(self) -> Outcome:
        from ameide.background import Later
        from ameide.interrupt import Interrupts

        # planning waits on git for ~25 ms: import what every run needs after it meanwhile
        Later(_import_ahead, "ameide-imports")
        with Interrupts() as self.signals:
            self.signals.on_interrupt(self._interrupted)
            return self._run_all()

    def _interrupted(self) -> None:
        """The first signal once the run directory exists (interrupt.py): stop scheduling,
        end remote transfers, kill everything ameide started; the evidence still follows."""
        import threading

        from ameide import proc

        self.interrupted = True
        if self.cache is not None and self.cache.remote is not None:
            self.cache.remote.abort()
        runner = getattr(self, "_runner", None)
        if runner is not None:
            runner.stop()
        threading.Thread(target=proc.terminate_all, name="ameide-stop", daemon=True).start()

    def _run_all(self) -> Outcome:
        from ameide import proc

        started = time.time()
        shard = self._shard_from_env()
        ctx, plan, ids = self.plan()
        guard, plan = self.prepare(ctx, plan)
        if shard is not None:
            from ameide.cache.shard import select

            plan, self.shard_doc = select(plan, *shard)
        replayed = self._replay_all(ctx, plan, ids, started, guard)
        if replayed is not None:
            return replayed
        import contextlib

        # nothing a task starts outlives the run: its group goes with it, and orphans that
        # left the group (setsid, daemons) are adopted and killed (proc.contained)
        with proc.contained() if plan.tasks else contextlib.nullcontext():
            try:
                return self._run(ctx, plan, ids, started, guard)
            finally:
                proc.kill_all()  # belt and braces: no child outlives ameide

    def _phases(self, plan: Plan, guard: GuardrailReport | None) -> Any:
        from ameide.steps.phases import Phases

        return Phases(
            plan,
            self.req.phases,
            self.listener,
            fail_fast=self.req.fail_fast,
            stopped=lambda: self.interrupted,
            guard=guard,
        )

    def _new_run(self, ctx: Planning) -> tuple[str, str]:
        from ameide.evidence.rundir import new_run

        sd = self.shard_doc
        return new_run(ctx.repo.root, f"-s{sd['index']}of{sd['total']}" if sd else "")

    def _replay_all(
        self,
        ctx: Planning,
        plan: Plan,
        ids: list[str],
        started: float,
        guard: GuardrailReport | None,
    ) -> Outcome | None:
        """The rerun agents do most: every planned task is a local cache hit. Replay the
        evidence without starting (or importing) the runner; None when anything has to
        run, and the runner takes over (reusing the toolchain check and the keys computed
        here)."""
        from ameide.steps.guard import guard_result
        from ameide.steps.tools import ecosystems_in

        if not plan.tasks:
            return None
        self._tools = self.check_tools(ctx, ecosystems_in(plan))
        if any(not s.ok for s in self._tools) or not self.cache_settings.enabled:
            return None
        self.cache = self.open_cache(ctx, plan, self._tools)
        if self.cache is None or (guard is not None and guard.noteworthy):
            return None
        found = self.cache.preload(list(plan.tasks))
        if found is None:
            return None
        run_id, run_dir = self._new_run(ctx)
        self.signals.started()
        guarded = [guard_result(guard, run_dir)] if guard is not None else []
        rec = self._phases(plan, guard).replay(self.cache, found, run_dir, guarded)
        self.cache_doc = self.cache.finish()
        return self._finish(ctx, plan, ids, run_id, run_dir, started, rec, [], guard)

    def _run(
        self,
        ctx: Planning,
        plan: Plan,
        ids: list[str],
        started: float,
        guard: GuardrailReport | None = None,
    ) -> Outcome:
        from ameide.steps.guard import guard_result
        from ameide.steps.phases import make_runner
        from ameide.steps.tools import ecosystems_in, tool_result

        run_id, run_dir = self._new_run(ctx)
        runner = self._runner = make_runner(
            ctx, run_dir, self.req, self.env, self.tenv, self.listener
        )
        phases = self._phases(plan, guard)
        self.signals.started()
        tools = self._tools
        if tools is None:
            tools = self.check_tools(ctx, ecosystems_in(plan))
        env_error = [s for s in tools if not s.ok]
        # the guardrails check is phase 0's first case whenever phase 0 runs, passed or
        # failed (summary.json `guardrails` has the details)
        guarded = [guard_result(guard, run_dir)] if guard is not None else []
        if not env_error and self.cache is None and not self.interrupted:
            self.cache = self.open_cache(ctx, plan, tools)
        runner.cache = self.cache
        if env_error:
            phases.environment_failed(guarded, [tool_result(s) for s in tools])
        elif not self.interrupted:
            phases.run(runner, guarded, lambda rs: self._post_install(ctx, rs))
        self._close_cache()
        if self.interrupted:
            phases.interrupted()
        return self._finish(ctx, plan, ids, run_id, run_dir, started, phases.rec, env_error, guard)

    def _close_cache(self) -> None:
        cache = self.cache
        if cache is not None:
            self.cache_doc = cache.finish(interrupted=self.interrupted)

    def _post_install(self, ctx: Planning, results: list[TaskResult]) -> None:
        """Stamp successful installs with their inputs' hash so the next run skips them."""
        from ameide.plan import write_stamp

        for r in results:
            if r.task.kind == "install" and r.status == "passed" and r.task.params.get("stamp"):
                write_stamp(ctx.repo.root, ctx.cache_dir, r.task)

    # ------------------------------------------------------------------ evidence
    def _finish(
        self,
        ctx: Planning,
        plan: Plan,
        ids: list[str],
        run_id: str,
        run_dir: str,
        started: float,
        rec: PhaseRecord,
        env_error: list[ToolStatus],
        guard: GuardrailReport | None = None,
    ) -> Outcome:
        from ameide.evidence.runsummary import RunFacts
        from ameide.steps.evidence import write_evidence

        facts = RunFacts(
            run_id,
            self.req.mode,
            started,
            ids,
            plan.notes,
            self.interrupted,
            bool(env_error),
            self.shard_doc,
            self.cache_doc,
            list(self.extra_warnings),
        )
        doc = write_evidence(
            ctx, facts, self.req.phases, rec, run_dir, self.cache, self.tenv, guard
        )
        # nothing ran: no task planned and no built-in check reported anything but a clean
        # guardrails pass (a failed toolchain, a violation or an exemption is worth a block)
        quiet = all(
            r.task.builtin == "guardrails" and r.ok and guard is not None and not guard.noteworthy
            for rs in rec.results.values()
            for r in rs
        )
        return Outcome(doc["exit_code"], doc, run_dir, not plan.tasks and quiet)


def run_tests(
    req: TestRequest, listener: Listener, env: Mapping[str, str] | None = None
) -> Outcome:
    return Engine(req, listener, os.environ if env is None else env).run()


class _Quiet:
    def task_started(self, task: Any) -> None: ...
    def task_finished(self, result: Any) -> None: ...


def plan_matrix(
    req: TestRequest, total: int, env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """`ameide run --matrix N`: plan what `ameide test ci` would run, weigh every task by the
    durations of earlier runs (summaries under artifacts/agent-ci, this clone's timings; a task
    whose result is in the local or remote cache weighs a replay), split it N ways and describe
    the GitHub Actions matrix whose entries give each shard AMEIDE_SHARD and the weights."""
    from ameide.cache.shard import MAX_SHARDS, history, matrix_doc

    if not 1 <= total <= MAX_SHARDS:
        raise UsageError(
            f"--matrix {total}: the shard count must be between 1 and {MAX_SHARDS}",
            hint="GitHub Actions runs at most 256 jobs per matrix; e.g. --matrix 4",
        )
    env = os.environ if env is None else env
    engine = Engine(req, _Quiet(), env)
    ctx, plan, _ = engine.plan()
    _, plan = engine.prepare(ctx, plan)
    known = history(ctx.repo.root, ctx.cache_dir)
    hits, warnings = engine.cache_hits(ctx, plan)
    return matrix_doc(list(plan.tasks), total, known, hits, warnings)
