"""Which agent profile applies here, and how that was decided.

Order (first match wins): `.ameide/agent-profile` in the repo; `AMEIDE_AGENT_PROFILE`; the
workspace layout `<workspaces root>/<profile>/repo`; a repository whose name ends in `-gitops`;
else `code`. Every answer carries its source so `ameide profile` can say why.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ameide.agents.profiles import Profile, known, load, unknown_profile
from ameide.errors import ConfigError
from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Mapping

PROFILE_FILE = ".ameide/agent-profile"
ENV = "AMEIDE_AGENT_PROFILE"
WORKSPACES_ENV = "AMEIDE_WORKSPACES_ROOT"
DEFAULT_WORKSPACES = "/workspaces"
DEFAULT_PROFILE = "code"
GITOPS_SUFFIX = "-gitops"


@record
class Roots:
    """Where we are: the working directory, the git root and the monorepo root."""

    cwd: str  # real path
    git_root: str | None  # first directory upward holding `.git`, None outside a checkout
    root: str  # nearest ameide.toml at or below the git root, else the git root, else cwd


def find_roots(cwd: str) -> Roots:
    """Walk up from `cwd` (no git call): the first `.git` and the nearest `ameide.toml`."""
    cwd = os.path.realpath(cwd)
    config_dir: str | None = None
    d = cwd
    while True:
        if config_dir is None and os.path.isfile(os.path.join(d, "ameide.toml")):
            config_dir = d
        if os.path.exists(os.path.join(d, ".git")):
            return Roots(cwd, d, config_dir or d)
        parent = os.path.dirname(d)
        if parent == d:
            return Roots(cwd, None, cwd)
        d = parent


@record
class Detected:
    profile: Profile
    source: str  # file | env | workspace | repo-name | default
    detail: str  # for humans: the file, variable, path or name that decided
    workspace: str | None  # `<workspaces root>/<profile>` when this checkout sits in it
    roots: Roots


def workspaces_root(env: Mapping[str, str]) -> str:
    return os.path.realpath(env.get(WORKSPACES_ENV) or DEFAULT_WORKSPACES)


def layout(roots: Roots, env: Mapping[str, str]) -> tuple[str, str] | None:
    """(profile name, workspace dir) when the checkout is `<workspaces root>/<name>/repo`."""
    top = roots.git_root or roots.cwd
    ws = os.path.dirname(top)
    if os.path.basename(top) == "repo" and os.path.dirname(ws) == workspaces_root(env):
        return os.path.basename(ws), ws
    return None


def _read_profile_file(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}", path=path) from None
    for line in lines:
        name = line.split("#", 1)[0].strip()
        if name:
            return name
    raise ConfigError(
        f"{path}: names no profile",
        hint="write one profile name (e.g. code) on the first line, or delete the file",
        path=path,
    )


def repo_name(roots: Roots, env: Mapping[str, str]) -> tuple[str, str]:
    """(name, how): the origin remote's repository name, else the checkout directory's name."""
    if roots.git_root is None:
        return os.path.basename(roots.cwd), "directory name"
    from ameide import vcs

    url = vcs.origin_url(roots.git_root, env)
    if url:
        tail = url.rstrip("/").replace(":", "/").rsplit("/", 1)[-1]
        return tail.removesuffix(".git"), f"remote origin {url}"
    return os.path.basename(roots.git_root), "checkout directory name"


def detect(
    roots: Roots,
    env: Mapping[str, str],
    *,
    workspace: str | None = None,
    cache_dir: str | None = None,
) -> Detected:
    """The active profile. `workspace` (from `--workspace-root`) states the layout explicitly."""

    def done(name: str, source: str, detail: str) -> Detected:
        profile = load(name, env, where=f"from {detail}", cache_dir=cache_dir)
        ws = ws_dir if ws_name == name else None
        return Detected(profile, source, detail, ws, roots)

    if workspace is not None:
        ws_dir = os.path.realpath(workspace)
        ws_name: str | None = os.path.basename(ws_dir)
    else:
        found = layout(roots, env)
        ws_name, ws_dir = found if found else (None, "")

    for top in dict.fromkeys(p for p in (roots.root, roots.git_root) if p):
        path = os.path.join(top, PROFILE_FILE)
        name = _read_profile_file(path)
        if name is not None:
            return done(name, "file", path)
    if env.get(ENV, "").strip():
        return done(env[ENV].strip(), "env", f"{ENV}={env[ENV].strip()}")
    if ws_name is not None:
        how = "--workspace-root" if workspace is not None else "workspace layout"
        if ws_name not in known(env):
            raise unknown_profile(
                ws_name, f"from the {how} {ws_dir}", env, also=f"or choose one with {ENV}"
            )
        return done(ws_name, "workspace", f"{how} {ws_dir}")
    name, how = repo_name(roots, env)
    if name.endswith(GITOPS_SUFFIX):
        return done("gitops", "repo-name", f"repository {name!r} ({how}) ends in -gitops")
    return done(DEFAULT_PROFILE, "default", "no file, variable, layout or -gitops name chose one")
