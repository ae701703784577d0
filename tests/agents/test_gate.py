"""`ameide gate`, the agents' stop hook, fed the JSON each agent documents on stdin and held to
the exact answer each must get back.

Red and green trees without a toolchain: a file under `gitops/` fails phase 0 (the `code`
profile forbids it, the `guardrails` task); a change that affects no target passes ("nothing to
test"). The payloads are the documented ones: Claude Code's hooks reference (Stop:
session_id, transcript_path, cwd, permission_mode, hook_event_name, stop_hook_active,
last_assistant_message) and Codex's generated schema
(codex-rs/hooks/schema/generated/stop.command.input.schema.json: those plus turn_id, model).
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ameide.agents import gate
from tests.agents.conftest import MakeWorkspace
from tests.conftest import MakeRepo, git, write_files

RunCli = Callable[..., tuple[int, str, str]]


def claude_payload(cwd: Path, event: str = "Stop", session: str = "abc123", **kw: Any) -> str:
    doc: dict[str, Any] = {
        "session_id": session,
        "transcript_path": "/home/u/.claude/projects/p/00893aaf-19fa-41d2-8238-13269b9b3ca0.jsonl",
        "cwd": str(cwd),
        "hook_event_name": event,
    }
    if event == "Stop":
        doc.update(
            permission_mode="default",
            stop_hook_active=False,
            last_assistant_message="I've completed the change.",
        )
    else:
        doc.update(source="startup", model="claude-sonnet-4-5")
    doc.update(kw)
    return json.dumps(doc)


def codex_payload(cwd: Path, event: str = "Stop", session: str = "019a-codex", **kw: Any) -> str:
    doc: dict[str, Any] = {
        "session_id": session,
        "transcript_path": None,
        "cwd": str(cwd),
        "hook_event_name": event,
        "model": "gpt-5-codex",
        "permission_mode": "default",
    }
    if event == "Stop":
        doc.update(turn_id="turn-1", stop_hook_active=False, last_assistant_message="Done.")
    else:
        doc.update(source="startup")
    doc.update(kw)
    return json.dumps(doc)


@pytest.fixture
def hook(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """`hook(agent, payload)` -> (exit code, stdout, stderr) of `ameide gate --agent AGENT`
    with the payload on stdin, run in-process from the payload's cwd."""
    from ameide.cli import main

    def _run(agent: str, payload: str) -> tuple[int, str, str]:
        monkeypatch.chdir(json.loads(payload)["cwd"] if payload.startswith("{") else "/")
        monkeypatch.setattr(sys, "stdin", io.StringIO(payload))
        capsys.readouterr()
        code = main(["gate", "--agent", agent])
        out, err = capsys.readouterr()
        return code, out, err

    return _run


Hook = Callable[..., tuple[int, str, str]]


def ameide_repo(make_repo: MakeRepo, **files: str) -> Path:
    repo = make_repo({"ameide.toml": "", "README.md": "hi\n", **files})
    git(repo, "checkout", "-q", "-b", "feature")
    return repo


def red(repo: Path, name: str = "app.yaml") -> None:
    write_files(repo, {f"gitops/{name}": "kind: Deployment\n"})


def no_run_id(text: str) -> str:
    return re.sub(r"\d{8}T\d{6}Z-[0-9a-f]{6}", "<run>", text)


def block_of(out: str) -> str:
    doc = json.loads(out)
    assert set(doc) == {"decision", "reason"} and doc["decision"] == "block"
    return str(doc["reason"])


@pytest.mark.parametrize("agent", ["claude", "codex"])
def test_a_red_tree_blocks_with_the_first_error_ameide_test_prints(
    hook: Hook, run_cli: RunCli, make_repo: MakeRepo, agent: str
) -> None:
    repo = ameide_repo(make_repo)
    red(repo)
    payload = (claude_payload if agent == "claude" else codex_payload)(repo)
    code, out, err = hook(agent, payload)
    assert (code, err) == (0, "")
    reason = block_of(out)
    head, _, error = reason.partition("\n\n")
    assert head == (
        "ameide gate: `ameide test` fails. Fix the first actionable error below, run "
        "`ameide test` until it passes, then stop (block 1 of 3)."
    )
    # the same first error `ameide test` prints (its own run id aside)
    code, printed, _ = run_cli(["test"], repo)
    assert code == 1
    assert no_run_id(error) == no_run_id(gate.first_error(printed))
    assert error.startswith("first failure: guardrails (phase 0)\n")
    assert "gitops/app.yaml (untracked): forbidden by gitops/** (profile code)" in error
    assert error.splitlines()[-1].startswith("  full log: artifacts/agent-ci/")


