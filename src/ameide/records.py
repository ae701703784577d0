"""`@record`: frozen value classes without importing `dataclasses`.

`dataclasses` pulls in `inspect` (and with it ast, dis, tokenize): about 28 ms of start-up on
our machines, a fifth of an `ameide affected` answer. `record` generates the same kind of
`__init__`, `__eq__`, `__repr__` from the class annotations, and is declared a
`dataclass_transform` so type checkers see the constructors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import dataclass_transform

T = TypeVar("T")
if not TYPE_CHECKING:

    def dataclass_transform(**_kw: Any) -> Any:
        return lambda f: f


class _Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def field(*, default_factory: Callable[[], Any]) -> Any:
    """A default made fresh for every instance (like dataclasses.field)."""
    return _Factory(default_factory)


def _frozen_setattr(self: object, name: str, value: object) -> None:
    raise AttributeError(f"{type(self).__name__} is immutable (cannot set {name!r})")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T]) -> type[T]:
    annotations = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 - no inspect import
    names = [n for n in annotations if not n.startswith("_")]
    defaults: dict[str, Any] = {}
    for n in names:
        if n in cls.__dict__:
            defaults[n] = cls.__dict__[n]
    params, body = [], []
    env: dict[str, Any] = {"_set": object.__setattr__}
    for n in names:
        if n in defaults:
            d = defaults[n]
            env[f"_d_{n}"] = d
            if isinstance(d, _Factory):
                params.append(f"{n}=_d_{n}")
                body.append(f" _set(self, {n!r}, _d_{n}.make() if {n} is _d_{n} else {n})")
                continue
            params.append(f"{n}=_d_{n}")
        else:
            params.append(n)
        body.append(f" _set(self, {n!r}, {n})")
    src = f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(body) or " pass") + "\n"
    exec(src, env)
    ns = {
        k: v
        for k, v in cls.__dict__.items()
        if k not in names and k not in ("__dict__", "__weakref__")
    }
    ns["__slots__"] = tuple(names)
    ns["__init__"] = env["__init__"]
    ns["__setattr__"] = _frozen_setattr
    ns["__match_args__"] = tuple(names)
    fields = tuple(names)

    def __eq__(self: Any, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in fields)

    def __repr__(self: Any) -> str:
        inner = ", ".join(f"{f}={getattr(self, f)!r}" for f in fields)
        return f"{type(self).__name__}({inner})"

    def __hash__(self: Any) -> int:
        return hash(tuple(getattr(self, f) for f in fields))

    ns["__eq__"], ns["__repr__"], ns["__hash__"] = __eq__, __repr__, __hash__
    new: type[T] = type(cls.__name__, cls.__bases__, ns)
    new.__qualname__ = cls.__qualname__
    return new


def replace(obj: T, **changes: Any) -> T:
    """A copy of a record with some fields changed (like dataclasses.replace)."""
    values = {f: getattr(obj, f) for f in obj.__slots__}  # type: ignore[attr-defined]
    values.update(changes)
    return type(obj)(**values)
