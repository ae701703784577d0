"""Small repositories that reproduce, one per rule, the real-world shapes of
bench/conformance (issue 11): each is a base tree, a change, and the exact set of targets the
change affects — what the ecosystem's own tool says (plus the two documented deviations).

`test_fixtures.py` asserts ameide's answer for every fixture, and, where the pinned native
tool is installed, runs the harness's own reference (`bench/conformance/native_*.py`) on the
same two commits and asserts it gives the same set.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Fixture:
    name: str
    rule: str  # the rule of docs/affected.md it reproduces
    ecosystems: tuple[str, ...]  # the ones compared with the native reference
    base: dict[str, str]
    change: dict[str, str | None]  # path -> new content, None deletes it
    expected: frozenset[str]
    # ecosystems whose native reference cannot see this rule (build-time generated code is
    # not in the repository, so `go list` cannot see the package that imports it): ameide only
    ameide_only: tuple[str, ...] = ()
    native_setup: tuple[str, ...] = field(default=())  # e.g. ("uv lock",) before committing


def pkg(name: str | None, **fields: object) -> str:
    doc: dict[str, object] = {} if name is None else {"name": name}
    doc.update(fields)
    return json.dumps(doc, indent=2) + "\n"


# ---------------------------------------------------------------------------------------- Go

GO_MOD = "module example.com/m\n\ngo 1.22\n"
GO = {
    "go.mod": GO_MOD,
    "lib/lib.go": "package lib\n\n// F is the library.\nfunc F() int { return 1 }\n",
    "lib/lib_test.go": 'package lib\n\nimport "testing"\n\nfunc TestF(t *testing.T) {}\n',
    "lib/lib_windows.go": "package lib\n\nconst onWindows = true\n",
    "lib/embed.go": ('package lib\n\nimport "embed"\n\n//go:embed static\nvar Static embed.FS\n'),
    "lib/static/page.html": "<p>hi</p>\n",
    "lib/testdata/case.json": "{}\n",
    "lib/README.md": "# lib\n",
    "lib/gen.go.tmpl": "package {{.Name}}\n",
    "app/app.go": (
        'package app\n\nimport "example.com/m/lib"\n\n'
        "// G uses lib.\nfunc G() int { return lib.F() }\n"
    ),
    "tools/gen.go": "//go:build ignore\n\npackage main\n\nfunc main() {}\n",
    "README.md": "# m\n",
    "CHANGELOG.md": "# changes\n",
    ".github/workflows/ci.yml": "on: push\n",
}
# a package whose external tests import a package that imports it: no cycle, as for go list
GO_XTEST = {
    **GO,
    "lib/lib_x_test.go": (
        'package lib_test\n\nimport (\n\t"testing"\n\n\t"example.com/m/app"\n)\n\n'
        "func TestG(t *testing.T) { _ = app.G() }\n"
    ),
    "other/other.go": "package other\n\n// H is alone.\nfunc H() int { return 2 }\n",
}
GO_EXT = {
    "go.mod": (
        "module example.com/m\n\ngo 1.22\n\nrequire (\n\texample.org/ext v1.0.0\n"
        "\texample.org/testonly v1.0.0\n\texample.org/ind v1.0.0 // indirect\n)\n"
    ),
    "lib/lib.go": "package lib\n\n// F is the library.\nfunc F() int { return 1 }\n",
    "app/app.go": (
        'package app\n\nimport (\n\t"example.com/m/lib"\n\t"example.org/ext/pkg"\n)\n\n'
        "// G uses both.\nfunc G() int { return lib.F() + pkg.N }\n"
    ),
    "svc/svc.go": (
        'package svc\n\nimport "example.com/m/app"\n\n'
        "// S uses app.\nfunc S() int { return app.G() }\n"
    ),
    "lib/lib_test.go": (
        'package lib\n\nimport (\n\t"testing"\n\n\t"example.org/testonly/assert"\n)\n\n'
        "func TestF(t *testing.T) { assert.True(t) }\n"
    ),
}


def _bump(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


GO_FIXTURES = [
    Fixture(
        "go-docs-ci-templates",
        "Go: a README, CHANGELOG, .github/ or *.go.tmpl file belongs to no package",
        ("go",),
        GO,
        {
            "README.md": "# m!\n",
            "CHANGELOG.md": "# changes!\n",
            ".github/workflows/ci.yml": "on: pull_request\n",
            "lib/README.md": "# lib!\n",
            "lib/gen.go.tmpl": "package {{.Other}}\n",
        },
        frozenset(),
    ),
    Fixture(
        "go-embedded-file",
        "Go: a file matched by //go:embed is the package's file (non-test: importers too)",
        ("go",),
        GO,
        {"lib/static/page.html": "<p>hello</p>\n"},
        frozenset({"go:example.com/m/lib", "go:example.com/m/app"}),
    ),
    Fixture(
        "go-testdata",
        "Go: testdata/ below a package feeds its tests only",
        ("go",),
        GO,
        {"lib/testdata/case.json": '{"a": 1}\n'},
        frozenset({"go:example.com/m/lib"}),
    ),
    Fixture(
        "go-ignored-file",
        "Go: a file excluded by build constraints is still the package's (not a test file)",
        ("go",),
        GO,
        {"lib/lib_windows.go": "package lib\n\nconst onWindows = false\n"},
        frozenset({"go:example.com/m/lib", "go:example.com/m/app"}),
    ),
    Fixture(
        "go-ignore-only-dir",
        "Go: a directory whose every .go file is excluded is no package",
        ("go",),
        GO,
        {"tools/gen.go": "//go:build ignore\n\npackage main\n\nfunc main() { println() }\n"},
        frozenset(),
    ),
    Fixture(
        "go-test-file",
        "Go: a change to a_test.go affects a alone",
        ("go",),
        GO,
        {"lib/lib_test.go": 'package lib\n\nimport "testing"\n\nfunc TestF2(t *testing.T) {}\n'},
        frozenset({"go:example.com/m/lib"}),
    ),
    Fixture(
        "go-test-edge",
        "Go: a non-test change reaches the packages whose tests import it, one hop, no cycle",
        ("go",),
        GO_XTEST,
        {"app/app.go": GO["app/app.go"] + "\n// H is new.\nfunc H() {}\n"},
        frozenset({"go:example.com/m/app", "go:example.com/m/lib"}),
    ),
    Fixture(
        "go-mod-comment-and-sum",
        "Go: a go.mod comment or a go.sum change affects no package",
        ("go",),
        GO_EXT,
        {"go.mod": GO_EXT["go.mod"] + "\n// a note\n", "go.sum": "example.org/ext v1.0.0 h1:x\n"},
        frozenset(),
    ),
    Fixture(
        "go-mod-go-line",
        "Go: a go.mod `go` line change affects every package of the module",
        ("go",),
        GO_EXT,
        {"go.mod": _bump(GO_EXT["go.mod"], "go 1.22", "go 1.23")},
        frozenset({"go:example.com/m/lib", "go:example.com/m/app", "go:example.com/m/svc"}),
    ),
    Fixture(
        "go-mod-require-bump",
        "Go: a require bump affects the packages whose closure imports that module",
        ("go",),
        GO_EXT,
        {"go.mod": _bump(GO_EXT["go.mod"], "example.org/ext v1.0.0", "example.org/ext v1.1.0")},
        frozenset({"go:example.com/m/app", "go:example.com/m/svc"}),
    ),
    Fixture(
        "go-mod-test-only-bump",
        "Go: a bump of a module only tests import affects those tests' packages",
        ("go",),
        GO_EXT,
        {
            "go.mod": _bump(
                GO_EXT["go.mod"], "example.org/testonly v1.0.0", "example.org/testonly v1.2.0"
            )
        },
        frozenset({"go:example.com/m/lib"}),
    ),
    Fixture(
        "go-mod-indirect-bump",
        "Go: a module reached only indirectly: conservatively every package importing anything "
        "external",
        ("go",),
        GO_EXT,
        {"go.mod": _bump(GO_EXT["go.mod"], "example.org/ind v1.0.0", "example.org/ind v1.0.1")},
        frozenset({"go:example.com/m/app", "go:example.com/m/svc", "go:example.com/m/lib"}),
    ),
    Fixture(
        "go-published-in-repo-module",
        "Go: a module requiring a published version of another module of the repository (no "
        "replace) builds against that version, not the local code",
        ("go",),
        {
            **GO,
            "examples/go.mod": (
                "module example.com/m/examples\n\ngo 1.22\n\nrequire example.com/m v1.4.0\n"
            ),
            "examples/demo/demo.go": (
                'package demo\n\nimport "example.com/m/lib"\n\n'
                "// D uses lib.\nfunc D() int { return lib.F() }\n"
            ),
        },
        {"lib/lib.go": GO["lib/lib.go"] + "\n// F2 is new.\nfunc F2() {}\n"},
        frozenset({"go:example.com/m/lib", "go:example.com/m/app"}),
    ),
    Fixture(
        "go-deleted-package",
        "Go: a deleted package's former importers are affected",
        ("go",),
        GO,
        {
            "lib/lib.go": None,
            "lib/lib_test.go": None,
            "lib/lib_windows.go": None,
            "lib/embed.go": None,
        },
        frozenset({"go:example.com/m/app"}),
    ),
    Fixture(
        "go-deleted-test-import",
        "Go: a deleted package only tests import affects those tests' packages alone",
        ("go",),
        {
            "go.mod": GO_MOD,
            "d/d.go": "package d\n\n// D is a helper.\nfunc D() {}\n",
            "p/p.go": "package p\n\n// P is p.\nfunc P() {}\n",
            "p/p_test.go": (
                'package p\n\nimport (\n\t"testing"\n\n\t"example.com/m/d"\n)\n\n'
                "func TestP(t *testing.T) { d.D() }\n"
            ),
            "q/q.go": 'package q\n\nimport "example.com/m/p"\n\n// Q uses p.\nfunc Q() { p.P() }\n',
        },
        {"d/d.go": None},
        frozenset({"go:example.com/m/p"}),
    ),
    Fixture(
        "go-nested-go-work",
        "Go: a nested go.work's `go` line affects every module it uses (its builds build them)",
        ("go",),
        {
            "go.mod": GO_MOD,
            "lib/lib.go": "package lib\n\n// F is the library.\nfunc F() int { return 1 }\n",
            "tools/analyzers/go.work": "go 1.22\n\nuse (\n\t.\n\t../..\n)\n",
            "tools/analyzers/go.mod": "module example.com/analyzers\n\ngo 1.22\n",
            "tools/analyzers/check/check.go": (
                'package check\n\nimport "example.com/m/lib"\n\n'
                "// C checks.\nfunc C() int { return lib.F() }\n"
            ),
        },
        {"tools/analyzers/go.work": "go 1.23\n\nuse (\n\t.\n\t../..\n)\n"},
        frozenset({"go:example.com/analyzers/check", "go:example.com/m/lib"}),
    ),
    Fixture(
        "go-nested-go-work-edges",
        "Go: imports resolve through the go.work that governs the importing module",
        ("go",),
        {
            "go.mod": GO_MOD,
            "lib/lib.go": "package lib\n\n// F is the library.\nfunc F() int { return 1 }\n",
            "tools/analyzers/go.work": "go 1.22\n\nuse (\n\t.\n\t../..\n)\n",
            "tools/analyzers/go.mod": "module example.com/analyzers\n\ngo 1.22\n",
            "tools/analyzers/check/check.go": (
                'package check\n\nimport "example.com/m/lib"\n\n'
                "// C checks.\nfunc C() int { return lib.F() }\n"
            ),
        },
        {"lib/lib.go": "package lib\n\n// F is the library.\nfunc F() int { return 2 }\n"},
        frozenset({"go:example.com/analyzers/check", "go:example.com/m/lib"}),
    ),
    Fixture(
        "go-work-use-added",
        "Go: a go.work `use` line added affects that module's packages",
        ("go",),
        {
            "go.work": "go 1.22\n\nuse ./a\n",
            "a/go.mod": "module example.com/a\n\ngo 1.22\n",
            "a/a.go": "package a\n\n// A is a.\nfunc A() {}\n",
            "b/go.mod": "module example.com/b\n\ngo 1.22\n",
            "b/b.go": "package b\n\n// B is b.\nfunc B() {}\n",
        },
        {"go.work": "go 1.22\n\nuse (\n\t./a\n\t./b\n)\n"},
        frozenset({"go:example.com/b"}),
    ),
]

# -------------------------------------------------------------------------------------- pnpm

PNPM = {
    "package.json": pkg("root", private=True, scripts={"test": "pnpm -r test"}),
    "pnpm-workspace.yaml": (
        "packages:\n  - packages/*\n  - fixtures/*\n  - '!packages/legacy'\n"
        "catalog:\n  react: ^18.2.0\nminimumReleaseAge: 1440\n"
    ),
    "packages/a/package.json": pkg("a", version="1.0.0", dependencies={"react": "catalog:"}),
    "packages/a/src/index.js": "export const a = 1;\n",
    "packages/b/package.json": pkg("b", dependencies={"a": "workspace:*"}),
    "packages/c/package.json": pkg("c", dependencies={"a": "^1.0.0"}),  # a plain range
    "packages/legacy/package.json": pkg("legacy"),
    "packages/a/test/fixtures/ws/pnpm-workspace.yaml": "packages: ['*']\n",
    "packages/a/test/fixtures/ws/package.json": pkg("a"),
    "fixtures/x/package.json": pkg("fixture"),
    "fixtures/y/package.json": pkg("fixture"),
    "tools/t/package.json": pkg("tool"),
    "docs/guide.md": "# guide\n",
}

PNPM_FIXTURES = [
    Fixture(
        "pnpm-root-project",
        "pnpm: the workspace root project holds the files no other project holds",
        ("pnpm",),
        PNPM,
        {"docs/guide.md": "# guide!\n", "packages/legacy/index.js": "1\n"},
        frozenset({"pnpm:root"}),
    ),
    Fixture(
        "pnpm-member-and-dependents",
        "pnpm: a project's change reaches its workspace: dependents (a plain range does not "
        "link since pnpm 9)",
        ("pnpm",),
        PNPM,
        {"packages/a/src/index.js": "export const a = 2;\n"},
        frozenset({"pnpm:a", "pnpm:b"}),
    ),
    Fixture(
        "pnpm-nested-fixture-workspace",
        "pnpm: a pnpm-workspace.yaml inside a project is a fixture, its files the project's",
        ("pnpm",),
        PNPM,
        {"packages/a/test/fixtures/ws/package.json": pkg("a", version="2.0.0")},
        frozenset({"pnpm:a", "pnpm:b"}),
    ),
    Fixture(
        "pnpm-duplicate-names",
        "pnpm: duplicate names are legal; each such project is <name>@<dir>",
        ("pnpm",),
        PNPM,
        {"fixtures/x/index.js": "1\n"},
        frozenset({"pnpm:fixture@fixtures/x"}),
    ),
    Fixture(
        "pnpm-workspace-yaml-setting",
        "pnpm-workspace.yaml: a setting that does not change the graph -> its owner only",
        ("pnpm",),
        PNPM,
        {"pnpm-workspace.yaml": _bump(PNPM["pnpm-workspace.yaml"], "1440", "2880")},
        frozenset({"pnpm:root"}),
    ),
    Fixture(
        "pnpm-workspace-yaml-catalog",
        "pnpm-workspace.yaml: a catalog entry -> the projects using it and their dependents",
        ("pnpm",),
        PNPM,
        {"pnpm-workspace.yaml": _bump(PNPM["pnpm-workspace.yaml"], "^18.2.0", "^18.3.1")},
        frozenset({"pnpm:root", "pnpm:a", "pnpm:b"}),
    ),
    Fixture(
        "pnpm-workspace-yaml-packages",
        "pnpm-workspace.yaml: `packages` -> the projects that joined",
        ("pnpm",),
        PNPM,
        {
            "pnpm-workspace.yaml": _bump(
                PNPM["pnpm-workspace.yaml"], "  - fixtures/*\n", "  - fixtures/*\n  - tools/*\n"
            )
        },
        frozenset({"pnpm:root", "pnpm:tool"}),
    ),
]

PNPM_PATTERNS = {
    **PNPM,
    "pnpm-workspace.yaml": PNPM["pnpm-workspace.yaml"]
    + "testPattern:\n  - '**/test/**'\nchangedFilesIgnorePattern:\n  - '**/*.md'\n",
    "packages/a/README.md": "# a\n",
    "packages/a/test/a.test.js": "1\n",
}
PNPM_FIXTURES += [
    Fixture(
        "pnpm-changed-files-ignore-pattern",
        "pnpm: a file matching changedFilesIgnorePattern is no change (no project, no root)",
        ("pnpm",),
        PNPM_PATTERNS,
        {"packages/a/README.md": "# a!\n", "docs/guide.md": "# guide!\n"},
        frozenset(),
    ),
    Fixture(
        "pnpm-test-pattern",
        "pnpm: a file matching testPattern marks its project alone, not its dependents",
        ("pnpm",),
        PNPM_PATTERNS,
        {"packages/a/test/a.test.js": "2\n"},
        frozenset({"pnpm:a"}),
    ),
]

POLYGLOT = {
    "package.json": pkg("root"),
    "pnpm-workspace.yaml": "packages:\n  - web/*\n",
    "web/ui/package.json": pkg("ui"),
    "web/ui/tools/go.mod": "module example.com/tools\n\ngo 1.22\n",
    "web/ui/tools/gen/gen.go": "package gen\n\n// G generates.\nfunc G() {}\n",
    "web/ui/tools/gen/README.md": "# gen\n",
}
PNPM_FIXTURES += [
    Fixture(
        "polyglot-go-mod-in-a-pnpm-project",
        "a go.mod inside a pnpm project is a file of that project for pnpm, and Go's config",
        ("go", "pnpm"),
        POLYGLOT,
        {"web/ui/tools/go.mod": "module example.com/tools\n\ngo 1.23\n"},
        frozenset({"go:example.com/tools/gen", "pnpm:ui"}),
    ),
    Fixture(
        "polyglot-readme-in-a-go-package",
        "a README beside Go files is no Go file; pnpm counts it for the project around it",
        ("go", "pnpm"),
        POLYGLOT,
        {"web/ui/tools/gen/README.md": "# gen!\n"},
        frozenset({"pnpm:ui"}),
    ),
]

LOCK = """\
lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    devDependencies:
      typescript:
        specifier: ^5.0.0
        version: {ts}

  packages/a:
    dependencies:
      postcss:
        specifier: ^8.4.0
        version: 8.4.31

  packages/b:
    dependencies:
      a:
        specifier: workspace:*
        version: link:../a

  packages/c:
    dependencies:
      left-pad:
        specifier: 1.3.0
        version: 1.3.0

