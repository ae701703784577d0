"""What Codex reads from its configuration, as its source does (ameide.agents.sources).

Layers, lowest precedence first: the system `/etc/codex/config.toml`, the user
`$CODEX_HOME/config.toml`, then one project layer per `.codex/` directory from the project root
down to the working directory. `project_root_markers` comes from the system and user layers only
(the root must be known before project layers are found). A project layer applies only when the
project is trusted (`[projects."<dir>"] trust_level = "trusted"` in the user's config, looked up
for the directory, the project root and the git root); otherwise Codex loads it disabled.

Hooks: each layer's `hooks.json` beside its config.toml and `[hooks]` in the config.toml itself.
A command hook runs only when its `[hooks.state."<key>"] trusted_hash` (user config) equals the
hash of its normalized definition, which a person records by reviewing it in Codex.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import TYPE_CHECKING, Any

from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

DEFAULT_MAX_BYTES = 32 * 1024
DEFAULT_MARKERS = (".git",)
SYSTEM_DIR = "/etc/codex"
TRUSTED = "trusted"
DOC_KEYS = ("project_doc_max_bytes", "project_doc_fallback_filenames")


@record
class Layer:
    path: str  # the config.toml
    source: str  # system | user | project
    status: str  # applied | untrusted | invalid | absent
    reason: str
    data: dict[str, Any]


@record
class CodexConfig:
    codex_home: str
    layers: tuple[Layer, ...]
    project_root: str | None  # None: no marker found above the working directory
    markers: tuple[str, ...]
    max_bytes: int
    fallback: tuple[str, ...]
    trusted: bool  # is the project trusted (project layers and their hooks apply)
    trust_key: str
    warnings: tuple[str, ...]


def read_doc(path: str, parse: Callable[[str], Any], kind: str) -> tuple[Any, str | None]:
    """(document, None), (None, None) when absent, (None, error) when unreadable or not
    `kind` (what `parse` raises ValueError for)."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"cannot read: {exc.strerror}"
    try:
        return parse(raw.decode("utf-8", "replace")), None
    except ValueError as exc:  # tomllib.TOMLDecodeError and json's errors are ValueErrors
        return None, f"invalid {kind} ({exc})"


def read_toml(path: str) -> tuple[dict[str, Any] | None, str | None]:
    import tomllib

    doc, err = read_doc(path, tomllib.loads, "TOML")
    return doc, err


def _strings(value: object, where: str, key: str, warnings: list[str]) -> tuple[str, ...] | None:
    """`value` as a tuple of strings, or None with a warning naming the file and key."""
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        return tuple(value)
    warnings.append(f"{where}: {key} must be a list of strings")
    return None


def ancestors(path: str) -> list[str]:
    """`path` and every directory above it, nearest first, `/` last."""
    out = [path]
    while True:
        parent = os.path.dirname(out[-1])
        if parent == out[-1]:
            return out
        out.append(parent)


def git_root_of(cwd: str) -> str | None:
    """The checkout around `cwd`; for a linked worktree, the main repository (Codex keys
    project trust on the repository, not the worktree)."""
    for d in ancestors(cwd):
        dot = os.path.join(d, ".git")
        if os.path.isdir(dot):
            return d
        if os.path.isfile(dot):
            try:
                with open(dot, encoding="utf-8") as fh:
                    line = fh.read().strip()
            except OSError:
                return d
            gitdir = line.removeprefix("gitdir:").strip()
            if not os.path.isabs(gitdir):
                gitdir = os.path.normpath(os.path.join(d, gitdir))
            parts = gitdir.split(os.sep)
            if len(parts) > 2 and parts[-2] == "worktrees":
                common = os.sep.join(parts[:-2])
                return os.path.dirname(common) if common.endswith(".git") else d
            return d
    return None


def find_root(cwd: str, markers: tuple[str, ...]) -> str | None:
    """The first directory upward holding one of `markers` (an empty list: none)."""
    if not markers:
        return None
    for d in ancestors(cwd):
        if any(os.path.lexists(os.path.join(d, m)) for m in markers):
            return d
    return None


def _trust(projects: Mapping[str, Any], dirs: list[str | None]) -> tuple[str | None, str | None]:
    """(trust level, key) for the first of `dirs` the projects table names."""
    for d in dirs:
        if not d:
            continue
        for key in dict.fromkeys((d, os.path.realpath(d))):
            entry = projects.get(key)
            if isinstance(entry, dict) and isinstance(entry.get("trust_level"), str):
                return entry["trust_level"], key
    return None, None


