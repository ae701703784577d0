"""pnpm-lock.yaml read line by line (lockfile v6 and v9, one or more YAML documents), for the
closure rule: which importers' resolved dependency closure differs between two lockfiles,
and what changed in words (`nanoid 3.3.16 -> 3.3.18 under postcss`).

A general YAML parser spends seconds on a lockfile of a few megabytes; pnpm writes a fixed
layout (two-space indents, one key per line), so a line reader gets the importers, the
snapshot graph and a digest of every entry in a few tens of milliseconds. Anything it does
not recognise makes it give up (None), and the caller falls back to the YAML reader.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

_DEP_FIELDS = ("dependencies", "devDependencies", "optionalDependencies")
_SNAP_FIELDS = ("dependencies", "optionalDependencies")


def _unq(s: str) -> str:
    s = s.strip()
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1].replace("''", "'") if s[0] == "'" else s[1:-1]
    return s


def _key_value(line: str) -> tuple[str, str]:
    """`'@a/b@1.0.0': x` -> ('@a/b@1.0.0', 'x'); quoted keys may hold ': '."""
    s = line.strip()
    if s[:1] in ("'", '"'):
        q = s[0]
        i = 1
        while i < len(s):
            if s[i] == q:
                if q == "'" and s[i + 1 : i + 2] == "'":
                    i += 2
                    continue
                break
            i += 1
        key = _unq(s[: i + 1])
        rest = s[i + 1 :].lstrip()
        return key, rest[1:].strip() if rest.startswith(":") else rest
    k, _, v = s.partition(":")
    return k.strip(), v.strip()


def dep_key(name: str, version: str) -> str | None:
    """The snapshot key a dependency resolves to; None for a workspace link."""
    v = _unq(version)
    if v.startswith("link:"):
        return None
    base = v.split("(", 1)[0]
    if "@" in base[1:]:  # an alias: `string-width-cjs: string-width@4.2.3`
        return v.lstrip("/")
    return f"{name}@{v}"


def parse(data: bytes) -> dict[str, Any] | None:
    """{"importers": {path: [digest, [snapshot key, ...]]}, "snapshots": {key: [digest,
    [snapshot key, ...]]}} (workspace links left out) or None when the layout is not the one
    pnpm writes."""
    text = data.decode("utf-8", "replace")
    importers: dict[str, list[Any]] = {}
    snapshots: dict[str, list[Any]] = {}
    packages: dict[str, str] = {}
    section = ""
    entry: str | None = None
    field = ""
    lines: list[str] = []
    deps: list[tuple[str, str]] = []
    pending_dep: str | None = None  # importer dep name awaiting its `version:` line
    version = ""

    def close() -> None:
        if entry is None:
            return
        keys = sorted({k for n, v in deps if (k := dep_key(n, v)) is not None})
        digest = hashlib.sha1("\n".join(lines).encode(), usedforsecurity=False).hexdigest()[:16]
        if section == "importers":
            prev = importers.get(entry)
            if prev is not None:  # an importer in several documents (pnpm's own env doc)
                mixed = (prev[0] + digest).encode()
                digest = hashlib.sha1(mixed, usedforsecurity=False).hexdigest()[:16]
                keys = sorted(set(keys) | set(prev[1]))
            importers[entry] = [digest, keys]
        elif section == "snapshots":
            snapshots[entry] = [digest, keys]
        elif section == "packages":
            packages[entry] = digest
            if version.startswith("6"):  # v6: the graph lives in `packages`
                snapshots[entry] = [digest, keys]

    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if raw == "---":
            close()
            entry, section = None, ""
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        if indent == 0:
            close()
            entry = None
            key, value = _key_value(raw)
            section = key
            if key == "lockfileVersion":
                version = _unq(value)
            continue
        if section not in ("importers", "snapshots", "packages"):
            continue
        if indent == 2:
            close()
            key, value = _key_value(raw)
            entry = key.lstrip("/") if section != "importers" else key
            lines, deps, field, pending_dep = [value] if value else [], [], "", None
            continue
        if entry is None:
            return None
        lines.append(raw.strip())
        if indent == 4:
            key, value = _key_value(raw)
            field = key
            continue
        if section == "importers":
            if field not in _DEP_FIELDS:
                continue
            if indent == 6:
                key, value = _key_value(raw)
                pending_dep = key
                if value and not value.startswith("{"):  # v5-style `name: version`
                    deps.append((key, value))
                elif value.startswith("{"):
                    for part in value.strip("{} ").split(","):
                        k, _, v = part.partition(":")
                        if k.strip() == "version":
                            deps.append((key, v.strip()))
            elif indent == 8 and pending_dep is not None:
                key, value = _key_value(raw)
                if key == "version":
                    deps.append((pending_dep, value))
        elif field in _SNAP_FIELDS and indent == 6:
            key, value = _key_value(raw)
            deps.append((key, value))
    close()
    if not version or not (version.startswith("9") or version.startswith("6")):
        return None
    if version.startswith("9"):  # a snapshot's digest covers its package entry too
        for key, snap in snapshots.items():
            pkg = packages.get(key.split("(", 1)[0])
            if pkg is not None:
                mixed = (snap[0] + pkg).encode()
                snap[0] = hashlib.sha1(mixed, usedforsecurity=False).hexdigest()[:16]
    return {"importers": importers, "snapshots": snapshots}


def closure(lock: dict[str, Any], importer: str) -> dict[str, str]:
    """Snapshot key -> digest for everything an importer resolves to."""
    snaps = lock["snapshots"]
    seen: dict[str, str] = {}
    entry = lock["importers"].get(importer)
    if entry is None:
        return seen
    stack = list(entry[1])
    while stack:
        key = stack.pop()
        if key in seen:
            continue
        snap = snaps.get(key)
        seen[key] = snap[0] if snap is not None else "<missing>"
        if snap is not None:
            stack.extend(k for k in snap[1] if k not in seen)
    return seen


def _name_version(key: str) -> tuple[str, str]:
    base = key.split("(", 1)[0]
    at = base.rfind("@")
    return (base[:at], key[at + 1 :]) if at > 0 else (base, "")


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, str]:
    """importer -> what changed in its closure, in words, for every importer whose closure
    (or own entry) differs; importers new to the lockfile count as changed.

    One pass, not a closure per importer: the snapshot entries that differ between the two
    lockfiles, then everything that reaches one of them over the new lockfile's edges."""
    sb, sa = before["snapshots"], after["snapshots"]
    diff = {
        k for k in sb.keys() | sa.keys() if (sb.get(k) or [None])[0] != (sa.get(k) or [None])[0]
    }
    rev: dict[str, list[str]] = {}
    for key, (_, deps) in sa.items():
        for d in deps:
            rev.setdefault(d, []).append(key)
    reaching = set(diff)
    stack = list(diff)
    while stack:
        for up in rev.get(stack.pop(), ()):
            if up not in reaching:
                reaching.add(up)
                stack.append(up)
    out: dict[str, str] = {}
    for imp in sorted(after["importers"]):
        a_entry = after["importers"][imp]
        b_entry = before["importers"].get(imp)
        if b_entry is None:
            out[imp] = "new importer"
        elif b_entry[0] != a_entry[0] or any(k in reaching for k in a_entry[1]):
            out[imp] = _describe(before, after, imp, diff)
    return out


