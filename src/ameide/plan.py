"""Targets x phases -> tasks: what `ameide test` runs, chosen from what each target has.

Phase 0 (contract) checks without running tests: installs when lockfiles changed, compile
and collect checks, buf lint/format/breaking, generated-code freshness. Phase 1 (unit) and
phase 2 (integration-local) run tests. A target without a suitable test gets no task and a
note saying so. Go packages are batched per module (one `go test` shares compilation).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from typing import TYPE_CHECKING

from ameide.records import field, record

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from ameide.config import Config
    from ameide.model import Graph, Target

PHASES = ("contract", "unit", "integration-local")
_PHASE_KEYS = ("contract", "unit", "integration")  # the ameide.toml keys naming commands
DEFAULT_TIMEOUT = 900.0
JUNIT = "{junit}"  # replaced by the runner with the task's report path
NODE_JUNIT = (
    "--test-reporter=spec --test-reporter-destination=stdout "
    "--test-reporter=junit --test-reporter-destination={junit}"
)


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
    report: str = "none"  # none | junit | gotest-json
    timeout: float = DEFAULT_TIMEOUT
    builtin: str | None = None  # in-process check instead of argv
    params: dict[str, Any] = field(default_factory=dict)
    ok_codes: tuple[int, ...] = (0,)

    file: str = ""  # its file name in the evidence when its id alone would collide (unique_files)

    @property
    def slug(self) -> str:
        """The task's file name in the evidence (`phaseN/logs/<slug>.log`): no separator
        runs, no `..`, nothing dangling at either end (`pnpm install .` -> `pnpm_install`).
        A name cut at MAX_SLUG characters ends in a hash of the whole id, and two ids that
        read alike get one each from unique_files(): no two tasks share a file."""
        return self.file or readable_name(self.id)

    def report_file(self, run_dir: str) -> str:
        """Where the tool writes its own report in a run directory (the `{junit}` path)."""
        ext = ".jsonl" if self.report == "gotest-json" else ".xml"
        return os.path.join(run_dir, f"phase{self.phase}", "reports", self.slug + ext)

    def resolved(self, report_file: str) -> tuple[str, ...]:
        """The argv as it runs: the `{junit}` placeholder replaced by the report path. The
        plan (and every cache key) keeps the placeholder, which is the same in every run."""
        return tuple(a.replace(JUNIT, report_file) for a in self.argv)

    def command(self, report_file: str | None = None) -> str:
        """The command as one shell line; with `report_file`, the one that really runs."""
        import shlex

        if self.builtin:
            return f"(ameide built-in: {self.builtin})"
        return shlex.join(self.argv if report_file is None else self.resolved(report_file))


MAX_SLUG = 120


def readable_name(task_id: str) -> str:
    s = re.sub(r"\.{2,}", ".", re.sub(r"[^A-Za-z0-9._-]+", "_", task_id)).strip("._-")
    if len(s) > MAX_SLUG:
        return hashed_name(task_id, s)
    return s or "task"


def hashed_name(task_id: str, name: str) -> str:
    digest = hashlib.sha256(task_id.encode()).hexdigest()[:12]
    return f"{name[: MAX_SLUG - 13].rstrip('._-')}-{digest}"


def unique_files(tasks: Iterable[Task]) -> tuple[Task, ...]:
    """The tasks, each with an evidence file name no other has: ids that read alike
    (`go:a/b_c` and `go:a/b/c` both read `go_a_b_c`) get a hash of the id each."""
    from ameide.records import replace

    tasks = tuple(tasks)
    names: dict[str, list[str]] = {}
    for t in tasks:
        names.setdefault(readable_name(t.id), []).append(t.id)
    clashes = {n for n, ids in names.items() if len(set(ids)) > 1}
    if not clashes:
        return tasks
    return tuple(
        replace(t, file=hashed_name(t.id, readable_name(t.id)))
        if readable_name(t.id) in clashes
        else t
        for t in tasks
    )


@record
class Plan:
    tasks: tuple[Task, ...]
    notes: tuple[str, ...]
    targets: tuple[str, ...]  # the target ids planned for

    def phase(self, n: int) -> list[Task]:
        return [t for t in self.tasks if t.phase == n]


def _sha(root: str, *paths: str) -> str:
    h = hashlib.sha256()
    for p in paths:
        try:
            with open(os.path.join(root, p), "rb") as fh:
                h.update(fh.read())
        except OSError:
            h.update(b"<absent>")
    return h.hexdigest()[:32]


def stamp_path(state_dir: str, kind: str, workspace: str) -> str:
    digest = hashlib.sha1(workspace.encode()).hexdigest()[:12]
    return os.path.join(state_dir, "stamps", f"{kind}-{digest}")


# besides the lockfile and the workspace's manifest, what decides what an install installs
_INSTALL_INPUTS = {
    "pnpm": ("pnpm-lock.yaml", "package.json", "pnpm-workspace.yaml", ".npmrc", ".pnpmfile.cjs"),
    "uv": ("uv.lock", "pyproject.toml", ".python-version"),
}


def install_stamp(
    root: str, kind: str, workspace: str, members: tuple[str, ...] | list[str] = ()
) -> str:
    """A hash of what an install depends on: the lockfile, the workspace's own files and
    every member's manifest (`members`: the members' directories). A member's manifest can
    change without the lockfile (a new dependency not locked yet): the install must run then,
    and `--frozen-lockfile` says in phase 0 that the lockfile is out of date."""
    rel = "" if workspace == "." else workspace + "/"
    manifest = "package.json" if kind == "pnpm" else "pyproject.toml"
    files = [rel + f for f in _INSTALL_INPUTS[kind]]
    files += sorted(f"{m}/{manifest}" for m in members if m not in (workspace, "") and m != ".")
    return _sha(root, *files)


def install_members(graph: Graph, kind: str, workspace: str) -> tuple[str, ...]:
    """The directories of every member of a pnpm or uv workspace (all of them, affected or
    not: the lockfile covers them all)."""
    return tuple(
        sorted(
            t.path for t in graph.targets.values() if t.ecosystem == kind and t.group == workspace
        )
    )


def _needs_install(
    root: str, state_dir: str, kind: str, workspace: str, members: tuple[str, ...]
) -> bool:
    marker = "node_modules" if kind == "pnpm" else ".venv"
    if not os.path.isdir(os.path.join(root, workspace, marker)):
        return True
    try:
        with open(stamp_path(state_dir, kind, workspace), encoding="utf-8") as fh:
            return fh.read().strip() != install_stamp(root, kind, workspace, members)
    except OSError:
        return True


def _has_integration_marker(root: str, target: Target) -> bool:
    top = os.path.join(root, target.path)
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = [
            d
            for d in dirnames
            if d not in (".venv", "node_modules", "__pycache__") and not d.startswith(".")
        ]
        for name in filenames:
            if name.endswith(".py") and (
                name.startswith("test")
                or name.endswith("_test.py")
                or "tests" in dirpath
                or name == "conftest.py"
            ):
                try:
                    with open(
                        os.path.join(dirpath, name), encoding="utf-8", errors="replace"
                    ) as fh:
                        if "mark.integration" in fh.read():
                            return True
                except OSError:
                    continue
    return False


def build_plan(
    root: str,
    graph: Graph,
    target_ids: list[str],
    config: Config,
    *,
    state_dir: str,
    base_commit: str | None,
    git_root: str,
    base_has: set[str] | None = None,
    phases: tuple[int, ...] = (0, 1, 2),
    codegen_templates: list[dict[str, Any]] | None = None,
) -> Plan:
    """Plan the tasks for `target_ids` (already the affected set, or what the user chose).

    Raises ConfigError when an ameide.toml `[targets."<id>"]` table names no target."""
    from ameide.config import check_targets

    check_targets(config, graph.targets)
    tasks: list[Task] = []
    notes: list[str] = []
    timeout = float(config.run.get("timeout") or DEFAULT_TIMEOUT)
    chosen = [graph.targets[t] for t in sorted(set(target_ids)) if t in graph.targets]
    overrides = config.targets
    regular: list[Target] = []
    for t in chosen:
        ov = overrides.get(t.id) or {}
        if ov.get("skip"):
            notes.append(f"{t.id}: skipped by ameide.toml [targets] skip = true")
            continue
        regular.append(t)

    def t_timeout(ids: list[str] | tuple[str, ...]) -> float:
        vals = [overrides.get(i, {}).get("timeout") for i in ids]
        return float(max([v for v in vals if v] or [timeout]))

    def overridden(t: Target, phase_key: str) -> bool:
        argv = (overrides.get(t.id) or {}).get(phase_key)
        if argv:
            n = {"contract": 0, "unit": 1, "integration": 2}[phase_key]
            tasks.append(
                Task(
                    f"{t.id} {phase_key} (ameide.toml)",
                    n,
                    1,
                    phase_key,
                    t.ecosystem,
                    (t.id,),
                    tuple(argv),
                    t.path,
                    timeout=t_timeout([t.id]),
                )
            )
            return True
        return False

    # ---- Go: batched per module
    go_by_mod: dict[str, list[Target]] = {}
    for t in regular:
        if t.ecosystem == "go":
            go_by_mod.setdefault(t.meta["module_dir"], []).append(t)

    def go_batch(
        verb: str, flags: tuple[str, ...], phase: int, kind: str, pkgs: list[Target]
    ) -> None:
        """One `go vet`/`go test` over the packages of one module (one compilation)."""
        if not pkgs:
            return
        ids = [t.id for t in pkgs]
        test = verb == "test"  # `go test -json`: converted to JUnit, failures located
        tasks.append(
            Task(
                " ".join(("go", verb, *flags, pkgs[0].meta["module"])),
                phase,
                1,
                kind,
                "go",
                tuple(ids),
                ("go", verb, *(("-json",) if test else ()), *flags, *[t.name for t in pkgs]),
                pkgs[0].meta["module_dir"],
                report="gotest-json" if test else "none",
                timeout=t_timeout(ids),
                params={"dirs": {t.name: t.path for t in pkgs}} if test else {},
            )
        )

    for _, ts in sorted(go_by_mod.items()):
        integ = [t for t in ts if t.meta.get("integration_files")]
        go_batch("vet", (), 0, "vet", [t for t in ts if not overridden(t, "contract")])
        go_batch("vet", ("-tags=integration",), 0, "vet", integ)
        unit = []
        for t in ts:
            if overridden(t, "unit"):
                continue
            if t.meta.get("test_files"):
                unit.append(t)
            elif not t.meta.get("integration_files"):
                notes.append(f"{t.id}: no test files -> no unit task")
        go_batch("test", (), 1, "unit", unit)
        integ = [t for t in integ if not overridden(t, "integration")]
        go_batch("test", ("-tags=integration",), 2, "integration", integ)

    # ---- pnpm: one install per workspace when its lockfile changed; scripts per package
    # a workspace root project runs nothing of its own (below) unless ameide.toml says so
    pnpm_ws = sorted(
        {
            t.group
            for t in regular
            if t.ecosystem == "pnpm"
            and (not t.meta.get("root") or any(k in overrides.get(t.id, {}) for k in _PHASE_KEYS))
        }
    )
    for ws in pnpm_ws:
        members = install_members(graph, "pnpm", ws)
        if _needs_install(root, state_dir, "pnpm", ws, members):
            tasks.append(
                Task(
                    f"pnpm install {ws}",
                    0,
                    0,
                    "install",
                    "pnpm",
                    (),
                    ("pnpm", "install", "--frozen-lockfile"),
                    ws,
                    params={
                        "stamp": ("pnpm", ws, members),
                        "lock": stamp_path(state_dir, "pnpm", ws) + ".lock",
                    },
                )
            )
        else:
            notes.append(
                f"pnpm install ({ws}): skipped, lockfile and manifests unchanged since last install"
            )

    def script(t: Target, name: str, phase: int, kind: str, *, junit: bool = False) -> Task:
        """`pnpm run <name>` in the package; test runners report through node's JUnit."""
        return Task(
            f"{t.id} {name}",
            phase,
            1,
            kind,
            "pnpm",
            (t.id,),
            ("pnpm", "run", name),
            t.path,
            env={"NODE_OPTIONS": NODE_JUNIT} if junit else {},
            report="junit" if junit else "none",
            timeout=t_timeout([t.id]),
        )

    for t in regular:
        if t.ecosystem != "pnpm":
            continue
        scripts = set(t.meta.get("scripts", []))
        if t.meta.get("root"):
            # a root script usually runs the whole workspace (`pnpm -r test`): running it for
            # the root project would test every package, affected or not (Turborepo keeps
            # root tasks apart for the same reason); ameide.toml can name a command
            ran = [key for key in ("contract", "unit", "integration") if overridden(t, key)]
            if not ran:
                notes.append(
                    f"{t.id}: workspace root project -> no tasks (its scripts usually run "
                    f'the whole workspace; set [targets."{t.id}"] unit = [...] in ameide.toml '
                    "to run a command of its own)"
                )
            continue

        if not overridden(t, "contract") and "typecheck" in scripts:
            tasks.append(script(t, "typecheck", 0, "typecheck"))
        if not overridden(t, "unit"):
            if "test" in scripts:
                tasks.append(script(t, "test", 1, "unit", junit=True))
            else:
                notes.append(f'{t.id}: no "test" script -> no unit task')
            if "lint" in scripts:
                tasks.append(script(t, "lint", 1, "lint"))
        if not overridden(t, "integration"):
            if "test:integration" in scripts:
                tasks.append(script(t, "test:integration", 2, "integration", junit=True))
            else:
                notes.append(f'{t.id}: no "test:integration" script -> no integration task')

    # ---- uv: one sync per workspace when uv.lock changed; pytest per member
    uv_ws = sorted({t.group for t in regular if t.ecosystem == "uv"})
    for ws in uv_ws:
        frozen = os.path.isfile(os.path.join(root, ws, "uv.lock"))
        members = install_members(graph, "uv", ws)
        if _needs_install(root, state_dir, "uv", ws, members):
            argv = (
                ("uv", "sync", "--all-packages", "--frozen")
                if frozen
                else ("uv", "sync", "--all-packages")
            )
            tasks.append(
                Task(
                    f"uv sync {ws}",
                    0,
                    0,
                    "install",
                    "uv",
                    (),
                    argv,
                    ws,
                    params={
                        "stamp": ("uv", ws, members),
                        "lock": stamp_path(state_dir, "uv", ws) + ".lock",
                    },
                )
            )
            if not frozen:
                notes.append(f"uv ({ws}): no uv.lock; syncing without --frozen")
        else:
            notes.append(
                f"uv sync ({ws}): skipped, uv.lock and manifests unchanged since last sync"
            )
    py_env = {"PYTHONDONTWRITEBYTECODE": "1"}
    pytest = ("uv", "run", "--frozen", "--no-sync", "pytest", "-p", "no:cacheprovider")
    for t in regular:
        if t.ecosystem != "uv":
            continue
        rel = t.path if t.group == "." else os.path.relpath(t.path, t.group)
        if not overridden(t, "contract"):
            tasks.append(
                Task(
                    f"{t.id} collect",
                    0,
                    1,
                    "collect",
                    "uv",
                    (t.id,),
                    (*pytest, "--collect-only", "-q", rel),
                    t.group,
                    env=py_env,
                    ok_codes=(0, 5),
                    timeout=t_timeout([t.id]),
                )
            )
        if not overridden(t, "unit"):
            tasks.append(
                Task(
                    f"{t.id} pytest",
                    1,
                    1,
                    "unit",
                    "uv",
                    (t.id,),
                    (*pytest, "-m", "not integration", f"--junitxml={JUNIT}", rel),
                    t.group,
                    env=py_env,
                    report="junit",
                    ok_codes=(0, 5),
                    timeout=t_timeout([t.id]),
                )
            )
        if not overridden(t, "integration"):
            if _has_integration_marker(root, t):
                tasks.append(
                    Task(
                        f"{t.id} pytest -m integration",
                        2,
                        1,
                        "integration",
                        "uv",
                        (t.id,),
                        (*pytest, "-m", "integration", f"--junitxml={JUNIT}", rel),
                        t.group,
                        env=py_env,
                        report="junit",
                        ok_codes=(0, 5),
                        timeout=t_timeout([t.id]),
                    )
                )
            else:
                notes.append(f"{t.id}: no tests marked integration -> no integration task")

    # ---- buf: lint, format, breaking per module; freshness per generation template
    for t in regular:
        if t.ecosystem != "buf":
            continue
        if overridden(t, "contract"):
            continue
        ws = t.group
        mod = t.path if ws == "." else os.path.relpath(t.path, ws)
        tasks.append(
            Task(
                f"{t.id} buf lint",
                0,
                1,
                "buf-lint",
                "buf",
                (t.id,),
                ("buf", "lint", mod),
                ws,
                timeout=t_timeout([t.id]),
            )
        )
        tasks.append(
            Task(
                f"{t.id} buf format",
                0,
                1,
                "buf-format",
                "buf",
                (t.id,),
                ("buf", "format", mod, "--diff", "--exit-code"),
                ws,
                timeout=t_timeout([t.id]),
            )
        )
        if base_commit and base_has is not None and t.path in base_has:
            wsdir = os.path.join(root, ws)
            sub = os.path.relpath(wsdir, git_root)
            against = f"{os.path.relpath(os.path.join(git_root, '.git'), wsdir)}#ref={base_commit}"
            if sub != ".":
                against += f",subdir={sub}"
            tasks.append(
                Task(
                    f"{t.id} buf breaking",
                    0,
                    1,
                    "buf-breaking",
                    "buf",
                    (t.id,),
                    ("buf", "breaking", mod, "--against", against),
                    ws,
                    timeout=t_timeout([t.id]),
                )
            )
        elif base_commit:
            notes.append(f"{t.id}: not in the base commit -> no buf breaking check")
        else:
            notes.append(f"{t.id}: no base commit -> no buf breaking check")
    for tpl in codegen_templates or []:
        if not tpl["outs"]:
            continue  # every output is made at build time: nothing checked in to compare
        ins = [i for i in tpl["inputs"] if i in {t.id for t in regular}]
        # a target holding generated code (e.g. an edited *_pb.js) needs the check too
        holders = [
            t.id
            for t in regular
            if t.ecosystem != "buf"
            and not t.meta.get("root")
            and any(_overlaps(t.path, out) for out in tpl["outs"])
        ]
        ins = sorted(set(ins) | set(holders))
        if not ins and not tpl.get("changed"):
            continue  # a changed template always gets its freshness gate
        tasks.append(
            Task(
                f"codegen fresh {tpl['template']}",
                0,
                1,
                "codegen",
                "buf",
                tuple(ins),
                (),
                tpl["dir"],
                builtin="codegen",
                params={"template": tpl["template"], "outs": tpl["outs"]},
                timeout=timeout,
            )
        )

    order = {"go": 0, "pnpm": 1, "uv": 2, "buf": 3}
    tasks = _select_phases(tasks, phases, graph, notes)
    tasks.sort(key=lambda t: (t.phase, t.stage, order.get(t.ecosystem, 9), t.id))
    ids = [task.id for task in tasks]
    if len(ids) != len(set(ids)):
        raise AssertionError(f"duplicate task ids in plan: {ids}")
    return Plan(unique_files(tasks), tuple(sorted(notes)), tuple(t.id for t in chosen))


