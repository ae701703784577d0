"""Options of the fast-lane commands, declared once for both the fast parser and typer."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

# command -> option -> (dest, takes_value, help); REPEATABLE options collect a list
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
    "run": {
        "--phase": ("phase", True, "run only phase N: 0, 1 or 2 (repeatable; default all three)"),
        "--target": (
            "target",
            True,
            "run this target instead of the affected set: an id, its directory, or the end "
            "of its id when unique (repeatable; ids: ameide targets)",
        ),
        "--all": ("all", False, "run every target"),
        "--base": ("base", True, "compare with this ref"),
        "--no-cache": ("no_cache", False, "run every task; do not use or fill the result cache"),
        "--matrix": (
            "matrix",
            True,
            "run nothing: split what `ameide test ci` would run into N shards and print them "
            "(with --json: a GitHub Actions matrix, one line; docs/ci.md)",
        ),
        "--json": ("json", False, "print summary.json to stdout"),
        "-v": ("verbose", False, "tracebacks on errors"),
        "--verbose": ("verbose", False, "tracebacks on errors"),
    },
}
REPEATABLE = frozenset({"phase", "target"})


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
            if dest in REPEATABLE:
                opts.setdefault(dest, []).append(value)
            else:
                opts[dest] = value
        elif eq:
            return None
        else:
            opts[dest] = True
    return args[0], opts
