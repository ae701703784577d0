"""uv: workspace members (`[tool.uv.workspace]` globs) and standalone uv projects.

Edges come from dependencies whose `[tool.uv.sources]` entry is `{ workspace = true }` or a
`path` inside the repo; the workspace root's sources apply to every member, as in uv.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ameide.ecosystems import Context, Part, in_skipped_dir, join, match_globs, parent
from ameide.model import GlobalRule, LockfileRef, Target

if TYPE_CHECKING:
    from typing import Any

NAME = "uv"
_REQ_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalize(name: str) -> str:
    """PEP 503 name normalization."""
    return re.sub(r"[-_.]+", "-", name).lower()


def relevant(path: str) -> bool:
    return path.rsplit("/", 1)[-1] == "pyproject.toml" and not in_skipped_dir(path)


def _req_names(reqs: Any) -> list[str]:
    out = []
    if isinstance(reqs, list):
        for r in reqs:
            if isinstance(r, str):
                m = _REQ_NAME.match(r)
                if m:
                    out.append(normalize(m.group(1)))
    return out


def _table(value: Any) -> dict[str, Any]:
    """A TOML table, or {} when the key is missing or holds another type (no crash on typos)."""
    return value if isinstance(value, dict) else {}


def parse(path: str, data: bytes) -> dict[str, Any]:
    import tomllib

    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return {"error": f"invalid TOML: {exc}"}
    project = doc.get("project")
    tool_uv = _table(doc.get("tool")).get("uv")
    facts: dict[str, Any] = {
        "has_project": isinstance(project, dict),
        "has_tool_uv": isinstance(tool_uv, dict),
        "name": None,
        "deps": [],
        "sources": {},
        "workspace": None,
        "required_version": None,
    }
    deps: list[str] = []
    if isinstance(project, dict):
        name = project.get("name")
        facts["name"] = normalize(name) if isinstance(name, str) else None
        deps += _req_names(project.get("dependencies"))
        for extra in _table(project.get("optional-dependencies")).values():
            deps += _req_names(extra)
    for group in _table(doc.get("dependency-groups")).values():
        deps += _req_names(group)
    if isinstance(tool_uv, dict):
        deps += _req_names(tool_uv.get("dev-dependencies"))
        rv = tool_uv.get("required-version")
        facts["required_version"] = rv if isinstance(rv, str) else None
        for name, src in _table(tool_uv.get("sources")).items():
            entries = src if isinstance(src, list) else [src]
            for e in entries:
                if isinstance(e, dict):
                    if e.get("workspace") is True:
                        facts["sources"][normalize(name)] = {"workspace": True}
                    elif isinstance(e.get("path"), str):
                        facts["sources"][normalize(name)] = {"path": e["path"]}
        ws = tool_uv.get("workspace")
        if isinstance(ws, dict):
            members = ws.get("members") or []
            exclude = ws.get("exclude") or []
            # a bare string is not a list of globs (iterating it would yield its characters)
            if not (isinstance(members, list) and isinstance(exclude, list)) or not all(
                isinstance(m, str) for m in [*members, *exclude]
            ):
                facts["error"] = "[tool.uv.workspace] members/exclude must be lists of strings"
                members, exclude = [], []
            facts["workspace"] = {"members": list(members), "exclude": list(exclude)}
    facts["deps"] = sorted(set(deps))
    return facts


def build(ctx: Context) -> Part:
    part = Part()
    projects = {parent(p): f for p, f in ctx.facts_named("pyproject.toml") if not in_skipped_dir(p)}
    member_of: dict[str, str] = {}  # member dir -> workspace root dir
    roots = sorted(d for d, f in projects.items() if f.get("workspace"))
    for root in roots:
        f = projects[root]
        if f.get("error"):
            part.errors.append(
                (join(root, "pyproject.toml"), f["error"], "fix [tool.uv.workspace] in this file")
            )
            continue
        ws = f["workspace"]
        members = match_globs(projects, ws["members"], ws["exclude"], root)
        if f["has_project"]:
            members.append(root)
        for m in members:
            member_of.setdefault(m, root)
        # recorded with member dirs; turned into ids below once the names are known
        part.globals.append(
            GlobalRule(
                join(root, "pyproject.toml"),
                "targets",
                targets=tuple(members),
                why="uv workspace root",
            )
        )
        part.globals.append(
            GlobalRule(
                join(root, ".python-version"),
                "targets",
                targets=tuple(members),
                why="workspace Python pin",
            )
        )
        lock = join(root, "uv.lock")
        if lock in ctx.paths:
            part.lockfiles.append(LockfileRef(lock, "uv", root))
    for d, f in sorted(projects.items()):
        if d in member_of or f.get("workspace") or not f.get("has_project"):
            continue
        if f.get("has_tool_uv") or join(d, "uv.lock") in ctx.paths:
            member_of[d] = d  # a standalone uv project is its own workspace
            if join(d, "uv.lock") in ctx.paths:
                part.lockfiles.append(LockfileRef(join(d, "uv.lock"), "uv", d))

    # a broken pyproject.toml that may be a workspace root: its members would silently vanish
    # (a member's own broken file is reported below)
    for d, f in sorted(projects.items()):
        maybe_root = d == "." or join(d, "uv.lock") in ctx.paths
        if f.get("error") and maybe_root and d not in member_of and d not in roots:
            part.errors.append(
                (
                    join(d, "pyproject.toml"),
                    f["error"],
                    "fix the TOML syntax of this pyproject.toml",
                )
            )

    names: dict[str, str] = {}
    dir_id: dict[str, str] = {}
    for d in sorted(member_of):
        f = projects[d]
        path = join(d, "pyproject.toml")
        if f.get("error"):
            part.errors.append((path, f["error"], "fix the TOML syntax of this pyproject.toml"))
            continue
        if not f.get("name"):
            part.errors.append(
                (path, "[project] has no 'name'", 'add name = "..." under [project]')
            )
            continue
        if f["name"] in names:
            part.errors.append(
                (
                    path,
                    f"project name '{f['name']}' is also used by {names[f['name']]}/pyproject.toml",
                    "give every uv project a unique name",
                )
            )
            continue
        names[f["name"]] = d
        dir_id[d] = f"uv:{f['name']}"

    part.globals = [
        GlobalRule(
            g.path, g.scope, tuple(sorted(dir_id[m] for m in g.targets if m in dir_id)), g.why
        )
        for g in part.globals
    ]
    for d, tid in sorted(dir_id.items()):
        f = projects[d]
        root = member_of[d]
        # (declaring dir, source): the root's `path` sources are relative to the root, as in uv
        root_sources = projects[root].get("sources", {}) if root != d else {}
        sources = {k: (root, v) for k, v in root_sources.items()}
        sources.update({k: (d, v) for k, v in f["sources"].items()})
        deps: set[str] = set()
        missing: set[str] = set()  # in-repo dependencies no project answers (deleted ones)
        for dep in f["deps"]:
            base, src = sources.get(dep, (d, None))
            if not src:
                continue
            if src.get("workspace"):
                dd = names.get(dep)
                if dd is not None and member_of.get(dd) == root:
                    deps.add(f"uv:{dep}")
                else:
                    missing.add(f"uv:{dep}")
                    part.warnings.append(
                        f"{join(d, 'pyproject.toml')}: '{dep}' is marked "
                        "{ workspace = true } but is not a workspace member"
                    )
            elif "path" in src:
                target_dir = join(base, src["path"])
                if target_dir.startswith(".."):
                    continue
                if target_dir in dir_id:
                    deps.add(dir_id[target_dir])
                elif not target_dir.endswith((".whl", ".tar.gz", ".zip")):  # not an archive
                    missing.add(f"uv:{dep}")
        deps.discard(tid)
        meta: dict[str, Any] = {
            "workspace": root,
            "virtual_root": not projects[root]["has_project"],
        }
        if missing:
            meta["unresolved"] = sorted(missing)
        part.targets.append(
            Target(
                id=tid,
                ecosystem=NAME,
                name=f["name"],
                path=d,
                deps=tuple(sorted(deps)),
                manifest=join(d, "pyproject.toml"),
                group=root,
                meta=meta,
            )
        )
    return part


def lock_closures(data: bytes) -> dict[str, str]:
    """package name -> digest of its locked dependency closure in a uv.lock."""
    import hashlib
    import json
    import tomllib

    doc = tomllib.loads(data.decode("utf-8"))
    by_name: dict[str, list[dict[str, Any]]] = {}
    for pkg in doc.get("package", []):
        by_name.setdefault(normalize(str(pkg.get("name", ""))), []).append(pkg)

    def edges(pkg: dict[str, Any]) -> list[tuple[str, str | None]]:
        out = []
        lists = [pkg.get("dependencies") or []]
        lists += list((pkg.get("optional-dependencies") or {}).values())
        lists += list((pkg.get("dev-dependencies") or {}).values())
        for lst in lists:
            for dep in lst:
                if isinstance(dep, dict) and dep.get("name"):
                    out.append((normalize(dep["name"]), dep.get("version")))
        return out

    result: dict[str, str] = {}
    for name, pkgs in by_name.items():
        seen: set[tuple[str, str]] = set()
        stack = [(name, p.get("version")) for p in pkgs]
        closure: list[dict[str, Any]] = []
        while stack:
            n, ver = stack.pop()
            for p in by_name.get(n, []):
                if ver is not None and p.get("version") not in (ver, None):
                    continue
                key = (n, str(p.get("version")))
                if key in seen:
                    continue
                seen.add(key)
                closure.append(p)
                stack.extend(edges(p))
        h = hashlib.sha256()
        for p in sorted(closure, key=lambda p: (str(p.get("name")), str(p.get("version")))):
            h.update(json.dumps(p, sort_keys=True, default=str).encode())
        result[name] = h.hexdigest()
    # the lock's own header (requires-python, resolution markers) concerns every member
    header = {k: v for k, v in doc.items() if k != "package"}
    result["<header>"] = hashlib.sha256(
        json.dumps(header, sort_keys=True, default=str).encode()
    ).hexdigest()
    return result
