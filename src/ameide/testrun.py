"""The test engine behind `ameide test`, `ameide test ci` and `ameide run`.

plan (affected targets -> tasks) -> toolchain check -> phases 0/1/2 through the runner ->
evidence (per-phase JUnit, logs, summary.json, latest). Returns an outcome; never prints
(the listener renders progress, the CLI renders the closing block).
"""

from __future__ import annotations

import os
import re
import time
from typing import TYPE_CHECKING, Any

from ameide import vcs
from ameide.errors import ExitCode, UsageError
from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ameide.affected import Planning
    from ameide.agents.guardrails import GuardrailReport
    from ameide.cache.session import CacheSession
    from ameide.cache.settings import CacheSettings
    from ameide.evidence.junit import Case
    from ameide.plan import Plan, Task
    from ameide.runner import Listener
    from ameide.taskenv import TaskEnv
    from ameide.taskresult import TaskResult
    from ameide.workspace.toolchain import ToolStatus

PHASE_NAMES = ("contract", "unit", "integration-local")
_ERROR_LINE = re.compile(
    r"(FAIL|Error|ERROR|error[:\[]|panic:|assert|Assertion|Traceback|✖|not ok|expected|"
    r"undefined:|cannot |failed)",
    re.I,
)


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


# stack frames of node's own machinery (`at Test.run (node:internal/test_runner/test:1047)`):
# never where the fix goes, and they push the assertion's details out of the excerpt
_RUNTIME_FRAME = re.compile(r"^\s*at (?:.*\()?(?:node:|internal/)")


def _excerpt(
    result: TaskResult, max_lines: int = 25
) -> tuple[str | None, str, str | None, int | None]:
    """(test name, relevant lines, file, line) of a failed task."""
    for c in result.cases:
        if c.status in ("failed", "error") and c.name != result.task.id:
            lines = [
                ln
                for ln in (c.message + "\n" + c.text).splitlines()
                if ln.strip() and not _RUNTIME_FRAME.match(ln)
            ]
            return c.name, "\n".join(_dedupe(lines)[:max_lines]), c.file, c.line
    from ameide.codegen import STALE_VERDICT
    from ameide.runner import read_tail

    tail = read_tail(result.log, 32 * 1024).splitlines()
    # a built-in check writes its own verdict after the tool's chatter: start there
    picked: list[int] = [i for i, ln in enumerate(tail) if ln.startswith(STALE_VERDICT)]
    if picked:
        return None, "\n".join(ln.rstrip() for ln in tail[picked[0] :][:max_lines]), None, None
    picked = [i for i, ln in enumerate(tail) if _ERROR_LINE.search(ln)]
    if picked:
        first = max(0, picked[0] - 2)
        lines = tail[first : first + max_lines]
    else:
        lines = tail[-max_lines:]
    return None, "\n".join(ln.rstrip() for ln in lines), None, None


