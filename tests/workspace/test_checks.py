"""`ameide workspace check`: every check's pass and fail paths over faked roots."""

from __future__ import annotations

import json
import os
import socket
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ameide.agents.profiles import builtin_dir
from ameide.records import replace
from ameide.workspace import jsonc
from ameide.workspace.checks import (
    Check,
    Roots,
    code_server_checks,
    codex_checks,
    devcontainer_checks,
    elf_machine,
    hardening_checks,
    mount_of,
    profile_checks,
    run_checks,
    toolchain_checks,
)
from tests.conftest import MakeRepo
from tests.workspace.conftest import fake_path

NOW = 1_800_000_000.0  # 2027-01-15T08:00:00Z
DAY = 86400


@pytest.fixture
def roots(tmp_path: Path) -> Roots:
    """Roots pointing at empty temp dirs: a hardened, empty workspace."""
    for d in ("proc/self", "dev", "workspaces", "codex", "sa"):
        (tmp_path / d).mkdir(parents=True)
    (tmp_path / "proc/self/status").write_text(
        "Name:\tpython\nCapInh:\t0000000000000000\nCapPrm:\t0000000000000000\n"
        "CapEff:\t0000000000000000\nCapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\n"
    )
    return Roots(
        repo=None,
        env={},
        proc=str(tmp_path / "proc"),
        dev=str(tmp_path / "dev"),
        sockets=(str(tmp_path / "run/docker.sock"), str(tmp_path / "run/containerd.sock")),
        workspaces=str(tmp_path / "workspaces"),
        codex_home=str(tmp_path / "codex"),
        code_server_url="http://127.0.0.1:9",
        code_server_dirs=(str(tmp_path / "cs"),),
        code_server_log=str(tmp_path / "code-server.log"),
        service_account=str(tmp_path / "sa"),
        machine="x86_64",
        now=NOW,
        toolchain=False,
        repo_error="not a git repository: /somewhere",
    )


def statuses(checks: list[Check]) -> list[tuple[str, str]]:
    return [(c.id, c.status) for c in checks]


# ------------------------------------------------------------------------------- JSONC


def test_jsonc_strips_comments_and_trailing_commas_outside_strings() -> None:
    text = """{
  // a line comment
  "image": "mcr.microsoft.com/devcontainers/base", /* inline */
  "url": "http://example.invalid/a//b", // the // inside the string stays
  "note": "/* not a comment */",
  "escaped": "quote \\" // still a string",
  "list": [1, 2, 3,],
  /* a block
     comment */
  "obj": {"a": 1,},
}"""
    assert jsonc.loads(text) == {
        "image": "mcr.microsoft.com/devcontainers/base",
        "url": "http://example.invalid/a//b",
        "note": "/* not a comment */",
        "escaped": 'quote " // still a string',
        "list": [1, 2, 3],
        "obj": {"a": 1},
    }


def test_jsonc_errors_keep_line_and_column() -> None:
    with pytest.raises(jsonc.JsoncError) as info:
        jsonc.loads('{\n  // comment\n  "a": 1\n  "b": 2\n}')
    assert (info.value.line, info.value.col) == (4, 3)
    with pytest.raises(jsonc.JsoncError, match="unterminated"):
        jsonc.loads('{"a": 1 /* open')


# ------------------------------------------------------------------------------- devcontainer


DEVC = ".devcontainer/coder/devcontainer.json"


def _repo(make_repo: MakeRepo, devcontainer: str | None, **files: str) -> str:
    tree: dict[str, str | bytes] = dict(files)
    if devcontainer is not None:
        tree[DEVC] = devcontainer
    repo = make_repo(tree)
    return str(repo)


def test_devcontainer_missing_fails(roots: Roots, make_repo: MakeRepo) -> None:
    r = replace(roots, repo=_repo(make_repo, None, **{"README.md": "x\n"}))
    [c] = devcontainer_checks(r)
    assert (c.id, c.status, c.message) == ("devcontainer.present", "fail", f"{DEVC} is missing")
    assert c.fix.startswith(f"add {DEVC}")


def test_devcontainer_outside_a_repo_warns(roots: Roots) -> None:
    [c] = devcontainer_checks(roots)
    assert (c.status, c.message) == (
        "warn",
        "not inside a repository (not a git repository: /somewhere)",
    )


