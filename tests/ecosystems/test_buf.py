"""buf: buf.yaml / buf.work.yaml / buf.gen.yaml / .proto facts, modules and cross-language edges."""

from __future__ import annotations

import json

import pytest

from ameide.ecosystems import buf
from ameide.errors import ConfigError
from ameide.model import ConfigRef, GlobalRule
from tests.ecosystems.helpers import deps_of, graph_of, text


def parse(path: str, content: str) -> dict[str, object]:
    return buf.parse(path, text(content))


# --- relevant / parse -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("proto/acme/v1/a.proto", True),
        ("buf.yaml", True),
        ("buf.yml", True),
        ("proto/buf.yaml", True),
        ("buf.work.yaml", True),
        ("buf.gen.yaml", True),
        ("buf.gen.yml", True),
        ("buf.gen.go.yaml", True),
        ("web/buf.gen.ts.yaml", True),
        ("buf.lock", False),
        ("buf.policy.yaml", False),
        ("mybuf.gen.yaml", False),
        ("node_modules/@bufbuild/protobuf/x.proto", False),
        ("a.protobuf", False),
    ],
)
def test_relevant(path: str, expected: bool) -> None:
    assert buf.relevant(path) is expected


def test_proto_imports_and_go_package() -> None:
    content = """
        // Copyright Acme. import "fake/header.proto";
        syntax = "proto3";

        package acme.orders.v1;

        /*
        import "fake/block.proto";
        */
        import "acme/common/v1/money.proto";
        import public "acme/common/v1/ids.proto";
        import weak "acme/legacy/v1/old.proto";
          import   "google/protobuf/timestamp.proto"  ;  // trailing comment
        import "acme/common/v1/money.proto";
        // import "fake/line.proto";

        option go_package = "github.com/acme/gen/go/acme/orders/v1;ordersv1";
        option java_package = "com.acme.orders.v1";

        message Order { string id = 1; }
        """
    assert parse("proto/acme/orders/v1/orders.proto", content) == {
        "imports": [
            "acme/common/v1/ids.proto",
            "acme/common/v1/money.proto",
            "acme/legacy/v1/old.proto",
            "google/protobuf/timestamp.proto",
        ],
        "go_package": "github.com/acme/gen/go/acme/orders/v1",
        "go_name": "ordersv1",
        "package": "acme.orders.v1",
    }


def test_proto_go_package_without_name() -> None:
    facts = parse("a.proto", 'syntax = "proto3";\noption go_package = "example.com/gen/a";\n')
    assert facts == {"imports": [], "go_package": "example.com/gen/a"}


def test_proto_go_package_in_a_comment_does_not_count() -> None:
    facts = parse("a.proto", '// option go_package = "example.com/fake";\nsyntax = "proto3";\n')
    assert facts == {"imports": [], "go_package": None}


def test_proto2_and_editions() -> None:
    assert parse("a.proto", 'edition = "2023";\nimport "b.proto";\n') == {
        "imports": ["b.proto"],
        "go_package": None,
    }


def test_buf_yaml_v2_with_modules() -> None:
    content = """
        version: v2
        modules:
          - path: proto/common
            name: buf.build/acme/common
          - path: proto/orders
            excludes: [proto/orders/internal]
        deps:
          - buf.build/googleapis/googleapis
        lint:
          use: [STANDARD]
        breaking:
          use: [FILE]
        """
    assert parse("buf.yaml", content) == {
        "kind": "config",
        "version": "v2",
        "modules": ["proto/common", "proto/orders"],
    }


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("version: v2\n", {"kind": "config", "version": "v2", "modules": None}),
        ("version: v2\nmodules: []\n", {"kind": "config", "version": "v2", "modules": []}),
        (
            "version: v1\nname: buf.build/a/b\n",
            {"kind": "config", "version": "v1", "modules": None},
        ),
        ("version: v1beta1\n", {"kind": "config", "version": "v1beta1", "modules": None}),
        # buf refuses a config without a version it knows: no buf config (a CI workflow
        # called buf.yaml, say), never an error
        ("", {"kind": "other"}),
        ("lint:\n  use: [DEFAULT]\n", {"kind": "other"}),
        ("version: 2\n", {"kind": "other"}),
        ("on: push\njobs: {}\n", {"kind": "other"}),
        (
            "version: v2\nmodules: [proto]\n",
            {"error": "'modules' must be a list of {path: ...} entries"},
        ),
        (
            "version: v2\nmodules: proto\n",
            {"error": "'modules' must be a list of {path: ...} entries"},
        ),
        (
            "version: v2\nmodules:\n  - name: x\n",
            {"error": "'modules' must be a list of {path: ...} entries"},
        ),
        ("- a\n", {"error": "expected a YAML mapping"}),
    ],
)
def test_buf_yaml_shapes(content: str, expected: dict[str, object]) -> None:
    assert buf.parse("buf.yaml", content.encode()) == expected


