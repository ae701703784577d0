"""`ameide workspace check`: the workspace contract, one Check record per finding.

Groups, in order: devcontainer, toolchain, code-server, hardening, profile, codex. Every path
and URL the checks read comes from `Roots`, so tests point them at temporary directories and a
local stand-in server. Nothing here prints, and nothing here reads a credential's content
beyond the fields it reports on (`last_refresh`, which kind of credential).
"""

from __future__ import annotations

import os
import shlex
import stat
import time
from typing import TYPE_CHECKING, Any

from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ameide.agents.stack import AgentEnv
    from ameide.config import Config

DEVCONTAINER = ".devcontainer/coder/devcontainer.json"
DEFAULT_CODE_SERVER_URL = "http://127.0.0.1:13337"
DEFAULT_PROFILE = "code"
SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
CAP_NET_ADMIN = 12
RUNTIME_SOCKETS = (
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
    "/run/k3s/containerd/containerd.sock",
    "/run/podman/podman.sock",
    "/var/run/podman/podman.sock",
    "/run/crio/crio.sock",
    "/var/run/crio/crio.sock",
)
# the Coder code-server module installs into /tmp/code-server; code-server's install.sh
# into ~/.local/lib/code-server-<version>
CODE_SERVER_DIRS = ("/tmp/code-server", "~/.local/lib/code-server-*", "/usr/lib/code-server")
CODE_SERVER_LOG = "/tmp/code-server.log"
# code-server answers "alive" while its heartbeat (activity other than /healthz) is recent;
# an older heartbeat, "expired" or 0 (no use since it started) is an idle server, not a fault
IDLE_AFTER = 300.0
LIFECYCLE_KEYS = (
    "onCreateCommand",
    "updateContentCommand",
    "postCreateCommand",
    "postStartCommand",
)
# keys envbuilder does not act on, with what to do instead
IGNORED_KEYS = {
    "capAdd": "drop it; capabilities come from the pod securityContext in the Coder template "
    "(and NET_ADMIN must stay out)",
    "privileged": "drop it; a privileged pod is set (and must not be) in the Coder template",
    "securityOpt": "drop it; set the pod securityContext in the Coder template instead",
    "mounts": "declare volumes and volumeMounts in the Coder template's pod spec instead",
    "initializeCommand": "move it to onCreateCommand (envbuilder has no host side to run it)",
    "postAttachCommand": "move it to postStartCommand",
    "waitFor": "drop it; envbuilder runs the lifecycle commands in order",
    "forwardPorts": "use coder_app resources (or `coder port-forward`) instead",
}
_INTERPRETERS = {"sh", "bash", "zsh", "dash", "python", "python3", "node", "ruby", "perl"}
NETWORK_FS = {
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "ceph",
    "glusterfs",
    "lustre",
    "gpfs",
    "beegfs",
    "afs",
    "fuse.sshfs",
    "fuse.s3fs",
    "fuse.gcsfuse",
    "fuse.rclone",
    "fuse.juicefs",
    "fuse.glusterfs",
    "fuse.goofys",
    "fuse.mountpoint-s3",
}


@record
class Check:
    id: str  # stable, e.g. "hardening.net-admin"
    group: str  # devcontainer | toolchain | code-server | hardening | profile | codex
    status: str  # pass | warn | fail
    message: str
    fix: str = ""


@record
class WorkspaceReport:
    profile: str
    checks: tuple[Check, ...]

    def count(self, status: str) -> int:
        return sum(1 for c in self.checks if c.status == status)

    @property
    def ok(self) -> bool:
        return self.count("fail") == 0