def test_devcontainer_invalid_json_names_line(roots: Roots, make_repo: MakeRepo) -> None:
    r = replace(roots, repo=_repo(make_repo, '{\n  "image": "x"\n  "bad": 1\n}\n'))
    [c] = devcontainer_checks(r)
    assert (c.id, c.status) == ("devcontainer.valid", "fail")
    assert c.message == f"{DEVC}: line 3 column 3: Expecting ',' delimiter"


def test_devcontainer_contract_passes(roots: Roots, make_repo: MakeRepo) -> None:
    repo = _repo(
        make_repo,
        """{
          // built by envbuilder in the Coder template
          "build": {"dockerfile": "Dockerfile"},
          "onCreateCommand": "bash .devcontainer/coder/on-create.sh",
          "postStartCommand": {
            "ameide": "ameide toolchain install && ameide codex seed",
            "start": ["${containerWorkspaceFolder}/.devcontainer/coder/post-start.sh", "--quiet"],
          },
        }""",
        **{
            ".devcontainer/coder/Dockerfile": "FROM debian\n",
            ".devcontainer/coder/on-create.sh": "echo hi\n",
            ".devcontainer/coder/post-start.sh": "#!/bin/sh\n",
        },
    )
    os.chmod(os.path.join(repo, ".devcontainer/coder/post-start.sh"), 0o755)
    checks = devcontainer_checks(replace(roots, repo=repo))
    assert [(c.status, c.message) for c in checks] == [
        ("pass", f"{DEVC} is valid JSON with comments"),
        ("pass", "Dockerfile .devcontainer/coder/Dockerfile exists"),
        ("pass", "onCreateCommand: .devcontainer/coder/on-create.sh exists"),
        ("pass", "postStartCommand: .devcontainer/coder/post-start.sh exists and is executable"),
        ("pass", "no keys that envbuilder ignores"),
    ]


def test_devcontainer_missing_and_non_executable_scripts_fail(
    roots: Roots, make_repo: MakeRepo
) -> None:
    repo = _repo(
        make_repo,
        """{"image": "debian",
            "postCreateCommand": "./scripts/setup && ./scripts/missing.sh; echo done",
            "postStartCommand": ["python3", "-u", "tools/start.py"]}""",
        **{"scripts/setup": "#!/bin/sh\n"},
    )
    checks = devcontainer_checks(replace(roots, repo=repo))
    assert [(c.status, c.message, c.fix) for c in checks[2:5]] == [
        (
            "fail",
            "postCreateCommand: scripts/setup is not executable",
            "chmod +x scripts/setup && git update-index --chmod=+x scripts/setup",
        ),
        (
            "fail",
            "postCreateCommand: scripts/missing.sh does not exist",
            f"create scripts/missing.sh or fix postCreateCommand in {DEVC}",
        ),
        (
            "fail",
            "postStartCommand: tools/start.py does not exist",
            f"create tools/start.py or fix postStartCommand in {DEVC}",
        ),
    ]


def test_devcontainer_flags_every_key_envbuilder_ignores(roots: Roots, make_repo: MakeRepo) -> None:
    doc: dict[str, Any] = {
        "image": "debian",
        "capAdd": ["NET_ADMIN"],
        "privileged": True,
        "securityOpt": ["seccomp=unconfined"],
        "mounts": ["source=/var/run/docker.sock,target=/var/run/docker.sock,type=bind"],
        "initializeCommand": "echo host",
        "postAttachCommand": "echo attach",
        "waitFor": "postCreateCommand",
        "forwardPorts": [3000],
    }
    checks = devcontainer_checks(replace(roots, repo=_repo(make_repo, json.dumps(doc))))
    flagged = [c for c in checks if c.id == "devcontainer.ignored-key"]
    assert [(c.status, c.message) for c in flagged] == [
        ("warn", f"`{k}` is ignored by envbuilder") for k in list(doc)[1:]
    ]
    assert all(c.fix for c in flagged)


