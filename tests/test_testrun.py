"""`ameide test` without toolchains: nothing affected, bad knobs, unknown targets, evidence, and
phase 0's toolchain check against fake tools."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from ameide.ecosystems.pnpm.tools import NODE_RELEASE
from tests.conftest import MakeRepo, git, load_summary, write_files

RunCli = Callable[..., tuple[int, str, str]]


def test_nothing_affected_writes_green_evidence(run_cli: RunCli, example_repo: Path) -> None:
    write_files(example_repo, {"docs/notes.md": "only docs\n"})
    code, out, _ = run_cli(["test"], example_repo)
    assert code == 0
    assert out.splitlines()[0] == (
        "nothing to test: 1 changed file affects 1 target with nothing to run "
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
    assert code == 2
    assert err == (
        "ameide: error: `ameide test` takes no flags or arguments (got --all): it tests what "
        "your change affects, configured by the repo, ameide.toml and the environment\n"
        "  hint: to choose: ameide run --all | --phase N | --target ID | --base REF "
        "(ameide run --help); the base alone: AMEIDE_BASE=REF ameide test\n"
    )
    code, _, err = run_cli(["test", "ci", "--phase", "1"], repo)
    assert code == 2 and err.startswith(
        "ameide: error: `ameide test ci` takes no flags or arguments (got --phase 1)"
    )


def test_test_help_says_the_loop_the_exit_codes_and_where_evidence_goes(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run_cli(["test", "--help"], tmp_path)
    assert code == 0
    text = " ".join(out.split())
    assert (
        "The loop: if `ameide test` passes, the work is done; if it fails, fix the first "
        "actionable error it prints (the block at the end) and run it again." in text
    )
    assert (
        "Exit codes: 0 passed (or nothing affected), 1 a check or test failed, 2 usage or "
        "configuration error, 3 environment error" in text
    )
    assert "Evidence: artifacts/agent-ci/<run-id>/ (latest -> the newest run): report.html" in text
    assert "use `ameide run` (--phase, --target, --all)" in text
    # what the engine does: a phase is never cut short by its own first failure
    assert "a phase runs to its end" in text and "stops its phase" not in text


# ------------------------------------------------------------ phase 0: the toolchain check

PNPM_REPO: dict[str, str | bytes] = {
    "package.json": '{"name": "root", "private": true, "packageManager": "pnpm@12.4.2"}\n',
    "pnpm-workspace.yaml": "packages:\n  - packages/*\n",
    "pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
    "packages/x/package.json": '{"name": "x", "scripts": {"test": "node --test"}}\n',
    "packages/x/index.js": "export const x = 1;\n",
}
# answers `--version` like the real tool and records every call; anything else succeeds
FAKE = '#!/bin/sh\necho "$(basename "$0") $*" >> "$FAKE_CALLS"\n[ "$1" != --version ] || echo {v}\n'


def fake_tools(bin_dir: Path, monkeypatch: pytest.MonkeyPatch, **versions: str) -> Path:
    """`node=v20.11.0, pnpm=12.4.2`: fakes first on PATH; returns the file their calls go to."""
    bin_dir.mkdir()
    for tool, v in versions.items():
        (bin_dir / tool).write_text(FAKE.replace("{v}", v))
        (bin_dir / tool).chmod(0o755)
    calls = bin_dir / "calls.log"
    monkeypatch.setenv("FAKE_CALLS", str(calls))
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("CI", "1")  # plain output
    return calls


def pnpm_change(make_repo: MakeRepo, extra: dict[str, str | bytes] | None = None) -> Path:
    repo = make_repo({**PNPM_REPO, **(extra or {})})
    git(repo, "checkout", "-q", "-b", "feature")
    write_files(repo, {"packages/x/index.js": "export const x = 2;\n"})
    return repo


def test_phase0_checks_node_for_pnpm_targets(
    run_cli: RunCli, make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = fake_tools(tmp_path / "bin", monkeypatch, node="v22.11.0", pnpm="12.4.2")
    monkeypatch.setenv("AMEIDE_CACHE", "0")  # the cache keys ask node too: only phase 0 here
    repo = pnpm_change(make_repo)

    code, out, err = run_cli(["test"], repo)

    assert code == 0, out + err
    assert calls.read_text().splitlines().count("node --version") == 1
    doc = load_summary(repo)
    assert doc["result"] == "passed"
    tasks = [t["id"] for p in doc["phases"] for t in p["tasks"]]  # type: ignore[attr-defined]
    assert "pnpm:x test" in tasks and not [t for t in tasks if t.startswith("toolchain")]


# the default major has a release `ameide toolchain install` installs; another one does not
FIX_22 = (
    f"ameide toolchain install --tool node (installs {NODE_RELEASE}; "
    f"or `nvm install {NODE_RELEASE}`)"
)
FIX_20 = "install Node.js 20 (`nvm install 20`, or the workspace image's node)"


@pytest.mark.parametrize(
    ("extra", "wanted", "fix"),
    [
        ({}, "22.x (ameide default)", FIX_22),
        ({".nvmrc": "lts/iron\n"}, "20.x (.nvmrc)", FIX_20),
    ],
    ids=["default-22", "nvmrc-20"],
)
def test_phase0_wrong_node_major_exits_3_with_the_fix(
    run_cli: RunCli,
    make_repo: MakeRepo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    extra: dict[str, str | bytes],
    wanted: str,
    fix: str,
) -> None:
    have = "v18.20.4" if extra else "v20.11.0"
    calls = fake_tools(tmp_path / "bin", monkeypatch, node=have, pnpm="12.4.2")
    repo = pnpm_change(make_repo, extra)

    code, out, err = run_cli(["test"], repo)

    assert (code, err) == (3, "")
    msg = f"node: wanted {wanted}, found {have[1:]} at {tmp_path}/bin/node"
    doc = load_summary(repo)
    assert (doc["result"], doc["exit_code"]) == ("error", 3)
    failed = [t for p in doc["phases"] for t in p["tasks"] if t["status"] != "passed"]  # type: ignore[attr-defined]
    assert [(t["id"], t["message"]) for t in failed] == [("toolchain node", f"{msg}; fix: {fix}")]
    assert doc["first_failure"]["task"] == "toolchain node"  # type: ignore[index]
    # the problem and its fix once each; the command is the one that shows it again
    assert out[out.index("first failure:") :].splitlines() == [
        "first failure: toolchain node (phase 0)",
        "  command: ameide toolchain check",
        f"  | {msg}",
        f"  | fix: {fix}",
    ]
    ff = doc["first_failure"]
    assert (ff["command"], ff["test"], ff["excerpt"]) == (  # type: ignore[index]
        "ameide toolchain check",
        None,
        f"{msg}\nfix: {fix}",
    )
    # nothing ran: pnpm was only asked its version
    assert sorted(calls.read_text().splitlines()) == ["node --version", "pnpm --version"]


def test_phase0_does_not_check_node_without_pnpm_targets(
    run_cli: RunCli, make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.cache.conftest import FAKE_GO, GO_REPO

    calls = fake_tools(tmp_path / "bin", monkeypatch, node="v20.11.0")
    (tmp_path / "bin" / "go").write_text(FAKE_GO)
    (tmp_path / "bin" / "go").chmod(0o755)
    monkeypatch.setenv("FAKE_GO_CALLS", str(tmp_path / "go-calls.log"))
    repo = make_repo(GO_REPO)
    git(repo, "checkout", "-q", "-b", "feature")
    write_files(repo, {"c/c.go": "package c\n\nfunc C() int { return 4 }\n"})

    code, out, err = run_cli(["test"], repo)

    assert code == 0, out + err
    assert not calls.exists()  # node (at the wrong major) was never asked
    assert "version" in (tmp_path / "go-calls.log").read_text().splitlines()


# ------------------------------------------------------------ ameide.toml [targets."<id>"]

TYPOS = '\n[targets."go:nope"]\ntimeout = 5\n[targets."uv:acme-comon"]\nskip = true\n'


@pytest.mark.parametrize(
    "argv",
    [["test"], ["test", "ci"], ["run", "--all", "--phase", "1"], ["run", "--matrix", "2"]],
    ids=["test", "test-ci", "run", "matrix"],
)
def test_an_override_for_a_target_that_does_not_exist_is_an_error(
    run_cli: RunCli, example_repo: Path, argv: list[str]
) -> None:
    with open(example_repo / "ameide.toml", "a", encoding="utf-8") as fh:
        fh.write(TYPOS)

    code, out, err = run_cli(argv, example_repo)

    assert (code, out) == (2, "")
    assert err == (
        f"ameide: error: {example_repo}/ameide.toml: invalid configuration\n"
        '  targets."go:nope": no such target\n'
        '  targets."uv:acme-comon": no such target (did you mean "uv:acme-common"?)\n'
        '  hint: use an id `ameide targets` lists, or remove the [targets."<id>"] table; '
        "see docs/config.md\n"
    )
    assert not (example_repo / "artifacts").exists()  # refused before anything ran


# ------------------------------------------------------------ evidence file permissions


def test_evidence_files_get_the_usual_permissions(run_cli: RunCli, example_repo: Path) -> None:
    old = os.umask(0o022)
    try:
        write_files(example_repo, {"docs/notes.md": "only docs\n"})
        assert run_cli(["test"], example_repo)[0] == 0
    finally:
        os.umask(old)
    run = example_repo / "artifacts" / "agent-ci" / "latest"
    for rel in ("summary.json", "phase0/junit.xml", "phase0/logs/guardrails.log"):
        assert (run / rel).stat().st_mode & 0o777 == 0o644, rel


def test_the_excerpt_leaves_out_the_runtimes_own_stack_frames() -> None:
    from ameide.evidence.junit import Case
    from ameide.evidence.runsummary import excerpt as _excerpt
    from ameide.task import Task
    from ameide.taskresult import TaskResult

    task = Task("pnpm:a test", 1, 1, "unit", "pnpm", ("pnpm:a",), ("pnpm", "run", "test"), "a")
    text = (
        "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:\n"
        "+ '19.99 EUR'\n- '19.98 EUR'\n"
        "    at TestContext.<anonymous> (file:///r/a/test/index.test.js:6:10)\n"
        "    at Test.runInAsyncScope (node:async_hooks:214:14)\n"
        "    at Test.run (node:internal/test_runner/test:1047:25)\n"
        "    at node:internal/main/run_main_module:28:49\n"
        "  operator: 'strictEqual'\n"
    )
    case = Case("a", "a.test", "pads cents", 0.1, "failed", "Expected values", text)
    result = TaskResult(task, "failed", 1, 0.1, None, (case,), "native", "exit code 1")
    test, excerpt, _, _ = _excerpt(result)
    assert test == "pads cents"
    assert excerpt.splitlines() == [
        "pads cents",
        "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:",
        "+ '19.99 EUR'",
        "- '19.98 EUR'",
        "    at TestContext.<anonymous> (file:///r/a/test/index.test.js:6:10)",
        "  operator: 'strictEqual'",
    ]


def _chain_repo(make_repo: MakeRepo) -> Path:
    """Go packages core <- ui <- app (app imports ui imports core) and a lone `other`; the
    unit commands are shell snippets: core fails slowly, ui and app fail at once, other
    passes. Whatever finishes first, core is the cause."""
    unit = {
        "core": "sleep 0.4; echo core broke; exit 1",
        "ui": "echo ui broke; exit 1",
        "app": "echo app broke; exit 1",
        "other": "true",
    }
    files: dict[str, str | bytes] = {"go.mod": "module example.com/m\n\ngo 1.22\n"}
    imports = {"core": "", "ui": "core", "app": "ui", "other": ""}
    toml = []
    for name, dep in imports.items():
        use = f'import _ "example.com/m/{dep}"\n' if dep else ""
        files[f"{name}/{name}.go"] = f"package {name}\n\n{use}"
        toml.append(f'[targets."go:example.com/m/{name}"]\nunit = ["sh", "-c", "{unit[name]}"]\n')
    files["ameide.toml"] = "\n".join(toml)
    return make_repo(files)


def test_the_same_failing_tree_gives_the_same_first_failure_every_time(
    run_cli: RunCli, make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten runs: one first failure (the most upstream failing task, not the first to finish),
    one set of failed tasks, one closing block apart from times and run ids."""
    import re

    from tests.conftest import tool_env

    monkeypatch.setenv("PATH", tool_env()["PATH"])
    monkeypatch.setenv("AMEIDE_JOBS", "4")
    monkeypatch.setenv("AMEIDE_CACHE", "0")
    repo = _chain_repo(make_repo)
    seen = set()
    for _ in range(10):
        code, out, _ = run_cli(["run", "--phase", "1", "--all"], repo)
        assert code == 1, out
        doc = load_summary(repo)
        failed = sorted(
            t["id"]
            for p in doc["phases"]  # type: ignore[attr-defined]
            for t in p["tasks"]
            if t["status"] == "failed"
        )
        closing = out[out.index("ameide run: FAILED") :]
        closing = re.sub(r"\d+\.\d+s", "<t>", closing)
        closing = re.sub(r"\d{8}T\d{6}\S*", "<run>", closing)
        seen.add((doc["first_failure"]["task"], tuple(failed), closing))  # type: ignore[index]
    assert len(seen) == 1, seen
    ((first, failed, closing),) = seen
    assert first == "go:example.com/m/core unit (ameide.toml)"
    assert failed == tuple(
        f"go:example.com/m/{n} unit (ameide.toml)" for n in ("app", "core", "ui")
    )
    assert "| core broke" in closing


