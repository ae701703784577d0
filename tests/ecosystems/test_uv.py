"""uv: pyproject.toml facts, workspace members, standalone projects and their edges."""

from __future__ import annotations

import pytest

from ameide.ecosystems import uv
from ameide.errors import ConfigError
from ameide.model import ConfigRef, LockfileRef
from tests.ecosystems.helpers import deps_of, graph_of, text


def parse(content: str) -> dict[str, object]:
    return uv.parse("pyproject.toml", text(content))


BLANK = {
    "has_project": False,
    "has_tool_uv": False,
    "name": None,
    "deps": [],
    "sources": {},
    "workspace": None,
    "required_version": None,
}


# --- relevant / normalize / parse -------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("pyproject.toml", True),
        ("packages/core/pyproject.toml", True),
        (".venv/lib/python3.12/site-packages/x/pyproject.toml", False),
        ("a/node_modules/x/pyproject.toml", False),
        ("uv.lock", False),
        ("setup.py", False),
        ("pyproject.toml.bak", False),
    ],
)
def test_relevant(path: str, expected: bool) -> None:
    assert uv.relevant(path) is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Foo_Bar.baz", "foo-bar-baz"),
        ("foo", "foo"),
        ("FOO", "foo"),
        ("a--b__c..d", "a-b-c-d"),
        ("a-_.b", "a-b"),
        ("Django", "django"),
        ("zope.interface", "zope-interface"),
    ],
)
def test_normalize(name: str, expected: str) -> None:
    assert uv.normalize(name) == expected


def test_project_dependencies_with_extras_markers_and_versions() -> None:
    facts = parse(
        """
        [project]
        name = "Acme_API.Server"
        version = "0.1.0"
        dependencies = [
            "Acme-Core>=1.0",
            "requests[socks,security] ~= 2.31 ; python_version >= '3.11'",
            "pydantic==2.*",
            "typing_extensions; python_version < '3.12'",
            "attrs",
            "  spaced-name  >=1",
            "my.dotted.pkg @ https://example.invalid/x.whl",
            "ATTRS>=23",
        ]

        [project.optional-dependencies]
        cli = ["Typer[all]>=0.12", "rich"]
        db = ["acme_db"]
        """
    )
    assert facts == {
        **BLANK,
        "has_project": True,
        "name": "acme-api-server",
        "deps": [
            "acme-core",
            "acme-db",
            "attrs",
            "my-dotted-pkg",
            "pydantic",
            "requests",
            "rich",
            "spaced-name",
            "typer",
            "typing-extensions",
        ],
    }


def test_dependency_groups_and_uv_dev_dependencies() -> None:
    facts = parse(
        """
        [project]
        name = "app"

        [dependency-groups]
        dev = ["pytest>=8", {include-group = "lint"}]
        lint = ["ruff"]
        test = ["acme-testing"]

        [tool.uv]
        dev-dependencies = ["mypy", "Acme.Fixtures"]
        required-version = ">=0.5"
        """
    )
    assert facts == {
        **BLANK,
        "has_project": True,
        "has_tool_uv": True,
        "name": "app",
        "deps": ["acme-fixtures", "acme-testing", "mypy", "pytest", "ruff"],
        "required_version": ">=0.5",
    }


def test_sources_workspace_path_and_list_forms() -> None:
    facts = parse(
        """
        [project]
        name = "app"
        dependencies = ["core", "Shared_Utils", "vendored", "forked", "pinned", "torch"]

        [tool.uv.sources]
        core = { workspace = true }
        Shared_Utils = { path = "../shared", editable = true }
        vendored = [
            { path = "third_party/vendored", marker = "sys_platform == 'linux'" },
            { index = "internal", marker = "sys_platform != 'linux'" },
        ]
        forked = { git = "https://github.com/acme/forked", rev = "abc123" }
        pinned = { workspace = false }
        torch = [{ index = "pytorch-cpu" }]
        """
    )
    assert facts["sources"] == {
        "core": {"workspace": True},
        "shared-utils": {"path": "../shared"},
        "vendored": {"path": "third_party/vendored"},
    }
    assert facts["deps"] == ["core", "forked", "pinned", "shared-utils", "torch", "vendored"]


