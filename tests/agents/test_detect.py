"""Profile detection order, its reported source, unknown names, and `ameide profile`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ameide.agents.profiles import builtin_dir
from tests.agents.conftest import MakeWorkspace
from tests.conftest import MakeRepo, git, write_files

RunCli = Callable[..., tuple[int, str, str]]


def found(run_cli: RunCli, cwd: Path) -> tuple[str, str, str]:
    code, out, err = run_cli(["profile", "--json"], cwd)
    assert code == 0, err
    doc = json.loads(out)
    return doc["profile"], doc["source"], doc["detail"]


def test_default_is_code(run_cli: RunCli, make_repo: MakeRepo) -> None:
    repo = make_repo({"a.txt": "a\n"})
    assert found(run_cli, repo) == (
        "code",
        "default",
        "no file, variable, layout or -gitops name chose one",
    )


def test_gitops_repository_name_from_the_checkout_or_the_remote(
    run_cli: RunCli, make_repo: MakeRepo
) -> None:
    repo = make_repo({"a.yaml": "a: 1\n"}, name="platform-gitops")
    assert found(run_cli, repo) == (
        "gitops",
        "repo-name",
        "repository 'platform-gitops' (checkout directory name) ends in -gitops",
    )
    other = make_repo({"a.yaml": "a: 1\n"}, name="checkout")
    git(other, "remote", "add", "origin", "git@github.com:acme/deploy-gitops.git")
    assert found(run_cli, other) == (
        "gitops",
        "repo-name",
        "repository 'deploy-gitops' (remote origin git@github.com:acme/deploy-gitops.git) "
        "ends in -gitops",
    )
    git(other, "remote", "set-url", "origin", "https://github.com/acme/app.git")
    assert found(run_cli, other)[0] == "code"


def test_order_file_then_env_then_layout(
    run_cli: RunCli, make_workspace: MakeWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = make_workspace("sre", {"repo/docs/x.md": "x\n"})
    sub = ws / "repo" / "docs"
    assert found(run_cli, sub) == ("sre", "workspace", f"workspace layout {ws}")
    monkeypatch.setenv("AMEIDE_AGENT_PROFILE", "gitops")
    assert found(run_cli, sub) == ("gitops", "env", "AMEIDE_AGENT_PROFILE=gitops")
    write_files(ws / "repo", {".ameide/agent-profile": "# chosen by the platform team\ncode\n"})
    assert found(run_cli, sub) == ("code", "file", f"{ws}/repo/.ameide/agent-profile")


def test_profile_file_at_the_monorepo_root_wins_over_the_git_root(
    run_cli: RunCli, make_repo: MakeRepo
) -> None:
    repo = make_repo(
        {
            ".ameide/agent-profile": "gitops\n",
            "inner/ameide.toml": "",
            "inner/.ameide/agent-profile": "sre\n",
        }
    )
    assert found(run_cli, repo / "inner")[:2] == ("sre", "file")
    assert found(run_cli, repo)[:2] == ("gitops", "file")


def test_unknown_profiles_are_usage_errors_listing_the_known_ones(
    run_cli: RunCli,
    make_repo: MakeRepo,
    make_workspace: MakeWorkspace,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = make_repo({"a.txt": "a\n"})
    monkeypatch.setenv("AMEIDE_AGENT_PROFILE", "bogus")
    code, out, err = run_cli(["profile"], repo)
    assert (code, out) == (2, "")
    assert err == (
        "ameide: error: unknown agent profile 'bogus' (from AMEIDE_AGENT_PROFILE=bogus)\n"
        "  hint: known profiles: code, gitops, sre; a new profile is a directory with "
        "profile.toml and AGENTS.md (docs/profiles.md)\n"
    )
    monkeypatch.delenv("AMEIDE_AGENT_PROFILE")
    ws = make_workspace("frontend", {})
    code, _, err = run_cli(["profile"], ws / "repo")
    assert code == 2
    assert f"unknown agent profile 'frontend' (from the workspace layout {ws})" in err
    assert "or choose one with AMEIDE_AGENT_PROFILE" in err
    write_files(repo, {".ameide/agent-profile": "# nothing\n\n"})
    code, _, err = run_cli(["profile"], repo)
    assert code == 2
    assert f"{repo}/.ameide/agent-profile: names no profile" in err


def test_extra_profiles_from_ameide_profiles_path(
    run_cli: RunCli, make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(
        tmp_path / "org-profiles",
        {
            "docs/profile.toml": (
                'name = "docs"\ndescription = "Docs only."\n'
                '[paths]\nallowed = ["**/*.md"]\n[pr]\nbranch_prefix = "docs/"\n'
            ),
            "docs/AGENTS.md": "# docs\n",
            "broken/profile.toml": (
                'name = "broken"\ndescription = "x"\n[pr]\nbranch_prefix = "no spaces"\n'
                "colour = 1\n"
            ),
        },
    )
    monkeypatch.setenv("AMEIDE_PROFILES_PATH", str(tmp_path / "org-profiles"))
    repo = make_repo({".ameide/agent-profile": "docs\n"})
    code, out, err = run_cli(["profile", "--json"], repo)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["known"] == ["broken", "code", "docs", "gitops", "sre"]
    assert (doc["profile"], doc["origin"]) == ("docs", "AMEIDE_PROFILES_PATH")
    assert doc["paths"] == {"allowed": ["**/*.md"], "forbidden": []}
    write_files(repo, {".ameide/agent-profile": "broken\n"})
    code, _, err = run_cli(["profile"], repo)
    assert code == 2
    assert err.splitlines()[:3] == [
        f"ameide: error: {tmp_path}/org-profiles/broken/profile.toml: invalid profile",
        "  pr.branch_prefix: 'no spaces' is not a branch prefix: use letters, digits, '.', "
        "'_', '-' and '/', ending in '/' or '-' (e.g. 'codex/')",
        "  pr.colour: unknown key",
    ]


def test_profile_human_output(
    run_cli: RunCli, make_workspace: MakeWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = make_workspace("sre", {"repo/.ameide/test-contract-allowlist.txt": "old/** # move\n"})
    code, out, _ = run_cli(["profile"], ws / "repo")
    assert code == 0
    sre = Path(builtin_dir()) / "sre"
    assert out == (
        "profile: sre\n"
        "  Diagnostics: read-only investigation; writes limited to runbooks, incident notes "
        "and docs; PRs only when enabled.\n"
        f"  chosen by: workspace (workspace layout {ws})\n"
        f"  instructions: {sre}/AGENTS.md\n"
        f"  workspace: {ws}\n"
        "  paths allowed: docs/**, runbooks/**, postmortems/**, incidents/**, **/*.md\n"
        "  paths forbidden: gitops/**, .github/**, .ameide/**\n"
        "  pull requests: no: the profile does not allow them (set AMEIDE_SRE_ALLOW_PR=1 to "
        "enable); branch prefix sre/\n"
        "  phase-0 checks: secrets (built-in secrets on **)\n"
        f"  allowlist: {ws}/repo/.ameide/test-contract-allowlist.txt (old/**)\n"
        "known profiles: code, gitops, sre\n"
    )
    monkeypatch.setenv("AMEIDE_SRE_ALLOW_PR", "1")
    _, out, _ = run_cli(["profile", "--json"], ws / "repo")
    assert json.loads(out)["pull_requests"] == {
        "allowed": True,
        "why": "AMEIDE_SRE_ALLOW_PR=1 enables them",
        "branch_prefix": "sre/",
    }


def test_outside_a_git_checkout_the_directory_decides(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "ops-gitops").mkdir()
    assert found(run_cli, tmp_path / "ops-gitops")[:2] == ("gitops", "repo-name")
