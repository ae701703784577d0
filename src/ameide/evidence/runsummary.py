"""summary.json of a run: phases and tasks, the first failure with its excerpt, totals,
targets, warnings (the pydantic models in summary.py define the document)."""

from __future__ import annotations

import os
import re
import time
from typing import TYPE_CHECKING, Any

from ameide.evidence.excerpt import MAX_LINES, location, readable_case, shape
from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ameide.ecosystems.base import Ecosystem
    from ameide.evidence.junit import Case
    from ameide.model import Target
    from ameide.task import Task
    from ameide.taskresult import TaskResult

PHASE_NAMES = ("contract", "unit", "integration-local")
_ERROR_LINE = re.compile(
    r"(FAIL|Error|ERROR|error[:\[]|panic:|assert|Assertion|Traceback|✖|not ok|expected|"
    r"undefined:|cannot |failed)",
    re.I,
)


@record
class PhaseRecord:
    """What the phases came to: results, durations and statuses by phase number."""

    results: dict[int, list[TaskResult]]
    times: dict[int, float]
    status: dict[int, str]
    # task id -> (wall-clock start, worker lane): summary.json `start`/`worker`, report.html
    started: dict[str, tuple[float, int]]


def excerpt(
    result: TaskResult, max_lines: int = MAX_LINES, order: Mapping[str, int] | None = None
) -> tuple[str | None, str, str | None, int | None]:
    """(test name, excerpt, file, line) of a failed task: its first failed case as its
    ecosystem reads it, else the log from where its ecosystem says the verdict starts, else
    from the first error-looking line; shaped the same for every runner (evidence.excerpt).

    With `order` (target id -> dependency order) a task that tests several targets at once
    (one `go test` per module) shows the failure of the most upstream one: a broken
    `lib/strutil` fails `lib/store`'s tests too, and the cause is strutil's."""
    failed = [c for c in result.cases if c.status in ("failed", "error")]
    if order:
        prefix = f"{result.task.ecosystem}:"
        last = len(order)
        failed.sort(key=lambda c: order.get(prefix + c.classname, last))
    for c in failed:
        if c.name != result.task.id:
            return c.name, case_excerpt(result, c, max_lines), c.file, c.line
    # a task that failed before reporting a test: its crash case may have found a position
    file, line = (failed[0].file, failed[0].line) if failed else (None, None)
    lines = _log_lines(result, _ecosystem(result), max_lines)
    return None, shape(location(None, file, line), lines, max_lines), file, line


def case_excerpt(
    result: TaskResult, case: Case, max_lines: int = MAX_LINES, *, located: bool = True
) -> str:
    """A failed case as its ecosystem reads it, its location first unless `located` is
    False (a GitHub annotation carries it apart); a case that says nothing (a test file that
    did not load) leaves it to the log."""
    eco = _ecosystem(result)
    lines = eco.case_lines(readable_case(case)) or _log_lines(result, eco, max_lines)
    head = location(case.name, case.file, case.line) if located else None
    return shape(head, lines, max_lines)


def _ecosystem(result: TaskResult) -> Ecosystem:
    from ameide.ecosystems import REGISTRY
    from ameide.ecosystems.base import EcosystemBase

    return REGISTRY.get(result.task.ecosystem) or EcosystemBase()


def _log_lines(result: TaskResult, eco: Ecosystem, max_lines: int) -> list[str]:
    from ameide.runner import read_tail

    tail = read_tail(result.log, 32 * 1024).splitlines()
    lines = eco.excerpt(result, tail)
    if lines is None:
        picked = [i for i, ln in enumerate(tail) if _ERROR_LINE.search(ln)]
        lines = tail[max(0, picked[0] - 2) if picked else max(0, len(tail) - max_lines) :]
    return lines


def iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def counts(cases: tuple[Case, ...]) -> dict[str, int]:
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


def ran(task: Task, run_dir: str) -> tuple[str, ...]:
    """The argv that ran (or, for a replayed task, would have): `{junit}` made this run's
    report path. Cache keys are computed from the plan's argv, which keeps the placeholder."""
    from ameide.task import JUNIT

    if any(JUNIT in a for a in task.argv):
        return task.resolved(task.report_file(run_dir))
    return task.argv


def when(timing: tuple[float, int] | None, started: float) -> dict[str, Any]:
    """summary.json `start` (seconds after the run started) and `worker` (lane) of a task."""
    if timing is None:
        return {"start": None, "worker": None}
    return {"start": round(max(0.0, timing[0] - started), 3), "worker": timing[1]}


def _under(path: str, run_dir: str) -> str:
    """`path` relative to the run directory (os.path.relpath costs 30 us a task)."""
    head = run_dir.rstrip(os.sep) + os.sep
    return path[len(head) :] if path.startswith(head) else os.path.relpath(path, run_dir)


