"""CI sharding: `AMEIDE_SHARD=k/N` runs a deterministic 1/N of each phase's tasks.

Every shard plans the same tasks (same commit, same CI environment) and must assign them the
same way without talking to the others, so the assignment is a pure function of the plan and
of the weights (expected durations):

- per phase, longest-processing-time first: tasks sorted by (weight desc, id), each given to
  the shard with the least total so far (ties: the lowest shard number);
- installs are not partitioned: a shard runs the install of a workspace when it has any other
  task in it (each CI machine needs its own node_modules / .venv);
- weights come from `AMEIDE_SHARD_WEIGHTS`, which `ameide run --matrix N` computes once from
  the durations of earlier runs (this clone's timings, the local and remote cache) and hands to
  every shard through the matrix; tasks it does not name get an estimate from their kind.
  Shards never read their own machine's history: two machines (or two shards run one after the
  other on one machine) would see different histories and assign differently, and a task could
  then run in no shard at all.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import zlib
from typing import TYPE_CHECKING, Any

from ameide.errors import UsageError
from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ameide.plan import Plan
    from ameide.task import Task

MAX_SHARDS = 256  # GitHub Actions' matrix limit
WEIGHTS_PREFIX = "w1:"
MAX_WEIGHTS_CHARS = 32 * 1024
HIT_WEIGHT = 0.2  # a cache hit costs a replay (or a download), not a run
_ESTIMATE = {
    "vet": 4.0,
    "collect": 3.0,
    "typecheck": 6.0,
    "lint": 4.0,
    "unit": 8.0,
    "integration": 15.0,
    "buf-lint": 1.0,
    "buf-format": 1.0,
    "buf-breaking": 2.0,
    "codegen": 3.0,
    "profile-check": 0.5,
    "contract": 4.0,
}
TIMINGS = "timings.json"


@record
class Shard:
    index: int  # 1-based
    total: int

    @property
    def spec(self) -> str:
        return f"{self.index}/{self.total}"


def parse_shard(raw: str, name: str = "AMEIDE_SHARD") -> Shard:
    k, sep, n = raw.strip().partition("/")
    if not sep or not k.isdigit() or not n.isdigit():
        raise UsageError(
            f"{name}={raw!r} is not of the form k/N",
            hint=f"set {name} to this machine's shard and the shard count, e.g. 2/4 "
            "(from `ameide run --matrix N --json`; docs/ci.md)",
        )
    shard = Shard(int(k), int(n))
    if not 1 <= shard.total <= MAX_SHARDS or not 1 <= shard.index <= shard.total:
        raise UsageError(
            f"{name}={raw!r}: k must be between 1 and N, N between 1 and {MAX_SHARDS}",
            hint="shards are numbered from 1: with N=4 use 1/4, 2/4, 3/4 and 4/4",
        )
    return shard


def encode_weights(weights: Mapping[str, float]) -> str:
    """A compact, deterministic string of {task id: seconds} for AMEIDE_SHARD_WEIGHTS. When too
    long for an environment variable, the shortest durations are left out (estimated)."""
    items = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
    while True:
        doc = {k: round(v, 1) for k, v in sorted(items)}
        raw = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()
        text = WEIGHTS_PREFIX + base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode()
        if len(text) <= MAX_WEIGHTS_CHARS or not items:
            return text
        items = items[: len(items) * 3 // 4]


def decode_weights(raw: str, name: str = "AMEIDE_SHARD_WEIGHTS") -> dict[str, float]:
    raw = raw.strip()
    if not raw:
        return {}
    try:
        if not raw.startswith(WEIGHTS_PREFIX):
            raise ValueError("prefix")
        doc = json.loads(zlib.decompress(base64.urlsafe_b64decode(raw[len(WEIGHTS_PREFIX) :])))
        if not isinstance(doc, dict):
            raise ValueError("shape")
        return {str(k): float(v) for k, v in doc.items()}
    except (ValueError, TypeError, zlib.error):
        raise UsageError(
            f"{name} is not a weights string written by `ameide run --matrix`",
            hint=f"pass the matrix entry's `weights` unchanged, or unset {name} "
            "(shards then balance by estimates)",
        ) from None


def estimate(task: Task) -> float:
    """Seconds a task is expected to take when nothing is known about it."""
    base = _ESTIMATE.get(task.kind, 5.0)
    return base + 0.5 * max(0, len(task.targets) - 1)


def weight(task: Task, weights: Mapping[str, float]) -> float:
    w = weights.get(task.id)
    return estimate(task) if w is None else max(w, 0.0)


def assign(tasks: list[Task], total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """task id -> shard (1-based) for every partitioned task, phase by phase."""
    out: dict[str, int] = {}
    for phase in sorted({t.phase for t in tasks}):
        loads = [0.0] * total
        members = [t for t in tasks if t.phase == phase and t.kind != "install"]
        for t in sorted(members, key=lambda t: (-weight(t, weights), t.id)):
            i = min(range(total), key=lambda j: (loads[j], j))
            loads[i] += weight(t, weights)
            out[t.id] = i + 1
    return out


def _within(path: str, directory: str) -> bool:
    return directory == "." or path == directory or path.startswith(directory + "/")


def select(plan: Plan, shard: Shard, weights: Mapping[str, float]) -> tuple[Plan, dict[str, Any]]:
    """This shard's part of the plan and the summary's `shard` document."""
    from ameide.plan import Plan

    tasks = list(plan.tasks)
    owner = assign(tasks, shard.total, weights)
    mine = [t for t in tasks if owner.get(t.id) == shard.index]
    installs = [
        t
        for t in tasks
        if t.kind == "install"
        and any(m.ecosystem == t.ecosystem and _within(m.cwd, t.cwd) for m in mine)
    ]
    keep = {t.id for t in mine} | {t.id for t in installs}
    chosen = tuple(t for t in tasks if t.id in keep)
    targets = tuple(sorted({tid for t in chosen for tid in t.targets}))
    note = f"shard {shard.spec}: {len(mine)} of {len(owner)} tasks" + (
        f", plus {len(installs)} install(s) every shard needs" if installs else ""
    )
    known = sum(1 for t in tasks if t.id in weights and t.kind != "install")
    doc = {
        "index": shard.index,
        "total": shard.total,
        "tasks": len(mine),
        "of": len(owner),
        "replicated": [t.id for t in installs],
        "weights": "shared" if weights else "estimate",
        "known": known,
        "estimate": round(sum(weight(t, weights) for t in mine), 1),
    }
    return Plan(chosen, tuple(sorted((*plan.notes, note))), targets), doc


def from_env(env: Mapping[str, str]) -> tuple[Shard, dict[str, float]] | None:
    raw = env.get("AMEIDE_SHARD", "").strip()
    if not raw:
        return None
    return parse_shard(raw), decode_weights(env.get("AMEIDE_SHARD_WEIGHTS", ""))


# ------------------------------------------------------------------ recorded durations


def load_timings(state_dir: str) -> dict[str, float]:
    """task id -> seconds of its latest real run in this clone (written after every run)."""
    try:
        with open(os.path.join(state_dir, TIMINGS), encoding="utf-8") as fh:
            doc = json.load(fh)
        return {str(k): float(v) for k, v in doc.get("tasks", {}).items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def record_timings(state_dir: str, ran: Mapping[str, float]) -> None:
    if not ran:
        return
    merged = load_timings(state_dir)
    merged.update({k: round(v, 3) for k, v in ran.items()})
    from ameide.fsutil import atomic_write_text

    with contextlib.suppress(OSError):  # a read-only git dir only costs balance
        atomic_write_text(
            os.path.join(state_dir, TIMINGS),
            json.dumps({"version": 1, "tasks": dict(sorted(merged.items()))}),
        )


def summary_timings(root: str, limit: int = 50) -> dict[str, float]:
    """Durations of the tasks that really ran, from the summary.json files of the newest
    `limit` runs under artifacts/agent-ci/ (newer runs win). In CI that directory can hold the
    previous build's shards' summaries, restored by the planning job (docs/ci.md)."""
    from ameide.evidence.rundir import ARTIFACTS

    base = os.path.join(root, ARTIFACTS)
    try:
        runs = sorted(e.name for e in os.scandir(base) if e.is_dir(follow_symlinks=False))[-limit:]
    except OSError:
        return {}
    out: dict[str, float] = {}
    for run in runs:
        try:
            with open(os.path.join(base, run, "summary.json"), encoding="utf-8") as fh:
                doc = json.load(fh)
            for p in doc.get("phases", []):
                for t in p.get("tasks", []):
                    if not t.get("cached") and t.get("status") in ("passed", "failed"):
                        out[str(t["id"])] = float(t["duration"])
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            continue
    return out


def history(root: str, state_dir: str) -> dict[str, float]:
    """task id -> seconds of its latest real run: earlier summaries, then this clone's record."""
    return {**summary_timings(root), **load_timings(state_dir)}