def test_buf_yml_is_a_config_too() -> None:
    assert buf.parse("proto/buf.yml", b"version: v1\n") == {
        "kind": "config",
        "version": "v1",
        "modules": None,
    }


def test_invalid_yaml() -> None:
    for name in ("buf.yaml", "buf.work.yaml", "buf.gen.yaml"):
        facts = buf.parse(name, b"version: [\n")
        assert list(facts) == ["error"]
        assert facts["error"].startswith("invalid YAML: ")


def test_buf_work_yaml() -> None:
    content = """
        version: v1
        directories:
          - proto
          - vendor/googleapis
        """
    assert parse("buf.work.yaml", content) == {
        "kind": "work",
        "version": "v1",
        "directories": ["proto", "vendor/googleapis"],
    }
    assert buf.parse("buf.work.yaml", b"version: v1\n") == {
        "kind": "work",
        "version": "v1",
        "directories": [],
    }
    assert buf.parse("buf.work.yaml", b"version: v1\ndirectories: proto\n") == {
        "error": "'directories' must be a list of paths"
    }
    assert buf.parse("buf.work.yaml", b"version: v1\ndirectories: [1]\n") == {
        "error": "'directories' must be a list of paths"
    }
    assert buf.parse("buf.work.yaml", b"directories: [proto]\n") == {"kind": "other"}


def test_a_workflow_named_buf_yaml_is_no_module() -> None:
    g = graph_of(
        {
            ".github/workflows/buf.yaml": "name: buf\non: push\njobs:\n  lint: {}\n",
            "proto/buf.yaml": "version: v2\n",
            "proto/a.proto": proto("a"),
        }
    )
    assert sorted(g.targets) == ["buf:proto"]


def test_buf_gen_yaml_v2_inputs_plugins_and_managed_mode() -> None:
    content = """
        version: v2
        clean: true
        managed:
          enabled: true
          override:
            - file_option: go_package_prefix
              value: example.com/gen/go
            - file_option: go_package_prefix
              module: proto/vendor
              value: example.com/gen/vendor
          disable:
            - file_option: go_package
              path: acme/legacy
        inputs:
          - directory: proto
            paths: [proto/acme/orders]
            types: [acme.orders.v1.Order]
          - module: buf.build/acme/petapis
          - git_repo: https://github.com/acme/protos
          - proto_file: vendor/proto/x.proto
        plugins:
          - remote: buf.build/protocolbuffers/go
            out: gen/go
            opt: paths=source_relative
          - remote: buf.build/connectrpc/go
            out: gen/go
            opt: [module=example.com/gen/go, paths=import]
          - local: protoc-gen-es
            out: web/src/gen
            include_imports: true
            types: [acme.orders.v1.Order]
          - protoc_builtin: python
            out: py/gen
          - local: no-out-plugin
        """
    assert parse("buf.gen.yaml", content) == {
        "kind": "gen",
        "version": "v2",
        "inputs": [
            {
                "directory": "proto",
                "paths": ["proto/acme/orders"],
                "types": ["acme.orders.v1.Order"],
            },
            {"proto_file": "vendor/proto/x.proto"},
        ],
        "plugins": [
            {
                "name": "buf.build/protocolbuffers/go",
                "out": "gen/go",
                "opt": ["paths=source_relative"],
            },
            {
                "name": "buf.build/connectrpc/go",
                "out": "gen/go",
                "opt": ["module=example.com/gen/go", "paths=import"],
            },
            {
                "name": "protoc-gen-es",
                "out": "web/src/gen",
                "opt": [],
                "types": ["acme.orders.v1.Order"],
            },
            {"name": "python", "out": "py/gen", "opt": []},
        ],
        "outs": ["gen/go", "py/gen", "web/src/gen"],
        "managed": {
            "rules": [
                {"value": "example.com/gen/go"},
                {"value": "example.com/gen/vendor", "module": "proto/vendor"},
            ],
            "disable": [{"path": "acme/legacy"}],
        },
    }


