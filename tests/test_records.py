"""`@record`: frozen value classes with generated constructors."""

from __future__ import annotations

import pytest

from ameide.records import field, record


@record
class Point:
    x: int
    y: int = 0
    tags: list[str] = field(default_factory=list)


def test_constructor_defaults_equality_and_repr() -> None:
    p = Point(1)
    assert (p.x, p.y, p.tags) == (1, 0, [])
    assert Point(1) == Point(1, 0, []) and Point(1) != Point(2)
    assert repr(Point(1, 2)) == "Point(x=1, y=2, tags=[])"
    assert Point(1).tags is not Point(1).tags


def test_records_are_immutable() -> None:
    with pytest.raises(AttributeError, match="immutable"):
        Point(1).x = 3  # type: ignore[misc]
