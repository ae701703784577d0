"""The Ecosystem protocol: all ameide does for one ecosystem, behind one interface.

An ecosystem (Go, pnpm, uv, buf, or one a test registers) owns, for its targets:
  - discovery: which files it reads, their parsed facts, the targets and edges they make;
  - change impact: which files a target owns, what a change to a structured config file or a
    lockfile affects, the id a deleted target had;
  - phase tasks: the contract, unit and integration commands of its targets, batched as it
    likes (one `go test` per module), and the installs they need (their inputs: the core
    decides when an install is stale, from a stamp of those inputs);
  - tools: the executables it needs, how each reports its version, the pins the repository
    sets and where `ameide toolchain install` gets them;
  - cache inputs: the environment variables that change its tools' results, the per-target
    part of its lockfile, how a task that reads the base commit is keyed;
  - reports: converters of native output to JUnit cases, the failure locator (`file:line`),
    the parser of its runner's failure text (`case_lines`) and where a log's verdict starts.
The core (plan, runner, testrun, affected, cache, workspace, config, evidence) calls this
interface and names no ecosystem (tests/test_boundary.py checks it). `EcosystemBase` holds
the shared defaults, as pre-commit's `lang_base` does for its languages; a plug-in overrides
what it does differently. See docs/architecture.md and AGENTS.md, "Adding an ecosystem".
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from ameide.records import record

if TYPE_CHECKING:
    from ameide.config import Config
    from ameide.ecosystems import Context, ParseCache, Part
    from ameide.evidence.junit import Case
    from ameide.model import ConfigRef, Graph, Impact, LockfileRef, Target
    from ameide.task import Task
    from ameide.taskresult import TaskResult


# ------------------------------------------------------------------------------ tools


def vtuple(v: str) -> tuple[int, ...]:
    """`1.25.5` -> (1, 25, 5); pre-release suffixes are ignored (`1.26rc1` -> (1, 26))."""
    out = []
    for part in v.split("."):
        m = re.match(r"\d+", part)
        if not m:
            break
        out.append(int(m.group()))
    return tuple(out)


@record
class Pin:
    """The version of one tool a repository asks for, and where it says so."""

    tool: str
    wanted: str | None  # None: any version; a major-only tool (node): the major ("22")
    exact: bool  # False: `wanted` is a minimum
    source: str  # where the pin comes from
    release: str | None = None  # a full release the pin names (`.nvmrc` v22.23.3)

    @property
    def spec(self) -> ToolSpec:
        """The tool's spec from the registry (a plain one for a tool no ecosystem declares)."""
        from ameide.ecosystems import REGISTRY

        return REGISTRY.tool(self.tool) or ToolSpec(self.tool)

    @property
    def label(self) -> str:
        """The wanted version as people read it: `1.25.5`, `>=1.25.5`, `22.x`, `any`."""
        return self.spec.label(self)

    @property
    def install_version(self) -> str | None:
        """The version `ameide toolchain install` installs for this pin (None: cannot)."""
        return self.spec.install_version(self)


_VERSION = re.compile(r"(\d+(?:\.\d+)+)")


