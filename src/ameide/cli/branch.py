"""`ameide branch start TOPIC`: a feature branch from the remote default branch."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Feature branches named by the agent profile (docs/workflows.md).",
)


@app.command("start")
def start(
    topic: Annotated[
        str, typer.Argument(metavar="TOPIC", help="what the change is about, e.g. fix-login")
    ],
    base: Annotated[
        str | None,
        typer.Option(
            "--base",
            metavar="BRANCH",
            help="start from this branch of the remote (default: its default branch)",
        ),
    ] = None,
    prefix: Annotated[
        str | None,
        typer.Option(
            "--prefix",
            metavar="PREFIX",
            help="branch prefix (default: $AMEIDE_BRANCH_PREFIX, else the profile's, e.g. codex/)",
        ),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="print machine-readable JSON")] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="tracebacks on errors")] = False,
) -> None:
    """Fetch the remote's default branch (or --base) and create <prefix><topic-slug> from it,
    switched to. A dirty tree, a detached HEAD, a missing remote or an existing branch of that
    name stop it before anything changes (exit 2 or 3); on that branch already, it says so
    and exits 0."""
    import os
    import sys

    from ameide.report.workflows import branch_doc, render_branch
    from ameide.workflows.branch import start as core

    report = core(os.getcwd(), os.environ, topic, base=base, prefix=prefix)
    if json:
        from ameide.report.jsonout import dumps

        sys.stdout.write(dumps(branch_doc(report)))
    else:
        from ameide.report.console import make_console

        render_branch(report, make_console())
