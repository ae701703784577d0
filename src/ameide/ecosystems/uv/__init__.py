"""uv: workspace members (`[tool.uv.workspace]` globs) and standalone uv projects.

Edges come from dependencies whose `[tool.uv.sources]` entry is `{ workspace = true }` or a
`path` inside the repo; the workspace root's sources apply to every member, as in uv.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ameide.ecosystems import (
    Context,
    ParseCache,
    Part,
    in_skipped_dir,
    join,
    match_globs,
    parent,
    within,
)
from ameide.ecosystems.base import EcosystemBase
from ameide.ecosystems.uv import tools as uv_tools
from ameide.model import ConfigRef, Impact, LockfileRef, Target

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from ameide.config import Config
    from ameide.ecosystems.base import InstallSpec, Pin, PlanContext
    from ameide.evidence.junit import Case
    from ameide.model import Graph
    from ameide.task import Task
    from ameide.taskresult import TaskResult

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
        dynamic = project.get("dynamic")
        if isinstance(dynamic, list):
            wanted = [k for k in ("dependencies", "optional-dependencies") if k in dynamic]
            if wanted:
                found, unread = _dynamic_deps(doc, wanted)
                deps += found
                if unread:
                    facts["dynamic_unread"] = unread
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


# build-backend metadata hooks that write `dependencies` / `optional-dependencies` into the
# pyproject.toml itself (templated, e.g. "pkg-slim[extra]=={{ version }}"): readable here
_HOOK_TABLES = (
    ("hatch", "metadata", "hooks", "uv-dynamic-versioning"),
    ("hatch", "metadata", "hooks", "custom"),
    ("pdm", "build", "hooks"),
)


def _dynamic_deps(doc: dict[str, Any], wanted: list[str]) -> tuple[list[str], list[str]]:
    """(requirement names, the fields no known hook declares readably) for `dynamic` fields."""
    tool = _table(doc.get("tool"))
    names: list[str] = []
    unread: list[str] = []
    for fld in wanted:
        found = False
        for path in _HOOK_TABLES:
            table: Any = tool
            for key in path:
                table = _table(table).get(key)
            value = _table(table).get(fld)
            if fld == "dependencies" and isinstance(value, list):
                names += _req_names(value)
                found = True
            elif fld == "optional-dependencies" and isinstance(value, dict):
                for reqs in value.values():
                    names += _req_names(reqs)
                found = True
        if not found:
            unread.append(fld)
    return names, unread


def build(ctx: Context) -> Part:
    part = Part()
    projects = {parent(p): f for p, f in ctx.facts_named("pyproject.toml") if not in_skipped_dir(p)}
    member_of: dict[str, str] = {}  # member dir -> workspace root dir
    roots = sorted(d for d, f in projects.items() if f.get("workspace"))
    ws_data: dict[str, Any] = {}
    # workspace roots and standalone projects, shallowest first: one inside another project's
    # directory without a uv.lock of its own (an example or a test fixture the outer project
    # uses) is that project's data, as pnpm's nested fixture workspaces are
    candidates = [
        d
        for d, f in projects.items()
        if f.get("workspace")
        or (f.get("has_project") and (f.get("has_tool_uv") or join(d, "uv.lock") in ctx.paths))
    ]
    placed: list[str] = []  # dirs of the projects found so far (roots, members, standalone)
    for d in sorted(candidates, key=lambda x: (0 if x == "." else x.count("/") + 1, x)):
        f = projects[d]
        if d in member_of:
            continue
        locked = join(d, "uv.lock") in ctx.paths
        if not locked and any(within(d, o) for o in placed):
            continue
        if not f.get("workspace"):
            member_of[d] = d  # a standalone uv project is its own workspace
            placed.append(d)
            if locked:
                part.lockfiles.append(LockfileRef(join(d, "uv.lock"), "uv", d))
            continue
        if f.get("error"):
            part.errors.append(
                (join(d, "pyproject.toml"), f["error"], "fix [tool.uv.workspace] in this file")
            )
            continue
        ws = f["workspace"]
        members = match_globs(projects, ws["members"], ws["exclude"], d)
        if f["has_project"]:
            members.append(d)
        for m in members:
            member_of.setdefault(m, d)
        placed += [d, *members]
        part.configs.append(ConfigRef(join(d, "pyproject.toml"), NAME, d))
        ws_data[d] = {"candidates": sorted(c for c in projects if within(c, d) and c != d)}
        if locked:
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

    named: dict[str, list[str]] = {}  # name -> member dirs (several workspaces may share one)
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
        same_ws = [o for o in named.get(f["name"], []) if member_of[o] == member_of[d]]
        if same_ws:
            part.errors.append(
                (
                    path,
                    f"project name '{f['name']}' is also used by {same_ws[0]}/pyproject.toml "
                    "in the same workspace",
                    "give every member of a uv workspace a unique name",
                )
            )
            continue
        named.setdefault(f["name"], []).append(d)
        if f.get("dynamic_unread"):
            fields = " and ".join(f["dynamic_unread"])
            part.warnings.append(
                f"{path}: [project] {fields} are dynamic and no known build hook declares them "
                "in this file; ameide sees no dependencies there"
            )
    dir_id: dict[str, str] = {}
    for name, dirs in named.items():
        for d in dirs:
            dir_id[d] = f"uv:{name}" if len(dirs) == 1 else f"uv:{name}@{d}"
    # name -> member dir, per workspace root
    in_ws: dict[tuple[str, str], str] = {(member_of[d], projects[d]["name"]): d for d in dir_id}

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
                dd = in_ws.get((root, dep))
                if dd is not None:
                    deps.add(dir_id[dd])
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
        if d == root and root in ws_data:
            meta["root"] = True  # a workspace's root project holds what no other target holds
        if len(named[f["name"]]) > 1:
            meta["duplicate_name"] = f["name"]
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
    for root, entry in ws_data.items():
        entry["members"] = {d: dir_id[d] for d in dir_id if member_of[d] == root}
        entry["root"] = dir_id.get(root)
    if ws_data:
        part.data = {"workspaces": ws_data}
    return part


class Owners:
    """The deepest uv project whose directory holds a changed file (a workspace's root
    project is the fallback for files no target of any ecosystem owns)."""

    def __init__(self, graph: Graph) -> None:
        self.by_dir: dict[str, list[str]] = {}
        for t in graph.targets.values():
            if t.ecosystem == NAME and not t.meta.get("root"):
                self.by_dir.setdefault(t.path, []).append(t.id)

    def claims(self, path: str) -> bool:
        return False

    def owners(self, path: str) -> list[tuple[str, bool]]:
        if not self.by_dir:
            return []
        d = parent(path)
        while True:
            ids = self.by_dir.get(d)
            if ids:
                return [(tid, False) for tid in sorted(ids)]
            if d == ".":
                return []
            d = parent(d)


def impact(
    graph: Graph, changed: list[tuple[ConfigRef, bytes | None, bytes | None]]
) -> list[Impact]:
    """A workspace root pyproject.toml: its ordinary owner (the root project, unless the root
    is virtual) plus what its changed keys affect: `members`/`exclude` -> the projects that
    joined; `[tool.uv.sources]` -> the members whose requirements use a changed source.
    Requirement changes of the root's own reach others through uv.lock."""
    out: list[Impact] = []
    data = (graph.data.get(NAME) or {}).get("workspaces", {})
    for ref, before, after in changed:
        ws = data.get(ref.workspace) or {}
        root = ws.get("root")
        if root:
            out.append(Impact(root, ref.path, "the workspace root project's own file"))
        b = parse(ref.path, before) if before is not None else {}
        a = parse(ref.path, after) if after is not None else {}
        if a.get("error") or b.get("error"):
            continue
        wb = b.get("workspace") or {"members": [], "exclude": []}
        wa = a.get("workspace") or {"members": [], "exclude": []}
        if wb != wa:
            cands = ws.get("candidates", [])
            was = set(match_globs(cands, wb["members"], wb["exclude"], ref.workspace))
            now = set(match_globs(cands, wa["members"], wa["exclude"], ref.workspace))
            for d in sorted(now - was):
                tid = ws.get("members", {}).get(d)
                if tid:
                    out.append(Impact(tid, ref.path, f"members: {d} joined the workspace"))
        sb, sa = b.get("sources", {}), a.get("sources", {})
        moved = sorted(k for k in set(sb) | set(sa) if sb.get(k) != sa.get(k))
        if moved:
            by_id = graph.targets
            for tid in sorted(ws.get("members", {}).values()):
                t = by_id.get(tid)
                if t is None:
                    continue
                for name in moved:
                    if name == t.name or any(d.split("@")[0] == f"uv:{name}" for d in t.deps):
                        out.append(Impact(tid, ref.path, f"[tool.uv.sources] {name} changed"))
                        break
    return out


