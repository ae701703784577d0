"""The task cache end to end with the real toolchains and a real turborepo-remote-cache server:
every cacheable task of examples/monorepo recorded by one clone is replayed by a fresh clone
(empty local cache) from the remote, with the same test cases and the tools' raw reports (go
test -json, pytest's and node's JUnit XML) byte for byte; installs and codegen freshness still
run; the replayed evidence passes the summary schema."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.cache.conftest import reports
from tests.integration.conftest import Mono, junit_cases, load_summary
from tests.turbo_server import TurboServer

pytestmark = pytest.mark.integration

RunCli = Callable[[list[str], Path], tuple[int, str, str]]
NEVER_CACHED = {"install", "codegen", "guardrails"}


def tasks(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["id"]: t for p in doc["phases"] for t in p["tasks"]}


def test_a_fresh_clone_replays_the_example_from_the_remote(
    mono: Mono,
    run_cli: RunCli,
    turbo_server: Callable[..., TurboServer],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    server = turbo_server(token="it-token")
    monkeypatch.setenv("AMEIDE_REMOTE_CACHE_URL", server.url)
    monkeypatch.setenv("AMEIDE_REMOTE_CACHE_TOKEN", "it-token")
    monkeypatch.setenv("AMEIDE_REMOTE_CACHE_TEAM", "ci")
    monkeypatch.setenv("AMEIDE_CACHE_DIR", str(tmp_path / "machine-a"))
    a = mono()
    code, out, err = run_cli(["run", "--all"], a)
    assert code == 0, out + err
    first = tasks(load_summary(a))
    cacheable = sorted(t for t, d in first.items() if d["cache_key"])
    assert {first[t]["kind"] for t in first if t not in cacheable} <= NEVER_CACHED
    assert len(cacheable) >= 15
    assert sorted(server.artifacts("ci")) == sorted(first[t]["cache_key"] for t in cacheable)

    monkeypatch.setenv("AMEIDE_CACHE_DIR", str(tmp_path / "machine-b"))
    b = mono()
    code, out, err = run_cli(["run", "--all"], b)
    assert code == 0, out + err
    doc = load_summary(b)
    again = tasks(doc)
    assert sorted(again) == sorted(first)
    for tid in cacheable:
        assert (again[tid]["cached"], again[tid]["cache_source"]) == (True, "remote"), tid
        assert again[tid]["tests"] == first[tid]["tests"], tid
        assert again[tid]["cache_key"] == first[tid]["cache_key"], tid
    for tid in set(first) - set(cacheable):
        assert again[tid]["cached"] is False, tid
    assert doc["cache"]["remote_hits"] == len(cacheable)
    assert doc["cache"]["remote"]["uploads"] == 0 and doc["warnings"] == []
    for phase in (0, 1, 2):
        names = sorted((c["task"], c["name"], c["status"]) for c in junit_cases(a, phase))
        assert sorted((c["task"], c["name"], c["status"]) for c in junit_cases(b, phase)) == names
    recorded = reports(a / "artifacts" / "agent-ci" / "latest")
    assert {p.rsplit(".", 1)[1] for p in recorded} == {"jsonl", "xml"}
    assert reports(b / "artifacts" / "agent-ci" / "latest") == recorded
