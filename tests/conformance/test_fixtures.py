"""One small repository per rule of docs/affected.md (tests/conformance/fixtures.py): ameide's
exact answer, and — with the pinned toolchains installed — the native tools' own answer on
the same two commits, computed by the conformance harness (bench/conformance)."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conformance.fixtures import ALL, Fixture
from tests.conformance.support import build
from tests.conformance.support import harness as load_harness

TOOLS = {"go": "go", "pnpm": "pnpm", "uv": "uv", "buf": "buf"}


@pytest.mark.parametrize("fx", ALL, ids=[f.name for f in ALL])
def test_ameide_answer(fx: Fixture, tmp_path: Path, run_cli: object) -> None:
    repo, _, _ = build(fx, tmp_path / "repo", native=False)
    code, out, err = run_cli(["affected", "--json"], repo)  # type: ignore[operator]
    assert code == 0, err
    doc = json.loads(out)
    assert {a["id"] for a in doc["affected"]} == set(fx.expected), fx.rule


@pytest.mark.integration
@pytest.mark.parametrize("fx", ALL, ids=[f.name for f in ALL])
def test_the_native_tool_agrees(fx: Fixture, tmp_path: Path) -> None:
    missing = [TOOLS[e] for e in fx.ecosystems if shutil.which(TOOLS[e]) is None]
    if missing:
        pytest.skip(f"native tool not installed: {', '.join(missing)} (scripts/setup installs it)")
    try:
        repo, base, head = build(fx, tmp_path / "repo", native=True)
    except subprocess.CalledProcessError as exc:  # `uv lock` needs the package index
        pytest.skip(f"cannot prepare the fixture for the native tool: {exc.stderr!r}"[:300])
    harness = load_harness()
    args = argparse.Namespace(
        ameide=str(Path(sys.executable).parent / "ameide"), no_cache=True, explain=False
    )
    result = harness.run_case(
        {"name": fx.name, "github": str(repo), "root": ".", "ecosystems": list(fx.ecosystems)},
        {"sha": head, "shape": fx.rule},
        args,
        tmp_path / "work",
    )
    assert result["base"] == base
    for eco in fx.ecosystems:
        e = result["ecosystems"][eco]
        assert e["native_error"] is None, e["native_error"]
        want = {t for t in fx.expected if t.startswith(eco + ":")}
        assert set(e["native_ids"]) == want, (eco, fx.rule, e["native_ids"])
        if eco not in fx.ameide_only:
            assert e["exact"], (eco, e["false_positives"], e["false_negatives"])
