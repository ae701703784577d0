"""scripts/demo as a newcomer runs it, output piped: it passes, keeps its evidence and ends
with the evidence's real path; no terminal escape codes reach the pipe."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def test_the_demo_keeps_its_evidence_and_prints_its_real_path(tmp_path: Path) -> None:
    env = dict(os.environ, AMEIDE_DEMO_DIR=str(tmp_path / "demo"), TERM="xterm-256color")
    env.pop("NO_COLOR", None)  # a pipe alone must keep escape codes out
    r = subprocess.run(
        ["bash", str(ROOT / "scripts" / "demo")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "\x1b" not in r.stdout + r.stderr
    last = r.stdout.splitlines()[-2:]
    assert last[0].startswith("evidence: ") and last[1].startswith("report:   ")
    run_dir = Path(last[0].removeprefix("evidence: ").rstrip("/"))
    assert run_dir.is_absolute() and run_dir == run_dir.resolve()
    assert run_dir.is_relative_to(tmp_path / "demo")
    assert (run_dir / "summary.json").is_file() and (run_dir / "report.html").is_file()
    assert last[1] == f"report:   {run_dir}/report.html  (open it in a browser)"
    assert "flowchart LR" in r.stdout  # the affected graph