def _dedupe(lines: list[str]) -> list[str]:
    out: list[str] = []
    for ln in lines:
        if not out or out[-1] != ln:
            out.append(ln)
    return out


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Engine:
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
        # task id -> (wall-clock start, worker lane): report.html's timeline
        self.timing: dict[str, tuple[float, int]] = {}

    # ------------------------------------------------------------------ planning
    def plan(self) -> tuple[Planning, Plan, list[str]]:
        from ameide.affected import plan_context
        from ameide.plan import build_plan, codegen_templates

        ctx = plan_context(self.req.cwd, self.req.base, self.env)
        graph = ctx.graph
        if self.req.all_targets:
            ids = sorted(graph.targets)
        elif self.req.targets:
            unknown = [t for t in self.req.targets if t not in graph.targets]
            if unknown:
                import difflib

                near = difflib.get_close_matches(unknown[0], list(graph.targets), n=3)
                raise UsageError(
                    f"unknown target {unknown[0]!r}",
                    hint=("did you mean " + ", ".join(near) + "?")
                    if near
                    else "list them with: ameide targets",
                )
            ids = sorted(set(self.req.targets))
        else:
            ids = [a.target.id for a in ctx.report.affected]
        base_commit = ctx.report.changes.base.commit
        buf_paths = [graph.targets[t].path for t in ids if t.startswith("buf:")]
        base_has = vcs.paths_in_commit(ctx.repo, base_commit, buf_paths) if base_commit else set()
        plan = build_plan(
            ctx.repo.root,
            graph,
            ids,
            ctx.config,
            state_dir=ctx.cache_dir,
            base_commit=base_commit,
            git_root=ctx.repo.git_root,
            base_has=base_has,
            phases=self.req.phases,
            codegen_templates=codegen_templates(
                graph, (f.path for f in ctx.report.files if f.kind == "config")
            ),
        )
        return ctx, plan, ids

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

    def _cache_settings(self, ctx: Planning) -> CacheSettings:
        from ameide.cache.settings import settings

        s = settings(ctx.config, self.env)  # a bad AMEIDE_*CACHE* variable: exit 2 here
        if s.enabled and not self.req.cache:
            from ameide.records import replace

            s = replace(s, enabled=False, reason="ameide run --no-cache")
        return s

    def _task_env(self, ctx: Planning) -> TaskEnv:
        """The environment every task (and toolchain check) starts from (docs/config.md)."""
        from ameide.cache.settings import own_credentials
        from ameide.taskenv import task_env

        e = ctx.config.env
        mode = str(e.get("mode") or "inherit")
        key_names: list[str] = list(self.cache_settings.env)
        if mode == "strict":
            from ameide.cache.keys import ENV_ALLOW

            key_names += [n for names in ENV_ALLOW.values() for n in names]
        return task_env(
            self.env,
            mode=mode,
            passed=e.get("pass") or (),
            key_names=key_names,
            own=own_credentials(self.cache_settings.remote, self.env),
        )

    def _open_cache(
        self, ctx: Planning, plan: Plan, tool_results: list[ToolStatus]
    ) -> CacheSession | None:
        """Compute every task's key and open the local store (and the remote)."""
        from ameide.cache.session import CacheSession, disabled_doc

        s = self.cache_settings
        if not s.enabled:
            self.cache_doc = disabled_doc(s.reason)
            return None
        from ameide.cache.store import LocalStore

        keys = self.task_keys(ctx, plan, tool_results, s)
        remote = None
        if s.remote is not None:
            from ameide.cache.remote import RemoteCache

            remote = RemoteCache(s.remote, ci=self.req.mode == "ci" or bool(self.env.get("CI")))
        return CacheSession(s, keys, LocalStore(s.dir, s.max_bytes), remote)

    def task_keys(
        self, ctx: Planning, plan: Plan, tool_results: list[ToolStatus], s: CacheSettings
    ) -> dict[str, str | None]:
        """task id -> cache key, None for tasks that are never cached (docs/cache.md)."""
        from ameide.cache.keys import KeyMaker

        tools = {t.tool: t.found for t in tool_results if t.ok}
        # phase 0 checks node with pnpm; `run --matrix` keys tasks even when that check failed
        if any(t.ecosystem == "pnpm" for t in plan.tasks) and "node" not in tools:
            from ameide.workspace.toolchain import version_of, which

            env = self.tenv.env
            node = which("node", env)
            tools["node"] = version_of(node, "node", ctx.repo.root, env) if node else None
        blobs = ctx.index.blobs if ctx.index is not None else {}
        maker = KeyMaker(
            ctx.repo.root,
            ctx.graph,
            blobs,
            ctx.config,
            tools,
            self.tenv.env,  # what a task cannot see cannot change its result
            extra_env=s.env,
            state_dir=ctx.cache_dir,
        )
        overrides = ctx.config.targets
        base = ctx.report.changes.base.commit
        trees: dict[str, str | None] = {}
        keys: dict[str, str | None] = {}
        for t in plan.tasks:
            cacheable = (
                t.kind in s.kinds
                and t.builtin is None
                and bool(t.targets)
                and all((overrides.get(tid) or {}).get("cache", True) for tid in t.targets)
            )
            if cacheable and t.kind == "buf-breaking" and base:
                # what `buf breaking` compares with is the workspace as it was at the base:
                # key on that tree, not on the commit, so other branches with the same base
                # protos hit too
                if t.cwd not in trees:
                    trees[t.cwd] = vcs.tree_id(ctx.repo, base, t.cwd)
                tree = trees[t.cwd]
                if tree:
                    from ameide.records import replace

                    argv = tuple(a.replace(f"#ref={base}", f"#tree={tree}") for a in t.argv)
                    t = replace(t, argv=argv)
            keys[t.id] = maker.key(t) if cacheable else None
        return keys

    def _cache_hits(self, ctx: Planning, plan: Plan) -> tuple[set[str], list[str]]:
        """Tasks whose result the local store or the remote already holds (for `--matrix`)."""
        s = self.cache_settings
        if not s.enabled or not plan.tasks:
            return set(), []
        from concurrent.futures import ThreadPoolExecutor

        from ameide.cache.store import LocalStore

        ecos = sorted({t.ecosystem for t in plan.tasks if t.targets})
        keys = self.task_keys(ctx, plan, self._check_tools(ctx, ecos), s)
        store = LocalStore(s.dir, s.max_bytes)
        hits = {tid for tid, k in keys.items() if k and os.path.exists(store.path(k))}
        rest = {tid: k for tid, k in keys.items() if k and tid not in hits}
        if s.remote is None or not rest:
            return hits, []
        from ameide.cache.remote import RemoteCache

        remote = RemoteCache(s.remote, ci=True)
        ex = ThreadPoolExecutor(max_workers=8)
        try:
            found = dict(zip(rest, ex.map(lambda k: remote.head(k)[0], rest.values()), strict=True))
        except BaseException:  # Ctrl-C: end the requests in flight instead of waiting for them
            remote.abort()
            raise
        finally:
            ex.shutdown(wait=True, cancel_futures=True)
            remote.close()
        hits |= {tid for tid, ok in found.items() if ok}
        w = remote.warning()
        return hits, [w] if w else []

    # ------------------------------------------------------------------ running
    def run(self) -> Outcome:
        from ameide.interrupt import Interrupts

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
        threading.Thread(target=proc.terminate_all, name="ameide-stop", daemon=True).start()
        loop, scope = getattr(self, "_loop", None), getattr(self, "_run_scope", None)
        if loop is not None and scope is not None:
            loop.call_soon_threadsafe(scope.cancel)

    def _run_all(self) -> Outcome:
        from ameide import proc

        started = time.time()
        shard = self._shard_from_env()
        ctx, plan, ids = self.plan()
        self.cache_settings = self._cache_settings(ctx)
        self.tenv = self._task_env(ctx)
        guard, plan = self._guardrails(ctx, plan)
        if shard is not None:
            from ameide.cache.shard import select

            plan, self.shard_doc = select(plan, *shard)
        replayed = self._replay_all(ctx, plan, ids, started, guard)
        if replayed is not None:
            return replayed
        import contextlib

        import anyio

        # nothing a task starts outlives the run: its group goes with it, and orphans that
        # left the group (setsid, daemons) are adopted and killed (proc.contained)
        with proc.contained() if plan.tasks else contextlib.nullcontext():
            try:
                return anyio.run(self._run, ctx, plan, ids, started, guard)
            finally:
                proc.kill_all()  # belt and braces: no child outlives ameide

    def _replay_all(
        self,
        ctx: Planning,
        plan: Plan,
        ids: list[str],
        started: float,
        guard: GuardrailReport | None,
    ) -> Outcome | None:
        """The rerun agents do most: every planned task is a local cache hit. Replay the
        evidence without starting the runner and its event loop (whose imports alone cost
        ~75 ms); None when anything has to run, and the runner takes over (reusing the
        toolchain check and the keys computed here)."""
        if not plan.tasks:
            return None
        ecos = sorted({ctx.graph.targets[t].ecosystem for t in plan.targets})
        self._tools = self._check_tools(ctx, ecos)
        if any(not s.ok for s in self._tools) or not self.cache_settings.enabled:
            return None
        self.cache = self._open_cache(ctx, plan, self._tools)
        if self.cache is None or (guard is not None and guard.noteworthy):
            return None
        found = self.cache.preload(list(plan.tasks))
        if found is None:
            return None
        from ameide.evidence.rundir import new_run

        sd = self.shard_doc
        run_id, run_dir = new_run(ctx.repo.root, f"-s{sd['index']}of{sd['total']}" if sd else "")
        self.signals.started()
        phase_results: dict[int, list[TaskResult]] = {}
        phase_times: dict[int, float] = {}
        status: dict[int, str] = {}
        for n in self.req.phases:
            if self.interrupted:
                status[n] = "not-run"
                continue
            tasks = plan.phase(n)
            pre = [self._guard_result(guard, run_dir)] if guard is not None and n == 0 else []
            if not tasks and not pre:
                status[n] = "empty"
                continue
            hook = getattr(self.listener, "phase_started", None)
            if hook:
                hook(n, [r.task for r in pre] + tasks)
            t0 = time.perf_counter()
            logs = os.path.join(run_dir, f"phase{n}", "logs")
            os.makedirs(logs, exist_ok=True)
            res = pre
            for r in pre:
                self.listener.task_finished(r)
            for t in tasks:
                if self.interrupted:
                    break
                self.listener.task_started(t)
                self.timing[t.id] = (time.time(), 0)  # one replay after another: one lane
                log = os.path.join(logs, t.slug + ".log")
                r = self.cache.replay(t, found[t.id], "local", log, t.report_file(run_dir))
                self.listener.task_finished(r)
                res.append(r)
            phase_times[n] = time.perf_counter() - t0
            phase_results[n], status[n] = res, "interrupted" if self.interrupted else "passed"
            hook2 = getattr(self.listener, "phase_finished", None)
            if hook2:
                hook2(n, res, status[n], phase_times[n])
        self.cache_doc = self.cache.finish()
        return self._finish(
            ctx, plan, ids, run_id, run_dir, started, phase_results, phase_times, status, [], guard
        )

    async def _run(
        self,
        ctx: Planning,
        plan: Plan,
        ids: list[str],
        started: float,
        guard: GuardrailReport | None = None,
    ) -> Outcome:
        import asyncio

        import anyio

        from ameide.agents.checks import run_builtin
        from ameide.codegen import check_fresh
        from ameide.evidence.rundir import new_run
        from ameide.runner import Runner

        self._loop = asyncio.get_running_loop()
        sd = self.shard_doc
        run_id, run_dir = new_run(ctx.repo.root, f"-s{sd['index']}of{sd['total']}" if sd else "")
        env = dict(self.tenv.env)
        jobs = self.req.jobs or jobs_from_env(self.env, ctx.config.run.get("jobs"))
        runner = Runner(
            ctx.repo.root,
            run_dir,
            jobs=jobs,
            env=env,
            listener=self.listener,
            builtins={"codegen": check_fresh, "profile-check": run_builtin},
        )
        self.timing = runner.started
        phase_results: dict[int, list[TaskResult]] = {}
        phase_times: dict[int, float] = {}
        status: dict[int, str] = {}
        env_error: list[ToolStatus] = []

        async with anyio.create_task_group() as tg:
            tg.start_soon(self.signals.watch)
            with anyio.CancelScope() as run_scope:
                self._run_scope = run_scope
                self.signals.started()
                if self.interrupted:
                    run_scope.cancel()
                ecos = sorted({ctx.graph.targets[t].ecosystem for t in plan.targets})
                if self._tools is not None:  # checked already (_replay_all)
                    tool_results = self._tools
                else:
                    tool_results = await anyio.to_thread.run_sync(self._check_tools, ctx, ecos)
                env_error = [s for s in tool_results if not s.ok]
                # the guardrails check is phase 0's first case whenever phase 0 runs, passed
                # or failed (summary.json `guardrails` has the details)
                guarded = [self._guard_result(guard, run_dir)] if guard is not None else []
                if not env_error and self.cache is None:
                    self.cache = await anyio.to_thread.run_sync(
                        self._open_cache, ctx, plan, tool_results
                    )
                runner.cache = self.cache
                if env_error:
                    phase_results[0] = guarded + [
                        self._tool_result(s, run_dir) for s in tool_results
                    ]
                    status[0] = "failed"
                    phase_times[0] = 0.0
                else:
                    for n in self.req.phases:
                        tasks = plan.phase(n)
                        pre = guarded if n == 0 else []
                        if not tasks and not pre:
                            status[n] = "empty"
                            continue
                        if any(s == "failed" for s in status.values()):
                            status[n] = "not-run"
                            continue
                        if not plan.tasks and pre[0].ok and guard and not guard.noteworthy:
                            # nothing to test: the clean check goes to the evidence only
                            phase_results[n], status[n], phase_times[n] = pre, "passed", 0.0
                            continue
                        # in the inner loop a guardrail failure stops its phase like any other
                        # failure: the phase's tasks are listed as skipped, none runs
                        if pre and not pre[0].ok and self.req.fail_fast:
                            why = "skipped: the guardrails check failed"
                            pre = pre + [runner.not_run(t, "skipped", why) for t in tasks]
                            tasks = []
                        hook = getattr(self.listener, "phase_started", None)
                        if hook:
                            hook(n, [r.task for r in pre] + tasks)
                        for r in pre:
                            self.listener.task_finished(r)
                        t0 = time.perf_counter()
                        res: list[TaskResult] = []
                        try:
                            if tasks:
                                res = await runner.run_phase(tasks, fail_fast=self.req.fail_fast)
                        finally:
                            phase_times[n] = time.perf_counter() - t0
                            phase_results[n] = pre + [
                                runner.current[t.id] for t in tasks if t.id in runner.current
                            ]
                        res = pre + res
                        status[n] = "passed" if all(r.ok for r in res) else "failed"
                        hook2 = getattr(self.listener, "phase_finished", None)
                        if hook2:
                            hook2(n, res, status[n], phase_times[n])
                        await self._post_install(ctx, res)
            tg.cancel_scope.cancel()
        cache = self.cache
        if cache is not None:
            interrupted = self.interrupted
            self.cache_doc = await anyio.to_thread.run_sync(
                lambda: cache.finish(interrupted=interrupted)
            )
        if self.interrupted:
            for n in self.req.phases:
                if n in phase_results and status.get(n) not in ("passed", "failed"):
                    status[n] = "interrupted"
                elif n not in status:
                    status[n] = "not-run"
        return self._finish(
            ctx,
            plan,
            ids,
            run_id,
            run_dir,
            started,
            phase_results,
            phase_times,
            status,
            env_error,
            guard,
        )

    def _check_tools(self, ctx: Planning, ecos: list[str]) -> list[ToolStatus]:
        """The tools of the ecosystems in play against their pins (pnpm brings node: its
        scripts and tests run under it), each `--version` in its own thread."""
        from concurrent.futures import ThreadPoolExecutor

        from ameide.workspace.toolchain import ECOSYSTEM_TOOLS, check, pins

        go_mods = [
            t.meta["module_dir"] + "/go.mod" if t.meta["module_dir"] != "." else "go.mod"
            for t in ctx.graph.targets.values()
            if t.ecosystem == "go"
        ]
        p = pins(ctx.repo.root, ctx.config, set(go_mods))
        wanted = [p[tool] for e in ecos for tool in ECOSYSTEM_TOOLS.get(e, ())]
        if not wanted:
            return []
        with ThreadPoolExecutor(max_workers=len(wanted)) as ex:
            env = self.tenv.env  # `pnpm --version` may already run the repository's code
            return list(ex.map(lambda pin: check(pin, ctx.repo.root, env), wanted))

    def _guardrails(self, ctx: Planning, plan: Plan) -> tuple[GuardrailReport | None, Plan]:
        """The profile's path guardrails over the changed files, and its extra phase-0 checks
        added to the plan (docs/profiles.md). Only when phase 0 runs."""
        if 0 not in self.req.phases:
            return None, plan
        from ameide.agents.detect import Roots, detect
        from ameide.agents.guardrails import check_tasks, evaluate, load_allowlist
        from ameide.plan import Plan, unique_files

        roots = Roots(os.path.realpath(self.req.cwd), ctx.repo.git_root, ctx.repo.root)
        detected = detect(roots, self.env, cache_dir=ctx.cache_dir)
        changed = [(f.path, f.status) for f in ctx.report.files]
        report = evaluate(detected, changed, load_allowlist(ctx.repo.root))
        tasks, notes = check_tasks(detected.profile, changed)
        if tasks or notes:
            merged = sorted((*plan.tasks, *tasks), key=lambda t: t.phase)  # stable
            all_notes = tuple(sorted((*plan.notes, *notes)))
            plan = Plan(unique_files(merged), all_notes, plan.targets)
        return report, plan

    def _guard_result(self, report: GuardrailReport, run_dir: str) -> TaskResult:
        from ameide.agents.guardrails import describe
        from ameide.evidence.junit import synthetic_case
        from ameide.fsutil import atomic_write_text
        from ameide.plan import Task
        from ameide.taskresult import TaskResult

        task = Task(
            "guardrails",
            0,
            0,
            "guardrails",
            "profile",
            (),
            (),
            ".",
            builtin="guardrails",
            params={"profile": report.profile},
        )
        text = describe(report)
        log = os.path.join(run_dir, "phase0", "logs", "guardrails.log")
        atomic_write_text(log, text)
        if report.ok:
            n = report.checked
            msg = f"{n} changed file{'s' if n != 1 else ''} within the {report.profile} profile"
            if report.exempted:
                msg += f", {len(report.exempted)} of them only through the allowlist"
            case = synthetic_case("guardrails", "guardrails", "passed", 0.0, msg, text)
            return TaskResult(task, "passed", 0, 0.0, log, (case,), "synthetic", msg)
        v = report.violations[0]
        more = f" (+{len(report.violations) - 1} more)" if len(report.violations) > 1 else ""
        msg = f"{v.shown}: {v.explain(report.profile)}{more}"
        case = synthetic_case("guardrails", "guardrails", "failed", 0.0, msg, text)
        return TaskResult(task, "failed", 1, 0.0, log, (case,), "synthetic", msg)

    def _tool_result(self, s: ToolStatus, run_dir: str) -> TaskResult:
        from ameide.evidence.junit import synthetic_case
        from ameide.plan import Task
        from ameide.taskresult import TaskResult

        task = Task(
            f"toolchain {s.tool}", 0, 0, "toolchain", s.tool, (), (), ".", builtin="toolchain"
        )
        # the pin as people read it: `22.x` for node's major, `>=1.25.5` for a go line
        wanted = s.label or s.wanted or "any"
        if s.ok:
            msg = f"{s.tool} {s.found} at {s.path} (wanted {wanted}, {s.source})"
            case = synthetic_case("toolchain", s.tool, "passed", 0.0, msg, "")
            return TaskResult(task, "passed", 0, 0.0, None, (case,), "synthetic", msg)
        found = f"found {s.found} at {s.path}" if s.found else "not found on PATH"
        msg = f"{s.tool}: wanted {wanted} ({s.source}), {found}"
        case = synthetic_case("toolchain", s.tool, "error", 0.0, msg, f"fix: {s.fix}")
        return TaskResult(
            task, "error", None, 0.0, None, (case,), "synthetic", f"{msg}; fix: {s.fix}"
        )

    async def _post_install(self, ctx: Planning, results: list[TaskResult]) -> None:
        """Stamp successful installs with their lockfile hash so the next run skips them."""
        from ameide.fsutil import atomic_write_text
        from ameide.plan import install_stamp, stamp_path

        for r in results:
            stamp = r.task.params.get("stamp")
            if r.task.kind == "install" and r.status == "passed" and stamp:
                kind, ws, members = stamp
                atomic_write_text(
                    stamp_path(ctx.cache_dir, kind, ws),
                    install_stamp(ctx.repo.root, kind, ws, members),
                )

    # ------------------------------------------------------------------ evidence
    def _finish(
        self,
        ctx: Planning,
        plan: Plan,
        ids: list[str],
        run_id: str,
        run_dir: str,
        started: float,
        phase_results: dict[int, list[TaskResult]],
        phase_times: dict[int, float],
        status: dict[int, str],
        env_error: list[ToolStatus],
        guard: GuardrailReport | None = None,
    ) -> Outcome:
        from ameide.evidence.junit import write_phase_junit
        from ameide.evidence.rundir import update_latest

        phases_doc = []
        first: dict[str, Any] | None = None
        totals = {"tasks": 0, "passed": 0, "failed": 0, "tests": 0, "test_failures": 0}
        totals["cached"] = 0
        keys = self.cache.keys if self.cache is not None else {}
        ran: dict[str, float] = {}
        for n in self.req.phases:
            results = phase_results.get(n, [])
            junit_rel = None
            if results:
                junit_rel = f"phase{n}/junit.xml"
                write_phase_junit(
                    os.path.join(run_dir, junit_rel),
                    f"phase{n}-{PHASE_NAMES[n]}",
                    [(r.task.id, list(r.cases)) for r in results],
                )
            tasks_doc = []
            for r in results:
                counts = _counts(r.cases)
                totals["tasks"] += 1
                totals["passed"] += r.ok
                totals["failed"] += not r.ok and r.status != "cancelled"
                totals["tests"] += counts["total"]
                totals["test_failures"] += counts["failed"] + counts["errors"]
                totals["cached"] += r.cached
                if not r.cached and r.status in ("passed", "failed") and r.task.builtin is None:
                    ran[r.task.id] = r.duration
                tasks_doc.append(
                    {
                        "id": r.task.id,
                        "phase": n,
                        "kind": r.task.kind,
                        "ecosystem": r.task.ecosystem,
                        "targets": list(r.task.targets),
                        "command": list(_ran(r.task, run_dir)),
                        "cwd": r.task.cwd,
                        "status": r.status,
                        "exit_code": r.exit_code,
                        "duration": round(r.duration, 3),
                        "cached": r.cached,
                        "cache_key": keys.get(r.task.id),
                        "cache_source": r.cache_source,
                        "original_duration": r.original_duration,
                        **_when(self.timing.get(r.task.id), started),
                        "log": os.path.relpath(r.log, run_dir) if r.log else None,
                        "junit": junit_rel or "",
                        "junit_source": r.junit_source,
                        "tests": counts,
                        "message": r.message,
                    }
                )
                if first is None and r.status in ("failed", "timeout", "error"):
                    test, excerpt, file, line = _excerpt(r)
                    if r.task.kind == "toolchain":
                        # the case says what is wrong and the fix; the command shows it again
                        test, command = None, "ameide toolchain check"
                    else:
                        command = r.task.command(r.task.report_file(run_dir))
                        if r.status in ("timeout", "error") and r.message not in excerpt:
                            # what happened to the task comes before what its log says
                            excerpt = f"{r.message}\n{excerpt}".rstrip()
                    first = {
                        "task": r.task.id,
                        "phase": n,
                        "targets": list(r.task.targets),
                        "command": command,
                        "cwd": r.task.cwd,
                        "test": test,
                        "excerpt": excerpt,
                        "file": file,
                        "line": line,
                    }
            phases_doc.append(
                {
                    "phase": n,
                    "name": PHASE_NAMES[n],
                    "status": status.get(n, "not-run"),
                    "duration": round(phase_times.get(n, 0.0), 3),
                    "junit": junit_rel,
                    "tasks": tasks_doc,
                }
            )
        if self.interrupted:
            result, code = "interrupted", int(ExitCode.INTERRUPTED)
        elif env_error:
            result, code = "error", int(ExitCode.ENVIRONMENT)
        elif any(p["status"] == "failed" for p in phases_doc):
            result, code = "failed", int(ExitCode.CHECKS_FAILED)
        else:
            result, code = "passed", int(ExitCode.OK)
        rep = ctx.report
        ch = rep.changes
        finished = time.time()
        doc: dict[str, Any] = {
            "schema": 1,
            "run_id": run_id,
            "mode": self.req.mode,
            "root": ctx.repo.root,
            "started_at": _iso(started),
            "finished_at": _iso(finished),
            "base": {"ref": ch.base.ref, "commit": ch.base.commit, "source": ch.base.source},
            "head": ch.head,
            "branch": ch.branch,
            # dirty at the start stays dirty; a clean start is checked again (a task may have
            # left files behind), which on a big repo costs a second `git status`
            "dirty": (ctx.index is not None and ctx.index.dirty) or vcs.is_dirty(ctx.repo),
            "everything": ch.everything,
            "changed_files": [
                {"path": f.path, "status": f.status, "kind": f.kind, "owners": list(f.owners)}
                for f in rep.files
            ],
            "targets": [
                {
                    "id": a.target.id,
                    "ecosystem": a.target.ecosystem,
                    "path": a.target.path,
                    "direct": a.direct,
                    "reason": a.reason.explain(),
                }
                for a in rep.affected
                if a.target.id in set(ids)
            ]
            + [
                {
                    "id": t,
                    "ecosystem": ctx.graph.targets[t].ecosystem,
                    "path": ctx.graph.targets[t].path,
                    "direct": True,
                    "reason": "chosen with ameide run",
                }
                for t in ids
                if t not in {a.target.id for a in rep.affected}
            ],
            "notes": list(plan.notes),
            "phases": phases_doc,
            "result": result,
            "exit_code": code,
            "first_failure": first,
            "totals": {**totals, "duration": round(finished - started, 3)},
            "shard": self.shard_doc,
            "cache": self.cache_doc,
            "warnings": list(rep.warnings) + self.extra_warnings,
        }
        if self.cache is not None:
            doc["warnings"] += self.cache.warnings()
        if ran:
            from ameide.cache.shard import record_timings

            record_timings(ctx.cache_dir, ran)
        tenv = self.tenv
        doc["task_env"] = {
            "mode": tenv.mode,
            "withheld": list(tenv.withheld),
            "passed": list(tenv.passed),
        }
        doc["warnings"] += tenv.warnings
        doc["guardrails"] = None
        if guard is not None:
            from ameide.agents.guardrails import summary_doc, warnings

            doc["guardrails"] = summary_doc(guard)
            doc["warnings"] += warnings(guard)
        # The pydantic models in evidence/summary.py define this document (and the JSON
        # Schema); tests validate every summary against them. Validating here as well would
        # cost ~200 ms of imports on every run, a third of a no-op `ameide test`.
        import json

        from ameide.evidence.html import write_report
        from ameide.fsutil import atomic_write_text

        doc["warnings"] += write_report(run_dir, doc)  # report.html (a problem is a warning)
        atomic_write_text(os.path.join(run_dir, "summary.json"), json.dumps(doc, indent=2) + "\n")
        update_latest(ctx.repo.root, run_id)
        # nothing ran: no task planned and no built-in check reported anything but a clean
        # guardrails pass (a failed toolchain, a violation or an exemption is worth a block)
        quiet = all(
            r.task.builtin == "guardrails" and r.ok and guard is not None and not guard.noteworthy
            for rs in phase_results.values()
            for r in rs
        )
        return Outcome(code, doc, run_dir, not plan.tasks and quiet)