@pytest.mark.parametrize("agent", ["claude", "codex"])
def test_a_green_tree_lets_the_agent_stop_silently_and_fast(
    hook: Hook, run_cli: RunCli, make_repo: MakeRepo, agent: str
) -> None:
    repo = ameide_repo(make_repo)
    write_files(repo, {"docs/notes.md": "notes\n"})
    payload = (claude_payload if agent == "claude" else codex_payload)(repo)
    assert hook(agent, payload) == (0, "", "")
    code, out, _ = run_cli(["gate", "--json"], repo)
    doc = json.loads(out)
    assert (code, doc["decision"], doc["result"], doc["fast"]) == (0, "allow", "passed", True)


def test_unchanged_means_head_content_and_ameide_toml(run_cli: RunCli, make_repo: MakeRepo) -> None:
    repo = ameide_repo(make_repo)
    write_files(repo, {"docs/notes.md": "notes\n"})

    def fast() -> bool:
        code, out, err = run_cli(["gate", "--json"], repo)
        assert code == 0, err
        return bool(json.loads(out)["fast"])

    assert fast() is False  # the first look runs `ameide test`
    assert fast() is True
    write_files(repo, {"docs/notes.md": "other notes\n"})  # same files, other content
    assert (fast(), fast()) == (False, True)
    write_files(repo, {"ameide.toml": "# a comment\n"})
    assert (fast(), fast()) == (False, True)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "notes")  # the same content, committed: another HEAD
    assert (fast(), fast()) == (False, True)
    # ameide's own evidence is not a change
    write_files(repo, {"artifacts/agent-ci/x/summary.json": "{}"})
    assert fast() is True


def test_failures_there_when_the_session_started_do_not_hold_it(
    hook: Hook, run_cli: RunCli, make_repo: MakeRepo
) -> None:
    repo = ameide_repo(make_repo)
    red(repo)
    assert run_cli(["gate"], repo)[0] == 1  # a person looked: the red tree is on record
    assert hook("claude", claude_payload(repo, "SessionStart")) == (0, "", "")
    write_files(repo, {"docs/notes.md": "the session's work\n"})
    code, out, err = hook("claude", claude_payload(repo))
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "systemMessage": "ameide gate: `ameide test` fails, but only with failures that were "
        "already there when this session started (guardrails); letting the agent stop"
    }


def test_a_session_that_started_green_is_held_on_what_it_broke(
    hook: Hook, run_cli: RunCli, make_repo: MakeRepo
) -> None:
    repo = ameide_repo(make_repo)
    assert run_cli(["gate"], repo)[0] == 0  # green on record
    assert hook("codex", codex_payload(repo, "SessionStart")) == (0, "", "")
    red(repo)
    assert block_of(hook("codex", codex_payload(repo))[1]).startswith("ameide gate: ")


def test_a_session_that_started_red_without_a_record(hook: Hook, make_repo: MakeRepo) -> None:
    repo = ameide_repo(make_repo)
    red(repo)
    hook("claude", claude_payload(repo, "SessionStart"))  # nothing known about this tree
    _, out, _ = hook("claude", claude_payload(repo))
    assert json.loads(out)["systemMessage"].startswith(
        "ameide gate: `ameide test` fails, but the tree is as it was when this session started"
    )
    red(repo, "other.yaml")  # the session changed the tree and it is still red: held
    assert block_of(hook("claude", claude_payload(repo))[1])


def test_never_loops_forever(hook: Hook, make_repo: MakeRepo) -> None:
    repo = ameide_repo(make_repo)
    red(repo)
    reasons = [hook("claude", claude_payload(repo, stop_hook_active=i > 0))[1] for i in range(4)]
    assert [json.loads(r).get("decision") for r in reasons] == ["block", "block", "block", None]
    assert [block_of(r).split("(block ")[1][:6] for r in reasons[:3]] == [
        "1 of 3",
        "2 of 3",
        "3 of 3",
    ]
    let_go = json.loads(reasons[3])["systemMessage"]
    assert let_go.startswith(
        "ameide gate: held this session 3 times in a row and `ameide test` still fails; "
        "letting the agent stop so a person can look:\n\nfirst failure: guardrails (phase 0)"
    )
    # the next turn starts a new count; another session has its own
    assert json.loads(hook("claude", claude_payload(repo))[1])["decision"] == "block"
    assert "(block 1 of 3)" in json.loads(hook("codex", codex_payload(repo))[1])["reason"]


def test_outside_an_ameide_repository_the_gate_stays_out(
    hook: Hook, make_repo: MakeRepo, tmp_path: Path
) -> None:
    plain = make_repo({"README.md": "hi\n"})
    git(plain, "checkout", "-q", "-b", "feature")
    red(plain)
    assert hook("claude", claude_payload(plain)) == (0, "", "")
    assert not (plain / ".git" / "ameide" / "gate").exists()
    (tmp_path / "nogit").mkdir()
    assert hook("codex", codex_payload(tmp_path / "nogit")) == (0, "", "")


