"""Cache settings: `[cache]` of ameide.toml plus the environment (docs/cache.md).

Precedence: `AMEIDE_*` variables, then ameide.toml, then the `TURBO_*` variables a Turborepo
setup already exports. Tokens and signature keys only ever come from the environment.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ameide.config import Config
    from ameide.taskenv import Own

# what may be cached unless `[cache] kinds` says otherwise: the phase commands ameide.toml
# names and the test kinds of every ecosystem, plus the kinds each ecosystem declares
# (Ecosystem.cacheable_kinds: vet, typecheck, lint, collect, schema checks). docs/cache.md
# says why installs, codegen freshness, profile checks and guardrails never are.
CORE_KINDS = ("contract", "unit", "integration")


def default_kinds() -> frozenset[str]:
    from ameide.ecosystems import REGISTRY

    return frozenset(CORE_KINDS + REGISTRY.cacheable_kinds())


DEFAULT_MAX_MB = 2048
DEFAULT_TIMEOUT = 2.0
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


@record
class RemoteSettings:
    url: str  # base URL without a trailing slash; requests go to <url>/v8/artifacts/<hash>
    team: str | None
    token: str | None  # never printed, never written to evidence
    token_source: str | None  # the variable it came from
    read_only: bool
    read_only_reason: str
    signature_key: bytes | None
    signature_env: str | None  # the variable naming the key; set but empty = cannot verify
    timeout: float  # seconds for the connection and for each read
    source: str  # where the URL came from
    deadline: float = 0.0  # seconds for a whole transfer; 0: transfer_deadline(timeout)
    url_userinfo: str | None = None  # `user:pw` taken out of `url`: never used nor shown


@record
class CacheSettings:
    enabled: bool
    reason: str  # why it is off ("" when on)
    dir: str  # the local store (user cache directory)
    max_bytes: int
    kinds: frozenset[str]
    env: tuple[str, ...]  # extra environment names (or `PREFIX_*`) that enter every key
    remote: RemoteSettings | None
    remote_reason: str  # why there is no remote ("" when configured)


def transfer_deadline(timeout: float) -> float:
    """The wall-clock budget of one whole transfer (request, headers and body): a server that
    answers every read in time but drips its bytes is cut off here (docs/cache.md)."""
    return max(10.0, 5 * timeout)


def user_cache_dir(env: Mapping[str, str]) -> str:
    """`$AMEIDE_CACHE_DIR`, else `$XDG_CACHE_HOME/ameide`, else `~/.cache/ameide`."""
    explicit = env.get("AMEIDE_CACHE_DIR")
    if explicit:
        path = os.path.expanduser(explicit)
        if not os.path.isabs(path):
            from ameide.errors import UsageError

            # relative to wherever ameide happens to run: a new cache per directory, and an
            # untracked directory inside the repository
            raise UsageError(
                f"AMEIDE_CACHE_DIR={explicit!r} is not an absolute path",
                hint="give an absolute directory (e.g. $HOME/.cache/ameide), or unset it for "
                "the default $XDG_CACHE_HOME/ameide (docs/cache.md)",
            )
        return os.path.normpath(path)
    xdg = env.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return os.path.join(xdg, "ameide")
    home = env.get("HOME") or os.path.expanduser("~")
    return os.path.join(home, ".cache", "ameide")


def _flag(env: Mapping[str, str], name: str) -> bool | None:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return None
    v = raw.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    from ameide.errors import UsageError

    raise UsageError(
        f"{name}={raw!r} is not a boolean",
        hint=f"set {name} to 1/true or 0/false (docs/cache.md)",
    )


def untrusted_build(env: Mapping[str, str]) -> str | None:
    """Why this CI build runs code nobody reviewed yet (a pull/merge request), else None."""
    event = env.get("GITHUB_EVENT_NAME", "")
    if env.get("GITHUB_ACTIONS") == "true" and event.startswith("pull_request"):
        return f"GitHub Actions {event} build"
    if env.get("GITLAB_CI") == "true" and env.get("CI_MERGE_REQUEST_IID"):
        return "GitLab merge request pipeline"
    pr = env.get("BUILDKITE_PULL_REQUEST", "false")
    if env.get("BUILDKITE") == "true" and pr not in ("", "false"):
        return "Buildkite pull request build"
    return None


def settings(config: Config, env: Mapping[str, str]) -> CacheSettings:
    """The effective cache settings of one run."""
    c = config.cache or {}
    directory = user_cache_dir(env)
    max_bytes = int(c.get("max_size_mb") or DEFAULT_MAX_MB) * 1024 * 1024
    kinds = frozenset(c["kinds"]) if c.get("kinds") is not None else default_kinds()
    extra_env = tuple(str(x) for x in c.get("env") or ())
    switch = _flag(env, "AMEIDE_CACHE")
    if switch is False:
        return CacheSettings(
            False, "AMEIDE_CACHE=0", directory, max_bytes, kinds, extra_env, None, "cache off"
        )
    if c.get("enabled") is False and switch is not True:
        return CacheSettings(
            False,
            "ameide.toml [cache] enabled = false",
            directory,
            max_bytes,
            kinds,
            extra_env,
            None,
            "cache off",
        )
    remote, why = remote_settings(config, env)
    return CacheSettings(True, "", directory, max_bytes, kinds, extra_env, remote, why)


def remote_settings(config: Config, env: Mapping[str, str]) -> tuple[RemoteSettings | None, str]:
    """The remote cache, or (None, why there is none)."""
    r = (config.cache or {}).get("remote") or {}
    if _flag(env, "AMEIDE_REMOTE_CACHE") is False:
        return None, "AMEIDE_REMOTE_CACHE=0"
    if r.get("enabled") is False:
        return None, "ameide.toml [cache.remote] enabled = false"
    url, source = None, ""
    for name, value in (
        ("AMEIDE_REMOTE_CACHE_URL", env.get("AMEIDE_REMOTE_CACHE_URL")),
        ("ameide.toml [cache.remote] url", r.get("url")),
        ("TURBO_API", env.get("TURBO_API")),
    ):
        if value:
            url, source = str(value), name
            break
    if not url:
        return None, "no remote configured"
    from urllib.parse import urlsplit

    from ameide.config import url_problem
    from ameide.vcs import redact_url

    problem = url_problem(url)
    shown = redact_url(url)  # credentials in a URL are never shown
    if problem:
        from ameide.errors import UsageError

        raise UsageError(
            f"{source}={shown!r}: {problem}"
            if source.isupper()
            else f"{config.path}: invalid configuration\n  cache.remote.url: {problem}",
            hint="give the server's base URL, e.g. https://cache.example.com:3000 (docs/cache.md)",
        )
    team = env.get("AMEIDE_REMOTE_CACHE_TEAM") or r.get("team") or env.get("TURBO_TEAM") or None
    token, token_source = None, None
    for name in ("AMEIDE_REMOTE_CACHE_TOKEN", "TURBO_TOKEN"):
        if env.get(name, "").strip():
            token, token_source = env[name].strip(), name
            break
    if token and any(c.isspace() or not c.isprintable() for c in token):
        from ameide.errors import UsageError

        raise UsageError(  # never the value: it is a credential
            f"{token_source} holds a space, a newline or a control character inside the token",
            hint='export the token alone (e.g. from a file: "$(cat token)"); docs/cache.md',
        )
    ro = _flag(env, "AMEIDE_REMOTE_CACHE_READ_ONLY")
    if ro is not None:
        read_only, reason = ro, "AMEIDE_REMOTE_CACHE_READ_ONLY"
    elif r.get("read_only"):
        read_only, reason = True, "ameide.toml [cache.remote] read_only = true"
    else:
        untrusted = untrusted_build(env)
        read_only, reason = (True, untrusted) if untrusted else (False, "")
    key_env = r.get("signature_key_env")
    if not key_env:
        key_env = next(
            (
                n
                for n in ("AMEIDE_REMOTE_CACHE_SIGNATURE_KEY", "TURBO_REMOTE_CACHE_SIGNATURE_KEY")
                if env.get(n)
            ),
            None,
        )
    key = env.get(key_env, "").encode() if key_env else b""
    raw_timeout = env.get("AMEIDE_REMOTE_CACHE_TIMEOUT")
    try:
        timeout = float(raw_timeout or r.get("timeout") or DEFAULT_TIMEOUT)
        if not 0 < timeout <= 600:
            raise ValueError
    except ValueError:
        from ameide.errors import UsageError

        raise UsageError(
            f"AMEIDE_REMOTE_CACHE_TIMEOUT={raw_timeout!r} is not a number of seconds",
            hint="set it to e.g. 2 (seconds per request; docs/cache.md)",
        ) from None
    return (
        RemoteSettings(
            shown.rstrip("/"),
            str(team) if team else None,
            token,
            token_source,
            read_only,
            reason,
            key or None,
            key_env,
            timeout,
            source,
            url_userinfo=urlsplit(url).netloc.rpartition("@")[0] or None,
        ),
        "",
    )


def own_credentials(remote: RemoteSettings | None, env: Mapping[str, str]) -> list[Own]:
    """ameide's own credentials in this environment: what must never reach a task. The
    AMEIDE_* ones are ameide's whether or not a remote is in use; TURBO_TOKEN, a signature
    key under a name of the project's choosing and URL credentials when ameide uses them."""
    from ameide.taskenv import Own

    own = [
        Own(what, name, env[name])
        for what, name in (
            ("the remote-cache token", "AMEIDE_REMOTE_CACHE_TOKEN"),
            ("the remote-cache signature key", "AMEIDE_REMOTE_CACHE_SIGNATURE_KEY"),
        )
        if env.get(name)
    ]
    if remote is None:
        return own
    if remote.token:
        own.append(Own("the remote-cache token", remote.token_source, remote.token))
    if remote.signature_key:
        key = remote.signature_key.decode("utf-8", "replace")
        own.append(Own("the remote-cache signature key", remote.signature_env, key))
    if remote.url_userinfo:
        var = remote.source if remote.source.isupper() else None
        own.append(Own("a URL holding remote-cache credentials", var, remote.url_userinfo))
    return own


def disabled_doc(reason: str) -> dict[str, Any]:
    """summary.json `cache` when the cache is off (and why)."""
    return {
        "enabled": False,
        "reason": reason,
        "dir": None,
        "hits": 0,
        "remote_hits": 0,
        "misses": 0,
        "stored": 0,
        "damaged": 0,
        "uncacheable": 0,
        "remote": None,
    }
