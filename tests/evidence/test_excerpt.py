"""The first failure's excerpt: the shaping every runner gets (evidence/excerpt.py) and each
runner's parser, on reports the real go test, node --test and pytest wrote
(fixtures/excerpts, captured by tests/evidence/runners.py)."""

from __future__ import annotations

import pytest

from ameide.evidence.excerpt import MAX_LINES, dedupe, location, readable, shape
from tests.evidence.runners import CAPTURE_DIR, FIXTURES, excerpts

# (runner, captured report, the directory it ran in)
REPORTS = {
    "go": ("go", "go-test.jsonl", "go"),
    "node": ("node", "node-junit.xml", "node"),
    "node-color": ("node", "node-junit-color.xml", "node-color"),
    "pytest": ("pytest", "pytest-junit.xml", "py"),
}


def captured(report: str) -> dict[str, tuple[str, str | None, int | None]]:
    runner, name, ran_in = REPORTS[report]
    log = FIXTURES / name.replace(".xml", ".log")
    return excerpts(runner, FIXTURES / name, CAPTURE_DIR / ran_in, log if log.exists() else None)


def check_rules(text: str, file: str | None, line: int | None, test: str) -> list[str]:
    """The rules every excerpt keeps (docs/test.md); its lines."""
    lines = text.splitlines()
    assert 0 < len(lines) <= MAX_LINES, text
    if file and line:
        assert lines[0] == f"{file}:{line}: {test}", text
    assert "\x1b" not in text and "&quot;" not in text and "&#10;" not in text, text
    assert all(ln.strip() for ln in lines), text
    return lines


# ------------------------------------------------------------------ each runner's real failures


def test_go_a_failed_assertion_is_its_own_line() -> None:
    text, file, line = captured("go")["TestTag"]
    assert check_rules(text, file, line, "TestTag") == [
        "price/price_test.go:9: TestTag",
        'price_test.go:9: Tag("Tea", 450) = "<span class=\\"price\\">Tea: 4.50</span>", '
        'want "<span class=\\"price\\">Tea: 4.51</span>"',
    ]


def test_go_a_subtests_message_keeps_its_lines() -> None:
    text, file, line = captured("go")["TestTagTable/1.98"]
    assert check_rules(text, file, line, "TestTagTable/1.98") == [
        "price/price_test.go:22: TestTagTable/1.98",
        "price_test.go:22: Tag(x, 199):",
        '     got  <span class="price">x: 1.99</span>',
        "     want 1.98",
    ]


def test_go_a_panic_keeps_the_frames_of_the_code_under_test() -> None:
    text, file, line = captured("go")["TestLookup"]
    lines = check_rules(text, file, line, "TestLookup")
    assert lines[0] == "lookup/lookup_test.go:10: TestLookup"
    assert lines[1].startswith("panic: runtime error: invalid memory address")
    assert [ln.strip() for ln in lines if ln.startswith("\t")] == [
        "/tmp/ameide-excerpts/go/lookup/lookup_test.go:10",
        "/tmp/ameide-excerpts/go/lookup/lookup_test.go:14",
    ]
    assert "goroutine" not in text and "testing.tRunner" not in text and "+0x" not in text


def test_go_a_build_error_is_located() -> None:
    text, file, line = captured("go")["(package)"]
    assert check_rules(text, file, line, "(package)") == [
        "broken/broken_test.go:6: (package)",
        "package failed (build error or panic)",
        'broken/broken_test.go:6:14: cannot use "x" (untyped string constant) as int value in '
        "variable declaration",
    ]


def test_node_says_the_assertion_once_with_its_newlines() -> None:
    """The bug report: node's JUnit gives the assertion three times (the message attribute
    with its newlines dropped and `"` as `&amp;quot;`, the wrapping error, its cause)."""
    text, file, line = captured("node")["priceTag renders label and amount"]
    assert check_rules(text, file, line, "priceTag renders label and amount") == [
        "test/price.test.js:9: priceTag renders label and amount",
        "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:",
        "+ actual - expected",
        "+ '<span class=\"price\">Tea: 4.50</span>'",
        "- '<span class=\"price\">Tea: 4.51</span>'",
        "                               ^",
        "    at TestContext.<anonymous> (file:///tmp/ameide-excerpts/node/test/price.test.js:9:10)",
    ]
    assert text.count("Expected values to be strictly equal") == 1
    assert "&amp;" not in text and "ERR_TEST_FAILURE" not in text and "node:" not in text


def test_node_keeps_the_entities_of_the_values_a_test_compares() -> None:
    """`Tea &amp; Cake` is what the test expects: decoding it would show two equal values."""
    text, file, line = captured("node")["priceTag keeps entities of the value under test"]
    lines = check_rules(text, file, line, "priceTag keeps entities of the value under test")
    assert lines[3:5] == [
        "+ '<span class=\"price\">Tea & Cake: 4.50</span>'",
        "- '<span class=\"price\">Tea &amp; Cake: 4.50</span>'",
    ]


@pytest.mark.parametrize(
    ("test", "said"),
    [
        ("an order deep-equals", ["+     'cake'", "-     'scone'"]),
        ("a custom message", ["AssertionError [ERR_ASSERTION]: sums must add up", "4 !== 5"]),
        ("a TypeError", ["TypeError: Cannot read properties of undefined (reading 'id')"]),
        ("totals", ["3 !== 4"]),
        ("a slow test times out", ["a slow test times out", "test timed out after 50ms"]),
    ],
)
def test_node_other_failures(test: str, said: list[str]) -> None:
    text, file, line = captured("node")[test]
    lines = check_rules(text, file, line, test)
    assert all(lines.count(s) == 1 for s in said), text
    assert not any(k in text for k in ("generatedMessage", "ERR_TEST_FAILURE", "(node:"))


