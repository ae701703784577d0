"""pnpm: package.json and pnpm-workspace.yaml facts, workspace members and their edges."""

from __future__ import annotations

import json

import pytest

from ameide.ecosystems import pnpm
from ameide.errors import ConfigError
from ameide.model import ConfigRef, LockfileRef
from tests.ecosystems.helpers import deps_of, graph_of, text


def pkg(name: str | None = None, **fields: object) -> str:
    doc: dict[str, object] = {} if name is None else {"name": name}
    doc.update(fields)
    return json.dumps(doc, indent=2)


# --- relevant / parse -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("package.json", True),
        ("packages/ui/package.json", True),
        ("pnpm-workspace.yaml", True),
        ("js/pnpm-workspace.yaml", True),
        ("node_modules/react/package.json", False),
        ("packages/ui/node_modules/.pnpm/x/package.json", False),
        ("package-lock.json", False),
        ("pnpm-lock.yaml", False),
        ("pnpm-workspace.yml", False),
        ("packages/ui/tsconfig.json", False),
    ],
)
def test_relevant(path: str, expected: bool) -> None:
    assert pnpm.relevant(path) is expected


def test_package_json_all_four_dep_fields() -> None:
    doc = {
        "name": "@acme/web",
        "version": "1.0.0",
        "private": True,
        "packageManager": "pnpm@9.12.0",
        "scripts": {"test": "vitest run", "build": "vite build", "test:integration": "x"},
        "dependencies": {"@acme/ui": "workspace:*", "react": "^18.3.1"},
        "devDependencies": {"@acme/config": "workspace:^", "vitest": "2.1.0"},
        "peerDependencies": {"react-dom": ">=18", "@acme/ui": "^1.0.0"},
        "optionalDependencies": {"fsevents": "~2.3.3", "@acme/native": "workspace:~"},
    }
    assert pnpm.parse("apps/web/package.json", json.dumps(doc).encode()) == {
        "name": "@acme/web",
        "deps": {  # one spec per name: dependencies > optional > dev > peer (createPkgGraph)
            "@acme/config": "workspace:^",
            "@acme/native": "workspace:~",
            "@acme/ui": "workspace:*",
            "fsevents": "~2.3.3",
            "react": "^18.3.1",
            "react-dom": ">=18",
            "vitest": "2.1.0",
        },
        "scripts": ["build", "test", "test:integration"],
        "packageManager": "pnpm@9.12.0",
        "version": "1.0.0",
    }


def test_package_json_minimal() -> None:
    assert pnpm.parse("package.json", b"{}") == {
        "name": None,
        "deps": {},
        "scripts": [],
        "packageManager": None,
    }


def test_package_json_null_fields_count_as_absent() -> None:
    doc = {"name": "x", "dependencies": None, "scripts": None, "workspaces": None}
    assert pnpm.parse("package.json", json.dumps(doc).encode()) == {
        "name": "x",
        "deps": {},
        "scripts": [],
        "packageManager": None,
    }


@pytest.mark.parametrize(
    ("doc", "error", "key"),
    [
        ({"name": 5}, '"name" must be a string, not a number', '"name"'),
        ({"name": ["x"]}, '"name" must be a string, not an array', '"name"'),
        ({"dependencies": [1]}, '"dependencies" must be an object, not an array', '"dependencies"'),
        (
            {"devDependencies": "x"},
            '"devDependencies" must be an object, not a string',
            '"devDependencies"',
        ),
        (
            {"peerDependencies": {"x": 1}},
            '"peerDependencies"."x" must be a version string, not a number',
            '"peerDependencies"',
        ),
        (
            {"optionalDependencies": {"y": None}},
            '"optionalDependencies"."y" must be a version string, not null',
            '"optionalDependencies"',
        ),
        ({"scripts": ["test"]}, '"scripts" must be an object, not an array', '"scripts"'),
        (
            {"scripts": {"test": True}},
            '"scripts"."test" must be a command string, not a boolean',
            '"scripts"',
        ),
        (
            {"workspaces": "packages/*"},
            '"workspaces" must be an array of glob strings, not a string',
            '"workspaces"',
        ),
        (
            {"workspaces": ["a", 1]},
            '"workspaces"[1] must be a glob string, not a number',
            '"workspaces"',
        ),
        (
            {"workspaces": {"packages": {}}},
            '"workspaces"."packages" must be an array of glob strings, not an object',
            '"workspaces"."packages"',
        ),
    ],
)
def test_package_json_wrong_types_are_errors(doc: object, error: str, key: str) -> None:
    assert pnpm.parse("package.json", json.dumps(doc).encode()) == {
        "error": error,
        "hint": f"fix {key} in this package.json",
    }


