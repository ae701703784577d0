"""The instruction stacks Codex CLI and Claude Code load from a directory, modelled on their
documented discovery rules (and, for Codex, its source): which files, in which order, how
many bytes of each, and why a file is or is not part of the stack.

Codex: the global file in `$CODEX_HOME` (`AGENTS.override.md`, else `AGENTS.md`; the first
non-empty one, trimmed); the project root is the first directory upward holding one of
`project_root_markers` (default `.git`; an empty list means: only the working directory);
from that root down to the working directory at most one file per directory —
`AGENTS.override.md`, else `AGENTS.md`, else the `project_doc_fallback_filenames` — joined with
blank lines and cut at `project_doc_max_bytes` (default 32 KiB). Nothing above the root is read,
and `@file` includes are not expanded.

Claude Code: the managed policy file, the user's `~/.claude/CLAUDE.md`, then from the top
directory below `/` down to the working directory `CLAUDE.md`, `.claude/CLAUDE.md` and
`CLAUDE.local.md`, with `AGENTS.md` read where a directory has no CLAUDE.md (recent versions);
`@path` imports outside code are expanded up to five hops.
"""

from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING

from ameide.agents import markdown
from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

CODEX_DEFAULT_MAX_BYTES = 32 * 1024
CODEX_OVERRIDE = "AGENTS.override.md"
CODEX_DEFAULT = "AGENTS.md"
CODEX_SEPARATOR = "\n\n--- project-doc ---\n\n"
CLAUDE_MAX_HOPS = 5
CLAUDE_MANAGED = "/etc/claude-code/CLAUDE.md"
AGENTS = ("codex", "claude")


@record
class AgentEnv:
    """Where the agents keep their own files (injectable for tests)."""

    home: str
    codex_home: str
    claude_home: str
    claude_managed: str = CLAUDE_MANAGED

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AgentEnv:
        home = env.get("HOME") or os.path.expanduser("~")
        return cls(
            home=home,
            codex_home=env.get("CODEX_HOME") or os.path.join(home, ".codex"),
            claude_home=env.get("CLAUDE_CONFIG_DIR") or os.path.join(home, ".claude"),
        )


@record
class Expected:
    """Instructions that should reach the agent: the active profile's."""

    label: str  # e.g. "profile code"
    path: str
    text: str  # the instruction body (stripped)


@record
class StackFile:
    path: str
    scope: str  # global | project | managed | user | local | import
    status: str  # loaded | truncated | empty | shadowed | over-budget | disabled |
    #               above-root | not-read | duplicate | not-found | too-deep
    reason: str
    size: int | None  # bytes on disk (None: not there)
    sha256: str | None
    loaded_bytes: int = 0  # bytes that reach the agent
    depth: int = 0  # import hops (Claude)

    @property
    def loaded(self) -> bool:
        return self.status in ("loaded", "truncated")


@record
class Stack:
    agent: str
    cwd: str
    project_root: str | None
    limit: int | None  # Codex project_doc_max_bytes
    settings: dict[str, Any]
    files: tuple[StackFile, ...]
    text: str  # what the agent gets, merged
    warnings: tuple[str, ...]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def ancestors(path: str) -> list[str]:
    """`path` and every directory above it, nearest first, `/` last."""
    out = [path]
    while True:
        parent = os.path.dirname(out[-1])
        if parent == out[-1]:
            return out
        out.append(parent)


# ---------------------------------------------------------------------------- Codex


