"""Progress and the closing block of `ameide test`/`test ci`/`run`.

Live view (rich) on a TTY, plain lines otherwise, GitHub Actions groups and annotations when
GITHUB_ACTIONS=true. Subprocess output is never echoed with markup.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ameide.task import Task
    from ameide.taskresult import TaskResult

MARK = {
    "passed": "PASS",
    "failed": "FAIL",
    "timeout": "TIME",
    "error": "ERR ",
    "cancelled": "----",
    "skipped": "skip",
}
NAMES = ("contract", "unit", "integration-local")


def _gh_escape(s: str, prop: bool = False) -> str:
    s = s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        s = s.replace(":", "%3A").replace(",", "%2C")
    return s


def cadence(env: Mapping[str, str]) -> tuple[float, float] | None:
    """`AMEIDE_PROGRESS=FIRST[,EVERY]` (seconds; default 30,60; `off` or 0: no such lines):
    when a task still running is named without a TTY, and how often after that."""
    raw = (env.get("AMEIDE_PROGRESS") or "").strip().lower()
    if raw in ("off", "0", "no", "false"):
        return None
    try:
        parts = [float(p) for p in raw.split(",")] if raw else []
    except ValueError:
        parts = [-1.0]
    if len(parts) > 2 or any(not p > 0 for p in parts):
        from ameide.errors import UsageError

        raise UsageError(
            f"AMEIDE_PROGRESS={env.get('AMEIDE_PROGRESS')!r} is not FIRST[,EVERY] in seconds",
            hint="for example AMEIDE_PROGRESS=30,60 (the default), or AMEIDE_PROGRESS=off",
        )
    first = parts[0] if parts else 30.0
    every = parts[1] if len(parts) > 1 else 60.0
    return first, every


class PlainListener:
    """One line per finished task; `::group::`/`::error` under GitHub Actions. A task that
    runs long is named while it runs (30 s in, then every 60 s): CI without a TTY never sits
    silent through a cold `go vet`."""

    def __init__(self, console: Any, env: Mapping[str, str]) -> None:
        self.console = console
        self.github = env.get("GITHUB_ACTIONS") == "true"
        self.cadence = cadence(env)
        self.due: dict[str, tuple[float, float]] = {}  # task id -> (started, next line at)

    def tick(self, now: float | None = None) -> None:
        """Name the tasks whose next progress line is due (called about once a second), and
        let out the lines the console holds back (PlainConsole.FLUSH_EVERY)."""
        try:
            if self.cadence is None or not self.due:
                return
            now = time.monotonic() if now is None else now
            every = self.cadence[1]
            late = sorted((tid, now - s) for tid, (s, at) in self.due.items() if now >= at)
            if not late:
                return
            for tid, _ in late:
                self.due[tid] = (self.due[tid][0], self.due[tid][1] + every)
            names = ", ".join(f"{tid} ({ran:.0f}s)" for tid, ran in late)
            self._print(f"  ... still running: {names}", "dim")
        finally:
            self._flush()

    def _print(self, text: str, style: str | None = None) -> None:
        self.console.print(text, style=style, markup=False, highlight=False, soft_wrap=True)

    def _flush(self) -> None:
        flush = getattr(self.console, "flush", None)  # PlainConsole's; rich flushes itself
        if flush is not None:
            flush()

    def phase_started(self, n: int, tasks: list[Task]) -> None:
        title = f"phase {n} {NAMES[n]}: {len(tasks)} task{'s' if len(tasks) != 1 else ''}"
        self._print(f"::group::{title}" if self.github else f"== {title}")

    def task_started(self, task: Task) -> None:
        if self.cadence is not None:
            now = time.monotonic()
            self.due[task.id] = (now, now + self.cadence[0])

    def task_finished(self, r: TaskResult) -> None:
        self.due.pop(r.task.id, None)
        style = {"passed": "green", "failed": "red", "timeout": "red", "error": "red"}.get(r.status)
        extra = f"  {r.message}" if r.message and r.status != "passed" else ""
        if r.cached:
            where = " remote" if r.cache_source == "remote" else ""
            took = f"cached{where}, ran {r.original_duration or 0.0:.1f}s"
            self._print(f"  {MARK[r.status]} {r.task.id} ({took})", style)
            return
        self._print(f"  {MARK[r.status]} {r.task.id} ({r.duration:.1f}s){extra}", style)

    def phase_finished(
        self, n: int, results: list[TaskResult], status: str, elapsed: float
    ) -> None:
        if self.github:
            from ameide.evidence.runsummary import case_excerpt

            self._print("::endgroup::")
            for r in results:
                for c in r.cases:
                    if c.status in ("failed", "error"):
                        title = r.task.id if c.name == r.task.id else f"{r.task.id}: {c.name}"
                        props = f"title={_gh_escape(title, True)}"
                        if c.file:
                            props = (
                                f"file={_gh_escape(c.file, True)}"
                                + (f",line={c.line}" if c.line else "")
                                + ","
                                + props
                            )
                        text = case_excerpt(r, c, located=False) or c.message
                        body = _gh_escape(text.strip()[:4000])
                        self._print(f"::error {props}::{body}")
        else:
            self._print(f"   phase {n} {status} in {elapsed:.1f}s")
        self._flush()


class LiveListener(PlainListener):
    """A live table of running tasks with elapsed time and per-phase counts (TTY only)."""

    def __init__(self, console: Any, env: Mapping[str, str]) -> None:
        super().__init__(console, env)
        from rich.live import Live

        self.running: dict[str, float] = {}
        self.counts = {"done": 0, "failed": 0, "total": 0}
        self.phase = 0
        self.live = Live(
            self._render(),
            console=console,
            refresh_per_second=8,
            transient=True,
            get_renderable=self._render,
        )

    def _render(self) -> Any:
        from rich.table import Table
        from rich.text import Text

        t = Table.grid(padding=(0, 2))
        c = self.counts
        t.add_row(
            Text(f"phase {self.phase} {NAMES[self.phase]}", style="bold"),
            Text(f"{c['done']}/{c['total']} done, {c['failed']} failed"),
        )
        now = time.monotonic()
        from ameide.sanitize import printable

        for tid, started in sorted(self.running.items(), key=lambda kv: kv[1])[:12]:
            t.add_row(Text(f"  ⠿ {printable(tid)}"), Text(f"{now - started:5.1f}s", style="dim"))
        if len(self.running) > 12:
            t.add_row(Text(f"  ... {len(self.running) - 12} more"), Text(""))
        return t

    def tick(self, now: float | None = None) -> None:
        """The live table shows every running task's time already."""

    def phase_started(self, n: int, tasks: list[Task]) -> None:
        self.phase = n
        self.counts = {"done": 0, "failed": 0, "total": len(tasks)}
        super().phase_started(n, tasks)
        self.live.start()

    def task_started(self, task: Task) -> None:
        self.running[task.id] = time.monotonic()

    def task_finished(self, r: TaskResult) -> None:
        self.running.pop(r.task.id, None)
        self.counts["done"] += 1
        self.counts["failed"] += r.status in ("failed", "timeout", "error")
        super().task_finished(r)

    def phase_finished(
        self, n: int, results: list[TaskResult], status: str, elapsed: float
    ) -> None:
        self.live.stop()
        super().phase_finished(n, results, status, elapsed)


