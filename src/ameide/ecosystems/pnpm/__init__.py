"""pnpm: workspace projects from pnpm-workspace.yaml globs (and the workspace root project),
edges from package.json dependencies as pnpm's own `createPkgGraph` links them.

Edges: every dependency field (`dependencies` over `optionalDependencies` over
`devDependencies` over `peerDependencies` for one name), linked when the spec uses the
`workspace:` protocol or names a directory (`link:`, `file:`, a relative path), and a plain
version range only when `link-workspace-packages` is on (pnpm's default before v9). A name
shared by several projects is legal (test fixtures often share one): those projects get the
ids `pnpm:<name>@<dir>`. The workspace root project owns the files no other target owns, as
`pnpm --filter "...[<base>]"` counts them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ameide.ecosystems import (
    Context,
    ParseCache,
    Part,
    glob_regex,
    in_skipped_dir,
    join,
    match_globs,
    parent,
    within,
)
from ameide.ecosystems.base import EcosystemBase
from ameide.ecosystems.pnpm import tools as pnpm_tools
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

NAME = "pnpm"
DEP_FIELDS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")
# later fields win for one name, as in createPkgGraph
_MERGE_ORDER = ("peerDependencies", "devDependencies", "optionalDependencies", "dependencies")


def relevant(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name in ("package.json", "pnpm-workspace.yaml", ".npmrc") and not in_skipped_dir(path)


def parse(path: str, data: bytes) -> dict[str, Any]:
    if path.endswith(".npmrc"):
        return _parse_npmrc(data)
    if path.endswith("pnpm-workspace.yaml"):
        doc = _workspace_doc(data)
        if "error" in doc:
            return doc
        facts: dict[str, Any] = {"packages": doc["packages"]}
        link = doc.get("linkWorkspacePackages")
        if link is not None:
            facts["link"] = link
        for key, fact in _PATTERN_SETTINGS:
            value = doc.get(key)
            if isinstance(value, str):
                value = [value]
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                facts[fact] = value
        return facts
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
    for fld in _MERGE_ORDER:
        deps.update(doc.get(fld) or {})
    facts = {
        "name": doc.get("name"),
        "deps": dict(sorted(deps.items())),
        "scripts": sorted(doc.get("scripts") or {}),
        "packageManager": doc.get("packageManager"),
    }
    version = doc.get("version")
    if isinstance(version, str):
        facts["version"] = version
    return facts


def _workspace_doc(data: bytes | None) -> dict[str, Any]:
    """pnpm-workspace.yaml as a mapping with a checked `packages` list (or {"error": ...})."""
    from ameide.yamlio import load_yaml

    if data is None:
        return {"packages": []}
    try:
        doc = load_yaml(data)
    except ValueError as exc:
        return {"error": str(exc)}
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        return {"error": "expected a mapping with a 'packages' list"}
    pkgs = doc.get("packages", [])
    if pkgs is None:
        pkgs = []
    if not isinstance(pkgs, list) or not all(isinstance(p, str) for p in pkgs):
        return {"error": "'packages' must be a list of glob strings"}
    return {**doc, "packages": pkgs}


# pnpm settings that change what `--filter "[<base>]"` counts as a change (camelCase in
# pnpm-workspace.yaml, kebab-case in .npmrc): files to leave out, and files whose change marks
# their project alone (not its dependents)
_PATTERN_SETTINGS = (
    ("changedFilesIgnorePattern", "ignore_pattern"),
    ("testPattern", "test_pattern"),
)
_NPMRC_KEYS = {
    "link-workspace-packages": "link",
    "changed-files-ignore-pattern": "ignore_pattern",
    "test-pattern": "test_pattern",
}


def _parse_npmrc(data: bytes) -> dict[str, Any]:
    """The .npmrc settings that change the graph or the change detection."""
    facts: dict[str, Any] = {}
    for raw in data.decode("utf-8", "replace").splitlines():
        key, sep, value = raw.partition("=")
        key = key.strip().removesuffix("[]")
        fact = _NPMRC_KEYS.get(key)
        if not sep or fact is None:
            continue
        v = value.strip().strip("\"'")
        if fact == "link":
            low = v.lower()
            facts["link"] = True if low == "true" else ("deep" if low == "deep" else False)
        else:
            facts.setdefault(fact, []).append(v)
    return facts


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


def _pnpm_major(manager: Any) -> int | None:
    if isinstance(manager, str) and manager.startswith("pnpm@"):
        head = manager[5:].split(".", 1)[0]
        return int(head) if head.isdigit() else None
    return None


def build(ctx: Context) -> Part:
    part = Part()
    ws_data: dict[str, Any] = {}
    candidates_all = [
        parent(p) for p, f in ctx.facts_named("package.json") if not in_skipped_dir(p)
    ]
    # pnpm finds one workspace: the nearest pnpm-workspace.yaml above where it runs. One nested
    # inside another workspace's directory (a test fixture's) is data, not a workspace of ours
    found = sorted(
        (p, f) for p, f in ctx.facts_named("pnpm-workspace.yaml") if not in_skipped_dir(p)
    )
    outer = [parent(p) for p, _ in found]
    workspaces: list[tuple[str, str, list[tuple[str, dict[str, Any]]], bool]] = []
    for ws_path, ws in found:
        ws_dir = parent(ws_path)
        if any(o != ws_dir and within(ws_dir, o) for o in outer):
            continue
        if ws.get("error"):
            part.errors.append((ws_path, ws["error"], "fix the YAML syntax of this file"))
            continue
        includes = [g for g in ws["packages"] if not g.startswith("!")]
        excludes = [g[1:] for g in ws["packages"] if g.startswith("!")]
        candidates = [d for d in candidates_all if within(d, ws_dir)]
        members = [d for d in match_globs(candidates, includes, excludes, ws_dir) if d != ws_dir]
        rootglob = "" if ws_dir == "." else ws_dir + "/"
        part.configs.append(ConfigRef(ws_path, NAME, ws_dir))
        # the root manifest configures every member (and pins pnpm itself): a broken one is
        # an error here, before any toolchain check reads it
        root_path = f"{rootglob}package.json"
        root_facts = ctx.facts.get(root_path)
        if root_facts is not None and root_facts.get("error"):
            part.errors.append((root_path, root_facts["error"], _hint(root_facts)))
            root_facts = None
        if f"{rootglob}pnpm-lock.yaml" in ctx.paths:
            part.lockfiles.append(LockfileRef(f"{rootglob}pnpm-lock.yaml", "pnpm", ws_dir))
        link = ws.get("link")
        if link is None:
            link = (ctx.facts.get(f"{rootglob}.npmrc") or {}).get("link")
        if link is None:  # pnpm 9 turned linking of plain version ranges off
            major = _pnpm_major((root_facts or {}).get("packageManager"))
            link = major is not None and major < 9
        projects: list[tuple[str, dict[str, Any]]] = []
        if root_facts is not None:
            projects.append((ws_dir, root_facts))
        for d in members:
            mpath = join(d, "package.json")
            f = ctx.facts[mpath]
            if f.get("error"):
                part.errors.append((mpath, f["error"], _hint(f)))
                continue
            if not f.get("name"):
                part.warnings.append(f'{mpath}: no "name"; using its directory as the name')
            projects.append((d, f))
        workspaces.append((ws_dir, ws_path, projects, bool(link)))
        ws_data[ws_dir] = {"candidates": sorted(c for c in candidates if c != ws_dir)}
        npmrc = ctx.facts.get(f"{rootglob}.npmrc") or {}
        for _, fact in _PATTERN_SETTINGS:
            patterns = ws.get(fact) or npmrc.get(fact)
            if patterns:
                ws_data[ws_dir][fact] = list(patterns)

    # ids: `pnpm:<name>`, or `pnpm:<name>@<dir>` for every project of a name several share
    count: dict[str, int] = {}
    for _, _, projects, _ in workspaces:
        for d, f in projects:
            name = f.get("name") or d
            count[name] = count.get(name, 0) + 1
    for ws_dir, _, projects, link in workspaces:
        tid_of: dict[str, str] = {}
        by_name: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for d, f in projects:
            name = f.get("name") or d
            tid_of[d] = f"pnpm:{name}" if count[name] == 1 else f"pnpm:{name}@{d}"
            if f.get("name"):
                by_name.setdefault(name, []).append((d, f))
        for d, f in projects:
            part.targets.append(_target(ws_dir, d, f, by_name, tid_of, link, count))
        ws_data[ws_dir]["members"] = {d: tid_of[d] for d, _ in projects if d != ws_dir}
        ws_data[ws_dir]["root"] = tid_of.get(ws_dir)
    if ws_data:
        part.data = {"workspaces": ws_data}
    return part


def _target(
    ws_dir: str,
    d: str,
    f: dict[str, Any],
    by_name: dict[str, list[tuple[str, dict[str, Any]]]],
    tid_of: dict[str, str],
    link: bool,
    count: dict[str, int],
) -> Target:
    name = f.get("name") or d
    deps: set[str] = set()
    missing: set[str] = set()  # `workspace:` deps no project answers (deleted ones)
    catalogs: set[str] = set()
    for dep, spec in f["deps"].items():
        if spec.startswith("catalog:"):
            catalogs.add(f"{spec[len('catalog:') :] or 'default'}:{dep}")
            continue
        found, ref = _link(d, dep, spec, by_name, tid_of, link)
        if found is not None and found != d:
            deps.add(tid_of[found])
        elif ref is not None:
            missing.add(ref)
    meta: dict[str, Any] = {
        "scripts": f["scripts"],
        "importer": "." if d == ws_dir else (d if ws_dir == "." else d[len(ws_dir) + 1 :]),
    }
    if d == ws_dir:
        meta["root"] = True
    if count[name] > 1:
        meta["duplicate_name"] = name
    if catalogs:
        meta["catalogs"] = sorted(catalogs)
    if missing:
        meta["unresolved"] = sorted(missing)
    tid = tid_of[d]
    deps.discard(tid)
    return Target(
        id=tid,
        ecosystem=NAME,
        name=name,
        path=d,
        deps=tuple(sorted(deps)),
        manifest=join(d, "package.json"),
        group=ws_dir,
        meta=meta,
    )


def _link(
    d: str,
    dep: str,
    spec: str,
    by_name: dict[str, list[tuple[str, dict[str, Any]]]],
    tid_of: dict[str, str],
    link: bool,
) -> tuple[str | None, str | None]:
    """(project dir the dependency links to, None) or (None, id of a `workspace:` dependency
    no project answers) or (None, None): pnpm's createPkgGraph rules."""
    from ameide.ecosystems.pnpm import semver

    workspace = spec.startswith("workspace:")
    raw = spec[len("workspace:") :] if workspace else spec
    for prefix in ("link:", "file:"):
        if raw.startswith(prefix):
            raw = raw[len(prefix) :]
            break
    else:
        prefix = ""
    if prefix or raw.startswith(("./", "../", "/")) or raw in (".", ".."):
        target = join(d, raw)
        if target in tid_of:
            return target, None
        return None, (f"pnpm:{dep}" if workspace else None)
    name = dep
    if workspace:
        alias = _workspace_alias(spec)
        if alias is not None:
            name = alias
            at = raw.rfind("@")
            raw = raw[at + 1 :] if at > 0 else "*"
        if raw == "":
            raw = "*"
    elif not semver.is_range(raw):
        return None, None  # a tag, URL, git or npm: alias: never a workspace link
    return _by_version(name, raw, by_name, workspace, link)