def test_package_json_workspaces_in_both_shapes_are_accepted() -> None:
    for ws in (["packages/*"], {"packages": ["packages/*"], "nohoist": ["**/x"]}):
        facts = pnpm.parse("package.json", json.dumps({"name": "r", "workspaces": ws}).encode())
        assert "error" not in facts


@pytest.mark.parametrize("data", [b"[]", b'"x"', b"1", b"null", b"true"])
def test_package_json_not_an_object(data: bytes) -> None:
    assert pnpm.parse("package.json", data) == {"error": "expected a JSON object"}


@pytest.mark.parametrize("data", [b"{", b"{'name': 'x'}", b'{"name": "x",}', b"", b"\xff"])
def test_package_json_bad_json(data: bytes) -> None:
    facts = pnpm.parse("package.json", data)
    assert list(facts) == ["error"]
    assert facts["error"].startswith("invalid JSON: ")


def test_workspace_yaml_globs_and_excludes() -> None:
    content = """
        # the workspace
        packages:
          - "packages/*"
          - 'apps/**'
          - "!packages/legacy"
          - "!**/test/**"
        catalog:
          react: ^18.3.1
        onlyBuiltDependencies:
          - esbuild
        """
    assert pnpm.parse("pnpm-workspace.yaml", text(content)) == {
        "packages": ["packages/*", "apps/**", "!packages/legacy", "!**/test/**"]
    }


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", {"packages": []}),
        ("# nothing yet\n", {"packages": []}),
        ("catalog: {}\n", {"packages": []}),
        ("packages: []\n", {"packages": []}),
        ("packages: [a, b]\n", {"packages": ["a", "b"]}),
        ("- packages/*\n", {"error": "expected a mapping with a 'packages' list"}),
        ("just a string\n", {"error": "expected a mapping with a 'packages' list"}),
        ("packages: packages/*\n", {"error": "'packages' must be a list of glob strings"}),
        ("packages:\n  - 1\n", {"error": "'packages' must be a list of glob strings"}),
        ("packages:\n  - a: b\n", {"error": "'packages' must be a list of glob strings"}),
        ("packages:\n  -\n", {"error": "'packages' must be a list of glob strings"}),
    ],
)
def test_workspace_yaml_shapes(content: str, expected: dict[str, object]) -> None:
    assert pnpm.parse("pnpm-workspace.yaml", content.encode()) == expected


@pytest.mark.parametrize("content", ["packages: [a\n", "packages:\n  - a\n - b\n", "a: b: c\n"])
def test_workspace_yaml_invalid(content: str) -> None:
    facts = pnpm.parse("pnpm-workspace.yaml", content.encode())
    assert list(facts) == ["error"]
    assert facts["error"].startswith("invalid YAML: ")


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("workspace:*", None),
        ("workspace:^", None),
        ("workspace:~", None),
        ("workspace:1.2.3", None),
        ("workspace:^1.2.3", None),
        ("workspace:", None),
        ("workspace:foo@*", "foo"),
        ("workspace:foo", "foo"),
        ("workspace:@scope/real@*", "@scope/real"),
        ("workspace:@scope/real@^1.0.0", "@scope/real"),
        ("workspace:@scope/real", "@scope/real"),
    ],
)
def test_workspace_alias(spec: str, expected: str | None) -> None:
    assert pnpm._workspace_alias(spec) == expected


# --- graph building ---------------------------------------------------------------------------

