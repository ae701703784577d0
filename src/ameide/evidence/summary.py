"""summary.json: the pydantic models of a run's evidence (`"schema": 1`).

docs/summary.schema.json is generated from these models (`python -m ameide.evidence.summary`)
and a test keeps the committed copy current. Field-by-field documentation: docs/test.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BaseInfo(_M):
    ref: str | None = Field(description="the ref compared with, as named or found")
    commit: str | None = Field(description="the merge-base commit; null = empty tree")
    source: str = Field(description="how the base was chosen")


class ChangedFileInfo(_M):
    path: str
    status: str = Field(description="added | modified | deleted | untracked | typechange")
    kind: str = Field(
        description="owned | global | module | lockfile | deleted | ignored | unowned"
    )
    owners: list[str]


class TargetInfo(_M):
    id: str
    ecosystem: str
    path: str
    direct: bool = Field(description="changed itself (true) or a dependent (false)")
    reason: str = Field(description="the reason chain, e.g. 'pnpm:web <- pnpm:ui <- changed x'")


class TestCounts(_M):
    total: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0


class TaskInfo(_M):
    id: str
    phase: int
    kind: str = Field(
        description="install | vet | collect | typecheck | buf-lint | buf-format | "
        "buf-breaking | codegen | unit | lint | integration | toolchain | guardrails | "
        "profile-check"
    )
    ecosystem: str
    targets: list[str]
    command: list[str] = Field(description="argv; empty for built-in checks")
    cwd: str = Field(description="working directory, relative to the monorepo root")
    status: Literal["passed", "failed", "timeout", "error", "cancelled", "skipped"]
    exit_code: int | None
    duration: float = Field(description="seconds")
    cached: bool = Field(default=False, description="result replayed from the cache")
    cache_key: str | None = Field(
        default=None, description="the task's cache key; null when it is never cached"
    )
    cache_source: Literal["local", "remote"] | None = Field(
        default=None, description="where a cached result came from"
    )
    original_duration: float | None = Field(
        default=None, description="seconds the recorded run took (cached tasks)"
    )
    start: float | None = Field(
        default=None,
        description="seconds after the run started that a worker took the task (null: never "
        "started); report.html's timeline",
    )
    worker: int | None = Field(
        default=None,
        description="the phase's worker (0 .. AMEIDE_JOBS-1) that ran or replayed the task; "
        "null for built-in checks decided before the phase and tasks never started",
    )
    log: str | None = Field(description="log path relative to the run directory")
    junit: str = Field(description="where this task's cases are: the phase's junit.xml")
    junit_source: Literal["native", "converted", "synthetic"]
    tests: TestCounts
    message: str = ""


class PhaseInfo(_M):
    phase: int
    name: str
    status: Literal["passed", "failed", "interrupted", "not-run", "empty"]
    duration: float
    junit: str | None
    tasks: list[TaskInfo]


class FirstFailure(_M):
    task: str
    phase: int
    targets: list[str]
    command: str
    cwd: str = Field(".", description="where the command ran, relative to the monorepo root")
    test: str | None = Field(description="the first failing test case, when known")
    excerpt: str = Field(
        description="the failure as an agent reads it: at most 20 lines, the location "
        "(`file:line: test`) first (second after a timeout's message), then the assertion "
        "once; no terminal codes or leftover entities (docs/test.md, `The excerpt`)"
    )
    file: str | None = None
    line: int | None = None


class GuardrailViolation(_M):
    path: str
    status: str = Field(description="how the file changed")
    rule: Literal["forbidden", "not-allowed"]
    pattern: str = Field(description="the forbidden glob that fired, or the allowed globs")


class GuardrailExemption(_M):
    path: str
    rule: Literal["forbidden", "not-allowed"]
    pattern: str
    glob: str = Field(description="the allowlist glob that exempted the file")
    line: int


class GuardrailAllowlist(_M):
    path: str = Field(description="absolute path of .ameide/test-contract-allowlist.txt")
    globs: list[str]
    exempted: list[GuardrailExemption]
    unused: list[str] = Field(description="globs that exempted nothing in this change")


class GuardrailsInfo(_M):
    profile: str
    source: Literal["file", "env", "workspace", "repo-name", "default"] = Field(
        description="how the profile was found (docs/profiles.md)"
    )
    detail: str
    status: Literal["passed", "failed"]
    checked: int = Field(description="changed files checked")
    allowed: list[str]
    forbidden: list[str]
    violations: list[GuardrailViolation]
    allowlist: GuardrailAllowlist | None
    config_changed: list[str] = Field(
        description="guardrail configuration files (.ameide/...) among the changed files"
    )


class Totals(_M):
    tasks: int
    passed: int
    failed: int
    tests: int
    test_failures: int
    duration: float
    cached: int = Field(default=0, description="tasks replayed from the cache")


class RemoteCacheInfo(_M):
    url: str
    team: str | None
    read_only: bool
    read_only_reason: str | None = Field(description="why uploads are off (a PR build, ...)")
    signed: bool = Field(description="artifacts are signed and verified (x-artifact-tag)")
    status: Literal["ok", "failed"] = Field(
        description="failed: switched off for the rest of the run after a failure"
    )
    downloads: int
    download_bytes: int
    download_seconds: float
    uploads: int
    rejected: int = Field(description="downloads that failed verification (ignored)")
    warning: str | None


class CacheInfo(_M):
    enabled: bool
    reason: str | None = Field(description="why the cache is off")
    dir: str | None = Field(description="the local store (user cache directory)")
    hits: int
    remote_hits: int
    misses: int = Field(description="cacheable tasks that had to run")
    stored: int = Field(description="results stored (successful runs only)")
    damaged: int = Field(description="local entries that failed verification (deleted)")
    uncacheable: int = Field(description="tasks of kinds that are never cached")
    remote: RemoteCacheInfo | None


class ShardInfo(_M):
    index: int = Field(description="this shard, 1-based (AMEIDE_SHARD=index/total)")
    total: int
    tasks: int = Field(description="tasks assigned to this shard")
    of: int = Field(description="tasks partitioned over all shards")
    replicated: list[str] = Field(description="installs run by every shard that needs them")
    weights: Literal["shared", "estimate"] = Field(
        description="shared: durations from AMEIDE_SHARD_WEIGHTS; estimate: by task kind"
    )
    known: int = Field(description="tasks whose duration the weights named")
    estimate: float = Field(description="expected seconds of this shard's tasks")


class TaskEnvInfo(_M):
    mode: Literal["inherit", "strict"] = Field(
        description="inherit: everything but credentials; strict: basics, key inputs, pass"
    )
    withheld: list[str] = Field(
        description="credentials in ameide's environment that no task saw (names only)"
    )
    passed: list[str] = Field(description="deny-listed variables [env] pass let through")


class Summary(_M):
    schema_: int = Field(SCHEMA_VERSION, alias="schema")
    run_id: str
    mode: Literal["test", "ci", "run"]
    root: str
    started_at: str = Field(description="UTC, ISO 8601")
    finished_at: str
    base: BaseInfo | None
    head: str | None
    branch: str | None
    dirty: bool = Field(description="the work tree had uncommitted changes")
    everything: bool
    changed_files: list[ChangedFileInfo]
    targets: list[TargetInfo]
    notes: list[str] = Field(description="why some targets have no task in some phase")
    phases: list[PhaseInfo]
    result: Literal["passed", "failed", "interrupted", "error"]
    exit_code: int
    first_failure: FirstFailure | None
    totals: Totals
    shard: ShardInfo | None = Field(None, description="CI sharding (AMEIDE_SHARD); null = all")
    cache: CacheInfo | None = Field(None, description="the task result cache in this run")
    warnings: list[str] = Field(default_factory=list)
    guardrails: GuardrailsInfo | None = Field(
        None, description="the profile's path guardrails over the changed files (phase 0)"
    )
    task_env: TaskEnvInfo | None = Field(
        None, description="what tasks saw of the environment (docs/config.md [env])"
    )

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2) + "\n"


def json_schema() -> dict[str, object]:
    return Summary.model_json_schema(by_alias=True)


if __name__ == "__main__":  # regenerate docs/summary.schema.json
    import json
    import sys

    sys.stdout.write(json.dumps(json_schema(), indent=2) + "\n")
