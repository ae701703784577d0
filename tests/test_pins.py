"""The toolchain pins of scripts/pins.env agree with those examples/monorepo declares."""

from __future__ import annotations

import json
import re
import tomllib

from ameide.config import load
from ameide.ecosystems.pnpm.tools import NODE_RELEASE
from ameide.workspace import toolchain
from tests.conftest import EXAMPLE, ROOT


def pins() -> dict[str, str]:
    text = (ROOT / "scripts" / "pins.env").read_text()
    return dict(re.findall(r"^([A-Z_]+)=(\S+)$", text, re.M))


def test_example_pins_match_the_setup_script() -> None:
    p = pins()
    go_lines = {
        m
        for f in ("go/lib/go.mod", "go/svc/go.mod", "go.work")
        for m in re.findall(r"^go (\S+)$", (EXAMPLE / f).read_text(), re.M)
    }
    assert go_lines == {p["GO_VERSION"]}
    pkg = json.loads((EXAMPLE / "package.json").read_text())
    assert pkg["packageManager"] == f"pnpm@{p['PNPM_VERSION']}"
    cfg = tomllib.loads((EXAMPLE / "ameide.toml").read_text())
    assert cfg["toolchain"] == {"uv": p["UV_VERSION"], "buf": p["BUF_VERSION"]}


def test_the_setup_node_satisfies_the_example_node_pin() -> None:
    """scripts/setup installs NODE_VERSION into .tools/bin; phase 0 of `ameide test` on the
    example checks node against the example's pin (its default major when it names none), and
    `ameide toolchain install --tool node` installs the same release."""
    node = toolchain.pins(str(EXAMPLE), load(str(EXAMPLE)))["node"]
    version = pins()["NODE_VERSION"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version  # a release npm publishes
    assert toolchain.matches(node, version), (node, version)
    assert version == NODE_RELEASE