WS = {
    "package.json": pkg("monorepo", private=True, devDependencies={"turbo": "^2.0.0"}),
    "pnpm-workspace.yaml": """
        packages:
          - "packages/*"
          - "!packages/legacy"
          - "apps/**"
        """,
    "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
    "packages/ui/package.json": pkg(
        "@acme/ui",
        dependencies={"@acme/tokens": "workspace:^", "react": "^18"},
        peerDependencies={"react": ">=18"},
        scripts={"test": "vitest", "lint": "eslint ."},
    ),
    "packages/tokens/package.json": pkg("@acme/tokens"),
    "packages/config/package.json": pkg("@acme/config", version="1.0.0"),
    "packages/utils/package.json": pkg("@acme/utils", optionalDependencies={"@acme/tokens": "*"}),
    "packages/legacy/package.json": pkg("@acme/legacy", dependencies={"@acme/ui": "workspace:*"}),
    "apps/web/package.json": pkg(
        "web",
        dependencies={"@acme/ui": "workspace:*", "design": "workspace:@acme/tokens@*"},
        devDependencies={"@acme/config": "1.0.0", "@acme/legacy": "workspace:*"},
        scripts={"test": "vitest", "test:integration": "playwright test"},
    ),
    "apps/admin/dashboard/package.json": pkg(
        "admin", peerDependencies={"@acme/utils": "workspace:^"}
    ),
    "apps/web/node_modules/@acme/ui/package.json": pkg("@acme/ui"),
    "node_modules/.pnpm/react@18/node_modules/react/package.json": pkg("react"),
    "docs/package.json": "{ not json at all",
    "packages/ui/src/button.tsx": "export {}\n",
}


def test_workspace_members_and_edges() -> None:
    g = graph_of(WS)
    # plain version ranges (`"@acme/config": "1.0.0"`, `"@acme/tokens": "*"`) do not link:
    # link-workspace-packages is off since pnpm 9; the root project is a target of its own
    assert deps_of(g) == {
        "pnpm:@acme/config": (),
        "pnpm:@acme/tokens": (),
        "pnpm:@acme/ui": ("pnpm:@acme/tokens",),
        "pnpm:@acme/utils": (),
        "pnpm:admin": ("pnpm:@acme/utils",),
        "pnpm:monorepo": (),
        "pnpm:web": ("pnpm:@acme/tokens", "pnpm:@acme/ui"),
    }
    assert g.targets["pnpm:monorepo"].meta == {"scripts": [], "importer": ".", "root": True}
    assert g.warnings == ()


def test_target_fields_and_meta() -> None:
    g = graph_of(WS)
    ui = g.targets["pnpm:@acme/ui"]
    assert (ui.ecosystem, ui.name, ui.path, ui.manifest, ui.group) == (
        "pnpm",
        "@acme/ui",
        "packages/ui",
        "packages/ui/package.json",
        ".",
    )
    assert ui.meta == {"scripts": ["lint", "test"], "importer": "packages/ui"}
    admin = g.targets["pnpm:admin"]
    assert (admin.path, admin.meta) == (
        "apps/admin/dashboard",
        {"scripts": [], "importer": "apps/admin/dashboard"},
    )


def test_workspace_yaml_is_structured_config_and_the_lockfile_is_read_per_importer() -> None:
    g = graph_of(WS)
    assert [r for r in g.globals if r.scope == "pnpm"] == []  # no global pnpm file
    assert g.configs == (ConfigRef("pnpm-workspace.yaml", "pnpm", "."),)
    assert g.lockfiles == (LockfileRef("pnpm-lock.yaml", "pnpm", "."),)
    assert g.module_files == {}


def test_no_lockfile_no_lockfile_ref() -> None:
    files = {k: v for k, v in WS.items() if k != "pnpm-lock.yaml"}
    assert graph_of(files).lockfiles == ()


def test_relative_path_workspace_spec() -> None:
    g = graph_of(
        {
            "pnpm-workspace.yaml": "packages: ['packages/*']\n",
            "packages/foo/package.json": pkg("foo"),
            "packages/bar/package.json": pkg("bar", dependencies={"foo-alias": "workspace:../foo"}),
            "packages/baz/package.json": pkg("baz", dependencies={"bar": "workspace:./../bar"}),
        }
    )
    assert deps_of(g) == {"pnpm:bar": ("pnpm:foo",), "pnpm:baz": ("pnpm:bar",), "pnpm:foo": ()}


LINKED = {
    "pnpm-workspace.yaml": "packages: ['p/*']\n",
    "p/a/package.json": pkg("a", version="0.1.3"),
    "p/c/package.json": pkg("c", version="2.0.0"),
    "p/b/package.json": pkg(
        "b",
        dependencies={"a": "^0.1.0", "c": "^1.0.0", "left-pad": "1.3.0"},
        devDependencies={"typescript": "workspace:*"},
    ),
}


