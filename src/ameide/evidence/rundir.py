"""The run directory: `artifacts/agent-ci/<run-id>/` and the `latest` link.

Run ids are a UTC timestamp plus a random suffix, so they sort by time and two runs started
in the same second never share a directory. A `.gitignore` containing `*` keeps the whole
artifacts tree out of `git status` without touching any tracked file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time

ARTIFACTS = os.path.join("artifacts", "agent-ci")


def new_run(root: str, suffix: str = "") -> tuple[str, str]:
    """A fresh run directory; `suffix` (e.g. `-s2of4` for a CI shard) ends the run id."""
    base = os.path.join(root, ARTIFACTS)
    os.makedirs(base, exist_ok=True)
    ignore = os.path.join(base, ".gitignore")
    if not os.path.exists(ignore):
        with contextlib.suppress(OSError), open(ignore, "w", encoding="utf-8") as fh:
            fh.write("# written by ameide: evidence is not source\n*\n")
    while True:
        run_id = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)
        run_id += suffix
        path = os.path.join(base, run_id)
        try:
            os.makedirs(path)
            return run_id, path
        except FileExistsError:
            continue


def update_latest(root: str, run_id: str) -> None:
    """Point `latest` at `run_id` atomically (a new symlink renamed over the old one)."""
    base = os.path.join(root, ARTIFACTS)
    tmp = os.path.join(base, f".latest-{run_id}")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    os.symlink(run_id, tmp)
    os.replace(tmp, os.path.join(base, "latest"))


def latest_summary_path(root: str) -> str:
    return os.path.join(root, ARTIFACTS, "latest", "summary.json")
