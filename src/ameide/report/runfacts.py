"""Facts people read off a run's summary.json: what counted as a test and what as a check,
what ran and what was replayed, the log of a task (credential values are kept out of text by
sanitize.Scrubber: the runner scrubs what tasks wrote, the page and the job summary what
they show).

Shared by the closing block, report.html, the CI step summary and the pull-request body, so
all four count the same way (stdlib only).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

# tasks whose cases are tests; every other task's cases (phase 0's contract checks, installs,
# linters, the toolchain and guardrails checks) are checks
TEST_KINDS = frozenset(("unit", "integration"))
FAILED = frozenset(("failed", "timeout", "error"))


def dur(seconds: object) -> str:
    """`1.2s`, `1m17s` (the PR body, the CI job summary)."""
    s = float(seconds) if isinstance(seconds, int | float) else 0.0
    return f"{s:.1f}s" if s < 60 else f"{int(s // 60)}m{int(s % 60):02d}s"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def tasks(doc: Mapping[str, Any]) -> Iterable[dict[str, Any]]:
    for p in doc.get("phases") or []:
        yield from p.get("tasks") or []


def case_counts(doc: Mapping[str, Any]) -> tuple[int, int]:
    """(test cases, checks) of a run: the cases of its test tasks, and all other cases."""
    tests = checks = 0
    for t in tasks(doc):
        n = int((t.get("tests") or {}).get("total") or 0)
        if t.get("kind") in TEST_KINDS:
            tests += n
        else:
            checks += n
    return tests, checks


def ran_cached(doc: Mapping[str, Any]) -> tuple[int, int]:
    """(tasks that ran to an end here, tasks replayed from the cache)."""
    ran = cached = 0
    for t in tasks(doc):
        if t.get("cached"):
            cached += 1
        elif t.get("status") in ("passed", *FAILED):
            ran += 1
    return ran, cached


def counts_phrase(doc: Mapping[str, Any]) -> str:
    """`3 checks, 12 test cases` (the closing block, the PR body, the CI summary)."""
    n_tests, n_checks = case_counts(doc)
    return f"{plural(n_checks, 'check')}, {plural(n_tests, 'test case')}"


def ran_phrase(doc: Mapping[str, Any]) -> str:
    """`5 ran, 12 replayed from the cache`."""
    ran, cached = ran_cached(doc)
    return f"{ran} ran, {cached} replayed from the cache"


def task_log(doc: Mapping[str, Any], task_id: str) -> str | None:
    """The log of a task, relative to the run directory."""
    return next((t["log"] for t in tasks(doc) if t["id"] == task_id and t.get("log")), None)


def run_dir(doc: Mapping[str, Any]) -> str:
    return os.path.join(str(doc["root"]), "artifacts", "agent-ci", str(doc["run_id"]))
