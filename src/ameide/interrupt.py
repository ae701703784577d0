"""SIGINT, SIGTERM and SIGHUP while `ameide test` runs: stop, clean up, keep the evidence.

Before a run directory exists (planning, the toolchain check) there is nothing to record: a
signal unwinds like Ctrl-C (KeyboardInterrupt: exit 130, one line), and the short commands
ameide started are killed first so nothing waits for them. Once it exists, a signal never
raises: the callbacks cancel the run, abort remote transfers and start killing everything
ameide started (proc.terminate_all) in a helper thread, so ameide and its tasks are gone
within 3 s and the evidence is still written. A second signal cuts the grace short (SIGKILL
now), never the clean-up or the evidence. A hang-up is an interrupt like the others: the
terminal (or the ssh session) is gone.

Handlers are installed for the run only, from the main thread. Tasks run on worker threads
while the main thread waits for them in `join()`, which a signal interrupts: the handler runs
at once.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import FrameType, TracebackType

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupts:
    def __init__(self) -> None:
        self.count = 0
        self.signum: int | None = None
        self.raising = True  # nothing ran yet: unwind
        self._callbacks: list[Callable[[], None]] = []
        self._old: dict[int, Any] = {}
        self._installed = False
        self._again = False  # a signal put off out of the import machinery, delivered again

    @property
    def interrupted(self) -> bool:
        return self.count > 0

    def on_interrupt(self, fn: Callable[[], None]) -> None:
        """Call `fn` on the first signal once the run has started (raising is off)."""
        self._callbacks.append(fn)

    def started(self) -> None:
        """The run directory exists: from now on a signal stops the run, never unwinds it."""
        self.raising = False
        if self.count:  # a signal came in between: act on it now
            self._fire()

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is not threading.main_thread():
            return self  # only the main thread may handle signals (in-process callers)
        for sig in SIGNALS:
            self._old[sig] = signal.signal(sig, self._handle)
        self._installed = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        from ameide import proc

        proc.hurry(False)  # the next run gets its graces again
        if not self._installed:
            return
        for sig, old in self._old.items():
            signal.signal(sig, old)
        self._installed = False

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        import sys

        # a signal that lands while ameide.proc itself is being imported finds it half
        # made: nothing has been started through it yet, and there is nothing to call
        proc = sys.modules.get("ameide.proc")
        if self._again:  # the one put off below, delivered again: not a second signal
            self._again = False
            if not self.raising:
                return  # started() has acted on it meanwhile
        else:
            self.count += 1
            if self.count > 1:
                hurry = getattr(proc, "hurry", None)
                if hurry is not None:
                    hurry()  # a second signal: no more grace
                return
            self.signum = signum
        if self.raising:
            if frame is not None and frame.f_code.co_filename.startswith("<frozen importlib"):
                # raised in there (a weakref callback between taking the global import lock
                # and its `try`), KeyboardInterrupt is "ignored" with the lock still held,
                # and the next import on any other thread waits forever: raise it a moment
                # later, once the main thread has left the import machinery
                self._redeliver(signum)
                return
            terminate = getattr(proc, "terminate_all", None)
            if terminate is not None:
                terminate(grace=0.0)  # the short commands we started go first
            raise KeyboardInterrupt
        self._fire()

    def _redeliver(self, signum: int) -> None:
        import _thread

        self._again = True
        timer = threading.Timer(0.01, _thread.interrupt_main, (signum,))
        timer.daemon = True
        timer.start()

    def _fire(self) -> None:
        for fn in self._callbacks:
            with contextlib.suppress(Exception):
                fn()
