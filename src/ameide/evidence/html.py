"""report.html: a run's evidence for people, one self-contained file beside summary.json.

Built from the summary.json document only (plus the tail of each failed task's log): the
phases, a timeline of every task on its worker lane, the failures with their excerpts and
log links, the affected targets with their reason chains, the changed files. No network and
no external assets (a Content-Security-Policy forbids loading anything); every piece of text
that came from a task or the repository is HTML-escaped, stripped of terminal control codes
and cleared of credential values. docs/test.md describes it.
"""

from __future__ import annotations

import math
import os
import re
from typing import TYPE_CHECKING, Any

from ameide.report.runfacts import (
    FAILED,
    case_counts,
    plural,
    ran_cached,
    tasks,
)
from ameide.sanitize import Scrubber, printable

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

REPORT = "report.html"
MAX_EXCERPTS = 40  # failed tasks shown with a log excerpt; the rest are listed
EXCERPT_LINES = 30
CASES_SHOWN = 3  # failing cases shown per failed task
EXCERPT_BYTES = 6 * 1024
MAX_FILES = 400  # changed files listed (summary.json has all)
_LABEL_CH = 6.4  # width of a label character in the timeline, in its own units


def write_report(
    run_dir: str, doc: Mapping[str, Any], env: Mapping[str, str] | None = None
) -> list[str]:
    """Write `<run_dir>/report.html`; a warning for summary.json if that failed (a report
    must never fail a run)."""
    try:
        page = render(doc, run_dir, env)
        from ameide.fsutil import atomic_write_bytes

        # "replace": a lone surrogate from a task's output must not cost the page
        atomic_write_bytes(os.path.join(run_dir, REPORT), page.encode("utf-8", "replace"))
    except Exception as exc:
        return [f"report.html could not be written: {type(exc).__name__}: {exc}"]
    return []


class _Text:
    """Text from tasks and the repository, made safe for the page: escape sequences dropped
    and other control characters made visible (sanitize.printable), credential values
    redacted, HTML-escaped."""

    def __init__(self, env: Mapping[str, str] | None) -> None:
        self._redact = Scrubber(os.environ if env is None else env).text
        self._done: dict[str, str] = {}  # a task id appears in the timeline, table, targets

    def __call__(self, value: object) -> str:
        s = str(value)
        done = self._done.get(s)
        if done is None:
            done = self._done[s] = escape(self._redact(printable(s)))
        return done


def _dur(seconds: object) -> str:
    s = float(seconds) if isinstance(seconds, int | float) else 0.0
    if s < 1:
        return f"{s * 1000:.0f}ms"
    if s < 10:
        return f"{s:.2f}s"
    if s < 60:
        return f"{s:.1f}s"
    return f"{int(s // 60)}m{int(s % 60):02d}s"


# html.escape and urllib.parse.quote, without their imports (~15 ms on every run's page)
_UNSAFE = re.compile(r"[^A-Za-z0-9/._~-]")


def escape(text: str) -> str:
    """Text made safe in HTML content and in quoted attributes. (str.replace, not a
    translate table: that maps character by character in Python, 3 us a value, and a page
    of 500 tasks escapes 6,000 values.)"""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text or ">" in text:
        text = text.replace("<", "&lt;").replace(">", "&gt;")
    if '"' in text or "'" in text:
        text = text.replace('"', "&quot;").replace("'", "&#x27;")
    return text


def _href(rel: str) -> str:
    """A relative link: every byte outside the unreserved set percent-encoded."""
    return _UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), rel)


