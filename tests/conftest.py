"""Shared fixtures: an isolated environment, real temporary git repos built from dicts, and
`run_cli` which calls `ameide.cli.main(argv)` in-process."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "monorepo"
TOOLS_BIN = ROOT / ".tools" / "bin"

_CI_VARS = (
    "CI",
    "AMEIDE_BASE",
    "AMEIDE_JOBS",
    "AMEIDE_SHARD",
    "AMEIDE_AGENT_PROFILE",
    "AMEIDE_VERBOSE",
    "GITHUB_ACTIONS",
    "GITHUB_BASE_REF",
    "GITHUB_EVENT_PATH",
    "GITHUB_EVENT_NAME",
    "GITLAB_CI",
    "CI_MERGE_REQUEST_DIFF_BASE_SHA",
    "CI_MERGE_REQUEST_TARGET_BRANCH_NAME",
    "CI_COMMIT_BEFORE_SHA",
    "BUILDKITE",
    "BUILDKITE_PULL_REQUEST",
    "BUILDKITE_PULL_REQUEST_BASE_BRANCH",
    "FORCE_COLOR",
    "GIT_DIR",
    "GIT_WORK_TREE",
    # the task cache: its remote and switches (docs/cache.md)
    "AMEIDE_SHARD_WEIGHTS",
    "AMEIDE_CACHE",
    "AMEIDE_CACHE_DIR",
    "AMEIDE_REMOTE_CACHE",
    "AMEIDE_REMOTE_CACHE_URL",
    "AMEIDE_REMOTE_CACHE_TOKEN",
    "AMEIDE_REMOTE_CACHE_TEAM",
    "AMEIDE_REMOTE_CACHE_READ_ONLY",
    "AMEIDE_REMOTE_CACHE_TIMEOUT",
    "AMEIDE_REMOTE_CACHE_SIGNATURE_KEY",
    "TURBO_API",
    "TURBO_TOKEN",
    "TURBO_TEAM",
    "TURBO_REMOTE_CACHE_SIGNATURE_KEY",
    "CI_MERGE_REQUEST_IID",
    # the job summary `ameide test ci` writes under GitHub Actions, and the run's page
    "GITHUB_STEP_SUMMARY",
    "GITHUB_SERVER_URL",
    "GITHUB_REPOSITORY",
    "GITHUB_RUN_ID",
)


@pytest.fixture(autouse=True)
def isolate(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """HOME, caches, git identity and colours isolated from the developer's machine."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Test\n\temail = test@example.invalid\n"
        "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
        '[protocol "file"]\n\tallow = always\n'
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    for var in _CI_VARS:
        monkeypatch.delenv(var, raising=False)


def git(repo: Path, *args: str) -> str:
    out = subprocess.run(("git", *args), cwd=repo, check=True, capture_output=True)
    return out.stdout.decode().strip()


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(textwrap.dedent(content))


MakeRepo = Callable[..., Path]


@pytest.fixture
def make_repo(tmp_path: Path) -> MakeRepo:
    """`make_repo({"path": "content", ...}, commit=True)` -> a real git repo on branch main."""
    counter = iter(range(1000))

    def _make(
        files: dict[str, str | bytes], *, commit: bool = True, name: str | None = None
    ) -> Path:
        repo = tmp_path / (name or f"repo{next(counter)}")
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        write_files(repo, files)
        if commit:
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "-m", "initial", "--allow-empty")
        return repo

    return _make


@pytest.fixture
def run_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """Call `ameide.cli.main(argv)` in `cwd`; returns (exit code, stdout, stderr)."""
    from ameide.cli import main

    def _run(argv: list[str], cwd: Path) -> tuple[int, str, str]:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main(argv)
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def copy_example(dest: Path) -> Path:
    """A copy of examples/monorepo committed on `main` in its own git repo."""
    # `artifacts`: the evidence of a manual `ameide test` in the example is not the copy's
    ignore = shutil.ignore_patterns(
        "node_modules", ".venv", "__pycache__", ".pytest_cache", "artifacts"
    )
    shutil.copytree(EXAMPLE, dest, ignore=ignore)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "example monorepo")
    return dest


@pytest.fixture
def example_repo(tmp_path: Path) -> Iterator[Path]:
    repo = copy_example(tmp_path / "monorepo")
    git(repo, "checkout", "-q", "-b", "feature")
    yield repo


def tool_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{TOOLS_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["GOTOOLCHAIN"] = "local"
    env["GOPROXY"] = "off"
    return env


def load_summary(root: Path, run: str = "latest") -> dict[str, object]:
    """The run's summary.json, validated against the pydantic models that define it."""
    import json

    from ameide.evidence.summary import Summary

    doc: dict[str, object] = json.loads(
        (root / "artifacts" / "agent-ci" / run / "summary.json").read_text()
    )
    Summary.model_validate(doc)
    return doc


@pytest.fixture
def turbo_server(tmp_path: Path) -> Iterator[Callable[..., object]]:
    """`turbo_server(token=..., signature_key=None)` -> a started real turborepo-remote-cache
    server (tests/turbo_server.py); every server started is killed afterwards."""
    from tests.turbo_server import TurboServer

    started: list[TurboServer] = []

    def _start(token: str = "test-token", signature_key: str | None = None) -> TurboServer:
        d = tmp_path / f"turbo-server-{len(started)}"
        d.mkdir()
        server = TurboServer(d, token, signature_key)
        started.append(server)
        try:
            return server.start()
        except RuntimeError as exc:
            pytest.fail(f"{exc} (remote-cache tests need it; deselect with -m 'not integration')")

    yield _start
    for s in started:
        s.stop()
