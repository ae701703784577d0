"""What Claude Code reads from its settings that decides which instruction files load.

- The agents-md mod's option `projectInstructions` (`claude`, `agents-fallback`, `both`,
  `none`), from `pluginConfigs["agents-md@builtin"].options` in the user's `settings.json` or the
  managed settings; a project's `.claude/settings.json` is not read for plugin options. Unset,
  the sources disagree (the mod defaults to `claude`; the 2.1.277 changelog reads AGENTS.md in a
  project without CLAUDE.md, except on Bedrock, Vertex and Foundry): ameide then calls it
  unknown and claims nothing that depends on it.
- Whether a person approved "external" imports (files outside the start folder) for the
  project: `projects[<dir>].hasClaudeMdExternalIncludesApproved` in `~/.claude.json`.
"""

from __future__ import annotations

import json
import os
from typing import Any

MODES = ("claude", "agents-fallback", "both", "none")
PLUGIN_KEY = "agents-md@builtin"
MANAGED_SETTINGS = "/etc/claude-code/managed-settings.json"


def read_json(path: str) -> tuple[Any, str | None]:
    """(document, None), (None, None) when absent, (None, error) when invalid."""
    from ameide.agents.codexconf import read_doc

    return read_doc(path, json.loads, "JSON")


def mode(claude_home: str, managed: str = MANAGED_SETTINGS) -> tuple[str | None, str]:
    """(mode, where it was read); mode None when unset or invalid (the default is unknown)."""
    found: tuple[str | None, str] = (None, "unset")
    for path in (os.path.join(claude_home, "settings.json"), managed):  # managed wins
        doc, _ = read_json(path)
        opts = (
            doc.get("pluginConfigs", {}).get(PLUGIN_KEY, {}).get("options", {})
            if isinstance(doc, dict)
            else {}
        )
        value = opts.get("projectInstructions") if isinstance(opts, dict) else None
        if value is None:
            continue
        if value in MODES:
            found = (str(value), path)
        else:
            found = (None, f"{path} (invalid value {value!r}: read as the default)")
    return found


def external_imports_approved(claude_json: str, dirs: list[str | None]) -> bool:
    """Has a person approved imports from outside the start folder for this project?"""
    doc, _ = read_json(claude_json)
    projects = doc.get("projects") if isinstance(doc, dict) else None
    if not isinstance(projects, dict):
        return False
    for d in dirs:
        if not d:
            continue
        for key in dict.fromkeys((d, os.path.realpath(d))):
            entry = projects.get(key)
            if isinstance(entry, dict) and entry.get("hasClaudeMdExternalIncludesApproved"):
                return True
    return False
