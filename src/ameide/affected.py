"""The planning core: which targets a change affects, and why (no printing here)."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ameide import vcs
from ameide.config import Config
from ameide.config import load as load_config
from ameide.discovery import cache_dir_for, discover
from ameide.ecosystems import ParseCache, glob_regex, owner_dirs, parent, within
from ameide.graph import affected as walk
from ameide.model import (
    AffectedReport,
    AffectedTarget,
    ChangedFile,
    ChangeSet,
    ConfigRef,
    FileOwnership,
    Graph,
    LockfileRef,
    Reason,
    Target,
)

if TYPE_CHECKING:
    from typing import Any

_GLOB_CHARS = frozenset("*?[")


def load_graph(cwd: str, env: Mapping[str, str] | None = None) -> tuple[vcs.Repo, Config, Graph]:
    """Discover every target of the monorepo around `cwd`."""
    repo = vcs.open_repo(cwd, env)
    cache = cache_dir_for(repo.git_dir)
    config = load_config(repo.root, cache)
    snap = vcs.snapshot(repo, None, want_changes=False, cache_dir=cache)
    ix = snap.index
    return (
        repo,
        config,
        discover(repo.root, ix.blobs, config, cache, token=ix.token, touched=ix.touched),
    )


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
    status = vcs.start_status(repo)  # runs while the config is read and the base resolved
    cache = cache_dir_for(repo.git_dir)
    try:
        config = load_config(repo.root, cache)
        res = vcs.resolve_base(repo, base, env)
    except BaseException:
        with contextlib.suppress(Exception):
            status.result()  # its git does not outlive a bad config or base
        raise
    snap = vcs.snapshot(repo, res.base.commit, cache_dir=cache, status=status)
    ix = snap.index
    graph = discover(repo.root, ix.blobs, config, cache, token=ix.token, touched=ix.touched)
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
    report = classify(repo, graph, config, changes, cache)
    if config.targets:
        from ameide.config import unknown_targets
        from ameide.records import replace

        # `ameide test` refuses these (exit 2); planning only says so
        typos = [
            f"{config.path}: {line}; the override is ignored"
            for line in unknown_targets(config, graph.targets)
        ]
        if typos:
            report = replace(report, warnings=(*report.warnings, *typos))
    return Planning(repo, config, graph, report, cache, snap.index)


def _matcher(patterns: tuple[str, ...] | list[str]) -> tuple[set[str], list[re.Pattern[str]]]:
    exact = {p for p in patterns if not (_GLOB_CHARS & set(p))}
    globs = [glob_regex(p) for p in patterns if _GLOB_CHARS & set(p)]
    return exact, globs


def _matches(path: str, exact: set[str], globs: list[re.Pattern[str]]) -> bool:
    return path in exact or any(g.match(path) for g in globs)


def classify(
    repo: vcs.Repo | None,
    graph: Graph,
    config: Config,
    changes: ChangeSet,
    cache_dir: str | None = None,
) -> AffectedReport:
    """Map changed files to seed targets (ownership, globals, config files, lockfiles) and walk
    dependents."""
    from ameide.ecosystems import REGISTRY

    targets = graph.targets
    ecos = {e.name: e for e in REGISTRY.all()}
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
    configs = {c.path: c for c in graph.configs}
    indexes = [e.owners(graph) for e in ecos.values()]
    roots = sorted((t for t in targets.values() if t.meta.get("root")), key=lambda t: t.id)

    seeds: dict[str, Reason] = {}
    terminal: set[str] = set()
    files: list[FileOwnership] = []
    warnings: list[str] = list(changes.warnings)
    # deleted files of targets that no longer exist -> (former id, its former dependents);
    # only looked for when a file was deleted and some target names a dependency that is gone
    gone: dict[str, tuple[str, list[tuple[str, bool]]]] = {}
    if any(cf.status == "deleted" for cf in changes.files):
        refs = _unresolved_refs(targets)
        if refs:
            gone = _deleted_targets(repo, graph, changes, refs, by_dir)

    def seed(
        ids: list[str] | tuple[str, ...],
        kind: str,
        path: str,
        *,
        detail: str | None = None,
        alone: bool = False,
    ) -> None:
        for tid in ids:
            if tid not in targets:
                continue
            if tid not in seeds:
                seeds[tid] = Reason((tid,), kind, path, None, detail)
                if alone:
                    terminal.add(tid)
            elif not alone:
                terminal.discard(tid)  # a change that passes on wins over a test-only one

    if changes.everything:
        seed(sorted(targets), "everything", changes.everything_reason or "base unknown")

    pending: list[tuple[str, ChangedFile]] = []  # config files and lockfiles, read in one go
    also: dict[str, tuple[str, ...]] = {}  # such a file's owners as a plain file
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
        found: dict[str, bool] = {}
        for index in indexes:
            for tid, alone in index.owners(path):
                found[tid] = found.get(tid, True) and alone
        if path in configs or path in lockfiles or path in graph.module_files:
            # an ecosystem's own file (go.mod, a lockfile) is also a file of the project
            # directory it sits in for the others (a go.mod inside a pnpm project is that
            # project's, as pnpm counts it); never the workspace root project's
            for tid, alone in sorted(found.items()):
                seed((tid,), "changed", path, alone=alone)
            also[path] = tuple(sorted(found))
            if path in configs or path in lockfiles:
                pending.append((path, cf))
            else:  # go.sum: checksums alone change no package
                files.append(FileOwnership(path, cf.status, also[path], "module"))
            continue
        # a workspace root project holds what no other target holds, except a file another
        # ecosystem claims although no target of its holds it (a deleted Go package's file)
        if not found and not any(index.claims(path) for index in indexes):
            found = {t.id: False for t in roots if within(path, t.path)}
        for tid, alone in sorted(found.items()):
            seed((tid,), "changed", path, alone=alone)
        owned = tuple(sorted(found))
        former = gone.get(path)
        if former is not None:
            gone_id, dependents = former
            for tid, alone in dependents:
                if tid not in seeds:
                    seeds[tid] = Reason((tid,), "deleted", path, gone_id)
                    if alone:
                        terminal.add(tid)
                elif not alone:
                    terminal.discard(tid)
            owners = tuple(sorted({*owned, *(tid for tid, _ in dependents)}))
            files.append(FileOwnership(path, cf.status, owners, "deleted"))
            continue
        files.append(FileOwnership(path, cf.status, owned, "owned" if owned else "unowned"))

    if pending:
        for f in _rule_files(
            repo, graph, changes, pending, configs, lockfiles, ecos, warnings, seed, cache_dir
        ):
            extra = also.get(f.path, ())
            owners = tuple(sorted({*f.owners, *extra})) if extra else f.owners
            files.append(FileOwnership(f.path, f.status, owners, f.kind))

    reasons = walk(targets, seeds, terminal)
    result = tuple(
        AffectedTarget(targets[tid], tid in seeds, reasons[tid]) for tid in sorted(reasons)
    )
    files.sort(key=lambda f: f.path)
    return AffectedReport(
        changes, tuple(files), result, len(targets), tuple(warnings) + graph.warnings
    )


def _rule_files(
    repo: vcs.Repo | None,
    graph: Graph,
    changes: ChangeSet,
    pending: list[tuple[str, ChangedFile]],
    configs: dict[str, ConfigRef],
    lockfiles: dict[str, LockfileRef],
    ecos: dict[str, Any],
    warnings: list[str],
    seed: Any,
    cache_dir: str | None,
) -> list[FileOwnership]:
    """Changed config files and lockfiles: both sides read (the base in one `git cat-file`),
    then each ecosystem says what their changed keys / closures affect."""
    base = changes.base.commit
    before: dict[str, bytes | None] = {}
    if repo is not None and base is not None:
        before = vcs.show_files(repo, base, [p for p, _ in pending])
    after: dict[str, bytes | None] = {}
    for path, cf in pending:
        after[path] = None
        if cf.status != "deleted":
            try:
                with open(os.path.join(graph.root, path), "rb") as fh:
                    after[path] = fh.read()
            except OSError:
                pass
    out: list[FileOwnership] = []
    by_eco: dict[str, list[tuple[ConfigRef, bytes | None, bytes | None]]] = {}
    for path, _ in pending:
        if path in configs:
            ref = configs[path]
            by_eco.setdefault(ref.kind, []).append((ref, before.get(path), after[path]))
    owners: dict[str, set[str]] = {}
    for kind, batch in sorted(by_eco.items()):
        for imp in ecos[kind].impact(graph, batch):
            seed((imp.target,), "config", imp.file, detail=imp.detail, alone=imp.terminal)
            owners.setdefault(imp.file, set()).add(imp.target)
    for path, _ in pending:
        if path in lockfiles:
            lf = lockfiles[path]
            found, warn = ecos[lf.kind].lock_impact(
                graph, lf, before.get(path), after[path], ParseCache(cache_dir)
            )
            if warn:
                warnings.append(warn)
            for imp in found:
                seed((imp.target,), "lockfile", imp.file, detail=imp.detail)
                owners.setdefault(imp.file, set()).add(imp.target)
    for path, cf in pending:
        kind = "config" if path in configs else "lockfile"
        out.append(FileOwnership(path, cf.status, tuple(sorted(owners.get(path, ()))), kind))
    return out


def _unresolved_refs(targets: Mapping[str, Target]) -> dict[str, list[tuple[str, bool]]]:
    """Dependency id -> the targets that still name it although no target answers it, each
    with whether only its tests name it (a Go test import: it affects that target alone)."""
    refs: dict[str, list[tuple[str, bool]]] = {}
    for t in targets.values():
        for ref in t.meta.get("unresolved", ()):
            refs.setdefault(ref, []).append((t.id, False))
        for ref in t.meta.get("unresolved_test", ()):
            refs.setdefault(ref, []).append((t.id, True))
    return refs


def _deleted_targets(
    repo: vcs.Repo | None,
    graph: Graph,
    changes: ChangeSet,
    refs: dict[str, list[tuple[str, bool]]],
    by_dir: dict[str, list[str]],
) -> dict[str, tuple[str, list[tuple[str, bool]]]]:
    """Deleted path -> (id of the target it belonged to, that target's former dependents), for
    targets that are gone but still named by others.

    Each ecosystem works out the id a deleted target had from what is left (`former_ids`: a Go
    package from its directory and the module around it, a pnpm package or uv project from its
    manifest at the base). A deleted file belongs to the deleted target of the deepest
    directory containing it, unless a current target sits deeper.
    """
    from ameide.ecosystems import REGISTRY

    wanted = {ref.split(":", 1)[0] for ref in refs}
    deleted = [cf.path for cf in changes.files if cf.status == "deleted"]
    reader = BaseReader(repo, graph.root, changes.base.commit)
    former: dict[str, str] = {}  # dir -> the id of the deleted target it held
    for eco in REGISTRY.all():
        if eco.name not in wanted:
            continue
        for d, tid in eco.former_ids(graph, deleted, reader).items():
            if tid not in graph.targets and tid in refs:
                former.setdefault(d, tid)
    if not former:
        return {}
    out: dict[str, tuple[str, list[tuple[str, bool]]]] = {}
    for path in deleted:
        d = parent(path)
        while d not in former and d not in by_dir and d != ".":
            d = parent(d)
        if d in former:  # a current target in the same directory does not hide it
            out[path] = (former[d], refs[former[d]])
    return out


class BaseReader:
    """Files as they are in the work tree or were at the base commit, for the ecosystems'
    `former_ids` (one git call per batch)."""

    def __init__(self, repo: vcs.Repo | None, root: str, base: str | None) -> None:
        self.repo = repo
        self.root = root
        self.base = base

    def at_base(self, paths: list[str]) -> dict[str, bytes | None]:
        if self.repo is None or self.base is None or not paths:
            return {}
        return vcs.show_files(self.repo, self.base, paths)

    def exist_at_base(self, paths: list[str]) -> set[str]:
        if self.repo is None or self.base is None or not paths:
            return set()
        return vcs.paths_in_commit(self.repo, self.base, paths)

    def now(self, path: str) -> bytes | None:
        try:
            with open(os.path.join(self.root, path), "rb") as fh:
                return fh.read()
        except OSError:
            return None
