"""Targets x phases -> tasks: what `ameide test` runs, chosen from what each target has.

Phase 0 (contract) checks without running tests (installs when their inputs changed, compile
and collect checks, schema checks, generated-code freshness); phase 1 (unit) and phase 2
(integration-local) run tests. Each ecosystem plans its own targets' tasks and says which
installs they need (ecosystems/base.py); the planner adds the commands ameide.toml names,
decides which installs are stale, selects the phases and orders the result. A target without
a suitable test gets no task and a note saying so.
"""

from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING

from ameide.records import record
from ameide.task import DEFAULT_TIMEOUT, PHASE_KEYS, Task, unique_files

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from ameide.config import Config
    from ameide.ecosystems.base import Ecosystem, InstallSpec, PlanContext
    from ameide.model import Graph, Target


@record
class Plan:
    tasks: tuple[Task, ...]
    notes: tuple[str, ...]
    targets: tuple[str, ...]  # the target ids planned for

    def phase(self, n: int) -> list[Task]:
        return [t for t in self.tasks if t.phase == n]


def build_plan(
    root: str,
    graph: Graph,
    target_ids: Iterable[str],
    config: Config,
    *,
    state_dir: str,
    base_commit: str | None,
    git_root: str,
    base_paths: Callable[[list[str]], set[str]] | None = None,
    phases: tuple[int, ...] = (0, 1, 2),
    changed: Iterable[str] = (),
) -> Plan:
    """Plan the tasks for `target_ids` (already the affected set, or what the user chose).
    `base_paths` says which paths exist in the base commit; `changed` names the changed
    structured config files (a changed generation template gets its freshness gate).

    Raises ConfigError when an ameide.toml `[targets."<id>"]` table names no target."""
    from ameide.config import check_targets
    from ameide.ecosystems import REGISTRY

    check_targets(config, graph.targets)
    chosen = [graph.targets[t] for t in sorted(set(target_ids)) if t in graph.targets]
    regular, notes = _not_skipped(chosen, config)
    ctx = _context(root, graph, config, regular, base_commit, git_root, base_paths, changed)
    tasks = _configured(ctx, regular)
    for eco in REGISTRY.all():
        mine = [t for t in regular if t.ecosystem == eco.name]
        tasks += _installs(ctx, eco, mine, state_dir)
        tasks += eco.tasks(ctx, mine)
    tasks = _select_phases(tasks, phases, graph, ctx.notes)
    order = {name: i for i, name in enumerate(REGISTRY.names())}
    tasks.sort(key=lambda t: (t.phase, t.stage, order.get(t.ecosystem, len(order)), t.id))
    ids = [task.id for task in tasks]
    if len(ids) != len(set(ids)):
        raise AssertionError(f"duplicate task ids in plan: {ids}")
    all_notes = tuple(sorted(notes + ctx.notes))
    return Plan(unique_files(tasks), all_notes, tuple(t.id for t in chosen))


def _not_skipped(chosen: list[Target], config: Config) -> tuple[list[Target], list[str]]:
    regular, notes = [], []
    for t in chosen:
        if (config.targets.get(t.id) or {}).get("skip"):
            notes.append(f"{t.id}: skipped by ameide.toml [targets] skip = true")
        else:
            regular.append(t)
    return regular, notes


def _context(
    root: str,
    graph: Graph,
    config: Config,
    chosen: Sequence[Target],
    base_commit: str | None,
    git_root: str,
    base_paths: Callable[[list[str]], set[str]] | None,
    changed: Iterable[str],
) -> PlanContext:
    from ameide.ecosystems.base import PlanContext

    return PlanContext(
        root,
        graph,
        config,
        chosen,
        base_commit=base_commit,
        git_root=git_root,
        base_paths=base_paths,
        changed=changed,
        timeout=float(config.run.get("timeout") or DEFAULT_TIMEOUT),
    )


