"""One run's use of the cache: look a task up before running it, store it after it passed.

A hit replays the recorded log (with a first line saying it is a replay), the tool's raw
report (`phaseN/reports/<task>.jsonl|.xml`, byte for byte) and JUnit cases into this run's
evidence and comes back as a passed TaskResult with `cached=True`. Lookups try the
local store, then the remote; a remote hit is copied into the local store. Only passed results
are stored. Everything here is called from the runner's worker threads, so counters are
guarded by a lock.
"""

from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING, Any

from ameide.cache.artifact import (
    FORMAT,
    MAX_ARTIFACT,
    MAX_LOG_BYTES,
    MAX_REPORT_BYTES,
    CorruptArtifact,
    case_from_json,
    case_to_json,
    pack,
    unpack,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ameide.cache.remote import RemoteCache
    from ameide.cache.settings import CacheSettings
    from ameide.cache.store import LocalStore
    from ameide.task import Task
    from ameide.taskresult import TaskResult


# verified metadata, log, cases, raw report (None: none stored)
Entry = tuple[dict[str, Any], bytes, tuple[Any, ...], bytes | None]


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def _size(n: int) -> str:
    if n >= 1 << 20:
        return f"{n / (1 << 20):.1f} MiB"
    return f"{n / 1024:.1f} KiB" if n >= 1024 else f"{n} bytes"


class CacheSession:
    def __init__(
        self,
        settings: CacheSettings,
        keys: Mapping[str, str | None],
        store: LocalStore,
        remote: RemoteCache | None = None,
    ) -> None:
        self.settings = settings
        self.keys = dict(keys)
        self.store = store
        self.remote = remote
        self._lock = threading.Lock()
        self.local_hits = 0
        self.remote_hits = 0
        self.misses = 0
        self.stored = 0
        self.damaged = 0  # local entries that failed verification (deleted)
        self.pruned = (0, 0)
        self.abandoned = 0

    def key(self, task: Task) -> str | None:
        return self.keys.get(task.id)

    # ------------------------------------------------------------------ lookups
    def lookup(self, task: Task, log_path: str, report: str) -> TaskResult | None:
        """The cached result of `task` replayed into `log_path` (and its raw report, if it
        recorded one, into `report`: Task.report_file), or None (then run it)."""
        key = self.keys.get(task.id)
        if not key:
            return None
        t0 = time.perf_counter()
        found = self._local(key)
        source = "local"
        if found is None and self.remote is not None and self.remote.usable:
            source = "remote"
            data = self.remote.get(key)
            if data is not None:
                try:
                    found = self._decode(data, key)
                except CorruptArtifact as exc:
                    self.remote.reject(str(exc))
                else:
                    self.store.put(key, data)
        if found is None:
            with self._lock:
                self.misses += 1
            return None
        return self.replay(task, found, source, log_path, report, t0)

    def preload(self, tasks: list[Task]) -> dict[str, Entry] | None:
        """Every task's verified local entry, or None as soon as one has none (the run then
        goes through the runner, where misses run)."""
        out: dict[str, Entry] = {}
        for t in tasks:
            key = self.keys.get(t.id)
            found = self._local(key) if key else None
            if found is None:
                return None
            out[t.id] = found
        return out

    def replay(
        self,
        task: Task,
        found: Entry,
        source: str,
        log_path: str,
        report: str,
        t0: float | None = None,
    ) -> TaskResult:
        """Write the recorded log (with a first line saying so) and raw report, and return
        the result."""
        from ameide.taskresult import TaskResult

        t0 = time.perf_counter() if t0 is None else t0
        meta, log, cases, raw = found
        key = str(meta["key"])
        when = meta.get("recorded") or "?"
        note = (
            f"# ameide: cached result replayed from the {source} cache "
            f"(recorded {when}, ran in {float(meta['duration']):.2f}s, key {key[:16]}); "
            "not run again"
        )
        written = None
        if raw is not None:
            _write(report, raw)
            written = report
        elif meta.get("report") is not None:  # recorded but over the limit
            size = int(meta["report"]["size"])
            rel = os.path.join("reports", os.path.basename(report))
            note += (
                f"; its raw report {rel} ({_size(size)}) was over the cache's "
                f"{_size(MAX_REPORT_BYTES)} limit and is not replayed"
            )
        with open(log_path, "wb") as fh:
            fh.write(note.encode() + b"\n")
            fh.write(log)
        with self._lock:
            if source == "local":
                self.local_hits += 1
            else:
                self.remote_hits += 1
        code = meta.get("exit_code")
        source_kind = meta["junit_source"]
        return TaskResult(
            task,
            "passed",
            code if isinstance(code, int) else 0,
            time.perf_counter() - t0,
            log_path,
            cases,
            source_kind if source_kind in ("native", "converted", "synthetic") else "synthetic",
            str(meta.get("message") or ""),
            cached=True,
            cache_source=source,
            original_duration=float(meta["duration"]),
            report=written,
        )

    def _local(self, key: str) -> Entry | None:
        data = self.store.get(key)
        if data is None:
            return None
        try:
            return self._decode(data, key)
        except CorruptArtifact:
            self.store.drop(key)  # a damaged entry is a miss; the next success rewrites it
            with self._lock:
                self.damaged += 1
            return None

    @staticmethod
    def _decode(data: bytes, key: str) -> Entry:
        meta, log, report = unpack(data, key)
        try:
            cases = tuple(case_from_json(c) for c in meta["cases"])
            float(meta["duration"])
        except (TypeError, ValueError) as exc:
            raise CorruptArtifact(f"bad metadata ({type(exc).__name__})") from None
        return meta, log, cases, report

    # ------------------------------------------------------------------ stores
    def save(self, result: TaskResult) -> bool:
        """Record a passed result (local store now, remote upload in the background)."""
        key = self.keys.get(result.task.id)
        if not key or result.cached or result.status != "passed":
            return False
        log = b""
        if result.log:
            try:
                if os.path.getsize(result.log) > MAX_LOG_BYTES:
                    return False
                with open(result.log, "rb") as fh:
                    log = fh.read()
            except OSError:
                return False
        report: bytes | None = None
        report_doc: dict[str, Any] | None = None
        if result.report:
            try:
                size = os.path.getsize(result.report)
                if size > MAX_REPORT_BYTES:  # the log and cases are still worth caching
                    report_doc = {"size": size, "stored": False}
                else:
                    with open(result.report, "rb") as fh:
                        report = fh.read()
                    report_doc = {"size": len(report), "stored": True}
            except OSError:  # gone since the task ran: as if the tool had written none
                report, report_doc = None, None
        from ameide import __version__

        meta = {
            "format": FORMAT,
            "key": key,
            "task": result.task.id,
            "kind": result.task.kind,
            "status": result.status,
            "exit_code": result.exit_code,
            "duration": round(result.duration, 3),
            "junit_source": result.junit_source,
            "message": result.message,
            "cases": [case_to_json(c) for c in result.cases],
            "report": report_doc,
            "recorded": _iso(time.time()),
            "ameide": __version__,
        }
        data = pack(meta, log, report)
        if len(data) > MAX_ARTIFACT:  # every reader would reject it (huge test metadata)
            return False
        if self.store.put(key, data):
            with self._lock:
                self.stored += 1
        if self.remote is not None and self.remote.writable:
            self.remote.upload_later(key, data, int(result.duration * 1000))
        return True

    # ------------------------------------------------------------------ end of run
    def finish(self, *, interrupted: bool = False) -> dict[str, Any]:
        """Wait (bounded) for uploads, prune the local store, and describe the run's use."""
        if self.remote is not None:
            budget = 0.0 if interrupted else max(10.0, 5 * self.remote.s.timeout)
            self.abandoned = self.remote.drain(budget)
        if self.stored and not interrupted:
            self.pruned = self.store.prune()
        return self.doc()

    def warnings(self) -> list[str]:
        out = []
        if self.remote is not None:
            w = self.remote.warning()
            if w:
                out.append(w)
            if self.abandoned:
                out.append(
                    f"remote cache {self.remote.url}: {self.abandoned} upload(s) still "
                    "running at exit were abandoned"
                )
        return out

    def doc(self) -> dict[str, Any]:
        remote: dict[str, Any] | None = None
        r = self.remote
        if r is not None:
            remote = {
                "url": r.url,
                "team": r.s.team,
                "read_only": r.s.read_only,
                "read_only_reason": r.s.read_only_reason or None,
                "signed": r.s.signature_key is not None,
                "status": "failed" if r.failed else "ok",
                "downloads": r.downloads,
                "download_bytes": r.download_bytes,
                "download_seconds": round(r.download_seconds, 3),
                "uploads": r.uploads,
                "rejected": r.rejected,
                "warning": r.warning(),
            }
        return {
            "enabled": True,
            "reason": None,
            "dir": self.store.dir,
            "hits": self.local_hits + self.remote_hits,
            "remote_hits": self.remote_hits,
            "misses": self.misses,
            "stored": self.stored,
            "damaged": self.damaged,
            "uncacheable": sum(1 for k in self.keys.values() if not k),
            "remote": remote,
        }


def _write(path: str, data: bytes) -> None:
    try:
        with open(path, "wb") as fh:
            fh.write(data)
    except FileNotFoundError:  # the all-hits path of testrun.py makes only the logs directory
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            fh.write(data)
