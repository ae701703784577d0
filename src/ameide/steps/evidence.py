"""Step 6, evidence: per-phase JUnit, report.html, summary.json, the clone's task timings,
`latest`."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ameide.affected import Planning
    from ameide.agents.guardrails import GuardrailReport
    from ameide.cache.session import CacheSession
    from ameide.evidence.runsummary import PhaseRecord, RunFacts
    from ameide.taskenv import TaskEnv


def write_evidence(
    ctx: Planning,
    facts: RunFacts,
    phases: tuple[int, ...],
    rec: PhaseRecord,
    run_dir: str,
    cache: CacheSession | None,
    tenv: TaskEnv,
    guard: GuardrailReport | None,
) -> dict[str, Any]:
    """Write the run's evidence and return its summary.json document."""
    from ameide.background import Later
    from ameide.evidence.rundir import update_latest
    from ameide.evidence.runsummary import dirty_now, phases_doc, summary

    dirty = Later(lambda: dirty_now(ctx), "ameide-status")  # git works while Python does
    keys = cache.keys if cache is not None else {}
    docs, first, totals, durations = phases_doc(
        phases, rec, run_dir, keys, facts.started, ctx.graph.targets
    )
    doc = summary(facts, ctx, docs, first, totals, dirty.result())
    if cache is not None:
        doc["warnings"] += cache.warnings()
    if durations:
        from ameide.cache.shard import record_timings

        record_timings(ctx.cache_dir, durations)
    doc["task_env"] = {
        "mode": tenv.mode,
        "withheld": list(tenv.withheld),
        "passed": list(tenv.passed),
    }
    doc["warnings"] += tenv.warnings
    doc["guardrails"] = None
    if guard is not None:
        from ameide.agents.guardrails import summary_doc, warnings

        doc["guardrails"] = summary_doc(guard)
        doc["warnings"] += warnings(guard)
    # The pydantic models in evidence/summary.py define this document (and the JSON Schema);
    # tests validate every summary against them. Validating here as well would cost ~200 ms
    # of imports on every run, a third of a no-op `ameide test`. Written through json's C
    # encoder, a task per line (`indent=` is ~7x slower: 50 ms for 500 tasks).
    from ameide.evidence.html import write_report
    from ameide.fsutil import atomic_write_text
    from ameide.report.jsonout import dumps

    doc["warnings"] += write_report(run_dir, doc)  # report.html (a problem is a warning)
    atomic_write_text(os.path.join(run_dir, "summary.json"), dumps(doc, depth=4))
    update_latest(ctx.repo.root, facts.run_id)
    return doc
