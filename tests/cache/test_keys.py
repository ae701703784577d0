"""Cache keys change exactly when an input of the task changes: one test per input kind, and
changes elsewhere (an unrelated target, an unowned file) leave them alone."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from ameide.affected import plan_context
from ameide.cache.keys import KeyMaker, blob_id
from ameide.task import Task
from tests.conftest import git, write_files

TOOLS = {"go": "1.25.5", "node": "22.11.0", "pnpm": "12.4.2", "uv": "0.9.26", "buf": "1.63.0"}
A, B, C = "go:example.com/m/a", "go:example.com/m/b", "go:example.com/m/c"

GO = {
    "go.mod": "module example.com/m\n\ngo 1.22\n",
    "go.sum": "",
    "a/a.go": "package a\n\nfunc A() int { return 1 }\n",
    "b/b.go": 'package b\n\nimport "example.com/m/a"\n\nfunc B() int { return a.A() }\n',
    "b/b_test.go": 'package b\n\nimport "testing"\n\nfunc TestB(t *testing.T) {}\n',
    "c/c.go": "package c\n\nfunc C() int { return 3 }\n",
    "README.md": "not owned by any target\n",
}

PNPM_LOCK = """lockfileVersion: '9.0'
importers:
  .: {}
  packages/x:
    dependencies:
      left-pad:
        specifier: ^1.3.0
        version: X_PAD
  packages/y:
    dependencies:
      is-odd:
        specifier: ^3.0.1
        version: 3.0.1
packages:
  left-pad@1.3.0: {resolution: {integrity: sha512-a}}
  left-pad@1.2.0: {resolution: {integrity: sha512-b}}
  is-odd@3.0.1: {resolution: {integrity: sha512-c}}
snapshots:
  left-pad@1.3.0: {}
  left-pad@1.2.0: {}
  is-odd@3.0.1: {}
