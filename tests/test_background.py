"""background.Later/each: results in order, errors handed to whoever asks."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ameide.background import Later, each
from tests.conftest import MakeRepo


def test_each_returns_results_in_order_from_threads_of_their_own() -> None:
    seen: set[int] = set()

    def job(n: int) -> int:
        seen.add(threading.get_ident())
        return n * n

    assert each([lambda n=n: job(n) for n in range(5)]) == [0, 1, 4, 9, 16]  # type: ignore[misc]
    assert threading.get_ident() not in seen


def test_an_error_is_raised_by_result_not_lost() -> None:
    def boom() -> int:
        raise ValueError("broken")

    later = Later(boom)
    with pytest.raises(ValueError, match="broken"):
        later.result()
    with pytest.raises(ValueError, match="broken"):
        each([lambda: 1, boom])


_HEAVY = (
    "asyncio",
    "anyio",
    "concurrent.futures",
    "tempfile",
    "xml.etree.ElementTree",
    "secrets",
    "pydantic",
    "rich",
    "typer",
)


def test_a_run_of_plain_commands_imports_nothing_heavy(make_repo: MakeRepo) -> None:
    """`ameide run` over targets whose command writes no report, configuration validated
    before: no event loop, thread pool, temporary-file, XML or schema machinery is imported
    (each costs 5-100 ms, on every run an agent makes)."""
    toml = "".join(f'[targets."go:example.com/m/p{i}"]\nunit = ["true"]\n' for i in range(3))
    files: dict[str, str | bytes] = {"go.mod": "module example.com/m\n\ngo 1.22\n"}
    files.update({f"p{i}/p.go": f"package p{i}\n" for i in range(3)})
    files["ameide.toml"] = toml
    repo: Path = make_repo(files)
    script = (
        "import sys\nfrom ameide.cli import main\n"
        "rc = main(['run', '--phase', '1', '--all', '--no-cache'])\n"
        f"sys.stderr.write(repr(sorted(m for m in {_HEAVY!r} if m in sys.modules)))\n"
        "sys.exit(rc)\n"
    )
    for _ in range(2):  # the first run validates ameide.toml with the schema (pydantic)
        r = subprocess.run(
            [sys.executable, "-c", script], cwd=repo, capture_output=True, text=True, check=False
        )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 tasks" in r.stdout or "PASSED" in r.stdout, r.stdout
    assert r.stderr.strip().splitlines()[-1] == "[]", r.stderr
