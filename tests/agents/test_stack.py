"""The instruction stacks Codex and Claude Code load, asserted file by file on temporary
workspace layouts (`<tmp>/workspaces/code/AGENTS.md` beside `repo/`)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from ameide.agents.stack import AgentEnv, Expected, Stack, claude_stack, codex_stack
from tests.agents.conftest import MakeWorkspace
from tests.conftest import write_files


def aenv(tmp_path: Path) -> AgentEnv:
    home = tmp_path / "home"
    return AgentEnv(
        home=str(home),
        codex_home=str(home / ".codex"),
        claude_home=str(home / ".claude"),
        claude_managed=str(tmp_path / "etc" / "claude-code" / "CLAUDE.md"),
        codex_system=str(tmp_path / "etc" / "codex"),
        claude_managed_settings=str(tmp_path / "etc" / "claude-code" / "managed-settings.json"),
        claude_json=str(home / ".claude.json"),
    )


def rows(st: Stack, base: Path) -> list[tuple[str, str, int]]:
    return [(os.path.relpath(f.path, base), f.status, f.loaded_bytes) for f in st.files]


PROFILE = "# Agent profile: code\n\nRun `ameide test` first and last.\n"


# ---------------------------------------------------------------------------- Codex


def test_codex_never_reads_the_workspace_file_above_the_repo(
    make_workspace: MakeWorkspace, tmp_path: Path
) -> None:
    ws = make_workspace(
        "code",
        {
            "AGENTS.md": PROFILE,
            "repo/AGENTS.md": "# repo\n",
            "repo/svc/api/AGENTS.md": "# api\n",
            "repo/svc/AGENTS.override.md": "# svc override\n",
            "repo/svc/AGENTS.md": "# svc (hidden)\n",
        },
    )
    expected = Expected("code profile", str(ws / "AGENTS.md"), PROFILE.strip())
    st = codex_stack(str(ws / "repo" / "svc" / "api"), aenv(tmp_path), expected)

    assert st.project_root == str(ws / "repo")
    assert rows(st, ws) == [
        ("AGENTS.md", "above-root", 0),
        ("repo/AGENTS.md", "loaded", 7),
        ("repo/svc/AGENTS.override.md", "loaded", 15),
        ("repo/svc/AGENTS.md", "shadowed", 0),
        ("repo/svc/api/AGENTS.md", "loaded", 6),
    ]
    assert st.files[0].reason == (
        f"above the project root {ws / 'repo'}: Codex never looks above it"
    )
    assert st.files[3].reason == (
        "AGENTS.override.md comes first: Codex reads one file per directory"
    )
    assert st.text == "# repo\n\n\n# svc override\n\n\n# api\n"
    assert st.warnings == (
        f"the code profile's instructions ({ws / 'AGENTS.md'}) do not reach Codex in full from "
        f"here (above the project root {ws / 'repo'}: Codex never looks above it); run "
        "`ameide agents install`",
    )
    f = st.files[1]
    assert (f.size, f.sha256) == (7, hashlib.sha256(b"# repo\n").hexdigest())


def test_codex_global_file_and_the_project_doc_separator(tmp_path: Path) -> None:
    env = aenv(tmp_path)
    write_files(
        tmp_path,
        {
            "home/.codex/AGENTS.override.md": "  \n",  # empty: Codex tries the next name
            "home/.codex/AGENTS.md": "\n# global\n\n",
            "repo/.git/HEAD": "ref: refs/heads/main\n",
            "repo/AGENTS.md": "# repo\n",
        },
    )
    st = codex_stack(str(tmp_path / "repo"), env)
    assert rows(st, tmp_path) == [
        ("home/.codex/AGENTS.override.md", "empty", 0),
        ("home/.codex/AGENTS.md", "loaded", 8),
        ("repo/AGENTS.md", "loaded", 7),
    ]
    # the global text is trimmed; project docs follow the project-doc marker
    assert st.text == "# global\n\n--- project-doc ---\n\n# repo\n"

    write_files(tmp_path, {"home/.codex/AGENTS.override.md": "# global override\n"})
    st = codex_stack(str(tmp_path / "repo"), env)
    assert rows(st, tmp_path)[:2] == [
        ("home/.codex/AGENTS.override.md", "loaded", 17),
        ("home/.codex/AGENTS.md", "shadowed", 0),
    ]


def test_codex_fallback_names_and_settings_from_config_toml(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "home/.codex/config.toml": (
                'project_doc_fallback_filenames = ["TEAM.md", "AGENTS.md", ""]\n'
                "project_doc_max_bytes = 4096\n"
            ),
            "repo/.git/HEAD": "ref: refs/heads/main\n",
            "repo/TEAM.md": "# team (fallback)\n",
            "repo/pkg/AGENTS.md": "# pkg\n",
            "repo/pkg/TEAM.md": "# pkg team (hidden)\n",
        },
    )
    st = codex_stack(str(tmp_path / "repo" / "pkg"), aenv(tmp_path))
    assert st.limit == 4096
    assert st.settings["project_doc_fallback_filenames"] == ["TEAM.md", "AGENTS.md", ""]
    assert rows(st, tmp_path) == [
        ("repo/TEAM.md", "loaded", 18),
        ("repo/pkg/AGENTS.md", "loaded", 6),
        ("repo/pkg/TEAM.md", "shadowed", 0),
    ]
    assert st.files[0].reason == (
        "project root: fallback name TEAM.md (project_doc_fallback_filenames)"
    )


def test_codex_cuts_at_32_kib_and_drops_what_follows(tmp_path: Path) -> None:
    big = ("x" * 99 + "\n") * 400  # 40 000 bytes
    write_files(
        tmp_path,
        {
            "repo/.git/HEAD": "ref: refs/heads/main\n",
            "repo/AGENTS.md": big,
            "repo/sub/AGENTS.md": "# never seen\n",
        },
    )
    st = codex_stack(str(tmp_path / "repo" / "sub"), aenv(tmp_path))
    assert rows(st, tmp_path) == [
        ("repo/AGENTS.md", "truncated", 32768),
        ("repo/sub/AGENTS.md", "over-budget", 0),
    ]
    assert st.text == big[:32768]
    assert st.warnings == (
        f"{tmp_path}/repo/AGENTS.md: cut at 32768 of 40000 bytes by project_doc_max_bytes "
        "(32768); Codex drops the rest silently",
        f"{tmp_path}/repo/sub/AGENTS.md: not loaded: project_doc_max_bytes (32768) is used up "
        "by the files before it",
    )


def test_codex_budget_spans_files_and_empty_files_cost_nothing(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "home/.codex/config.toml": "project_doc_max_bytes = 20\n",
            "repo/.git": "gitdir: /elsewhere/.git/worktrees/repo\n",  # a worktree: .git file
            "repo/AGENTS.md": "0123456789\n",  # 11 bytes
            "repo/a/AGENTS.override.md": "\n\n",  # empty: skipped, hides AGENTS.md
            "repo/a/AGENTS.md": "# hidden\n",
            "repo/a/b/AGENTS.md": "abcdefghijklmnop\n",  # 17 bytes, 9 fit
        },
    )
    st = codex_stack(str(tmp_path / "repo" / "a" / "b"), aenv(tmp_path))
    assert rows(st, tmp_path) == [
        ("repo/AGENTS.md", "loaded", 11),
        ("repo/a/AGENTS.override.md", "empty", 0),
        ("repo/a/AGENTS.md", "shadowed", 0),
        ("repo/a/b/AGENTS.md", "truncated", 9),
    ]
    assert st.text == "0123456789\n\n\nabcdefghi"
    assert f"{tmp_path}/repo/a/AGENTS.override.md is empty and hides AGENTS.md" in st.warnings[0]


def test_codex_project_root_markers(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "mono/.hg/x": "",
            "mono/AGENTS.md": "# mono\n",
            "mono/app/AGENTS.md": "# app\n",
        },
    )
    cwd = str(tmp_path / "mono" / "app")
    # default markers: no .git anywhere -> only the working directory
    st = codex_stack(cwd, aenv(tmp_path))
    assert st.project_root is None
    assert rows(st, tmp_path) == [
        ("mono/AGENTS.md", "above-root", 0),
        ("mono/app/AGENTS.md", "loaded", 6),
    ]
    write_files(tmp_path, {"home/.codex/config.toml": 'project_root_markers = [".hg"]\n'})
    st = codex_stack(cwd, aenv(tmp_path))
    assert st.project_root == str(tmp_path / "mono")
    assert [r[1] for r in rows(st, tmp_path)] == ["loaded", "loaded"]
    write_files(tmp_path, {"home/.codex/config.toml": "project_root_markers = []\n"})
    st = codex_stack(cwd, aenv(tmp_path))
    assert st.project_root is None and st.text == "# app\n"


def test_codex_does_not_expand_at_includes(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "repo/.git/HEAD": "",
            "repo/AGENTS.md": "# repo\n@docs/rules.md\nmail me@example.com, see `@not/this.md`\n",
            "repo/docs/rules.md": "# rules\n",
        },
    )
    st = codex_stack(str(tmp_path / "repo"), aenv(tmp_path))
    assert "# rules" not in st.text
    assert st.warnings == (
        f"{tmp_path}/repo/AGENTS.md:2: @docs/rules.md is not expanded: Codex does not read @ "
        "includes (inline the text or use a nested AGENTS.md)",
    )


def test_codex_bad_config_values_warn_and_keep_defaults(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "home/.codex/config.toml": 'project_doc_max_bytes = "big"\nproject_root_markers = 1\n',
            "repo/.git/HEAD": "",
        },
    )
    st = codex_stack(str(tmp_path / "repo"), aenv(tmp_path))
    assert st.limit == 32768
    cfg = tmp_path / "home" / ".codex" / "config.toml"
    assert st.warnings == (
        f"{cfg}: project_root_markers must be a list of strings",
        f"{cfg}: project_doc_max_bytes must be a non-negative integer",
    )


@pytest.mark.parametrize("agent", ["codex", "claude"])
def test_no_instructions_at_all(agent: str, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    fn = codex_stack if agent == "codex" else claude_stack
    st = fn(str(tmp_path / "empty"), aenv(tmp_path))
    assert st.files == () and st.text == "" and st.warnings == ()
