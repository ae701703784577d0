"""The remote cache against a REAL turborepo-remote-cache server on 127.0.0.1 (installed by
scripts/setup): a fresh clone with an empty local cache replays from the remote (logs, cases
and raw reports); the server down, paused (slow), refusing the token, or serving a damaged,
older-format or unsigned artifact costs one warning and a local run, never the build;
read-only builds upload nothing."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ameide.cache.artifact import unpack
from tests.cache.conftest import FakeGo, MakeGoRepo, as_format_1, reports
from tests.conftest import load_summary, write_files
from tests.turbo_server import TurboServer

pytestmark = [pytest.mark.integration, pytest.mark.fault]

RunCli = Callable[..., tuple[int, str, str]]
TEAM = "team_ameide"
TOKEN = "tok-1234567890"
CHANGE = {"b/b.go": "package b\n\nfunc B() int { return 2 }\n"}


def latest_reports(repo: Path) -> dict[str, bytes]:
    return reports(repo / "artifacts" / "agent-ci" / "latest")


def tasks(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The planned tasks (not the guardrails check every phase 0 opens with: never cached)."""
    return [t for p in doc["phases"] for t in p["tasks"] if t["kind"] != "guardrails"]


@pytest.fixture
def remote_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., None]:
    """Point ameide at a server; `fresh()` gives the next run an empty local cache."""

    def _set(server: TurboServer, token: str = TOKEN, **extra: str) -> None:
        monkeypatch.setenv("AMEIDE_REMOTE_CACHE_URL", server.url)
        monkeypatch.setenv("AMEIDE_REMOTE_CACHE_TOKEN", token)
        monkeypatch.setenv("AMEIDE_REMOTE_CACHE_TEAM", TEAM)
        monkeypatch.setenv("AMEIDE_REMOTE_CACHE_TIMEOUT", "1")
        for k, v in extra.items():
            monkeypatch.setenv(k, v)

    return _set


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[], None]:
    counter = iter(range(100))

    def _fresh() -> None:
        monkeypatch.setenv("AMEIDE_CACHE_DIR", str(tmp_path / f"local-cache-{next(counter)}"))

    return _fresh


def populate(
    run_cli: RunCli, go_repo: MakeGoRepo, fresh: Callable[[], None], name: str = "a"
) -> Path:
    fresh()
    repo = go_repo(name=f"clone-{name}")
    write_files(repo, CHANGE)
    code, out, _ = run_cli(["test"], repo)
    assert code == 0, out
    return repo


def test_a_fresh_clone_replays_from_the_remote(
    run_cli: RunCli,
    fake_go: FakeGo,
    go_repo: MakeGoRepo,
    turbo_server: Callable[..., TurboServer],
    remote_env: Callable[..., None],
    fresh: Callable[[], None],
) -> None:
    server = turbo_server(token=TOKEN)
    remote_env(server)
    a = populate(run_cli, go_repo, fresh)
    doc = load_summary(a)
    assert doc["cache"]["remote"]["uploads"] == 2 and doc["warnings"] == []
    stored = server.artifacts(TEAM)
    assert sorted(stored) == sorted(t["cache_key"] for t in tasks(doc))
    calls = len(fake_go.calls("test"))
    recorded = latest_reports(a)
    assert list(recorded) == ["phase1/reports/go_test_example.com_m.jsonl"]

    fresh()  # another machine: empty local cache, same remote
    b = go_repo(name="clone-b")
    write_files(b, CHANGE)
    code, out, _ = run_cli(["test"], b)
    assert code == 0, out
    doc = load_summary(b)
    assert [(t["cached"], t["cache_source"]) for t in tasks(doc)] == [(True, "remote")] * 2
    assert len(fake_go.calls("test")) == calls
    remote = doc["cache"]["remote"]
    assert (remote["downloads"], remote["uploads"], remote["status"]) == (2, 0, "ok")
    assert doc["cache"]["remote_hits"] == 2
    assert "(cached remote, ran " in out
    log = (b / "artifacts" / "agent-ci" / "latest" / tasks(doc)[1]["log"]).read_text()
    assert log.startswith("# ameide: cached result replayed from the remote cache")
    assert latest_reports(b) == recorded  # the raw go test -json stream, byte for byte
    # the download was copied into the local cache: the next run is a local hit
    assert run_cli(["test"], b)[0] == 0
    assert [t["cache_source"] for t in tasks(load_summary(b))] == ["local", "local"]


