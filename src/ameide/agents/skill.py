"""The `ameide` skill in the open Agent Skills format, rendered per profile, and its checks.

A skill is a directory holding `SKILL.md`: YAML frontmatter with `name` (lowercase letters,
digits and hyphens, at most 64 characters, equal to the directory name) and `description` (at
most 1,024 characters: what it does and when to use it), then the instructions. Agents read only
name and description up front and open the body when the description matches (progressive
disclosure); `reference.md` beside it is opened only when the body points there.

Where the agents look: Codex `.agents/skills/` from the working directory up to the project
root and `~/.agents/skills/` (openai/codex codex-rs/core-skills/src/loader.rs); Claude Code
`.claude/skills/` in the project and `~/.claude/skills/` (its skills documentation). ameide
installs the skill at the user level of both.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ameide.agents.lint import CommandInfo, Finding
    from ameide.agents.profiles import Profile
    from ameide.agents.stack import AgentEnv

NAME = "ameide"
FILES = ("SKILL.md", "reference.md")
MAX_NAME = 64
MAX_DESCRIPTION = 1024
MAX_LINES = 500  # the Agent Skills guidance: keep SKILL.md under 500 lines
_NAME_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def skill_dirs(aenv: AgentEnv) -> dict[str, str]:
    """agent -> the user-level directory of the ameide skill."""
    return {
        "codex": os.path.join(aenv.home, ".agents", "skills", NAME),
        "claude": os.path.join(aenv.claude_home, "skills", NAME),
    }


def discovered(agent: str, cwd: str, aenv: AgentEnv) -> list[dict[str, str]]:
    """The skills `agent` finds from `cwd` (name, path of SKILL.md, scope), in its order.
    Codex: `.agents/skills` from the project root down, then the user's and the system's
    (core-skills/src/loader.rs, scanned 6 levels deep); Claude Code: the working directory's
    `.claude/skills/<name>/` and the user's (its skills docs)."""
    from ameide.agents.codexconf import ancestors, load

    roots: list[tuple[str, str]] = []
    if agent == "codex":
        cfg = load(cwd, aenv.codex_home, aenv.codex_system)
        chain = ancestors(os.path.realpath(cwd))
        top = cfg.project_root or chain[0]
        for d in reversed(chain[: chain.index(top) + 1]):
            roots.append((os.path.join(d, ".agents", "skills"), "repo"))
        roots += [
            (os.path.join(aenv.home, ".agents", "skills"), "user"),
            (os.path.join(aenv.codex_home, "skills"), "user"),
            (os.path.join(aenv.codex_system, "skills"), "admin"),
        ]
        depth = 6
    else:
        roots = [
            (os.path.join(os.path.realpath(cwd), ".claude", "skills"), "project"),
            (os.path.join(aenv.claude_home, "skills"), "user"),
        ]
        depth = 1
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for root, scope in roots:
        base = root.rstrip(os.sep).count(os.sep)
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            if dirpath.count(os.sep) - base >= depth:
                dirnames[:] = []
            if "SKILL.md" not in filenames or dirpath == root:
                continue
            p = os.path.join(dirpath, "SKILL.md")
            real = os.path.realpath(p)
            if real in seen:
                continue
            seen.add(real)
            try:
                with open(p, encoding="utf-8") as fh:
                    name = str(frontmatter(fh.read()).fields.get("name") or "")
            except OSError:
                continue
            out.append({"name": name or "(no name)", "path": p, "scope": scope})
    return out


def _globs(globs: tuple[str, ...]) -> str:
    return ", ".join(f"`{g}`" for g in globs) if globs else "nothing"


