"""Profile guardrails: which changed files a profile forbids, the migration allowlist, and the
extra phase-0 checks a profile asks for. Pure functions over the changed files; the test
engine turns the report into the `guardrails` task of phase 0."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ameide.agents.detect import Detected
    from ameide.agents.profiles import CheckSpec, Profile
    from ameide.plan import Task

ALLOWLIST = ".ameide/test-contract-allowlist.txt"
CONFIG_FILES = (".ameide/agent-profile", ALLOWLIST)


def _matcher(globs: Iterable[str]) -> Any:
    from ameide.ecosystems import glob_regex

    compiled = [(g, glob_regex(g)) for g in globs]

    def first(path: str) -> str | None:
        return next((g for g, rx in compiled if rx.match(path)), None)

    return first


@record
class Allowlist:
    path: str  # absolute
    patterns: tuple[tuple[int, str], ...]  # (line number, glob)


def load_allowlist(root: str) -> Allowlist | None:
    """`<root>/.ameide/test-contract-allowlist.txt`: one glob per line, `#` starts a comment."""
    path = os.path.join(root, ALLOWLIST)
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except FileNotFoundError:
        return None
    except OSError as exc:
        from ameide.errors import ConfigError

        raise ConfigError(f"{path}: cannot read: {exc.strerror}", path=path) from None
    patterns = []
    for n, line in enumerate(lines, 1):
        glob = line.split("#", 1)[0].strip()
        if glob:
            patterns.append((n, glob))
    return Allowlist(path, tuple(patterns))


@record
class Violation:
    path: str
    status: str  # how it changed: added | modified | deleted | untracked | typechange
    rule: str  # forbidden | not-allowed
    pattern: str  # the forbidden glob that fired, or the allowed globs

    @property
    def shown(self) -> str:
        """The path on one line (a newline in a file name as `\\n`)."""
        from ameide.sanitize import one_line

        return one_line(self.path)

    def explain(self, profile: str) -> str:
        if self.rule == "forbidden":
            return f"forbidden by {self.pattern} (profile {profile})"
        return f"outside the allowed paths {self.pattern} (profile {profile})"


@record
class Exemption:
    violation: Violation
    glob: str  # the allowlist glob
    line: int


@record
class GuardrailReport:
    profile: str
    source: str  # how the profile was found (detect.Detected.source)
    detail: str
    allowed: tuple[str, ...]
    forbidden: tuple[str, ...]
    checked: int  # changed files looked at
    violations: tuple[Violation, ...]
    exempted: tuple[Exemption, ...]
    allowlist: Allowlist | None
    unused: tuple[str, ...]  # allowlist globs that exempted nothing
    config_changed: tuple[str, ...]  # guardrail configuration files among the changes

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def noteworthy(self) -> bool:
        """Worth a task of its own in phase 0: a failure, an exemption, a config edit."""
        return bool(self.violations or self.exempted or self.config_changed)


def evaluate(
    detected: Detected, changed: Iterable[tuple[str, str]], allowlist: Allowlist | None
) -> GuardrailReport:
    """Check every changed file (path relative to the monorepo root, status) against the
    profile's path rules; allowlisted violations become exemptions."""
    p = detected.profile
    forbidden = _matcher(p.forbidden)
    allowed = _matcher(p.allowed)
    exempt = _matcher(g for _, g in allowlist.patterns) if allowlist else (lambda _p: None)
    lines = {g: n for n, g in allowlist.patterns} if allowlist else {}
    violations: list[Violation] = []
    exempted: list[Exemption] = []
    used: set[str] = set()
    files = sorted(set(changed))
    for path, status in files:
        glob = forbidden(path)
        if glob is not None:
            v = Violation(path, status, "forbidden", glob)
        elif allowed(path) is None:
            v = Violation(path, status, "not-allowed", ", ".join(p.allowed))
        else:
            continue
        ex = exempt(path)
        if ex is not None:
            used.add(ex)
            exempted.append(Exemption(v, ex, lines[ex]))
        else:
            violations.append(v)
    unused = tuple(g for _, g in allowlist.patterns if g not in used) if allowlist else ()
    return GuardrailReport(
        profile=p.name,
        source=detected.source,
        detail=detected.detail,
        allowed=p.allowed,
        forbidden=p.forbidden,
        checked=len(files),
        violations=tuple(violations),
        exempted=tuple(exempted),
        allowlist=allowlist,
        unused=unused,
        config_changed=tuple(path for path, _ in files if path in CONFIG_FILES),
    )


