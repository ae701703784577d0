"""report.html: written beside summary.json by every run, self-contained, every piece of task
output escaped, credentials redacted, under 1 MB for a 500-task run (fake `go`, no toolchain).
The browser test is tests/evidence/test_html_browser.py."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from ameide.evidence.html import render
from tests.conftest import git, load_summary, write_files
from tests.evidence import fakego
from tests.evidence.fakego import SENTINEL, go_module, install_fake_go, two_package_repo

RunCli = Callable[..., tuple[int, str, str]]


class Page(HTMLParser):
    """What the page is made of: tags with their attributes, and its visible text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self._skip = 0
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)

    def all(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [
            a
            for t, a in self.tags
            if t == tag and all(re.search(v, a.get(k, "")) for k, v in attrs.items())
        ]

    @property
    def visible(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.text))


def run_dir(repo: Path) -> Path:
    return (repo / "artifacts" / "agent-ci" / "latest").resolve()


@pytest.fixture
def failing_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return fakego.failing_repo(tmp_path, monkeypatch)


def test_a_run_writes_report_html_beside_the_summary(
    run_cli: RunCli, failing_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMEIDE_JOBS", "2")
    code, out, _ = run_cli(["test"], failing_repo)
    assert code == 1, out
    doc = load_summary(failing_repo)
    d = run_dir(failing_repo)
    page = Page((d / "report.html").read_text())
    text = page.visible
    assert "FAILED ameide test exit 1" in text
    assert f"run {doc['run_id']}" in text
    assert "First failure: go test example.com/m (phase 1)" in text
    assert "2 targets 3 tasks 3 ran 0 replayed from the cache 2 checks 2 test cases" in text
    assert "1 failed task" in text
    assert "test: TestX (a/x_test.go:3)" in text
    # the timeline: one bar per task a worker took, on that worker's lane, the failure marked
    tasks = [t for p in doc["phases"] for t in p["tasks"]]  # type: ignore[attr-defined]
    started = [t for t in tasks if t["start"] is not None]
    assert [t["id"] for t in started] == ["go vet example.com/m", "go test example.com/m"]
    assert all(t["worker"] == 0 for t in started)  # one task per phase: the first worker
    assert [t["id"] for t in tasks if t["start"] is None] == ["guardrails"]
    bars = page.all("g", **{"class": "^bar "})
    assert [b["class"] for b in bars] == ["bar passed", "bar failed"]
    # the failures with their excerpt and a log link that exists
    logs = [a["href"] for a in page.all("a", href=r"\.log$")]
    assert "phase1/logs/go_test_example.com_m.log" in logs
    assert all((d / h).is_file() for h in logs)
    assert "x_test.go:3: got <script>alert(1)</script> &amp;" in text
    # the affected targets with their reason chains
    assert "go:example.com/m/b <- go:example.com/m/a <- changed a/a.go" in text


def test_every_piece_of_task_output_is_escaped(run_cli: RunCli, failing_repo: Path) -> None:
    run_cli(["test"], failing_repo)
    html = (run_dir(failing_repo) / "report.html").read_text()
    page = Page(html)
    # the only script is the report's own; the task's markup arrives as text
    assert len(page.all("script")) == 1
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; &quot;q&quot;" in html
    assert "\x1b" not in html


def test_the_report_loads_nothing_from_anywhere(run_cli: RunCli, failing_repo: Path) -> None:
    run_cli(["test"], failing_repo)
    html = (run_dir(failing_repo) / "report.html").read_text()
    page = Page(html)
    csp = page.all("meta", **{"http-equiv": "Content-Security-Policy"})
    assert [m["content"].split(";")[0] for m in csp] == ["default-src 'none'"]
    assert not page.all("link") and not page.all("img") and not page.all("iframe")
    assert not [a for _, a in page.tags if "src" in a]
    hrefs = [a["href"] for _, a in page.tags if "href" in a]
    assert hrefs and all(not re.match(r"^[a-z]+:|^//", h) for h in hrefs), hrefs
    assert "@import" not in html and re.findall(r"url\(([^)]*)\)", html) == ["#hatch"]


def test_credentials_a_task_printed_never_reach_the_report(
    run_cli: RunCli, failing_repo: Path
) -> None:
    run_cli(["test", "ci"], failing_repo)
    d = run_dir(failing_repo)
    # scrubbed before anything reads it: the log (converted from the scrubbed report) too
    log = (d / "phase1" / "logs" / "go_test_example.com_m.log").read_text()
    assert SENTINEL not in log and "token=[redacted]" in log
    html = (d / "report.html").read_text()
    assert SENTINEL not in html
    assert "token=[redacted]" in html


def test_a_rerun_marks_cache_hits_on_the_timeline(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_go(tmp_path / "fakebin", monkeypatch)
    repo = two_package_repo(tmp_path / "repo")
    write_files(repo, {"b/b.go": "package b\n\nfunc B() int { return 2 }\n"})
    assert run_cli(["test"], repo)[0] == 0
    assert run_cli(["test"], repo)[0] == 0
    page = Page((run_dir(repo) / "report.html").read_text())
    bars = page.all("g", **{"class": "^bar "})
    assert [b["class"] for b in bars] == ["bar passed cached", "bar passed cached"]
    assert "1 ran 2 replayed from the cache" in page.visible  # the guardrails check ran
    assert "No task failed." in page.visible


def test_a_500_task_run_stays_under_one_megabyte(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """250 Go modules (a vet and a test task each), one in ten failing with 200 lines of
    output, ids as long as real ones: the whole report stays under 1 MB."""
    install_fake_go(tmp_path / "fakebin", monkeypatch)
    monkeypatch.setenv("AMEIDE_JOBS", "2")
    monkeypatch.setenv("FAKE_GO_LINES", "200")
    repo = tmp_path / "big"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    files: dict[str, str | bytes] = {}
    uses = []
    for i in range(250):
        d = f"services/team{i % 10}/service-{i:03d}"
        uses.append(f"\t./{d}\n")
        name = f"example.com/organisation/monorepo/{d}"
        files.update({f"{d}/{k}": v for k, v in go_module(name).items()})
    files["go.work"] = "go 1.22\n\nuse (\n" + "".join(uses) + ")\n"
    write_files(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    git(repo, "checkout", "-q", "-b", "feature")
    change: dict[str, str | bytes] = {}
    for i in range(250):
        d = f"services/team{i % 10}/service-{i:03d}"
        change[f"{d}/x.go"] = "package x\n\nfunc X() int { return 2 }\n"
        if i % 10 == 3:
            change[f"{d}/testdata/FAIL"] = "x\n"
    write_files(repo, change)
    code, out, _ = run_cli(["test", "ci"], repo)
    assert code == 1, out[-2000:]
    doc = load_summary(repo)
    assert doc["totals"]["tasks"] == 501  # type: ignore[index]  # + the guardrails check
    report = run_dir(repo) / "report.html"
    size = report.stat().st_size
    assert size <= 1_000_000, f"report.html is {size} bytes"
    page = Page(report.read_text())
    bars = page.all("g", **{"class": "^bar "})
    assert len(bars) == 500
    assert sum(1 for b in bars if b["class"] == "bar failed") == 25
    assert len(page.all("div", **{"class": "^failure$"})) == 25
    print(f"report.html for a 500-task run: {size} bytes")  # shown with -s


def _summary(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": 1,
        "run_id": "20260101T000000Z-abcdef",
        "mode": "test",
        "root": "/nowhere",
        "started_at": "2026-01-01T00:00:00Z",
        "finished_at": "2026-01-01T00:00:01Z",
        "base": None,
        "head": None,
        "branch": None,
        "dirty": False,
        "everything": False,
        "changed_files": [],
        "targets": [],
        "notes": [],
        "phases": [],
        "result": "passed",
        "exit_code": 0,
        "first_failure": None,
        "totals": {
            "tasks": 0,
            "passed": 0,
            "failed": 0,
            "tests": 0,
            "test_failures": 0,
            "duration": 0.0,
        },
    }
    doc.update(over)
    return doc


def test_a_summary_from_before_start_and_worker_still_renders() -> None:
    """Older runs have no `start`/`worker`: no timeline bars, everything else is there."""
    task = {
        "id": "go test x",
        "phase": 1,
        "kind": "unit",
        "ecosystem": "go",
        "targets": ["go:x"],
        "command": ["go", "test"],
        "cwd": ".",
        "status": "passed",
        "exit_code": 0,
        "duration": 1.0,
        "log": "phase1/logs/go_test_x.log",
        "junit": "phase1/junit.xml",
        "junit_source": "converted",
        "tests": {"total": 2},
    }
    phase = {
        "phase": 1,
        "name": "unit",
        "status": "passed",
        "duration": 1.0,
        "junit": "phase1/junit.xml",
        "tasks": [task],
    }
    page = Page(render(_summary(phases=[phase])))
    assert "No task ran on a worker in this run." in page.visible
    assert "0 checks 2 test cases" in page.visible
    assert json.dumps(task)  # unchanged input


def test_the_page_of_a_run_without_tasks() -> None:
    page = Page(render(_summary()))
    assert "PASSED ameide test exit 0" in page.visible
    assert "No target was affected." in page.visible


def test_a_report_that_cannot_be_written_is_a_warning_not_a_failure(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ameide.evidence.html as page

    def broken(*_a: object, **_k: object) -> str:
        raise ValueError("boom")

    monkeypatch.setattr(page, "render", broken)
    install_fake_go(tmp_path / "fakebin", monkeypatch)
    repo = two_package_repo(tmp_path / "repo")
    write_files(repo, {"b/b.go": "package b\n\nfunc B() int { return 2 }\n"})
    code, out, _ = run_cli(["test"], repo)
    assert code == 0, out
    doc = load_summary(repo)
    assert doc["warnings"] == ["report.html could not be written: ValueError: boom"]
    assert not (run_dir(repo) / "report.html").exists()
    assert "! report.html could not be written: ValueError: boom" in out


def test_text_from_a_task_loses_its_control_sequences() -> None:
    from ameide.evidence.html import _Text

    t = _Text({"API_TOKEN": "s3cr3t-value-123"})
    raw = (
        "\x1b[1;31mred\x1b[0m \x1b]8;;http://x\x07link\x1b]8;;\x07 bell\x07 nul\x00 "
        "<b>&\"'</b> s3cr3t-value-123 ünïcode\ud800"
    )
    # escape sequences gone, other control characters shown (sanitize.printable)
    assert t(raw) == (
        "red link bell^G nul^@ &lt;b&gt;&amp;&quot;&#x27;&lt;/b&gt; [redacted] ünïcode\ud800"
    )


def test_a_missing_toolchain_still_gets_a_page(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = two_package_repo(tmp_path / "repo")
    write_files(repo, {"b/b.go": "package b\n\nfunc B() int { return 2 }\n"})
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # git, but no go
    code, _, _ = run_cli(["test"], repo)
    assert code == 3
    text = Page((run_dir(repo) / "report.html").read_text()).visible
    assert "ERROR ameide test exit 3" in text
    assert "First failure: toolchain go (phase 0)" in text
    assert "command: ameide toolchain check" in text
    assert "No task ran on a worker in this run." in text
