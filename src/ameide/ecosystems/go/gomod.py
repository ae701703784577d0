"""go.mod and go.work: the directives ameide reads, and which module versions a main module
selects (minimal version selection over the repository's own go.mod files).

Planning needs no module cache and no network, so selection only sees the requirements
written in this repository: for a main module, its own go.mod plus those of the in-repo
modules it reaches through a local `replace` (or the workspace's `use` modules). External
modules' own requirements are unknown; a version that this selection calls changed may in
truth be masked by a higher external requirement, never the reverse, so the answer errs on
the side of testing.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

_VERB = re.compile(r"([A-Za-z]+)(?=[\s(])")
# directives whose change alters how every package of the module builds
MODULE_WIDE = ("module", "go", "toolchain", "godebug", "ignore")


def unquote(s: str) -> str:
    s = s.strip()
    if len(s) >= 2 and s[0] in '"`' and s[-1] == s[0]:
        return s[1:-1]
    return s


def parse_mod(text: str) -> dict[str, Any]:
    """The directives of a go.mod / go.work (block and single-line forms)."""
    facts: dict[str, Any] = {
        "module": None,
        "go": None,
        "toolchain": None,
        "godebug": [],
        "use": [],
        "require": {},
        "replace": {},  # old path -> local directory (the in-repo links)
        "replaces": [],  # every replacement: [old, old version or "", new, new version or ""]
        "exclude": [],
        "ignore": [],
    }
    block: str | None = None
    opened = 0
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw).strip()
        if not line:
            continue
        if block is not None:
            if line == ")":
                block = None
                continue
            _directive(facts, block, line)
            continue
        m = _VERB.match(line)
        verb, rest = (m.group(1), line[m.end() :].strip()) if m else (line, "")
        if rest == "(":
            block, opened = verb, lineno
            continue
        _directive(facts, verb, rest)
    if block is not None:
        facts["error"] = f"line {opened}: '{block} (' block is never closed"
    return facts


def _strip_comment(line: str) -> str:
    """The line before a `//` comment that is not inside a quoted string."""
    i, quote = 0, ""
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 1
            elif c == quote:
                quote = ""
        elif c in '"`':
            quote = c
        elif line.startswith("//", i):
            return line[:i]
        i += 1
    return line


def _directive(facts: dict[str, Any], verb: str, rest: str) -> None:
    words = [unquote(w) for w in rest.split()]
    if verb == "module":
        facts["module"] = unquote(rest)
    elif verb == "go":
        facts["go"] = rest
    elif verb == "toolchain":
        facts["toolchain"] = rest
    elif verb == "godebug":
        facts["godebug"].append(" ".join(words))
    elif verb == "use":
        facts["use"].append(unquote(rest))
    elif verb == "ignore":
        facts["ignore"].append(unquote(rest))
    elif verb == "require" and len(words) >= 2:
        facts["require"][words[0]] = words[1]
    elif verb == "exclude" and len(words) >= 2:
        facts["exclude"].append(f"{words[0]} {words[1]}")
    elif verb == "replace" and "=>" in rest:
        old, new = (p.split() for p in rest.split("=>", 1))
        if not old or not new:
            return
        o, ov = unquote(old[0]), unquote(old[1]) if len(old) > 1 else ""
        n, nv = unquote(new[0]), unquote(new[1]) if len(new) > 1 else ""
        facts["replaces"].append([o, ov, n, nv])
        if n.startswith((".", "/")):
            facts["replace"][o] = n


# --- semantic versions ------------------------------------------------------------------------

_SEMVER = re.compile(r"v(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?")


def _key(v: str) -> tuple[Any, ...]:
    m = _SEMVER.fullmatch(v)
    if not m:
        return (-1, v)
    major, minor, patch, pre = m.groups()
    nums = (int(major), int(minor or 0), int(patch or 0))
    if pre is None:
        return (*nums, 1, ())
    ids = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (*nums, 0, ids)


def max_version(versions: list[str]) -> str | None:
    return max(versions, key=_key) if versions else None


# --- selection ---------------------------------------------------------------------------------


# (module path -> local module dir, module path -> replacements [old version, new, new
# version], module path -> the versions the reached go.mod files require)
_Context = tuple[dict[str, str], dict[str, list[list[str]]], dict[str, list[str]]]


class Modules:
    """The repository's Go modules on one side of a change: module dir -> go.mod facts, the
    go.work files (dir -> facts), and what each main module selects. A module's workspace is
    the nearest go.work at or above it that `use`s it, as the go command finds it."""

    def __init__(
        self, mods: dict[str, dict[str, Any]], works: dict[str, dict[str, Any]] | None = None
    ) -> None:
        self.mods = mods
        self.works = dict(works or {})
        self.by_path = {f["module"]: d for d, f in mods.items() if f.get("module")}
        self.uses = {
            w: {_norm_join(w, _norm(u)) for u in f.get("use", [])} for w, f in self.works.items()
        }
        self.governed = {d: w for d in mods if (w := governing(d, self.uses)) is not None}
        self._ctx: dict[str, _Context] = {}

    def required(self) -> set[str]:
        """Every module path some go.mod of the repository requires."""
        return {p for f in self.mods.values() for p in f.get("require", {})}

    def mains(self, d: str) -> list[str]:
        """The main modules a build of module `d` uses: its workspace's, or `d` alone."""
        w = self.governed.get(d)
        if w is not None:
            return sorted(m for m in self.uses[w] if m in self.mods)
        return [d]

    def _context(self, d: str) -> _Context:
        """For module `d`'s build: (module path -> local module dir, module path -> the
        replacements in force [old version, new, new version], module path -> the versions
        the reached go.mod files require). Memoised per workspace (or lone module)."""
        w = self.governed.get(d)
        key = f"w:{w}" if w is not None else f"m:{d}"
        got = self._ctx.get(key)
        if got is not None:
            return got
        mains = self.mains(d)
        # go.work's replaces first, then the main modules' own (a dependency's do not apply)
        reps: list[tuple[str, list[str]]] = []
        if w is not None:
            reps += [(w, r) for r in self.works[w].get("replaces", [])]
        for m in mains:
            reps += [(m, r) for r in (self.mods.get(m) or {}).get("replaces", [])]
        local: dict[str, str] = {}
        replaced: dict[str, list[list[str]]] = {}
        for where, (old, over, new, nver) in reps:
            if new.startswith((".", "/")):
                local.setdefault(old, _norm_join(where, new))
            replaced.setdefault(old, []).append([over, new, nver])
        if w is not None:
            for path, md in self.by_path.items():
                if md in self.uses[w]:
                    local.setdefault(path, md)
        reached = list(mains)
        seen = set(reached)
        versions: dict[str, list[str]] = {}
        i = 0
        while i < len(reached):
            f = self.mods.get(reached[i]) or {}
            i += 1
            for path, ver in f.get("require", {}).items():
                versions.setdefault(path, []).append(ver)
                nxt = local.get(path)
                if nxt is not None and nxt in self.mods and nxt not in seen:
                    seen.add(nxt)
                    reached.append(nxt)
        got = self._ctx[key] = (local, replaced, versions)
        return got

    def effective(self, d: str, module: str) -> str | None:
        """What module `d`'s build uses for `module`: `dir:<d>` (in repo), `=><target>`
        (replaced), a version, or None (not required)."""
        local, replaced, versions = self._context(d)
        if module in local:
            return f"dir:{local[module]}"
        chosen = max_version(versions.get(module, []))
        for over, new, nver in replaced.get(module, ()):
            if not over or over == chosen:
                return f"=>{new}@{nver}" if nver else f"=>{new}"
        return chosen


