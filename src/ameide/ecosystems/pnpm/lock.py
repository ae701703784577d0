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
    """{"importers": {path: [digest, [(name, version)...]]}, "snapshots": {key: [digest,
    [(name, version)...]]}} or None when the layout is not the one pnpm writes."""
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
        digest = hashlib.sha1("\n".join(lines).encode(), usedforsecurity=False).hexdigest()[:16]
        if section == "importers":
            prev = importers.get(entry)
            if prev is not None:  # an importer in several documents (pnpm's own env doc)
                mixed = (prev[0] + digest).encode()
                digest = hashlib.sha1(mixed, usedforsecurity=False).hexdigest()[:16]
                deps[:0] = prev[1]
            importers[entry] = [digest, list(deps)]
        elif section == "snapshots":
            snapshots[entry] = [digest, list(deps)]
        elif section == "packages":
            packages[entry] = digest
            if version.startswith("6"):  # v6: the graph lives in `packages`
                snapshots[entry] = [digest, list(deps)]

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
    stack = [k for n, v in entry[1] if (k := dep_key(n, v)) is not None]
    while stack:
        key = stack.pop()
        if key in seen:
            continue
        snap = snaps.get(key)
        seen[key] = snap[0] if snap is not None else "<missing>"
        if snap is not None:
            stack.extend(
                k for n, v in snap[1] if (k := dep_key(n, v)) is not None and k not in seen
            )
    return seen


def _name_version(key: str) -> tuple[str, str]:
    base = key.split("(", 1)[0]
    at = base.rfind("@")
    return (base[:at], key[at + 1 :]) if at > 0 else (base, "")


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, str]:
    """importer -> what changed in its closure, in words, for every importer whose closure
    (or own entry) differs; importers new to the lockfile count as changed."""
    out: dict[str, str] = {}
    for imp in sorted(set(before["importers"]) | set(after["importers"])):
        b_entry = before["importers"].get(imp)
        a_entry = after["importers"].get(imp)
        if a_entry is None:
            continue  # gone from the lockfile: the project is gone too
        cb, ca = closure(before, imp), closure(after, imp)
        if cb == ca and b_entry is not None and b_entry[0] == a_entry[0]:
            continue
        out[imp] = _describe(after, imp, cb, ca, b_entry is None)
    return out


def _describe(
    after: dict[str, Any], imp: str, cb: dict[str, str], ca: dict[str, str], new: bool
) -> str:
    if new:
        return "new importer"
    old: dict[str, set[str]] = {}
    now: dict[str, set[str]] = {}
    for key in cb:
        n, v = _name_version(key)
        old.setdefault(n, set()).add(v)
    for key in ca:
        n, v = _name_version(key)
        now.setdefault(n, set()).add(v)
    changed = sorted(n for n in set(old) | set(now) if old.get(n) != now.get(n))
    if not changed:
        same = sorted(k for k in ca if cb.get(k) != ca[k])
        if same:
            n, v = _name_version(same[0])
            more = f" (and {len(same) - 1} more)" if len(same) > 1 else ""
            return f"{n} {v} entry changed{more}"
        return "importer entry changed (specifiers)"
    name = changed[0]
    was = ", ".join(sorted(old.get(name, ()))) or "(none)"
    is_ = ", ".join(sorted(now.get(name, ()))) or "(none)"
    where = _parent_of(after, imp, name, ca)
    more = f" (and {len(changed) - 1} more)" if len(changed) > 1 else ""
    return f"{name} {was} -> {is_}{where}{more}"


def _parent_of(lock: dict[str, Any], imp: str, name: str, ca: dict[str, str]) -> str:
    entry = lock["importers"].get(imp)
    if entry is not None and any(n == name for n, _ in entry[1]):
        return ""
    for key in sorted(ca):
        snap = lock["snapshots"].get(key)
        if snap is not None and any(n == name for n, _ in snap[1]):
            return f" under {_name_version(key)[0]}"
    return ""
