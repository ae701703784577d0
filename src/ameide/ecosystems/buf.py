"""buf: modules from buf.yaml (v2 `modules`, v1) and buf.work.yaml, edges from .proto imports,
and cross-language edges from buf.gen*.yaml plugin `out` dirs and `go_package` options."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ameide.ecosystems import Context, Part, in_skipped_dir, join, parent, within
from ameide.model import GlobalRule, Target

if TYPE_CHECKING:
    from typing import Any

NAME = "buf"
_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_IMPORT = re.compile(r'^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;', re.M)
_GO_PACKAGE = re.compile(r'^\s*option\s+go_package\s*=\s*"([^"]+)"\s*;', re.M)
_GEN = re.compile(r"buf\.gen(?:\.[^/]+)?\.ya?ml\Z")


def relevant(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return (
        name.endswith(".proto")
        or name in ("buf.yaml", "buf.work.yaml", "buf.yml")
        or bool(_GEN.match(name))
    ) and not in_skipped_dir(path)


def parse(path: str, data: bytes) -> dict[str, Any]:
    name = path.rsplit("/", 1)[-1]
    if name.endswith(".proto"):
        text = _COMMENTS.sub("", data.decode("utf-8", "replace"))
        gp = _GO_PACKAGE.search(text)
        return {
            "imports": sorted(set(_IMPORT.findall(text))),
            "go_package": gp.group(1).split(";")[0] if gp else None,
        }
    from ameide.yamlio import load_yaml

    try:
        doc = load_yaml(data) or {}
    except ValueError as exc:
        return {"error": str(exc)}
    if not isinstance(doc, dict):
        return {"error": "expected a YAML mapping"}
    version = str(doc.get("version", "v1"))
    if name in ("buf.yaml", "buf.yml"):
        mods = doc.get("modules")
        paths: list[str] | None = None
        if mods is not None:
            if not isinstance(mods, list) or not all(
                isinstance(m, dict) and isinstance(m.get("path"), str) for m in mods
            ):
                return {"error": "'modules' must be a list of {path: ...} entries"}
            paths = [m["path"] for m in mods]
        return {"kind": "config", "version": version, "modules": paths}
    if name == "buf.work.yaml":
        dirs = doc.get("directories") or []
        if not isinstance(dirs, list) or not all(isinstance(d, str) for d in dirs):
            return {"error": "'directories' must be a list of paths"}
        return {"kind": "work", "version": version, "directories": dirs}
    # buf.gen*.yaml
    inputs = None
    if isinstance(doc.get("inputs"), list):
        inputs = [
            i["directory"]
            for i in doc["inputs"]
            if isinstance(i, dict) and isinstance(i.get("directory"), str)
        ]
    plugins = doc.get("plugins") or []
    if not isinstance(plugins, list):
        return {"error": "'plugins' must be a list"}
    outs = sorted(
        {p["out"] for p in plugins if isinstance(p, dict) and isinstance(p.get("out"), str)}
    )
    return {"kind": "gen", "version": version, "inputs": inputs, "outs": outs}


def build(ctx: Context) -> Part:
    part = Part()
    modules: dict[str, str] = {}  # module dir -> config file that declared it
    workspace_of: dict[str, str] = {}  # module dir -> workspace config file
    # a module's own buf.yaml first, then the files listing modules: whatever the paths' order,
    # a v1 module inside a buf.work.yaml keeps its own buf.yaml as its manifest
    configs = sorted(
        (
            (p, f)
            for p, f in ctx.facts.items()
            if p.rsplit("/", 1)[-1] in ("buf.yaml", "buf.yml", "buf.work.yaml")
        ),
        key=lambda pf: (pf[1].get("kind") == "work" or pf[1].get("modules") is not None, pf[0]),
    )
    for path, f in configs:
        if f.get("error"):
            part.errors.append((path, f["error"], "see the buf configuration reference"))
            continue
        d = parent(path)
        if f["kind"] == "work":
            for sub in f["directories"]:
                md = join(d, sub)
                modules.setdefault(md, path)
                workspace_of[md] = path
        elif f["modules"] is not None:
            for sub in f["modules"]:
                md = join(d, sub)
                modules.setdefault(md, path)
                workspace_of[md] = path
        else:  # a v1 buf.yaml, or a v2 one without `modules`: its directory is a module
            modules.setdefault(d, path)
    if not modules:
        return part

    # each .proto belongs to the deepest module containing it
    mod_dirs = sorted(modules, key=lambda m: (-m.count("/"), m))
    protos: dict[str, list[tuple[str, dict[str, Any]]]] = {m: [] for m in modules}
    rel_index: dict[str, str] = {}
    for path, f in sorted(ctx.facts.items()):  # sorted: the first of equal paths wins
        if not path.endswith(".proto"):
            continue
        for m in mod_dirs:
            if within(path, m):
                protos[m].append((path, f))
                rel_index.setdefault(path if m == "." else path[len(m) + 1 :], m)
                break

    ids = {m: f"buf:{m}" for m in modules}
    for m in sorted(modules):
        deps: set[str] = set()
        for _, f in protos[m]:
            for imp in f["imports"]:
                other = rel_index.get(imp)
                if other is not None and other != m:
                    deps.add(ids[other])
            gp = f.get("go_package")
            if gp and f"go:{gp}" in ctx.targets:
                part.extra_deps.setdefault(f"go:{gp}", set()).add(ids[m])
        part.targets.append(
            Target(
                id=ids[m],
                ecosystem=NAME,
                name=m,
                path=m,
                deps=tuple(sorted(deps)),
                manifest=modules[m],
                group=parent(workspace_of.get(m, modules[m])),
                meta={
                    "config": modules[m],
                    "workspace": workspace_of.get(m),
                    "protos": len(protos[m]),
                    "generates": [],
                },
            )
        )

    # workspace configs concern every module they list
    by_ws: dict[str, list[str]] = {}
    for m, ws in workspace_of.items():
        if parent(ws) != m:
            by_ws.setdefault(ws, []).append(ids[m])
    for ws, members in sorted(by_ws.items()):
        t = tuple(sorted(members))
        part.globals.append(GlobalRule(ws, "targets", t, why="buf workspace configuration"))
        part.globals.append(
            GlobalRule(join(parent(ws), "buf.lock"), "targets", t, why="buf dependency lock")
        )

    # generated code: owners of every plugin `out` depend on the template's input modules
    others = [t for t in ctx.targets.values() if t.ecosystem != NAME]
    by_target = {t.id: t for t in part.targets}
    for path, f in sorted(ctx.facts.items()):
        if not _GEN.match(path.rsplit("/", 1)[-1]):
            continue
        if f.get("error"):
            part.errors.append((path, f["error"], "see the buf.gen.yaml reference"))
            continue
        g = parent(path)
        roots = [join(g, i) for i in f["inputs"]] if f["inputs"] is not None else [g]
        inputs = sorted({m for m in modules for r in roots if within(m, r) or within(r, m)})
        if not inputs:
            part.warnings.append(f"{path}: its inputs name no buf module")
            continue
        in_ids = tuple(ids[m] for m in inputs)
        part.globals.append(GlobalRule(path, "targets", in_ids, why="code generation template"))
        for out in f["outs"]:
            od = join(g, out)
            consumers = {t.id for t in others if within(t.path, od)}
            best = _deepest_containing(od, others)
            consumers.update(best)
            for c in sorted(consumers):
                part.extra_deps.setdefault(c, set()).update(in_ids)
            for m in inputs:
                by_target[ids[m]].meta["generates"].append(
                    {"template": path, "out": od, "consumers": sorted(consumers)}
                )
    return part


def _deepest_containing(d: str, targets: list[Target]) -> list[str]:
    best: list[str] = []
    depth = -1
    for t in targets:
        if within(d, t.path):
            n = 0 if t.path == "." else t.path.count("/") + 1
            if n > depth:
                best, depth = [t.id], n
            elif n == depth:
                best.append(t.id)
    return best
