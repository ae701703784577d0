"""Workspace globs (`glob_regex`, `match_globs`) and the path helpers every ecosystem shares."""

from __future__ import annotations

from pathlib import Path

import pytest

from ameide.ecosystems import (
    REGISTRY,
    deepest_owner,
    glob_regex,
    in_skipped_dir,
    join,
    match_globs,
    owner_dirs,
    parent,
    within,
)
from ameide.model import Target


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        # `*` stays inside one path segment
        ("packages/*", "packages/a", True),
        ("packages/*", "packages/a-b.c", True),
        ("packages/*", "packages/a/b", False),
        ("packages/*", "packages", False),
        ("packages/*", "packages/", True),
        ("packages/*", "other/a", False),
        ("packages/*", "x/packages/a", False),
        ("*", "a", True),
        ("*", "a/b", False),
        ("*-svc", "api-svc", True),
        ("*-svc", "api-svc/x", False),
        ("*-svc", "team/api-svc", False),
        ("packages/*/*", "packages/a/b", True),
        ("packages/*/*", "packages/a", False),
        # `**` crosses segments; a trailing `/**` also matches the base directory itself
        ("packages/**", "packages/a", True),
        ("packages/**", "packages/a/b/c", True),
        ("packages/**", "packages", True),
        ("packages/**", "packagesx", False),
        ("packages/**", "packagesx/a", False),
        ("**", "a/b/c", True),
        ("**", "a", True),
        ("a**", "a/b", True),
        ("a**", "ab", True),
        # `**/` matches zero or more whole directories
        ("**/lib", "lib", True),
        ("**/lib", "a/lib", True),
        ("**/lib", "a/b/lib", True),
        ("**/lib", "alib", False),
        ("**/lib", "a/lib/x", False),
        ("apps/**/web", "apps/web", True),
        ("apps/**/web", "apps/x/web", True),
        ("apps/**/web", "apps/x/y/web", True),
        ("apps/**/web", "apps/xweb", False),
        ("apps/**/web", "apps/x/webx", False),
        ("**/test/**", "test", True),
        ("**/test/**", "a/test/b", True),
        ("**/test/**", "a/tests/b", False),
        # `?` is exactly one character, never `/`
        ("pkg?", "pkg1", True),
        ("pkg?", "pkg", False),
        ("pkg?", "pkg12", False),
        ("a?b", "a/b", False),
        # character classes
        ("svc-[abc]", "svc-a", True),
        ("svc-[abc]", "svc-c", True),
        ("svc-[abc]", "svc-d", False),
        ("svc-[abc]", "svc-ab", False),
        ("svc-[!a]", "svc-b", True),
        ("svc-[!a]", "svc-a", False),
        ("v[0-9]", "v7", True),
        ("v[0-9]", "vx", False),
        ("x[]]", "x]", True),
        ("x[!]]", "x]", False),
        ("x[!]]", "xa", True),
        ("a[", "a[", True),
        ("[]", "[]", True),
        # leading `./`, trailing `/`, surrounding blanks
        ("./packages/*", "packages/a", True),
        ("././packages/*", "packages/a", True),
        ("packages/*/", "packages/a", True),
        ("packages/a/", "packages/a", True),
        ("  packages/*  ", "packages/a", True),
        (".", ".", True),
        ("./", ".", True),
        ("", ".", True),
        (".", "a", False),
        # every other character is literal
        ("a.b", "a.b", True),
        ("a.b", "axb", False),
        ("a+b", "a+b", True),
        ("a+b", "aab", False),
        ("(x)|y", "(x)|y", True),
        ("(x)|y", "y", False),
        ("$x^", "$x^", True),
        ("@scope/pkg", "@scope/pkg", True),
    ],
)
def test_glob_regex(pattern: str, path: str, expected: bool) -> None:
    assert bool(glob_regex(pattern).match(path)) is expected


def test_glob_regex_compiled_patterns() -> None:
    assert glob_regex("packages/*").pattern == r"packages/[^/]*\Z"
    assert glob_regex("**/x").pattern == r"(?:.*/)?x\Z"
    assert glob_regex("a/**").pattern == r"a(?:/.*)?\Z"
    assert glob_regex("a/**/b?").pattern == r"a/(?:.*/)?b[^/]\Z"
    assert glob_regex("[!a-c]").pattern == r"[^a-c]\Z"
    assert glob_regex("./x/").pattern == r"x\Z"
    assert glob_regex("x") is glob_regex("x")  # compiled once


CANDIDATES = [
    "packages/a",
    "packages/b",
    "packages/legacy",
    "packages/a/nested",
    "apps/web",
    "apps/team/admin",
    "tools",
    ".",
    "packagesx/z",
]


def test_match_globs_includes_and_excludes() -> None:
    got = match_globs(CANDIDATES, ["packages/*", "apps/**"], ["packages/legacy"])
    assert got == ["apps/team/admin", "apps/web", "packages/a", "packages/b"]


