"""JUnit evidence: native reports, synthetic cases, merging."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ameide.evidence.junit import (
    Case,
    parse_junit,
    synthetic_case,
    write_phase_junit,
    xml_safe,
)

PYTEST_XML = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="2" failures="1">
<testcase classname="tests.test_a" name="test_ok" file="tests/test_a.py" line="3" time="0.01"/>
<testcase classname="tests.test_a" name="test_bad" file="tests/test_a.py" line="7" time="0.02">
<failure message="assert 1 == 2">def test_bad():
&gt;       assert 1 == 2
E       assert 1 == 2</failure></testcase>
</testsuite></testsuites>"""

NODE_XML = """<?xml version="1.0" encoding="utf-8"?>
<testsuites>
  <testcase name="adds" time="0.001" classname="test"/>
  <testsuite name="group"><testcase name="nested" time="0.002" classname="test">
    <skipped type="skipped" message="todo"/></testcase></testsuite>
</testsuites>"""


def test_pytest_and_node_reports_are_read(tmp_path: Path) -> None:
    (tmp_path / "p.xml").write_text(PYTEST_XML)
    (tmp_path / "n.xml").write_text(NODE_XML)
    p = parse_junit(str(tmp_path / "p.xml"), "task")
    assert [(c.suite, c.name, c.status, c.file, c.line) for c in p] == [
        ("pytest", "test_ok", "passed", "tests/test_a.py", 3),
        ("pytest", "test_bad", "failed", "tests/test_a.py", 7),
    ]
    assert p[1].message == "assert 1 == 2" and "E       assert 1 == 2" in p[1].text
    n = parse_junit(str(tmp_path / "n.xml"), "task")
    assert [(c.suite, c.name, c.status) for c in n] == [
        ("task", "adds", "passed"),
        ("group", "nested", "skipped"),
    ]


def test_a_report_with_terminal_codes_is_read_without_them(tmp_path: Path) -> None:
    """node's JUnit reporter under FORCE_COLOR writes colour codes, which XML cannot hold."""
    (tmp_path / "c.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<testsuites>\n'
        '<testcase name="t" time="0.1" classname="test" failure="\x1b[32mactual\x1b[39m">'
        '<failure message="\x1b[32mactual\x1b[39m 4 !== 5">AssertionError: \x1b[31m5\x1b[39m'
        "</failure></testcase>\n</testsuites>\n"
    )
    [case] = parse_junit(str(tmp_path / "c.xml"), "task")
    assert (case.name, case.status, case.message, case.text) == (
        "t",
        "failed",
        "actual 4 !== 5",
        "AssertionError: 5",
    )
    (tmp_path / "cut.xml").write_text("<testsuites><testcase")
    with pytest.raises(ET.ParseError):  # a report cut short is still unreadable
        parse_junit(str(tmp_path / "cut.xml"), "task")


def test_phase_file_merges_tasks_and_counts(tmp_path: Path) -> None:
    out = tmp_path / "phase1" / "junit.xml"
    cases_a = [
        Case("pkg", "pkg", "TestA", 0.5, "passed"),
        Case("pkg", "pkg", "TestB", 0.25, "failed", "TestB failed", "boom\x1b[31m\x00"),
    ]
    synth = [
        synthetic_case(
            "pnpm:x test", "pnpm:x test", "error", 1.0, "exit code 2", "$ pnpm run test\ncrashed"
        )
    ]
    totals = write_phase_junit(
        str(out), "phase1-unit", [("go test m", cases_a), ("pnpm:x test", synth)]
    )
    assert totals == {"tests": 3, "failures": 1, "errors": 1, "skipped": 0}
    root = ET.parse(out).getroot()
    assert root.get("name") == "phase1-unit" and root.get("tests") == "3"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["pkg", "pnpm:x test"]
    assert suites[0].find("properties/property").get("value") == "go test m"  # type: ignore
    failure = suites[0].findall("testcase")[1].find("failure")
    assert failure is not None and failure.text == "boom"  # ANSI and NUL removed
    err = suites[1].find("testcase/error")
    assert err is not None and err.get("message") == "exit code 2"


def test_xml_safe_drops_control_characters() -> None:
    assert xml_safe("a\x1b[1mb\x07c\td") == "abc\td"
