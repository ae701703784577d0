"""Go: modules from go.work/go.mod, packages from directories, edges from import blocks.

Import blocks are read from source (no toolchain needed to plan). Build constraints do not
remove edges (conservative: a file built only with some tag can still break); a file whose
`//go:build` line names `integration` marks the package as having integration tests.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ameide.ecosystems import Context, Part, join, parent
from ameide.model import GlobalRule, Target

if TYPE_CHECKING:
    from typing import Any

NAME = "go"

_TOKEN = re.compile(
    r'\s+|//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|`[^`]*`|[A-Za-z_][A-Za-z0-9_]*|.', re.S
)
_INTEGRATION = re.compile(r"(?<![!\w])integration\b")
_SKIP_PARTS = ("vendor", "testdata", "node_modules")
_VERB = re.compile(r"([A-Za-z]+)(?=[\s(])")
_CLOSE_BLOCK = "close the block with a line holding only ')'"


def relevant(path: str) -> bool:
    return path.endswith(".go") or path.endswith(("go.mod", "go.work"))


def parse(path: str, data: bytes) -> dict[str, Any]:
    name = path.rsplit("/", 1)[-1]
    text = data.decode("utf-8", "replace").removeprefix("\ufeff")  # go accepts a leading BOM
    if name == "go.mod":
        return _parse_mod(text)
    if name == "go.work":
        return _parse_mod(text)
    if name.endswith(".go"):
        return _parse_source(name, text)
    return {}


def _unquote(s: str) -> str:
    s = s.strip()
    if len(s) >= 2 and s[0] in '"`' and s[-1] == s[0]:
        return s[1:-1]
    return s


def _parse_mod(text: str) -> dict[str, Any]:
    """The directives ameide needs from go.mod / go.work: module, go, toolchain, use, replace."""
    facts: dict[str, Any] = {
        "module": None,
        "go": None,
        "toolchain": None,
        "use": [],
        "replace": {},
    }
    block: str | None = None
    opened = 0  # line number of the open block, for the error
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("//", 1)[0].strip()
        if not line:
            continue
        if block is not None:
            if line == ")":
                block = None
                continue
            _directive(facts, block, line)
            continue
        # tokens are separated by any whitespace, and `replace(` opens a block like `replace (`
        m = _VERB.match(line)
        verb, rest = (m.group(1), line[m.end() :].strip()) if m else (line, "")
        if rest == "(":
            block, opened = verb, lineno
            continue
        _directive(facts, verb, rest)
    if block is not None:
        facts["error"] = f"line {opened}: '{block} (' block is never closed"
    return facts


def _directive(facts: dict[str, Any], verb: str, rest: str) -> None:
    if verb == "module":
        facts["module"] = _unquote(rest)
    elif verb == "go":
        facts["go"] = rest
    elif verb == "toolchain":
        facts["toolchain"] = rest
    elif verb == "use":
        facts["use"].append(_unquote(rest))
    elif verb == "replace" and "=>" in rest:
        old, new = (p.strip().split() for p in rest.split("=>", 1))
        if old and new and (new[0].startswith((".", "/"))):
            facts["replace"][_unquote(old[0])] = _unquote(new[0])


def _parse_source(name: str, text: str) -> dict[str, Any]:
    imports: list[str] = []
    tags: list[str] = []
    pkg: str | None = None
    state = "header"  # header -> package -> imports
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok[0].isspace():
            continue
        if tok.startswith("//"):
            if state == "header" and tok.startswith("//go:build"):
                tags.append(tok[len("//go:build") :].strip())
            elif state == "header" and tok.startswith("// +build"):
                tags.append(tok[len("// +build") :].strip())
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
                imports.append(_unquote(tok))
                state = "decls"
            continue  # an alias name, `.` or `_`
        if state == "block":
            if tok == ")":
                state = "decls"
            elif tok[0] in '"`':
                imports.append(_unquote(tok))
            continue
    if pkg is None:
        return {"error": "no package clause"}
    expr = " && ".join(tags)
    return {
        "pkg": pkg,
        "imports": sorted(set(imports) - {"C"}),
        "test": name.endswith("_test.go"),
        "tags": expr,
        "integration": bool(_INTEGRATION.search(expr)),
    }


def skipped(rel_dir: str) -> bool:
    return any(p in _SKIP_PARTS or p.startswith((".", "_")) for p in rel_dir.split("/"))


def build(ctx: Context) -> Part:
    part = Part()
    mod_facts = {
        p: f
        for p, f in ctx.facts.items()
        if p.endswith("go.mod") and (p == "go.mod" or p.endswith("/go.mod"))
    }
    work = ctx.facts.get("go.work")
    # a module go.work names explicitly counts even in a dir `./...` would skip (_examples/x)
    used = {join(u) for u in work.get("use", [])} if work is not None else set()
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
    if work is not None:
        if work.get("error"):
            part.errors.append(("go.work", work["error"], _CLOSE_BLOCK))
        for use in work.get("use", []):
            d = join(use)
            if d not in modules and d not in broken:
                part.errors.append(
                    (
                        "go.work",
                        f"'use {use}' names a directory without go.mod",
                        f"create {join(d, 'go.mod')} or remove the use line",
                    )
                )
        part.globals.append(GlobalRule("go.work", "go", why="go.work selects the modules"))
        part.globals.append(GlobalRule("go.work.sum", "go", why="go.work.sum pins checksums"))

    # module path (or replaced alias) -> module dir; None: a local `replace` whose directory
    # holds no module (any more): imports under it still name in-repo packages
    resolve: dict[str, str | None] = {}
    for d, mpath in sorted(modules.items()):
        resolve.setdefault(mpath, d)
    replace_sources = dict(mod_facts)
    if work is not None:
        replace_sources["go.work"] = work
    gone: list[str] = []
    for path, f in sorted(replace_sources.items()):
        base = parent(path)
        for old, new in f.get("replace", {}).items():
            tgt = join(base, new)
            if tgt in modules:
                resolve.setdefault(old, tgt)
            elif not tgt.startswith(("../", "/")) and tgt != "..":
                gone.append(old)
    for old in gone:
        resolve.setdefault(old, None)

    # group source files by package directory, inside their nearest module
    pkgs: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    mod_of_dir: dict[str, str | None] = {}
    for path, f in sorted(ctx.facts.items()):
        if not path.endswith(".go"):
            continue
        d = parent(path)
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

    ids: dict[str, str] = {}
    for d in pkgs:
        mod = mod_of_dir[d]
        assert mod is not None
        rel = "" if d == mod else (d if mod == "." else d[len(mod) + 1 :])
        ids[d] = modules[mod] + ("/" + rel if rel else "")
    by_import = {imp: d for d, imp in ids.items()}

    mod_members: dict[str, list[str]] = {}
    for d in sorted(pkgs):
        files = pkgs[d]
        mod = mod_of_dir[d]
        assert mod is not None
        deps: set[str] = set()
        missing: set[str] = set()  # in-repo import paths no package answers (deleted ones)
        for _, f in files:
            for imp in f["imports"]:
                dep_dir = by_import.get(imp)
                if dep_dir is None:
                    dep_dir, ref = _resolve_replaced(imp, resolve, modules, by_import)
                    if ref is not None:
                        missing.add("go:" + ref)
                if dep_dir is not None and dep_dir != d:
                    deps.add("go:" + ids[dep_dir])
        tests = [p for p, f in files if f["test"]]
        integ = [p for p, f in files if f["test"] and f["integration"]]
        names = sorted({f["pkg"] for _, f in files if not f["test"]})
        tid = "go:" + ids[d]
        mod_members.setdefault(mod, []).append(tid)
        meta: dict[str, Any] = {
            "module": modules[mod],
            "module_dir": mod,
            "package": names[0] if names else None,
            "go_files": len(files) - len(tests),
            "test_files": len(tests) - len(integ),
            "integration_files": len(integ),
        }
        if missing:
            meta["unresolved"] = sorted(missing)
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
            )
        )
    for mod, members in mod_members.items():
        ms = tuple(sorted(members))
        part.module_files[join(mod, "go.mod")] = ms
        part.module_files[join(mod, "go.sum")] = ms
    return part


def _module_dir(d: str, modules: dict[str, str]) -> str | None:
    while True:
        if d in modules:
            return d
        if d == ".":
            return None
        d = parent(d)


def _resolve_replaced(
    imp: str, resolve: dict[str, str | None], modules: dict[str, str], by_import: dict[str, str]
) -> tuple[str | None, str | None]:
    """(package dir, None) for an import through a `replace` alias whose path differs from the
    module's own; (None, import path) for an import under a module of the repo that no
    package answers (a deleted package: classify maps it back); (None, None) otherwise."""
    prefix = imp
    while True:
        if prefix in resolve:
            d = resolve[prefix]
            real = (modules[d] if d is not None else prefix) + imp[len(prefix) :]
            found = by_import.get(real)
            return found, (real if found is None else None)
        if "/" not in prefix:
            return None, None
        prefix = prefix.rsplit("/", 1)[0]
