"""`ameide agents check`: command mentions against the real typer app, sizes, profiles,
required sections, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ameide.agents.lint import CommandInfo, check_commands, check_sections, mentions
from ameide.agents.profiles import builtin_dir, load_all
from ameide.cli.agents import command_table
from tests.conftest import ROOT, MakeRepo, write_files

RunCli = Callable[..., tuple[int, str, str]]


@pytest.fixture(scope="module")
def table() -> dict[tuple[str, ...], CommandInfo]:
    return command_table()


def test_mentions_are_read_from_code_only() -> None:
    text = (
        "Run ameide test in prose: not a mention.\n"
        "Use `ameide run --target go:x --phase 1` and `ameide test ci`.\n"
        "```bash\n"
        "$ ameide affected --json | jq .  # then ameide nonsense -x\n"
        "cd repo && ameide agents show --agent=codex; echo done\n"
        "pip install ameide\n"
        "ameide toolchain install --tool pnpm (or `npm i -g pnpm`)\n"
        "src/ameide/cli and ameide.toml are paths\n"
        "```\n"
    )
    assert mentions(text) == [
        (2, ("run",), ("--target", "--phase")),
        (2, ("test", "ci"), ()),
        (4, ("affected",), ("--json",)),
        (5, ("agents", "show"), ("--agent",)),
        (7, ("toolchain", "install"), ("--tool",)),
    ]


@pytest.mark.parametrize(
    ("snippet", "expected"),
    [
        ("`ameide test`", []),
        ("`ameide test ci`", []),
        ("`ameide agents show --agent codex --no-text`", []),
        ("`ameide branch start TOPIC --base main`", []),
        ("`ameide pr open --draft --no-tests-ok`", []),
        ("`ameide pr status --json`", []),
        ("`ameide pr open --bogus`", ["error: `ameide pr open` has no option --bogus"]),
        ("`ameide tset`", ["error: `ameide tset`: no such command 'tset' (known: affected, "]),
        (
            "`ameide agents shw`",
            [
                "error: `ameide agents shw`: no such command 'shw' (known: "
                "agents check, agents install, agents show, agents uninstall)"
            ],
        ),
        ("`ameide affected --bogus`", ["error: `ameide affected` has no option --bogus"]),
        ("`ameide run TARGET`", []),  # arguments after a command are not checked
    ],
)
def test_commands_are_checked_against_the_app(
    snippet: str, expected: list[str], table: dict[tuple[str, ...], CommandInfo]
) -> None:
    got = [f"{f.severity}: {f.message}" for f in check_commands("x.md", snippet + "\n", table)]
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g.startswith(e), g


def test_a_planned_command_missing_from_this_build_is_a_warning(
    table: dict[tuple[str, ...], CommandInfo],
) -> None:
    without = {k: v for k, v in table.items() if k[:1] != ("codex",)}
    without[()] = table[()]
    got = [
        f"{f.severity}: {f.message}"
        for f in check_commands("x.md", "`ameide codex seed`\n", without)
    ]
    assert got == [
        "warning: `ameide codex seed`: not in this ameide yet (a planned command, CONTRACT.md)"
    ]


def test_every_command_ameides_own_docs_show_exists(
    table: dict[tuple[str, ...], CommandInfo],
) -> None:
    docs = [ROOT / "README.md", ROOT / "AGENTS.md", *sorted((ROOT / "docs").glob("*.md"))]
    docs += sorted(Path(builtin_dir()).glob("*/AGENTS.md"))
    errors = [
        f"{f.path}:{f.line}: {f.message}"
        for d in docs
        for f in check_commands(str(d), d.read_text(), table)
        if f.severity == "error"
    ]
    assert errors == []


def test_shipped_profiles_are_valid_and_complete() -> None:
    profiles = {p.name: p for p in load_all({})}
    assert sorted(profiles) == ["code", "gitops", "sre"]
    for p in profiles.values():
        text = p.instructions_text()
        assert check_sections(p.instructions, text, p.required_sections, p.name) == []
        assert "artifacts/agent-ci/latest/summary.json" in text
        assert len(text.encode()) < 8 * 1024  # leaves room in Codex's 32 KiB for the repo's
    assert profiles["code"].forbidden == ("gitops/**",)
    assert (profiles["code"].pr_allowed, profiles["code"].branch_prefix) == (True, "codex/")
    assert profiles["sre"].prs_allowed({}) == (
        False,
        "the profile does not allow them (set AMEIDE_SRE_ALLOW_PR=1 to enable)",
    )
    assert [c.name for c in profiles["gitops"].checks] == ["yaml", "secrets"]


def test_the_top_level_profiles_dir_is_the_package_data() -> None:
    top = ROOT / "profiles"
    assert top.is_symlink() and top.resolve() == Path(builtin_dir()).resolve()
    assert sorted(p.name for p in top.iterdir()) == ["code", "gitops", "sre"]


def test_check_passes_on_a_tidy_repo(run_cli: RunCli, make_repo: MakeRepo) -> None:
    repo = make_repo({"AGENTS.md": "# repo\n\nRun `ameide test`; see `ameide targets --json`.\n"})
    code, out, _ = run_cli(["agents", "check"], repo)
    assert code == 0, out
    # warnings: commands still to come (`ameide pr open`), instructions not installed
    assert out.splitlines()[-1].startswith("agents check: passed: 0 errors, ")
    assert out.splitlines()[-1].endswith(" warnings (3 profiles, 4 instruction files)")


def test_check_fails_on_bad_commands_and_size(run_cli: RunCli, make_repo: MakeRepo) -> None:
    repo = make_repo(
        {
            "AGENTS.md": "# repo\n\nRun `ameide tset` then `ameide affected --all`.\n",
            "svc/AGENTS.md": "x" * 40_000,
        }
    )
    code, out, _ = run_cli(["agents", "check"], repo / "svc")
    assert code == 1
    errors = [ln for ln in out.splitlines() if ln.startswith("error")]
    known = set(errors[1].split("(known: ")[1].rstrip(")").split(", "))
    assert {"affected", "agents", "branch", "cache", "codex", "pr", "profile", "run"} <= known
    assert errors == [
        f"error   command  {repo}/AGENTS.md:3: `ameide affected` has no option --all (options: "
        "--base, --explain, --graph, --help, --json, --verbose)",
        f"error   command  {repo}/AGENTS.md:3: `ameide tset`: no such command 'tset' (known: "
        + errors[1].split("(known: ")[1],
        f"error   size     {repo}/svc/AGENTS.md: the Codex instructions from {repo}/svc are "
        f"40056 bytes; project_doc_max_bytes is 32768: {repo}/svc/AGENTS.md truncated",
    ]
    assert out.splitlines()[-1].startswith("agents check: FAILED: 3 errors, ")


def test_check_reports_broken_and_incomplete_profiles(
    run_cli: RunCli, make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(
        tmp_path / "more",
        {
            "thin/profile.toml": 'name = "thin"\ndescription = "x"\n',
            "thin/AGENTS.md": "# thin\n\n## Scope\n\nAnything.\n",
            "bad/profile.toml": 'name = "bad"\n',
        },
    )
    monkeypatch.setenv("AMEIDE_PROFILES_PATH", str(tmp_path / "more"))
    repo = make_repo({"README.md": "hi\n"})
    code, out, _ = run_cli(["agents", "check", "--json"], repo)
    assert code == 1
    doc = json.loads(out)
    assert doc["profiles"] == ["bad", "code", "gitops", "sre", "thin"]
    got = [(f["rule"], f["message"]) for f in doc["findings"] if f["severity"] == "error"]
    thin = "profile thin"
    assert got == [
        (
            "profile",
            f"{tmp_path}/more/bad/profile.toml: invalid profile;   description: Field required",
        ),
        ("sections", f"{thin}: never says to run `ameide test`"),
        ("sections", f"{thin}: no 'Evidence' section (a heading starting with it)"),
        ("sections", f"{thin}: no 'Pull requests' section (a heading starting with it)"),
        ("sections", f"{thin}: no 'Test' section (a heading starting with it)"),
    ]


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ('[[checks]]\nname = "x"\n', ("checks.0", "give exactly one of `builtin` or `run`")),
        (
            '[[checks]]\nname = "x"\nbuiltin = "yaml"\nrun = ["true"]\n',
            ("checks.0", "give exactly one of `builtin` or `run`"),
        ),
        (
            '[[checks]]\nname = "x"\nbuiltin = "lint"\n',
            ("checks.0.builtin", "Input should be 'yaml' or 'secrets'"),
        ),
        (
            '[[checks]]\nname = "x"\nrun = ["a"]\n[[checks]]\nname = "x"\nrun = ["b"]\n',
            ("(top level)", "check names must be unique: x"),
        ),
        (
            '[paths]\nforbidden = ["/etc/**"]\n',
            ("paths.forbidden", "'/etc/**': globs are relative to the monorepo root"),
        ),
        ("schema = 2\n", ("schema", "this ameide reads profile schema 1")),
    ],
)
def test_profile_schema_problems(extra: str, problem: tuple[str, str]) -> None:
    import tomllib

    from ameide.agents.profile_schema import validate

    data = tomllib.loads('name = "p"\ndescription = "d"\n' + extra)
    normalized, problems = validate(data)
    assert normalized is None
    assert problems[0] == problem