def render(
    doc: Mapping[str, Any], run_dir: str | None = None, env: Mapping[str, str] | None = None
) -> str:
    """The page. `run_dir` lets it read the tails of failed tasks' logs (None: it does not)."""
    t = _Text(env)
    result = str(doc.get("result", "?"))
    mode = {"test": "test", "ci": "test ci", "run": "run"}.get(str(doc.get("mode")), "test")
    title = f"ameide {mode}: {result.upper()} · {doc.get('run_id', '')}"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        # nothing may load: the report is read offline, from code-server or an artifact
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{t(title)}</title>",
        f"<style>{_CSS}</style>",
        f'</head><body data-result="{t(result)}">',
        _header(doc, t, mode, result),
        _first_failure(doc, t),
        _phases(doc, t),
        _timeline(doc, t),
        _failures(doc, t, run_dir),
        _task_table(doc, t),
        _targets(doc, t),
        _changed(doc, t),
        _notes(doc, t),
        '<footer>written by ameide beside <a href="summary.json">summary.json</a>, '
        "which holds the same run for tools (docs/test.md)</footer>",
        f"<script>{_JS}</script>",
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def _header(doc: Mapping[str, Any], t: Callable[[object], str], mode: str, result: str) -> str:
    totals = doc.get("totals") or {}
    base = doc.get("base") or {}
    head = str(doc.get("head") or "")
    n_tests, n_checks = case_counts(doc)
    ran, cached = ran_cached(doc)
    failed = sum(1 for x in tasks(doc) if x.get("status") in FAILED)
    where = [f"run <code>{t(doc.get('run_id', ''))}</code>"]
    if doc.get("branch") or head:
        where.append(
            f"<code>{t(doc.get('branch') or 'detached')}</code> at "
            f"<code>{t(head[:10] or 'no commit')}</code>" + (" (dirty)" if doc.get("dirty") else "")
        )
    if base:
        commit = str(base.get("commit") or "")
        where.append(
            f"base <code>{t(base.get('ref') or '(none)')}</code> @ "
            f"<code>{t(commit[:10] or 'empty tree')}</code> ({t(base.get('source', ''))})"
        )
    where.append(f"started {t(doc.get('started_at', ''))}")
    facts = [
        ("targets", plural(len(doc.get("targets") or []), "target")),
        ("tasks", plural(int(totals.get("tasks") or 0), "task")),
        ("ran", f"{ran} ran"),
        ("cached", f"{cached} replayed from the cache"),
        ("checks", plural(n_checks, "check")),
        ("tests", plural(n_tests, "test case")),
        ("failed", plural(failed, "failed task")),
        ("duration", _dur(totals.get("duration"))),
    ]
    chips = "".join(
        f'<li class="fact {k}{" bad" if k == "failed" and failed else ""}">{t(v)}</li>'
        for k, v in facts
    )
    nav = " · ".join(
        f'<a href="#{a}">{b}</a>'
        for a, b in (
            ("phases", "phases"),
            ("timeline", "timeline"),
            ("failures", "failures"),
            ("tasks", "tasks"),
            ("targets", "affected targets"),
            ("changed", "changed files"),
        )
    )
    return (
        f'<header><h1><span class="badge {t(result)}">{t(result.upper())}</span> '
        f"ameide {t(mode)} <small>exit {t(doc.get('exit_code', '?'))}</small></h1>"
        f'<p class="meta">{" · ".join(where)}</p>'
        f'<ul class="facts">{chips}</ul><nav>{nav}</nav></header>'
    )


def _first_failure(doc: Mapping[str, Any], t: Callable[[object], str]) -> str:
    ff = doc.get("first_failure")
    if not ff:
        return ""
    rows = [f"<h2>First failure: <code>{t(ff['task'])}</code> (phase {t(ff['phase'])})</h2>"]
    if ff.get("targets"):
        rows.append(f"<p>targets: {', '.join(f'<code>{t(x)}</code>' for x in ff['targets'])}</p>")
    cwd = ff.get("cwd") or "."
    rows.append(
        f"<p>command: <code>{t(ff.get('command', ''))}</code>"
        + (f" (in <code>{t(cwd)}</code>)" if cwd != "." else "")
        + "</p>"
    )
    if ff.get("test"):
        where = f" ({ff['file']}:{ff['line']})" if ff.get("file") and ff.get("line") else ""
        rows.append(f"<p>test: <code>{t(ff['test'])}{t(where)}</code></p>")
    rows.append(f'<pre class="excerpt">{t(ff.get("excerpt", ""))}</pre>')
    log = next((x.get("log") for x in tasks(doc) if x["id"] == ff["task"] and x.get("log")), None)
    if log:
        rows.append(f'<p><a href="{_href(log)}">full log: {t(log)}</a></p>')
    return '<section id="first-failure" class="callout">' + "".join(rows) + "</section>"


