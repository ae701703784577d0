"""`ameide affected` end to end on a clone of examples/monorepo, plus lockfile, global-file
and fallback cases on small real repos."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import MakeRepo, git, write_files

RunCli = Callable[..., tuple[int, str, str]]

GO = "go:example.com/monorepo"
STRUTIL, MATHX, STORE = f"{GO}/lib/strutil", f"{GO}/lib/mathx", f"{GO}/lib/store"
HANDLER, CMD = f"{GO}/svc/internal/handler", f"{GO}/svc/cmd/svc"
CORE, UI, WEB, API = (
    "pnpm:@example/core",
    "pnpm:@example/ui",
    "pnpm:@example/web",
    "pnpm:@example/api",
)
COMMON, SERVICE, MODELS = "uv:acme-common", "uv:acme-service", "uv:acme-apimodels"
PROTO = "buf:proto"
ROOT = "pnpm:monorepo"  # the pnpm workspace root project: it holds what no other target holds


def affected_json(run_cli: RunCli, repo: Path, *extra: str) -> dict[str, object]:
    code, out, err = run_cli(["affected", "--json", *extra], repo)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["schema"] == 1
    return doc  # type: ignore[no-any-return]


def explain(doc: dict[str, object]) -> dict[str, str]:
    return {a["id"]: a["explain"] for a in doc["affected"]}  # type: ignore[attr-defined,index]


def append(repo: Path, rel: str, text: str) -> None:
    with open(repo / rel, "a", encoding="utf-8") as fh:
        fh.write(text)


def test_nothing_changed_means_nothing_affected(run_cli: RunCli, example_repo: Path) -> None:
    doc = affected_json(run_cli, example_repo)
    assert doc["affected"] == [] and doc["changed"] == []
    assert doc["base"]["ref"] == "main"  # type: ignore[index]
    assert doc["total_targets"] == 14


def test_go_leaf_change_reaches_importers_across_modules(
    run_cli: RunCli, example_repo: Path
) -> None:
    append(example_repo, "go/lib/strutil/strutil.go", "\n// touched\n")
    assert explain(affected_json(run_cli, example_repo)) == {
        STRUTIL: f"{STRUTIL} <- changed go/lib/strutil/strutil.go",
        STORE: f"{STORE} <- {STRUTIL} <- changed go/lib/strutil/strutil.go",
        HANDLER: f"{HANDLER} <- {STRUTIL} <- changed go/lib/strutil/strutil.go",
        CMD: f"{CMD} <- {HANDLER} <- {STRUTIL} <- changed go/lib/strutil/strutil.go",
    }


def test_go_mod_affects_what_its_changed_directives_affect(
    run_cli: RunCli, example_repo: Path
) -> None:
    append(example_repo, "go/svc/go.mod", "\n// note\n")
    doc = affected_json(run_cli, example_repo)
    assert doc["affected"] == []  # a comment changes no directive
    assert doc["changed"] == [
        {"path": "go/svc/go.mod", "status": "modified", "kind": "config", "owners": []}
    ]
    gomod = example_repo / "go/svc/go.mod"
    gomod.write_text(gomod.read_text().replace("go 1.25.5", "go 1.25.6"))
    why = "go/svc/go.mod (changed keys): go 1.25.5 -> 1.25.6"
    assert explain(affected_json(run_cli, example_repo)) == {
        HANDLER: f"{HANDLER} <- {why}",
        CMD: f"{CMD} <- {why}",
    }


def test_pnpm_change_reaches_dependents_only(run_cli: RunCli, example_repo: Path) -> None:
    write_files(example_repo, {"js/ui/src/extra.js": "export const x = 1;\n"})
    assert explain(affected_json(run_cli, example_repo)) == {
        UI: f"{UI} <- changed js/ui/src/extra.js",
        WEB: f"{WEB} <- {UI} <- changed js/ui/src/extra.js",
    }


def test_excluded_pnpm_package_belongs_to_the_root_project(
    run_cli: RunCli, example_repo: Path
) -> None:
    append(example_repo, "js/scratch/package.json", "\n")
    doc = affected_json(run_cli, example_repo)
    assert explain(doc) == {ROOT: f"{ROOT} <- changed js/scratch/package.json"}
    assert doc["changed"] == [
        {"path": "js/scratch/package.json", "status": "modified", "kind": "owned", "owners": [ROOT]}
    ]


def test_uv_change_reaches_workspace_dependents(run_cli: RunCli, example_repo: Path) -> None:
    append(example_repo, "py/common/src/acme_common/__init__.py", "\n# touched\n")
    assert explain(affected_json(run_cli, example_repo)) == {
        COMMON: f"{COMMON} <- changed py/common/src/acme_common/__init__.py",
        SERVICE: f"{SERVICE} <- {COMMON} <- changed py/common/src/acme_common/__init__.py",
    }


def test_proto_change_reaches_no_consumer_of_committed_generated_code(
    run_cli: RunCli, example_repo: Path
) -> None:
    # the example commits its generated code: phase 0's freshness gate keeps it equal to the
    # protos, and the consumers are affected when the generated files themselves change
    append(example_repo, "proto/acme/common/v1/money.proto", "\n// touched\n")
    f = "changed proto/acme/common/v1/money.proto"
    assert explain(affected_json(run_cli, example_repo)) == {PROTO: f"{PROTO} <- {f}"}
    append(example_repo, "js/api/src/gen/acme/common/v1/money_pb.js", "\n// regenerated\n")
    assert set(explain(affected_json(run_cli, example_repo))) == {PROTO, API, WEB}


def test_buf_gen_template_change_affects_no_committed_output(
    run_cli: RunCli, example_repo: Path
) -> None:
    append(example_repo, "buf.gen.yaml", "\n# touched\n")
    doc = affected_json(run_cli, example_repo)
    assert doc["affected"] == []  # only its build-time outputs would be affected
    assert doc["changed"][0]["kind"] == "config"  # type: ignore[index]


def test_one_change_in_each_ecosystem_at_once(run_cli: RunCli, example_repo: Path) -> None:
    append(example_repo, "go/lib/mathx/mathx.go", "\n// x\n")
    append(example_repo, "js/core/src/index.js", "\n// x\n")
    append(example_repo, "py/service/src/acme_service/__init__.py", "\n# x\n")
    append(example_repo, "proto/acme/orders/v1/order.proto", "\n// x\n")
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "-q", "-m", "all four")
    doc = affected_json(run_cli, example_repo)
    assert [a["id"] for a in doc["affected"]] == sorted(
        [MATHX, HANDLER, CMD, CORE, UI, WEB, SERVICE, PROTO]  # type: ignore[attr-defined,index]
    )
    direct = {a["id"] for a in doc["affected"] if a["direct"]}  # type: ignore[attr-defined,index]
    assert direct == {MATHX, CORE, SERVICE, PROTO}


def test_pnpm_workspace_yaml_affects_its_owner_and_what_its_changed_keys_affect(
    run_cli: RunCli, example_repo: Path
) -> None:
    append(example_repo, "pnpm-workspace.yaml", "\n# touched\n")
    doc = affected_json(run_cli, example_repo)
    owner = f"{ROOT} <- pnpm-workspace.yaml (changed keys): the workspace root project's own file"
    assert explain(doc) == {ROOT: owner}
    assert doc["changed"][0]["kind"] == "config"  # type: ignore[index]
    # js/scratch joins the workspace: it is affected as well
    ws = example_repo / "pnpm-workspace.yaml"
    ws.write_text(ws.read_text().replace('  - "!js/scratch"\n', ""))
    assert explain(affected_json(run_cli, example_repo)) == {
        ROOT: owner,
        "pnpm:@example/scratch": "pnpm:@example/scratch <- pnpm-workspace.yaml (changed keys): "
        "packages: js/scratch joined the workspace",
    }


def test_go_work_affects_what_its_changed_lines_affect(run_cli: RunCli, example_repo: Path) -> None:
    append(example_repo, "go.work", "\n// x\n")
    assert affected_json(run_cli, example_repo)["affected"] == []
    work = example_repo / "go.work"
    work.write_text(work.read_text().replace("go 1.25.5", "go 1.25.6"))
    assert set(explain(affected_json(run_cli, example_repo))) == {
        STRUTIL,
        MATHX,
        STORE,
        HANDLER,
        CMD,
    }


def test_ameide_toml_affects_everything(run_cli: RunCli, example_repo: Path) -> None:
    append(example_repo, "ameide.toml", "\n# touched\n")
    doc = affected_json(run_cli, example_repo)
    assert len(doc["affected"]) == 14  # type: ignore[arg-type]


def test_pnpm_lockfile_change_affects_only_changed_closures(
    run_cli: RunCli, example_repo: Path
) -> None:
    lock = example_repo / "pnpm-lock.yaml"
    text = lock.read_text()
    key = "\n  '@bufbuild/protobuf@2.17.0': {}\n"
    assert key in text, "the example's lockfile layout changed"
    lock.write_text(
        text.replace(
            key, "\n  '@bufbuild/protobuf@2.17.0':\n    dependencies:\n      tslib: 2.8.1\n"
        )
    )
    doc = affected_json(run_cli, example_repo)
    why = "lockfile pnpm-lock.yaml (closure rule): tslib (none) -> 2.8.1 under @bufbuild/protobuf"
    assert explain(doc) == {API: f"{API} <- {why}", WEB: f"{WEB} <- {API} <- {why}"}


def test_files_no_other_target_holds_belong_to_the_workspace_root_project(
    run_cli: RunCli, example_repo: Path
) -> None:
    write_files(example_repo, {"docs/notes.md": "hello\n", "go/lib/mathx/README.md": "hi\n"})
    doc = affected_json(run_cli, example_repo)
    # a README beside Go files is no file of the Go package (go list lists no such file)
    assert explain(doc) == {ROOT: f"{ROOT} <- changed docs/notes.md"}
    assert [(c["path"], c["owners"]) for c in doc["changed"]] == [  # type: ignore[attr-defined]
        ("docs/notes.md", [ROOT]),
        ("go/lib/mathx/README.md", [ROOT]),
    ]


def test_config_global_and_ignore_globs(run_cli: RunCli, example_repo: Path) -> None:
    append(
        example_repo, "ameide.toml", '\n[affected]\nglobal = ["tools/**"]\nignore = ["**/*.md"]\n'
    )
    git(example_repo, "commit", "-qam", "config")
    git(example_repo, "branch", "-f", "main")  # the config is part of the base
    write_files(example_repo, {"js/ui/README.md": "docs only\n"})
    doc = affected_json(run_cli, example_repo)
    assert doc["affected"] == []
    assert doc["changed"][0]["kind"] == "ignored"  # type: ignore[index]
    write_files(example_repo, {"tools/lint.sh": "echo\n"})
    assert len(affected_json(run_cli, example_repo)["affected"]) == 14  # type: ignore[arg-type]


UV_LOCK = """\
version = 1
requires-python = ">=3.11"

