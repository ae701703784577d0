"""The workspace contract: toolchain pins and checks (hardening, code-server, Codex follow)."""
