"""The evidence under faults (issue 12, items 6, 7 and 8): file names unique by construction,
a damaged artifacts directory is a one-screen error before anything runs, and nothing a task
prints can drive the terminal through what ameide re-prints."""

from __future__ import annotations

import json
import os
import stat
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import git, write_files
from tests.fault.test_config import one_screen

pytestmark = pytest.mark.fault

RunCli = Callable[[list[str], Path], tuple[int, str, str]]
EVIDENCE = Path("artifacts/agent-ci")

# A fake `go` that reports one test per package given to `go test -json`: it fails, with the
# text of the package's FAIL file as its output (and in its name, TEST_NAME when present),
# when that file exists. Every call is appended to $FAKE_GO_CALLS.
FAKE_GO = r"""#!/usr/bin/env python3
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_GO_CALLS"], "a") as fh:
    fh.write(" ".join(args) + "\n")
if args[0] == "version":
    print("go version go1.25.5 linux/amd64")
    sys.exit(0)
if args[0] == "vet":
    sys.exit(0)
module = next(l.split()[1] for l in open("go.mod") if l.startswith("module "))
rc = 0
for pkg in args[1:]:
    if pkg.startswith("-"):
        continue
    d = pkg[len(module):].lstrip("/") or "."
    fail = os.path.join(d, "FAIL")
    text = open(fail).read() if os.path.exists(fail) else "ok\n"
    name = open(os.path.join(d, "TEST_NAME")).read() if os.path.exists(
        os.path.join(d, "TEST_NAME")) else "TestX"
    verdict = "fail" if os.path.exists(fail) else "pass"
    rc = rc or (1 if verdict == "fail" else 0)
    for ev in ({"Action": "run", "Test": name}, {"Action": "output", "Test": name,
               "Output": text}, {"Action": verdict, "Test": name, "Elapsed": 0.01},
               {"Action": verdict, "Elapsed": 0.02}):
        print(json.dumps({"Package": pkg, **ev}))
sys.exit(rc)
"""


