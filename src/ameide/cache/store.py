"""The local store: one file per artifact under the user cache directory, bounded by size.

    <dir>/tasks/v1/<key[:2]>/<key>

Writes go to a temporary file in the same directory and are renamed into place, so readers
see a whole artifact or none; two runs writing the same key both write complete, equivalent
files and the last rename wins. A hit refreshes the file's mtime, which is what
least-recently-used pruning sorts by (atime is unreliable with relatime/noatime). Pruning runs
under a non-blocking lock: when another process is already pruning, this one does not wait.
Anything unreadable is a miss; a damaged entry is deleted so the next success rewrites it.
"""

from __future__ import annotations

import contextlib
import os
import time

from ameide.cache.artifact import MAX_ARTIFACT
from ameide.records import record

LAYOUT = os.path.join("tasks", "v1")
PRUNE_TO = 0.8  # prune down to 80% of the limit, so the next few writes do not prune again
STALE_TMP = 3600.0  # temporary files older than this belong to crashed writers


@record
class Usage:
    entries: int
    bytes: int
    oldest: float | None  # mtime (last use) of the least recently used entry
    newest: float | None


class LocalStore:
    def __init__(self, directory: str, max_bytes: int) -> None:
        self.dir = directory
        self.root = os.path.join(directory, LAYOUT)
        self.max_bytes = max_bytes

    def path(self, key: str) -> str:
        return os.path.join(self.root, key[:2], key)

    def get(self, key: str) -> bytes | None:
        """The entry's bytes; None when absent or unreadable. An entry bigger than any
        artifact can be (MAX_ARTIFACT) is damaged and is not read: it comes back empty, which
        verification rejects (and the caller drops) like any damaged entry."""
        p = self.path(key)
        try:
            with open(p, "rb") as fh:
                if os.fstat(fh.fileno()).st_size > MAX_ARTIFACT:
                    return b""
                data = fh.read()
        except OSError:
            return None
        with contextlib.suppress(OSError):
            os.utime(p)  # least recently used = oldest mtime
        return data

    def put(self, key: str, data: bytes) -> bool:
        """Store atomically; False when the directory is not writable (only costs speed)."""
        p = self.path(key)
        d = os.path.dirname(p)
        tmp = os.path.join(d, f".tmp-{os.getpid()}-{os.urandom(4).hex()}-{key[:16]}")
        try:
            os.makedirs(d, exist_ok=True)
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.replace(tmp, p)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            return False
        return True

    def drop(self, key: str) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.path(key))

    def _scan(self) -> tuple[list[tuple[float, int, str]], list[tuple[float, str]]]:
        """(entries as (mtime, size, path), temporary files as (mtime, path))."""
        entries: list[tuple[float, int, str]] = []
        temps: list[tuple[float, str]] = []
        try:
            shards = os.scandir(self.root)
        except OSError:
            return entries, temps
        with shards:
            for shard in shards:
                if not shard.is_dir(follow_symlinks=False):
                    continue
                try:
                    files = list(os.scandir(shard.path))
                except OSError:
                    continue
                for f in files:
                    try:
                        st = f.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if f.name.startswith(".tmp-"):
                        temps.append((st.st_mtime, f.path))
                    else:
                        entries.append((st.st_mtime, st.st_size, f.path))
        return entries, temps

    def usage(self) -> Usage:
        entries, _ = self._scan()
        times = [m for m, _, _ in entries]
        return Usage(
            len(entries),
            sum(s for _, s, _ in entries),
            min(times) if times else None,
            max(times) if times else None,
        )

    def prune(self, limit: int | None = None) -> tuple[int, int]:
        """Delete least recently used entries until the store is at most 80% of `limit`
        (default: the configured maximum) when it exceeds `limit`. Returns (removed, bytes)."""
        limit = self.max_bytes if limit is None else limit
        lock = self._try_lock()
        if lock is None:
            return 0, 0  # another process is pruning right now
        try:
            entries, temps = self._scan()
            now = time.time()
            removed = freed = 0
            for mtime, path in temps:
                if now - mtime > STALE_TMP:
                    with contextlib.suppress(OSError):
                        os.unlink(path)
            total = sum(s for _, s, _ in entries)
            if total <= limit:
                return 0, 0
            goal = int(limit * PRUNE_TO)
            for _, size, path in sorted(entries):
                if total <= goal:
                    break
                with contextlib.suppress(OSError):
                    os.unlink(path)
                    removed += 1
                    freed += size
                total -= size
            return removed, freed
        finally:
            os.close(lock)

    def clean(self) -> tuple[int, int]:
        """Delete every entry (and temporary file). Returns (removed, bytes)."""
        entries, temps = self._scan()
        removed = freed = 0
        for _, size, path in entries:
            with contextlib.suppress(OSError):
                os.unlink(path)
                removed += 1
                freed += size
        for _, path in temps:
            with contextlib.suppress(OSError):
                os.unlink(path)
        return removed, freed

    def _try_lock(self) -> int | None:
        import fcntl

        try:
            os.makedirs(self.root, exist_ok=True)
            fd = os.open(os.path.join(self.root, ".prune.lock"), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return None
        return fd