def test_workspace_members_and_exclude() -> None:
    facts = parse(
        """
        [tool.uv.workspace]
        members = ["packages/*", "apps/api"]
        exclude = ["packages/legacy"]
        """
    )
    assert facts == {
        **BLANK,
        "has_tool_uv": True,
        "workspace": {"members": ["packages/*", "apps/api"], "exclude": ["packages/legacy"]},
    }


def test_empty_workspace_table() -> None:
    assert parse("[tool.uv.workspace]\n")["workspace"] == {"members": [], "exclude": []}


@pytest.mark.parametrize(
    "body",
    [
        'members = "packages/*"',
        "members = [1]",
        'members = ["a"]\nexclude = "b"',
        'members = ["a", {path = "b"}]',
    ],
)
def test_workspace_with_wrong_types(body: str) -> None:
    facts = parse(f"[tool.uv.workspace]\n{body}\n")
    assert facts["error"] == "[tool.uv.workspace] members/exclude must be lists of strings"
    assert facts["workspace"] == {"members": [], "exclude": []}


@pytest.mark.parametrize(
    "content",
    [
        "tool = 1\n",
        "tool = { uv = 1 }\n",
        '[project]\noptional-dependencies = ["a"]\n',
        'dependency-groups = ["a"]\n',
        '[tool.uv]\nsources = ["a"]\n',
        '[tool.uv]\nsources = { a = "b" }\n',
        '[project]\nname = 3\ndependencies = "foo"\n',
        "project = 1\n",
        '[tool.uv]\nworkspace = "yes"\n',
    ],
)
def test_odd_types_do_not_crash(content: str) -> None:
    facts = parse(content)
    assert "error" not in facts
    assert facts["deps"] == []
    assert facts["sources"] == {}
    assert facts["name"] is None


def test_not_a_uv_project() -> None:
    assert parse(
        '[build-system]\nrequires = ["setuptools"]\n[tool.black]\nline-length = 100\n'
    ) == (BLANK)


@pytest.mark.parametrize(
    "data",
    [b"[project\nname = 'x'\n", b"name = \n", b'[project]\nname = "a"\nname = "b"\n', b"\xff\xfe"],
)
def test_invalid_toml(data: bytes) -> None:
    facts = uv.parse("pyproject.toml", data)
    assert list(facts) == ["error"]
    assert facts["error"].startswith("invalid TOML: ")


# --- graph building ---------------------------------------------------------------------------

VIRTUAL = {
    "pyproject.toml": """
        [tool.uv.workspace]
        members = ["packages/*", "services/*"]
        exclude = ["packages/legacy"]

        [tool.uv.sources]
        acme-core = { workspace = true }
        """,
    "uv.lock": "version = 1\n",
    ".python-version": "3.12\n",
    "packages/core/pyproject.toml": '[project]\nname = "Acme_Core"\n',
    "packages/db/pyproject.toml": """
        [project]
        name = "acme-db"
        dependencies = ["acme-core>=0.1", "sqlalchemy"]
        """,
    "packages/legacy/pyproject.toml": '[project]\nname = "legacy"\ndependencies = ["acme-core"]\n',
    "services/api/pyproject.toml": """
        [project]
        name = "api"
        dependencies = ["acme-db", "fastapi"]

        [dependency-groups]
        dev = ["acme-testing"]

        [tool.uv.sources]
        acme-db = { workspace = true }
        acme-testing = { workspace = true }
        """,
    "services/api/src/api/__init__.py": "",
    "tools/lint/pyproject.toml": '[project]\nname = "lint-tool"\n',
}


def test_virtual_root_members_and_edges() -> None:
    g = graph_of(VIRTUAL)
    assert deps_of(g) == {
        "uv:acme-core": (),
        "uv:acme-db": ("uv:acme-core",),  # the root's sources apply to every member
        "uv:api": ("uv:acme-db",),
    }
    assert g.warnings == (
        "services/api/pyproject.toml: 'acme-testing' is marked { workspace = true } but is not "
        "a workspace member",
    )


