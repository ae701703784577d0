"""`ameide codex seed`: Codex credentials from mounted secrets."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Codex credentials for this workspace (docs/workspace.md).",
)


@app.command("seed")
def seed(
    secrets_dir: Annotated[
        str | None,
        typer.Option(
            "--secrets-dir",
            help="where the secrets are mounted (default $AMEIDE_CODEX_SECRETS_DIR, "
            "[workspace] codex_secrets_dir, /var/run/secrets/codex)",
        ),
    ] = None,
    slot: Annotated[
        str | None,
        typer.Option("--slot", help="auto, 0, 1 or 2 (default $CODEX_ACCOUNT_SLOT or auto)"),
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="print a JSON document (schema 1)")] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="tracebacks on errors")] = False,
) -> None:
    """Install $CODEX_HOME/auth.json (mode 0600, atomically) from the first available secret
    (codex-auth-rotating-<slot>, then codex-auth-<slot>) and set cli_auth_credentials_store =
    "file" in config.toml. Never replaces a credential refreshed later than the secret's;
    never prints secret content. No secret with slot auto: a warning, exit 0; a missing
    explicit slot: exit 1."""
    import os
    import sys

    from ameide.cli import set_exit_code
    from ameide.workspace.checks import repo_config
    from ameide.workspace.codex import codex_home, parse_slot
    from ameide.workspace.codex import secrets_dir as find_dir
    from ameide.workspace.codex import seed as do_seed

    env = os.environ
    if slot is not None:
        n = parse_slot(slot, "--slot")
    else:
        n = parse_slot(env.get("CODEX_ACCOUNT_SLOT"))
    _, config, _ = repo_config(os.getcwd(), env)
    configured = config.workspace.get("codex_secrets_dir") if config else None
    result = do_seed(find_dir(env, secrets_dir, configured), codex_home(env), n)
    if json:
        from ameide.report.jsonout import dumps
        from ameide.report.workspace import seed_doc

        sys.stdout.write(dumps(seed_doc(result)))
    else:
        from ameide.report.console import make_console
        from ameide.report.workspace import render_seed

        render_seed(result, make_console(), make_console(stderr=True))
    set_exit_code(result.exit_code)