class ToolSpec:
    """One executable an ecosystem needs: how it reports its version, how a pin reads and
    matches, and where `ameide toolchain install` gets it. Subclass to change a rule (node
    pins name a major; a Go `go 1.22` line names the 1.22.0 toolchain)."""

    def __init__(
        self,
        name: str,
        *,
        version_args: tuple[str, ...] = ("--version",),
        default: str | None = None,
        links: tuple[str, ...] = (),
        source: Mapping[str, str] | None = None,
        alternative: str = "",
        optional_install: bool = False,
        version_env: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.version_args = version_args  # `go version`, `uv --version`
        self.default = default  # the version pinned when the repository names none
        self.links = links or (name,)  # the executables an install links, the tool first
        self.source = dict(source or {})  # the default [toolchain.sources.<tool>] table
        self.alternative = alternative  # another way to install it, `{v}` the version
        # installed only when asked for or when a full release is pinned (node comes with
        # the workspace image)
        self.optional_install = optional_install
        self.version_env = dict(version_env or {})  # set while asking for the version

    @property
    def installable(self) -> bool:
        return bool(self.source)

    def parse_version(self, output: str) -> str | None:
        m = _VERSION.search(output)
        return m.group(1) if m else None

    def label(self, pin: Pin) -> str:
        """The wanted version as people read it: `1.25.5`, `>=1.25.5`, `any`."""
        if pin.wanted is None:
            return "any"
        return pin.wanted if pin.exact else f">={pin.wanted}"

    def matches(self, pin: Pin, found: str) -> bool:
        if pin.wanted is None:
            return True
        return found == pin.wanted if pin.exact else vtuple(found) >= vtuple(pin.wanted)

    def install_version(self, pin: Pin) -> str | None:
        """The version `ameide toolchain install` installs for this pin (None: cannot)."""
        if pin.wanted is None or not self.installable:
            return None
        if pin.exact:
            return pin.wanted
        if self.default and vtuple(self.default) >= vtuple(pin.wanted):
            return self.default
        return pin.wanted

    def unresolved_fix(self, pin: Pin) -> str | None:
        """The fix when no version can be installed for the pin (None: the generic one)."""
        return None


# ------------------------------------------------------------------------------ planning


@record
class InstallSpec:
    """An install a workspace needs before its tasks run (`pnpm install`, `uv sync`). The core
    runs it when `marker` is missing or the hash of `inputs` differs from the last good
    install's, and skips it (with `skipped`, a note) otherwise."""

    workspace: str  # the directory it runs in, relative to the root
    id: str  # the task id ("pnpm install .")
    argv: tuple[str, ...]
    inputs: tuple[str, ...]  # files (relative to the root) that decide what it installs
    marker: str  # a directory the install leaves in the workspace (node_modules, .venv)
    skipped: str  # the note when it is skipped
    notes: tuple[str, ...] = ()  # notes when it runs
    # added to argv when the workspace was last installed at another path (a copied checkout
    # whose installed tree still points at the original: uv's `--reinstall`)
    moved: tuple[str, ...] = ()


class PlanContext:
    """What an ecosystem's `tasks()` sees: the repository, the graph, the chosen targets, what
    ameide.toml says per target, the base commit. Notes ("no test files -> no unit task") go
    to `note()`; a (target, phase) that ameide.toml gives a command of its own is not the
    ecosystem's to plan (`wants()` says False)."""

    def __init__(
        self,
        root: str,
        graph: Graph,
        config: Config,
        chosen: Sequence[Target],
        *,
        base_commit: str | None,
        git_root: str,
        base_paths: Callable[[list[str]], set[str]] | None = None,
        changed: Iterable[str] = (),
        timeout: float,
    ) -> None:
        self.root = root
        self.graph = graph
        self.config = config
        self.chosen = chosen  # every chosen target, of every ecosystem
        self.base_commit = base_commit
        self.git_root = git_root
        self.changed = frozenset(changed)  # changed structured config files
        self.notes: list[str] = []
        self._base_paths = base_paths
        self._timeout = timeout
        self._overrides: dict[str, Any] = config.targets

    def members(self, ecosystem: str, group: str) -> list[str]:
        """The paths of an ecosystem's workspace members in `group`, the root left out
        (what an install's inputs list besides the workspace's own files)."""
        return sorted(
            t.path
            for t in self.graph.targets.values()
            if t.ecosystem == ecosystem and t.group == group and t.path not in (group, "", ".")
        )

    def note(self, text: str) -> None:
        self.notes.append(text)

    def wants(self, target: Target, key: str) -> bool:
        """Is (target, phase key) the ecosystem's to plan? False when ameide.toml names a
        command for it (`[targets."<id>"] unit = [...]`: the core plans that one)."""
        return not (self._overrides.get(target.id) or {}).get(key)

    def overrides_any(self, target: Target) -> bool:
        return any(not self.wants(target, k) for k in ("contract", "unit", "integration"))

    def timeout(self, ids: Iterable[str]) -> float:
        """The longest `[targets] timeout` of the targets, else `[run] timeout`."""
        vals = [(self._overrides.get(i) or {}).get("timeout") for i in ids]
        return float(max([v for v in vals if v] or [self._timeout]))

    def in_base(self, paths: list[str]) -> set[str]:
        """Which of `paths` exist in the base commit (empty without a base)."""
        if self.base_commit is None or self._base_paths is None or not paths:
            return set()
        return self._base_paths(paths)


# ------------------------------------------------------------------------------ reports


@record
class ReportFormat:
    """A tool's native report on its standard output (`go test -json`), converted to cases.
    `convert(path)` returns the cases and the human-readable text the log gets."""

    name: str
    ext: str  # the raw report's file extension in the evidence
    convert: Callable[[str], tuple[list[Case], str]]


# a built-in check: (task, root, log path, environment) -> (exit code, message); called on
# one of the runner's worker threads
Builtin = Callable[["Task", str, str, Mapping[str, str]], "tuple[int, str]"]


# ------------------------------------------------------------------------------ protocol


@runtime_checkable
class Ecosystem(Protocol):
    """What the core asks of an ecosystem (module docstring). Register one with
    `ameide.ecosystems.REGISTRY.register()`."""

    name: str  # the target-id prefix (`go:...`), the key in ameide.toml and summary.json
    version: str  # the plug-in's version: part of the discovery cache key
    build_order: int  # 0; 1 builds after the others (buf links generated code to them)
    tools: tuple[ToolSpec, ...]
    env_inputs: tuple[str, ...]  # environment variables that change its tools' results
    env_passthrough: tuple[str, ...]  # its tools' own settings `[env] mode = "strict"` passes
    presence_files: tuple[str, ...]  # files whose presence alone changes the graph
    cacheable_kinds: tuple[str, ...]  # its task kinds that `[cache] kinds` may name
    report_formats: Mapping[str, ReportFormat]
    builtins: Mapping[str, Builtin]

    # discovery
    def relevant(self, path: str) -> bool: ...
    def parse(self, path: str, data: bytes) -> dict[str, Any]: ...
    def build(self, ctx: Context) -> Part: ...

    # change impact
    def owners(self, graph: Graph) -> Owners: ...
    def impact(
        self, graph: Graph, changed: list[tuple[ConfigRef, bytes | None, bytes | None]]
    ) -> list[Impact]: ...
    def lock_impact(
        self,
        graph: Graph,
        lf: LockfileRef,
        before: bytes | None,
        after: bytes | None,
        cache: ParseCache,
    ) -> tuple[list[Impact], str | None]: ...
    def former_ids(self, graph: Graph, deleted: list[str], reader: Any) -> dict[str, str]: ...

    # planning
    def tasks(self, ctx: PlanContext, targets: Sequence[Target]) -> Iterable[Task]: ...
    def installs(self, ctx: PlanContext, targets: Sequence[Target]) -> Iterable[InstallSpec]: ...
    def pins(self, root: str, config: Config, graph: Graph | None) -> dict[str, Pin]: ...

    # cache keys
    def lock_closures(self, data: bytes) -> Mapping[str, str]: ...
    def lock_key(self, target: Target) -> tuple[str, str]: ...
    def cache_view(self, task: Task, base_tree: Callable[[str], str | None]) -> Task: ...

    # reports
    def locate(self, case: Case, root: str, task: Task) -> Case: ...
    def excerpt(self, result: TaskResult, tail: list[str]) -> list[str] | None: ...
    def case_lines(self, case: Case) -> list[str]: ...


class Owners(Protocol):
    """Which targets of one ecosystem a changed file belongs to."""

    def claims(self, path: str) -> bool:
        """Is the file this ecosystem's even when no target holds it?"""
        ...

    def owners(self, path: str) -> list[tuple[str, bool]]:
        """(target id, terminal) pairs: terminal when the file only feeds its tests."""
        ...


class DirOwners:
    """The default ownership: a file belongs to the ecosystem's targets in the deepest
    directory that holds it (a project owns everything under it, nested projects excepted)."""

    def __init__(self, graph: Graph, ecosystem: str) -> None:
        from ameide.ecosystems import owner_dirs

        self.by_dir = owner_dirs(t for t in graph.targets.values() if t.ecosystem == ecosystem)

    def claims(self, path: str) -> bool:
        return False

    def owners(self, path: str) -> list[tuple[str, bool]]:
        from ameide.ecosystems import deepest_owner

        return [(tid, False) for tid in deepest_owner(path, self.by_dir)] if self.by_dir else []


class EcosystemBase:
    """The shared defaults: no tools, no installs, no impact beyond file ownership, the
    generic failure locator. A plug-in subclasses it and overrides what it does."""

    name: str = ""
    version: str = "1"
    build_order: int = 0
    tools: tuple[ToolSpec, ...] = ()
    env_inputs: tuple[str, ...] = ()
    env_passthrough: tuple[str, ...] = ()
    presence_files: tuple[str, ...] = ()
    cacheable_kinds: tuple[str, ...] = ()
    report_formats: Mapping[str, ReportFormat] = MappingProxyType({})
    builtins: Mapping[str, Builtin] = MappingProxyType({})

    def relevant(self, path: str) -> bool:
        return False

    def parse(self, path: str, data: bytes) -> dict[str, Any]:
        return {}

    def build(self, ctx: Context) -> Part:
        from ameide.ecosystems import Part

        return Part()

    def owners(self, graph: Graph) -> Owners:
        return DirOwners(graph, self.name)

    def impact(
        self, graph: Graph, changed: list[tuple[ConfigRef, bytes | None, bytes | None]]
    ) -> list[Impact]:
        return []

    def lock_impact(
        self,
        graph: Graph,
        lf: LockfileRef,
        before: bytes | None,
        after: bytes | None,
        cache: ParseCache,
    ) -> tuple[list[Impact], str | None]:
        return [], None

    def former_ids(self, graph: Graph, deleted: list[str], reader: Any) -> dict[str, str]:
        return {}

    def tasks(self, ctx: PlanContext, targets: Sequence[Target]) -> Iterable[Task]:
        return ()

    def installs(self, ctx: PlanContext, targets: Sequence[Target]) -> Iterable[InstallSpec]:
        return ()

    def pins(self, root: str, config: Config, graph: Graph | None) -> dict[str, Pin]:
        """Each tool's pin: `[toolchain] <tool>` in ameide.toml, else the tool's default."""
        out = {}
        for spec in self.tools:
            configured = config.toolchain.get(spec.name)
            if configured:
                out[spec.name] = Pin(
                    spec.name, str(configured), True, f"ameide.toml [toolchain] {spec.name}"
                )
            elif spec.default:
                out[spec.name] = Pin(spec.name, spec.default, True, "ameide default")
            else:
                out[spec.name] = Pin(spec.name, None, False, "no pin")
        return out

    def lock_closures(self, data: bytes) -> Mapping[str, str]:
        raise NotImplementedError(f"{self.name} has no lockfile")

    def lock_key(self, target: Target) -> tuple[str, str]:
        return target.name, "<header>"

    def cache_view(self, task: Task, base_tree: Callable[[str], str | None]) -> Task:
        return task

    def locate(self, case: Case, root: str, task: Task) -> Case:
        return locate(case, root, task)

    def excerpt(self, result: TaskResult, tail: list[str]) -> list[str] | None:
        """Where a failed task's excerpt starts in the tail of its log, when no test case
        says what failed (None: at the first line that looks like an error)."""
        return None

    def case_lines(self, case: Case) -> list[str]:
        """The lines of a failed case worth showing: by default its message, then its text;
        [] when the case says nothing and the log should. A runner's parser leaves out what
        its runner prints around a failure; the core (evidence/excerpt.py) puts the location
        first, drops what is said twice and keeps twenty lines. The case comes readable:
        terminal codes stripped, encoded newlines and over-escaped entities decoded."""
        return [ln for ln in (case.message + "\n" + case.text).splitlines() if ln.strip()]


def configured_pin(config: Config, tool: str) -> Pin | None:
    """`[toolchain] <tool>` in ameide.toml as an exact pin, if set."""
    v = config.toolchain.get(tool)
    return Pin(tool, str(v), True, f"ameide.toml [toolchain] {tool}") if v else None


# ------------------------------------------------------------------------------ locating

# a test runner naming the failing line relative to where it ran: `tests/test_x.py:12: Error`
_REL_POS = re.compile(r"^([^\s:()'\"]+\.[A-Za-z]+):(\d+): ", re.M)


def locate(case: Case, root: str, task: Task) -> Case:
    """File and line of a failure: the report's own file attribute (made relative to the
    root), else a stack frame naming a file under the root, else a `file:line: ` position
    relative to where the task ran."""
    from ameide.records import replace

    if case.status not in ("failed", "error"):
        return case
    if case.file:
        f = case.file
        if os.path.isabs(f):
            f = os.path.relpath(f, root)
        elif task.cwd != ".":
            f = os.path.normpath(os.path.join(task.cwd, f))
        return replace(case, file=f)
    m = re.search(re.escape(root.rstrip("/")) + r"/([^\s:()'\"]+):(\d+)", case.text)
    if m:
        return replace(case, file=m.group(1), line=int(m.group(2)))
    for m in _REL_POS.finditer(case.text):
        f = os.path.normpath(os.path.join(task.cwd, m.group(1)))
        if not f.startswith("..") and os.path.isfile(os.path.join(root, f)):
            return replace(case, file=f, line=int(m.group(2)))
    return case


__all__ = [
    "Builtin",
    "Ecosystem",
    "EcosystemBase",
    "InstallSpec",
    "Owners",
    "Pin",
    "PlanContext",
    "ReportFormat",
    "ToolSpec",
    "configured_pin",
    "locate",
    "vtuple",
]
