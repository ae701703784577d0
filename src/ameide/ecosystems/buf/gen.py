"""buf.gen*.yaml: which modules a template generates from, where each plugin's output lands,
whether that output is committed, and so which targets a changed proto reaches.

- Inputs: `inputs` (v2: `directory`, `proto_file`; with `paths`, `exclude_paths`, `types`),
  else the buf workspace whose config sits in the template's directory (not standalone
  modules below it).
- Where a Go plugin's file lands: the proto's Go package — managed mode's
  `go_package_prefix` (+ the proto's directory) or the file's `go_package` option — placed
  under `out` by `paths=source_relative` (the proto's own directory), `module=<prefix>` (the
  package path minus the prefix) or the full import path; connect-go adds `<name>connect/`.
  Other plugins: the `out` directory.
- Committed or made at build time: a Go output is committed when the index holds a file named
  after the proto where it lands (`order.pb.go`, `order_grpc.pb.go`); another plugin's when the
  index holds, under its `out`, a file named after one of the protos or any file in the
  directory of a proto package (betterproto's `acme/orders/v1/__init__.py`). Committed output
  is ordinary source; build-time output routes the proto (and every proto importing it) to
  the targets it lands in: the Go package at that directory, or the Go packages importing
  its import path although no package answers it (generated code is not in the index), or
  for other plugins the target(s) holding `out`.
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

from ameide.ecosystems import join, parent, within

if TYPE_CHECKING:
    from typing import Any

    from ameide.ecosystems import Context, Part


def _str_list(v: Any) -> list[str]:
    if isinstance(v, str):
        return [v]
    return [x for x in v if isinstance(x, str)] if isinstance(v, list) else []


def _opts(v: Any) -> list[str]:
    out: list[str] = []
    for o in _str_list(v):
        out += [x.strip() for x in o.split(",") if x.strip()]
    return out


def parse_template(doc: dict[str, Any], version: str) -> dict[str, Any]:
    inputs = None
    if isinstance(doc.get("inputs"), list):
        inputs = []
        for i in doc["inputs"]:
            if not isinstance(i, dict):
                continue
            entry: dict[str, Any] = {}
            if isinstance(i.get("directory"), str):
                entry["directory"] = i["directory"]
            elif isinstance(i.get("proto_file"), str):
                entry["proto_file"] = i["proto_file"]
            else:
                continue  # a remote module, git repository or archive: nothing in this repo
            for key in ("paths", "exclude_paths", "types", "exclude_types"):
                if _str_list(i.get(key)):
                    entry[key] = _str_list(i.get(key))
            inputs.append(entry)
    plugins = doc.get("plugins") or []
    if not isinstance(plugins, list):
        return {"error": "'plugins' must be a list"}
    plist = []
    for p in plugins:
        if not isinstance(p, dict) or not isinstance(p.get("out"), str):
            continue
        name = next(
            (
                str(p[k])
                for k in ("local", "remote", "protoc_builtin", "plugin", "name")
                if p.get(k)
            ),
            "",
        )
        if isinstance(p.get("local"), list):
            name = " ".join(str(x) for x in p["local"])
        entry = {"name": name, "out": p["out"], "opt": _opts(p.get("opt"))}
        for key in ("types", "exclude_types"):
            if _str_list(p.get(key)):
                entry[key] = _str_list(p.get(key))
        plist.append(entry)
    return {
        "kind": "gen",
        "version": version,
        "inputs": inputs,
        "plugins": plist,
        "outs": sorted({p["out"] for p in plist}),
        "managed": _managed(doc.get("managed"), version),
    }


def _managed(m: Any, version: str) -> dict[str, Any]:
    """Managed mode's go_package_prefix rules: [{"value", "module", "path"}] in order (the last
    matching rule wins, as in buf v2), and what is disabled for go_package."""
    if not isinstance(m, dict) or not m.get("enabled"):
        return {}
    rules: list[dict[str, str]] = []
    disabled: list[dict[str, str]] = []
    if version == "v2":
        for o in m.get("override") or []:
            if isinstance(o, dict) and o.get("file_option") == "go_package_prefix":
                rules.append(
                    {k: str(o[k]) for k in ("value", "module", "path") if isinstance(o.get(k), str)}
                )
        for dis in m.get("disable") or []:
            if isinstance(dis, dict) and dis.get("file_option") in (
                None,
                "go_package",
                "go_package_prefix",
            ):
                disabled.append(
                    {k: str(dis[k]) for k in ("module", "path") if isinstance(dis.get(k), str)}
                )
    else:
        g = m.get("go_package_prefix")
        if isinstance(g, dict) and isinstance(g.get("default"), str):
            rules.append({"value": g["default"]})
            for mod, prefix in (g.get("override") or {}).items():
                if isinstance(prefix, str):
                    rules.append({"value": prefix, "module": str(mod)})
            for mod in _str_list(g.get("except")):
                disabled.append({"module": mod})
    return {"rules": rules, "disable": disabled} if rules else {}


def _go_plugin(name: str) -> bool:
    n = name.lower()
    return "go" in n.replace("google", "").replace("mongo", "").split("/")[-1] or n.endswith("/go")


class Out:
    def __init__(self, key: str, d: str) -> None:
        self.key = key  # the plugin entry: "<out>|<plugin name>"
        self.dir = d
        self.committed = False
        self.consumers: set[str] = set()


class Template:
    def __init__(self, path: str, inputs: list[str]) -> None:
        self.path = path
        self.inputs = inputs
        self.outs: list[Out] = []


class Templates:
    """Every template of the repository with its inputs, outputs and the routes it creates."""

    def __init__(
        self,
        ctx: Context,
        modules: dict[str, str],
        workspace_of: dict[str, str],
        protos: dict[str, list[tuple[str, dict[str, Any]]]],
        module_of: dict[str, str],
        imported_by: dict[str, set[str]],
        part: Part,
    ) -> None:
        self.ctx = ctx
        self.modules = modules
        self.protos = protos
        self.module_of = module_of
        self.imported_by = imported_by
        self.templates: list[Template] = []
        self.direct: dict[str, set[str]] = {}  # proto -> consumers of its own build-time output
        self.others = [t for t in ctx.targets.values() if t.ecosystem != "buf"]
        self.go_by_dir = {t.path: t for t in self.others if t.ecosystem == "go"}
        self.go_modules = sorted(
            {(t.meta["module_dir"], t.meta["module"]) for t in self.go_by_dir.values()},
            key=lambda x: -len(x[0]),
        )
        self.go_unresolved: dict[str, list[str]] = {}
        for t in self.go_by_dir.values():
            for ref in t.meta.get("unresolved", ()):
                self.go_unresolved.setdefault(ref[3:], []).append(t.id)
        self.by_dir: dict[str, list[str]] = {}
        for p in ctx.paths:
            self.by_dir.setdefault(parent(p), []).append(p.rsplit("/", 1)[-1])
        for path, f in sorted(ctx.facts.items()):
            if not _is_gen(path):
                continue
            if f.get("error"):
                part.errors.append((path, f["error"], "see the buf.gen.yaml reference"))
                continue
            tpl = self._template(path, f, workspace_of, part)
            if tpl is not None:
                self.templates.append(tpl)

    def _template(
        self, path: str, f: dict[str, Any], workspace_of: dict[str, str], part: Part
    ) -> Template | None:
        g = parent(path)
        selected: dict[str, dict[str, Any]] = {}  # module -> filters
        if f["inputs"] is not None:
            for i in f["inputs"]:
                if "proto_file" in i:
                    pf = join(g, i["proto_file"])
                    m = self.module_of.get(pf)
                    if m is not None:
                        selected.setdefault(m, {}).setdefault("files", []).append(pf)
                    continue
                r = join(g, i["directory"])
                for m in self.modules:
                    ws = workspace_of.get(m)
                    if within(m, r) or m == r or (ws is not None and parent(ws) == r):
                        selected.setdefault(m, {}).update(
                            {k: i[k] for k in ("paths", "exclude_paths", "types") if k in i}
                        )
                        selected[m]["input"] = r
        else:  # the workspace (or module) whose config sits beside the template
            for m, cfg in self.modules.items():
                ws = workspace_of.get(m)
                if parent(ws or cfg) == g or m == g:
                    selected.setdefault(m, {})
        inputs = sorted(selected)
        if not inputs:
            part.warnings.append(f"{path}: its inputs name no buf module")
            return None
        tpl = Template(path, inputs)
        files = {
            m: [p for p, pf in self.protos[m] if _selected(p, pf, m, g, selected[m])]
            for m in inputs
        }
        for plugin in f["plugins"]:
            od = join(g, plugin["out"])
            out = Out(f"{plugin['out']}|{plugin['name']}", od)
            tpl.outs.append(out)
            go = _go_plugin(plugin["name"])
            landed: dict[str, set[str]] = {}  # proto -> consumers (build-time output only)
            committed_any = False
            committed_dir: bool | None = None
            for m in inputs:
                for proto in files[m]:
                    facts = dict(self.protos_facts(m).get(proto, {}))
                    stem = proto.rsplit("/", 1)[-1][: -len(".proto")]
                    if go:
                        land = self._go_landing(proto, m, facts, od, plugin, f["managed"])
                        if land is None:
                            continue
                        if self._has_named(land, stem):
                            committed_any = True
                            continue
                        # if one of the plugin's files is committed, they all are: a plugin
                        # writes nothing for some protos (connect-go: those without a service)
                        landed[proto] = self._go_consumers(land)
                    else:
                        if committed_dir is None:
                            committed_dir = self._committed_below(od, files)
                        if committed_dir:
                            committed_any = True
                            continue
                        landed[proto] = self._dir_consumers(od)
            out.committed = committed_any
            if committed_any:
                landed = {}
            for proto, consumers in landed.items():
                out.consumers |= consumers
                self.direct.setdefault(proto, set()).update(consumers)
        return tpl

    def protos_facts(self, m: str) -> dict[str, dict[str, Any]]:
        return dict(self.protos[m])

    def _go_landing(
        self,
        proto: str,
        m: str,
        facts: dict[str, Any],
        od: str,
        plugin: dict[str, Any],
        managed: dict[str, Any],
    ) -> str | None:
        rel = proto if m == "." else proto[len(m) + 1 :]
        rel_dir = parent(rel)
        gopkg = _managed_go_package(managed, m, rel) or facts.get("go_package")
        opts = plugin["opt"]
        if "paths=source_relative" in opts:
            land = join(od, rel_dir)
        else:
            if not gopkg:
                return None
            prefix = next((o[len("module=") :] for o in opts if o.startswith("module=")), None)
            if prefix is not None:
                if gopkg != prefix and not gopkg.startswith(prefix + "/"):
                    return None
                land = join(od, gopkg[len(prefix) + 1 :] if gopkg != prefix else ".")
            else:
                land = join(od, gopkg)
        if "connect" in plugin["name"].lower():
            land = join(land, f"{_go_name(facts, gopkg, rel_dir)}connect")
        return land

    def _has_named(self, d: str, stem: str) -> bool:
        return any(n.startswith((stem + ".", stem + "_")) for n in self.by_dir.get(d, ()))

    def _committed_below(self, od: str, files: dict[str, list[str]]) -> bool:
        """Does the index hold generated code under `od` for one of the template's protos? A
        file named after the proto (`order_pb.js`, `order_pb2.py`) beside its directory's
        mirror or in `od`, or any file in the directory of its proto package
        (betterproto's `acme/orders/v1/__init__.py`)."""
        for m, protos in files.items():
            facts = self.protos_facts(m)
            for proto in protos:
                rel = proto if m == "." else proto[len(m) + 1 :]
                stem = rel.rsplit("/", 1)[-1][: -len(".proto")]
                if self._has_named(join(od, parent(rel)), stem) or self._has_named(od, stem):
                    return True
                pkg = str(facts.get(proto, {}).get("package") or "")
                if pkg and self.by_dir.get(join(od, pkg.replace(".", "/"))):
                    return True
        return False

    def _go_consumers(self, land: str) -> set[str]:
        found: set[str] = set()
        t = self.go_by_dir.get(land)
        if t is not None:
            found.add(t.id)
        for mdir, mpath in self.go_modules:
            if within(land, mdir):
                rel = "" if land == mdir else (land if mdir == "." else land[len(mdir) + 1 :])
                imp = mpath + ("/" + rel if rel else "")
                found.update(self.go_unresolved.get(imp, ()))
                break
        return found

    def _dir_consumers(self, od: str) -> set[str]:
        found = {t.id for t in self.others if t.path != "." and within(t.path, od)}
        best: list[str] = []
        depth = -1
        for t in self.others:
            if within(od, t.path):
                n = 0 if t.path == "." else t.path.count("/") + 1
                if n > depth:
                    best, depth = [t.id], n
                elif n == depth:
                    best.append(t.id)
        return found | set(best)

    def routes(self) -> dict[str, list[str]]:
        """proto -> the targets its build-time output lands in, and those of every generated
        proto importing it (their generated code imports its generated code), transitively
        through generated protos only: code that is not generated imports nothing."""
        out: dict[str, list[str]] = {}
        for proto in sorted(self.direct):
            seen = {proto}
            stack = [proto]
            consumers: set[str] = set()
            while stack:
                cur = stack.pop()
                consumers |= self.direct[cur]
                for nxt in self.imported_by.get(cur, ()):
                    if nxt not in seen and nxt in self.direct:
                        seen.add(nxt)
                        stack.append(nxt)
            if consumers:
                out[proto] = sorted(consumers)
        return out


def _go_name(facts: dict[str, Any], gopkg: str | None, rel_dir: str) -> str:
    """The Go package name: the `go_package` option's `;name`, else as managed mode derives
    it from the proto package (`acme.orders.v1` -> `ordersv1`), else the last path element."""
    if facts.get("go_name"):
        return str(facts["go_name"])
    parts = str(facts.get("package") or "").split(".")
    if len(parts) >= 2 and re.fullmatch(r"v\d+(?:(?:alpha|beta|test)\d*)?", parts[-1]):
        return parts[-2] + parts[-1]
    if parts and parts[-1]:
        return parts[-1]
    return (gopkg or rel_dir).rsplit("/", 1)[-1]


def _is_gen(path: str) -> bool:
    from ameide.ecosystems.buf import _GEN

    return bool(_GEN.match(path.rsplit("/", 1)[-1]))


def _managed_go_package(managed: dict[str, Any], m: str, rel: str) -> str | None:
    if not managed:
        return None
    for dis in managed.get("disable", []):
        if _rule_applies(dis, m, rel):
            return None
    value = None
    for rule in managed.get("rules", []):
        if _rule_applies(rule, m, rel):
            value = rule["value"]
    if value is None:
        return None
    d = parent(rel)
    return value if d == "." else f"{value}/{d}"


def _rule_applies(rule: dict[str, str], m: str, rel: str) -> bool:
    mod = rule.get("module")
    if mod is not None and not (mod == m or mod.endswith("/" + m) or m.endswith(mod)):
        return False
    path = rule.get("path")
    return path is None or within(rel, posixpath.normpath(path))


def _selected(proto: str, facts: dict[str, Any], m: str, g: str, filt: dict[str, Any]) -> bool:
    rel = proto if m == "." else proto[len(m) + 1 :]
    if "files" in filt and proto not in filt["files"]:
        return False

    def hit(p: str) -> bool:
        p = posixpath.normpath(p)
        return within(rel, p) or within(proto, join(g, p))

    if "paths" in filt and not any(hit(p) for p in filt["paths"]):
        return False
    if any(hit(p) for p in filt.get("exclude_paths", ())):
        return False
    if "types" in filt:
        pkg = facts.get("package") or ""
        if not any(t == pkg or t.startswith(pkg + ".") for t in filt["types"] if pkg):
            return False
    return True


def changed_outs(
    before: bytes | None, after: bytes | None, keys: list[str]
) -> list[tuple[str, str]]:
    """(out key, why) for the plugin entries whose generation changed between two versions of
    a template: a plugin added, removed or changed in any of its settings (`opt`,
    `strategy`, `include_imports`, ...); every entry when the inputs or managed mode changed."""
    from ameide.yamlio import load_yaml

    def load(data: bytes | None) -> dict[str, Any]:
        if data is None:
            return {}
        try:
            doc = load_yaml(data) or {}
        except ValueError:
            return {}
        return doc if isinstance(doc, dict) else {}

    def plugins(doc: dict[str, Any]) -> dict[str, Any]:
        parsed = parse_template(doc, str(doc.get("version", "v1"))) if doc else {}
        raw = [p for p in doc.get("plugins") or [] if isinstance(p, dict) and "out" in p]
        return {
            f"{p['out']}|{p['name']}": r
            for p, r in zip(parsed.get("plugins", []), raw, strict=False)
        }

    b, a = load(before), load(after)
    if b.get("inputs") != a.get("inputs") or b.get("managed") != a.get("managed"):
        return [(k, "inputs or managed mode changed") for k in keys]
    pb, pa = plugins(b), plugins(a)
    return [
        (k, f"plugin {k.split('|', 1)[1] or k} changed") for k in keys if pb.get(k) != pa.get(k)
    ]