def _describe(before: dict[str, Any], after: dict[str, Any], imp: str, diff: set[str]) -> str:
    """The first changed package (breadth-first from the importer, in key order) with its old
    and new versions and the package it sits under."""
    sa = after["snapshots"]
    start = sorted(after["importers"][imp][1])
    parent: dict[str, str | None] = {k: None for k in start}
    queue = list(start)
    hits: list[str] = []
    i = 0
    while i < len(queue):
        key = queue[i]
        i += 1
        if key in diff:
            hits.append(key)
            continue
        for nxt in sorted((sa.get(key) or [None, ()])[1]):
            if nxt not in parent:
                parent[nxt] = key
                queue.append(nxt)
    b_names = {_name_version(k)[0] for k in before["importers"].get(imp, [None, ()])[1]}
    a_names = {_name_version(k)[0] for k in start}
    if not hits:
        gone = sorted(b_names - a_names)
        if gone:
            return f"{gone[0]} removed"
        return "importer entry changed (specifiers)"
    key = hits[0]
    name, version = _name_version(key)
    old = sorted(
        _name_version(k)[1]
        for k in before["snapshots"]
        if k in diff and _name_version(k)[0] == name
    )
    new = sorted(
        _name_version(k)[1] for k in after["snapshots"] if k in diff and _name_version(k)[0] == name
    )
    more = len({_name_version(k)[0] for k in hits}) - 1
    tail = f" (and {more} more)" if more > 0 else ""
    up = parent.get(key)
    where = f" under {_name_version(up)[0]}" if up is not None else ""
    if old == new:
        moved = _dep_changes(before["snapshots"].get(key), sa.get(key))
        if moved:
            return f"{moved} under {name}{tail}"
        return f"{name} {version} entry changed{where}{tail}"
    return f"{name} {', '.join(old) or '(none)'} -> {', '.join(new) or '(none)'}{where}{tail}"


def _dep_changes(b: list[Any] | None, a: list[Any] | None) -> str | None:
    """`dep old -> new` for the first dependency of one entry that changed between versions."""
    if b is None or a is None:
        return None
    old: dict[str, list[str]] = {}
    new: dict[str, list[str]] = {}
    for k in b[1]:
        n, v = _name_version(k)
        old.setdefault(n, []).append(v)
    for k in a[1]:
        n, v = _name_version(k)
        new.setdefault(n, []).append(v)
    names = sorted(n for n in old.keys() | new.keys() if old.get(n) != new.get(n))
    if not names:
        return None
    n = names[0]
    return f"{n} {', '.join(old.get(n, [])) or '(none)'} -> {', '.join(new.get(n, [])) or '(none)'}"
