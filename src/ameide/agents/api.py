"""The core calls behind `ameide profile` and `ameide agents show|check|install`: each
returns records for the reporters (no printing here)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ameide.agents.detect import Detected
    from ameide.agents.guardrails import Allowlist
    from ameide.agents.install import InstallReport, UninstallReport
    from ameide.agents.lint import CheckReport, CommandInfo
    from ameide.agents.stack import AgentEnv, Stack


def detect_here(cwd: str, env: Mapping[str, str], workspace: str | None = None) -> Detected:
    from ameide.agents.detect import detect
    from ameide.agents.install import roots_for

    return detect(roots_for(workspace, cwd), env, workspace=workspace)


@record
class ProfileReport:
    detected: Detected
    prs: tuple[bool, str]  # allowed, why
    allowlist: Allowlist | None
    known: tuple[str, ...]


def profile(cwd: str, env: Mapping[str, str]) -> ProfileReport:
    from ameide.agents.guardrails import load_allowlist
    from ameide.agents.profiles import known

    d = detect_here(cwd, env)
    return ProfileReport(
        d, d.profile.prs_allowed(env), load_allowlist(d.roots.root), tuple(known(env))
    )


@record
class ShowReport:
    detected: Detected
    stacks: tuple[Stack, ...]


def stacks(
    detected: Detected, env: Mapping[str, str], agents: tuple[str, ...], aenv: AgentEnv | None
) -> list[Stack]:
    from ameide.agents import hooks, install, skill
    from ameide.agents.stack import AgentEnv, Expected, claude_stack, codex_stack

    aenv = aenv or AgentEnv.from_env(env)
    pt = install.profile_text(detected)
    expected = Expected(
        f"{detected.profile.name} profile", pt.path, pt.text, detected.roots.git_root
    )
    stale = {i.path: i for i in install.status(detected, aenv, env) if i.problems}
    versions = agent_versions(env, agents)
    out = []
    for agent in agents:
        fn = codex_stack if agent == "codex" else claude_stack
        st = fn(detected.roots.cwd, aenv, expected)
        extra = [
            f"{f.path}: installed by ameide agents install but stale "
            f"({'; '.join(stale[f.path].problems)}); rerun `ameide agents install`"
            for f in st.files
            if f.path in stale
        ]
        from ameide.records import replace

        st = replace(
            st,
            warnings=(*st.warnings, *extra),
            settings={
                **st.settings,
                "version": versions.get(agent),
                "skills": skill.discovered(agent, detected.roots.cwd, aenv),
                "hooks": hooks.status(agent, aenv),
            },
        )
        out.append(st)
    return out


def agent_versions(env: Mapping[str, str], agents: tuple[str, ...]) -> dict[str, str | None]:
    """`<agent> --version` of the agents on PATH (None when not installed here)."""
    import shutil

    from ameide import proc

    out: dict[str, str | None] = {}
    for agent in agents:
        exe = shutil.which(agent, path=env.get("PATH"))
        if exe is None:
            out[agent] = None
            continue
        r = proc.run((exe, "--version"), os.getcwd(), env=env, timeout=10)
        out[agent] = r.text().strip().splitlines()[0] if r.ok and r.text().strip() else None
    return out


def show(
    cwd: str,
    env: Mapping[str, str],
    agents: tuple[str, ...] = ("codex", "claude"),
    aenv: AgentEnv | None = None,
) -> ShowReport:
    d = detect_here(cwd, env)
    return ShowReport(d, tuple(stacks(d, env, agents, aenv)))


def check(
    cwd: str,
    env: Mapping[str, str],
    commands: Mapping[tuple[str, ...], CommandInfo],
    aenv: AgentEnv | None = None,
) -> CheckReport:
    from ameide.agents.lint import check as lint
    from ameide.agents.stack import AgentEnv

    aenv = aenv or AgentEnv.from_env(env)
    d = detect_here(cwd, env)
    return lint(d, stacks(d, env, ("codex", "claude"), aenv), env, commands, aenv)


def install(
    cwd: str,
    env: Mapping[str, str],
    workspace: str | None = None,
    *,
    in_repo: bool = False,
    dry_run: bool = False,
    aenv: AgentEnv | None = None,
) -> InstallReport:
    from ameide.agents.install import install as do_install
    from ameide.agents.stack import AgentEnv

    ws = os.path.abspath(workspace) if workspace else None
    if ws is not None and not os.path.isdir(ws):
        from ameide.errors import UsageError

        raise UsageError(
            f"--workspace-root {workspace}: not a directory",
            hint="pass the workspace directory that holds repo/ (e.g. /workspaces/code)",
        )
    aenv = aenv or AgentEnv.from_env(env)
    return do_install(detect_here(cwd, env, ws), aenv, env, in_repo=in_repo, dry_run=dry_run)


def uninstall(env: Mapping[str, str], *, dry_run: bool = False) -> UninstallReport:
    from ameide.agents.install import uninstall as do_uninstall

    return do_uninstall(env, dry_run=dry_run)
