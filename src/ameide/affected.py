"""The planning core: which targets a change affects, and why (no printing here)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from ameide import vcs
from ameide.config import Config
from ameide.config import load as load_config
from ameide.discovery import cache_dir_for, discover
from ameide.ecosystems import deepest_owner, glob_regex, owner_dirs
from ameide.graph import affected as walk
from ameide.model import (
    AffectedReport,
    AffectedTarget,
    ChangedFile,
    ChangeSet,
    FileOwnership,
    Graph,
    LockfileRef,
    Reason,
)

_GLOB_CHARS = frozenset("*?[")


def load_graph(cwd: str, env: Mapping[str, str] | None = None) -> tuple[vcs.Repo, Config, Graph]:
    """Discover every target of the monorepo around `cwd`."""
    repo = vcs.open_repo(cwd, env)
    cache = cache_dir_for(repo.git_dir)
    config = load_config(repo.root, cache)
    snap = vcs.snapshot(repo, None, want_changes=False)
    return repo, config, discover(repo.root, snap.index.blobs, config, cache)


class Planning:
    """Everything the test engine needs from planning: repo, config, graph, affected report."""

    def __init__(
        self,
        repo: vcs.Repo,
        config: Config,
        graph: Graph,
        report: AffectedReport,
        cache_dir: str,
        index: vcs.FileIndex | None = None,
    ) -> None:
        self.repo = repo
        self.config = config
        self.graph = graph
        self.report = report
        self.cache_dir = cache_dir
        self.index = index  # the file index planning read (task cache keys reuse it)


def compute(
    cwd: str, base: str | None = None, env: Mapping[str, str] | None = None
) -> tuple[AffectedReport, Graph]:
    """Resolve the base, collect the changed files, discover targets and walk dependents."""
    p = plan_context(cwd, base, env)
    return p.report, p.graph


def plan_context(
    cwd: str, base: str | None = None, env: Mapping[str, str] | None = None
) -> Planning:
    """Resolve the base, collect the changed files, discover targets and walk dependents."""
    env = os.environ if env is None else env
    repo = vcs.open_repo(cwd, env)
    cache = cache_dir_for(repo.git_dir)
    config = load_config(repo.root, cache)
    res = vcs.resolve_base(repo, base, env)
    snap = vcs.snapshot(repo, res.base.commit)
    graph = discover(repo.root, snap.index.blobs, config, cache)
    changes = ChangeSet(
        root=repo.root,
        git_root=repo.git_root,
        base=res.base,
        head=repo.head,
        branch=repo.branch,
        files=snap.changes,
        everything=res.everything_reason is not None,
        everything_reason=res.everything_reason,
        warnings=res.warnings,
    )
    report = classify(repo, graph, config, changes)
    return Planning(repo, config, graph, report, cache, snap.index)


def _matcher(patterns: tuple[str, ...] | list[str]) -> tuple[set[str], list[re.Pattern[str]]]:
    exact = {p for p in patterns if not (_GLOB_CHARS & set(p))}
    globs = [glob_regex(p) for p in patterns if _GLOB_CHARS & set(p)]
    return exact, globs


def _matches(path: str, exact: set[str], globs: list[re.Pattern[str]]) -> bool:
    return path in exact or any(g.match(path) for g in globs)


def classify(
    repo: vcs.Repo | None, graph: Graph, config: Config, changes: ChangeSet
) -> AffectedReport:
    """Map changed files to seed targets (ownership, globals, lockfiles) and walk dependents."""
    targets = graph.targets
    by_dir = owner_dirs(targets.values())
    ign_exact, ign_globs = _matcher(config.affected_ignore)
    global_exact: dict[str, list[int]] = {}
    global_globs: list[tuple[re.Pattern[str], int]] = []
    for i, rule in enumerate(graph.globals):
        if _GLOB_CHARS & set(rule.path):
            global_globs.append((glob_regex(rule.path), i))
        else:
            global_exact.setdefault(rule.path, []).append(i)
    lockfiles = {lf.path: lf for lf in graph.lockfiles}

    seeds: dict[str, Reason] = {}
    files: list[FileOwnership] = []
    warnings: list[str] = list(changes.warnings)

    def seed(ids: list[str] | tuple[str, ...], kind: str, path: str) -> None:
        for tid in ids:
            if tid in targets and tid not in seeds:
                seeds[tid] = Reason((tid,), kind, path)

    if changes.everything:
        seed(sorted(targets), "everything", changes.everything_reason or "base unknown")

    for cf in changes.files:
        path = cf.path
        if _matches(path, ign_exact, ign_globs):
            files.append(FileOwnership(path, cf.status, (), "ignored"))
            continue
        rule_ids = list(global_exact.get(path, []))
        rule_ids += [i for rx, i in global_globs if rx.match(path)]
        if rule_ids:
            ids: set[str] = set()
            for i in rule_ids:
                rule = graph.globals[i]
                if rule.scope == "*":
                    ids.update(targets)
                elif rule.scope == "targets":
                    ids.update(rule.targets)
                else:
                    ids.update(t.id for t in targets.values() if t.ecosystem == rule.scope)
            owners = tuple(sorted(ids))
            seed(owners, "global", path)
            files.append(FileOwnership(path, cf.status, owners, "global"))
            continue
        if path in graph.module_files:
            owners = graph.module_files[path]
            seed(owners, "module", path)
            files.append(FileOwnership(path, cf.status, owners, "module"))
            continue
        if path in lockfiles:
            lock_owners, warn = _lockfile_owners(repo, graph, lockfiles[path], changes, cf)
            if warn:
                warnings.append(warn)
            seed(lock_owners, "lockfile", path)
            files.append(FileOwnership(path, cf.status, tuple(lock_owners), "lockfile"))
            continue
        owned = tuple(deepest_owner(path, by_dir))
        seed(owned, "changed", path)
        files.append(FileOwnership(path, cf.status, owned, "owned" if owned else "unowned"))

    reasons = walk(targets, seeds)
    result = tuple(
        AffectedTarget(targets[tid], tid in seeds, reasons[tid]) for tid in sorted(reasons)
    )
    return AffectedReport(
        changes, tuple(files), result, len(targets), tuple(warnings) + graph.warnings
    )


def _lockfile_owners(
    repo: vcs.Repo | None, graph: Graph, lf: LockfileRef, changes: ChangeSet, cf: ChangedFile
) -> tuple[list[str], str | None]:
    """Targets whose resolved closure differs between the base and the work tree."""
    members = [
        t for t in graph.targets.values() if t.ecosystem == lf.kind and t.group == lf.workspace
    ]
    everyone = sorted(t.id for t in members)
    base_data = None
    if repo is not None and changes.base.commit is not None:
        base_data = vcs.show_file(repo, changes.base.commit, lf.path)
    if base_data is None or cf.status == "deleted":
        return everyone, None
    try:
        with open(os.path.join(graph.root, lf.path), "rb") as fh:
            now_data = fh.read()
    except OSError:
        return everyone, None
    try:
        if lf.kind == "pnpm":
            from ameide.ecosystems.pnpm import lock_closures
        else:
            from ameide.ecosystems.uv import lock_closures
        before, after = lock_closures(base_data), lock_closures(now_data)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return everyone, f"{lf.path}: cannot read the lockfile ({exc}); all its members affected"
    changed_keys = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    if lf.kind == "pnpm":
        if "." in changed_keys:
            return everyone, None
        return sorted(t.id for t in members if t.meta.get("importer") in changed_keys), None
    if "<header>" in changed_keys:
        return everyone, None
    return sorted(t.id for t in members if t.name in changed_keys), None
