"""uv.lock read as blocks, for the closure rule: which members' locked dependency closure
differs between two lockfiles (markers included), and what changed in words.

A lockfile is a run of `[[package]]` tables, each followed by its sub-tables
(`[package.optional-dependencies]`, `[package.metadata]`, ...). Each package's block is
hashed as text, so any change to it — a version, a hash, a marker on one of its
dependencies, a member's declared requirements — changes its digest; only the dependency
names (and versions where a name is locked twice) are read, with a regex, to walk closures.
This is a small fraction of a full TOML parse of a lockfile of megabytes.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

_NAME = re.compile(r'^name = "([^"]+)"', re.M)
_VERSION = re.compile(r'^version = "([^"]+)"', re.M)
_DEP = re.compile(r'\{ *name = "([^"]+)"(?:, *version = "([^"]+)")?')
# the tables whose entries are dependency edges
_EDGE_TABLES = ("dependencies", "optional-dependencies", "dev-dependencies")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse(data: bytes) -> dict[str, Any]:
    """{"packages": {"name==version": [digest, [(name, version or ""), ...]]}, "versions":
    {name: [versions]}}."""
    text = data.decode("utf-8", "replace")
    blocks = text.split("\n[[package]]\n")
    packages: dict[str, list[Any]] = {}
    versions: dict[str, list[str]] = {}
    # a virtual root's dependency groups (in the header's [manifest.dependency-groups]): uv
    # installs its default group `dev` with every member (`uv export --package m` lists it)
    workspace_dev: list[str] = []
    header = blocks[0]
    at = header.find("\n[manifest.dependency-groups]\n")
    if at >= 0:
        table = header[at:].split("\n[", 2)[1]
        grab = False
        for line in table.split("\n")[1:]:
            if line.startswith("dev = "):
                grab = True
            elif line and not line.startswith((" ", "]", "\t")):
                grab = False
            if grab:
                workspace_dev += [normalize(n) for n, _ in _DEP.findall(line)]
    for block in blocks[1:]:
        m = _NAME.search(block)
        if m is None:
            continue
        name = normalize(m.group(1))
        v = _VERSION.search(block)
        version = v.group(1) if v else ""
        key = f"{name}=={version}"
        deps: list[tuple[str, str]] = []
        for section in _edge_sections(block):
            deps += [(normalize(n), ver or "") for n, ver in _DEP.findall(section)]
        digest = hashlib.sha1(block.encode(), usedforsecurity=False).hexdigest()[:16]
        packages[key] = [digest, deps]
        versions.setdefault(name, []).append(version)
    return {"packages": packages, "versions": versions, "workspace_dev": sorted(set(workspace_dev))}


def _edge_sections(block: str) -> list[str]:
    """The text of the dependency arrays and tables of one package block."""
    out: list[str] = []
    table = ""  # the [package.<table>] we are in ("" = the [[package]] table itself)
    grab = False
    for line in block.split("\n"):
        if line.startswith("[package."):
            table = line.strip()[len("[package.") : -1]
            grab = table in _EDGE_TABLES[1:]
            continue
        if not table:
            if line.startswith("dependencies = "):
                grab = True
            elif line and not line.startswith((" ", "]", "\t")):
                grab = False
        if grab:
            out.append(line)
    return out


def closure(lock: dict[str, Any], name: str) -> dict[str, str]:
    """package key -> digest for a member and everything it locks (all extras and groups)."""
    pkgs, versions = lock["packages"], lock["versions"]
    seen: dict[str, str] = {}
    stack = [f"{name}=={v}" for v in versions.get(name, ())]
    for dev in lock.get("workspace_dev", ()):
        stack += [f"{dev}=={v}" for v in versions.get(dev, ())]
    while stack:
        key = stack.pop()
        if key in seen or key not in pkgs:
            continue
        digest, deps = pkgs[key]
        seen[key] = digest
        for n, v in deps:
            if v:
                stack.append(f"{n}=={v}")
            else:
                stack.extend(f"{n}=={x}" for x in versions.get(n, ()))
    return seen


def changes(before: dict[str, Any], after: dict[str, Any], members: list[str]) -> dict[str, str]:
    """member -> what changed in its closure, in words, for members whose closure changed."""
    out: dict[str, str] = {}
    for m in members:
        cb, ca = closure(before, m), closure(after, m)
        if cb == ca:
            continue
        out[m] = _describe(after, m, cb, ca)
    return out


def _split(key: str) -> tuple[str, str]:
    n, _, v = key.partition("==")
    return n, v


def _describe(after: dict[str, Any], member: str, cb: dict[str, str], ca: dict[str, str]) -> str:
    old: dict[str, set[str]] = {}
    now: dict[str, set[str]] = {}
    for k in cb:
        n, v = _split(k)
        old.setdefault(n, set()).add(v)
    for k in ca:
        n, v = _split(k)
        now.setdefault(n, set()).add(v)
    moved = sorted(n for n in set(old) | set(now) if old.get(n) != now.get(n))
    if moved:
        name = moved[0]
        was = ", ".join(sorted(old.get(name, ()))) or "(none)"
        is_ = ", ".join(sorted(now.get(name, ()))) or "(none)"
        more = f" (and {len(moved) - 1} more)" if len(moved) > 1 else ""
        return f"{name} {was} -> {is_}{_parent(after, member, name, ca)}{more}"
    entries = sorted(k for k in ca if cb.get(k) != ca[k])
    n, v = _split(entries[0])
    more = f" (and {len(entries) - 1} more)" if len(entries) > 1 else ""
    what = "locked entry changed (markers, sources or hashes)"
    if n == member:
        return f"{member}'s own {what}{more}"
    return f"{n} {v} {what}{_parent(after, member, n, ca)}{more}"


def _parent(lock: dict[str, Any], member: str, name: str, ca: dict[str, str]) -> str:
    for key in sorted(ca, key=lambda k: (_split(k)[0] != member, k)):
        entry = lock["packages"].get(key)
        if entry is not None and any(n == name for n, _ in entry[1]):
            parent = _split(key)[0]
            return "" if parent == member else f" under {parent}"
    return ""