def test_target_fields_and_meta() -> None:
    g = graph_of(VIRTUAL)
    core = g.targets["uv:acme-core"]
    assert (core.ecosystem, core.name, core.path, core.manifest, core.group, core.meta) == (
        "uv",
        "acme-core",
        "packages/core",
        "packages/core/pyproject.toml",
        ".",
        {"workspace": ".", "virtual_root": True},
    )


def test_the_workspace_root_is_structured_config_and_the_lock_is_read_per_member() -> None:
    g = graph_of(VIRTUAL)
    assert [r for r in g.globals if r.scope == "targets"] == []  # no global uv file
    assert g.configs == (ConfigRef("pyproject.toml", "uv", "."),)
    assert g.lockfiles == (LockfileRef("uv.lock", "uv", "."),)


def test_non_virtual_root_is_a_member() -> None:
    g = graph_of(
        {
            "pyproject.toml": """
                [project]
                name = "monorepo-app"
                dependencies = ["lib-a"]

                [tool.uv.workspace]
                members = ["libs/*"]

                [tool.uv.sources]
                lib-a = { workspace = true }
                lib-b = { workspace = true }
                """,
            "libs/a/pyproject.toml": '[project]\nname = "lib-a"\ndependencies = ["lib-b"]\n',
            "libs/b/pyproject.toml": '[project]\nname = "lib-b"\n',
        }
    )
    assert deps_of(g) == {
        "uv:lib-a": ("uv:lib-b",),
        "uv:lib-b": (),
        "uv:monorepo-app": ("uv:lib-a",),
    }
    root = g.targets["uv:monorepo-app"]
    assert (root.path, root.group, root.meta) == (
        ".",
        ".",
        {"workspace": ".", "virtual_root": False, "root": True},
    )
    assert g.targets["uv:lib-b"].meta == {"workspace": ".", "virtual_root": False}
    assert g.configs == (ConfigRef("pyproject.toml", "uv", "."),)


def test_member_sources_override_the_roots() -> None:
    g = graph_of(
        {
            "pyproject.toml": """
                [tool.uv.workspace]
                members = ["p/*"]
                [tool.uv.sources]
                b = { workspace = true }
                """,
            "p/a/pyproject.toml": """
                [project]
                name = "a"
                dependencies = ["b"]
                [tool.uv.sources]
                b = { git = "https://example.invalid/b" }
                """,
            "p/b/pyproject.toml": '[project]\nname = "b"\n',
            "p/c/pyproject.toml": '[project]\nname = "c"\ndependencies = ["b"]\n',
        }
    )
    # a's own git source is not a dict with workspace/path: the root's workspace source applies
    assert deps_of(g) == {"uv:a": ("uv:b",), "uv:b": (), "uv:c": ("uv:b",)}


def test_dependency_without_source_is_no_edge() -> None:
    g = graph_of(
        {
            "pyproject.toml": '[tool.uv.workspace]\nmembers = ["p/*"]\n',
            "p/a/pyproject.toml": '[project]\nname = "a"\ndependencies = ["b"]\n',
            "p/b/pyproject.toml": '[project]\nname = "b"\n',
        }
    )
    assert deps_of(g) == {"uv:a": (), "uv:b": ()}


def test_path_sources() -> None:
    g = graph_of(
        {
            "pyproject.toml": """
                [tool.uv.workspace]
                members = ["apps/*", "libs/*"]

                [tool.uv.sources]
                shared = { path = "libs/shared" }
                """,
            "apps/web/pyproject.toml": """
                [project]
                name = "web"
                dependencies = ["shared", "helpers", "outside", "wheel"]

                [tool.uv.sources]
                helpers = { path = "../../libs/helpers", editable = true }
                outside = { path = "../../../elsewhere" }
                wheel = { path = "../../dist/wheel-1.0-py3-none-any.whl" }
                """,
            "libs/shared/pyproject.toml": '[project]\nname = "shared"\n',
            "libs/helpers/pyproject.toml": '[project]\nname = "helpers"\n',
            "apps/cli/pyproject.toml": '[project]\nname = "cli"\ndependencies = ["shared"]\n',
        }
    )
    assert deps_of(g) == {
        "uv:cli": ("uv:shared",),
        "uv:helpers": (),
        "uv:shared": (),
        "uv:web": ("uv:helpers", "uv:shared"),
    }


