"""`ameide run`: the test engine with explicit choices, for people."""

from __future__ import annotations

from typing import Annotated

import typer


def run(
    phase: Annotated[
        list[int] | None,
        typer.Option(
            "--phase",
            min=0,
            max=2,
            metavar="N",
            help="run only phase N: 0, 1 or 2 (repeatable; default all three)",
        ),
    ] = None,
    target: Annotated[
        list[str] | None,
        typer.Option(
            "--target",
            metavar="ID",
            help="run target ID instead of the affected set (repeatable; ids: ameide targets)",
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="run every target")] = False,
    base: Annotated[
        str | None, typer.Option("--base", metavar="REF", help="compare with this ref")
    ] = None,
    no_cache: Annotated[
        bool,
        typer.Option("--no-cache", help="run every task; do not use or fill the result cache"),
    ] = False,
    matrix: Annotated[
        int | None,
        typer.Option(
            "--matrix",
            metavar="N",
            help="run nothing: split what `ameide test ci` would run into N shards and print "
            "them (with --json: a GitHub Actions matrix, one line; docs/ci.md)",
        ),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="print summary.json to stdout")] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="tracebacks on errors")] = False,
) -> None:
    """Run the test engine on chosen phases and targets (default: the affected ones)."""
    from ameide.cli import set_exit_code
    from ameide.cli.actions import do_matrix, do_test
    from ameide.errors import UsageError

    if all_ and target:
        raise UsageError(
            "--all and --target exclude each other",
            hint="use --all for every target or --target ID for some",
        )
    if matrix is not None:
        if phase or target or all_:
            raise UsageError(
                "--matrix plans what `ameide test ci` runs: every phase of the affected targets",
                hint="drop --phase/--target/--all (use --base or AMEIDE_BASE for the base)",
            )
        set_exit_code(do_matrix(total=matrix, base=base, as_json=json))
        return
    set_exit_code(
        do_test(
            mode="run",
            base=base,
            phases=tuple(sorted(set(phase or [0, 1, 2]))),
            targets=tuple(target or ()),
            all_targets=all_,
            as_json=json,
            cache=not no_cache,
        )
    )