def test_the_off_switch(hook: Hook, make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = ameide_repo(make_repo)
    red(repo)
    monkeypatch.setenv("AMEIDE_GATE", "0")
    assert hook("claude", claude_payload(repo)) == (0, "", "")
    assert hook("codex", codex_payload(repo)) == (0, "", "")


def test_ameides_own_errors_let_the_agent_stop(hook: Hook, make_repo: MakeRepo) -> None:
    repo = ameide_repo(make_repo)
    write_files(repo, {"ameide.toml": '[run]\njobs = "many"\n', "docs/x.md": "x\n"})
    code, out, err = hook("claude", claude_payload(repo))
    assert (code, err) == (0, "")
    msg = json.loads(out)["systemMessage"]
    assert msg.startswith(
        "ameide gate: `ameide test` could not run (exit 2); letting the agent stop: ameide: error: "
    )
    assert msg.endswith(
        "This is ameide's own error, not a test failure: fix it, then run `ameide test`."
    )


def test_a_timeout_lets_the_agent_stop(make_repo: MakeRepo) -> None:
    import os

    repo = ameide_repo(make_repo)
    red(repo)
    d = gate.decide(json.loads(claude_payload(repo)), dict(os.environ), budget=0.001)
    assert (d.action, d.result) == ("allow", "timeout")
    assert d.message.startswith("ameide gate: `ameide test` did not finish within ")


@pytest.mark.parametrize("stdin", ["", "not json", "[1, 2]"])
def test_unreadable_hook_input_lets_the_agent_stop(hook: Hook, stdin: str) -> None:
    code, out, err = hook("claude", stdin)
    assert (code, err) == (0, "")
    assert json.loads(out)["systemMessage"].startswith("ameide gate: ")


def test_session_start_prints_nothing_and_other_events_are_ignored(
    hook: Hook, make_repo: MakeRepo
) -> None:
    repo = ameide_repo(make_repo)
    red(repo)
    assert hook("claude", claude_payload(repo, "SessionStart")) == (0, "", "")
    assert hook("claude", claude_payload(repo, "SubagentStop")) == (0, "", "")


def test_the_workspace_layout_from_a_subdirectory(
    hook: Hook, run_cli: RunCli, make_workspace: MakeWorkspace
) -> None:
    ws = make_workspace(
        "code", {"AGENTS.md": "# p\n", "repo/README.md": "hi\n", "repo/src/a.txt": "a\n"}
    )
    repo = ws / "repo"
    git(repo, "checkout", "-q", "-b", "feature")
    red(repo)
    reason = block_of(hook("codex", codex_payload(repo / "src"))[1])
    assert "  |   gitops/app.yaml (untracked): forbidden by gitops/** (profile code)" in reason
    # the closing block's paths are from the repository root, and it says so off the root
    assert "  full log: artifacts/agent-ci/" in reason
    assert f"  paths are from the repository root: {repo}" in reason


def test_a_person_asks_the_gate(run_cli: RunCli, make_repo: MakeRepo) -> None:
    repo = ameide_repo(make_repo)
    red(repo)
    code, out, _ = run_cli(["gate"], repo)
    assert code == 1
    assert out.startswith(
        "ameide gate: would hold the agent (failed)\nameide gate: `ameide test` fails."
    )
    code, out, _ = run_cli(["gate", "--json"], repo)
    doc = json.loads(out)
    assert (code, doc["decision"], doc["fast"]) == (1, "block", True)
    assert doc["first_error"].startswith("first failure: guardrails (phase 0)")
    code, _, err = run_cli(["gate", "--agent", "cursor"], repo)
    assert code == 2 and "use codex or claude" in err


def test_the_gate_keeps_typer_rich_and_pydantic_out(make_repo: MakeRepo) -> None:
    repo = ameide_repo(make_repo)
    probe = (
        "import io, sys\nsys.stdin = io.StringIO(sys.argv[1])\nfrom ameide.cli import main\n"
        "rc = main(['gate', '--agent', 'claude'])\n"
        "heavy = sorted(m for m in ('typer', 'rich', 'pydantic') if m in sys.modules)\n"
        "sys.stderr.write(repr(heavy))\nsys.exit(rc)\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", probe, claude_payload(repo)],
            cwd=repo,
            capture_output=True,
            text=True,
            check=False,
        )
        for _ in range(2)
    ]
    assert [(r.returncode, r.stdout) for r in runs] == [(0, ""), (0, "")]
    assert runs[1].stderr == "[]"  # the second answer comes from the record: nothing heavy