def test_plain_version_ranges_link_only_with_link_workspace_packages() -> None:
    # pnpm 9 and later: off unless configured (createPkgGraph's strict workspace matching)
    assert deps_of(graph_of(LINKED))["pnpm:b"] == ()
    on = {**LINKED, ".npmrc": "link-workspace-packages = true\n"}
    # on: a range links the workspace package it matches (c 2.0.0 does not match ^1.0.0)
    assert deps_of(graph_of(on))["pnpm:b"] == ("pnpm:a",)
    yaml_on = {**LINKED, "pnpm-workspace.yaml": "packages: ['p/*']\nlinkWorkspacePackages: true\n"}
    assert deps_of(graph_of(yaml_on))["pnpm:b"] == ("pnpm:a",)
    # a repository pinned to pnpm 8, whose default was on
    old = {**LINKED, "package.json": pkg("root", packageManager="pnpm@8.15.9")}
    assert deps_of(graph_of(old))["pnpm:b"] == ("pnpm:a",)


def test_self_dependency_is_not_an_edge() -> None:
    g = graph_of(
        {
            "pnpm-workspace.yaml": "packages: ['p/*']\n",
            "p/a/package.json": pkg("a", devDependencies={"a": "workspace:*"}),
        }
    )
    assert deps_of(g) == {"pnpm:a": ()}


def test_workspace_deps_no_member_answers_are_recorded_as_unresolved() -> None:
    g = graph_of(
        {
            "pnpm-workspace.yaml": "packages: ['p/*']\n",
            "p/a/package.json": pkg(
                "a",
                dependencies={"b": "workspace:*", "gone": "workspace:^", "react": "^18"},
                devDependencies={"alias": "workspace:@s/old@*", "self": "workspace:../old"},
                peerDependencies={"plain-missing": "1.0.0"},
            ),
            "p/b/package.json": pkg("b"),
        }
    )
    assert deps_of(g) == {"pnpm:a": ("pnpm:b",), "pnpm:b": ()}
    assert g.targets["pnpm:a"].meta["unresolved"] == ["pnpm:@s/old", "pnpm:gone", "pnpm:self"]
    assert "catalogs" not in g.targets["pnpm:a"].meta
    assert g.targets["pnpm:b"].meta == {"scripts": [], "importer": "p/b"}


def test_package_without_name_uses_its_directory() -> None:
    g = graph_of(
        {
            "pnpm-workspace.yaml": "packages: ['tools/*', 'libs/*']\n",
            "tools/scripts/package.json": pkg(None, dependencies={"lib": "workspace:*"}),
            "libs/lib/package.json": pkg("lib"),
        }
    )
    assert deps_of(g) == {"pnpm:lib": (), "pnpm:tools/scripts": ("pnpm:lib",)}
    assert g.targets["pnpm:tools/scripts"].name == "tools/scripts"
    assert g.warnings == ('tools/scripts/package.json: no "name"; using its directory as the name',)


def test_the_root_package_is_the_root_project_never_a_member() -> None:
    g = graph_of(
        {
            "package.json": pkg("root"),
            "pnpm-workspace.yaml": "packages: ['.', '*', '**']\n",
            "a/package.json": pkg("a", dependencies={"root": "workspace:*"}),
        }
    )
    assert deps_of(g) == {"pnpm:a": ("pnpm:root",), "pnpm:root": ()}
    assert g.targets["pnpm:root"].meta["root"] is True
    assert "root" not in g.targets["pnpm:a"].meta


def test_duplicate_names_are_legal_and_get_ids_with_their_directory() -> None:
    g = graph_of(
        {
            "pnpm-workspace.yaml": "packages: ['apps/*', 'packages/*', 'fixtures/*']\n",
            "apps/ui/package.json": pkg("ui", version="1.0.0"),
            "packages/ui/package.json": pkg("ui", version="2.0.0"),
            "fixtures/a/package.json": pkg("fixture"),
            "fixtures/b/package.json": pkg("fixture"),
            "packages/web/package.json": pkg("web", dependencies={"ui": "workspace:^2.0.0"}),
        }
    )
    # as pnpm links a workspace range: the version that satisfies it
    assert deps_of(g) == {
        "pnpm:fixture@fixtures/a": (),
        "pnpm:fixture@fixtures/b": (),
        "pnpm:ui@apps/ui": (),
        "pnpm:ui@packages/ui": (),
        "pnpm:web": ("pnpm:ui@packages/ui",),
    }
    assert g.targets["pnpm:ui@apps/ui"].name == "ui"
    assert g.targets["pnpm:ui@apps/ui"].meta["duplicate_name"] == "ui"


