"""Forges (where pull requests live): which one a checkout uses, and a client for it.

`resolve()` decides without network: the remote (`[forge] remote`, default `origin`), the
repository (`AMEIDE_FORGE_REPO`, `[forge] repo`, else the remote URL), the kind
(`AMEIDE_FORGE`, `[forge] kind`, else from the host) and the API URL
(`AMEIDE_FORGE_API_URL`, `[forge] api_url`, else https://api.github.com or https://HOST/api/v3).
`token_for()` finds the token, `connect()` returns a `Forge` (forge/base.py).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ameide.config import url_problem
from ameide.errors import EnvError, UsageError
from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ameide.config import Config
    from ameide.forge.auth import Secret
    from ameide.forge.base import Forge, RepoRef
    from ameide.vcs import Repo

ENV_KIND = "AMEIDE_FORGE"
ENV_REPO = "AMEIDE_FORGE_REPO"
ENV_API_URL = "AMEIDE_FORGE_API_URL"
KINDS = ("github",)

_SCP = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>[^/].*)$")  # git@host:o/r.git
_SLUG = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def parse_remote_url(url: str) -> tuple[str, str, str] | None:
    """(host, owner, name) of a forge remote URL, None for anything else (a path, file://).

    https://github.com/o/r(.git), git@github.com:o/r.git, ssh://git@github.com[:22]/o/r.git,
    git://host/o/r; credentials in the URL are ignored. GitHub Enterprise hosts the same way.
    """
    import urllib.parse

    url = url.strip()
    if "://" in url:
        u = urllib.parse.urlsplit(url)
        if u.scheme not in ("http", "https", "ssh", "git", "git+ssh", "ssh+git"):
            return None
        host = (u.hostname or "").lower()
        if u.port and u.scheme in ("http", "https"):
            host = f"{host}:{u.port}"
        path = u.path
    else:
        m = _SCP.match(url)
        if not m or "/" in m.group("host"):
            return None
        host, path = m.group("host").lower(), m.group("path")
    parts = [p for p in path.strip("/").split("/") if p]
    if not host or len(parts) != 2:
        return None
    owner, name = parts[0], parts[1].removesuffix(".git")
    if not owner or not name or not _SLUG.match(f"{owner}/{name}"):
        return None
    return host, owner, name


@record
class Target:
    """Where the pull requests of this checkout go, and why (no network needed)."""

    kind: str
    repo: RepoRef
    api_url: str
    remote: str  # the git remote pushed to
    remote_url: str  # credentials redacted
    how: tuple[str, ...]  # where repo, kind and api_url came from, for messages and --json


def _host_of(api_url: str) -> str:
    import urllib.parse

    u = urllib.parse.urlsplit(api_url)
    host = (u.hostname or "").lower()
    if u.port:
        host = f"{host}:{u.port}"
    return "github.com" if host == "api.github.com" else host


def remote_name(config: Config) -> str:
    return str(config.forge.get("remote") or "origin")


def resolve(repo: Repo, config: Config, env: Mapping[str, str]) -> Target:
    from ameide import vcs
    from ameide.forge.base import RepoRef
    from ameide.forge.github import api_url_for

    remote = remote_name(config)
    url = vcs.remote_url(repo.git_root, remote, repo.env)
    if url is None:
        have = ", ".join(vcs.remote_names(repo)) or "none"
        raise EnvError(
            f"this checkout has no remote {remote!r} (remotes: {have})",
            hint=f"add it (git remote add {remote} <url>), or name another one with "
            "[forge] remote in ameide.toml",
        )
    parsed = parse_remote_url(url)
    how: list[str] = []

    slug = (env.get(ENV_REPO) or "").strip()
    if slug:
        how.append(f"repository from {ENV_REPO}")
    elif config.forge.get("repo"):
        slug = str(config.forge["repo"])
        how.append("repository from [forge] repo")
    elif parsed:
        slug = f"{parsed[1]}/{parsed[2]}"
        how.append(f"repository from remote {remote}")
    if not _SLUG.match(slug):
        raise UsageError(
            f"cannot tell the repository from remote {remote} ({vcs.redact_url(url)})"
            if not slug
            else f"{ENV_REPO}={slug!r} is not owner/name",
            hint=f'set [forge] repo = "owner/name" in ameide.toml, or {ENV_REPO}=owner/name',
        )
    owner, name = slug.split("/")

    api_url = (env.get(ENV_API_URL) or "").strip().rstrip("/")
    if api_url:
        how.append(f"API from {ENV_API_URL}")
    elif config.forge.get("api_url"):
        api_url = str(config.forge["api_url"]).rstrip("/")
        how.append("API from [forge] api_url")
    problem = url_problem(api_url) if api_url else None
    if problem:
        raise UsageError(
            f"{ENV_API_URL}={vcs.redact_url(api_url)!r}: {problem}",
            hint="use the REST API root, e.g. https://ghe.example.com/api/v3",
        )
    host = parsed[0] if parsed else (_host_of(api_url) if api_url else "")

    kind = (env.get(ENV_KIND) or "").strip().lower()
    if kind:
        how.append(f"kind from {ENV_KIND}")
    elif config.forge.get("kind"):
        kind = str(config.forge["kind"])
        how.append("kind from [forge] kind")
    elif host == "github.com" or api_url:
        kind = "github"
    elif "gitlab" in host:
        raise UsageError(
            f"remote {remote} is on {host}: GitLab is not supported yet",
            hint="open the merge request with glab; ameide's forge interface is ready for a "
            "GitLab client (docs/workflows.md)",
        )
    else:
        raise UsageError(
            f"cannot tell which forge serves {host or vcs.redact_url(url)} (remote {remote})",
            hint='for GitHub Enterprise set [forge] kind = "github" in ameide.toml (API '
            f"https://{host or 'HOST'}/api/v3), or AMEIDE_FORGE=github; "
            f"{ENV_API_URL} overrides the API URL",
        )
    if kind not in KINDS:
        raise UsageError(
            f"unknown forge kind {kind!r}",
            hint=f"known: {', '.join(KINDS)} (set by {ENV_KIND} or [forge] kind)",
        )
    if not api_url:
        if not host:
            raise UsageError(
                f"remote {remote} ({vcs.redact_url(url)}) names no host to derive the API from",
                hint=f"set {ENV_API_URL} or [forge] api_url",
            )
        api_url = api_url_for(host)
    return Target(
        kind=kind,
        repo=RepoRef(host or _host_of(api_url), owner, name),
        api_url=api_url,
        remote=remote,
        remote_url=vcs.redact_url(url),
        how=tuple(how),
    )


def token_for(target: Target, env: Mapping[str, str], cwd: str) -> Secret:
    """The token for `target`'s host: the environment, gh, or Coder (forge/auth.py)."""
    from ameide.forge.auth import resolve_token

    return resolve_token(target.repo.host, env, cwd)


def connect(target: Target, token: Secret) -> Forge:
    """A client for `target`."""
    from ameide.forge.github import GitHub

    return GitHub(target.repo, target.api_url, token)
