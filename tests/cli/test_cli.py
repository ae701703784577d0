"""The command line: exit codes, error screens, help, the fast lane and human output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ameide.cli.options import FAST, parse_fast
from tests.conftest import MakeRepo, git, write_files

RunCli = Callable[..., tuple[int, str, str]]


def test_version(run_cli: RunCli, tmp_path: Path) -> None:
    from ameide import __version__

    assert run_cli(["--version"], tmp_path) == (0, f"ameide {__version__}\n", "")


def test_help_lists_the_commands(run_cli: RunCli, tmp_path: Path) -> None:
    code, out, _ = run_cli(["--help"], tmp_path)
    assert code == 0
    assert "affected" in out and "targets" in out


def test_affected_help_shows_every_fast_lane_option(run_cli: RunCli, tmp_path: Path) -> None:
    code, out, _ = run_cli(["affected", "--help"], tmp_path)
    assert code == 0
    for opt in FAST["affected"]:
        assert opt in out


def test_outside_a_git_repo_exits_3_with_a_hint(run_cli: RunCli, tmp_path: Path) -> None:
    code, out, err = run_cli(["affected"], tmp_path)
    assert (code, out) == (3, "")
    assert err == (
        f"ameide: error: not a git repository: {tmp_path}\n"
        "  hint: run ameide inside a git checkout (git init, or cd into your clone)\n"
    )


def test_unknown_option_is_a_usage_error(run_cli: RunCli, tmp_path: Path) -> None:
    code, _, err = run_cli(["affected", "--bogus"], tmp_path)
    assert code == 2
    assert "--bogus" in err


def test_bad_config_names_file_and_key(run_cli: RunCli, make_repo: MakeRepo) -> None:
    repo = make_repo({"ameide.toml": '[affected]\nglobals = ["x"]\n[run]\ntimeout = "soon"\n'})
    code, out, err = run_cli(["affected"], repo)
    assert (code, out) == (2, "")
    assert err.splitlines()[:3] == [
        f"ameide: error: {repo}/ameide.toml: invalid configuration",
        "  affected.globals: unknown key",
        "  run.timeout: Input should be a valid number, unable to parse string as a number",
    ]
    assert "Traceback" not in err


def test_invalid_toml_is_a_config_error(run_cli: RunCli, make_repo: MakeRepo) -> None:
    repo = make_repo({"ameide.toml": "[affected\n"})
    code, _, err = run_cli(["targets"], repo)
    assert code == 2
    assert err.startswith(f"ameide: error: {repo}/ameide.toml: invalid TOML")


def test_malformed_manifest_names_the_file(run_cli: RunCli, make_repo: MakeRepo) -> None:
    repo = make_repo(
        {"pnpm-workspace.yaml": "packages: ['p/*']\n", "p/a/package.json": '{"name": "a",'}
    )
    code, _, err = run_cli(["targets", "--json"], repo)
    assert code == 2
    assert "p/a/package.json: invalid JSON" in err
    assert "hint: fix the JSON syntax of this package.json" in err


def test_verbose_shows_the_traceback(run_cli: RunCli, make_repo: MakeRepo) -> None:
    repo = make_repo({"ameide.toml": "[affected\n"})
    _, _, err = run_cli(["targets", "-v"], repo)
    assert "Traceback" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["-v", "test"],
        ["--verbose", "test", "ci"],
        ["test", "-v"],
        ["test", "ci", "--verbose"],
        ["-v", "targets", "--json"],
        ["-v", "run", "--all"],
    ],
)
def test_verbose_works_before_any_command_and_after_the_front_doors(
    run_cli: RunCli, make_repo: MakeRepo, argv: list[str]
) -> None:
    repo = make_repo({"ameide.toml": "[affected\n"})
    code, out, err = run_cli(argv, repo)
    assert (code, out) == (2, "")
    assert "Traceback" in err
    assert err.splitlines()[-2].startswith(f"ameide: error: {repo}/ameide.toml: invalid TOML")


def test_ameide_verbose_variable_shows_the_traceback(
    run_cli: RunCli, make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo({"ameide.toml": "[affected\n"})
    monkeypatch.setenv("AMEIDE_VERBOSE", "0")
    assert "Traceback" not in run_cli(["test"], repo)[2]
    monkeypatch.setenv("AMEIDE_VERBOSE", "1")
    code, _, err = run_cli(["test"], repo)
    assert code == 2 and "Traceback" in err


def test_front_doors_take_no_other_flag_even_with_verbose(
    run_cli: RunCli, make_repo: MakeRepo
) -> None:
    repo = make_repo({"a.txt": "a\n"})
    code, _, err = run_cli(["-v", "test", "--all"], repo)
    assert code == 2 and "--all" in err


def test_internal_error_hint_names_a_command_that_works(
    run_cli: RunCli, make_repo: MakeRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shlex

    import ameide.cli.actions

    def boom(**_: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.delenv("AMEIDE_VERBOSE", raising=False)
    monkeypatch.setattr(ameide.cli.actions, "do_test", boom)
    repo = make_repo({"a.txt": "a\n"})
    code, out, err = run_cli(["test", "ci"], repo)
    assert (code, out) == (4, "")
    assert err == (
        "ameide: internal error: RuntimeError: boom\n"
        "  hint: rerun as `ameide -v test ci` (or set AMEIDE_VERBOSE=1) for the traceback "
        "and report it\n"
    )
    # doing what the hint says shows the traceback
    again = shlex.split(err.split("`")[1])
    assert again[0] == "ameide"
    code, _, err = run_cli(again[1:], repo)
    assert code == 4
    assert "Traceback" in err and 'raise RuntimeError("boom")' in err
    assert err.endswith(
        "ameide: internal error: RuntimeError: boom\n  hint: report it with the traceback above\n"
    )


def test_root_help_shows_the_global_verbose_option(run_cli: RunCli, tmp_path: Path) -> None:
    code, out, _ = run_cli(["--help"], tmp_path)
    assert code == 0
    assert "-v, --verbose" in out and "AMEIDE_VERBOSE=1" in out


def test_run_help_shows_readable_metavars(run_cli: RunCli, tmp_path: Path) -> None:
    code, out, _ = run_cli(["run", "--help"], tmp_path)
    assert code == 0
    assert "<list[" not in out and "<str>" not in out
    for opt in ("--phase N ", "--target ID ", "--base REF ", "--matrix N "):
        assert opt in out, opt


def test_version_stays_in_the_fast_lane_with_verbose() -> None:
    code = (
        "import sys\nfrom ameide.cli import main\n"
        "rc = main(['-v', '--version'])\n"
        "sys.stderr.write(repr(sorted(m for m in ('typer', 'click') if m in sys.modules)))\n"
        "sys.exit(rc)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert (r.returncode, r.stderr) == (0, "[]")
    assert r.stdout.startswith("ameide ")


def test_targets_json_lists_targets_with_dependents(run_cli: RunCli, example_repo: Path) -> None:
    code, out, _ = run_cli(["targets", "--json"], example_repo)
    assert code == 0
    doc = json.loads(out)
    assert doc["schema"] == 1
    by_id = {t["id"]: t for t in doc["targets"]}
    assert list(by_id) == sorted(by_id)
    assert by_id["pnpm:@example/ui"]["deps"] == ["pnpm:@example/core"]
    assert by_id["pnpm:@example/ui"]["dependents"] == ["pnpm:@example/web"]
    # the example commits its generated code: no edge from the protos to its consumers
    assert by_id["buf:proto"]["dependents"] == []
    assert by_id["buf:proto"]["meta"]["generates"][0]["committed"] is True
    assert by_id["pnpm:monorepo"]["meta"]["root"] is True


def test_affected_human_output(run_cli: RunCli, make_repo: MakeRepo) -> None:
    pkg = '{{"name": "{n}", "dependencies": {{{d}}}}}'
    repo = make_repo(
        {
            "pnpm-workspace.yaml": "packages: ['p/*']\n",
            "p/a/package.json": pkg.format(n="a", d=""),
            "p/b/package.json": pkg.format(n="b", d='"a": "workspace:*"'),
        }
    )
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "f")
    write_files(repo, {"p/a/index.js": "1\n"})
    code, out, _ = run_cli(["affected"], repo)
    assert code == 0
    lines = [ln.rstrip() for ln in out.splitlines()]
    assert lines[0] == (f"base main @ {base[:10]}  (merge-base with the default branch main)")
    assert lines[1] == "1 changed file, 2 of 2 targets affected"
    assert lines[2] == "pnpm (2)"
    assert "pnpm:a" in lines[5] and "changed p/a/index.js" in lines[5]
    assert "pnpm:b" in lines[6] and "depends on pnpm:a" in lines[6]
    code, out, _ = run_cli(["affected", "--explain"], repo)
    assert "pnpm:b <- pnpm:a <- changed p/a/index.js" in out
    assert "untracked" in out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["affected"], ("affected", {})),
        (["affected", "--json", "--base", "x"], ("affected", {"json": True, "base": "x"})),
        (["affected", "--base=x", "--explain"], ("affected", {"base": "x", "explain": True})),
        (["targets", "--json"], ("targets", {"json": True})),
        (["affected", "--base"], None),
        (["affected", "--json=1"], None),
        (["affected", "--help"], None),
        (["affected", "extra"], None),
        (["run"], ("run", {})),
        (
            ["run", "--phase", "1", "--phase", "2", "--all"],
            ("run", {"phase": ["1", "2"], "all": True}),
        ),
        (["pr"], None),
        ([], None),
    ],
)
def test_fast_lane_parser(argv: list[str], expected: object) -> None:
    assert parse_fast(argv) == expected


def test_fast_lane_does_not_import_heavy_modules(example_repo: Path) -> None:
    code = (
        "import sys\nfrom ameide.cli import main\n"
        "rc = main(['affected', '--json'])\n"
        "heavy = sorted(m for m in ('typer', 'rich', 'pydantic', 'git', 'dataclasses')"
        " if m in sys.modules)\n"
        "sys.stderr.write(repr(heavy))\nsys.exit(rc)\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=example_repo,
            capture_output=True,
            text=True,
            check=False,
        )
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0]
    # the first run validates ameide.toml with pydantic; its result is cached by content
    assert runs[0].stderr == "['dataclasses', 'pydantic']"
    assert runs[1].stderr == "[]"


def test_targets_list_each_targets_phase_commands(run_cli: RunCli, example_repo: Path) -> None:
    code, out, _ = run_cli(["targets", "--json"], example_repo)
    assert code == 0
    by_id = {t["id"]: t for t in json.loads(out)["targets"]}
    store = by_id["go:example.com/monorepo/lib/store"]
    # a Go task batches its module's packages; per target, the command names only its own
    assert [(t["phase"], t["command"]) for t in store["tasks"]] == [
        (0, ["go", "vet", "-tags=integration", "example.com/monorepo/lib/store"]),
        (0, ["go", "vet", "example.com/monorepo/lib/store"]),
        (1, ["go", "test", "-json", "example.com/monorepo/lib/store"]),
        (2, ["go", "test", "-json", "-tags=integration", "example.com/monorepo/lib/store"]),
    ]
    assert store["tasks"][1]["task"] == "go vet example.com/monorepo/lib"
    assert {t["cwd"] for t in store["tasks"]} == {"go/lib"}
    web = by_id["pnpm:@example/web"]
    assert [(t["phase"], t["command"]) for t in web["tasks"]] == [
        (1, ["pnpm", "run", "test"]),
        (2, ["pnpm", "run", "test:integration"]),
    ]
    core = by_id["pnpm:@example/core"]
    assert core["notes"] == ['no "test:integration" script -> no integration task']
    svc = by_id["go:example.com/monorepo/svc/cmd/svc"]
    assert [t["kind"] for t in svc["tasks"]] == ["vet"]
    assert svc["notes"] == ["no test files -> no unit task"]
    # the generated-code check belongs to the buf module and to the code it generates into
    assert "codegen" in [t["kind"] for t in by_id["pnpm:@example/api"]["tasks"]]
    # installs belong to no target, and without a base there is no buf breaking
    kinds = {t["kind"] for target in by_id.values() for t in target["tasks"]}
    assert "install" not in kinds and "buf-breaking" not in kinds

    code, human, _ = run_cli(["targets"], example_repo)
    assert code == 0
    row = next(ln for ln in human.splitlines() if ln.startswith("pnpm:@example/web "))
    assert row.rstrip().endswith("1: test · 2: test:integration")


def test_targets_warn_about_an_override_of_no_target(run_cli: RunCli, example_repo: Path) -> None:
    with open(example_repo / "ameide.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[targets."pnpm:@example/cor"]\ntimeout = 5\n')
    code, out, err = run_cli(["targets", "--json"], example_repo)
    assert code == 0 and json.loads(out)["schema"] == 1
    assert err == (
        f"ameide: warning: {example_repo / 'ameide.toml'}: "
        'targets."pnpm:@example/cor": no such target (did you mean "pnpm:@example/core"?)\n'
    )


def test_affected_warns_about_an_override_of_no_target(run_cli: RunCli, example_repo: Path) -> None:
    with open(example_repo / "ameide.toml", "a", encoding="utf-8") as fh:
        fh.write('\n[targets."go:nope"]\nskip = true\n')
    code, out, _ = run_cli(["affected", "--json"], example_repo)
    assert code == 0
    assert json.loads(out)["warnings"] == [
        f'{example_repo / "ameide.toml"}: targets."go:nope": no such target; the override is '
        "ignored"
    ]
    code, out, err = run_cli(["test"], example_repo)
    assert code == 2 and 'targets."go:nope": no such target' in err


def test_the_console_script_keeps_output_and_exit_codes_of_the_quick_commands(
    example_repo: Path,
) -> None:
    # affected/targets leave through os._exit (no teardown): everything written must arrive
    exe = Path(sys.executable).parent / "ameide"
    ok = subprocess.run(
        [str(exe), "targets", "--json"], cwd=example_repo, capture_output=True, check=False
    )
    assert ok.returncode == 0
    assert len(json.loads(ok.stdout)["targets"]) == 14
    bad = subprocess.run(
        [str(exe), "affected", "--base", "no-such-ref"],
        cwd=example_repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("ameide: error: base 'no-such-ref' is not a commit")


def test_the_engine_commands_leave_quickly_with_everything_written(example_repo: Path) -> None:
    """`test`/`run` leave through os._exit too: the closing block on a pipe, summary.json
    and the exit code all arrive, and no child is left behind."""
    exe = Path(sys.executable).parent / "ameide"
    env = {**os.environ, "PATH": f"{exe.parent}{os.pathsep}{os.environ['PATH']}"}
    (example_repo / "go" / "lib" / "strutil" / "strutil.go").write_text("package strutil\n\nx\n")
    done = subprocess.run(
        [str(exe), "run", "--phase", "0", "--target", "go:example.com/monorepo/lib/strutil"],
        cwd=example_repo,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode in (1, 3), done.stdout + done.stderr
    assert "ameide run: " in done.stdout and done.stdout.rstrip().splitlines()
    doc = json.loads((example_repo / "artifacts/agent-ci/latest/summary.json").read_text())
    assert doc["exit_code"] == done.returncode


@pytest.mark.parametrize("phase", ["3", "x", "-1"])
def test_a_phase_that_does_not_exist_is_exit_2_in_ameides_words(
    run_cli: RunCli, example_repo: Path, phase: str
) -> None:
    code, out, err = run_cli(["run", "--phase", phase, "--all"], example_repo)
    assert code == 2 and out == ""
    assert err.startswith(f"ameide: error: --phase {phase}: there are phases 0 (contract)")
    assert "Error:" not in err and "Traceback" not in err


def test_the_top_level_help_cuts_no_command_short_and_run_help_says_exit_codes(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run_cli(["--help"], tmp_path)
    assert code == 0
    listed = out[out.index("Commands:") :].splitlines()[1:]
    assert len(listed) == 13 and not any(ln.rstrip().endswith("...") for ln in listed), out
    assert all(len(ln) <= 80 for ln in listed)
    code, out, _ = run_cli(["run", "--help"], tmp_path)
    text = " ".join(out.split())
    assert "Exit codes: 0 passed, 1 a check or test failed, 2 usage" in text
    assert "Evidence: artifacts/agent-ci/<run-id>/" in text
