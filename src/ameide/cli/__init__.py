"""Command-line entry: `main(argv) -> exit code`, the error handler, and the fast lane.

The fast lane answers `--version`, `affected`, `targets`, `run`, `gate` and the front doors
without importing typer,
rich or pydantic (about 200 ms here), because agents call them dozens of times an hour (the
gate at every stop). Their
options are declared once in `ameide.cli.options` and shared with the typer commands.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence

# planning commands that only read and print: run them without the cyclic garbage collector
# and leave without tearing down every object (about 0.1 s together on a 7,000-target graph)
_QUICK = ("affected", "targets")
# the engine's commands leave without the interpreter's teardown too, once their evidence is
# written, their children are gone and the streams are flushed: ~40 ms of every `ameide test`
_LEAVE = ("test", "run", "gate")


def run() -> None:
    """Console-script entry point."""
    _standard_streams()
    args = sys.argv[1:]
    command = next((a for a in args if a not in VERBOSE), None)
    if command in _QUICK:
        import gc

        gc.disable()
    code = main(args)
    _flush()
    if command in _QUICK or command in _LEAVE:
        os._exit(code)
    threading = sys.modules.get("threading")
    if threading is not None and any(
        t.is_alive() and not t.daemon and t is not threading.main_thread()
        for t in threading.enumerate()
    ):
        # a thread stuck in a system call (a DNS lookup, a remote transfer being aborted)
        # must not hold the exit: the run is over and its evidence written
        os._exit(code)
    sys.exit(code)


def _flush() -> None:
    import contextlib

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # the terminal or pipe is gone (a hang-up)
            with contextlib.suppress(OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())


def _standard_streams() -> None:
    """Started with stdin, stdout or stderr closed (`ameide test >&-`): put /dev/null there,
    so that no file ameide opens later takes descriptor 1 and receives its output."""
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
            setattr(sys, name, open(fd, mode, closefd=False))  # noqa: SIM115


VERBOSE = ("-v", "--verbose")
VERBOSE_ENV = "AMEIDE_VERBOSE"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    # -v/--verbose before the command is global (`ameide -v test`): it only turns on
    # tracebacks, so it is taken off here and every command, front doors included, gets it
    given = args
    while args and args[0] in VERBOSE:
        args = args[1:]
    verbose = len(args) < len(given) or any(a in VERBOSE for a in args) or env_verbose()
    if args in (["--version"], ["-V"]):
        from ameide import __version__

        sys.stdout.write(f"ameide {__version__}\n")
        return 0
    try:
        fast = _fast_lane(args)  # imports the command's modules: Ctrl-C may land here
    except KeyboardInterrupt:
        return handle_errors(_interrupted, verbose, args)
    if fast is not None:
        return handle_errors(fast, verbose, args)
    return handle_errors(lambda: _typer_main(args), verbose, args)


def _interrupted() -> int:
    raise KeyboardInterrupt


def env_verbose() -> bool:
    """AMEIDE_VERBOSE=1 (or true/yes/on): tracebacks on errors without touching the command."""
    return os.environ.get(VERBOSE_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def _fast_lane(args: list[str]) -> Callable[[], int] | None:
    from ameide.cli.options import parse_fast

    # the front doors take no flags; -v/--verbose only shows tracebacks, so it may follow
    door = [a for a in args if a not in VERBOSE]
    if door in (["test"], ["test", "ci"]):
        from ameide.cli.actions import do_test

        mode = "ci" if len(door) == 2 else "test"
        return lambda: do_test(mode=mode)
    if door[:1] == ["test"] and not {"--help", "-h"} & set(door):
        return lambda: _front_door_flags(door)

    parsed = parse_fast(args)
    if parsed is None:
        return None
    command, opts = parsed
    if command == "affected":
        from ameide.cli.actions import do_affected

        return lambda: do_affected(
            base=opts.get("base"),
            explain=bool(opts.get("explain")),
            as_json=bool(opts.get("json")),
            graph=opts.get("graph"),
        )
    if command == "targets":
        from ameide.cli.actions import do_targets

        return lambda: do_targets(as_json=bool(opts.get("json")))
    if command == "run":
        return _fast_run(opts)
    if command == "gate":
        from ameide.cli.actions import do_gate

        return lambda: do_gate(agent=opts.get("agent"), as_json=bool(opts.get("json")))
    return None


def _fast_run(opts: dict[str, object]) -> Callable[[], int] | None:
    """`ameide run` without typer; a phase that does not exist is a usage error in ameide's
    own words (typer's would be click's `Error:` screen); a bad --matrix goes to typer."""
    phases, matrix = opts.get("phase") or [], opts.get("matrix")
    assert isinstance(phases, list)
    bad = next((p for p in phases if p not in ("0", "1", "2")), None)
    if bad is not None:
        return lambda: _bad_phase(str(bad))
    if matrix is not None and not (isinstance(matrix, str) and matrix.lstrip("-").isdigit()):
        return None
    from ameide.cli.actions import do_run

    targets = opts.get("target") or []
    assert isinstance(targets, list)
    return lambda: do_run(
        phases=[int(p) for p in phases],
        targets=[str(t) for t in targets],
        all_targets=bool(opts.get("all")),
        base=str(opts["base"]) if opts.get("base") is not None else None,
        no_cache=bool(opts.get("no_cache")),
        matrix=int(str(matrix)) if matrix is not None else None,
        as_json=bool(opts.get("json")),
    )


def _bad_phase(value: str) -> int:
    from ameide.errors import UsageError

    raise UsageError(
        f"--phase {value}: there are phases 0 (contract), 1 (unit) and 2 (integration-local)",
        hint="ameide run --phase 1 (repeatable: --phase 0 --phase 1)",
    )


def _front_door_flags(door: list[str]) -> int:
    """`ameide test --all`: the front doors take no flags; say where the choices are."""
    from ameide.errors import UsageError

    name = "ameide test ci" if door[1:2] == ["ci"] else "ameide test"
    extra = door[2:] if name.endswith("ci") else door[1:]
    raise UsageError(
        f"`{name}` takes no flags or arguments (got {' '.join(extra)}): it tests what your "
        "change affects, configured by the repo, ameide.toml and the environment",
        hint="to choose: ameide run --all | --phase N | --target ID | --base REF "
        "(ameide run --help); the base alone: AMEIDE_BASE=REF ameide test",
    )


def _typer_main(args: list[str]) -> int:
    from ameide.cli.app import build_app

    app = build_app()
    try:
        # standalone mode: typer prints usage errors itself and exits 2, --help exits 0
        app(args=args, prog_name="ameide", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if code == 130:  # typer turns KeyboardInterrupt into Exit(130) without a word
            raise KeyboardInterrupt from None
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


def rerun_hint(args: Sequence[str] | None, verbose: bool) -> str:
    """How to see the traceback of an internal error: a command line that works as is."""
    if verbose:
        return "report it with the traceback above"
    import shlex

    again = shlex.join(["ameide", "-v", *(args or ["<command>"])])
    return f"rerun as `{again}` (or set {VERBOSE_ENV}=1) for the traceback and report it"


def handle_errors(fn: Callable[[], int], verbose: bool, args: Sequence[str] | None = None) -> int:
    """Map AmeideError to its exit code with a one-screen message; tracebacks only with -v
    (or AMEIDE_VERBOSE=1). `args` (the command line) goes into the internal-error hint."""
    from ameide.errors import AmeideError, ExitCode

    try:
        return fn()
    except AmeideError as exc:
        _flush()  # what the run printed comes before the error
        if verbose:
            import traceback

            traceback.print_exc()
        from ameide.sanitize import printable  # a message may quote a file name

        sys.stderr.write(printable(f"ameide: error: {exc.message}\n"))
        if exc.hint:
            sys.stderr.write(printable(f"  hint: {exc.hint}\n"))
        return int(exc.exit_code)
    except KeyboardInterrupt:
        import contextlib

        _flush()
        with contextlib.suppress(OSError, ValueError):  # a hang-up took the terminal
            sys.stderr.write("ameide: interrupted\n")
        return int(ExitCode.INTERRUPTED)
    except BrokenPipeError:
        # the reader went away (ameide affected | head): not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:
        _flush()
        if verbose:
            import traceback

            traceback.print_exc()
        sys.stderr.write(
            f"ameide: internal error: {type(exc).__name__}: {exc}\n"
            f"  hint: {rerun_hint(args, verbose)}\n"
        )
        return int(ExitCode.INTERNAL)