def test_in_repo_dependencies_no_project_answers_are_recorded_as_unresolved() -> None:
    g = graph_of(
        {
            "pyproject.toml": '[tool.uv.workspace]\nmembers = ["p/*"]\n',
            "p/a/pyproject.toml": """
                [project]
                name = "a"
                dependencies = ["b", "Gone_Member", "gone-path", "wheel", "outside", "requests"]

                [tool.uv.sources]
                b = { workspace = true }
                gone-member = { workspace = true }
                gone-path = { path = "../gone" }
                wheel = { path = "../../dist/wheel-1.0-py3-none-any.whl" }
                outside = { path = "../../../elsewhere" }
                """,
            "p/b/pyproject.toml": '[project]\nname = "b"\n',
        }
    )
    assert deps_of(g) == {"uv:a": ("uv:b",), "uv:b": ()}
    assert g.targets["uv:a"].meta["unresolved"] == ["uv:gone-member", "uv:gone-path"]
    assert "unresolved" not in g.targets["uv:b"].meta


def test_path_source_between_standalone_projects() -> None:
    g = graph_of(
        {
            "tools/cli/pyproject.toml": """
                [project]
                name = "cli"
                dependencies = ["sdk"]
                [tool.uv.sources]
                sdk = { path = "../../sdk/python" }
                """,
            "tools/cli/uv.lock": "version = 1\n",
            "sdk/python/pyproject.toml": '[project]\nname = "sdk"\n[tool.uv]\npackage = true\n',
        }
    )
    assert deps_of(g) == {"uv:cli": ("uv:sdk",), "uv:sdk": ()}
    # a standalone project owns the files below it like any member (no workspace to root)
    assert g.targets["uv:cli"].meta == {"workspace": "tools/cli", "virtual_root": False}
    assert g.targets["uv:sdk"].group == "sdk/python"
    assert g.lockfiles == (LockfileRef("tools/cli/uv.lock", "uv", "tools/cli"),)


def test_standalone_projects_need_a_uv_marker() -> None:
    g = graph_of(
        {
            "with-lock/pyproject.toml": '[project]\nname = "with-lock"\n',
            "with-lock/uv.lock": "version = 1\n",
            "with-tool-uv/pyproject.toml": '[project]\nname = "with-tool-uv"\n[tool.uv]\n',
            "plain/pyproject.toml": '[project]\nname = "plain"\n[tool.hatch]\n',
            "no-project/pyproject.toml": "[tool.uv]\ndev-dependencies = []\n",
            "poetry/pyproject.toml": '[tool.poetry]\nname = "poetry-app"\n',
            "broken/pyproject.toml": "[project\n",
        }
    )
    assert deps_of(g) == {"uv:with-lock": (), "uv:with-tool-uv": ()}
    assert g.lockfiles == (LockfileRef("with-lock/uv.lock", "uv", "with-lock"),)


def test_lockfile_order_does_not_depend_on_facts_order() -> None:
    files = {
        "b/pyproject.toml": '[project]\nname = "b"\n',
        "b/uv.lock": "version = 1\n",
        "a/pyproject.toml": '[project]\nname = "a"\n',
        "a/uv.lock": "version = 1\n",
    }
    assert graph_of(files) == graph_of(files, reverse=True)
    assert graph_of(files).lockfiles == (
        LockfileRef("a/uv.lock", "uv", "a"),
        LockfileRef("b/uv.lock", "uv", "b"),
    )


def test_pyproject_without_uv_markers_outside_a_workspace_is_ignored() -> None:
    g = graph_of(
        {
            "pyproject.toml": '[tool.uv.workspace]\nmembers = ["packages/*"]\n',
            "packages/a/pyproject.toml": '[project]\nname = "a"\n',
            "scripts/pyproject.toml": '[project]\nname = "scripts"\n',
            "docs/pyproject.toml": "not toml [",
        }
    )
    assert deps_of(g) == {"uv:a": ()}