def test_malformed_member_package_json_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        graph_of(
            {
                "pnpm-workspace.yaml": "packages: ['packages/*']\n",
                "packages/ok/package.json": pkg("ok"),
                "packages/bad/package.json": '{"name": "bad",,}',
            }
        )
    assert err.value.message.startswith(
        "malformed manifest: packages/bad/package.json: invalid JSON: "
    )
    assert err.value.path == "packages/bad/package.json"
    assert err.value.hint == "fix the JSON syntax of this package.json"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"name": 5}', 'p/x/package.json: "name" must be a string, not a number'),
        (
            '{"name": "x", "dependencies": [1]}',
            'p/x/package.json: "dependencies" must be an object, not an array',
        ),
    ],
)
def test_member_package_json_with_wrong_types_is_a_config_error(content: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        graph_of({"pnpm-workspace.yaml": "packages: ['p/*']\n", "p/x/package.json": content})
    assert err.value.message == "malformed manifest: " + message
    assert err.value.path == "p/x/package.json"
    key = message.split(": ", 1)[1].split(" must")[0]
    assert err.value.hint == f"fix {key} in this package.json"


@pytest.mark.parametrize("ws_dir", ["", "js/"])
def test_malformed_workspace_root_package_json_is_a_config_error(ws_dir: str) -> None:
    with pytest.raises(ConfigError) as err:
        graph_of(
            {
                f"{ws_dir}pnpm-workspace.yaml": "packages: ['p/*']\n",
                f"{ws_dir}package.json": "{ bad",
                f"{ws_dir}p/a/package.json": pkg("a"),
            }
        )
    assert err.value.message.startswith(f"malformed manifest: {ws_dir}package.json: invalid JSON: ")
    assert err.value.path == f"{ws_dir}package.json"
    assert err.value.hint == "fix the JSON syntax of this package.json"


def test_wrongly_typed_workspace_root_package_json_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        graph_of(
            {
                "pnpm-workspace.yaml": "packages: ['p/*']\n",
                "package.json": '{"name": "root", "devDependencies": ["typescript"]}',
                "p/a/package.json": pkg("a"),
            }
        )
    assert err.value.message == (
        'malformed manifest: package.json: "devDependencies" must be an object, not an array'
    )


def test_member_package_json_that_is_not_an_object() -> None:
    with pytest.raises(ConfigError) as err:
        graph_of({"pnpm-workspace.yaml": "packages: ['p/*']\n", "p/x/package.json": "[1, 2]"})
    assert err.value.message == "malformed manifest: p/x/package.json: expected a JSON object"


def test_package_json_outside_the_globs_is_ignored_even_if_malformed() -> None:
    g = graph_of(
        {
            "pnpm-workspace.yaml": "packages: ['packages/*']\n",
            "packages/a/package.json": pkg("a"),
            "examples/broken/package.json": "{{{",
            "packages/a/fixtures/nested/package.json": "not json",
            "packages/legacy/node_modules/x/package.json": "not json",
        }
    )
    assert deps_of(g) == {"pnpm:a": ()}


def test_invalid_workspace_yaml_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        graph_of({"pnpm-workspace.yaml": "packages: [a\n", "a/package.json": pkg("a")})
    assert err.value.message.startswith("malformed manifest: pnpm-workspace.yaml: invalid YAML: ")
    assert err.value.path == "pnpm-workspace.yaml"
    assert err.value.hint == "fix the YAML syntax of this file"


def test_wrongly_typed_workspace_yaml_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        graph_of({"pnpm-workspace.yaml": "packages: packages/*\n"})
    assert err.value.message == (
        "malformed manifest: pnpm-workspace.yaml: 'packages' must be a list of glob strings"
    )


def test_package_json_without_workspace_is_no_target() -> None:
    g = graph_of({"package.json": pkg("solo"), "lib/package.json": pkg("lib")})
    assert g.targets == {}
    assert [r.path for r in g.globals] == ["ameide.toml"]


def test_workspace_in_a_subdirectory() -> None:
    g = graph_of(
        {
            "js/pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n  - '!packages/old'\n",
            "js/package.json": pkg("js-root"),
            "js/pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
            "js/packages/a/package.json": pkg("a", dependencies={"b": "workspace:*"}),
            "js/packages/b/package.json": pkg("b"),
            "js/packages/old/package.json": pkg("old"),
            "packages/c/package.json": pkg("c"),
        }
    )
    assert deps_of(g) == {"pnpm:a": ("pnpm:b",), "pnpm:b": (), "pnpm:js-root": ()}
    a = g.targets["pnpm:a"]
    assert (a.path, a.group, a.meta["importer"]) == ("js/packages/a", "js", "packages/a")
    root = g.targets["pnpm:js-root"]
    assert (root.path, root.group, root.meta["importer"]) == ("js", "js", ".")
    assert g.configs == (ConfigRef("js/pnpm-workspace.yaml", "pnpm", "js"),)
    assert g.lockfiles == (LockfileRef("js/pnpm-lock.yaml", "pnpm", "js"),)


def test_workspace_yaml_inside_node_modules_is_ignored() -> None:
    g = graph_of(
        {
            "node_modules/some-tool/pnpm-workspace.yaml": "packages: ['*']\n",
            "node_modules/some-tool/x/package.json": pkg("x"),
        }
    )
    assert g.targets == {}


def test_deep_globs_and_exclude_globs() -> None:
    g = graph_of(
        {
            "pnpm-workspace.yaml": "packages:\n  - 'apps/**'\n  - '!**/e2e'\n  - '!apps/tmp/**'\n",
            "apps/package.json": pkg("apps-group"),
            "apps/web/package.json": pkg("web"),
            "apps/web/e2e/package.json": pkg("web-e2e"),
            "apps/tmp/package.json": pkg("tmp"),
            "apps/tmp/scratch/package.json": pkg("scratch"),
            "apps/team/site/package.json": pkg("site"),
        }
    )
    assert set(g.targets) == {"pnpm:apps-group", "pnpm:site", "pnpm:web"}


def test_mutual_dependencies_report_a_cycle() -> None:
    g = graph_of(
        {
            "pnpm-workspace.yaml": "packages: ['packages/*']\n",
            "packages/a/package.json": pkg("a", dependencies={"b": "workspace:*"}),
            "packages/b/package.json": pkg("b", devDependencies={"a": "workspace:^"}),
            "packages/c/package.json": pkg("c", dependencies={"a": "workspace:*"}),
        }
    )
    assert deps_of(g) == {"pnpm:a": ("pnpm:b",), "pnpm:b": ("pnpm:a",), "pnpm:c": ("pnpm:a",)}
    assert g.warnings == ("dependency cycle: pnpm:a -> pnpm:b -> pnpm:a",)


def test_longer_cycle_path() -> None:
    g = graph_of(
        {
            "pnpm-workspace.yaml": "packages: ['p/*']\n",
            "p/x/package.json": pkg("x", dependencies={"y": "workspace:*"}),
            "p/y/package.json": pkg("y", dependencies={"z": "workspace:*"}),
            "p/z/package.json": pkg("z", peerDependencies={"x": "workspace:*"}),
        }
    )
    assert g.warnings == ("dependency cycle: pnpm:x -> pnpm:y -> pnpm:z -> pnpm:x",)


def test_many_errors_are_summarised() -> None:
    files: dict[str, str | bytes] = {"pnpm-workspace.yaml": "packages: ['p/*']\n"}
    for i in range(10):
        files[f"p/m{i}/package.json"] = "{"
    with pytest.raises(ConfigError) as err:
        graph_of(files)
    lines = err.value.message.splitlines()
    assert len(lines) == 9
    assert lines[0].startswith("malformed manifest: p/m0/package.json: invalid JSON: ")
    assert lines[7].startswith("p/m7/package.json: invalid JSON: ")
    assert lines[8] == "(and 2 more)"
    assert err.value.path == "p/m0/package.json"