def _by_version(
    name: str,
    raw: str,
    by_name: dict[str, list[tuple[str, dict[str, Any]]]],
    workspace: bool,
    link: bool,
) -> tuple[str | None, str | None]:
    from ameide.ecosystems.pnpm import semver

    pkgs = by_name.get(name)
    if not pkgs:
        return None, (f"pnpm:{name}" if workspace else None)
    if not workspace and not link:
        return None, None
    versions = [f["version"] for _, f in pkgs if f.get("version")]
    if workspace and not versions:
        return pkgs[0][0], None
    if raw in versions:
        return next(d for d, f in pkgs if f.get("version") == raw), None
    best = semver.max_satisfying(versions, raw)
    if best is None:
        return None, None
    return next(d for d, f in pkgs if f.get("version") == best), None


# --- ownership ---------------------------------------------------------------------------------


class Owners:
    """The deepest workspace project whose directory holds a changed file (the root project
    is the fallback for files no target of any ecosystem owns, decided by the caller). A file
    matching `changedFilesIgnorePattern` is no change at all for pnpm; one matching
    `testPattern` marks its project alone, not its dependents — as `--filter "...[<base>]"`
    counts them."""

    def __init__(self, graph: Graph) -> None:
        self.by_dir: dict[str, list[str]] = {}
        for t in graph.targets.values():
            if t.ecosystem == NAME and not t.meta.get("root"):
                self.by_dir.setdefault(t.path, []).append(t.id)
        self.patterns: list[tuple[str, list[Any], list[Any]]] = []
        for ws_dir, ws in sorted(((graph.data.get(NAME) or {}).get("workspaces") or {}).items()):
            ignore = [glob_regex(p) for p in ws.get("ignore_pattern", ())]
            test = [glob_regex(p) for p in ws.get("test_pattern", ())]
            if ignore or test:
                self.patterns.append((ws_dir, ignore, test))

    def _setting(self, path: str) -> str | None:
        for ws_dir, ignore, test in self.patterns:
            if within(path, ws_dir):
                if any(rx.match(path) for rx in ignore):
                    return "ignore"
                if any(rx.match(path) for rx in test):
                    return "test"
        return None

    def claims(self, path: str) -> bool:
        return bool(self.patterns) and self._setting(path) == "ignore"

    def owners(self, path: str) -> list[tuple[str, bool]]:
        if not self.by_dir:
            return []
        setting = self._setting(path) if self.patterns else None
        if setting == "ignore":
            return []
        d = parent(path)
        while True:
            ids = self.by_dir.get(d)
            if ids:
                return [(tid, setting == "test") for tid in sorted(ids)]
            if d == ".":
                return []
            d = parent(d)


