"""TaskResult: what one task of a run came to (run, replayed from the cache, or not run).

Kept apart from the runner so that a run whose every task is a cache hit can build its
evidence without importing the runner.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ameide.records import record

if TYPE_CHECKING:
    from ameide.evidence.junit import Case
    from ameide.task import Task


@record
class TaskResult:
    task: Task
    status: str  # passed | failed | timeout | error | cancelled | skipped
    exit_code: int | None
    duration: float
    log: str | None  # absolute path
    cases: tuple[Case, ...]
    junit_source: str  # native | converted | synthetic
    message: str = ""
    cached: bool = False  # replayed from the result cache (docs/cache.md), not run
    cache_source: str | None = None  # local | remote
    original_duration: float | None = None  # how long the recorded run took
    report: str | None = None  # absolute path of the tool's raw report, when it wrote one

    @property
    def ok(self) -> bool:
        return self.status in ("passed", "skipped")
