"""ameide.toml -> a validated, frozen Config. Errors name the file, the key and the fix."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from typing import TYPE_CHECKING

from ameide.errors import ConfigError
from ameide.records import field, record

if TYPE_CHECKING:
    from collections.abc import Callable, Collection
    from typing import Any

FILE = "ameide.toml"
SCHEMA_VERSION = 2  # bump when validation gets stricter (cached results are by version)
_KEYS_HELP = (
    'known tables: [toolchain], [affected], [targets."<id>"], [run], [env], [workspace], '
    "[cache], [forge]; see docs/config.md"
)


def url_problem(url: str) -> str | None:
    """What is wrong with an http(s) URL from the configuration or the environment (None
    when it is usable): checked up front, so a typo is an error naming its source, not a
    traceback from deep inside an HTTP client."""
    from urllib.parse import urlsplit

    if not url.lower().startswith(("http://", "https://")):
        return "not an http(s) URL"
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return "a URL cannot contain spaces or control characters"
    try:
        parts = urlsplit(url)
    except ValueError:
        return "an unclosed [ in the host" if "[" in url else "not a valid URL"
    try:
        port = parts.port
    except ValueError:
        raw = parts.netloc.rsplit("@", 1)[-1].rsplit("]", 1)[-1].partition(":")[2]
        if raw.isdigit():
            return f"port {raw} is out of range (1-65535)"
        return f"port {raw!r} is not a number"
    if port == 0:
        return "port 0 is out of range (1-65535)"
    if not parts.hostname:
        return "no host"
    return None


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
    env: dict[str, Any] = field(default_factory=dict)  # [env]: what tasks see

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
            env=dict(d.get("env") or {}),
        )


def unknown_targets(config: Config, known: Collection[str]) -> list[str]:
    """One line per `[targets."<id>"]` table naming no target in `known`, with the nearest
    ids: `targets."go:nope": no such target (did you mean "go:x"?)`. Empty when all exist."""
    unknown = [tid for tid in sorted(config.targets) if tid not in known]
    if not unknown:
        return []
    ids = sorted(known)
    lines = []
    for tid in unknown:
        near = " or ".join(f'"{n}"' for n in _nearest(tid, ids))
        lines.append(
            f'targets."{tid}": no such target' + (f" (did you mean {near}?)" if near else "")
        )
    return lines


def check_targets(config: Config, known: Collection[str]) -> None:
    """Every `[targets."<id>"]` table must name a target that exists: an override with a
    typo'd id would otherwise be ignored without a word. Raises ConfigError (exit 2) naming
    the file, each unknown key and the nearest ids."""
    problems = unknown_targets(config, known)
    if not problems:
        return
    lines = [f"{config.path or FILE}: invalid configuration"] + [f"  {p}" for p in problems[:10]]
    if len(problems) > 10:
        lines.append(f"  ... and {len(problems) - 10} more")
    raise ConfigError(
        "\n".join(lines),
        hint='use an id `ameide targets` lists, or remove the [targets."<id>"] table; '
        "see docs/config.md",
        path=config.path,
    )


def _nearest(name: str, ids: list[str]) -> list[str]:
    """The ids closest to `name` (difflib), at most three. Ids of one ecosystem share long
    prefixes (`go:example.com/monorepo/lib/...`), so only those about as close as the best
    one are named, not every sibling of the right package."""
    from difflib import SequenceMatcher

    m = SequenceMatcher(autojunk=False)
    m.set_seq2(name)
    scored = []
    for i in ids:
        m.set_seq1(i)
        if m.real_quick_ratio() >= 0.6 and m.quick_ratio() >= 0.6:
            scored.append((m.ratio(), i))
    scored = sorted((s for s in scored if s[0] >= 0.6), key=lambda s: (-s[0], s[1]))
    return [i for r, i in scored[:3] if r >= scored[0][0] - 0.05]


def _validate(data: dict[str, Any]) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    from ameide.config_schema import validate  # pydantic: only when the file is new

    return validate(data)


def load(root: str, cache_dir: str | None = None) -> Config:
    """Read `<root>/ameide.toml` (optional). Valid content is cached by hash in `cache_dir`."""
    path = os.path.join(root, FILE)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        return Config.from_data(None, "", {})
    except OSError as exc:  # a directory, unreadable, ...: the user's file, not our bug
        raise ConfigError(
            f"{path}: cannot read it ({exc.strerror or exc})",
            hint="ameide.toml must be a readable file (or absent: every table is optional)",
            path=path,
        ) from None
    digest = hashlib.sha256(raw).hexdigest()[:20]
    # the schema's version is in the name: a file validated by an older, laxer ameide is
    # validated again
    # and so are the ecosystems that decide some of its keys ([toolchain] tools)
    from ameide.ecosystems import REGISTRY

    plugins = hashlib.sha256(REGISTRY.digest().encode()).hexdigest()[:8]
    name = f"config-{SCHEMA_VERSION}-{plugins}-{digest}.json"
    cache_file = os.path.join(cache_dir, name) if cache_dir else None
    normalized = validated_toml(
        path,
        raw,
        cache_file,
        _validate,
        what="configuration",
        syntax_hint="fix the syntax (https://toml.io); every table is optional",
        keys_hint=_KEYS_HELP,
    )
    return Config.from_data(path, digest, normalized)


Problems = list[tuple[str, str]]


def validated_toml(
    path: str,
    raw: bytes,
    cache_file: str | None,
    validate: Callable[[dict[str, Any]], tuple[dict[str, Any] | None, Problems]],
    *,
    what: str,
    syntax_hint: str,
    keys_hint: str,
) -> dict[str, Any]:
    """Parse and validate a TOML file, reusing a result cached by content in `cache_file`.

    The schema (a pydantic model behind `validate`) is imported only on a miss; a damaged
    cache entry is a miss; a read-only cache directory only costs speed."""
    if cache_file and os.path.isfile(cache_file):
        try:
            with open(cache_file, encoding="utf-8") as fh:
                cached: dict[str, Any] = json.load(fh)
                return cached
        except (OSError, ValueError):
            pass
    import tomllib

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}", hint=syntax_hint, path=path) from None
    normalized, problems = validate(data)
    if normalized is None:
        lines = [f"{path}: invalid {what}"] + [f"  {k}: {m}" for k, m in problems[:10]]
        raise ConfigError("\n".join(lines), hint=keys_hint, path=path)
    if cache_file:
        from ameide.fsutil import atomic_write_text

        with contextlib.suppress(OSError):
            atomic_write_text(cache_file, json.dumps(normalized))
    result: dict[str, Any] = normalized
    return result
