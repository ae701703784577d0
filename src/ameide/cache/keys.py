"""Cache keys: one digest per task of everything that can change its result.

A key covers
  - the task itself: id, kind, argv, working directory, its own environment, accepted exit codes;
  - the environment allow-list of its ecosystem (GOFLAGS, NODE_OPTIONS, PYTHONPATH, ...) plus
    `[cache] env`, by value;
  - the versions of its ecosystem's tools (from the toolchain check) and the OS/architecture;
  - the files of its targets and of their transitive dependencies: every file whose deepest
    owning target is one of them, as a git blob id when the file is clean and as the same kind
    of hash of the working-tree content when it is modified or untracked (so a result recorded
    before a commit still matches after it) - all from the file index planning already built;
  - the module files of Go targets (go.mod, go.sum), the resolved closure of each pnpm importer
    / uv member in its lockfile (not the whole lockfile: a change for another member leaves the
    key alone), and every global file that applies to them (ameide.toml, go.work,
    pnpm-workspace.yaml, `[affected] global` globs, ...; docs/affected.md).
Files that planning treats as owned by no target and not global (a root README) enter no key,
exactly as they affect no target.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import json
import os
import sys
from typing import TYPE_CHECKING, Any

from ameide.ecosystems import REGISTRY, glob_regex, owner_dirs, within

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ameide.config import Config
    from ameide.model import Graph
    from ameide.task import Task

KEY_VERSION = "ameide-task-key-2"  # 2: artifacts carry the raw report (artifact.py format 2)
# environment variables that change what any tool does; each ecosystem adds its own
# (Ecosystem.env_inputs: GOFLAGS, NODE_OPTIONS, PYTHONPATH, ...) and `[cache] env` more
COMMON_ENV = ("TZ", "SOURCE_DATE_EPOCH")


def env_inputs(ecosystem: str | None = None) -> tuple[str, ...]:
    """The environment variables a task of `ecosystem` is keyed on (of every ecosystem when
    None: what `[env] mode = "strict"` passes to tasks)."""
    ecos = REGISTRY.all() if ecosystem is None else [REGISTRY.get(ecosystem)]
    return COMMON_ENV + tuple(n for e in ecos if e is not None for n in e.env_inputs)


_UNCACHED_PARAMS = ("lock", "stamp")  # machine-local paths of install tasks


def blob_id(path: str) -> str:
    """The git blob id (SHA-1 object format) of a working-tree file, so a modified file hashes
    exactly like the same content once committed. Symlinks hash their target, as git does."""
    st = os.lstat(path)
    import stat

    if stat.S_ISLNK(st.st_mode):
        data = os.fsencode(os.readlink(path))
        return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
    h = hashlib.sha1(b"blob %d\0" % st.st_size, usedforsecurity=False)
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


class KeyMaker:
    """Computes task keys for one run (memoised per target; one pass over the file index)."""

    def __init__(
        self,
        root: str,
        graph: Graph,
        blobs: Mapping[str, str | None],
        config: Config,
        tools: Mapping[str, str | None],
        env: Mapping[str, str],
        *,
        extra_env: Iterable[str] = (),
        state_dir: str | None = None,
    ) -> None:
        self.root = root
        self.graph = graph
        self.blobs = blobs
        self.config = config
        self.tools = tools
        self.env = env
        self.extra_env = tuple(extra_env)
        self.state_dir = state_dir
        self._by_dir: dict[str, list[str]] | None = None
        self._dirs: list[str] = []
        self._target_dirs: dict[str, list[str]] = {}
        self._dir_owner: dict[str, list[str]] = {}
        self._tokens: dict[str, str] = {}
        self._target: dict[str, str] = {}
        self._rules: dict[int, str] = {}
        self._closures: dict[str, dict[str, str] | None] | None = None
        self._module_files: dict[str, list[str]] | None = None
        self._platform = [sys.platform, os.uname().machine]

    # ------------------------------------------------------------------ files
    def token(self, path: str) -> str:
        """Blob id of a clean file, the same hash of the working tree for a dirty one."""
        t = self._tokens.get(path)
        if t is None:
            blob = self.blobs.get(path, "<absent>")
            if blob is None:
                try:
                    blob = blob_id(os.path.join(self.root, path))
                except OSError:
                    blob = "<unreadable>"
            t = self._tokens[path] = blob
        return t

    def files_of(self, tid: str) -> list[str]:
        """The files a target owns (those whose deepest owning target it is), sorted.

        The index is grouped by directory once; a target then looks only at the directories
        below its own (a bisect in the sorted directory list), so a key for one package of a
        monorepo of tens of thousands of files costs little more than that package."""
        if self._by_dir is None:
            grouped: dict[str, list[str]] = {}
            for path in self.blobs:
                d = path.rpartition("/")[0] or "."
                lst = grouped.get(d)
                if lst is None:
                    grouped[d] = [path]
                else:
                    lst.append(path)
            self._by_dir = grouped
            self._dirs = sorted(grouped)
            self._target_dirs = owner_dirs(self.graph.targets.values())
        t = self.graph.targets[tid]
        if t.path == ".":
            dirs = self._dirs
        else:
            lo = bisect.bisect_left(self._dirs, t.path + "/")
            hi = bisect.bisect_left(self._dirs, t.path + "0")  # "0" sorts right after "/"
            dirs = ([t.path] if t.path in self._by_dir else []) + self._dirs[lo:hi]
        out: list[str] = []
        for d in dirs:
            if tid in self._owner(d):
                out.extend(self._by_dir[d])
        return sorted(out)

    def _owner(self, d: str) -> list[str]:
        """Ids of the targets in the deepest target directory at or above directory `d`."""
        got = self._dir_owner.get(d)
        if got is None:
            ids = self._target_dirs.get(d)
            if ids:
                got = ids
            elif d == ".":
                got = []
            else:
                got = self._owner(d.rpartition("/")[0] or ".")
            self._dir_owner[d] = got
        return got

    def target_digest(self, tid: str) -> str:
        d = self._target.get(tid)
        if d is None:
            h = hashlib.sha256()
            for path in self.files_of(tid):
                h.update(f"{path}\0{self.token(path)}\0".encode())
            for path in self.module_files().get(tid, ()):
                h.update(f"module:{path}\0{self.token(path)}\0".encode())
            for part in self.lock_parts(tid):
                h.update(f"lock:{part}\0".encode())
            d = self._target[tid] = h.hexdigest()
        return d

    def module_files(self) -> dict[str, list[str]]:
        if self._module_files is None:
            inv: dict[str, list[str]] = {}
            for path, ids in sorted(self.graph.module_files.items()):
                for tid in ids:
                    inv.setdefault(tid, []).append(path)
            self._module_files = inv
        return self._module_files

    # ------------------------------------------------------------------ lockfiles
    def lock_parts(self, tid: str) -> list[str]:
        """The lockfile closures that apply to a target: its own and the lock-wide part."""
        t = self.graph.targets[tid]
        out = []
        for lf in self.graph.lockfiles:
            if lf.kind != t.ecosystem or lf.workspace != t.group:
                continue
            closures = self.closures(lf.path, lf.kind)
            if closures is None:  # unreadable lockfile: the whole file, conservatively
                out.append(f"{lf.path}:file:{self.token(lf.path)}")
                continue
            name, shared = REGISTRY[lf.kind].lock_key(t)
            own = closures.get(name, "<absent>")
            out.append(f"{lf.path}:{name}:{own}:{shared}:{closures.get(shared, '<absent>')}")
        return out

    def closures(self, path: str, kind: str) -> dict[str, str] | None:
        """Per-member closure digests of a lockfile, cached by the lockfile's blob id."""
        if self._closures is None:
            self._closures = {}
            self._closure_file: dict[str, Any] = {}
            if self.state_dir:
                try:
                    with open(os.path.join(self.state_dir, "lock-closures.json"), "rb") as fh:
                        loaded = json.load(fh)
                    if isinstance(loaded, dict):
                        self._closure_file = loaded
                except (OSError, ValueError):
                    pass
        if path in self._closures:
            return self._closures[path]
        token = self.token(path)
        cached = self._closure_file.get(path)
        result: dict[str, str] | None
        if isinstance(cached, dict) and cached.get("token") == token:
            result = cached.get("closures")
        else:
            result = self._parse_closures(path, kind)
            self._closure_file[path] = {"token": token, "closures": result}
            if self.state_dir:
                from ameide.fsutil import atomic_write_text

                with contextlib.suppress(OSError):  # a read-only git dir only costs speed
                    atomic_write_text(
                        os.path.join(self.state_dir, "lock-closures.json"),
                        json.dumps(self._closure_file),
                    )
        self._closures[path] = result
        return result

    def _parse_closures(self, path: str, kind: str) -> dict[str, str] | None:
        try:
            with open(os.path.join(self.root, path), "rb") as fh:
                data = fh.read()
            return dict(REGISTRY[kind].lock_closures(data))
        except Exception:  # any unreadable lockfile: key on the whole file instead
            return None

    # ------------------------------------------------------------------ globals
    def rule_digest(self, i: int) -> str:
        d = self._rules.get(i)
        if d is None:
            rule = self.graph.globals[i]
            h = hashlib.sha256(f"{rule.path}\0".encode())
            if set("*?[") & set(rule.path):
                rx = glob_regex(rule.path)
                for path in sorted(p for p in self.blobs if rx.match(p)):
                    h.update(f"{path}\0{self.token(path)}\0".encode())
            else:
                h.update(self.token(rule.path).encode())
            d = self._rules[i] = h.hexdigest()
        return d

    def _rules_for(self, tids: Iterable[str]) -> list[int]:
        found: set[int] = set()
        targets = self.graph.targets
        for tid in tids:
            t = targets[tid]
            for i, rule in enumerate(self.graph.globals):
                if (
                    rule.scope == "*"
                    or rule.scope == t.ecosystem
                    or (rule.scope == "targets" and tid in rule.targets)
                ):
                    found.add(i)
        return sorted(found)

    def _configs_for(self, tids: Iterable[str]) -> list[str]:
        """The structured config files (go.work, go.mod, pnpm-workspace.yaml, a uv workspace
        root, buf.gen templates) of the targets' ecosystems around them, by content: planning
        reads only their changed keys, but a tool reads the whole file."""
        found: set[str] = set()
        targets = self.graph.targets
        for tid in tids:
            t = targets[tid]
            for c in self.graph.configs:
                if c.kind == t.ecosystem and within(t.path, c.workspace):
                    found.add(c.path)
        return [f"{p}\0{self.token(p)}" for p in sorted(found)]

    # ------------------------------------------------------------------ tasks
    def closure(self, tids: Iterable[str]) -> list[str]:
        """The targets, what their tests import, and the transitive dependencies of both
        (a test binary's closure), sorted."""
        targets = self.graph.targets
        seen: set[str] = set()
        stack = [t for t in tids if t in targets]
        stack += [d for t in stack for d in targets[t].test_deps if d in targets]
        while stack:
            cur = stack.pop()
            if cur in seen:
                continue
            seen.add(cur)
            stack.extend(d for d in targets[cur].deps if d in targets and d not in seen)
        return sorted(seen)

    def inputs(self, task: Task) -> dict[str, Any] | None:
        """The key's inputs as a JSON-able document; None when a tool version is unknown."""
        tools = {}
        eco = REGISTRY.get(task.ecosystem)
        for spec in eco.tools if eco is not None else ():
            version = self.tools.get(spec.name)
            if not version:
                return None
            tools[spec.name] = version
        names = set(env_inputs(task.ecosystem))
        env_doc: dict[str, str] = {}
        merged = {**self.env, **task.env}
        patterns = [n[:-1] for n in self.extra_env if n.endswith("*")]
        names |= {n for n in self.extra_env if not n.endswith("*")}
        if patterns:
            names |= {k for k in merged if any(k.startswith(p) for p in patterns)}
        for name in sorted(names):
            if name in merged:
                env_doc[name] = merged[name]
        members = self.closure(task.targets)
        params = {k: v for k, v in task.params.items() if k not in _UNCACHED_PARAMS}
        return {
            "v": KEY_VERSION,
            "task": {
                "id": task.id,
                "kind": task.kind,
                "ecosystem": task.ecosystem,
                "argv": list(task.argv),
                "cwd": task.cwd,
                "env": dict(sorted(task.env.items())),
                "report": task.report,
                "builtin": task.builtin,
                "ok_codes": list(task.ok_codes),
                "params": params,
            },
            "tools": tools,
            "platform": self._platform,
            "env": env_doc,
            "targets": {tid: self.target_digest(tid) for tid in members},
            "globals": [self.rule_digest(i) for i in self._rules_for(members)],
            "configs": self._configs_for(members),
        }

    def key(self, task: Task) -> str | None:
        doc = self.inputs(task)
        if doc is None:
            return None
        raw = json.dumps(doc, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(raw.encode()).hexdigest()
