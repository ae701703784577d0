"""Output of `ameide profile` and `ameide agents show|check|install`: JSON documents
(`"schema": 1`, stable names) and the human rendering of the same records."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ameide.agents.api import ProfileReport, ShowReport
    from ameide.agents.install import Action, InstallReport, UninstallReport
    from ameide.agents.lint import CheckReport
    from ameide.agents.profiles import CheckSpec
    from ameide.agents.stack import Stack

SCHEMA = 1


def _check_doc(c: CheckSpec) -> dict[str, Any]:
    return {
        "name": c.name,
        "builtin": c.builtin,
        "run": list(c.run) or None,
        "when": list(c.when),
        "exclude": list(c.exclude),
        "cwd": c.cwd,
        "timeout": c.timeout,
    }


def profile_doc(r: ProfileReport) -> dict[str, Any]:
    d, p = r.detected, r.detected.profile
    return {
        "schema": SCHEMA,
        "profile": p.name,
        "source": d.source,
        "detail": d.detail,
        "description": p.description,
        "dir": p.dir,
        "origin": p.origin,
        "instructions": p.instructions,
        "workspace": d.workspace,
        "paths": {"allowed": list(p.allowed), "forbidden": list(p.forbidden)},
        "pull_requests": {
            "allowed": r.prs[0],
            "why": r.prs[1],
            "branch_prefix": p.branch_prefix,
        },
        "checks": [_check_doc(c) for c in p.checks],
        "allowlist": None
        if r.allowlist is None
        else {"path": r.allowlist.path, "globs": [g for _, g in r.allowlist.patterns]},
        "known": list(r.known),
    }


def _lines(console: Any, lines: list[tuple[str, str]]) -> None:
    from rich.text import Text

    for text, style in lines:
        console.print(Text(text, style=style), soft_wrap=True)


def render_profile(r: ProfileReport, console: Any) -> None:
    d, p = r.detected, r.detected.profile
    checks = [
        f"{c.name} ("
        + (f"built-in {c.builtin}" if c.builtin else "runs " + " ".join(c.run))
        + f" on {', '.join(c.when)}"
        + (f"; except {', '.join(c.exclude)}" if c.exclude else "")
        + ")"
        for c in p.checks
    ]
    allow = (
        "none"
        if r.allowlist is None
        else f"{r.allowlist.path} ({', '.join(g for _, g in r.allowlist.patterns) or 'empty'})"
    )
    _lines(
        console,
        [
            (f"profile: {p.name}", "bold"),
            (f"  {p.description}", ""),
            (f"  chosen by: {d.source} ({d.detail})", ""),
            (f"  instructions: {p.instructions}", ""),
            *([(f"  workspace: {d.workspace}", "")] if d.workspace else []),
            (f"  paths allowed: {', '.join(p.allowed) or '(nothing)'}", ""),
            (f"  paths forbidden: {', '.join(p.forbidden) or '(nothing)'}", ""),
            (
                f"  pull requests: {'yes' if r.prs[0] else 'no'}: {r.prs[1]}; "
                f"branch prefix {p.branch_prefix}",
                "",
            ),
            (f"  phase-0 checks: {'; '.join(checks) or 'none'}", ""),
            (f"  allowlist: {allow}", ""),
            (f"known profiles: {', '.join(r.known)}", "dim"),
        ],
    )


# ------------------------------------------------------------------------------ show


def _stack_doc(st: Stack) -> dict[str, Any]:
    text = st.text.encode("utf-8")
    return {
        "agent": st.agent,
        "cwd": st.cwd,
        "project_root": st.project_root,
        "limit": st.limit,
        "settings": st.settings,
        "files": [
            {
                "path": f.path,
                "scope": f.scope,
                "loaded": f.loaded,
                "status": f.status,
                "reason": f.reason,
                "bytes": f.size,
                "loaded_bytes": f.loaded_bytes,
                "sha256": f.sha256,
                "depth": f.depth,
            }
            for f in st.files
        ],
        "warnings": list(st.warnings),
        "reach": None
        if st.reach is None
        else {
            "profile": st.reach.profile,
            "repo_file": st.reach.repo_file,
            "repo": st.reach.repo,
            "in_order": st.reach.in_order,
            "problems": list(st.reach.problems),
        },
        "merged": {
            "bytes": len(text),
            "sha256": hashlib.sha256(text).hexdigest(),
            "text": st.text,
        },
    }


def show_doc(r: ShowReport) -> dict[str, Any]:
    d = r.detected
    return {
        "schema": SCHEMA,
        "profile": {"name": d.profile.name, "source": d.source, "detail": d.detail},
        "stacks": [_stack_doc(st) for st in r.stacks],
    }


def render_show(r: ShowReport, console: Any, *, text: bool = True) -> None:
    d = r.detected
    out: list[tuple[str, str]] = [(f"profile: {d.profile.name} ({d.source}: {d.detail})", "dim")]
    for st in r.stacks:
        out.append(("", ""))
        name = "Codex" if st.agent == "codex" else "Claude Code"
        out.append((f"{name}: instruction stack from {st.cwd}", "bold"))
        if st.agent == "codex":
            s = st.settings
            root = st.project_root or "none (only the working directory is read)"
            out.append(
                (
                    f"  project root: {root}; project_doc_max_bytes {st.limit}; "
                    f"CODEX_HOME {s['codex_home']}",
                    "dim",
                )
            )
            if s["project_doc_fallback_filenames"]:
                out.append(
                    (f"  fallback names: {', '.join(s['project_doc_fallback_filenames'])}", "dim")
                )
        else:
            s = st.settings
            out.append(
                (
                    f"  user dir {s['claude_home']}; imports expanded {s['max_import_hops']} hops "
                    f"deep; external imports {'' if s['external_imports_approved'] else 'not '}"
                    f"approved; AGENTS.md mode (Project instructions): {s['agents_md_mode']} "
                    f"({s['agents_md_mode_source']})",
                    "dim",
                )
            )
        found = st.settings.get("version") or "not found on PATH"
        out.append((f"  version: {found}; modelled on {st.settings['assumed']}", "dim"))
        if not st.files:
            out.append(("  (no instruction files)", "yellow"))
        for f in st.files:
            mark = "+" if f.loaded else "-"
            size = "absent" if f.size is None else f"{f.size} bytes"
            if f.loaded and f.loaded_bytes != f.size:
                size = f"{f.loaded_bytes} of {f.size} bytes"
            digest = f", sha256 {f.sha256[:12]}" if f.sha256 else ""
            indent = "  " * f.depth
            out.append((f"  {mark} {indent}{f.path}", "green" if f.loaded else "dim"))
            out.append((f"      {indent}{f.status}: {size}{digest}; {f.reason}", ""))
        skills = st.settings.get("skills") or []
        out.append(
            (
                "  skills: "
                + (", ".join(f"{k['name']} ({k['path']}, {k['scope']})" for k in skills) or "none"),
                "dim",
            )
        )
        gate = [h for h in st.settings.get("hooks") or [] if h["registered"]]
        if gate:
            trust = {h.get("trust") for h in gate} - {None}
            out.append(
                (
                    f"  stop gate: {', '.join(h['event'] for h in gate)} hooks in "
                    f"{gate[0]['path']}" + (f" ({', '.join(sorted(trust))})" if trust else ""),
                    "dim",
                )
            )
        else:
            out.append(("  stop gate: not installed (ameide agents install)", "dim"))
        for w in st.warnings:
            out.append((f"  ! {w}", "yellow"))
        merged = st.text.encode("utf-8")
        out.append(
            (
                f"  merged text: {len(merged)} bytes, sha256 "
                f"{hashlib.sha256(merged).hexdigest()[:12]}",
                "bold",
            )
        )
        if text:
            out += [(f"  | {ln}".rstrip(), "") for ln in st.text.splitlines()]
    _lines(console, out)


# ------------------------------------------------------------------------------ check


def check_doc(r: CheckReport) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "result": "failed" if r.errors else "passed",
        "errors": r.errors,
        "warnings": len(r.findings) - r.errors,
        "profiles": list(r.profiles),
        "files": list(r.files),
        "assumed": list(r.assumed),
        "hooks": [dict(h) for h in r.hooks],
        "findings": [
            {
                "severity": f.severity,
                "rule": f.rule,
                "path": f.path or None,
                "line": f.line,
                "message": f.message,
            }
            for f in r.findings
        ],
    }


def render_check(r: CheckReport, console: Any) -> None:
    out: list[tuple[str, str]] = [(f"assumed: {a}", "dim") for a in r.assumed]
    for h in r.hooks:
        if h["registered"]:
            trust = f", {h['trust']}" if h.get("trust") else ""
            out.append(
                (f"hook: {h['agent']} {h['event']} `{h['command']}` in {h['path']}{trust}", "dim")
            )
    for f in r.findings:
        where = f.path + (f":{f.line}" if f.line else "")
        style = "red" if f.severity == "error" else "yellow"
        out.append(
            (f"{f.severity:<7} {f.rule:<8} {where + ': ' if where else ''}{f.message}", style)
        )
    n_err, n_warn = r.errors, len(r.findings) - r.errors
    verdict = "FAILED" if n_err else "passed"
    out.append(
        (
            f"agents check: {verdict}: {n_err} error{'s' if n_err != 1 else ''}, {n_warn} "
            f"warning{'s' if n_warn != 1 else ''} ({len(r.profiles)} profiles, "
            f"{len(r.files)} instruction files)",
            "bold red" if n_err else "bold green",
        )
    )
    _lines(console, out)


# ---------------------------------------------------------------------------- install


def _action_doc(a: Action, dry_run: bool) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "path": a.path,
        "agent": a.agent,
        "what": a.what,
        "action": a.action,
        "backup": a.backup,
    }
    if a.note:
        doc["note"] = a.note
    if dry_run:
        doc["diff"] = a.diff
    return doc


def install_doc(r: InstallReport) -> dict[str, Any]:
    d = r.detected
    return {
        "schema": SCHEMA,
        "dry_run": r.dry_run,
        "profile": {"name": d.profile.name, "source": d.source, "detail": d.detail},
        "workspace": d.workspace,
        "instructions": {"path": r.source.path, "sha256": r.source.sha256},
        "files": [_action_doc(a, r.dry_run) for a in r.actions],
        "exclude": {"path": r.exclude_file, "added": list(r.exclude_added)},
        "notes": list(r.notes),
        "manifest": r.manifest,
    }


_WOULD = {"created": "create", "updated": "update", "removed": "remove", "restored": "restore"}


def _render_actions(actions: tuple[Action, ...], dry_run: bool) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for a in actions:
        verb = _WOULD.get(a.action, a.action) if dry_run else a.action
        line = f"  {verb:<9} {a.agent:<6} {a.path}"
        if a.backup:
            line += (
                f" (the previous file is kept as {a.backup})"
                if a.action not in ("restored",)
                else f" (from {a.backup})"
            )
        if a.note:
            line += f" ({a.note})"
        out.append((line, "yellow" if a.backup or a.action in ("kept", "left") else ""))
        if dry_run and a.diff:
            out += [(f"    {ln}", "dim") for ln in a.diff.rstrip("\n").splitlines()]
    return out


def render_install(r: InstallReport, console: Any) -> None:
    d = r.detected
    head = "agents install --dry-run (nothing written)" if r.dry_run else "agents install"
    out: list[tuple[str, str]] = [
        (f"{head}: profile {d.profile.name} ({d.source}: {d.detail})", "bold"),
        (f"  instructions: {r.source.path} (sha256 {r.source.sha256[:12]})", "dim"),
    ]
    out += _render_actions(r.actions, r.dry_run)
    if r.exclude_added:
        verb = "would add" if r.dry_run else "added"
        out.append((f"  {r.exclude_file}: {verb} {', '.join(r.exclude_added)}", ""))
    out += [(f"! {n}", "yellow") for n in r.notes]
    out.append(
        ("see what each agent loads now: ameide agents show; check: ameide agents check", "dim")
    )
    _lines(console, out)


def uninstall_doc(r: UninstallReport) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "dry_run": r.dry_run,
        "files": [_action_doc(a, r.dry_run) for a in r.actions],
        "manifest": r.manifest,
    }


def render_uninstall(r: UninstallReport, console: Any) -> None:
    head = "agents uninstall --dry-run (nothing written)" if r.dry_run else "agents uninstall"
    if not r.actions:
        _lines(console, [(f"{head}: nothing to remove ({r.manifest} records nothing)", "bold")])
        return
    out = [(f"{head}: what agents install added ({r.manifest})", "bold")]
    out += _render_actions(r.actions, r.dry_run)
    _lines(console, out)