def test_buf_gen_yaml_v1_without_inputs() -> None:
    content = """
        version: v1
        managed:
          enabled: true
          go_package_prefix:
            default: example.com/gen
            except: [buf.build/googleapis/googleapis]
        plugins:
          - plugin: buf.build/protocolbuffers/go
            out: ../gen/go
            opt: paths=source_relative,require_unimplemented_servers=false
          - name: es
            out: ../web/gen
        """
    assert parse("proto/buf.gen.yaml", content) == {
        "kind": "gen",
        "version": "v1",
        "inputs": None,
        "plugins": [
            {
                "name": "buf.build/protocolbuffers/go",
                "out": "../gen/go",
                "opt": ["paths=source_relative", "require_unimplemented_servers=false"],
            },
            {"name": "es", "out": "../web/gen", "opt": []},
        ],
        "outs": ["../gen/go", "../web/gen"],
        "managed": {
            "rules": [{"value": "example.com/gen"}],
            "disable": [{"module": "buf.build/googleapis/googleapis"}],
        },
    }


def gen_facts(version: str, inputs: object) -> dict[str, object]:
    return {
        "kind": "gen",
        "version": version,
        "inputs": inputs,
        "plugins": [],
        "outs": [],
        "managed": {},
    }


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("version: v2\n", gen_facts("v2", None)),
        ("version: v2\ninputs: []\n", gen_facts("v2", [])),
        ("inputs: proto\n", gen_facts("v1", None)),
        ("plugins: go\n", {"error": "'plugins' must be a list"}),
        ("plugins:\n  - out: 3\n", gen_facts("v1", None)),
        ("version: v2\nmanaged:\n  enabled: false\n", gen_facts("v2", None)),
    ],
)
def test_buf_gen_yaml_shapes(content: str, expected: dict[str, object]) -> None:
    assert buf.parse("buf.gen.yaml", content.encode()) == expected


# --- graph building ---------------------------------------------------------------------------


def proto(package: str, *imports: str, go_package: str | None = None) -> str:
    lines = ['syntax = "proto3";', f"package {package};"]
    lines += [f'import "{i}";' for i in imports]
    if go_package:
        lines.append(f'option go_package = "{go_package}";')
    return "\n".join(lines) + "\n"


V2 = {
    "buf.yaml": """
        version: v2
        modules:
          - path: proto/common
          - path: proto/orders
          - path: proto/billing
        """,
    "buf.lock": "version: v2\n",
    "proto/common/acme/common/v1/money.proto": proto("acme.common.v1"),
    "proto/orders/acme/orders/v1/orders.proto": proto(
        "acme.orders.v1",
        "acme/common/v1/money.proto",
        "google/protobuf/timestamp.proto",
        "acme/orders/v1/types.proto",
    ),
    "proto/orders/acme/orders/v1/types.proto": proto("acme.orders.v1"),
    "proto/billing/acme/billing/v1/billing.proto": proto(
        "acme.billing.v1", "acme/orders/v1/orders.proto", "acme/common/v1/money.proto"
    ),
    "proto/README.md": "# protos\n",
    "scratch/loose.proto": proto("loose", "acme/common/v1/money.proto"),
}


def test_v2_modules_and_import_edges() -> None:
    g = graph_of(V2)
    assert deps_of(g) == {
        "buf:proto/billing": ("buf:proto/common", "buf:proto/orders"),
        "buf:proto/common": (),
        "buf:proto/orders": ("buf:proto/common",),
    }
    assert g.warnings == ()


def test_v2_target_fields_and_meta() -> None:
    g = graph_of(V2)
    orders = g.targets["buf:proto/orders"]
    assert (orders.ecosystem, orders.name, orders.path, orders.manifest, orders.group) == (
        "buf",
        "proto/orders",
        "proto/orders",
        "buf.yaml",
        ".",
    )
    assert orders.meta == {
        "config": "buf.yaml",
        "workspace": "buf.yaml",
        "protos": 2,
        "generates": [],
    }