def _select_phases(
    tasks: list[Task], phases: tuple[int, ...], graph: Graph, notes: list[str]
) -> list[Task]:
    """The tasks of the selected phases. Installs belong to phase 0; when phase 0 is not
    selected (`ameide run --phase 1`), an install the selected tasks need moves to the first
    phase that needs it (it runs there before the rest, as stage 0), and the plan says so."""
    chosen = [t for t in tasks if t.phase in phases]
    if 0 in phases:
        return chosen
    from ameide.records import replace

    for inst in (t for t in tasks if t.kind == "install"):
        users = [
            t.phase
            for t in chosen
            if any(
                (tt := graph.targets.get(tid)) is not None
                and tt.ecosystem == inst.ecosystem
                and tt.group == inst.cwd
                for tid in t.targets
            )
        ]
        if users:
            chosen.append(replace(inst, phase=min(users)))
            notes.append(
                f"{inst.id}: runs first in phase {min(users)}, whose tasks need it "
                "(phase 0, where installs run, is not selected)"
            )
    return chosen


@record
class TargetCommands:
    """What `ameide run --all` would run for one target, for `ameide targets`."""

    tasks: tuple[tuple[Task, tuple[str, ...]], ...]  # (task, its command for this target alone)
    notes: tuple[str, ...]  # why a phase has no task ("no test files -> no unit task")


