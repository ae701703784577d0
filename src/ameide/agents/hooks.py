"""The stop gate's hook entries: what `agents install` registers for each agent and how
`agents check` finds them again.

Both agents take the same shape (Codex's `hooks.json` mirrors Claude Code's `settings.json`
`hooks`): `{"hooks": {"<Event>": [{"hooks": [{"type": "command", "command": ..., "timeout":
<seconds>}]}]}}`. ameide registers `ameide gate --agent <agent>` on SessionStart (it records the
session's starting point, no test run) and on Stop (the gate), and recognises its own entries by
their command, so a person's other hooks are never touched.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ameide.agents.stack import AgentEnv

STOP_TIMEOUT = 900  # seconds the agents give the hook; the gate's own budget stays below it
START_TIMEOUT = 30
EVENTS = (("SessionStart", START_TIMEOUT), ("Stop", STOP_TIMEOUT))


def command(agent: str) -> str:
    return f"ameide gate --agent {agent}"


def hooks_file(agent: str, aenv: AgentEnv) -> str:
    """Codex: the user layer's `hooks.json` beside `$CODEX_HOME/config.toml`; Claude Code: the
    user's `settings.json`."""
    if agent == "codex":
        return os.path.join(aenv.codex_home, "hooks.json")
    return os.path.join(aenv.claude_home, "settings.json")


def _handler(agent: str, timeout: int) -> dict[str, Any]:
    return {"type": "command", "command": command(agent), "timeout": timeout}


def _is_ours(handler: object, agent: str) -> bool:
    return isinstance(handler, dict) and handler.get("command") == command(agent)


def find(doc: object, agent: str) -> list[tuple[str, int, int, dict[str, Any]]]:
    """(event, group index, handler index, handler) of every ameide entry for `agent`."""
    hooks = doc.get("hooks") if isinstance(doc, dict) else None
    out: list[tuple[str, int, int, dict[str, Any]]] = []
    if not isinstance(hooks, dict):
        return out
    for event, groups in hooks.items():
        if not isinstance(groups, list):
            continue
        for gi, group in enumerate(groups):
            handlers = group.get("hooks") if isinstance(group, dict) else None
            for hi, h in enumerate(handlers if isinstance(handlers, list) else []):
                if _is_ours(h, agent):
                    out.append((event, gi, hi, h))
    return out


def merge(doc: dict[str, Any], agent: str) -> dict[str, Any]:
    """`doc` with exactly one ameide handler per event (timeouts as ameide sets them); every
    other key and entry kept in place."""
    out = remove(doc, agent, keep_empty=True)
    hooks = out.setdefault("hooks", {})
    for event, timeout in EVENTS:
        groups = hooks.setdefault(event, [])
        groups.append({"hooks": [_handler(agent, timeout)]})
    return out


def remove(doc: dict[str, Any], agent: str, *, keep_empty: bool = False) -> dict[str, Any]:
    """`doc` without ameide's handlers; groups and events left empty by that are dropped (and
    the `hooks` object itself unless `keep_empty`)."""
    import copy

    out = copy.deepcopy(doc)
    hooks = out.get("hooks")
    if not isinstance(hooks, dict):
        return out
    for event in list(hooks):
        groups = hooks[event]
        if not isinstance(groups, list):
            continue
        kept = []
        for group in groups:
            handlers = group.get("hooks") if isinstance(group, dict) else None
            if isinstance(handlers, list) and any(_is_ours(h, agent) for h in handlers):
                rest = [h for h in handlers if not _is_ours(h, agent)]
                if not rest:
                    continue
                group = {**group, "hooks": rest}
            kept.append(group)
        if kept:
            hooks[event] = kept
        else:
            del hooks[event]
    if not hooks and not keep_empty:
        del out["hooks"]
    return out


def status(agent: str, aenv: AgentEnv) -> list[dict[str, Any]]:
    """Each expected ameide hook of `agent`: where it is registered and, for Codex, whether a
    person has trusted it (`trust`: trusted | not-reviewed | modified | disabled)."""
    from ameide.agents import codexconf
    from ameide.agents.claudeconf import read_json

    path = hooks_file(agent, aenv)
    doc, err = read_json(path)
    found = {event: (gi, hi, h) for event, gi, hi, h in find(doc, agent)}
    out: list[dict[str, Any]] = []
    for event, _ in EVENTS:
        entry: dict[str, Any] = {
            "agent": agent,
            "event": event,
            "path": path,
            "command": command(agent),
            "registered": event in found,
            "error": err,
        }
        if event in found:
            gi, hi, h = found[event]
            t = h.get("timeout")
            entry["timeout"] = t
            if agent == "codex":
                key = codexconf.hook_key(path, event, gi, hi)
                secs = t if isinstance(t, int) and not isinstance(t, bool) else 600
                trust, why = codexconf.trust_status(
                    aenv.codex_home, key, event, command(agent), secs
                )
                entry.update(key=key, trust=trust, trust_reason=why)
        out.append(entry)
    return out
