"""buf: modules from buf.yaml (v2 `modules`, v1) and buf.work.yaml, edges from .proto imports
within one workspace, and generated code from buf.gen*.yaml templates.

A module owns its `.proto` files (what `buf ls-files` lists). Imports resolve inside the
module's workspace only: a standalone module's BSR dependencies are remote, even when a
local module has the same name. Generated code that is committed is ordinary source of the
target it sits in (phase 0's freshness gate keeps it equal to its protos), so a proto change
reaches no consumer through it. Generated code made at build time (its output is not in the
index: ignored by git) is reached through the template: a changed proto affects the
target(s) its output lands in (gen.py) and their dependents.
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import TYPE_CHECKING

from ameide.ecosystems import Context, Part, in_skipped_dir, join, parent, within
from ameide.ecosystems.base import EcosystemBase, ToolSpec
from ameide.model import ConfigRef, GlobalRule, Impact, Target

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import Any

    from ameide.ecosystems.base import PlanContext
    from ameide.model import Graph
    from ameide.task import Task
    from ameide.taskresult import TaskResult

NAME = "buf"
_COMMENTS = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_IMPORT = re.compile(r'^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;', re.M)
_GO_PACKAGE = re.compile(r'^\s*option\s+go_package\s*=\s*"([^"]+)"\s*;', re.M)
_PACKAGE = re.compile(r"^\s*package\s+([A-Za-z_][\w.]*)\s*;", re.M)
_GEN = re.compile(r"buf\.gen(?:\.[^/]+)?\.ya?ml\Z")
_VERSIONS = ("v1beta1", "v1", "v2")


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
        pkg = _PACKAGE.search(text)
        facts: dict[str, Any] = {
            "imports": sorted(set(_IMPORT.findall(text))),
            "go_package": gp.group(1).split(";")[0] if gp else None,
        }
        if gp and ";" in gp.group(1):
            facts["go_name"] = gp.group(1).split(";", 1)[1]
        if pkg:
            facts["package"] = pkg.group(1)
        return facts
    from ameide.yamlio import load_yaml

    try:
        doc = load_yaml(data) or {}
    except ValueError as exc:
        return {"error": str(exc)}
    if not isinstance(doc, dict):
        return {"error": "expected a YAML mapping"}
    version = str(doc.get("version", "v1"))
    if name in ("buf.yaml", "buf.yml", "buf.work.yaml") and doc.get("version") not in _VERSIONS:
        # buf refuses a config without a version it knows (`"version" is not set`): a file of
        # that name that is no buf config (a CI workflow called buf.yaml) makes no module
        return {"kind": "other"}
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
    from ameide.ecosystems.buf.gen import parse_template

    return parse_template(doc, version)


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
            part.errors.append(
                (
                    path,
                    f["error"],
                    "fix it at that line (a v2 buf.yaml: `version: v2`, `modules: [{path: DIR}]`)",
                )
            )
            continue
        if f.get("kind") == "other":
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

    # each .proto belongs to the deepest module containing it; imports resolve in its workspace
    mod_dirs = sorted(modules, key=lambda m: (-m.count("/"), m))
    protos: dict[str, list[tuple[str, dict[str, Any]]]] = {m: [] for m in modules}
    module_of: dict[str, str] = {}  # proto path -> module dir
    scope = {m: workspace_of.get(m, m) for m in modules}  # imports resolve within one scope
    rel_index: dict[str, dict[str, str]] = {}  # scope -> module-relative proto path -> module
    for path, f in sorted(ctx.facts.items()):  # sorted: the first of equal paths wins
        if not path.endswith(".proto"):
            continue
        for m in mod_dirs:
            if within(path, m):
                protos[m].append((path, f))
                module_of[path] = m
                rel = path if m == "." else path[len(m) + 1 :]
                rel_index.setdefault(scope[m], {}).setdefault(rel, m)
                break

    ids = {m: f"buf:{m}" for m in modules}
    imported_by: dict[str, set[str]] = {}  # proto path -> proto paths importing it
    for m in sorted(modules):
        deps: set[str] = set()
        index = rel_index.get(scope[m], {})
        for path, f in protos[m]:
            for imp in f["imports"]:
                other = index.get(imp)
                if other is None:
                    continue
                imported_by.setdefault(join(other, imp), set()).add(path)
                if other != m:
                    deps.add(ids[other])
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

    # workspace configs concern every module they list; a standalone module's own config and
    # lock concern that module
    by_ws: dict[str, list[str]] = {}
    for m, ws in workspace_of.items():
        by_ws.setdefault(ws, []).append(ids[m])
    for ws, members in sorted(by_ws.items()):
        t = tuple(sorted(members))
        part.globals.append(GlobalRule(ws, "targets", t, why="buf workspace configuration"))
        part.globals.append(
            GlobalRule(join(parent(ws), "buf.lock"), "targets", t, why="buf dependency lock")
        )
    for m, cfg in sorted(modules.items()):
        around = workspace_of.get(m)
        if around is None:
            part.globals.append(GlobalRule(cfg, "targets", (ids[m],), why="buf module config"))
            part.globals.append(
                GlobalRule(join(m, "buf.lock"), "targets", (ids[m],), why="buf dependency lock")
            )
        elif cfg != around:  # a v1 module's own buf.yaml (and lock) inside a buf.work.yaml
            t = tuple(sorted(by_ws[around]))
            part.globals.append(GlobalRule(cfg, "targets", t, why="buf workspace configuration"))
            part.globals.append(
                GlobalRule(join(m, "buf.lock"), "targets", t, why="buf dependency lock")
            )

    from ameide.ecosystems.buf.gen import Templates

    gen = Templates(ctx, modules, workspace_of, protos, module_of, imported_by, part)
    by_target = {t.id: t for t in part.targets}
    for tpl in gen.templates:
        part.configs.append(ConfigRef(tpl.path, NAME, parent(tpl.path)))
        for out in tpl.outs:
            for m in tpl.inputs:
                by_target[ids[m]].meta["generates"].append(
                    {
                        "template": tpl.path,
                        "out": out.dir,
                        "committed": out.committed,
                        "consumers": sorted(out.consumers),
                    }
                )
    routes = gen.routes()
    part.data = {
        "routes": routes,
        "templates": {t.path: {o.key: sorted(o.consumers) for o in t.outs} for t in gen.templates},
    }
    return part


class Owners:
    """A `.proto` file belongs to the deepest module containing it, and, through templates
    whose output is made at build time, to the targets that output lands in."""

    def __init__(self, graph: Graph) -> None:
        self.by_dir = {t.path: t.id for t in graph.targets.values() if t.ecosystem == NAME}
        self.routes: dict[str, list[str]] = (graph.data.get(NAME) or {}).get("routes", {})

    def claims(self, path: str) -> bool:
        """A `.proto` file inside a module is buf's (no workspace root project takes it)."""
        return path.endswith(".proto") and any(within(path, m) for m in self.by_dir)

    def owners(self, path: str) -> list[tuple[str, bool]]:
        if not path.endswith(".proto") or not self.by_dir:
            return []
        found: list[tuple[str, bool]] = []
        d = parent(path)
        while True:
            tid = self.by_dir.get(d)
            if tid is not None:
                found.append((tid, False))
                break
            if d == ".":
                break
            d = parent(d)
        found += [(c, False) for c in self.routes.get(path, ())]
        return sorted(set(found))


