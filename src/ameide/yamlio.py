"""YAML loading with libyaml when available (pnpm lockfiles can be many megabytes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any


def _loader() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _problem(exc: Exception) -> ValueError:
    """`invalid YAML: line 2, column 11: expected ',' or ']', but got '<stream end>'` (the
    position and the problem, not the parser's context lines)."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    return ValueError(f"invalid YAML: {where}{what}")


def load_yaml(data: bytes | str) -> Any:
    import yaml

    try:
        return yaml.load(data, Loader=_loader())
    except yaml.YAMLError as exc:
        raise _problem(exc) from exc


def load_yaml_all(data: bytes | str) -> list[Any]:
    import yaml

    try:
        return list(yaml.load_all(data, Loader=_loader()))
    except yaml.YAMLError as exc:
        raise _problem(exc) from exc