packages:

  left-pad@1.3.0:
    resolution: {{integrity: sha512-left}}

  nanoid@{nanoid}:
    resolution: {{integrity: sha512-nanoid{nanoid}}}

  postcss@8.4.31:
    resolution: {{integrity: sha512-postcss}}

  typescript@{ts}:
    resolution: {{integrity: sha512-ts{ts}}}

snapshots:

  left-pad@1.3.0: {{}}

  nanoid@{nanoid}: {{}}

  postcss@8.4.31:
    dependencies:
      nanoid: {nanoid}

  typescript@{ts}: {{}}
"""
LOCK_BASE = LOCK.format(nanoid="3.3.6", ts="5.4.5")
PNPM_LOCKED = {
    "package.json": pkg("root", devDependencies={"typescript": "^5.0.0"}),
    "pnpm-workspace.yaml": "packages:\n  - packages/*\n",
    "pnpm-lock.yaml": LOCK_BASE,
    "packages/a/package.json": pkg("a", dependencies={"postcss": "^8.4.0"}),
    "packages/b/package.json": pkg("b", dependencies={"a": "workspace:*"}),
    "packages/c/package.json": pkg("c", dependencies={"left-pad": "1.3.0"}),
}
PNPM_FIXTURES += [
    Fixture(
        "pnpm-lockfile-transitive",
        "pnpm-lock.yaml: the importers whose resolved closure changed (and their dependents)",
        ("pnpm",),
        PNPM_LOCKED,
        {"pnpm-lock.yaml": LOCK.format(nanoid="3.3.8", ts="5.4.5")},
        frozenset({"pnpm:a", "pnpm:b"}),
    ),
    Fixture(
        "pnpm-lockfile-root-importer",
        "pnpm-lock.yaml: a root dependency change affects the root project, not everything",
        ("pnpm",),
        PNPM_LOCKED,
        {"pnpm-lock.yaml": LOCK.format(nanoid="3.3.6", ts="5.5.2")},
        frozenset({"pnpm:root"}),
    ),
]

# ---------------------------------------------------------------------------------------- uv

UV = {
    "pyproject.toml": """\
        [project]
        name = "app"
        version = "0.1.0"
        requires-python = ">=3.11"
        dependencies = ["lib"]

        [tool.uv.workspace]
        members = ["libs/*"]

        [tool.uv.sources]
        lib = { workspace = true }
        """,
    "libs/lib/pyproject.toml": """\
        [project]
        name = "lib"
        version = "0.1.0"
        requires-python = ">=3.11"
        """,
    "libs/lib/src/lib/__init__.py": "X = 1\n",
    "libs/other/pyproject.toml": """\
        [project]
        name = "other"
        version = "0.1.0"
        requires-python = ">=3.11"
        """,
    "src/app/__init__.py": "",
    "docs/index.md": "# docs\n",
}
UV_DYNAMIC = {
    **UV,
    "pyproject.toml": """\
        [project]
        name = "app"
        version = "0.1.0"
        requires-python = ">=3.11"
        dynamic = ["dependencies"]

        [tool.hatch.metadata.hooks.uv-dynamic-versioning]
        dependencies = ["lib"]

        [build-system]
        requires = ["hatchling", "uv-dynamic-versioning"]
        build-backend = "hatchling.build"

        [tool.uv.workspace]
        members = ["libs/*"]

        [tool.uv.sources]
        lib = { workspace = true }
        """,
}
UV_FIXTURES = [
    Fixture(
        "uv-member-and-dependents",
        "uv: a member's change reaches the members depending on it (uv tree --invert)",
        ("uv",),
        UV,
        {"libs/lib/src/lib/__init__.py": "X = 2\n"},
        frozenset({"uv:lib", "uv:app"}),
        native_setup=("uv lock",),
    ),
    Fixture(
        "uv-root-member-owns-the-rest",
        "uv: a non-virtual root member holds the files no member holds",
        ("uv",),
        UV,
        {"docs/index.md": "# docs!\n"},
        frozenset({"uv:app"}),
        native_setup=("uv lock",),
    ),
    Fixture(
        "uv-dynamic-dependencies",
        "uv: dependencies a hatch metadata hook declares are read (uv-dynamic-versioning)",
        ("uv",),
        UV_DYNAMIC,
        {"libs/lib/src/lib/__init__.py": "X = 2\n"},
        frozenset({"uv:lib", "uv:app"}),
        native_setup=("uv lock",),
    ),
]

UV_LOCK = """\
version = 1
revision = 3
requires-python = ">=3.11"

