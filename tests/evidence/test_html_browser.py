"""report.html in a real headless browser (Debian's chromium, offline): what a person sees
after the page's scripts ran, and a screenshot kept as this test's evidence
(artifacts/test-evidence/report-html.png in this checkout, and the test's tmp dir)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.browser import CHROMIUM, NO_CHROMIUM, chromium, png_size, probe
from tests.evidence.fakego import SENTINEL, failing_repo

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)

RunCli = Callable[..., tuple[int, str, str]]

# what a person sees: the page's text as laid out, the colours of the timeline's bars, the
# size of the first failure's box, and the task filter at work
PROBE = """
var bars = [].slice.call(document.querySelectorAll('g.bar rect'));
function fill(sel) { return [].map.call(document.querySelectorAll(sel),
  function (r) { return getComputedStyle(r).fill; }); }
var ff = document.getElementById('first-failure').getBoundingClientRect();
var q = document.getElementById('task-filter');
var shown = function () { return [].filter.call(document.querySelectorAll('#task-rows tr'),
  function (r) { return r.offsetParent !== null; }).length; };
var all = shown();
q.value = 'vet'; q.dispatchEvent(new Event('input'));
var vet = shown(), count = document.getElementById('task-count').textContent;
q.value = ''; q.dispatchEvent(new Event('input'));
document.getElementById('only-failed').click();
window.probe = {
  text: document.body.innerText,
  ready: document.body.dataset.ready,
  failed: fill('g.bar.failed rect'), passed: fill('g.bar.passed rect'),
  widths: bars.map(function (r) { return r.getBoundingClientRect().width; }),
  firstFailure: [ff.width, ff.height], rows: [all, vet, shown()], count: count,
  scripts: document.scripts.length
};
"""


def test_a_person_opening_report_html_sees_the_run(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = failing_repo(tmp_path, monkeypatch)
    code, out, _ = run_cli(["test", "ci"], repo)
    assert code == 1, out
    report = (repo / "artifacts" / "agent-ci" / "latest" / "report.html").resolve()

    shot = tmp_path / "report-html.png"
    dom = chromium(report.as_uri(), tmp_path, screenshot=shot)
    assert 'data-ready="1"' in dom  # the page's own script ran
    assert png_size(shot) == (1280, 1600)

    seen = probe(report, PROBE, tmp_path)
    text = str(seen["text"])
    assert text.startswith("FAILED ameide test ci exit 1\n")
    assert "First failure: go test example.com/m (phase 1)" in text
    assert "test: TestX (a/x_test.go:3)" in text
    # the task's markup is text on the page, and the credential it printed is not there
    assert 'got <script>alert(1)</script> &amp; "q" token=[redacted]' in text
    assert SENTINEL not in text and seen["scripts"] == 2  # the page's and this probe's
    assert "go:example.com/m/b <- go:example.com/m/a <- changed a/a.go" in text
    # the timeline: the failure in red, the rest in green, every bar wide enough to see
    assert seen["failed"] == ["rgb(224, 49, 49)"]
    assert seen["passed"] == ["rgb(47, 158, 68)"]
    assert all(float(w) >= 1 for w in seen["widths"])  # type: ignore[attr-defined]
    assert [float(v) > 50 for v in seen["firstFailure"]] == [True, True]  # type: ignore[attr-defined]
    # the filter: 3 tasks, 1 with `vet`, 1 failure
    assert seen["rows"] == [3, 1, 1] and seen["count"] == "1 of 3 tasks shown"
