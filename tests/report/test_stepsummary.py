"""`ameide test ci` appends a Markdown summary to $GITHUB_STEP_SUMMARY (fake `go`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ameide.report.stepsummary import markdown
from tests.conftest import git, load_summary
from tests.evidence.fakego import SENTINEL, failing_repo

RunCli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def failing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return failing_repo(tmp_path, monkeypatch)


def test_test_ci_appends_the_job_summary(
    run_cli: RunCli, failing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.example")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/app")
    monkeypatch.setenv("GITHUB_RUN_ID", "42")
    code, _, err = run_cli(["test", "ci"], failing)
    assert (code, err) == (1, "")
    doc = load_summary(failing)
    base = git(failing, "rev-parse", "main")[:10]
    text = summary.read_text()
    assert text.startswith("earlier step\n## ameide test ci: FAILED (exit 1)\n")
    lines = text.splitlines()
    assert (
        "**2 affected targets** (go 2; 1 changed directly) from 2 changed files, against "
        f"`main` @ `{base}`."
    ) in lines
    assert "**3 tasks: 3 ran, 0 replayed from the cache**; 2 checks, 2 test cases;" in text
    assert "| 1 unit | failed | 0.0s | 1 | 0 | 1 |" in lines
    assert "### First failure: `go test example.com/m` (phase 1)" in lines
    assert "- test: `TestX (a/x_test.go:3)`" in lines
    assert "- log: `phase1/logs/go_test_example.com_m.log` in the run directory" in lines
    fence = lines.index("```text")
    assert lines[fence + 1 : fence + 3] == [
        "a/x_test.go:3: TestX",
        'x_test.go:3: got <script>alert(1)</script> &amp; "q" token=[redacted]',
    ]
    assert "```mermaid" in lines and '    n1["go:example.com/m/b"]' in lines
    assert lines[-2:] == [
        f"Evidence: `artifacts/agent-ci/{doc['run_id']}/` (report.html, summary.json, JUnit, "
        "logs). Open `report.html` from the run directory: upload `artifacts/agent-ci/` as an "
        "artifact (docs/ci.md) and download it from [this run's page]"
        "(https://github.example/acme/app/actions/runs/42).",
        "",  # a blank line before whatever the next step appends
    ]
    assert SENTINEL not in text


def test_only_test_ci_and_only_with_the_variable(
    run_cli: RunCli, failing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "step_summary.md"
    run_cli(["test", "ci"], failing)  # not set: nothing to write, nothing breaks
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run_cli(["test"], failing)  # the inner loop never writes it
    assert not summary.exists()


def test_a_summary_that_cannot_be_written_is_a_warning(
    run_cli: RunCli, failing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "no-such-dir" / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    code, _, err = run_cli(["test", "ci"], failing)
    assert code == 1  # the build's verdict, not the summary's
    assert err == (
        "ameide: warning: could not append the summary to $GITHUB_STEP_SUMMARY "
        f"({target}): No such file or directory\n"
    )


def test_an_excerpt_keeps_its_fence_and_loses_terminal_codes() -> None:
    doc = {
        "result": "failed",
        "mode": "ci",
        "exit_code": 1,
        "run_id": "R",
        "phases": [],
        "totals": {"tasks": 1, "duration": 1.0},
        "first_failure": {
            "task": "t",
            "phase": 1,
            "targets": [],
            "command": "x",
            "excerpt": "```\nnot the end\n```\n\x1b[31mred\x1b[0m",
        },
    }
    lines = markdown(doc, {}).splitlines()
    i = lines.index("````text")
    assert lines[i : i + 6] == ["````text", "```", "not the end", "```", "red", "````"]
