"""`ameide gate`: the stop hook of Codex and Claude Code (docs/profiles.md, "The stop gate").

On Stop: when the tree is unchanged since a run the gate saw (the same HEAD, the same content of
every changed and untracked file, the same `ameide.toml`), the answer comes from that run at
once; otherwise the gate runs `ameide test`. Green: the agent may stop. Red: the agent is held
with the closing block's first actionable error, unless every failure was already there when
the session started (SessionStart records that point), or the session was held `MAX_BLOCKS`
times in a row (then it lets go and says why). ameide's own errors (exit 2/3/4), a timeout, a
session outside an ameide repository and `AMEIDE_GATE=0` let the agent stop.

On SessionStart: records the session's starting tree and, when known for that tree, its
failures; runs no test, prints nothing.

Kept off typer, rich and pydantic: the unchanged-green answer must take well under a second,
Python start-up included. State lives in `<git-dir>/ameide/gate/` (per clone, outside the tree).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from typing import TYPE_CHECKING, Any

from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

OFF_ENV = "AMEIDE_GATE"
OFF_VALUES = ("0", "off", "false", "no")
MAX_BLOCKS = 3  # Claude Code gives up after 8 consecutive blocks (2.1.143); stay well below
BUDGET = 840.0  # seconds for `ameide test`; the hooks are registered with 900
MAX_REASON = 6000
_VERDICTS_KEPT = 50
_SESSION_DAYS = 14
_FINGERPRINT_VERSION = "1"


@record
class Decision:
    event: str  # Stop | SessionStart | other
    action: str  # allow | block | record
    message: str  # block: the reason the agent gets; allow: why (shown to the person), or ""
    result: str  # passed | failed | error | timeout | off | not-ameide | unchanged | recorded ...
    fast: bool  # answered from a recorded run (no test run)
    run_id: str | None = None
    first_error: str = ""
    blocks: int = 0  # consecutive blocks in this session, this one included


# ------------------------------------------------------------------------------ the tree


def _git_dir(git_root: str) -> str:
    dot = os.path.join(git_root, ".git")
    if os.path.isfile(dot):
        with open(dot, encoding="utf-8") as fh:
            gitdir = fh.read().strip().removeprefix("gitdir:").strip()
        return gitdir if os.path.isabs(gitdir) else os.path.normpath(os.path.join(git_root, gitdir))
    return dot


def _hash_file(path: str) -> str:
    try:
        if os.path.islink(path):
            return "l:" + os.readlink(path)
        if os.path.isdir(path):
            return "d"
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    except FileNotFoundError:
        return "-"
    except OSError as exc:
        return f"?{exc.errno}"


def fingerprint(git_root: str, root: str, env: Mapping[str, str]) -> tuple[str, str, int]:
    """(fingerprint, HEAD, number of changed files): HEAD, the content of every changed and
    untracked file (ameide's own artifacts aside) and the monorepo's `ameide.toml`."""
    from ameide import vcs

    head, paths = vcs.worktree_state(git_root, env)
    prefix = os.path.relpath(root, git_root).replace(os.sep, "/")
    prefix = "" if prefix == "." else prefix + "/"
    own = tuple(prefix + d for d in vcs.OWN_DIRS)
    h = hashlib.sha256(f"v{_FINGERPRINT_VERSION}\n{head}\n{root}\n".encode())
    changed = 0
    for p in sorted(paths):
        if p.startswith(own):
            continue
        changed += 1
        h.update(f"{p}\0{_hash_file(os.path.join(git_root, p))}\n".encode())
    h.update(f"ameide.toml\0{_hash_file(os.path.join(root, 'ameide.toml'))}\n".encode())
    return h.hexdigest(), head, changed


# ------------------------------------------------------------------------------ state


def _load(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _save(path: str, doc: dict[str, Any]) -> None:
    from ameide.fsutil import atomic_write_text

    atomic_write_text(path, json.dumps(doc, indent=1, sort_keys=True) + "\n")


@record
class Place:
    cwd: str
    git_root: str
    root: str  # the monorepo root
    state: str  # <git-dir>/ameide/gate


def is_ameide_repo(cwd: str, env: Mapping[str, str]) -> Place | None:
    """The repository around `cwd` when ameide owns it: an `ameide.toml` at its monorepo root,
    an `.ameide/` directory at its git root, or the workspace layout (`<ws>/.ameide-workspace`
    beside it, or `<workspaces root>/<profile>/repo`)."""
    from ameide.agents.detect import find_roots, layout

    roots = find_roots(cwd)
    if roots.git_root is None:
        return None
    owned = (
        os.path.isfile(os.path.join(roots.root, "ameide.toml"))
        or os.path.isdir(os.path.join(roots.git_root, ".ameide"))
        or os.path.exists(os.path.join(os.path.dirname(roots.git_root), ".ameide-workspace"))
        or layout(roots, env) is not None
    )
    if not owned:
        return None
    state = os.path.join(_git_dir(roots.git_root), "ameide", "gate")
    return Place(roots.cwd, roots.git_root, roots.root, state)


def _latest_summary(root: str) -> dict[str, Any] | None:
    from ameide.evidence.rundir import latest_summary_path

    doc = _load(latest_summary_path(root))
    return doc if doc.get("schema") == 1 else None


def _failing(doc: Mapping[str, Any]) -> list[str]:
    return sorted(
        t.get("id", "?")
        for p in doc.get("phases") or []
        for t in p.get("tasks") or []
        if t.get("status") in ("failed", "timeout", "error")
    )


# ------------------------------------------------------------------------------ running


def first_error(log: str) -> str:
    """The closing block's first actionable error as `ameide test` printed it: from
    `first failure:` through its indented lines (the last block in `log`)."""
    lines = log.splitlines()
    start = max((i for i, ln in enumerate(lines) if ln.startswith("first failure:")), default=-1)
    if start < 0:
        return ""
    out = [lines[start]]
    for ln in lines[start + 1 :]:
        if not ln.startswith("  "):
            break
        out.append(ln)
    return "\n".join(out)


@record
class TestRun:
    code: int | None  # None: timed out
    log: str
    summary: dict[str, Any] | None


# SIGTERM to SIGKILL for the gate's `ameide test` (out of budget, or the gate itself told to
# stop): ameide leaves within 3 s of a signal with its evidence written (docs/test.md)
WIND_DOWN = 5.0


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP to the gate end it like Ctrl-C: as an exception in the wait, so
    its `ameide test` (a session of its own, which no terminal signal reaches) is stopped
    and given WIND_DOWN to write its evidence, instead of running on without the gate."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    old = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def run_test(place: Place, env: Mapping[str, str], budget: float = BUDGET) -> TestRun:
    """`ameide test` in the hook's working directory, its output into the gate's log, stopped
    (its whole process group: SIGTERM, SIGKILL after WIND_DOWN) after `budget` seconds."""
    import sys

    from ameide import proc

    os.makedirs(place.state, exist_ok=True)
    log_path = os.path.join(place.state, "test.log")
    with open(log_path, "wb"):
        pass
    child_env = {k: v for k, v in env.items() if k != "FORCE_COLOR"}
    child_env["NO_COLOR"] = "1"
    argv = (sys.executable, "-c", "from ameide.cli import run; run()", "test")
    before = _latest_summary(place.root)
    with _signals_interrupt():
        result = proc.run_logged(
            argv, place.cwd, env=child_env, log_path=log_path, timeout=budget, grace=WIND_DOWN
        )
    with open(log_path, encoding="utf-8", errors="replace") as fh:
        log = fh.read()
    summary = _latest_summary(place.root)
    if summary is not None and before is not None and summary.get("run_id") == before.get("run_id"):
        summary = None  # this run wrote no evidence
    return TestRun(None if result.timed_out else result.returncode, log, summary)


# ------------------------------------------------------------------------------ the gate


def _off(env: Mapping[str, str]) -> bool:
    return env.get(OFF_ENV, "").strip().lower() in OFF_VALUES


def decide(
    payload: Mapping[str, Any],
    env: Mapping[str, str],
    *,
    budget: float = BUDGET,
    max_blocks: int = MAX_BLOCKS,
) -> Decision:
    """The gate's answer to one hook call (`payload`: the agent's JSON on stdin)."""
    event = str(payload.get("hook_event_name") or "Stop")
    if event not in ("Stop", "SessionStart"):
        return Decision(event, "allow", "", "ignored", True)
    if _off(env):
        return Decision(event, "allow", "", "off", True)
    cwd = str(payload.get("cwd") or os.getcwd())
    place = is_ameide_repo(cwd, env) if os.path.isdir(cwd) else None
    if place is None:
        return Decision(event, "allow", "", "not-ameide", True)
    fp, head, changed = fingerprint(place.git_root, place.root, env)
    session_id = str(payload.get("session_id") or "")
    verdicts_path = os.path.join(place.state, "verdicts.json")
    sessions_path = os.path.join(place.state, "sessions.json")
    verdicts = _load(verdicts_path)
    sessions = _load(sessions_path)
    now = time.time()
    sessions = {
        k: v
        for k, v in sessions.items()
        if isinstance(v, dict) and now - float(v.get("seen", 0)) < _SESSION_DAYS * 86400
    }

    if event == "SessionStart":
        if session_id and session_id not in sessions:  # a resumed session keeps its start
            sessions[session_id] = {
                "started": now,
                "seen": now,
                "fingerprint": fp,
                "baseline": _baseline(verdicts.get(fp), place, head, changed),
            }
            _save(sessions_path, sessions)
        return Decision(event, "record", "", "recorded", True)

    session = sessions.get(session_id) if session_id else None
    if session is None:
        # no SessionStart seen (hooks installed mid-session, or a person's run): this first
        # gate of the session records its starting point as unknown
        session = {"started": now, "fingerprint": None, "baseline": None}
    session["seen"] = now

    verdict = verdicts.get(fp)
    fast = verdict is not None
    if verdict is None:
        run = run_test(place, env, budget)
        verdict, problem = _verdict(run)
        if problem is not None:
            if session_id:
                sessions[session_id] = session
                _save(sessions_path, sessions)
            return Decision(event, "allow", problem, verdict["result"], False)
        after, _, _ = fingerprint(place.git_root, place.root, env)
        if after == fp:  # the tree the run tested is the tree we saw
            verdicts[fp] = {**verdict, "at": now}
            keep = sorted(verdicts.items(), key=lambda kv: kv[1].get("at", 0))[-_VERDICTS_KEPT:]
            _save(verdicts_path, dict(keep))

    run_id = verdict.get("run_id")
    if verdict["result"] == "passed":
        session["blocks"] = 0
        _store(sessions_path, sessions, session_id, session)
        return Decision(event, "allow", "", "passed", fast, run_id)

    failing = set(verdict.get("failing") or [])
    err = str(verdict.get("first_error") or "")
    baseline = session.get("baseline")
    new = sorted(failing - set(baseline)) if isinstance(baseline, list) else sorted(failing)
    if isinstance(baseline, list) and not new:
        session["blocks"] = 0
        _store(sessions_path, sessions, session_id, session)
        msg = (
            f"ameide gate: `ameide test` fails, but only with failures that were already there "
            f"when this session started ({', '.join(sorted(failing))}); letting the agent stop"
        )
        return Decision(event, "allow", msg, "failed-before", fast, run_id, err)
    if baseline is None and session.get("fingerprint") == fp:
        _store(sessions_path, sessions, session_id, session)
        msg = (
            "ameide gate: `ameide test` fails, but the tree is as it was when this session "
            "started: the failure predates the session; letting the agent stop"
        )
        return Decision(event, "allow", msg, "failed-before", fast, run_id, err)
    blocks = int(session.get("blocks") or 0)
    if blocks >= max_blocks:
        session["blocks"] = 0
        _store(sessions_path, sessions, session_id, session)
        msg = (
            f"ameide gate: held this session {blocks} times in a row and `ameide test` still "
            f"fails; letting the agent stop so a person can look" + (f":\n\n{err}" if err else "")
        )
        return Decision(event, "allow", msg[:MAX_REASON], "gave-up", fast, run_id, err, blocks)
    session["blocks"] = blocks + 1
    _store(sessions_path, sessions, session_id, session)
    extra = (
        f" (new since the session started: {', '.join(new)})"
        if isinstance(baseline, list) and baseline
        else ""
    )
    reason = (
        f"ameide gate: `ameide test` fails{extra}. Fix the first actionable error below, run "
        f"`ameide test` until it passes, then stop (block {blocks + 1} of {max_blocks}).\n\n"
        + (err or f"see artifacts/agent-ci/{run_id}/summary.json")
    )
    return Decision(event, "block", reason[:MAX_REASON], "failed", fast, run_id, err, blocks + 1)


def _store(path: str, sessions: dict[str, Any], session_id: str, session: dict[str, Any]) -> None:
    if session_id:
        sessions[session_id] = session
        _save(path, sessions)


def _baseline(
    verdict: dict[str, Any] | None, place: Place, head: str, changed: int
) -> list[str] | None:
    """The failures of the tree a session starts from: a run the gate recorded for exactly
    this tree, else the latest run when it tested this HEAD on a clean tree and this tree is
    clean; None when nothing tells."""
    if verdict is not None:
        return list(verdict.get("failing") or [])
    doc = _latest_summary(place.root)
    if (
        doc is not None
        and changed == 0
        and doc.get("head") == head
        and doc.get("dirty") is False
        and doc.get("mode") in ("test", "ci")
        and doc.get("result") in ("passed", "failed")
    ):
        return _failing(doc)
    return None


def _verdict(run: TestRun) -> tuple[dict[str, Any], str | None]:
    """(verdict, None) for a passed or failed run; (verdict, why the agent may stop) for
    ameide's own errors and timeouts."""
    doc = run.summary or {}
    run_id = doc.get("run_id")
    if run.code is None:
        return {"result": "timeout", "run_id": run_id}, (
            f"ameide gate: `ameide test` did not finish within {BUDGET:.0f} s; letting the agent "
            "stop without a verdict (run `ameide test` to see where it spends its time)"
        )
    if run.code == 0:
        return {"result": "passed", "run_id": run_id, "failing": []}, None
    if run.code == 1:
        err = first_error(run.log)
        failing = _failing(doc) or (
            [str(doc["first_failure"]["task"])] if doc.get("first_failure") else ["ameide test"]
        )
        return {"result": "failed", "run_id": run_id, "failing": failing, "first_error": err}, None
    last = next(
        (ln.strip() for ln in reversed(run.log.splitlines()) if ln.startswith("ameide: ")), ""
    )
    what = {130: "was interrupted"}.get(run.code, f"could not run (exit {run.code})")
    return {"result": "error", "run_id": run_id}, (
        f"ameide gate: `ameide test` {what}; letting the agent stop"
        + (f": {last}" if last else "")
        + ". This is ameide's own error, not a test failure: fix it, then run `ameide test`."
    )


# ------------------------------------------------------------------------------ protocol


def agent_reply(d: Decision) -> tuple[str, str, int]:
    """(stdout, stderr, exit code) in the shape both agents document for command hooks:
    exit 0 with `{"decision": "block", "reason": ...}` holds the agent (Claude Code: hooks
    reference; Codex: hooks/src/events/stop.rs); `{"systemMessage": ...}` lets it stop and
    shows the person why; nothing at all lets it stop silently. SessionStart prints nothing
    (its stdout would become context)."""
    if d.event == "SessionStart" or (d.action != "block" and not d.message):
        return "", "", 0
    if d.action == "block":
        return json.dumps({"decision": "block", "reason": d.message}) + "\n", "", 0
    return json.dumps({"systemMessage": d.message}) + "\n", "", 0


def read_payload(text: str) -> tuple[dict[str, Any], str | None]:
    """The hook's stdin JSON, or ({}, why it could not be read)."""
    if not text.strip():
        return {}, "no hook input on stdin"
    try:
        doc = json.loads(text)
    except ValueError as exc:
        return {}, f"the hook input is not JSON ({exc})"
    if not isinstance(doc, dict):
        return {}, "the hook input is not a JSON object"
    return doc, None