def test_skipped_dirs_are_not_members() -> None:
    g = graph_of(
        {
            "pyproject.toml": '[tool.uv.workspace]\nmembers = ["a/**"]\n',
            "a/pyproject.toml": '[project]\nname = "a"\n',
            "a/.venv/lib/site-packages/dep/pyproject.toml": '[project]\nname = "dep"\n',
        }
    )
    assert deps_of(g) == {"uv:a": ()}


def test_member_without_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        graph_of(
            {
                "pyproject.toml": '[tool.uv.workspace]\nmembers = ["p/*"]\n',
                "p/a/pyproject.toml": '[project]\nversion = "1.0"\n',
            }
        )
    assert err.value.message == "malformed manifest: p/a/pyproject.toml: [project] has no 'name'"
    assert err.value.path == "p/a/pyproject.toml"
    assert err.value.hint == 'add name = "..." under [project]'


def test_member_without_project_table_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        graph_of(
            {
                "pyproject.toml": '[tool.uv.workspace]\nmembers = ["p/*"]\n',
                "p/a/pyproject.toml": "[tool.ruff]\n",
            }
        )
    assert err.value.message == "malformed manifest: p/a/pyproject.toml: [project] has no 'name'"


def test_standalone_without_name_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        graph_of({"svc/pyproject.toml": "[project]\n[tool.uv]\n"})
    assert err.value.path == "svc/pyproject.toml"


def test_invalid_member_toml_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        graph_of(
            {
                "pyproject.toml": '[tool.uv.workspace]\nmembers = ["p/*"]\n',
                "p/a/pyproject.toml": "[project\n",
            }
        )
    assert err.value.message.startswith("malformed manifest: p/a/pyproject.toml: invalid TOML: ")
    assert err.value.hint == "fix the TOML syntax of this pyproject.toml"


@pytest.mark.parametrize(
    ("root", "lock"),
    [(".", False), (".", True), ("py", True)],
    ids=["repo-root", "repo-root-with-lock", "subdir-with-lock"],
)
def test_invalid_workspace_root_toml_is_a_config_error(root: str, lock: bool) -> None:
    # the root that listed the members is unreadable: its members must not silently vanish
    pre = "" if root == "." else root + "/"
    files = {
        f"{pre}pyproject.toml": '[project\nname="x"\n',
        f"{pre}p/a/pyproject.toml": '[project]\nname = "a"\n',
    }
    if lock:
        files[f"{pre}uv.lock"] = "version = 1\n"
    with pytest.raises(ConfigError) as err:
        graph_of(files)
    assert err.value.message.startswith(f"malformed manifest: {pre}pyproject.toml: invalid TOML: ")
    assert err.value.path == f"{pre}pyproject.toml"
    assert err.value.hint == "fix the TOML syntax of this pyproject.toml"


def test_invalid_toml_that_cannot_be_a_uv_root_is_tolerated() -> None:
    # no uv.lock beside it and not the repo root: only a candidate, like any other file
    g = graph_of(
        {
            "pyproject.toml": '[tool.uv.workspace]\nmembers = ["p/*"]\n',
            "p/a/pyproject.toml": '[project]\nname = "a"\n',
            "tools/x/pyproject.toml": "[project\n",
        }
    )
    assert set(g.targets) == {"uv:a"}


def test_wrong_workspace_types_are_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        graph_of(
            {
                "pyproject.toml": '[tool.uv.workspace]\nmembers = "packages/*"\n',
                "packages/a/pyproject.toml": '[project]\nname = "a"\n',
            }
        )
    assert err.value.message == (
        "malformed manifest: pyproject.toml: [tool.uv.workspace] members/exclude must be lists "
        "of strings"
    )
    assert err.value.hint == "fix [tool.uv.workspace] in this file"


def test_duplicate_names_in_one_workspace_are_a_config_error() -> None:
    with pytest.raises(ConfigError) as err:
        graph_of(
            {
                "pyproject.toml": '[tool.uv.workspace]\nmembers = ["p/*"]\n',
                "p/a/pyproject.toml": '[project]\nname = "Same.Name"\n',
                "p/b/pyproject.toml": '[project]\nname = "same_name"\n',
            }
        )
    assert err.value.message == (
        "malformed manifest: p/b/pyproject.toml: project name 'same-name' is also used by "
        "p/a/pyproject.toml in the same workspace"
    )
    assert err.value.hint == "give every member of a uv workspace a unique name"


