"""Output of the workspace contract commands: `toolchain check|install`, `workspace check`,
`codex seed`. JSON documents (stdlib only, `"schema": 1`) and plain aligned lines for people
(rich only for colour; lines are never wrapped so fixes stay copyable)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

    from ameide.workspace.checks import WorkspaceReport
    from ameide.workspace.codex import SeedResult
    from ameide.workspace.install import InstallReport
    from ameide.workspace.toolchain import ToolchainReport

SCHEMA = 1
_STYLE = {
    "pass": "green",
    "ok": "green",
    "current": "green",
    "installed": "green",
    "seeded": "green",
    "warn": "yellow",
    "skipped": "yellow",
    "kept-newer": "yellow",
    "none": "yellow",
    "fail": "red",
    "missing": "red",
    "mismatch": "red",
    "failed": "red",
    "invalid": "red",
}


def _table(rows: list[list[str]], console: Any, status_col: int | None = None) -> None:
    from rich.text import Text

    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        line = Text()
        for i, cell in enumerate(row):
            last = i == len(row) - 1
            pad = "" if last else " " * (widths[i] - len(cell) + 2)
            style = (
                "bold"
                if n == 0
                else (_STYLE.get(cell.split(" ")[0], "") if i == status_col else "")
            )
            line.append(cell, style=style)
            line.append(pad)
        line.rstrip()
        console.print(line, soft_wrap=True)


# ---------------------------------------------------------------------------- toolchain


def toolchain_doc(report: ToolchainReport) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "root": report.root,
        "ok": report.ok,
        "ecosystems": list(report.ecosystems),
        "tools": [
            {
                "tool": s.tool,
                "wanted": s.wanted,
                "label": s.label,
                "found": s.found,
                "path": s.path,
                "status": s.status,
                "needed": s.needed,
                "fix": s.fix,
                "source": s.source,
            }
            for s in report.statuses
        ],
    }


def render_toolchain(report: ToolchainReport, console: Any) -> None:
    from rich.text import Text

    rows = [["tool", "wanted", "found", "status", "path", "fix"]]
    for s in report.statuses:
        status = s.status if s.needed else f"{s.status} (not needed)"
        rows.append([s.tool, s.label, s.found or "-", status, s.path or "-", s.fix * s.needed])
    _table(rows, console, status_col=3)
    bad = [s for s in report.statuses if s.needed and not s.ok]
    needed = sum(1 for s in report.statuses if s.needed)
    if bad:
        console.print(
            Text(f"toolchain: {len(bad)} of {needed} needed tools need a fix", style="red"),
            soft_wrap=True,
        )
    else:
        console.print(
            Text(f"toolchain: all {needed} needed tools match", style="green"), soft_wrap=True
        )


def install_doc(report: InstallReport) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "prefix": report.prefix,
        "data_dir": report.data_dir,
        "ok": report.ok,
        "on_path": report.on_path,
        "elapsed": round(report.elapsed, 3),
        "tools": [
            {
                "tool": t.tool,
                "version": t.version,
                "status": t.status,
                "source": t.source,
                "links": list(t.links),
                "elapsed": round(t.elapsed, 3),
                "message": t.message,
            }
            for t in report.tools
        ],
    }


def render_install(report: InstallReport, console: Any) -> None:
    from rich.text import Text

    rows = [["tool", "version", "status", "source", "note"]]
    for t in report.tools:
        note = t.message
        if t.status == "installed":
            note = f"{', '.join(t.links)} in {report.prefix} ({t.elapsed:.1f} s)"
        rows.append([t.tool, t.version or "-", t.status, t.source or "-", note])
    _table(rows, console, status_col=2)
    if not report.on_path:
        console.print(
            Text(
                f'note: {report.prefix} is not on PATH: export PATH="{report.prefix}:$PATH"',
                style="yellow",
            ),
            soft_wrap=True,
        )
    failed = [t for t in report.tools if not t.ok]
    if failed:
        console.print(
            Text(
                f"toolchain install: {len(failed)} failed; the previous versions stay in place",
                style="red",
            ),
            soft_wrap=True,
        )
    else:
        changed = sum(1 for t in report.tools if t.status == "installed")
        what = f"{changed} installed" if changed else "nothing to do"
        console.print(
            Text(f"toolchain install: {what} ({report.elapsed:.2f} s)", style="green"),
            soft_wrap=True,
        )


# ---------------------------------------------------------------------------- workspace


def workspace_doc(report: WorkspaceReport) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "profile": report.profile,
        "ok": report.ok,
        "counts": {s: report.count(s) for s in ("pass", "warn", "fail")},
        "checks": [
            {"id": c.id, "group": c.group, "status": c.status, "message": c.message, "fix": c.fix}
            for c in report.checks
        ],
    }


def render_workspace(report: WorkspaceReport, console: Any) -> None:
    from rich.text import Text

    width = max((len(c.group) for c in report.checks), default=0)
    for c in report.checks:
        line = Text()
        line.append(c.status.upper().ljust(6), style=_STYLE[c.status])
        line.append(c.group.ljust(width + 2))
        line.append(c.message)
        console.print(line, soft_wrap=True)
        if c.fix and c.status != "pass":
            console.print(Text(" " * (width + 8) + f"fix: {c.fix}"), soft_wrap=True)
    verdict = "ok" if report.ok else "FAILED"
    console.print(
        Text(
            f"workspace check {verdict}: {report.count('pass')} pass, {report.count('warn')} "
            f"warn, {report.count('fail')} fail (profile {report.profile})",
            style="green" if report.ok else "red",
        ),
        soft_wrap=True,
    )


# ---------------------------------------------------------------------------- codex seed


def seed_doc(result: SeedResult) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "status": result.status,
        "slot": result.slot,
        "secret": result.secret,
        "secret_path": result.secret_path,
        "auth_path": result.auth_path,
        "config_path": result.config_path,
        "config_changed": result.config_changed,
        "message": result.message,
        "tried": list(result.tried),
        "warnings": list(result.warnings),
    }


def render_seed(result: SeedResult, console: Any, err_console: Any) -> None:
    from rich.text import Text

    for w in result.warnings:
        err_console.print(Text(f"warning: {w}", style="yellow"), soft_wrap=True)
    if result.status in ("none", "missing", "invalid"):
        label = "warning" if result.status == "none" else "error"
        err_console.print(
            Text(f"{label}: codex: {result.message}", style=_STYLE[result.status]), soft_wrap=True
        )
        err_console.print(Text(f"  looked for: {', '.join(result.tried)}"), soft_wrap=True)
        err_console.print(
            Text(
                "  hint: mount the secrets there (docs/workspace.md), set "
                "AMEIDE_CODEX_SECRETS_DIR, or run `codex login --device-auth`"
            ),
            soft_wrap=True,
        )
    else:
        console.print(Text(f"codex: {result.message}"), soft_wrap=True)
    if result.config_changed:
        console.print(
            Text(f'codex: set cli_auth_credentials_store = "file" in {result.config_path}'),
            soft_wrap=True,
        )
