"""Go's reports: `go test -json` converted to cases, and where a Go failure is (`file:line`
from a test's output, a compiler or vet error, a panic's stack)."""

from __future__ import annotations

import json
import os
import re
from typing import TYPE_CHECKING

from ameide.evidence.junit import MAX_TEXT, Case, cap_text
from ameide.records import replace

if TYPE_CHECKING:
    from ameide.task import Task


def gotest_json_to_cases(path: str, suite_prefix: str = "") -> tuple[list[Case], str]:
    """Cases from a `go test -json` stream, plus the human-readable output (for the log)."""
    outputs: dict[tuple[str, str], list[str]] = {}
    results: dict[tuple[str, str], tuple[str, float]] = {}
    order: list[tuple[str, str]] = []
    human: list[str] = []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                ev = json.loads(line)
            except ValueError:
                human.append(line + "\n")  # build errors are printed as plain text
                continue
            if not isinstance(ev, dict):
                continue
            pkg = str(ev.get("Package", ""))
            test = str(ev.get("Test", ""))
            key = (pkg, test)
            action = ev.get("Action")
            if action == "output":
                out = str(ev.get("Output", ""))
                human.append(out)
                buf = outputs.setdefault(key, [])
                if sum(len(x) for x in buf) < MAX_TEXT:
                    buf.append(out)
            elif action == "build-output":
                human.append(str(ev.get("Output", "")))
                outputs.setdefault((str(ev.get("ImportPath", "")).split(" ")[0], ""), []).append(
                    str(ev.get("Output", ""))
                )
            elif action in ("pass", "fail", "skip"):
                if key not in results:
                    order.append(key)
                results[key] = (str(action), float(ev.get("Elapsed", 0) or 0))
    cases: list[Case] = []
    for pkg, test in order:
        action, elapsed = results[(pkg, test)]
        if not test:
            # a package-level result: only interesting when it failed without a failing test
            failed_tests = any(p == pkg and t and results[(p, t)][0] == "fail" for p, t in order)
            if action == "fail" and not failed_tests:
                text = "".join(outputs.get((pkg, ""), []))
                cases.append(
                    Case(
                        suite_prefix + pkg,
                        pkg,
                        "(package)",
                        elapsed,
                        "error",
                        "package failed (build error or panic)",
                        cap_text(text),
                    )
                )
            continue
        status = {"pass": "passed", "fail": "failed", "skip": "skipped"}[action]
        text = "".join(outputs.get((pkg, test), [])) if status != "passed" else ""
        cases.append(
            Case(
                suite_prefix + pkg,
                pkg,
                test,
                elapsed,
                status,
                f"{test} failed" if status == "failed" else "",
                cap_text(text),
            )
        )
    return cases, "".join(human)


_GO_POS = re.compile(r"^\s+([\w.-]+\.go):(\d+):", re.M)
_FAILURE_WORDS = re.compile(
    r"\b(?:got|want(?:ed)?|expected|unexpected|error|err|fail(?:ed|ure)?|mismatch|differ|"
    r"should|must|panic|not equal|!=)\b|!=",
    re.I,
)


def locate_go(case: Case, task: Task) -> Case:
    """File and line of a failed Go test, from its `file_test.go:12:` output. `t.Logf` and
    `t.Errorf` print alike: the first line that reads like a failure (got/want, expected,
    error, fail, mismatch, ...), else the last one (a test that logs its progress fails
    after it, and a `t.Fatal` is always last)."""
    if case.status not in ("failed", "error") or case.file:
        return case
    found = list(_GO_POS.finditer(case.text))
    if not found:
        return case

    def says(f: re.Match[str]) -> str:
        end = case.text.find("\n", f.end())
        return case.text[f.end() : end if end >= 0 else None]

    m = next((f for f in found if _FAILURE_WORDS.search(says(f))), found[-1])
    pkg_dir = task.params.get("dirs", {}).get(case.classname)
    if pkg_dir is None:
        return case
    path = m.group(1) if pkg_dir == "." else f"{pkg_dir}/{m.group(1)}"
    return replace(case, file=path, line=int(m.group(2)))