def test_node_a_test_file_that_did_not_load_shows_its_log() -> None:
    """node's report says only `test failed`; the reason is what the file printed."""
    text, file, line = captured("node")["test/missing-import.test.js"]
    lines = check_rules(text, file, line, "test/missing-import.test.js")
    assert lines[0] == "test/missing-import.test.js"
    assert lines[1].startswith("Error [ERR_MODULE_NOT_FOUND]: Cannot find module '"), text
    assert "node:internal" not in text


def test_node_with_force_color_parses_and_shows_actual_and_expected() -> None:
    """FORCE_COLOR puts terminal codes into node's JUnit file (not even XML any more) and
    marks the diff by colour alone: the values come from the error's properties."""
    found = captured("node-color")
    assert len(found) == 8
    text, file, line = found["priceTag renders label and amount"]
    assert check_rules(text, file, line, "priceTag renders label and amount")[:4] == [
        "test/price.test.js:9: priceTag renders label and amount",
        "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:",
        "  actual: '<span class=\"price\">Tea: 4.50</span>',",
        "  expected: '<span class=\"price\">Tea: 4.51</span>',",
    ]
    for name, (text, file, line) in found.items():
        check_rules(text, file, line, name)


def test_pytest_the_failed_statement_then_the_assertion_once() -> None:
    text, file, line = captured("pytest")["test_price_tag"]
    assert check_rules(text, file, line, "test_price_tag") == [
        "check_price.py:11: test_price_tag",
        '>       assert price_tag("Tea", 450) == \'<span class="price">Tea: 4.51</span>\'',
        "E       assert '<span class=...: 4.50</span>' == '<span class=...: 4.51</span>'",
        'E         - <span class="price">Tea: 4.51</span>',
        "E         ?                             ^",
        'E         + <span class="price">Tea: 4.50</span>',
        "E         ?                             ^",
        "check_price.py:11: AssertionError",
    ]


def test_pytest_a_raise_in_a_helper_shows_both_entries() -> None:
    text, file, line = captured("pytest")["test_raises_in_a_helper"]
    assert check_rules(text, file, line, "test_raises_in_a_helper") == [
        "check_price.py:24: test_raises_in_a_helper",
        '>       _parse("<4.50>")',
        "check_price.py:24:",
        '>       raise ValueError(f"bad value: {value!r}")',
        "E       ValueError: bad value: '<4.50>'",
        "check_price.py:20: ValueError",
    ]


def test_pytest_a_setup_error_keeps_the_message_the_e_lines_do_not_say() -> None:
    text, file, line = captured("pytest")["test_setup_error"]
    lines = check_rules(text, file, line, "test_setup_error")
    assert lines[1:3] == [
        'failed on setup with "RuntimeError: fixture broke"',
        '>       raise RuntimeError("fixture broke")',
    ]


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_every_captured_failure_keeps_the_rules(report: str) -> None:
    found = captured(report)
    assert found
    for name, (text, file, line) in found.items():
        lines = check_rules(text, file, line, name)
        if file:
            assert lines[0].startswith(f"{file}:"), text


# ------------------------------------------------------------------ the shaping every runner gets


def test_location_says_what_is_known() -> None:
    assert location("t", "a/b.py", 3) == "a/b.py:3: t"
    assert location("t", "a/b.py", None) == "a/b.py: t"
    assert location(None, "a/b.py", 3) == "a/b.py:3"
    assert location("t", None, None) == "t"
    assert location(None, None, None) is None


def test_readable_strips_terminal_codes_and_restores_encoded_newlines() -> None:
    assert readable("\x1b[31mfailed\x1b[39m:&#10;  want 1&#10;  got 2\r\n") == (
        "failed:\n  want 1\n  got 2\n"
    )


def test_readable_decodes_a_text_escaped_once_too_often() -> None:
    assert readable("&amp;lt;b class=&amp;quot;x&amp;quot;&amp;gt;") == '<b class="x">'
    assert readable("expected &quot;a&quot; to be &quot;b&quot;") == 'expected "a" to be "b"'


def test_readable_keeps_entities_next_to_raw_markup() -> None:
    """Raw `<` or `"` next to `&amp;`: the text was not escaped, the entity is a value."""
    text = "- '<span>Tea &amp; Cake</span>'\n+ '<span>Tea & Cake</span>'"
    assert readable(text) == text
    assert readable("'a&b' == 'a&amp;b'") == "'a&b' == 'a&amp;b'"


def test_dedupe_drops_a_message_said_again_across_lines() -> None:
    collapsed = "Expected values:+ actual - expected+ 'a &quot;b&quot;'- 'a &quot;c&quot;'"
    assert dedupe(
        [collapsed, "Expected values:", "+ actual - expected", "+ 'a \"b\"'", "- 'a \"c\"'"]
    ) == ["Expected values:", "+ actual - expected", "+ 'a \"b\"'", "- 'a \"c\"'"]


def test_dedupe_keeps_the_last_and_fullest_telling() -> None:
    assert dedupe(["boom: it broke", "x", "E   boom: it broke", "}", "}"]) == [
        "x",
        "E   boom: it broke",
        "}",
        "}",
    ]


def test_shape_puts_the_location_first_and_keeps_twenty_lines() -> None:
    lines = [f"line {i} of a long failure" for i in range(40)]
    text = shape("a_test.go:3: TestX", ["", *lines, "x" * 1000])
    out = text.splitlines()
    assert len(out) == MAX_LINES
    assert out[:2] == ["a_test.go:3: TestX", "line 0 of a long failure"]
    assert shape(None, ["y" * 1000]) == "y" * 400 + " ... (+600 characters)"
