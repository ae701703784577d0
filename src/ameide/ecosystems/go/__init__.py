"""Go: modules from go.work/go.mod, packages from directories, edges from import blocks.

Import blocks are read from source (no toolchain needed to plan) and filtered by build
constraints the way `go list` filters them for linux/amd64 (constraints.py); files behind the
`integration` tag count too, since phase 2 builds them. Non-test imports are the package
graph's edges; `_test.go` imports extend only that package's test closure (Target.test_deps),
so a test-only import never makes a cycle and never passes a change on. A package owns the
files `go list` assigns to it (Go, cgo, assembly, embedded files) plus its `testdata/`;
anything else in its directory belongs to no package. go.mod and go.work are structured
config: a change affects what its changed directives affect (impact()).
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import TYPE_CHECKING

from ameide.ecosystems import Context, Part, join, parent, within
from ameide.ecosystems.base import EcosystemBase, ReportFormat
from ameide.ecosystems.go import constraints, gomod
from ameide.ecosystems.go import tools as tools_mod
from ameide.model import ConfigRef, Impact, Target

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any

    from ameide.config import Config
    from ameide.ecosystems.base import Pin, PlanContext
    from ameide.evidence.junit import Case
    from ameide.model import Graph
    from ameide.task import Task

NAME = "go"

_TOKEN = re.compile(
    r'\s+|//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|`[^`]*`|[A-Za-z_][A-Za-z0-9_]*|.', re.S
)
_EMBED = re.compile(r"^[ \t]*//go:embed[ \t]+([^\n]*)$", re.M)
_EMBED_ARG = re.compile(r'"((?:\\.|[^"\\])*)"|`([^`]*)`|(\S+)')
_SKIP_PARTS = ("vendor", "testdata", "node_modules")
_CLOSE_BLOCK = "close the block with a line holding only ')'"
# the files go/build lists for a package besides .go (cgo, assembly, SWIG, syso objects)
SOURCE_EXT = frozenset(
    (
        ".go",
        ".c",
        ".cc",
        ".cxx",
        ".cpp",
        ".m",
        ".s",
        ".S",
        ".sx",
        ".h",
        ".hh",
        ".hpp",
        ".hxx",
        ".f",
        ".F",
        ".for",
        ".f90",
        ".swig",
        ".swigcxx",
        ".syso",
    )
)


def relevant(path: str) -> bool:
    return path.endswith(".go") or path.endswith(("go.mod", "go.work"))


def parse(path: str, data: bytes) -> dict[str, Any]:
    name = path.rsplit("/", 1)[-1]
    text = data.decode("utf-8", "replace").removeprefix("\ufeff")  # go accepts a leading BOM
    if name in ("go.mod", "go.work"):
        return gomod.parse_mod(text)
    if name.endswith(".go"):
        return _parse_source(name, text)
    return {}


def _parse_source(name: str, text: str) -> dict[str, Any]:
    imports: list[str] = []
    go_build: str | None = None
    plus: list[str] = []
    pkg: str | None = None
    state = "header"  # header -> package -> imports
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok[0].isspace():
            continue
        if tok.startswith("//"):
            if state == "header":
                if tok.startswith("//go:build") and tok[10:11] in ("", " ", "\t", "\r"):
                    go_build = tok[len("//go:build") :].strip() if go_build is None else go_build
                elif tok.startswith("// +build"):
                    plus.append(tok[len("// +build") :].strip())
            continue
        if tok.startswith("/*"):
            continue
        if state == "header":
            if tok != "package":
                return {"error": "no package clause"}
            state = "package"
            continue
        if state == "package":
            pkg = tok
            state = "decls"
            continue
        if state == "decls":
            if tok == ";":
                continue
            if tok != "import":
                break
            state = "import"
            continue
        if state == "import":  # after `import`
            if tok == "(":
                state = "block"
                continue
            if tok[0] in '"`':
                imports.append(gomod.unquote(tok))
                state = "decls"
            continue  # an alias name, `.` or `_`
        if state == "block":
            if tok == ")":
                state = "decls"
            elif tok[0] in '"`':
                imports.append(gomod.unquote(tok))
            continue
    if pkg is None:
        return {"error": "no package clause"}
    tags = " && ".join(([go_build] if go_build is not None else []) + plus)
    if go_build is None and plus:
        plus = _plus_build_lines(text)  # only those go/build honours
    build = constraints.builds(name, go_build, plus)
    build_i = constraints.builds(name, go_build, plus, constraints.INTEGRATION)
    facts: dict[str, Any] = {
        "pkg": pkg,
        "imports": sorted(set(imports) - {"C"}),
        "test": name.endswith("_test.go"),
        "tags": tags,
        "build": build,
        # only with the `integration` tag: phase 2 builds it, `go list` does not
        "integration": build_i and not build,
    }
    embeds = _embed_patterns(text)
    if embeds:
        facts["embed"] = embeds
    return facts


def _plus_build_lines(text: str) -> list[str]:
    """The `// +build` lines go/build honours: those of the leading run of `//` comments and
    blank lines that a blank line separates from the first other line (a `// +build` right
    above `package` is part of its doc comment, not a constraint)."""
    end = 0
    lines = text.splitlines()
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            end = i
            continue
        if not line.startswith("//"):
            break
    out = []
    for raw in lines[:end]:
        line = raw.strip()
        if line.startswith("// +build"):
            out.append(line[len("// +build") :].strip())
    return out


def _embed_patterns(text: str) -> list[str]:
    if "//go:embed" not in text:
        return []
    out: set[str] = set()
    for m in _EMBED.finditer(text):
        for q, raw, bare in _EMBED_ARG.findall(m.group(1)):
            pat = q.replace('\\"', '"') if q else raw or bare
            if pat:
                out.add(pat)
    return sorted(out)


def skipped(rel_dir: str) -> bool:
    return any(p in _SKIP_PARTS or p.startswith((".", "_")) for p in rel_dir.split("/"))


def _std(imp: str) -> bool:
    """A standard-library import: no dot in the first path element (`net/http`)."""
    return "." not in imp.split("/", 1)[0]


def build(ctx: Context) -> Part:
    part = Part()
    mod_facts = {
        p: f
        for p, f in ctx.facts.items()
        if p.endswith("go.mod") and (p == "go.mod" or p.endswith("/go.mod"))
    }
    # every go.work (one at the root, or nested ones such as tools/go.work `use`ing `../..`);
    # a module go.work names explicitly counts even in a dir `./...` would skip (_examples/x)
    works = {
        parent(p): f
        for p, f in ctx.facts.items()
        if p.rpartition("/")[2] == "go.work" and (parent(p) == "." or not skipped(parent(p)))
    }
    used = {join(w, u) for w, f in works.items() for u in f.get("use", [])}
    modules: dict[str, str] = {}  # module dir -> module path
    broken: set[str] = set()  # module dirs whose go.mod is an error already
    for path in sorted(mod_facts):
        d = parent(path)
        if skipped(d) and d != "." and d not in used:
            continue
        f = mod_facts[path]
        if f.get("error"):
            broken.add(d)
            part.errors.append((path, f["error"], _CLOSE_BLOCK))
            continue
        if not f.get("module"):
            broken.add(d)
            part.errors.append(
                (
                    path,
                    "no 'module' directive",
                    "add a line 'module <import path>' at the top of go.mod",
                )
            )
            continue
        modules[d] = f["module"]
    for w, work in sorted(works.items()):
        wpath = join(w, "go.work")
        if work.get("error"):
            part.errors.append((wpath, work["error"], _CLOSE_BLOCK))
        for use in work.get("use", []):
            d = join(w, use)
            if d not in modules and d not in broken:
                part.errors.append(
                    (
                        wpath,
                        f"'use {use}' names a directory without go.mod",
                        f"create {join(d, 'go.mod')} or remove the use line",
                    )
                )
        part.configs.append(ConfigRef(wpath, NAME, w))
    part.data = {
        "mods": {d: _mod_summary(mod_facts[join(d, "go.mod")]) for d in sorted(modules)},
        "works": {w: _mod_summary(f) for w, f in sorted(works.items()) if not f.get("error")},
    }

    views = _Views(modules, mod_facts, works)
    # every module path some go.mod requires, longest first (an external import -> its module)
    required = sorted(
        {p for d in modules for p in mod_facts[join(d, "go.mod")].get("require", {})},
        key=lambda p: (-len(p), p),
    )

    # group source files by package directory, inside their nearest module
    pkgs: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    mod_of_dir: dict[str, str | None] = {}
    for path, f in sorted(ctx.facts.items()):
        if not path.endswith(".go"):
            continue
        d, _, name = path.rpartition("/")
        d = d or "."
        if name.startswith(("_", ".")):
            continue  # go/build lists such files nowhere
        mod = mod_of_dir.get(d, "")
        if mod == "":
            mod = _module_dir(d, modules)
            mod_of_dir[d] = mod
        if mod is None:
            continue
        rel = "" if d == mod else (d if mod == "." else d[len(mod) + 1 :])
        if rel and skipped(rel):
            continue
        if f.get("error"):
            part.warnings.append(f"{path}: {f['error']} (file ignored)")
            continue
        pkgs.setdefault(d, []).append((path, f))
    # a directory whose every file is excluded by build constraints is no package (go list
    # skips it); one built only with the integration tag is, since phase 2 builds it
    pkgs = {
        d: files
        for d, files in pkgs.items()
        if any(f.get("build") or f.get("integration") for _, f in files)
    }

    ids: dict[str, str] = {}
    for d in pkgs:
        mod = mod_of_dir[d]
        assert mod is not None
        rel = "" if d == mod else (d if mod == "." else d[len(mod) + 1 :])
        ids[d] = modules[mod] + ("/" + rel if rel else "")
    by_import = {imp: d for d, imp in ids.items()}

    for d in sorted(pkgs):
        mod = mod_of_dir[d]
        assert mod is not None
        tid = "go:" + ids[d]
        used_files = [(p, f) for p, f in pkgs[d] if f.get("build") or f.get("integration")]
        deps: set[str] = set()
        test_deps: set[str] = set()
        ext: set[str] = set()
        ext_test: set[str] = set()
        missing: set[str] = set()  # in-repo import paths no package answers (deleted ones)
        missing_test: set[str] = set()  # ... named by test files only
        embed: set[str] = set()
        test_embed: set[str] = set()
        for _, f in used_files:
            test = f["test"]
            (test_embed if test else embed).update(f.get("embed", ()))
            for imp in f["imports"]:
                local, real = views.resolve(mod, imp)
                if local is not None and real is not None:
                    dep_dir = by_import.get(real)
                    if dep_dir is not None and mod_of_dir.get(dep_dir) == local:
                        if dep_dir != d:
                            (test_deps if test else deps).add("go:" + ids[dep_dir])
                    else:  # in a module of the repo, but no package answers it (deleted)
                        (missing_test if test else missing).add("go:" + real)
                elif real is not None:  # under a local `replace` whose directory is gone
                    (missing_test if test else missing).add("go:" + real)
                elif not _std(imp):
                    (ext_test if test else ext).add(_module_of(imp, required))
        test_deps -= deps
        ext_test -= ext
        missing_test -= missing
        tests = [f for _, f in used_files if f["test"] and f.get("build")]
        integ = [f for _, f in used_files if f["test"] and f.get("integration")]
        names = sorted({f["pkg"] for _, f in used_files if not f["test"] and f.get("build")})
        names = names or sorted({f["pkg"] for _, f in used_files if not f["test"]})
        meta: dict[str, Any] = {
            "module": modules[mod],
            "module_dir": mod,
            "package": names[0] if names else None,
            "go_files": sum(1 for _, f in used_files if not f["test"]),
            "test_files": len(tests),
            "integration_files": len(integ),
        }
        for key, value in (
            ("ext", ext),
            ("ext_test", ext_test),
            ("embed", embed),
            ("test_embed", test_embed),
            ("unresolved", missing),
            ("unresolved_test", missing_test),
        ):
            if value:
                meta[key] = sorted(value)
        part.targets.append(
            Target(
                id=tid,
                ecosystem=NAME,
                name=ids[d],
                path=d,
                deps=tuple(sorted(deps)),
                manifest=join(mod, "go.mod"),
                group=mod,
                meta=meta,
                test_deps=tuple(sorted(test_deps)),
            )
        )
    by_mod: dict[str, list[str]] = {}
    for t in part.targets:
        by_mod.setdefault(t.group, []).append(t.id)
    for mod in sorted(modules):
        part.configs.append(ConfigRef(join(mod, "go.mod"), NAME, mod))
        ms = tuple(sorted(by_mod.get(mod, ())))
        part.module_files[join(mod, "go.mod")] = ms
        part.module_files[join(mod, "go.sum")] = ms
    return part


def _mod_summary(f: dict[str, Any]) -> dict[str, Any]:
    keys = ("module", "go", "toolchain", "godebug", "use", "require", "replaces", "exclude")
    return {k: f[k] for k in (*keys, "ignore") if k in f}


def _module_of(imp: str, required: list[str]) -> str:
    """The required module an external import belongs to (longest path prefix); the import
    path itself when no go.mod requires it."""
    for mpath in required:
        if imp == mpath or imp.startswith(mpath + "/"):
            return mpath
    return imp


def _module_dir(d: str, modules: dict[str, str]) -> str | None:
    while True:
        if d in modules:
            return d
        if d == ".":
            return None
        d = parent(d)


class _Views:
    """Which in-repo modules a module's build uses, as the go command resolves imports: the
    module itself, its workspace's modules (the go.work `use`ing it), and the targets of the
    local `replace` directives in force (the go.work's, then its own go.mod's; a dependency's
    own replaces do not apply). A module that requires a published version of another module
    of the repository, without such a replace, gets the published one: no in-repo edge."""

    def __init__(
        self,
        modules: dict[str, str],
        mod_facts: dict[str, dict[str, Any]],
        works: dict[str, dict[str, Any]],
    ) -> None:
        self.modules = modules
        self.by_path = {p: d for d, p in sorted(modules.items())}
        self.uses = {w: {join(w, u) for u in f.get("use", [])} for w, f in works.items()}
        self.work_view: dict[str, dict[str, str | None]] = {}
        for w, f in works.items():
            wv: dict[str, str | None] = {}
            for u in sorted(self.uses[w]):
                if u in modules:
                    wv.setdefault(modules[u], u)
            self._replaces(wv, w, f)
            self.work_view[w] = wv
        self.facts = mod_facts
        self.cache: dict[str, tuple[dict[str, str | None], list[str]]] = {}

    def _replaces(self, view: dict[str, str | None], base: str, f: dict[str, Any]) -> None:
        for old, new in f.get("replace", {}).items():
            tgt = join(base, new)
            if tgt in self.modules:
                view[old] = tgt
            elif not tgt.startswith(("../", "/")) and tgt != "..":
                view[old] = None  # a replace into the repository whose directory holds no module

    def view(self, mod: str) -> tuple[dict[str, str | None], list[str]]:
        """(module path or alias -> module dir or None, external requires longest first)."""
        got = self.cache.get(mod)
        if got is None:
            view: dict[str, str | None] = {}
            w = gomod.governing(mod, self.uses)
            if w is not None:
                view.update(self.work_view[w])
            self._replaces(view, mod, self.facts[join(mod, "go.mod")])
            if w is not None:  # go.work's replaces win over a workspace module's own
                view.update({k: v for k, v in self.work_view[w].items() if k not in self.by_path})
            view[self.modules[mod]] = mod
            reqs = sorted(
                (p for p in self.facts[join(mod, "go.mod")].get("require", {}) if p not in view),
                key=lambda p: (-len(p), p),
            )
            got = self.cache[mod] = (view, reqs)
        return got

    def resolve(self, mod: str, imp: str) -> tuple[str | None, str | None]:
        """(module dir, import path inside it) for an import that resolves into the
        repository; (None, import path) under a replace whose directory is gone; (None, None)
        for anything else (the standard library, an external module)."""
        view, reqs = self.view(mod)
        prefix = imp
        while True:
            if prefix in view:
                break
            if "/" not in prefix:
                return None, None
            prefix = prefix.rsplit("/", 1)[0]
        # a longer external module path provides the package instead (a nested module
        # required at a published version)
        if any(len(r) > len(prefix) and (imp == r or imp.startswith(r + "/")) for r in reqs):
            return None, None
        d = view[prefix]
        if d is None:
            return None, imp
        return d, self.modules[d] + imp[len(prefix) :]


# --- ownership ---------------------------------------------------------------------------------


class Owners:
    """Which Go packages a changed file belongs to, as `go list` assigns files: (target id,
    terminal) pairs, terminal when the file only feeds the package's tests (a `_test.go`
    file, `testdata/`, a file embedded by a test)."""

    def __init__(self, graph: Graph) -> None:
        self.by_dir: dict[str, str] = {}
        self.embeds: dict[str, tuple[str, list[str], list[str]]] = {}
        self.modules = sorted((graph.data.get(NAME) or {}).get("mods", {}))
        for t in graph.targets.values():
            if t.ecosystem != NAME:
                continue
            self.by_dir[t.path] = t.id
            if t.meta.get("embed") or t.meta.get("test_embed"):
                self.embeds[t.path] = (t.id, t.meta.get("embed", []), t.meta.get("test_embed", []))

    def claims(self, path: str) -> bool:
        """A `.go` file inside a Go module is Go's even when no package holds it (a deleted
        package, a file excluded by build constraints): no workspace root project takes it."""
        return path.endswith(".go") and any(within(path, m) for m in self.modules)

    def owners(self, path: str) -> list[tuple[str, bool]]:
        found: dict[str, bool] = {}
        d, _, name = path.rpartition("/")
        d = d or "."
        dot = name.rfind(".")
        if dot > 0 and name[dot:] in SOURCE_EXT and not name.startswith(("_", ".")):
            tid = self.by_dir.get(d)
            if tid is not None:
                found[tid] = name.endswith("_test.go")
        parts = path.split("/")
        if "testdata" in parts[:-1]:
            pd = "/".join(parts[: parts.index("testdata")]) or "."
            while True:
                tid = self.by_dir.get(pd)
                if tid is not None:
                    found.setdefault(tid, True)
                    break
                if pd == ".":
                    break
                pd = parent(pd)
        if self.embeds:
            a = d
            while True:
                hit = self.embeds.get(a)
                if hit is not None:
                    rel = path if a == "." else path[len(a) + 1 :]
                    tid, pats, tpats = hit
                    if any(embed_match(p, rel) for p in pats):
                        found[tid] = False
                    elif any(embed_match(p, rel) for p in tpats):
                        found.setdefault(tid, True)
                if a == ".":
                    break
                a = parent(a)
        return sorted(found.items())


def _match_regex(pattern: str) -> re.Pattern[str] | None:
    """Go's path.Match for one path element as a regex (None: a malformed pattern)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j < 0:
                return None
            body = pattern[i + 1 : j]
            if body.startswith("^"):
                body = "^" + body[1:].replace("\\", "\\\\")
            else:
                body = body.replace("\\", "\\\\").replace("^", "\\^")
            out.append(f"[{body}]")
            i = j
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z")