[manifest]
members = [
    "app",
    "lib",
    "other",
]

[[package]]
name = "app"
version = "0.1.0"
source = {{ virtual = "." }}
dependencies = [
    {{ name = "lib" }},
]

[package.metadata]
requires-dist = [{{ name = "lib", editable = "libs/lib" }}]

[[package]]
name = "lib"
version = "0.1.0"
source = {{ editable = "libs/lib" }}
dependencies = [
    {{ name = "six"{marker} }},
]

[package.metadata]
requires-dist = [{{ name = "six" }}]

[[package]]
name = "other"
version = "0.1.0"
source = {{ virtual = "libs/other" }}
dependencies = [
    {{ name = "six" }},
]

[package.metadata]
requires-dist = [{{ name = "six" }}]

[[package]]
name = "six"
version = "{six}"
source = {{ registry = "https://registry.invalid/simple" }}
wheels = [
    {{ url = "https://registry.invalid/six-{six}-py2.py3-none-any.whl", hash = "sha256:00" }},
]
"""
UV_LOCKED = {
    **UV,
    "libs/lib/pyproject.toml": UV["libs/lib/pyproject.toml"].replace(
        'requires-python = ">=3.11"', 'requires-python = ">=3.11"\n        dependencies = ["six"]'
    ),
    "libs/other/pyproject.toml": UV["libs/other/pyproject.toml"].replace(
        'requires-python = ">=3.11"', 'requires-python = ">=3.11"\n        dependencies = ["six"]'
    ),
    "uv.lock": UV_LOCK.format(marker="", six="1.17.0"),
}
UV_FIXTURES += [
    Fixture(
        "uv-lock-version",
        "uv.lock: the members whose locked closure changed, not every member",
        ("uv",),
        UV_LOCKED,
        {"uv.lock": UV_LOCK.format(marker="", six="1.16.0")},
        frozenset({"uv:lib", "uv:other", "uv:app"}),
    ),
    Fixture(
        "uv-lock-marker-only",
        "uv.lock: a marker-only change counts, for the members whose closure holds it",
        ("uv",),
        UV_LOCKED,
        {"uv.lock": UV_LOCK.format(marker=", marker = \"sys_platform == 'linux'\"", six="1.17.0")},
        frozenset({"uv:lib", "uv:app"}),
    ),
]

VIRTUAL_LOCK = """\
version = 1
revision = 3
requires-python = ">=3.11"

