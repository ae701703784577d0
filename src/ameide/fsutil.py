"""Small file-system helpers: atomic writes (temp file + rename) for caches and evidence."""

from __future__ import annotations

import contextlib
import os


def atomic_write_bytes(path: str, data: bytes, *, private: bool = False) -> None:
    """Write `path` through a temporary file renamed over it. The file gets the permissions
    any new file gets (0666 less the umask: 0644 under the usual 022), so evidence reads like
    the tools' own files; `private` makes it 0600 (for what only this user should read)."""
    d = os.path.dirname(path) or "."
    os.makedirs(d, exist_ok=True)
    name = os.path.basename(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    while True:
        # not tempfile.mkstemp: it always creates 0600 files (and costs imports)
        tmp = os.path.join(d, f".tmp-{os.urandom(6).hex()}-{name}")
        try:
            fd = os.open(tmp, flags, 0o600 if private else 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str, text: str, *, private: bool = False) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), private=private)
