"""Cache settings: ameide.toml `[cache]`, the AMEIDE_* and TURBO_* variables and their order,
read-only pull-request builds, and `ameide cache info|clean` (exact output, no secrets)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ameide.cache.settings import settings, user_cache_dir
from ameide.config import Config, load
from ameide.errors import ConfigError, UsageError
from ameide.records import replace
from tests.conftest import MakeRepo

RunCli = Callable[..., tuple[int, str, str]]
NONE = Config.from_data(None, "", {})


def cfg(cache: dict[str, object]) -> Config:
    return replace(NONE, cache=cache)


def test_user_cache_dir_follows_xdg() -> None:
    assert user_cache_dir({"XDG_CACHE_HOME": "/x/c", "HOME": "/h"}) == "/x/c/ameide"
    assert user_cache_dir({"HOME": "/h"}) == "/h/.cache/ameide"
    assert user_cache_dir({"XDG_CACHE_HOME": "relative", "HOME": "/h"}) == "/h/.cache/ameide"
    assert user_cache_dir({"AMEIDE_CACHE_DIR": "/d", "XDG_CACHE_HOME": "/x"}) == "/d"


def test_defaults() -> None:
    s = settings(NONE, {"HOME": "/h"})
    assert s.enabled and s.remote is None and s.remote_reason == "no remote configured"
    assert s.max_bytes == 2048 * 1024 * 1024
    assert "install" not in s.kinds and "codegen" not in s.kinds and "unit" in s.kinds


def test_toml_and_env_switches() -> None:
    assert settings(cfg({"enabled": False}), {}).reason == "ameide.toml [cache] enabled = false"
    assert settings(cfg({"enabled": False}), {"AMEIDE_CACHE": "1"}).enabled
    assert settings(NONE, {"AMEIDE_CACHE": "off"}).reason == "AMEIDE_CACHE=0"
    with pytest.raises(UsageError, match="AMEIDE_CACHE='maybe' is not a boolean"):
        settings(NONE, {"AMEIDE_CACHE": "maybe"})
    s = settings(cfg({"kinds": ["unit"], "max_size_mb": 10, "env": ["A_*"]}), {})
    assert (s.kinds, s.max_bytes, s.env) == (frozenset({"unit"}), 10 * 1024 * 1024, ("A_*",))


def test_remote_precedence_ameide_env_then_toml_then_turbo() -> None:
    toml = cfg({"remote": {"url": "https://toml.example", "team": "t-toml"}})
    turbo = {"TURBO_API": "https://turbo.example", "TURBO_TEAM": "t-turbo", "TURBO_TOKEN": "x"}
    r = settings(NONE, turbo).remote
    assert r is not None and (r.url, r.team, r.token_source) == (
        "https://turbo.example",
        "t-turbo",
        "TURBO_TOKEN",
    )
    r = settings(toml, turbo).remote
    assert r is not None and (r.url, r.team, r.source) == (
        "https://toml.example",
        "t-toml",
        "ameide.toml [cache.remote] url",
    )
    env = {
        **turbo,
        "AMEIDE_REMOTE_CACHE_URL": "http://127.0.0.1:3000/",
        "AMEIDE_REMOTE_CACHE_TEAM": "t-env",
        "AMEIDE_REMOTE_CACHE_TOKEN": "y",
    }
    r = settings(toml, env).remote
    assert r is not None and (r.url, r.team, r.token, r.token_source) == (
        "http://127.0.0.1:3000",
        "t-env",
        "y",
        "AMEIDE_REMOTE_CACHE_TOKEN",
    )
    assert settings(toml, {"AMEIDE_REMOTE_CACHE": "0"}).remote is None
    off = cfg({"remote": {"url": "https://x", "enabled": False}})
    assert settings(off, {}).remote_reason == "ameide.toml [cache.remote] enabled = false"


@pytest.mark.parametrize(
    ("env", "read_only", "reason"),
    [
        ({}, False, ""),
        ({"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push"}, False, ""),
        (
            {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request"},
            True,
            "GitHub Actions pull_request build",
        ),
        (
            {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request_target"},
            True,
            "GitHub Actions pull_request_target build",
        ),
        (
            {"GITLAB_CI": "true", "CI_MERGE_REQUEST_IID": "7"},
            True,
            "GitLab merge request pipeline",
        ),
        (
            {"BUILDKITE": "true", "BUILDKITE_PULL_REQUEST": "12"},
            True,
            "Buildkite pull request build",
        ),
        ({"AMEIDE_REMOTE_CACHE_READ_ONLY": "yes"}, True, "AMEIDE_REMOTE_CACHE_READ_ONLY"),
        (
            {
                "GITHUB_ACTIONS": "true",
                "GITHUB_EVENT_NAME": "pull_request",
                "AMEIDE_REMOTE_CACHE_READ_ONLY": "0",
            },
            False,
            "AMEIDE_REMOTE_CACHE_READ_ONLY",
        ),
    ],
)
def test_read_only_for_untrusted_builds(env: dict[str, str], read_only: bool, reason: str) -> None:
    r = settings(NONE, {"AMEIDE_REMOTE_CACHE_URL": "https://c.example", **env}).remote
    assert r is not None and (r.read_only, r.read_only_reason) == (read_only, reason)


def test_signature_key_from_the_named_variable() -> None:
    base = {"AMEIDE_REMOTE_CACHE_URL": "https://c.example"}
    r = settings(NONE, base).remote
    assert r is not None and r.signature_key is None and r.signature_env is None
    r = settings(NONE, {**base, "TURBO_REMOTE_CACHE_SIGNATURE_KEY": "k"}).remote
    assert r is not None and (r.signature_key, r.signature_env) == (
        b"k",
        "TURBO_REMOTE_CACHE_SIGNATURE_KEY",
    )
    named = cfg({"remote": {"signature_key_env": "MY_KEY"}})
    r = settings(named, {**base, "MY_KEY": "s"}).remote
    assert r is not None and r.signature_key == b"s"
    r = settings(named, base).remote  # configured, but not in this environment
    assert r is not None and r.signature_key is None and r.signature_env == "MY_KEY"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"AMEIDE_REMOTE_CACHE_URL": "ftp://x"},
            "AMEIDE_REMOTE_CACHE_URL=.ftp://x.: not an http(s) URL",
        ),
        (
            {"AMEIDE_REMOTE_CACHE_URL": "http://x", "AMEIDE_REMOTE_CACHE_TIMEOUT": "soon"},
            "AMEIDE_REMOTE_CACHE_TIMEOUT='soon' is not a number of seconds",
        ),
        (
            {"AMEIDE_REMOTE_CACHE_URL": "http://x", "AMEIDE_REMOTE_CACHE_READ_ONLY": "ja"},
            "AMEIDE_REMOTE_CACHE_READ_ONLY='ja' is not a boolean",
        ),
    ],
)
def test_bad_variables_are_usage_errors(env: dict[str, str], message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        settings(NONE, env)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[cache]\nenabled = 'yes please'\n", "cache.enabled: Input should be a valid boolean"),
        ("[cache]\nkinds = ['install']\n", "cache.kinds.0: Input should be 'vet', 'collect'"),
        ("[cache]\nmax_size_mb = 0\n", "cache.max_size_mb: Input should be greater than"),
        ("[cache.remote]\nurl = 'cache.example.com'\n", "cache.remote.url: not an http(s) URL"),
        ("[cache.remote]\ntoken = 'x'\n", "cache.remote.token: unknown key"),
        ("[cache.remote]\ntimeout = 0\n", "cache.remote.timeout: Input should be greater than 0"),
    ],
)
def test_bad_cache_tables_name_the_key(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / "ameide.toml").write_text(text)
    with pytest.raises(ConfigError) as info:
        load(str(tmp_path))
    assert any(ln.startswith(f"  {problem}") for ln in info.value.message.splitlines()), (
        info.value.message
    )


def test_a_full_cache_table_loads(tmp_path: Path) -> None:
    (tmp_path / "ameide.toml").write_text(
        "[cache]\nenabled = true\nmax_size_mb = 512\nkinds = ['unit', 'lint']\nenv = ['A']\n"
        "[cache.remote]\nurl = 'https://cache.example.com'\nteam = 'team_x'\nread_only = true\n"
        "signature_key_env = 'K'\ntimeout = 3\n"
        '[targets."go:x"]\ncache = false\n'
    )
    c = load(str(tmp_path))
    assert c.cache["remote"]["team"] == "team_x" and c.targets["go:x"]["cache"] is False
    s = settings(c, {})
    assert s.remote is not None and s.remote.read_only and s.remote.timeout == 3.0


# ------------------------------------------------------------------ ameide cache info|clean


def test_cache_info_and_clean(
    run_cli: RunCli, make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    repo = make_repo(
        {"ameide.toml": "[cache]\nmax_size_mb = 1\n[cache.remote]\nurl = 'https://c.example'\n"}
    )
    monkeypatch.setenv("AMEIDE_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setenv("TURBO_TOKEN", "very-secret-token")
    monkeypatch.setenv("TURBO_TEAM", "team_x")
    d = tmp_path / "c" / "tasks" / "v1" / "ab"
    d.mkdir(parents=True)
    for i in range(3):
        (d / f"ab{i:062d}").write_bytes(b"x" * 1000)
    code, out, err = run_cli(["cache", "info"], repo)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:3] == [
        "task cache: on",
        f"  directory: {tmp_path / 'c'}",
        "  entries:   3, 2.9 KiB of 1.0 MiB (0%)",
    ]
    assert lines[4:] == [
        "  kinds:     buf-breaking, buf-format, buf-lint, collect, contract, integration, lint, "
        "typecheck, unit, vet",
        f"  config:    {repo / 'ameide.toml'}",
        "remote cache: https://c.example (from ameide.toml [cache.remote] url)",
        "  team:      team_x",
        "  token:     from TURBO_TOKEN",
        "  mode:      read-write",
        "  timeout:   2s per request",
    ]
    code, out, _ = run_cli(["cache", "info", "--json"], repo)
    doc = json.loads(out)
    assert (doc["schema"], doc["entries"], doc["bytes"], doc["max_bytes"]) == (1, 3, 3000, 1 << 20)
    assert doc["remote"]["token"] == "TURBO_TOKEN"
    assert "very-secret-token" not in out
    code, out, _ = run_cli(["cache", "clean"], repo)
    assert (code, out) == (0, f"removed 3 cached results (2.9 KiB) from {tmp_path / 'c'}\n")
    code, out, _ = run_cli(["cache", "clean", "--json"], repo)
    assert json.loads(out) == {"schema": 1, "dir": str(tmp_path / "c"), "removed": 0, "bytes": 0}


def test_cache_info_outside_a_repository(run_cli: RunCli, tmp_path: Path) -> None:
    code, out, _ = run_cli(["cache", "info"], tmp_path)
    assert code == 0
    assert "  config:    (no ameide.toml: defaults)" in out
    assert out.splitlines()[-1] == "remote cache: none (no remote configured)"
