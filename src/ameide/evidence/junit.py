"""JUnit XML: parsing the tools' own reports, synthetic entries for tasks that produced none,
and one merged file per phase (ecosystems convert other native reports to Cases).

Failure texts are capped, so a task that printed hundreds of megabytes does not balloon
memory.
"""

from __future__ import annotations

import functools
import os
import re
from typing import TYPE_CHECKING

from ameide.records import record

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET
    from collections.abc import Iterable

MAX_TEXT = 64 * 1024  # per failure text


@record
class Case:
    suite: str
    classname: str
    name: str
    time: float
    status: str  # passed | failed | error | skipped
    message: str = ""
    text: str = ""
    file: str | None = None
    line: int | None = None


_NOT_XML_SET = "[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
_NOT_XML: re.Pattern[str] | None = None  # compiled on first non-ASCII text: ~7 ms
_NOT_XML_ASCII = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_ATTR_SPECIAL = re.compile('[&<>"\n\r\t]')


def xml_safe(s: str) -> str:
    """Drop ANSI colour codes and characters XML 1.0 cannot carry."""
    global _NOT_XML
    if "\x1b" in s:
        s = _ANSI.sub("", s)
    if s.isascii():
        return _NOT_XML_ASCII.sub("", s)
    if _NOT_XML is None:
        _NOT_XML = re.compile(_NOT_XML_SET)
    return _NOT_XML.sub("", s)


def cap_text(s: str) -> str:
    """A failure text cut to MAX_TEXT characters (its head and its tail kept)."""
    if len(s) <= MAX_TEXT:
        return s
    return s[: MAX_TEXT // 2] + "\n... [truncated] ...\n" + s[-MAX_TEXT // 2 :]


def parse_junit(path: str, default_suite: str) -> list[Case]:
    """Cases from a JUnit file written by pytest, node's test runner or another tool."""
    import xml.etree.ElementTree as ET  # only when a tool wrote a report (~5 ms)

    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        cleaned = _without_controls(path)
        if cleaned is None:
            raise
        root = cleaned
    cases: list[Case] = []

    def walk(el: ET.Element, suite: str) -> None:
        for child in el:
            if child.tag == "testsuite":
                walk(child, child.get("name") or suite)
            elif child.tag == "testcase":
                cases.append(_case(child, suite))
            elif child.tag == "testsuites":
                walk(child, suite)

    if root.tag == "testcase":
        cases.append(_case(root, default_suite))
    else:
        walk(root, root.get("name") or default_suite if root.tag == "testsuite" else default_suite)
    return cases


def _without_controls(path: str) -> ET.Element | None:
    """A report that holds what XML cannot, parsed without it: node's JUnit reporter, run
    with FORCE_COLOR, writes terminal colour codes into it. None: it holds none."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        text = fh.read()
    cleaned = xml_safe(text)
    import xml.etree.ElementTree as ET

    return None if cleaned == text else ET.fromstring(cleaned)


def _case(el: ET.Element, suite: str) -> Case:
    status, message, text = "passed", "", ""
    for tag, st in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
        sub = el.find(tag)
        if sub is not None:
            status = st
            message = sub.get("message") or ""
            text = cap_text(sub.text or "")
            break
    line = el.get("line")
    try:
        t = float(el.get("time") or 0)
    except ValueError:
        t = 0.0
    return Case(
        suite,
        el.get("classname") or suite,
        el.get("name") or "(unnamed)",
        t,
        status,
        message,
        text,
        el.get("file"),
        int(line) if line and line.isdigit() else None,
    )


def synthetic_case(
    suite: str, name: str, status: str, elapsed: float, message: str, text: str
) -> Case:
    return Case(suite, f"ameide.{suite}", name, elapsed, status, message, cap_text(text))


@functools.lru_cache(maxsize=4096)  # a task's id is its suite's name, property and case name
def _attr(s: str) -> str:
    """An attribute value as ElementTree escapes one (newlines and tabs kept as references)."""
    s = xml_safe(s)
    if _ATTR_SPECIAL.search(s):
        s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        s = s.replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;")
        s = s.replace("\t", "&#09;")
    return s


def _text(s: str) -> str:
    s = xml_safe(s)
    if "&" in s or "<" in s or ">" in s:
        s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s


_OUTCOME = {"failed": "failure", "error": "error"}  # a case's status -> its JUnit element
_COUNTED = {"failed": "failures", "error": "errors", "skipped": "skipped"}  # -> suite count


def _testcase(c: Case, out: list[str]) -> None:
    attrs = f'classname="{_attr(c.classname)}" name="{_attr(c.name)}" time="{c.time:.3f}"'
    if c.file:
        attrs += f' file="{_attr(c.file)}"'
    if c.line is not None:
        attrs += f' line="{c.line}"'
    if c.status in _OUTCOME:
        tag = _OUTCOME[c.status]
        out.append(
            f"    <testcase {attrs}>\n"
            f'      <{tag} message="{_attr(c.message or c.status)}">{_text(c.text)}</{tag}>\n'
            "    </testcase>"
        )
    elif c.status == "skipped":
        out.append(
            f"    <testcase {attrs}>\n"
            f'      <skipped message="{_attr(c.message or "skipped")}" />\n'
            "    </testcase>"
        )
    else:
        out.append(f"    <testcase {attrs} />")


def write_phase_junit(
    path: str, phase_name: str, groups: Iterable[tuple[str, list[Case]]]
) -> dict[str, int]:
    """Write one merged JUnit file for a phase: a <testsuite> per (task, suite).

    Written as text (the layout ElementTree's indent gives): building a tree and serialising
    it cost ~40 ms for 500 tasks, a tenth of what the tasks themselves take."""
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    body: list[str] = []
    for task_id, cases in groups:
        suites: dict[str, list[Case]] = {}
        for c in cases:
            suites.setdefault(c.suite, []).append(c)
        for suite_name, members in suites.items():
            counts = {"tests": len(members), "failures": 0, "errors": 0, "skipped": 0}
            lines: list[str] = []
            for c in members:
                if c.status in _COUNTED:
                    counts[_COUNTED[c.status]] += 1
                _testcase(c, lines)
            stime = sum(c.time for c in members)
            for k, v in counts.items():
                totals[k] += v
            total_time += stime
            head = " ".join(f'{k}="{v}"' for k, v in counts.items())
            body.append(
                f'  <testsuite name="{_attr(suite_name)}" {head} time="{stime:.3f}">\n'
                "    <properties>\n"
                f'      <property name="ameide.task" value="{_attr(task_id)}" />\n'
                "    </properties>\n" + "\n".join(lines) + "\n  </testsuite>"
            )
    head = " ".join(f'{k}="{v}"' for k, v in totals.items())
    top = f'<testsuites name="{_attr(phase_name)}" {head} time="{total_time:.3f}"'
    doc = "<?xml version='1.0' encoding='utf-8'?>\n" + (
        f"{top}>\n" + "\n".join(body) + "\n</testsuites>" if body else f"{top} />"
    )
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8", errors="surrogateescape") as fh:
        fh.write(doc)
    os.replace(tmp, path)
    return totals
