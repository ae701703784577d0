"""Reporters: render core results as JSON (stdlib only) or for people (rich, imported lazily)."""
