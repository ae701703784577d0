"""Go: import blocks and go.mod/go.work directives read from source, then packages and edges."""

from __future__ import annotations

import pytest

from ameide.ecosystems import go
from ameide.errors import ConfigError
from ameide.model import ConfigRef
from tests.ecosystems.helpers import deps_of, graph_of, text


def src(content: str, name: str = "pkg/x.go") -> dict[str, object]:
    return go.parse(name, text(content))


def imports(content: str) -> list[str]:
    facts = src(content)
    assert "error" not in facts, facts
    result: list[str] = facts["imports"]
    return result


# --- relevant ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("main.go", True),
        ("a/b/x_test.go", True),
        ("go.mod", True),
        ("svc/go.mod", True),
        ("go.work", True),
        ("go.sum", False),
        ("go.work.sum", False),
        ("main.go.txt", False),
        ("README.md", False),
    ],
)
def test_relevant(path: str, expected: bool) -> None:
    assert go.relevant(path) is expected


# --- source files -----------------------------------------------------------------------------


def test_single_import_exact_facts() -> None:
    assert src('package lib\n\nimport "fmt"\n') == {
        "pkg": "lib",
        "imports": ["fmt"],
        "test": False,
        "tags": "",
        "build": True,
        "integration": False,
    }


def test_no_imports() -> None:
    assert src("package lib\n\nfunc F() {}\n") == {
        "pkg": "lib",
        "imports": [],
        "test": False,
        "tags": "",
        "build": True,
        "integration": False,
    }


def test_grouped_imports_sorted_and_deduplicated() -> None:
    content = """
        package svc

        import (
        \t"os"
        \t"example.com/mono/lib"
        \t"fmt"
        \t"os"
        )
        """
    assert imports(content) == ["example.com/mono/lib", "fmt", "os"]


def test_aliases_blank_and_dot_imports() -> None:
    content = """
        package svc

        import (
        \tstdjson "encoding/json"
        \t_ "embed"
        \t. "strings"
        \tlib "example.com/mono/lib"
        )
        import x "example.com/x"
        import _ "net/http/pprof"
        import . "math"
        """
    assert imports(content) == [
        "embed",
        "encoding/json",
        "example.com/mono/lib",
        "example.com/x",
        "math",
        "net/http/pprof",
        "strings",
    ]


def test_raw_string_imports() -> None:
    content = """
        package svc

        import `example.com/raw/one`
        import (
        \tr `example.com/raw/two`
        \t"example.com/plain"
        )
        """
    assert imports(content) == ["example.com/plain", "example.com/raw/one", "example.com/raw/two"]


def test_comments_inside_and_between_import_blocks() -> None:
    content = """
        // Package svc serves. It does not import "fake/doc".
        package svc // trailing "fake/trailing"

        /* import "fake/block" */
        import (
        \t"fmt" // "fake/line"
        \t// "fake/commented"
        \t/* "fake/inline" */ "os"
        \t/*
        \t"fake/multi"
        \t*/
        )

        // import "fake/between"
        /* import (
        \t"fake/between-block"
        ) */
        import "strings" /* "fake/after" */

        // import "fake/after-decls"
        """
    assert imports(content) == ["fmt", "os", "strings"]


def test_import_c_is_not_an_edge() -> None:
    content = """
        package cgo

        /*
        #include <stdio.h>
        #cgo LDFLAGS: -lm
        */
        import "C"

        import (
        \t"unsafe"
        \t"C"
        )
        """
    assert imports(content) == ["unsafe"]


def test_semicolons_and_single_line_groups() -> None:
    assert imports('package a; import "fmt"; import ("os"; "io")\n') == ["fmt", "io", "os"]


def test_imports_stop_at_the_first_declaration() -> None:
    content = """
        package a

        import "fmt"

        var s = "not/an/import"

        import "late/import"
        """
    assert imports(content) == ["fmt"]


def test_import_inside_function_bodies_is_ignored() -> None:
    content = """
        package a

        func f() {
        \timport_ := "x"
        \t_ = import_
        }
        """
    assert imports(content) == []


def test_package_main() -> None:
    facts = src('package main\n\nimport "os"\n\nfunc main() { os.Exit(0) }\n', "cmd/x/main.go")
    assert facts["pkg"] == "main"
    assert facts["imports"] == ["os"]
    assert facts["test"] is False


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("x_test.go", True),
        ("export_test.go", True),
        ("x_test_helper.go", False),
        ("test.go", False),
        ("x.go", False),
    ],
)
def test_test_files_by_name(name: str, expected: bool) -> None:
    assert src("package a\n", f"pkg/{name}")["test"] is expected


def test_external_test_package_name() -> None:
    facts = src(
        'package lib_test\n\nimport (\n\t"testing"\n\t"example.com/lib"\n)\n', "lib/lib_test.go"
    )
    assert facts == {
        "pkg": "lib_test",
        "imports": ["example.com/lib", "testing"],
        "test": True,
        "tags": "",
        "build": True,
        "integration": False,
    }


