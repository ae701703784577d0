"""Agent profiles: detection, the instruction stacks Codex and Claude Code load, installing a
profile's instructions, linting them, and the path guardrails phase 0 of `ameide test` enforces.
"""
