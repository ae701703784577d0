"""The process seam's executable lookup (the rest is exercised through the runner)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from ameide import proc


def tool(d: Path, name: str) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    p = d / name
    p.write_text("#!/bin/sh\nexit 0\n")
    p.chmod(0o755)
    return p


def test_the_first_executable_on_path_wins(tmp_path: Path) -> None:
    first = tool(tmp_path / "a", "ameide-tool-x")
    tool(tmp_path / "b", "ameide-tool-x")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "ameide-tool-x").write_text("not executable")
    env = {"PATH": os.pathsep.join(str(tmp_path / d) for d in ("c", "a", "b"))}
    assert proc._executable("ameide-tool-x", env) == str(first)


def test_no_lookup_for_paths_relative_path_entries_or_missing_tools(tmp_path: Path) -> None:
    tool(tmp_path / "a", "ameide-tool-y")
    assert proc._executable("./ameide-tool-y", {"PATH": str(tmp_path / "a")}) is None
    # a relative PATH entry depends on the child's cwd: leave the search to exec
    assert proc._executable("ameide-tool-y", {"PATH": f"bin:{tmp_path / 'a'}"}) is None
    assert proc._executable("ameide-no-such-tool", {"PATH": str(tmp_path / "a")}) is None


def _timed(tmp_path: Path, name: str, argv: tuple[str, ...], timeout: float, **kw: float) -> Any:
    return proc.run_logged(
        argv, str(tmp_path), env=None, log_path=str(tmp_path / f"{name}.log"), timeout=timeout, **kw
    )


def test_a_later_but_shorter_deadline_is_kept(tmp_path: Path) -> None:
    """The timeout watch sleeps until its earliest deadline: a task started later with a
    shorter timeout must wake it (it used to be a pidfd per task, polled with its own)."""
    out: dict[str, Any] = {}
    long = threading.Thread(
        target=lambda: out.setdefault("long", _timed(tmp_path, "long", ("sleep", "3"), 30.0))
    )
    long.start()
    time.sleep(0.2)  # the 30 s deadline is the watch's earliest now
    t0 = time.monotonic()
    short = _timed(tmp_path, "short", ("sleep", "30"), 0.3)
    took = time.monotonic() - t0
    assert short.timed_out and short.returncode is None, short
    assert 0.25 < took < 2.0, took
    assert "timed out after 0.3s" in (tmp_path / "short.log").read_text()
    long.join()
    assert out["long"].returncode == 0 and not out["long"].timed_out, out


def test_a_task_that_ignores_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    script = "trap '' TERM; echo ready; while :; do sleep 0.05; done"
    t0 = time.monotonic()
    res = _timed(tmp_path, "stubborn", ("sh", "-c", script), 0.3, grace=0.5)
    took = time.monotonic() - t0
    assert res.timed_out, res
    assert 0.7 < took < 3.0, took  # SIGTERM at 0.3 s (ignored), SIGKILL 0.5 s later


def test_a_task_done_before_its_deadline_is_not_killed_later(tmp_path: Path) -> None:
    """A finished task's deadline comes due with nothing to kill: no signal reaches a later
    process, and the watch goes on serving the deadlines after it."""
    first = _timed(tmp_path, "first", ("true",), 0.2)
    assert first.returncode == 0 and not first.timed_out
    time.sleep(0.4)  # the first deadline has passed: the watch dropped it
    res = _timed(tmp_path, "second", ("sleep", "0.5"), 5.0)
    assert res.returncode == 0 and not res.timed_out, res
    late = _timed(tmp_path, "late", ("sleep", "10"), 0.2)
    assert late.timed_out, late