@pytest.mark.parametrize(
    ("header", "tags", "integration"),
    [
        ("//go:build integration", "integration", True),
        ("// +build integration", "integration", True),
        ("//go:build linux && integration", "linux && integration", True),
        ("//go:build (integration || e2e) && !race", "(integration || e2e) && !race", True),
        ("// +build linux,integration", "linux,integration", True),
        ("//go:build !integration", "!integration", False),
        ("// +build !integration", "!integration", False),
        ("//go:build linux && !integration", "linux && !integration", False),
        ("//go:build integrationx", "integrationx", False),
        ("//go:build my_integration", "my_integration", False),
        ("//go:build integration_extra", "integration_extra", False),
        ("//go:build linux", "linux", False),
        ("// go:build integration", "", False),  # not a directive: space after //
        ("//+build integration", "", False),
    ],
)
def test_build_constraints(header: str, tags: str, integration: bool) -> None:
    facts = src(f"{header}\n\npackage a\n", "a/a_test.go")
    assert (facts["tags"], facts["integration"]) == (tags, integration)


def test_both_constraint_styles_are_joined() -> None:
    content = """
        // Copyright 2024 The Authors.

        //go:build integration
        // +build integration

        package a_test
        """
    facts = src(content, "a/a_test.go")
    assert facts["tags"] == "integration && integration"
    assert facts["integration"] is True


def test_constraints_after_the_package_clause_do_not_count() -> None:
    facts = src('package a\n\n//go:build integration\nimport "x"\n', "a/a_test.go")
    assert (facts["tags"], facts["integration"], facts["imports"]) == ("", False, ["x"])


@pytest.mark.parametrize(
    "content",
    [
        "",
        "// only a comment\n",
        "/* block */\n",
        "func main() {}\npackage x\n",
        "packagex main\n",
        'import "fmt"\n',
    ],
)
def test_files_without_package_clause(content: str) -> None:
    assert go.parse("a/x.go", content.encode()) == {"error": "no package clause"}


def test_leading_bom_is_accepted() -> None:
    facts = go.parse("a/x.go", '\ufeffpackage a\n\nimport "fmt"\n'.encode())
    assert (facts["pkg"], facts["imports"]) == ("a", ["fmt"])


def test_invalid_utf8_does_not_crash() -> None:
    facts = go.parse("a/x.go", b'package a\n\nimport "fmt"\n\nvar s = "\xff\xfe"\n')
    assert (facts["pkg"], facts["imports"]) == ("a", ["fmt"])


def test_crlf_line_endings() -> None:
    facts = go.parse(
        "a/x.go", b'//go:build integration\r\n\r\npackage a\r\nimport (\r\n\t"os"\r\n)\r\n'
    )
    assert (facts["pkg"], facts["imports"], facts["integration"]) == ("a", ["os"], True)


# --- go.mod / go.work -------------------------------------------------------------------------

EMPTY_MOD = {
    "module": None,
    "go": None,
    "toolchain": None,
    "godebug": [],
    "use": [],
    "require": {},
    "replace": {},
    "replaces": [],
    "exclude": [],
    "ignore": [],
}


def mod(content: str, name: str = "go.mod") -> dict[str, object]:
    return go.parse(name, text(content))


def test_go_mod_full() -> None:
    content = """
        // The service module.
        module example.com/mono/svc // trailing comment

        go 1.22.3

        toolchain go1.22.5

        require (
        \texample.com/mono/lib v0.0.0-00010101000000-000000000000
        \tgithub.com/google/uuid v1.6.0 // indirect
        )

        require golang.org/x/text v0.14.0

        replace example.com/mono/lib => ../lib

        replace (
        \texample.com/mono/proto v1.2.3 => ../gen/go // pinned to the checkout
        \tgithub.com/old/dep => github.com/new/dep v1.0.0
        \tgithub.com/abs/dep => /opt/src/dep
        \tgithub.com/here/dep => ./third_party/dep
        )

        exclude github.com/bad/dep v1.0.0
        retract v0.1.0

        godebug (
        \tdefault=go1.21
        \tpanicnil=1
        )

        tool golang.org/x/tools/cmd/stringer
        """
    assert mod(content) == {
        **EMPTY_MOD,
        "module": "example.com/mono/svc",
        "go": "1.22.3",
        "toolchain": "go1.22.5",
        "godebug": ["default=go1.21", "panicnil=1"],
        "require": {
            "example.com/mono/lib": "v0.0.0-00010101000000-000000000000",
            "github.com/google/uuid": "v1.6.0",
            "golang.org/x/text": "v0.14.0",
        },
        "replace": {
            "example.com/mono/lib": "../lib",
            "example.com/mono/proto": "../gen/go",
            "github.com/abs/dep": "/opt/src/dep",
            "github.com/here/dep": "./third_party/dep",
        },
        "replaces": [
            ["example.com/mono/lib", "", "../lib", ""],
            ["example.com/mono/proto", "v1.2.3", "../gen/go", ""],
            ["github.com/old/dep", "", "github.com/new/dep", "v1.0.0"],
            ["github.com/abs/dep", "", "/opt/src/dep", ""],
            ["github.com/here/dep", "", "./third_party/dep", ""],
        ],
        "exclude": ["github.com/bad/dep v1.0.0"],
    }


