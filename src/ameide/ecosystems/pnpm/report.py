"""What node's test runner says about a failure in its JUnit report, without the wrapping
node puts around it.

Node's JUnit reporter writes the failure three times: the `message` attribute (newlines
dropped, `"` escaped twice: `&amp;quot;`), and a body holding `util.inspect()` of an
`ERR_TEST_FAILURE` error whose message is the assertion's and whose `cause` is the
assertion error itself, with its stack and its properties (`actual`, `expected`, ...)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ameide.evidence.junit import Case

# a frame of node's own machinery (`at Test.run (node:internal/test_runner/test:1047:25)`)
# or of no file (`at new Promise (<anonymous>)`): never where the fix goes
RUNTIME_FRAME = re.compile(r"^\s*at (?:.*\()?(?:node:|internal/|<anonymous>\))")
_CAUSE = re.compile(r"^(\s*)cause: (.*)$")
_CAUSE_STRING = re.compile(r"\bcause: '((?:[^'\\]|\\.)*)'")
_PROP = re.compile(r"^(\s*)(\w+): ")
_FRAME = re.compile(r"^ {4}at \S")  # inspect() indents an error's stack by four
# properties of the assertion error that say nothing the excerpt needs
_NOISE = frozenset(("generatedMessage", "code", "diff", "failureType", "exitCode", "signal"))
# properties the assertion's message shows already when it prints a diff
_VALUES = frozenset(("actual", "expected", "operator"))
_DIFF = re.compile(r"^\+ actual - expected$|^\S.* !==? \S")
# with FORCE_COLOR node marks a diff by colour alone: what is left of it reads as one value
_COLOR_DIFF = "actual expected"
# a test file that failed as a whole (it did not load): the reason is in the log
_NO_DETAIL = "test failed"
# an error node printed as it died: `Error [ERR_MODULE_NOT_FOUND]: ...`, `SyntaxError: ...`
_THROWN = re.compile(r"^\w*Error\b[^:]*: \S")


def case_lines(case: Case) -> list[str]:
    """The assertion error (the `cause`) once: its message with its newlines, its frames in
    the code under test, its `actual`/`expected` when the message shows no diff of them."""
    lines = case.text.strip("\n").splitlines()
    found = next(((i, m) for i, ln in enumerate(lines) if (m := _CAUSE.match(ln))), None)
    if found is None:
        said = _CAUSE_STRING.search(case.text)
        if said:  # `cause: 'test timed out after 100ms'`
            return [] if said.group(1) == _NO_DETAIL else [said.group(1)]
        kept = [ln for ln in lines if not RUNTIME_FRAME.match(ln)]
        return kept or [case.message.replace("&quot;", '"')]
    at, m = found
    indent, head = len(m.group(1)), m.group(2)
    if head.startswith("'"):
        text = head.rstrip(",").strip("'")
        return [] if text == _NO_DETAIL else [text]
    block = [head]
    for ln in lines[at + 1 :]:
        if ln.strip() and len(ln) - len(ln.lstrip()) < indent:
            break  # the end of the wrapping error
        block.append(ln[indent:])
    return _cause(block)


def _cause(block: list[str]) -> list[str]:
    """The cause's message lines, the properties it needs, its frames outside node."""
    message: list[str] = []
    frames: list[str] = []
    props: list[tuple[str, list[str]]] = []
    prop_indent: int | None = None
    for ln in block:
        text = ln.strip()
        if _FRAME.match(ln) and not props:
            frames.append(ln.rstrip().removesuffix(" {"))
        elif not frames:
            message.append(ln)
        elif text in ("}", "},"):
            continue
        elif (m := _PROP.match(ln)) and (prop_indent is None or len(m.group(1)) == prop_indent):
            prop_indent = len(m.group(1))
            props.append((m.group(2), [ln]))
        elif props:
            props[-1][1].append(ln)  # a value over several lines
    colored = any(ln.strip() == _COLOR_DIFF for ln in message)
    if colored:
        message = message[:1]
    shown = any(_DIFF.match(ln.strip()) for ln in message)
    kept = [
        ln
        for name, value in props
        if name not in _NOISE and not (shown and name in _VALUES)
        for ln in value
    ]
    return [*message, *kept, *(f for f in frames if not RUNTIME_FRAME.match(f))]


def thrown(log: list[str]) -> list[str] | None:
    """A log from the first error node printed as it died, without node's own frames
    (None: it printed none)."""
    at = next((i for i, ln in enumerate(log) if _THROWN.match(ln)), None)
    if at is None:
        return None
    return [ln for ln in log[at:] if not RUNTIME_FRAME.match(ln)]
