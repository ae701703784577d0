"""`ameide pr open|status`: push the branch and open or update its pull request, with the
`ameide test` evidence; show its state, reviews and checks."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Pull requests with test evidence (docs/workflows.md).",
)

_JSON = typer.Option("--json", help="print machine-readable JSON")
_VERBOSE = typer.Option("-v", "--verbose", help="tracebacks on errors")


@app.command("open")
def open_(
    draft: Annotated[
        bool | None,
        typer.Option(
            "--draft/--ready",
            help="open as a draft / ready for review (default: draft for agents, ready for "
            "people; an existing PR keeps its state unless one is given)",
            show_default=False,
        ),
    ] = None,
    title: Annotated[
        str | None,
        typer.Option("--title", metavar="T", help="the title (default: from the commits)"),
    ] = None,
    body_file: Annotated[
        str | None,
        typer.Option(
            "--body-file",
            metavar="F",
            help="Markdown for the body; ameide appends the commits and the evidence",
        ),
    ] = None,
    base: Annotated[
        str | None,
        typer.Option(
            "--base",
            metavar="BRANCH",
            help="the branch to merge into (default: the one `branch start` used, else the "
            "remote's default branch)",
        ),
    ] = None,
    force_with_lease: Annotated[
        bool,
        typer.Option(
            "--force-with-lease",
            help="overwrite the remote branch if it is where you last saw it (after a rebase)",
        ),
    ] = False,
    no_tests_ok: Annotated[
        bool,
        typer.Option(
            "--no-tests-ok",
            help="open it without a green `ameide test` run for HEAD; the body says so",
        ),
    ] = False,
    json: Annotated[bool, _JSON] = False,
    verbose: Annotated[bool, _VERBOSE] = False,
) -> None:
    """Push the current branch (upstream set; never forced unless --force-with-lease) and open
    its pull request, or update the open one. Refuses (exit 1) when the profile's guardrails
    forbid a changed file or the latest `ameide test` is not green for HEAD on a clean tree;
    exit 2 when the profile may not open PRs. Prints the PR URL; --json prints the receipt,
    which is also written next to the run's evidence (artifacts/agent-ci/<run-id>/pr.json)."""
    import os
    import sys

    from ameide.report.workflows import open_doc, render_open
    from ameide.workflows.pr import OpenRequest, open_pr

    req = OpenRequest(
        cwd=os.getcwd(),
        draft=draft,
        title=title,
        body_file=body_file,
        base=base,
        force_with_lease=force_with_lease,
        no_tests_ok=no_tests_ok,
    )
    receipt = open_pr(req, os.environ)
    if json:
        from ameide.report.jsonout import dumps

        sys.stdout.write(dumps(open_doc(receipt)))
    else:
        from ameide.report.console import make_console

        render_open(receipt, make_console())


@app.command("status")
def status(
    json: Annotated[bool, _JSON] = False,
    verbose: Annotated[bool, _VERBOSE] = False,
) -> None:
    """The current branch's pull request: state, draft, mergeability, review decision, and
    the check runs and commit statuses of its head commit with their conclusions. Exit 1 when
    a check failed, 0 otherwise (also while checks are pending); 2 when there is no PR."""
    import os
    import sys

    from ameide.cli import set_exit_code
    from ameide.report.workflows import render_status, status_doc
    from ameide.workflows.pr import status as core

    report = core(os.getcwd(), os.environ)
    if json:
        from ameide.report.jsonout import dumps

        sys.stdout.write(dumps(status_doc(report)))
    else:
        from ameide.report.console import make_console

        render_status(report, make_console())
    set_exit_code(1 if report.checks_state == "failing" else 0)
