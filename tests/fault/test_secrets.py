"""No secret reaches a task, and none lands in any output, log, summary, JUnit file or cache
entry (issue 12, items 2 and 3). Every credential is a unique sentinel; after runs that pass,
fail, upload to a remote, hit it and meet a remote that echoes the token back, every byte ameide
wrote or printed is searched (cache entries decompressed) and the count must be 0."""

from __future__ import annotations

import secrets
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from ameide.cache.artifact import MAGIC
from tests.cache.conftest import FakeGo, MakeGoRepo
from tests.conftest import load_summary, write_files
from tests.fault.servers import Hostile, Turbo, echo_auth

pytestmark = pytest.mark.fault

RunCli = Callable[[list[str], Path], tuple[int, str, str]]
CHANGE = {"b/b.go": "package b\n\nfunc B() int { return 2 }\n"}
B = "go:example.com/m/b"

# every name a task must not see by default, each with a sentinel value
DENIED = (
    "TURBO_TOKEN",
    "GH_TOKEN",
    "GITHUB_TOKEN",
    "GITLAB_TOKEN",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "AZURE_CLIENT_SECRET",
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "CODEX_API_KEY",
    "NPM_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "MY_SERVICE_API_KEY",  # by pattern
)
OWN_TOKEN = "AMEIDE_REMOTE_CACHE_TOKEN"


def sentinel(name: str) -> str:
    return f"sntl-{name.lower().replace('_', '-')}-{secrets.token_hex(6)}"