def test_go_mod_quoted_module_path() -> None:
    assert mod('module "example.com/quoted"\n')["module"] == "example.com/quoted"
    assert mod("module `example.com/raw`\n")["module"] == "example.com/raw"


def test_go_mod_any_whitespace_separates_tokens() -> None:
    assert mod("module\texample.com/tab\ngo\t1.21\n") == {
        **EMPTY_MOD,
        "module": "example.com/tab",
        "go": "1.21",
    }


def test_go_mod_block_without_space_before_paren() -> None:
    content = """
        module example.com/m
        replace(
        \texample.com/a => ./a
        )
        require(
        \texample.com/b v1.0.0
        )
        """
    assert mod(content) == {
        **EMPTY_MOD,
        "module": "example.com/m",
        "require": {"example.com/b": "v1.0.0"},
        "replace": {"example.com/a": "./a"},
        "replaces": [["example.com/a", "", "./a", ""]],
    }


def test_go_mod_remote_replacements_are_not_recorded() -> None:
    content = """
        module example.com/m
        replace example.com/a v1.0.0 => example.com/fork/a v1.0.1
        replace example.com/b => example.com/fork/b v0.0.0
        """
    assert mod(content)["replace"] == {}


def test_go_mod_without_module_directive() -> None:
    assert mod("go 1.22\n") == {**EMPTY_MOD, "go": "1.22"}


def test_go_mod_empty_file() -> None:
    assert go.parse("go.mod", b"") == EMPTY_MOD


def test_go_mod_crlf() -> None:
    assert go.parse("go.mod", b"module example.com/m\r\n\r\ngo 1.22\r\n") == {
        **EMPTY_MOD,
        "module": "example.com/m",
        "go": "1.22",
    }


@pytest.mark.parametrize("verb", ["require", "replace", "use"])
def test_unterminated_block(verb: str) -> None:
    facts = mod(f"module example.com/m\n{verb} (\n\texample.com/a v1.0.0\n")
    assert facts["error"] == f"line 2: '{verb} (' block is never closed"


def test_go_work_use_single_and_block() -> None:
    content = """
        go 1.22

        toolchain go1.22.1

        use ./svc

        use (
        \t./lib // the shared library
        \t"./quoted dir"
        \t.
        \t// ./commented
        )

        replace example.com/x => ./x
        """
    assert mod(content, "go.work") == {
        **EMPTY_MOD,
        "go": "1.22",
        "toolchain": "go1.22.1",
        "use": ["./svc", "./lib", "./quoted dir", "."],
        "replace": {"example.com/x": "./x"},
        "replaces": [["example.com/x", "", "./x", ""]],
    }


def test_parse_ignores_other_names() -> None:
    assert go.parse("notes.txt", b"module x\n") == {}


# --- graph building ---------------------------------------------------------------------------

WORK = {
    "go.work": """
        go 1.22

        use (
        \t./services/api
        \t./libs/core
        \t./libs/util
        )
        """,
    "libs/core/go.mod": "module example.com/core\n\ngo 1.22\n",
    "libs/core/core.go": 'package core\n\nimport "fmt"\n',
    "libs/core/core_test.go": 'package core\n\nimport "testing"\n',
    "libs/core/internal/hash/hash.go": "package hash\n",
    "libs/core/store/store.go": (
        'package store\n\nimport (\n\t"example.com/core/internal/hash"\n\t"example.com/util"\n)\n'
    ),
    "libs/util/go.mod": "module example.com/util\n",
    "libs/util/util.go": 'package util\n\nimport "strings"\n',
    "services/api/go.mod": """
        module example.com/api

        require (
        \texample.com/core v0.0.0
        \texample.com/util v0.0.0
        )

        replace (
        \texample.com/core => ../../libs/core
        \texample.com/util => ../../libs/util
        )
        """,
    "services/api/main.go": (
        'package main\n\nimport (\n\t"example.com/api/handlers"\n\t"example.com/core"\n)\n'
    ),
    "services/api/handlers/h.go": (
        'package handlers\n\nimport (\n\t"net/http"\n\t"example.com/core/store"\n'
        '\t"github.com/go-chi/chi/v5"\n)\n'
    ),
    "services/api/handlers/h_test.go": 'package handlers\n\nimport "testing"\n',
    "services/api/handlers/h_integration_test.go": (
        '//go:build integration\n\npackage handlers_test\n\nimport "example.com/api/handlers"\n'
    ),
    "README.md": "# mono\n",
}


def test_go_work_modules_importing_each_other() -> None:
    g = graph_of(WORK)
    assert deps_of(g) == {
        "go:example.com/api": ("go:example.com/api/handlers", "go:example.com/core"),
        "go:example.com/api/handlers": ("go:example.com/core/store",),
        "go:example.com/core": (),
        "go:example.com/core/internal/hash": (),
        "go:example.com/core/store": (
            "go:example.com/core/internal/hash",
            "go:example.com/util",
        ),
        "go:example.com/util": (),
    }
    assert g.warnings == ()


