"""The cacheable task kinds are named twice: for validation (the ameide.toml schema's Literal)
and for the fast path (a frozenset that avoids importing pydantic). They must agree."""

from __future__ import annotations

from typing import get_args

from ameide.cache.settings import DEFAULT_KINDS
from ameide.config_schema import CACHEABLE_KIND


def test_schema_and_defaults_name_the_same_kinds() -> None:
    assert set(get_args(CACHEABLE_KIND)) == set(DEFAULT_KINDS)
