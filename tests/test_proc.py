"""The process seam's executable lookup (the rest is exercised through the runner)."""

from __future__ import annotations

import os
from pathlib import Path

from ameide import proc


def tool(d: Path, name: str) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    p = d / name
    p.write_text("#!/bin/sh\nexit 0\n")
    p.chmod(0o755)
    return p


def test_the_first_executable_on_path_wins(tmp_path: Path) -> None:
    first = tool(tmp_path / "a", "ameide-tool-x")
    tool(tmp_path / "b", "ameide-tool-x")
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "ameide-tool-x").write_text("not executable")
    env = {"PATH": os.pathsep.join(str(tmp_path / d) for d in ("c", "a", "b"))}
    assert proc._executable("ameide-tool-x", env) == str(first)


def test_no_lookup_for_paths_relative_path_entries_or_missing_tools(tmp_path: Path) -> None:
    tool(tmp_path / "a", "ameide-tool-y")
    assert proc._executable("./ameide-tool-y", {"PATH": str(tmp_path / "a")}) is None
    # a relative PATH entry depends on the child's cwd: leave the search to exec
    assert proc._executable("ameide-tool-y", {"PATH": f"bin:{tmp_path / 'a'}"}) is None
    assert proc._executable("ameide-no-such-tool", {"PATH": str(tmp_path / "a")}) is None