def impact(
    graph: Graph, changed: list[tuple[ConfigRef, bytes | None, bytes | None]]
) -> list[Impact]:
    """A buf.gen*.yaml: what its changed entries generate into at build time (committed
    outputs are held fresh by phase 0's gate, which a template change always triggers)."""
    from ameide.ecosystems.buf.gen import changed_outs

    data = (graph.data.get(NAME) or {}).get("templates", {})
    out: list[Impact] = []
    for ref, before, after in changed:
        outs = data.get(ref.path, {})
        for key, why in changed_outs(before, after, list(outs)):
            out.extend(Impact(c, ref.path, why) for c in outs.get(key, ()))
    return out


def former_ids(graph: Graph, deleted: list[str], reader: Any) -> dict[str, str]:
    """A deleted module is covered by its workspace config (dropping it is a config change)."""
    return {}


# ------------------------------------------------------------------------------ the plug-in


def _codegen(task: Task, root: str, log: str, env: Mapping[str, str]) -> tuple[int, str]:
    from ameide.ecosystems.buf.fresh import check_fresh

    return check_fresh(task, root, log, env)


class Buf(EcosystemBase):
    """buf modules and workspaces (buf.yaml, buf.work.yaml, buf.gen*.yaml, `.proto` files):
    lint, format and breaking checks, and the freshness of committed generated code."""

    name = NAME
    version = "1"
    build_order = 1  # after the targets its generated code lands in
    tools = (
        ToolSpec(
            NAME,
            default="1.63.0",
            source={"kind": "npm", "package": "@bufbuild/buf"},
            alternative="`npm i -g @bufbuild/buf@{v}`",
        ),
    )
    env_passthrough = ("BUF_CACHE_DIR",)
    cacheable_kinds = (f"{NAME}-lint", f"{NAME}-format", f"{NAME}-breaking")
    builtins = MappingProxyType({"codegen": _codegen})

    relevant = staticmethod(relevant)
    parse = staticmethod(parse)
    build = staticmethod(build)
    owners = staticmethod(Owners)
    impact = staticmethod(impact)

    def tasks(self, ctx: PlanContext, targets: Sequence[Target]) -> list[Task]:
        from ameide.ecosystems.buf.tasks import tasks

        return tasks(ctx, targets)

    def cache_view(self, task: Task, base_tree: Callable[[str], str | None]) -> Task:
        """`buf breaking` compares with the workspace as it was at the base: keyed on that
        tree, not on the commit, so other branches with the same base protos hit too."""
        if task.kind != f"{NAME}-breaking":
            return task
        against = task.argv[-1]
        ref = against.split("#ref=", 1)[-1].split(",", 1)[0] if "#ref=" in against else None
        tree = base_tree(task.cwd) if ref else None
        if not tree:
            return task
        from ameide.records import replace

        argv = (*task.argv[:-1], against.replace(f"#ref={ref}", f"#tree={tree}"))
        return replace(task, argv=argv)

    def excerpt(self, result: TaskResult, tail: list[str]) -> list[str] | None:
        """The freshness gate writes its verdict after buf's own chatter: start there."""
        from ameide.ecosystems.buf.fresh import STALE_VERDICT

        for i, ln in enumerate(tail):
            if ln.startswith(STALE_VERDICT):
                return tail[i:]
        return None


ECOSYSTEM = Buf()