def lock_impact(
    graph: Graph,
    lf: LockfileRef,
    before: bytes | None,
    after: bytes | None,
    cache: ParseCache | None = None,
) -> tuple[list[Impact], str | None]:
    """The members whose locked closure changed (the closure rule), with what changed."""
    members = sorted(
        (t for t in graph.targets.values() if t.ecosystem == NAME and t.group == lf.workspace),
        key=lambda t: t.id,
    )
    if before is None or after is None:
        what = "lockfile added" if before is None else "lockfile deleted"
        return [Impact(t.id, lf.path, what) for t in members], None
    from ameide.ecosystems.uv import lock

    cache = cache or ParseCache(None)
    b, a = cache.get("uv", before, lock.parse), cache.get("uv", after, lock.parse)
    diff = lock.changes(b, a, [t.name for t in members])
    return [Impact(t.id, lf.path, diff[t.name]) for t in members if t.name in diff], None


def lock_closures(data: bytes) -> dict[str, str]:
    """package name -> digest of its locked dependency closure in a uv.lock (cache keys)."""
    import hashlib

    from ameide.ecosystems.uv import lock

    parsed = lock.parse(data)
    out: dict[str, str] = {}
    for name in parsed["versions"]:
        h = hashlib.sha256()
        for key, digest in sorted(lock.closure(parsed, name).items()):
            h.update(f"{key}\0{digest}\0".encode())
        out[name] = h.hexdigest()
    return out


