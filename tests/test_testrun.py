"""`ameide test` without toolchains: nothing affected, bad knobs, unknown targets, evidence."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import MakeRepo, git, load_summary, write_files

RunCli = Callable[..., tuple[int, str, str]]


def test_nothing_affected_writes_green_evidence(run_cli: RunCli, example_repo: Path) -> None:
    write_files(example_repo, {"docs/notes.md": "only docs\n"})
    code, out, _ = run_cli(["test"], example_repo)
    assert code == 0
    assert out.splitlines()[0] == (
        "nothing to test: 1 changed file affect no target "
        "(base main: merge-base with the default branch main)"
    )
    doc = load_summary(example_repo)
    assert doc["result"] == "passed" and doc["exit_code"] == 0
    # nothing to run, but the profile's guardrails were checked: phase 0's one (passed) case
    assert [p["status"] for p in doc["phases"]] == ["passed", "empty", "empty"]  # type: ignore
    assert [t["id"] for t in doc["phases"][0]["tasks"]] == ["guardrails"]  # type: ignore
    assert doc["head"] == git(example_repo, "rev-parse", "HEAD")
    assert doc["dirty"] is True
    latest = example_repo / "artifacts" / "agent-ci" / "latest"
    assert latest.is_symlink() and os.readlink(latest) == doc["run_id"]
    # evidence never shows up as a change
    assert "artifacts" not in git(example_repo, "status", "--porcelain")


def test_runs_get_distinct_sortable_ids(run_cli: RunCli, example_repo: Path) -> None:
    ids = []
    for _ in range(2):
        assert run_cli(["test"], example_repo)[0] == 0
        ids.append(load_summary(example_repo)["run_id"])
    assert ids[0] != ids[1]
    assert sorted(os.listdir(example_repo / "artifacts" / "agent-ci")) == sorted(
        [*ids, ".gitignore", "latest"]
    )  # type: ignore[list-item]


def test_bad_jobs_knob_is_a_usage_error(
    run_cli: RunCli, example_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(example_repo, {"js/core/src/new.js": "export const y = 2;\n"})
    monkeypatch.setenv("AMEIDE_JOBS", "lots")
    code, _, err = run_cli(["test"], example_repo)
    assert code == 2
    assert "AMEIDE_JOBS='lots' is not a positive integer" in err


def test_run_with_an_unknown_target_suggests_names(run_cli: RunCli, example_repo: Path) -> None:
    code, _, err = run_cli(["run", "--target", "pnpm:@example/cor"], example_repo)
    assert code == 2
    assert "unknown target 'pnpm:@example/cor'" in err
    assert "did you mean pnpm:@example/core" in err


def test_front_doors_take_no_flags(run_cli: RunCli, make_repo: MakeRepo) -> None:
    repo = make_repo({"a.txt": "a\n"})
    code, _, err = run_cli(["test", "--all"], repo)
    assert code == 2 and "--all" in err
