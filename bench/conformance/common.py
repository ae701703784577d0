"""Shared plumbing for the conformance harness: processes, checkouts, changed files, caches.

Nothing here knows an ecosystem's rules. Each ``native_*`` module computes its reference with
the ecosystem's own tool and returns ``{target id: reason}``; this module gives them clean
checkouts of the repository at the case's commit and at its first parent, the list of changed
files (``git diff --no-renames`` between the two commits, as ameide sees it) and a JSON cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHECKOUT = Path(__file__).resolve().parents[2]  # this ameide checkout
# where the session's `fetch` puts repository mirrors (AMEIDE_CONFORMANCE_MIRRORS overrides)
MIRRORS = Path(os.environ.get("AMEIDE_CONFORMANCE_MIRRORS", "/work/.mirror"))
TOOLS_BIN = CHECKOUT / ".tools" / "bin"


class HarnessError(RuntimeError):
    """The harness itself (not ameide) could not do its work for a case."""


@dataclass
class Proc:
    rc: int
    out: str
    err: str
    seconds: float


def run(
    cmd: Sequence[str],
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 1800,
    check: bool = False,
    stdin: str | None = None,
) -> Proc:
    """Run a command, capture text output, time it. ``env`` is added to os.environ."""
    full_env = dict(os.environ)
    full_env["PATH"] = f"{TOOLS_BIN}:{full_env.get('PATH', '')}"
    if env:
        full_env.update(env)
    t0 = time.perf_counter()
    p = subprocess.run(
        list(cmd),
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
        errors="replace",
    )
    proc = Proc(p.returncode, p.stdout, p.stderr, time.perf_counter() - t0)
    if check and p.returncode != 0:
        raise HarnessError(
            f"{' '.join(cmd)} (in {cwd}) exited {p.returncode}: {p.stderr.strip()[-2000:]}"
        )
    return proc


def git(repo: Path | str, *args: str, check: bool = True) -> str:
    return run(["git", "-C", str(repo), *args], check=check).out


def mirror_dir(github: str) -> Path:
    """The local git dir of a case's repository: a fetched mirror for `owner/name`, or the
    repository itself for an absolute path (the fixture repositories of tests/conformance)."""
    if github.startswith("/"):
        return Path(github)
    return MIRRORS / github.replace("/", "+") / "repo"


@dataclass
class Changed:
    status: str  # A, M, D, T
    path: str


@dataclass
class CaseContext:
    """Everything a native module needs for one case."""

    repo: str  # short name from cases.toml
    github: str
    root: str  # monorepo root inside the repository ("." usually)
    sha: str
    base: str
    head_dir: Path  # scratch checkout of the commit (native tools may write here)
    base_dir: Path  # scratch checkout of the parent
    changed: list[Changed]
    cache_dir: Path
    workdir: Path
    ecosystems: list[str]
    # uv workspaces: "root" (the one at ``root``) or "uv.lock" (every directory holding a
    # uv.lock: a repository of standalone uv projects joined by path sources)
    uv_roots: str = "root"
    # files owned by a target of another ecosystem (filled in ecosystem order go, buf, uv, pnpm)
    foreign_owned: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def changed_paths(self) -> list[str]:
        return [c.path for c in self.changed]


def changed_files(mirror: Path, base: str, sha: str) -> list[Changed]:
    out = git(mirror, "diff", "--no-renames", "--name-status", "-z", base, sha)
    parts = out.split("\0")
    res: list[Changed] = []
    i = 0
    while i + 1 < len(parts):
        status, path = parts[i], parts[i + 1]
        i += 2
        if not status:
            break
        res.append(Changed(status[0], path))
    return res


def missing_blobs(clone: Path, sha: str) -> list[str]:
    """Paths at ``sha`` whose blob the snapshot left out (files of 4 MiB and more)."""
    tree = git(clone, "ls-tree", "-r", "-z", "--full-tree", sha)
    entries: list[tuple[str, str]] = []
    for rec in tree.split("\0"):
        if not rec:
            continue
        meta, path = rec.split("\t", 1)
        _mode, typ, obj = meta.split()
        if typ == "blob":
            entries.append((obj, path))
    if not entries:
        return []
    p = run(
        ["git", "-C", str(clone), "cat-file", "--batch-check=%(objectname) %(objecttype)"],
        stdin="".join(f"{obj}\n" for obj, _ in entries),
        check=True,
    )
    missing_ids = {ln.split()[0] for ln in p.out.splitlines() if ln.endswith(" missing")}
    return sorted(path for obj, path in entries if obj in missing_ids)


def checkout(github: str, dest: Path, sha: str) -> list[str]:
    """A clean checkout of ``sha`` at ``dest`` (``git clone --shared`` from the mirror).

    Blobs the snapshot lacks are left out of the work tree with a non-cone sparse checkout
    (skip-worktree), so ``git status`` stays clean. Returns those paths.
    """
    mirror = mirror_dir(github)
    if not (dest / ".git").exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        run(["git", "clone", "-q", "--shared", "--no-checkout", str(mirror), str(dest)], check=True)
    current = run(["git", "-C", str(dest), "rev-parse", "-q", "--verify", "HEAD"]).out.strip()
    missing = missing_blobs(dest, sha)
    marker = dest / ".git" / "conformance-sparse"
    want_sparse = "\n".join(missing)
    have_sparse = marker.read_text() if marker.exists() else ""
    if current == sha and want_sparse == have_sparse:
        status = git(dest, "status", "--porcelain", "--untracked-files=all", "--ignored=no")
        if not status.strip():
            return missing
    if missing:
        patterns = ["/*", *(f"!/{p}" for p in missing)]
        git(dest, "sparse-checkout", "set", "--no-cone", *patterns)
    elif have_sparse:
        git(dest, "sparse-checkout", "disable")
    marker.write_text(want_sparse)
    git(dest, "checkout", "-q", "-f", "--detach", sha)
    git(dest, "reset", "-q", "--hard", sha)
    git(dest, "clean", "-q", "-ffdx")
    return missing


class Cache:
    """JSON results per key under ``<workdir>/cache/<repo>/``."""

    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.root = root
        self.enabled = enabled

    def _path(self, key: str) -> Path:
        digest = hashlib.sha1(key.encode()).hexdigest()[:16]
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in key)[:80]
        return self.root / f"{safe}-{digest}.json"

    def get(self, key: str) -> Any:
        if not self.enabled:
            return None
        p = self._path(key)
        if p.exists():
            try:
                return json.loads(p.read_text())
            except ValueError:
                return None
        return None

    def put(self, key: str, value: Any) -> None:
        p = self._path(key)
        p.parent.mkdir(parents=True, exist_ok=True)
        tmp = p.with_suffix(".tmp")
        tmp.write_text(json.dumps(value, sort_keys=True))
        tmp.replace(p)


def rel(path: str | Path, root: Path) -> str:
    """``path`` relative to ``root`` with forward slashes; '.' for the root itself."""
    r = os.path.relpath(Path(path), root)
    return "." if r == "." else r.replace(os.sep, "/")


def under(path: str, d: str) -> bool:
    """Is repo-relative ``path`` inside repo-relative directory ``d``?"""
    return d == "." or path == d or path.startswith(d.rstrip("/") + "/")


def deepest_dir(path: str, dirs: Sequence[str]) -> str | None:
    """The deepest of ``dirs`` (repo-relative, '.' = root) that contains ``path``."""
    best: str | None = None
    best_depth = -1
    for d in dirs:
        if not under(path, d) or path == d:
            continue
        depth = 0 if d == "." else d.count("/") + 1
        if depth > best_depth:
            best, best_depth = d, depth
    return best
