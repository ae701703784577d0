"""uv's toolchain: `uv`, pinned by ameide.toml, else the root pyproject.toml
`[tool.uv] required-version`, else the default."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from ameide.ecosystems.base import Pin, ToolSpec, configured_pin, vtuple

if TYPE_CHECKING:
    from ameide.config import Config
    from ameide.model import Graph

NAME = "uv"
DEFAULT = "0.9.26"

UV = ToolSpec(
    NAME,
    default=DEFAULT,
    links=(NAME, "uvx"),
    source={"kind": "pypi", "package": NAME},
    alternative="`pip install uv=={v}`",
)


def uv_spec(spec: str) -> tuple[str | None, bool]:
    """A uv `required-version` specifier -> (version, exact?). `==V` or a bare `V` is exact,
    `>=V` a minimum; other clauses (`<`, `!=`, `~=`) are not enforced."""
    exact: str | None = None
    minimum: str | None = None
    for clause in spec.split(","):
        c = clause.strip()
        m = re.fullmatch(r"(==|>=|~=)?\s*v?(\d+(?:\.\d+)*)", c)
        if not m:
            continue
        op, v = m.group(1) or "==", m.group(2)
        if op == "==":
            exact = v
        elif minimum is None or vtuple(v) > vtuple(minimum):
            minimum = v
    if exact:
        return exact, True
    return minimum, False


def pins(root: str, config: Config, graph: Graph | None) -> dict[str, Pin]:
    return {NAME: configured_pin(config, NAME) or _pyproject_pin(root)}


def _pyproject_pin(root: str) -> Pin:
    try:
        with open(os.path.join(root, "pyproject.toml"), encoding="utf-8") as fh:
            text: str | None = fh.read()
    except (OSError, UnicodeDecodeError):
        text = None
    if text and "required-version" in text:
        import tomllib

        try:
            req = tomllib.loads(text).get("tool", {}).get(NAME, {}).get("required-version")
        except tomllib.TOMLDecodeError:
            req = None
        if isinstance(req, str):
            version, exact = uv_spec(req)
            if version:
                return Pin(NAME, version, exact, "pyproject.toml [tool.uv] required-version")
    return Pin(NAME, DEFAULT, True, "ameide default")