def test_target_fields_and_meta() -> None:
    g = graph_of(WORK)
    h = g.targets["go:example.com/api/handlers"]
    assert (h.ecosystem, h.name, h.path, h.manifest, h.group) == (
        "go",
        "example.com/api/handlers",
        "services/api/handlers",
        "services/api/go.mod",
        "services/api",
    )
    assert h.meta == {
        "module": "example.com/api",
        "module_dir": "services/api",
        "package": "handlers",
        "go_files": 1,
        "test_files": 1,
        "integration_files": 1,
        "ext": ["github.com/go-chi/chi/v5"],  # an external import, by module (impact())
    }
    assert h.test_deps == ()  # its tests import only the package itself
    core = g.targets["go:example.com/core"]
    assert core.meta == {
        "module": "example.com/core",
        "module_dir": "libs/core",
        "package": "core",
        "go_files": 1,
        "test_files": 1,
        "integration_files": 0,
    }
    assert g.targets["go:example.com/core/store"].meta["test_files"] == 0


def test_go_work_and_go_mod_are_structured_config() -> None:
    g = graph_of(WORK)
    assert [r for r in g.globals if r.scope == "go"] == []  # no global Go file
    assert g.configs == (
        ConfigRef("go.work", "go", "."),
        ConfigRef("libs/core/go.mod", "go", "libs/core"),
        ConfigRef("libs/util/go.mod", "go", "libs/util"),
        ConfigRef("services/api/go.mod", "go", "services/api"),
    )
    assert g.module_files == {
        "libs/core/go.mod": (
            "go:example.com/core",
            "go:example.com/core/internal/hash",
            "go:example.com/core/store",
        ),
        "libs/core/go.sum": (
            "go:example.com/core",
            "go:example.com/core/internal/hash",
            "go:example.com/core/store",
        ),
        "libs/util/go.mod": ("go:example.com/util",),
        "libs/util/go.sum": ("go:example.com/util",),
        "services/api/go.mod": ("go:example.com/api", "go:example.com/api/handlers"),
        "services/api/go.sum": ("go:example.com/api", "go:example.com/api/handlers"),
    }
    assert g.lockfiles == ()


def test_modules_without_go_work() -> None:
    files = {k: v for k, v in WORK.items() if k != "go.work"}
    g = graph_of(files)
    assert set(g.targets) == {
        "go:example.com/api",
        "go:example.com/api/handlers",
        "go:example.com/core",
        "go:example.com/core/internal/hash",
        "go:example.com/core/store",
        "go:example.com/util",
    }
    assert [r.path for r in g.globals] == ["ameide.toml"]


def test_facts_order_does_not_change_the_graph() -> None:
    files = {**WORK, "services/api/broken.go": "// no package\n", "libs/util/bad.go": ""}
    g, r = graph_of(files), graph_of(files, reverse=True)
    assert g == r
    assert g.warnings == (
        "libs/util/bad.go: no package clause (file ignored)",
        "services/api/broken.go: no package clause (file ignored)",
    )


def test_root_module_with_a_root_package() -> None:
    g = graph_of(
        {
            "go.mod": "module example.com/mono\n",
            "main.go": 'package main\n\nimport "example.com/mono/internal/app"\n',
            "main_test.go": "package main\n",
            "internal/app/app.go": 'package app\n\nimport "example.com/mono/pkg/x"\n',
            "pkg/x/x.go": "package x\n",
        }
    )
    assert deps_of(g) == {
        "go:example.com/mono": ("go:example.com/mono/internal/app",),
        "go:example.com/mono/internal/app": ("go:example.com/mono/pkg/x",),
        "go:example.com/mono/pkg/x": (),
    }
    root = g.targets["go:example.com/mono"]
    assert (root.path, root.manifest, root.group) == (".", "go.mod", ".")
    assert root.meta == {
        "module": "example.com/mono",
        "module_dir": ".",
        "package": "main",
        "go_files": 1,
        "test_files": 1,
        "integration_files": 0,
    }


def test_go_work_use_dot() -> None:
    g = graph_of(
        {
            "go.work": "go 1.22\n\nuse (\n\t.\n\t./tools\n)\n",
            "go.mod": "module example.com/mono\n",
            "lib/lib.go": "package lib\n",
            "tools/go.mod": "module example.com/tools\n",
            "tools/gen/main.go": 'package main\n\nimport "example.com/mono/lib"\n',
        }
    )
    assert deps_of(g) == {
        "go:example.com/mono/lib": (),
        "go:example.com/tools/gen": ("go:example.com/mono/lib",),
    }


