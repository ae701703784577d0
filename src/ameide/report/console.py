"""The one console factory: honours NO_COLOR, FORCE_COLOR, CI and TTY detection."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import IO, Any


def make_console(file: IO[str] | None = None, *, stderr: bool = False) -> Any:
    from rich.console import Console

    env = os.environ
    stream = file or (sys.stderr if stderr else sys.stdout)
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