# a compiler or vet position, relative to where go ran: `strutil/strutil.go:15:9: cannot use`
_GO_BUILD_POS = re.compile(r"^(?:vet: )?((?:\.\./)*[\w./-]+\.go):(\d+)(?::\d+)?: ", re.M)


def locate_go_build(case: Case, root: str, task: Task) -> Case:
    """File and line of a Go task that failed before reporting a test (a build or vet error),
    or of a panic whose stack names a file under the root."""
    if case.status not in ("failed", "error") or case.file:
        return case
    m = re.search(re.escape(root.rstrip("/")) + r"/([^\s:()'\"]+\.go):(\d+)", case.text)
    if m:
        return replace(case, file=m.group(1), line=int(m.group(2)))
    m = _GO_BUILD_POS.search(case.text)
    if m:
        path = os.path.normpath(os.path.join(task.cwd, m.group(1)))
        if not path.startswith("..") and os.path.isfile(os.path.join(root, path)):
            return replace(case, file=path, line=int(m.group(2)))
    return case


def locate_case(case: Case, root: str, task: Task) -> Case:
    """A Go test's own position, else a build/vet error's or a panic's (paths relative to
    the root already: the generic locator would join them to the module dir again)."""
    return locate_go_build(locate_go(case, task), root, task)


# what `go test` prints around a test's own output: its start, pauses and verdicts
_GO_AROUND = re.compile(
    r"^(?:=== (?:RUN|PAUSE|CONT|NAME)\s|\s*--- (?:FAIL|PASS|SKIP): |(?:FAIL|PASS|ok)(?:\s|$)|"
    r"exit status \d+$|# \S)"
)
_GOROUTINE = re.compile(r"^goroutine \d+ \[")
# a frame of the runtime or the testing package: never where the fix goes
_GO_RUNTIME_FRAME = re.compile(r"^(?:created by )?(?:testing|runtime)\.|^panic\(")
_FRAME_PC = re.compile(r" \+0x[0-9a-f]+$")


_KEEP = 17  # lines of a test's output kept: with the location and the message, under 20


def case_lines(case: Case) -> list[str]:
    """What a failed Go test said: its `file_test.go:12: message` lines (dedented), a
    panic with the frames of the code under test. Not what `go test` prints around them
    (`=== RUN`, `--- FAIL`), the runtime's frames, or the converter's `TestX failed`."""
    lines = _user_frames([ln for ln in case.text.splitlines() if not _GO_AROUND.match(ln)])
    lines = _dedent(lines)
    if len(lines) > _KEEP:  # a test that logged its way to the failure: the failure is last
        lines = [f"... ({len(lines) - _KEEP + 1} earlier lines)", *lines[-_KEEP + 1 :]]
    if case.message and (case.message != f"{case.name} failed" or not lines):
        lines.insert(0, case.message)
    return lines


def _user_frames(lines: list[str]) -> list[str]:
    """A panic's stack without the goroutine headers and the runtime's and testing's frames
    (a frame is a function line and a tab-indented `file.go:12 +0x1d` line)."""
    out: list[str] = []
    stack = False
    i = 0
    while i < len(lines):
        ln = lines[i]
        if _GOROUTINE.match(ln):
            stack = True
        elif not ln.strip():
            stack = False
        elif stack and i + 1 < len(lines) and lines[i + 1].startswith("\t"):
            if not _GO_RUNTIME_FRAME.match(ln):
                out += [ln, _FRAME_PC.sub("", lines[i + 1])]
            i += 1
        else:
            out.append(ln)
        i += 1
    return out


def _dedent(lines: list[str]) -> list[str]:
    """Without the indentation every line has (`go test` indents a test's output by 4)."""
    widths = [len(ln) - len(ln.lstrip(" ")) for ln in lines if ln.strip()]
    cut = min(widths, default=0)
    return [ln[cut:] for ln in lines]
