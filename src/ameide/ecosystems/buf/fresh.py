"""buf's built-in `codegen` check: `buf generate` into a temporary directory, compared with
what is checked in. A stale, missing or orphaned file fails phase 0 and is named."""

from __future__ import annotations

import filecmp
import os
import shutil
import tempfile
from typing import TYPE_CHECKING

from ameide import proc

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ameide.task import Task

# the line that opens the verdict in the task log (the closing block starts its excerpt there)
STALE_VERDICT = "generated code is not fresh"


def _files(top: str) -> set[str]:
    out: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = [d for d in dirnames if d not in ("__pycache__", "node_modules")]
        for f in filenames:
            if f.endswith((".pyc", ".pyo")):
                continue
            out.add(os.path.relpath(os.path.join(dirpath, f), top))
    return out


def compare(
    generated_root: str, repo_root: str, outs: list[str], tpl_dir: str
) -> list[tuple[str, str]]:
    """[(path relative to the repo root, problem)] for every out dir of the template."""
    problems: list[tuple[str, str]] = []
    for out in outs:
        rel_out = os.path.relpath(os.path.join(repo_root, out), os.path.join(repo_root, tpl_dir))
        gen_dir = os.path.join(generated_root, rel_out)
        have_dir = os.path.join(repo_root, out)
        gen = _files(gen_dir) if os.path.isdir(gen_dir) else set()
        have = _files(have_dir) if os.path.isdir(have_dir) else set()
        for f in sorted(gen | have):
            path = os.path.normpath(os.path.join(out, f))
            if f not in have:
                problems.append((path, "missing: generated but not checked in"))
            elif f not in gen:
                problems.append((path, "orphan: checked in but no longer generated"))
            elif not filecmp.cmp(
                os.path.join(gen_dir, f), os.path.join(have_dir, f), shallow=False
            ):
                problems.append((path, "stale: differs from what buf generate produces"))
    return problems


def check_fresh(task: Task, root: str, log: str, env: Mapping[str, str]) -> tuple[int, str]:
    """The built-in `codegen` task: 0 when every generated file is fresh."""
    template = task.params["template"]
    cwd = os.path.join(root, task.cwd)
    tmp = tempfile.mkdtemp(prefix="ameide-codegen-")
    try:
        res = proc.run_logged(
            ("buf", "generate", "--template", os.path.basename(template), "-o", tmp),
            cwd,
            env=env,
            log_path=log,
            timeout=task.timeout,
        )
        if res.missing:
            return 127, "buf: command not found"
        if res.timed_out:
            return 124, f"buf generate timed out after {task.timeout:.0f}s"
        if res.returncode != 0:
            return res.returncode or 1, (
                f"buf generate failed (exit {res.returncode}); is every plugin of "
                f"{template} installed and on PATH?"
            )
        problems = compare(tmp, root, list(task.params["outs"]), task.cwd)
        with open(log, "a", encoding="utf-8") as fh:
            if problems:
                fh.write(
                    f"\n{STALE_VERDICT} ({len(problems)} file{'s' if len(problems) != 1 else ''}); "
                    f"run `buf generate --template {os.path.basename(template)}` in "
                    f"{task.cwd} and commit the result:\n"
                )
                for path, why in problems:
                    fh.write(f"  {path}: {why}\n")
            else:
                fh.write("\nall generated files are fresh\n")
        if problems:
            first, why = problems[0]
            more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
            return 1, f"{first}: {why}{more}"
        return 0, ""
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
