"""Deterministic generator of large synthetic polyglot monorepos for the ameide benchmark.

It writes a git-free tree (Go modules in a go.work, a pnpm workspace, a uv workspace and buf
modules with generated-code consumers) and, OUTSIDE that tree, a ``<out>.meta.json`` file with
its own graph model: every target, its directory, its edges (Go test edges apart), the files
each target holds, the structured config files, the protos and the buf.gen templates with
where each plugin's output lands and whether it is committed.  :class:`Truth` computes the
ground-truth affected set of a change from that model alone, by the rules of
docs/affected.md; it never parses the generated files and never imports ameide.

    python bench/gen_monorepo.py OUT_DIR --preset large|medium|small [--seed N] [--check]
"""

from __future__ import annotations

import argparse
import base64
import bisect
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

GEN_VERSION = 3
GO_VERSION = "1.25.5"
PNPM_MANAGER = "pnpm@12.4.2"
GO_PREFIX = "example.com/bench"
NPM_SCOPE = "@syn"
ROOT_NAME = "syn-monorepo"  # the pnpm workspace root project: pnpm:syn-monorepo
# the default catalog of pnpm-workspace.yaml: entry -> (specifier, locked version)
CATALOG = {"lodash": ("^4.17.21", "4.17.21"), "zod": ("^3.22.0", "3.22.4")}
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
    test_deps: set[str] = field(default_factory=set)  # Go: imports of its _test.go files
    module: int = -1  # Go module index (Go targets only)
    files: list[str] = field(default_factory=list)  # every file it holds
    test_files: list[str] = field(default_factory=list)  # Go: files that only feed its tests
    catalog: list[str] = field(default_factory=list)  # pnpm: `catalog:` dependencies
    external: list[str] = field(default_factory=list)  # pnpm: registry packages it locks


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
        self.globals: dict[str, str] = {}  # path -> scope ("*" or an ecosystem)
        self.configs: dict[str, str] = {}  # structured config file -> its kind
        self.lockfiles: dict[str, str] = {}  # lockfile -> ecosystem
        self.ignored: list[str] = []  # .gitignore patterns
        # buf plan: module index -> imported module indices; proto files per module
        self.buf_imports: dict[int, set[int]] = {}
        self.buf_files: dict[int, list[str]] = {}
        self.buf_go_pkg: dict[int, str] = {}  # buf module -> Go gen package id
        self.gen_templates: list[dict[str, Any]] = []
        self.protos: dict[str, dict[str, Any]] = {}  # proto path -> module id, in-repo imports

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
            if b == self.p.buf - 1:
                k = max(k, min(1, len(earlier)))  # the last module imports another one
            self.buf_imports[b] = set(rng.sample(earlier, k))
        # the module buf.gen.go.yaml generates Go code from at build time: the one importing
        # the most other modules
        self.api_buf = max(
            range(self.p.buf), key=lambda b: (len(self.buf_imports[b]), b), default=-1
        )

    # -- Go ------------------------------------------------------------------------------------
    def gen_go(self) -> None:
        rng, p = self.rng, self.p
        nmod = p.go_modules
        for k in range(nmod):
            if k == nmod - 1 and nmod >= 2:  # the last module is nested inside m0's directory
                self.go_modules.append(GoModule("go/m0/plugins", f"{GO_PREFIX}/m0/plugins"))
            else:
                self.go_modules.append(GoModule(f"go/m{k}", f"{GO_PREFIX}/m{k}"))
        # m0 never has a root package (no package holds buf.gen.yaml's Go out dir go/m0/gen/pb);
        # the nested module always has one.
        has_root = [
            (k == nmod - 1 and nmod >= 2) or (k > 0 and rng.random() < 0.5) for k in range(nmod)
        ]
        gen_bufs = [b for b in range(p.buf) if b == 0 or rng.random() < 0.7]
        # one hand-written package where buf.gen.go.yaml's build-time output lands
        regular = p.go - len(gen_bufs) - sum(has_root) - (1 if p.buf else 0)
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
                if p.buf:
                    last = self.api_buf
                    g = self.go_package(
                        k, f"{mod.dir}/api/syn/m{last}/v1", f"m{last}v1", "api", 8.0
                    )
                    self.add(
                        f"{g.target.dir}/helpers.go",
                        f"// Package {g.name} holds the Go code buf generates from proto/m{last} at"
                        " build time\n// (buf.gen.go.yaml; *.pb.go is git-ignored) plus these"
                        f" helpers.\npackage {g.name}\n\n"
                        "// Value is a hand-written helper.\nfunc Value() int { return 1 }\n",
                    )
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
        g = GoPkg(t, name, ip, kind in ("lib", "root", "gen", "api"), internal, weight)
        self.go_pkgs[t.id] = g
        return g

    def link_go(
        self, g: GoPkg, mod_pool: Pool, exported_prev: Pool, lib_dirs: list[tuple[str, bool]] | None
    ) -> None:
        """Choose g's imports and write its .go files (plus traps that must not be edges).

        Imports of the main file and of `//go:build integration` files are edges (`deps`),
        those of `_test.go` files test edges (`test_deps`)."""
        rng = self.rng
        n = rng.choice([0, 1, 1, 2, 2, 3, 4]) if g.target.kind != "root" else rng.choice([0, 1])
        deps = sample_distinct(rng, [(mod_pool, 0.85), (exported_prev, 0.15)], n)
        d, name, kind = g.target.dir, g.name, g.target.kind
        main_deps: list[str] = []
        test_deps: list[str] = []
        tag_deps: list[str] = []
        has_test = kind == "testonly" or rng.random() < (0.3 if kind == "cmd" else 0.6)
        has_tag = kind in ("lib", "root") and rng.random() < 0.06
        for dep in deps:
            r = rng.random()
            if kind == "testonly" or (has_test and r < 0.3):
                test_deps.append(dep)
            elif has_tag and (r > 0.7 or not tag_deps):
                tag_deps.append(dep)
            else:
                main_deps.append(dep)
        g.target.deps.update(main_deps + tag_deps)
        g.target.test_deps.update(test_deps)
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
        if kind in ("lib", "root", "cmd") and rng.random() < 0.2:
            # not a file of the package (go list lists .go files only): the root project's
            self.add(f"{d}/README.md", f"# {name}\n\nGenerated benchmark package.\n")
        if kind == "lib" and rng.random() < 0.06 and len(mod_pool):
            # excluded on linux/amd64: still the package's file, but its import is no edge
            other = self.go_pkgs[mod_pool.pick(rng)]
            self.add(
                f"{d}/{name}_windows.go",
                f'package {name}\n\nimport _ "{other.import_path}"\n\nconst onWindows = true\n',
            )
        if kind == "lib" and rng.random() < 0.03 and len(mod_pool):
            # every file excluded on linux/amd64: no package (go list ./... skips it)
            other = self.go_pkgs[mod_pool.pick(rng)]
            self.add(
                f"{d}/winonly/winonly_windows.go",
                f'package winonly\n\nimport _ "{other.import_path}"\n',
            )

    def import_block(self, deps: Sequence[str], std: Sequence[str]) -> tuple[str, list[str]]:
        """An import declaration plus the qualifiers to call Value() on (blank imports: none)."""
        rng = self.rng
        lines = [f'\t"{s}"' for s in std]
        if std and deps:
            lines.append("")
        quals: list[str] = []
        names: set[str] = set()  # package names imported unaliased (m<b>v1 comes twice)
        for j, dep in enumerate(deps):
            g = self.go_pkgs[dep]
            r = rng.random()
            if r < 0.05:
                lines.append(f'\t_ "{g.import_path}"')
            elif r < 0.25 or g.name in names:
                lines.append(f'\td{j} "{g.import_path}"')
                quals.append(f"d{j}")
            else:
                lines.append(f'\t"{g.import_path}"')
                quals.append(g.name)
                names.add(g.name)
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
                for dep in self.targets[tid].deps | self.targets[tid].test_deps:
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
            self.configs[f"{mod.dir}/go.mod"] = "go.mod"
            uses.append(f"\t./{mod.dir}\n")
        self.add("go.work", f"go {GO_VERSION}\n\nuse (\n" + "".join(uses) + ")\n")
        self.configs["go.work"] = "go.work"

    # -- pnpm ----------------------------------------------------------------------------------
    def gen_pnpm(self) -> None:
        rng, n = self.rng, self.p.pnpm
        n_apps = max(1, n * 8 // 100)
        pool = Pool()
        n_catalog = 0
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
            if i < len(CATALOG) or rng.random() < 0.15:
                # a catalog dependency: an external package, no edge (entries take turns)
                entry = sorted(CATALOG)[n_catalog % len(CATALOG)]
                n_catalog += 1
                t.catalog.append(entry)
                t.external.append(entry)
                by_field.setdefault("dependencies", {})[entry] = "catalog:"
            if len(pool) and rng.random() < 0.05:
                # a plain range on a workspace package: link-workspace-packages is off (pnpm
                # 9+), so pnpm resolves it from the registry: no edge
                other = pool.pick(rng)[len("pnpm:") :]
                if other not in {n for v in by_field.values() for n in v}:
                    by_field.setdefault("devDependencies", {})[other] = "^0.0.0"
                    t.external.append(other)
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
            'packages:\n  - "packages/*"\n  - "apps/*"\n  - "libs/**"\n  - "!packages/legacy-*"\n'
            "\ncatalog:\n"
            + "".join(f"  {n}: {spec}\n" for n, (spec, _) in sorted(CATALOG.items())),
        )
        # the workspace root project: holds every file no other target holds
        self.new_target(f"pnpm:{ROOT_NAME}", "pnpm", ".", "root")
        self.add(
            "package.json",
            json.dumps(
                {
                    "name": ROOT_NAME,
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
        self.configs["pnpm-workspace.yaml"] = "pnpm-workspace"
        self.lockfiles["pnpm-lock.yaml"] = "pnpm"
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
        """A minimal lockfile v9 (workspace links, the catalog and the registry packages, no
        transitive dependencies) so turbo parses the workspace offline."""
        dirs = {t.id: t.dir for t in self.targets.values() if t.eco == "pnpm" and t.dir != "."}
        used = {n for t in self.targets.values() for n in t.catalog}
        out = [
            "lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n"
            "  excludeLinksFromLockfile: false\n\ncatalogs:\n\n  default:\n"
            + "".join(
                f"    {n}:\n      specifier: {spec}\n      version: {ver}\n"
                for n, (spec, ver) in sorted(CATALOG.items())
                if n in used
            )
            + "\nimporters:\n\n  .: {}\n"
        ]
        registry: set[str] = set()
        for tid in sorted(dirs, key=lambda x: dirs[x]):
            manifest = json.loads(self.files[f"{dirs[tid]}/package.json"])
            sections = []
            for f in ("dependencies", "devDependencies", "optionalDependencies"):
                entries = manifest.get(f, {})
                if not entries:
                    continue
                body = []
                for n, spec in sorted(entries.items()):
                    if spec == "workspace:*":
                        version = f"link:{os.path.relpath(dirs['pnpm:' + n], dirs[tid])}"
                    elif spec == "catalog:":
                        version = CATALOG[n][1]
                        spec = "'catalog:'"
                    else:  # a plain range: resolved from the registry
                        version = spec.lstrip("^~")
                    if not version.startswith("link:"):
                        registry.add(f"{n}@{version}")
                    body.append(
                        f"      '{n}':\n        specifier: {spec}\n        version: {version}\n"
                    )
                sections.append(f"    {f}:\n" + "".join(body))
            out.append(f"\n  {dirs[tid]}:" + ("\n" + "".join(sections) if sections else " {}\n"))

        def integrity(key: str) -> str:
            digest = hashlib.sha512(key.encode()).digest()
            return "sha512-" + base64.b64encode(digest).decode()

        keys = sorted(registry)
        out.append(
            "\npackages:\n"
            + "".join(f"\n  '{k}':\n    resolution: {{integrity: {integrity(k)}}}\n" for k in keys)
            + "\nsnapshots:\n"
            + "".join(f"\n  '{k}': {{}}\n" for k in keys)
        )
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
        self.configs["pyproject.toml"] = "uv-root"  # a virtual root: no target holds it

    # -- buf -----------------------------------------------------------------------------------
    def gen_buf(self) -> None:
        rng = self.rng
        mods = [f"proto/m{b}" for b in range(self.p.buf)]
        for b, mdir in enumerate(mods):
            self.new_target(f"buf:{mdir}", "buf", mdir, "module").deps.update(
                f"buf:{mods[i]}" for i in self.buf_imports[b]
            )
            files = self.buf_files[b]
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
                    + f'option go_package = "{self.proto_go_package(b)};m{b}v1";\n\n'
                    f"message F{j} {{\n{fields}}}\n",
                )
                self.protos[f"{mdir}/{f}"] = {
                    "module": f"buf:{mdir}",
                    # in-repo imports as repo paths (`syn/m<i>/...` lives in proto/m<i>)
                    "imports": [
                        f"proto/{x.split('/')[1]}/{x}" for x in imps if not x.startswith("google/")
                    ],
                }
            self.add(f"{mdir}/README.md", f"# buf module m{b}\n")
        self.add(
            "buf.yaml",
            "version: v2\nmodules:\n"
            + "".join(f"  - path: {m}\n" for m in mods)
            + "lint:\n  use:\n    - STANDARD\n",
        )
        self.globals["buf.yaml"] = "buf"
        self.gen_buf_consumers(mods)

    def proto_go_package(self, b: int) -> str:
        """The `go_package` import path of buf module b's protos: the committed Go gen package
        in go/m0/gen/pb, or a third-party path."""
        gid = self.buf_go_pkg.get(b)
        return gid[len("go:") :] if gid is not None else f"example.com/thirdparty/m{b}v1"

    def gen_buf_consumers(self, mods: list[str]) -> None:
        """buf.gen*.yaml templates, recorded in the meta with, per plugin entry, where its
        output lands and whether it is committed (Truth routes build-time output only)."""
        rng = self.rng
        pnpm = [
            t for t in self.targets.values() if t.eco == "pnpm" and t.kind not in ("app", "root")
        ]
        apps = [t for t in self.targets.values() if t.eco == "pnpm" and t.kind == "app"]
        uv = [t for t in self.targets.values() if t.eco == "uv"]
        mid = pnpm[len(pnpm) // 5 : max(len(pnpm) // 5 + 1, len(pnpm) * 3 // 5)]
        used: set[str] = set()

        def pick(cands: list[Target]) -> Target:
            free = [t for t in cands if t.id not in used] or cands
            t = rng.choice(free)
            used.add(t.id)
            return t

        def write(
            fname: str, inputs: list[int] | None, outs: list[tuple[str, str, str | None]]
        ) -> None:
            ins = list(range(len(mods))) if inputs is None else inputs
            text = "version: v2\nplugins:\n"
            plugins = []
            for plugin, out, opt in outs:
                text += f"  - {plugin}\n    out: {out}\n" + (f"    opt: {opt}\n" if opt else "")
                go = plugin.endswith("/protocolbuffers/go")
                entry: dict[str, Any] = {"out": out, "go": go, "committed": False}
                if go:
                    # protoc-gen-go writes a proto's file into its Go package: under `out` at
                    # the proto's own directory (paths=source_relative) or at the full
                    # go_package import path (the default)
                    entry["lands"] = {
                        f"buf:{mods[i]}": f"{out}/{self.buf_files[i][0].rsplit('/', 1)[0]}"
                        if opt == "paths=source_relative"
                        else f"{out}/{self.proto_go_package(i)}"
                        for i in ins
                    }
                elif any(
                    t.eco in ("pnpm", "uv") and out.startswith(t.dir + "/")
                    for t in pnpm + apps + uv
                ):
                    entry["committed"] = True  # generated code committed in the consumer
                    for i in ins:
                        stem = self.buf_files[i][0][: -len(".proto")]
                        py = "/py/" in f"/{out}"
                        gen_file = f"{out}/{stem}{'_pb2.py' if py else '_pb.ts'}"
                        self.files.setdefault(
                            gen_file, f"{'#' if py else '//'} generated from {stem}\n"
                        )
                plugins.append(entry)
            if inputs is not None:
                text += "inputs:\n" + "".join(f"  - directory: {mods[i]}\n" for i in inputs)
            self.add(fname, text)
            self.configs[fname] = "buf.gen"
            self.gen_templates.append(
                {"file": fname, "inputs": [f"buf:{mods[i]}" for i in ins], "plugins": plugins}
            )

        ts = pick(mid)
        first = set(rng.sample(range(len(mods)), max(1, len(mods) // 2)))
        if self.buf_imports[self.api_buf]:
            # a module the api module imports: build-time generated protos import its protos
            first.add(min(self.buf_imports[self.api_buf]))
        write(
            "buf.gen.yaml",
            sorted(first),
            [
                # lands at go/m0/gen/pb/<import path>: no package there (the committed gen
                # packages are ordinary source), so a trap that reaches nothing
                ("remote: buf.build/protocolbuffers/go", "go/m0/gen/pb", None),
                ("local: protoc-gen-es", f"{ts.dir}/src/gen", None),
                ("remote: buf.build/community/pseudomuto-doc", "docs/gen", None),  # git-ignored
            ],
        )
        # build-time Go output (git-ignored) landing in a hand-written package
        write(
            "buf.gen.go.yaml",
            [self.api_buf],
            [("remote: buf.build/protocolbuffers/go", "go/m0/api", "paths=source_relative")],
        )
        self.ignored += ["docs/gen/", "go/m0/api/**/*.pb.go"]
        write(
            "buf.gen.web.yaml", None, [("local: protoc-gen-es", f"{pick(apps).dir}/src/gen", None)]
        )
        if uv:
            u = pick(uv)
            write(
                "buf.gen.py.yaml",
                [len(mods) - 1],
                [
                    (
                        "local: protoc-gen-python_betterproto",
                        f"{u.dir}/src/syn_u{u.dir.rsplit('u', 1)[1]}/gen",
                        None,
                    )
                ],
            )
        for b in range(len(mods)):
            if rng.random() < 0.5:
                outs = [
                    ("local: protoc-gen-es", f"{pick(mid).dir}/src/gen", None)
                    for _ in range(rng.randint(1, 2))
                ]
                write(f"buf.gen.m{b}.yaml", [b], outs)

    # -- misc + ownership ----------------------------------------------------------------------
    def gen_misc(self) -> None:
        self.add("ameide.toml", "")
        self.globals["ameide.toml"] = "*"
        ignore = ["node_modules/", "dist/", ".turbo/", ".venv/", "__pycache__/", "*.log"]
        self.add(".gitignore", "".join(f"{x}\n" for x in ignore + self.ignored))
        self.add("README.md", "# Synthetic benchmark monorepo\n\nGenerated by gen_monorepo.py.\n")
        self.add("tsconfig.base.json", '{ "compilerOptions": { "strict": true } }\n')
        for j in range(max(4, self.p.pnpm // 100)):
            self.add(f"docs/page{j}.md", f"# Page {j}\n")

    def finish(self) -> None:
        """Each file to the targets that hold it (without buf's build-time routes: a proto is
        listed under its module only); config files, globals and lockfiles to none."""
        dirs: set[str] = set()
        for t in self.targets.values():
            assert t.dir not in dirs, f"two targets own {t.dir}"
            dirs.add(t.dir)
        layout = Layout(
            {tid: (t.eco, t.dir, t.kind) for tid, t in self.targets.items()},
            [m.dir for m in self.go_modules],
        )
        special = {**self.globals, **self.configs, **self.lockfiles}
        self.unowned: list[str] = []
        for path in sorted(self.files):
            if path in special:
                continue
            owners = layout.owners(path)
            if not owners:
                self.unowned.append(path)
            for tid, test_only in owners.items():
                self.targets[tid].files.append(path)
                if test_only:
                    self.targets[tid].test_files.append(path)

    def generate(self) -> None:
        self.plan_buf()
        self.gen_go()
        self.gen_pnpm()
        self.gen_uv()
        self.gen_buf()
        self.gen_misc()
        self.finish()

    def meta(self, preset: str) -> dict[str, Any]:
        def target(t: Target) -> dict[str, Any]:
            out: dict[str, Any] = {
                "eco": t.eco,
                "dir": t.dir,
                "kind": t.kind,
                "deps": sorted(t.deps),
                "files": t.files,
            }
            if t.eco == "go":
                out["test_deps"] = sorted(t.test_deps)
                out["test_files"] = t.test_files
            if t.eco == "pnpm":
                out["catalog"] = sorted(t.catalog)
                out["external"] = sorted(t.external)
            return out

        return {
            "gen_version": GEN_VERSION,
            "preset": preset,
            "seed": self.seed,
            "file_count": len(self.files),
            "root": f"pnpm:{ROOT_NAME}",
            "targets": {tid: target(t) for tid, t in sorted(self.targets.items())},
            "go_modules": [
                {"dir": m.dir, "path": m.path, "packages": m.packages} for m in self.go_modules
            ],
            "globals": dict(sorted(self.globals.items())),
            "configs": dict(sorted(self.configs.items())),
            "lockfiles": dict(sorted(self.lockfiles.items())),
            "protos": dict(sorted(self.protos.items())),
            "gen_templates": self.gen_templates,
            "unowned": self.unowned,
        }


def deepest(d: str, by_dir: dict[str, T]) -> T | None:
    """The entry of the deepest directory containing directory d (d itself included)."""
    while d:
        if d in by_dir:
            return by_dir[d]
        d = d.rpartition("/")[0]
    return None


def within(path: str, d: str) -> bool:
    return d == "." or path == d or path.startswith(d + "/")


class Layout:
    """Which targets hold a changed path, each ecosystem by its own tool's rule
    (docs/affected.md, "From files to targets"), from the model's directories alone.

    owners(path) -> {target id: test_only}:
      Go    the `.go` files of a package's directory (not `_*`/`.*`; `_test.go` and build
            constraint-excluded ones included) and everything under a `testdata/` below it
            (test_only for `_test.go` and `testdata/`); nothing else (a README is not Go's);
      pnpm  everything under the deepest workspace project's directory;
      uv    everything under the deepest member's directory (the virtual root holds nothing);
      buf   the `.proto` files of the deepest module containing them, plus the targets its
            build-time generated output reaches (`routes`);
      root  the pnpm workspace root project holds what nothing else holds, except a `.go`
            file inside a Go module or a `.proto` inside a buf module (still Go's / buf's).
    """

    def __init__(
        self,
        targets: dict[str, tuple[str, str, str]],
        go_module_dirs: Iterable[str],
        routes: dict[str, set[str]] | None = None,
    ) -> None:
        self.by_eco: dict[str, dict[str, str]] = {e: {} for e in ECOSYSTEMS}
        self.root: str | None = None
        for tid, (eco, d, kind) in targets.items():
            if eco == "pnpm" and kind == "root":
                self.root = tid
            else:
                self.by_eco[eco][d] = tid
        self.go_modules = sorted(go_module_dirs)
        self.routes = routes or {}

    def claimed(self, path: str) -> bool:
        if path.endswith(".go"):
            return any(within(path, m) for m in self.go_modules)
        if path.endswith(".proto"):
            return any(within(path, m) for m in self.by_eco["buf"])
        return False

    def owners(self, path: str) -> dict[str, bool]:
        found: dict[str, bool] = {}
        d, _, name = path.rpartition("/")
        go = self.by_eco["go"]
        if name.endswith(".go") and not name.startswith(("_", ".")) and d in go:
            found[go[d]] = name.endswith("_test.go")
        parts = path.split("/")
        if "testdata" in parts[:-1]:
            pkg = deepest("/".join(parts[: parts.index("testdata")]), go)
            if pkg is not None:
                found.setdefault(pkg, True)
        for eco in ("pnpm", "uv"):
            t = deepest(d, self.by_eco[eco])
            if t is not None:
                found[t] = False
        if name.endswith(".proto"):
            t = deepest(d, self.by_eco["buf"])
            if t is not None:
                found[t] = False
                for c in self.routes.get(path, ()):
                    found[c] = False
        if not found and self.root is not None and not self.claimed(path):
            found[self.root] = False
        return found


# -- ground truth ------------------------------------------------------------------------------
GO_MODULE_WIDE = ("module", "go", "toolchain", "godebug", "ignore")


class Truth:
    """The independent graph model loaded from the meta file, with docs/affected.md's rules.

    Seeds: a global file's scope; a structured config file's changed keys (`keys`, below);
    a lockfile's changed packages (closure rule); the owners of every other path (Layout).
    A seed whose change is test-only (a `_test.go`, `testdata/`) or config-wide for a Go
    module (a go.mod `go` line: the module's own packages) affects itself alone; every other
    seed passes the change to its dependents over `deps`, transitively, and from each target
    reached one hop further to the Go packages whose tests import it (`test_deps`).

    `keys` maps a changed structured file to what changed in it (nothing = a comment):
      go.mod               `go`, `toolchain`, `godebug`, `module`, `ignore`; `require:<module>`
                           / `replace:<module>` (in-repo modules only: all are replaced by a
                           local directory and in go.work, so their versions change nothing)
      go.work              `go`, `toolchain`, `godebug`; `use:<module dir>`
      pnpm-workspace.yaml  `catalog:<entry>`, `packages:<project dir>` (a project that joined)
                           (the root project, its owner, is always affected)
      root pyproject.toml  `sources:<uv id>` (the members requiring it)
      buf.gen*.yaml        `plugin:<out>` (that entry changed), `inputs` (every entry)
      pnpm-lock.yaml       `package:<name>` (its locked version or entry changed)
    """

    def __init__(self, meta: dict[str, Any]) -> None:
        targets: dict[str, dict[str, Any]] = meta["targets"]
        self.eco = {tid: str(t["eco"]) for tid, t in targets.items()}
        self.dir = {tid: str(t["dir"]) for tid, t in targets.items()}
        self.kind = {tid: str(t["kind"]) for tid, t in targets.items()}
        self.files: dict[str, list[str]] = {tid: list(t["files"]) for tid, t in targets.items()}
        self.test_files = {tid: set(t.get("test_files", ())) for tid, t in targets.items()}
        self.deps: dict[str, list[str]] = {tid: list(t["deps"]) for tid, t in targets.items()}
        self.test_deps = {tid: list(t.get("test_deps", ())) for tid, t in targets.items()}
        self.catalog = {tid: set(t.get("catalog", ())) for tid, t in targets.items()}
        self.external = {tid: set(t.get("external", ())) for tid, t in targets.items()}
        self.root: str = meta["root"]
        self.rdeps: dict[str, set[str]] = {tid: set() for tid in targets}
        self.rtest: dict[str, set[str]] = {tid: set() for tid in targets}
        for tid in targets:
            for dep in self.deps[tid]:
                self.rdeps[dep].add(tid)
            for dep in self.test_deps[tid]:
                self.rtest[dep].add(tid)
        self.globals: dict[str, str] = dict(meta["globals"])
        self.configs: dict[str, str] = dict(meta["configs"])
        self.lockfiles: dict[str, str] = dict(meta["lockfiles"])
        self.go_modules: list[dict[str, Any]] = list(meta["go_modules"])
        self.go_mod_files = {f"{m['dir']}/go.mod": m for m in self.go_modules}
        self.protos: dict[str, dict[str, Any]] = dict(meta["protos"])
        self.templates: list[dict[str, Any]] = list(meta["gen_templates"])
        self.unowned: list[str] = list(meta["unowned"])
        self._generated_code()
        self.layout = Layout(
            {tid: (self.eco[tid], self.dir[tid], self.kind[tid]) for tid in targets},
            [m["dir"] for m in self.go_modules],
            self.routes,
        )

    # -- buf generated code --------------------------------------------------------------------
    def _generated_code(self) -> None:
        """Build-time generated output (not committed) routes a proto to the targets it lands
        in, and to those of every build-time generated proto importing it; committed output
        is ordinary source of its target and routes nothing."""
        by_dir_go = {d: t for t, d in self.dir.items() if self.eco[t] == "go"}
        others = [t for t in self.eco if self.eco[t] != "buf"]
        direct: dict[str, set[str]] = {}  # proto -> targets its own build-time output lands in
        self.entry_consumers: dict[tuple[str, str], set[str]] = {}
        for tpl in self.templates:
            inputs = [p for p, f in self.protos.items() if f["module"] in tpl["inputs"]]
            for e in tpl["plugins"]:
                got = self.entry_consumers.setdefault((tpl["file"], e["out"]), set())
                if e["committed"]:
                    continue
                if e["go"]:
                    # the Go package at the landing directory of each input module's protos
                    # (and packages importing its import path while no package answers it:
                    # none in the model)
                    lands = {
                        m: {by_dir_go[d]} if d in by_dir_go else set()
                        for m, d in e["lands"].items()
                    }
                else:  # the deepest targets holding `out`, and those inside it
                    out = e["out"]
                    inside = {t for t in others if t != self.root and within(self.dir[t], out)}
                    holders = [t for t in others if within(out, self.dir[t])]
                    depth = max((self.depth(t) for t in holders), default=-1)
                    cons = inside | {t for t in holders if self.depth(t) == depth}
                for proto in inputs:
                    if e["go"]:
                        cons = lands[self.protos[proto]["module"]]
                    direct.setdefault(proto, set()).update(cons)
                    got.update(cons)
        imported_by: dict[str, set[str]] = {}
        for proto, f in self.protos.items():
            for imp in f["imports"]:
                imported_by.setdefault(imp, set()).add(proto)
        self.direct = direct
        self.routes: dict[str, set[str]] = {}
        for proto in direct:
            seen, stack, cons = {proto}, [proto], set()
            while stack:
                cur = stack.pop()
                cons |= direct[cur]
                for nxt in imported_by.get(cur, ()):
                    if nxt not in seen and nxt in direct:
                        seen.add(nxt)
                        stack.append(nxt)
            if cons:
                self.routes[proto] = cons

    def depth(self, tid: str) -> int:
        d = self.dir[tid]
        return 0 if d == "." else d.count("/") + 1

    # -- queries -------------------------------------------------------------------------------
    def ids(self, eco: str | None = None) -> list[str]:
        return [t for t, e in self.eco.items() if eco in (None, "*", e)]

    def gone(self, deleted: Iterable[str]) -> set[str]:
        """Targets a deletion removes: a Go package whose every `.go` file is deleted, a pnpm
        or uv project whose manifest is deleted."""
        dels = set(deleted)
        out = set()
        for tid, eco in self.eco.items():
            d = self.dir[tid]
            if eco == "go":
                own = [
                    f for f in self.files[tid] if f.rpartition("/")[0] == d and f.endswith(".go")
                ]
                if own and dels.issuperset(own):
                    out.add(tid)
            elif eco in ("pnpm", "uv") and tid != self.root:
                manifest = "package.json" if eco == "pnpm" else "pyproject.toml"
                if f"{d}/{manifest}" in dels:
                    out.add(tid)
        return out

    def seeds(
        self,
        changed: Iterable[str],
        keys: dict[str, Sequence[str]] | None = None,
        gone: set[str] | frozenset[str] = frozenset(),
    ) -> dict[str, bool]:
        """Seed target -> terminal (affects itself only) for a change.

        A gone target's files belong to what holds them now (the root project, or nobody for
        a Go file in a module); the targets still naming it are seeds: those whose own code
        imports it, and, test-only, those whose tests alone import it (their test binary no
        longer builds; their code is unchanged, so their importers are not affected)."""
        keys = keys or {}
        out: dict[str, bool] = {}
        layout = self.layout
        if gone:
            layout = Layout(
                {t: (self.eco[t], self.dir[t], self.kind[t]) for t in self.eco if t not in gone},
                [m["dir"] for m in self.go_modules],
                self.routes,
            )

        def seed(ids: Iterable[str], terminal: bool = False) -> None:
            for tid in ids:
                if tid not in gone:
                    out[tid] = out.get(tid, True) and terminal

        for g in sorted(gone):
            seed(self.rdeps[g])
            seed(self.rtest[g] - self.rdeps[g], terminal=True)
        for path in changed:
            scope = self.globals.get(path)
            if scope is not None:
                seed(self.ids(scope))
            elif path in self.configs:
                self._config(path, self.configs[path], list(keys.get(path, ())), seed)
            elif path in self.lockfiles:  # pnpm-lock.yaml: the closure rule
                for key in keys.get(path, ()):
                    what, _, name = key.partition(":")
                    if what != "package":
                        raise ValueError(f"{path}: unknown key {key!r}")
                    seed(t for t in self.ids("pnpm") if name in self.external[t])
            else:
                for tid, test_only in layout.owners(path).items():
                    seed([tid], test_only)
        return out

    def _config(self, path: str, kind: str, keys: list[str], seed: Callable[..., None]) -> None:
        packages = {m["dir"]: list(m["packages"]) for m in self.go_modules}
        in_repo = {m["path"] for m in self.go_modules}
        if kind == "pnpm-workspace":
            seed([self.root])  # its ordinary owner
        for key in keys:
            what, _, arg = key.partition(":")
            if kind == "go.mod" and what in GO_MODULE_WIDE:
                seed(self.go_mod_files[path]["packages"], terminal=True)
            elif kind == "go.mod" and what in ("require", "replace") and arg in in_repo:
                pass  # replaced by a local directory, a workspace module: nothing
            elif kind == "go.work" and what in ("go", "toolchain", "godebug"):
                seed((p for ps in packages.values() for p in ps), terminal=True)
            elif kind == "go.work" and what == "use":
                seed(packages[arg], terminal=True)
            elif kind == "pnpm-workspace" and what == "catalog":
                seed(t for t in self.ids("pnpm") if arg in self.catalog[t])
            elif kind == "pnpm-workspace" and what == "packages":
                seed(t for t in self.ids("pnpm") if self.dir[t] == arg)
            elif kind == "uv-root" and what == "sources":
                seed(t for t in self.ids("uv") if arg in self.deps[t])
            elif kind == "buf.gen" and what == "plugin":
                seed(self.entry_consumers[(path, arg)])
            elif kind == "buf.gen" and what == "inputs":
                seed(c for (f, _), cs in self.entry_consumers.items() if f == path for c in cs)
            else:
                raise ValueError(f"{path}: the model has no rule for key {key!r}")

    def walk(
        self, seeds: dict[str, bool], gone: set[str] | frozenset[str] = frozenset()
    ) -> set[str]:
        """Seeds, everything depending on a non-terminal seed (transitively), and the Go
        packages whose tests import one of those (one hop); gone targets are no more."""
        reached = {t for t, terminal in seeds.items() if not terminal}
        queue = deque(reached)
        while queue:
            for r in self.rdeps[queue.popleft()]:
                if r not in reached and r not in gone:
                    reached.add(r)
                    queue.append(r)
        out = set(seeds) | reached
        for t in reached:
            out |= self.rtest[t]
        return out - gone

    def dependents(self, tid: str) -> set[str]:
        """What a non-test change of tid's own code affects."""
        return self.walk({tid: False})

    def affected(
        self,
        changed: Iterable[str],
        keys: dict[str, Sequence[str]] | None = None,
        deleted: Iterable[str] = (),
    ) -> set[str]:
        """The true affected set of a change: `changed` paths (deleted ones included),
        `keys` for structured files (class docstring), `deleted` to find gone targets."""
        gone = self.gone(deleted)
        return self.walk(self.seeds(changed, keys, gone), gone)


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
    # pnpm: the workspace projects plus the workspace root project
    want = {"go": preset.go, "pnpm": preset.pnpm + 1, "uv": preset.uv, "buf": preset.buf}
    if counts != want:
        problems.append(f"target counts {counts} != {want}")
    leaves = [t for t in truth.eco if not truth.rdeps[t] and not truth.rtest[t]]
    if not leaves:
        problems.append("no leaf targets")
    for leaf in leaves[:200]:
        files = [f for f in truth.files[leaf] if f not in truth.test_files[leaf]]
        if truth.eco[leaf] == "buf":
            files = [f for f in files if f not in truth.routes]
        if files and truth.affected([files[0]]) != {leaf}:
            problems.append(f"leaf {leaf}: truth {sorted(truth.affected([files[0]]))[:5]}")
    for tid, files in truth.files.items():
        if not files:
            problems.append(f"{tid} owns no file")
    for tid in truth.ids("go"):  # a test-only change affects its own package alone
        for f in sorted(truth.test_files[tid])[:1]:
            if truth.affected([f]) != {tid}:
                problems.append(f"{f}: a test file affects {sorted(truth.affected([f]))[:5]}")
    for path in ["docs/page0.md", "README.md", "package.json", "turbo.json"]:
        if truth.affected([path]) != {truth.root}:
            problems.append(f"{path} is not the root project's alone")
    for path in truth.unowned:  # .go files no package holds (`_examples/`, excluded dirs)
        if truth.affected([path]):
            problems.append(f"{path}: held by no target but affects something")
    if truth.affected(["ameide.toml"]) != set(truth.eco):
        problems.append("ameide.toml does not affect everything")
    for path in truth.configs:  # a comment in a structured config file
        want_c = {truth.root} if truth.configs[path] == "pnpm-workspace" else set()
        if truth.affected([path]) != want_c:
            problems.append(f"a comment in {path} affects {sorted(truth.affected([path]))[:5]}")
    if not any(truth.routes.values()):
        problems.append("no build-time generated output reaches a target")
    hubs = sorted(truth.rdeps, key=lambda t: -len(truth.rdeps[t]))[:3]
    print("top hubs:", ", ".join(f"{h} ({len(truth.rdeps[h])} direct dependents)" for h in hubs))
    problems += find_cycle({t: truth.deps[t] + truth.test_deps[t] for t in truth.deps})
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
    """`go list` must see exactly our Go packages, their edges and test edges (linux/amd64,
    with the `integration` tag)."""
    env = {
        **os.environ,
        "GOTOOLCHAIN": "local",
        "GOFLAGS": "",
        "GOPROXY": "off",
        "GOWORK": str(out_dir.resolve() / "go.work"),
        "GOTELEMETRY": "off",
    }
    fmt = (
        '{{.ImportPath}}|{{join .Imports " "}}|{{join .TestImports " "}} {{join .XTestImports " "}}'
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
        ip, imports, test_imports = line.split("|")
        tid = f"go:{ip}"
        seen.add(tid)
        if tid not in truth.eco:
            problems.append(f"go list package {ip} not in model")
            continue
        for what, listed, model in (
            ("imports", imports, truth.deps[tid]),
            ("test imports", test_imports, truth.test_deps[tid]),
        ):
            got = {f"go:{i}" for i in listed.split() if f"go:{i}" in truth.eco} - {tid}
            want = {d for d in model if d.startswith("go:")}
            if got != want:
                problems.append(f"{tid} {what}: go list {sorted(got)} != model {sorted(want)}")
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
    test_edges = sum(len(d) for d in truth.test_deps.values())
    print(
        f"generated {args.out_dir} preset={args.preset} seed={args.seed}: "
        f"{meta['file_count']} files, targets {counts}, {edges} edges + {test_edges} test "
        f"edges in {dt:.2f}s; "
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
