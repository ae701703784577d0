"""Composes the command modules into one typer app (the only place that knows them all)."""

from __future__ import annotations

import typer


def _version(value: bool) -> None:
    if value:
        from ameide import __version__

        typer.echo(f"ameide {__version__}")
        raise typer.Exit()


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

    app.command("affected")(affected.affected)
    app.command("targets")(targets.targets)
    app.add_typer(test.app, name="test")
    app.command("run")(run_cmd.run)
    from ameide.cli import codex, toolchain, workspace  # the workspace contract

    app.add_typer(toolchain.app, name="toolchain")
    app.add_typer(workspace.app, name="workspace")
    app.add_typer(codex.app, name="codex")
    from ameide.cli import agents, profile  # agent profiles

    app.command("profile")(profile.profile)
    app.add_typer(agents.app, name="agents")
    from ameide.cli import gate  # the agents' stop gate

    app.command("gate")(gate.gate)
    from ameide.cli import branch, pr  # branch and pull-request workflows

    app.add_typer(branch.app, name="branch")
    app.add_typer(pr.app, name="pr")
    from ameide.cli import cache  # the task result cache

    app.add_typer(cache.app, name="cache")
    return app