def matrix_doc(
    tasks: list[Task],
    total: int,
    known: dict[str, float],
    hits: set[str],
    warnings: list[str],
) -> dict[str, Any]:
    """`ameide run --matrix N`'s document: the tasks weighed (`known` durations, a replay
    for a cache hit, an estimate for the rest), split N ways, and the GitHub Actions matrix
    whose entries give each shard AMEIDE_SHARD and the weights."""
    weights = {t.id: known[t.id] for t in tasks if t.id in known}
    weights.update({tid: HIT_WEIGHT for tid in hits})
    owner = assign(tasks, total, weights)
    encoded = encode_weights(weights) if weights else ""
    shards = []
    for k in range(1, total + 1):
        mine = [t for t in tasks if owner.get(t.id) == k]
        shards.append(
            {
                "shard": f"{k}/{total}",
                "tasks": [t.id for t in mine],
                "seconds": round(sum(weight(t, weights) for t in mine), 1),
            }
        )
    partitioned = [t for t in tasks if t.id in owner]
    return {
        "matrix": {"include": [{"shard": s["shard"], "weights": encoded} for s in shards]},
        "shards": shards,
        "tasks": len(partitioned),
        "known": sum(1 for t in partitioned if t.id in weights and t.id not in hits),
        "hits": sorted(hits),
        "estimated": sorted(t.id for t in partitioned if t.id not in weights),
        "estimate_total": round(sum(estimate(t) for t in partitioned), 1),
        "warnings": warnings,
    }
