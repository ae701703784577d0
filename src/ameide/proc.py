"""The only subprocess seam: every child process is started here and comes back as a result."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping, Sequence

from ameide.records import record


@record
class ProcResult:
    """What one finished (or unstartable) process produced."""

    argv: tuple[str, ...]
    cwd: str
    returncode: int
    stdout: bytes
    stderr: bytes
    elapsed: float
    missing: bool = False  # the executable was not found; returncode is 127

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def text(self) -> str:
        return os.fsdecode(self.stdout)

    def err_text(self) -> str:
        return os.fsdecode(self.stderr).strip()


def _missing(argv: Sequence[str], cwd: str, started: float) -> ProcResult:
    hint = f"{argv[0]}: command not found".encode()
    return ProcResult(tuple(argv), cwd, 127, b"", hint, time.perf_counter() - started, True)


def run(
    argv: Sequence[str],
    cwd: str | os.PathLike[str],
    *,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    timeout: float | None = None,
) -> ProcResult:
    """Run a command to completion and capture its output (for short, bounded commands)."""
    started = time.perf_counter()
    cwd_s = os.fspath(cwd)
    try:
        cp = subprocess.run(
            list(argv),
            cwd=cwd_s,
            env=dict(env) if env is not None else None,
            input=input,
            capture_output=True,
            timeout=timeout,
            start_new_session=True,
            check=False,
        )
    except FileNotFoundError:
        return _missing(argv, cwd_s, started)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout if isinstance(exc.stdout, bytes) else b""
        return ProcResult(tuple(argv), cwd_s, 124, out, b"timed out", time.perf_counter() - started)
    return ProcResult(
        tuple(argv), cwd_s, cp.returncode, cp.stdout, cp.stderr, time.perf_counter() - started
    )


def run_many(
    commands: Sequence[Sequence[str]],
    cwd: str | os.PathLike[str],
    *,
    env: Mapping[str, str] | None = None,
) -> list[ProcResult]:
    """Run independent short commands concurrently and return their results in order.

    Used for the git queries of change detection, whose latencies otherwise add up.
    """
    cwd_s = os.fspath(cwd)
    env_d = dict(env) if env is not None else None
    started = time.perf_counter()
    procs: list[subprocess.Popen[bytes] | ProcResult] = []
    for argv in commands:
        try:
            procs.append(
                subprocess.Popen(
                    list(argv),
                    cwd=cwd_s,
                    env=env_d,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    start_new_session=True,
                )
            )
        except FileNotFoundError:
            procs.append(_missing(argv, cwd_s, started))
    results: list[ProcResult] = []
    for argv, p in zip(commands, procs, strict=True):
        if isinstance(p, ProcResult):
            results.append(p)
            continue
        out, err = p.communicate()
        results.append(
            ProcResult(tuple(argv), cwd_s, p.returncode, out, err, time.perf_counter() - started)
        )
    return results
