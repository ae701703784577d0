"""`ameide test` and `ameide test ci`: the front doors (no flags besides --help)."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    invoke_without_command=True,
    add_completion=False,
    help="Test what your change affects: phases 0 contract, 1 unit, 2 integration-local.",
)


# read by the entry point before typer runs (cli/__init__.py); declared so --help shows it
_VERBOSE = typer.Option("-v", "--verbose", help="tracebacks on errors (or AMEIDE_VERBOSE=1)")


@app.callback()
def test(ctx: typer.Context, verbose: Annotated[bool, _VERBOSE] = False) -> None:
    """Plan the affected targets and run phases 0/1/2 with evidence under
    artifacts/agent-ci/. The first failure stops its phase; a failed phase stops the run.
    Tasks that passed before with the same inputs are replayed from the cache (docs/cache.md).
    Knobs: AMEIDE_BASE, AMEIDE_JOBS, AMEIDE_CACHE, NO_COLOR, CI (docs/test.md)."""
    if ctx.invoked_subcommand is None:
        from ameide.cli import set_exit_code
        from ameide.cli.actions import do_test

        set_exit_code(do_test(mode="test"))


@app.command("ci")
def ci(verbose: Annotated[bool, _VERBOSE] = False) -> None:
    """The same engine for CI: base from the CI environment, finishes a failing phase so
    every failure of it is shown, plain grouped output (GitHub Actions annotations).
    AMEIDE_SHARD=k/N runs shard k of N (docs/ci.md, `ameide run --matrix N`)."""
    from ameide.cli import set_exit_code
    from ameide.cli.actions import do_test

    set_exit_code(do_test(mode="ci"))
