"""Evidence files are written atomically with the permissions any new file gets."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ameide.fsutil import atomic_write_text


@pytest.fixture
def umask() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.mark.usefixtures("umask")
def test_atomic_writes_respect_the_umask(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "summary.json"
    atomic_write_text(str(target), "{}\n")
    assert target.read_text() == "{}\n" and mode(target) == 0o640
    atomic_write_text(str(target), "{}\n", private=True)  # replaced, now private
    assert mode(target) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["summary.json"]  # no temp left


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    with pytest.raises(IsADirectoryError):
        atomic_write_text(str(tmp_path / "dir"), "x")  # rename over a directory fails
    assert [p.name for p in tmp_path.iterdir()] == ["dir"]
