"""The stop gate's hook entries (merged beside a person's own, found again, trusted or not in
Codex) and the `ameide` skill (the Agent Skills format: frontmatter, size, links, commands)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ameide.agents import codexconf, hooks, skill
from ameide.agents.profiles import known, load
from ameide.agents.stack import AgentEnv
from ameide.cli.agents import command_table
from tests.agents.conftest import MakeWorkspace
from tests.conftest import write_files

RunCli = Callable[..., tuple[int, str, str]]


def aenv(home: Path) -> AgentEnv:
    return AgentEnv(
        home=str(home), codex_home=str(home / ".codex"), claude_home=str(home / ".claude")
    )


def test_merge_keeps_a_persons_hooks_and_is_idempotent() -> None:
    mine: dict[str, Any] = {
        "model": "x",
        "hooks": {
            "Stop": [{"hooks": [{"type": "command", "command": "say done"}]}],
            "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "lint"}]}],
        },
    }
    merged = hooks.merge(mine, "claude")
    assert merged["hooks"]["Stop"][0] == mine["hooks"]["Stop"][0]
    assert merged["hooks"]["Stop"][1] == {
        "hooks": [{"type": "command", "command": "ameide gate --agent claude", "timeout": 900}]
    }
    assert hooks.merge(merged, "claude") == merged
    assert hooks.remove(merged, "claude") == mine
    # an old ameide entry with another timeout is replaced, not duplicated
    old = hooks.merge(mine, "claude")
    old["hooks"]["Stop"][1]["hooks"][0]["timeout"] = 60
    assert hooks.merge(old, "claude") == merged
    # only ameide's handler leaves a group a person shares with it
    shared = {
        "hooks": {
            "Stop": [
                {
                    "hooks": [
                        {"type": "command", "command": "say done"},
                        {"type": "command", "command": "ameide gate --agent codex"},
                    ]
                }
            ]
        }
    }
    assert hooks.remove(shared, "codex") == {
        "hooks": {"Stop": [{"hooks": [{"type": "command", "command": "say done"}]}]}
    }
    assert hooks.remove({"hooks": {"Stop": shared["hooks"]["Stop"][:0]}}, "codex") == {}


def test_codex_trust_hash_is_the_normalized_identity() -> None:
    # sha256 over {"event_name":"stop","hooks":[{"async":false,"command":...,"timeout":900,
    # "type":"command"}]}: keys sorted, no spaces, absent fields dropped (openai/codex
    # codex-rs/hooks/src/engine/discovery.rs command_hook_hash, config fingerprint.rs)
    import hashlib

    ident = (
        '{"event_name":"stop","hooks":[{"async":false,"command":"ameide gate --agent codex",'
        '"timeout":900,"type":"command"}]}'
    )
    assert codexconf.command_hook_hash("Stop", "ameide gate --agent codex", 900) == (
        "sha256:" + hashlib.sha256(ident.encode()).hexdigest()
    )


@pytest.mark.parametrize(
    ("state", "trust"),
    [
        (None, "not-reviewed"),
        ({"enabled": False}, "disabled"),
        ({"trusted_hash": "sha256:0000"}, "modified"),
        ("good", "trusted"),
    ],
)
def test_codex_hook_trust_is_read_from_the_user_config(
    tmp_path: Path, state: Any, trust: str
) -> None:
    env = aenv(tmp_path)
    hooks_file = tmp_path / ".codex" / "hooks.json"
    write_files(tmp_path, {".codex/hooks.json": json.dumps(hooks.merge({}, "codex"))})
    key = f"{hooks_file}:stop:0:0"
    if state == "good":
        state = {
            "trusted_hash": codexconf.command_hook_hash("Stop", "ameide gate --agent codex", 900)
        }
    if state is not None:
        lines = [f'[hooks.state."{key}"]'] + [f"{k} = {json.dumps(v)}" for k, v in state.items()]
        write_files(tmp_path, {".codex/config.toml": "\n".join(lines) + "\n"})
    rows = {r["event"]: r for r in hooks.status("codex", env)}
    assert rows["Stop"]["key"] == key
    assert rows["Stop"]["trust"] == trust
    assert rows["SessionStart"]["trust"] == "not-reviewed"


def test_agents_check_reports_the_hooks_and_what_it_assumed(
    run_cli: RunCli, make_workspace: MakeWorkspace
) -> None:
    ws = make_workspace("code", {"repo/AGENTS.md": "# r\n"})  # install writes the profile's text
    code, out, err = run_cli(["agents", "check", "--json"], ws / "repo")
    doc = json.loads(out)
    hook_warnings = [f["message"] for f in doc["findings"] if f["rule"] == "hooks"]
    assert len(hook_warnings) == 4 and all(
        "the stop gate is not installed" in m for m in hook_warnings
    )
    run_cli(["agents", "install"], ws / "repo")
    code, out, err = run_cli(["agents", "check"], ws / "repo")
    assert code == 0, out + err
    home = Path(os.environ["HOME"])
    lines = out.splitlines()
    assert lines[0].startswith("assumed: Codex: not found on PATH; rules of Codex CLI as of ")
    assert lines[1].startswith(
        "assumed: Claude Code: not found on PATH; rules of Claude Code >= 2.1.277 (AGENTS.md "
        "support) with the built-in agents-md mod 0.1.0; Project instructions (AGENTS.md mode): "
        "unknown (unset); external imports not approved"
    )
    assert (
        f"hook: codex Stop `ameide gate --agent codex` in {home}/.codex/hooks.json, not-reviewed"
        in lines
    )
    assert (
        f"hook: claude Stop `ameide gate --agent claude` in {home}/.claude/settings.json" in lines
    )
    assert (
        f"warning hooks    {home}/.codex/hooks.json: Stop hook `ameide gate --agent codex`: not "
        "reviewed yet: Codex runs a command hook only once trusted (start codex and trust it when "
        "asked, or in /hooks)"
    ) in lines
    assert not any("reach" in ln or "stale" in ln or "skill" in ln for ln in lines), out


# ---------------------------------------------------------------------------- the skill


@pytest.mark.parametrize("name", sorted(known({})))
def test_every_shipped_profile_renders_a_valid_skill(name: str) -> None:
    files = skill.render(load(name, {}), {})
    assert skill.validate(f"/x/{skill.NAME}", files, command_table()) == []
    fm = skill.frontmatter(files["SKILL.md"])
    assert fm.fields["name"] == "ameide" and not fm.error
    assert len(str(fm.fields["description"])) <= skill.MAX_DESCRIPTION


def _findings(
    text: str, *, directory: str = "/x/ameide", extra: dict[str, str] | None = None
) -> list[str]:
    return [
        f.message
        for f in skill.validate(directory, {"SKILL.md": text, **(extra or {})}, command_table())
    ]


def test_skill_validation_catches_what_agents_would_refuse() -> None:
    good = "---\nname: ameide\ndescription: Verify work. Use when done.\n---\n# body\n"
    assert _findings(good) == []
    assert _findings("# no frontmatter\n") == [
        "no YAML frontmatter (a leading `---` block with name and description)"
    ]
    assert _findings("---\nname: ameide\ndescription: Verify: then stop\n---\n")[0].startswith(
        "frontmatter: invalid YAML: line 2, column 20: mapping values are not allowed"
    )
    assert _findings("---\nname: Ameide_1\ndescription: d\n---\n") == [
        "name 'Ameide_1': lowercase letters, digits and hyphens, at most 64"
    ]
    assert _findings(good, directory="/x/other") == [
        "name 'ameide' differs from its directory 'other'"
    ]
    assert _findings("---\nname: ameide\n---\n") == [
        "frontmatter has no `description` (agents pick a skill by it)"
    ]
    long = "---\nname: ameide\ndescription: " + "x" * 1025 + "\n---\n"
    assert _findings(long) == ["description is 1025 characters; at most 1024"]
    assert _findings(good + "More: reference.md\n") == [
        "points to reference.md, which is not in the skill directory"
    ]
    assert _findings(good + "Run `ameide tset`.\n")[0].startswith(
        "`ameide tset`: no such command 'tset'"
    )
    assert _findings(good + "x\n" * 500)[0] == (
        "SKILL.md has 505 lines; keep it under 500 and move detail to other files"
    )


def test_an_installed_skill_that_drifted_fails_check(
    run_cli: RunCli, make_workspace: MakeWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = make_workspace("code", {"AGENTS.md": "# p\n\nRun `ameide test`.\n"})
    run_cli(["agents", "install"], ws / "repo")
    home = Path(os.environ["HOME"])
    installed = home / ".claude" / "skills" / "ameide" / "SKILL.md"
    installed.write_text(installed.read_text().replace("`ameide test`", "`ameide tests`", 1))
    code, out, _ = run_cli(["agents", "check", "--json"], ws / "repo")
    found = {
        (f["rule"], f["path"]) for f in json.loads(out)["findings"] if f["severity"] == "error"
    }
    assert code == 1
    assert ("stale", str(installed)) in found and ("skill", str(installed)) in found