def embed_match(pattern: str, rel: str) -> bool:
    """Does the `//go:embed` pattern (relative to the package dir) take the file `rel`? A
    pattern naming a directory takes the files below it, except names starting with `.` or
    `_` (unless the pattern starts with `all:`)."""
    all_files = pattern.startswith("all:")
    if all_files:
        pattern = pattern[4:]
    pe, fe = pattern.split("/"), rel.split("/")
    if len(fe) < len(pe):
        return False
    for p, f in zip(pe, fe, strict=False):
        rx = _match_regex(p)
        if rx is None or not rx.match(f):
            return False
    if len(fe) == len(pe):
        return True
    return all_files or not any(x.startswith((".", "_")) for x in fe[len(pe) :])


# --- structured config: go.mod and go.work ------------------------------------------------------


def impact(
    graph: Graph, changed: list[tuple[ConfigRef, bytes | None, bytes | None]]
) -> list[Impact]:
    """What changed go.mod / go.work directives affect (docs/affected.md, "go.mod"):
    `module`, `go`, `toolchain`, `godebug`, `ignore` -> every package of the module (of every
    workspace module, for go.work); `use` -> the modules that joined or left; a changed
    `require`, `replace` or `exclude` -> the packages importing that module, where the
    version their main module selects changed; for a module no package of the repository
    imports (reached only through other modules), conservatively the packages that import
    any external module."""
    data = graph.data.get(NAME) or {}
    head = gomod.Modules(dict(data.get("mods") or {}), dict(data.get("works") or {}))
    base_mods = dict(head.mods)
    base_works = dict(head.works)
    go_targets = [t for t in graph.targets.values() if t.ecosystem == NAME]
    by_mod: dict[str, list[Target]] = {}
    for t in go_targets:
        by_mod.setdefault(t.group, []).append(t)
    out: list[Impact] = []
    module_paths: dict[str, str] = {}  # module path -> the file that changed it
    own: dict[str, set[str]] = {}  # module dir -> module paths its own go.mod changed

    def whole(mods: Iterable[str], file: str, detail: str) -> None:
        # the module's own packages (its go line is their language version; toolchain and
        # godebug apply to builds with it as the main module): not passed to other modules
        for m in sorted(set(mods)):
            out.extend(Impact(t.id, file, detail, True) for t in by_mod.get(m, ()))

    for ref, before, after in changed:
        bf = gomod.parse_mod(before.decode("utf-8", "replace")) if before is not None else {}
        af = gomod.parse_mod(after.decode("utf-8", "replace")) if after is not None else {}
        wide, paths = gomod.changed_keys(bf, af)
        if ref.path.rpartition("/")[2] == "go.work":
            w = ref.workspace
            if before is None:
                base_works.pop(w, None)
            else:
                base_works[w] = _mod_summary(bf)
            # every module it uses: their packages build in this workspace's builds (a nested
            # tools/go.work `use`ing `../..` builds the root module too)
            governed = sorted(head.uses.get(w, set()) & set(head.mods))
            if wide:
                whole(governed, ref.path, "; ".join(wide))
            ub = {join(w, u) for u in bf.get("use", [])}
            ua = {join(w, u) for u in af.get("use", [])}
            for u in sorted(ub ^ ua):
                verb = "added" if u in ua else "removed"
                whole([u], ref.path, f"use {u} {verb}")
            owners: Iterable[str] = governed
        else:
            if before is None:
                base_mods.pop(ref.workspace, None)
            else:
                base_mods[ref.workspace] = _mod_summary(bf)
            if wide:
                whole([ref.workspace], ref.path, "; ".join(wide))
            owners = [ref.workspace]
        for d in owners:
            own.setdefault(d, set()).update(paths)
        for p in sorted(paths):
            module_paths.setdefault(p, ref.path)
    if not module_paths:
        return out
    base = gomod.Modules(base_mods, base_works)
    now = head
    known = base.required() | now.required()
    ext_any: _Reach | None = None
    for mpath, file in sorted(module_paths.items()):
        moved: dict[str, str] = {}  # module dir -> "old -> new" for the modules it changed
        for d in sorted(now.mods):
            b, a = base.effective(d, mpath), now.effective(d, mpath)
            if b != a:
                moved[d] = f"{mpath} {b or '(none)'} -> {a or '(none)'}"
        if not moved:
            continue
        reach = _Reach(
            graph,
            (t.id for t in go_targets if _imports(t.meta.get("ext", ()), mpath, known)),
            (t.id for t in go_targets if _imports(t.meta.get("ext_test", ()), mpath, known)),
        )
        for d, what in moved.items():
            # each module's own build selects the version: its packages whose test closure
            # imports a package of that module (no further: another module's build of them
            # may select another version). The conservative fallback is for the module whose
            # own go.mod (or go.work) changed the line, not for every module selection reaches
            hits = [t for t in by_mod.get(d, ()) if reach.holds(t)]
            why = f"require {what}"
            if not hits and mpath in own.get(d, ()):
                # reached only through external modules: where is unknown without the
                # module cache, so every package whose closure imports anything external
                if ext_any is None:
                    ext_any = _Reach(
                        graph,
                        (t.id for t in go_targets if t.meta.get("ext")),
                        (t.id for t in go_targets if t.meta.get("ext_test")),
                    )
                hits = [t for t in by_mod.get(d, ()) if ext_any.holds(t)]
                why = (
                    f"conservative: {what} is reached only through other modules; "
                    "packages whose closure imports any external module"
                )
            out.extend(Impact(t.id, file, why, True) for t in hits)
    return out