@record
class Roots:
    """Everything the checks look at; `from_env` gives the real ones."""

    repo: str | None  # the checkout (git root); None outside a repository
    env: dict[str, str]
    proc: str = "/proc"
    dev: str = "/dev"
    sockets: tuple[str, ...] = RUNTIME_SOCKETS
    workspaces: str = "/workspaces"
    codex_home: str = ""
    code_server_url: str = DEFAULT_CODE_SERVER_URL
    code_server_dirs: tuple[str, ...] = CODE_SERVER_DIRS
    code_server_log: str = CODE_SERVER_LOG
    service_account: str = SERVICE_ACCOUNT
    profile: str = DEFAULT_PROFILE
    machine: str = ""  # this machine's CPU (platform.machine())
    timeout: float = 3.0  # seconds for the code-server request
    now: float = 0.0  # epoch seconds (0: the current time)
    toolchain: bool = True  # run the toolchain checks (they start processes)
    repo_error: str = ""  # why `repo` is None
    profile_source: str = ""  # how the profile was chosen (`ameide profile`'s detection)
    profile_error: str = ""  # why no profile could be chosen
    agents: AgentEnv | None = None  # the agents' homes (default: from `env`)

    @classmethod
    def from_env(cls, cwd: str, env: Mapping[str, str], **overrides: Any) -> Roots:
        """The real roots; `$AMEIDE_CODE_SERVER_URL`, `[workspace] code_server_url`,
        `$CODEX_HOME`, `$XDG_RUNTIME_DIR` are honoured, and the profile is chosen as
        `ameide profile` chooses it (`.ameide/agent-profile`, `$AMEIDE_AGENT_PROFILE`, the
        `$AMEIDE_WORKSPACES_ROOT` layout, a `-gitops` name, else code)."""
        import platform

        from ameide.agents.detect import detect, find_roots, workspaces_root
        from ameide.errors import AmeideError
        from ameide.workspace.codex import codex_home

        repo, config, repo_error = repo_config(cwd, env)
        sockets = list(RUNTIME_SOCKETS)
        runtime = env.get("XDG_RUNTIME_DIR")
        if runtime:
            sockets += [
                os.path.join(runtime, "docker.sock"),
                os.path.join(runtime, "podman", "podman.sock"),
            ]
        url = (
            env.get("AMEIDE_CODE_SERVER_URL")
            or (config.workspace.get("code_server_url") if config else None)
            or DEFAULT_CODE_SERVER_URL
        )
        home = env.get("HOME") or os.path.expanduser("~")
        dirs = tuple(d.replace("~", home, 1) if d.startswith("~") else d for d in CODE_SERVER_DIRS)
        try:
            d = detect(find_roots(repo or cwd), env)
            profile, source, problem = d.profile.name, f"{d.source}: {d.detail}", ""
        except AmeideError as exc:
            profile = (env.get("AMEIDE_AGENT_PROFILE") or "").strip() or DEFAULT_PROFILE
            source, problem = "", exc.message + (f" ({exc.hint})" if exc.hint else "")
        values: dict[str, Any] = {
            "repo": repo,
            "env": dict(env),
            "sockets": tuple(sockets),
            "codex_home": codex_home(env),
            "code_server_url": url,
            "code_server_dirs": dirs,
            "profile": profile,
            "profile_source": source,
            "profile_error": problem,
            "workspaces": workspaces_root(env),
            "machine": platform.machine(),
            "repo_error": repo_error,
        }
        values.update(overrides)
        return cls(**values)


def repo_config(cwd: str, env: Mapping[str, str]) -> tuple[str | None, Config | None, str]:
    """(git root, ameide.toml, "") inside a repository, else (None, None, why not)."""
    from ameide import vcs
    from ameide.config import load
    from ameide.errors import AmeideError

    try:
        r = vcs.open_repo(cwd, env)
        return r.git_root, load(r.root), ""
    except AmeideError as exc:
        return None, None, exc.message


def run_checks(roots: Roots) -> WorkspaceReport:
    """Every check of the workspace contract, in a stable order."""
    now = roots.now or time.time()
    checks: list[Check] = []
    checks += devcontainer_checks(roots)
    checks += toolchain_checks(roots)
    checks += code_server_checks(roots)
    checks += hardening_checks(roots)
    checks += profile_checks(roots)
    checks += codex_checks(roots, now)
    return WorkspaceReport(roots.profile, tuple(checks))


# ----------------------------------------------------------------------------- devcontainer


