"""JUnit XML: parsing the tools' own reports, synthetic entries for tasks that produced none,
and one merged file per phase (ecosystems convert other native reports to Cases).

Failure texts are capped, so a task that printed hundreds of megabytes does not balloon
memory.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from ameide.records import record

if TYPE_CHECKING:
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
    root = ET.parse(path).getroot()
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


def write_phase_junit(
    path: str, phase_name: str, groups: Iterable[tuple[str, list[Case]]]
) -> dict[str, int]:
    """Write one merged JUnit file for a phase: a <testsuite> per (task, suite)."""
    top = ET.Element("testsuites", name=phase_name)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    for task_id, cases in groups:
        suites: dict[str, list[Case]] = {}
        for c in cases:
            suites.setdefault(c.suite, []).append(c)
        for suite_name, members in suites.items():
            s = ET.SubElement(top, "testsuite", name=xml_safe(suite_name))
            ET.SubElement(
                ET.SubElement(s, "properties"), "property", name="ameide.task", value=task_id
            )
            counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
            stime = 0.0
            for c in members:
                attrs = {
                    "classname": xml_safe(c.classname),
                    "name": xml_safe(c.name),
                    "time": f"{c.time:.3f}",
                }
                if c.file:
                    attrs["file"] = c.file
                if c.line is not None:
                    attrs["line"] = str(c.line)
                tc = ET.SubElement(s, "testcase", attrs)
                counts["tests"] += 1
                stime += c.time
                if c.status == "failed":
                    counts["failures"] += 1
                    ET.SubElement(
                        tc, "failure", message=xml_safe(c.message or "failed")
                    ).text = xml_safe(c.text)
                elif c.status == "error":
                    counts["errors"] += 1
                    ET.SubElement(
                        tc, "error", message=xml_safe(c.message or "error")
                    ).text = xml_safe(c.text)
                elif c.status == "skipped":
                    counts["skipped"] += 1
                    ET.SubElement(tc, "skipped", message=xml_safe(c.message or "skipped"))
            for k, v in counts.items():
                s.set(k, str(v))
                totals[k] += v
            s.set("time", f"{stime:.3f}")
            total_time += stime
    for k, v in totals.items():
        top.set(k, str(v))
    top.set("time", f"{total_time:.3f}")
    ET.indent(top)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    ET.ElementTree(top).write(tmp, encoding="utf-8", xml_declaration=True)
    os.replace(tmp, path)
    return totals