@pytest.fixture
def fake_go(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "fakebin"
    bin_dir.mkdir()
    go = bin_dir / "go"
    go.write_text(FAKE_GO)
    go.chmod(go.stat().st_mode | stat.S_IXUSR)
    calls = tmp_path / "go-calls.log"
    monkeypatch.setenv("FAKE_GO_CALLS", str(calls))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("CI", "1")
    return calls


def go_work(make_repo: Callable[..., Path], modules: dict[str, str]) -> Path:
    """A go.work repo with one module per directory (`dir -> module path`), each a package
    with a test; committed on main, then every package changed on branch `feature`."""
    files: dict[str, str | bytes] = {
        "go.work": "go 1.22\n\nuse (\n" + "".join(f"\t./{d}\n" for d in modules) + ")\n"
    }
    for d, mod in modules.items():
        files[f"{d}/go.mod"] = f"module {mod}\n\ngo 1.22\n"
        files[f"{d}/p.go"] = "package p\n\nfunc P() int { return 1 }\n"
        files[f"{d}/p_test.go"] = 'package p\n\nimport "testing"\n\nfunc TestX(t *testing.T) {}\n'
    repo = make_repo(files)
    git(repo, "checkout", "-q", "-b", "feature")
    for d in modules:
        (repo / d / "p.go").write_text("package p\n\nfunc P() int { return 2 }\n")
    return repo


def summary(repo: Path) -> dict[str, object]:
    doc: dict[str, object] = json.loads((repo / EVIDENCE / "latest/summary.json").read_text())
    return doc


def unit_tasks(doc: dict[str, object]) -> list[dict[str, object]]:
    return [t for p in doc["phases"] for t in p["tasks"] if p["phase"] == 1]  # type: ignore


def junit_cases(repo: Path) -> list[tuple[str, str, str]]:
    """(suite, test, verdict) of every case in phase 1's junit.xml."""
    root = ET.parse(repo / EVIDENCE / "latest/phase1/junit.xml").getroot()
    out = []
    for suite in root.iter("testsuite"):
        for tc in suite.iter("testcase"):
            verdict = "failed" if tc.find("failure") is not None else "passed"
            out.append((suite.get("name") or "", tc.get("name") or "", verdict))
    return sorted(out)


LONG = "example.com/" + "a" * 130  # two task ids alike in their first 120 characters


@pytest.mark.parametrize(
    "modules",
    [
        {"one": f"{LONG}/one", "two": f"{LONG}/two"},
        {"one": "example.com/m/x_y", "two": "example.com/m/x/y"},  # read alike
    ],
    ids=["long-ids", "ids-that-read-alike"],
)
def test_every_task_gets_its_own_log_and_report(
    run_cli: RunCli,
    fake_go: Path,
    make_repo: Callable[..., Path],
    modules: dict[str, str],
) -> None:
    repo = go_work(make_repo, modules)
    write_files(repo, {"two/FAIL": "    p_test.go:3: two is broken\n"})
    code, out, err = run_cli(["test", "ci"], repo)  # ci: the phase finishes
    assert code == 1, out + err
    tasks = unit_tasks(summary(repo))
    assert len(tasks) == 2
    logs = [str(t["log"]) for t in tasks]
    assert len(set(logs)) == 2, logs
    run = repo / EVIDENCE / "latest"
    reports = sorted(p.name for p in (run / "phase1/reports").iterdir())
    assert len(reports) == 2, reports
    assert all(len(Path(name).stem) <= 120 for name in [*logs, *reports])
    by_status = {str(t["status"]): t for t in tasks}
    assert set(by_status) == {"passed", "failed"}
    assert "two is broken" in (run / str(by_status["failed"]["log"])).read_text()
    assert "two is broken" not in (run / str(by_status["passed"]["log"])).read_text()
    # each test once, with its own verdict
    assert junit_cases(repo) == sorted(
        [(modules["one"], "TestX", "passed"), (modules["two"], "TestX", "failed")]
    )


# ------------------------------------------------------------------ a damaged artifacts dir


@pytest.mark.parametrize(
    ("damage", "names"),
    [
        ("artifacts-is-a-file", "artifacts"),
        ("agent-ci-is-a-file", "artifacts/agent-ci"),
        ("latest-is-a-directory", "artifacts/agent-ci/latest"),
        ("agent-ci-is-a-dangling-link", "artifacts/agent-ci"),
        ("agent-ci-not-writable", "artifacts/agent-ci"),
    ],
)
def test_a_damaged_artifacts_dir_is_an_environment_error_before_anything_runs(
    run_cli: RunCli,
    fake_go: Path,
    make_repo: Callable[..., Path],
    damage: str,
    names: str,
) -> None:
    repo = go_work(make_repo, {"one": "example.com/one"})
    if damage == "artifacts-is-a-file":
        (repo / "artifacts").write_text("not a directory\n")
    elif damage == "agent-ci-is-a-file":
        (repo / "artifacts").mkdir()
        (repo / "artifacts/agent-ci").write_text("not a directory\n")
    elif damage == "latest-is-a-directory":
        # what a copy that followed the link leaves (cp -rL, a CI cache restore)
        (repo / EVIDENCE / "latest").mkdir(parents=True)
        (repo / EVIDENCE / "latest/summary.json").write_text("{}\n")
    elif damage == "agent-ci-is-a-dangling-link":
        (repo / "artifacts").mkdir()
        (repo / "artifacts/agent-ci").symlink_to("/nonexistent/evidence")
    else:
        if os.geteuid() == 0:
            pytest.skip("root writes anywhere")
        (repo / EVIDENCE).mkdir(parents=True)
        (repo / EVIDENCE).chmod(0o555)
    code, out, err = run_cli(["test"], repo)
    assert code == 3, out + err
    one_screen(err)
    assert str(repo / names) in err
    assert "test" not in [c.split()[0] for c in fake_go.read_text().splitlines()]


def test_a_copied_example_leaves_its_artifacts_behind(tmp_path: Path) -> None:
    """tests/conftest.py copies examples/monorepo for the engine tests: a manual `ameide
    test` there must not hand the copies a `latest` directory (30 tests failed that way)."""
    from tests.conftest import EXAMPLE, copy_example

    made = not (EXAMPLE / "artifacts").exists()
    try:
        (EXAMPLE / EVIDENCE / "latest").mkdir(parents=True, exist_ok=True)
        copy = copy_example(tmp_path / "copy")
        assert not (copy / "artifacts").exists()
    finally:
        if made:
            import shutil

            shutil.rmtree(EXAMPLE / "artifacts")


# ------------------------------------------------------------------ terminal control


NASTY = (
    "    p_test.go:3: boom \x1b]0;pwned\x07\x1b[2J\x1b[31mred\x1b[0m\r"
    "hidden \u202eevil\x9b31m\x07\n"
)


@pytest.mark.parametrize("colour", [False, True], ids=["plain", "rich"])
def test_task_output_cannot_drive_the_terminal(
    run_cli: RunCli,
    fake_go: Path,
    make_repo: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    colour: bool,
) -> None:
    """A failing test whose output (and name) holds a title change (OSC 0), a screen clear,
    a carriage return, a bidi override and C1 controls: the closing block and the GitHub
    annotations show the text, not the effect."""
    repo = go_work(make_repo, {"one": "example.com/one"})
    write_files(repo, {"one/FAIL": NASTY, "one/TEST_NAME": "TestEvil\x1b[2J"})
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    if colour:
        monkeypatch.setenv("FORCE_COLOR", "1")
        monkeypatch.delenv("NO_COLOR")
    code, out, err = run_cli(["test"], repo)
    assert code == 1
    text = out + err
    for bad in ("\x1b]", "\x1b[2J", "\x07", "\r", "\u202e", "\x9b"):
        assert bad not in text, (bad, text)
    if not colour:
        assert "\x1b" not in text
    assert "boom" in text and "red" in text and "evil" in text
    assert "TestEvil" in text
    # the evidence keeps the task's bytes as they were
    log = next((repo / EVIDENCE / "latest/phase1/logs").glob("*.log")).read_text()
    assert "\x1b]0;pwned\x07" in log