[manifest]
members = [
    "a",
    "b",
]

[manifest.dependency-groups]
dev = [{{ name = "pip-audit", specifier = ">=2.9.0" }}]

[[package]]
name = "a"
version = "0.1.0"
source = {{ virtual = "a" }}

[package.metadata]

[[package]]
name = "b"
version = "0.1.0"
source = {{ virtual = "b" }}

[package.metadata]

[[package]]
name = "pip"
version = "{pip}"
source = {{ registry = "https://registry.invalid/simple" }}
wheels = [
    {{ url = "https://registry.invalid/pip-{pip}-py3-none-any.whl", hash = "sha256:00" }},
]

[[package]]
name = "pip-audit"
version = "2.9.0"
source = {{ registry = "https://registry.invalid/simple" }}
dependencies = [
    {{ name = "pip" }},
]
wheels = [
    {{ url = "https://registry.invalid/pip_audit-2.9.0-py3-none-any.whl", hash = "sha256:00" }},
]
"""
UV_VIRTUAL = {
    "pyproject.toml": """\
        [tool.uv.workspace]
        members = ["a", "b"]

        [dependency-groups]
        dev = ["pip-audit>=2.9.0"]
        """,
    "a/pyproject.toml": '[project]\nname = "a"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n',
    "b/pyproject.toml": '[project]\nname = "b"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n',
    "uv.lock": VIRTUAL_LOCK.format(pip="26.1.2"),
}
UV_FIXTURES += [
    Fixture(
        "uv-nested-example-project",
        "uv: a project inside another project's directory without a uv.lock of its own is "
        "that project's data (an example, a fixture)",
        ("uv",),
        {
            "pyproject.toml": """\
                [project]
                name = "app"
                version = "0.1.0"
                requires-python = ">=3.11"

                [tool.uv]
                package = false
                """,
            "examples/demo/pyproject.toml": """\
                [project]
                name = "demo"
                version = "0.1.0"
                requires-python = ">=3.11"

                [tool.uv]
                package = false
                """,
            "examples/demo/main.py": "print(1)\n",
        },
        {"examples/demo/main.py": "print(2)\n"},
        frozenset({"uv:app"}),
        native_setup=("uv lock",),
    ),
    Fixture(
        "uv-lock-virtual-root-dev-group",
        "uv.lock: a virtual root's dev group is part of every member's closure",
        ("uv",),
        UV_VIRTUAL,
        {"uv.lock": VIRTUAL_LOCK.format(pip="26.2.1")},
        frozenset({"uv:a", "uv:b"}),
    ),
]

# --------------------------------------------------------------------------------------- buf

PROTO_A = 'syntax = "proto3";\n\npackage acme.a.v1;\n\nmessage A { string id = 1; }\n'
PROTO_B = (
    'syntax = "proto3";\n\npackage acme.b.v1;\n\nimport "acme/a/v1/a.proto";\n\n'
    "message B { acme.a.v1.A a = 1; }\n"
)
BUF = {
    "buf.yaml": "version: v2\nmodules:\n  - path: proto/a\n  - path: proto/b\n",
    "proto/a/acme/a/v1/a.proto": PROTO_A,
    "proto/b/acme/b/v1/b.proto": PROTO_B,
    "proto/c/buf.yaml": "version: v2\n",  # a standalone module
    "proto/c/acme/a/v1/a.proto": PROTO_A,  # the same path as in proto/a: never linked to it
    "proto/c/acme/c/v1/c.proto": (
        'syntax = "proto3";\n\npackage acme.c.v1;\n\nimport "acme/a/v1/a.proto";\n\n'
        "message C { acme.a.v1.A a = 1; }\n"
    ),
    "proto/README.md": "# protos\n",
}
BUF_FIXTURES = [
    Fixture(
        "buf-import-closure",
        "buf: a proto change affects its module and the modules importing it, in its workspace",
        ("buf",),
        BUF,
        {"proto/a/acme/a/v1/a.proto": PROTO_A.replace("id = 1", "id = 1; string n = 2")},
        frozenset({"buf:proto/a", "buf:proto/b"}),
    ),
    Fixture(
        "buf-workspace-config",
        "buf: a workspace's buf.yaml affects every module of it",
        ("buf",),
        BUF,
        {"buf.yaml": BUF["buf.yaml"] + "lint:\n  use:\n    - STANDARD\n"},
        frozenset({"buf:proto/a", "buf:proto/b"}),
    ),
    Fixture(
        "buf-standalone-module",
        "buf: a standalone module's imports never link to a local module of another workspace",
        ("buf",),
        BUF,
        {"proto/c/acme/a/v1/a.proto": PROTO_A.replace("id = 1", "id = 1; string n = 2")},
        frozenset({"buf:proto/c"}),
    ),
    Fixture(
        "buf-readme",
        "buf: a module owns its .proto files only",
        ("buf",),
        BUF,
        {"proto/README.md": "# protos!\n"},
        frozenset(),
    ),
]

GEN_TEMPLATE = """\
version: v2
managed:
  enabled: true
  override:
    - file_option: go_package_prefix
      value: example.com/svc/gen
