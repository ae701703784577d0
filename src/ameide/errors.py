"""The error hierarchy every user-caused failure goes through, with documented exit codes."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, documented in docs/exit-codes.md."""

    OK = 0
    CHECKS_FAILED = 1
    USAGE = 2
    ENVIRONMENT = 3
    INTERNAL = 4
    INTERRUPTED = 130


class AmeideError(Exception):
    """Base of every error a user can cause; carries a hint and an exit code."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, *, hint: str | None = None, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.path = path


class UsageError(AmeideError):
    """Bad flags or arguments."""

    exit_code = ExitCode.USAGE


class ConfigError(AmeideError):
    """A malformed configuration file or manifest (ameide.toml, package.json, go.mod, ...)."""

    exit_code = ExitCode.USAGE


class EnvError(AmeideError):
    """The environment cannot do what was asked: not a git repo, git or a toolchain missing."""

    exit_code = ExitCode.ENVIRONMENT