def render(profile: Profile, env: Mapping[str, str]) -> dict[str, str]:
    """file name -> content of the skill for `profile`."""
    p = profile
    # a plain YAML scalar: no ": " and no " #" in it (the validator parses it as YAML)
    description = (
        f"Verify work in an ameide monorepo before you stop. Run `ameide test`, read its "
        f"closing block and summary.json, fix the first actionable error and rerun; the {p.name} "
        "profile's scope rules and its branch and pull-request steps. Use when you finish a "
        "change, when `ameide test` or the stop gate reports a failure, or before a pull request."
    )
    checks = ", ".join(c.name for c in p.checks) or "none beyond the defaults"
    allowed, why = p.prs_allowed(env)
    if p.pr_allowed or p.pr_enable_env:
        pr = [
            "## Branch and pull request",
            "",
            f"Pull requests: {'allowed' if allowed else 'not allowed here'}: {why}.",
            "",
            f"1. `ameide branch start TOPIC` creates `{p.branch_prefix}TOPIC` from the freshly "
            "fetched default branch.",
            "2. Commit in small steps; then run `ameide test` on the clean tree: a pull request "
            "needs a green run for HEAD with `dirty: false`.",
            "3. `ameide pr open` pushes and opens (or updates) a draft pull request whose body "
            "carries the evidence; rerun it after new commits and a new `ameide test`.",
            "4. `ameide pr status` shows the pull request's checks; fix failures with the same "
            "loop.",
        ]
    else:
        pr = [
            "## Branch and pull request",
            "",
            f"This profile does not open pull requests ({why}). Report what you found and "
            "the evidence instead.",
        ]
    lines = [
        "---",
        f"name: {NAME}",
        f"description: {description}",
        "---",
        "",
        f"# ameide: verify before you stop ({p.name} profile)",
        "",
        "## The loop",
        "",
        "1. Run `ameide test` (anywhere in the checkout). It tests only what your change "
        "affects, in phases: 0 contract, 1 unit, 2 integration-local.",
        "2. Exit 0 (`PASSED`, or `nothing to test`): the change is verified; you may stop.",
        "3. Exit 1 (`FAILED`): fix the **first actionable error** of the closing block, then "
        "run `ameide test` again. Repeat until it passes.",
        "4. Exit 2 or 3: ameide could not run (bad `ameide.toml`, missing or wrong "
        "toolchain). The message names the fix (for tools: `ameide toolchain check`).",
        "",
        "Never delete, skip or weaken a test, and never disable a check, to get a green run.",
        "",
        "## Reading a failure",
        "",
        "The closing block ends every run:",
        "",
        "```text",
        "first failure: go test example.com/monorepo/lib (phase 1)",
        "  command: go test -json example.com/monorepo/lib/strutil  (in go/lib)",
        "  test:    TestReverse (go/lib/strutil/strutil_test.go:9)",
        '  | strutil_test.go:9: Reverse("abc") = "cbax", want "cba"',
        "  full log: artifacts/agent-ci/<run-id>/phase1/logs/<task>.log",
        "```",
        "",
        "Fix what the excerpt says at the file and line it names; open the full log only when the "
        "excerpt is not enough. The same facts are in `artifacts/agent-ci/latest/summary.json`: "
        "`result`, `exit_code` and `first_failure` (`task`, `command`, `cwd`, `test`, `file`, "
        "`line`, `excerpt`). Every field: reference.md.",
        "",
        "## The stop gate",
        "",
        "When you stop, a hook runs `ameide gate`. On a tree unchanged since a green run it lets "
        "you stop at once; otherwise it runs `ameide test`. If the run fails with an error this "
        "session introduced, the gate sends you back with that first actionable error: fix it "
        "and rerun `ameide test`. Failures that were there when the session started do not "
        "hold you; say in your final message that they remain.",
        "",
        f"## Scope: the {p.name} profile",
        "",
        p.description,
        "",
        f"- You may change: {_globs(p.allowed)}.",
        f"- You must not change: {_globs(p.forbidden)} (forbidden wins over allowed).",
        f"- Extra phase-0 checks: {checks}.",
        "- A violation fails phase 0 (the `guardrails` task) with the file and the rule: revert "
        "that file. `ameide profile` shows the rules and how the profile was chosen.",
        "",
        *pr,
        "",
        "## Evidence",
        "",
        "Quote `artifacts/agent-ci/latest/summary.json` of your final run: `result`, the phase "
        "statuses and durations, the affected targets; for a failure you could not fix, "
        "`first_failure` and the log it names.",
        "",
    ]
    reference = [
        "# summary.json: the fields",
        "",
        '`artifacts/agent-ci/latest/summary.json` (`"schema": 1`) describes the last run:',
        "",
        "| field | meaning |",
        "|---|---|",
        "| `result`, `exit_code` | `passed`/0, `failed`/1, `error`/3 (toolchain), "
        "`interrupted`/130 |",
        "| `first_failure` | `task`, `phase`, `targets`, `command`, `cwd` (relative to the "
        "monorepo root), `test`, `file`, `line`, `excerpt`; null when the run passed |",
        "| `phases[]` | `phase`, `name`, `status` (`passed`, `failed`, `not-run`, `empty`), "
        "`duration`, `junit`, `tasks[]` |",
        "| `phases[].tasks[]` | `id`, `command`, `cwd`, `status`, `exit_code`, `log` (relative to "
        "the run directory), `tests`, `message`, `cached` |",
        "| `head`, `dirty` | the commit tested and whether the tree had uncommitted changes |",
        "| `changed_files[]`, `targets[]` | what changed and the affected targets, each with its "
        "`reason` chain |",
        "| `guardrails` | the profile's path rules over the changed files: `status`, "
        "`violations[]` |",
        "| `warnings[]` | planning and cache warnings |",
        "",
        "Each phase's `junit.xml` has every test case; `phaseN/logs/<task>.log` starts with the "
        "command as it ran, so it can be pasted into a shell.",
        "",
    ]
    return {"SKILL.md": "\n".join(lines), "reference.md": "\n".join(reference)}