def load(cwd: str, codex_home: str, system_dir: str = SYSTEM_DIR) -> CodexConfig:
    cwd = os.path.realpath(cwd)
    warnings: list[str] = []
    layers: list[Layer] = []
    base: dict[str, Any] = {}
    origin: dict[str, str] = {}  # key -> the config file that set it
    for source, path in (
        ("system", os.path.join(system_dir, "config.toml")),
        ("user", os.path.join(codex_home, "config.toml")),
    ):
        data, err = read_toml(path)
        if err:
            layers.append(Layer(path, source, "invalid", err, {}))
            warnings.append(f"{path}: {err}; Codex refuses to start")
            continue
        if data is None:
            continue
        layers.append(Layer(path, source, "applied", f"{source} config", data))
        base.update(data)
        origin.update(dict.fromkeys(data, path))

    markers: tuple[str, ...] = DEFAULT_MARKERS
    if "project_root_markers" in base:
        mk = "project_root_markers"
        found = _strings(base[mk], origin[mk], mk, warnings)
        markers = DEFAULT_MARKERS if found is None else found
    root = find_root(cwd, markers)
    repo = git_root_of(cwd)
    projects = base.get("projects") if isinstance(base.get("projects"), dict) else {}
    assert isinstance(projects, dict)
    chain = ancestors(cwd)
    dirs = list(reversed(chain[: chain.index(root) + 1])) if root else [cwd]

    settings: dict[str, Any] = {k: base[k] for k in DOC_KEYS if k in base}
    level, key = _trust(projects, [root or cwd, repo])
    trusted = level == TRUSTED
    trust_key = key or repo or root or cwd
    home_real = os.path.realpath(codex_home)
    for d in dirs:
        dot = os.path.join(d, ".codex")
        if not os.path.isdir(dot) or os.path.realpath(dot) == home_real:
            continue
        path = os.path.join(dot, "config.toml")
        lvl, _ = _trust(projects, [d, root or cwd, repo])
        applies = lvl == TRUSTED
        data, err = read_toml(path)
        if data is None and err is None:
            continue
        if not applies:
            why = (
                f"not applied: {trust_key} is marked untrusted"
                if lvl == "untrusted"
                else f"not applied: {trust_key} is not a trusted project in "
                f"{os.path.join(codex_home, 'config.toml')}"
            )
            layers.append(Layer(path, "project", "untrusted", why, data or {}))
            touched = [k for k in (data or {}) if k.startswith("project_doc")]
            if touched:
                warnings.append(
                    f"{path}: {', '.join(sorted(touched))} ignored: Codex loads project config "
                    "only for trusted projects"
                )
            continue
        if err:
            layers.append(Layer(path, "project", "invalid", err, {}))
            warnings.append(f"{path}: {err}; Codex refuses to start")
            continue
        assert data is not None
        layers.append(Layer(path, "project", "applied", "project config (trusted)", data))
        if "project_root_markers" in data:
            warnings.append(
                f"{path}: project_root_markers is ignored here: Codex reads it from the user "
                "and system config only"
            )
        settings.update({k: data[k] for k in DOC_KEYS if k in data})
        origin.update({k: path for k in DOC_KEYS if k in data})

    max_bytes = DEFAULT_MAX_BYTES
    v = settings.get("project_doc_max_bytes")
    if v is not None:
        if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
            max_bytes = v
        else:
            warnings.append(
                f"{origin['project_doc_max_bytes']}: project_doc_max_bytes must be a "
                "non-negative integer"
            )
    fallback: tuple[str, ...] = ()
    if settings.get("project_doc_fallback_filenames") is not None:
        fk = "project_doc_fallback_filenames"
        fallback = _strings(settings[fk], origin[fk], fk, warnings) or ()
    return CodexConfig(
        codex_home,
        tuple(layers),
        root,
        markers,
        max_bytes,
        fallback,
        trusted,
        trust_key,
        tuple(warnings),
    )


# ------------------------------------------------------------------------------ hooks

EVENT_LABELS = {"Stop": "stop", "SessionStart": "session_start"}


def hook_key(source: str, event: str, group: int, handler: int) -> str:
    """The key of `[hooks.state."<key>"]`: `<hooks file>:<event label>:<group>:<handler>`."""
    return f"{source}:{EVENT_LABELS[event]}:{group}:{handler}"


def command_hook_hash(event: str, command: str, timeout: int, matcher: str | None = None) -> str:
    """The trust hash Codex records for a command hook: sha256 over the canonical JSON (sorted
    keys, no spaces) of the normalized identity, with absent fields dropped as TOML drops
    them."""
    handler: dict[str, Any] = {
        "type": "command",
        "command": command,
        "timeout": max(1, timeout),
        "async": False,
    }
    identity: dict[str, Any] = {"event_name": EVENT_LABELS[event], "hooks": [handler]}
    if matcher is not None:
        identity["matcher"] = matcher
    data = json.dumps(identity, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(data.encode("utf-8")).hexdigest()


def hook_states(codex_home: str) -> dict[str, dict[str, Any]]:
    """`[hooks.state]` of the user's config.toml (where Codex records reviews)."""
    data, _ = read_toml(os.path.join(codex_home, "config.toml"))
    hooks = (data or {}).get("hooks")
    state = hooks.get("state") if isinstance(hooks, dict) else None
    if not isinstance(state, dict):
        return {}
    return {k.strip(): v for k, v in state.items() if isinstance(v, dict)}


def trust_status(
    codex_home: str, key: str, event: str, command: str, timeout: int
) -> tuple[str, str]:
    """(status, why): trusted | not-reviewed | modified | disabled."""
    state = hook_states(codex_home).get(key)
    if state is None:
        return "not-reviewed", "not reviewed yet: Codex runs a command hook only once trusted"
    if state.get("enabled") is False:
        return "disabled", "disabled in Codex (hooks.state enabled = false)"
    want = command_hook_hash(event, command, timeout)
    got = state.get("trusted_hash")
    if got is None:
        return "not-reviewed", "not trusted yet: Codex runs a command hook only once trusted"
    if got == want:
        return "trusted", "reviewed and trusted in Codex"
    return (
        "modified",
        "trusted in another form (the hook changed, or this Codex hashes it differently): "
        "review it again in Codex",
    )
