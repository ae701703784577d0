"""Toolchain pins read from the repo and `ameide toolchain check`."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ameide.config import load
from ameide.ecosystems.go.tools import go_pin
from ameide.ecosystems.pnpm.tools import NODE_RELEASE, node_spec
from ameide.ecosystems.uv.tools import uv_spec
from ameide.workspace.toolchain import Pin, check, pins
from tests.conftest import TOOLS_BIN, MakeRepo, tool_env, write_files
from tests.workspace.conftest import fake_path, fake_tool

RunCli = Callable[..., tuple[int, str, str]]


def _pins(root: Path, go_mods: tuple[str, ...] = ()) -> dict[str, Pin]:
    out = pins(str(root), load(str(root)))
    if go_mods:  # the go.mod files of the repository's Go targets (from its graph)
        out["go"] = go_pin(str(root), go_mods)
    return out


def test_defaults_when_the_repo_is_silent(tmp_path: Path) -> None:
    assert _pins(tmp_path) == {
        "go": Pin("go", None, False, "no go.mod"),
        "node": Pin("node", "22", True, "ameide default"),
        "pnpm": Pin("pnpm", None, False, "no packageManager in package.json"),
        "uv": Pin("uv", "0.9.26", True, "ameide default"),
        "buf": Pin("buf", "1.63.0", True, "ameide default"),
    }


def test_go_toolchain_line_wins_over_go_lines(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "go.work": "go 1.24.0\n\nuse ./a\n",
            "a/go.mod": "module a\n\ngo 1.25.1\n",
            "b/go.mod": "module b\n\ngo 1.23\n\ntoolchain go1.25.5\n",
        },
    )
    assert _pins(tmp_path, ("a/go.mod",))["go"] == Pin("go", "1.25.1", False, "a/go.mod go line")
    assert _pins(tmp_path, ("a/go.mod", "b/go.mod"))["go"] == Pin(
        "go", "1.25.5", True, "b/go.mod toolchain line"
    )
    assert _pins(tmp_path)["go"] == Pin("go", "1.24.0", False, "go.work go line")


@pytest.mark.parametrize(
    ("spec", "want"),
    [
        ("22", ("22", True)),
        ("v20.11.1", ("20", True)),
        ("lts/jod", ("22", True)),
        ("lts/iron", ("20", True)),
        (">=20", ("20", False)),
        ("^22.1.0", ("22", True)),
        ("22.x", ("22", True)),
        ("node", (None, False)),
        ("lts/unknown", (None, False)),
    ],
)
def test_node_specs(spec: str, want: tuple[str | None, bool]) -> None:
    assert node_spec(spec) == want


def test_node_pin_sources_in_order(tmp_path: Path) -> None:
    write_files(tmp_path, {"package.json": '{"engines": {"node": ">=20 <25"}}'})
    assert _pins(tmp_path)["node"] == Pin("node", "20", False, "package.json engines.node")
    # a full release is checked by its major and is what `toolchain install` installs
    write_files(tmp_path, {".node-version": "24.1.0\n"})
    assert _pins(tmp_path)["node"] == Pin("node", "24", True, ".node-version", "24.1.0")
    write_files(tmp_path, {".nvmrc": "v22\n"})
    assert _pins(tmp_path)["node"] == Pin("node", "22", True, ".nvmrc")
    write_files(tmp_path, {"ameide.toml": '[toolchain]\nnode = "v20.19.0"\n'})
    assert _pins(tmp_path)["node"] == Pin(
        "node", "20", True, "ameide.toml [toolchain] node", "20.19.0"
    )
    write_files(tmp_path, {"ameide.toml": '[toolchain]\nnode = ">=20.19.0"\n'})
    assert _pins(tmp_path)["node"] == Pin("node", "20", False, "ameide.toml [toolchain] node")


def test_pnpm_from_package_manager(tmp_path: Path) -> None:
    write_files(tmp_path, {"package.json": '{"packageManager": "pnpm@12.4.2+sha512.abc"}'})
    assert _pins(tmp_path)["pnpm"] == Pin("pnpm", "12.4.2", True, "package.json packageManager")
    write_files(tmp_path, {"package.json": '{"packageManager": "yarn@4.0.0"}'})
    assert _pins(tmp_path)["pnpm"].wanted is None


def test_uv_required_version_and_ameide_toml(tmp_path: Path) -> None:
    write_files(tmp_path, {"pyproject.toml": '[tool.uv]\nrequired-version = ">=0.9.0,<0.11"\n'})
    assert _pins(tmp_path)["uv"] == Pin(
        "uv", "0.9.0", False, "pyproject.toml [tool.uv] required-version"
    )
    assert _pins(tmp_path)["uv"].install_version == "0.9.26"
    write_files(tmp_path, {"pyproject.toml": '[tool.uv]\nrequired-version = "==0.9.30"\n'})
    assert _pins(tmp_path)["uv"] == Pin(
        "uv", "0.9.30", True, "pyproject.toml [tool.uv] required-version"
    )
    write_files(tmp_path, {"ameide.toml": '[toolchain]\nuv = "0.9.27"\nbuf = "1.64.0"\n'})
    p = _pins(tmp_path)
    assert (p["uv"].wanted, p["uv"].source) == ("0.9.27", "ameide.toml [toolchain] uv")
    assert (p["buf"].wanted, p["buf"].source) == ("1.64.0", "ameide.toml [toolchain] buf")
    assert uv_spec("0.9.26") == ("0.9.26", True)
    assert uv_spec("~=0.9") == ("0.9", False)
    assert uv_spec("<1") == (None, False)


def test_check_ok_mismatch_missing(tmp_path: Path) -> None:
    env = fake_path(tmp_path / "bin", go="1.25.5", node="20.11.0", uv="0.9.25")
    go = check(Pin("go", "1.25.5", False, "go.mod go line"), str(tmp_path), env)
    assert (go.status, go.found, go.path, go.fix) == ("ok", "1.25.5", f"{tmp_path}/bin/go", "")
    node = check(Pin("node", "22", True, "ameide default"), str(tmp_path), env)
    assert (node.status, node.found, node.label) == ("mismatch", "20.11.0", "22.x")
    assert node.fix == (
        f"ameide toolchain install --tool node (installs {NODE_RELEASE}; "
        f"or `nvm install {NODE_RELEASE}`)"
    )
    # another major, no release named: nothing concrete to install
    node = check(Pin("node", "24", True, ".nvmrc"), str(tmp_path), env)
    assert node.fix == "install Node.js 24 (`nvm install 24`, or the workspace image's node)"
    assert check(Pin("node", "20", False, "x"), str(tmp_path), env).status == "ok"
    uv = check(Pin("uv", "0.9.26", True, "ameide default"), str(tmp_path), env)
    assert (uv.status, uv.fix) == (
        "mismatch",
        "ameide toolchain install --tool uv (installs 0.9.26; or `pip install uv==0.9.26`)",
    )
    buf = check(Pin("buf", "1.63.0", True, "ameide default"), str(tmp_path), env)
    assert (buf.status, buf.found, buf.path) == ("missing", None, None)


def test_go_is_asked_with_gotoolchain_local(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "go").write_text(
        '#!/bin/sh\nif [ "$GOTOOLCHAIN" = local ]; then echo "go version go1.24.0 linux/amd64"; '
        'else echo "go version go1.25.5 linux/amd64"; fi\n'
    )
    (bin_dir / "go").chmod(0o755)
    env = {"PATH": str(bin_dir), "GOTOOLCHAIN": "auto"}
    s = check(Pin("go", "1.25.5", True, "go.mod toolchain line"), str(tmp_path), env)
    assert (s.status, s.found) == ("mismatch", "1.24.0")


def test_fix_is_a_path_change_when_the_prefix_has_the_version(tmp_path: Path) -> None:
    prefix = tmp_path / ".local" / "bin"
    vdir = tmp_path / ".local/share/ameide/toolchain/uv/0.9.26/venv/bin"
    fake_tool(vdir, "uv", "0.9.26")
    prefix.mkdir(parents=True)
    (prefix / "uv").symlink_to(os.path.relpath(vdir / "uv", prefix))
    env = fake_path(tmp_path / "old", uv="0.8.0")
    s = check(Pin("uv", "0.9.26", True, "d"), str(tmp_path), env, prefix=str(prefix))
    assert s.fix == f'put {prefix} first on PATH: export PATH="{prefix}:$PATH"'


def test_check_with_the_real_tools_of_this_repo(tmp_path: Path) -> None:
    if not (TOOLS_BIN / "go").exists():
        pytest.skip("scripts/setup has not installed .tools/")
    env = tool_env()
    for tool, version in (("go", "1.25.5"), ("uv", "0.9.26"), ("buf", "1.63.0")):
        s = check(Pin(tool, version, True, "test"), str(tmp_path), env)
        assert (s.status, s.found) == ("ok", version)
    # scripts/setup's Node.js (NODE_VERSION of scripts/pins.env), not the machine's
    node = check(Pin("node", "22", True, "test"), str(tmp_path), env)
    assert (node.status, node.path) == ("ok", str(TOOLS_BIN / "node"))
    assert node.found is not None and node.found.startswith("22.")


# ------------------------------------------------------------------------------------ CLI


def _only(tmp_path: Path, env: dict[str, str]) -> str:
    """PATH with the fake tools and git, nothing else (no node from the machine)."""
    git_dir = tmp_path / "git-only"
    git_dir.mkdir(exist_ok=True)
    if not (git_dir / "git").exists():
        (git_dir / "git").symlink_to(shutil.which("git") or "/usr/bin/git")
    return f"{env['PATH'].split(os.pathsep)[0]}{os.pathsep}{git_dir}"


def test_cli_check_exit_codes_and_json(
    run_cli: RunCli, make_repo: MakeRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(
        {
            "go.mod": "module example.com/m\n\ngo 1.25.5\n",
            "m.go": "package m\n",
            "pyproject.toml": '[project]\nname = "p"\nversion = "0"\n',
            "uv.lock": "version = 1\n",
        }
    )
    env = fake_path(tmp_path / "bin", go="1.25.5", uv="0.9.26", buf="1.0.0")
    monkeypatch.setenv("PATH", _only(tmp_path, env))
    code, out, err = run_cli(["toolchain", "check"], repo)
    assert (code, err) == (0, "")
    assert [ln.split() for ln in out.splitlines()] == [
        ["tool", "wanted", "found", "status", "path", "fix"],
        # a Go and uv repository: their tools only (a wrong buf on PATH is none of its business)
        ["go", ">=1.25.5", "1.25.5", "ok", f"{tmp_path}/bin/go"],
        ["uv", "0.9.26", "0.9.26", "ok", f"{tmp_path}/bin/uv"],
        ["toolchain:", "all", "2", "needed", "tools", "match"],
    ]
    fake_tool(tmp_path / "bin", "uv", "0.9.1")
    code, out, _ = run_cli(["toolchain", "check"], repo)
    assert code == 3
    assert out.splitlines()[-1] == "toolchain: 1 of 2 needed tools need a fix"
    [uv_line] = [ln for ln in out.splitlines() if ln.startswith("uv ")]
    assert uv_line.endswith(
        "ameide toolchain install --tool uv (installs 0.9.26; or `pip install uv==0.9.26`)"
    )
    code, out, _ = run_cli(["toolchain", "check", "--json"], repo)
    doc = json.loads(out)
    assert (code, doc["schema"], doc["ok"], doc["ecosystems"]) == (3, 1, False, ["go", "uv"])
    assert doc["tools"][1] == {
        "tool": "uv",
        "wanted": "0.9.26",
        "label": "0.9.26",
        "found": "0.9.1",
        "path": f"{tmp_path}/bin/uv",
        "status": "mismatch",
        "needed": True,
        "fix": "ameide toolchain install --tool uv (installs 0.9.26; or `pip install uv==0.9.26`)",
        "source": "ameide default",
    }


def test_cli_check_outside_a_repo_is_an_environment_error(run_cli: RunCli, tmp_path: Path) -> None:
    code, out, err = run_cli(["toolchain", "check"], tmp_path)
    assert (code, out) == (3, "")
    assert err.startswith(f"ameide: error: not a git repository: {tmp_path}\n")


def test_help_lists_the_workspace_commands(run_cli: RunCli, tmp_path: Path) -> None:
    code, out, _ = run_cli(["--help"], tmp_path)
    assert code == 0
    for cmd in ("toolchain", "workspace", "codex"):
        assert cmd in out
    code, out, _ = run_cli(["toolchain", "--help"], tmp_path)
    assert code == 0 and "check" in out and "install" in out


def test_a_native_binarys_version_is_remembered_by_its_identity(tmp_path: Path) -> None:
    """`go version` is asked once per binary: the answer is kept by the file's identity, and
    a changed file (an upgrade in place) is asked again. Scripts are always asked."""
    from ameide.workspace.toolchain import _identity, version_of

    env = {"PATH": os.environ["PATH"], "AMEIDE_CACHE_DIR": str(tmp_path / "cache")}
    native = tmp_path / "go"
    shutil.copy2(shutil.which("true") or "/bin/true", native)  # an ELF that prints nothing
    key = _identity(str(native), "go", env)
    assert key is not None and str(native) in key
    memo = tmp_path / "cache" / "tool-versions.json"
    memo.parent.mkdir()
    memo.write_text(json.dumps({key: "1.99.0"}))
    # the remembered answer, without running the binary (which would say nothing)
    assert version_of(str(native), "go", str(tmp_path), env) == "1.99.0"
    os.utime(native, ns=(1, 1))  # the file changed: asked again (and `true` says nothing)
    assert version_of(str(native), "go", str(tmp_path), env) is None

    script = tmp_path / "pnpm"
    script.write_text("#!/bin/sh\necho 9.0.0\n")
    script.chmod(0o755)
    assert _identity(str(script), "pnpm", env) is None
    assert version_of(str(script), "pnpm", str(tmp_path), env) == "9.0.0"
    script.write_text("#!/bin/sh\necho 9.1.0\n")  # a shim's answer may change: never kept
    assert version_of(str(script), "pnpm", str(tmp_path), env) == "9.1.0"
    assert json.loads(memo.read_text()) == {key: "1.99.0"}


def test_a_real_go_version_is_asked_once_then_remembered(tmp_path: Path) -> None:
    from ameide.workspace.toolchain import _identity, version_of

    go = shutil.which("go", path=str(TOOLS_BIN))
    if go is None:
        pytest.skip("no pinned go installed (scripts/setup installs it)")
    env = {**tool_env(), "AMEIDE_CACHE_DIR": str(tmp_path / "cache")}
    first = version_of(go, "go", str(tmp_path), env)
    assert first and first[0].isdigit()
    memo = json.loads((tmp_path / "cache" / "tool-versions.json").read_text())
    assert memo == {_identity(go, "go", env): first}
    assert version_of(go, "go", str(tmp_path), env) == first
