"""Integration fixtures: `ameide test` with the real go, pnpm, uv and buf over temporary
copies of examples/monorepo.

The toolchains come from `.tools/bin` (scripts/setup installs them). The root conftest gives
every test its own HOME; here the expensive caches (Go build cache, Go module cache, uv cache,
pnpm store) are shared for the whole session so the Go standard library is compiled once and
npm/PyPI packages are fetched once. Set AMEIDE_IT_CACHE=/some/dir to keep them across sessions.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, TOOLS_BIN, copy_example, git, write_files

AMEIDE = ROOT / ".venv" / "bin" / "ameide"
TOOLS = ("go", "pnpm", "uv", "buf", "protoc-gen-es", "protoc-gen-python_betterproto")
EVIDENCE = Path("artifacts") / "agent-ci"

GO_MATHX = "go:example.com/monorepo/lib/mathx"
GO_HANDLER = "go:example.com/monorepo/svc/internal/handler"
GO_SVC = "go:example.com/monorepo/svc/cmd/svc"


# ------------------------------------------------------------------------------ environment


@pytest.fixture(scope="session")
def shared_caches(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    missing = [t for t in TOOLS if not (TOOLS_BIN / t).exists()]
    if missing or not AMEIDE.exists():
        pytest.fail(
            f"integration tests need the pinned toolchains in {TOOLS_BIN} and {AMEIDE} "
            f"(missing: {', '.join(missing) or AMEIDE}); run scripts/setup, or deselect them "
            "with -m 'not integration'"
        )
    keep = os.environ.get("AMEIDE_IT_CACHE")
    base = Path(keep) if keep else tmp_path_factory.mktemp("toolchain-cache")
    dirs = {
        "GOCACHE": base / "go-build",
        "GOMODCACHE": base / "go-mod",
        "UV_CACHE_DIR": base / "uv",
        # pnpm 11+ reads pnpm_config_*; older ones npm_config_*
        "pnpm_config_store_dir": base / "pnpm-store",
        "npm_config_store_dir": base / "pnpm-store",
    }
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    return {k: str(v) for k, v in dirs.items()}


def path_without_tools(path: str) -> list[str]:
    """PATH entries other than .tools/bin (and empty ones)."""
    tools = os.path.realpath(TOOLS_BIN)
    return [d for d in path.split(os.pathsep) if d and os.path.realpath(d) != tools]


@pytest.fixture(autouse=True)
def toolchains(shared_caches: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The pinned toolchains first on PATH, shared caches, no network for Go."""
    for k, v in shared_caches.items():
        monkeypatch.setenv(k, v)
    rest = path_without_tools(os.environ.get("PATH", ""))
    monkeypatch.setenv("PATH", os.pathsep.join([str(TOOLS_BIN), *rest]))
    monkeypatch.setenv("GOTOOLCHAIN", "local")
    monkeypatch.setenv("GOPROXY", "off")
    monkeypatch.setenv("GOFLAGS", "")  # -mod=mod would break go.work mode
    monkeypatch.setenv("GOTELEMETRY", "off")
    monkeypatch.setenv("UV_NO_PROGRESS", "1")
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)


# ------------------------------------------------------------------------------ repositories

Mono = Callable[..., Path]


@pytest.fixture
def mono(tmp_path: Path) -> Mono:
    """`mono(setup={...})`: a copy of examples/monorepo committed on `main` (with `setup`
    files written and committed there too), checked out on a new branch `feature`."""
    counter = iter(range(100))

    def _make(setup: dict[str, str] | None = None) -> Path:
        repo = copy_example(tmp_path / f"monorepo{next(counter)}")
        if setup:
            write_files(repo, setup)
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "-m", "setup")
        git(repo, "checkout", "-q", "-b", "feature")
        return repo

    return _make


def append(repo: Path, rel: str, text: str) -> None:
    with open(repo / rel, "a", encoding="utf-8") as fh:
        fh.write(text)


def line_of(repo: Path, rel: str, needle: str) -> int:
    """1-based number of the first line of `rel` containing `needle`."""
    for n, ln in enumerate((repo / rel).read_text().splitlines(), 1):
        if needle in ln:
            return n
    raise AssertionError(f"{needle!r} not in {rel}")


# ------------------------------------------------------------------------------ evidence


def load_summary(repo: Path, run: str = "latest") -> dict[str, Any]:
    """summary.json of a run, validated against the models that define its schema."""
    from ameide.evidence.summary import Summary

    doc: dict[str, Any] = json.loads((repo / EVIDENCE / run / "summary.json").read_text())
    Summary.model_validate(doc)
    assert doc["schema"] == 1
    return doc


