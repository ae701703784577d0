"""Command-line entry: `main(argv) -> exit code`, the error handler, and the fast lane.

The fast lane answers `--version`, `affected` and `targets` without importing typer, rich
or pydantic (about 200 ms here), because agents call them dozens of times an hour. Their
options are declared once in `ameide.cli.options` and shared with the typer commands.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence


def run() -> None:
    """Console-script entry point."""
    sys.exit(main(sys.argv[1:]))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    verbose = "-v" in args or "--verbose" in args
    if args in (["--version"], ["-V"]):
        from ameide import __version__

        sys.stdout.write(f"ameide {__version__}\n")
        return 0
    fast = _fast_lane(args)
    if fast is not None:
        return handle_errors(fast, verbose)
    return handle_errors(lambda: _typer_main(args), verbose)


def _fast_lane(args: list[str]) -> Callable[[], int] | None:
    from ameide.cli.options import parse_fast

    if args in (["test"], ["test", "ci"]):  # the front doors take no flags
        from ameide.cli.actions import do_test

        mode = "ci" if len(args) == 2 else "test"
        return lambda: do_test(mode=mode)

    parsed = parse_fast(args)
    if parsed is None:
        return None
    command, opts = parsed
    if command == "affected":
        from ameide.cli.actions import do_affected

        return lambda: do_affected(
            base=opts.get("base"), explain=bool(opts.get("explain")), as_json=bool(opts.get("json"))
        )
    if command == "targets":
        from ameide.cli.actions import do_targets

        return lambda: do_targets(as_json=bool(opts.get("json")))
    return None


def _typer_main(args: list[str]) -> int:
    from ameide.cli.app import build_app

    app = build_app()
    try:
        # standalone mode: typer prints usage errors itself and exits 2, --help exits 0
        app(args=args, prog_name="ameide", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if code != 0:
            return code
    return _last_exit_code()


_exit_code = 0


def set_exit_code(code: int) -> None:
    """Commands report their exit code here; failed checks are data, not exceptions."""
    global _exit_code
    _exit_code = code


def _last_exit_code() -> int:
    global _exit_code
    code, _exit_code = _exit_code, 0
    return code


def handle_errors(fn: Callable[[], int], verbose: bool) -> int:
    """Map AmeideError to its exit code with a one-screen message; tracebacks only with -v."""
    from ameide.errors import AmeideError, ExitCode

    try:
        return fn()
    except AmeideError as exc:
        if verbose:
            import traceback

            traceback.print_exc()
        sys.stderr.write(f"ameide: error: {exc.message}\n")
        if exc.hint:
            sys.stderr.write(f"  hint: {exc.hint}\n")
        return int(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("ameide: interrupted\n")
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        # the reader went away (ameide affected | head): not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:
        if verbose:
            import traceback

            traceback.print_exc()
        sys.stderr.write(
            f"ameide: internal error: {type(exc).__name__}: {exc}\n"
            "  hint: rerun with -v for the traceback and report it\n"
        )
        return int(ExitCode.INTERNAL)
