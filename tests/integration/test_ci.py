"""`ameide test ci` under GitHub Actions with the real toolchains: the failing phase is
finished so every failure of it is reported, with groups and `::error` annotations."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import git
from tests.integration.conftest import (
    Mono,
    append,
    closing_block,
    junit_cases,
    line_of,
    load_summary,
    phase_status,
    phase_tasks,
    task,
)

pytestmark = pytest.mark.integration

RunCli = Callable[[list[str], Path], tuple[int, str, str]]

JS_TEST = "js/core/test/index.test.js"
PY_TEST = "py/common/tests/test_common.py"


def test_ci_reports_every_failure_of_the_phase_with_annotations(
    mono: Mono, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = mono()
    append(
        repo,
        JS_TEST,
        '\ntest("core breaks in CI", () => {\n  assert.equal(slug("A B"), "a_b");\n});\n',
    )
    append(
        repo,
        PY_TEST,
        '\n\ndef test_common_breaks_in_ci():\n    assert slug("A B") == "a_b"\n',
    )
    git(repo, "commit", "-q", "-am", "two failing tests")  # CI sees commits, not a dirty tree
    js_line = line_of(repo, JS_TEST, '"a_b"')
    py_line = line_of(repo, PY_TEST, '"a_b"')
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")
    monkeypatch.setenv("GITHUB_BASE_REF", "main")

    code, out, err = run_cli(["test", "ci"], repo)

    assert code == 1, out + err
    doc = load_summary(repo)
    assert doc["mode"] == "ci" and doc["result"] == "failed"
    assert "GITHUB_BASE_REF" in doc["base"]["source"]
    assert doc["dirty"] is False
    # the whole failing phase ran: both failures, every other task finished (not cancelled)
    unit = {t["id"]: t["status"] for p in doc["phases"] if p["phase"] == 1 for t in p["tasks"]}
    assert unit == {
        "pnpm:@example/core test": "failed",
        "pnpm:@example/ui test": "passed",
        "pnpm:@example/web test": "passed",
        "uv:acme-common pytest": "failed",
        "uv:acme-service pytest": "passed",
    }
    assert phase_status(doc) == {0: "passed", 1: "failed", 2: "not-run"}
    assert phase_tasks(doc)[2] == []
    assert doc["totals"]["failed"] == 2
    failed = sorted(
        (c["task"], c["name"], c["file"], c["line"])
        for c in junit_cases(repo, 1)
        if c["status"] == "failed"
    )
    assert failed == [
        ("pnpm:@example/core test", "core breaks in CI", JS_TEST, js_line),
        ("uv:acme-common pytest", "test_common_breaks_in_ci", PY_TEST, py_line),
    ]
    assert task(doc, "uv:acme-common pytest")["tests"]["failed"] == 1
    # plain grouped output with annotations GitHub turns into inline comments
    assert "::group::phase 0 contract" in out and "::group::phase 1 unit" in out
    assert out.count("::group::") == out.count("::endgroup::") == 2
    errors = [ln for ln in out.splitlines() if ln.startswith("::error ")]
    assert len(errors) == 2, errors
    js_err = next(e for e in errors if f"file={JS_TEST}," in e)
    py_err = next(e for e in errors if f"file={PY_TEST}," in e)
    assert f",line={js_line}," in js_err and "core breaks in CI" in js_err
    assert f",line={py_line}," in py_err and "test_common_breaks_in_ci" in py_err
    for e in errors:
        assert re.match(r"::error file=[^,]+,line=\d+,title=[^:]+::\S", e), e
    assert "\x1b[" not in out  # no colour codes in CI logs
    closing = closing_block(out)
    assert "FAILED (exit 1)" in closing
    assert "core breaks in CI" in closing  # the first failure in plan order
