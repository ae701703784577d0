"""The Markdown `ameide test ci` appends to `$GITHUB_STEP_SUMMARY` (the job's summary page):
phases, the first failure, affected counts, cache hits and where report.html is.

Built from the summary.json document; credential values are redacted like everywhere else.
A summary that cannot be written costs a warning on stderr, never the build.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ameide.report.runfacts import (
    FAILED,
    counts_phrase,
    dur,
    plural,
    ran_phrase,
    task_log,
)
from ameide.sanitize import Scrubber, printable

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

EXCERPT_LINES = 25


def _code(text: str) -> str:
    """Inline code that survives backticks and table pipes in the text."""
    text = text.replace("\n", " ").replace("|", "\\|")
    ticks = "`" * (1 + max((len(m) for m in re.findall(r"`+", text)), default=0))
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _fence(text: str, lang: str = "text") -> list[str]:
    ticks = "`" * max(3, 1 + max((len(m) for m in re.findall(r"`+", text)), default=0))
    return [f"{ticks}{lang}", text.rstrip("\n"), ticks]


def markdown(doc: Mapping[str, Any], env: Mapping[str, str]) -> str:
    redact = Scrubber(env).text
    result = str(doc.get("result", "?"))
    mode = {"ci": "test ci", "test": "test", "run": "run"}.get(str(doc.get("mode")), "test ci")
    out = [f"## ameide {mode}: {result.upper()} (exit {doc.get('exit_code')})", ""]
    targets = doc.get("targets") or []
    totals = doc.get("totals") or {}
    base = doc.get("base") or {}
    by_eco: dict[str, int] = {}
    for t in targets:
        eco = str(t.get("ecosystem") or "")
        by_eco[eco] = by_eco.get(eco, 0) + 1
    ecos = ", ".join(f"{k} {v}" for k, v in sorted(by_eco.items()))
    direct = sum(1 for t in targets if t.get("direct"))
    n_files = len(doc.get("changed_files") or [])
    out.append(
        f"**{plural(len(targets), 'affected target')}**"
        + (f" ({ecos}; {direct} changed directly)" if targets else "")
        + f" from {plural(n_files, 'changed file')}, against {_code(str(base.get('ref') or '-'))}"
        + (f" @ {_code(str(base.get('commit'))[:10])}" if base.get("commit") else "")
        + "."
    )
    out.append("")
    out.append(
        f"**{plural(int(totals.get('tasks') or 0), 'task')}: {ran_phrase(doc)}**; "
        f"{counts_phrase(doc)}; {dur(totals.get('duration'))}."
    )
    shard = doc.get("shard")
    if shard:
        out.append(
            f"Shard {shard['index']}/{shard['total']}: {shard['tasks']} of {shard['of']} tasks."
        )
    out += [
        "",
        "| phase | status | duration | tasks | cached | failed |",
        "|---|---|---|---|---|---|",
    ]
    for p in doc.get("phases") or []:
        ts = p.get("tasks") or []
        out.append(
            f"| {p.get('phase')} {p.get('name')} | {p.get('status')} | "
            f"{dur(p.get('duration'))} | {len(ts)} | "
            f"{sum(1 for t in ts if t.get('cached'))} | "
            f"{sum(1 for t in ts if t.get('status') in FAILED)} |"
        )
    ff = doc.get("first_failure")
    if ff:
        out += ["", f"### First failure: {_code(str(ff['task']))} (phase {ff['phase']})", ""]
        if ff.get("targets"):
            shown = ", ".join(_code(str(t)) for t in ff["targets"][:5])
            more = len(ff["targets"]) - 5
            out.append(f"- targets: {shown}" + (f" (+{more})" if more > 0 else ""))
        cwd = ff.get("cwd") or "."
        out.append(
            f"- command: {_code(redact(str(ff.get('command', ''))))}"
            + (f" (in {_code(str(cwd))})" if cwd != "." else "")
        )
        if ff.get("test"):
            where = f" ({ff['file']}:{ff['line']})" if ff.get("file") and ff.get("line") else ""
            out.append(f"- test: {_code(str(ff['test']) + where)}")
        log = task_log(doc, str(ff["task"]))
        if log:
            out.append(f"- log: {_code(log)} in the run directory")
        text = redact(printable(str(ff.get("excerpt", ""))))
        excerpt = "\n".join(text.splitlines()[:EXCERPT_LINES])
        out += ["", *_fence(excerpt)]
    if targets:
        from ameide.report.graph import PR_MAX_NODES, from_summary, mermaid

        out += [
            "",
            f"<details><summary>Affected targets ({len(targets)}) and why</summary>",
            "",
            *_fence(mermaid(from_summary(doc), PR_MAX_NODES), "mermaid"),
            "",
            "</details>",
        ]
    rel = f"artifacts/agent-ci/{doc.get('run_id')}/"
    where = f"{_code(rel)} (report.html, summary.json, JUnit, logs)"
    run_url = _run_url(env)
    out += [
        "",
        f"Evidence: {where}. Open `report.html` from the run directory: upload "
        "`artifacts/agent-ci/` as an artifact (docs/ci.md) and download it"
        + (f" from [this run's page]({run_url})." if run_url else "."),
    ]
    for w in doc.get("warnings") or []:
        out.append(f"> warning: {redact(str(w))}")
    return "\n".join(out) + "\n\n"


def _run_url(env: Mapping[str, str]) -> str | None:
    server, repo, run = (
        env.get("GITHUB_SERVER_URL"),
        env.get("GITHUB_REPOSITORY"),
        env.get("GITHUB_RUN_ID"),
    )
    if not (server and repo and run and run.isdigit()):
        return None
    return f"{server.rstrip('/')}/{repo}/actions/runs/{run}"


def append(doc: Mapping[str, Any], env: Mapping[str, str], warn: Callable[[str], object]) -> None:
    """Append the summary to `$GITHUB_STEP_SUMMARY` when it is set; `warn(text)` on failure."""
    path = env.get("GITHUB_STEP_SUMMARY")
    if not path:
        return
    try:
        text = markdown(doc, env)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        warn(f"could not append the summary to $GITHUB_STEP_SUMMARY ({path}): {exc.strerror}")
