"""The run directory: `artifacts/agent-ci/<run-id>/` and the `latest` link.

Run ids are a UTC timestamp plus a random suffix, so they sort by time and two runs started
in the same second never share a directory. A `.gitignore` containing `*` keeps the whole
artifacts tree out of `git status` without touching any tracked file.
"""

from __future__ import annotations

import contextlib
import os
import time

from ameide.errors import EnvError

ARTIFACTS = os.path.join("artifacts", "agent-ci")


def _unusable(root: str, base: str, exc: OSError) -> EnvError:
    """The one-screen error for an artifacts directory ameide cannot write to."""
    path = root
    for part in ARTIFACTS.split(os.sep):  # the first component that is not a directory
        path = os.path.join(path, part)
        if os.path.lexists(path) and not os.path.isdir(path):
            what = (
                f"a link to {os.readlink(path)}, which is not a directory"
                if os.path.islink(path)
                else "a file, not a directory"
            )
            return EnvError(
                f"{path} is {what}: ameide keeps its evidence in {base}",
                hint=f"move or remove {path} (ameide creates the directory and a .gitignore "
                "that keeps it out of git status)",
                path=path,
            )
    return EnvError(
        f"cannot write the evidence to {base}: {exc.strerror or exc}",
        hint=f"make {base} writable for this user (or remove it: ameide recreates it)",
        path=base,
    )


def _check_latest(base: str) -> None:
    latest = os.path.join(base, "latest")
    if os.path.lexists(latest) and not os.path.islink(latest):
        raise EnvError(
            f"{latest} is a directory, not the link to the latest run that ameide keeps there",
            hint=f"it is a copy that followed the link (cp -rL, a restored CI cache): remove "
            f"it (rm -r {latest}) and run again; the runs themselves are next to it",
            path=latest,
        )


def new_run(root: str, suffix: str = "") -> tuple[str, str]:
    """A fresh run directory; `suffix` (e.g. `-s2of4` for a CI shard) ends the run id.
    An artifacts directory ameide cannot use is an EnvError here, before anything runs."""
    base = os.path.join(root, ARTIFACTS)
    try:
        os.makedirs(base, exist_ok=True)
    except OSError as exc:
        raise _unusable(root, base, exc) from None
    _check_latest(base)
    ignore = os.path.join(base, ".gitignore")
    if not os.path.exists(ignore):
        with contextlib.suppress(OSError), open(ignore, "w", encoding="utf-8") as fh:
            fh.write("# written by ameide: evidence is not source\n*\n")
    while True:
        run_id = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + os.urandom(3).hex()
        run_id += suffix
        path = os.path.join(base, run_id)
        try:
            os.makedirs(path)
            return run_id, path
        except FileExistsError:
            continue
        except OSError as exc:
            raise _unusable(root, base, exc) from None


def update_latest(root: str, run_id: str) -> None:
    """Point `latest` at `run_id` atomically (a new symlink renamed over the old one)."""
    base = os.path.join(root, ARTIFACTS)
    tmp = os.path.join(base, f".latest-{run_id}")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    os.symlink(run_id, tmp)
    try:
        os.replace(tmp, os.path.join(base, "latest"))
    except OSError:  # replaced by a directory while the run ran
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        _check_latest(base)
        raise


def latest_summary_path(root: str) -> str:
    return os.path.join(root, ARTIFACTS, "latest", "summary.json")