def _ran(task: Task, run_dir: str) -> tuple[str, ...]:
    """The argv that ran (or, for a replayed task, would have): `{junit}` made this run's
    report path. Cache keys are computed from the plan's argv, which keeps the placeholder."""
    from ameide.plan import JUNIT

    if any(JUNIT in a for a in task.argv):
        return task.resolved(task.report_file(run_dir))
    return task.argv


def _when(timing: tuple[float, int] | None, started: float) -> dict[str, Any]:
    """summary.json `start` (seconds after the run started) and `worker` (lane) of a task."""
    if timing is None:
        return {"start": None, "worker": None}
    return {"start": round(max(0.0, timing[0] - started), 3), "worker": timing[1]}


def _counts(cases: tuple[Case, ...]) -> dict[str, int]:
    c = {"total": 0, "failed": 0, "errors": 0, "skipped": 0}
    for case in cases:
        c["total"] += 1
        if case.status == "failed":
            c["failed"] += 1
        elif case.status == "error":
            c["errors"] += 1
        elif case.status == "skipped":
            c["skipped"] += 1
    return c


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
    from ameide.cache.shard import (
        HIT_WEIGHT,
        MAX_SHARDS,
        assign,
        encode_weights,
        estimate,
        history,
        weight,
    )

    if not 1 <= total <= MAX_SHARDS:
        raise UsageError(
            f"--matrix {total}: the shard count must be between 1 and {MAX_SHARDS}",
            hint="GitHub Actions runs at most 256 jobs per matrix; e.g. --matrix 4",
        )
    env = os.environ if env is None else env
    engine = Engine(req, _Quiet(), env)
    ctx, plan, _ = engine.plan()
    engine.cache_settings = engine._cache_settings(ctx)
    engine.tenv = engine._task_env(ctx)
    _, plan = engine._guardrails(ctx, plan)
    known = history(ctx.repo.root, ctx.cache_dir)
    weights = {t.id: known[t.id] for t in plan.tasks if t.id in known}
    hits, warnings = engine._cache_hits(ctx, plan)
    weights.update({tid: HIT_WEIGHT for tid in hits})
    tasks = list(plan.tasks)
    owner = assign(tasks, total, weights)
    encoded = encode_weights(weights) if weights else ""
    shards = []
    for k in range(1, total + 1):
        mine = [t for t in tasks if owner.get(t.id) == k]
        shards.append(
            {
                "shard": f"{k}/{total}",
                "tasks": [t.id for t in mine],
                "seconds": round(sum(weight(t, weights) for t in mine), 1),
            }
        )
    partitioned = [t for t in tasks if t.id in owner]
    return {
        "matrix": {"include": [{"shard": s["shard"], "weights": encoded} for s in shards]},
        "shards": shards,
        "tasks": len(partitioned),
        "known": sum(1 for t in partitioned if t.id in weights and t.id not in hits),
        "hits": sorted(hits),
        "estimated": sorted(t.id for t in partitioned if t.id not in weights),
        "estimate_total": round(sum(estimate(t) for t in partitioned), 1),
        "warnings": warnings,
    }