def task_doc(
    r: TaskResult,
    n: int,
    run_dir: str,
    junit: str | None,
    key: str | None,
    timing: dict[str, Any],
) -> dict[str, Any]:
    return {
        "id": r.task.id,
        "phase": n,
        "kind": r.task.kind,
        "ecosystem": r.task.ecosystem,
        "targets": list(r.task.targets),
        "command": list(ran(r.task, run_dir)),
        "cwd": r.task.cwd,
        "status": r.status,
        "exit_code": r.exit_code,
        "duration": round(r.duration, 3),
        "cached": r.cached,
        "cache_key": key,
        "cache_source": r.cache_source,
        "original_duration": r.original_duration,
        **timing,
        "log": _under(r.log, run_dir) if r.log else None,
        "junit": junit or "",
        "junit_source": r.junit_source,
        "tests": counts(r.cases),
        "message": r.message,
    }


def failure_doc(
    r: TaskResult, n: int, run_dir: str, order: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """`first_failure`: the task, its command, the failing test and the lines that matter."""
    test, text, file, line = excerpt(r, order=order)
    if r.task.kind == "toolchain":
        # the case says what is wrong and the fix; the command shows it again
        test, command = None, "ameide toolchain check"
    else:
        command = r.task.command(r.task.report_file(run_dir))
        if r.status in ("timeout", "error") and r.message not in text:
            # what happened to the task comes before what its log says (the location second)
            text = "\n".join(f"{r.message}\n{text}".rstrip().splitlines()[:MAX_LINES])
    # paths inside the repository as the rest of the evidence gives them: from its root
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(run_dir))))
    text = text.replace(root + os.sep, "")
    return {
        "task": r.task.id,
        "phase": n,
        "targets": list(r.task.targets),
        "command": command,
        "cwd": r.task.cwd,
        "test": test,
        "excerpt": text,
        "file": file,
        "line": line,
    }


_FAILED = ("failed", "timeout", "error")


def most_upstream(
    failing: list[tuple[int, TaskResult]], index: Mapping[str, int]
) -> tuple[int, TaskResult]:
    """The failure an agent should fix first, whatever finished first: the earliest phase,
    then the task whose targets come first in dependency order (`index`; a task of no
    target, such as a tool or guardrails check, before any), ties by task id."""
    n0 = min(n for n, _ in failing)

    def rank(r: TaskResult) -> tuple[int, str]:
        return min((index[t] for t in r.task.targets if t in index), default=-1), r.task.id

    return min(((n, r) for n, r in failing if n == n0), key=lambda p: rank(p[1]))


def dependency_order(targets: Mapping[str, Target]) -> dict[str, int]:
    """Target id -> its place in dependency order (dependencies first)."""
    from ameide.graph import topo_order

    return {tid: i for i, tid in enumerate(topo_order(dict(targets)))}


def environment_doc(results: list[TaskResult], n: int) -> dict[str, Any]:
    """`first_failure` when tools are missing or wrong: every one of them in one block, and
    one command that fixes all that ameide can install (not a round per tool)."""
    bad = [r for r in results if r.task.kind == "toolchain" and r.status in _FAILED]
    lines: list[str] = []
    ours: list[tuple[str, str]] = []  # (tool, the fix `ameide toolchain install` gives)
    other: list[str] = []
    for r in bad:
        what, _, fix = r.message.partition("; fix: ")
        lines.append(what)
        if fix.startswith("ameide toolchain install --tool "):
            ours.append((r.task.id.removeprefix("toolchain "), fix))
        elif fix:
            other.append(fix)
    if len(ours) == 1:
        lines.append(f"fix: {ours[0][1]}")
    elif ours:
        prefixes = {m.group(1) if (m := re.search(r"--prefix (\S+)", f)) else "" for _, f in ours}
        where = f" --prefix {prefixes.pop()}" if len(prefixes) == 1 and "" not in prefixes else ""
        versions = [
            f"{t} {m.group(1)}" for t, f in ours if (m := re.search(r"\(installs ([^;)]+)", f))
        ]
        lines.append(
            "fix: ameide toolchain install"
            + where
            + "".join(f" --tool {t}" for t, _ in ours)
            + (f" (installs {', '.join(versions)})" if versions else "")
        )
    lines += [f"{'also' if ours else 'fix'}: {o}" for o in other]
    text = "\n".join(lines)
    return {
        "task": bad[0].task.id,
        "phase": n,
        "targets": [],
        "command": "ameide toolchain check",
        "cwd": ".",
        "test": None,
        "excerpt": text,
        "file": None,
        "line": None,
    }


