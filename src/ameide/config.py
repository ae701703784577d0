"""ameide.toml -> a validated, frozen Config. Errors name the file, the key and the fix."""

from __future__ import annotations

import hashlib
import json
import os
from typing import TYPE_CHECKING

from ameide.errors import ConfigError
from ameide.records import field, record

if TYPE_CHECKING:
    from typing import Any

FILE = "ameide.toml"
_KEYS_HELP = (
    'known tables: [toolchain], [affected], [targets."<id>"], [run], [workspace], [cache], '
    "[forge]; see docs/config.md"
)


@record
class Config:
    path: str | None  # absolute path of the ameide.toml read, None when absent
    digest: str  # content hash ("" when absent): part of every cache key
    toolchain: dict[str, str | None] = field(default_factory=dict)
    affected_global: tuple[str, ...] = ()
    affected_ignore: tuple[str, ...] = ()
    targets: dict[str, dict[str, Any]] = field(default_factory=dict)
    run: dict[str, Any] = field(default_factory=dict)
    toolchain_sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    workspace: dict[str, Any] = field(default_factory=dict)
    forge: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)  # [cache] (docs/cache.md)

    @classmethod
    def from_data(cls, path: str | None, digest: str, d: dict[str, Any]) -> Config:
        return cls(
            path=path,
            digest=digest,
            toolchain={k: v for k, v in (d.get("toolchain") or {}).items() if k != "sources"},
            affected_global=tuple(d.get("affected", {}).get("global", ())),
            affected_ignore=tuple(d.get("affected", {}).get("ignore", ())),
            targets=dict(d.get("targets") or {}),
            run=dict(d.get("run") or {}),
            toolchain_sources=dict((d.get("toolchain") or {}).get("sources") or {}),
            workspace=dict(d.get("workspace") or {}),
            forge=dict(d.get("forge") or {}),
            cache=dict(d.get("cache") or {}),
        )


def load(root: str, cache_dir: str | None = None) -> Config:
    """Read `<root>/ameide.toml` (optional). Valid content is cached by hash in `cache_dir`."""
    path = os.path.join(root, FILE)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        return Config.from_data(None, "", {})
    digest = hashlib.sha256(raw).hexdigest()[:20]
    cache_file = os.path.join(cache_dir, f"config-{digest}.json") if cache_dir else None
    if cache_file and os.path.isfile(cache_file):
        try:
            with open(cache_file, encoding="utf-8") as fh:
                return Config.from_data(path, digest, json.load(fh))
        except (OSError, ValueError):
            pass  # a damaged cache entry is a miss
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{path}: invalid TOML: {exc}",
            hint="fix the syntax (https://toml.io); every table is optional",
            path=path,
        ) from None
    from ameide.config_schema import validate

    normalized, problems = validate(data)
    if normalized is None:
        lines = [f"{path}: invalid configuration"]
        lines += [f"  {key}: {msg}" for key, msg in problems[:10]]
        raise ConfigError("\n".join(lines), hint=_KEYS_HELP, path=path)
    if cache_file:
        from ameide.fsutil import atomic_write_text

        atomic_write_text(cache_file, json.dumps(normalized))
    return Config.from_data(path, digest, normalized)
