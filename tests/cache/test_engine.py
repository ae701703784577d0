"""The cache inside `ameide test` (with a fake `go`, no toolchain needed): hits replay the log,
the raw report and JUnit cases into new evidence, failures are never cached, the switches turn
it off, damaged and older-format entries are misses, concurrent runs share the store, an
unreachable remote costs one warning."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ameide.cache.artifact import unpack
from tests.cache.conftest import FakeGo, MakeGoRepo, as_format_1, reports, seal
from tests.conftest import load_summary, write_files

RunCli = Callable[..., tuple[int, str, str]]
TEST = "go test example.com/m"
VET = "go vet example.com/m"


def tasks(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The planned tasks (not the guardrails check every phase 0 opens with: never cached)."""
    return {t["id"]: t for p in doc["phases"] for t in p["tasks"] if t["kind"] != "guardrails"}


def store_files(home: Path) -> list[Path]:
    root = home / "tasks" / "v1"
    return sorted(p for p in root.glob("*/*") if not p.name.startswith("."))


def cache_home() -> Path:
    return Path(os.environ["XDG_CACHE_HOME"]) / "ameide"


def test_a_rerun_replays_log_and_junit_and_marks_cached(
    run_cli: RunCli, fake_go: FakeGo, go_repo: MakeGoRepo
) -> None:
    repo = go_repo()
    write_files(repo, {"b/b.go": "package b\n\nfunc B() int { return 2 }\n"})
    code, out, _ = run_cli(["test"], repo)
    assert code == 0, out
    first = load_summary(repo)
    assert [t["cached"] for t in tasks(first).values()] == [False, False]
    assert first["cache"]["misses"] == 2 and first["cache"]["stored"] == 2  # type: ignore[index]
    ran = len(fake_go.calls("test"))
    assert len(store_files(cache_home())) == 2

    code, out, _ = run_cli(["test"], repo)
    assert code == 0, out
    doc = load_summary(repo)
    assert len(fake_go.calls("test")) == ran  # nothing ran again
    t = tasks(doc)[TEST]
    assert (t["cached"], t["cache_source"], t["status"]) == (True, "local", "passed")
    assert t["original_duration"] == tasks(first)[TEST]["duration"]
    assert t["cache_key"] == tasks(first)[TEST]["cache_key"] and len(t["cache_key"]) == 64
    assert doc["totals"]["cached"] == 2 and doc["cache"]["hits"] == 2  # type: ignore[index]
    assert (
        t["tests"]
        == tasks(first)[TEST]["tests"]
        == {
            "total": 1,
            "failed": 0,
            "errors": 0,
            "skipped": 0,
        }
    )
    run_dir = repo / "artifacts" / "agent-ci" / str(doc["run_id"])
    log = (run_dir / t["log"]).read_text()
    assert log.startswith("# ameide: cached result replayed from the local cache (recorded ")
    assert "$ (cd . && go test -json example.com/m/b)" in log and "ok" in log
    cases = ET.parse(run_dir / "phase1" / "junit.xml").getroot().iter("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [("example.com/m/b", "TestX")]
    assert "  PASS go test example.com/m (cached, ran " in out
    assert "  phase 1 unit               passed         0.0s  (1 task, 1 cached)" in out
    # the guardrails check is a task and a case of its own, never cached
    assert "  total " in out and " 1 target, 3 tasks (2 cached), 2 checks, 1 test case" in out


def _refuse_the_runner(*_a: object, **_kw: object) -> None:
    raise AssertionError("the runner was started: not every task was a hit")


def test_a_rerun_replays_the_raw_reports_byte_for_byte(
    run_cli: RunCli, fake_go: FakeGo, go_repo: MakeGoRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ameide.runner

    repo = go_repo()
    write_files(repo, {"b/b.go": "package b\n\nfunc B() int { return 2 }\n"})
    assert run_cli(["test"], repo)[0] == 0
    first = load_summary(repo)
    evidence = repo / "artifacts" / "agent-ci"
    recorded = reports(evidence / str(first["run_id"]))
    slug = "go_test_example.com_m"
    assert list(recorded) == [f"phase1/reports/{slug}.jsonl"]  # go vet writes none
    assert (
        b'"Action":"pass","Package":"example.com/m/b"' in recorded[f"phase1/reports/{slug}.jsonl"]
    )

    # every task a hit: replayed by testrun's all-hits path, which never starts the runner
    with monkeypatch.context() as m:
        m.setattr(ameide.runner.Runner, "__init__", _refuse_the_runner)
        code, out, _ = run_cli(["test"], repo)
    assert code == 0, out
    doc = load_summary(repo)
    assert [t["cached"] for t in tasks(doc).values()] == [True, True]
    assert reports(evidence / str(doc["run_id"])) == recorded
    run_dir = evidence / str(doc["run_id"])
    assert "raw report" not in (run_dir / tasks(doc)[TEST]["log"]).read_text().split("\n")[0]

    # go vet's entry gone: the run goes through the runner, where go test is a lookup hit
    vet_key = tasks(first)[VET]["cache_key"]
    (cache_home() / "tasks" / "v1" / vet_key[:2] / vet_key).unlink()
    assert run_cli(["test"], repo)[0] == 0
    doc = load_summary(repo)
    assert (tasks(doc)[VET]["cached"], tasks(doc)[TEST]["cached"]) == (False, True)
    assert reports(evidence / str(doc["run_id"])) == recorded


def test_a_report_over_the_limit_is_left_out_and_the_replay_says_so(
    run_cli: RunCli, fake_go: FakeGo, go_repo: MakeGoRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ameide.cache.session.MAX_REPORT_BYTES", 100)
    repo = go_repo()
    write_files(repo, {"b/b.go": "package b\n\nfunc B() int { return 2 }\n"})
    assert run_cli(["test"], repo)[0] == 0
    first = load_summary(repo)
    evidence = repo / "artifacts" / "agent-ci"
    size = len(
        reports(evidence / str(first["run_id"]))["phase1/reports/go_test_example.com_m.jsonl"]
    )
    assert size > 100
    key = tasks(first)[TEST]["cache_key"]
    meta, _, report = unpack((cache_home() / "tasks" / "v1" / key[:2] / key).read_bytes(), key)
    assert (meta["report"], report) == ({"size": size, "stored": False}, None)

    code, out, _ = run_cli(["test"], repo)
    assert code == 0, out
    doc = load_summary(repo)
    t = tasks(doc)[TEST]
    assert (t["cached"], t["tests"]["total"]) == (True, 1)  # the log and cases still replay
    run_dir = evidence / str(doc["run_id"])
    assert reports(run_dir) == {}
    head = (run_dir / t["log"]).read_text().split("\n")[0]
    assert head.startswith("# ameide: cached result replayed from the local cache (recorded ")
    assert head.endswith(
        f"not run again; its raw report reports/go_test_example.com_m.jsonl ({size} bytes) was "
        "over the cache's 100 bytes limit and is not replayed"
    )


def test_a_change_runs_again_and_reverting_it_hits(
    run_cli: RunCli, fake_go: FakeGo, go_repo: MakeGoRepo
) -> None:
    repo = go_repo()
    write_files(repo, {"b/b.go": "package b\n\nfunc B() int { return 2 }\n"})
    assert run_cli(["test"], repo)[0] == 0
    write_files(repo, {"b/b.go": "package b\n\nfunc B() int { return 3 }\n"})
    assert run_cli(["test"], repo)[0] == 0
    assert [t["cached"] for t in tasks(load_summary(repo)).values()] == [False, False]
    write_files(repo, {"b/b.go": "package b\n\nfunc B() int { return 2 }\n"})
    assert run_cli(["test"], repo)[0] == 0
    assert [t["cached"] for t in tasks(load_summary(repo)).values()] == [True, True]
    assert len(fake_go.calls("test")) == 2


def test_failed_results_are_never_cached(
    run_cli: RunCli, fake_go: FakeGo, go_repo: MakeGoRepo
) -> None:
    repo = go_repo()
    write_files(repo, {"b/FAIL": "", "b/b.go": "package b\n\nfunc B() int { return 2 }\n"})
    assert run_cli(["test"], repo)[0] == 1
    doc = load_summary(repo)
    assert tasks(doc)[TEST]["status"] == "failed"
    assert doc["cache"]["stored"] == 1  # type: ignore[index]  # go vet passed: stored
    assert run_cli(["test"], repo)[0] == 1
    doc = load_summary(repo)
    assert (tasks(doc)[VET]["cached"], tasks(doc)[TEST]["cached"]) == (True, False)
    assert len(fake_go.calls("test")) == 2


@pytest.mark.parametrize("how", ["toml", "env", "flag"])
def test_the_switches_turn_the_cache_off(
    how: str,
    run_cli: RunCli,
    fake_go: FakeGo,
    go_repo: MakeGoRepo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    extra = {"ameide.toml": "[cache]\nenabled = false\n"} if how == "toml" else {}
    repo = go_repo(extra)
    write_files(repo, {"b/b.go": "package b\n\nfunc B() int { return 2 }\n"})
    if how == "env":
        monkeypatch.setenv("AMEIDE_CACHE", "0")
    argv = ["run", "--no-cache"] if how == "flag" else ["test"]
    for _ in range(2):
        assert run_cli(argv, repo)[0] == 0
    doc = load_summary(repo)
    assert [t["cached"] for t in tasks(doc).values()] == [False, False]
    reason = {
        "toml": "ameide.toml [cache] enabled = false",
        "env": "AMEIDE_CACHE=0",
        "flag": "ameide run --no-cache",
    }[how]
    assert doc["cache"] == {  # type: ignore[comparison-overlap]
        "enabled": False,
        "reason": reason,
        "dir": None,
        "hits": 0,
        "remote_hits": 0,
        "misses": 0,
        "stored": 0,
        "damaged": 0,
        "uncacheable": 0,
        "remote": None,
    }
    assert len(fake_go.calls("test")) == 2
    assert not store_files(cache_home())


def test_a_target_can_opt_out(run_cli: RunCli, fake_go: FakeGo, go_repo: MakeGoRepo) -> None:
    repo = go_repo({"ameide.toml": '[targets."go:example.com/m/b"]\ncache = false\n'})
    write_files(repo, {"b/b.go": "package b\n\nfunc B() int { return 2 }\n"})
    for _ in range(2):
        assert run_cli(["test"], repo)[0] == 0
    doc = load_summary(repo)
    assert [t["cache_key"] for t in tasks(doc).values()] == [None, None]
    assert doc["cache"]["uncacheable"] == 2  # type: ignore[index]


def _report_size_off_by_one(data: bytes, key: str) -> bytes:
    """The same entry with a valid digest but metadata that miscounts the report."""
    meta, log, report = unpack(data, key)
    if meta["report"] is None:  # go vet: no report; claim one that is not there
        meta["report"] = {"size": 1, "stored": True}
    else:
        meta["report"] = {**meta["report"], "size": meta["report"]["size"] + 1}
    return seal(meta, log + (report or b""))


def _damaged(damage: str, data: bytes, key: str) -> bytes:
    if damage == "truncate":
        return data[: len(data) // 2]
    if damage == "garbage":
        return os.urandom(200)
    if damage == "older-format":  # what an ameide before format 2 wrote
        return as_format_1(data)
    if damage == "report-size":
        return _report_size_off_by_one(data, key)
    return b""


@pytest.mark.fault
@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "older-format", "report-size"])
def test_damaged_entries_are_misses_and_get_rewritten(
    damage: str, run_cli: RunCli, fake_go: FakeGo, go_repo: MakeGoRepo
) -> None:
    repo = go_repo()
    write_files(repo, {"b/b.go": "package b\n\nfunc B() int { return 2 }\n"})
    assert run_cli(["test"], repo)[0] == 0
    entries = store_files(cache_home())
    assert len(entries) == 2
    for e in entries:
        data = e.read_bytes()
        e.write_bytes(_damaged(damage, data, e.name))
    code, out, _ = run_cli(["test"], repo)
    assert code == 0, out
    doc = load_summary(repo)
    assert [t["cached"] for t in tasks(doc).values()] == [False, False]
    assert doc["cache"]["damaged"] == 2 and doc["cache"]["stored"] == 2  # type: ignore[index]
    assert run_cli(["test"], repo)[0] == 0
    assert [t["cached"] for t in tasks(load_summary(repo)).values()] == [True, True]


def test_entries_of_another_key_version_are_plain_misses(
    run_cli: RunCli, fake_go: FakeGo, go_repo: MakeGoRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """How an upgrade that changes the artifact format meets the old store: the new key
    version gives new keys, so old entries are never read (not `damaged`) and age out."""
    repo = go_repo()
    write_files(repo, {"b/b.go": "package b\n\nfunc B() int { return 2 }\n"})
    with monkeypatch.context() as m:
        m.setattr("ameide.cache.keys.KEY_VERSION", "ameide-task-key-older")
        assert run_cli(["test"], repo)[0] == 0
    code, out, _ = run_cli(["test"], repo)
    assert code == 0, out
    doc = load_summary(repo)
    assert [t["cached"] for t in tasks(doc).values()] == [False, False]
    assert (doc["cache"]["damaged"], doc["cache"]["stored"]) == (0, 2)  # type: ignore[index]
    assert len(store_files(cache_home())) == 4


_RUN = "import sys; from ameide.cli import main; sys.exit(main(['test']))"


@pytest.mark.fault
def test_concurrent_runs_share_the_store_safely(
    fake_go: FakeGo, go_repo: MakeGoRepo, tmp_path: Path
) -> None:
    repos = [go_repo(name=f"clone{i}") for i in range(3)]
    for r in repos:
        write_files(r, {"b/b.go": "package b\n\nfunc B() int { return 2 }\n"})
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _RUN],
            cwd=r,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for r in repos
    ]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    # the same content in three clones: the same keys, one entry per task
    assert len(store_files(cache_home())) == 2
    again = subprocess.run(
        [sys.executable, "-c", _RUN], cwd=repos[0], capture_output=True, text=True, check=False
    )
    assert again.returncode == 0
    assert [t["cached"] for t in tasks(load_summary(repos[0])).values()] == [True, True]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.fault
def test_an_unreachable_remote_costs_one_warning_not_the_build(
    run_cli: RunCli, fake_go: FakeGo, go_repo: MakeGoRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("AMEIDE_REMOTE_CACHE_URL", url)
    monkeypatch.setenv("AMEIDE_REMOTE_CACHE_TOKEN", "s3cret-token")
    repo = go_repo()
    write_files(repo, {"b/b.go": "package b\n\nfunc B() int { return 2 }\n"})
    code, out, err = run_cli(["test"], repo)
    assert code == 0
    doc = load_summary(repo)
    warning = (
        f"remote cache {url} not used: connection refused (is the server running?); tasks ran "
        "locally (the build is not affected)"
    )
    assert doc["warnings"] == [warning]
    assert out.count("remote cache") == 1 and f"! {warning}" in out
    remote = doc["cache"]["remote"]  # type: ignore[index]
    assert (remote["status"], remote["downloads"], remote["uploads"]) == ("failed", 0, 0)
    assert "s3cret-token" not in json.dumps(doc) + out + err
    assert doc["cache"]["stored"] == 2  # type: ignore[index]  # the local cache still works


_REPLAY = (
    "import sys\nfrom ameide.cli import main\nrc = main(['test'])\n"
    "heavy = sorted(m for m in ('anyio', 'asyncio', 'rich', 'pydantic', 'typer', 'http.client',"
    " 'ameide.runner')"
    " if m in sys.modules)\nsys.stderr.write(repr(heavy))\nsys.exit(rc)\n"
)


def test_a_rerun_of_hits_stays_off_the_runner_and_rich(
    fake_go: FakeGo, go_repo: MakeGoRepo
) -> None:
    repo = go_repo()
    write_files(repo, {"b/b.go": "package b\n\nfunc B() int { return 2 }\n"})
    runs = [
        subprocess.run(
            [sys.executable, "-c", _REPLAY], cwd=repo, capture_output=True, text=True, check=False
        )
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0]
    assert "'ameide.runner'" in runs[0].stderr  # the first run ran its tasks through the runner
    # ... on threads: no run imports an event loop (asyncio alone is ~100 ms)
    assert "asyncio" not in runs[0].stderr and "anyio" not in runs[0].stderr
    assert runs[1].stderr == "[]"  # every task a hit: replayed without the runner, rich, pydantic
    assert "(cached, ran " in runs[1].stdout
