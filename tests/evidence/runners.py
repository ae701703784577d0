"""go test, node's test runner and pytest run for real on tiny failing tests
(fixtures/excerpts/src): the reports the excerpt parsers are tested on.

`python -m tests.evidence.runners` (after `. scripts/env.sh`) runs them in CAPTURE_DIR and
refreshes the captured reports in fixtures/excerpts; the integration tests run them live.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ameide.task import Task

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "excerpts"
SOURCES = FIXTURES / "src"
# where the captured runs ran: the root the paths in their reports name
CAPTURE_DIR = Path("/tmp/ameide-excerpts")
GO_ENV = {"GOTOOLCHAIN": "local", "GOPROXY": "off", "GOFLAGS": "", "GOTELEMETRY": "off"}


# the tasks that ran them, as the ecosystems plan them (ids, report formats, package dirs)
TASKS = {
    "go": Task(
        "go test example.com/excerpts",
        1,
        1,
        "unit",
        "go",
        ("go:example.com/excerpts/price",),
        ("go", "test", "-json", "./..."),
        ".",
        report="gotest-json",
        params={
            "dirs": {
                f"example.com/excerpts/{d}": d for d in ("price", "lookup", "broken", "progress")
            }
        },
    ),
    "node": Task(
        "pnpm:excerpts test",
        1,
        1,
        "unit",
        "pnpm",
        ("pnpm:excerpts",),
        ("node",),
        ".",
        report="junit",
    ),
    "pytest": Task(
        "uv:excerpts pytest", 1, 1, "unit", "uv", ("uv:excerpts",), ("pytest",), ".", report="junit"
    ),
}


def excerpts(
    runner: str, report: Path, root: Path, log: Path | None = None
) -> dict[str, tuple[str, str | None, int | None]]:
    """test name -> (excerpt, file, line) of every failed case of a runner's report, each
    read as the run would: converted or parsed, located by its ecosystem, then excerpted
    (`log`: the task's log, for a case that leaves it to the log)."""
    from ameide.ecosystems import REGISTRY
    from ameide.evidence.junit import parse_junit
    from ameide.evidence.runsummary import excerpt
    from ameide.taskresult import TaskResult

    task = TASKS[runner]
    eco = REGISTRY[task.ecosystem]
    if task.report == "junit":
        cases = parse_junit(str(report), task.id)
    else:
        fmt = REGISTRY.report_format(task.report)
        assert fmt is not None
        cases = fmt.convert(str(report))[0]
    out = {}
    for c in cases:
        if c.status in ("failed", "error"):
            located = eco.locate(c, str(root), task)
            result = TaskResult(
                task, "failed", 1, 0.1, str(log) if log else None, (located,), "native", "exit"
            )
            _, text, file, line = excerpt(result)
            out[c.name] = (text, file, line)
    return out


def _copy(runner: str, work: Path) -> Path:
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(SOURCES / runner, work)
    return work


def go_test(work: Path) -> Path:
    """`go test -json ./...` over the Go sources: its event stream (a failed assertion, a
    table test's subtest, a panic, a build error)."""
    _copy("go", work)
    out = work / "go-test.jsonl"
    with out.open("wb") as fh:
        proc = subprocess.run(
            ("go", "test", "-json", "./..."),
            cwd=work,
            stdout=fh,
            stderr=subprocess.PIPE,
            env={**os.environ, **GO_ENV},
            check=False,
        )
    assert proc.returncode == 1, proc.stderr.decode()
    return out


def node_test(work: Path, *, color: bool = False) -> Path:
    """`node --test` with its JUnit reporter and the spec one on stdout, as the pnpm tasks
    run it (its output in `node.log` beside the report); `color`: with FORCE_COLOR=1, which
    puts terminal codes into the report."""
    _copy("node", work)
    out = work / "junit.xml"
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "NODE_OPTIONS")}
    if color:
        env["FORCE_COLOR"] = "1"
    with (work / "node.log").open("wb") as log:
        proc = subprocess.run(
            (
                "node",
                "--test",
                "--test-reporter=spec",
                "--test-reporter-destination=stdout",
                "--test-reporter=junit",
                f"--test-reporter-destination={out}",
            ),
            cwd=work,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            check=False,
        )
    assert proc.returncode == 1, (work / "node.log").read_text()
    return out


def pytest_junit(work: Path) -> Path:
    """pytest with `--junitxml` (as the uv tasks run it), from this interpreter."""
    _copy("py", work)
    out = work / "junit.xml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    proc = subprocess.run(
        (
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            f"--rootdir={work}",
            f"--junitxml={out}",
            "check_price.py",
        ),
        cwd=work,
        capture_output=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout.decode() + proc.stderr.decode()
    return out


def capture() -> None:
    """Run the three runners in CAPTURE_DIR and keep their reports as fixtures."""
    runs = {
        "go-test.jsonl": lambda: go_test(CAPTURE_DIR / "go"),
        "node-junit.xml": lambda: node_test(CAPTURE_DIR / "node"),
        "node-junit-color.xml": lambda: node_test(CAPTURE_DIR / "node-color", color=True),
        "pytest-junit.xml": lambda: pytest_junit(CAPTURE_DIR / "py"),
    }
    for name, run in runs.items():
        report = run()
        kept = [(report, FIXTURES / name)]
        if (report.parent / "node.log").exists():
            kept.append((report.parent / "node.log", FIXTURES / name.replace(".xml", ".log")))
        for src, dest in kept:
            shutil.copyfile(src, dest)
            print(dest)


if __name__ == "__main__":
    capture()
