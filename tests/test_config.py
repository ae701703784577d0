"""ameide.toml loading: defaults, validation errors naming keys, the validated-result cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from ameide.config import load
from ameide.errors import ConfigError


def test_absent_file_gives_defaults(tmp_path: Path) -> None:
    cfg = load(str(tmp_path))
    assert (cfg.path, cfg.digest, cfg.affected_global) == (None, "", ())


def test_full_file_round_trips(tmp_path: Path) -> None:
    (tmp_path / "ameide.toml").write_text(
        '[toolchain]\nuv = "0.9.26"\nbuf = "1.63.0"\n'
        '[affected]\nglobal = ["ci/**"]\nignore = ["**/*.md"]\n'
        '[targets."go:example.com/x"]\nunit = ["go", "test", "-count=1", "./x"]\ntimeout = 60\n'
        "[run]\ntimeout = 120\njobs = 4\n"
    )
    cfg = load(str(tmp_path))
    assert cfg.toolchain["uv"] == "0.9.26" and cfg.toolchain["go"] is None
    assert cfg.affected_global == ("ci/**",)
    assert cfg.affected_ignore == ("**/*.md",)
    assert cfg.targets["go:example.com/x"]["unit"] == ["go", "test", "-count=1", "./x"]
    assert cfg.run == {"timeout": 120.0, "jobs": 4}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[toolchain]\nrust = '1'\n", "toolchain.rust: unknown key"),
        ("[affected]\nglobal = 'x'\n", "affected.global: Input should be a valid list"),
        ("[run]\njobs = 0\n", "run.jobs: Input should be greater than or equal to 1"),
        ("[nonsense]\n", "nonsense: unknown key"),
        (
            "[targets.x]\nskip = 'maybe'\n",
            "targets.x.skip: Input should be a valid boolean, unable to interpret input",
        ),
    ],
)
def test_invalid_values_name_the_key(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / "ameide.toml").write_text(text)
    with pytest.raises(ConfigError) as info:
        load(str(tmp_path))
    assert f"  {problem}" in info.value.message.splitlines()
    assert info.value.path == str(tmp_path / "ameide.toml")
    assert info.value.hint and "docs/config.md" in info.value.hint


def test_validated_result_is_cached_by_content(tmp_path: Path) -> None:
    (tmp_path / "ameide.toml").write_text('[affected]\nglobal = ["a/**"]\n')
    cache = tmp_path / "cache"
    first = load(str(tmp_path), str(cache))
    assert len(list(cache.iterdir())) == 1
    assert load(str(tmp_path), str(cache)) == first
    (tmp_path / "ameide.toml").write_text('[affected]\nglobal = ["b/**"]\n')
    assert load(str(tmp_path), str(cache)).affected_global == ("b/**",)
    # a damaged entry is a miss, not a crash
    for f in cache.iterdir():
        f.write_text("{")
    assert load(str(tmp_path), str(cache)).affected_global == ("b/**",)


def test_overrides_must_name_existing_targets(tmp_path: Path) -> None:
    from ameide.config import check_targets, unknown_targets

    (tmp_path / "ameide.toml").write_text(
        '[targets."go:example.com/m/lib/mathz"]\nskip = true\n'
        '[targets."pnpm:@acme/ui"]\ntimeout = 5\n'
        '[targets."go:nope"]\ntimeout = 5\n'
    )
    cfg = load(str(tmp_path))
    known = [
        "go:example.com/m/lib/mathx",
        "go:example.com/m/lib/store",
        "go:example.com/m/lib/strutil",
        "pnpm:@acme/ui",
    ]
    with pytest.raises(ConfigError) as info:
        check_targets(cfg, set(known))
    assert info.value.exit_code == 2 and info.value.path == str(tmp_path / "ameide.toml")
    # only the nearest id is named, not every sibling sharing the long prefix
    assert info.value.message.splitlines() == [
        f"{tmp_path}/ameide.toml: invalid configuration",
        '  targets."go:example.com/m/lib/mathz": no such target '
        '(did you mean "go:example.com/m/lib/mathx"?)',
        '  targets."go:nope": no such target',
    ]
    check_targets(cfg, {*known, "go:example.com/m/lib/mathz", "go:nope"})  # all known: fine
    # the same lines without raising, for commands that only warn
    assert unknown_targets(cfg, set(known)) == [
        ln.strip() for ln in info.value.message.splitlines()[1:]
    ]
    assert unknown_targets(cfg, {*known, "go:example.com/m/lib/mathz", "go:nope"}) == []


def test_an_ameide_toml_that_is_a_directory_is_a_configuration_error(
    tmp_path: Path, run_cli: object, make_repo: object
) -> None:
    """Exit 2 with the file named and what it must be, not an internal error (exit 4)."""
    (tmp_path / "ameide.toml").mkdir()
    with pytest.raises(ConfigError) as info:
        load(str(tmp_path))
    assert str(info.value).startswith(f"{tmp_path / 'ameide.toml'}: cannot read it")
    assert "readable file" in (info.value.hint or "")
    repo = make_repo({"a/go.mod": "module a\n\ngo 1.22\n"})  # type: ignore[operator]
    (repo / "ameide.toml").mkdir()
    code, out, err = run_cli(["test"], repo)  # type: ignore[operator]
    assert code == 2, out + err
    assert "ameide.toml: cannot read it" in err and "Traceback" not in err