def test_v2_workspace_globals() -> None:
    g = graph_of(V2)
    mods = ("buf:proto/billing", "buf:proto/common", "buf:proto/orders")
    assert list(g.globals) == [
        GlobalRule("buf.yaml", "targets", mods, "buf workspace configuration"),
        GlobalRule("buf.lock", "targets", mods, "buf dependency lock"),
        GlobalRule("ameide.toml", "*", why="ameide configuration"),
    ]


def test_v2_buf_yaml_without_modules_is_one_module_at_its_dir() -> None:
    g = graph_of(
        {
            "buf.yaml": "version: v2\n",
            "acme/v1/a.proto": proto("acme.v1", "acme/v1/b.proto"),
            "acme/v1/b.proto": proto("acme.v1"),
        }
    )
    assert deps_of(g) == {"buf:.": ()}
    t = g.targets["buf:."]
    assert (t.path, t.manifest, t.group) == (".", "buf.yaml", ".")
    assert t.meta == {"config": "buf.yaml", "workspace": None, "protos": 2, "generates": []}
    # a standalone module's own config and lock concern it (it owns only its .proto files)
    assert list(g.globals[:2]) == [
        GlobalRule("buf.yaml", "targets", ("buf:.",), "buf module config"),
        GlobalRule("buf.lock", "targets", ("buf:.",), "buf dependency lock"),
    ]


def test_v2_module_at_the_workspace_dir() -> None:
    g = graph_of(
        {
            "buf.yaml": "version: v2\nmodules:\n  - path: .\n  - path: vendor/ext\n",
            "acme/a.proto": proto("acme", "ext/e.proto"),
            "vendor/ext/ext/e.proto": proto("ext"),
        }
    )
    assert deps_of(g) == {"buf:.": ("buf:vendor/ext",), "buf:vendor/ext": ()}
    assert g.targets["buf:."].meta["protos"] == 1  # the nested module's file is not counted
    # a module owns only its .proto files: the workspace file concerns every module
    assert g.globals[0] == GlobalRule(
        "buf.yaml", "targets", ("buf:.", "buf:vendor/ext"), "buf workspace configuration"
    )


def test_v1_buf_work_yaml_with_directories() -> None:
    g = graph_of(
        {
            "buf.work.yaml": "version: v1\ndirectories:\n  - proto\n  - third_party/proto\n",
            "proto/buf.yaml": "version: v1\n",
            "proto/acme/v1/svc.proto": proto("acme.v1", "google/api/annotations.proto"),
            "third_party/proto/buf.yaml": "version: v1\n",
            "third_party/proto/google/api/annotations.proto": proto("google.api"),
        }
    )
    assert deps_of(g) == {"buf:proto": ("buf:third_party/proto",), "buf:third_party/proto": ()}
    t = g.targets["buf:proto"]
    assert (t.manifest, t.group) == ("proto/buf.yaml", ".")
    assert t.meta == {
        "config": "proto/buf.yaml",
        "workspace": "buf.work.yaml",
        "protos": 1,
        "generates": [],
    }
    both = ("buf:proto", "buf:third_party/proto")
    assert [r for r in g.globals if r.scope == "targets"] == [
        GlobalRule(
            "buf.work.yaml",
            "targets",
            ("buf:proto", "buf:third_party/proto"),
            "buf workspace configuration",
        ),
        GlobalRule(
            "buf.lock",
            "targets",
            ("buf:proto", "buf:third_party/proto"),
            "buf dependency lock",
        ),
        # each v1 module's own buf.yaml and buf.lock concern the whole workspace too
        GlobalRule("proto/buf.yaml", "targets", both, "buf workspace configuration"),
        GlobalRule("proto/buf.lock", "targets", both, "buf dependency lock"),
        GlobalRule("third_party/proto/buf.yaml", "targets", both, "buf workspace configuration"),
        GlobalRule("third_party/proto/buf.lock", "targets", both, "buf dependency lock"),
    ]


def test_v1_workspace_manifest_does_not_depend_on_path_order() -> None:
    g = graph_of(
        {
            "x/buf.work.yaml": "version: v1\ndirectories: [api, proto, bare]\n",
            "x/api/buf.yaml": "version: v1\n",  # sorts before x/buf.work.yaml
            "x/proto/buf.yaml": "version: v1\n",  # sorts after it
            "x/bare/a.proto": proto("a"),  # no buf.yaml of its own
        }
    )
    assert {t.id: (t.manifest, t.group) for t in g.targets.values()} == {
        "buf:x/api": ("x/api/buf.yaml", "x"),
        "buf:x/bare": ("x/buf.work.yaml", "x"),
        "buf:x/proto": ("x/proto/buf.yaml", "x"),
    }