class _Reach:
    """Which packages' test binaries hold one of some packages: those packages imported by
    non-test files (`direct`) are reached through `deps`, transitively; `tests` are packages
    whose own tests import them."""

    def __init__(self, graph: Graph, direct: Iterable[str], tests: Iterable[str]) -> None:
        rev: dict[str, list[str]] = {}
        for t in graph.targets.values():
            for dep in t.deps:
                rev.setdefault(dep, []).append(t.id)
        seen = set(direct)
        stack = list(seen)
        while stack:
            for nxt in rev.get(stack.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        self.closure = seen
        self.tests = set(tests)

    def holds(self, t: Target) -> bool:
        return (
            t.id in self.closure
            or t.id in self.tests
            or any(d in self.closure for d in t.test_deps)
        )


def _imports(entries: Iterable[str], mpath: str, known: set[str]) -> bool:
    """Do a package's external imports (module paths, or import paths no go.mod requires)
    name a package of module `mpath`? `example.com/m/v2` is another module than
    `example.com/m`, not a package of it."""
    return any(e == mpath or (e.startswith(mpath + "/") and e not in known) for e in entries)


# --- deleted packages ---------------------------------------------------------------------------


def former_ids(graph: Graph, deleted: list[str], reader: Any) -> dict[str, str]:
    """dir -> `go:<import path>` of the package a deleted `.go` file's directory held: the
    module around it is a current one, else the go.mod in the work tree, else the one at the
    base (a whole deleted module)."""
    known: dict[str, str | None] = {
        t.meta["module_dir"]: t.meta["module"]
        for t in graph.targets.values()
        if t.ecosystem == NAME
    }
    out: dict[str, str] = {}
    for path in deleted:
        d, _, name = path.rpartition("/")
        d = d or "."
        if not name.endswith(".go") or d in out:
            continue
        tid = _package_id(d, known, reader)
        if tid is not None:
            out[d] = tid
    return out


def _package_id(d: str, known: dict[str, str | None], reader: Any) -> str | None:
    dirs = [d]
    while dirs[-1] != ".":
        dirs.append(parent(dirs[-1]))
    at_base: set[str] | None = None
    for m in dirs:
        if m not in known:
            gomod = join(m, "go.mod")
            data = reader.now(gomod)
            if data is None:
                if at_base is None:  # one git call for every level
                    at_base = reader.exist_at_base(
                        [join(x, "go.mod") for x in dirs if x not in known]
                    )
                if gomod in at_base:
                    data = reader.at_base([gomod]).get(gomod)
            module = parse(gomod, data).get("module") if data is not None else None
            known[m] = module if isinstance(module, str) and module else None
        module = known[m]
        if module is not None:
            rel = "" if d == m else (d if m == "." else d[len(m) + 1 :])
            if rel and skipped(rel):
                return None
            return "go:" + module + ("/" + rel if rel else "")
    return None


# ------------------------------------------------------------------------------ the plug-in


def _gotest_json(path: str) -> tuple[list[Case], str]:
    from ameide.ecosystems.go.report import gotest_json_to_cases

    return gotest_json_to_cases(path)


class Go(EcosystemBase):
    """Go modules and packages (go.mod, go.work, `.go` files): `go vet` and `go test` per
    module, `go test -json` converted to JUnit."""

    name = NAME
    version = "1"
    tools = (tools_mod.GO,)
    env_inputs = (
        "GOOS",
        "GOARCH",
        "GOAMD64",
        "GOARM",
        "GOARM64",
        "GO386",
        "CGO_ENABLED",
        "GOFLAGS",
        "GOEXPERIMENT",
        "GODEBUG",
        "GOWORK",
        "GOTOOLCHAIN",
        "CC",
        "CXX",
        "CGO_CFLAGS",
        "CGO_CPPFLAGS",
        "CGO_CXXFLAGS",
        "CGO_LDFLAGS",
    )
    env_passthrough = (
        "GOPATH",
        "GOROOT",
        "GOBIN",
        "GOCACHE",
        "GOMODCACHE",
        "GOENV",
        "GOTMPDIR",
        "GOPROXY",
        "GOSUMDB",
        "GONOSUMDB",
        "GONOSUMCHECK",
        "GOPRIVATE",
        "GONOPROXY",
        "GOINSECURE",
        "GOVCS",
        "GOTELEMETRY",
    )
    presence_files = ("go.work.sum",)
    cacheable_kinds = ("vet",)

    report_formats = MappingProxyType(
        {"gotest-json": ReportFormat("gotest-json", ".jsonl", _gotest_json)}
    )

    relevant = staticmethod(relevant)
    parse = staticmethod(parse)
    build = staticmethod(build)
    owners = staticmethod(Owners)
    impact = staticmethod(impact)
    former_ids = staticmethod(former_ids)

    def tasks(self, ctx: PlanContext, targets: Sequence[Target]) -> list[Task]:
        from ameide.ecosystems.go.tasks import tasks

        return tasks(ctx, targets)

    def pins(self, root: str, config: Config, graph: Graph | None) -> dict[str, Pin]:
        return tools_mod.pins(root, config, graph)

    def locate(self, case: Case, root: str, task: Task) -> Case:
        from ameide.ecosystems.go.report import locate_case

        return locate_case(case, root, task)

    def case_lines(self, case: Case) -> list[str]:
        from ameide.ecosystems.go.report import case_lines

        return case_lines(case)


ECOSYSTEM = Go()
