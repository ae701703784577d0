"""Paths with a newline (legal in git and on Linux) against every glob ameide matches
(issue 12, item 9): the guardrails allow what `**` allows and forbid what a forbidden glob
names, so a newline can neither fail a change nor smuggle one past a rule."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ameide.agents.detect import Roots, detect
from ameide.agents.guardrails import evaluate
from tests.conftest import MakeRepo, git, load_summary, write_files

pytestmark = pytest.mark.fault

RunCli = Callable[..., tuple[int, str, str]]
NL = "notes/first\nsecond.txt"


def detected(tmp_path: Path, profile: str):  # type: ignore[no-untyped-def]
    write_files(tmp_path, {".ameide/agent-profile": f"{profile}\n"})
    return detect(Roots(str(tmp_path), str(tmp_path), str(tmp_path)), {})


def test_a_newline_path_is_allowed_by_double_star(tmp_path: Path) -> None:
    r = evaluate(detected(tmp_path, "code"), [(NL, "untracked")], None)
    assert r.ok, r.violations


@pytest.mark.parametrize(
    ("profile", "path", "rule"),
    [
        ("code", "gitops/app\nprod.yaml", "forbidden"),
        ("sre", "docs/a\nb.md", None),  # allowed by **/*.md and docs/**
        ("sre", "src/x\ny.md", None),  # allowed by **/*.md
        ("sre", "src/x\ny.py", "not-allowed"),
        ("gitops", "deploy/a\nsecrets/server.pem", "forbidden"),  # **/*.pem
    ],
)
def test_newline_paths_meet_every_rule(
    tmp_path: Path, profile: str, path: str, rule: str | None
) -> None:
    r = evaluate(detected(tmp_path, profile), [(path, "modified")], None)
    assert [v.rule for v in r.violations] == ([rule] if rule else [])


def test_ameide_test_with_a_newline_path_passes_its_guardrails(
    make_repo: MakeRepo, run_cli: RunCli
) -> None:
    repo = make_repo({"README.md": "x\n"})
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "notes").mkdir()
    (repo / NL).write_text("a file git and Linux accept\n")
    code, out, err = run_cli(["test"], repo)
    assert code == 0, out + err
    doc = load_summary(repo)
    assert doc["guardrails"]["status"] == "passed"
    assert NL in [f["path"] for f in doc["changed_files"]]


def test_an_ignore_glob_matches_a_newline_path(make_repo: MakeRepo, run_cli: RunCli) -> None:
    """`[affected] ignore` and `global` use the same globs."""
    repo = make_repo(
        {
            "ameide.toml": '[affected]\nignore = ["notes/**"]\nglobal = ["ci/**"]\n',
            "go.mod": "module example.com/m\n\ngo 1.22\n",
            "a/a.go": "package a\n",
        }
    )
    git(repo, "checkout", "-q", "-b", "feature")
    write_files(repo, {NL: "ignored\n"})
    assert affected(run_cli, repo) == []
    write_files(repo, {"ci/run\nall.sh": "global\n"})
    assert affected(run_cli, repo) == ["go:example.com/m/a"]


def affected(run_cli: RunCli, repo: Path) -> list[str]:
    code, out, err = run_cli(["affected", "--json"], repo)
    assert code == 0, err
    return [a["id"] for a in json.loads(out)["affected"]]


def test_a_forbidden_newline_path_fails_and_is_shown_on_one_line(
    make_repo: MakeRepo, run_cli: RunCli
) -> None:
    repo = make_repo({"README.md": "x\n"})
    git(repo, "checkout", "-q", "-b", "feature")
    write_files(repo, {"gitops/app\nprod.yaml": "replicas: 3\n"})
    code, out, _ = run_cli(["test"], repo)
    assert code == 1
    assert "gitops/app\\nprod.yaml: forbidden by gitops/** (profile code)" in out
    assert "gitops/app\nprod" not in out
