"""Task: one command (or built-in check) of a run, as planned; the evidence file names.

A record shared by the planner, the runner, the cache and the ecosystem plug-ins (which
build their phase tasks from it); it never imports any of them.
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import TYPE_CHECKING

from ameide.records import field, record

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

PHASES = ("contract", "unit", "integration-local")
PHASE_KEYS = ("contract", "unit", "integration")  # the ameide.toml keys naming commands
DEFAULT_TIMEOUT = 900.0
JUNIT = "{junit}"  # replaced by the runner with the task's report path


@record
class Task:
    id: str
    phase: int
    stage: int  # 0: prepare (installs) before the rest of the phase
    kind: str
    ecosystem: str
    targets: tuple[str, ...]
    argv: tuple[str, ...]
    cwd: str  # relative to the monorepo root
    env: dict[str, str] = field(default_factory=dict)
    # none | junit (the tool writes JUnit at `{junit}`) | a report format an ecosystem
    # registers (its native report on stdout, converted: `gotest-json`)
    report: str = "none"
    timeout: float = DEFAULT_TIMEOUT
    builtin: str | None = None  # in-process check instead of argv
    params: dict[str, Any] = field(default_factory=dict)
    ok_codes: tuple[int, ...] = (0,)
    # what an accepted exit code other than 0 means, for the result's message (pytest's 5:
    # "no tests collected"); not part of the cache key
    code_notes: tuple[tuple[int, str], ...] = ()

    file: str = ""  # its file name in the evidence when its id alone would collide (unique_files)

    @property
    def slug(self) -> str:
        """The task's file name in the evidence (`phaseN/logs/<slug>.log`): no separator
        runs, no `..`, nothing dangling at either end (`pnpm install .` -> `pnpm_install`).
        A name cut at MAX_SLUG characters ends in a hash of the whole id, and two ids that
        read alike get one each from unique_files(): no two tasks share a file."""
        return self.file or readable_name(self.id)

    def report_file(self, run_dir: str, slug: str | None = None) -> str:
        """Where the tool writes its own report in a run directory (the `{junit}` path).
        `slug`: the task's, when the caller has it already."""
        ext = ".xml"
        if self.report not in ("none", "junit"):
            from ameide.ecosystems import REGISTRY

            fmt = REGISTRY.report_format(self.report)
            ext = fmt.ext if fmt is not None else ".out"
        return os.path.join(run_dir, f"phase{self.phase}", "reports", (slug or self.slug) + ext)

    def resolved(self, report_file: str) -> tuple[str, ...]:
        """The argv as it runs: the `{junit}` placeholder replaced by the report path. The
        plan (and every cache key) keeps the placeholder, which is the same in every run."""
        return tuple(a.replace(JUNIT, report_file) for a in self.argv)

    def command(self, report_file: str | None = None, argv: tuple[str, ...] | None = None) -> str:
        """The command as one shell line; with `report_file`, the one that really runs
        (`argv`: resolved(report_file), when the caller has it already)."""
        import shlex

        if self.builtin:
            return f"(ameide built-in: {self.builtin})"
        if argv is None:
            argv = self.argv if report_file is None else self.resolved(report_file)
        return shlex.join(argv)


MAX_SLUG = 120
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_DOTS = re.compile(r"\.{2,}")
_NAMES: dict[str, str] = {}  # task id -> its name: a run asks several times per task


def readable_name(task_id: str) -> str:
    name = _NAMES.get(task_id)
    if name is None:
        s = _DOTS.sub(".", _UNSAFE.sub("_", task_id)).strip("._-")
        if len(s) > MAX_SLUG:
            s = hashed_name(task_id, s)
        name = _NAMES[task_id] = s or "task"
    return name


def hashed_name(task_id: str, name: str) -> str:
    digest = hashlib.sha256(task_id.encode()).hexdigest()[:12]
    return f"{name[: MAX_SLUG - 13].rstrip('._-')}-{digest}"


def unique_files(tasks: Iterable[Task]) -> tuple[Task, ...]:
    """The tasks, each with an evidence file name no other has: ids that read alike
    (`go:a/b_c` and `go:a/b/c` both read `go_a_b_c`) get a hash of the id each."""
    from ameide.records import replace

    tasks = tuple(tasks)
    names: dict[str, set[str]] = {}
    for t in tasks:
        names.setdefault(readable_name(t.id), set()).add(t.id)
    clashes = {n for n, ids in names.items() if len(ids) > 1}
    if not clashes:
        return tasks
    return tuple(
        replace(t, file=hashed_name(t.id, readable_name(t.id)))
        if readable_name(t.id) in clashes
        else t
        for t in tasks
    )
