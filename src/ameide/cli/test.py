"""`ameide test` and `ameide test ci`: the front doors (no flags besides --help)."""

from __future__ import annotations

from typing import Annotated

import typer

HELP = """Test what your change affects, phase by phase, and keep the evidence.

\b
The loop: if `ameide test` passes, the work is done; if it fails, fix the
first actionable error it prints (the block at the end) and run it again.

\b
It plans the targets your change affects (ameide affected), checks their
toolchains, then runs phase 0 contract, 1 unit and 2 integration-local in
order; a phase runs to its end (every failure of it is reported, the same
ones on every run) and a failed phase stops the run.
Tasks that passed before with the same inputs are replayed from the cache.
It takes no flags: the base, jobs and cache come from the repo, ameide.toml
and the environment (AMEIDE_BASE, AMEIDE_JOBS, AMEIDE_CACHE, NO_COLOR, CI;
docs/test.md). For chosen phases or targets, or every target, use
`ameide run` (--phase, --target, --all).

\b
Exit codes: 0 passed (or nothing affected), 1 a check or test failed,
2 usage or configuration error, 3 environment error (a missing or wrong
toolchain, not a git repository), 4 internal error, 130 interrupted.

\b
Evidence: artifacts/agent-ci/<run-id>/ (latest -> the newest run):
report.html (open it in a browser), summary.json (for tools; its
first_failure is the block the console ends with), phaseN/junit.xml and
phaseN/logs/<task>.log."""

app = typer.Typer(
    invoke_without_command=True,
    add_completion=False,
    help=HELP,
)


# read by the entry point before typer runs (cli/__init__.py); declared so --help shows it
_VERBOSE = typer.Option("-v", "--verbose", help="tracebacks on errors (or AMEIDE_VERBOSE=1)")


@app.callback()
def test(ctx: typer.Context, verbose: Annotated[bool, _VERBOSE] = False) -> None:
    """Plan the affected targets and run phases 0/1/2 with evidence under
    artifacts/agent-ci/. A phase runs to its end; a failed phase stops the run.
    Tasks that passed before with the same inputs are replayed from the cache (docs/cache.md).
    Knobs: AMEIDE_BASE, AMEIDE_JOBS, AMEIDE_CACHE, NO_COLOR, CI (docs/test.md)."""
    if ctx.invoked_subcommand is None:
        from ameide.cli import set_exit_code
        from ameide.cli.actions import do_test

        set_exit_code(do_test(mode="test"))


@app.command("ci")
def ci(verbose: Annotated[bool, _VERBOSE] = False) -> None:
    """The same engine for CI: base from the CI environment, plain grouped output (GitHub
    Actions annotations), tasks run even after a failed guardrails check.
    AMEIDE_SHARD=k/N runs shard k of N (docs/ci.md, `ameide run --matrix N`)."""
    from ameide.cli import set_exit_code
    from ameide.cli.actions import do_test

    set_exit_code(do_test(mode="ci"))
