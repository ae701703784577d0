"""Colour and terminal rules, the same for every command: NO_COLOR, FORCE_COLOR, TERM=dumb,
pipes and terminals; no escape code ever reaches a pipe unless FORCE_COLOR asks for it."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from ameide.report.console import interactive, styled
from tests.conftest import MakeRepo, git, write_files
from tests.evidence.fakego import install_fake_go, two_package_repo


class Stream:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(
    ("tty", "env", "expect_styled", "expect_interactive"),
    [
        (False, {}, False, False),  # a pipe
        (True, {"TERM": "xterm-256color"}, True, True),
        (True, {"TERM": "dumb"}, False, False),
        (True, {"TERM": "xterm", "NO_COLOR": "1"}, False, True),  # live view, no colour
        (True, {"TERM": "xterm", "NO_COLOR": ""}, True, True),  # empty: not set (no-color.org)
        (False, {"FORCE_COLOR": "1"}, True, False),  # asked for, even in a pipe
        (False, {"FORCE_COLOR": "0"}, False, False),
        (False, {"FORCE_COLOR": ""}, False, False),
        (True, {"TERM": "dumb", "FORCE_COLOR": "1"}, True, False),
        (False, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, False),  # NO_COLOR wins
    ],
)
def test_the_rules(
    tty: bool, env: dict[str, str], expect_styled: bool, expect_interactive: bool
) -> None:
    assert styled(Stream(tty), env) is expect_styled
    assert interactive(Stream(tty), env) is expect_interactive


MAIN = "import sys; from ameide.cli import main; sys.exit(main())"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "CI")}
    env.update({"TERM": "xterm-256color", "COLUMNS": "80", **extra})
    return env


def _piped(argv: list[str], cwd: Path, env: dict[str, str]) -> str:
    r = subprocess.run(
        [sys.executable, "-c", MAIN, *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return r.stdout + r.stderr


def _on_a_terminal(argv: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Output of the command with a pseudo-terminal as its stdout and stderr."""
    main, child = pty.openpty()
    p = subprocess.Popen(
        [sys.executable, "-c", MAIN, *argv],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=child,
        stderr=child,
    )
    os.close(child)
    out = b""
    while True:
        ready, _, _ = select.select([main], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    p.wait(timeout=60)
    os.close(main)
    return out.decode("utf-8", "replace")


@pytest.fixture
def changed(make_repo: MakeRepo) -> Path:
    repo = make_repo(
        {
            "pnpm-workspace.yaml": "packages: ['p/*']\n",
            "p/a/package.json": '{"name": "a"}\n',
            "p/b/package.json": '{"name": "b", "dependencies": {"a": "workspace:*"}}\n',
        }
    )
    git(repo, "checkout", "-q", "-b", "f")
    write_files(repo, {"p/a/index.js": "1\n"})
    return repo


@pytest.mark.parametrize("argv", [["affected"], ["affected", "--explain"], ["targets"]])
def test_a_pipe_gets_no_escape_codes(changed: Path, argv: list[str]) -> None:
    out = _piped(argv, changed, _env())
    assert "pnpm:b" in out and "\x1b" not in out
    assert "\x1b[" in _piped(argv, changed, _env(FORCE_COLOR="1"))


@pytest.mark.parametrize(
    ("extra", "escapes"),
    [({}, True), ({"TERM": "dumb"}, False), ({"NO_COLOR": "1"}, False)],
)
def test_a_terminal_gets_styles_unless_told_otherwise(
    changed: Path, extra: dict[str, str], escapes: bool
) -> None:
    out = _on_a_terminal(["affected"], changed, _env(**extra))
    assert "pnpm:b" in out
    assert ("\x1b[" in out) is escapes, repr(out[:300])


def test_ameide_test_in_a_pipe_has_no_escape_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_fake_go(tmp_path / "fakebin", monkeypatch)
    repo = two_package_repo(tmp_path / "repo")
    write_files(repo, {"a/a.go": "package a\n\nfunc A() int { return 2 }\n"})
    out = _piped(["test"], repo, _env())
    assert "ameide test: PASSED (exit 0)" in out and "\x1b" not in out
    out = _on_a_terminal(["test"], repo, _env(TERM="dumb"))
    assert "ameide test: PASSED (exit 0)" in out and "\x1b" not in out
