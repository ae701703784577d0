"""The instruction stacks Codex CLI and Claude Code load from a directory, modelled on their
sources (ameide.agents.sources; docs/profiles.md cites every rule): which files, in which
order, how many bytes of each, and why a file is or is not part of the stack.

The one rule above all: never claim a file is loaded that the agent would not load. Where the
sources leave a case open (Claude Code's AGENTS.md mode when nobody set it, an import that
waits for a person's approval), the file is reported with that condition and not as loaded.

Codex: the global file in `$CODEX_HOME` (`AGENTS.override.md`, else `AGENTS.md`; the first
non-empty one, trimmed); the project root is the first directory upward holding one of
`project_root_markers` (system and user config; default `.git`; none found or an empty list:
only the working directory); from that root down to the working directory at most one file per
directory (`AGENTS.override.md`, else `AGENTS.md`, else `project_doc_fallback_filenames`),
joined with blank lines and cut at `project_doc_max_bytes` (default 32 KiB). Trusted project
`.codex/config.toml` layers can change both settings. Nothing above the root is read and `@file`
includes are not expanded.

Claude Code: the managed `CLAUDE.md`, the user's `CLAUDE.md` and `rules/*.md`, then for every
directory from the top down to the working directory `CLAUDE.md`, `.claude/CLAUDE.md`,
`.claude/rules/**/*.md` (without `paths:` frontmatter) and `CLAUDE.local.md`; `@path` imports
expanded four hops deep, imports of project files reaching outside the working directory only
after a person approved them; `AGENTS.md` by the agents-md mod's mode.
"""

from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING

from ameide.agents import markdown
from ameide.agents.codexconf import ancestors
from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from ameide.agents.codexconf import CodexConfig

CODEX_OVERRIDE = "AGENTS.override.md"
CODEX_DEFAULT = "AGENTS.md"
CODEX_SEPARATOR = "\n\n--- project-doc ---\n\n"
# processMemoryFile refuses depth >= 5 (the importing file is depth 0): four hops load. The
# memory docs say "five hops"; the conservative reading never claims a fifth hop is loaded.
CLAUDE_MAX_HOPS = 4
CLAUDE_MANAGED = "/etc/claude-code/CLAUDE.md"
CLAUDE_NAMES = ("CLAUDE.md", ".claude/CLAUDE.md", "CLAUDE.local.md")
AGENTS_NAMES = ("AGENTS.md", ".claude/AGENTS.md")
AGENTS = ("codex", "claude")
# the text extensions Claude Code imports (others are skipped); no extension is text too
_TEXT_EXT = frozenset(
    (
        ".md",
        ".txt",
        ".text",
        ".json",
        ".yaml",
        ".yml",
        ".toml",
        ".xml",
        ".csv",
        ".html",
        ".htm",
        ".css",
        ".js",
        ".ts",
        ".tsx",
        ".jsx",
        ".py",
        ".rb",
        ".go",
        ".rs",
        ".java",
        ".kt",
        ".c",
        ".cpp",
        ".h",
        ".hpp",
        ".cs",
        ".swift",
        ".sh",
        ".bash",
        ".zsh",
        ".sql",
        ".graphql",
        ".proto",
        ".rst",
        ".adoc",
        ".org",
        ".tex",
        ".ini",
        ".cfg",
        ".conf",
        ".env",
        ".lock",
        ".log",
        ".diff",
        ".patch",
    )
)


@record
class AgentEnv:
    """Where the agents keep their own files (injectable for tests)."""

    home: str
    codex_home: str
    claude_home: str
    claude_managed: str = CLAUDE_MANAGED
    codex_system: str = "/etc/codex"
    claude_managed_settings: str = "/etc/claude-code/managed-settings.json"
    claude_json: str = ""  # default: ~/.claude.json ($CLAUDE_CONFIG_DIR/.claude.json)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AgentEnv:
        home = env.get("HOME") or os.path.expanduser("~")
        claude_dir = env.get("CLAUDE_CONFIG_DIR")
        return cls(
            home=home,
            codex_home=env.get("CODEX_HOME") or os.path.join(home, ".codex"),
            claude_home=claude_dir or os.path.join(home, ".claude"),
            claude_json=os.path.join(claude_dir or home, ".claude.json"),
        )

    @property
    def claude_state(self) -> str:
        return self.claude_json or os.path.join(self.home, ".claude.json")