def codex_settings(codex_home: str) -> tuple[dict[str, Any], list[str]]:
    """project_doc_max_bytes, project_doc_fallback_filenames and project_root_markers from
    `$CODEX_HOME/config.toml` (defaults where absent), with warnings for bad values."""
    cfg_path = os.path.join(codex_home, "config.toml")
    settings: dict[str, Any] = {
        "codex_home": codex_home,
        "config": None,
        "project_doc_max_bytes": CODEX_DEFAULT_MAX_BYTES,
        "project_doc_fallback_filenames": [],
        "project_root_markers": [".git"],
    }
    warnings: list[str] = []
    raw = _read(cfg_path)
    if raw is None:
        return settings, warnings
    settings["config"] = cfg_path
    import tomllib

    try:
        data = tomllib.loads(_decode(raw))
    except tomllib.TOMLDecodeError as exc:
        warnings.append(f"{cfg_path}: invalid TOML ({exc}); Codex would refuse to start")
        return settings, warnings
    v = data.get("project_doc_max_bytes")
    if v is not None:
        if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
            settings["project_doc_max_bytes"] = v
        else:
            warnings.append(f"{cfg_path}: project_doc_max_bytes must be a non-negative integer")
    for key in ("project_doc_fallback_filenames", "project_root_markers"):
        v = data.get(key)
        if v is None:
            continue
        if isinstance(v, list) and all(isinstance(x, str) for x in v):
            settings[key] = list(v)
        else:
            warnings.append(f"{cfg_path}: {key} must be a list of strings")
    return settings, warnings


def codex_stack(cwd: str, aenv: AgentEnv, expected: Expected | None = None) -> Stack:
    cwd = os.path.realpath(cwd)
    settings, warnings = codex_settings(aenv.codex_home)
    limit: int = settings["project_doc_max_bytes"]
    names = [CODEX_OVERRIDE, CODEX_DEFAULT]
    for n in settings["project_doc_fallback_filenames"]:
        if n and n not in names:
            names.append(n)
    files: list[StackFile] = []

    # global instructions: the first non-empty of AGENTS.override.md, AGENTS.md (trimmed)
    global_text = ""
    chosen: str | None = None
    for name in (CODEX_OVERRIDE, CODEX_DEFAULT):
        p = os.path.join(aenv.codex_home, name)
        data = _read(p) if os.path.isfile(p) else None
        if data is None:
            continue
        size, digest = len(data), sha256(data)
        if chosen is not None:
            files.append(
                StackFile(
                    p,
                    "global",
                    "shadowed",
                    f"global: {os.path.basename(chosen)} comes first",
                    size,
                    digest,
                )
            )
            continue
        text = _decode(data).strip()
        if not text:
            files.append(
                StackFile(
                    p, "global", "empty", "global: empty, Codex tries the next name", size, digest
                )
            )
            continue
        chosen, global_text = p, text
        why = "global: $CODEX_HOME " + (
            "AGENTS.override.md (replaces AGENTS.md)" if name == CODEX_OVERRIDE else "AGENTS.md"
        )
        files.append(StackFile(p, "global", "loaded", why, size, digest, len(text.encode())))

    # the project root: first directory upward holding a marker
    markers: list[str] = settings["project_root_markers"]
    root: str | None = None
    if markers:
        for d in ancestors(cwd):
            if any(os.path.lexists(os.path.join(d, m)) for m in markers):
                root = d
                break
    chain = ancestors(cwd)
    if root is None:
        dirs, top, top_label = [cwd], cwd, "working directory (no project root found)"
    else:
        dirs = list(reversed(chain[: chain.index(root) + 1]))
        top, top_label = root, "project root"

    # instruction files above the top: never read (the workspace-layout trap)
    for d in reversed(chain[chain.index(top) + 1 :]):
        for name in names:
            p = os.path.join(d, name)
            if os.path.isfile(p):
                data = _read(p) or b""
                files.append(
                    StackFile(
                        p,
                        "project",
                        "above-root",
                        f"above the {top_label} {top}: Codex never looks above it",
                        len(data),
                        sha256(data),
                    )
                )

    remaining = limit
    parts: list[str] = []
    for d in dirs:
        selected: str | None = None
        for name in names:
            p = os.path.join(d, name)
            if not os.path.isfile(p):
                continue
            data = _read(p)
            if data is None:
                continue
            size, digest = len(data), sha256(data)
            where = (
                "project root"
                if d == root
                else ("working directory" if d == cwd else "directory between root and cwd")
            )
            if selected is not None:
                files.append(
                    StackFile(
                        p,
                        "project",
                        "shadowed",
                        f"{os.path.basename(selected)} comes "
                        "first: Codex reads one file per directory",
                        size,
                        digest,
                    )
                )
                continue
            selected = p
            kind = {CODEX_OVERRIDE: "AGENTS.override.md", CODEX_DEFAULT: "AGENTS.md"}.get(
                name, f"fallback name {name} (project_doc_fallback_filenames)"
            )
            why = f"{where}: {kind}"
            if limit == 0:
                files.append(
                    StackFile(
                        p,
                        "project",
                        "disabled",
                        "project_doc_max_bytes = 0 turns project instructions off",
                        size,
                        digest,
                    )
                )
                continue
            if remaining == 0:
                files.append(
                    StackFile(
                        p,
                        "project",
                        "over-budget",
                        f"{why}; not read: the {limit}-byte budget is used up",
                        size,
                        digest,
                    )
                )
                warnings.append(
                    f"{p}: not loaded: project_doc_max_bytes ({limit}) is used up "
                    "by the files before it"
                )
                continue
            keep = data[:remaining]
            text = _decode(keep)
            if not text.strip():
                others = [n for n in names if n != name and os.path.isfile(os.path.join(d, n))]
                hides = f", and it hides {', '.join(others)}" if others else ""
                files.append(
                    StackFile(p, "project", "empty", f"{why}; empty, skipped{hides}", size, digest)
                )
                if others:
                    warnings.append(
                        f"{p} is empty and hides {', '.join(others)} in the same "
                        "directory (Codex reads one file per directory)"
                    )
                continue
            parts.append(text)
            remaining -= len(keep)
            if len(keep) < size:
                files.append(
                    StackFile(
                        p,
                        "project",
                        "truncated",
                        f"{why}; cut at {len(keep)} "
                        f"of {size} bytes (project_doc_max_bytes {limit})",
                        size,
                        digest,
                        len(keep),
                    )
                )
                warnings.append(
                    f"{p}: cut at {len(keep)} of {size} bytes by "
                    f"project_doc_max_bytes ({limit}); Codex drops the rest silently"
                )
            else:
                files.append(StackFile(p, "project", "loaded", why, size, digest, size))

    project = "\n\n".join(parts)
    if global_text and project:
        merged = global_text + CODEX_SEPARATOR + project
    else:
        merged = global_text or project

    for f in files:
        if f.loaded:
            for line, token in markdown.imports(_decode(_read(f.path) or b"")):
                if markdown.looks_like_path(token):
                    warnings.append(
                        f"{f.path}:{line}: @{token} is not expanded: Codex does not "
                        "read @ includes (inline the text or use a nested AGENTS.md)"
                    )
    _expect(expected, merged, files, "Codex", warnings)
    settings = {**settings, "project_root": root}
    return Stack("codex", cwd, root, limit, settings, tuple(files), merged, tuple(warnings))


