"""Change detection on real temporary git repositories (every case of docs/affected.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ameide import vcs
from ameide.errors import EnvError, UsageError
from tests.conftest import MakeRepo, git, write_files


def changes(
    repo: Path, base: str | None = None, env: dict[str, str] | None = None
) -> tuple[vcs.BaseResolution, dict[str, str]]:
    r = vcs.open_repo(str(repo), env)
    res = vcs.resolve_base(r, base, env or {})
    snap = vcs.snapshot(r, res.base.commit)
    return res, {c.path: c.status for c in snap.changes}


def feature_repo(make_repo: MakeRepo) -> Path:
    repo = make_repo({"a/one.txt": "1\n", "b/two.txt": "2\n"})
    git(repo, "checkout", "-q", "-b", "feature")
    return repo


def test_committed_staged_unstaged_untracked_and_deleted(make_repo: MakeRepo) -> None:
    repo = make_repo(
        {"a/one.txt": "1\n", "b/two.txt": "2\n", "c/three.txt": "3\n", "d/gone.txt": "x\n"}
    )
    git(repo, "checkout", "-q", "-b", "feature")
    write_files(repo, {"a/committed.txt": "c\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "feature work")
    write_files(repo, {"b/staged.txt": "s\n"})
    git(repo, "add", "b/staged.txt")
    write_files(repo, {"c/three.txt": "changed\n", "e/new.txt": "u\n"})
    (repo / "d/gone.txt").unlink()
    res, got = changes(repo)
    assert res.base.ref == "main"
    assert res.base.source == "merge-base with the default branch main"
    assert got == {
        "a/committed.txt": "added",
        "b/staged.txt": "added",
        "c/three.txt": "modified",
        "d/gone.txt": "deleted",
        "e/new.txt": "untracked",
    }


def test_rename_is_a_delete_plus_an_add(make_repo: MakeRepo) -> None:
    repo = feature_repo(make_repo)
    git(repo, "mv", "a/one.txt", "b/one.txt")
    git(repo, "commit", "-q", "-m", "move")
    _, got = changes(repo)
    assert got == {"a/one.txt": "deleted", "b/one.txt": "added"}


def test_awkward_paths_survive_nul_separation(make_repo: MakeRepo) -> None:
    repo = feature_repo(make_repo)
    names = ["dir with space/f i.txt", "ünï/cödé.txt", "nl/line\nbreak.txt", 'q/"quoted".txt']
    write_files(repo, {n: "x\n" for n in names})
    git(repo, "add", names[0], names[1])
    _, got = changes(repo)
    assert got == {
        names[0]: "added",
        names[1]: "added",
        names[2]: "untracked",
        names[3]: "untracked",
    }


def test_ignored_files_and_own_artifacts_never_count(make_repo: MakeRepo) -> None:
    repo = make_repo({".gitignore": "build/\n", "a/one.txt": "1\n"})
    git(repo, "checkout", "-q", "-b", "feature")
    write_files(
        repo,
        {
            "build/out.bin": "ignored\n",
            "artifacts/agent-ci/20260101T000000Z-abc/summary.json": "{}",
            ".ameide/cache/x": "y",
            "a/real.txt": "r\n",
        },
    )
    _, got = changes(repo)
    assert got == {"a/real.txt": "untracked"}


def test_no_commits_yet_every_file_is_new(make_repo: MakeRepo) -> None:
    repo = make_repo({"a/one.txt": "1\n", "b/two.txt": "2\n"}, commit=False)
    git(repo, "add", "a/one.txt")
    res, got = changes(repo)
    assert res.base.commit is None
    assert "no commits" in res.base.source
    assert got == {"a/one.txt": "added", "b/two.txt": "untracked"}


def test_shallow_clone_on_the_default_branch_deepens_for_the_previous_commit(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    upstream = make_repo({"a/one.txt": "1\n"}, name="up")
    write_files(upstream, {"a/two.txt": "2\n"})
    git(upstream, "add", "-A")
    git(upstream, "commit", "-q", "-m", "second")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{upstream}", str(clone))
    res, got = changes(clone)
    assert res.base.ref == "HEAD~1"
    assert res.base.commit == git(upstream, "rev-parse", "HEAD~1")
    assert got == {"a/two.txt": "added"}


def test_on_the_default_branch_compares_with_the_previous_commit(make_repo: MakeRepo) -> None:
    repo = make_repo({"a/one.txt": "1\n"})
    write_files(repo, {"b/two.txt": "2\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "second")
    write_files(repo, {"c/wip.txt": "w\n"})
    res, got = changes(repo)
    assert res.base.ref == "HEAD~1"
    assert res.base.commit == git(repo, "rev-parse", "HEAD~1")
    assert got == {"b/two.txt": "added", "c/wip.txt": "untracked"}


def test_first_commit_on_default_branch_uses_the_empty_tree(make_repo: MakeRepo) -> None:
    repo = make_repo({"a/one.txt": "1\n"})
    res, got = changes(repo)
    assert res.base.commit is None
    assert got == {"a/one.txt": "added"}


def test_detached_head_uses_the_merge_base(make_repo: MakeRepo) -> None:
    repo = feature_repo(make_repo)
    write_files(repo, {"a/x.txt": "x\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "x")
    git(repo, "checkout", "-q", "--detach", "HEAD")
    res, got = changes(repo)
    assert res.base.commit == git(repo, "rev-parse", "main")
    assert got == {"a/x.txt": "added"}


def test_master_is_found_when_main_is_absent(make_repo: MakeRepo) -> None:
    repo = make_repo({"a/one.txt": "1\n"})
    git(repo, "branch", "-m", "main", "master")
    git(repo, "checkout", "-q", "-b", "topic")
    write_files(repo, {"a/t.txt": "t\n"})
    res, got = changes(repo)
    assert (res.base.ref, got) == ("master", {"a/t.txt": "untracked"})


def clone_with_origin(make_repo: MakeRepo, tmp_path: Path) -> tuple[Path, Path]:
    upstream = make_repo({"a/one.txt": "1\n"}, name="upstream")
    git(upstream, "checkout", "-q", "-b", "trunk")
    write_files(upstream, {"a/two.txt": "2\n"})
    git(upstream, "add", "-A")
    git(upstream, "commit", "-q", "-m", "trunk work")
    git(upstream, "symbolic-ref", "HEAD", "refs/heads/trunk")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(upstream), str(clone))
    return upstream, clone


def test_remote_default_branch_comes_from_origin_head(make_repo: MakeRepo, tmp_path: Path) -> None:
    _, clone = clone_with_origin(make_repo, tmp_path)
    git(clone, "checkout", "-q", "-b", "feature")
    write_files(clone, {"b/f.txt": "f\n"})
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "-m", "f")
    res, got = changes(clone)
    assert res.base.ref == "origin/trunk"
    assert res.base.commit == git(clone, "rev-parse", "origin/trunk")
    assert got == {"b/f.txt": "added"}


def test_ameide_base_and_explicit_base(make_repo: MakeRepo) -> None:
    repo = feature_repo(make_repo)
    first = git(repo, "rev-parse", "HEAD")
    for i in range(2):
        write_files(repo, {f"a/{i}.txt": "x\n"})
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", str(i))
    res, got = changes(repo, env={"AMEIDE_BASE": "HEAD~1"})
    assert res.base.source == "AMEIDE_BASE"
    assert got == {"a/1.txt": "added"}
    res, got = changes(repo, base=first, env={"AMEIDE_BASE": "HEAD~1"})
    assert res.base.source == "--base"
    assert got == {"a/0.txt": "added", "a/1.txt": "added"}


def test_unknown_explicit_base_is_a_usage_error(make_repo: MakeRepo) -> None:
    repo = feature_repo(make_repo)
    r = vcs.open_repo(str(repo), {})
    with pytest.raises(UsageError, match="'nope' is not a commit"):
        vcs.resolve_base(r, "nope", {})


@pytest.mark.parametrize(
    ("env_of", "source"),
    [
        (
            lambda sha, ev: {"GITHUB_ACTIONS": "true", "GITHUB_BASE_REF": "main"},
            "GitHub Actions pull request",
        ),
        (
            lambda sha, ev: {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": ev},
            "GitHub Actions push",
        ),
        (
            lambda sha, ev: {"GITLAB_CI": "true", "CI_MERGE_REQUEST_DIFF_BASE_SHA": sha},
            "GitLab merge request",
        ),
        (
            lambda sha, ev: {"GITLAB_CI": "true", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"},
            "GitLab merge request target",
        ),
        (lambda sha, ev: {"GITLAB_CI": "true", "CI_COMMIT_BEFORE_SHA": sha}, "GitLab push"),
        (
            lambda sha, ev: {
                "BUILDKITE": "true",
                "BUILDKITE_PULL_REQUEST": "7",
                "BUILDKITE_PULL_REQUEST_BASE_BRANCH": "main",
            },
            "Buildkite pull request",
        ),
    ],
)
def test_ci_environments_name_the_base(
    make_repo: MakeRepo, tmp_path: Path, env_of: object, source: str
) -> None:
    repo = feature_repo(make_repo)
    base_sha = git(repo, "rev-parse", "HEAD")
    write_files(repo, {"a/ci.txt": "c\n"})
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "ci")
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"before": base_sha}))
    env = env_of(base_sha, str(event))  # type: ignore[operator]
    res, got = changes(repo, env=env)
    assert res.base.source.startswith(source)
    assert res.base.commit == base_sha
    assert got == {"a/ci.txt": "added"}


def test_github_push_of_a_new_branch_falls_back_to_the_default_branch(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    repo = feature_repo(make_repo)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"before": "0" * 40}))
    res, _ = changes(repo, env={"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": str(event)})
    assert res.base.ref == "main"


def test_shallow_clone_is_deepened_to_find_the_merge_base(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    upstream = make_repo({"a/one.txt": "1\n"}, name="up")
    git(upstream, "checkout", "-q", "-b", "feature")
    for i in range(5):
        write_files(upstream, {f"b/{i}.txt": f"{i}\n"})
        git(upstream, "add", "-A")
        git(upstream, "commit", "-q", "-m", f"c{i}")
    git(upstream, "checkout", "-q", "main")
    clone = tmp_path / "shallow"
    git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--no-single-branch",
        f"file://{upstream}",
        str(clone),
    )
    git(clone, "checkout", "-q", "feature")
    assert git(clone, "rev-parse", "--is-shallow-repository") == "true"
    res, got = changes(clone)
    assert res.everything_reason is None
    assert any("shallow clone" in w for w in res.warnings)
    assert res.base.commit == git(upstream, "rev-parse", "main")
    assert got == {f"b/{i}.txt": "added" for i in range(5)}


def test_shallow_clone_that_cannot_be_deepened_affects_everything(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    upstream = make_repo({"a/one.txt": "1\n"}, name="up")
    git(upstream, "checkout", "-q", "-b", "feature")
    for i in range(3):
        write_files(upstream, {f"b/{i}.txt": "x\n"})
        git(upstream, "add", "-A")
        git(upstream, "commit", "-q", "-m", f"c{i}")
    clone = tmp_path / "shallow"
    git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--no-single-branch",
        f"file://{upstream}",
        str(clone),
    )
    git(clone, "checkout", "-q", "feature")
    git(clone, "remote", "remove", "origin")
    res, _ = changes(clone, base="HEAD~2")
    assert res.everything_reason is not None
    assert "shallow clone" in res.everything_reason


def test_not_a_git_repository_is_an_environment_error(tmp_path: Path) -> None:
    with pytest.raises(EnvError) as info:
        vcs.open_repo(str(tmp_path), {})
    assert info.value.exit_code == 3
    assert info.value.hint and "git" in info.value.hint


def test_monorepo_root_is_the_nearest_ameide_toml(make_repo: MakeRepo) -> None:
    repo = make_repo(
        {
            "outer.txt": "o\n",
            "sub/mono/ameide.toml": "",
            "sub/mono/x/f.txt": "f\n",
            "sub/mono/inner/ameide.toml": "",
            "sub/mono/inner/g.txt": "g\n",
        }
    )
    git(repo, "checkout", "-q", "-b", "feature")
    write_files(
        repo, {"outer2.txt": "o\n", "sub/mono/x/new.txt": "n\n", "sub/mono/inner/new.txt": "n\n"}
    )
    r = vcs.open_repo(str(repo / "sub/mono/x"), {})
    assert (r.root, r.prefix) == (str(repo / "sub/mono"), "sub/mono/")
    snap = vcs.snapshot(r, vcs.resolve_base(r, None, {}).base.commit)
    # paths are relative to the monorepo root; the nested monorepo `inner` is its own
    assert {c.path for c in snap.changes} == {"x/new.txt"}
    assert snap.index.nested_roots == ("inner",)
    assert set(snap.index.blobs) == {"ameide.toml", "x/f.txt", "x/new.txt"}
    assert snap.index.blobs["x/new.txt"] is None
    assert snap.index.blobs["x/f.txt"] == git(repo, "rev-parse", "HEAD:sub/mono/x/f.txt")


def test_untracked_directories_are_listed_file_by_file(make_repo: MakeRepo) -> None:
    repo = make_repo({".gitignore": "*.tmp\n", "a/one.txt": "1\n"})
    git(repo, "checkout", "-q", "-b", "feature")
    write_files(
        repo,
        {
            "new/deep/x.txt": "x\n",
            "new/y.txt": "y\n",
            "new/skip.tmp": "ignored\n",
            "only-ignored/z.tmp": "ignored\n",
            "glob[1]/f.txt": "a name that looks like a glob\n",
            "glob1/g.txt": "and one it would match\n",
        },
    )
    # with git's untracked cache on, `status` reports directories; the result is the same
    git(repo, "config", "core.untrackedCache", "true")
    git(repo, "update-index", "--untracked-cache")
    for _ in range(2):
        _, got = changes(repo)
        assert got == {
            "new/deep/x.txt": "untracked",
            "new/y.txt": "untracked",
            "glob[1]/f.txt": "untracked",
            "glob1/g.txt": "untracked",
        }


def test_show_files_reads_many_paths_at_a_commit_in_one_batch(make_repo: MakeRepo) -> None:
    repo = make_repo(
        {
            "ameide.toml": "",
            "a/package.json": '{"name": "a"}',
            "with space/pyproject.toml": "[project]\n",
            "bin/blob.dat": b"\x00\xff\n\nend",
            "empty.txt": "",
            "line\nbreak.txt": "nl\n",
            "dir/x.txt": "x\n",
        }
    )
    r = vcs.open_repo(str(repo), {})
    base = git(repo, "rev-parse", "HEAD")
    assert vcs.show_files(
        r,
        base,
        [
            "a/package.json",
            "with space/pyproject.toml",
            "bin/blob.dat",
            "empty.txt",
            "line\nbreak.txt",
            "dir",  # a tree, not a file
            "missing file.txt",
            "a/package.json",  # asked twice: read once
        ],
    ) == {
        "a/package.json": b'{"name": "a"}',
        "with space/pyproject.toml": b"[project]\n",
        "bin/blob.dat": b"\x00\xff\n\nend",
        "dir": None,
        "empty.txt": b"",
        "line\nbreak.txt": b"nl\n",
        "missing file.txt": None,
    }
    assert vcs.show_files(r, base, []) == {}


def test_show_files_paths_are_relative_to_a_nested_monorepo_root(make_repo: MakeRepo) -> None:
    repo = make_repo({"mono/ameide.toml": "", "mono/p/package.json": "{}", "p/package.json": "x"})
    r = vcs.open_repo(str(repo / "mono"), {})
    base = git(repo, "rev-parse", "HEAD")
    assert vcs.show_files(r, base, ["p/package.json"]) == {"p/package.json": b"{}"}


def test_the_parsed_index_is_cached_until_the_index_changes(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    repo = make_repo({"a.txt": "a\n", "dir/b.txt": "b\n"})
    r = vcs.open_repo(str(repo))
    cache = str(tmp_path / "cache")
    first = vcs.snapshot(r, None, want_changes=False, cache_dir=cache)
    assert (tmp_path / "cache" / "index.bin").exists()
    again = vcs.snapshot(r, None, want_changes=False, cache_dir=cache)
    assert again.index.blobs == first.index.blobs
    # `git add` rewrites the index: the cached listing is not used any more
    write_files(repo, {"c.txt": "c\n", "a.txt": "a2\n"})
    git(repo, "add", "c.txt")
    after = vcs.snapshot(r, None, want_changes=False, cache_dir=cache)
    assert set(after.index.blobs) == {"a.txt", "dir/b.txt", "c.txt"}
    assert after.index.blobs["a.txt"] is None  # modified in the work tree: read it
    git(repo, "commit", "-qam", "more")
    committed = vcs.snapshot(r, None, want_changes=False, cache_dir=cache)
    assert committed.index.blobs["c.txt"] == git(repo, "rev-parse", "HEAD:c.txt")
    assert committed.index.blobs["a.txt"] == git(repo, "rev-parse", "HEAD:a.txt")
    # a damaged cache file is a miss, never an error
    (tmp_path / "cache" / "index.bin").write_bytes(b"\x00garbage")
    assert vcs.snapshot(r, None, want_changes=False, cache_dir=cache).index == committed.index


def test_nested_monorepos_follow_the_work_tree_with_a_cached_listing(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    repo = make_repo(
        {"a.txt": "a\n", "old/ameide.toml": "", "old/x.txt": "x\n", "new/y.txt": "y\n"}
    )
    r = vcs.open_repo(str(repo))
    cache = str(tmp_path / "cache")
    first = vcs.snapshot(r, None, want_changes=False, cache_dir=cache)
    assert first.index.nested_roots == ("old",)
    assert set(first.index.blobs) == {"a.txt", "new/y.txt"}
    # untracked ameide.toml: `new` is a monorepo of its own now; a deleted one: `old` is not
    write_files(repo, {"new/ameide.toml": ""})
    (repo / "old/ameide.toml").unlink()
    after = vcs.snapshot(r, None, want_changes=False, cache_dir=cache)
    assert after.index.nested_roots == ("new",)
    assert set(after.index.blobs) == {"a.txt", "old/x.txt"}
