"""Ecosystem plug-ins: each turns the files of a monorepo into targets, edges and rules.

An ecosystem module provides:
  NAME                       "go" | "pnpm" | "uv" | "buf"
  relevant(path) -> bool     which files it needs to read (cheap name test)
  parse(path, data) -> dict  JSON-able facts of one file (cached by git blob id)
  build(ctx) -> Part         targets, global rules, lockfiles, module files, warnings
See AGENTS.md, "Adding an ecosystem".
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from ameide.model import ConfigRef, GlobalRule, LockfileRef, Target

if TYPE_CHECKING:
    from typing import Any

SKIP_DIRS = frozenset({"node_modules", ".git", ".venv", "__pycache__"})


class Part:
    """What one ecosystem contributes to the graph (filled in by its build())."""

    def __init__(self) -> None:
        self.targets: list[Target] = []
        self.globals: list[GlobalRule] = []
        self.lockfiles: list[LockfileRef] = []
        self.module_files: dict[str, tuple[str, ...]] = {}
        self.configs: list[ConfigRef] = []
        self.data: dict[str, Any] = {}  # ecosystem-private facts for impact() (JSON-able)
        self.extra_deps: dict[str, set[str]] = {}  # consumer id -> buf module ids
        self.warnings: list[str] = []
        self.errors: list[tuple[str, str, str]] = []  # (file, message, hint)


class Context:
    """What build() sees: every file path, the parsed facts and the targets found so far."""

    def __init__(self, paths: frozenset[str], facts: dict[str, dict[str, Any]]) -> None:
        self.paths = paths
        self.facts = facts
        self.targets: dict[str, Target] = {}

    def facts_named(self, name: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for path, f in self.facts.items():
            if path == name or path.endswith("/" + name):
                yield path, f


def parent(path: str) -> str:
    d = posixpath.dirname(path)
    return d or "."


def join(*parts: str) -> str:
    kept = [x for x in parts if x and x != "."]  # all "." (go.work `use .`) is the root
    p = posixpath.normpath(posixpath.join(*kept)) if kept else "."
    return "." if p in ("", ".") else p


def within(path: str, directory: str) -> bool:
    """True when `path` is `directory` or below it (both relative, posix, "." = root)."""
    return directory == "." or path == directory or path.startswith(directory + "/")


_SKIPPED = re.compile(r"(?:^|/)(?:node_modules|\.git|\.venv|__pycache__)/")


def in_skipped_dir(path: str) -> bool:
    """Is a directory of `path` one of SKIP_DIRS? (One regex search: this runs for every
    manifest of a repository of tens of thousands of files.)"""
    return _SKIPPED.search(path) is not None


@lru_cache(maxsize=512)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """Compile a workspace glob (pnpm/uv/buf style: *, **, ?, [..]) for directory paths."""
    pat = pattern.strip()
    while pat.startswith("./"):
        pat = pat[2:]
    pat = pat.rstrip("/") or "."
    out: list[str] = []
    i = 0
    while i < len(pat):
        c = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pat.startswith("/**", i) and i + 3 == len(pat):
            out.append("(?:/.*)?")  # `a/**` matches `a` itself too, as in pnpm and uv
            i += 3
        elif pat.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            k = i + 2 if pat.startswith("[!", i) else i + 1
            j = pat.find("]", k + 1)  # a `]` first in the set is a member (`[]]` is valid)
            if j == -1:
                out.append(re.escape(c))
                i += 1
            else:
                body = pat[i + 1 : j].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = j + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.compile("".join(out) + r"\Z", re.S)  # a path may hold a newline


def match_globs(
    candidates: Iterable[str], includes: list[str], excludes: list[str], base: str = "."
) -> list[str]:
    """Candidate dirs (relative to the root) matched by include globs minus excludes, both
    relative to `base`."""
    inc = [glob_regex(g) for g in includes]
    exc = [glob_regex(g) for g in excludes]
    out = []
    for c in candidates:
        if not within(c, base):
            continue
        rel = c if base == "." else ("." if c == base else c[len(base) + 1 :])
        if any(r.match(rel) for r in inc) and not any(r.match(rel) for r in exc):
            out.append(c)
    return sorted(out)


def owner_dirs(targets: Iterable[Target]) -> dict[str, list[str]]:
    by_dir: dict[str, list[str]] = {}
    for t in targets:
        by_dir.setdefault(t.path, []).append(t.id)
    for v in by_dir.values():
        v.sort()
    return by_dir


def deepest_owner(path: str, by_dir: dict[str, list[str]], *, is_dir: bool = False) -> list[str]:
    """Ids of the targets in the deepest directory that contains `path`."""
    d = path if is_dir else parent(path)
    while True:
        ids = by_dir.get(d)
        if ids:
            return ids
        if d == ".":
            return []
        d = parent(d)


class ParseCache:
    """Parsed lockfiles by content digest, in `<cache dir>/locks/` (marshal): a lockfile of
    megabytes is parsed once per version, so the base side of a change (and the work tree's,
    until it changes again) costs a file read afterwards. A damaged entry is a miss."""

    KEEP = 16  # entries kept: a few lockfiles, a few versions each

    def __init__(self, cache_dir: str | None) -> None:
        self.dir = os.path.join(cache_dir, "locks") if cache_dir else None

    def get(self, kind: str, data: bytes, parse: Callable[[bytes], Any]) -> Any:
        import hashlib
        import marshal

        if self.dir is None:
            return parse(data)
        digest = hashlib.sha1(data, usedforsecurity=False).hexdigest()
        path = os.path.join(self.dir, f"{kind}-{digest}.bin")
        try:
            with open(path, "rb") as fh:
                tag, value = marshal.loads(fh.read())
            if tag == _PARSE_TAG:
                return value
        except (OSError, EOFError, ValueError, TypeError):
            pass
        value = parse(data)
        try:
            from ameide.fsutil import atomic_write_bytes

            os.makedirs(self.dir, exist_ok=True)
            atomic_write_bytes(path, marshal.dumps((_PARSE_TAG, value)))
            self._prune()
        except (OSError, ValueError):
            pass  # a read-only git dir (or an unmarshalable value) only costs speed
        return value

    def _prune(self) -> None:
        assert self.dir is not None
        entries = [e for e in os.scandir(self.dir) if e.name.endswith(".bin")]
        if len(entries) > self.KEEP:
            entries.sort(key=lambda e: e.stat().st_mtime)
            for e in entries[: len(entries) - self.KEEP]:
                with contextlib.suppress(OSError):
                    os.unlink(e.path)


_PARSE_TAG = f"ameide-locks-2-py{sys.version_info[0]}.{sys.version_info[1]}"


def load_all() -> list[Any]:
    from ameide.ecosystems import buf, go, pnpm, uv

    return [go, pnpm, uv, buf]  # buf last: it links generated code to the others' targets
