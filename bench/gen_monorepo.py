"""Deterministic generator of large synthetic polyglot monorepos for the ameide benchmark.

It writes a git-free tree (Go modules in a go.work, a pnpm workspace, a uv workspace and buf
modules with generated-code consumers) and, OUTSIDE that tree, a ``<out>.meta.json`` file with
its own graph model: every target, its directory, its edges, its files, the global files and the
Go modules.  :func:`true_affected` computes the ground-truth affected set of a list of changed
paths from that model alone; it never parses the generated files and never imports ameide.

    python bench/gen_monorepo.py OUT_DIR --preset large|medium|small [--seed N] [--check]
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

GEN_VERSION = 2
GO_VERSION = "1.25.5"
PNPM_MANAGER = "pnpm@12.4.2"
GO_PREFIX = "example.com/bench"
NPM_SCOPE = "@syn"
ECOSYSTEMS = ("go", "pnpm", "uv", "buf")


@dataclass(frozen=True)
class Preset:
    """Size knobs of one generated monorepo."""

    pnpm: int
    go: int
    go_modules: int
    uv: int
    buf: int


PRESETS: dict[str, Preset] = {
    "small": Preset(pnpm=30, go=40, go_modules=2, uv=4, buf=2),
    "medium": Preset(pnpm=300, go=400, go_modules=3, uv=6, buf=3),
    "large": Preset(pnpm=3000, go=4000, go_modules=10, uv=60, buf=8),
}


@dataclass
class Target:
    """One target of the model: an id, its directory and the ids it depends on."""

    id: str
    eco: str
    dir: str
    kind: str
    deps: set[str] = field(default_factory=set)
    module: int = -1  # Go module index (Go targets only)
    files: list[str] = field(default_factory=list)


@dataclass
class GoPkg:
    """Generator-side details of a Go package (names, weights, import visibility)."""

    target: Target
    name: str
    import_path: str
    importable: bool
    internal: bool
    weight: float


@dataclass
class GoModule:
    """A Go module: its directory, module path and package ids."""

    dir: str
    path: str
    packages: list[str] = field(default_factory=list)


class Pool:
    """Append-only weighted pool of candidates with fast sampling of distinct items."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.cum: list[float] = []

    def add(self, item: str, weight: float) -> None:
        self.items.append(item)
        self.cum.append((self.cum[-1] if self.cum else 0.0) + weight)

    def __len__(self) -> int:
        return len(self.items)

    def pick(self, rng: random.Random, recent: int = 40) -> str:
        """A weighted pick (hubs win often), sometimes a recent item (builds long chains)."""
        if rng.random() < 0.35:
            lo = max(0, len(self.items) - recent)
            return self.items[rng.randrange(lo, len(self.items))]
        i = bisect.bisect_right(self.cum, rng.random() * self.cum[-1])
        return self.items[min(i, len(self.items) - 1)]


def sample_distinct(
    rng: random.Random, pools: Sequence[tuple[Pool, float]], k: int, exclude: Iterable[str] = ()
) -> list[str]:
    """Up to k distinct picks, each from one of the non-empty pools chosen by probability."""
    live = [(p, w) for p, w in pools if len(p)]
    picked: list[str] = []
    banned = set(exclude)
    for _ in range(k * 6):
        if len(picked) >= k or not live:
            break
        pool = rng.choices([p for p, _ in live], weights=[w for _, w in live])[0]
        item = pool.pick(rng)
        if item not in banned and item not in picked:
            picked.append(item)
    return picked


def normalize_py(name: str) -> str:
    """PEP 503 normalisation."""
    out, prev_sep = [], False
    for ch in name.lower():
        if ch in "-_.":
            if not prev_sep:
                out.append("-")
            prev_sep = True
        else:
            out.append(ch)
            prev_sep = False
    return "".join(out)