def test_nested_module_owns_its_files() -> None:
    g = graph_of(
        {
            "go.mod": "module example.com/mono\n",
            "cmd/app/main.go": (
                'package main\n\nimport (\n\t"example.com/mono/tools/lint"\n'
                '\t"example.com/mono/pkg/a"\n)\n'
            ),
            "pkg/a/a.go": "package a\n",
            "tools/go.mod": "module example.com/mono/tools\n",
            "tools/lint/lint.go": 'package lint\n\nimport "example.com/mono/pkg/a"\n',
            "tools/tools.go": "//go:build tools\n\npackage tools\n",
            "tools/doc.go": "package tools\n",
        }
    )
    # neither module requires the other: the go command cannot resolve these imports, so
    # they are no edges (a require with a local replace, or a go.work, makes them edges)
    assert deps_of(g) == {
        "go:example.com/mono/cmd/app": ("go:example.com/mono/pkg/a",),
        "go:example.com/mono/pkg/a": (),
        "go:example.com/mono/tools": (),
        "go:example.com/mono/tools/lint": (),
    }
    lint = g.targets["go:example.com/mono/tools/lint"]
    assert (lint.group, lint.manifest, lint.meta["module"]) == (
        "tools",
        "tools/go.mod",
        "example.com/mono/tools",
    )
    assert g.targets["go:example.com/mono/tools"].meta["module_dir"] == "tools"
    assert g.module_files["go.mod"] == ("go:example.com/mono/cmd/app", "go:example.com/mono/pkg/a")
    assert g.module_files["tools/go.mod"] == (
        "go:example.com/mono/tools",
        "go:example.com/mono/tools/lint",
    )


def test_a_published_version_of_an_in_repo_module_is_no_edge() -> None:
    files = {
        "go.mod": "module example.com/mono\n",
        "lib/lib.go": "package lib\n",
        # requires the published module, as connect-go's examples do: the build downloads it
        "examples/go.mod": "module example.com/mono/examples\nrequire example.com/mono v1.4.0\n",
        "examples/demo/main.go": 'package main\n\nimport "example.com/mono/lib"\n',
    }
    g = graph_of(files)
    assert deps_of(g)["go:example.com/mono/examples/demo"] == ()
    assert g.targets["go:example.com/mono/examples/demo"].meta["ext"] == ["example.com/mono"]
    # with a local replace, the build uses the repository's own code
    replaced = {
        **files,
        "examples/go.mod": (
            "module example.com/mono/examples\nrequire example.com/mono v1.4.0\n"
            "replace example.com/mono => ../\n"
        ),
    }
    assert deps_of(graph_of(replaced))["go:example.com/mono/examples/demo"] == (
        "go:example.com/mono/lib",
    )
    # a go.work `use`ing both makes them one build
    work = {**files, "go.work": "go 1.22\nuse (\n\t.\n\t./examples\n)\n"}
    assert deps_of(graph_of(work))["go:example.com/mono/examples/demo"] == (
        "go:example.com/mono/lib",
    )


def test_replace_alias_with_a_different_module_path() -> None:
    g = graph_of(
        {
            "svc/go.mod": """
                module example.com/svc

                require github.com/acme/shared v1.4.0

                replace github.com/acme/shared v1.4.0 => ../forks/shared
                """,
            "svc/main.go": (
                'package main\n\nimport (\n\t"github.com/acme/shared"\n'
                '\t"github.com/acme/shared/codec"\n\t"github.com/acme/sharedx"\n)\n'
            ),
            "forks/shared/go.mod": "module example.com/forks/shared\n",
            "forks/shared/shared.go": "package shared\n",
            "forks/shared/codec/codec.go": "package codec\n",
        }
    )
    assert deps_of(g) == {
        "go:example.com/forks/shared": (),
        "go:example.com/forks/shared/codec": (),
        "go:example.com/svc": (
            "go:example.com/forks/shared",
            "go:example.com/forks/shared/codec",
        ),
    }


def test_replace_in_go_work_applies() -> None:
    g = graph_of(
        {
            "go.work": "go 1.22\nuse (\n\t./app\n\t./vendored/lib\n)\n"
            "replace example.com/upstream/lib => ./vendored/lib\n",
            "app/go.mod": "module example.com/app\n",
            "app/app.go": 'package app\n\nimport "example.com/upstream/lib/sub"\n',
            "vendored/lib/go.mod": "module example.com/local/lib\n",
            "vendored/lib/sub/sub.go": "package sub\n",
        }
    )
    assert deps_of(g) == {
        "go:example.com/app": ("go:example.com/local/lib/sub",),
        "go:example.com/local/lib/sub": (),
    }


def test_replace_to_a_dir_without_module_is_ignored() -> None:
    g = graph_of(
        {
            "app/go.mod": "module example.com/app\nreplace example.com/x => ../nowhere\n",
            "app/app.go": 'package app\n\nimport "example.com/x"\n',
        }
    )
    assert deps_of(g) == {"go:example.com/app": ()}


