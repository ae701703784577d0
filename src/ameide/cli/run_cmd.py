"""`ameide run`: the test engine with explicit choices, for people."""

from __future__ import annotations

from typing import Annotated

import typer


def run(
    phase: Annotated[
        list[int] | None,
        typer.Option(
            "--phase", min=0, max=2, help="run only this phase (repeatable; default 0, 1, 2)"
        ),
    ] = None,
    target: Annotated[
        list[str] | None,
        typer.Option(
            "--target", help="run these target ids instead of the affected set (repeatable)"
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="run every target")] = False,
    base: Annotated[str | None, typer.Option("--base", help="compare with this ref")] = None,
    json: Annotated[bool, typer.Option("--json", help="print summary.json to stdout")] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="tracebacks on errors")] = False,
) -> None:
    """Run the test engine on chosen phases and targets (default: the affected ones)."""
    from ameide.cli import set_exit_code
    from ameide.cli.actions import do_test
    from ameide.errors import UsageError

    if all_ and target:
        raise UsageError(
            "--all and --target exclude each other",
            hint="use --all for every target or --target ID for some",
        )
    set_exit_code(
        do_test(
            mode="run",
            base=base,
            phases=tuple(sorted(set(phase or [0, 1, 2]))),
            targets=tuple(target or ()),
            all_targets=all_,
            as_json=json,
        )
    )
