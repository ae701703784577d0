"""`ameide affected`: changed files, affected targets and the reason chain of each."""

from __future__ import annotations

from typing import Annotated

import typer

from ameide.cli.options import FAST

_O = FAST["affected"]


def affected(
    base: Annotated[str | None, typer.Option("--base", help=_O["--base"][2])] = None,
    explain: Annotated[bool, typer.Option("--explain", help=_O["--explain"][2])] = False,
    graph: Annotated[
        str | None, typer.Option("--graph", metavar="mermaid|dot", help=_O["--graph"][2])
    ] = None,
    json: Annotated[bool, typer.Option("--json", help=_O["--json"][2])] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help=_O["-v"][2])] = False,
) -> None:
    """Show changed files and the targets they affect (owners + transitive dependents)."""
    from ameide.cli import set_exit_code
    from ameide.cli.actions import do_affected

    set_exit_code(do_affected(base=base, explain=explain, as_json=json, graph=graph))
