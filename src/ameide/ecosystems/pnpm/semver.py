"""npm semver ranges, as far as pnpm needs them to link workspace packages
(`resolveWorkspaceRange`: `*`, `^`, `~` take the highest version; otherwise the highest
version satisfying the range, prereleases only when a comparator names the same
major.minor.patch with a prerelease)."""

from __future__ import annotations

import re

_VER = re.compile(r"^\s*[v=]*\s*(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?\s*$")
_PARTIAL = re.compile(
    r"^[v=]*(\*|x|X|\d+)(?:\.(\*|x|X|\d+))?(?:\.(\*|x|X|\d+))?(?:-([0-9A-Za-z.-]+))?"
)
_OP = re.compile(r"^(<=|>=|<|>|=|\^|~>?|)\s*")

Version = tuple[int, int, int, tuple[tuple[int, int, str], ...]]


def parse_version(text: str) -> Version | None:
    m = _VER.match(text)
    if not m:
        return None
    pre = m.group(4)
    ids = (
        tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".")) if pre else ()
    )
    return (int(m.group(1)), int(m.group(2)), int(m.group(3)), ids)


def _cmp(a: Version, b: Version) -> int:
    if a[:3] != b[:3]:
        return -1 if a[:3] < b[:3] else 1
    if a[3] == b[3]:
        return 0
    if not a[3]:
        return 1
    if not b[3]:
        return -1
    return -1 if a[3] < b[3] else 1


Comparator = tuple[str, Version]


def _desugar(op: str, part: str) -> list[Comparator] | None:
    """One `op` + partial version -> plain comparators (None: matches anything)."""
    m = _PARTIAL.match(part)
    if not m:
        raise ValueError(part)
    raw = [m.group(1), m.group(2), m.group(3)]
    pre = m.group(4)
    nums: list[int | None] = [None if x in (None, "*", "x", "X") else int(x) for x in raw]
    ids = (
        tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split(".")) if pre else ()
    )
    major, minor, patch = nums
    if major is None:
        return None if op in ("", "=", ">=", "^", "~", "~>") else [("<", (0, 0, 0, ()))]
    lo: Version = (major, minor or 0, patch or 0, ids)
    if op in ("^",):
        if major > 0 or minor is None:
            hi: Version = (major + 1, 0, 0, ((0, 0, ""),))
        elif minor > 0 or patch is None:
            hi = (0, minor + 1, 0, ((0, 0, ""),))
        else:
            hi = (0, 0, patch + 1, ((0, 0, ""),))
        return [(">=", lo), ("<", hi)]
    if op in ("~", "~>"):
        hi = (
            (major + 1, 0, 0, ((0, 0, ""),))
            if minor is None
            else (major, minor + 1, 0, ((0, 0, ""),))
        )
        return [(">=", lo), ("<", hi)]
    if minor is None or patch is None:  # an x-range
        hi = (
            (major + 1, 0, 0, ((0, 0, ""),))
            if minor is None
            else (major, minor + 1, 0, ((0, 0, ""),))
        )
        if op in ("", "="):
            return [(">=", lo), ("<", hi)]
        if op == ">":
            return [(">=", hi)]
        if op == "<=":
            return [("<", hi)]
        return [(op, lo)]
    return [(op or "=", lo)]


def parse_range(text: str) -> list[list[Comparator] | None]:
    """`a || b` -> comparator sets (None in the list: a set matching everything)."""
    sets: list[list[Comparator] | None] = []
    for alt in text.split("||"):
        alt = alt.strip()
        hyphen = re.match(r"^(\S+)\s+-\s+(\S+)$", alt)
        if hyphen:
            lo = _desugar(">=", hyphen.group(1)) or []
            hi = _desugar("<=", hyphen.group(2)) or []
            sets.append(lo + hi or None)
            continue
        comps: list[Comparator] = []
        anything = True
        rest = alt
        while rest:
            m = _OP.match(rest)
            op = m.group(1) if m else ""
            rest = rest[m.end() :] if m else rest
            tok, _, rest = rest.partition(" ")
            rest = rest.strip()
            if not tok:
                continue
            got = _desugar(op, tok)
            if got is not None:
                comps += got
                anything = False
        sets.append(None if anything else comps)
    return sets


def satisfies(v: Version, sets: list[list[Comparator] | None]) -> bool:
    for comps in sets:
        if comps is None:
            if not v[3]:
                return True
            continue
        ok = True
        for op, c in comps:
            r = _cmp(v, c)
            if not {
                "<": r < 0,
                "<=": r <= 0,
                ">": r > 0,
                ">=": r >= 0,
                "=": r == 0,
            }[op]:
                ok = False
                break
        # a prerelease only satisfies a set with a prerelease comparator on its own tuple
        if ok and v[3] and not any(c[3] and c[:3] == v[:3] for _, c in comps):
            ok = False
        if ok:
            return True
    return False


def max_satisfying(versions: list[str], spec: str) -> str | None:
    """pnpm's resolveWorkspaceRange: the highest version of `versions` the range takes."""
    parsed = [(v, p) for v in versions if (p := parse_version(v)) is not None]
    if spec in ("*", "^", "~"):
        best = None
        for v, p in parsed:
            if best is None or _cmp(p, best[1]) > 0:
                best = (v, p)
        return best[0] if best else None
    try:
        sets = parse_range(spec)
    except ValueError:
        return None
    best = None
    for v, p in parsed:
        if satisfies(p, sets) and (best is None or _cmp(p, best[1]) > 0):
            best = (v, p)
    return best[0] if best else None


def is_range(spec: str) -> bool:
    """Does npm read `spec` as a version or range (not a tag, URL, path or protocol)?"""
    s = spec.strip()
    if not s or s in ("*", "x", "X"):
        return True
    if ":" in s or "/" in s:
        return False
    try:
        parse_range(s)
    except ValueError:
        return False
    return bool(re.match(r"^[\s<>=~^v\d*xX|.-]", s)) and not re.match(r"^[A-Za-z]", s.lstrip("v"))