def without_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PATH with the system's basics only: no go, buf, node, pnpm or uv."""
    empty = tmp_path / "nothing"
    empty.mkdir()
    monkeypatch.setenv("PATH", f"{empty}{os.pathsep}/usr/bin{os.pathsep}/bin")


def test_every_missing_tool_in_one_block_with_one_fix(
    run_cli: RunCli, make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No go and no buf on PATH: both named in the first failure, and one command installs
    both (not a round per tool)."""
    without_tools(tmp_path, monkeypatch)
    repo = make_repo(
        {
            "go.mod": "module example.com/m\n\ngo 1.22\n",
            "a/a.go": "package a\n",
            "buf.yaml": "version: v2\nmodules:\n  - path: proto\n",
            "proto/x/v1/x.proto": 'syntax = "proto3";\npackage x.v1;\n',
        }
    )
    code, out, _ = run_cli(["run", "--all"], repo)
    assert code == 3, out
    doc = load_summary(repo)
    ff = doc["first_failure"]
    lines = ff["excerpt"].splitlines()  # type: ignore[index]
    assert [ln.split(":")[0] for ln in lines[:-1]] == ["go", "buf"], lines
    assert all("not found on PATH" in ln for ln in lines[:-1])
    fix = lines[-1]
    assert fix.startswith("fix: ameide toolchain install --tool go --tool buf (installs go "), fix
    block = out[out.index("first failure:") :]
    assert "buf: wanted" in block and "go: wanted" in block and fix in block


def test_a_missing_tool_is_named_when_phase_0_is_not_run(
    run_cli: RunCli, make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`run --phase 1` without go on PATH: exit 3 names the tool and the fix (the check
    used to land in phase 0, which this run does not report, and the user saw a bare
    `ERROR (exit 3)`)."""
    without_tools(tmp_path, monkeypatch)
    repo = make_repo(
        {
            "go.mod": "module example.com/m\n\ngo 1.22\n",
            "a/a.go": "package a\n",
            "a/a_test.go": "package a\n",
        }
    )
    code, out, _ = run_cli(["run", "--phase", "1", "--all"], repo)
    assert code == 3, out
    doc = load_summary(repo)
    ((phase,),) = [doc["phases"]]  # type: ignore[misc]
    assert phase["phase"] == 1 and phase["status"] == "failed", phase
    assert [t["id"] for t in phase["tasks"]] == ["toolchain go"], phase
    ff = doc["first_failure"]
    assert ff["task"] == "toolchain go", ff  # type: ignore[index]
    block = out[out.index("first failure:") :]
    assert "go: wanted" in block and "not found on PATH" in block
    assert "fix: ameide toolchain install --tool go" in block, block


def test_a_target_is_found_by_id_directory_or_the_end_of_its_id(
    run_cli: RunCli, example_repo: Path
) -> None:
    """`--target` takes what people type: an id, a directory (from the root or from where
    they stand), or the last part of an id when only one target ends so."""
    from ameide.affected import plan_context
    from ameide.errors import UsageError
    from ameide.steps.planning import resolve_target

    ctx = plan_context(str(example_repo), None, dict(os.environ))
    root = str(example_repo)
    strutil = "go:example.com/monorepo/lib/strutil"
    assert resolve_target(strutil, ctx, root) == strutil
    assert resolve_target("go/lib/strutil", ctx, root) == strutil
    assert resolve_target("go/lib/strutil/", ctx, root) == strutil
    assert resolve_target("strutil", ctx, os.path.join(root, "go", "lib")) == strutil
    assert resolve_target(".", ctx, os.path.join(root, "go", "lib", "strutil")) == strutil
    assert resolve_target("@example/core", ctx, root) == "pnpm:@example/core"
    assert resolve_target("js/core", ctx, root) == "pnpm:@example/core"
    with pytest.raises(UsageError) as info:
        resolve_target("core-ish", ctx, root)
    assert "unknown target 'core-ish'" in str(info.value)
    code, out, err = run_cli(["run", "--phase", "0", "--target", "js/core"], example_repo)
    assert code == 0, out + err
    assert [t["id"] for t in load_summary(example_repo)["targets"]] == ["pnpm:@example/core"]  # type: ignore[attr-defined]