class Generator:
    """Builds the file tree and the graph model of one synthetic monorepo."""

    def __init__(self, preset: Preset, seed: int) -> None:
        self.p = preset
        self.seed = seed
        self.rng = random.Random(seed)
        self.files: dict[str, str] = {}
        self.targets: dict[str, Target] = {}
        self.go_modules: list[GoModule] = []
        self.go_pkgs: dict[str, GoPkg] = {}
        self.globals: dict[str, str] = {}
        # buf plan: module index -> imported module indices; proto files per module
        self.buf_imports: dict[int, set[int]] = {}
        self.buf_files: dict[int, list[str]] = {}
        self.buf_go_pkg: dict[int, str] = {}  # buf module -> Go gen package id
        self.gen_templates: list[dict[str, Any]] = []

    # -- helpers -------------------------------------------------------------------------------
    def add(self, path: str, text: str) -> None:
        assert path not in self.files, path
        self.files[path] = text

    def new_target(self, tid: str, eco: str, d: str, kind: str, module: int = -1) -> Target:
        assert tid not in self.targets, tid
        t = Target(tid, eco, d, kind, module=module)
        self.targets[tid] = t
        return t

    # -- buf plan (first: Go gen packages depend on it) ----------------------------------------
    def plan_buf(self) -> None:
        rng = self.rng
        for b in range(self.p.buf):
            n = rng.randint(3, 6)
            self.buf_files[b] = [f"syn/m{b}/v1/f{j}.proto" for j in range(n)]
            earlier = list(range(b))
            k = min(len(earlier), rng.choice([0, 1, 1, 2]))
            self.buf_imports[b] = set(rng.sample(earlier, k))

    # -- Go ------------------------------------------------------------------------------------
    def gen_go(self) -> None:
        rng, p = self.rng, self.p
        nmod = p.go_modules
        for k in range(nmod):
            if k == nmod - 1 and nmod >= 2:  # the last module is nested inside m0's directory
                self.go_modules.append(GoModule("go/m0/plugins", f"{GO_PREFIX}/m0/plugins"))
            else:
                self.go_modules.append(GoModule(f"go/m{k}", f"{GO_PREFIX}/m{k}"))
        # m0 never has a root package (so buf's go out dir go/m0/gen/pb is owned by nothing);
        # the nested module always has one.
        has_root = [
            (k == nmod - 1 and nmod >= 2) or (k > 0 and rng.random() < 0.5) for k in range(nmod)
        ]
        gen_bufs = [b for b in range(p.buf) if b == 0 or rng.random() < 0.7]
        regular = p.go - len(gen_bufs) - sum(has_root)
        weights = [rng.uniform(0.5, 1.5) for _ in range(nmod)]
        counts = [max(2, int(regular * w / sum(weights))) for w in weights]
        counts[0] += regular - sum(counts)
        exported_prev = Pool()
        idx = 0
        for k, mod in enumerate(self.go_modules):
            mod_pool = Pool()
            mod_exported: list[GoPkg] = []
            lib_dirs: list[tuple[str, bool]] = []  # (dir, internal) of nestable packages
            if k == 0:
                for b in gen_bufs:
                    g = self.go_package(k, f"{mod.dir}/gen/pb/m{b}v1", f"m{b}v1", "gen", 8.0)
                    self.buf_go_pkg[b] = g.target.id
                    deps = [
                        self.buf_go_pkg[i]
                        for i in sorted(self.buf_imports[b])
                        if i in self.buf_go_pkg
                    ]
                    g.target.deps.update(deps)
                    self.write_go_gen(g, deps)
                    mod_pool.add(g.target.id, g.weight)
                    mod_exported.append(g)
            if has_root[k]:
                name = mod.dir.rsplit("/", 1)[1]
                g = self.go_package(k, mod.dir, name, "root", 20.0)
                self.link_go(g, mod_pool, exported_prev, lib_dirs=None)
                mod_pool.add(g.target.id, g.weight)
                mod_exported.append(g)
            for _ in range(counts[k]):
                r = rng.random()
                kind = "cmd" if r < 0.05 else "testonly" if r < 0.08 else "lib"
                name = f"p{idx}"
                internal = kind == "lib" and rng.random() < 0.25
                if kind == "cmd":
                    d = f"{mod.dir}/cmd/{name}"
                elif lib_dirs and rng.random() < 0.12:
                    parent, internal = rng.choice(lib_dirs)
                    d = f"{parent}/{name}"
                else:
                    d = f"{mod.dir}/{'internal' if internal else 'pkg'}/{name}"
                weight = 40.0 if rng.random() < 0.04 else 1.0
                g = self.go_package(
                    k, d, "main" if kind == "cmd" else name, kind, weight, internal=internal
                )
                self.link_go(g, mod_pool, exported_prev, lib_dirs)
                if kind == "lib":
                    lib_dirs.append((d, internal))
                if g.importable:
                    mod_pool.add(g.target.id, g.weight)
                    if not g.internal:
                        mod_exported.append(g)
                idx += 1
            for g in mod_exported:
                exported_prev.add(g.target.id, g.weight)
        self.write_go_modules()

    def go_package(
        self, k: int, d: str, name: str, kind: str, weight: float, internal: bool = False
    ) -> GoPkg:
        mod = self.go_modules[k]
        rel = d[len(mod.dir) :].lstrip("/")
        ip = f"{mod.path}/{rel}" if rel else mod.path
        t = self.new_target(f"go:{ip}", "go", d, kind, module=k)
        mod.packages.append(t.id)
        g = GoPkg(t, name, ip, kind in ("lib", "root", "gen"), internal, weight)
        self.go_pkgs[t.id] = g
        return g

    def link_go(
        self, g: GoPkg, mod_pool: Pool, exported_prev: Pool, lib_dirs: list[tuple[str, bool]] | None
    ) -> None:
        """Choose g's imports and write its .go files (plus traps that must not be edges)."""
        rng = self.rng
        n = rng.choice([0, 1, 1, 2, 2, 3, 4]) if g.target.kind != "root" else rng.choice([0, 1])
        deps = sample_distinct(rng, [(mod_pool, 0.85), (exported_prev, 0.15)], n)
        g.target.deps.update(deps)
        d, name, kind = g.target.dir, g.name, g.target.kind
        main_deps: list[str] = []
        test_deps: list[str] = []
        tag_deps: list[str] = []
        has_test = kind == "testonly" or rng.random() < (0.3 if kind == "cmd" else 0.6)
        has_tag = kind in ("lib", "root") and rng.random() < 0.06
        for dep in deps:
            r = rng.random()
            if kind == "testonly" or (has_test and r < 0.2):
                test_deps.append(dep)
            elif has_tag and (r > 0.7 or not tag_deps):
                tag_deps.append(dep)
            else:
                main_deps.append(dep)
        if kind == "root":
            self.add(
                f"{d}/doc.go",
                f"// Package {name} is the root package of its module.\npackage {name}\n",
            )
        if kind != "testonly":
            fname = "main.go" if kind == "cmd" else f"{name}.go"
            self.add(f"{d}/{fname}", self.go_source(name, main_deps, kind == "cmd"))
        if has_test:
            self.add(
                f"{d}/{'main' if kind == 'cmd' else name}_test.go",
                self.go_test_source(g, test_deps),
            )
        if has_tag:
            self.add(
                f"{d}/integration.go",
                "//go:build integration\n\n" + self.go_source(name, tag_deps, False, "Tagged"),
            )
        if kind == "lib" and rng.random() < 0.15:
            self.add(
                f"{d}/util.go",
                f'package {name}\n\nimport "strings"\n\n'
                "// Trim trims spaces.\nfunc Trim(s string) string { return "
                "strings.TrimSpace(s) }\n",
            )
        if kind == "lib" and rng.random() < 0.03 and len(mod_pool):
            # testdata is not a package: its import must NOT become an edge.
            other = self.go_pkgs[mod_pool.pick(rng)]
            self.add(
                f"{d}/testdata/fixture.go", f'package fixture\n\nimport _ "{other.import_path}"\n'
            )
            self.add(f"{d}/testdata/golden.txt", f"golden output of {name}\n")
        if kind == "lib" and rng.random() < 0.01 and len(mod_pool):
            other = self.go_pkgs[mod_pool.pick(rng)]
            self.add(
                f"{d}/_examples/demo/main.go",
                f'package main\n\nimport _ "{other.import_path}"\n\nfunc main() {{}}\n',
            )

    def import_block(self, deps: Sequence[str], std: Sequence[str]) -> tuple[str, list[str]]:
        """An import declaration plus the qualifiers to call Value() on (blank imports: none)."""
        rng = self.rng
        lines = [f'\t"{s}"' for s in std]
        if std and deps:
            lines.append("")
        quals: list[str] = []
        for j, dep in enumerate(deps):
            g = self.go_pkgs[dep]
            r = rng.random()
            if r < 0.05:
                lines.append(f'\t_ "{g.import_path}"')
            elif r < 0.25:
                lines.append(f'\td{j} "{g.import_path}"')
                quals.append(f"d{j}")
            else:
                lines.append(f'\t"{g.import_path}"')
                quals.append(g.name)
        entries = [ln for ln in lines if ln]
        if not entries:
            return "", quals
        if len(entries) == 1 and rng.random() < 0.5:
            return f"import {entries[0].strip()}\n\n", quals
        return "import (\n" + "\n".join(lines) + "\n)\n\n", quals

    def go_source(self, name: str, deps: Sequence[str], is_main: bool, fn: str = "Value") -> str:
        imports, quals = self.import_block(deps, ["strings"])
        expr = " + ".join([f'len(strings.TrimSpace(" {name} "))'] + [f"{q}.Value()" for q in quals])
        if is_main:
            return (
                f"// Command {name} is generated benchmark code.\npackage main\n\n{imports}"
                f"func main() {{\n\tprintln({expr})\n}}\n"
            )
        return (
            f"// Package {name} is generated benchmark code.\npackage {name}\n\n{imports}"
            f"// {fn} returns a number derived from the dependencies.\n"
            f"func {fn}() int {{\n\treturn {expr}\n}}\n"
        )

    def go_test_source(self, g: GoPkg, deps: Sequence[str]) -> str:
        kind = g.target.kind
        external = kind in ("lib", "root") and self.rng.random() < 0.5
        pkg = "main" if kind == "cmd" else g.name
        all_deps = list(deps)
        if external:
            pkg = f"{g.name}_test"
            all_deps = [g.target.id, *deps]
        imports, quals = self.import_block(all_deps, ["testing"])
        body = "".join(f"\t_ = {q}.Value()\n" for q in quals)
        return (
            f"package {pkg}\n\n{imports}func TestGenerated(t *testing.T) {{\n{body}"
            f'\tt.Log("ok")\n}}\n'
        )

    def write_go_gen(self, g: GoPkg, deps: Sequence[str]) -> None:
        imports, quals = self.import_block(deps, [])
        expr = " + ".join(["1"] + [f"{q}.Value()" for q in quals])
        self.add(
            f"{g.target.dir}/{g.name}.pb.go",
            "// Code generated by protoc-gen-go. DO NOT EDIT.\n\n"
            f"package {g.name}\n\n{imports}// Value is a stand-in for generated code.\n"
            f"func Value() int {{ return {expr} }}\n",
        )

    def write_go_modules(self) -> None:
        uses = []
        for k, mod in enumerate(self.go_modules):
            needed: set[int] = set()
            for tid in mod.packages:
                for dep in self.targets[tid].deps:
                    if self.targets[dep].module != k:
                        needed.add(self.targets[dep].module)
            text = f"module {mod.path}\n\ngo {GO_VERSION}\n"
            if needed:
                req = sorted(self.go_modules[i].path for i in needed)
                text += "\nrequire (\n" + "".join(f"\t{r} v0.0.0\n" for r in req) + ")\n"
                text += (
                    "\nreplace (\n"
                    + "".join(
                        f"\t{self.go_modules[i].path} => "
                        f"{os.path.relpath(self.go_modules[i].dir, mod.dir)}\n"
                        for i in sorted(needed)
                    )
                    + ")\n"
                )
            self.add(f"{mod.dir}/go.mod", text)
            uses.append(f"\t./{mod.dir}\n")
        self.add("go.work", f"go {GO_VERSION}\n\nuse (\n" + "".join(uses) + ")\n")
        self.globals["go.work"] = "go"

    # -- pnpm ----------------------------------------------------------------------------------
    def gen_pnpm(self) -> None:
        rng, n = self.rng, self.p.pnpm
        n_apps = max(1, n * 8 // 100)
        pool = Pool()
        fields = (
            ["dependencies"] * 14
            + ["devDependencies"] * 4
            + ["peerDependencies", "optionalDependencies"]
        )
        for i in range(n):
            if i >= n - n_apps:
                d, name, kind = f"apps/a{i}", f"{NPM_SCOPE}/app-a{i}", "app"
            elif rng.random() < 0.1:
                d, name, kind = f"libs/g{i % 5}/l{i}", f"{NPM_SCOPE}/lib-l{i}", "lib"
            else:
                d, name, kind = f"packages/p{i}", f"{NPM_SCOPE}/p{i}", "package"
            t = self.new_target(f"pnpm:{name}", "pnpm", d, kind)
            k = rng.choice([1, 2, 3, 4]) if kind == "app" else rng.choice([0, 1, 1, 2, 2, 3, 4])
            deps = sample_distinct(rng, [(pool, 1.0)], k)
            t.deps.update(deps)
            by_field: dict[str, dict[str, str]] = {}
            for dep in deps:
                by_field.setdefault(rng.choice(fields), {})[dep[len("pnpm:") :]] = "workspace:*"
            self.write_pnpm_package(d, name, by_field)
            pool.add(t.id, 30.0 if rng.random() < 0.03 else 1.0)
        # Excluded by a "!" glob: looks like a package but is not a target.
        for j in range(2):
            dep = pool.pick(rng)[len("pnpm:") :]
            self.write_pnpm_package(
                f"packages/legacy-{j}",
                f"{NPM_SCOPE}/legacy-{j}",
                {"dependencies": {dep: "workspace:*"}},
            )
        self.add(
            "pnpm-workspace.yaml",
            'packages:\n  - "packages/*"\n  - "apps/*"\n  - "libs/**"\n  - "!packages/legacy-*"\n',
        )
        self.add(
            "package.json",
            json.dumps(
                {
                    "name": "syn-monorepo",
                    "private": True,
                    "packageManager": PNPM_MANAGER,
                    "scripts": {"test": "turbo run test"},
                },
                indent=2,
            )
            + "\n",
        )
        self.add(
            "turbo.json",
            json.dumps(
                {"$schema": "https://turborepo.com/schema.json", "tasks": {"test": {}}}, indent=2
            )
            + "\n",
        )
        self.globals["pnpm-workspace.yaml"] = "pnpm"
        self.globals["package.json"] = "pnpm"
        self.write_pnpm_lock()

    def write_pnpm_package(self, d: str, name: str, by_field: dict[str, dict[str, str]]) -> None:
        rng = self.rng
        manifest: dict[str, object] = {
            "name": name,
            "version": "0.0.0",
            "private": True,
            "type": "module",
            "main": "src/index.ts",
            "scripts": {"test": "node --test"},
        }
        for f in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
            if f in by_field:
                manifest[f] = dict(sorted(by_field[f].items()))
        self.add(f"{d}/package.json", json.dumps(manifest, indent=2) + "\n")
        deps = sorted(n for v in by_field.values() for n in v)
        lines = [f'import {{ value as v{j} }} from "{dep}";\n' for j, dep in enumerate(deps)]
        expr = " + ".join(["1"] + [f"v{j}()" for j in range(len(deps))])
        self.add(
            f"{d}/src/index.ts",
            "".join(lines)
            + ("\n" if lines else "")
            + f"export function value(): number {{\n  return {expr};\n}}\n",
        )
        if rng.random() < 0.6:
            self.add(
                f"{d}/src/index.test.ts",
                'import { test } from "node:test";\n'
                'import { value } from "./index.ts";\n\n'
                'test("value", () => {\n  if (value() < 1) throw new Error("bad");\n});\n',
            )
        if rng.random() < 0.5:
            self.add(f"{d}/README.md", f"# {name}\n\nGenerated benchmark package.\n")
        if rng.random() < 0.15:
            self.add(f"{d}/tsconfig.json", '{ "extends": "../../tsconfig.base.json" }\n')

    def write_pnpm_lock(self) -> None:
        """A minimal lockfile v9 (workspace links only) so turbo parses the workspace offline."""
        dirs = {t.id: t.dir for t in self.targets.values() if t.eco == "pnpm"}
        out = [
            "lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n"
            "  excludeLinksFromLockfile: false\n\nimporters:\n\n  .: {}\n"
        ]
        for tid in sorted(dirs, key=lambda x: dirs[x]):
            manifest = json.loads(self.files[f"{dirs[tid]}/package.json"])
            sections = []
            for f in ("dependencies", "devDependencies", "optionalDependencies"):
                entries = manifest.get(f, {})
                if entries:
                    body = "".join(
                        f"      '{n}':\n        specifier: workspace:*\n        version: "
                        f"link:{os.path.relpath(dirs['pnpm:' + n], dirs[tid])}\n"
                        for n in sorted(entries)
                    )
                    sections.append(f"    {f}:\n{body}")
            out.append(f"\n  {dirs[tid]}:" + ("\n" + "".join(sections) if sections else " {}\n"))
        self.add("pnpm-lock.yaml", "".join(out))

    # -- uv ------------------------------------------------------------------------------------
    def gen_uv(self) -> None:
        rng, n = self.rng, self.p.uv
        pool = Pool()
        spellings = ["syn-u{i}", "Syn_U{i}", "syn.u{i}", "SYN__u{i}"]
        for i in range(n):
            app = i >= n - max(1, n // 6)
            d = f"py/{'apps' if app else 'libs'}/u{i}"
            declared = rng.choice(spellings).format(i=i)
            t = self.new_target(f"uv:{normalize_py(declared)}", "uv", d, "app" if app else "lib")
            deps = sample_distinct(rng, [(pool, 1.0)], rng.choice([0, 1, 1, 2, 3]))
            t.deps.update(deps)
            reqs, sources = [], []
            for dep in deps:
                spelled = rng.choice(spellings).format(i=dep.rsplit("u", 1)[1])
                extra = rng.choice(
                    ["", "", "[fast]", " >=0.1", "~=0.1.0", " ; python_version >= '3.11'"]
                )
                reqs.append(f'    "{spelled}{extra}",\n')
                sources.append(f'"{spelled}" = {{ workspace = true }}\n')
            reqs.append('    "requests>=2.31",\n')
            mod = f"syn_u{i}"
            self.add(
                f"{d}/pyproject.toml",
                f'[project]\nname = "{declared}"\nversion = "0.1.0"\n'
                f'requires-python = ">=3.11"\ndependencies = [\n{"".join(reqs)}]\n\n'
                f"[tool.uv.sources]\n{''.join(sources)}\n"
                '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
                f'\n[tool.hatch.build.targets.wheel]\npackages = ["src/{mod}"]\n',
            )
            imports = "".join(
                f"import syn_u{dep.rsplit('u', 1)[1]}  # noqa: F401\n" for dep in deps
            )
            self.add(
                f"{d}/src/{mod}/__init__.py",
                f'"""Generated benchmark member {declared}."""\n{imports}\nVALUE = {i}\n',
            )
            self.add(
                f"{d}/tests/test_{mod}.py",
                f"from {mod} import VALUE\n\n\ndef test_value() -> None:\n"
                f"    assert VALUE == {i}\n",
            )
            if rng.random() < 0.5:
                self.add(f"{d}/README.md", f"# {declared}\n")
            pool.add(t.id, 10.0 if rng.random() < 0.1 else 1.0)
        self.add("py/scripts/tool.py", "print('not a workspace member')\n")
        self.add(
            "pyproject.toml",
            '[tool.uv.workspace]\nmembers = ["py/libs/*", "py/apps/*"]\n\n'
            "[tool.ruff]\nline-length = 100\n",
        )
        self.globals["pyproject.toml"] = "uv"

    # -- buf -----------------------------------------------------------------------------------
    def gen_buf(self) -> None:
        rng = self.rng
        mods = [f"proto/m{b}" for b in range(self.p.buf)]
        for b, mdir in enumerate(mods):
            self.new_target(f"buf:{mdir}", "buf", mdir, "module").deps.update(
                f"buf:{mods[i]}" for i in self.buf_imports[b]
            )
            files = self.buf_files[b]
            gp = self.targets[self.buf_go_pkg[b]] if b in self.buf_go_pkg else None
            go_package = (
                f"{gp.id[3:]};m{b}v1" if gp is not None else f"example.com/thirdparty/m{b}v1;m{b}v1"
            )
            for j, f in enumerate(files):
                imps = []
                if j and rng.random() < 0.6:
                    imps.append(files[rng.randrange(j)])
                for i in sorted(self.buf_imports[b]):
                    if j == 0 or rng.random() < 0.4:
                        imps.append(rng.choice(self.buf_files[i]))
                if rng.random() < 0.3:
                    imps.append("google/protobuf/timestamp.proto")
                imps = sorted(set(imps))
                types = ["string", "string"] + [
                    "google.protobuf.Timestamp"
                    if x.startswith("google/")
                    else x[: -len(".proto")].rsplit("/", 1)[0].replace("/", ".")
                    + "."
                    + x.rsplit("/", 1)[1][: -len(".proto")].upper()
                    for x in imps
                ]
                fields = "".join(f"  {ty} f{n} = {n};\n" for n, ty in enumerate(types, 1))
                self.add(
                    f"{mdir}/{f}",
                    'syntax = "proto3";\n\n'
                    f"package syn.m{b}.v1;\n\n"
                    + "".join(f'import "{x}";\n' for x in imps)
                    + ("\n" if imps else "")
                    + f'option go_package = "{go_package}";\n\n'
                    f"message F{j} {{\n{fields}}}\n",
                )
            self.add(f"{mdir}/README.md", f"# buf module m{b}\n")
        self.add(
            "buf.yaml",
            "version: v2\nmodules:\n"
            + "".join(f"  - path: {m}\n" for m in mods)
            + "lint:\n  use:\n    - STANDARD\n",
        )
        self.globals["buf.yaml"] = "buf"
        self.gen_buf_consumers(mods)

    def gen_buf_consumers(self, mods: list[str]) -> None:
        """buf.gen*.yaml templates (recorded in the meta; Truth derives their edges)."""
        rng = self.rng
        pnpm = [t for t in self.targets.values() if t.eco == "pnpm" and t.kind != "app"]
        apps = [t for t in self.targets.values() if t.eco == "pnpm" and t.kind == "app"]
        uv = [t for t in self.targets.values() if t.eco == "uv"]
        mid = pnpm[len(pnpm) // 5 : max(len(pnpm) // 5 + 1, len(pnpm) * 3 // 5)]
        used: set[str] = set()

        def pick(cands: list[Target]) -> Target:
            free = [t for t in cands if t.id not in used] or cands
            t = rng.choice(free)
            used.add(t.id)
            return t

        def write(fname: str, inputs: list[int] | None, outs: list[tuple[str, str]]) -> None:
            ins = list(range(len(mods))) if inputs is None else inputs
            text = "version: v2\nplugins:\n"
            for plugin, out in outs:
                text += f"  - {plugin}\n    out: {out}\n"
                owner = self.owner_dir_target(out)
                if owner is not None and owner.eco in ("pnpm", "uv"):
                    for i in ins:  # committed generated code in the consumer
                        stem = self.buf_files[i][0][: -len(".proto")]
                        ext = "_pb.ts" if owner.eco == "pnpm" else "_pb2.py"
                        gen_file = f"{out}/{stem}{ext}"
                        self.files.setdefault(gen_file, f"// generated from {stem}\n")
            if inputs is not None:
                text += "inputs:\n" + "".join(f"  - directory: {mods[i]}\n" for i in inputs)
            self.add(fname, text)
            self.gen_templates.append(
                {
                    "file": fname,
                    "inputs": [f"buf:{mods[i]}" for i in ins],
                    "outs": [out for _, out in outs],
                }
            )

        ts = pick(mid)
        first = sorted(rng.sample(range(len(mods)), max(1, len(mods) // 2)))
        write(
            "buf.gen.yaml",
            first,
            [
                ("remote: buf.build/protocolbuffers/go", "go/m0/gen/pb"),
                ("local: protoc-gen-es", f"{ts.dir}/src/gen"),
                ("remote: buf.build/community/pseudomuto-doc", "docs/gen"),
            ],
        )
        write("buf.gen.web.yaml", None, [("local: protoc-gen-es", f"{pick(apps).dir}/src/gen")])
        if uv:
            u = pick(uv)
            write(
                "buf.gen.py.yaml",
                [len(mods) - 1],
                [
                    (
                        "local: protoc-gen-python_betterproto",
                        f"{u.dir}/src/syn_u{u.dir.rsplit('u', 1)[1]}/gen",
                    )
                ],
            )
        for b in range(len(mods)):
            if rng.random() < 0.5:
                outs = [
                    ("local: protoc-gen-es", f"{pick(mid).dir}/src/gen")
                    for _ in range(rng.randint(1, 2))
                ]
                write(f"buf.gen.m{b}.yaml", [b], outs)
        # go_package edges: the Go gen package depends on the buf module naming it
        for b, gid in self.buf_go_pkg.items():
            self.targets[gid].deps.add(f"buf:{mods[b]}")

    # -- misc + ownership ----------------------------------------------------------------------
    def gen_misc(self) -> None:
        self.add("ameide.toml", "")
        self.globals["ameide.toml"] = "*"
        self.add(".gitignore", "node_modules/\ndist/\n.turbo/\n.venv/\n__pycache__/\n*.log\n")
        self.add("README.md", "# Synthetic benchmark monorepo\n\nGenerated by gen_monorepo.py.\n")
        self.add("tsconfig.base.json", '{ "compilerOptions": { "strict": true } }\n')
        for j in range(max(4, self.p.pnpm // 100)):
            self.add(f"docs/page{j}.md", f"# Page {j}\n")

    def owner_dir_target(self, path: str) -> Target | None:
        by_dir = {t.dir: t for t in self.targets.values()}
        return owner_of(path, by_dir)

    def finish(self) -> None:
        by_dir: dict[str, Target] = {}
        for t in self.targets.values():
            assert t.dir not in by_dir, f"two targets own {t.dir}"
            by_dir[t.dir] = t
        for path in sorted(self.files):
            owner = owner_of(path, by_dir)
            if owner is not None:
                owner.files.append(path)

    def generate(self) -> None:
        self.plan_buf()
        self.gen_go()
        self.gen_pnpm()
        self.gen_uv()
        self.gen_buf()
        self.gen_misc()
        self.finish()

    def meta(self, preset: str) -> dict[str, Any]:
        return {
            "gen_version": GEN_VERSION,
            "preset": preset,
            "seed": self.seed,
            "file_count": len(self.files),
            "targets": {
                tid: {
                    "eco": t.eco,
                    "dir": t.dir,
                    "kind": t.kind,
                    "deps": sorted(t.deps),
                    "files": t.files,
                }
                for tid, t in sorted(self.targets.items())
            },
            "go_modules": [
                {"dir": m.dir, "path": m.path, "packages": m.packages} for m in self.go_modules
            ],
            "globals": dict(sorted(self.globals.items())),
            "gen_templates": self.gen_templates,
            "unowned_examples": sorted(p for p in self.files if p.startswith("docs/"))[:3],
        }


def owner_of(path: str, by_dir: dict[str, T]) -> T | None:
    """The target of the deepest directory containing path (a dir contains itself)."""
    d = path.rstrip("/")
    while True:
        if d in by_dir:
            return by_dir[d]
        if "/" not in d:
            return by_dir.get("")
        d = d.rsplit("/", 1)[0]


# -- ground truth ------------------------------------------------------------------------------
# Optional semantic extensions of the truth beyond the brief (see bench/README.md):
#   gen-out-nested       targets whose directory lies inside a buf.gen plugin `out` directory
#                        also depend on that template's inputs (generated code lands there);
#   gen-template-global  a change to a buf.gen*.yaml affects the template's input modules.
EXTENSIONS = ("gen-out-nested", "gen-template-global")


class Truth:
    """The independent graph model loaded from the meta file.

    Edges: the meta's per-target deps (Go imports, pnpm/uv workspace deps, buf imports, Go
    `go_package`) plus, per buf.gen template, owner(out dir) -> every input module.
    """

    def __init__(self, meta: dict[str, Any], extensions: Iterable[str] = ()) -> None:
        self.extensions = frozenset(extensions)
        unknown = self.extensions - set(EXTENSIONS)
        if unknown:
            raise ValueError(f"unknown truth extension(s): {sorted(unknown)}")
        targets: dict[str, dict[str, Any]] = meta["targets"]
        self.eco = {tid: str(t["eco"]) for tid, t in targets.items()}
        self.dir = {tid: str(t["dir"]) for tid, t in targets.items()}
        self.kind = {tid: str(t["kind"]) for tid, t in targets.items()}
        self.files: dict[str, list[str]] = {tid: list(t["files"]) for tid, t in targets.items()}
        self.deps: dict[str, list[str]] = {tid: list(t["deps"]) for tid, t in targets.items()}
        self.by_dir = {d: tid for tid, d in self.dir.items()}
        self.templates: list[dict[str, Any]] = list(meta["gen_templates"])
        for tpl in self.templates:
            for out in tpl["outs"]:
                consumers = {owner_of(out, self.by_dir)} - {None}
                if "gen-out-nested" in self.extensions:
                    consumers |= {t for t, d in self.dir.items() if d.startswith(out + "/")}
                for c in sorted(c for c in consumers if c is not None):
                    self.deps[c] = sorted(set(self.deps[c]) | set(tpl["inputs"]))
        self.rdeps: dict[str, set[str]] = {tid: set() for tid in targets}
        for tid, deps in self.deps.items():
            for dep in deps:
                self.rdeps[dep].add(tid)
        self.globals: dict[str, str] = dict(meta["globals"])
        self.go_modules: list[dict[str, Any]] = list(meta["go_modules"])
        self.go_mod_files = {f"{m['dir']}/go.mod": list(m["packages"]) for m in self.go_modules}

    def ids(self, eco: str | None = None) -> list[str]:
        return [t for t, e in self.eco.items() if eco in (None, "*", e)]

    def direct(self, changed: Iterable[str]) -> set[str]:
        """Owners of the changed paths plus what global files and go.mod files reach."""
        out: set[str] = set()
        for path in changed:
            owner = owner_of(path, self.by_dir)
            if owner is not None:
                out.add(owner)
            eco = self.globals.get(path)
            if eco is not None:
                out.update(self.ids(eco))
            out.update(self.go_mod_files.get(path, []))
            if "gen-template-global" in self.extensions:
                for tpl in self.templates:
                    if tpl["file"] == path:
                        out.update(tpl["inputs"])
        return out

    def dependents(self, seeds: Iterable[str]) -> set[str]:
        """seeds plus everything that transitively depends on them."""
        seen = set(seeds)
        queue = deque(seen)
        while queue:
            for r in self.rdeps[queue.popleft()]:
                if r not in seen:
                    seen.add(r)
                    queue.append(r)
        return seen

    def affected(self, changed: Iterable[str]) -> set[str]:
        return self.dependents(self.direct(changed))


def meta_path(out_dir: Path) -> Path:
    return out_dir.parent / f"{out_dir.name}.meta.json"


def load_meta(out_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(meta_path(out_dir).read_text())
    return data


def generate(out_dir: Path, preset: str, seed: int = 1) -> dict[str, Any]:
    """(Re)generate out_dir from scratch and write its meta file next to it."""
    gen = Generator(PRESETS[preset], seed)
    gen.generate()
    if out_dir.exists():
        shutil.rmtree(out_dir)
    made: set[Path] = set()
    for rel, text in gen.files.items():
        path = out_dir / rel
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_text(text)
    meta = gen.meta(preset)
    meta_path(out_dir).write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    return meta


# -- self-checks -------------------------------------------------------------------------------
def check(out_dir: Path, meta: dict[str, Any], go_bin: str | None) -> list[str]:
    """Sanity checks of the model; with a Go toolchain, compare Go edges with `go list`."""
    problems: list[str] = []
    truth = Truth(meta)
    counts = {e: len(truth.ids(e)) for e in ECOSYSTEMS}
    preset = PRESETS[str(meta["preset"])]
    want = {"go": preset.go, "pnpm": preset.pnpm, "uv": preset.uv, "buf": preset.buf}
    if counts != want:
        problems.append(f"target counts {counts} != {want}")
    leaves = [t for t, r in truth.rdeps.items() if not r]
    if not leaves:
        problems.append("no leaf targets")
    for leaf in leaves[:200]:
        files = truth.files[leaf]
        if files and truth.affected([files[0]]) != {leaf}:
            problems.append(f"leaf {leaf}: truth {sorted(truth.affected([files[0]]))[:5]}")
    for tid, files in truth.files.items():
        if not files:
            problems.append(f"{tid} owns no file")
    if truth.affected(["docs/page0.md"]):
        problems.append("unowned docs file affects something")
    if truth.affected(["ameide.toml"]) != set(truth.eco):
        problems.append("ameide.toml does not affect everything")
    if truth.affected(["pnpm-workspace.yaml"]) != set(truth.ids("pnpm")):
        problems.append("pnpm-workspace.yaml does not affect exactly the pnpm targets")
    hubs = sorted(truth.rdeps, key=lambda t: -len(truth.rdeps[t]))[:3]
    print("top hubs:", ", ".join(f"{h} ({len(truth.rdeps[h])} direct dependents)" for h in hubs))
    problems += find_cycle(truth.deps)
    if go_bin:
        problems += check_go(out_dir, truth, go_bin)
    return problems


def find_cycle(deps: dict[str, list[str]]) -> list[str]:
    """An error message per cycle start found by an iterative DFS (the model must be a DAG)."""
    state: dict[str, int] = {}
    for root in deps:
        if state.get(root):
            continue
        state[root] = 1
        stack = [(root, iter(deps[root]))]
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return [f"cycle through {nxt}"]
            elif not state.get(nxt):
                state[nxt] = 1
                stack.append((nxt, iter(deps[nxt])))
    return []


def check_go(out_dir: Path, truth: Truth, go_bin: str) -> list[str]:
    """`go list` must see exactly our Go packages and Go-to-Go edges (all build tags on)."""
    env = {
        **os.environ,
        "GOTOOLCHAIN": "local",
        "GOFLAGS": "",
        "GOPROXY": "off",
        "GOWORK": str(out_dir.resolve() / "go.work"),
        "GOTELEMETRY": "off",
    }
    fmt = (
        '{{.ImportPath}}|{{join .Imports " "}} {{join .TestImports " "}} {{join .XTestImports " "}}'
    )
    res = subprocess.run(
        [go_bin, "list", "-e", "-tags", "integration", "-f", fmt, f"{GO_PREFIX}/..."],
        cwd=out_dir,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if res.returncode != 0:
        return [f"go list failed: {res.stderr[:2000]}"]
    problems = []
    seen = set()
    for line in res.stdout.splitlines():
        ip, _, imports = line.partition("|")
        tid = f"go:{ip}"
        seen.add(tid)
        if tid not in truth.eco:
            problems.append(f"go list package {ip} not in model")
            continue
        got = {f"go:{i}" for i in imports.split() if f"go:{i}" in truth.eco} - {tid}
        want = {d for d in truth.deps[tid] if d.startswith("go:")}
        if got != want:
            problems.append(f"{tid}: go list {sorted(got)} != model {sorted(want)}")
    missing = set(truth.ids("go")) - seen
    if missing:
        problems.append(f"model Go packages unknown to go list: {sorted(missing)[:5]}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--preset", choices=sorted(PRESETS), default="small")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--check",
        action="store_true",
        help="run sanity checks (and `go list` edge checks if go is available)",
    )
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    meta = generate(args.out_dir, args.preset, args.seed)
    dt = time.perf_counter() - t0
    truth = Truth(meta)
    counts = {e: len(truth.ids(e)) for e in ECOSYSTEMS}
    edges = sum(len(d) for d in truth.deps.values())
    print(
        f"generated {args.out_dir} preset={args.preset} seed={args.seed}: "
        f"{meta['file_count']} files, targets {counts}, {edges} edges in {dt:.2f}s; "
        f"meta {meta_path(args.out_dir)}"
    )
    if args.check:
        go_bin = shutil.which("go") or next(
            (str(p) for p in [Path(__file__).resolve().parents[1] / ".tools/bin/go"] if p.exists()),
            None,
        )
        problems = check(args.out_dir, meta, go_bin)
        for p in problems:
            print("CHECK FAILED:", p)
        print(
            "checks:",
            "ok" if not problems else f"{len(problems)} problem(s)",
            "(with go list)" if go_bin else "(no go toolchain)",
        )
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
