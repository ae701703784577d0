"""Failure excerpts from live runs of the real go test, node --test and pytest, and from
`ameide test` over the example monorepo: at most twenty lines, the location first, the
assertion once, no entity or terminal code left (the fixtures' tests are
tests/evidence/test_excerpt.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ameide.evidence.excerpt import MAX_LINES
from tests.evidence import runners
from tests.integration.conftest import Mono, append, closing_block, load_summary

pytestmark = pytest.mark.integration

RunCli = Callable[[list[str], Path], tuple[int, str, str]]


def acts_on(text: str, first: str, assertion: str) -> list[str]:
    """The rules an agent relies on; the excerpt's lines."""
    lines = text.splitlines()
    assert len(lines) <= MAX_LINES, text
    assert lines[0] == first, text
    assert text.count(assertion) == 1, text
    for junk in ("&quot;", "&amp;", "&#10;", "\x1b"):
        assert junk not in text, text
    return lines


def test_go_test_live(tmp_path: Path) -> None:
    work = tmp_path / "go"
    found = runners.excerpts("go", runners.go_test(work), work)
    text, file, line = found["TestTag"]
    assert (file, line) == ("price/price_test.go", 9)
    lines = acts_on(text, "price/price_test.go:9: TestTag", 'Tag("Tea", 450) = ')
    assert lines[1].startswith("price_test.go:9: ")
    text, _, _ = found["TestLookup"]
    acts_on(text, "lookup/lookup_test.go:10: TestLookup", "panic: runtime error")
    # thirty t.Logf lines, then the t.Errorf: located at the failure, which the excerpt keeps
    text, file, line = found["TestSteps"]
    assert (file, line) == ("progress/progress_test.go", 12)
    lines = acts_on(text, "progress/progress_test.go:12: TestSteps", "total = 29, want 30")
    assert lines[-1] == "progress_test.go:12: total = 29, want 30"
    assert "earlier lines" in lines[1]


def test_node_test_runner_live(tmp_path: Path) -> None:
    work = tmp_path / "node"
    found = runners.excerpts("node", runners.node_test(work), work, work / "node.log")
    text, file, line = found["priceTag renders label and amount"]
    assert (file, line) == ("test/price.test.js", 9)
    lines = acts_on(
        text,
        "test/price.test.js:9: priceTag renders label and amount",
        "Expected values to be strictly equal:",
    )
    assert "+ '<span class=\"price\">Tea: 4.50</span>'" in lines
    assert "- '<span class=\"price\">Tea: 4.51</span>'" in lines
    # a test file that did not load: node's report says `test failed`, its log why
    text, _, _ = found["test/missing-import.test.js"]
    lines = acts_on(text, "test/missing-import.test.js", "Cannot find module")
    assert lines[1].startswith("Error [ERR_MODULE_NOT_FOUND]: "), text


def test_node_test_runner_with_force_color_live(tmp_path: Path) -> None:
    work = tmp_path / "node"
    found = runners.excerpts("node", runners.node_test(work, color=True), work)
    text, _, _ = found["priceTag renders label and amount"]
    lines = acts_on(
        text,
        "test/price.test.js:9: priceTag renders label and amount",
        "Expected values to be strictly equal:",
    )
    assert "  expected: '<span class=\"price\">Tea: 4.51</span>'," in lines


def test_pytest_live(tmp_path: Path) -> None:
    work = tmp_path / "py"
    found = runners.excerpts("pytest", runners.pytest_junit(work), work)
    text, file, line = found["test_price_tag"]
    assert (file, line) == ("check_price.py", 11)
    lines = acts_on(
        text,
        "check_price.py:11: test_price_tag",
        "assert '<span class=...: 4.50</span>' == '<span class=...: 4.51</span>'",
    )
    assert lines[-1] == "check_price.py:11: AssertionError"


# ------------------------------------------------------------------ end to end

UI_TEST = "js/ui/test/index.test.js"


def test_the_bug_reports_js_failure_in_summary_json_and_the_closing_block(
    mono: Mono, run_cli: RunCli
) -> None:
    """A JS assertion on markup: 23 lines, the assertion three times, newlines collapsed,
    `&quot;` left, the location at line 25 of 49. Now: the location first, the assertion
    once, with its lines."""
    repo = mono()
    append(
        repo,
        UI_TEST,
        '\ntest("priceTag breaks on purpose", () => {\n'
        '  assert.equal(priceTag("Tea", 450, "EUR"), '
        '\'<span class="price" id="tea">Tea: 4.51 EUR</span>\');\n'
        "});\n",
    )
    line = len((repo / UI_TEST).read_text().splitlines()) - 1

    code, out, _ = run_cli(["test"], repo)

    assert code == 1, out
    ff = load_summary(repo)["first_failure"]
    assert (ff["test"], ff["file"], ff["line"]) == ("priceTag breaks on purpose", UI_TEST, line)
    lines = acts_on(
        ff["excerpt"],
        f"{UI_TEST}:{line}: priceTag breaks on purpose",
        "Expected values to be strictly equal:",
    )
    assert lines[1:5] == [
        "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:",
        "+ actual - expected",
        '+ \'<span class="price" id="tea">Tea: 4.50 EUR</span>\'',
        '- \'<span class="price" id="tea">Tea: 4.51 EUR</span>\'',
    ]
    closing = closing_block(out).splitlines()
    assert f"  | {lines[0]}" in closing
    assert sum("Expected values to be strictly equal" in ln for ln in closing) == 1