@pytest.fixture
def sentinels(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {n: sentinel(n) for n in (*DENIED, OWN_TOKEN)}
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    # the own token again under a name no list knows: found by its value
    monkeypatch.setenv("COPY_OF_THE_TOKEN", values[OWN_TOKEN])
    monkeypatch.setenv("FAULT_VISIBLE", "visible-to-tasks")
    return values


def run_env_task(run_cli: RunCli, go_repo: MakeGoRepo, toml: str) -> tuple[Path, str, str]:
    """A repo whose task for B prints its environment (and keeps a copy in $HOME, outside
    the evidence), after `toml` (more ameide.toml); `ameide test` there must pass:
    (repo, console output, the environment the task saw)."""
    task = 'unit = ["sh", "-c", "env | tee \\"$HOME/task-env.txt\\""]'
    repo = go_repo({"ameide.toml": f'{toml}\n[targets."{B}"]\n{task}\n'})
    write_files(repo, CHANGE)
    code, out, err = run_cli(["test"], repo)
    assert code == 0, out + err
    import os

    seen = (Path(os.environ["HOME"]) / "task-env.txt").read_text()
    return repo, out + err, seen


def env_dump_go(fake_go: FakeGo) -> Path:
    """Wrap the fake go so that every call (version checks, vet, test) records its
    environment: what the toolchain check and the tasks saw."""
    dump = fake_go.bin_dir.parent / "go-env.txt"
    real = fake_go.bin_dir / "go-real"
    (fake_go.bin_dir / "go").rename(real)
    wrapper = fake_go.bin_dir / "go"
    wrapper.write_text(f'#!/bin/sh\nenv >> "{dump}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    return dump


def everything_written(repo: Path, cache_dir: Path, extra: list[bytes]) -> bytes:
    """Every file under the evidence and the local cache (entries decompressed), plus the
    given blobs (console output, remote artifacts)."""
    blobs = list(extra)
    for base in (repo / "artifacts", cache_dir, repo / ".git" / "ameide"):
        if not base.exists():
            continue
        for p in base.rglob("*"):
            if p.is_file() and not p.is_symlink():
                blobs.append(inflate(p.read_bytes()))
    return b"\n".join(blobs)


def inflate(data: bytes) -> bytes:
    if data.startswith(MAGIC):
        return zlib.decompress(data[len(MAGIC) + 65 :])
    return data


def count(haystack: bytes, values: dict[str, str]) -> dict[str, int]:
    found = {k: haystack.count(v.encode()) for k, v in values.items()}
    return {k: n for k, n in found.items() if n}


def test_no_secret_reaches_a_task_or_anything_ameide_writes(
    run_cli: RunCli,
    fake_go: FakeGo,
    go_repo: MakeGoRepo,
    turbo: Callable[[str], Turbo],
    hostile: Callable[..., Hostile],
    sentinels: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    server = turbo(sentinels[OWN_TOKEN])
    cache_dir = tmp_path / "ameide-cache"
    monkeypatch.setenv("AMEIDE_CACHE_DIR", str(cache_dir))
    monkeypatch.setenv("AMEIDE_REMOTE_CACHE_URL", server.url)
    monkeypatch.setenv("AMEIDE_REMOTE_CACHE_TEAM", "team_x")
    dump = env_dump_go(fake_go)
    outputs: list[bytes] = []

    def run(repo: Path, *argv: str) -> int:
        code, out, err = run_cli(list(argv or ["test"]), repo)
        outputs.append((out + err).encode())
        return code

    # 1. a passing task that prints its environment: cached, uploaded
    ok = {"ameide.toml": f'[targets."{B}"]\nunit = ["sh", "-c", "env"]\n'}
    repo = go_repo(ok)
    write_files(repo, CHANGE)
    assert run(repo) == 0, outputs[-1].decode()
    log = next((repo / "artifacts/agent-ci/latest/phase1/logs").glob("*.log")).read_text()
    assert "FAULT_VISIBLE=visible-to-tasks" in log  # the dump is really there
    assert server.artifacts, "nothing was uploaded: the sweep would prove nothing"
    # 2. a read-only pull-request run of the same change on another clone: remote hits
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    monkeypatch.setenv("AMEIDE_CACHE_DIR", str(tmp_path / "pr-cache"))
    pr = go_repo(ok, name="pr-clone")
    write_files(pr, CHANGE)
    assert run(pr) == 0, outputs[-1].decode()
    assert load_summary(pr)["cache"]["remote_hits"] >= 1
    # 3. a failing task that prints its environment: excerpt, JUnit, annotations
    bad = go_repo({"ameide.toml": f'[targets."{B}"]\nunit = ["sh", "-c", "env; exit 3"]\n'})
    write_files(bad, CHANGE)
    assert run(bad) == 1
    assert "note: tasks ran without ACTIONS_ID_TOKEN_REQUEST_TOKEN, " in outputs[-1].decode()
    junit = (bad / "artifacts/agent-ci/latest/phase1/junit.xml").read_text()
    assert "FAULT_VISIBLE=visible-to-tasks" in junit
    # 4. a remote that echoes the token back in its 401
    monkeypatch.delenv("GITHUB_ACTIONS")
    monkeypatch.delenv("GITHUB_EVENT_NAME")
    echo = hostile(echo_auth(401))
    monkeypatch.setenv("AMEIDE_REMOTE_CACHE_URL", echo.url)
    monkeypatch.setenv("AMEIDE_CACHE_DIR", str(tmp_path / "echo-cache"))
    again = go_repo(ok, name="echo-clone")
    write_files(again, CHANGE)
    assert run(again) == 0
    assert "HTTP 401" in outputs[-1].decode() and "Bearer ***" in outputs[-1].decode()
    # `cache info` and a -v error screen
    assert run(repo, "cache", "info", "--json") == 0
    monkeypatch.setenv("AMEIDE_REMOTE_CACHE_TIMEOUT", "soon")
    assert run(repo, "-v", "test") == 2

    remote_blobs = [inflate(a) for a in server.artifacts.values()]
    written = b"\n".join(
        everything_written(r, d, [])
        for r, d in (
            (repo, cache_dir),
            (pr, tmp_path / "pr-cache"),
            (bad, tmp_path / "echo-cache"),
            (again, tmp_path / "echo-cache"),
        )
    )
    haystack = written + b"\n".join(outputs + remote_blobs) + dump.read_bytes()
    assert count(haystack, sentinels) == {}
    assert b"COPY_OF_THE_TOKEN" not in dump.read_bytes()
    assert b"FAULT_VISIBLE=visible-to-tasks" in dump.read_bytes()
    doc = load_summary(bad)
    assert doc["task_env"] == {
        "mode": "inherit",
        "withheld": sorted(["COPY_OF_THE_TOKEN", OWN_TOKEN, *DENIED]),
        "passed": [],
    }


def test_a_denied_variable_passes_by_name(
    run_cli: RunCli, fake_go: FakeGo, go_repo: MakeGoRepo, sentinels: dict[str, str]
) -> None:
    repo, out, log = run_env_task(run_cli, go_repo, '[env]\npass = ["GH_TOKEN", "NPM_*"]\n')
    assert f"GH_TOKEN={sentinels['GH_TOKEN']}" in log
    assert f"NPM_TOKEN={sentinels['NPM_TOKEN']}" in log
    assert sentinels["GITHUB_TOKEN"] not in log and sentinels[OWN_TOKEN] not in log
    doc = load_summary(repo)
    assert doc["task_env"]["passed"] == ["GH_TOKEN", "NPM_TOKEN"]
    # the task had it; what it printed is redacted in everything ameide keeps and shows
    kept = next((repo / "artifacts/agent-ci/latest/phase1/logs").glob("*.log")).read_text()
    assert "GH_TOKEN=[redacted]" in kept and "NPM_TOKEN=[redacted]" in kept
    written = everything_written(repo, repo / "no-cache", [out.encode()])
    assert count(written, sentinels) == {}


def test_a_credential_a_failing_test_prints_is_redacted_everywhere(
    run_cli: RunCli,
    fake_go: FakeGo,
    go_repo: MakeGoRepo,
    sentinels: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A passed credential, one under a name no list knows but that says what it is, and a
    password inside a URL: printed by a failing test, none reaches the console, the log,
    the excerpt, junit.xml, summary.json or report.html."""
    monkeypatch.setenv("MY_DB_PASSWORD", "hunter2-but-longer")
    monkeypatch.setenv("DATABASE_URL", "postgres://bob:s3cret-pw@db.internal:5432/app")
    script = 'echo \\"token $GH_TOKEN pw $MY_DB_PASSWORD url $DATABASE_URL\\"; exit 1'
    toml = f'[env]\npass = ["GH_TOKEN"]\n[targets."{B}"]\nunit = ["sh", "-c", "{script}"]\n'
    repo = go_repo({"ameide.toml": toml})
    write_files(repo, CHANGE)
    code, out, err = run_cli(["test"], repo)
    assert code == 1, out + err
    doc = load_summary(repo)
    excerpt = doc["first_failure"]["excerpt"]  # type: ignore[index]
    assert "token [redacted] pw [redacted] url postgres://***@db.internal:5432/app" in excerpt
    written = everything_written(repo, repo / "no-cache", [(out + err).encode()])
    for secret in (sentinels["GH_TOKEN"], "hunter2-but-longer", "s3cret-pw"):
        assert secret.encode() not in written, secret
    assert b"[redacted]" in written


def test_ameides_own_credentials_never_pass_whatever_the_configuration(
    run_cli: RunCli,
    fake_go: FakeGo,
    go_repo: MakeGoRepo,
    turbo: Callable[[str], Turbo],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The token in use (here TURBO_TOKEN), the signature key under a name of the project's
    choosing, and credentials inside the remote URL: named in `pass`, still withheld."""
    token, key, pw = (sentinel(n) for n in ("turbo", "signing", "url-pw"))
    server = turbo(token)
    monkeypatch.setenv("TURBO_TOKEN", token)
    monkeypatch.setenv("MY_SIGNING", key)
    monkeypatch.setenv("TURBO_API", server.url.replace("http://", f"http://u:{pw}@"))
    repo, output, log = run_env_task(
        run_cli,
        go_repo,
        '[env]\npass = ["TURBO_TOKEN", "MY_SIGNING", "TURBO_API"]\n\n'
        '[cache.remote]\nsignature_key_env = "MY_SIGNING"\n',
    )
    assert "PATH=" in log
    for value in (token, key, pw):
        assert value not in log and value not in output
    doc = load_summary(repo)
    assert {"TURBO_TOKEN", "MY_SIGNING", "TURBO_API"} <= set(doc["task_env"]["withheld"])
    warned = "\n".join(doc["warnings"])
    assert "TURBO_TOKEN is the remote-cache token: it never reaches tasks" in warned
    assert "MY_SIGNING is the remote-cache signature key: it never reaches tasks" in warned


def test_strict_mode_passes_only_the_basics_the_key_inputs_and_pass(
    run_cli: RunCli, fake_go: FakeGo, go_repo: MakeGoRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in {
        "MYAPP_MODE": "m1",
        "FEATURE_X": "f1",
        "UNRELATED_THING": "u1",
        "GOFLAGS": "-count=1",
        "CURL_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt",
        "GH_TOKEN": sentinel("gh"),
    }.items():
        monkeypatch.setenv(k, v)
    repo, _, log = run_env_task(
        run_cli,
        go_repo,
        '[env]\nmode = "strict"\npass = ["MYAPP_MODE"]\n\n[cache]\nenv = ["FEATURE_*"]\n',
    )
    seen = {ln.split("=", 1)[0] for ln in log.splitlines() if "=" in ln}
    assert {"PATH", "HOME", "MYAPP_MODE", "FEATURE_X", "GOFLAGS", "CURL_CA_BUNDLE"} <= seen
    assert not {"UNRELATED_THING", "GH_TOKEN"} & seen
    assert load_summary(repo)["task_env"]["mode"] == "strict"


def test_a_bad_env_table_is_a_configuration_error(
    run_cli: RunCli, fake_go: FakeGo, go_repo: MakeGoRepo
) -> None:
    repo = go_repo({"ameide.toml": '[env]\nmode = "loose"\npass = ["A=B"]\n'})
    code, _, err = run_cli(["test"], repo)
    assert code == 2 and "Traceback" not in err, err
    assert "env.mode: Input should be 'inherit' or 'strict'" in err
    assert "env.pass.0: " in err


def test_the_deny_list_and_the_basics_are_documented() -> None:
    """Every entry of the deny-list and of strict mode's basics is named in docs/config.md."""
    import re

    from ameide.taskenv import BASICS, DENY
    from tests.conftest import ROOT

    doc = (ROOT / "docs" / "config.md").read_text()
    section = doc.split("### The deny-list", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([A-Za-z0-9_*/]+)`", section))
    assert set(DENY) <= listed, sorted(set(DENY) - listed)
    basics = doc.split("### Basics passed in strict mode", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`([A-Za-z0-9_*/]+)`", basics))
    from ameide.ecosystems import REGISTRY

    passed = set(BASICS) | set(REGISTRY.env_passthrough())
    assert passed <= listed, sorted(passed - listed)


@pytest.mark.parametrize(
    ("name", "denied"),
    [
        ("GITHUB_TOKEN", True),
        ("github_token", True),  # credentials are matched without regard to case
        ("UV_INDEX_PRIVATE_PASSWORD", True),  # a wildcard in the middle
        ("uv_index_x_password", True),
        ("UV_INDEX_URL", False),
        ("MY_SERVICE_API_TOKEN", True),  # *_API_TOKEN
        ("NPM_CONFIG_//REGISTRY/:_AUTHTOKEN", True),  # a prefix with slashes
        ("AWS_SECRET_ACCESS_KEY", True),
        ("TOKENIZER_PATH", False),
        ("PATH", False),
        ("HOME", False),
    ],
)
def test_the_credential_names_match_every_pattern_shape(name: str, denied: bool) -> None:
    """Plain names, `X_*`, `*_X` and wildcards in the middle: one matcher, each shape."""
    from ameide import taskenv

    assert taskenv.denied(name) is denied


def test_the_scrubber_streams_big_files_and_catches_a_value_across_chunks(
    tmp_path: Path,
) -> None:
    from ameide.sanitize import Scrubber

    secret = "sntl-" + secrets.token_hex(16)
    scrub = Scrubber({"SOME_API_KEY": secret, "PATH": "/usr/bin"})
    log = tmp_path / "big.log"
    head = b"x" * ((1 << 20) - 10)  # the value straddles the first 1 MiB read
    tail = b"\nhttps://user:pa55word@host/x ssh://git@host/y\n" + b"y" * 3_000_000
    log.write_bytes(head + secret.encode() + tail)
    scrub.file(str(log))
    data = log.read_bytes()
    assert secret.encode() not in data and data.count(b"[redacted]") == 1
    assert b"https://***@host/x ssh://git@host/y" in data  # a user without password stays
    assert len(data) == len(head) + len(b"[redacted]") + len(tail) - len(b"user:pa55word") + 3
    clean = tmp_path / "clean.log"
    clean.write_bytes(b"nothing here\n")
    before = clean.stat().st_mtime_ns
    scrub.file(str(clean))
    assert clean.stat().st_mtime_ns == before  # untouched: not rewritten
    assert Scrubber({}).values == ()  # no credential anywhere: files are not even read
