"""A fifth ecosystem registered from the test suite alone (tests/ecosystems/fake.py), driven
end to end: discovery, `affected`, its config key, tasks in phases 0-2 with an install, the
toolchain check, a cache hit on the rerun, JUnit (native and converted) in the evidence."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ameide.ecosystems import REGISTRY
from tests.conftest import MakeRepo, git, load_summary, write_files
from tests.ecosystems.fake import TOOL, VERSION, Fake, install_tool

RunCli = Callable[..., tuple[int, str, str]]

FILES = {
    "fake-workspace.json": "{}\n",
    "fake.lock": "lock 1\n",
    "ameide.toml": f'[toolchain]\n{TOOL} = "{VERSION}"\n',
    ".gitignore": ".fake-env/\n",
    "a/fake.json": json.dumps({"name": "a", "deps": ["b"]}),
    "a/tests.txt": "t1 t2\n",
    "b/fake.json": json.dumps({"name": "b"}),
    "b/tests.txt": "t3\n",
    "b/lib.txt": "one\n",
    "c/fake.json": json.dumps({"name": "c"}),
    "c/tests.txt": "t4\n",
}


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """The plug-in registered, its tool first on PATH; yields the tool's call log."""
    REGISTRY.register(Fake())
    install_tool(tmp_path / "fakebin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'fakebin'}{os.pathsep}{os.environ['PATH']}")
    log = tmp_path / "faketool.log"
    monkeypatch.setenv("FAKETOOL_LOG", str(log))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    try:
        yield log
    finally:
        REGISTRY.unregister("fake")


def calls(log: Path) -> list[str]:
    """The tool's calls so far (directory name and arguments), forgetting them."""
    lines = log.read_text().splitlines() if log.exists() else []
    log.write_text("")
    return sorted(f"{Path(ln.split(' ', 1)[0]).name} {ln.split(' ', 2)[1]}" for ln in lines)


def tasks(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The run's tasks by id (without the profile's guardrails check, which every run has)."""
    return {t["id"]: t for p in doc["phases"] for t in p["tasks"] if t["kind"] != "guardrails"}


def test_a_registered_fifth_ecosystem_runs_end_to_end(
    fake: Path, make_repo: MakeRepo, run_cli: RunCli
) -> None:
    repo = make_repo(FILES)
    assert "fake" in REGISTRY.names()
    # discovery: its targets, with the edge a -> b
    code, out, _ = run_cli(["targets", "--json"], repo)
    assert code == 0, out
    found = {t["id"]: t for t in json.loads(out)["targets"]}
    assert sorted(found) == ["fake:a", "fake:b", "fake:c"]
    assert found["fake:a"]["deps"] == ["fake:b"]

    # affected: a change in b reaches a through the edge, not c
    git(repo, "checkout", "-q", "-b", "feature")
    write_files(repo, {"b/lib.txt": "two\n"})
    code, out, _ = run_cli(["affected", "--json"], repo)
    assert code == 0, out
    affected = {t["id"]: t["direct"] for t in json.loads(out)["affected"]}
    assert affected == {"fake:b": True, "fake:a": False}

    # the run: install, check, test (JUnit), itest (its own report, converted)
    code, out, err = run_cli(["test"], repo)
    assert code == 0, out + err
    doc = load_summary(repo)
    ran = tasks(doc)
    assert sorted(ran) == [
        "fake install .",
        "fake:a check",
        "fake:a itest",
        "fake:a test",
        "fake:b check",
        "fake:b itest",
        "fake:b test",
    ]
    assert [ran[t]["phase"] for t in ("fake install .", "fake:a test", "fake:a itest")] == [0, 1, 2]
    assert calls(fake) == [
        "a check",
        "a itest",
        "a test",
        "b check",
        "b itest",
        "b test",
        "repo0 install",
    ]
    assert (ran["fake:a test"]["junit_source"], ran["fake:a test"]["tests"]["total"]) == (
        "native",
        2,
    )
    assert ran["fake:b itest"]["junit_source"] == "converted"
    run_dir = repo / "artifacts" / "agent-ci" / str(doc["run_id"])
    unit = ET.parse(run_dir / "phase1" / "junit.xml").getroot()
    assert {c.get("name") for c in unit.iter("testcase")} == {"t1", "t2", "t3"}
    integ = ET.parse(run_dir / "phase2" / "junit.xml").getroot()
    assert {c.get("name") for c in integ.iter("testcase")} == {"itest_a", "itest_b"}
    assert (run_dir / "phase2" / "reports" / "fake_b_itest.txt").read_text() == "ok itest_b\n"

    # the rerun: the install is skipped, every task replayed from the cache, nothing runs
    code, out, _ = run_cli(["test"], repo)
    assert code == 0, out
    again = load_summary(repo)
    assert "fake install (.): skipped, fake.lock unchanged" in again["notes"]  # type: ignore
    assert all(t["cached"] for t in tasks(again).values())
    assert calls(fake) == []


def test_its_tool_is_checked_and_its_failures_located(
    fake: Path, make_repo: MakeRepo, run_cli: RunCli, tmp_path: Path
) -> None:
    repo = make_repo(FILES)
    git(repo, "checkout", "-q", "-b", "feature")
    # the toolchain: a wrong version is an environment error with the fix, before anything runs
    install_tool(tmp_path / "fakebin", "0.9.0")
    write_files(repo, {"b/tests.txt": "t3 fail:t5\n"})
    code, out, _ = run_cli(["toolchain", "check"], repo)
    assert code == 3
    assert [ln.split()[:4] for ln in out.splitlines()[1:2]] == [
        [TOOL, VERSION, "0.9.0", "mismatch"]
    ]
    code, out, _ = run_cli(["test"], repo)
    assert code == 3, out
    first = load_summary(repo)["first_failure"]
    assert first["task"] == f"toolchain {TOOL}"  # type: ignore[index]
    assert calls(fake) == []
    # the right version: the failing test is named, located in the target's file
    install_tool(tmp_path / "fakebin")
    code, out, _ = run_cli(["test"], repo)
    assert code == 1, out
    first = load_summary(repo)["first_failure"]
    assert (first["task"], first["test"], first["file"], first["line"]) == (  # type: ignore[index]
        "fake:b test",
        "t5",
        "b/tests.txt",
        2,
    )
    assert "expected 1, got 2" in first["excerpt"]  # type: ignore[index]


def test_without_the_plugin_nothing_knows_it(make_repo: MakeRepo, run_cli: RunCli) -> None:
    """The same repository without the registration: no targets, and its config key is an
    unknown key (the schema's [toolchain] keys come from the registry)."""
    repo = make_repo(FILES)
    code, _, err = run_cli(["targets", "--json"], repo)
    assert code == 2 and f"toolchain.{TOOL}: unknown key" in err, err
