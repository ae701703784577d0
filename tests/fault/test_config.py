"""Errors a user can cause are one screen with the file or variable, the key and a hint, under
the documented exit code, and never a traceback (issue 12, item 7 and the "also seen" ones):
remote URLs with an invalid port or a broken host, a NUL byte in a command, an empty command,
a relative cache directory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cache.conftest import FakeGo, MakeGoRepo
from tests.conftest import write_files

pytestmark = pytest.mark.fault

RunCli = Callable[[list[str], Path], tuple[int, str, str]]
BAD_URLS = [
    ("http://127.0.0.1:99999", "port 99999 is out of range (1-65535)"),
    ("http://[::1", "an unclosed [ in the host"),
    ("http://host:abc", "port 'abc' is not a number"),
    ("http://:8080", "no host"),
    ("ftp://cache.example.com", "not an http(s) URL"),
]
CHANGE = {"b/b.go": "package b\n\nfunc B() int { return 2 }\n"}


def one_screen(err: str) -> None:
    assert "Traceback" not in err and "internal error" not in err, err
    assert err.startswith("ameide: error: ") and "\n  hint: " in err, err
    assert len(err.splitlines()) <= 12, err


@pytest.mark.parametrize(("url", "why"), BAD_URLS, ids=[u for u, _ in BAD_URLS])
@pytest.mark.parametrize("var", ["AMEIDE_REMOTE_CACHE_URL", "TURBO_API"])
def test_a_bad_remote_url_in_the_environment_is_a_usage_error(
    run_cli: RunCli,
    fake_go: FakeGo,
    go_repo: MakeGoRepo,
    monkeypatch: pytest.MonkeyPatch,
    var: str,
    url: str,
    why: str,
) -> None:
    repo = go_repo()
    write_files(repo, CHANGE)
    monkeypatch.setenv(var, url)
    for argv in (["test"], ["cache", "info"]):
        code, out, err = run_cli(argv, repo)
        assert code == 2, (argv, out, err)
        one_screen(err)
        assert f"{var}={url!r}" in err and why in err, err


@pytest.mark.parametrize(("url", "why"), BAD_URLS, ids=[u for u, _ in BAD_URLS])
def test_a_bad_remote_url_in_ameide_toml_names_the_file_and_key(
    run_cli: RunCli, fake_go: FakeGo, go_repo: MakeGoRepo, url: str, why: str
) -> None:
    repo = go_repo({"ameide.toml": f'[cache.remote]\nurl = "{url}"\n'})
    write_files(repo, CHANGE)
    code, _, err = run_cli(["test"], repo)
    assert code == 2, err
    one_screen(err)
    assert f"{repo / 'ameide.toml'}: invalid configuration" in err
    assert f"cache.remote.url: {why}" in err, err


@pytest.mark.parametrize(
    ("table", "key"),
    [("forge", "api_url"), ("workspace", "code_server_url")],
)
def test_every_url_in_ameide_toml_is_checked(
    run_cli: RunCli, fake_go: FakeGo, go_repo: MakeGoRepo, table: str, key: str
) -> None:
    repo = go_repo({"ameide.toml": f'[{table}]\n{key} = "http://127.0.0.1:99999"\n'})
    code, _, err = run_cli(["test"], repo)
    assert code == 2, err
    one_screen(err)
    assert f"{table}.{key}: port 99999 is out of range (1-65535)" in err, err


def test_credentials_in_a_remote_url_are_never_shown(
    run_cli: RunCli, fake_go: FakeGo, go_repo: MakeGoRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = go_repo()
    monkeypatch.setenv("AMEIDE_REMOTE_CACHE_URL", "http://ci:url-SENTINEL-pw@127.0.0.1:9")
    for argv in (["cache", "info"], ["cache", "info", "--json"]):
        code, out, err = run_cli(argv, repo)
        assert code == 0, err
        assert "url-SENTINEL-pw" not in out + err and "http://***@127.0.0.1:9" in out
    write_files(repo, CHANGE)
    code, out, err = run_cli(["test"], repo)
    assert code == 0, out + err
    summary = (repo / "artifacts/agent-ci/latest/summary.json").read_text()
    assert "url-SENTINEL-pw" not in out + err + summary
    assert "credentials in the remote cache URL are not used" in out
    # a bad port next to credentials: the error names neither
    monkeypatch.setenv("AMEIDE_REMOTE_CACHE_URL", "http://ci:url-SENTINEL-pw@h:99999")
    code, _, err = run_cli(["test"], repo)
    assert code == 2 and "url-SENTINEL-pw" not in err and "http://***@h:99999" in err


@pytest.mark.parametrize(
    "command",
    ['["go", "te\\u0000st"]', '["go\\u0000", "test"]'],
    ids=["argument", "program"],
)
def test_a_nul_byte_in_a_command_is_a_configuration_error(
    run_cli: RunCli, fake_go: FakeGo, go_repo: MakeGoRepo, command: str
) -> None:
    repo = go_repo({"ameide.toml": f'[targets."go:example.com/m/b"]\nunit = {command}\n'})
    write_files(repo, CHANGE)
    code, _, err = run_cli(["test"], repo)
    assert code == 2, err
    one_screen(err)
    assert 'targets."go:example.com/m/b".unit' in err and "a NUL byte" in err, err


def test_a_nul_byte_anywhere_in_ameide_toml_is_named(
    run_cli: RunCli, fake_go: FakeGo, go_repo: MakeGoRepo
) -> None:
    repo = go_repo({"ameide.toml": '[affected]\nignore = ["docs/\\u0000x"]\n'})
    code, _, err = run_cli(["test"], repo)
    assert code == 2 and "affected.ignore.0: a NUL byte" in err, err
    one_screen(err)


@pytest.mark.parametrize("phase", ["unit", "contract", "integration"])
def test_an_empty_command_is_an_error_not_the_default(
    run_cli: RunCli, fake_go: FakeGo, go_repo: MakeGoRepo, phase: str
) -> None:
    """`unit = []` used to run the default command without a word; an empty command cannot
    be meant, so it is refused with the two things it could have meant."""
    repo = go_repo({"ameide.toml": f'[targets."go:example.com/m/b"]\n{phase} = []\n'})
    write_files(repo, CHANGE)
    code, _, err = run_cli(["test"], repo)
    assert code == 2, err
    one_screen(err)
    assert f'targets."go:example.com/m/b".{phase}: an empty command' in err, err
    assert "remove the key" in err and "skip = true" in err


def test_a_relative_cache_dir_is_refused(
    run_cli: RunCli,
    fake_go: FakeGo,
    go_repo: MakeGoRepo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A relative AMEIDE_CACHE_DIR depended on where ameide ran and created an untracked
    directory inside the repository."""
    repo = go_repo()
    write_files(repo, CHANGE)
    monkeypatch.setenv("AMEIDE_CACHE_DIR", "cache")
    code, _, err = run_cli(["test"], repo)
    assert code == 2, err
    one_screen(err)
    assert "AMEIDE_CACHE_DIR='cache' is not an absolute path" in err
    assert not (repo / "cache").exists()


def test_a_token_with_a_newline_is_refused_without_showing_it(
    run_cli: RunCli, fake_go: FakeGo, go_repo: MakeGoRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It would end up in an HTTP header (`Bearer tok\\nX-Evil: 1`): refused up front."""
    repo = go_repo()
    write_files(repo, CHANGE)
    monkeypatch.setenv("AMEIDE_REMOTE_CACHE_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AMEIDE_REMOTE_CACHE_TOKEN", "tok-SENTINEL-77\nX-Evil: 1")
    code, out, err = run_cli(["test"], repo)
    assert code == 2, out + err
    one_screen(err)
    assert "AMEIDE_REMOTE_CACHE_TOKEN holds a space, a newline" in err
    assert "SENTINEL" not in out + err
    monkeypatch.setenv("AMEIDE_REMOTE_CACHE_TOKEN", "  tok-SENTINEL-77\n")  # trimmed: fine
    code, out, err = run_cli(["test"], repo)
    assert code == 0 and "SENTINEL" not in out + err