def test_read_only_builds_download_but_never_upload(
    run_cli: RunCli,
    fake_go: FakeGo,
    go_repo: MakeGoRepo,
    turbo_server: Callable[..., TurboServer],
    remote_env: Callable[..., None],
    fresh: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = turbo_server(token=TOKEN)
    remote_env(server, AMEIDE_REMOTE_CACHE_READ_ONLY="1")
    a = populate(run_cli, go_repo, fresh)
    doc = load_summary(a)
    assert server.artifacts(TEAM) == {}
    assert doc["cache"]["remote"]["read_only"] is True
    assert doc["cache"]["remote"]["read_only_reason"] == "AMEIDE_REMOTE_CACHE_READ_ONLY"
    # a pull-request build is read-only without being told
    monkeypatch.delenv("AMEIDE_REMOTE_CACHE_READ_ONLY")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    populate(run_cli, go_repo, fresh, "pr")
    assert server.artifacts(TEAM) == {}
    # a trusted build fills it; read-only builds then hit
    monkeypatch.delenv("GITHUB_ACTIONS")
    monkeypatch.delenv("GITHUB_EVENT_NAME")
    populate(run_cli, go_repo, fresh, "main")
    assert len(server.artifacts(TEAM)) == 2
    remote_env(server, AMEIDE_REMOTE_CACHE_READ_ONLY="true")
    c = populate(run_cli, go_repo, fresh, "c")
    assert [t["cache_source"] for t in tasks(load_summary(c))] == ["remote", "remote"]


def test_a_server_that_is_down_costs_one_warning(
    run_cli: RunCli,
    fake_go: FakeGo,
    go_repo: MakeGoRepo,
    turbo_server: Callable[..., TurboServer],
    remote_env: Callable[..., None],
    fresh: Callable[[], None],
) -> None:
    server = turbo_server(token=TOKEN)
    remote_env(server)
    populate(run_cli, go_repo, fresh)
    server.stop()
    fresh()
    b = go_repo(name="clone-b")
    write_files(b, CHANGE)
    code, out, _ = run_cli(["test"], b)
    assert code == 0
    doc = load_summary(b)
    assert [t["cached"] for t in tasks(doc)] == [False, False]
    assert len(doc["warnings"]) == 1 and "connection refused" in doc["warnings"][0]
    assert out.count(f"remote cache {server.url}") == 1


def test_a_slow_server_times_out_once_and_is_not_asked_again(
    run_cli: RunCli,
    fake_go: FakeGo,
    go_repo: MakeGoRepo,
    turbo_server: Callable[..., TurboServer],
    remote_env: Callable[..., None],
    fresh: Callable[[], None],
) -> None:
    server = turbo_server(token=TOKEN)
    remote_env(server)
    populate(run_cli, go_repo, fresh)
    server.pause()  # accepts connections (kernel backlog), never answers
    try:
        fresh()
        b = go_repo(name="clone-b")
        write_files(b, CHANGE)
        t0 = time.monotonic()
        code, _, _ = run_cli(["test"], b)
        elapsed = time.monotonic() - t0
    finally:
        server.resume()
    assert code == 0
    doc = load_summary(b)
    assert [t["cached"] for t in tasks(doc)] == [False, False]
    assert doc["warnings"] == [
        f"remote cache {server.url} not used: no answer within 1s; tasks ran locally "
        "(the build is not affected)"
    ]
    # one timeout for the first lookup (the vet task), none for the rest of the run
    assert elapsed < 4.0, elapsed


def test_a_wrong_token_is_refused_with_one_warning(
    run_cli: RunCli,
    fake_go: FakeGo,
    go_repo: MakeGoRepo,
    turbo_server: Callable[..., TurboServer],
    remote_env: Callable[..., None],
    fresh: Callable[[], None],
) -> None:
    server = turbo_server(token=TOKEN)
    remote_env(server, token="wrong-token-xyz")
    a = populate(run_cli, go_repo, fresh)
    doc = load_summary(a)
    assert doc["warnings"] == [
        f"remote cache {server.url} not used: the server refused the download (HTTP 401): "
        'check the token ({"message":"Invalid authorization token"}); tasks ran locally '
        "(the build is not affected)"
    ]
    assert server.artifacts(TEAM) == {}
    summary = (a / "artifacts" / "agent-ci" / "latest" / "summary.json").read_text()
    assert "wrong-token-xyz" not in summary


@pytest.mark.parametrize("damage", ["truncate", "flip", "swap", "older-format"])
def test_a_damaged_artifact_is_rejected_run_locally_and_replaced(
    damage: str,
    run_cli: RunCli,
    fake_go: FakeGo,
    go_repo: MakeGoRepo,
    turbo_server: Callable[..., TurboServer],
    remote_env: Callable[..., None],
    fresh: Callable[[], None],
) -> None:
    server = turbo_server(token=TOKEN)
    remote_env(server)
    a = populate(run_cli, go_repo, fresh)
    vet, test = (t["cache_key"] for t in tasks(load_summary(a)))
    path = server.artifacts(TEAM)[test]
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        path.write_bytes(data[:-3] + bytes([data[-3] ^ 0x40]) + data[-2:])
    elif damage == "swap":  # a valid artifact, but for another hash
        path.write_bytes(server.artifacts(TEAM)[vet].read_bytes())
    else:  # what an ameide before format 2 uploaded
        path.write_bytes(as_format_1(data))
    calls = len(fake_go.calls("test"))
    fresh()
    b = go_repo(name="clone-b")
    write_files(b, CHANGE)
    code, out, _ = run_cli(["test"], b)
    assert code == 0, out
    doc = load_summary(b)
    assert [t["cached"] for t in tasks(doc)] == [True, False]
    assert len(fake_go.calls("test")) == calls + 1
    assert doc["cache"]["remote"]["rejected"] == 1
    assert (
        len(doc["warnings"]) == 1
        and "1 downloaded artifact failed verification" in (doc["warnings"][0])
    )
    if damage == "older-format":
        assert "(artifact format 1, this ameide reads 2)" in doc["warnings"][0]
    unpack(path.read_bytes(), test)  # replaced by the local run's good result
    fresh()
    c = go_repo(name="clone-c")
    write_files(c, CHANGE)
    assert run_cli(["test"], c)[0] == 0
    assert [t["cache_source"] for t in tasks(load_summary(c))] == ["remote", "remote"]


def test_signed_artifacts_are_verified(
    run_cli: RunCli,
    fake_go: FakeGo,
    go_repo: MakeGoRepo,
    turbo_server: Callable[..., TurboServer],
    remote_env: Callable[..., None],
    fresh: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = turbo_server(token=TOKEN, signature_key="server-stores-tags")
    remote_env(server, AMEIDE_REMOTE_CACHE_SIGNATURE_KEY="team-secret")
    a = populate(run_cli, go_repo, fresh)
    tags = sorted((server.storage / TEAM).glob("*.tag"))
    assert len(tags) == 2
    b = populate(run_cli, go_repo, fresh, "b")  # same key: hits, verified
    assert [t["cache_source"] for t in tasks(load_summary(b))] == ["remote", "remote"]
    assert latest_reports(b) == latest_reports(a) != {}
    assert load_summary(b)["cache"]["remote"]["signed"] is True

    monkeypatch.setenv("AMEIDE_REMOTE_CACHE_SIGNATURE_KEY", "another-secret")
    c = populate(run_cli, go_repo, fresh, "c")  # forged or foreign: rejected, run locally
    doc = load_summary(c)
    assert [t["cached"] for t in tasks(doc)] == [False, False]
    assert doc["cache"]["remote"]["rejected"] == 2
    assert "failed verification (signature mismatch)" in doc["warnings"][0]


def test_a_configured_signature_without_its_key_is_not_trusted(
    run_cli: RunCli,
    fake_go: FakeGo,
    go_repo: MakeGoRepo,
    turbo_server: Callable[..., TurboServer],
    remote_env: Callable[..., None],
    fresh: Callable[[], None],
) -> None:
    server = turbo_server(token=TOKEN)
    remote_env(server)
    fresh()
    repo = go_repo(
        {"ameide.toml": '[cache.remote]\nsignature_key_env = "MY_CACHE_KEY"\n'}, name="signed"
    )
    assert "MY_CACHE_KEY" not in os.environ
    write_files(repo, CHANGE)
    assert run_cli(["test"], repo)[0] == 0
    doc = load_summary(repo)
    assert doc["warnings"] == [
        f"remote cache {server.url} not used: the signature key variable MY_CACHE_KEY is not "
        "set, so artifacts cannot be verified; tasks ran locally (the build is not affected)"
    ]
    assert server.artifacts(TEAM) == {}