def devcontainer_checks(roots: Roots) -> list[Check]:
    from ameide.workspace import jsonc

    g = "devcontainer"
    if roots.repo is None:
        return [
            Check(
                "devcontainer.present",
                g,
                "warn",
                f"not inside a repository ({roots.repo_error})",
                "run `ameide workspace check` from the workspace's checkout",
            )
        ]
    path = os.path.join(roots.repo, DEVCONTAINER)
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        return [
            Check(
                "devcontainer.present",
                g,
                "fail",
                f"{DEVCONTAINER} is missing",
                f"add {DEVCONTAINER}: the image and lifecycle scripts the Coder template "
                "builds with envbuilder (docs/workspace.md)",
            )
        ]
    except (OSError, UnicodeDecodeError) as exc:
        return [
            Check(
                "devcontainer.present",
                g,
                "fail",
                f"{DEVCONTAINER} is unreadable: {exc}",
                f"make {DEVCONTAINER} a readable UTF-8 file",
            )
        ]
    try:
        doc = jsonc.loads(text)
    except jsonc.JsoncError as exc:
        return [
            Check(
                "devcontainer.valid",
                g,
                "fail",
                f"{DEVCONTAINER}: {exc}",
                "fix the syntax (JSON with // and /* */ comments and trailing commas)",
            )
        ]
    if not isinstance(doc, dict):
        return [
            Check(
                "devcontainer.valid",
                g,
                "fail",
                f"{DEVCONTAINER}: not a JSON object",
                'the file must hold one object: {"image": ..., ...}',
            )
        ]
    out = [Check("devcontainer.valid", g, "pass", f"{DEVCONTAINER} is valid JSON with comments")]
    out += _build_check(roots.repo, doc)
    scripts = _lifecycle_scripts(roots.repo, doc)
    for key, shown, full, via_interpreter in scripts:
        if not os.path.isfile(full):
            out.append(
                Check(
                    "devcontainer.script",
                    g,
                    "fail",
                    f"{key}: {shown} does not exist",
                    f"create {shown} or fix {key} in {DEVCONTAINER}",
                )
            )
        elif not via_interpreter and not os.access(full, os.X_OK):
            out.append(
                Check(
                    "devcontainer.script",
                    g,
                    "fail",
                    f"{key}: {shown} is not executable",
                    f"chmod +x {shown} && git update-index --chmod=+x {shown}",
                )
            )
        else:
            how = "exists" if via_interpreter else "exists and is executable"
            out.append(Check("devcontainer.script", g, "pass", f"{key}: {shown} {how}"))
    ignored = [k for k in IGNORED_KEYS if k in doc]
    for k in ignored:
        out.append(
            Check(
                "devcontainer.ignored-key",
                g,
                "warn",
                f"`{k}` is ignored by envbuilder",
                IGNORED_KEYS[k],
            )
        )
    if not ignored:
        out.append(Check("devcontainer.ignored-key", g, "pass", "no keys that envbuilder ignores"))
    return out


def _build_check(repo: str, doc: dict[str, Any]) -> list[Check]:
    build = doc.get("build") if isinstance(doc.get("build"), dict) else {}
    assert isinstance(build, dict)
    dockerfile = build.get("dockerfile") or doc.get("dockerFile")
    if not isinstance(dockerfile, str):
        if isinstance(doc.get("image"), str):
            return [Check("devcontainer.build", "devcontainer", "pass", f"image {doc['image']}")]
        return [
            Check(
                "devcontainer.build",
                "devcontainer",
                "fail",
                "neither `image` nor `build.dockerfile` is set",
                "set `image` or `build.dockerfile` in " + DEVCONTAINER,
            )
        ]
    base = os.path.dirname(os.path.join(repo, DEVCONTAINER))
    full = os.path.normpath(os.path.join(base, dockerfile))
    shown = os.path.relpath(full, repo)
    if os.path.isfile(full):
        return [Check("devcontainer.build", "devcontainer", "pass", f"Dockerfile {shown} exists")]
    return [
        Check(
            "devcontainer.build",
            "devcontainer",
            "fail",
            f"Dockerfile {shown} is missing",
            f"create {shown} or fix build.dockerfile (relative to {DEVCONTAINER})",
        )
    ]


