"""`ameide codex seed`: slots, rotating before seed secrets, the newer-credential rule,
config.toml edits that keep everything else, and no secret ever in the output."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ameide.errors import ConfigError, UsageError
from ameide.workspace.codex import (
    candidates,
    parse_slot,
    seed,
    set_file_store,
)

RunCli = Callable[..., tuple[int, str, str]]
NOW = 1_800_000_000.0  # 2027-01-15T08:00:00Z
SECRET_WORDS = ("ACCESS-SECRET", "REFRESH-SECRET", "ID-SECRET", "sk-API-SECRET")


def cred(tag: str, last_refresh: str | None = "2027-01-15T06:00:00Z") -> dict[str, Any]:
    doc: dict[str, Any] = {
        "OPENAI_API_KEY": None,
        "tokens": {
            "id_token": f"ID-SECRET-{tag}",
            "access_token": f"ACCESS-SECRET-{tag}",
            "refresh_token": f"REFRESH-SECRET-{tag}",
            "account_id": f"acct-{tag}",
        },
    }
    if last_refresh:
        doc["last_refresh"] = last_refresh
    return doc


def put_secret(secrets: Path, name: str, doc: dict[str, Any], *, as_dir: bool = True) -> Path:
    """A Kubernetes-style secret volume (<dir>/<name>/auth.json via ..data) or a plain file."""
    if not as_dir:
        secrets.mkdir(parents=True, exist_ok=True)
        (secrets / name).write_text(json.dumps(doc))
        return secrets / name
    vol = secrets / name
    data = vol / "..2027_01_15_data"
    data.mkdir(parents=True)
    (data / "auth.json").write_text(json.dumps(doc))
    (vol / "..data").symlink_to(data.name)
    (vol / "auth.json").symlink_to("..data/auth.json")
    return vol / "auth.json"


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    return secrets, tmp_path / "home" / ".codex"


def auth(home: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((home / "auth.json").read_text())
    return doc


def test_slot_parsing() -> None:
    assert [parse_slot(v) for v in (None, "", "auto", "AUTO", "0", "2")] == [
        None,
        None,
        None,
        None,
        0,
        2,
    ]
    with pytest.raises(UsageError):
        parse_slot("3")
    assert candidates(None) == [
        "codex-auth-rotating-0",
        "codex-auth-rotating-1",
        "codex-auth-rotating-2",
        "codex-auth-0",
        "codex-auth-1",
        "codex-auth-2",
    ]
    assert candidates(1) == ["codex-auth-rotating-1", "codex-auth-1"]


def test_auto_prefers_any_rotating_secret_over_seeds(dirs: tuple[Path, Path]) -> None:
    secrets, home = dirs
    put_secret(secrets, "codex-auth-0", cred("seed0"))
    put_secret(secrets, "codex-auth-rotating-2", cred("rot2"))
    r = seed(str(secrets), str(home), None, now=NOW)
    assert (r.status, r.secret, r.exit_code) == ("seeded", "codex-auth-rotating-2", 0)
    assert r.message == f"seeded {home}/auth.json from codex-auth-rotating-2 (last refresh 2 h ago)"
    assert auth(home)["tokens"]["access_token"] == "ACCESS-SECRET-rot2"
    assert stat.S_IMODE(os.stat(home / "auth.json").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700
    assert (home / "config.toml").read_text() == 'cli_auth_credentials_store = "file"\n'
    assert r.config_changed


def test_auto_falls_back_to_seed_secret_and_plain_files(dirs: tuple[Path, Path]) -> None:
    secrets, home = dirs
    (secrets / "codex-auth-rotating-0").mkdir()  # an optional secret that does not exist
    put_secret(secrets, "codex-auth-1", cred("seed1"), as_dir=False)
    r = seed(str(secrets), str(home), None, now=NOW)
    assert (r.status, r.secret) == ("seeded", "codex-auth-1")
    assert r.secret_path == str(secrets / "codex-auth-1")


def test_auto_without_secrets_warns_and_exits_0(dirs: tuple[Path, Path]) -> None:
    secrets, home = dirs
    r = seed(str(secrets / "absent"), str(home), None, now=NOW)
    assert (r.status, r.exit_code) == ("none", 0)
    assert not (home / "auth.json").exists()
    assert (home / "config.toml").exists()  # the store is still set for a later login


def test_explicit_slot_missing_exits_1(dirs: tuple[Path, Path]) -> None:
    secrets, home = dirs
    put_secret(secrets, "codex-auth-0", cred("seed0"))
    r = seed(str(secrets), str(home), 1, now=NOW)
    assert (r.status, r.exit_code, r.tried) == (
        "missing",
        1,
        ("codex-auth-rotating-1", "codex-auth-1"),
    )
    assert not (home / "auth.json").exists()
    r = seed(str(secrets), str(home), 0, now=NOW)
    assert (r.status, r.secret) == ("seeded", "codex-auth-0")


def test_invalid_secret_is_skipped_in_auto_and_fails_when_explicit(dirs: tuple[Path, Path]) -> None:
    secrets, home = dirs
    (secrets / "codex-auth-rotating-0").write_text("{not json REFRESH-SECRET")
    put_secret(secrets, "codex-auth-0", cred("seed0"))
    r = seed(str(secrets), str(home), None, now=NOW)
    assert (r.status, r.secret) == ("seeded", "codex-auth-0")
    assert r.warnings == (
        f"secret codex-auth-rotating-0 ({secrets}/codex-auth-rotating-0) is unusable: "
        "not valid JSON",
    )
    r = seed(str(secrets), str(home), 0, now=NOW)
    assert (r.status, r.exit_code) == ("invalid", 1)


def test_never_replaces_a_newer_credential(dirs: tuple[Path, Path]) -> None:
    secrets, home = dirs
    put_secret(secrets, "codex-auth-0", cred("old", "2027-01-10T00:00:00Z"))
    home.mkdir(parents=True)
    (home / "auth.json").write_text(json.dumps(cred("refreshed", "2027-01-15T07:00:00Z")))
    (home / "auth.json").chmod(0o644)
    r = seed(str(secrets), str(home), None, now=NOW)
    assert r.status == "kept-newer"
    assert r.message == (
        f"kept {home}/auth.json: it is newer (refreshed 60 min ago) than "
        "codex-auth-0 (last refresh 5 d ago)"
    )
    assert auth(home)["tokens"]["access_token"] == "ACCESS-SECRET-refreshed"
    assert stat.S_IMODE(os.stat(home / "auth.json").st_mode) == 0o600  # mode still fixed


def test_replaces_an_older_credential(dirs: tuple[Path, Path]) -> None:
    secrets, home = dirs
    put_secret(secrets, "codex-auth-rotating-0", cred("fresh", "2027-01-15T07:00:00Z"))
    home.mkdir(parents=True)
    (home / "auth.json").write_text(json.dumps(cred("stale", "2027-01-01T00:00:00Z")))
    r = seed(str(secrets), str(home), None, now=NOW)
    assert r.status == "seeded"
    assert auth(home)["tokens"]["access_token"] == "ACCESS-SECRET-fresh"


def test_seed_is_idempotent(dirs: tuple[Path, Path]) -> None:
    secrets, home = dirs
    put_secret(secrets, "codex-auth-0", cred("a"))
    first = seed(str(secrets), str(home), None, now=NOW)
    before = os.stat(home / "auth.json")
    second = seed(str(secrets), str(home), None, now=NOW)
    after = os.stat(home / "auth.json")
    assert (first.status, second.status) == ("seeded", "current")
    assert not second.config_changed
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_config_toml_edit_keeps_every_other_line() -> None:
    text = (
        "# my Codex settings\n"
        'model = "gpt-5-codex"  # the default model\n'
        "\n"
        "# MCP servers\n"
        "[mcp_servers.docs]\n"
        'command = "docs-mcp"\n'
    )
    assert set_file_store(text) == (
        "# my Codex settings\n"
        'model = "gpt-5-codex"  # the default model\n'
        "\n"
        'cli_auth_credentials_store = "file"\n'
        "# MCP servers\n"
        "[mcp_servers.docs]\n"
        'command = "docs-mcp"\n'
    )
    replaced = set_file_store('cli_auth_credentials_store = "keyring"  # was keyring\n[x]\na = 1\n')
    assert replaced == 'cli_auth_credentials_store = "file"  # was keyring\n[x]\na = 1\n'
    same = 'model = "m"\ncli_auth_credentials_store = "file"\n'
    assert set_file_store(same) is same
    assert set_file_store("a = 1") == 'a = 1\ncli_auth_credentials_store = "file"\n'
    assert set_file_store("") == 'cli_auth_credentials_store = "file"\n'
    # a key of the same name inside a table is not the top-level one
    assert set_file_store('[profiles.x]\ncli_auth_credentials_store = "keyring"\n') == (
        'cli_auth_credentials_store = "file"\n'
        '[profiles.x]\ncli_auth_credentials_store = "keyring"\n'
    )
    with pytest.raises(ConfigError):
        set_file_store("[broken\n")


def test_seed_keeps_existing_config(dirs: tuple[Path, Path]) -> None:
    secrets, home = dirs
    home.mkdir(parents=True)
    (home / "config.toml").write_text('# keep me\nmodel = "o3"\n')
    (home / "config.toml").chmod(0o644)
    r = seed(str(secrets), str(home), None, now=NOW)
    assert r.config_changed
    assert (home / "config.toml").read_text() == (
        '# keep me\nmodel = "o3"\ncli_auth_credentials_store = "file"\n'
    )
    assert stat.S_IMODE(os.stat(home / "config.toml").st_mode) == 0o644


# --------------------------------------------------------------------------------- CLI


def test_cli_seed_never_prints_secrets(
    run_cli: RunCli, dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secrets, home = dirs
    doc = cred("cli")
    doc["OPENAI_API_KEY"] = "sk-API-SECRET"
    put_secret(secrets, "codex-auth-rotating-0", doc)
    monkeypatch.setenv("CODEX_HOME", str(home))
    monkeypatch.setenv("AMEIDE_CODEX_SECRETS_DIR", str(secrets))
    outputs = []
    for argv in (
        ["codex", "seed"],
        ["codex", "seed"],
        ["codex", "seed", "--json"],
        ["workspace", "check"],
        ["workspace", "check", "--json"],
        ["codex", "seed", "-v"],
    ):
        code, out, err = run_cli(argv, tmp_path)
        assert code in (0, 1), (argv, err)
        outputs.append(out + err)
    code, out, err = run_cli(["codex", "seed"], tmp_path)
    assert code == 0
    assert out.startswith(f"codex: {home}/auth.json already holds codex-auth-rotating-0 (")
    everything = "\n".join(outputs)
    assert f"seeded {home}/auth.json from codex-auth-rotating-0" in everything
    for word in SECRET_WORDS:
        assert word not in everything


def test_cli_seed_exit_codes(
    run_cli: RunCli, dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secrets, home = dirs
    monkeypatch.setenv("CODEX_HOME", str(home))
    code, out, err = run_cli(["codex", "seed", "--secrets-dir", str(secrets)], tmp_path)
    assert (code, out) == (
        0,
        f'codex: set cli_auth_credentials_store = "file" in {home}/config.toml\n',
    )
    assert err == (
        f"warning: codex: no Codex secret in {secrets}; Codex stays logged out\n"
        "  looked for: codex-auth-rotating-0, codex-auth-rotating-1, codex-auth-rotating-2, "
        "codex-auth-0, codex-auth-1, codex-auth-2\n"
        "  hint: mount the secrets there (docs/workspace.md), set AMEIDE_CODEX_SECRETS_DIR, or "
        "run `codex login --device-auth`\n"
    )
    monkeypatch.setenv("CODEX_ACCOUNT_SLOT", "2")
    code, out, err = run_cli(["codex", "seed", "--secrets-dir", str(secrets)], tmp_path)
    assert (code, out) == (1, "")
    assert err.startswith(f"error: codex: no Codex secret for slot 2 in {secrets}\n")
    monkeypatch.setenv("CODEX_ACCOUNT_SLOT", "7")
    code, _, err = run_cli(["codex", "seed", "--secrets-dir", str(secrets)], tmp_path)
    assert code == 2
    assert err == (
        "ameide: error: CODEX_ACCOUNT_SLOT='7' is not a slot\n"
        "  hint: use auto (default) or one of 0, 1, 2\n"
    )
    code, out, _ = run_cli(
        ["codex", "seed", "--slot", "auto", "--json", "--secrets-dir", str(secrets)], tmp_path
    )
    doc = json.loads(out)
    assert (code, doc["schema"], doc["status"], doc["slot"]) == (0, 1, "none", "auto")