def test_devcontainer_without_image_or_dockerfile_fails(roots: Roots, make_repo: MakeRepo) -> None:
    checks = devcontainer_checks(replace(roots, repo=_repo(make_repo, '{"name": "x"}')))
    assert ("devcontainer.build", "fail") in statuses(checks)
    checks = devcontainer_checks(
        replace(roots, repo=_repo(make_repo, '{"build": {"dockerfile": "nope"}}'))
    )
    [build] = [c for c in checks if c.id == "devcontainer.build"]
    assert build.message == "Dockerfile .devcontainer/coder/nope is missing"


# ------------------------------------------------------------------------------- toolchain


def test_toolchain_checks_needed_tools(roots: Roots, make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo({"go.mod": "module example.com/m\n\ngo 1.25.5\n", "main.go": "package m\n"})
    env = fake_path(tmp_path / "bin", go="1.24.0", uv="0.9.26")
    checks = toolchain_checks(replace(roots, repo=str(repo), env=env, toolchain=True))
    by_id = {c.id: c for c in checks}
    assert by_id["toolchain.go"].status == "fail"
    assert by_id["toolchain.go"].message == (
        f"go: wanted >=1.25.5 (go.mod go line), found 1.24.0 at {tmp_path}/bin/go"
    )
    assert by_id["toolchain.go"].fix.startswith("ameide toolchain install --tool go")
    # the tool list is what the repository's ecosystems need: a Go-only repository, only go
    assert sorted(by_id) == ["toolchain.go"]


def test_toolchain_outside_a_repo_warns(roots: Roots) -> None:
    [c] = toolchain_checks(replace(roots, toolchain=True))
    assert (c.id, c.status) == ("toolchain.pins", "warn")


# ------------------------------------------------------------------------------- code-server


def test_code_server_alive(roots: Roots, code_server: Callable[[str], str]) -> None:
    url = code_server("alive")
    [c] = code_server_checks(replace(roots, code_server_url=url, now=0.0))
    assert c.status == "pass"
    assert c.message.startswith(f"{url}/healthz: alive, last heartbeat 9")


def test_code_server_expired_is_idle_not_down(
    roots: Roots, code_server: Callable[[str], str]
) -> None:
    url = code_server("expired")
    [c] = code_server_checks(replace(roots, code_server_url=url + "/", now=0.0))
    assert (c.status, c.message) == (
        "pass",
        f"{url}/healthz: up and idle (heartbeat expired, last 90 s ago)",
    )


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("zero", "up and idle (no activity since it started)"),
        ("old", "up and idle (last heartbeat 61 min ago)"),
    ],
)
def test_code_server_idle_is_a_pass(
    roots: Roots, code_server: Callable[[str], str], mode: str, message: str
) -> None:
    url = code_server(mode)
    [c] = code_server_checks(replace(roots, code_server_url=url, now=0.0))
    assert (c.status, c.message) == ("pass", f"{url}/healthz: {message}")


@pytest.mark.parametrize(
    ("mode", "detail"),
    [("no-beat", " (no lastHeartbeat)"), ("odd", " (status 'sleeping', lastHeartbeat 'soon')")],
)
def test_code_server_json_without_the_documented_shape_fails(
    roots: Roots, code_server: Callable[[str], str], mode: str, detail: str
) -> None:
    url = code_server(mode)
    [c] = code_server_checks(replace(roots, code_server_url=url))
    assert (c.status, c.message) == (
        "fail",
        f"{url}/healthz answers 200 but not code-server's health JSON{detail}",
    )


def test_code_server_502_fails_with_remedy(
    roots: Roots, code_server: Callable[[str], str], tmp_path: Path
) -> None:
    url = code_server("502")
    (tmp_path / "code-server.log").write_text("exec format error\n")
    [c] = code_server_checks(replace(roots, code_server_url=url))
    assert (c.status, c.message) == (
        "fail",
        f"{url}/healthz answers HTTP 502 (the proxy in front of code-server gets no answer "
        "from it)",
    )
    assert c.fix == (
        f"start code-server (code-server --auth none --bind-addr 127.0.0.1:{url.rsplit(':')[-1]}; "
        f"in Coder the code-server module's script does it); its log: {tmp_path}/code-server.log"
    )


