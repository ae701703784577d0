"""Options of the fast-lane commands, declared once for both the fast parser and typer."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

# command -> option -> (dest, takes_value, help)
FAST: dict[str, dict[str, tuple[str, bool, str]]] = {
    "affected": {
        "--base": ("base", True, "compare with this ref instead of the resolved base"),
        "--explain": ("explain", False, "show every changed file and full reason chains"),
        "--graph": (
            "graph",
            True,
            "print the affected subgraph with reasons as mermaid (Markdown) or dot (Graphviz)",
        ),
        "--json": ("json", False, "print machine-readable JSON (schema 1)"),
        "-v": ("verbose", False, "show tracebacks on errors"),
        "--verbose": ("verbose", False, "show tracebacks on errors"),
    },
    "gate": {
        "--agent": (
            "agent",
            True,
            "codex or claude: read that agent's hook JSON on stdin and answer in its format",
        ),
        "--json": ("json", False, "print machine-readable JSON (schema 1)"),
        "-v": ("verbose", False, "show tracebacks on errors"),
        "--verbose": ("verbose", False, "show tracebacks on errors"),
    },
    "targets": {
        "--json": ("json", False, "print machine-readable JSON (schema 1)"),
        "-v": ("verbose", False, "show tracebacks on errors"),
        "--verbose": ("verbose", False, "show tracebacks on errors"),
    },
}


def parse_fast(args: list[str]) -> tuple[str, dict[str, Any]] | None:
    """Parse `args` for a fast-lane command; None sends it to typer (help, errors, others)."""
    if not args or args[0] not in FAST:
        return None
    spec = FAST[args[0]]
    opts: dict[str, Any] = {}
    it = iter(args[1:])
    for a in it:
        name, eq, value = a.partition("=")
        entry = spec.get(name)
        if entry is None:
            return None
        dest, takes, _ = entry
        if takes:
            if not eq:
                nxt = next(it, None)
                if nxt is None:
                    return None
                value = nxt
            opts[dest] = value
        elif eq:
            return None
        else:
            opts[dest] = True
    return args[0], opts
