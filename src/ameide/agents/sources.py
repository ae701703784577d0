"""Where each rule about the agents comes from: the versions ameide's models assume.

`agents show`/`check` report these, and docs/profiles.md cites the same files with the same
commits, so a reader can open every rule at its source.
"""

from __future__ import annotations

# Codex CLI: files of github.com/openai/codex at the commits read
CODEX_AGENTS_MD = "openai/codex codex-rs/core/src/agents_md.rs@0cf644af"
CODEX_CONFIG_LOADER = "openai/codex codex-rs/config/src/loader/mod.rs@12883137"
CODEX_SKILLS = "openai/codex codex-rs/core-skills/src/loader.rs@033d1d07"
CODEX_HOOKS = "openai/codex codex-rs/hooks/src/engine/discovery.rs@0082977c"
CODEX_STOP = "openai/codex codex-rs/hooks/src/events/stop.rs@0082977c"
CODEX_ASSUMED = (
    "Codex CLI as of openai/codex main (agents_md.rs@0cf644af, config loader@12883137, "
    "hooks@0082977c)"
)

# Claude Code: its documentation, its changelog and the agents-md mod of its public repository
CLAUDE_MOD = "anthropics/claude-code mods/agents-md@42a37c29 (plugin 0.1.0)"
CLAUDE_AGENTS_MD_VERSION = "2.1.277"
CLAUDE_BLOCK_CAP_VERSION = "2.1.143"
CLAUDE_ASSUMED = (
    f"Claude Code >= {CLAUDE_AGENTS_MD_VERSION} (AGENTS.md support) with the built-in agents-md "
    "mod 0.1.0"
)
