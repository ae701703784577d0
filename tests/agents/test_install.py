"""`ameide agents install|uninstall`: the profile's instructions, the skill and the stop gate
reach both agents from the user and workspace level, nothing inside the repository unless
asked; idempotent; a person's files and settings are kept; uninstall takes back exactly what
install added."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ameide.agents.install import generated_fields
from ameide.agents.profiles import builtin_dir
from tests.agents.conftest import MakeWorkspace
from tests.conftest import MakeRepo, git, write_files

RunCli = Callable[..., tuple[int, str, str]]

TEMPLATE = "# Agent profile: code (acme)\n\nRun `ameide test` first and last.\n"
REPO_AGENTS = "# acme monorepo\n\nUse `ameide affected --explain`.\n"


def install(run_cli: RunCli, cwd: Path, *args: str) -> dict[str, Any]:
    code, out, err = run_cli(["agents", "install", "--json", *args], cwd)
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def show(run_cli: RunCli, cwd: Path) -> dict[str, Any]:
    code, out, err = run_cli(["agents", "show", "--json"], cwd)
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def loaded(doc: dict[str, Any], agent: str, base: Path) -> list[str]:
    st = next(s for s in doc["stacks"] if s["agent"] == agent)
    return [os.path.relpath(f["path"], base) for f in st["files"] if f["loaded"]]


def warnings(doc: dict[str, Any], agent: str) -> list[str]:
    st = next(s for s in doc["stacks"] if s["agent"] == agent)
    return list(st["warnings"])


def snapshot(*roots: Path) -> dict[str, str]:
    """Every file and link under `roots` (links by target), for byte-exact comparisons."""
    out: dict[str, str] = {}
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d != ".git"]
            for n in [
                *filenames,
                *[d for d in dirnames if os.path.islink(os.path.join(dirpath, d))],
            ]:
                p = os.path.join(dirpath, n)
                out[p] = "-> " + os.readlink(p) if os.path.islink(p) else Path(p).read_text()
            for d in dirnames:
                out.setdefault(os.path.join(dirpath, d) + "/", "dir")
    return out


def test_install_in_the_workspace_layout(
    run_cli: RunCli, make_workspace: MakeWorkspace, tmp_path: Path
) -> None:
    ws = make_workspace(
        "code", {"AGENTS.md": TEMPLATE, "repo/AGENTS.md": REPO_AGENTS, "repo/svc/x.txt": "x\n"}
    )
    repo = ws / "repo"
    home = Path(os.environ["HOME"])
    before = show(run_cli, repo)
    assert loaded(before, "codex", ws) == ["repo/AGENTS.md"]
    assert loaded(before, "claude", ws) == []  # AGENTS.md only in some modes: not claimed
    assert any("do not reach Codex" in w for w in warnings(before, "codex"))
    assert any("do not reach Claude Code" in w for w in warnings(before, "claude"))

    doc = install(run_cli, repo)

    assert doc["profile"]["source"] == "workspace" and doc["workspace"] == str(ws)
    assert doc["instructions"]["path"] == str(ws / "AGENTS.md")
    assert [(f["path"], f["agent"], f["action"], f["backup"]) for f in doc["files"]] == [
        (str(ws / ".ameide-workspace"), "codex", "created", None),
        (str(home / ".codex" / "config.toml"), "codex", "created", None),
        (str(ws / "CLAUDE.md"), "claude", "created", None),
        (str(ws / ".claude" / "rules" / "ameide-repo-AGENTS.md"), "claude", "created", None),
        (str(home / ".codex" / "hooks.json"), "codex", "created", None),
        (str(home / ".claude" / "settings.json"), "claude", "created", None),
        (str(home / ".agents" / "skills" / "ameide" / "SKILL.md"), "codex", "created", None),
        (str(home / ".agents" / "skills" / "ameide" / "reference.md"), "codex", "created", None),
        (str(home / ".claude" / "skills" / "ameide" / "SKILL.md"), "claude", "created", None),
        (str(home / ".claude" / "skills" / "ameide" / "reference.md"), "claude", "created", None),
    ]
    assert doc["notes"] == [
        "Codex runs command hooks only after a person has reviewed and trusted them: start "
        "codex, review the two `ameide gate --agent codex` hooks when it asks (or in /hooks) and "
        "trust them; `ameide agents check` says whether they are trusted"
    ]
    assert (home / ".codex" / "config.toml").read_text() == (
        'project_root_markers = [".ameide-workspace"]\n'
    )
    assert os.readlink(ws / "CLAUDE.md") == "AGENTS.md"
    assert os.readlink(ws / ".claude" / "rules" / "ameide-repo-AGENTS.md") == "../../repo/AGENTS.md"
    hooks = json.loads((home / ".claude" / "settings.json").read_text())
    assert hooks == {
        "hooks": {
            "SessionStart": [
                {
                    "hooks": [
                        {"type": "command", "command": "ameide gate --agent claude", "timeout": 30}
                    ]
                }
            ],
            "Stop": [
                {
                    "hooks": [
                        {"type": "command", "command": "ameide gate --agent claude", "timeout": 900}
                    ]
                }
            ],
        }
    }
    # nothing inside the repository: the tree `ameide test` checks is untouched
    assert git(repo, "status", "--porcelain", "--ignored") == ""
    assert (ws / "AGENTS.md").read_text() == TEMPLATE  # the template's file is the profile's

    _, out, _ = run_cli(["agents", "show", "--no-text"], repo / "svc")
    assert (
        f"  skills: ameide ({home}/.agents/skills/ameide/SKILL.md, user)\n"
        f"  stop gate: SessionStart, Stop hooks in {home}/.codex/hooks.json (not-reviewed)\n"
    ) in out
    assert (
        f"  skills: ameide ({home}/.claude/skills/ameide/SKILL.md, user)\n"
        f"  stop gate: SessionStart, Stop hooks in {home}/.claude/settings.json\n"
    ) in out
    for cwd in (repo, repo / "svc"):
        after = show(run_cli, cwd)
        assert loaded(after, "codex", ws) == ["AGENTS.md", "repo/AGENTS.md"]
        assert loaded(after, "claude", ws) == [
            "CLAUDE.md",
            ".claude/rules/ameide-repo-AGENTS.md",
        ]
        for st in after["stacks"]:
            text = st["merged"]["text"]
            assert text.index(TEMPLATE.strip()) < text.index(REPO_AGENTS.strip()), st["agent"]
            assert not any("reach" in w for w in st["warnings"]), st["warnings"]

    # idempotent: the second run changes nothing and writes nothing
    stamp = {p: os.lstat(p).st_mtime_ns for p in snapshot(home, ws) if not p.endswith("/")}
    again = install(run_cli, repo)
    assert {f["action"] for f in again["files"]} == {"unchanged"}
    assert {p: os.lstat(p).st_mtime_ns for p in stamp} == stamp


def test_dry_run_shows_diffs_and_writes_nothing(
    run_cli: RunCli, make_workspace: MakeWorkspace
) -> None:
    ws = make_workspace("code", {"AGENTS.md": TEMPLATE, "repo/AGENTS.md": REPO_AGENTS})
    home = Path(os.environ["HOME"])
    write_files(home, {".codex/config.toml": '# mine\nmodel = "o3"\n\n[tui]\nx = 1\n'})
    before = snapshot(home, ws)
    code, out, err = run_cli(["agents", "install", "--dry-run"], ws / "repo")
    assert code == 0, err
    assert snapshot(home, ws) == before
    assert out.startswith("agents install --dry-run (nothing written): profile code ")
    assert (
        f"  update    codex  {home}/.codex/config.toml\n"
        f"    --- {home}/.codex/config.toml\n"
        f"    +++ {home}/.codex/config.toml\n"
        "    # ameide's entries only; everything else in the file stays as it is\n"
        '    +project_root_markers = [".ameide-workspace"]\n'
    ) in out
    assert f"  create    claude {ws}/CLAUDE.md\n" in out and "    +symlink -> AGENTS.md\n" in out
    doc = install(run_cli, ws / "repo", "--dry-run")
    assert doc["dry_run"] is True and snapshot(home, ws) == before
    assert all("diff" in f for f in doc["files"])


def test_a_persons_config_is_never_printed_and_keeps_its_format(
    run_cli: RunCli, make_workspace: MakeWorkspace
) -> None:
    ws = make_workspace("code", {"AGENTS.md": TEMPLATE, "repo/AGENTS.md": REPO_AGENTS})
    home = Path(os.environ["HOME"])
    secret, token = "sk-ant-api03-SECRETSECRET", "ghp_SECRETSECRETSECRET"
    settings = json.dumps(
        {"env": {"ANTHROPIC_API_KEY": secret}, "apiKeyHelper": "pass show claude"},
        separators=(",", ":"),
    )
    settings += "\n"
    write_files(
        home,
        {
            ".claude/settings.json": settings,
            ".codex/config.toml": f'[mcp_servers.docs.env]\nTOKEN = "{token}"\n',
        },
    )
    outputs = [
        run_cli(["agents", "install", "--dry-run"], ws / "repo")[1],
        run_cli(["agents", "install", "--dry-run", "--json"], ws / "repo")[1],
        run_cli(["agents", "install"], ws / "repo")[1],
        run_cli(["agents", "uninstall", "--dry-run"], ws / "repo")[1],
        run_cli(["agents", "uninstall", "--dry-run", "--json"], ws / "repo")[1],
    ]
    for out in outputs:
        assert secret not in out and token not in out and "apiKeyHelper" not in out
    written = (home / ".claude" / "settings.json").read_text()
    assert "\n" not in written.rstrip("\n")  # one line, as the person wrote it
    assert json.loads(written)["env"]["ANTHROPIC_API_KEY"] == secret
    run_cli(["agents", "uninstall"], ws / "repo")
    assert json.loads((home / ".claude" / "settings.json").read_text()) == json.loads(settings)
    assert (
        home / ".codex" / "config.toml"
    ).read_text() == f'[mcp_servers.docs.env]\nTOKEN = "{token}"\n'


def test_uninstall_takes_back_exactly_what_install_added(
    run_cli: RunCli, make_workspace: MakeWorkspace
) -> None:
    ws = make_workspace("code", {"AGENTS.md": TEMPLATE, "repo/AGENTS.md": REPO_AGENTS})
    home = Path(os.environ["HOME"])
    mine = {"hooks": {"Stop": [{"hooks": [{"type": "command", "command": "notify-me"}]}]}}
    write_files(
        home,
        {
            ".codex/config.toml": (
                '# my settings\nmodel = "o3"\n\n[projects."/x"]\ntrust_level = "trusted"\n'
            ),
            ".codex/hooks.json": json.dumps(mine, indent=4) + "\n",
            ".claude/settings.json": '{"theme": "dark"}\n',
            ".claude/skills/ameide/SKILL.md": "---\nname: ameide\ndescription: mine\n---\nmine\n",
        },
    )
    write_files(ws, {"CLAUDE.md": "# my own workspace notes\n"})
    before = snapshot(home, ws)

    doc = install(run_cli, ws / "repo")
    backups = {Path(f["path"]).name: f["backup"] for f in doc["files"] if f["backup"]}
    assert backups == {
        "CLAUDE.md": str(ws / "CLAUDE.md.ameide-backup"),
        "SKILL.md": str(home / ".claude" / "skills" / "ameide" / "SKILL.md.ameide-backup"),
    }
    codex_hooks = json.loads((home / ".codex" / "hooks.json").read_text())
    assert codex_hooks["hooks"]["Stop"][0] == mine["hooks"]["Stop"][0]  # theirs kept, first
    assert len(codex_hooks["hooks"]["Stop"]) == 2
    settings = json.loads((home / ".claude" / "settings.json").read_text())
    assert settings["theme"] == "dark" and "Stop" in settings["hooks"]

    code, out, err = run_cli(["agents", "uninstall", "--dry-run"], ws / "repo")
    assert code == 0, err and out.startswith("agents uninstall --dry-run")
    code, out, err = run_cli(["agents", "uninstall"], ws / "repo")
    assert code == 0, err
    after = snapshot(home, ws)
    state = str(home / ".local" / "state") + "/"
    after = {k: v for k, v in after.items() if not k.startswith(state)}
    # byte for byte what was there, JSON formatting aside (ameide rewrites JSON it edits)
    for k in (str(home / ".codex" / "hooks.json"), str(home / ".claude" / "settings.json")):
        assert json.loads(after.pop(k)) == json.loads(before.pop(k))
    assert after == before
    assert not (home / ".local" / "state" / "ameide" / "agents-install.json").exists()
    code, out, _ = run_cli(["agents", "uninstall"], ws / "repo")
    assert (code, out.splitlines()[0].split(" (")[0]) == (0, "agents uninstall: nothing to remove")


def test_uninstall_keeps_what_a_person_changed_since(
    run_cli: RunCli, make_workspace: MakeWorkspace
) -> None:
    ws = make_workspace("code", {"AGENTS.md": TEMPLATE, "repo/AGENTS.md": REPO_AGENTS})
    home = Path(os.environ["HOME"])
    install(run_cli, ws / "repo")
    skill = home / ".agents" / "skills" / "ameide" / "SKILL.md"
    skill.write_text(skill.read_text() + "\nmy addition\n")
    cfg = home / ".codex" / "config.toml"
    cfg.write_text('project_root_markers = [".git"]\n')
    code, out, err = run_cli(["agents", "uninstall", "--json"], ws / "repo")
    assert code == 0, err
    by_path = {f["path"]: f for f in json.loads(out)["files"]}
    assert (by_path[str(skill)]["action"], by_path[str(skill)]["note"]) == (
        "left",
        "edited since it was installed: kept",
    )
    assert by_path[str(cfg)]["action"] == "left"
    assert skill.exists() and cfg.read_text() == 'project_root_markers = [".git"]\n'
    assert not (ws / "CLAUDE.md").exists() and not (ws / ".claude").exists()


def test_a_persons_project_root_markers_are_kept(
    run_cli: RunCli, make_workspace: MakeWorkspace
) -> None:
    ws = make_workspace("code", {"AGENTS.md": TEMPLATE, "repo/AGENTS.md": REPO_AGENTS})
    home = Path(os.environ["HOME"])
    write_files(home, {".codex/config.toml": 'project_root_markers = [".git", ".hg"]\n'})
    doc = install(run_cli, ws / "repo")
    cfg = next(f for f in doc["files"] if f["path"].endswith("config.toml"))
    assert cfg["action"] == "kept"
    assert any("project_root_markers is set to ['.git', '.hg']" in n for n in doc["notes"])
    assert (
        home / ".codex" / "config.toml"
    ).read_text() == 'project_root_markers = [".git", ".hg"]\n'
    assert any("do not reach Codex" in w for w in warnings(show(run_cli, ws / "repo"), "codex"))


def test_a_repository_with_its_own_claude_md_gets_no_rule_link(
    run_cli: RunCli, make_workspace: MakeWorkspace
) -> None:
    ws = make_workspace(
        "code",
        {"AGENTS.md": TEMPLATE, "repo/AGENTS.md": REPO_AGENTS, "repo/CLAUDE.md": "# claude\n"},
    )
    doc = install(run_cli, ws / "repo")
    assert not any("rules" in f["path"] for f in doc["files"])
    after = show(run_cli, ws / "repo")
    assert loaded(after, "claude", ws) == ["CLAUDE.md", "repo/CLAUDE.md"]
    assert not any("reach" in w for w in warnings(after, "claude"))


def test_workspace_root_option_and_a_missing_workspace_file(
    run_cli: RunCli, make_workspace: MakeWorkspace, tmp_path: Path
) -> None:
    ws = make_workspace("gitops", {"repo/base/app.yaml": "a: 1\n"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    doc = install(run_cli, elsewhere, "--workspace-root", str(ws))
    assert [(Path(f["path"]).name, f["action"]) for f in doc["files"][:3]] == [
        ("AGENTS.md", "created"),
        (".ameide-workspace", "created"),
        ("config.toml", "created"),
    ]
    shipped = (Path(builtin_dir()) / "gitops" / "AGENTS.md").read_text()
    ws_file = (ws / "AGENTS.md").read_text()
    fields = generated_fields(ws_file)
    assert fields is not None and fields["pristine"] == "yes"
    assert ws_file.split("\n", 1)[1] == shipped.strip() + "\n"
    skill = Path(os.environ["HOME"]) / ".claude" / "skills" / "ameide" / "SKILL.md"
    assert "# ameide: verify before you stop (gitops profile)" in skill.read_text()
    again = install(run_cli, elsewhere, "--workspace-root", str(ws))
    assert {f["action"] for f in again["files"]} == {"unchanged"}


def test_outside_a_workspace_only_the_gate_and_skill_unless_asked(
    run_cli: RunCli, make_repo: MakeRepo
) -> None:
    repo = make_repo({"README.md": "hi\n", "AGENTS.md": REPO_AGENTS})
    doc = install(run_cli, repo)
    assert {Path(f["path"]).name for f in doc["files"]} == {
        "hooks.json",
        "settings.json",
        "SKILL.md",
        "reference.md",
    }
    assert doc["notes"][0].startswith(
        "no workspace directory here: the profile's instructions "
        "were not installed (pass --workspace-root DIR"
    )
    assert git(repo, "status", "--porcelain") == ""

    code, out, err = run_cli(["agents", "install", "--in-repo"], repo)
    assert code == 0, err
    assert f"  created   codex  {repo}/AGENTS.override.md\n" in out
    assert f"  created   claude {repo}/CLAUDE.local.md\n" in out
    assert (
        f"  {repo}/.git/info/exclude: added /AGENTS.override.md, /CLAUDE.local.md, "
        "/*.ameide-backup*\n"
    ) in out
    assert git(repo, "status", "--porcelain") == ""
    after = show(run_cli, repo)
    for st in after["stacks"]:
        assert not any("reach" in w for w in st["warnings"]), st["warnings"]

    # the repository's AGENTS.md changes: the embedded copies are stale until reinstalled
    write_files(repo, {"AGENTS.md": REPO_AGENTS + "\nNew rule.\n"})
    code, out, _ = run_cli(["agents", "check", "--json"], repo)
    stale = sorted(f["path"] for f in json.loads(out)["findings"] if f["rule"] == "stale")
    assert code == 1 and stale == [str(repo / "AGENTS.override.md"), str(repo / "CLAUDE.local.md")]
    install(run_cli, repo, "--in-repo")
    assert "New rule." in (repo / "AGENTS.override.md").read_text()

    run_cli(["agents", "uninstall"], repo)
    assert not (repo / "AGENTS.override.md").exists()
    assert "ameide agents install" not in (repo / ".git" / "info" / "exclude").read_text()


def test_tracked_files_are_never_edited(run_cli: RunCli, make_repo: MakeRepo) -> None:
    repo = make_repo({"CLAUDE.local.md": "# committed by someone\n"})
    code, out, err = run_cli(["agents", "install", "--in-repo"], repo)
    assert (code, out) == (2, "")
    assert err == (
        "ameide: error: CLAUDE.local.md is tracked in git; ameide agents install never edits "
        "tracked files\n"
        "  hint: remove it from the index (git rm --cached FILE) and commit, or merge the "
        "profile's instructions into it by hand\n"
    )
    assert not (repo / "AGENTS.override.md").exists()


def test_a_broken_settings_file_stops_before_anything_is_written(
    run_cli: RunCli, make_workspace: MakeWorkspace
) -> None:
    ws = make_workspace("code", {"AGENTS.md": TEMPLATE})
    home = Path(os.environ["HOME"])
    write_files(home, {".claude/settings.json": '{"theme": "dark",}\n'})
    code, out, err = run_cli(["agents", "install"], ws / "repo")
    assert (code, out) == (2, "")
    assert err.startswith(f"ameide: error: {home}/.claude/settings.json: invalid JSON (")
    assert "  hint: fix the file by hand, then rerun `ameide agents install`\n" in err
    assert not (ws / "CLAUDE.md").exists() and not (home / ".codex").exists()


def test_install_needs_a_checkout(run_cli: RunCli, tmp_path: Path) -> None:
    code, _, err = run_cli(["agents", "install"], tmp_path)
    assert code == 3
    assert f"not a git repository: {tmp_path}" in err
    code, _, err = run_cli(
        ["agents", "install", "--workspace-root", str(tmp_path / "nope")], tmp_path
    )
    assert code == 2 and "not a directory" in err


@pytest.mark.parametrize("profile", ["code", "sre"])
def test_the_skill_follows_the_profile(
    run_cli: RunCli, make_workspace: MakeWorkspace, profile: str
) -> None:
    ws = make_workspace(profile, {"repo/README.md": "x\n"})
    install(run_cli, ws / "repo")
    text = (Path(os.environ["HOME"]) / ".agents" / "skills" / "ameide" / "SKILL.md").read_text()
    assert text.startswith("---\nname: ameide\ndescription: Verify work in an ameide monorepo")
    if profile == "sre":
        assert (
            "Pull requests: not allowed here: the profile does not allow them (set "
            "AMEIDE_SRE_ALLOW_PR=1 to enable)."
        ) in text
        assert "`gitops/**`, `.github/**`, `.ameide/**`" in text
    else:
        assert "`ameide branch start TOPIC` creates `codex/TOPIC`" in text