def test_single_v1_buf_yaml_module() -> None:
    g = graph_of(
        {
            "api/proto/buf.yaml": "version: v1\nname: buf.build/acme/api\n",
            "api/proto/acme/v1/a.proto": proto("acme.v1"),
            "api/README.md": "# api\n",
        }
    )
    assert deps_of(g) == {"buf:api/proto": ()}
    t = g.targets["buf:api/proto"]
    assert (t.manifest, t.group) == ("api/proto/buf.yaml", "api/proto")
    assert t.meta == {
        "config": "api/proto/buf.yaml",
        "workspace": None,
        "protos": 1,
        "generates": [],
    }
    assert [r.path for r in g.globals] == [
        "api/proto/buf.yaml",
        "api/proto/buf.lock",
        "ameide.toml",
    ]


def test_protos_belong_to_the_deepest_module() -> None:
    files = {
        "proto/buf.yaml": "version: v1\n",
        "proto/a.proto": proto("a", "b.proto"),
        "proto/inner/buf.yaml": "version: v1\n",
        "proto/inner/b.proto": proto("b"),
    }
    g = graph_of(files)
    assert g.targets["buf:proto"].meta["protos"] == 1
    assert g.targets["buf:proto/inner"].meta["protos"] == 1
    # two standalone modules: an import of the other's file is a remote (BSR) dependency,
    # pinned in buf.lock, never a link to the local module of that name
    assert deps_of(g) == {"buf:proto": (), "buf:proto/inner": ()}
    # a workspace listing both links them
    g = graph_of({**files, "buf.work.yaml": "version: v1\ndirectories: [proto, proto/inner]\n"})
    assert deps_of(g) == {"buf:proto": ("buf:proto/inner",), "buf:proto/inner": ()}


def test_same_relative_proto_path_in_two_modules_is_deterministic() -> None:
    files = {
        "buf.yaml": "version: v2\nmodules:\n  - path: a\n  - path: b\n  - path: c\n",
        "a/x/dup.proto": proto("x"),
        "b/x/dup.proto": proto("x"),
        "c/use.proto": proto("c", "x/dup.proto"),
    }
    assert graph_of(files) == graph_of(files, reverse=True)
    assert graph_of(files).targets["buf:c"].deps == ("buf:a",)


def test_protos_without_any_buf_config_make_no_target() -> None:
    g = graph_of({"proto/a.proto": proto("a"), "buf.gen.yaml": "version: v2\nplugins: []\n"})
    assert g.targets == {}
    assert g.warnings == ()


CROSS = {
    "buf.yaml": "version: v2\nmodules:\n  - path: proto/common\n  - path: proto/api\n",
    "proto/common/common/v1/types.proto": proto(
        "common.v1", go_package="example.com/gen/common/v1;commonv1"
    ),
    "proto/api/api/v1/svc.proto": proto(
        "api.v1", "common/v1/types.proto", go_package="example.com/gen/api/v1;apiv1"
    ),
    "buf.gen.yaml": """
        version: v2
        inputs:
          - directory: proto/api
        plugins:
          - local: protoc-gen-go
            out: gen/go
            opt: module=example.com/gen
          - local: protoc-gen-es
            out: js/packages/api-client/src/gen
        """,
    # the Go code is committed; the TypeScript code is made at build time (not in the index)
    "gen/go/go.mod": "module example.com/gen\n",
    "gen/go/api/v1/svc.pb.go": "package apiv1\n",
    "gen/go/common/v1/types.pb.go": "package commonv1\n",
    "svc/go.mod": (
        "module example.com/svc\nrequire example.com/gen v0.0.0\n"
        "replace example.com/gen => ../gen/go\n"
    ),
    "svc/main.go": 'package main\n\nimport apiv1 "example.com/gen/api/v1"\n',
    "pnpm-workspace.yaml": "packages: ['js/packages/*']\n",
    "js/packages/api-client/package.json": json.dumps({"name": "@acme/api-client"}),
    "js/packages/web/package.json": json.dumps(
        {"name": "@acme/web", "dependencies": {"@acme/api-client": "workspace:*"}}
    ),
}