def run_ids(repo: Path) -> list[str]:
    d = repo / EVIDENCE
    if not d.is_dir():
        return []
    return sorted(p.name for p in d.iterdir() if p.is_dir() and not p.is_symlink())


def phase_tasks(doc: dict[str, Any]) -> dict[int, list[str]]:
    """{phase: sorted task ids} for phases 0, 1 and 2 (empty lists for phases not in doc)."""
    out: dict[int, list[str]] = {0: [], 1: [], 2: []}
    for p in doc["phases"]:
        out[p["phase"]] = sorted(t["id"] for t in p["tasks"])
    return out


def phase_status(doc: dict[str, Any]) -> dict[int, str]:
    return {p["phase"]: p["status"] for p in doc["phases"]}


def task(doc: dict[str, Any], task_id: str) -> dict[str, Any]:
    for p in doc["phases"]:
        for t in p["tasks"]:
            if t["id"] == task_id:
                return dict(t)
    raise AssertionError(f"no task {task_id!r} in {phase_tasks(doc)}")


def target_ids(doc: dict[str, Any]) -> list[str]:
    return sorted(t["id"] for t in doc["targets"])


def junit_cases(repo: Path, phase: int, run: str = "latest") -> list[dict[str, Any]]:
    """Every <testcase> of a phase's junit.xml: task, name, status, file, line, text."""
    path = repo / EVIDENCE / run / f"phase{phase}" / "junit.xml"
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    cases = []
    for suite in root.iter("testsuite"):
        prop = suite.find("properties/property[@name='ameide.task']")
        task_id = prop.get("value") if prop is not None else None
        for tc in suite.iter("testcase"):
            status, text = "passed", ""
            for tag, st in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
                el = tc.find(tag)
                if el is not None:
                    status = st
                    text = (el.get("message") or "") + "\n" + (el.text or "")
                    break
            line = tc.get("line")
            cases.append(
                {
                    "task": task_id,
                    "name": tc.get("name"),
                    "status": status,
                    "file": tc.get("file"),
                    "line": int(line) if line else None,
                    "text": text,
                }
            )
    return cases


_CLOSING = re.compile(r"^ameide [\w ]+: (PASSED|FAILED|INTERRUPTED|ERROR) \(exit \d+\)", re.M)


def closing_block(out: str) -> str:
    """The console's closing block: from its `ameide test: FAILED (exit 1)` line to the end."""
    starts = [m.start() for m in _CLOSING.finditer(out)]
    assert starts, f"no closing block in the output:\n{out}"
    return out[starts[-1] :]


# ------------------------------------------------------------------------------ processes


def ameide_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env


@pytest.fixture
def marker() -> str:
    """A unique environment variable value every descendant of an ameide run inherits."""
    return "AMEIDE_IT_MARK=" + secrets.token_hex(8)


def marked_processes(mark: str) -> list[int]:
    """Live (non-zombie) processes whose environment holds `mark`, other than ourselves.

    Orphans are re-parented to PID 1, which in this container may reap zombies late;
    a zombie holds no resources (and no environ), so it does not count."""
    needle = mark.encode() + b"\0"
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as fh:
                env = fh.read()
        except OSError:
            continue
        if b"\0" + needle in b"\0" + env and alive(int(name)):
            found.append(int(name))
    return found


def alive(pid: int) -> bool:
    """Does `pid` exist as something other than a zombie?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
            state = fh.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def wait_until(pred: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


class Spawned:
    """`ameide ...` as a subprocess with its output in a file (no pipe to fill up)."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str], out: Path) -> None:
        self.out_path = out
        self._fh = open(out, "wb")  # noqa: SIM115 - closed in wait()/kill()
        self.proc = subprocess.Popen(
            [str(AMEIDE), *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._fh,
            stderr=subprocess.STDOUT,
        )

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is not None:
                self._fh.close()

    def output(self) -> str:
        return self.out_path.read_text(errors="replace")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._fh.close()


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., Spawned]]:
    """`spawn(args, cwd, env)` -> a running ameide; whatever is left is killed afterwards."""
    started: list[Spawned] = []

    def _spawn(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Spawned:
        s = Spawned(args, cwd, env or ameide_env(), tmp_path / f"ameide-{len(started)}.out")
        started.append(s)
        return s

    yield _spawn
    for s in started:
        s.kill()


@pytest.fixture
def reap_marked(marker: str) -> Iterator[str]:
    """The marker; after the test, SIGKILL anything still carrying it (a failed test must
    not leave `sleep 300` behind)."""
    yield marker
    for pid in marked_processes(marker):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
