"""The cacheable task kinds are named twice: for validation (the ameide.toml schema, built
from the registry) and for the fast path (a frozenset that avoids importing pydantic). They
must agree."""

from __future__ import annotations

from typing import Any, get_args

from ameide.cache.settings import default_kinds
from ameide.config_schema import config_model


def test_schema_and_defaults_name_the_same_kinds() -> None:
    cache: Any = config_model().model_fields["cache"].annotation
    kinds = cache.model_fields["kinds"].annotation  # list[Literal[...]] | None
    literal = get_args(get_args(kinds)[0])[0]
    assert set(get_args(literal)) == set(default_kinds())
    assert {"vet", "collect", "typecheck", "buf-lint", "unit", "contract"} <= default_kinds()
