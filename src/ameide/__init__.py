"""ameide: the change-aware test front door for polyglot monorepos."""

__version__ = "0.1.0"