def test_generated_code_makes_no_edge_committed_code_is_ordinary_source() -> None:
    g = graph_of(CROSS)
    assert deps_of(g) == {
        "buf:proto/api": ("buf:proto/common",),
        "buf:proto/common": (),
        "go:example.com/gen/api/v1": (),
        "go:example.com/gen/common/v1": (),
        "go:example.com/svc": ("go:example.com/gen/api/v1",),
        "pnpm:@acme/api-client": (),
        "pnpm:@acme/web": ("pnpm:@acme/api-client",),
    }
    # a proto reaches the build-time output's target through its file (Owners), not an edge
    assert g.data["buf"]["routes"] == {"proto/api/api/v1/svc.proto": ["pnpm:@acme/api-client"]}
    assert g.warnings == ()


def test_generates_meta_says_which_output_is_committed() -> None:
    g = graph_of(CROSS)
    assert g.targets["buf:proto/api"].meta["generates"] == [
        {"template": "buf.gen.yaml", "out": "gen/go", "committed": True, "consumers": []},
        {
            "template": "buf.gen.yaml",
            "out": "js/packages/api-client/src/gen",
            "committed": False,
            "consumers": ["pnpm:@acme/api-client"],
        },
    ]
    assert g.targets["buf:proto/common"].meta["generates"] == []
    assert ConfigRef("buf.gen.yaml", "buf", ".") in g.configs


BUILD_TIME_GO = {
    "buf.yaml": "version: v2\nmodules:\n  - path: proto\n",
    "proto/acme/common/v1/money.proto": proto("acme.common.v1"),
    "proto/acme/orders/v1/order.proto": proto("acme.orders.v1", "acme/common/v1/money.proto"),
    "proto/acme/audit/v1/log.proto": proto("acme.audit.v1"),
    "buf.gen.yaml": """
        version: v2
        managed:
          enabled: true
          override:
            - file_option: go_package_prefix
              value: example.com/svc/gen
        plugins:
          - local: protoc-gen-go
            out: svc/gen
            opt: paths=source_relative
          - local: protoc-gen-connect-go
            out: svc/gen
            opt: paths=source_relative
        """,
    "svc/go.mod": "module example.com/svc\n",
    "svc/orders/orders.go": 'package orders\n\nimport "example.com/svc/gen/acme/orders/v1"\n',
    "svc/api/api.go": (
        'package api\n\nimport "example.com/svc/gen/acme/orders/v1/ordersv1connect"\n'
    ),
    "svc/money/money.go": 'package money\n\nimport "example.com/svc/gen/acme/common/v1"\n',
    "svc/other/other.go": "package other\n",
}


def test_build_time_go_code_routes_each_proto_to_the_packages_importing_its_output() -> None:
    g = graph_of(BUILD_TIME_GO)
    routes = g.data["buf"]["routes"]
    # managed mode's prefix + the proto's directory names the Go package; its importers hold
    # it as an import no package answers (the generated code is not in the index)
    assert routes["proto/acme/orders/v1/order.proto"] == [
        "go:example.com/svc/api",
        "go:example.com/svc/orders",
    ]
    # money's generated package is imported by orders' generated package: both routes
    assert routes["proto/acme/common/v1/money.proto"] == [
        "go:example.com/svc/api",
        "go:example.com/svc/money",
        "go:example.com/svc/orders",
    ]
    assert "proto/acme/audit/v1/log.proto" not in routes  # generated, but nobody imports it
    assert deps_of(g)["go:example.com/svc/orders"] == ()


def test_go_package_option_and_module_prefix_place_the_output() -> None:
    files = {
        "buf.yaml": "version: v2\n",
        "a/v1/a.proto": proto("a.v1", go_package="example.com/m/pb/a/v1;av1"),
        "buf.gen.yaml": (
            "version: v2\nplugins:\n  - local: protoc-gen-go\n    out: m\n"
            "    opt: module=example.com/m\n"
        ),
        "m/go.mod": "module example.com/m\n",
        "m/use/use.go": 'package use\n\nimport "example.com/m/pb/a/v1"\n',
    }
    assert graph_of(files).data["buf"]["routes"] == {"a/v1/a.proto": ["go:example.com/m/use"]}
    # once the generated file is committed, the same template routes nothing
    committed = {**files, "m/pb/a/v1/a.pb.go": "package av1\n"}
    assert graph_of(committed).data["buf"]["routes"] == {}


