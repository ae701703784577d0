"""`ameide profile`: the active agent profile, how it was chosen, and its guardrails."""

from __future__ import annotations

from typing import Annotated

import typer


def profile(
    json: Annotated[bool, typer.Option("--json", help="print machine-readable JSON")] = False,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="tracebacks on errors")] = False,
) -> None:
    """Show the active agent profile (code, gitops, sre, ...), how it was chosen — the repo's
    .ameide/agent-profile, AMEIDE_AGENT_PROFILE, the /workspaces/<profile>/repo layout, a
    *-gitops repository name, else code — and its guardrails (docs/profiles.md)."""
    import os
    import sys

    from ameide.agents.api import profile as core
    from ameide.report.agents import profile_doc, render_profile

    report = core(os.getcwd(), os.environ)
    if json:
        from ameide.report.jsonout import dumps

        sys.stdout.write(dumps(profile_doc(report)))
    else:
        from ameide.report.console import make_console

        render_profile(report, make_console())
