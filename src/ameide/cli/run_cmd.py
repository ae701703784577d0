"""`ameide run`: the test engine with explicit choices, for people."""

from __future__ import annotations

from typing import Annotated

import typer

from ameide.cli.options import FAST

_O = FAST["run"]


def run(
    phase: Annotated[
        list[int] | None,
        typer.Option(
            "--phase",
            min=0,
            max=2,
            metavar="N",
            help=_O["--phase"][2],
        ),
    ] = None,
    target: Annotated[
        list[str] | None,
        typer.Option(
            "--target",
            metavar="ID",
            help=_O["--target"][2],
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help=_O["--all"][2])] = False,
    base: Annotated[str | None, typer.Option("--base", metavar="REF", help=_O["--base"][2])] = None,
    no_cache: Annotated[
        bool,
        typer.Option("--no-cache", help=_O["--no-cache"][2]),
    ] = False,
    matrix: Annotated[
        int | None,
        typer.Option(
            "--matrix",
            metavar="N",
            help=_O["--matrix"][2],
        ),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help=_O["--json"][2])] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help=_O["-v"][2])] = False,
) -> None:
    """Run the test engine on chosen phases and targets (default: the affected ones).

    \b
    A target is an id, its directory, or the end of its id when only one
    target ends so. A phase runs to its end; a failed phase stops the run.

    \b
    Exit codes: 0 passed, 1 a check or test failed, 2 usage or configuration
    error, 3 environment error (a missing or wrong toolchain), 4 internal
    error, 130 interrupted.

    \b
    Evidence: artifacts/agent-ci/<run-id>/ (latest -> the newest run):
    report.html, summary.json (its first_failure is the block the console
    ends with), phaseN/junit.xml, phaseN/logs/<task>.log."""
    from ameide.cli import set_exit_code
    from ameide.cli.actions import do_run

    set_exit_code(
        do_run(
            phases=list(phase or []),
            targets=list(target or []),
            all_targets=all_,
            base=base,
            no_cache=no_cache,
            matrix=matrix,
            as_json=json,
        )
    )
