"""Planning data types: cheap frozen records shared by discovery, graph and reports.

They are `@record` classes (frozen, slotted) rather than pydantic models because
`ameide affected` must start and answer in a few tens of milliseconds; pydantic validates
at the edges (ameide.toml, summary.json) where its import cost is paid once
(docs/architecture.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ameide.records import field, record

if TYPE_CHECKING:
    from typing import Any


@record
class Target:
    """One testable unit with a stable id `<ecosystem>:<name>` (ecosystem: a registered
    plug-in's name, ecosystems/__init__.py REGISTRY)."""

    id: str
    ecosystem: str
    name: str
    path: str  # directory relative to the monorepo root, posix, "." for the root
    deps: tuple[str, ...] = ()  # ids of targets this one depends on, sorted
    manifest: str | None = None  # the file that declares it, relative to the root
    group: str = ""  # module / workspace the target belongs to (go module dir, workspace dir)
    meta: dict[str, Any] = field(default_factory=dict)  # ecosystem specifics (JSON-able)
    # targets only this target's tests use (Go `_test.go` imports): a change there affects this
    # target, but does not pass through it to its dependents
    test_deps: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ecosystem": self.ecosystem,
            "name": self.name,
            "path": self.path,
            "manifest": self.manifest,
            "group": self.group,
            "deps": list(self.deps),
            "test_deps": list(self.test_deps),
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Target:
        return cls(
            id=d["id"],
            ecosystem=d["ecosystem"],
            name=d["name"],
            path=d["path"],
            deps=tuple(d["deps"]),
            manifest=d["manifest"],
            group=d["group"],
            meta=d["meta"],
            test_deps=tuple(d.get("test_deps", ())),
        )


@record
class GlobalRule:
    """A file that, when changed, affects a whole scope of targets."""

    path: str  # exact path or glob relative to the root
    scope: str  # an ecosystem name, "*" for every target, or "targets" (explicit list)
    targets: tuple[str, ...] = ()  # with scope "targets": the ids affected
    why: str = ""


@record
class LockfileRef:
    """A lockfile whose change is resolved per importer/member closure."""

    path: str
    kind: str  # the ecosystem whose lockfile it is
    workspace: str  # the workspace dir the lockfile serves


@record
class ConfigRef:
    """A structured config file (go.mod, go.work, pnpm-workspace.yaml): a change affects what
    its changed keys affect, worked out by its ecosystem's `impact()`."""

    path: str
    kind: str  # the ecosystem that reads it
    workspace: str  # the module / workspace dir it configures


@record
class Impact:
    """One target a changed config file or lockfile affects, and why in words."""

    target: str
    file: str
    detail: str  # "require golang.org/x/net v0.1.0 -> v0.2.0", "nanoid 3.3.16 -> 3.3.18 ..."
    terminal: bool = False  # affects the target alone (its tests), not its dependents


@record
class Graph:
    """Every discovered target plus the rules that map files to targets."""

    root: str
    targets: dict[str, Target]
    globals: tuple[GlobalRule, ...] = ()
    lockfiles: tuple[LockfileRef, ...] = ()
    module_files: dict[str, tuple[str, ...]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    configs: tuple[ConfigRef, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)  # ecosystem name -> its private facts

    def dependents(self) -> dict[str, list[str]]:
        rev: dict[str, list[str]] = {tid: [] for tid in self.targets}
        for t in self.targets.values():
            for d in t.deps:
                if d in rev:
                    rev[d].append(t.id)
        for v in rev.values():
            v.sort()
        return rev


@record
class ChangedFile:
    path: str  # relative to the monorepo root
    status: str  # added | modified | deleted | untracked | typechange


@record
class Base:
    ref: str | None  # what the user or the CI named, or what was found
    commit: str | None  # the commit compared with (merge-base), None = empty tree
    source: str  # how it was chosen, for humans


@record
class ChangeSet:
    root: str  # monorepo root (absolute)
    git_root: str
    base: Base
    head: str | None
    branch: str | None
    files: tuple[ChangedFile, ...]
    everything: bool = False  # the base could not be resolved: everything is affected
    everything_reason: str | None = None
    warnings: tuple[str, ...] = ()


@record
class Reason:
    """Why a target is affected: the chain from it back to the change that started it."""

    chain: tuple[str, ...]  # target ids, from this target back to the directly affected one
    kind: str  # changed | global | config | lockfile | module | deleted | everything
    file: str | None
    deleted: str | None = None  # kind "deleted": the id of the dependency that is gone
    detail: str | None = None  # kinds "config", "lockfile": what changed, in words
    test: bool = False  # the first hop is a test-only import (chain[0]'s tests use chain[1])

    def explain(self) -> str:
        kind = self.kind
        if kind == "changed":
            tail = f"changed {self.file}"
        elif kind == "global":
            tail = f"global file {self.file}"
        elif kind == "config":
            tail = f"{self.file} (changed keys): {self.detail}"
        elif kind == "lockfile":
            tail = f"lockfile {self.file} (closure rule): {self.detail}"
        elif kind == "module":
            tail = f"module file {self.file}"
        elif kind == "deleted":
            tail = f"deleted {self.deleted} ({self.file})"
        elif kind == "everything":
            tail = f"everything ({self.file})"
        else:
            raise KeyError(kind)
        if self.test and len(self.chain) > 1:
            head = f"{self.chain[0]} <-test- " + " <- ".join(self.chain[1:])
            return f"{head} <- {tail}"
        return " <- ".join((*self.chain, tail))


@record
class AffectedTarget:
    target: Target
    direct: bool
    reason: Reason


@record
class FileOwnership:
    path: str
    status: str
    owners: tuple[str, ...]
    kind: str  # owned | global | lockfile | module | deleted | ignored | unowned


@record
class AffectedReport:
    changes: ChangeSet
    files: tuple[FileOwnership, ...]
    affected: tuple[AffectedTarget, ...]
    total_targets: int
    warnings: tuple[str, ...] = ()
