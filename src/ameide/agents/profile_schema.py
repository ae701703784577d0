"""The pydantic schema of a profile's `profile.toml`. Imported only when a file's content is
new: validated profiles are cached by content hash (see agents/profiles.py), so `ameide test`
does not pay pydantic's import on every run."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

BUILTIN_CHECKS = ("yaml", "secrets")
_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_PREFIX = re.compile(r"^[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*[/-]$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _globs(v: list[str]) -> list[str]:
    for g in v:
        if not g.strip():
            raise ValueError("a glob may not be empty")
        if g.startswith("/") or g.startswith("../") or "/../" in g:
            raise ValueError(f"{g!r}: globs are relative to the monorepo root")
    return v


class Instructions(_Strict):
    file: str = Field("AGENTS.md", description="the instruction file inside the profile dir")
    required_sections: list[str] = Field(
        default_factory=lambda: ["Test", "Scope", "Pull requests", "Evidence"],
        description="headings `ameide agents check` requires (case-insensitive prefix match)",
    )


class Paths(_Strict):
    allowed: list[str] = Field(default_factory=lambda: ["**"])
    forbidden: list[str] = Field(default_factory=list)

    _check = field_validator("allowed", "forbidden")(_globs)


class PullRequests(_Strict):
    allowed: bool = True
    branch_prefix: str = "codex/"
    enable_env: str | None = Field(
        None, description="an environment variable that, set to 1/true, allows PRs anyway"
    )

    @field_validator("branch_prefix")
    @classmethod
    def _prefix(cls, v: str) -> str:
        if not _PREFIX.match(v) or ".." in v:
            raise ValueError(
                f"{v!r} is not a branch prefix: use letters, digits, '.', '_', '-' and '/', "
                "ending in '/' or '-' (e.g. 'codex/')"
            )
        return v


class Check(_Strict):
    name: str
    builtin: Literal["yaml", "secrets"] | None = None
    run: list[str] | None = Field(None, description="argv; '{files}' expands to matched files")
    when: list[str] = Field(
        default_factory=lambda: ["**"], description="runs when a changed file matches"
    )
    exclude: list[str] = Field(default_factory=list, description="changed files to leave out")
    cwd: str = "."
    timeout: float = Field(300.0, gt=0)

    _check = field_validator("when", "exclude")(_globs)

    @model_validator(mode="after")
    def _one_kind(self) -> Check:
        if (self.builtin is None) == (self.run is None):
            raise ValueError("give exactly one of `builtin` or `run`")
        if self.run is not None and not self.run:
            raise ValueError("`run` needs at least the command")
        return self


class ProfileModel(_Strict):
    schema_: int = Field(1, alias="schema")
    name: str
    description: str
    instructions: Instructions = Field(default_factory=Instructions)
    paths: Paths = Field(default_factory=Paths)
    pr: PullRequests = Field(default_factory=PullRequests)
    checks: list[Check] = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("schema_")
    @classmethod
    def _schema(cls, v: int) -> int:
        if v != 1:
            raise ValueError("this ameide reads profile schema 1")
        return v

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not _NAME.match(v):
            raise ValueError("lower-case letters, digits and '-', starting with a letter")
        return v

    @model_validator(mode="after")
    def _unique_checks(self) -> ProfileModel:
        names = [c.name for c in self.checks]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"check names must be unique: {', '.join(dup)}")
        return self


def validate(data: dict[str, Any]) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """(normalized data, []) when valid, else (None, [(key, message), ...])."""
    try:
        model = ProfileModel.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "(top level)"
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            problems.append((key, msg.removeprefix("Value error, ")))
        return None, problems
    return model.model_dump(by_alias=True), []


def json_schema() -> dict[str, Any]:
    return ProfileModel.model_json_schema(by_alias=True)