def test_the_same_name_in_two_workspaces_is_legal() -> None:
    # uv resolves each workspace apart (examples and fixtures often reuse a name)
    g = graph_of(
        {
            "a/pyproject.toml": '[project]\nname = "demo"\n[tool.uv]\n',
            "b/pyproject.toml": '[project]\nname = "demo"\n[tool.uv]\n',
        }
    )
    assert sorted(g.targets) == ["uv:demo@a", "uv:demo@b"]
    assert g.targets["uv:demo@a"].meta["duplicate_name"] == "demo"


def test_workspace_in_a_subdirectory_with_nested_globs() -> None:
    g = graph_of(
        {
            "py/pyproject.toml": """
                [tool.uv.workspace]
                members = ["libs/**"]
                exclude = ["libs/experimental/*"]
                """,
            "py/uv.lock": "version = 1\n",
            "py/libs/a/pyproject.toml": '[project]\nname = "a"\n',
            "py/libs/group/b/pyproject.toml": '[project]\nname = "b"\n',
            "py/libs/experimental/c/pyproject.toml": '[project]\nname = "c"\n',
            "libs/d/pyproject.toml": '[project]\nname = "d"\n',
        }
    )
    assert deps_of(g) == {"uv:a": (), "uv:b": ()}
    assert g.targets["uv:b"].group == "py"
    assert g.lockfiles == (LockfileRef("py/uv.lock", "uv", "py"),)
    assert [r.path for r in g.globals] == ["ameide.toml"]
    assert g.configs == (ConfigRef("py/pyproject.toml", "uv", "py"),)


def test_workspace_cycle_is_reported() -> None:
    g = graph_of(
        {
            "pyproject.toml": """
                [tool.uv.workspace]
                members = ["p/*"]
                [tool.uv.sources]
                a = { workspace = true }
                b = { workspace = true }
                """,
            "p/a/pyproject.toml": '[project]\nname = "a"\ndependencies = ["b"]\n',
            "p/b/pyproject.toml": (
                '[project]\nname = "b"\n[project.optional-dependencies]\nx = ["a[extra]"]\n'
            ),
        }
    )
    assert g.warnings == ("dependency cycle: uv:a -> uv:b -> uv:a",)


def test_dynamic_dependencies_from_a_build_hook_are_read() -> None:
    g = graph_of(
        {
            "pyproject.toml": """
                [project]
                name = "app"
                dynamic = ["version", "dependencies", "optional-dependencies"]

                [tool.hatch.metadata.hooks.uv-dynamic-versioning]
                dependencies = ["app-slim[openai]=={{ version }}"]

                [tool.hatch.metadata.hooks.uv-dynamic-versioning.optional-dependencies]
                evals = ["app-evals=={{ version }}"]

                [tool.uv.workspace]
                members = ["slim", "evals"]

                [tool.uv.sources]
                app-slim = { workspace = true }
                app-evals = { workspace = true }
                """,
            "slim/pyproject.toml": '[project]\nname = "app-slim"\n',
            "evals/pyproject.toml": '[project]\nname = "app-evals"\n',
        }
    )
    assert deps_of(g)["uv:app"] == ("uv:app-evals", "uv:app-slim")
    assert g.warnings == ()


def test_unreadable_dynamic_dependencies_are_a_warning_naming_the_file() -> None:
    g = graph_of(
        {
            "pyproject.toml": '[tool.uv.workspace]\nmembers = ["p/*"]\n',
            "p/a/pyproject.toml": """
                [project]
                name = "a"
                dynamic = ["dependencies"]

                [tool.setuptools.dynamic]
                dependencies = { file = ["requirements.txt"] }
                """,
        }
    )
    assert g.warnings == (
        "p/a/pyproject.toml: [project] dependencies are dynamic and no known build hook declares "
        "them in this file; ameide sees no dependencies there",
    )
