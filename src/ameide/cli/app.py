"""Composes the command modules into one typer app (the only place that knows them all)."""

from __future__ import annotations

import typer


def _version(value: bool) -> None:
    if value:
        from ameide import __version__

        typer.echo(f"ameide {__version__}")
        raise typer.Exit()


SHORT_HELP = {
    "affected": "Changed files and the targets they affect, with reasons",
    "targets": "Every discovered target and its dependencies",
    "test": "Test what your change affects (the inner loop; `test ci`)",
    "run": "Run chosen phases and targets (default: the affected)",
    "toolchain": "Check or install the toolchain the repository pins",
    "workspace": "Check the workspace contract",
    "codex": "Codex credentials for this workspace",
    "profile": "The active agent profile and its guardrails",
    "agents": "Agent instructions, skill and stop gate",
    "gate": "The agents' stop gate (Codex and Claude Code hooks)",
    "branch": "Feature branches named by the agent profile",
    "pr": "Pull requests with test evidence",
    "cache": "The task result cache: show it, empty it",
}


def build_app() -> typer.Typer:
    from ameide.cli import affected, run_cmd, targets, test

    app = typer.Typer(
        name="ameide",
        help="Change-aware test front door for polyglot monorepos (Go, pnpm, uv, buf).",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )

    @app.callback()
    def _root(
        version: bool = typer.Option(
            False,
            "--version",
            "-V",
            callback=_version,
            is_eager=True,
            help="print the version and exit",
        ),
        verbose: bool = typer.Option(
            False,
            "--verbose",
            "-v",
            help="tracebacks on errors, for any command (`ameide -v test`; or AMEIDE_VERBOSE=1)",
        ),
    ) -> None:
        """ameide: which targets a change affects, and their tests, with evidence."""

    # one line each in `ameide --help` (click cuts a longer first sentence with "...")
    short = SHORT_HELP
    app.command("affected", short_help=short["affected"])(affected.affected)
    app.command("targets", short_help=short["targets"])(targets.targets)
    app.add_typer(test.app, name="test", short_help=short["test"])
    app.command("run", short_help=short["run"])(run_cmd.run)
    from ameide.cli import codex, toolchain, workspace  # the workspace contract

    app.add_typer(toolchain.app, name="toolchain", short_help=short["toolchain"])
    app.add_typer(workspace.app, name="workspace", short_help=short["workspace"])
    app.add_typer(codex.app, name="codex", short_help=short["codex"])
    from ameide.cli import agents, profile  # agent profiles

    app.command("profile", short_help=short["profile"])(profile.profile)
    app.add_typer(agents.app, name="agents", short_help=short["agents"])
    from ameide.cli import gate  # the agents' stop gate

    app.command("gate", short_help=short["gate"])(gate.gate)
    from ameide.cli import branch, pr  # branch and pull-request workflows

    app.add_typer(branch.app, name="branch", short_help=short["branch"])
    app.add_typer(pr.app, name="pr", short_help=short["pr"])
    from ameide.cli import cache  # the task result cache

    app.add_typer(cache.app, name="cache", short_help=short["cache"])
    return app