"""
PNPM = {
    "package.json": '{"name": "root", "private": true, "packageManager": "pnpm@12.4.2"}\n',
    "pnpm-workspace.yaml": "packages:\n  - packages/*\n",
    "packages/x/package.json": '{"name": "x", "scripts": {"test": "node --test"}}\n',
    "packages/x/index.js": "module.exports = 1;\n",
    "packages/y/package.json": '{"name": "y", "scripts": {"test": "node --test"}}\n',
    "packages/y/index.js": "module.exports = 2;\n",
    "pnpm-lock.yaml": PNPM_LOCK.replace("X_PAD", "1.3.0"),
}

Keys = Callable[..., dict[str, str | None]]


def go_task(*targets: str, argv: tuple[str, ...] = ("go", "test", "-json", "./...")) -> Task:
    return Task("go test m", 1, 1, "unit", "go", targets, argv, ".", report="gotest-json")


def pnpm_task(target: str) -> Task:
    return Task(f"{target} test", 1, 1, "unit", "pnpm", (target,), ("pnpm", "run", "test"), ".")


def maker(
    repo: Path,
    *,
    tools: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    extra_env: tuple[str, ...] = (),
) -> KeyMaker:
    ctx = plan_context(str(repo), "HEAD", dict(os.environ))
    assert ctx.index is not None
    return KeyMaker(
        ctx.repo.root,
        ctx.graph,
        ctx.index.blobs,
        ctx.config,
        TOOLS if tools is None else tools,
        env or {},
        extra_env=extra_env,
        state_dir=ctx.cache_dir,
    )


def key(repo: Path, task: Task, **kw: object) -> str | None:
    return maker(repo, **kw).key(task)  # type: ignore[arg-type]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    r = tmp_path / "repo"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    write_files(r, GO)
    git(r, "add", "-A")
    git(r, "commit", "-q", "-m", "initial")
    return r


def commit(repo: Path, files: dict[str, str]) -> None:
    write_files(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "change")


# ------------------------------------------------------------------ stability


def test_same_state_same_key_and_keys_are_hex_sha256(repo: Path) -> None:
    k1, k2 = key(repo, go_task(B)), key(repo, go_task(B))
    assert k1 == k2 and k1 is not None and len(k1) == 64 and int(k1, 16) >= 0


def test_a_change_in_an_unrelated_target_keeps_the_key(repo: Path) -> None:
    before = key(repo, go_task(B))
    commit(repo, {"c/c.go": "package c\n\nfunc C() int { return 4 }\n"})
    assert key(repo, go_task(B)) == before
    assert key(repo, go_task(C)) != key(repo, go_task(B))


def test_an_unowned_file_is_no_input(repo: Path) -> None:
    before = key(repo, go_task(B))
    write_files(repo, {"README.md": "edited\n", "notes/todo.txt": "new\n"})
    assert key(repo, go_task(B)) == before


def test_a_dirty_file_keys_like_the_same_content_committed(repo: Path) -> None:
    write_files(repo, {"b/b.go": "package b\n\nfunc B() int { return 2 }\n"})
    dirty = key(repo, go_task(B))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "x")
    assert key(repo, go_task(B)) == dirty
    # and the dirty hash is git's blob id
    blob = git(repo, "rev-parse", "HEAD:b/b.go")
    assert blob_id(str(repo / "b" / "b.go")) == blob


# ------------------------------------------------------------------ one test per input kind


def test_the_command_is_an_input(repo: Path) -> None:
    assert key(repo, go_task(B)) != key(repo, go_task(B, argv=("go", "test", "-json", "-race")))


def test_the_task_environment_is_an_input(repo: Path) -> None:
    t1 = go_task(B)
    t2 = Task(t1.id, 1, 1, "unit", "go", (B,), t1.argv, ".", env={"GOFLAGS": "-count=1"})
    assert key(repo, t1) != key(repo, t2)


def test_allow_listed_environment_is_an_input_and_other_variables_are_not(repo: Path) -> None:
    base = key(repo, go_task(B), env={"HOME": "/a"})
    assert key(repo, go_task(B), env={"HOME": "/b", "RANDOM_THING": "1"}) == base
    assert key(repo, go_task(B), env={"GOFLAGS": "-tags=x"}) != base
    assert key(repo, go_task(B), env={"CGO_ENABLED": "0"}) != base


def test_cache_env_config_adds_variables_and_prefixes(repo: Path) -> None:
    base = key(repo, go_task(B), env={"MY_FLAG": "1", "APP_MODE": "x"})
    assert key(repo, go_task(B), env={"MY_FLAG": "2", "APP_MODE": "x"}) == base
    kw = {"extra_env": ("MY_FLAG", "APP_*")}
    k1 = key(repo, go_task(B), env={"MY_FLAG": "1", "APP_MODE": "x"}, **kw)
    assert key(repo, go_task(B), env={"MY_FLAG": "2", "APP_MODE": "x"}, **kw) != k1
    assert key(repo, go_task(B), env={"MY_FLAG": "1", "APP_MODE": "y"}, **kw) != k1


def test_the_tool_version_is_an_input_and_unknown_means_uncached(repo: Path) -> None:
    base = key(repo, go_task(B))
    assert key(repo, go_task(B), tools={**TOOLS, "go": "1.25.6"}) != base
    assert key(repo, go_task(B), tools={**TOOLS, "uv": "9.9.9"}) == base  # not go's tool
    assert key(repo, go_task(B), tools={"uv": "0.9.26"}) is None


def test_a_file_of_the_target_is_an_input(repo: Path) -> None:
    before = key(repo, go_task(B))
    commit(repo, {"b/b_test.go": 'package b\n\nimport "testing"\n\nfunc TestC(t *testing.T) {}\n'})
    assert key(repo, go_task(B)) != before


def test_modified_untracked_and_deleted_files_are_inputs(repo: Path) -> None:
    clean = key(repo, go_task(B))
    write_files(repo, {"b/b.go": "package b\n\nfunc B() int { return 7 }\n"})
    modified = key(repo, go_task(B))
    write_files(repo, {"b/extra.go": "package b\n"})
    untracked = key(repo, go_task(B))
    os.unlink(repo / "b" / "b_test.go")
    deleted = key(repo, go_task(B))
    assert len({clean, modified, untracked, deleted}) == 4


def test_a_file_of_a_transitive_dependency_is_an_input(repo: Path) -> None:
    before = key(repo, go_task(B))
    commit(repo, {"a/a.go": "package a\n\nfunc A() int { return 2 }\n"})
    assert key(repo, go_task(B)) != before


def test_a_module_file_is_an_input(repo: Path) -> None:
    before = key(repo, go_task(B))
    commit(repo, {"go.sum": "example.org/x v1.0.0 h1:abc=\n"})
    assert key(repo, go_task(B)) != before


def test_a_global_file_is_an_input(repo: Path) -> None:
    before = key(repo, go_task(B))
    commit(repo, {"go.work": "go 1.22\n\nuse .\n"})
    with_work = key(repo, go_task(B))
    assert with_work != before
    commit(repo, {"ameide.toml": "[run]\njobs = 2\n"})
    assert key(repo, go_task(B)) != with_work


def test_affected_global_globs_are_inputs(repo: Path) -> None:
    commit(repo, {"ameide.toml": '[affected]\nglobal = ["tools/**"]\n', "tools/lint.cfg": "a\n"})
    before = key(repo, go_task(B))
    write_files(repo, {"tools/lint.cfg": "b\n"})
    assert key(repo, go_task(B)) != before


def test_the_lockfile_closure_of_the_importer_is_an_input_not_the_whole_lockfile(
    tmp_path: Path,
) -> None:
    r = tmp_path / "js"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    write_files(r, PNPM)
    git(r, "add", "-A")
    git(r, "commit", "-q", "-m", "initial")
    x, y = key(r, pnpm_task("pnpm:x")), key(r, pnpm_task("pnpm:y"))
    assert x and y and x != y
    write_files(r, {"pnpm-lock.yaml": PNPM_LOCK.replace("X_PAD", "1.2.0")})
    assert key(r, pnpm_task("pnpm:x")) != x  # x's resolved closure changed
    assert key(r, pnpm_task("pnpm:y")) == y  # y's did not


def test_node_is_a_tool_of_pnpm_tasks(tmp_path: Path) -> None:
    r = tmp_path / "js"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    write_files(r, PNPM)
    git(r, "add", "-A")
    git(r, "commit", "-q", "-m", "initial")
    base = key(r, pnpm_task("pnpm:x"))
    assert key(r, pnpm_task("pnpm:x"), tools={**TOOLS, "node": "20.1.0"}) != base


def test_the_platform_is_an_input(repo: Path) -> None:
    m = maker(repo)
    base = m.key(go_task(B))
    m2 = maker(repo)
    m2._platform = ["darwin", "arm64"]
    assert m2.key(go_task(B)) != base
