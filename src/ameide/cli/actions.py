"""Command bodies shared by the typer commands and the fast lane (no typer import here)."""

from __future__ import annotations

import os
import sys


def do_affected(*, base: str | None, explain: bool, as_json: bool) -> int:
    from ameide.affected import compute

    report, _ = compute(os.getcwd(), base=base)
    if as_json:
        from ameide.report.jsonout import affected_doc, dumps

        sys.stdout.write(dumps(affected_doc(report)))
    else:
        from ameide.report.console import make_console
        from ameide.report.human import render_affected

        render_affected(report, make_console(), explain=explain)
    return 0


def do_targets(*, as_json: bool) -> int:
    from ameide.affected import load_graph

    _, _, graph = load_graph(os.getcwd())
    if as_json:
        from ameide.report.jsonout import dumps, targets_doc

        sys.stdout.write(dumps(targets_doc(graph)))
    else:
        from ameide.report.console import make_console
        from ameide.report.human import render_targets

        render_targets(graph, make_console())
    return 0