def describe(r: GuardrailReport) -> str:
    """The guardrails log: the verdict first (the first-failure excerpt starts there)."""
    out: list[str] = []
    n = len(r.violations)
    if n:
        out.append(
            f"guardrails failed: the {r.profile} profile forbids {n} changed "
            f"file{'s' if n != 1 else ''}"
        )
        out += [f"  {v.shown} ({v.status}): {v.explain(r.profile)}" for v in r.violations]
        out.append(
            "fix: revert these changes (git restore / git rm), or do this work in a workspace "
            "whose profile allows it; a migration can list paths in " + ALLOWLIST
        )
    else:
        n = r.checked
        out.append(
            f"guardrails passed: {n} changed file{'s' if n != 1 else ''} within the "
            f"{r.profile} profile"
        )
    out.append(f"profile: {r.profile} ({r.source}: {r.detail})")
    out.append(f"allowed: {', '.join(r.allowed) or '(nothing)'}")
    out.append(f"forbidden: {', '.join(r.forbidden) or '(nothing)'}")
    if r.allowlist is not None:
        out.append(f"allowlist: {r.allowlist.path} ({len(r.allowlist.patterns)} globs)")
        out += [
            f"  exempted {e.violation.shown}: {e.violation.explain(r.profile)}; allowed by "
            f"{e.glob} (line {e.line})"
            for e in r.exempted
        ]
        out += [f"  unused: {g}" for g in r.unused]
    else:
        out.append("allowlist: none")
    out += [
        f"warning: {path} changed: this change edits the guardrails' own configuration"
        for path in r.config_changed
    ]
    return "\n".join(out) + "\n"


def summary_doc(r: GuardrailReport) -> dict[str, Any]:
    """The `guardrails` object of summary.json."""
    return {
        "profile": r.profile,
        "source": r.source,
        "detail": r.detail,
        "status": "passed" if r.ok else "failed",
        "checked": r.checked,
        "allowed": list(r.allowed),
        "forbidden": list(r.forbidden),
        "violations": [
            {"path": v.path, "status": v.status, "rule": v.rule, "pattern": v.pattern}
            for v in r.violations
        ],
        "allowlist": None
        if r.allowlist is None
        else {
            "path": r.allowlist.path,
            "globs": [g for _, g in r.allowlist.patterns],
            "exempted": [
                {
                    "path": e.violation.path,
                    "rule": e.violation.rule,
                    "pattern": e.violation.pattern,
                    "glob": e.glob,
                    "line": e.line,
                }
                for e in r.exempted
            ],
            "unused": list(r.unused),
        },
        "config_changed": list(r.config_changed),
    }


def warnings(r: GuardrailReport) -> list[str]:
    """Lines for the run's warnings: exemptions and edits of the guardrail configuration."""
    out = []
    if r.exempted and r.allowlist is not None:
        out.append(
            f"guardrails: {len(r.exempted)} changed file(s) the {r.profile} profile forbids "
            f"are exempted by {ALLOWLIST}: " + ", ".join(e.violation.path for e in r.exempted)
        )
    out += [f"guardrails: this change edits {path}" for path in r.config_changed]
    return out


# ---------------------------------------------------------------------- profile checks


def check_tasks(
    profile: Profile, changed: Iterable[tuple[str, str]]
) -> tuple[list[Task], list[str]]:
    """Phase-0 tasks for the profile's extra checks over the changed files they apply to,
    and notes for checks that have nothing to look at."""
    from ameide.plan import Task

    present = sorted({path for path, status in changed if status != "deleted"})
    tasks: list[Task] = []
    notes: list[str] = []
    for c in profile.checks:
        files = _applies(c, present)
        tid = f"profile check {c.name}"
        if not files:
            notes.append(f"{tid}: no changed file matches {', '.join(c.when)} -> not run")
            continue
        if c.builtin is not None:
            tasks.append(
                Task(
                    tid,
                    0,
                    1,
                    "profile-check",
                    "profile",
                    (),
                    (),
                    ".",
                    builtin="profile-check",
                    params={"check": c.builtin, "files": files, "profile": profile.name},
                    timeout=c.timeout,
                )
            )
        else:
            argv: list[str] = []
            for a in c.run:
                argv.extend(files if a == "{files}" else [a])
            tasks.append(
                Task(
                    tid, 0, 1, "profile-check", "profile", (), tuple(argv), c.cwd, timeout=c.timeout
                )
            )
    return tasks, notes


def _applies(c: CheckSpec, paths: list[str]) -> list[str]:
    when = _matcher(c.when)
    skip = _matcher(c.exclude)
    return [p for p in paths if when(p) is not None and skip(p) is None]