def _phases(doc: Mapping[str, Any], t: Callable[[object], str]) -> str:
    rows = []
    for p in doc.get("phases") or []:
        ts = p.get("tasks") or []
        failed = sum(1 for x in ts if x.get("status") in FAILED)
        cached = sum(1 for x in ts if x.get("cached"))
        junit = p.get("junit")
        rows.append(
            f'<tr class="{t(p.get("status"))}"><td>{t(p.get("phase"))}</td>'
            f"<td>{t(p.get('name'))}</td>"
            f'<td><span class="st {t(p.get("status"))}">{t(p.get("status"))}</span></td>'
            f'<td class="num">{"-" if not ts else _dur(p.get("duration"))}</td>'
            f'<td class="num">{len(ts)}</td>'
            f'<td class="num">{cached}</td><td class="num">{failed}</td>'
            + (f'<td><a href="{_href(junit)}">{t(junit)}</a></td>' if junit else "<td>-</td>")
            + "</tr>"
        )
    return (
        '<section id="phases"><h2>Phases</h2><table><thead><tr><th>phase</th><th>name</th>'
        "<th>status</th><th>duration</th><th>tasks</th><th>cached</th><th>failed</th>"
        f"<th>JUnit</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def _nice_step(span: float) -> float:
    """A tick step of 1, 2 or 5 times a power of ten: about eight ticks over `span`."""
    raw = span / 8
    mag = 10.0 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)


def _timeline(doc: Mapping[str, Any], t: Callable[[object], str]) -> str:
    drawn = [(i, x) for i, x in enumerate(tasks(doc)) if isinstance(x.get("start"), int | float)]
    head = '<section id="timeline"><h2>Timeline</h2>'
    if not drawn:
        return head + "<p>No task ran on a worker in this run.</p></section>"
    lanes = 1 + max(int(x.get("worker") or 0) for _, x in drawn)
    # phases as bands behind the bars
    spans: dict[int, list[float]] = {}
    for _, x in drawn:
        s, e = float(x["start"]), float(x["start"]) + float(x.get("duration") or 0)
        b = spans.setdefault(int(x["phase"]), [s, e])
        b[0], b[1] = min(b[0], s), max(b[1], e)
    # the axis counts from the run's start; the view begins with the first task (planning
    # and the toolchain check before it are said in words, not drawn as empty space)
    t0 = min(b[0] for b in spans.values())
    end = max(b[1] for b in spans.values())
    span = max(end - t0, 0.001)
    left, width, lane_h, top = 64.0, 1000.0, 24.0, 34.0
    plot = width - left - 8
    height = top + lanes * lane_h + 8

    def px(sec: float) -> float:
        return left + plot * (sec - t0) / span

    out = [
        f"<p>The first task started {_dur(t0)} after the run (planning and the toolchain "
        f"check came first); {plural(len(drawn), 'task')} on "
        f"{plural(lanes, 'worker')}, seconds since the run started.</p>",
        f'<svg class="timeline" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="timeline of {len(drawn)} tasks on {lanes} workers">',
        '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" class="cached-bg"/>'
        '<line x1="0" y1="0" x2="0" y2="6" class="cached-line"/></pattern></defs>',
    ]
    names = {p.get("phase"): p.get("name") for p in doc.get("phases") or []}
    for n, (s, e) in sorted(spans.items()):
        x0, x1 = px(s), max(px(e), px(s) + 2)
        name = f"phase {n} {names.get(n, '')}".strip()
        # a label only where it fits; the band's tooltip always names it
        fits = (x1 - x0) >= len(name) * _LABEL_CH + 4
        out.append(
            f"<g><title>{t(name)}: {_dur(e - s)}</title>"
            f'<rect class="band p{n % 3}" x="{x0:.1f}" y="{top - 4:.0f}" width="{x1 - x0:.1f}" '
            f'height="{height - top:.0f}"/>'
            + (
                f'<text class="band-label" x="{x0 + 2:.1f}" y="{top - 8:.0f}">{t(name)}</text>'
                if fits
                else ""
            )
            + "</g>"
        )
    step = _nice_step(span)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    k = math.ceil(t0 / step - 1e-9)
    while k * step <= end + 1e-9:
        tx = px(k * step)
        out.append(
            f'<line class="tick" x1="{tx:.1f}" y1="{top - 4:.0f}" x2="{tx:.1f}" '
            f'y2="{height - 4:.0f}"/>'
            f'<text class="axis" x="{tx:.1f}" y="{height:.0f}">{k * step:.{decimals}f}s</text>'
        )
        k += 1
    for lane in range(lanes):
        y = top + lane * lane_h
        out.append(f'<text class="lane" x="2" y="{y + 15:.0f}">worker {lane + 1}</text>')
    for i, x in drawn:
        s, d = float(x["start"]), float(x.get("duration") or 0)
        x0 = px(s)
        w = max(plot * d / span, 1.5)
        y = top + int(x.get("worker") or 0) * lane_h
        status = str(x.get("status"))
        cls = f"bar {status}" + (" cached" if x.get("cached") else "")
        tip = (
            f"{x['id']}\n{status}"
            + (" (replayed from the cache)" if x.get("cached") else "")
            + f" · {_dur(d)} · started at {_dur(s)} · worker {int(x.get('worker') or 0) + 1}"
        )
        label = ""
        room = int((w - 6) / _LABEL_CH)
        if room >= 4:
            name = str(x["id"])
            name = name if len(name) <= room else name[: room - 1] + "…"
            label = f'<text class="bar-label" x="{x0 + 3:.1f}" y="{y + 14:.0f}">{t(name)}</text>'
        out.append(
            f'<a href="#task-{i}"><g class="{t(cls)}"><title>{t(tip)}</title>'
            f'<rect x="{x0:.1f}" y="{y + 2:.0f}" width="{w:.1f}" height="{lane_h - 6:.0f}" rx="2"/>'
            f"{label}</g></a>"
        )
    out.append("</svg>")
    legend = (
        '<p class="legend"><span class="key passed"></span>passed '
        '<span class="key cached"></span>replayed from the cache '
        '<span class="key failed"></span>failed / timed out / error '
        '<span class="key cancelled"></span>cancelled · hover a bar for its task, click it '
        "for its row; tasks that never started are listed below only</p>"
    )
    return head + "".join(out) + legend + "</section>"