def test_imports_of_missing_in_repo_packages_are_recorded_as_unresolved() -> None:
    # what a deleted package leaves behind: its importers still name it (classify maps a
    # deleted file back to these ids); stdlib, external and existing imports are not recorded
    g = graph_of(
        {
            "go.work": "go 1.22\n\nuse (\n\t./lib\n\t./app\n)\n",
            "lib/go.mod": "module example.com/lib\n",
            "lib/a/a.go": "package a\n",
            "app/go.mod": (
                "module example.com/app\n"
                "replace example.com/lib => ../lib\n"
                "replace example.com/gone => ../gone\n"
                "replace example.com/far => ../../outside\n"
            ),
            "app/x/x.go": text(
                """
                package x

                import (
                \t"fmt"
                \t"github.com/ext/mod/pkg"
                \t"example.com/lib/a"
                \t"example.com/lib/b"
                \t"example.com/app/y"
                \t"example.com/gone/z"
                \t"example.com/far/w"
                )
                """
            ),
            "app/x/x_test.go": 'package x_test\n\nimport "example.com/app/x"\n',
        }
    )
    x = g.targets["go:example.com/app/x"]
    assert x.deps == ("go:example.com/lib/a",)
    assert x.meta["unresolved"] == [
        "go:example.com/app/y",
        "go:example.com/gone/z",
        "go:example.com/lib/b",
    ]
    assert "unresolved" not in g.targets["go:example.com/lib/a"].meta


def test_unresolved_import_through_a_replace_alias_is_recorded_by_its_real_path() -> None:
    g = graph_of(
        {
            "shared/go.mod": "module example.com/shared\n",
            "shared/s.go": "package shared\n",
            "app/go.mod": "module example.com/app\nreplace github.com/acme/shared => ../shared\n",
            "app/app.go": 'package app\n\nimport "github.com/acme/shared/gone"\n',
        }
    )
    assert g.targets["go:example.com/app"].meta["unresolved"] == ["go:example.com/shared/gone"]


def test_skipped_directories() -> None:
    g = graph_of(
        {
            "go.mod": "module example.com/m\n",
            "a/a.go": "package a\n",
            "vendor/github.com/x/y/y.go": "package y\n",
            "a/testdata/fixture.go": "package fixture\n",
            "a/testdata/deeper/x.go": "package x\n",
            "_examples/demo/main.go": "package main\n",
            ".github/scripts/x.go": "package scripts\n",
            "a/.hidden/h.go": "package h\n",
            "a/_private/p.go": "package p\n",
            "web/node_modules/flatted/golang/pkg/flatted/flatted.go": "package flatted\n",
            "testdata/broken/go.mod": "garbage without module\n",
            "testdata/broken/x.go": "not go at all\n",
        }
    )
    assert deps_of(g) == {"go:example.com/m/a": ()}
    assert g.warnings == ()


def test_go_work_may_use_a_module_in_an_underscore_dir() -> None:
    g = graph_of(
        {
            "go.work": "go 1.22\nuse (\n\t./lib\n\t./_examples/basic\n)\n",
            "lib/go.mod": "module example.com/lib\n",
            "lib/lib.go": "package lib\n",
            "_examples/basic/go.mod": "module example.com/lib/examples/basic\n",
            "_examples/basic/main.go": 'package main\n\nimport "example.com/lib"\n',
            "_examples/other/go.mod": "module example.com/lib/examples/other\n",
            "_examples/other/main.go": 'package main\n\nimport "example.com/lib"\n',
        }
    )
    assert deps_of(g) == {
        "go:example.com/lib": (),
        "go:example.com/lib/examples/basic": ("go:example.com/lib",),
    }


def test_files_outside_every_module_are_ignored() -> None:
    g = graph_of(
        {
            "scripts/gen.go": "package main\n",
            "svc/go.mod": "module example.com/svc\n",
            "svc/svc.go": "package svc\n",
        }
    )
    assert set(g.targets) == {"go:example.com/svc"}


def test_package_with_only_test_files() -> None:
    g = graph_of(
        {
            "go.mod": "module example.com/m\n",
            "lib/lib.go": "package lib\n",
            "e2e/e2e_test.go": 'package e2e\n\nimport (\n\t"testing"\n\t"example.com/m/lib"\n)\n',
            "e2e/flow_test.go": (
                '//go:build integration\n\npackage e2e\n\nimport "example.com/m/lib"\n'
            ),
        }
    )
    assert deps_of(g) == {"go:example.com/m/e2e": (), "go:example.com/m/lib": ()}
    assert g.targets["go:example.com/m/e2e"].test_deps == ("go:example.com/m/lib",)
    assert g.targets["go:example.com/m/e2e"].meta == {
        "module": "example.com/m",
        "module_dir": ".",
        "package": None,
        "go_files": 0,
        "test_files": 1,
        "integration_files": 1,
    }


def test_package_without_tests() -> None:
    g = graph_of(
        {
            "go.mod": "module example.com/m\n",
            "lib/a.go": "package lib\n",
            "lib/b.go": "package lib\n",
            "lib/doc.go": "// Package lib.\npackage lib\n",
        }
    )
    assert g.targets["go:example.com/m/lib"].meta == {
        "module": "example.com/m",
        "module_dir": ".",
        "package": "lib",
        "go_files": 3,
        "test_files": 0,
        "integration_files": 0,
    }