def phase_commands(
    root: str, graph: Graph, config: Config, *, git_root: str
) -> dict[str, TargetCommands]:
    """Every target's phase tasks, as `ameide run --all` plans them without a base (so no
    `buf breaking`) and without the workspace installs (they belong to no target)."""
    with tempfile.TemporaryDirectory(prefix="ameide-plan-") as state:  # no install stamps
        plan = build_plan(
            root,
            graph,
            list(graph.targets),
            config,
            state_dir=state,
            base_commit=None,
            git_root=git_root,
            base_has=set(),
            codegen_templates=codegen_templates(graph),
        )
    tasks: dict[str, list[tuple[Task, tuple[str, ...]]]] = {tid: [] for tid in graph.targets}
    for task in plan.tasks:
        if task.kind == "install":
            continue
        # a Go task names every package of its module; for one target, name only its own
        names = {graph.targets[t].name for t in task.targets if t in graph.targets}
        for tid in task.targets:
            if tid in tasks:
                own = graph.targets[tid].name
                argv = tuple(a for a in task.argv if a == own or a not in names)
                tasks[tid].append((task, argv))
    notes: dict[str, list[str]] = {tid: [] for tid in graph.targets}
    for note in plan.notes:
        tid = note.split(": ", 1)[0]
        if tid in notes:
            notes[tid].append(note[len(tid) + 2 :])
    return {
        tid: TargetCommands(tuple(sorted(ts, key=lambda t: t[0].phase)), tuple(notes[tid]))
        for tid, ts in tasks.items()
    }


def codegen_templates(graph: Graph, changed: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Generation templates with their input module ids and the out dirs whose code is
    checked in (from buf meta); `changed` paths mark templates that changed themselves."""
    by_tpl: dict[str, dict[str, Any]] = {}
    touched = set(changed)
    for t in graph.targets.values():
        if t.ecosystem != "buf":
            continue
        for g in t.meta.get("generates", []):
            d = by_tpl.setdefault(
                g["template"],
                {
                    "template": g["template"],
                    "inputs": [],
                    "outs": [],
                    "dir": _parent(g["template"]),
                    "changed": g["template"] in touched,
                },
            )
            if t.id not in d["inputs"]:
                d["inputs"].append(t.id)
            if g.get("committed", True) and g["out"] not in d["outs"]:
                d["outs"].append(g["out"])
    for d in by_tpl.values():
        d["inputs"].sort()
        d["outs"].sort()
    return [by_tpl[k] for k in sorted(by_tpl)]


def _parent(path: str) -> str:
    d = os.path.dirname(path)
    return d or "."


def _overlaps(path: str, out: str) -> bool:
    """Is the generated-code dir `out` inside the target at `path`, or the target in it?"""
    return path in (".", out) or out.startswith(path + "/") or path.startswith(out + "/")
