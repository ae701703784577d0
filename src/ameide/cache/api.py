"""`ameide cache info|clean`: what the local store holds and which settings apply here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ameide.cache.settings import CacheSettings
    from ameide.cache.store import Usage
    from ameide.config import Config


@record
class CacheInfo:
    settings: CacheSettings
    usage: Usage
    config_path: str | None  # the ameide.toml read (None outside a repo or without one)
    root: str | None  # the monorepo root, None outside a git repository


@record
class CleanResult:
    dir: str
    removed: int
    bytes: int


def _config(cwd: str, env: Mapping[str, str]) -> tuple[Config, str | None]:
    from ameide import vcs
    from ameide.config import Config, load
    from ameide.discovery import cache_dir_for
    from ameide.errors import EnvError

    try:
        repo = vcs.open_repo(cwd, env)
    except EnvError:  # outside a repository: the user-level defaults
        return Config.from_data(None, "", {}), None
    return load(repo.root, cache_dir_for(repo.git_dir)), repo.root


def info(cwd: str, env: Mapping[str, str]) -> CacheInfo:
    from ameide.cache.settings import settings
    from ameide.cache.store import LocalStore

    config, root = _config(cwd, env)
    s = settings(config, env)
    return CacheInfo(s, LocalStore(s.dir, s.max_bytes).usage(), config.path, root)


def clean(cwd: str, env: Mapping[str, str]) -> CleanResult:
    from ameide.cache.settings import user_cache_dir
    from ameide.cache.store import LocalStore

    d = user_cache_dir(env)
    removed, freed = LocalStore(d, 0).clean()
    return CleanResult(d, removed, freed)