def test_external_test_package_has_no_self_edge() -> None:
    g = graph_of(
        {
            "go.mod": "module example.com/m\n",
            "foo/foo.go": 'package foo\n\nimport "example.com/m/bar"\n',
            "foo/foo_test.go": (
                'package foo_test\n\nimport (\n\t"testing"\n\t"example.com/m/foo"\n)\n'
            ),
            "foo/export_test.go": "package foo\n",
            "bar/bar.go": "package bar\n",
        }
    )
    assert deps_of(g) == {
        "go:example.com/m/bar": (),
        "go:example.com/m/foo": ("go:example.com/m/bar",),
    }
    assert g.targets["go:example.com/m/foo"].meta["package"] == "foo"
    assert g.targets["go:example.com/m/foo"].meta["test_files"] == 2


def test_integration_files_counted_in_meta() -> None:
    g = graph_of(
        {
            "go.mod": "module example.com/m\n",
            "db/db.go": "package db\n",
            "db/db_test.go": "//go:build !integration\n\npackage db\n",
            "db/pg_test.go": "//go:build integration\n\npackage db\n",
            "db/mysql_test.go": "// +build integration\n\npackage db_test\n",
            "db/tagged.go": "//go:build integration\n\npackage db\n",
        }
    )
    assert g.targets["go:example.com/m/db"].meta == {
        "module": "example.com/m",
        "module_dir": ".",
        "package": "db",
        "go_files": 2,
        "test_files": 1,
        "integration_files": 2,
    }


def test_test_only_imports_are_test_deps_and_make_no_cycle() -> None:
    g = graph_of(
        {
            "go.mod": "module example.com/m\n",
            "a/a.go": "package a\n",
            "a/a_test.go": 'package a\n\nimport "example.com/m/testutil"\n',
            # testutil imports a; a's tests import testutil: no cycle, as for `go list`
            "testutil/t.go": 'package testutil\n\nimport "example.com/m/a"\n',
            "testutil/t_test.go": 'package testutil_test\n\nimport "example.com/m/testutil"\n',
        }
    )
    assert deps_of(g) == {
        "go:example.com/m/a": (),
        "go:example.com/m/testutil": ("go:example.com/m/a",),
    }
    assert {t: x.test_deps for t, x in g.targets.items()} == {
        "go:example.com/m/a": ("go:example.com/m/testutil",),
        "go:example.com/m/testutil": (),  # the package itself is no test dependency
    }
    assert g.warnings == ()


def test_import_cycle_is_reported() -> None:
    g = graph_of(
        {
            "go.mod": "module example.com/m\n",
            "a/a.go": 'package a\n\nimport "example.com/m/b"\n',
            "b/b.go": 'package b\n\nimport "example.com/m/a"\n',
        }
    )
    assert g.warnings == (
        "dependency cycle: go:example.com/m/a -> go:example.com/m/b -> go:example.com/m/a",
    )


def test_file_without_package_clause_is_a_warning() -> None:
    g = graph_of(
        {
            "go.mod": "module example.com/m\n",
            "a/a.go": "package a\n",
            "a/gen.go": "// Code generated; DO NOT EDIT.\n",
            "b/only.go": "",
        }
    )
    assert set(g.targets) == {"go:example.com/m/a"}
    assert g.targets["go:example.com/m/a"].meta["go_files"] == 1
    assert g.warnings == (
        "a/gen.go: no package clause (file ignored)",
        "b/only.go: no package clause (file ignored)",
    )


def test_go_work_use_without_go_mod_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        graph_of(
            {
                "go.work": "go 1.22\n\nuse (\n\t./svc\n\t./missing\n)\n",
                "svc/go.mod": "module example.com/svc\n",
                "svc/svc.go": "package svc\n",
            }
        )
    assert err.value.message == (
        "malformed manifest: go.work: 'use ./missing' names a directory without go.mod"
    )
    assert err.value.path == "go.work"
    assert err.value.hint == "create missing/go.mod or remove the use line"


def test_go_mod_without_module_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        graph_of({"svc/go.mod": "go 1.22\n", "svc/svc.go": "package svc\n"})
    assert err.value.message == "malformed manifest: svc/go.mod: no 'module' directive"
    assert err.value.path == "svc/go.mod"
    assert err.value.hint == "add a line 'module <import path>' at the top of go.mod"


def test_unterminated_go_mod_block_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        graph_of({"go.mod": "module example.com/m\n\nrequire (\n\tfoo v1\n"})
    assert err.value.message == (
        "malformed manifest: go.mod: line 3: 'require (' block is never closed"
    )
    assert err.value.hint == "close the block with a line holding only ')'"


