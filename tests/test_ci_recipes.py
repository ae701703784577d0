"""The CI recipes docs/ci.md shows are what users copy: every GitHub Actions workflow in it is
extracted and checked by actionlint (syntax, expressions, contexts, action inputs), and the
GitLab job is valid YAML. A broken copy proves the checker is really looking."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

ACTIONLINT = shutil.which("actionlint")


def yaml_blocks() -> list[str]:
    return re.findall(r"^```yaml\n(.*?)^```", (ROOT / "docs" / "ci.md").read_text(), re.M | re.S)


def workflows() -> list[str]:
    return [b for b in yaml_blocks() if re.search(r"^on:", b, re.M) and "\njobs:" in b]


def lint(tmp_path: Path, texts: list[str]) -> subprocess.CompletedProcess[str]:
    assert ACTIONLINT is not None
    wf = tmp_path / ".github" / "workflows"
    wf.mkdir(parents=True, exist_ok=True)
    files = []
    for i, text in enumerate(texts):
        f = wf / f"recipe{i}.yml"
        f.write_text(text)
        files.append(str(f.relative_to(tmp_path)))
    return subprocess.run(
        [ACTIONLINT, "-no-color", "-oneline", *files],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_docs_ci_shows_two_github_workflows_and_a_gitlab_job() -> None:
    assert len(workflows()) == 2
    gitlab = [b for b in yaml_blocks() if b not in workflows()]
    assert len(gitlab) == 1
    job = yaml.safe_load(gitlab[0])["test"]
    assert job["script"] == ["ameide test ci"]
    assert job["artifacts"]["when"] == "always"


@pytest.mark.skipif(
    ACTIONLINT is None, reason="actionlint is not installed (scripts/setup puts it in .venv)"
)
def test_the_github_workflows_pass_actionlint(tmp_path: Path) -> None:
    r = lint(tmp_path, workflows())
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


@pytest.mark.skipif(
    ACTIONLINT is None, reason="actionlint is not installed (scripts/setup puts it in .venv)"
)
def test_actionlint_catches_a_broken_copy(tmp_path: Path) -> None:
    broken = workflows()[0].replace("ameide test ci", "ameide test ci ${{ matrix.nope }")
    r = lint(tmp_path, [broken])
    assert r.returncode == 1 and "recipe0.yml" in r.stdout, r.stdout + r.stderr
