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

Several workspaces (``uv_roots = "uv.lock"`` in cases.toml: every directory holding a
``uv.lock`` and a ``pyproject.toml`` is one, as in a repository of standalone projects joined by
``path`` sources): the members of all of them own files as above (the deepest member directory
of any workspace); a project is a dependent of an affected one when ``uv tree --invert`` in
*its own* workspace names it, the affected project being found in that workspace's lock by its
directory (a path/editable source, or membership); this repeats across workspaces until nothing
new is found. Ids: ``uv:<name>``, or ``uv:<name>@<dir>`` when members of several workspaces
share the name. A ``pyproject.toml`` without a ``uv.lock`` (an example, a fixture) is then no
uv project: ``uv tree --frozen`` cannot answer for it.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from common import CaseContext, HarnessError, deepest_dir, rel, run


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


def members(ctx: CaseContext, co: Path, ws_rel: str) -> tuple[dict[str, str], bool, float]:
    """({normalized name: repo-relative dir}, root is a member, seconds) of one workspace."""
    ws = co / ws_rel
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


SKIP = re.compile(r"(^|/)(node_modules|\.venv|\.git|vendor)/")


def workspace_roots(ctx: CaseContext, co: Path) -> list[str]:
    """The uv workspaces compared: ``root``, or every directory holding a ``uv.lock``."""
    if ctx.uv_roots == "root":
        return [ctx.root]
    if ctx.uv_roots != "uv.lock":
        raise HarnessError(f"uv_roots = {ctx.uv_roots!r}: expected 'root' or 'uv.lock'")
    out = run(["git", "-C", str(co), "ls-files", "uv.lock", "*/uv.lock"]).out.splitlines()
    return sorted(
        os.path.dirname(p) or "."
        for p in out
        if not SKIP.search("/" + p)
        and (co / p).is_file()
        and (co / p).with_name("pyproject.toml").is_file()
    )


def lock_sources(co: Path, ws_rel: str) -> dict[str, str]:
    """{normalized name: repo-relative dir} of the lock's local packages (editable, directory,
    virtual, path sources): which project a name in this lock stands for."""
    try:
        data = tomllib.loads((co / ws_rel / "uv.lock").read_text())
    except (OSError, ValueError):
        return {}
    res: dict[str, str] = {}
    for pkg in data.get("package") or []:
        src = pkg.get("source") or {}
        for k in ("editable", "directory", "virtual", "path"):
            if isinstance(src.get(k), str):
                d = os.path.normpath(os.path.join(ws_rel, src[k])).replace(os.sep, "/")
                res[_norm(pkg.get("name", ""))] = d
                break
    return res


TREE_NAME = re.compile(r"^[\s│├└─]*([A-Za-z0-9][A-Za-z0-9._-]*)")


def dependents(
    ctx: CaseContext, member: str, names: set[str], ws_rel: str
) -> tuple[set[str], float]:
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
        cwd=ctx.head_dir / ws_rel,
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


def export(ctx: CaseContext, co: Path, member: str, ws_rel: str) -> tuple[set[str] | None, float]:
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
        cwd=co / ws_rel,
        env=uv_env(ctx),
    )
    if p.rc != 0:
        return None, p.seconds
    lines = {ln.strip() for ln in p.out.splitlines() if ln.strip() and not ln.startswith("#")}
    return lines, p.seconds


def native(ctx: CaseContext) -> dict[str, Any]:
    secs = 0.0
    head_ws: dict[str, dict[str, str]] = {}  # workspace dir -> {name: member dir}
    root_member: dict[str, bool] = {}
    for w in workspace_roots(ctx, ctx.head_dir):
        head_ws[w], root_member[w], s1 = members(ctx, ctx.head_dir, w)
        secs += s1
    base_ws: dict[str, dict[str, str]] = {}
    for w in workspace_roots(ctx, ctx.base_dir):
        base_ws[w], _, s2 = members(ctx, ctx.base_dir, w)
        secs += s2
    # every member of every workspace: dir -> (workspace, name); ids by name, <name>@<dir> when
    # several workspaces have a member of one name
    where: dict[str, tuple[str, str]] = {}
    for w, ms in head_ws.items():
        for n, d in ms.items():
            where.setdefault(d, (w, n))
    count: dict[str, int] = {}
    for _, n in where.values():
        count[n] = count.get(n, 0) + 1

    def tid(d: str) -> str:
        n = where[d][1]
        return f"uv:{n}" if count[n] == 1 else f"uv:{n}@{d}"

    dirs = list(where)
    locks = {("uv.lock" if w == "." else f"{w}/uv.lock"): w for w in head_ws}
    seeds: dict[str, str] = {}  # member dir -> why
    notes: list[str] = []
    for path in ctx.changed_paths:
        if path in locks:
            continue
        d = deepest_dir(path, dirs)
        if d is None:
            continue
        w = where[d][0]
        if d == w and not root_member[w]:
            continue
        if d == w and path in ctx.foreign_owned:
            notes.append(f"{path}: owned by {ctx.foreign_owned[path]}, not the root member")
            continue
        seeds.setdefault(d, f"owns changed {path}")
    for lock, w in sorted(locks.items()):
        if lock not in ctx.changed_paths:
            continue
        changed_members = []
        for name in sorted(head_ws[w]):
            h, s3 = export(ctx, ctx.head_dir, name, w)
            in_base = name in base_ws.get(w, {})
            b, s4 = export(ctx, ctx.base_dir, name, w) if in_base else (None, 0.0)
            secs += s3 + s4
            if h is None:
                notes.append(f"uv export --package {name} failed at head ({w})")
                continue
            if b != h:
                added = sorted(h - (b or set()))[:2]
                removed = sorted((b or set()) - h)[:2]
                what = [f"+{x}" for x in added] + [f"-{x}" for x in removed]
                seeds.setdefault(head_ws[w][name], f"{lock} closure changed: {', '.join(what)}")
                changed_members.append(name)
        if not changed_members:
            notes.append(f"{lock} changed, no member's locked closure changed")
    # dependents: in every workspace whose lock holds the affected project (by its directory),
    # `uv tree --invert` names the members depending on it; across workspaces until nothing new
    res = dict(seeds)
    sources = {w: lock_sources(ctx.head_dir, w) for w in head_ws}
    queue = sorted(res)
    while queue:
        d = queue.pop(0)
        w0, name = where[d]
        for w in sorted(head_ws):
            if w != w0 and sources[w].get(name) != d:
                continue
            deps, s5 = dependents(ctx, name, set(head_ws[w]), w)
            secs += s5
            for dep in sorted(deps):
                dd = head_ws[w][dep]
                if dd not in res:
                    res[dd] = f"depends on {tid(d)} (uv tree --invert in {w})"
                    queue.append(dd)
    owned: dict[str, str] = {}
    for path in ctx.changed_paths:
        d = deepest_dir(path, dirs)
        if d is not None and d != where[d][0]:
            owned[path] = tid(d)
    return {
        "ids": {tid(d): why for d, why in res.items()},
        "notes": notes,
        "seconds": secs,
        "targets": len(where),
        "owned": owned,
    }
