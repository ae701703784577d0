"""The one console factory: honours NO_COLOR, FORCE_COLOR, TERM=dumb, CI and TTY detection
(the rules: `styled` and `interactive` below; docs/test.md, "Console")."""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import IO, Any


def interactive(stream: Any, env: Mapping[str, str] | None = None) -> bool:
    """A terminal that takes cursor movement and styles: a TTY whose TERM is not `dumb`."""
    env = os.environ if env is None else env
    try:
        tty = bool(stream.isatty())
    except (AttributeError, ValueError):
        tty = False
    return tty and env.get("TERM") != "dumb"


def styled(stream: Any, env: Mapping[str, str] | None = None) -> bool:
    """Whether escape codes for colour and style may go to `stream`: never with NO_COLOR set
    (non-empty, as no-color.org says); with FORCE_COLOR (not empty, not 0) even in a pipe;
    else only on an interactive terminal (not a pipe, not TERM=dumb)."""
    env = os.environ if env is None else env
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR") not in (None, "", "0"):
        return True
    return interactive(stream, env)


class SafeStream:
    """A stream that outlives its reader: once a write fails (a closed terminal, EIO after a
    hang-up; a closed pipe, EPIPE) output is dropped instead of failing the run, whose
    evidence is what matters then."""

    def __init__(self, stream: IO[str] | None) -> None:
        self._stream = stream
        self.broken = stream is None  # Python's own stream for a closed descriptor

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                return self._stream.write(text)  # type: ignore[union-attr]
            except (OSError, ValueError):
                self.broken = True
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self._stream.flush()  # type: ignore[union-attr]
            except (OSError, ValueError):
                self.broken = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _printable(objects: tuple[Any, ...]) -> tuple[Any, ...]:
    """Strings as they may reach a terminal: text from tasks, servers and file names cannot
    drive it (sanitize.printable); renderables are built from such strings already."""
    from ameide.sanitize import printable

    return tuple(printable(o) if isinstance(o, str) else o for o in objects)


_CONSOLE: Any = None


def _console_class() -> Any:
    global _CONSOLE
    if _CONSOLE is None:
        from rich.console import Console

        class SafeConsole(Console):
            def print(self, *objects: Any, **kw: Any) -> None:
                super().print(*_printable(objects), **kw)

        _CONSOLE = SafeConsole
    return _CONSOLE


def make_console(file: IO[str] | None = None, *, stderr: bool = False) -> Any:
    """The rich console every human report prints through (docs/test.md, "Console")."""
    Console = _console_class()
    env = os.environ
    raw = file or (sys.stderr if stderr else sys.stdout)
    term = interactive(raw, env)
    colour = styled(raw, env)
    stream: Any = SafeStream(raw)
    return Console(
        file=stream,
        # decided here, not by rich's own reading of the environment, so every command
        # behaves alike: a terminal (live views) only on a TTY, escape codes only when styled
        force_terminal=term or colour,
        color_system=("auto" if term else "standard") if colour else None,
        no_color=not colour,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
        width=int(env["COLUMNS"]) if env.get("COLUMNS", "").isdigit() else None,
    )


_RICH_STRIPS = dict.fromkeys((7, 8, 11, 12, 13))  # the control codes rich drops


class PlainConsole:
    """The part of a rich Console the test view uses, for output that is no terminal and
    carries no colour: the same lines rich would print (control codes dropped, tabs expanded)
    without importing rich (~40 ms of an `ameide test` that replays cached results).

    Lines reach the pipe at most FLUSH_EVERY seconds after an earlier one, not one write
    each: 500 short tasks are 500 lines in a third of a second, and a write (and a wake-up
    of whatever reads the pipe) per line cost ~20 ms. The lines are held here, not in the
    stream's buffer, which PYTHONUNBUFFERED (common in containers) turns off. The test view
    flushes on its ticks (every second) and at the end of each phase, and `ameide test` when
    the run ends, so a quiet stretch never holds a line back for long."""

    is_terminal = False
    FLUSH_EVERY = 0.1

    def __init__(self, file: IO[str] | SafeStream) -> None:
        self.file = file
        self._held: list[str] = []
        self._flushed = 0.0

    def print(self, *objects: Any, sep: str = " ", end: str = "\n", **_style: Any) -> None:
        text = sep.join(str(o) for o in _printable(objects))
        self._held.append(text.translate(_RICH_STRIPS).expandtabs(8) + end)
        if time.monotonic() - self._flushed >= self.FLUSH_EVERY:
            self.flush()

    def flush(self) -> None:
        held, self._held = self._held, []
        if held:
            self.file.write("".join(held))
        self.file.flush()
        self._flushed = time.monotonic()


def make_test_console(*, stderr: bool = False) -> Any:
    """The console of `ameide test`: rich on an interactive terminal or when styled (e.g.
    FORCE_COLOR), else plain lines without rich."""
    stream = sys.stderr if stderr else sys.stdout
    if interactive(stream) or styled(stream):
        return make_console(stderr=stderr)
    return PlainConsole(SafeStream(stream))
