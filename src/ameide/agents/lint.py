"""`ameide agents check`: lint the instruction files agents load here and the profiles.

Rules: the Codex stack fits `project_doc_max_bytes`; every `ameide ...` command written in
code (inline or fenced) exists with the options it uses; every profile is valid and its
instructions have the required sections and say to run `ameide test`; generated files are
current. Errors make the command exit 1; warnings do not.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from ameide.agents import markdown
from ameide.errors import AmeideError
from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

    from ameide.agents.detect import Detected
    from ameide.agents.stack import AgentEnv, Stack

# Commands CONTRACT.md promises that may not exist in this build yet: mentioning one is a
# warning, not an error (profiles describe the workflow ahead of the release that ships it).
PLANNED: tuple[tuple[str, ...], ...] = (
    ("workspace", "check"),
    ("toolchain", "check"),
    ("toolchain", "install"),
    ("codex", "seed"),
)
_MENTION = re.compile(r"(?<![\w./@~-])ameide[ \t]+([^\n]*)")
_WORD = re.compile(r"[a-z][a-z0-9-]*")
_COMMENT = re.compile(r"(?:^|(?<=\s))#.*$")


@record
class CommandInfo:
    options: frozenset[str]
    group: bool


@record
class Finding:
    severity: str  # error | warning
    rule: str  # size | command | profile | sections | stale | stack | skill | hooks
    path: str
    line: int | None
    message: str


@record
class CheckReport:
    files: tuple[str, ...]  # instruction files examined
    profiles: tuple[str, ...]  # profile names examined
    findings: tuple[Finding, ...]
    assumed: tuple[str, ...] = ()  # the agent versions and modes the checks assumed
    hooks: tuple[dict[str, Any], ...] = ()  # the stop gate's hooks, with Codex trust

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")


def mentions(text: str) -> list[tuple[int, tuple[str, ...], tuple[str, ...]]]:
    """`ameide ...` commands in code spans and blocks: (line, subcommand words, options)."""
    _, code = markdown.split_code(text)
    out = []
    for n, snippet in code:
        snippet = _COMMENT.sub("", snippet)  # `cmd  # about ameide -e` mentions nothing
        for m in _MENTION.finditer(snippet):
            words: list[str] = []
            opts: list[str] = []
            in_words = True
            for raw in m.group(1).split():
                tok = raw.rstrip(";,")
                if not tok or tok.startswith("#") or any(c in tok for c in "()|&<>`"):
                    break  # the command ends at a shell operator, a comment or prose
                if tok.startswith("-"):
                    in_words = False
                    opts.append(tok.split("=", 1)[0])
                elif in_words and _WORD.fullmatch(tok):
                    words.append(tok)
                else:
                    in_words = False
                if tok != raw:
                    break
            if words or opts:
                out.append((n, tuple(words), tuple(opts)))
    return out


def check_commands(
    path: str, text: str, commands: Mapping[tuple[str, ...], CommandInfo]
) -> list[Finding]:
    found: list[Finding] = []
    for line, words, opts in mentions(text):
        written = " ".join(("ameide", *words))
        cmd: tuple[str, ...] = ()
        i = 0
        while i < len(words) and (*cmd, words[i]) in commands:
            cmd = (*cmd, words[i])
            i += 1
        info = commands.get(cmd)
        unknown = i < len(words) and (not cmd or (info is not None and info.group))
        if unknown:
            planned = any(tuple(words[: len(p)]) == p for p in PLANNED)
            if planned:
                found.append(
                    Finding(
                        "warning",
                        "command",
                        path,
                        line,
                        f"`{written}`: not in this ameide yet (a planned command, CONTRACT.md)",
                    )
                )
            else:
                have = sorted(
                    " ".join(k) for k in commands if len(k) == len(cmd) + 1 and k[: len(cmd)] == cmd
                )
                found.append(
                    Finding(
                        "error",
                        "command",
                        path,
                        line,
                        f"`{written}`: no such command '{words[i]}' (known: {', '.join(have)})",
                    )
                )
            continue
        if info is None:
            continue
        for o in opts:
            if o not in info.options:
                name = " ".join(("ameide", *cmd))
                known = ", ".join(sorted(x for x in info.options if x.startswith("--")))
                found.append(
                    Finding(
                        "error",
                        "command",
                        path,
                        line,
                        f"`{name}` has no option {o} (options: {known})",
                    )
                )
    return found


def check_sections(path: str, text: str, required: tuple[str, ...], what: str) -> list[Finding]:
    titles = [t.lower() for _, _, t in markdown.headings(text)]
    out = []
    for sec in required:
        if not any(t.startswith(sec.lower()) for t in titles):
            out.append(
                Finding(
                    "error",
                    "sections",
                    path,
                    None,
                    f"{what}: no '{sec}' section (a heading starting with it)",
                )
            )
    if not any(words[:1] == ("test",) for _, words, _ in mentions(text)):
        out.append(
            Finding("error", "sections", path, None, f"{what}: never says to run `ameide test`")
        )
    return out


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError:
        return None


def check(
    detected: Detected,
    stacks: list[Stack],
    env: Mapping[str, str],
    commands: Mapping[tuple[str, ...], CommandInfo],
    aenv: AgentEnv,
) -> CheckReport:
    from ameide.agents import install
    from ameide.agents.profiles import known, load_dir

    findings: list[Finding] = []
    files: dict[str, str] = {}  # path -> text, every instruction file examined

    # profiles: valid, instructions present with the required sections
    names = []
    for name, (d, origin) in known(env).items():
        names.append(name)
        try:
            p = load_dir(d, origin)
            text = p.instructions_text()
        except AmeideError as exc:
            findings.append(
                Finding(
                    "error",
                    "profile",
                    os.path.join(d, "profile.toml"),
                    None,
                    exc.message.replace("\n", "; "),
                )
            )
            continue
        files[p.instructions] = text
        findings += check_sections(p.instructions, text, p.required_sections, f"profile {name}")
    ws = detected.workspace
    if ws:
        ws_file = os.path.join(ws, "AGENTS.md")
        ws_text = _read(ws_file)
        if ws_text is not None:
            files[ws_file] = ws_text
            findings += check_sections(
                ws_file,
                install.body(ws_text),
                detected.profile.required_sections,
                f"workspace instructions of profile {detected.profile.name}",
            )

    # the stacks: what the agents load from here
    for st in stacks:
        for f in st.files:
            if f.loaded and f.path not in files:
                loaded = _read(f.path)
                if loaded is not None:
                    files[f.path] = loaded
        if st.agent == "codex":
            cut = [f for f in st.files if f.status in ("truncated", "over-budget")]
            if cut:
                total = sum(
                    f.size or 0
                    for f in st.files
                    if f.scope == "project" and f.status in ("loaded", "truncated", "over-budget")
                )
                findings.append(
                    Finding(
                        "error",
                        "size",
                        cut[0].path,
                        None,
                        f"the Codex "
                        f"instructions from {st.cwd} are {total} bytes; "
                        f"project_doc_max_bytes is {st.limit}: "
                        + ", ".join(f"{f.path} {f.status}" for f in cut),
                    )
                )
        cut_paths = tuple(
            f.path + ":" for f in st.files if f.status in ("truncated", "over-budget")
        )
        for w in st.warnings:
            if not w.startswith(cut_paths):  # a cut is the size error above
                findings.append(Finding("warning", "stack", "", None, f"{st.agent}: {w}"))

    for path, text in files.items():
        findings += check_commands(path, text, commands)
    for inst in install.status(detected, aenv, env):
        for problem in inst.problems:
            findings.append(
                Finding(
                    "error",
                    "stale",
                    inst.path,
                    None,
                    f"installed for {inst.agent}: {problem}; rerun `ameide agents install`",
                )
            )
    findings += _skill_findings(detected, env, aenv, commands)
    hook_rows, hook_findings = _hook_findings(aenv)
    findings += hook_findings
    order = {"error": 0, "warning": 1}
    findings.sort(key=lambda f: (order[f.severity], f.path, f.line or 0, f.message))
    return CheckReport(
        tuple(files), tuple(names), tuple(findings), assumed(stacks), tuple(hook_rows)
    )


def assumed(stacks: list[Stack]) -> tuple[str, ...]:
    """What the stack models assumed, per agent: version (found or assumed) and modes."""
    out = []
    for st in stacks:
        s = st.settings
        found = s.get("version") or "not found on PATH"
        if st.agent == "codex":
            out.append(f"Codex: {found}; rules of {s['assumed']}")
        else:
            out.append(
                f"Claude Code: {found}; rules of {s['assumed']}; Project instructions (AGENTS.md "
                f"mode): {s['agents_md_mode']} ({s['agents_md_mode_source']}); external imports "
                f"{'approved' if s['external_imports_approved'] else 'not approved'}"
            )
    return tuple(out)


def _skill_findings(
    detected: Detected,
    env: Mapping[str, str],
    aenv: AgentEnv,
    commands: Mapping[tuple[str, ...], CommandInfo],
) -> list[Finding]:
    """The skill as the active profile renders it, and every installed copy."""
    from ameide.agents import skill

    out: list[Finding] = []
    rendered = skill.render(detected.profile, env)
    out += skill.validate(
        f"(rendered for profile {detected.profile.name})/ameide", rendered, commands
    )
    for d in skill.skill_dirs(aenv).values():
        texts = {n: t for n in skill.FILES if (t := _read(os.path.join(d, n))) is not None}
        if texts:
            out += skill.validate(d, texts, commands)
    return out


def _hook_findings(aenv: AgentEnv) -> tuple[list[dict[str, Any]], list[Finding]]:
    import shutil

    from ameide.agents import hooks

    rows: list[dict[str, Any]] = []
    out: list[Finding] = []
    registered = False
    for agent in ("codex", "claude"):
        for h in hooks.status(agent, aenv):
            rows.append(h)
            name = "Codex" if agent == "codex" else "Claude Code"
            problem = None
            if h["error"]:
                out.append(Finding("error", "hooks", h["path"], None, f"{h['error']}"))
            elif not h["registered"]:
                problem = (
                    f"no {h['event']} hook runs `{h['command']}`: the stop gate is not "
                    f"installed for {name} (run `ameide agents install`)"
                )
            elif h.get("trust") not in (None, "trusted"):
                problem = (
                    f"{h['event']} hook `{h['command']}`: {h['trust_reason']} (start codex and "
                    "trust it when asked, or in /hooks)"
                )
            registered = registered or h["registered"]
            if problem:
                out.append(Finding("warning", "hooks", h["path"], None, problem))
    if registered and shutil.which("ameide") is None:
        out.append(
            Finding(
                "warning",
                "hooks",
                "",
                None,
                "the hooks run `ameide`, which is not on this PATH: put the directory holding "
                "ameide on the PATH the agents start with",
            )
        )
    return rows, out