def test_template_filters_narrow_what_a_proto_change_reaches() -> None:
    files = {
        **BUILD_TIME_GO,
        "buf.gen.yaml": """
            version: v2
            managed:
              enabled: true
              override:
                - file_option: go_package_prefix
                  value: example.com/svc/gen
            inputs:
              - directory: proto
                exclude_paths: [proto/acme/common]
            plugins:
              - local: protoc-gen-go
                out: svc/gen
                opt: paths=source_relative
            """,
    }
    routes = graph_of(files).data["buf"]["routes"]
    assert sorted(routes) == ["proto/acme/orders/v1/order.proto"]


def test_gen_out_into_a_python_package() -> None:
    g = graph_of(
        {
            "proto/buf.yaml": "version: v1\n",
            "proto/a.proto": proto("a"),
            "proto/buf.gen.yaml": (
                "version: v1\nplugins:\n  - plugin: python\n    out: ../py/api/src/api/gen\n"
            ),
            "py/api/pyproject.toml": '[project]\nname = "api"\n[tool.uv]\n',
        }
    )
    assert deps_of(g) == {"buf:proto": (), "uv:api": ()}
    assert g.data["buf"]["routes"] == {"proto/a.proto": ["uv:api"]}


def test_a_template_without_inputs_covers_the_workspace_beside_it() -> None:
    g = graph_of(
        {
            "buf.work.yaml": "version: v1\ndirectories: [proto, vendor]\n",
            "proto/a.proto": proto("a"),
            "vendor/v.proto": proto("v"),
            "buf.gen.yaml": "version: v1\nplugins:\n  - name: ts\n    out: web/gen\n",
            "tools/buf.yaml": "version: v1\n",  # a standalone module below: not covered
            "tools/t.proto": proto("t"),
            "proto/buf.gen.yaml": "version: v1\nplugins:\n  - name: ts\n    out: ../app/gen\n",
            "pnpm-workspace.yaml": "packages: [web, app]\n",
            "web/package.json": '{"name": "web"}',
            "app/package.json": '{"name": "app"}',
        }
    )
    assert g.data["buf"]["routes"] == {
        "proto/a.proto": ["pnpm:app", "pnpm:web"],
        "vendor/v.proto": ["pnpm:web"],
    }


def test_gen_with_inputs_naming_no_module_is_a_warning() -> None:
    g = graph_of(
        {
            "buf.yaml": "version: v2\nmodules:\n  - path: proto\n",
            "proto/a.proto": proto("a"),
            "buf.gen.yaml": (
                "version: v2\ninputs:\n  - directory: elsewhere\n"
                "plugins:\n  - local: x\n    out: gen\n"
            ),
        }
    )
    assert g.warnings == ("buf.gen.yaml: its inputs name no buf module",)
    assert g.configs == ()


def test_go_package_without_matching_go_target_is_no_edge() -> None:
    g = graph_of(
        {
            "buf.yaml": "version: v2\n",
            "a.proto": proto("a", go_package="example.com/not/here;here"),
            "go.mod": "module example.com/other\n",
            "pkg/x.go": "package x\n",
        }
    )
    assert deps_of(g) == {"buf:.": (), "go:example.com/other/pkg": ()}


def test_malformed_buf_yaml_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        graph_of({"buf.yaml": "version: v2\nmodules: proto\n", "proto/a.proto": proto("a")})
    assert err.value.message == (
        "malformed manifest: buf.yaml: 'modules' must be a list of {path: ...} entries"
    )
    assert err.value.path == "buf.yaml"
    assert (
        err.value.hint
        == "fix it at that line (a v2 buf.yaml: `version: v2`, `modules: [{path: DIR}]`)"
    )


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("buf.yaml", "version: v2\nmodules: [\n", "invalid YAML: "),
        ("buf.yaml", "- proto\n", "expected a YAML mapping"),
        ("buf.work.yaml", "version: v1\ndirectories: [\n", "invalid YAML: "),
        ("buf.work.yaml", "version: v1\ndirectories: proto\n", "'directories' must be a list"),
    ],
)
def test_malformed_root_buf_config_is_a_config_error(name: str, content: str, error: str) -> None:
    # the root config is what lists the modules: unreadable, it must not drop them silently
    with pytest.raises(ConfigError) as err:
        graph_of({name: content, "proto/buf.yaml": "version: v1\n", "proto/a.proto": proto("a")})
    assert err.value.message.startswith(f"malformed manifest: {name}: {error}")
    assert err.value.path == name