inputs:
  - directory: proto
plugins:
  - local: protoc-gen-go
    out: svc/gen
    opt: paths=source_relative
"""
GEN = {
    "buf.yaml": "version: v2\nmodules:\n  - path: proto\n",
    "buf.gen.yaml": GEN_TEMPLATE,
    "proto/acme/a/v1/a.proto": PROTO_A,
    "proto/acme/b/v1/b.proto": PROTO_B,
    "svc/go.mod": "module example.com/svc\n\ngo 1.22\n",
    "svc/users/users.go": (
        'package users\n\nimport av1 "example.com/svc/gen/acme/a/v1"\n\nvar _ = av1.A{}\n'
    ),
    "svc/api/api.go": (
        'package api\n\nimport bv1 "example.com/svc/gen/acme/b/v1"\n\nvar _ = bv1.B{}\n'
    ),
    "svc/other/other.go": "package other\n",
}
GEN_BUILD_TIME = {**GEN, ".gitignore": "svc/gen/\n"}
GEN_COMMITTED = {
    **GEN,
    "svc/gen/acme/a/v1/a.pb.go": "package av1\n\n// A is generated.\ntype A struct{}\n",
    "svc/gen/acme/b/v1/b.pb.go": "package bv1\n\n// B is generated.\ntype B struct{}\n",
}
A_CHANGED = {"proto/acme/a/v1/a.proto": PROTO_A.replace("id = 1", "id = 1; string n = 2")}
BUF_FIXTURES += [
    Fixture(
        "buf-committed-generated-code",
        "buf: committed generated code is ordinary source; a proto change reaches no consumer",
        ("buf", "go"),
        GEN_COMMITTED,
        A_CHANGED,
        frozenset({"buf:proto"}),
    ),
    Fixture(
        "buf-build-time-generated-code",
        "buf: build-time generated code routes a proto to the packages importing its output "
        "(and those of the protos importing it)",
        ("buf",),
        GEN_BUILD_TIME,
        A_CHANGED,
        frozenset({"buf:proto", "go:example.com/svc/users", "go:example.com/svc/api"}),
        ameide_only=("go",),
    ),
    Fixture(
        "buf-gen-template-change",
        "buf.gen.yaml: a change affects what its changed entries generate into at build time",
        ("buf",),
        GEN_BUILD_TIME,
        {
            "buf.gen.yaml": GEN_TEMPLATE.replace(
                "paths=source_relative", "paths=source_relative\n    strategy: all"
            )
        },
        frozenset({"go:example.com/svc/users", "go:example.com/svc/api"}),
        ameide_only=("go",),
    ),
]

ALL = [*GO_FIXTURES, *PNPM_FIXTURES, *UV_FIXTURES, *BUF_FIXTURES]
