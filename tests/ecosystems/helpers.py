"""Ecosystem test helpers: parse inline files the way `discovery.discover` does, minus caching."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from ameide.config import Config
from ameide.discovery import build_graph
from ameide.ecosystems import REGISTRY

if TYPE_CHECKING:
    from typing import Any

    from ameide.model import Graph

ROOT = "/repo"


def text(content: str) -> bytes:
    """Dedented file content, without the leading newline of a triple-quoted literal."""
    return textwrap.dedent(content).lstrip("\n").encode()


def facts_of(files: dict[str, str | bytes]) -> dict[str, dict[str, Any]]:
    """Facts of every file some ecosystem finds relevant (the first one wins, as in discover)."""
    ecos = REGISTRY.all()
    facts: dict[str, dict[str, Any]] = {}
    for path in sorted(files):
        for eco in ecos:
            if eco.relevant(path):
                content = files[path]
                data = content if isinstance(content, bytes) else text(content)
                facts[path] = eco.parse(path, data)
                break
    return facts


def graph_of(files: dict[str, str | bytes], *, reverse: bool = False) -> Graph:
    """The Graph of an in-memory tree; `reverse` feeds the facts in reverse path order."""
    facts = facts_of(files)
    if reverse:
        facts = dict(reversed(list(facts.items())))
    return build_graph(ROOT, frozenset(files), facts, Config.from_data(None, "", {}))


def deps_of(graph: Graph) -> dict[str, tuple[str, ...]]:
    """Every target id with its deps: one exact value for the whole graph shape."""
    return {tid: t.deps for tid, t in graph.targets.items()}