[[package]]
name = "a"
version = "0.1.0"
source = {{ editable = "a" }}
dependencies = [{{ name = "six" }}]

[[package]]
name = "b"
version = "0.1.0"
source = {{ editable = "b" }}
dependencies = [{{ name = "attrs" }}, {{ name = "a" }}]

[[package]]
name = "c"
version = "0.1.0"
source = {{ editable = "c" }}
dependencies = [{{ name = "attrs" }}]

[[package]]
name = "six"
version = "{six}"
source = {{ registry = "https://registry.invalid/simple" }}

[[package]]
name = "attrs"
version = "{attrs}"
source = {{ registry = "https://registry.invalid/simple" }}
"""


def uv_workspace(make_repo: MakeRepo) -> Path:
    member = """\
        [project]
        name = "{n}"
        version = "0.1.0"
        dependencies = [{deps}]
        [tool.uv.sources]
        a = {{ workspace = true }}
        """
    return make_repo(
        {
            "pyproject.toml": '[tool.uv.workspace]\nmembers = ["a", "b", "c"]\n',
            "a/pyproject.toml": member.format(n="a", deps='"six"'),
            "b/pyproject.toml": member.format(n="b", deps='"attrs", "a"'),
            "c/pyproject.toml": member.format(n="c", deps='"attrs"'),
            "uv.lock": UV_LOCK.format(six="1.16.0", attrs="23.1.0"),
        }
    )


def test_uv_lock_change_affects_members_whose_closure_changed(
    run_cli: RunCli, make_repo: MakeRepo
) -> None:
    repo = uv_workspace(make_repo)
    git(repo, "checkout", "-q", "-b", "bump")
    (repo / "uv.lock").write_text(UV_LOCK.format(six="1.17.0", attrs="23.1.0"))
    doc = affected_json(run_cli, repo)
    # b's locked closure contains a (and so six): both changed, c's did not
    assert explain(doc) == {
        "uv:a": "uv:a <- lockfile uv.lock (closure rule): six 1.16.0 -> 1.17.0",
        "uv:b": "uv:b <- lockfile uv.lock (closure rule): six 1.16.0 -> 1.17.0 under a",
    }
    (repo / "uv.lock").write_text(UV_LOCK.format(six="1.16.0", attrs="24.0.0"))
    assert set(explain(affected_json(run_cli, repo))) == {"uv:b", "uv:c"}


def test_unresolvable_base_affects_everything_with_the_reason(
    run_cli: RunCli, make_repo: MakeRepo, tmp_path: Path
) -> None:
    up = uv_workspace(make_repo)
    git(up, "checkout", "-q", "-b", "feature")
    for i in range(3):
        write_files(up, {f"a/f{i}.py": "x\n"})
        git(up, "add", "-A")
        git(up, "commit", "-q", "-m", str(i))
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{up}", str(clone))
    git(clone, "remote", "remove", "origin")
    doc = affected_json(run_cli, clone, "--base", "HEAD~2")
    assert doc["everything"] is True
    assert "shallow clone" in doc["everything_reason"]  # type: ignore[operator]
    assert {a["reason"]["kind"] for a in doc["affected"]} == {"everything"}  # type: ignore
    assert len(doc["affected"]) == 3  # type: ignore[arg-type]


def test_cycles_are_reported_and_do_not_hang(run_cli: RunCli, make_repo: MakeRepo) -> None:
    pkg = '{{"name": "{n}", "dependencies": {{"{d}": "workspace:*"}}}}'
    repo = make_repo(
        {
            "pnpm-workspace.yaml": "packages: ['p/*']\n",
            "p/a/package.json": pkg.format(n="a", d="b"),
            "p/b/package.json": pkg.format(n="b", d="a"),
        }
    )
    git(repo, "checkout", "-q", "-b", "f")
    write_files(repo, {"p/a/x.js": "1\n"})
    doc = affected_json(run_cli, repo)
    assert set(explain(doc)) == {"pnpm:a", "pnpm:b"}
    assert "dependency cycle: pnpm:a -> pnpm:b -> pnpm:a" in doc["warnings"]  # type: ignore


def test_same_state_gives_byte_identical_json(run_cli: RunCli, example_repo: Path) -> None:
    append(example_repo, "proto/acme/common/v1/money.proto", "\n// touched\n")
    write_files(example_repo, {"js/core/new.js": "1\n"})
    first = run_cli(["affected", "--json"], example_repo)[1]
    # the second run answers from the graph cache; it must not change the result
    assert run_cli(["affected", "--json"], example_repo)[1] == first


@pytest.mark.parametrize("cache_file", ["graph.bin", "facts.bin"])
def test_a_damaged_cache_is_a_miss(run_cli: RunCli, example_repo: Path, cache_file: str) -> None:
    append(example_repo, "js/core/src/index.js", "\n// x\n")
    first = run_cli(["affected", "--json"], example_repo)[1]
    path = example_repo / ".git" / "ameide" / cache_file
    assert path.exists()
    path.write_text("{ half-written")
    assert run_cli(["affected", "--json"], example_repo)[1] == first


@pytest.mark.parametrize(
    ("path", "content", "message"),
    [
        ("pyproject.toml", '[project\nname="x"\n', "pyproject.toml: invalid TOML: "),
        ("package.json", "{ bad\n", "package.json: invalid JSON: "),
        ("pnpm-workspace.yaml", "packages: [js/*\n", "pnpm-workspace.yaml: invalid YAML: "),
        ("go.work", "go 1.25\nuse (\n", "go.work: line 2: 'use (' block is never closed"),
        ("buf.yaml", "version: v2\nmodules: [\n", "buf.yaml: invalid YAML: "),
        (
            "go/lib/go.mod",
            "module example.com/monorepo/lib\ngo 1.25\nrequire (\n",
            "go/lib/go.mod: line 3: 'require (' block is never closed\n  hint: close the block",
        ),
        ("js/ui/package.json", '{"name": 5}', 'js/ui/package.json: "name" must be a string'),
    ],
)
def test_a_malformed_root_manifest_stops_affected_and_test_with_exit_2(
    run_cli: RunCli, example_repo: Path, path: str, content: str, message: str
) -> None:
    # a broken root manifest would drop its members' targets: "nothing to test" would lie
    (example_repo / path).write_text(content)
    for argv in (["affected"], ["affected", "--json"], ["test"]):
        code, out, err = run_cli(argv, example_repo)
        assert code == 2, (argv, out, err)
        assert err.startswith(f"ameide: error: malformed manifest: {message}"), err
        assert "names a directory without go.mod" not in err
        assert "toolchain" not in out + err  # reported by discovery, before any tool check


# --- deleted targets: their former dependents are affected -----------------------------------


def changed_kinds(doc: dict[str, object]) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    return {
        c["path"]: (c["status"], c["kind"], tuple(c["owners"]))  # type: ignore[index]
        for c in doc["changed"]  # type: ignore[attr-defined]
    }


def test_deleting_a_go_package_and_a_pnpm_package_affects_their_former_dependents(
    run_cli: RunCli, example_repo: Path
) -> None:
    git(example_repo, "rm", "-rq", "go/lib/mathx", "js/core")
    doc = affected_json(run_cli, example_repo)
    gone_go = f"deleted {MATHX} (go/lib/mathx/mathx.go)"
    gone_js = f"deleted {CORE} (js/core/package.json)"
    assert explain(doc) == {
        HANDLER: f"{HANDLER} <- {gone_go}",
        CMD: f"{CMD} <- {HANDLER} <- {gone_go}",
        UI: f"{UI} <- {gone_js}",
        WEB: f"{WEB} <- {UI} <- {gone_js}",
        # js/core is no project any more: its files are the root project's, as pnpm counts
        # them; the Go files stay Go's although no package holds them
        ROOT: f"{ROOT} <- changed js/core/package.json",
    }
    by_id = {a["id"]: a for a in doc["affected"]}  # type: ignore[attr-defined]
    assert by_id[HANDLER]["direct"] is True and by_id[CMD]["direct"] is False
    assert by_id[HANDLER]["reason"] == {
        "kind": "deleted",
        "file": "go/lib/mathx/mathx.go",
        "chain": [HANDLER],
        "deleted": "go:example.com/monorepo/lib/mathx",
        "detail": None,
        "test": False,
    }
    assert changed_kinds(doc) == {
        "go/lib/mathx/mathx.go": ("deleted", "deleted", (HANDLER,)),
        "go/lib/mathx/mathx_test.go": ("deleted", "deleted", (HANDLER,)),
        "js/core/package.json": ("deleted", "deleted", (UI, ROOT)),
        "js/core/src/index.js": ("deleted", "deleted", (UI, ROOT)),
        "js/core/test/index.test.js": ("deleted", "deleted", (UI, ROOT)),
    }
    assert doc["total_targets"] == 12
    # answered from the graph cache the second time: the same bytes
    assert (
        run_cli(["affected", "--json"], example_repo)[1]
        == run_cli(["affected", "--json"], example_repo)[1]
    )


def test_deleting_a_uv_member_affects_its_former_dependents(
    run_cli: RunCli, example_repo: Path
) -> None:
    git(example_repo, "rm", "-rq", "py/common")
    git(example_repo, "commit", "-qm", "drop acme-common")  # committed: the same answer
    doc = affected_json(run_cli, example_repo)
    assert explain(doc) == {
        SERVICE: f"{SERVICE} <- deleted {COMMON} (py/common/pyproject.toml)",
        ROOT: f"{ROOT} <- changed py/common/pyproject.toml",  # no other target holds them now
    }
    assert {k for k, (_, kind, _) in changed_kinds(doc).items() if kind == "deleted"} == {
        "py/common/pyproject.toml",
        "py/common/src/acme_common/__init__.py",
        "py/common/tests/test_common.py",
    }
    assert (
        "py/service/pyproject.toml: 'acme-common' is marked { workspace = true } but is not a "
        "workspace member"
    ) in doc["warnings"]  # type: ignore[operator]


def test_a_moved_go_package_affects_the_importers_of_its_old_path(
    run_cli: RunCli, example_repo: Path
) -> None:
    git(example_repo, "mv", "go/lib/mathx", "go/lib/mathy")
    mathy = f"{GO}/lib/mathy"
    assert explain(affected_json(run_cli, example_repo)) == {
        mathy: f"{mathy} <- changed go/lib/mathy/mathx.go",
        HANDLER: f"{HANDLER} <- deleted {MATHX} (go/lib/mathx/mathx.go)",
        CMD: f"{CMD} <- {HANDLER} <- deleted {MATHX} (go/lib/mathx/mathx.go)",
    }


def test_deleting_one_file_of_a_package_still_counts_as_a_change_of_it(
    run_cli: RunCli, example_repo: Path
) -> None:
    (example_repo / "go/lib/mathx/mathx_test.go").unlink()
    doc = affected_json(run_cli, example_repo)
    assert explain(doc)[MATHX] == f"{MATHX} <- changed go/lib/mathx/mathx_test.go"
    assert changed_kinds(doc) == {
        "go/lib/mathx/mathx_test.go": ("deleted", "owned", (MATHX,)),
    }


def test_deleting_a_target_nobody_depends_on_affects_only_the_root_project(
    run_cli: RunCli, example_repo: Path
) -> None:
    git(example_repo, "rm", "-rq", "js/web", "go/svc/cmd")
    doc = affected_json(run_cli, example_repo)
    assert explain(doc) == {ROOT: f"{ROOT} <- changed js/web/integration/server.itest.js"}
    assert {p: (kind, owners) for p, (_, kind, owners) in changed_kinds(doc).items()} == {
        "go/svc/cmd/svc/main.go": ("unowned", ()),
        "js/web/integration/server.itest.js": ("owned", (ROOT,)),
        "js/web/package.json": ("owned", (ROOT,)),
        "js/web/src/index.js": ("owned", (ROOT,)),
        "js/web/test/render.test.js": ("owned", (ROOT,)),
    }


def test_deleting_a_whole_go_module_uses_the_module_path_of_its_base_go_mod(
    run_cli: RunCli, make_repo: MakeRepo
) -> None:
    # no go.work: the deleted module is found through the base's lib/go.mod
    repo = make_repo(
        {
            "lib/go.mod": "module example.com/lib\n",
            "lib/a/a.go": "package a\n",
            "lib/b/b.go": "package b\n",
            "app/go.mod": "module example.com/app\nreplace example.com/lib => ../lib\n",
            "app/app.go": 'package app\n\nimport "example.com/lib/a"\n',
            "app/cmd/main.go": 'package main\n\nimport "example.com/app"\n',
        }
    )
    git(repo, "checkout", "-q", "-b", "f")
    git(repo, "rm", "-rq", "lib")
    git(repo, "commit", "-qm", "drop lib")
    doc = affected_json(run_cli, repo)
    assert explain(doc) == {
        "go:example.com/app": "go:example.com/app <- deleted go:example.com/lib/a (lib/a/a.go)",
        "go:example.com/app/cmd": (
            "go:example.com/app/cmd <- go:example.com/app <- deleted go:example.com/lib/a "
            "(lib/a/a.go)"
        ),
    }
    # lib/b had no importer: its file affects nothing; lib/go.mod is owned by no target now
    assert changed_kinds(doc) == {
        "lib/a/a.go": ("deleted", "deleted", ("go:example.com/app",)),
        "lib/b/b.go": ("deleted", "unowned", ()),
        "lib/go.mod": ("deleted", "unowned", ()),
    }


def test_a_deleted_go_package_in_the_directory_of_another_target(
    run_cli: RunCli, make_repo: MakeRepo
) -> None:
    # tools/gen is both a pnpm package and (until now) a Go package: deleting the Go files
    # changes the pnpm package (its directory) and affects the Go package's importers
    repo = make_repo(
        {
            "go.mod": "module example.com/m\n",
            "tools/gen/gen.go": "package gen\n",
            "tools/gen/package.json": '{"name": "gen"}',
            "svc/svc.go": 'package svc\n\nimport "example.com/m/tools/gen"\n',
            "pnpm-workspace.yaml": "packages: ['tools/*']\n",
        }
    )
    git(repo, "checkout", "-q", "-b", "f")
    git(repo, "rm", "-q", "tools/gen/gen.go")
    doc = affected_json(run_cli, repo)
    assert explain(doc) == {
        "go:example.com/m/svc": (
            "go:example.com/m/svc <- deleted go:example.com/m/tools/gen (tools/gen/gen.go)"
        ),
        "pnpm:gen": "pnpm:gen <- changed tools/gen/gen.go",
    }
    assert changed_kinds(doc) == {
        "tools/gen/gen.go": ("deleted", "deleted", ("go:example.com/m/svc", "pnpm:gen")),
    }


def test_a_deleted_buf_module_dropped_from_buf_yaml_affects_the_other_modules(
    run_cli: RunCli, make_repo: MakeRepo
) -> None:
    # falls out of the buf.yaml rule: the workspace config changed, so do its modules
    repo = make_repo(
        {
            "buf.yaml": "version: v2\nmodules:\n  - path: a\n  - path: b\n",
            "a/a.proto": 'syntax = "proto3";\npackage a;\n',
            "b/b.proto": 'syntax = "proto3";\npackage b;\nimport "a.proto";\n',
        }
    )
    git(repo, "checkout", "-q", "-b", "f")
    git(repo, "rm", "-rq", "a")
    (repo / "buf.yaml").write_text("version: v2\nmodules:\n  - path: b\n")
    assert explain(affected_json(run_cli, repo)) == {"buf:b": "buf:b <- global file buf.yaml"}


def test_the_warm_caches_follow_every_kind_of_change(run_cli: RunCli, example_repo: Path) -> None:
    """The graph and the relevant-file listing are cached; each answer must still be the one
    a cold run gives, whatever changed in between (edit, new import, new package, deletion,
    staging)."""

    def ids() -> set[str]:
        return {a["id"] for a in affected_json(run_cli, example_repo)["affected"]}  # type: ignore

    def cold() -> set[str]:
        import shutil

        shutil.rmtree(example_repo / ".git" / "ameide", ignore_errors=True)
        return ids()

    assert ids() == set()
    append(example_repo, "go/lib/mathx/mathx.go", "\n// a body edit keeps the graph\n")
    assert ids() == cold() == {MATHX, HANDLER, CMD}
    # a new import in a dirty file: an edge the cached graph did not have
    mathx = example_repo / "go/lib/mathx/mathx.go"
    mathx.write_text(
        mathx.read_text().replace(
            "package mathx\n", 'package mathx\n\nimport _ "example.com/monorepo/lib/strutil"\n', 1
        )
    )
    warm = ids()
    assert STRUTIL not in warm and warm == cold()
    append(example_repo, "go/lib/strutil/strutil.go", "\n// x\n")
    assert MATHX in ids() and ids() == cold()
    # an untracked new package, then the same staged, then a deleted file
    write_files(example_repo, {"js/extra/package.json": '{"name": "@example/extra"}\n'})
    ws = example_repo / "pnpm-workspace.yaml"
    ws.write_text(ws.read_text().replace('  - "!js/scratch"\n', ""))
    assert "pnpm:@example/extra" in ids() and ids() == cold()
    git(example_repo, "add", "-A")
    assert ids() == cold()
    (example_repo / "js/ui/src/index.js").unlink()
    assert UI in ids() and ids() == cold()