def former_ids(graph: Graph, deleted: list[str], reader: Any) -> dict[str, str]:
    """dir -> `uv:<name>` of the project a deleted pyproject.toml declared at the base."""
    wanted = [p for p in deleted if p.rpartition("/")[2] == "pyproject.toml"]
    out: dict[str, str] = {}
    for path, data in sorted(reader.at_base(wanted).items()):
        if data is None:
            continue
        name = parse(path, data).get("name")
        if isinstance(name, str) and name:
            out[parent(path)] = f"uv:{name}"
    return out


# ------------------------------------------------------------------------------ the plug-in


class Uv(EcosystemBase):
    """uv projects and workspaces (pyproject.toml, uv.lock): pytest through `uv run`, one
    `uv sync` per workspace."""

    name = NAME
    version = "1"
    tools = (uv_tools.UV,)
    env_inputs = ("PYTHONPATH", "PYTHONHASHSEED", "PYTHONOPTIMIZE", "PYTHONWARNINGS", "UV_PYTHON")
    env_passthrough = ("UV_*", "VIRTUAL_ENV", "PYTHON*", "REQUESTS_CA_BUNDLE")
    presence_files = ("uv.lock",)
    cacheable_kinds = ("collect",)

    relevant = staticmethod(relevant)
    parse = staticmethod(parse)
    build = staticmethod(build)
    owners = staticmethod(Owners)
    impact = staticmethod(impact)
    lock_impact = staticmethod(lock_impact)
    former_ids = staticmethod(former_ids)
    lock_closures = staticmethod(lock_closures)

    def tasks(self, ctx: PlanContext, targets: Sequence[Target]) -> list[Task]:
        from ameide.ecosystems.uv.tasks import tasks

        return tasks(ctx, targets)

    def installs(self, ctx: PlanContext, targets: Sequence[Target]) -> list[InstallSpec]:
        from ameide.ecosystems.uv.tasks import installs

        return installs(ctx, targets)

    def pins(self, root: str, config: Config, graph: Graph | None) -> dict[str, Pin]:
        return uv_tools.pins(root, config, graph)

    def lock_key(self, target: Target) -> tuple[str, str]:
        return target.name, "<header>"

    def case_lines(self, case: Case) -> list[str]:
        from ameide.ecosystems.uv.report import case_lines

        return case_lines(case)

    def excerpt(self, result: TaskResult, tail: list[str]) -> list[str] | None:
        """A test that hung until the timeout, as faulthandler's dump names it."""
        from ameide.ecosystems.uv.report import hang

        return hang(tail) if result.status == "timeout" else None


ECOSYSTEM = Uv()
