"""Forge credentials: where the token comes from, and a wrapper that never shows it.

Order (first hit wins): `GH_TOKEN`, `GITHUB_TOKEN` (for a GitHub Enterprise host also
`GH_ENTERPRISE_TOKEN`, `GITHUB_ENTERPRISE_TOKEN`), then `gh auth token --hostname HOST` when gh
is installed, then `coder external-auth access-token github` inside a Coder workspace. The
commands run through proc; their output is never echoed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ameide.forge.base import ForgeError

if TYPE_CHECKING:
    from collections.abc import Mapping

GITHUB_COM = "github.com"
CODER_ID_ENV = "AMEIDE_CODER_EXTERNAL_AUTH_ID"  # the Coder external-auth provider id
COMMAND_TIMEOUT = 20.0


class Secret:
    """A credential. `str()`/`repr()` show where it came from, never the value."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str) -> None:
        self._value = value
        self.source = source

    def reveal(self) -> str:
        return self._value

    def scrub(self, text: str) -> str:
        """`text` with every occurrence of the secret replaced by `***`."""
        return text.replace(self._value, "***") if self._value else text

    def __repr__(self) -> str:
        return f"Secret(from {self.source}, value hidden)"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:  # no pickling it into a cache or a log
        raise TypeError("a Secret cannot be pickled")


def _usable(value: str | None) -> str | None:
    v = (value or "").strip()
    return v if v and "\n" not in v and " " not in v else None


def env_names(host: str) -> tuple[str, ...]:
    names: tuple[str, ...] = ("GH_TOKEN", "GITHUB_TOKEN")
    if host != GITHUB_COM:
        names += ("GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN")
    return names


def resolve_token(host: str, env: Mapping[str, str], cwd: str) -> Secret:
    """The token for `host` (e.g. github.com); ForgeError kind `token` (exit 3) when none."""
    from ameide import proc

    for name in env_names(host):
        v = _usable(env.get(name))
        if v:
            return Secret(v, name)
    tried = [f"{', '.join(env_names(host))} (unset)"]

    penv = dict(env)
    penv["GH_PROMPT_DISABLED"] = "1"
    penv.setdefault("GH_NO_UPDATE_NOTIFIER", "1")
    r = proc.run(
        ("gh", "auth", "token", "--hostname", host), cwd, env=penv, timeout=COMMAND_TIMEOUT
    )
    if r.missing:
        tried.append("gh (not installed)")
    else:
        v = _usable(r.text()) if r.ok else None
        if v:
            return Secret(v, f"gh auth token --hostname {host}")
        tried.append(f"gh auth token --hostname {host} (exit {r.returncode}: not logged in)")

    provider = env.get(CODER_ID_ENV) or "github"
    r = proc.run(
        ("coder", "external-auth", "access-token", provider),
        cwd,
        env=penv,
        timeout=COMMAND_TIMEOUT,
    )
    if r.missing:
        tried.append("coder (not installed)")
    else:
        v = _usable(r.text()) if r.ok else None
        if v:
            return Secret(v, f"coder external-auth access-token {provider}")
        tried.append(
            f"coder external-auth access-token {provider} (exit {r.returncode}: not "
            "authenticated, or no such provider)"
        )
    raise ForgeError(
        f"no token for {host}: tried " + "; ".join(tried),
        kind="token",
        hint=f"export GH_TOKEN=<token> (repo scope, or Contents + Pull requests: write), "
        f"or run `gh auth login --hostname {host}`; in a Coder workspace, link the external "
        f"auth provider (set {CODER_ID_ENV} if its id is not 'github')",
    )
