"""YAML loading with libyaml when available (pnpm lockfiles can be many megabytes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any


def _loader() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(data: bytes | str) -> Any:
    import yaml

    try:
        return yaml.load(data, Loader=_loader())
    except yaml.YAMLError as exc:
        raise ValueError(f"invalid YAML: {str(exc).splitlines()[0]}") from exc


def load_yaml_all(data: bytes | str) -> list[Any]:
    import yaml

    try:
        return list(yaml.load_all(data, Loader=_loader()))
    except yaml.YAMLError as exc:
        raise ValueError(f"invalid YAML: {str(exc).splitlines()[0]}") from exc
