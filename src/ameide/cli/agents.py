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
    help="Agent instructions, skill and stop gate: what Codex and Claude Code load here, lint "
    "them, install and uninstall them.",
)


class Agent(StrEnum):
    codex = "codex"
    claude = "claude"


_JSON = typer.Option("--json", help="print machine-readable JSON")
_VERBOSE = typer.Option("-v", "--verbose", help="tracebacks on errors")
_DRY_RUN = typer.Option("--dry-run", help="show what would change (diffs); write nothing")


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
    """Lint the instruction files agents load here, every profile and the `ameide` skill: the
    Codex stack fits project_doc_max_bytes, every `ameide ...` command they show exists with
    its options, profiles are valid with the required sections, what `agents install` wrote is
    current, the stop gate's hooks are registered (and trusted in Codex). Reports the agent
    versions and modes it assumed. Exit 1 when there are errors."""
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
    in_repo: Annotated[
        bool,
        typer.Option(
            "--in-repo",
            help="write the instructions inside the checkout (AGENTS.override.md, "
            "CLAUDE.local.md, hidden through .git/info/exclude) instead of the workspace",
        ),
    ] = False,
    dry_run: Annotated[bool, _DRY_RUN] = False,
    json: Annotated[bool, _JSON] = False,
    verbose: Annotated[bool, _VERBOSE] = False,
) -> None:
    """Make the active profile's instructions, the `ameide` skill and the stop gate
    (`ameide gate` as a SessionStart and Stop hook) reach Codex and Claude Code, at the user
    and workspace level (docs/profiles.md). Idempotent; a person's file is backed up first;
    `ameide agents uninstall` removes exactly what this added."""
    import os
    import sys

    from ameide.agents.api import install as core
    from ameide.report.agents import install_doc, render_install

    report = core(os.getcwd(), os.environ, workspace_root, in_repo=in_repo, dry_run=dry_run)
    if json:
        from ameide.report.jsonout import dumps

        sys.stdout.write(dumps(install_doc(report)))
    else:
        from ameide.report.console import make_console

        render_install(report, make_console())


@app.command("uninstall")
def uninstall(
    dry_run: Annotated[bool, _DRY_RUN] = False,
    json: Annotated[bool, _JSON] = False,
    verbose: Annotated[bool, _VERBOSE] = False,
) -> None:
    """Remove exactly what `ameide agents install` added for this user (its record is in
    $XDG_STATE_HOME/ameide/agents-install.json): files that still hold what it wrote, its hook
    entries, its Codex setting; files it displaced come back. Edited files are kept."""
    import os
    import sys

    from ameide.agents.api import uninstall as core
    from ameide.report.agents import render_uninstall, uninstall_doc

    report = core(os.environ, dry_run=dry_run)
    if json:
        from ameide.report.jsonout import dumps

        sys.stdout.write(dumps(uninstall_doc(report)))
    else:
        from ameide.report.console import make_console

        render_uninstall(report, make_console())


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
