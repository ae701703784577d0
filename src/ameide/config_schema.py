"""The pydantic schema of ameide.toml. Imported only when a file's content is new: validated
results are cached by content hash (see config.py), keeping start-up fast."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError


def _url(value: str) -> str:
    from ameide.config import url_problem

    problem = url_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _command(value: list[str]) -> list[str]:
    if not value:
        raise ValueError(
            "an empty command: remove the key to run the default command, set skip = true "
            'to skip the target, or give a command that does nothing (["true"])'
        )
    if not value[0]:
        raise ValueError("the program (the first element) is empty")
    return value


Url = Annotated[str, AfterValidator(_url)]
Command = Annotated[list[str], AfterValidator(_command)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ToolSource(_Strict):
    """Where `ameide toolchain install` gets one tool (docs/workspace.md)."""

    kind: Literal["pypi", "npm", "archive"]
    package: str | None = None
    url: str | None = None
    sha256: dict[str, str] = Field(default_factory=dict)
    bin: str | None = None
    links: dict[str, str] = Field(default_factory=dict)


class ToolchainPins(_Strict):
    go: str | None = None
    node: str | None = None
    pnpm: str | None = None
    uv: str | None = None
    buf: str | None = None
    sources: dict[Literal["go", "uv", "pnpm", "buf", "node"], ToolSource] = Field(
        default_factory=dict
    )


class WorkspaceSettings(_Strict):
    code_server_url: Url | None = None
    codex_secrets_dir: str | None = None


class ForgeSettings(_Strict):
    """Where `ameide pr open|status` opens pull requests (docs/workflows.md)."""

    kind: Literal["github"] | None = None
    remote: str = Field(default="origin", min_length=1)
    repo: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
    api_url: Url | None = None


class AffectedSettings(_Strict):
    global_: list[str] = Field(default_factory=list, alias="global")
    ignore: list[str] = Field(default_factory=list)


class TargetOverride(_Strict):
    contract: Command | None = None
    unit: Command | None = None
    integration: Command | None = None
    skip: bool = False
    timeout: float | None = Field(default=None, gt=0)
    cache: bool = True


# task kinds whose successful results may be cached (docs/cache.md); installs, codegen freshness
# and profile checks are never cached: they have effects or inputs outside the cache key
CACHEABLE_KIND = Literal[
    "vet",
    "collect",
    "typecheck",
    "lint",
    "unit",
    "integration",
    "buf-lint",
    "buf-format",
    "buf-breaking",
    "contract",
]


class RemoteCacheSettings(_Strict):
    """`[cache.remote]`: a Turborepo remote-cache server (docs/cache.md)."""

    enabled: bool = True
    url: Url | None = None
    team: str | None = None
    read_only: bool = False
    signature_key_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    timeout: float = Field(default=2.0, gt=0, le=60)


class CacheSettings(_Strict):
    """`[cache]`: the task result cache (docs/cache.md)."""

    enabled: bool = True
    max_size_mb: int = Field(default=2048, ge=1)
    kinds: list[CACHEABLE_KIND] | None = None
    env: list[str] = Field(default_factory=list)
    remote: RemoteCacheSettings = Field(default_factory=RemoteCacheSettings)


class EnvSettings(_Strict):
    """`[env]`: what tasks see of ameide's environment (docs/config.md)."""

    mode: Literal["inherit", "strict"] = "inherit"
    pass_: list[Annotated[str, Field(pattern=r"^[^=\s\x00]+$")]] = Field(
        default_factory=list, alias="pass"
    )


class RunSettings(_Strict):
    timeout: float = Field(default=900.0, gt=0)
    jobs: int | None = Field(default=None, ge=1)


class AmeideConfigModel(_Strict):
    toolchain: ToolchainPins = Field(default_factory=ToolchainPins)
    affected: AffectedSettings = Field(default_factory=AffectedSettings)
    targets: dict[str, TargetOverride] = Field(default_factory=dict)
    run: RunSettings = Field(default_factory=RunSettings)
    workspace: WorkspaceSettings = Field(default_factory=WorkspaceSettings)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    forge: ForgeSettings = Field(default_factory=ForgeSettings)
    env: EnvSettings = Field(default_factory=EnvSettings)


def validate(data: dict[str, Any]) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """(normalized data, []) when valid, else (None, [(key, message), ...])."""
    problems = [(key, "a NUL byte is not allowed here") for key in _nul_keys(data)]
    try:
        model = AmeideConfigModel.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            key = _key(err["loc"])
            if err["type"] == "extra_forbidden":
                problems.append((key, "unknown key"))
            elif err["type"] == "value_error":
                problems.append((key, str(err["msg"]).removeprefix("Value error, ")))
            else:
                problems.append((key, err["msg"]))
    if problems:
        return None, problems
    return model.model_dump(by_alias=True), []


def _key(parts: tuple[int | str, ...]) -> str:
    """A dotted key as TOML writes it: `targets."go:example.com/x".unit`."""
    return ".".join(
        p
        if isinstance(p, str) and re.fullmatch(r"[A-Za-z0-9_-]+", p)
        else (str(p) if isinstance(p, int) else json.dumps(p))
        for p in parts
    )


def _nul_keys(value: Any, key: str = "") -> list[str]:
    """Keys whose string (or table key) holds a NUL byte: no command, path or name the
    operating system is handed can contain one."""
    if isinstance(value, str):
        return [key] if "\0" in value else []
    if isinstance(value, dict):
        out = []
        for k, v in value.items():
            sub = f"{key}.{_key((k,))}" if key else _key((k,))
            out += [sub] if "\0" in str(k) else _nul_keys(v, sub)
        return out
    if isinstance(value, list):
        return [k for i, v in enumerate(value) for k in _nul_keys(v, f"{key}.{i}")]
    return []


def json_schema() -> dict[str, Any]:
    return AmeideConfigModel.model_json_schema(by_alias=True)
