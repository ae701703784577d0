"""Agent profiles as data: `<profiles dir>/<name>/profile.toml` + its instruction file.

Profiles ship inside the package (`ameide/profiles/`, package data, so an installed ameide finds
them) and may come from extra directories named by `AMEIDE_PROFILES_PATH`. Adding a profile is
adding a directory; no code. `profile.toml` is validated by the pydantic model in
agents/profile_schema.py; valid content is cached by hash so `ameide test` stays light.
"""

from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING

from ameide.errors import ConfigError, UsageError
from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

PROFILE_FILE = "profile.toml"
PATH_ENV = "AMEIDE_PROFILES_PATH"
_CACHE_VERSION = "1"


def builtin_dir() -> str:
    """The profiles shipped with ameide (package data next to this package)."""
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "profiles")


@record
class CheckSpec:
    """An extra phase-0 check of a profile: a built-in or a command."""

    name: str
    builtin: str | None
    run: tuple[str, ...]
    when: tuple[str, ...]
    exclude: tuple[str, ...]
    cwd: str
    timeout: float


@record
class Profile:
    name: str
    description: str
    dir: str  # absolute directory of the profile
    origin: str  # "built-in" or the AMEIDE_PROFILES_PATH entry it came from
    instructions: str  # absolute path of the instruction file (AGENTS.md)
    required_sections: tuple[str, ...]
    allowed: tuple[str, ...]
    forbidden: tuple[str, ...]
    pr_allowed: bool
    branch_prefix: str
    pr_enable_env: str | None
    checks: tuple[CheckSpec, ...]

    def instructions_text(self) -> str:
        try:
            with open(self.instructions, encoding="utf-8") as fh:
                return fh.read()
        except OSError as exc:
            raise ConfigError(
                f"{self.instructions}: cannot read the instructions of profile "
                f"{self.name!r}: {exc.strerror}",
                hint=f"add the file, or set [instructions] file in {self.dir}/{PROFILE_FILE}",
                path=self.instructions,
            ) from None

    def prs_allowed(self, env: Mapping[str, str]) -> tuple[bool, str]:
        """Whether this profile may open PRs here, and why."""
        if self.pr_allowed:
            return True, "the profile allows them"
        if self.pr_enable_env and env.get(self.pr_enable_env, "").lower() in ("1", "true", "yes"):
            return True, f"{self.pr_enable_env}={env[self.pr_enable_env]} enables them"
        how = f" (set {self.pr_enable_env}=1 to enable)" if self.pr_enable_env else ""
        return False, f"the profile does not allow them{how}"


def search_dirs(env: Mapping[str, str]) -> list[tuple[str, str]]:
    """(directory, origin) in lookup order: AMEIDE_PROFILES_PATH entries, then the built-ins."""
    out = [
        (os.path.abspath(p), PATH_ENV) for p in env.get(PATH_ENV, "").split(os.pathsep) if p.strip()
    ]
    out.append((builtin_dir(), "built-in"))
    return out


def known(env: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """name -> (profile dir, origin); the first directory naming a profile wins."""
    found: dict[str, tuple[str, str]] = {}
    for top, origin in search_dirs(env):
        try:
            names = sorted(os.listdir(top))
        except OSError:
            continue
        for name in names:
            d = os.path.join(top, name)
            if name not in found and os.path.isfile(os.path.join(d, PROFILE_FILE)):
                found[name] = (d, origin)
    return dict(sorted(found.items()))


def unknown_profile(name: str, where: str, env: Mapping[str, str], *, also: str = "") -> UsageError:
    names = ", ".join(known(env)) or "(none found)"
    return UsageError(
        f"unknown agent profile {name!r} ({where})",
        hint=f"known profiles: {names}; {also + '; ' if also else ''}a new profile is a "
        "directory with profile.toml and AGENTS.md (docs/profiles.md)",
    )


def load(
    name: str, env: Mapping[str, str], *, where: str = "", cache_dir: str | None = None
) -> Profile:
    """The profile called `name`; an unknown name is a UsageError listing the known ones."""
    entry = known(env).get(name)
    if entry is None:
        raise unknown_profile(name, where or "requested", env)
    return load_dir(entry[0], entry[1], cache_dir=cache_dir)


def load_all(env: Mapping[str, str], cache_dir: str | None = None) -> list[Profile]:
    return [load_dir(d, origin, cache_dir=cache_dir) for d, origin in known(env).values()]


def load_dir(path: str, origin: str = "built-in", *, cache_dir: str | None = None) -> Profile:
    """Read and validate `<path>/profile.toml`; errors name the file, the key and the fix."""
    file = os.path.join(path, PROFILE_FILE)
    try:
        with open(file, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror}", path=file) from None
    data = _validated(file, raw, cache_dir)
    name = os.path.basename(os.path.normpath(path))
    if data["name"] != name:
        raise ConfigError(
            f"{file}: invalid profile\n  name: {data['name']!r} differs from the directory "
            f"name {name!r}",
            hint="a profile's name is its directory's name; make them agree",
            path=file,
        )
    return _from_data(path, origin, data)


def _validated(file: str, raw: bytes, cache_dir: str | None) -> dict[str, Any]:
    digest = hashlib.sha256(raw + _CACHE_VERSION.encode()).hexdigest()[:20]
    cache_file = os.path.join(cache_dir, f"profile-{digest}.json") if cache_dir else None
    from ameide.config import validated_toml

    return validated_toml(
        file,
        raw,
        cache_file,
        _validate,
        what="profile",
        syntax_hint="fix the syntax (https://toml.io); see docs/profiles.md for the keys",
        keys_hint="keys: schema, name, description, [instructions], [paths], [pr], [[checks]] "
        "(docs/profiles.md)",
    )


def _validate(data: dict[str, Any]) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    from ameide.agents.profile_schema import validate  # pydantic: only when the file is new

    return validate(data)


def _from_data(path: str, origin: str, d: dict[str, Any]) -> Profile:
    checks = tuple(
        CheckSpec(
            name=c["name"],
            builtin=c["builtin"],
            run=tuple(c["run"] or ()),
            when=tuple(c["when"]),
            exclude=tuple(c["exclude"]),
            cwd=c["cwd"],
            timeout=float(c["timeout"]),
        )
        for c in d["checks"]
    )
    return Profile(
        name=d["name"],
        description=d["description"],
        dir=os.path.abspath(path),
        origin=origin,
        instructions=os.path.join(os.path.abspath(path), d["instructions"]["file"]),
        required_sections=tuple(d["instructions"]["required_sections"]),
        allowed=tuple(d["paths"]["allowed"]),
        forbidden=tuple(d["paths"]["forbidden"]),
        pr_allowed=bool(d["pr"]["allowed"]),
        branch_prefix=d["pr"]["branch_prefix"],
        pr_enable_env=d["pr"]["enable_env"],
        checks=checks,
    )
