"""No false "loaded" claims: the layouts people and templates actually have, each asserted file
by file for the agent it concerns. Workspace and plain checkouts, CLAUDE.md, CLAUDE.local.md,
AGENTS.override.md, imports (inside and outside the working directory, approved or not, too
deep), `.claude/rules`, `.codex/config.toml` (trusted or not), a subdirectory as the working
directory, and every AGENTS.md mode of Claude Code. Sources: docs/profiles.md."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ameide.agents.stack import Expected, Stack, claude_stack, codex_stack
from tests.agents.test_stack import aenv
from tests.conftest import write_files

PROFILE = "# Agent profile: code\n\nRun `ameide test` first and last.\n"
REPO = "# acme monorepo\n\nUse `ameide affected --explain`.\n"
MODES = ("claude", "agents-fallback", "both", "none")


def rows(st: Stack, base: Path) -> list[tuple[str, str]]:
    return [(os.path.relpath(f.path, base), f.status) for f in st.files]


def loaded(st: Stack, base: Path) -> list[str]:
    return [os.path.relpath(f.path, base) for f in st.files if f.loaded]


def set_mode(tmp_path: Path, mode: str | None) -> None:
    if mode is None:
        return
    doc = {"pluginConfigs": {"agents-md@builtin": {"options": {"projectInstructions": mode}}}}
    write_files(tmp_path, {"home/.claude/settings.json": json.dumps(doc)})


def repo(tmp_path: Path, files: dict[str, str], at: str = "repo") -> Path:
    write_files(
        tmp_path,
        {f"{at}/.git/HEAD": "ref: refs/heads/main\n", **{f"{at}/{k}": v for k, v in files.items()}},
    )
    return tmp_path / at


def expected(tmp_path: Path, ws: str = "ws") -> Expected:
    return Expected(
        "code profile",
        str(tmp_path / ws / "AGENTS.md"),
        PROFILE.strip(),
        str(tmp_path / ws / "repo"),
    )


# ------------------------------------------------------------------------------- Codex


@pytest.mark.parametrize("cwd", ["ws/repo", "ws/repo/svc"])
def test_codex_workspace_marker_makes_the_workspace_the_root(tmp_path: Path, cwd: str) -> None:
    write_files(
        tmp_path,
        {
            "home/.codex/config.toml": 'project_root_markers = [".ameide-workspace"]\n',
            "ws/.ameide-workspace": "#\n",
            "ws/AGENTS.md": PROFILE,
            "ws/repo/.git/HEAD": "",
            "ws/repo/AGENTS.md": REPO,
            "ws/repo/svc/AGENTS.md": "# svc\n",
        },
    )
    st = codex_stack(str(tmp_path / cwd), aenv(tmp_path), expected(tmp_path))
    assert st.project_root == str(tmp_path / "ws")
    want = ["ws/AGENTS.md", "ws/repo/AGENTS.md"] + (
        ["ws/repo/svc/AGENTS.md"] if "svc" in cwd else []
    )
    assert loaded(st, tmp_path) == want
    assert st.text.startswith(PROFILE + "\n\n" + REPO)
    assert st.reach is not None and st.reach.ok and st.warnings == ()


def test_codex_workspace_default_markers_miss_the_profile(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {"ws/AGENTS.md": PROFILE, "ws/repo/.git/HEAD": "", "ws/repo/AGENTS.md": REPO},
    )
    st = codex_stack(str(tmp_path / "ws" / "repo"), aenv(tmp_path), expected(tmp_path))
    assert rows(st, tmp_path) == [("ws/AGENTS.md", "above-root"), ("ws/repo/AGENTS.md", "loaded")]
    assert st.reach is not None and (st.reach.profile, st.reach.repo) == (False, True)


def test_codex_project_config_applies_only_when_trusted(tmp_path: Path) -> None:
    r = repo(
        tmp_path,
        {
            ".codex/config.toml": (
                'project_doc_max_bytes = 10\nproject_doc_fallback_filenames = ["TEAM.md"]\n'
            ),
            "AGENTS.md": REPO,
            "pkg/TEAM.md": "# team\n",
        },
    )
    cwd = str(r / "pkg")
    st = codex_stack(cwd, aenv(tmp_path))
    assert rows(st, tmp_path) == [
        ("repo/.codex/config.toml", "untrusted"),
        ("repo/AGENTS.md", "loaded"),
    ]
    assert st.limit == 32768
    assert st.warnings == (
        f"{r}/.codex/config.toml: project_doc_fallback_filenames, project_doc_max_bytes "
        "ignored: Codex loads project config only for trusted projects",
    )
    write_files(
        tmp_path, {"home/.codex/config.toml": f'[projects."{r}"]\ntrust_level = "trusted"\n'}
    )
    st = codex_stack(cwd, aenv(tmp_path))
    assert st.limit == 10 and st.settings["trusted"] is True
    assert rows(st, tmp_path) == [
        ("repo/.codex/config.toml", "applied"),
        ("repo/AGENTS.md", "truncated"),
        ("repo/pkg/TEAM.md", "over-budget"),
    ]


def test_codex_project_config_cannot_move_the_root(tmp_path: Path) -> None:
    r = repo(tmp_path, {".codex/config.toml": "project_root_markers = []\n", "AGENTS.md": REPO})
    write_files(
        tmp_path,
        {
            "home/.codex/config.toml": f'[projects."{r}"]\ntrust_level = "trusted"\n',
            "repo/sub/x": "",
        },
    )
    st = codex_stack(str(r / "sub"), aenv(tmp_path))
    assert st.project_root == str(r)
    assert loaded(st, tmp_path) == ["repo/AGENTS.md"]
    assert st.warnings == (
        f"{r}/.codex/config.toml: project_root_markers is ignored here: Codex reads it from the "
        "user and system config only",
    )


def test_codex_system_config_sets_markers_under_the_user(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "etc/codex/config.toml": 'project_root_markers = [".hg"]\nproject_doc_max_bytes = 5\n',
            "home/.codex/config.toml": "project_doc_max_bytes = 7\n",
            "m/.hg/x": "",
            "m/AGENTS.md": "# m\n",
            "m/a/AGENTS.md": "# a\n",
        },
    )
    st = codex_stack(str(tmp_path / "m" / "a"), aenv(tmp_path))
    assert st.project_root == str(tmp_path / "m") and st.limit == 7


def test_codex_in_repo_override_embeds_the_repository_file(tmp_path: Path) -> None:
    from ameide.agents.install import render

    r = repo(tmp_path, {"AGENTS.md": REPO})
    body = PROFILE.strip() + "\n\n" + REPO.strip()
    write_files(r, {"AGENTS.override.md": render({"profile": "code"}, body)})
    exp = Expected("code profile", "/profiles/code/AGENTS.md", PROFILE.strip(), str(r))
    st = codex_stack(str(r), aenv(tmp_path), exp)
    assert rows(st, tmp_path) == [
        ("repo/AGENTS.override.md", "loaded"),
        ("repo/AGENTS.md", "shadowed"),
    ]
    assert st.reach is not None and st.reach.ok


# ------------------------------------------------------------------------------- Claude Code


@pytest.mark.parametrize(
    ("mode", "status"),
    [
        (None, "mode-dependent"),
        ("claude", "not-read"),
        ("agents-fallback", "loaded"),
        ("both", "loaded"),
        ("none", "not-read"),
        ("bogus", "mode-dependent"),
    ],
)
def test_claude_agents_md_alone_by_mode(tmp_path: Path, mode: str | None, status: str) -> None:
    set_mode(tmp_path, mode)
    r = repo(tmp_path, {"AGENTS.md": REPO})
    st = claude_stack(str(r), aenv(tmp_path))
    assert rows(st, tmp_path) == [("repo/AGENTS.md", status)]
    assert st.settings["agents_md_mode"] == (mode if mode in MODES else "unknown")


@pytest.mark.parametrize("mode", [None, "agents-fallback", "both"])
def test_claude_md_beside_agents_md(tmp_path: Path, mode: str | None) -> None:
    set_mode(tmp_path, mode)
    r = repo(tmp_path, {"CLAUDE.md": "# claude\n", "AGENTS.md": REPO})
    st = claude_stack(str(r), aenv(tmp_path))
    agents = "loaded" if mode == "both" else "not-read"
    assert rows(st, tmp_path) == [("repo/CLAUDE.md", "loaded"), ("repo/AGENTS.md", agents)]


@pytest.mark.parametrize("own", ["CLAUDE.local.md", ".claude/CLAUDE.md"])
def test_claude_own_files_stop_the_fallback(tmp_path: Path, own: str) -> None:
    set_mode(tmp_path, "agents-fallback")
    r = repo(tmp_path, {own: "# mine\n", "AGENTS.md": REPO})
    st = claude_stack(str(r), aenv(tmp_path))
    assert rows(st, tmp_path) == [(f"repo/{own}", "loaded"), ("repo/AGENTS.md", "not-read")]


def test_claude_empty_claude_md_does_not_count(tmp_path: Path) -> None:
    set_mode(tmp_path, "agents-fallback")
    r = repo(tmp_path, {"CLAUDE.md": "\n<!-- only a comment -->\n", "AGENTS.md": REPO})
    st = claude_stack(str(r), aenv(tmp_path))
    assert rows(st, tmp_path) == [("repo/CLAUDE.md", "empty"), ("repo/AGENTS.md", "loaded")]


def test_claude_imports_outside_the_working_directory_need_approval(tmp_path: Path) -> None:
    r = repo(tmp_path, {"CLAUDE.md": "# root\n@AGENTS.md\n", "AGENTS.md": REPO, "sub/x": ""})
    # from the root the import is inside the working directory: loaded at launch
    st = claude_stack(str(r), aenv(tmp_path))
    assert rows(st, tmp_path) == [
        ("repo/CLAUDE.md", "loaded"),
        ("repo/AGENTS.md", "loaded"),
        ("repo/AGENTS.md", "duplicate"),
    ]
    # from a subdirectory it is outside: only after a person approved external imports
    st = claude_stack(str(r / "sub"), aenv(tmp_path))
    assert rows(st, tmp_path) == [
        ("repo/CLAUDE.md", "loaded"),
        ("repo/AGENTS.md", "needs-approval"),
        ("repo/AGENTS.md", "not-read"),  # CLAUDE.md is the project's own: only `both` reads it
    ]
    assert "claude -p never asks" in st.files[1].reason
    write_files(
        tmp_path,
        {
            "home/.claude.json": json.dumps(
                {"projects": {str(r): {"hasClaudeMdExternalIncludesApproved": True}}}
            )
        },
    )
    st = claude_stack(str(r / "sub"), aenv(tmp_path))
    assert [s for _, s in rows(st, tmp_path)] == ["loaded", "loaded", "duplicate"]


def test_claude_user_memory_imports_without_approval(tmp_path: Path) -> None:
    r = repo(tmp_path, {"CLAUDE.md": "# repo\n"})
    write_files(
        tmp_path,
        {"home/.claude/CLAUDE.md": "# user\n@~/notes/style.md\n", "home/notes/style.md": "# s\n"},
    )
    st = claude_stack(str(r), aenv(tmp_path))
    assert rows(st, tmp_path) == [
        ("home/.claude/CLAUDE.md", "loaded"),
        ("home/notes/style.md", "loaded"),
        ("repo/CLAUDE.md", "loaded"),
    ]


def test_claude_expands_four_hops_and_skips_code_and_comments(tmp_path: Path) -> None:
    chain = {f"docs/d{i}.md": f"# d{i}\n@d{i + 1}.md\n" for i in range(1, 7)}
    r = repo(
        tmp_path,
        {
            "CLAUDE.md": (
                "# root\n@docs/d1.md\n@docs/missing.md\n@docs/pic.png\n"
                "```\n@docs/in-code.md\n```\n`@docs/in-span.md` ping @alice\n"
                "<!-- @docs/in-comment.md -->\n"
            ),
            "docs/pic.png": "png",
            **chain,
        },
    )
    st = claude_stack(str(r), aenv(tmp_path))
    assert [(p, s, f.depth) for (p, s), f in zip(rows(st, tmp_path), st.files, strict=True)] == [
        ("repo/CLAUDE.md", "loaded", 0),
        ("repo/docs/d1.md", "loaded", 1),
        ("repo/docs/d2.md", "loaded", 2),
        ("repo/docs/d3.md", "loaded", 3),
        ("repo/docs/d4.md", "loaded", 4),
        ("repo/docs/d5.md", "too-deep", 5),
        ("repo/docs/missing.md", "not-found", 1),
        ("repo/docs/pic.png", "skipped", 1),
    ]


def test_claude_rules_conditional_and_linked(tmp_path: Path) -> None:
    write_files(tmp_path, {"shared/go.md": "# go rules\n"})
    r = repo(
        tmp_path,
        {
            ".claude/rules/a.md": "# always\n",
            ".claude/rules/sub/b.md": "# nested, always\n",
            ".claude/rules/web.md": '---\npaths:\n  - "web/**/*.ts"\n---\n# web only\n',
            ".claude/rules/all.md": "---\npaths: **\n---\n# every path\n",
            ".claude/rules/notes.txt": "not a rule\n",
        },
    )
    os.symlink(tmp_path / "shared" / "go.md", r / ".claude" / "rules" / "go.md")
    st = claude_stack(str(r), aenv(tmp_path))
    assert rows(st, tmp_path) == [
        ("repo/.claude/rules/a.md", "loaded"),
        ("repo/.claude/rules/all.md", "loaded"),
        ("repo/.claude/rules/go.md", "loaded"),
        ("repo/.claude/rules/sub/b.md", "loaded"),
        ("repo/.claude/rules/web.md", "conditional"),
    ]


def test_claude_none_mode_keeps_only_managed(tmp_path: Path) -> None:
    set_mode(tmp_path, "none")
    write_files(
        tmp_path,
        {"etc/claude-code/CLAUDE.md": "# org\n", "home/.claude/CLAUDE.md": "# me\n"},
    )
    r = repo(tmp_path, {"CLAUDE.md": "# repo\n", "CLAUDE.local.md": "# local\n"})
    st = claude_stack(str(r), aenv(tmp_path))
    assert rows(st, tmp_path) == [
        ("etc/claude-code/CLAUDE.md", "loaded"),
        ("home/.claude/CLAUDE.md", "dropped"),
        ("repo/CLAUDE.md", "dropped"),
        ("repo/CLAUDE.local.md", "dropped"),
    ]


def test_managed_settings_mode_wins_over_the_user(tmp_path: Path) -> None:
    set_mode(tmp_path, "claude")
    doc = {"pluginConfigs": {"agents-md@builtin": {"options": {"projectInstructions": "both"}}}}
    write_files(tmp_path, {"etc/claude-code/managed-settings.json": json.dumps(doc)})
    r = repo(tmp_path, {"AGENTS.md": REPO})
    st = claude_stack(str(r), aenv(tmp_path))
    assert rows(st, tmp_path) == [("repo/AGENTS.md", "loaded")]


@pytest.mark.parametrize("cwd", ["ws/repo", "ws/repo/svc"])
def test_claude_workspace_before_install_depends_on_the_mode(tmp_path: Path, cwd: str) -> None:
    write_files(
        tmp_path,
        {
            "ws/AGENTS.md": PROFILE,
            "ws/repo/.git/HEAD": "",
            "ws/repo/AGENTS.md": REPO,
            "ws/repo/svc/x": "",
        },
    )
    st = claude_stack(str(tmp_path / cwd), aenv(tmp_path), expected(tmp_path))
    assert rows(st, tmp_path) == [
        ("ws/AGENTS.md", "mode-dependent"),
        ("ws/repo/AGENTS.md", "mode-dependent"),
    ]
    assert st.reach is not None and not st.reach.profile and not st.reach.repo


def _installed_workspace(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "ws/AGENTS.md": PROFILE,
            "ws/repo/.git/HEAD": "",
            "ws/repo/AGENTS.md": REPO,
            "ws/repo/svc/AGENTS.md": "# svc\n",
        },
    )
    os.symlink("AGENTS.md", tmp_path / "ws" / "CLAUDE.md")
    (tmp_path / "ws" / ".claude" / "rules").mkdir(parents=True)
    os.symlink(
        "../../repo/AGENTS.md", tmp_path / "ws" / ".claude" / "rules" / "ameide-repo-AGENTS.md"
    )


@pytest.mark.parametrize("mode", [None, "claude", "agents-fallback", "both"])
@pytest.mark.parametrize("cwd", ["ws/repo", "ws/repo/svc"])
def test_claude_workspace_after_install_in_every_mode(
    tmp_path: Path, mode: str | None, cwd: str
) -> None:
    set_mode(tmp_path, mode)
    _installed_workspace(tmp_path)
    st = claude_stack(str(tmp_path / cwd), aenv(tmp_path), expected(tmp_path))
    got = loaded(st, tmp_path)
    assert got[:2] == ["ws/CLAUDE.md", "ws/.claude/rules/ameide-repo-AGENTS.md"]
    # the nested AGENTS.md: read only under `both` (it has a CLAUDE.md above it now)
    assert got[2:] == (["ws/repo/svc/AGENTS.md"] if mode == "both" and "svc" in cwd else [])
    assert st.text.index(PROFILE.strip()) < st.text.index(REPO.strip())
    assert st.reach is not None and st.reach.ok, st.warnings


def test_claude_workspace_after_install_none_mode_reaches_nothing(tmp_path: Path) -> None:
    set_mode(tmp_path, "none")
    _installed_workspace(tmp_path)
    st = claude_stack(str(tmp_path / "ws" / "repo"), aenv(tmp_path), expected(tmp_path))
    assert loaded(st, tmp_path) == []
    assert st.reach is not None and not st.reach.profile


def test_repository_text_before_the_profile_is_reported(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "ws/repo/.git/HEAD": "",
            "ws/repo/CLAUDE.md": REPO,
            "ws/repo/CLAUDE.local.md": PROFILE,
        },
    )
    exp = Expected(
        "code profile",
        str(tmp_path / "ws" / "AGENTS.md"),
        PROFILE.strip(),
        str(tmp_path / "ws" / "repo"),
    )
    st = claude_stack(str(tmp_path / "ws" / "repo"), aenv(tmp_path), exp)
    assert st.reach is not None and (st.reach.profile, st.reach.repo, st.reach.in_order) == (
        True,
        True,
        False,
    )
    assert st.warnings[-1].endswith("before the code profile's; the profile's text must come first")
