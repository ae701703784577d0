"""`ameide test` under faults, with the real toolchains: a missing or wrong toolchain,
Ctrl-C / SIGTERM with a sentinel process, a per-task timeout, two runs at once."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ameide.ecosystems.pnpm.tools import NODE_RELEASE
from tests.conftest import EXAMPLE
from tests.integration.conftest import (
    EVIDENCE,
    TOOLS_BIN,
    Mono,
    Spawned,
    alive,
    ameide_env,
    append,
    closing_block,
    load_summary,
    marked_processes,
    path_without_tools,
    phase_status,
    phase_tasks,
    run_ids,
    task,
    wait_until,
)

pytestmark = [pytest.mark.integration, pytest.mark.fault]

RunCli = Callable[[list[str], Path], tuple[int, str, str]]
Spawn = Callable[..., Spawned]

# A node:test that starts `sleep N` in its own process group (not detached), writes the
# sleeper's pid for the test to find, and waits for it: a child that must not outlive ameide.
SENTINEL_TEST = """\
import { test } from "node:test";
import { spawn } from "node:child_process";
import { writeFileSync, renameSync } from "node:fs";

test("sentinel holds the run", async () => {
  const sleeper = spawn("sleep", ["SECONDS"], { stdio: "ignore" });
  const file = process.env.SENTINEL_PID_FILE;
  writeFileSync(file + ".tmp", String(sleeper.pid));
  renameSync(file + ".tmp", file);
  await new Promise((resolve) => sleeper.on("exit", resolve));
});
"""


def sentinel(repo: Path, seconds: int) -> None:
    (repo / "js/core/test/sentinel.test.js").write_text(
        SENTINEL_TEST.replace("SECONDS", str(seconds))
    )


def wait_for_pid(pid_file: Path, run: Spawned, timeout: float) -> int:
    ok = wait_until(lambda: pid_file.exists() or run.proc.poll() is not None, timeout)
    assert ok and pid_file.exists(), f"the sentinel never started:\n{run.output()}"
    return int(pid_file.read_text())


# ------------------------------------------------------------------ toolchains


def test_missing_buf_exits_3_naming_buf_and_the_fix(
    mono: Mono, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = mono()
    append(repo, "proto/acme/common/v1/money.proto", "\n// touched\n")
    bindir = tmp_path / "bin-without-buf"
    bindir.mkdir()
    for tool in TOOLS_BIN.iterdir():
        if tool.name != "buf":
            (bindir / tool.name).symlink_to(os.path.realpath(tool))
    rest = [d for d in path_without_tools(os.environ["PATH"]) if not (Path(d) / "buf").exists()]
    monkeypatch.setenv("PATH", os.pathsep.join([str(bindir), *rest]))

    code, out, err = run_cli(["test"], repo)

    assert code == 3, out + err
    doc = load_summary(repo)
    assert doc["result"] == "error" and doc["exit_code"] == 3
    failed = [t for p in doc["phases"] for t in p["tasks"] if t["status"] != "passed"]
    assert [t["id"] for t in failed] == ["toolchain buf"]
    msg = failed[0]["message"]
    assert msg.startswith("buf: wanted 1.63.0") and "not found on PATH" in msg
    fix = msg.split("fix:", 1)[1].strip()
    assert "buf" in fix and "1.63.0" in fix  # how to install the pinned version
    assert doc["first_failure"]["task"] == "toolchain buf"
    closing = closing_block(out)
    assert "not found on PATH" in closing and fix in closing
    # nothing ran: no installs, no buf checks, no tests
    assert {t["kind"] for p in doc["phases"] for t in p["tasks"]} == {"guardrails", "toolchain"}
    assert phase_status(doc)[1] == "not-run" and phase_status(doc)[2] == "not-run"
    assert not (repo / "node_modules").exists() and not (repo / ".venv").exists()


def test_wrong_uv_version_exits_3(
    mono: Mono, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = mono()
    append(repo, "py/common/src/acme_common/__init__.py", "\n# touched\n")
    bindir = tmp_path / "fake-uv"
    bindir.mkdir()
    fake = bindir / "uv"
    fake.write_text('#!/bin/sh\necho "uv 0.0.1"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")

    code, out, err = run_cli(["test"], repo)

    assert code == 3, out + err
    doc = load_summary(repo)
    assert doc["result"] == "error"
    failed = [t for p in doc["phases"] for t in p["tasks"] if t["status"] != "passed"]
    assert [t["id"] for t in failed] == ["toolchain uv"]
    msg = failed[0]["message"]
    assert "wanted 0.9.26" in msg and "found 0.0.1" in msg and str(fake) in msg
    fix = msg.split("fix:", 1)[1].strip()
    assert "uv" in fix and "0.9.26" in fix
    closing = closing_block(out)
    assert "found 0.0.1" in closing and fix in closing
    assert {t["kind"] for p in doc["phases"] for t in p["tasks"]} == {"guardrails", "toolchain"}
    assert not (repo / ".venv").exists()


def test_wrong_node_major_exits_3(
    mono: Mono, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pnpm targets bring node into phase 0: the machine's Node 20 (faked here) first on PATH
    stops the run before pnpm installs anything."""
    repo = mono()
    append(repo, "js/core/src/index.js", "\n// touched\n")
    bindir = tmp_path / "fake-node"
    bindir.mkdir()
    fake = bindir / "node"
    fake.write_text('#!/bin/sh\necho "v20.11.0"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")

    code, out, err = run_cli(["test"], repo)

    assert code == 3, out + err
    doc = load_summary(repo)
    assert doc["result"] == "error"
    failed = [t for p in doc["phases"] for t in p["tasks"] if t["status"] != "passed"]
    assert [t["id"] for t in failed] == ["toolchain node"]
    msg = failed[0]["message"]
    assert msg.startswith(f"node: wanted 22.x (ameide default), found 20.11.0 at {fake}")
    fix = msg.split("fix:", 1)[1].strip()
    assert fix.startswith(f"ameide toolchain install --tool node (installs {NODE_RELEASE}")
    closing = closing_block(out)
    assert "found 20.11.0" in closing and fix in closing
    assert {t["kind"] for p in doc["phases"] for t in p["tasks"]} == {"guardrails", "toolchain"}
    assert not (repo / "node_modules").exists()


# ------------------------------------------------------------------ interrupts and timeouts


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_kills_every_child_and_writes_evidence(
    mono: Mono, spawn: Spawn, tmp_path: Path, reap_marked: str, sig: signal.Signals
) -> None:
    repo = mono()
    sentinel(repo, 300)
    pid_file = tmp_path / "sentinel.pid"
    key, value = reap_marked.split("=", 1)
    run = spawn(["test"], repo, ameide_env(SENTINEL_PID_FILE=str(pid_file), **{key: value}))

    pid = wait_for_pid(pid_file, run, timeout=120)
    assert alive(pid)
    assert marked_processes(reap_marked)  # ameide, pnpm, node, sleep ...
    t0 = time.monotonic()
    run.proc.send_signal(sig)
    code = run.wait(timeout=30)
    elapsed = time.monotonic() - t0

    out = run.output()
    assert code == 130, out
    assert elapsed < 5, f"ameide took {elapsed:.1f}s to stop"
    # no child outlives ameide: not the sentinel, not pnpm or node around it
    assert wait_until(lambda: not alive(pid), 3), f"sentinel {pid} survived"
    assert wait_until(lambda: not marked_processes(reap_marked), 3), (
        f"left behind: {marked_processes(reap_marked)}"
    )
    # the evidence of what ran is written
    doc = load_summary(repo)
    assert doc["result"] == "interrupted" and doc["exit_code"] == 130
    assert phase_status(doc)[0] == "passed"
    assert phase_status(doc)[1] == "interrupted"
    assert phase_status(doc)[2] == "not-run"
    core = task(doc, "pnpm:@example/core test")
    assert core["status"] == "cancelled"
    assert (repo / EVIDENCE / "latest" / core["log"]).is_file()
    assert (repo / EVIDENCE / "latest" / "phase1" / "junit.xml").is_file()
    assert "INTERRUPTED (exit 130)" in closing_block(out)


def test_timeout_kills_the_task_group_and_fails_quickly(
    mono: Mono, spawn: Spawn, tmp_path: Path, reap_marked: str
) -> None:
    repo = mono(
        setup={
            "ameide.toml": (EXAMPLE / "ameide.toml").read_text()
            + '\n[targets."pnpm:@example/core"]\ntimeout = 2\n'
        }
    )
    sentinel(repo, 30)
    pid_file = tmp_path / "sleeper.pid"
    key, value = reap_marked.split("=", 1)

    t0 = time.monotonic()
    run = spawn(["test"], repo, ameide_env(SENTINEL_PID_FILE=str(pid_file), **{key: value}))
    code = run.wait(timeout=60)
    elapsed = time.monotonic() - t0

    out = run.output()
    assert code == 1, out
    assert elapsed < 20, f"a 2 s timeout took {elapsed:.1f}s"
    doc = load_summary(repo)
    assert doc["result"] == "failed"
    core = task(doc, "pnpm:@example/core test")
    assert core["status"] == "timeout"
    assert core["exit_code"] is None
    assert "timed out after 2s" in core["message"]
    assert 2 <= core["duration"] < 10
    assert doc["first_failure"]["task"] == "pnpm:@example/core test"
    assert phase_status(doc)[1] == "failed" and phase_status(doc)[2] == "not-run"
    assert "timed out" in closing_block(out)
    # the sleeper the test started is gone with its process group
    assert pid_file.exists()
    assert wait_until(lambda: not alive(int(pid_file.read_text())), 3)
    assert wait_until(lambda: not marked_processes(reap_marked), 3), (
        f"left behind: {marked_processes(reap_marked)}"
    )


# ------------------------------------------------------------------ concurrency


def test_two_runs_at_once_write_two_valid_run_directories(mono: Mono, spawn: Spawn) -> None:
    repo = mono()
    append(repo, "go/lib/mathx/mathx.go", "\n// touched\n")
    append(repo, "js/core/src/index.js", "\n// touched\n")
    append(repo, "py/common/src/acme_common/__init__.py", "\n# touched\n")

    a = spawn(["test"], repo)
    b = spawn(["test"], repo)
    code_a, code_b = a.wait(timeout=240), b.wait(timeout=240)

    assert (code_a, code_b) == (0, 0), a.output() + "\n-----\n" + b.output()
    ids = run_ids(repo)
    assert len(ids) == 2
    docs = [load_summary(repo, i) for i in ids]
    assert sorted(d["run_id"] for d in docs) == ids
    for d in docs:
        assert d["result"] == "passed"
        for p in d["phases"]:
            if p["tasks"]:
                assert (repo / EVIDENCE / d["run_id"] / p["junit"]).is_file()
            for t in p["tasks"]:
                assert t["log"] is None or (repo / EVIDENCE / d["run_id"] / t["log"]).is_file()
        # each run's tasks are the same plan (installs may have been done by the other)
        assert phase_tasks(d)[1] == phase_tasks(docs[0])[1]
    # each console names its own evidence directory
    assert sorted(next(i for i in ids if f"{i}/" in s.output()) for s in (a, b)) == ids
    latest = os.readlink(repo / EVIDENCE / "latest")
    assert latest in ids
    assert not [p for p in (repo / EVIDENCE).iterdir() if p.name.startswith(".latest")]


def test_a_pytest_that_hangs_is_named_before_the_timeout_kills_it(
    mono: Mono, run_cli: RunCli
) -> None:
    """pytest's faulthandler prints the stack of a test still running 10 s before the task's
    timeout: the excerpt names the test that hangs and the line it hangs on."""
    repo = mono()
    append(repo, "ameide.toml", '\n[targets."uv:acme-common"]\ntimeout = 13\n')
    append(
        repo,
        "py/common/tests/test_common.py",
        "\n\ndef test_waits_forever():\n    import time\n\n    time.sleep(600)\n",
    )

    code, out, err = run_cli(["run", "--phase", "1", "--target", "uv:acme-common"], repo)

    assert code == 1, out + err
    doc = load_summary(repo)
    t = task(doc, "uv:acme-common pytest")
    assert t["status"] == "timeout"
    assert "faulthandler_timeout=3" in t["command"]
    lines = doc["first_failure"]["excerpt"].splitlines()
    assert lines[0].startswith("timed out after 13s"), lines
    assert lines[1].startswith("py/common/tests/test_common.py:"), lines
    assert lines[1].endswith(
        ": in test_waits_forever (still running at the timeout: pytest's faulthandler)"
    )
    assert len(lines) <= 20 and not any("site-packages" in ln for ln in lines)