def test_malformed_buf_gen_yaml_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        graph_of({"buf.yaml": "version: v2\n", "buf.gen.yaml": "plugins: {go: {}}\n"})
    assert err.value.message == "malformed manifest: buf.gen.yaml: 'plugins' must be a list"
    assert err.value.hint == "see the buf.gen.yaml reference"


def test_proto_cycle_across_modules_is_reported() -> None:
    g = graph_of(
        {
            "buf.yaml": "version: v2\nmodules:\n  - path: a\n  - path: b\n",
            "a/x.proto": proto("x", "y.proto"),
            "b/y.proto": proto("y", "x.proto"),
        }
    )
    assert g.warnings == ("dependency cycle: buf:a -> buf:b -> buf:a",)


def test_gen_out_into_a_sibling_package_is_a_route_not_an_edge() -> None:
    # a template inside one package generating into another: no edge, so no cycle
    g = graph_of(
        {
            "pnpm-workspace.yaml": "packages: ['p/*']\n",
            "p/gen/package.json": json.dumps({"name": "gen"}),
            "p/app/package.json": json.dumps(
                {"name": "app", "dependencies": {"gen": "workspace:*"}}
            ),
            "p/app/proto/buf.yaml": "version: v1\n",
            "p/app/proto/a.proto": proto("a"),
            "p/app/proto/buf.gen.yaml": "version: v1\nplugins:\n  - name: es\n    out: ../../gen\n",
        }
    )
    assert deps_of(g) == {"buf:p/app/proto": (), "pnpm:app": ("pnpm:gen",), "pnpm:gen": ()}
    assert g.data["buf"]["routes"] == {"p/app/proto/a.proto": ["pnpm:gen"]}
    assert g.warnings == ()


def test_a_plugin_with_one_committed_file_is_committed_for_every_proto() -> None:
    # connect-go writes files only for protos with a service: the others have no
    # `<stem>.connect.go`, which must not make their output look generated at build time
    g = graph_of(
        {
            "buf.yaml": "version: v2\nmodules:\n  - path: proto\n",
            "proto/acme/v1/svc.proto": proto("acme.v1", "acme/v1/types.proto") + "service S {}\n",
            "proto/acme/v1/types.proto": proto("acme.v1"),
            "buf.gen.yaml": """
                version: v2
                managed:
                  enabled: true
                  override:
                    - file_option: go_package_prefix
                      value: example.com/m/gen
                plugins:
                  - local: protoc-gen-go
                    out: gen
                    opt: paths=source_relative
                  - local: protoc-gen-connect-go
                    out: gen
                    opt: paths=source_relative
                """,
            "go.mod": "module example.com/m\n",
            "gen/acme/v1/svc.pb.go": "package acmev1\n",
            "gen/acme/v1/types.pb.go": "package acmev1\n",
            "gen/acme/v1/acmev1connect/svc.connect.go": "package acmev1connect\n",
            "app/app.go": 'package app\n\nimport _ "example.com/m/gen/acme/v1/acmev1connect"\n',
        }
    )
    assert g.data["buf"]["routes"] == {}
    assert [x["committed"] for x in g.targets["buf:proto"].meta["generates"]] == [True, True]


def test_a_types_filter_narrows_what_a_template_generates_from() -> None:
    g = graph_of(
        {
            **BUILD_TIME_GO,
            "buf.gen.yaml": """
                version: v2
                managed:
                  enabled: true
                  override:
                    - file_option: go_package_prefix
                      value: example.com/svc/gen
                inputs:
                  - directory: proto
                    types: [acme.orders.v1.Order]
                plugins:
                  - local: protoc-gen-go
                    out: svc/gen
                    opt: paths=source_relative
                """,
        }
    )
    assert sorted(g.data["buf"]["routes"]) == ["proto/acme/orders/v1/order.proto"]
