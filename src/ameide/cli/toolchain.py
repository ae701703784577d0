"""`ameide toolchain check|install`: the pinned tools of the repository's ecosystems."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Check or install the toolchain the repository pins (docs/workspace.md).",
)

_JSON = "print a JSON document (schema 1) instead of the table"
_VERBOSE = "show tracebacks on errors"


@app.command("check")
def check(
    json: Annotated[bool, typer.Option("--json", help=_JSON)] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help=_VERBOSE)] = False,
) -> None:
    """Compare the tools the repository's ecosystems need (go; node and pnpm; uv; buf) on
    PATH with its pins: wanted, found, path, status and the exact fix. Exits 0 when every
    one matches, 3 otherwise."""
    import os
    import sys

    from ameide.cli import set_exit_code
    from ameide.errors import ExitCode
    from ameide.workspace.toolchain import inspect

    report = inspect(os.getcwd(), os.environ)
    if json:
        from ameide.report.jsonout import dumps
        from ameide.report.workspace import toolchain_doc

        sys.stdout.write(dumps(toolchain_doc(report)))
    else:
        from ameide.report.console import make_console
        from ameide.report.workspace import render_toolchain

        render_toolchain(report, make_console())
    set_exit_code(int(ExitCode.OK if report.ok else ExitCode.ENVIRONMENT))


@app.command("install")
def install(
    prefix: Annotated[
        str | None,
        typer.Option(
            "--prefix",
            help="where the executables go (default $AMEIDE_TOOLCHAIN_PREFIX or ~/.local/bin)",
        ),
    ] = None,
    tool: Annotated[
        list[str] | None,
        typer.Option(
            "--tool", help="install only this tool: go, node, pnpm, uv, buf, ... (repeatable)"
        ),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help=_JSON)] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help=_VERBOSE)] = False,
) -> None:
    """Install the pinned go, uv, pnpm and buf (node with --tool node, or when a release such
    as v22.23.3 is pinned) into a user prefix: idempotent (a second run starts no process),
    serialised by a file lock, atomic (verified in a staging directory, then linked). Exits 0
    when every tool is in place, 3 when one failed."""
    import os
    import sys

    from ameide.cli import set_exit_code
    from ameide.errors import ExitCode
    from ameide.workspace.install import install as do_install
    from ameide.workspace.toolchain import default_prefix, repo_pins

    env = os.environ
    rp = repo_pins(os.getcwd(), env)
    report = do_install(
        rp.pins,
        prefix or default_prefix(env),
        env,
        tools=tuple(tool or ()),
        sources=rp.sources,
        needed=rp.needed,
    )
    if json:
        from ameide.report.jsonout import dumps
        from ameide.report.workspace import install_doc

        sys.stdout.write(dumps(install_doc(report)))
    else:
        from ameide.report.console import make_console
        from ameide.report.workspace import render_install

        render_install(report, make_console())
    set_exit_code(int(ExitCode.OK if report.ok else ExitCode.ENVIRONMENT))