def _commands(value: object) -> list[list[str]]:
    """The argv lists of one lifecycle value (string: a shell line; list: an argv; object:
    named commands of either kind)."""
    if isinstance(value, str):
        try:
            lex = shlex.shlex(value, posix=True, punctuation_chars=True)
            lex.whitespace_split = True
            tokens = list(lex)
        except ValueError:
            return []
        out: list[list[str]] = [[]]
        for t in tokens:
            if t and all(ch in "();<>|&" for ch in t):
                out.append([])
            else:
                out[-1].append(t)
        return [c for c in out if c]
    if isinstance(value, list):
        return [[str(v) for v in value]] if value else []
    if isinstance(value, dict):
        return [c for v in value.values() for c in _commands(v)]
    return []


def _lifecycle_scripts(repo: str, doc: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    """(key, path as written, full path, run through an interpreter?) per script named."""
    out = []
    seen = set()
    for key in LIFECYCLE_KEYS:
        for argv in _commands(doc.get(key)):
            while argv and "=" in argv[0] and not argv[0].startswith(("/", ".")):
                argv = argv[1:]  # FOO=bar cmd
            if not argv:
                continue
            exe = os.path.basename(argv[0])
            via = exe in _INTERPRETERS
            if via:
                rest = [a for a in argv[1:] if not a.startswith("-")]
                if "-c" in argv[1:] or not rest:
                    continue  # inline code, not a script
                script = rest[0]
            elif "/" in argv[0] and exe != "env":
                script = argv[0]
            else:
                continue  # a command from PATH
            for var in ("${containerWorkspaceFolder}", "${localWorkspaceFolder}"):
                script = script.replace(var, repo)
            full = os.path.normpath(os.path.join(repo, script))
            if (key, full) in seen:
                continue
            seen.add((key, full))
            shown = os.path.relpath(full, repo) if full.startswith(repo + os.sep) else full
            out.append((key, shown, full, via))
    return out


# ----------------------------------------------------------------------------- toolchain


def toolchain_checks(roots: Roots) -> list[Check]:
    g = "toolchain"
    if not roots.toolchain:
        return []
    if roots.repo is None:
        return [
            Check(
                "toolchain.pins",
                g,
                "warn",
                f"pins unknown: not inside a repository ({roots.repo_error})",
                "run `ameide workspace check` from the workspace's checkout",
            )
        ]
    from ameide.errors import AmeideError
    from ameide.workspace.toolchain import inspect

    try:
        report = inspect(roots.repo, roots.env)
    except AmeideError as exc:
        return [Check("toolchain.pins", g, "fail", exc.message, exc.hint or "")]
    out = []
    for s in report.statuses:
        where = f" at {s.path}" if s.path else ""
        if not s.needed:
            found = f"{s.found}{where}" if s.found else "not installed"
            out.append(
                Check(
                    f"toolchain.{s.tool}",
                    g,
                    "pass",
                    f"{s.tool}: not needed by this repository ({found})",
                )
            )
        elif s.ok:
            out.append(
                Check(
                    f"toolchain.{s.tool}",
                    g,
                    "pass",
                    f"{s.tool} {s.found}{where} (wanted {s.label}, {s.source})",
                )
            )
        else:
            have = f"found {s.found}{where}" if s.found else "not found on PATH"
            out.append(
                Check(
                    f"toolchain.{s.tool}",
                    g,
                    "fail",
                    f"{s.tool}: wanted {s.label} ({s.source}), {have}",
                    s.fix,
                )
            )
    return out


# ----------------------------------------------------------------------------- code-server


def code_server_checks(roots: Roots) -> list[Check]:
    import json
    import socket
    import urllib.error
    import urllib.request

    g = "code-server"
    url = roots.code_server_url.rstrip("/") + "/healthz"
    # a loopback health check must not go through $HTTP_PROXY
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    status: int | None = None
    body = b""
    problem = ""
    try:
        with opener.open(url, timeout=roots.timeout) as resp:
            status = resp.status
            body = resp.read(65536)
    except urllib.error.HTTPError as exc:
        status = exc.code
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, ConnectionRefusedError):
            problem = "refused"
        elif isinstance(reason, (TimeoutError, socket.timeout)):
            problem = "timeout"
        else:
            problem = f"error: {reason}"
    except TimeoutError:
        problem = "timeout"
    except (OSError, ValueError) as exc:
        problem = f"error: {exc}"
    if status == 200:
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        state = doc.get("status") if isinstance(doc, dict) else None
        beat = doc.get("lastHeartbeat") if isinstance(doc, dict) else None
        if state in ("alive", "expired") and _is_number(beat):
            assert isinstance(beat, (int, float))
            from ameide.workspace.codex import age

            now = roots.now or time.time()
            ago = now - beat / 1000
            if beat <= 0:
                what = "up and idle (no activity since it started)"
            elif state == "expired":
                what = f"up and idle (heartbeat expired, last {age(ago)} ago)"
            elif ago > IDLE_AFTER:
                what = f"up and idle (last heartbeat {age(ago)} ago)"
            else:
                what = f"alive, last heartbeat {age(ago)} ago"
            return [Check("code-server.health", g, "pass", f"{url}: {what}")]
        what = f"{url} answers 200 but not code-server's health JSON"
        if isinstance(doc, dict) and ("status" in doc or "lastHeartbeat" in doc):
            gaps = [f"no {k}" for k in ("status", "lastHeartbeat") if k not in doc]
            if "status" in doc and state not in ("alive", "expired"):
                gaps.append(f"status {state!r}")
            if "lastHeartbeat" in doc and not _is_number(beat):
                gaps.append(f"lastHeartbeat {beat!r}")
            what += f" ({', '.join(gaps)})"
        return [
            Check(
                "code-server.health",
                g,
                "fail",
                what,
                f"another program holds the port; free it for code-server "
                f"({_listen_hint(roots.code_server_url)})",
            )
        ]
    if status is not None:
        what = f"{url} answers HTTP {status}"
        if status == 502:
            what += " (the proxy in front of code-server gets no answer from it)"
    elif problem == "refused":
        what = f"{url}: connection refused (nothing listens there)"
    elif problem == "timeout":
        what = f"{url}: no answer within {roots.timeout:g} s"
    else:
        what = f"{url}: {problem}"
    return [Check("code-server.health", g, "fail", what, _code_server_fix(roots))]


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _listen_hint(base: str) -> str:
    import urllib.parse

    u = urllib.parse.urlsplit(base)
    return f"code-server --auth none --bind-addr {u.hostname or '127.0.0.1'}:{u.port or 80}"


