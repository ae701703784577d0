"""`ameide agents show|check|install`: the instruction stacks Codex and Claude Code load, a
linter for them, and installing the active profile's instructions for both."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ameide.agents.lint import CommandInfo

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Agent instructions: what Codex and Claude Code load here, lint them, install them.",
)


class Agent(StrEnum):
    codex = "codex"
    claude = "claude"


_JSON = typer.Option("--json", help="print machine-readable JSON")
_VERBOSE = typer.Option("-v", "--verbose", help="tracebacks on errors")


@app.command("show")
def show(
    agent: Annotated[
        Agent | None, typer.Option("--agent", help="only this agent (default: both)")
    ] = None,
    text: Annotated[
        bool, typer.Option("--text/--no-text", help="print the merged text (human output)")
    ] = True,
    json: Annotated[bool, _JSON] = False,
    verbose: Annotated[bool, _VERBOSE] = False,
) -> None:
    """The exact instruction stack the agent loads from the current directory: every file
    with path, bytes, sha256 and why it is (or is not) loaded, warnings (cut by the Codex
    size limit, profile instructions the agent will not see, @ includes Codex does not
    expand) and the merged text."""
    import os
    import sys

    from ameide.agents.api import show as core
    from ameide.report.agents import render_show, show_doc

    agents = (agent.value,) if agent else ("codex", "claude")
    report = core(os.getcwd(), os.environ, agents)
    if json:
        from ameide.report.jsonout import dumps

        sys.stdout.write(dumps(show_doc(report)))
    else:
        from ameide.report.console import make_console

        render_show(report, make_console(), text=text)


@app.command("check")
def check(
    json: Annotated[bool, _JSON] = False,
    verbose: Annotated[bool, _VERBOSE] = False,
) -> None:
    """Lint the instruction files agents load here and every profile: the Codex stack fits
    project_doc_max_bytes, every `ameide ...` command they show exists with its options,
    profiles are valid with the required sections, generated files are current.
    Exit 1 when there are errors."""
    import os
    import sys

    from ameide.agents.api import check as core
    from ameide.cli import set_exit_code
    from ameide.report.agents import check_doc, render_check

    report = core(os.getcwd(), os.environ, command_table())
    if json:
        from ameide.report.jsonout import dumps

        sys.stdout.write(dumps(check_doc(report)))
    else:
        from ameide.report.console import make_console

        render_check(report, make_console())
    set_exit_code(1 if report.errors else 0)


@app.command("install")
def install(
    workspace_root: Annotated[
        str | None,
        typer.Option(
            "--workspace-root",
            metavar="DIR",
            help="the workspace directory holding repo/ (e.g. /workspaces/code); "
            "default: from the layout, if the checkout sits in one",
        ),
    ] = None,
    json: Annotated[bool, _JSON] = False,
    verbose: Annotated[bool, _VERBOSE] = False,
) -> None:
    """Make the active profile's instructions reach Codex and Claude Code without editing a
    tracked file: a generated AGENTS.override.md at the repository root (hidden through
    .git/info/exclude) and a CLAUDE.md beside the workspace's AGENTS.md (or CLAUDE.local.md
    in the repository). Idempotent; a file ameide did not write is backed up first."""
    import os
    import sys

    from ameide.agents.api import install as core
    from ameide.report.agents import install_doc, render_install

    report = core(os.getcwd(), os.environ, workspace_root)
    if json:
        from ameide.report.jsonout import dumps

        sys.stdout.write(dumps(install_doc(report)))
    else:
        from ameide.report.console import make_console

        render_install(report, make_console())


def command_table() -> dict[tuple[str, ...], CommandInfo]:
    """Every command path of the typer app with its options (what `agents check` checks
    mentions against)."""
    import typer.main

    from ameide.agents.lint import CommandInfo
    from ameide.cli.app import build_app

    table: dict[tuple[str, ...], CommandInfo] = {}

    def walk(cmd: object, path: tuple[str, ...]) -> None:
        opts = {"--help"}
        for p in getattr(cmd, "params", []):
            opts.update(o for o in (*p.opts, *p.secondary_opts) if o.startswith("-"))
        subs = getattr(cmd, "commands", None)
        table[path] = CommandInfo(frozenset(opts), subs is not None)
        for name, sub in (subs or {}).items():
            walk(sub, (*path, name))

    walk(typer.main.get_command(build_app()), ())
    return table