# --- pnpm-workspace.yaml and pnpm-lock.yaml ----------------------------------------------------


def impact(
    graph: Graph, changed: list[tuple[ConfigRef, bytes | None, bytes | None]]
) -> list[Impact]:
    """pnpm-workspace.yaml: its ordinary owner (the workspace root project) plus what its
    changed keys affect: `packages` -> the projects that joined; a `catalog`/`catalogs`
    entry -> the projects using it; `linkWorkspacePackages` -> every project. `overrides`,
    `patchedDependencies` and the other settings reach projects through the lockfile."""
    out: list[Impact] = []
    data = (graph.data.get(NAME) or {}).get("workspaces", {})
    targets = [t for t in graph.targets.values() if t.ecosystem == NAME]
    for ref, before, after in changed:
        ws = data.get(ref.workspace) or {}
        b, a = _workspace_doc(before), _workspace_doc(after)
        if "error" in b:
            b = {"packages": []}
        if "error" in a:
            continue
        members = [t for t in targets if t.group == ref.workspace]
        root = ws.get("root")
        if root:
            out.append(Impact(root, ref.path, "the workspace root project's own file"))
        if b.get("packages") != a.get("packages"):
            cands = ws.get("candidates", [])
            joined = _members(cands, a, ref.workspace) - _members(cands, b, ref.workspace)
            for d in sorted(joined):
                tid = ws.get("members", {}).get(d)
                if tid:
                    out.append(Impact(tid, ref.path, f"packages: {d} joined the workspace"))
        if b.get("linkWorkspacePackages") != a.get("linkWorkspacePackages"):
            why = (
                f"linkWorkspacePackages {b.get('linkWorkspacePackages')} -> "
                f"{a.get('linkWorkspacePackages')}"
            )
            out.extend(Impact(t.id, ref.path, why) for t in members)
        for entry, what in sorted(_catalog_changes(b, a).items()):
            for t in members:
                if entry in t.meta.get("catalogs", ()):
                    out.append(Impact(t.id, ref.path, what))
    return out