def elf_machine(path: str) -> str | None:
    """The CPU an ELF executable is built for (`x86_64`, `aarch64`, ...); None if not ELF."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(20)
    except OSError:
        return None
    if len(head) < 20 or head[:4] != b"\x7fELF":
        return None
    code = int.from_bytes(head[18:20], "little" if head[5] == 1 else "big")
    return {0x3E: "x86_64", 0xB7: "aarch64", 0x28: "arm", 0x03: "i386", 0xF3: "riscv64"}.get(
        code, f"machine {code:#x}"
    )


def _norm_arch(m: str) -> str:
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(m.lower(), m.lower())


def _code_server_fix(roots: Roots) -> str:
    """The known remedies, most specific first: a cached build for another CPU, the log."""
    import glob

    for pattern in roots.code_server_dirs:
        for d in sorted(glob.glob(pattern)):
            for exe in ("lib/node", "bin/code-server"):
                arch = elf_machine(os.path.join(d, exe))
                if arch and roots.machine and _norm_arch(arch) != _norm_arch(roots.machine):
                    return (
                        f"{d} holds a code-server built for {arch} but this machine is "
                        f"{roots.machine}: rm -rf {d} and restart the workspace (the "
                        "code-server module reinstalls it for this CPU)"
                    )
    log = f"; its log: {roots.code_server_log}" if os.path.isfile(roots.code_server_log) else ""
    return (
        f"start code-server ({_listen_hint(roots.code_server_url)}; in Coder the "
        f"code-server module's script does it){log}"
    )


# ----------------------------------------------------------------------------- hardening


def hardening_checks(roots: Roots) -> list[Check]:
    g = "hardening"
    out: list[Check] = []
    found = []
    for p in roots.sockets:
        try:
            if stat.S_ISSOCK(os.stat(p).st_mode):
                found.append(p)
        except OSError:
            continue
    for p in found:
        out.append(
            Check(
                "hardening.runtime-socket",
                g,
                "fail",
                f"container runtime socket {p} is reachable",
                f"remove the volume that mounts {p} from the pod spec: a runtime "
                "socket is root on the node",
            )
        )
    for var in ("DOCKER_HOST", "CONTAINER_HOST"):
        if roots.env.get(var):
            out.append(
                Check(
                    "hardening.runtime-socket",
                    g,
                    "fail",
                    f"${var} is set ({roots.env[var]})",
                    f"unset {var} in the Coder template: the workspace must not "
                    "reach a container daemon",
                )
            )
    if not out:
        out.append(
            Check(
                "hardening.runtime-socket",
                g,
                "pass",
                "no Docker/containerd/podman socket, DOCKER_HOST unset",
            )
        )
    out.append(_net_admin(roots))
    tun = os.path.join(roots.dev, "net", "tun")
    if os.path.exists(tun):
        out.append(
            Check(
                "hardening.tun",
                g,
                "fail",
                f"{tun} exists",
                "remove the /dev/net/tun device (hostPath volume or device plugin) "
                "from the pod spec",
            )
        )
    else:
        out.append(Check("hardening.tun", g, "pass", f"no {tun}"))
    out.append(_service_account(roots))
    return out


def _net_admin(roots: Roots) -> Check:
    g = "hardening"
    path = os.path.join(roots.proc, "self", "status")
    caps: dict[str, int] = {}
    try:
        with open(path, encoding="ascii", errors="replace") as fh:
            for line in fh:
                name, _, value = line.partition(":")
                if name in ("CapEff", "CapBnd"):
                    caps[name] = int(value.strip(), 16)
    except (OSError, ValueError):
        pass
    if len(caps) < 2:
        return Check(
            "hardening.net-admin",
            g,
            "warn",
            f"cannot read CapEff/CapBnd in {path}",
            "run the check on Linux with /proc mounted",
        )
    sets = [n for n in ("CapEff", "CapBnd") if caps[n] >> CAP_NET_ADMIN & 1]
    if sets:
        names = " and ".join({"CapEff": "effective", "CapBnd": "bounding"}[s] for s in sets)
        return Check(
            "hardening.net-admin",
            g,
            "fail",
            f"CAP_NET_ADMIN is in the {names} capability set",
            'drop it in the Coder template: securityContext.capabilities.drop: ["ALL"] '
            "(devcontainer capAdd is ignored by envbuilder)",
        )
    return Check(
        "hardening.net-admin",
        g,
        "pass",
        "CAP_NET_ADMIN is in neither the effective nor the bounding set",
    )


def _service_account(roots: Roots) -> Check:
    """The code profile needs no cluster credentials (a token is a warning); the sre profile
    needs one (its absence is a failure); other profiles: reported as a warning."""
    g = "hardening"
    token = os.path.join(roots.service_account, "token")
    present = os.path.isfile(token)
    if roots.profile == "sre":
        if present:
            return Check(
                "hardening.service-account",
                g,
                "pass",
                f"Kubernetes service-account token mounted ({token}) for profile sre",
            )
        return Check(
            "hardening.service-account",
            g,
            "fail",
            f"no Kubernetes service-account token at {token} (profile sre needs one)",
            "set automountServiceAccountToken: true and a service account with the "
            "sre role in the Coder template",
        )
    if present:
        return Check(
            "hardening.service-account",
            g,
            "warn",
            f"Kubernetes service-account token mounted at {token} "
            f"(profile {roots.profile} needs no cluster credentials)",
            "set automountServiceAccountToken: false in the Coder template's pod spec",
        )
    return Check("hardening.service-account", g, "pass", "no Kubernetes service-account token")


# ----------------------------------------------------------------------------- profile


def profile_checks(roots: Roots) -> list[Check]:
    """The profile `ameide profile` chooses here, and whether its instructions, then the
    repository's own, reach each agent from the checkout (the stacks `ameide agents show`
    resolves, not "a file exists")."""
    from ameide.agents.detect import Detected, find_roots, layout
    from ameide.agents.install import profile_text
    from ameide.agents.profiles import load
    from ameide.agents.stack import AgentEnv, Expected, claude_stack, codex_stack
    from ameide.errors import AmeideError

    g = "profile"
    name = roots.profile
    if roots.profile_error or not name or "/" in name or name.startswith("."):
        return [
            Check(
                "profile.detected",
                g,
                "fail",
                roots.profile_error or f"{name!r} is not a profile name",
                "set AMEIDE_AGENT_PROFILE to a profile such as code or sre, or fix "
                ".ameide/agent-profile (`ameide profile` shows how it was chosen)",
            )
        ]
    if roots.repo is None:
        return [
            Check(
                "profile.instructions",
                g,
                "warn",
                f"profile {name}: not inside a repository, so what the agents load cannot be "
                "resolved",
                "run `ameide workspace check` from the checkout",
            )
        ]
    env = {**roots.env, "AMEIDE_WORKSPACES_ROOT": roots.workspaces}
    try:
        profile = load(name, env)
    except AmeideError as exc:
        return [Check("profile.detected", g, "fail", exc.message, exc.hint or "")]
    where = find_roots(roots.repo)
    found = layout(where, env)
    ws = found[1] if found and found[0] == name else None
    detected = Detected(profile, roots.profile_source or "given", "", ws, where)
    pt = profile_text(detected)
    expected = Expected(f"{name} profile", pt.path, pt.text, where.git_root)
    aenv = roots.agents or _with_codex_home(AgentEnv.from_env(roots.env), roots.codex_home)
    out = []
    for agent, fn, label in (
        ("codex", codex_stack, "Codex"),
        ("claude", claude_stack, "Claude Code"),
    ):
        st = fn(roots.repo, aenv, expected)
        reach = st.reach
        if reach is not None and reach.ok:
            repo_part = ", then the repository's," if reach.repo_file else ""
            out.append(
                Check(
                    f"profile.instructions.{agent}",
                    g,
                    "pass",
                    f"profile {name}: its instructions{repo_part} reach {label} from {roots.repo}",
                )
            )
        else:
            problems = "; ".join(reach.problems) if reach else "not resolved"
            out.append(
                Check(
                    f"profile.instructions.{agent}",
                    g,
                    "fail",
                    f"profile {name}: {problems}".replace("; run `ameide agents install`", ""),
                    "run `ameide agents install` (see what each agent loads: `ameide agents show`)",
                )
            )
    return out


def _with_codex_home(aenv: AgentEnv, codex_home: str) -> AgentEnv:
    from ameide.records import replace

    return replace(aenv, codex_home=codex_home) if codex_home else aenv


# ----------------------------------------------------------------------------- codex


def mount_of(path: str, proc: str) -> tuple[str, str, set[str]] | None:
    """(mount point, fs type, options) of the mount holding `path`, from mountinfo."""
    try:
        with open(os.path.join(proc, "self", "mountinfo"), encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    best: tuple[str, str, set[str]] | None = None
    target = os.path.realpath(path)
    for line in lines:
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        f = left.split()
        r = right.split()
        if len(f) < 6 or len(r) < 3:
            continue
        point = f[4].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
        opts = set(f[5].split(",")) | set(r[2].split(","))
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) >= len(best[0])):
            best = (point, r[0], opts)
    return best


def codex_checks(roots: Roots, now: float) -> list[Check]:
    import tomllib

    from ameide.workspace.codex import REFRESH_DAYS, STORE_KEY, age, parse_time, read_credential

    g = "codex"
    home = roots.codex_home
    cfg = os.path.join(home, "config.toml")
    out: list[Check] = []
    seed_fix = "run `ameide codex seed` (or `codex login --device-auth`)"
    try:
        with open(cfg, "rb") as fh:
            store = tomllib.load(fh).get(STORE_KEY)
        if store == "file":
            out.append(Check("codex.store", g, "pass", f'{STORE_KEY} = "file" in {cfg}'))
        else:
            out.append(
                Check(
                    "codex.store",
                    g,
                    "fail",
                    f'{STORE_KEY} is {store!r} in {cfg}, not "file"',
                    "run `ameide codex seed` (it sets the key and keeps the rest)",
                )
            )
    except FileNotFoundError:
        out.append(
            Check(
                "codex.store",
                g,
                "fail",
                f"{cfg} is missing",
                "run `ameide codex seed` (it writes the file credential store)",
            )
        )
    except (OSError, tomllib.TOMLDecodeError) as exc:
        out.append(
            Check("codex.store", g, "fail", f"{cfg} is not valid TOML: {exc}", f"fix {cfg} by hand")
        )
    auth = os.path.join(home, "auth.json")
    try:
        st = os.stat(auth)
    except OSError:
        out.append(Check("codex.auth", g, "fail", f"{auth} is missing", seed_fix))
        return out
    doc, why = read_credential(auth)
    if doc is None:
        out.append(Check("codex.auth", g, "fail", f"{auth} is {why}", seed_fix))
    else:
        from ameide.workspace.codex import credential_kind

        out.append(Check("codex.auth", g, "pass", f"{auth} holds {credential_kind(doc)}"))
    mode = st.st_mode & 0o777
    if mode == 0o600:
        out.append(Check("codex.mode", g, "pass", f"{auth} has mode 0600"))
    else:
        out.append(
            Check(
                "codex.mode",
                g,
                "fail",
                f"{auth} has mode {mode:04o}, not 0600",
                f"chmod 600 {auth}",
            )
        )
    if os.access(auth, os.W_OK) and os.access(home, os.W_OK):
        out.append(Check("codex.writable", g, "pass", f"{auth} and {home} are writable"))
    else:
        out.append(
            Check(
                "codex.writable",
                g,
                "fail",
                f"{auth} or {home} is not writable (Codex cannot save refreshed tokens)",
                f"give the workspace user {home}: chown -R $(id -u) {home}",
            )
        )
    m = mount_of(auth, roots.proc)
    if m is None:
        out.append(
            Check(
                "codex.mount",
                g,
                "warn",
                "cannot read the mount table",
                f"check that {home} is on a private, writable volume",
            )
        )
    else:
        point, fstype, opts = m
        if "ro" in opts:
            out.append(
                Check(
                    "codex.mount",
                    g,
                    "fail",
                    f"{auth} is on a read-only mount ({point}, {fstype})",
                    "do not mount the secret as CODEX_HOME; mount it elsewhere and run "
                    "`ameide codex seed` to copy it into a writable CODEX_HOME",
                )
            )
        elif fstype in NETWORK_FS:
            out.append(
                Check(
                    "codex.mount",
                    g,
                    "fail",
                    f"{auth} is on a shared {fstype} mount ({point})",
                    "keep CODEX_HOME on the workspace's own volume: two workspaces "
                    "sharing auth.json consume each other's single-use refresh token",
                )
            )
        else:
            out.append(
                Check(
                    "codex.mount",
                    g,
                    "pass",
                    f"{auth} is on a private, writable mount ({point}, {fstype})",
                )
            )
    if doc is not None:
        ts = parse_time(doc.get("last_refresh"))
        if ts is None:
            out.append(
                Check(
                    "codex.refresh",
                    g,
                    "warn",
                    f"{auth} has no valid last_refresh",
                    "Codex refreshes it on next use; if that fails, " + seed_fix,
                )
            )
        elif now - ts > REFRESH_DAYS * 86400:
            out.append(
                Check(
                    "codex.refresh",
                    g,
                    "warn",
                    f"last refresh {age(now - ts)} ago (Codex refreshes after {REFRESH_DAYS} d)",
                    "Codex refreshes on next use; if it reports a used refresh token, "
                    "re-seed from a rotating secret: `ameide codex seed`",
                )
            )
        else:
            out.append(Check("codex.refresh", g, "pass", f"last refresh {age(now - ts)} ago"))
    return out