def governing(d: str, uses: dict[str, set[str]]) -> str | None:
    """The go.work dir that governs module dir `d`: the nearest at or above it using it."""
    cur = d
    while True:
        if cur in uses and d in uses[cur]:
            return cur
        if cur == ".":
            return None
        cur = cur.rpartition("/")[0] or "."


def _norm(p: str) -> str:
    p = p.strip().rstrip("/")
    while p.startswith("./"):
        p = p[2:]
    return p or "."


def _norm_join(base: str, rel: str) -> str:
    import posixpath

    if rel.startswith("/"):
        return rel
    joined = posixpath.normpath(posixpath.join(base, rel))
    return "." if joined in ("", ".") else joined


def changed_keys(before: dict[str, Any], after: dict[str, Any]) -> tuple[list[str], set[str]]:
    """(module-wide changes in words, module paths whose require/replace/exclude changed)."""
    wide = []
    for key in MODULE_WIDE:
        if before.get(key) != after.get(key):
            wide.append(f"{key} {_show(before.get(key))} -> {_show(after.get(key))}")
    paths: set[str] = set()
    rb, ra = before.get("require", {}), after.get("require", {})
    paths |= {p for p in set(rb) | set(ra) if rb.get(p) != ra.get(p)}
    for key in ("replaces", "exclude"):
        b = {tuple(x) if isinstance(x, list) else (x,) for x in before.get(key, [])}
        a = {tuple(x) if isinstance(x, list) else (x,) for x in after.get(key, [])}
        paths |= {str(x[0]).split()[0] for x in b ^ a}
    return wide, paths


def _show(v: Any) -> str:
    if v in (None, [], ""):
        return "(none)"
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    return str(v)