def test_a_used_module_with_a_broken_go_mod_is_one_error_not_two() -> None:
    # the go.mod is there but unreadable: go.work's `use` line is not the problem
    with pytest.raises(ConfigError) as err:
        graph_of(
            {
                "go.work": "go 1.22\n\nuse (\n\t./lib\n\t./svc\n)\n",
                "lib/go.mod": "module example.com/lib\ngo 1.25\nrequire (\n",
                "lib/x.go": "package lib\n",
                "svc/go.mod": "go 1.22\n",
                "svc/y.go": "package svc\n",
            }
        )
    assert err.value.message == (
        "malformed manifest: lib/go.mod: line 3: 'require (' block is never closed\n"
        "svc/go.mod: no 'module' directive"
    )
    assert err.value.path == "lib/go.mod"
    assert err.value.hint == "close the block with a line holding only ')'"


def test_unterminated_go_work_block_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        graph_of(
            {
                "go.work": "go 1.22\nuse (\n\t./a\n",
                "a/go.mod": "module example.com/a\n",
            }
        )
    assert err.value.message == "malformed manifest: go.work: line 2: 'use (' block is never closed"
    assert err.value.hint == "close the block with a line holding only ')'"


def test_two_modules_with_one_path_define_a_target_twice() -> None:
    with pytest.raises(ConfigError) as err:
        graph_of(
            {
                "a/go.mod": "module example.com/same\n",
                "a/x.go": "package x\n",
                "b/go.mod": "module example.com/same\n",
                "b/x.go": "package x\n",
            }
        )
    assert err.value.message == (
        "malformed manifest: b/go.mod: target id go:example.com/same is defined twice"
    )


# --- build constraints, as go/build evaluates them for linux/amd64 ---------------------------

from ameide.ecosystems.go import constraints  # noqa: E402


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("x.go", True),
        ("linux.go", True),  # a name that is only a GOOS is no constraint (Go 1.4+)
        ("x_linux.go", True),
        ("x_windows.go", False),
        ("x_amd64.go", True),
        ("x_arm64.go", False),
        ("x_linux_amd64.go", True),
        ("x_linux_arm64.go", False),
        ("x_darwin_amd64.go", False),
        ("x_windows_test.go", False),
        ("x_linux_test.go", True),
        ("x_foo_test.go", True),
        ("x_amd64.s", True),
        ("x_386.s", False),
        ("x_android.go", False),  # android implies linux, not the other way round
    ],
)
def test_file_name_constraints(name: str, expected: bool) -> None:
    assert constraints.file_name_ok(name) is expected


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("linux", True),
        ("!linux", False),
        ("linux && amd64", True),
        ("linux && !cgo", False),
        ("windows || (linux && !arm64)", True),
        ("unix", True),
        ("gc", True),
        ("go1.21", True),
        ("!go1.18", False),
        ("ignore", False),
        ("tools", False),
        ("integration", False),
        ("linux &&", False),  # invalid: the file is left out, as go/build reports it
        ("(linux", False),
    ],
)
def test_go_build_expressions(expr: str, expected: bool) -> None:
    assert constraints.go_build_ok(expr) is expected


def test_plus_build_lines_and_the_integration_view() -> None:
    assert constraints.plus_build_ok(["linux,amd64 windows"]) is True
    assert constraints.plus_build_ok(["linux", "!amd64"]) is False
    assert constraints.plus_build_ok(["integration"]) is False
    assert constraints.plus_build_ok(["integration"], constraints.INTEGRATION) is True
    assert constraints.go_build_ok("integration && linux", constraints.INTEGRATION) is True


@pytest.mark.parametrize(
    ("content", "build"),
    [
        ("// +build ignore\npackage a\n", True),  # no blank line: part of the doc comment
        ("// +build ignore\n\npackage a\n", False),
        ("// Copyright\n\n// +build windows\n\n// Package a.\npackage a\n", False),
        ("//go:build windows\npackage a\n", False),  # //go:build needs no blank line
        ("/* a */\n//go:build windows\n\npackage a\n", False),  # after a /* */ comment too
    ],
)
def test_where_a_constraint_counts(content: str, build: bool) -> None:
    assert go.parse("a/x.go", content.encode())["build"] is build


@pytest.mark.parametrize(
    ("pattern", "rel", "expected"),
    [
        ("static", "static/a.txt", True),
        ("static", "static/sub/b.txt", True),
        ("static", "static/.hidden", False),
        ("static", "static/_private/x", False),
        ("all:static", "static/.hidden", True),
        ("static/*.html", "static/index.html", True),
        ("static/*.html", "static/sub/index.html", False),
        ("*.txt", "notes.txt", True),
        ("*.txt", "dir/notes.txt", False),
        ("te?t.json", "test.json", True),
        ("[ab].txt", "a.txt", True),
        ("[^ab].txt", "a.txt", False),
        ("missing", "other/x", False),
    ],
)
def test_embed_patterns(pattern: str, rel: str, expected: bool) -> None:
    assert go.embed_match(pattern, rel) is expected


def test_embed_patterns_are_read_from_every_line() -> None:
    facts = src(
        """
        package web

        import "embed"

        //go:embed static templates/*.tmpl
        var files embed.FS

        //go:embed "with space.txt" `raw.txt`
        var more embed.FS
        """,
        "web/web.go",
    )
    assert facts["embed"] == ["raw.txt", "static", "templates/*.tmpl", "with space.txt"]