@record
class Expected:
    """Instructions that should reach the agent: the active profile's, then the repository's
    own instructions at its root (`git_root`), in that order."""

    label: str  # e.g. "code profile"
    path: str
    text: str  # the instruction body (stripped)
    git_root: str | None = None


@record
class StackFile:
    path: str
    scope: str  # global | project | managed | user | local | import | rule | config
    status: str  # loaded | truncated | empty | shadowed | over-budget | disabled | above-root
    #               | not-read | duplicate | not-found | too-deep | needs-approval | skipped
    #               | conditional | mode-dependent | dropped | applied | untrusted | invalid
    reason: str
    size: int | None  # bytes on disk (None: not there)
    sha256: str | None
    loaded_bytes: int = 0  # bytes that reach the agent
    depth: int = 0  # import hops (Claude)

    @property
    def loaded(self) -> bool:
        return self.status in ("loaded", "truncated")


@record
class Reach:
    """Do the expected instructions reach the agent, complete and in order?"""

    profile: bool
    repo_file: str | None  # the repository's own root instructions (None: it has none)
    repo: bool
    in_order: bool
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


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
    reach: Reach | None = None


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


def _within(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


# ---------------------------------------------------------------------------- Codex


def codex_settings(cfg: CodexConfig) -> dict[str, Any]:
    return {
        "codex_home": cfg.codex_home,
        "project_doc_max_bytes": cfg.max_bytes,
        "project_doc_fallback_filenames": list(cfg.fallback),
        "project_root_markers": list(cfg.markers),
        "project_root": cfg.project_root,
        "trusted": cfg.trusted,
        "trust_key": cfg.trust_key,
        "config": [
            {"path": layer.path, "source": layer.source, "status": layer.status}
            for layer in cfg.layers
        ],
    }


def codex_stack(cwd: str, aenv: AgentEnv, expected: Expected | None = None) -> Stack:
    from ameide.agents import codexconf, sources

    cwd = os.path.realpath(cwd)
    cfg = codexconf.load(cwd, aenv.codex_home, aenv.codex_system)
    warnings = list(cfg.warnings)
    limit = cfg.max_bytes
    names = [CODEX_OVERRIDE, CODEX_DEFAULT]
    for n in cfg.fallback:
        if n and n not in names:
            names.append(n)
    files: list[StackFile] = []
    for layer in cfg.layers:
        if layer.source == "project":
            raw = _read(layer.path) or b""
            files.append(
                StackFile(layer.path, "config", layer.status, layer.reason, len(raw), sha256(raw))
            )

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
            why = f"global: {os.path.basename(chosen)} comes first"
            files.append(StackFile(p, "global", "shadowed", why, size, digest))
            continue
        text = _decode(data).strip()
        if not text:
            why = "global: empty, Codex tries the next name"
            files.append(StackFile(p, "global", "empty", why, size, digest))
            continue
        chosen, global_text = p, text
        why = "global: $CODEX_HOME " + (
            "AGENTS.override.md (replaces AGENTS.md)" if name == CODEX_OVERRIDE else "AGENTS.md"
        )
        files.append(StackFile(p, "global", "loaded", why, size, digest, len(text.encode())))

    root = cfg.project_root
    chain = ancestors(cwd)
    if root is None:
        dirs, top = [cwd], cwd
        top_label = (
            "working directory (project_root_markers = [])"
            if not cfg.markers
            else f"working directory (no {', '.join(cfg.markers)} found above it)"
        )
    else:
        dirs = list(reversed(chain[: chain.index(root) + 1]))
        top, top_label = root, "project root"

    # instruction files above the top: never read (the workspace-layout trap)
    for d in reversed(chain[chain.index(top) + 1 :]):
        for name in names:
            p = os.path.join(d, name)
            if os.path.isfile(p):
                data = _read(p) or b""
                why = f"above the {top_label} {top}: Codex never looks above it"
                files.append(StackFile(p, "project", "above-root", why, len(data), sha256(data)))

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
            if selected is not None:
                why = (
                    f"{os.path.basename(selected)} comes first: Codex reads one file per directory"
                )
                files.append(StackFile(p, "project", "shadowed", why, size, digest))
                continue
            selected = p
            where = (
                "project root"
                if d == root
                else ("working directory" if d == cwd else "directory between root and cwd")
            )
            kind = {CODEX_OVERRIDE: "AGENTS.override.md", CODEX_DEFAULT: "AGENTS.md"}.get(
                name, f"fallback name {name} (project_doc_fallback_filenames)"
            )
            why = f"{where}: {kind}"
            if limit == 0:
                why = "project_doc_max_bytes = 0 turns project instructions off"
                files.append(StackFile(p, "project", "disabled", why, size, digest))
                continue
            if remaining == 0:
                why = f"{why}; not read: the {limit}-byte budget is used up"
                files.append(StackFile(p, "project", "over-budget", why, size, digest))
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
                why = f"{why}; cut at {len(keep)} of {size} bytes (project_doc_max_bytes {limit})"
                files.append(StackFile(p, "project", "truncated", why, size, digest, len(keep)))
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
    reach = _expect(expected, merged, files, "Codex", warnings, _codex_repo_file(expected, names))
    settings = {**codex_settings(cfg), "assumed": sources.CODEX_ASSUMED}
    return Stack("codex", cwd, root, limit, settings, tuple(files), merged, tuple(warnings), reach)


def _codex_repo_file(expected: Expected | None, names: list[str]) -> str | None:
    """The repository's own root instructions: its checked-in AGENTS.md (or fallback name)."""
    if expected is None or not expected.git_root:
        return None
    for name in names[1:]:
        p = os.path.join(expected.git_root, name)
        if os.path.isfile(p):
            return p
    return None


def _expect(
    expected: Expected | None,
    merged: str,
    files: list[StackFile],
    agent: str,
    warnings: list[str],
    repo_file: str | None,
    norm: Callable[[str], str] = str,
) -> Reach | None:
    """Check that the profile's text, then the repository's own root instructions, are in the
    merged text; `norm` turns a file's text into what the agent gets of it."""
    if expected is None:
        return None
    problems: list[str] = []
    profile_text = norm(expected.text).strip()
    at = merged.find(profile_text) if profile_text else 0
    profile = at >= 0
    if not profile:
        where = next((f for f in files if f.path == expected.path), None)
        why = f" ({where.reason})" if where is not None and not where.loaded else ""
        problems.append(
            f"the {expected.label}'s instructions ({expected.path}) do not reach {agent} in "
            f"full from here{why}; run `ameide agents install`"
        )
    repo, in_order = True, True
    if repo_file is not None:
        from ameide.agents.install import body

        text = norm(body(_decode(_read(repo_file) or b""))).strip()
        pos = merged.find(text, max(at, 0)) if text else 0
        anywhere = merged.find(text) if text else 0
        repo = anywhere >= 0
        if not repo:
            f = next((x for x in files if x.path == repo_file), None)
            why = f" ({f.status}: {f.reason})" if f is not None else ""
            problems.append(
                f"the repository's own instructions ({repo_file}) do not reach {agent} from "
                f"here{why}; run `ameide agents install`"
            )
        elif profile and profile_text and pos < 0:
            in_order = False
            problems.append(
                f"the repository's own instructions ({repo_file}) reach {agent} before the "
                f"{expected.label}'s; the profile's text must come first"
            )
    warnings += problems
    return Reach(profile, repo_file, repo, in_order, tuple(problems))


# ---------------------------------------------------------------------------- Claude Code

_LABEL = {
    "managed": "organization-managed policy instructions",
    "user": "user's private global instructions for all projects",
    "project": "project instructions, checked into the codebase",
    "local": "user's private project instructions, not checked in",
}


def _frontmatter_paths(text: str) -> bool:
    """Does the file start with YAML frontmatter naming `paths:` (a conditional rule)?"""
    if not text.startswith("---"):
        return False
    end = text.find("\n---", 3)
    if end < 0:
        return False
    block = text[3:end]
    for line in block.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "paths":
            globs = [
                g.strip().strip("\"'- ")
                for g in value.strip().strip("[]").split(",")
                if g.strip().strip("\"'- ")
            ]
            rest = block[block.find(line) + len(line) :]
            globs += [
                ln.strip().lstrip("-").strip().strip("\"'")
                for ln in rest.splitlines()
                if ln.strip().startswith("-")
            ]
            cleaned = [g[:-3] if g.endswith("/**") else g for g in globs]
            return any(g and g != "**" for g in cleaned)
    return False


def _rules(rules_dir: str) -> list[str]:
    """`*.md` files under a rules directory (recursive, symlinks followed), sorted by path:
    Claude Code's own order inside one directory is the directory listing's."""
    out: list[str] = []
    seen: set[str] = set()

    def walk(d: str) -> None:
        real = os.path.realpath(d)
        if real in seen:
            return
        seen.add(real)
        try:
            names = sorted(os.listdir(d))
        except OSError:
            return
        for n in names:
            p = os.path.join(d, n)
            if os.path.isdir(p):
                walk(p)
            elif n.endswith(".md") and os.path.isfile(p):
                out.append(p)

    walk(rules_dir)
    return out


@record
class _Entry:
    file: StackFile
    text: str  # as the agent gets it (loaded files only)
    kind: str  # managed | user | project | local: the label Claude Code frames it with
    level: int  # index of the directory on the walk (-1: managed and user files)


def claude_stack(
    cwd: str, aenv: AgentEnv, expected: Expected | None = None, max_hops: int = CLAUDE_MAX_HOPS
) -> Stack:
    from ameide.agents import claudeconf, sources
    from ameide.agents.codexconf import git_root_of

    cwd = os.path.realpath(cwd)
    mode, mode_source = claudeconf.mode(aenv.claude_home, aenv.claude_managed_settings)
    git_root = git_root_of(cwd)
    approved = claudeconf.external_imports_approved(aenv.claude_state, [git_root, cwd])
    entries: list[_Entry] = []
    warnings: list[str] = []
    seen: set[str] = set()
    held: set[str] = set()  # stripped contents the engine holds (the mod dedupes by content)

    def note(path: str, scope: str, status: str, why: str, depth: int, level: int) -> None:
        data = _read(path)
        size, digest = (len(data), sha256(data)) if data is not None else (None, None)
        entries.append(
            _Entry(StackFile(path, scope, status, why, size, digest, 0, depth), "", "", level)
        )

    def add(path: str, scope: str, why: str, kind: str, level: int, depth: int = 0) -> bool:
        """Load one file and its imports as Claude Code does; True when it loaded."""
        data = _read(path)
        if data is None:
            return False
        if os.path.realpath(path) in seen:
            note(path, scope, "duplicate", f"{why}; already loaded", depth, level)
            return False
        seen.add(os.path.realpath(path))
        text = _decode(data)
        if scope in ("rule", "user-rule") and _frontmatter_paths(text):
            why += "; `paths:` frontmatter: read only when Claude works on matching files"
            note(path, scope, "conditional", why, depth, level)
            return False
        clean = _strip_html_comments(text)
        if not clean.strip():
            note(path, scope, "empty", f"{why}; empty, skipped", depth, level)
            return False
        if mode == "none" and kind in ("project", "local", "user"):
            why += f"; dropped: Project instructions = none ({mode_source})"
            note(path, scope, "dropped", why, depth, level)
            return False
        held.add(clean.strip())
        f = StackFile(path, scope, "loaded", why, len(data), sha256(data), len(data), depth)
        entries.append(_Entry(f, clean.strip(), kind, level))
        # user memory and user rules import without approval; other files only inside the
        # working directory until a person approves external imports for the project
        external_ok = kind == "user" or approved
        for line, token in markdown.imports(clean):
            target = _resolve(token.split("#", 1)[0], os.path.dirname(path), aenv.home)
            where = f"@{token} in {path}:{line}"
            if not os.path.isfile(target):
                if markdown.looks_like_path(token):
                    note(target, "import", "not-found", f"{where}: no such file", depth + 1, level)
                    warnings.append(f"{path}:{line}: import @{token} names no file ({target})")
                continue
            ext = os.path.splitext(target)[1].lower()
            if ext and ext not in _TEXT_EXT:
                why2 = f"{where}: not a text file, Claude Code skips it"
                note(target, "import", "skipped", why2, depth + 1, level)
                continue
            if not external_ok and not _within(os.path.realpath(target), cwd):
                why2 = (
                    f"{where}: outside the working directory {cwd}: loaded only after a person "
                    "approves external imports for this project in an interactive session "
                    "(claude -p never asks)"
                )
                note(target, "import", "needs-approval", why2, depth + 1, level)
                warnings.append(
                    f"{path}:{line}: @{token} is outside the working directory: Claude Code "
                    "loads it only after someone approves external imports (never in claude -p "
                    "before that)"
                )
                continue
            if depth + 1 > max_hops:
                note(
                    target,
                    "import",
                    "too-deep",
                    f"{where}: more than {max_hops} import hops",
                    depth + 1,
                    level,
                )
                warnings.append(
                    f"{path}:{line}: @{token} is not expanded: Claude Code follows "
                    f"imports at most {max_hops} hops deep"
                )
                continue
            add(target, "import", f"imported by {where}", kind, level, depth + 1)
        return True

    if os.path.isfile(aenv.claude_managed):
        add(
            aenv.claude_managed,
            "managed",
            "managed policy (every user of this machine)",
            "managed",
            -1,
        )
    user = os.path.join(aenv.claude_home, "CLAUDE.md")
    if os.path.isfile(user):
        add(user, "user", "user memory ($CLAUDE_CONFIG_DIR or ~/.claude/CLAUDE.md)", "user", -1)
    for p in _rules(os.path.join(aenv.claude_home, "rules")):
        add(p, "user-rule", "user rule ($CLAUDE_CONFIG_DIR/rules)", "user", -1)

    walk = list(reversed(ancestors(cwd)[:-1])) if cwd != "/" else []  # `/` itself is not read
    own: list[str] = []  # the project's own CLAUDE files that loaded
    for level, d in enumerate(walk):
        where = "working directory" if d == cwd else "above the working directory"
        for rel in ("CLAUDE.md", ".claude/CLAUDE.md"):
            p = os.path.join(d, rel)
            if os.path.isfile(p) and add(p, "project", f"{where}: {rel}", "project", level):
                own.append(p)
        rules_dir = os.path.join(d, ".claude", "rules")
        for p in _rules(rules_dir):
            rel = os.path.join(".claude", "rules", os.path.relpath(p, rules_dir))
            add(p, "rule", f"{where}: {rel}", "project", level)
        p = os.path.join(d, "CLAUDE.local.md")
        if os.path.isfile(p) and add(p, "local", f"{where}: CLAUDE.local.md", "local", level):
            own.append(p)

    # AGENTS.md: added by the agents-md mod according to its mode, each where a project file of
    # its directory stands
    mod = "agents-md mod"
    for level, d in enumerate(walk):
        for rel in AGENTS_NAMES:
            p = os.path.join(d, rel)
            if not os.path.isfile(p):
                continue
            data = _read(p) or b""
            stripped = _strip_html_comments(_decode(data)).strip()
            before = len(entries)
            if os.path.realpath(p) in seen or (stripped and stripped in held):
                note(
                    p,
                    "agents",
                    "duplicate",
                    f"{rel}: already loaded (same path or content)",
                    0,
                    level,
                )
            elif mode in ("claude", "none"):
                why = f"AGENTS.md is not read: Project instructions = {mode} ({mode_source})"
                note(p, "agents", "not-read", why, 0, level)
            elif mode == "both":
                add(
                    p,
                    "agents",
                    f"{rel} beside CLAUDE.md: Project instructions = both ({mode_source})",
                    "project",
                    level,
                )
            elif own:
                why = (
                    f"AGENTS.md is not read: {own[0]} is the project's own CLAUDE file"
                    + (", so the agents-fallback mode stands down" if mode else "")
                    + ("" if mode else "; only Project instructions = both would read it")
                )
                note(p, "agents", "not-read", why, 0, level)
            elif mode == "agents-fallback":
                add(
                    p,
                    "agents",
                    f"{rel}: no CLAUDE file on the way down: Project instructions "
                    f"= agents-fallback ({mode_source})",
                    "project",
                    level,
                )
            else:  # unset or invalid: the sources disagree on the default
                why = (
                    "read only if Project instructions is agents-fallback or both; it is unset, "
                    f"and the sources disagree on the default: the {mod} says claude, the "
                    f"{sources.CLAUDE_AGENTS_MD_VERSION} changelog agents-fallback (not on "
                    "Bedrock, Vertex or Foundry)"
                )
                note(p, "agents", "mode-dependent", why, 0, level)
                warnings.append(
                    f"{p}: Claude Code reads it only in some modes (Project instructions "
                    "unset); `ameide agents install` makes the instructions reach it in every "
                    "mode"
                )
            # the mod puts the file (and its imports) where its directory's files stand
            added, entries[before:] = entries[before:], []
            at = next((i for i, e in enumerate(entries) if e.level > level), len(entries))
            entries[at:at] = added

    files = [e.file for e in entries]
    merged = "\n\n".join(
        f"Contents of {e.file.path} ({_LABEL[e.kind]}):\n\n{e.text}"
        for e in entries
        if e.file.loaded
    )
    reach = _expect(
        expected,
        merged,
        files,
        "Claude Code",
        warnings,
        _claude_repo_file(expected),
        _strip_html_comments,
    )
    settings = {
        "claude_home": aenv.claude_home,
        "managed": aenv.claude_managed,
        "max_import_hops": max_hops,
        "agents_md_mode": mode or "unknown",
        "agents_md_mode_source": mode_source,
        "external_imports_approved": approved,
        "assumed": sources.CLAUDE_ASSUMED,
    }
    return Stack("claude", cwd, None, None, settings, tuple(files), merged, tuple(warnings), reach)


def _claude_repo_file(expected: Expected | None) -> str | None:
    """The repository's own root instructions for Claude Code: its CLAUDE.md (or
    .claude/CLAUDE.md), else its AGENTS.md."""
    if expected is None or not expected.git_root:
        return None
    for rel in ("CLAUDE.md", ".claude/CLAUDE.md", "AGENTS.md"):
        p = os.path.join(expected.git_root, rel)
        if os.path.isfile(p):
            return p
    return None


def _strip_html_comments(text: str) -> str:
    import re

    if "<!--" not in text:
        return text
    return re.sub(r"<!--.*?-->", "", text, flags=re.S)


def _resolve(token: str, base: str, home: str) -> str:
    if token.startswith("~/"):
        return os.path.join(home, token[2:])
    return os.path.normpath(os.path.join(base, token))
