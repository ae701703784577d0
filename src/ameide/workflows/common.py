"""What `branch start` and `pr open|status` share: who is acting (an agent or a person), the
branch prefix, the checkout context, and the refusal error (exit 1)."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from ameide.errors import AmeideError, ExitCode, UsageError
from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ameide.agents.detect import Detected
    from ameide.config import Config
    from ameide.vcs import Repo

ACTOR_ENV = "AMEIDE_ACTOR"
PREFIX_ENV = "AMEIDE_BRANCH_PREFIX"
# Variables the agents set in the shells they run commands in.
AGENT_MARKERS = (
    ("CLAUDECODE", "Claude Code"),
    ("CODEX_THREAD_ID", "Codex"),
    ("CODEX_CI", "Codex"),
    ("CODEX_SANDBOX", "Codex"),
    ("CODEX_SANDBOX_NETWORK_DISABLED", "Codex"),
)
_PREFIX = re.compile(r"^[A-Za-z0-9._/-]*$")


class Refused(AmeideError):
    """A check `pr open` makes before pushing failed: guardrails, evidence (exit 1)."""

    exit_code = ExitCode.CHECKS_FAILED


@record
class Actor:
    kind: str  # agent | human
    why: str


def actor(env: Mapping[str, str]) -> Actor:
    """Is an agent acting? `AMEIDE_ACTOR=agent|human` says so explicitly; otherwise the
    variables Codex and Claude Code set in their shells mean an agent; else a person."""
    explicit = (env.get(ACTOR_ENV) or "").strip().lower()
    if explicit:
        if explicit not in ("agent", "human"):
            raise UsageError(
                f"{ACTOR_ENV}={env[ACTOR_ENV]!r}: expected 'agent' or 'human'",
                hint=f"unset {ACTOR_ENV} to let ameide tell from the environment",
            )
        return Actor(explicit, f"{ACTOR_ENV}={explicit}")
    for var, agent in AGENT_MARKERS:
        if env.get(var):
            return Actor("agent", f"{agent} ({var} is set)")
    return Actor("human", f"no agent variable ({ACTOR_ENV}, CLAUDECODE, CODEX_*) is set")


def branch_prefix(
    detected: Detected, env: Mapping[str, str], explicit: str | None
) -> tuple[str, str]:
    """(prefix, where it came from): --prefix, AMEIDE_BRANCH_PREFIX, else the profile's."""
    if explicit is not None:
        prefix, source = explicit, "--prefix"
    elif env.get(PREFIX_ENV):
        prefix, source = env[PREFIX_ENV], PREFIX_ENV
    else:
        p = detected.profile
        return p.branch_prefix, f"profile {p.name} ([pr] branch_prefix)"
    if not _PREFIX.match(prefix) or prefix.startswith(("/", "-")) or ".." in prefix:
        raise UsageError(
            f"branch prefix {prefix!r} (from {source}) is not usable in a branch name",
            hint="use letters, digits, '.', '_', '-' and '/', e.g. 'feature/' or 'alice/'",
        )
    return prefix, source


@record
class Context:
    """The checkout a workflow command works on."""

    repo: Repo
    config: Config
    detected: Detected
    env: dict[str, str]


def context(cwd: str, env: Mapping[str, str]) -> Context:
    from ameide import vcs
    from ameide.agents.api import detect_here
    from ameide.config import load
    from ameide.discovery import cache_dir_for

    repo = vcs.open_repo(cwd, env)
    config = load(repo.root, cache_dir_for(repo.git_dir))
    return Context(repo, config, detect_here(os.path.realpath(cwd), env), dict(env))


def require_branch(repo: Repo, what: str) -> str:
    if repo.branch is None:
        raise UsageError(
            f"HEAD is detached ({(repo.head or '')[:12] or 'no commit'}): {what} needs a branch",
            hint="switch to a branch first (git switch <branch>); to keep commits made while "
            "detached: git switch -c <name>",
        )
    return repo.branch


def dirty_error(lines: list[str], what: str) -> UsageError:
    shown = ", ".join(ln[3:] for ln in lines[:5]) + (
        f" and {len(lines) - 5} more" if len(lines) > 5 else ""
    )
    return UsageError(
        f"the work tree has uncommitted changes ({shown}): {what}",
        hint="commit them (git add -A && git commit), or stash them (git stash -u), then rerun",
    )