def _expect(
    expected: Expected | None,
    merged: str,
    files: list[StackFile],
    agent: str,
    warnings: list[str],
) -> None:
    if expected is None or not expected.text or expected.text in merged:
        return
    where = next((f for f in files if f.path == expected.path), None)
    why = f" ({where.reason})" if where is not None and not where.loaded else ""
    warnings.append(
        f"the {expected.label}'s instructions ({expected.path}) do not reach {agent} in full "
        f"from here{why}; run `ameide agents install`"
    )


# ---------------------------------------------------------------------------- Claude Code


def claude_stack(
    cwd: str, aenv: AgentEnv, expected: Expected | None = None, max_hops: int = CLAUDE_MAX_HOPS
) -> Stack:
    cwd = os.path.realpath(cwd)
    files: list[StackFile] = []
    blocks: list[str] = []
    warnings: list[str] = []
    seen: set[str] = set()
    fallback: list[str] = []

    def add(path: str, scope: str, why: str, depth: int = 0) -> None:
        real = os.path.realpath(path)
        data = _read(path)
        if data is None:
            return
        size, digest = len(data), sha256(data)
        if real in seen:
            files.append(
                StackFile(
                    path, scope, "duplicate", f"{why}; already loaded", size, digest, 0, depth
                )
            )
            return
        seen.add(real)
        text = _decode(data)
        files.append(
            StackFile(
                path, scope, "loaded" if text.strip() else "empty", why, size, digest, size, depth
            )
        )
        blocks.append(f"Contents of {path} ({_LABEL[scope]}):\n\n{text}")
        for line, token in markdown.imports(text):
            target = _resolve(token, os.path.dirname(path), aenv.home)
            where = f"@{token} in {path}:{line}"
            if not os.path.isfile(target):
                if markdown.looks_like_path(token):
                    files.append(
                        StackFile(
                            target,
                            "import",
                            "not-found",
                            f"{where}: no such file",
                            None,
                            None,
                            0,
                            depth + 1,
                        )
                    )
                    warnings.append(f"{path}:{line}: import @{token} names no file ({target})")
                continue
            if depth + 1 > max_hops:
                files.append(
                    StackFile(
                        target,
                        "import",
                        "too-deep",
                        f"{where}: more than {max_hops} import hops",
                        None,
                        None,
                        0,
                        depth + 1,
                    )
                )
                warnings.append(
                    f"{path}:{line}: @{token} is not expanded: Claude Code follows "
                    f"imports at most {max_hops} hops deep"
                )
                continue
            add(target, "import", f"imported by {where}", depth + 1)

    if os.path.isfile(aenv.claude_managed):
        add(aenv.claude_managed, "managed", "managed policy (every user of this machine)")
    user = os.path.join(aenv.claude_home, "CLAUDE.md")
    if os.path.isfile(user):
        add(user, "user", "user memory (~/.claude/CLAUDE.md or $CLAUDE_CONFIG_DIR)")
    for d in reversed(ancestors(cwd)[:-1] if cwd != "/" else []):  # `/` itself is not read
        where = "working directory" if d == cwd else "above the working directory"
        has_claude = False
        for rel, scope in (
            ("CLAUDE.md", "project"),
            (".claude/CLAUDE.md", "project"),
            ("CLAUDE.local.md", "local"),
        ):
            p = os.path.join(d, rel)
            if os.path.isfile(p):
                add(p, scope, f"{where}: {rel}")
                has_claude = has_claude or scope == "project"
        p = os.path.join(d, "AGENTS.md")
        if os.path.isfile(p):
            if has_claude:
                data = _read(p) or b""
                real = os.path.realpath(p)
                files.append(
                    StackFile(
                        p,
                        "project",
                        "duplicate" if real in seen else "not-read",
                        f"{where}: AGENTS.md is read only where no CLAUDE.md is"
                        + ("; already loaded through an import" if real in seen else ""),
                        len(data),
                        sha256(data),
                    )
                )
            else:
                if os.path.realpath(p) not in seen:
                    fallback.append(p)
                add(
                    p,
                    "project",
                    f"{where}: AGENTS.md (no CLAUDE.md here; recent Claude Code versions only)",
                )
    if fallback:
        warnings.append(
            f"{', '.join(fallback)}: read only by Claude Code versions that fall back to "
            "AGENTS.md where a directory has no CLAUDE.md; a CLAUDE.md holding @AGENTS.md "
            "makes it certain"
        )
    merged = "\n\n".join(blocks)
    _expect(expected, merged, files, "Claude Code", warnings)
    settings = {
        "claude_home": aenv.claude_home,
        "managed": aenv.claude_managed,
        "max_import_hops": max_hops,
    }
    return Stack("claude", cwd, None, None, settings, tuple(files), merged, tuple(warnings))


_LABEL = {
    "managed": "managed policy instructions",
    "user": "user's private global instructions",
    "project": "project instructions",
    "local": "user's private project instructions",
    "import": "imported instructions",
}


def _resolve(token: str, base: str, home: str) -> str:
    if token.startswith("~/"):
        return os.path.join(home, token[2:])
    return os.path.normpath(os.path.join(base, token))