def _members(candidates: list[str], doc: dict[str, Any], ws_dir: str) -> set[str]:
    inc = [g for g in doc["packages"] if not g.startswith("!")]
    exc = [g[1:] for g in doc["packages"] if g.startswith("!")]
    return set(match_globs(candidates, inc, exc, ws_dir))


def _catalogs(doc: dict[str, Any]) -> dict[str, Any]:
    """catalog name -> {dependency: specifier}; `catalog:` is the catalog named default."""
    out: dict[str, Any] = {}
    named = doc.get("catalogs")
    if isinstance(named, dict):
        for k, v in named.items():
            if isinstance(v, dict):
                out[str(k)] = dict(v)
    default = doc.get("catalog")
    if isinstance(default, dict):
        out.setdefault("default", {}).update(default)
    return out


def _catalog_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, str]:
    b, a = _catalogs(before), _catalogs(after)
    out: dict[str, str] = {}
    for cat in set(b) | set(a):
        eb, ea = b.get(cat, {}), a.get(cat, {})
        for dep in set(eb) | set(ea):
            if eb.get(dep) != ea.get(dep):
                label = "catalog" if cat == "default" else f"catalogs.{cat}"
                out[f"{cat}:{dep}"] = (
                    f"{label}: {dep} {eb.get(dep, '(none)')} -> {ea.get(dep, '(none)')}"
                )
    return out


