"""Work handed to a helper thread whose result is needed later: a git command or a tool's
version check runs (its process waited for, the GIL released) while Python does other work.
Plain threads: concurrent.futures costs ~10 ms to import (it brings logging), on every run."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

T = TypeVar("T")


class Later(Generic[T]):
    """`fn()` started now on a daemon thread; `result()` waits for it and returns its value
    or raises what it raised."""

    def __init__(self, fn: Callable[[], T], name: str = "ameide-later") -> None:
        self._fn = fn
        self._value: list[T] = []
        self._error: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value.append(self._fn())
        except BaseException as exc:  # handed to whoever asks for the result
            self._error.append(exc)

    def join(self) -> None:
        """Wait for `fn` to end."""
        self._thread.join()

    def result(self) -> T:
        self.join()
        if self._error:
            raise self._error[0]
        return self._value[0]


def each(fns: Iterable[Callable[[], T]], name: str = "ameide-later") -> list[T]:
    """Every `fn()` on a thread of its own; their results in order (the first error raised
    once all have ended)."""
    started = [Later(fn, name) for fn in fns]
    for s in started:
        s.join()
    return [s.result() for s in started]
