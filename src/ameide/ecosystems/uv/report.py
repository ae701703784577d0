"""What pytest's JUnit report says about a failure, without pytest's layout around it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ameide.evidence.junit import Case

# where a traceback entry ends: `tests/test_x.py:12: AssertionError`, `x.py:3: in helper`
_POSITION = re.compile(r"^\S+\.py:\d+:(?:\s|$)")
_FRAMES_KEPT = 4  # the test's own entry, then the innermost ones: where it failed


def case_lines(case: Case) -> list[str]:
    """A pytest failure as an agent reads it: per traceback entry the line that failed
    (`>`), the exception (`E`) and the entry's `file.py:12:` position; not the source
    around them, the separators or the arguments. The message goes when the `E` lines say
    it (pytest's message is their first line and its diff again), and so does the middle of
    a deep traceback."""
    entries: list[list[str]] = [[]]
    for ln in case.text.splitlines():
        if ln.startswith(">") or (ln.startswith("E ") and ln[1:].strip()):
            entries[-1].append(ln.rstrip())
        elif _POSITION.match(ln):
            entries[-1].append(ln.rstrip())
            entries.append([])
    entries = [e for e in entries if e]
    if not entries:
        return [*case.message.splitlines(), *case.text.splitlines()]
    if len(entries) > _FRAMES_KEPT:
        skipped = len(entries) - _FRAMES_KEPT
        entries = [entries[0], [f"... ({skipped} more entries)"], *entries[-_FRAMES_KEPT + 1 :]]
    body = [ln for e in entries for ln in e]
    said = _words(" ".join(ln[1:] for ln in body if ln.startswith("E ")))
    first = _words(case.message.strip().splitlines()[0]) if case.message.strip() else ""
    message = [] if not first or first in said else case.message.splitlines()
    return [*message, *body]


def _words(text: str) -> str:
    return " ".join(text.split())


# faulthandler's dump of a test still running when its timeout came (the task passes
# `-o faulthandler_timeout=...`): `Timeout (0:00:03)!`, then each thread's frames, innermost
# first: `  File "/abs/tests/test_x.py", line 12 in test_waits`
_TIMEOUT = re.compile(r"Timeout \(\d+:\d\d:\d\d\)!")
_FRAME = re.compile(r'^\s+File "(?P<file>[^"]+)", line (?P<line>\d+) in (?P<fn>\S+)')
_NOT_YOURS = ("/site-packages/", "/_pytest/", "/pluggy/", "/lib/python3")


def hang(tail: list[str]) -> list[str] | None:
    """The test a timed-out pytest was stuck in, from faulthandler's last dump: the first
    frames of the main thread that are the project's own code (not pytest's, not a
    library's), innermost first (the core makes paths inside the repository relative)."""
    start = next((i for i in range(len(tail) - 1, -1, -1) if _TIMEOUT.search(tail[i])), None)
    if start is None:
        return None
    own: list[str] = []
    for ln in tail[start + 1 :]:
        m = _FRAME.match(ln)
        if m is None:
            if own:
                break  # the end of the first (main) thread's frames
            continue
        if any(p in m["file"] for p in _NOT_YOURS):
            continue
        own.append(f"{m['file']}:{m['line']}: in {m['fn']}")
    if not own:
        return None
    return [f"{own[0]} (still running at the timeout: pytest's faulthandler)", *own[1:6]]