def make_listener(console: Any, env: Mapping[str, str], *, ci: bool) -> PlainListener:
    """The live view only on an interactive terminal (a TTY, not TERM=dumb) outside CI: never
    into a pipe, even when FORCE_COLOR makes the console styled."""
    from ameide.report.console import interactive

    live = interactive(getattr(console, "file", None), env)
    if not ci and live and env.get("CI") in (None, "", "false", "0"):
        return LiveListener(console, env)
    return PlainListener(console, env)


_COMMAND = {"test": "test", "ci": "test ci", "run": "run"}  # summary.json `mode` -> command


def render_closing(doc: dict[str, Any], console: Any, cwd: str) -> None:
    """The block every run ends with: phases, total, evidence, the first actionable error."""

    def line(text: str = "", style: str | None = None) -> None:
        # a str, not rich's Text: the console may be the rich-free PlainConsole
        console.print(text, style=style or None, soft_wrap=True)

    result = doc["result"]
    style = {
        "passed": "bold green",
        "failed": "bold red",
        "interrupted": "bold yellow",
        "error": "bold red",
    }[result]
    line()
    line(
        f"ameide {_COMMAND.get(doc['mode'], doc['mode'])}: {result.upper()} "
        f"(exit {doc['exit_code']})",
        style,
    )
    for p in doc["phases"]:
        n_tasks = len(p["tasks"])
        failed = sum(1 for t in p["tasks"] if t["status"] in ("failed", "timeout", "error"))
        cached = sum(1 for t in p["tasks"] if t.get("cached"))
        detail = (
            f"{n_tasks} task{'s' if n_tasks != 1 else ''}"
            + (f", {cached} cached" if cached else "")
            + (f", {failed} failed" if failed else "")
        )
        if p["status"] in ("empty", "not-run"):
            line(f"  phase {p['phase']} {p['name']:<18} {p['status']}", "dim")
        else:
            line(
                f"  phase {p['phase']} {p['name']:<18} {p['status']:<11} "
                f"{p['duration']:6.1f}s  ({detail})"
            )
    t = doc["totals"]
    run_dir = os.path.join(doc["root"], "artifacts", "agent-ci", doc["run_id"])
    # every path in the block from one place, the repository root, as the excerpt and
    # summary.json give them (said once when ameide ran elsewhere, e.g. in a package)
    rel = os.path.relpath(run_dir, doc["root"])
    cached = t.get("cached") or 0
    n_targets = len(doc["targets"])
    from ameide.report.runfacts import counts_phrase

    line(
        f"  total {t['duration']:.1f}s, {n_targets} target{'s' if n_targets != 1 else ''}, "
        f"{t['tasks']} task{'s' if t['tasks'] != 1 else ''}"
        + (f" ({cached} cached)" if cached else "")
        + f", {counts_phrase(doc)}"
    )
    shard = doc.get("shard")
    if shard:
        line(
            f"  shard {shard['index']}/{shard['total']}: {shard['tasks']} of {shard['of']} tasks"
            + (f" (+{len(shard['replicated'])} installs)" if shard["replicated"] else "")
        )
    line(f"  evidence: {rel}/")
    if os.path.exists(os.path.join(run_dir, "report.html")):
        line(f"  report:   {rel}/report.html  (open it in a browser)")
    elsewhere = os.path.realpath(cwd) != os.path.realpath(doc["root"])
    off_root = f"  paths are from the repository root: {doc['root']}"
    if elsewhere and not doc.get("first_failure"):
        line(off_root, "dim")
    ff = doc.get("first_failure")
    if ff:
        line()
        line(f"first failure: {ff['task']} (phase {ff['phase']})", "bold red")
        if ff["targets"]:
            line(
                f"  targets: {', '.join(ff['targets'][:5])}"
                + (f" (+{len(ff['targets']) - 5})" if len(ff["targets"]) > 5 else "")
            )
        line(
            f"  command: {ff['command']}"
            + (f"  (in {ff['cwd']})" if ff.get("cwd") not in (None, ".") else "")
        )
        if ff.get("test"):
            where = f" ({ff['file']}:{ff['line']})" if ff.get("file") and ff.get("line") else ""
            line(f"  test:    {ff['test']}{where}")
        for ln in ff["excerpt"].splitlines()[:25]:
            line(f"  | {ln}")
        log = next(
            (
                tk["log"]
                for p in doc["phases"]
                for tk in p["tasks"]
                if tk["id"] == ff["task"] and tk["log"]
            ),
            None,
        )
        if log:
            line(f"  full log: {os.path.join(rel, log)}", "dim")
        if elsewhere:  # inside the failure's block: what an agent's hook quotes of it
            line(off_root, "dim")
        withheld = (doc.get("task_env") or {}).get("withheld") or []
        if (
            withheld
            and ff["task"] not in ("guardrails",)
            and not ff["task"].startswith("toolchain ")
        ):
            more = f" (+{len(withheld) - 6})" if len(withheld) > 6 else ""
            line(
                f"  note: tasks ran without {', '.join(withheld[:6])}{more}: credentials "
                "are withheld; [env] pass in ameide.toml lets one through (docs/config.md)",
                "dim",
            )
    for w in doc.get("warnings", []):
        line(f"! {w}", "yellow")


def render_nothing(doc: dict[str, Any], console: Any, cwd: str) -> None:
    base = doc["base"] or {}
    n = len(doc["changed_files"])
    shard = doc.get("shard")
    if shard:
        console.print(
            f"nothing to test on shard {shard['index']}/{shard['total']}: "
            f"the other shards have all {shard['of']} tasks",
            style="green",
            soft_wrap=True,
        )
        render_closing(doc, console, cwd)
        return
    k = len(doc.get("targets") or [])
    what = "no target" if not k else f"{k} target{'s' if k != 1 else ''} with nothing to run"
    console.print(
        f"nothing to test: {n} changed file{'s affect' if n != 1 else ' affects'} {what} "
        f"(base {base.get('ref')}: {base.get('source')})",
        style="green",
        soft_wrap=True,
    )
    for note in doc["notes"]:
        console.print(f"  note: {note}", style="dim", soft_wrap=True)
    render_closing(doc, console, cwd)
