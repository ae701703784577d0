"""`ameide targets`: every discovered target with its ecosystem, path and dependencies."""

from __future__ import annotations

from typing import Annotated

import typer

from ameide.cli.options import FAST

_O = FAST["targets"]


def targets(
    json: Annotated[bool, typer.Option("--json", help=_O["--json"][2])] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help=_O["-v"][2])] = False,
) -> None:
    """List every discovered target (go, pnpm, uv, buf) with its dependencies."""
    from ameide.cli import set_exit_code
    from ameide.cli.actions import do_targets

    set_exit_code(do_targets(as_json=json))
