"""`ameide gate`: the stop hook of Codex and Claude Code (parsed by the fast lane; this module
gives it `--help` and the option table that `agents check` lints against)."""

from __future__ import annotations

from typing import Annotated

import typer

from ameide.cli.options import FAST

_OPTS = FAST["gate"]


def gate(
    agent: Annotated[
        str | None, typer.Option("--agent", metavar="AGENT", help=_OPTS["--agent"][2])
    ] = None,
    json: Annotated[bool, typer.Option("--json", help=_OPTS["--json"][2])] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help=_OPTS["-v"][2])] = False,
) -> None:
    """The agents' stop gate: instant on a tree unchanged since a run it saw, else
    `ameide test`; holds the agent only on failures its session introduced, at most 3 times in
    a row; lets go on ameide's own errors, timeouts, outside an ameide repository and with
    AMEIDE_GATE=0. Installed as a hook by `ameide agents install` (docs/profiles.md)."""
    from ameide.cli import set_exit_code
    from ameide.cli.actions import do_gate

    set_exit_code(do_gate(agent=agent, as_json=json))