def _elf(path: Path, machine: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    header = b"\x7fELF\x02\x01\x01" + b"\0" * 9 + (2).to_bytes(2, "little")
    path.write_bytes(header + machine.to_bytes(2, "little") + b"\0" * 40)


def test_code_server_cached_for_another_cpu_is_named(
    roots: Roots, code_server: Callable[[str], str], tmp_path: Path
) -> None:
    _elf(tmp_path / "cs/lib/node", 0xB7)  # aarch64
    url = code_server("502")
    [c] = code_server_checks(replace(roots, code_server_url=url))
    assert c.fix == (
        f"{tmp_path}/cs holds a code-server built for aarch64 but this machine is x86_64: "
        f"rm -rf {tmp_path}/cs and restart the workspace (the code-server module reinstalls "
        "it for this CPU)"
    )
    # the same build on a matching CPU is not blamed
    [c] = code_server_checks(replace(roots, code_server_url=url, machine="aarch64"))
    assert "built for" not in c.fix


def test_elf_machine(tmp_path: Path) -> None:
    _elf(tmp_path / "a", 0x3E)
    (tmp_path / "b").write_text("#!/bin/sh\n")
    assert elf_machine(str(tmp_path / "a")) == "x86_64"
    assert elf_machine(str(tmp_path / "b")) is None
    assert elf_machine(str(tmp_path / "missing")) is None


def test_code_server_refused(roots: Roots) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    [c] = code_server_checks(replace(roots, code_server_url=f"http://127.0.0.1:{port}"))
    assert (c.status, c.message) == (
        "fail",
        f"http://127.0.0.1:{port}/healthz: connection refused (nothing listens there)",
    )


def test_code_server_timeout(roots: Roots, code_server: Callable[[str], str]) -> None:
    url = code_server("timeout")
    [c] = code_server_checks(replace(roots, code_server_url=url, timeout=0.3))
    assert (c.status, c.message) == ("fail", f"{url}/healthz: no answer within 0.3 s")


def test_something_else_on_the_port_fails(roots: Roots, code_server: Callable[[str], str]) -> None:
    url = code_server("html")
    [c] = code_server_checks(replace(roots, code_server_url=url))
    assert (c.status, c.message) == (
        "fail",
        f"{url}/healthz answers 200 but not code-server's health JSON",
    )


def test_code_server_check_ignores_http_proxy(
    roots: Roots, code_server: Callable[[str], str]
) -> None:
    url = code_server("alive")
    env_proxy = {"http_proxy": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env_proxy.items():
            mp.setenv(k, v)
        [c] = code_server_checks(replace(roots, code_server_url=url, now=0.0))
    assert c.status == "pass"


# ------------------------------------------------------------------------------- hardening


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A short directory for unix sockets (sun_path is limited to 108 bytes)."""
    d = tempfile.mkdtemp(prefix="ws", dir="/tmp")
    yield Path(d)
    import shutil

    shutil.rmtree(d, ignore_errors=True)


def test_hardened_workspace_passes(roots: Roots) -> None:
    assert [(c.id, c.status, c.message) for c in hardening_checks(roots)] == [
        (
            "hardening.runtime-socket",
            "pass",
            "no Docker/containerd/podman socket, DOCKER_HOST unset",
        ),
        (
            "hardening.net-admin",
            "pass",
            "CAP_NET_ADMIN is in neither the effective nor the bounding set",
        ),
        ("hardening.tun", "pass", f"no {roots.dev}/net/tun"),
        ("hardening.service-account", "pass", "no Kubernetes service-account token"),
    ]


def test_runtime_socket_and_docker_host_fail(roots: Roots, short_dir: Path) -> None:
    sock_path = short_dir / "docker.sock"
    plain = short_dir / "containerd.sock"
    plain.write_text("not a socket")
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(sock_path))
        r = replace(
            roots, sockets=(str(sock_path), str(plain)), env={"DOCKER_HOST": "tcp://10.0.0.1:2375"}
        )
        checks = [c for c in hardening_checks(r) if c.id == "hardening.runtime-socket"]
    assert [(c.status, c.message) for c in checks] == [
        ("fail", f"container runtime socket {sock_path} is reachable"),
        ("fail", "$DOCKER_HOST is set (tcp://10.0.0.1:2375)"),
    ]
    assert checks[0].fix.startswith(f"remove the volume that mounts {sock_path}")


@pytest.mark.parametrize(
    ("eff", "bnd", "which"),
    [
        ("0000000000001000", "0000000000000000", "effective"),
        ("0000000000000000", "00000000a80435fb", "bounding"),
        ("000001ffffffffff", "000001ffffffffff", "effective and bounding"),
    ],
)
def test_net_admin_fails(roots: Roots, eff: str, bnd: str, which: str) -> None:
    Path(roots.proc, "self", "status").write_text(f"CapEff:\t{eff}\nCapBnd:\t{bnd}\n")
    [c] = [c for c in hardening_checks(roots) if c.id == "hardening.net-admin"]
    assert (c.status, c.message) == ("fail", f"CAP_NET_ADMIN is in the {which} capability set")
    assert 'capabilities.drop: ["ALL"]' in c.fix


def test_unreadable_status_warns(roots: Roots) -> None:
    os.unlink(os.path.join(roots.proc, "self", "status"))
    [c] = [c for c in hardening_checks(roots) if c.id == "hardening.net-admin"]
    assert c.status == "warn"


def test_tun_device_fails(roots: Roots) -> None:
    Path(roots.dev, "net").mkdir()
    Path(roots.dev, "net", "tun").write_text("")
    [c] = [c for c in hardening_checks(roots) if c.id == "hardening.tun"]
    assert (c.status, c.message) == ("fail", f"{roots.dev}/net/tun exists")


@pytest.mark.parametrize(
    ("profile", "token", "status"),
    [
        ("code", False, "pass"),
        ("code", True, "warn"),
        ("sre", True, "pass"),
        ("sre", False, "fail"),
        ("review", True, "warn"),
    ],
)
def test_service_account_token_by_profile(
    roots: Roots, profile: str, token: bool, status: str
) -> None:
    if token:
        Path(roots.service_account, "token").write_text("eyJhbGciOi.secret-token")
    checks = hardening_checks(replace(roots, profile=profile))
    [c] = [c for c in checks if c.id == "hardening.service-account"]
    assert c.status == status
    assert "secret-token" not in c.message + c.fix


# ------------------------------------------------------------------------------- profile


def _workspace(tmp_path: Path, profile: str, files: dict[str, str]) -> Path:
    from tests.conftest import git, write_files

    ws = tmp_path / "workspaces" / profile
    (ws / "repo").mkdir(parents=True)
    git(ws / "repo", "init", "-q", "-b", "main")
    write_files(ws, files)
    return ws


def test_profile_detection_is_ameide_profiles(tmp_path: Path) -> None:
    ws = _workspace(tmp_path, "sre", {"AGENTS.md": "# sre\n", "repo/README.md": "x\n"})
    env = {
        "HOME": str(tmp_path / "home"),
        "PATH": os.environ["PATH"],
        "AMEIDE_WORKSPACES_ROOT": str(tmp_path / "workspaces"),
    }
    r = Roots.from_env(str(ws / "repo"), env)
    assert (r.profile, r.workspaces) == ("sre", str(tmp_path / "workspaces"))
    assert r.profile_source == f"workspace: workspace layout {ws}"
    # the repository's .ameide/agent-profile comes first, as for `ameide profile`
    (ws / "repo" / ".ameide").mkdir()
    (ws / "repo" / ".ameide" / "agent-profile").write_text("gitops\n")
    assert Roots.from_env(str(ws / "repo"), env).profile == "gitops"
    (ws / "repo" / ".ameide" / "agent-profile").write_text("frontend\n")
    r = Roots.from_env(str(ws / "repo"), env)
    assert r.profile_error.startswith("unknown agent profile 'frontend'")
    [c] = profile_checks(r)
    assert (c.id, c.status) == ("profile.detected", "fail")


def test_profile_instructions_follow_the_stacks(
    roots: Roots,
    tmp_path: Path,
    run_cli: Callable[..., tuple[int, str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [c] = profile_checks(roots)  # outside a repository
    assert (c.id, c.status) == ("profile.instructions", "warn")
    ws = _workspace(
        tmp_path,
        "code",
        {"AGENTS.md": "# code profile\n\nRun `ameide test`.\n", "repo/AGENTS.md": "# repo\n"},
    )
    fake = replace(
        roots,
        repo=str(ws / "repo"),
        workspaces=str(tmp_path / "workspaces"),
        codex_home=str(tmp_path / "home" / ".codex"),
    )
    checks = profile_checks(fake)
    assert [(c.id, c.status) for c in checks] == [
        ("profile.instructions.codex", "fail"),
        ("profile.instructions.claude", "fail"),
    ]
    assert checks[0].message == (
        f"profile code: the code profile's instructions ({ws}/AGENTS.md) do not reach Codex in "
        f"full from here (above the project root {ws}/repo: Codex never looks above it)"
    )
    assert checks[0].fix == (
        "run `ameide agents install` (see what each agent loads: `ameide agents show`)"
    )
    # a personal ~/.codex/AGENTS.md holding anything but the profile is not the profile
    Path(fake.codex_home).mkdir(parents=True)
    Path(fake.codex_home, "AGENTS.md").write_text("# my own habits\n")
    assert profile_checks(fake)[0].status == "fail"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AMEIDE_WORKSPACES_ROOT", str(tmp_path / "workspaces"))
    code, _, err = run_cli(["agents", "install"], ws / "repo")
    assert code == 0, err
    checks = profile_checks(fake)
    assert [(c.status, c.message) for c in checks] == [
        (
            "pass",
            f"profile code: its instructions, then the repository's, reach Codex from {ws}/repo",
        ),
        (
            "pass",
            f"profile code: its instructions, then the repository's, reach Claude Code "
            f"from {ws}/repo",
        ),
    ]


# ------------------------------------------------------------------------------- codex


TOKENS = {
    "id_token": "eyJ-ID-TOKEN-SECRET",
    "access_token": "eyJ-ACCESS-TOKEN-SECRET",
    "refresh_token": "rt-REFRESH-TOKEN-SECRET",
    "account_id": "acct-SECRET",
}


def auth_doc(last_refresh: str | None = "2027-01-14T07:59:59.123456789Z") -> dict[str, Any]:
    doc: dict[str, Any] = {"OPENAI_API_KEY": None, "tokens": dict(TOKENS)}
    if last_refresh is not None:
        doc["last_refresh"] = last_refresh
    return doc


def _codex(
    roots: Roots,
    *,
    config: str | None = 'cli_auth_credentials_store = "file"\n',
    auth: dict[str, Any] | None = None,
    mode: int = 0o600,
    mounts: str | None = None,
) -> list[Check]:
    home = Path(roots.codex_home)
    if config is not None:
        (home / "config.toml").write_text(config)
    if auth is not None:
        (home / "auth.json").write_text(json.dumps(auth))
        (home / "auth.json").chmod(mode)
    if mounts is None:
        mounts = f"30 1 0:40 / {home} rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    Path(roots.proc, "self", "mountinfo").write_text(
        "22 1 0:21 / / rw,relatime - overlay overlay rw\n" + mounts
    )
    return codex_checks(roots, NOW)


def test_codex_auth_all_pass(roots: Roots) -> None:
    checks = _codex(roots, auth=auth_doc())
    home = roots.codex_home
    assert [(c.id, c.status, c.message) for c in checks] == [
        ("codex.store", "pass", f'cli_auth_credentials_store = "file" in {home}/config.toml'),
        ("codex.auth", "pass", f"{home}/auth.json holds ChatGPT tokens"),
        ("codex.mode", "pass", f"{home}/auth.json has mode 0600"),
        ("codex.writable", "pass", f"{home}/auth.json and {home} are writable"),
        ("codex.mount", "pass", f"{home}/auth.json is on a private, writable mount ({home}, ext4)"),
        ("codex.refresh", "pass", "last refresh 24 h ago"),
    ]
    text = json.dumps([c.message + c.fix for c in checks])
    assert not any(secret in text for secret in TOKENS.values())


def test_codex_missing_everything(roots: Roots) -> None:
    checks = _codex(roots, config=None)
    assert statuses(checks) == [("codex.store", "fail"), ("codex.auth", "fail")]
    assert checks[1].fix == "run `ameide codex seed` (or `codex login --device-auth`)"


def test_codex_keyring_store_and_bad_mode_fail(roots: Roots) -> None:
    checks = _codex(
        roots, config='cli_auth_credentials_store = "keyring"\n', auth=auth_doc(), mode=0o644
    )
    by_id = {c.id: c for c in checks}
    assert by_id["codex.store"].status == "fail"
    assert by_id["codex.store"].message.startswith("cli_auth_credentials_store is 'keyring'")
    assert (by_id["codex.mode"].status, by_id["codex.mode"].fix) == (
        "fail",
        f"chmod 600 {roots.codex_home}/auth.json",
    )


def test_codex_read_only_and_shared_mounts_fail(roots: Roots) -> None:
    home = roots.codex_home
    ro = f"31 1 0:41 / {home} ro,relatime - tmpfs tmpfs ro\n"
    [m] = [c for c in _codex(roots, auth=auth_doc(), mounts=ro) if c.id == "codex.mount"]
    assert (m.status, m.message) == (
        "fail",
        f"{home}/auth.json is on a read-only mount ({home}, tmpfs)",
    )
    nfs = f"32 1 0:42 / {os.path.dirname(home)} rw - nfs4 server:/homes rw,vers=4.1\n"
    [m] = [c for c in _codex(roots, auth=auth_doc(), mounts=nfs) if c.id == "codex.mount"]
    assert (m.status, m.message) == (
        "fail",
        f"{home}/auth.json is on a shared nfs4 mount ({os.path.dirname(home)})",
    )


def test_codex_old_or_missing_refresh_warns(roots: Roots) -> None:
    [r] = [
        c for c in _codex(roots, auth=auth_doc("2026-12-01T00:00:00Z")) if c.id == "codex.refresh"
    ]
    assert (r.status, r.message) == ("warn", "last refresh 45 d ago (Codex refreshes after 8 d)")
    [r] = [c for c in _codex(roots, auth=auth_doc(None)) if c.id == "codex.refresh"]
    assert r.status == "warn"


def test_codex_unparseable_auth_fails_without_quoting_it(roots: Roots) -> None:
    Path(roots.codex_home, "auth.json").write_text('{"tokens": "SECRET-IN-BROKEN-FILE"')
    checks = _codex(roots)
    [a] = [c for c in checks if c.id == "codex.auth"]
    assert (a.status, a.message) == ("fail", f"{roots.codex_home}/auth.json is not valid JSON")
    assert "SECRET" not in json.dumps([c.message + c.fix for c in checks])


def test_mount_of_picks_the_longest_prefix(tmp_path: Path) -> None:
    (tmp_path / "self").mkdir()
    (tmp_path / "self/mountinfo").write_text(
        "1 0 0:1 / / rw - overlay overlay rw\n"
        "2 1 0:2 / /home rw - ext4 /dev/a rw\n"
        "3 2 0:3 / /home/u\\040x ro - tmpfs tmpfs ro\n"
        "garbage line\n"
    )
    assert mount_of("/home/u x/f", str(tmp_path)) == ("/home/u x", "tmpfs", {"ro"})
    assert mount_of("/home/ux/f", str(tmp_path))[:2] == ("/home", "ext4")  # type: ignore[index]
    assert mount_of("/etc/x", str(tmp_path))[:2] == ("/", "overlay")  # type: ignore[index]
    assert mount_of("/x", str(tmp_path / "nope")) is None


# ------------------------------------------------------------------------------- everything


def test_run_checks_orders_groups(roots: Roots) -> None:
    report = run_checks(roots)
    groups = list(dict.fromkeys(c.group for c in report.checks))
    assert groups == ["devcontainer", "code-server", "hardening", "profile", "codex"]
    assert not report.ok and report.count("fail") >= 3


# ------------------------------------------------------------------------------- CLI


def test_cli_workspace_check_exact_output(
    run_cli: Callable[..., tuple[int, str, str]],
    roots: Roots,
    make_repo: MakeRepo,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = _repo(make_repo, '{"image": "debian", "forwardPorts": [3000]}')
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    fake = replace(roots, repo=repo, code_server_url=f"http://127.0.0.1:{port}")
    _codex(fake, auth=auth_doc())
    Path(fake.workspaces, "code").mkdir()
    Path(fake.workspaces, "code", "AGENTS.md").write_text("# code\n")
    monkeypatch.setattr(Roots, "from_env", classmethod(lambda cls, cwd, env: fake))
    code, out, err = run_cli(["workspace", "check"], Path(repo))
    home = fake.codex_home
    shipped = Path(builtin_dir()) / "code" / "AGENTS.md"
    assert (code, err) == (1, "")
    assert out == (
        f"PASS  devcontainer  {DEVC} is valid JSON with comments\n"
        "PASS  devcontainer  image debian\n"
        "WARN  devcontainer  `forwardPorts` is ignored by envbuilder\n"
        "                    fix: use coder_app resources (or `coder port-forward`) instead\n"
        f"FAIL  code-server   http://127.0.0.1:{port}/healthz: connection refused (nothing "
        "listens there)\n"
        f"                    fix: start code-server (code-server --auth none --bind-addr "
        f"127.0.0.1:{port}; in Coder the code-server module's script does it)\n"
        "PASS  hardening     no Docker/containerd/podman socket, DOCKER_HOST unset\n"
        "PASS  hardening     CAP_NET_ADMIN is in neither the effective nor the bounding set\n"
        f"PASS  hardening     no {fake.dev}/net/tun\n"
        "PASS  hardening     no Kubernetes service-account token\n"
        f"FAIL  profile       profile code: the code profile's instructions ({shipped}) do not "
        "reach Codex in full from here\n"
        "                    fix: run `ameide agents install` (see what each agent loads: "
        "`ameide agents show`)\n"
        f"FAIL  profile       profile code: the code profile's instructions ({shipped}) do not "
        "reach Claude Code in full from here\n"
        "                    fix: run `ameide agents install` (see what each agent loads: "
        "`ameide agents show`)\n"
        f'PASS  codex         cli_auth_credentials_store = "file" in {home}/config.toml\n'
        f"PASS  codex         {home}/auth.json holds ChatGPT tokens\n"
        f"PASS  codex         {home}/auth.json has mode 0600\n"
        f"PASS  codex         {home}/auth.json and {home} are writable\n"
        f"PASS  codex         {home}/auth.json is on a private, writable mount ({home}, ext4)\n"
        "PASS  codex         last refresh 24 h ago\n"
        "workspace check FAILED: 12 pass, 1 warn, 3 fail (profile code)\n"
    )
    code, out, _ = run_cli(["workspace", "check", "--json"], Path(repo))
    doc = json.loads(out)
    assert (code, doc["schema"], doc["ok"], doc["counts"]) == (
        1,
        1,
        False,
        {"pass": 12, "warn": 1, "fail": 3},
    )
    assert doc["checks"][2] == {
        "id": "devcontainer.ignored-key",
        "group": "devcontainer",
        "status": "warn",
        "message": "`forwardPorts` is ignored by envbuilder",
        "fix": "use coder_app resources (or `coder port-forward`) instead",
    }
    assert not any(v in out for v in TOKENS.values())


def test_roots_from_env_honours_overrides(tmp_path: Path, make_repo: MakeRepo) -> None:
    repo = make_repo({"ameide.toml": '[workspace]\ncode_server_url = "http://127.0.0.1:8080"\n'})
    env = {"HOME": str(tmp_path), "XDG_RUNTIME_DIR": "/run/user/1000", "PATH": os.environ["PATH"]}
    r = Roots.from_env(str(repo), env)
    assert (r.repo, r.code_server_url, r.codex_home, r.profile) == (
        str(repo),
        "http://127.0.0.1:8080",
        f"{tmp_path}/.codex",
        "code",
    )
    assert "/run/user/1000/docker.sock" in r.sockets
    assert f"{tmp_path}/.local/lib/code-server-*" in r.code_server_dirs
    env |= {
        "AMEIDE_CODE_SERVER_URL": "http://127.0.0.1:1",
        "CODEX_HOME": "/x/codex",
        "AMEIDE_AGENT_PROFILE": "sre",
    }
    r = Roots.from_env(str(tmp_path), env)
    assert (r.repo, r.code_server_url, r.codex_home, r.profile) == (
        None,
        "http://127.0.0.1:1",
        "/x/codex",
        "sre",
    )
    assert r.repo_error.startswith("not a git repository")
