"""pnpm: workspace packages from pnpm-workspace.yaml globs, edges from package.json deps."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ameide.ecosystems import Context, Part, in_skipped_dir, join, match_globs, parent
from ameide.model import GlobalRule, LockfileRef, Target

if TYPE_CHECKING:
    from typing import Any

NAME = "pnpm"
DEP_FIELDS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")


def relevant(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name in ("package.json", "pnpm-workspace.yaml") and not in_skipped_dir(path)


def parse(path: str, data: bytes) -> dict[str, Any]:
    if path.endswith("pnpm-workspace.yaml"):
        from ameide.yamlio import load_yaml

        try:
            doc = load_yaml(data)
        except ValueError as exc:
            return {"error": str(exc)}
        if doc is None:
            doc = {}
        if not isinstance(doc, dict):
            return {"error": "expected a mapping with a 'packages' list"}
        pkgs = doc.get("packages", [])
        if not isinstance(pkgs, list) or not all(isinstance(p, str) for p in pkgs):
            return {"error": "'packages' must be a list of glob strings"}
        return {"packages": pkgs}
    try:
        doc = json.loads(data)
    except ValueError as exc:
        return {"error": f"invalid JSON: {exc}"}
    if not isinstance(doc, dict):
        return {"error": "expected a JSON object"}
    bad = _type_error(doc)
    if bad is not None:
        return {"error": bad[0], "hint": f"fix {bad[1]} in this package.json"}
    deps: dict[str, str] = {}
    for fld in DEP_FIELDS:
        for k, v in (doc.get(fld) or {}).items():
            deps.setdefault(k, v)
    return {
        "name": doc.get("name"),
        "deps": deps,
        "scripts": sorted(doc.get("scripts") or {}),
        "packageManager": doc.get("packageManager"),
    }


_JSON_TYPES = {
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    list: "an array",
    dict: "an object",
    type(None): "null",
}


def _kind(value: object) -> str:
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _type_error(doc: dict[str, Any]) -> tuple[str, str] | None:
    """(message, key) for the first field read with the wrong JSON type; None when all are
    right.

    A wrong type is an error, not a guess: `"dependencies": [...]` silently read as no
    dependencies would drop edges, and `"name": 5` would rename the target. `null` counts as
    absent, as npm treats it.
    """
    name = doc.get("name")
    if name is not None and not isinstance(name, str):
        return f'"name" must be a string, not {_kind(name)}', '"name"'
    for fld in (*DEP_FIELDS, "scripts"):
        section = doc.get(fld)
        if section is None:
            continue
        if not isinstance(section, dict):
            return f'"{fld}" must be an object, not {_kind(section)}', f'"{fld}"'
        for k, v in section.items():
            if not isinstance(v, str):
                what = "a command string" if fld == "scripts" else "a version string"
                return f'"{fld}"."{k}" must be {what}, not {_kind(v)}', f'"{fld}"'
    ws = doc.get("workspaces")  # npm/yarn: an array, or yarn's {"packages": [...]}
    key = '"workspaces"'
    if isinstance(ws, dict):
        key, ws = '"workspaces"."packages"', ws.get("packages")
    if ws is None:
        return None
    if not isinstance(ws, list):
        return f"{key} must be an array of glob strings, not {_kind(ws)}", key
    for i, g in enumerate(ws):
        if not isinstance(g, str):
            return f"{key}[{i}] must be a glob string, not {_kind(g)}", key
    return None


def _hint(facts: dict[str, Any]) -> str:
    hint: str = facts.get("hint") or "fix the JSON syntax of this package.json"
    return hint


def _workspace_alias(spec: str) -> str | None:
    """`workspace:@scope/x@*` names another package than its key; return that name."""
    rest = spec[len("workspace:") :]
    if not rest or rest[0] in "*^~" or rest[0].isdigit():
        return None
    at = rest.rfind("@")
    return rest[:at] if at > 0 else rest


def build(ctx: Context) -> Part:
    part = Part()
    for ws_path, ws in sorted(ctx.facts_named("pnpm-workspace.yaml")):
        if in_skipped_dir(ws_path):
            continue
        ws_dir = parent(ws_path)
        if ws.get("error"):
            part.errors.append((ws_path, ws["error"], "fix the YAML syntax of this file"))
            continue
        includes = [g for g in ws["packages"] if not g.startswith("!")]
        excludes = [g[1:] for g in ws["packages"] if g.startswith("!")]
        candidates = [
            parent(p) for p, f in ctx.facts_named("package.json") if not in_skipped_dir(p)
        ]
        members = [d for d in match_globs(candidates, includes, excludes, ws_dir) if d != ws_dir]
        rootglob = "" if ws_dir == "." else ws_dir + "/"
        part.globals.append(
            GlobalRule(f"{rootglob}pnpm-workspace.yaml", "pnpm", why="workspace layout")
        )
        part.globals.append(
            GlobalRule(f"{rootglob}package.json", "pnpm", why="workspace root manifest")
        )
        part.globals.append(GlobalRule(f"{rootglob}.npmrc", "pnpm", why="pnpm settings"))
        # the root manifest configures every member (and pins pnpm itself): a broken one is
        # an error here, before any toolchain check reads it
        root_facts = ctx.facts.get(f"{rootglob}package.json")
        if root_facts is not None and root_facts.get("error"):
            part.errors.append((f"{rootglob}package.json", root_facts["error"], _hint(root_facts)))
        if f"{rootglob}pnpm-lock.yaml" in ctx.paths:
            part.lockfiles.append(LockfileRef(f"{rootglob}pnpm-lock.yaml", "pnpm", ws_dir))

        named: dict[str, tuple[str, dict[str, Any]]] = {}
        for d in members:
            mpath = join(d, "package.json")
            f = ctx.facts[mpath]
            if f.get("error"):
                part.errors.append((mpath, f["error"], _hint(f)))
                continue
            name = f.get("name")
            if not name:
                part.warnings.append(f'{mpath}: no "name"; using its directory as the name')
                name = d
            if name in named:
                part.errors.append(
                    (
                        mpath,
                        f"package name '{name}' is also used by {named[name][0]}/package.json",
                        "give every workspace package a unique name",
                    )
                )
                continue
            named[name] = (d, f)
        by_dir = {d: name for name, (d, _) in named.items()}
        for name, (d, f) in sorted(named.items()):
            deps = set()
            missing = set()  # `workspace:` deps no member answers (deleted ones)
            for dep, spec in f["deps"].items():
                target = dep
                if spec.startswith(("workspace:./", "workspace:../")):
                    # `workspace:../foo` names the package by its directory
                    target = by_dir.get(join(d, spec[len("workspace:") :]), dep)
                elif spec.startswith("workspace:"):
                    target = _workspace_alias(spec) or dep
                if target in named:
                    if target != name:
                        deps.add(f"pnpm:{target}")
                elif spec.startswith("workspace:"):
                    missing.add(f"pnpm:{target}")
            meta: dict[str, Any] = {
                "scripts": f["scripts"],
                "importer": d if ws_dir == "." else d[len(ws_dir) + 1 :],
            }
            if missing:
                meta["unresolved"] = sorted(missing)
            part.targets.append(
                Target(
                    id=f"pnpm:{name}",
                    ecosystem=NAME,
                    name=name,
                    path=d,
                    deps=tuple(sorted(deps)),
                    manifest=join(d, "package.json"),
                    group=ws_dir,
                    meta=meta,
                )
            )
    return part


def lock_closures(data: bytes) -> dict[str, str]:
    """importer path -> digest of its resolved dependency closure in a pnpm-lock.yaml."""
    import hashlib

    from ameide.yamlio import load_yaml_all

    importers: dict[str, Any] = {}
    snapshots: dict[str, Any] = {}
    packages: dict[str, Any] = {}
    for doc in load_yaml_all(data):
        if not isinstance(doc, dict):
            continue
        for key, val in (doc.get("importers") or {}).items():
            importers.setdefault(str(key), {}).update(val or {})
        packages.update(doc.get("packages") or {})
        snapshots.update(doc.get("snapshots") or {})
    graph = snapshots or packages

    out: dict[str, str] = {}
    for imp, entry in importers.items():
        seen: set[str] = set()
        stack: list[str] = []
        for fld in ("dependencies", "devDependencies", "optionalDependencies"):
            for name, info in (entry.get(fld) or {}).items():
                ver = info.get("version") if isinstance(info, dict) else str(info)
                if ver and not str(ver).startswith("link:"):
                    stack.append(f"{name}@{ver}")
        while stack:
            key = stack.pop()
            if key in seen:
                continue
            seen.add(key)
            snap = graph.get(key) or {}
            for fld in ("dependencies", "optionalDependencies"):
                for name, ver in (snap.get(fld) or {}).items():
                    stack.append(f"{name}@{ver}")
        h = hashlib.sha256(json.dumps(entry, sort_keys=True, default=str).encode())
        for key in sorted(seen):
            h.update(key.encode())
            h.update(
                json.dumps(
                    packages.get(key.split("(")[0]) or packages.get(key),
                    sort_keys=True,
                    default=str,
                ).encode()
            )
        out[imp] = h.hexdigest()
    return out
