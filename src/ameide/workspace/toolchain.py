"""Toolchain pins read from the repo and checks of what is installed.

Which tools a repository needs is the union of what its ecosystems declare (a pnpm-only
repository needs node and pnpm, no Go); each ecosystem reads its own tools' pins
(ecosystems/<name>/tools.py: Go's go.mod lines, node's .nvmrc, pnpm's packageManager, uv's
required-version, buf's default), and its ToolSpec says how a version reads, matches and
installs. `[toolchain] <tool>` in ameide.toml overrides any of them. Phase 0 of `ameide test`
checks the tools of the ecosystems in play; `ameide toolchain check` those of every
ecosystem the repository has.
"""

from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING

from ameide import proc
from ameide.ecosystems.base import Pin, vtuple
from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ameide.config import Config
    from ameide.model import Graph

__all__ = ["Pin", "ToolStatus", "vtuple"]


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


def pins(
    root: str, config: Config, graph: Graph | None = None, ecosystems: Iterable[str] | None = None
) -> dict[str, Pin]:
    """The version each tool of the ecosystems (all registered when None) must have, in
    registry order; `[toolchain] <tool>` in ameide.toml wins over what the repository says."""
    from ameide.ecosystems import REGISTRY

    wanted = None if ecosystems is None else set(ecosystems)
    out: dict[str, Pin] = {}
    for eco in REGISTRY.all():
        if wanted is None or eco.name in wanted:
            for tool, pin in eco.pins(root, config, graph).items():
                out.setdefault(tool, pin)
    return out


def version_of(path: str, tool: str, cwd: str, env: Mapping[str, str]) -> str | None:
    """Run the tool's version command (`go version` with GOTOOLCHAIN=local, so go reports
    itself and not a toolchain it would switch to) and parse the version; None on failure.

    A native binary's answer is remembered by the file's identity (device, inode, size,
    mtime) in the user cache (`tool-versions.json`): the same file says the same thing, and
    `go version` costs ~20 ms of every run. Scripts (`#!`: pnpm, shims that look at the
    directory they run in) are asked every time."""
    spec = Pin(tool, None, False, "").spec
    e = {**env, **spec.version_env}
    key = _identity(path, tool, e)
    known = _remembered(env).get(key) if key else None
    if known:
        return known
    r = proc.run((path, *spec.version_args), cwd, env=e, timeout=30)
    found = spec.parse_version(r.text() + r.err_text()) if r.ok else None
    if key and found:
        _remember(env, key, found)
    return found


def _identity(path: str, tool: str, env: Mapping[str, str]) -> str | None:
    """The cache key of a native binary, or None for a script or an unreadable file."""
    try:
        real = os.path.realpath(path)
        with open(real, "rb") as fh:
            if fh.read(2) == b"#!":
                return None
            st = os.fstat(fh.fileno())
    except OSError:
        return None
    # the environment the version command sees matters only through PATH-independent
    # toolchain switches (GOTOOLCHAIN is pinned by the spec): PATH does not enter
    return f"{tool} {real} {st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"


def _versions_file(env: Mapping[str, str]) -> str | None:
    from ameide.cache.settings import user_cache_dir
    from ameide.errors import UsageError

    try:
        return os.path.join(user_cache_dir(env), "tool-versions.json")
    except UsageError:  # a bad AMEIDE_CACHE_DIR is reported where the cache is used
        return None


def _remembered(env: Mapping[str, str]) -> dict[str, str]:
    import json

    file = _versions_file(env)
    try:
        with open(file or "", "rb") as fh:
            doc = json.loads(fh.read())
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in doc.items() if isinstance(v, str)} if isinstance(doc, dict) else {}


def _remember(env: Mapping[str, str], key: str, version: str) -> None:
    import json

    from ameide.fsutil import atomic_write_text

    file = _versions_file(env)
    if file is None:
        return
    doc = _remembered(env)
    doc[key] = version
    if len(doc) > 64:  # old binaries, upgraded away: keep the newest entries
        doc = dict(list(doc.items())[-64:])
    try:
        os.makedirs(os.path.dirname(file), exist_ok=True)
        atomic_write_text(file, json.dumps(doc, indent=0, sort_keys=False))
    except OSError:
        pass  # a read-only cache directory: the version command runs next time too


def matches(pin: Pin, found: str) -> bool:
    return pin.spec.matches(pin, found)


def fix_for(pin: Pin, prefix: str | None = None) -> str:
    """The exact command that fixes a missing or wrong tool."""
    spec = pin.spec
    v = spec.install_version(pin)
    if v is None:
        special = spec.unresolved_fix(pin)
        if special:
            return special
    v = v or pin.wanted
    where = f" --prefix {prefix}" if prefix else ""
    if v is None:
        return f"ameide toolchain install --tool {pin.tool}{where} (pin a version first)"
    how = f"ameide toolchain install --tool {pin.tool}{where}"
    alt = spec.alternative.format(v=v) if spec.alternative else ""
    if not spec.installable:
        return f"install {pin.tool} {v}" + (f" ({alt})" if alt else "")
    alt = f"; or {alt}" if alt else ""
    return f"{how} (installs {v}{alt})"


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
    if prefix and pin.spec.installable:
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
        args = " ".join(pin.spec.version_args)
        return status(None, "missing", f"`{path} {args}` failed: {fix}")
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
    """`ameide toolchain check`: one status per tool the repository's ecosystems need."""

    root: str
    statuses: tuple[ToolStatus, ...]
    ecosystems: tuple[str, ...]  # the ecosystems the repo uses (whose tools are listed)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.statuses if s.needed)


@record
class RepoPins:
    root: str
    pins: dict[str, Pin]  # every registered tool's pin, in registry order
    ecosystems: tuple[str, ...]  # the ecosystems the repository has
    sources: dict[str, dict[str, object]]  # [toolchain.sources.<tool>] tables
    needed: tuple[str, ...] = ()  # the tools those ecosystems need

    @property
    def needed_pins(self) -> dict[str, Pin]:
        return {t: p for t, p in self.pins.items() if t in self.needed}


def repo_pins(cwd: str, env: Mapping[str, str] | None = None) -> RepoPins:
    """Discover the monorepo around `cwd` (exit 3 outside a git repo) and read its pins."""
    from ameide.affected import load_graph
    from ameide.ecosystems import REGISTRY

    repo, config, graph = load_graph(cwd, env)
    ecos = tuple(sorted({t.ecosystem for t in graph.targets.values()}))
    needed = tuple(REGISTRY.tools(ecos))
    all_pins = pins(repo.root, config, graph)
    return RepoPins(repo.root, all_pins, ecos, config.toolchain_sources, needed)


def inspect(cwd: str, env: Mapping[str, str], *, prefix: str | None = None) -> ToolchainReport:
    """Check every tool the repository's ecosystems need against its pins, in parallel."""
    from ameide.background import each

    rp = repo_pins(cwd, env)
    pfx = prefix or default_prefix(env)
    wanted = list(rp.needed_pins.values())
    checks = (functools.partial(check, p, rp.root, env, prefix=pfx) for p in wanted)
    statuses = each(checks, "ameide-tool")
    return ToolchainReport(rp.root, tuple(statuses), rp.ecosystems)