def phases_doc(
    phases: tuple[int, ...],
    rec: PhaseRecord,
    run_dir: str,
    keys: dict[str, str | None],
    started: float,
    targets: Mapping[str, Target],
) -> tuple[list[dict[str, Any]], dict[str, Any] | None, dict[str, int], dict[str, float]]:
    """(phases, first failure, totals, durations of the tasks that really ran), writing
    each phase's merged JUnit file."""
    from ameide.evidence.junit import write_phase_junit

    docs: list[dict[str, Any]] = []
    failing: list[tuple[int, TaskResult]] = []
    totals = {"tasks": 0, "passed": 0, "failed": 0, "tests": 0, "test_failures": 0, "cached": 0}
    durations: dict[str, float] = {}
    for n in phases:
        results = rec.results.get(n, [])
        junit = None
        if results:
            junit = f"phase{n}/junit.xml"
            write_phase_junit(
                os.path.join(run_dir, junit),
                f"phase{n}-{PHASE_NAMES[n]}",
                [(r.task.id, list(r.cases)) for r in results],
            )
        for r in results:
            _add(totals, r)
            if not r.cached and r.status in ("passed", "failed") and r.task.builtin is None:
                durations[r.task.id] = r.duration
            if r.status in _FAILED:
                failing.append((n, r))
        docs.append(
            {
                "phase": n,
                "name": PHASE_NAMES[n],
                "status": rec.status.get(n, "not-run"),
                "duration": round(rec.times.get(n, 0.0), 3),
                "junit": junit,
                "tasks": [
                    task_doc(
                        r,
                        n,
                        run_dir,
                        junit,
                        keys.get(r.task.id),
                        when(rec.started.get(r.task.id), started),
                    )
                    for r in results
                ],
            }
        )
    first = None
    if failing:
        order = dependency_order(targets)
        n, r = most_upstream(failing, order)
        if r.task.kind == "toolchain":
            first = environment_doc(rec.results[n], n)
        else:
            first = failure_doc(r, n, run_dir, order)
    return docs, first, totals, durations


def _add(totals: dict[str, int], r: TaskResult) -> None:
    c = counts(r.cases)
    totals["tasks"] += 1
    totals["passed"] += r.ok
    totals["failed"] += not r.ok and r.status != "cancelled"
    totals["tests"] += c["total"]
    totals["test_failures"] += c["failed"] + c["errors"]
    totals["cached"] += r.cached


@record
class RunFacts:
    """What the summary says besides the phases: who ran, what was planned, how it ended."""

    run_id: str
    mode: str
    started: float
    ids: list[str]  # the target ids planned for
    notes: tuple[str, ...]
    interrupted: bool
    env_error: bool
    shard: dict[str, Any] | None
    cache: dict[str, Any] | None
    warnings: list[str]


def result_of(facts: RunFacts, phases: list[dict[str, Any]]) -> tuple[str, int]:
    from ameide.errors import ExitCode

    if facts.interrupted:
        return "interrupted", int(ExitCode.INTERRUPTED)
    if facts.env_error:
        return "error", int(ExitCode.ENVIRONMENT)
    if any(p["status"] == "failed" for p in phases):
        return "failed", int(ExitCode.CHECKS_FAILED)
    return "passed", int(ExitCode.OK)


def summary(
    facts: RunFacts,
    ctx: Any,  # affected.Planning
    phases: list[dict[str, Any]],
    first: dict[str, Any] | None,
    totals: dict[str, int],
    dirty: bool,
) -> dict[str, Any]:
    """The summary.json document (without the task environment and guardrails parts).
    `dirty`: is the work tree dirty now (dirty_now)."""
    result, code = result_of(facts, phases)
    rep = ctx.report
    ch = rep.changes
    finished = time.time()
    return {
        "schema": 1,
        "run_id": facts.run_id,
        "mode": facts.mode,
        "root": ctx.repo.root,
        "started_at": iso(facts.started),
        "finished_at": iso(finished),
        "base": {"ref": ch.base.ref, "commit": ch.base.commit, "source": ch.base.source},
        "head": ch.head,
        "branch": ch.branch,
        "dirty": dirty,
        "everything": ch.everything,
        "changed_files": [
            {"path": f.path, "status": f.status, "kind": f.kind, "owners": list(f.owners)}
            for f in rep.files
        ],
        "targets": targets_doc(ctx, facts.ids),
        "notes": list(facts.notes),
        "phases": phases,
        "result": result,
        "exit_code": code,
        "first_failure": first,
        "totals": {**totals, "duration": round(finished - facts.started, 3)},
        "shard": facts.shard,
        "cache": facts.cache,
        "warnings": list(rep.warnings) + facts.warnings,
    }


def dirty_now(ctx: Any) -> bool:
    """Dirty at the start stays dirty; a clean start is checked again (a task may have left
    files behind), which on a big repo costs a second `git status`."""
    from ameide import vcs

    return (ctx.index is not None and ctx.index.dirty) or vcs.is_dirty(ctx.repo)


def targets_doc(ctx: Any, ids: list[str]) -> list[dict[str, Any]]:
    """The targets planned for: the affected ones with why, then those `ameide run` chose."""
    rep = ctx.report
    wanted = set(ids)
    affected = {a.target.id for a in rep.affected}
    out = [
        {
            "id": a.target.id,
            "ecosystem": a.target.ecosystem,
            "path": a.target.path,
            "direct": a.direct,
            "reason": a.reason.explain(),
        }
        for a in rep.affected
        if a.target.id in wanted
    ]
    for t in ids:
        if t not in affected:
            target = ctx.graph.targets[t]
            out.append(
                {
                    "id": t,
                    "ecosystem": target.ecosystem,
                    "path": target.path,
                    "direct": True,
                    "reason": "chosen with ameide run",
                }
            )
    return out
