"""uv reference: ``uv tree --frozen --invert --package <member>`` over the workspace (uv 0.9.26).

Members and their directories come from uv itself (``uv workspace metadata``, a preview command
in 0.9.26). A changed file belongs to the member whose directory is the deepest containing it;
the workspace root member (a root ``pyproject.toml`` with ``[project]``) owns the files no other
member owns — unless a Go package, pnpm project or buf module owns them — and a virtual root
(no ``[project]``) owns nothing. Affected = those owners + their dependents, read from
``uv tree --frozen --universal --invert --no-dedupe --all-groups --package <owner>`` on the head
lock (``--universal`` so a platform marker does not hide an edge).

Deviation (closure rule): ``uv.lock`` is no member's file. The members whose locked closure
changed are affected: ``uv export --frozen --package <m> --all-extras --all-groups --no-hashes
--no-annotate --no-header`` at base and head, compared line by line (so a marker-only change
counts, and so does a workspace member's requirement change seen through an editable line).
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

from common import CaseContext, HarnessError, deepest_dir, rel, run, under


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def uv_env(ctx: CaseContext) -> dict[str, str]:
    return {
        "UV_OFFLINE": "1",
        "UV_NO_PROGRESS": "1",
        "UV_PYTHON_DOWNLOADS": "never",
        "UV_CACHE_DIR": str(ctx.workdir / "uvcache"),
        "NO_COLOR": "1",
        "UV_PREVIEW_FEATURES": "workspace-metadata",
    }


def members(ctx: CaseContext, co: Path) -> tuple[dict[str, str], bool, float]:
    """({normalized name: repo-relative dir}, root is a member, seconds)."""
    ws = co / ctx.root
    p = run(["uv", "workspace", "metadata"], cwd=ws, env=uv_env(ctx))
    if p.rc != 0:
        raise HarnessError(f"uv workspace metadata in {ws}: {p.err.strip()[-600:]}")
    data = json.loads(p.out)
    res = {_norm(m["name"]): rel(m["path"], co) for m in data.get("members", [])}
    try:
        root_py = tomllib.loads((ws / "pyproject.toml").read_text())
    except (OSError, ValueError):
        root_py = {}
    return res, "project" in root_py, p.seconds


TREE_NAME = re.compile(r"^[\s│├└─]*([A-Za-z0-9][A-Za-z0-9._-]*)")


def dependents(ctx: CaseContext, member: str, names: set[str]) -> tuple[set[str], float]:
    p = run(
        [
            "uv",
            "tree",
            "--frozen",
            "--universal",
            "--invert",
            "--no-dedupe",
            "--all-groups",
            "--package",
            member,
        ],
        cwd=ctx.head_dir / ctx.root,
        env=uv_env(ctx),
    )
    if p.rc != 0:
        raise HarnessError(f"uv tree --invert --package {member}: {p.err.strip()[-600:]}")
    found: set[str] = set()
    for ln in p.out.splitlines():
        m = TREE_NAME.match(ln)
        if m and _norm(m.group(1)) in names:
            found.add(_norm(m.group(1)))
    return found - {member}, p.seconds


def export(ctx: CaseContext, co: Path, member: str) -> tuple[set[str] | None, float]:
    p = run(
        [
            "uv",
            "export",
            "--frozen",
            "--package",
            member,
            "--all-extras",
            "--all-groups",
            "--no-hashes",
            "--no-annotate",
            "--no-header",
        ],
        cwd=co / ctx.root,
        env=uv_env(ctx),
    )
    if p.rc != 0:
        return None, p.seconds
    lines = {ln.strip() for ln in p.out.splitlines() if ln.strip() and not ln.startswith("#")}
    return lines, p.seconds


def native(ctx: CaseContext) -> dict[str, Any]:
    head_m, root_member, secs = members(ctx, ctx.head_dir)
    base_m, _, s2 = members(ctx, ctx.base_dir)
    secs += s2
    dirs = {d: n for n, d in head_m.items()}
    ws_dir = ctx.root
    lock = "uv.lock" if ws_dir == "." else f"{ws_dir}/uv.lock"
    seeds: dict[str, str] = {}
    notes: list[str] = []
    for path in ctx.changed_paths:
        if path == lock or not under(path, ws_dir):
            continue
        d = deepest_dir(path, list(dirs))
        if d is None:
            continue
        if d == ws_dir and not root_member:
            continue
        if d == ws_dir and path in ctx.foreign_owned:
            notes.append(f"{path}: owned by {ctx.foreign_owned[path]}, not the root member")
            continue
        seeds.setdefault(dirs[d], f"owns changed {path}")
    if lock in ctx.changed_paths:
        changed_members = []
        for name in sorted(head_m):
            h, s3 = export(ctx, ctx.head_dir, name)
            b, s4 = export(ctx, ctx.base_dir, name) if name in base_m else (None, 0.0)
            secs += s3 + s4
            if h is None:
                notes.append(f"uv export --package {name} failed at head")
                continue
            if b != h:
                added = sorted(h - (b or set()))[:2]
                removed = sorted((b or set()) - h)[:2]
                what = [f"+{x}" for x in added] + [f"-{x}" for x in removed]
                seeds.setdefault(name, f"uv.lock closure changed: {', '.join(what)}")
                changed_members.append(name)
        if not changed_members:
            notes.append("uv.lock changed, no member's locked closure changed")
    res = dict(seeds)
    names = set(head_m)
    for name in sorted(seeds):
        deps, s5 = dependents(ctx, name, names)
        secs += s5
        for dep in sorted(deps):
            res.setdefault(dep, f"depends on {name} (uv tree --invert)")
    owned: dict[str, str] = {}
    for path in ctx.changed_paths:
        d = deepest_dir(path, list(dirs))
        if d is not None and d != ws_dir:
            owned[path] = f"uv:{dirs[d]}"
    return {
        "ids": {f"uv:{k}": v for k, v in res.items()},
        "notes": notes,
        "seconds": secs,
        "targets": len(head_m),
        "owned": owned,
    }
