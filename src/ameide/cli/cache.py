"""`ameide cache info|clean`: the task result cache (docs/cache.md)."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="The task result cache of `ameide test`: show it, empty it (docs/cache.md).",
)

_JSON = typer.Option("--json", help="print a JSON document (schema 1)")
_VERBOSE = typer.Option("-v", "--verbose", help="tracebacks on errors")


@app.command("info")
def info(
    json: Annotated[bool, _JSON] = False,
    verbose: Annotated[bool, _VERBOSE] = False,
) -> None:
    """Where the local cache lives, how many results it holds and how big it is against its
    limit, which task kinds are cached, and the remote cache this repository would use (URL,
    team, read-only or not, signature; the token's variable, never its value)."""
    import os
    import sys

    from ameide.cache.api import info as core
    from ameide.report.cache import info_doc, render_info

    report = core(os.getcwd(), os.environ)
    if json:
        from ameide.report.jsonout import dumps

        sys.stdout.write(dumps(info_doc(report)))
    else:
        from ameide.report.console import make_console

        render_info(report, make_console())


@app.command("clean")
def clean(
    json: Annotated[bool, _JSON] = False,
    verbose: Annotated[bool, _VERBOSE] = False,
) -> None:
    """Delete every cached result from the local cache (the remote is left alone). Safe
    while other runs are going: they see misses and run their tasks."""
    import os
    import sys

    from ameide.cache.api import clean as core
    from ameide.report.cache import clean_doc, render_clean

    res = core(os.getcwd(), os.environ)
    if json:
        from ameide.report.jsonout import dumps

        sys.stdout.write(dumps(clean_doc(res)))
    else:
        from ameide.report.console import make_console

        render_clean(res, make_console())
