"""`ameide workspace check`: the workspace contract (devcontainer, toolchain, code-server,
hardening, profile instructions, Codex auth)."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Check that this workspace meets the contract (docs/workspace.md).",
)


@app.command("check")
def check(
    json: Annotated[
        bool, typer.Option("--json", help="print a JSON document (schema 1) instead of lines")
    ] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="tracebacks on errors")] = False,
) -> None:
    """Run every workspace check and print pass/warn/fail with a fix for each problem.
    Exits 0 when nothing fails (warnings allowed), 1 otherwise. Knobs:
    AMEIDE_CODE_SERVER_URL, CODEX_HOME, AMEIDE_AGENT_PROFILE."""
    import os
    import sys

    from ameide.cli import set_exit_code
    from ameide.errors import ExitCode
    from ameide.workspace.checks import Roots, run_checks

    report = run_checks(Roots.from_env(os.getcwd(), os.environ))
    if json:
        from ameide.report.jsonout import dumps
        from ameide.report.workspace import workspace_doc

        sys.stdout.write(dumps(workspace_doc(report)))
    else:
        from ameide.report.console import make_console
        from ameide.report.workspace import render_workspace

        render_workspace(report, make_console())
    set_exit_code(int(ExitCode.OK if report.ok else ExitCode.CHECKS_FAILED))