@record
class Frontmatter:
    fields: dict[str, object]
    body_line: int  # 1-based line where the body starts (0: no frontmatter)
    error: str = ""  # the YAML error, when the block does not parse


def frontmatter(text: str) -> Frontmatter:
    """The leading `---` block parsed as YAML (as the agents parse it)."""
    from ameide.yamlio import load_yaml

    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return Frontmatter({}, 0)
    for i, line in enumerate(lines[1:], 2):
        if line.strip() == "---":
            try:
                doc = load_yaml("\n".join(lines[1 : i - 1]))
            except ValueError as exc:
                return Frontmatter({}, i + 1, str(exc))
            if not isinstance(doc, dict):
                return Frontmatter({}, i + 1, "not a mapping of keys to values")
            return Frontmatter(doc, i + 1)
    return Frontmatter({}, 0)


def validate(
    directory: str, texts: Mapping[str, str], commands: Mapping[tuple[str, ...], CommandInfo]
) -> list[Finding]:
    """Findings (rule `skill`) for a skill directory's files: frontmatter, size, links, and
    every `ameide ...` command it shows."""
    from ameide.agents.lint import Finding, check_commands

    path = os.path.join(directory, "SKILL.md")
    text = texts.get("SKILL.md")
    if text is None:
        return [Finding("error", "skill", path, None, "SKILL.md is missing")]
    out: list[Finding] = []

    def err(msg: str, line: int | None = None) -> None:
        out.append(Finding("error", "skill", path, line, msg))

    fm = frontmatter(text)
    if not fm.body_line:
        err("no YAML frontmatter (a leading `---` block with name and description)", 1)
    elif fm.error:
        err(f"frontmatter: {fm.error} (the agents skip a skill whose frontmatter does not parse)")
    name = fm.fields.get("name") or ""
    desc = fm.fields.get("description") or ""
    if not isinstance(name, str) or not isinstance(desc, str):
        err("name and description must be strings")
        name, desc = str(name), str(desc)
    if fm.body_line and not fm.error:
        if not name:
            err("frontmatter has no `name`")
        elif not _NAME_RE.match(name) or len(name) > MAX_NAME:
            err(f"name {name!r}: lowercase letters, digits and hyphens, at most {MAX_NAME}")
        elif name != os.path.basename(directory):
            err(f"name {name!r} differs from its directory {os.path.basename(directory)!r}")
        if not desc:
            err("frontmatter has no `description` (agents pick a skill by it)")
        elif len(desc) > MAX_DESCRIPTION:
            err(f"description is {len(desc)} characters; at most {MAX_DESCRIPTION}")
    n = len(text.splitlines())
    if n > MAX_LINES:
        err(f"SKILL.md has {n} lines; keep it under {MAX_LINES} and move detail to other files")
    for ref in sorted(set(re.findall(r"\b([\w-]+\.md)\b", text)) - {"SKILL.md"}):
        if ref in FILES and ref not in texts:
            err(f"points to {ref}, which is not in the skill directory")
    for fname, t in sorted(texts.items()):
        out += [
            Finding(f.severity, "skill", os.path.join(directory, fname), f.line, f.message)
            for f in check_commands(os.path.join(directory, fname), t, commands)
        ]
    return out