def test_match_globs_exclude_glob_and_no_includes() -> None:
    assert match_globs(CANDIDATES, ["packages/**"], ["**/nested", "packages/b"]) == [
        "packages/a",
        "packages/legacy",
    ]
    assert match_globs(CANDIDATES, [], []) == []
    assert match_globs(CANDIDATES, ["missing/*"], []) == []


def test_match_globs_output_is_sorted_and_deduplicated_by_candidates() -> None:
    assert match_globs(["z", "b", "a"], ["*", "a"], []) == ["a", "b", "z"]


def test_match_globs_dot_matches_the_base_itself() -> None:
    assert match_globs(CANDIDATES, ["."], []) == ["."]
    assert match_globs(CANDIDATES, ["tools", "."], []) == [".", "tools"]


def test_match_globs_relative_to_a_base_dir() -> None:
    cands = ["js", "js/packages/ui", "js/packages/api", "js/apps/web", "packages/ui", "jsx/a"]
    assert match_globs(cands, ["packages/*"], [], base="js") == [
        "js/packages/api",
        "js/packages/ui",
    ]
    assert match_globs(cands, ["*/*"], ["apps/*"], base="js") == [
        "js/packages/api",
        "js/packages/ui",
    ]
    assert match_globs(cands, ["."], [], base="js") == ["js"]
    assert match_globs(cands, ["**"], [], base="js") == [
        "js",
        "js/apps/web",
        "js/packages/api",
        "js/packages/ui",
    ]


def test_match_globs_base_never_reaches_outside() -> None:
    assert match_globs(["a/x", "b/x", "ab/x"], ["*", "../b/x"], [], base="a") == ["a/x"]


@pytest.mark.parametrize(
    ("path", "directory", "expected"),
    [
        ("a/b", ".", True),
        (".", ".", True),
        ("a", "a", True),
        ("a/b/c", "a/b", True),
        ("a/bc", "a/b", False),
        ("ab", "a", False),
        ("a", "a/b", False),
    ],
)
def test_within(path: str, directory: str, expected: bool) -> None:
    assert within(path, directory) is expected


def test_join_and_parent() -> None:
    assert join(".", "go.mod") == "go.mod"
    assert join("a", "./b") == "a/b"
    assert join("a/b", "../c") == "a/c"
    assert join("a", "..") == "."
    assert join(".", ".") == "."
    assert join("", "x") == "x"
    assert join("a", "../../x") == "../x"
    assert parent("go.mod") == "."
    assert parent("a/b/go.mod") == "a/b"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("node_modules/x/package.json", True),
        ("web/node_modules/x/package.json", True),
        ("a/.venv/lib/pyproject.toml", True),
        ("a/__pycache__/x.py", True),
        (".git/config", True),
        ("node_modules", False),  # the file name itself is not a directory
        ("my_node_modules/package.json", False),
        ("src/package.json", False),
    ],
)
def test_in_skipped_dir(path: str, expected: bool) -> None:
    assert in_skipped_dir(path) is expected


def test_deepest_owner_picks_the_innermost_target_dir() -> None:
    targets = [
        Target("go:r", "go", "r", "."),
        Target("go:a", "go", "a", "a"),
        Target("pnpm:a", "pnpm", "a", "a"),
        Target("go:ab", "go", "ab", "a/b"),
    ]
    by_dir = owner_dirs(targets)
    assert by_dir == {".": ["go:r"], "a": ["go:a", "pnpm:a"], "a/b": ["go:ab"]}
    assert deepest_owner("a/b/c/x.go", by_dir) == ["go:ab"]
    assert deepest_owner("a/bx/y.go", by_dir) == ["go:a", "pnpm:a"]
    assert deepest_owner("README.md", by_dir) == ["go:r"]
    assert deepest_owner("a/b", by_dir, is_dir=True) == ["go:ab"]
    assert deepest_owner("x/y", owner_dirs(targets[1:])) == []


def test_ecosystems_load_in_build_order() -> None:
    assert REGISTRY.names() == ("go", "pnpm", "uv", "buf")


def test_parsed_lockfiles_are_cached_by_content(tmp_path: Path) -> None:
    from ameide.ecosystems import ParseCache

    calls: list[bytes] = []

    def parse(data: bytes) -> dict[str, object]:
        calls.append(data)
        return {"n": len(data), "items": [("a", "1")]}

    cache = ParseCache(str(tmp_path))
    first = cache.get("uv", b"lock one", parse)
    assert cache.get("uv", b"lock one", parse) == first  # from the file: parsed once
    assert calls == [b"lock one"]
    assert cache.get("uv", b"lock two", parse)["n"] == 8
    assert len(calls) == 2
    # a damaged entry is a miss, never an error; without a cache dir every call parses
    for f in (tmp_path / "locks").iterdir():
        f.write_bytes(b"\x00damaged")
    assert cache.get("uv", b"lock one", parse) == first
    assert ParseCache(None).get("uv", b"x", parse)["n"] == 1
