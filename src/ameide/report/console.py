"""The one console factory: honours NO_COLOR, FORCE_COLOR, CI and TTY detection."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import IO, Any


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
    Console = _console_class()
    env = os.environ
    stream: Any = SafeStream(file or (sys.stderr if stderr else sys.stdout))
    no_color = "NO_COLOR" in env
    force = env.get("FORCE_COLOR") not in (None, "", "0")
    return Console(
        file=stream,
        no_color=no_color,
        force_terminal=True if force else None,
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
    without importing rich (~40 ms of an `ameide test` that replays cached results)."""

    is_terminal = False

    def __init__(self, file: IO[str] | SafeStream) -> None:
        self.file = file

    def print(self, *objects: Any, sep: str = " ", end: str = "\n", **_style: Any) -> None:
        text = sep.join(str(o) for o in _printable(objects))
        self.file.write(text.translate(_RICH_STRIPS).expandtabs(8) + end)
        self.file.flush()


def make_test_console(*, stderr: bool = False) -> Any:
    """The console of `ameide test`: rich on a terminal or with FORCE_COLOR, else plain."""
    stream = sys.stderr if stderr else sys.stdout
    force = os.environ.get("FORCE_COLOR") not in (None, "", "0")
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    if tty or force:
        return make_console(stderr=stderr)
    return PlainConsole(SafeStream(stream))