def _configured(ctx: PlanContext, targets: list[Target]) -> list[Task]:
    """The phase commands ameide.toml names per target (`[targets."<id>"] unit = [...]`):
    they replace what the ecosystem would plan for that target and phase."""
    out = []
    tables = ctx.config.targets
    for t in targets:
        table = tables.get(t.id)
        if not table:
            continue
        timeout: float | None = None
        for n, key in enumerate(PHASE_KEYS):
            argv = table.get(key)
            if argv:
                timeout = timeout or ctx.timeout([t.id])
                out.append(
                    Task(
                        f"{t.id} {key} (ameide.toml)",
                        n,
                        1,
                        key,
                        t.ecosystem,
                        (t.id,),
                        tuple(argv),
                        t.path,
                        timeout=timeout,
                    )
                )
    return out


def _installs(
    ctx: PlanContext, eco: Ecosystem, targets: list[Target], state_dir: str
) -> list[Task]:
    """The installs the ecosystem's chosen targets need, those whose inputs changed since the
    last good install (or whose marker directory is gone); a note for the rest."""
    out = []
    for spec in eco.installs(ctx, targets) if targets else ():
        state, was = install_state(ctx.root, state_dir, eco.name, spec)
        if state == "fresh":
            ctx.note(spec.skipped)
            continue
        argv = spec.argv
        if state == "moved":
            argv += spec.moved
            ctx.note(f"{spec.id}: last installed at {was}, now here: installing again")
        out.append(
            Task(
                spec.id,
                0,
                0,
                "install",
                eco.name,
                (),
                argv,
                spec.workspace,
                params={
                    "stamp": (eco.name, spec.workspace, spec.inputs),
                    "lock": stamp_path(state_dir, eco.name, spec.workspace) + ".lock",
                },
            )
        )
        for note in spec.notes:
            ctx.note(note)
    return out


def stamp_path(state_dir: str, kind: str, workspace: str) -> str:
    digest = hashlib.sha1(workspace.encode()).hexdigest()[:12]
    return os.path.join(state_dir, "stamps", f"{kind}-{digest}")


def install_stamp(root: str, inputs: Iterable[str]) -> str:
    """A hash of what an install depends on (InstallSpec.inputs: the lockfile, the
    workspace's own files, every member's manifest). A member's manifest can change without
    the lockfile (a new dependency not locked yet): the install must run then, and a frozen
    install says in phase 0 that the lockfile is out of date."""
    h = hashlib.sha256()
    for p in inputs:
        try:
            with open(os.path.join(root, p), "rb") as fh:
                h.update(fh.read())
        except OSError:
            h.update(b"<absent>")
    return h.hexdigest()[:32]


def install_state(
    root: str, state_dir: str, kind: str, spec: InstallSpec
) -> tuple[str, str | None]:
    """("fresh", None): the last good install had these inputs, here; ("changed", None): run
    it; ("moved", where): it was made at another path (the checkout was copied with its
    `.git`, stamps and installed tree) and must be made again for this one."""
    if not os.path.isdir(os.path.join(root, spec.workspace, spec.marker)):
        return "changed", None
    try:
        with open(stamp_path(state_dir, kind, spec.workspace), encoding="utf-8") as fh:
            digest, _, where = fh.read().strip().partition("\n")
    except OSError:
        return "changed", None
    here = os.path.abspath(os.path.join(root, spec.workspace))
    if where and where != here:
        return "moved", where
    return ("fresh" if digest == install_stamp(root, spec.inputs) else "changed"), None


def write_stamp(root: str, state_dir: str, task: Task) -> None:
    """After a successful install: stamp it with its inputs' hash; the next run skips it."""
    from ameide.fsutil import atomic_write_text

    kind, ws, inputs = task.params["stamp"]
    here = os.path.abspath(os.path.join(root, ws))
    atomic_write_text(stamp_path(state_dir, kind, ws), f"{install_stamp(root, inputs)}\n{here}")


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
    check against the base) and without the workspace installs (they belong to no target)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="ameide-plan-") as state:  # no install stamps
        plan = build_plan(
            root, graph, graph.targets, config, state_dir=state, base_commit=None, git_root=git_root
        )
    tasks: dict[str, list[tuple[Task, tuple[str, ...]]]] = {tid: [] for tid in graph.targets}
    for task in plan.tasks:
        if task.kind == "install":
            continue
        # a batched task (one `go test` per module) names every target; for one, its own only
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