def _tail(run_dir: str | None, log: str | None) -> str:
    if not run_dir or not log:
        return ""
    try:  # not runner.read_tail: a run of cache hits never imports the runner
        with open(os.path.join(run_dir, log), "rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - EXCERPT_BYTES))
            data = fh.read().decode("utf-8", "replace")
    except OSError:
        return ""
    lines = data.splitlines()[1:] if size > EXCERPT_BYTES else data.splitlines()
    return "\n".join(ln.rstrip() for ln in lines[-EXCERPT_LINES:])


def junit_cases(
    run_dir: str | None, junit: str | None, cache: dict[str, dict[str, list[tuple[str, str, str]]]]
) -> dict[str, list[tuple[str, str, str]]]:
    """task id -> its failed cases (name, ` (file:line)`, the first lines of the failure text)
    in a phase's junit.xml (read once per phase; {} when it cannot be read)."""
    if not run_dir or not junit:
        return {}
    if junit in cache:
        return cache[junit]
    import xml.etree.ElementTree as ET

    found: dict[str, list[tuple[str, str, str]]] = {}
    cache[junit] = found
    try:
        tree = ET.parse(os.path.join(run_dir, junit))
    except (OSError, ET.ParseError):
        return found
    for suite in tree.getroot().iter("testsuite"):
        prop = suite.find("properties/property[@name='ameide.task']")
        if prop is None:
            continue
        for case in suite.iter("testcase"):
            bad = case.find("failure")
            if bad is None:
                bad = case.find("error")
            if bad is None:
                continue
            f, line = case.get("file"), case.get("line")
            where = f" ({f}:{line})" if f and line else (f" ({f})" if f else "")
            text = (bad.get("message", "") + "\n" + (bad.text or "")).strip().splitlines()
            found.setdefault(prop.get("value", ""), []).append(
                (case.get("name", ""), where, "\n".join(text[:EXCERPT_LINES]))
            )
    return found


def _failures(doc: Mapping[str, Any], t: Callable[[object], str], run_dir: str | None) -> str:
    failed = [(i, x) for i, x in enumerate(tasks(doc)) if x.get("status") in FAILED]
    head = '<section id="failures"><h2>Failures</h2>'
    if not failed:
        return head + '<p class="ok">No task failed.</p></section>'
    ff = doc.get("first_failure") or {}
    out = []
    cache: dict[str, dict[str, list[tuple[str, str, str]]]] = {}
    for n, (i, x) in enumerate(failed):
        first = x["id"] == ff.get("task")
        cmd = " ".join(x.get("command") or []) or "(built-in check)"
        links = []
        if x.get("log"):
            links.append(f'<a href="{_href(x["log"])}">log</a>')
        if x.get("junit"):
            links.append(f'<a href="{_href(x["junit"])}">JUnit</a>')
        body = [
            f'<h3 id="fail-{i}"><span class="st {t(x.get("status"))}">{t(x.get("status"))}</span> '
            f"<code>{t(x['id'])}</code> (phase {t(x.get('phase'))})"
            + (' <span class="first">first failure</span>' if first else "")
            + "</h3>",
            f"<p>{t(x.get('message') or '')}</p>" if x.get("message") else "",
            f"<p>command: <code>{t(cmd)}</code>"
            + (f" (in <code>{t(x.get('cwd'))}</code>)" if x.get("cwd") not in (None, ".") else "")
            + (" · " + " · ".join(links) if links else "")
            + "</p>",
        ]
        cases = junit_cases(run_dir, x.get("junit"), cache).get(x["id"], [])
        if first:
            body.append(f'<pre class="excerpt">{t(ff.get("excerpt", ""))}</pre>')
        elif n < MAX_EXCERPTS and cases:
            for name, where, text in cases[:CASES_SHOWN]:
                body.append(
                    f"<p>test: <code>{t(name)}{t(where)}</code></p>"
                    f'<pre class="excerpt">{t(text)}</pre>'
                )
            if len(cases) > CASES_SHOWN:
                body.append(f"<p>... and {len(cases) - CASES_SHOWN} more failing cases</p>")
        elif n < MAX_EXCERPTS:
            tail = _tail(run_dir, x.get("log"))
            if tail:
                body.append(f'<p>the end of its log:</p><pre class="excerpt">{t(tail)}</pre>')
        out.append('<div class="failure">' + "".join(body) + "</div>")
    return head + "".join(out) + "</section>"


def _task_table(doc: Mapping[str, Any], t: Callable[[object], str]) -> str:
    rows = []
    for i, x in enumerate(tasks(doc)):
        status = str(x.get("status"))
        cache = ""
        if x.get("cached"):
            cache = f"{t(x.get('cache_source') or 'local')}, ran {_dur(x.get('original_duration'))}"
        worker = x.get("worker")
        log = x.get("log")
        tests = x.get("tests") or {}
        rows.append(
            f'<tr id="task-{i}" data-status="{t(status)}" '
            f'data-cached="{1 if x.get("cached") else 0}">'
            f'<td class="num">{t(x.get("phase"))}</td><td><code>{t(x["id"])}</code></td>'
            f'<td><span class="st {t(status)}">{t(status)}</span></td>'
            f'<td class="num">{_dur(x.get("duration"))}</td><td>{cache}</td>'
            f'<td class="num">{"" if worker is None else int(worker) + 1}</td>'
            f'<td class="num">{t(tests.get("total", 0))}</td>'
            + (f'<td><a href="{_href(log)}">log</a></td>' if log else "<td></td>")
            + "</tr>"
        )
    return (
        '<section id="tasks"><h2>Tasks</h2><p class="controls">'
        '<input id="task-filter" type="search" placeholder="filter tasks" '
        'aria-label="filter tasks"> '
        '<label><input id="only-failed" type="checkbox"> only failures</label> '
        '<span id="task-count"></span></p>'
        "<table><thead><tr><th>phase</th><th>task</th><th>status</th><th>duration</th>"
        "<th>cache</th><th>worker</th><th>cases</th><th>log</th></tr></thead>"
        f'<tbody id="task-rows">{"".join(rows)}</tbody></table></section>'
    )


def _chain(reason: str, t: Callable[[object], str]) -> str:
    """A reason chain with its arrows set apart (ids in code)."""
    parts = re.split(r"( <-(?:test-)? )", reason)
    out = []
    for k, part in enumerate(parts):
        if k % 2:
            out.append(f'<span class="arrow">{t(part.strip())}</span>')
        elif k == len(parts) - 1 and len(parts) > 1:
            out.append(f'<span class="cause">{t(part)}</span>')
        else:
            out.append(f"<code>{t(part)}</code>")
    return " ".join(out)


def _targets(doc: Mapping[str, Any], t: Callable[[object], str]) -> str:
    targets = doc.get("targets") or []
    head = f'<section id="targets"><h2>Affected targets ({len(targets)})</h2>'
    if not targets:
        return head + "<p>No target was affected.</p></section>"
    by_eco: dict[str, int] = {}
    for x in targets:
        by_eco[x["ecosystem"]] = by_eco.get(x["ecosystem"], 0) + 1
    summary = ", ".join(f"{t(k)} {v}" for k, v in sorted(by_eco.items()))
    rows = "".join(
        f'<tr class="{"direct" if x.get("direct") else "dependent"}"><td><code>{t(x["id"])}</code>'
        f"</td><td>{t(x['ecosystem'])}</td><td><code>{t(x.get('path', ''))}</code></td>"
        f"<td>{_chain(str(x.get('reason', '')), t)}</td></tr>"
        for x in targets
    )
    return (
        head + f"<p>{summary}; changed directly: "
        f"{sum(1 for x in targets if x.get('direct'))}. Read a reason right to left: the change, "
        "then each target it reaches (<code>&lt;-test-</code>: through a test-only import).</p>"
        "<table><thead><tr><th>target</th><th>ecosystem</th><th>path</th><th>why</th></tr>"
        f"</thead><tbody>{rows}</tbody></table></section>"
    )


def _changed(doc: Mapping[str, Any], t: Callable[[object], str]) -> str:
    files = doc.get("changed_files") or []
    rows = "".join(
        f"<tr><td><code>{t(f['path'])}</code></td><td>{t(f.get('status', ''))}</td>"
        f"<td>{t(f.get('kind', ''))}</td>"
        f"<td>{', '.join(f'<code>{t(o)}</code>' for o in (f.get('owners') or [])[:6])}"
        + (f" (+{len(f['owners']) - 6})" if len(f.get("owners") or []) > 6 else "")
        + "</td></tr>"
        for f in files[:MAX_FILES]
    )
    more = (
        f"<p>... and {len(files) - MAX_FILES} more (summary.json lists them all)</p>"
        if len(files) > MAX_FILES
        else ""
    )
    return (
        f'<section id="changed"><details><summary><h2>Changed files ({len(files)})</h2></summary>'
        "<table><thead><tr><th>path</th><th>status</th><th>counts as</th><th>owners</th></tr>"
        f"</thead><tbody>{rows}</tbody></table>{more}</details></section>"
    )


def _notes(doc: Mapping[str, Any], t: Callable[[object], str]) -> str:
    items = [f'<li class="warning">{t(w)}</li>' for w in doc.get("warnings") or []]
    items += [f"<li>{t(n)}</li>" for n in doc.get("notes") or []]
    cache = doc.get("cache") or {}
    if cache:
        if cache.get("enabled"):
            remote = cache.get("remote") or {}
            items.append(
                f"<li>cache: {t(cache.get('hits', 0))} hits ({t(cache.get('remote_hits', 0))} "
                f"remote), {t(cache.get('misses', 0))} misses, {t(cache.get('stored', 0))} stored"
                + (f"; remote {t(remote.get('status'))}" if remote else "")
                + "</li>"
            )
        else:
            items.append(f"<li>cache off: {t(cache.get('reason') or '')}</li>")
    shard = doc.get("shard")
    if shard:
        items.append(
            f"<li>shard {t(shard['index'])}/{t(shard['total'])}: {t(shard['tasks'])} of "
            f"{t(shard['of'])} tasks</li>"
        )
    if not items:
        return ""
    return f'<section id="notes"><h2>Notes</h2><ul>{"".join(items)}</ul></section>'


_CSS = """
:root{--fg:#1b1f23;--muted:#5c6670;--bg:#fff;--line:#d8dee4;--pass:#2f9e44;--fail:#e03131;
--warn:#f08c00;--cache:#8ce99a;--cancel:#adb5bd;--band0:#f1f3f5;--band1:#e7f5ff;--band2:#fff4e6}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9aa5b1;--bg:#0d1117;
--line:#30363d;--band0:#161b22;--band1:#0b2239;--band2:#2b1d0e}}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;
color:var(--fg);background:var(--bg);margin:0 auto;padding:16px 24px;max-width:1280px}
h1{font-size:22px;margin:4px 0}h2{font-size:17px;margin:24px 0 8px;display:inline-block}
h3{font-size:14px;margin:12px 0 4px}small{color:var(--muted);font-weight:normal}
code,pre{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre.excerpt{background:rgba(127,127,127,.1);border-left:3px solid var(--fail);padding:8px 10px;
overflow-x:auto;white-space:pre-wrap;word-break:break-word;margin:6px 0}
.meta{color:var(--muted);margin:2px 0 8px}.facts{list-style:none;padding:0;margin:6px 0;
display:flex;flex-wrap:wrap;gap:6px}.fact{border:1px solid var(--line);border-radius:12px;
padding:1px 10px}.fact.bad{border-color:var(--fail);color:var(--fail);font-weight:600}
nav a{color:inherit}.badge{border-radius:4px;padding:1px 8px;color:#fff;font-size:15px;
vertical-align:2px}.badge.passed{background:var(--pass)}.badge.failed,.badge.error{
background:var(--fail)}.badge.interrupted{background:var(--warn)}
.callout{border:1px solid var(--fail);border-radius:6px;padding:4px 14px 8px;margin:14px 0}
table{border-collapse:collapse;width:100%;margin:4px 0}th,td{text-align:left;
padding:3px 8px;border-bottom:1px solid var(--line);vertical-align:top}td code{
overflow-wrap:anywhere}.num{text-align:right;white-space:nowrap}
.st{font-weight:600}.st.passed{color:var(--pass)}.st.failed,.st.timeout,.st.error{
color:var(--fail)}.st.cancelled,.st.skipped,.st.not-run,.st.empty{color:var(--muted)}
.st.interrupted{color:var(--warn)}.first{background:var(--fail);color:#fff;border-radius:3px;
padding:0 5px;font-size:12px}.arrow{color:var(--muted)}.cause{font-style:italic}
tr.direct td:first-child code{font-weight:600}
svg.timeline{width:100%;height:auto;display:block}svg text{font:11px system-ui,sans-serif;
fill:var(--fg)}.band.p0{fill:var(--band0)}.band.p1{fill:var(--band1)}.band.p2{fill:var(--band2)}
.band-label,.axis,.lane{fill:var(--muted)}.axis{text-anchor:middle}.tick{stroke:var(--line)}
.bar rect{fill:var(--pass);stroke:rgba(0,0,0,.25)}.bar.cached rect{fill:url(#hatch)}
.cached-bg{fill:var(--cache)}.cached-line{stroke:var(--pass);stroke-width:2}
.bar.failed rect,.bar.timeout rect,.bar.error rect{fill:var(--fail);stroke:#7d1111;
stroke-width:1.5}.bar.cancelled rect,.bar.skipped rect{fill:var(--cancel)}
.bar-label{fill:#fff;font-size:10.5px;pointer-events:none}.bar.cached .bar-label{fill:#123}
a:hover .bar rect{stroke:var(--fg);stroke-width:2}
.legend{color:var(--muted);font-size:12.5px}.key{display:inline-block;width:14px;
height:10px;margin:0 4px 0 10px;border-radius:2px;vertical-align:middle}.key.passed{
background:var(--pass)}.key.cached{background:repeating-linear-gradient(45deg,var(--cache) 0 3px,
var(--pass) 3px 5px)}.key.failed{background:var(--fail)}.key.cancelled{background:var(--cancel)}
.controls input[type=search]{padding:3px 6px;width:260px}#task-count{color:var(--muted)}
tr:target{background:rgba(255,212,59,.25)}.failure{border-top:1px solid var(--line)}
details summary{cursor:pointer}details summary h2{margin:18px 0 6px}
.warning{color:var(--warn)}.ok{color:var(--pass)}footer{color:var(--muted);margin:28px 0 8px;
font-size:12px}
"""

# filters the task table; without scripts the page shows everything
_JS = """
(function(){
var q=document.getElementById('task-filter'),f=document.getElementById('only-failed'),
rows=[].slice.call(document.querySelectorAll('#task-rows tr')),
n=document.getElementById('task-count'),bad={failed:1,timeout:1,error:1};
function apply(){var s=q.value.toLowerCase(),k=0;rows.forEach(function(r){
var ok=(!s||r.textContent.toLowerCase().indexOf(s)>=0)&&(!f.checked||bad[r.dataset.status]);
r.hidden=!ok;if(ok)k++;});n.textContent=k+' of '+rows.length+' tasks shown';}
q.addEventListener('input',apply);f.addEventListener('change',apply);apply();
document.body.dataset.ready='1';
})();
"""