def lock_impact(
    graph: Graph,
    lf: LockfileRef,
    before: bytes | None,
    after: bytes | None,
    cache: ParseCache | None = None,
) -> tuple[list[Impact], str | None]:
    """The importers whose resolved closure changed (the closure rule), with what changed."""
    members = [t for t in graph.targets.values() if t.ecosystem == NAME and t.group == lf.workspace]
    if before is None or after is None:
        what = "lockfile added" if before is None else "lockfile deleted"
        return [Impact(t.id, lf.path, what) for t in sorted(members, key=lambda t: t.id)], None
    from ameide.ecosystems.pnpm import lock

    cache = cache or ParseCache(None)
    b, a = cache.get("pnpm", before, lock.parse), cache.get("pnpm", after, lock.parse)
    if b is None or a is None:
        try:
            diff = _yaml_changes(before, after)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            why = f"{lf.path}: cannot read the lockfile ({exc}); all its projects affected"
            return [Impact(t.id, lf.path, "unreadable lockfile") for t in members], why
    else:
        diff = lock.changes(b, a)
    by_importer = {t.meta.get("importer"): t.id for t in members}
    out = [Impact(by_importer[i], lf.path, what) for i, what in diff.items() if i in by_importer]
    return sorted(out, key=lambda x: x.target), None


def _yaml_changes(before: bytes, after: bytes) -> dict[str, str]:
    b, a = lock_closures(before), lock_closures(after)
    return {k: "resolved closure changed" for k in set(a) if b.get(k) != a.get(k)}


def lock_closures(data: bytes) -> dict[str, str]:
    """importer path -> digest of its resolved dependency closure in a pnpm-lock.yaml."""
    import hashlib

    from ameide.ecosystems.pnpm import lock

    fast = lock.parse(data)
    if fast is not None:
        out: dict[str, str] = {}
        for imp, entry in fast["importers"].items():
            h = hashlib.sha256(entry[0].encode())
            for key, digest in sorted(lock.closure(fast, imp).items()):
                h.update(f"{key}\0{digest}\0".encode())
            out[imp] = h.hexdigest()
        return out
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

    out = {}
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


def former_ids(graph: Graph, deleted: list[str], reader: Any) -> dict[str, str]:
    """dir -> `pnpm:<name>` of the project a deleted package.json declared at the base."""
    wanted = [p for p in deleted if p.rpartition("/")[2] == "package.json"]
    out: dict[str, str] = {}
    for path, data in sorted(reader.at_base(wanted).items()):
        if data is None:
            continue
        name = parse(path, data).get("name") or parent(path)  # as build() names it
        if isinstance(name, str) and name:
            out[parent(path)] = f"pnpm:{name}"
    return out


# ------------------------------------------------------------------------------ the plug-in


class Pnpm(EcosystemBase):
    """pnpm workspaces (pnpm-workspace.yaml, package.json, pnpm-lock.yaml): package scripts
    under node, one frozen install per workspace, node's JUnit reporter."""

    name = NAME
    version = "1"
    tools = (pnpm_tools.NODE_TOOL, pnpm_tools.PNPM_TOOL)
    env_inputs = ("NODE_OPTIONS", "NODE_ENV", "NODE_PATH", "BROWSERSLIST_ENV")
    env_passthrough = (
        "NODE_EXTRA_CA_CERTS",
        "COREPACK_*",
        "PNPM_HOME",
        "npm_config_*",
        "pnpm_config_*",
    )
    presence_files = ("pnpm-lock.yaml",)
    cacheable_kinds = ("typecheck", "lint")

    relevant = staticmethod(relevant)
    parse = staticmethod(parse)
    build = staticmethod(build)
    owners = staticmethod(Owners)
    impact = staticmethod(impact)
    lock_impact = staticmethod(lock_impact)
    former_ids = staticmethod(former_ids)
    lock_closures = staticmethod(lock_closures)

    def tasks(self, ctx: PlanContext, targets: Sequence[Target]) -> list[Task]:
        from ameide.ecosystems.pnpm.tasks import tasks

        return tasks(ctx, targets)

    def installs(self, ctx: PlanContext, targets: Sequence[Target]) -> list[InstallSpec]:
        from ameide.ecosystems.pnpm.tasks import installs

        return installs(ctx, targets)

    def pins(self, root: str, config: Config, graph: Graph | None) -> dict[str, Pin]:
        return pnpm_tools.pins(root, config, graph)

    def lock_key(self, target: Target) -> tuple[str, str]:
        """An importer's own closure, and the lockfile-wide part (settings, overrides)."""
        return target.meta.get("importer") or ".", "."

    def case_lines(self, case: Case) -> list[str]:
        """Node's JUnit report says a failure three times, with node's own stack frames
        around it: the assertion error once (pnpm/report.py)."""
        from ameide.ecosystems.pnpm.report import case_lines

        return case_lines(case)

    def excerpt(self, result: TaskResult, tail: list[str]) -> list[str] | None:
        """An error node threw at the top level (a test file whose import failed) and what
        follows it, without node's own frames."""
        from ameide.ecosystems.pnpm.report import thrown

        return thrown(tail)


ECOSYSTEM = Pnpm()
