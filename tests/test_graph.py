"""Pure graph algorithms: the affected walk, topological order, cycle paths."""

from __future__ import annotations

from ameide.graph import affected, find_cycle, topo_order
from ameide.model import Reason, Target


def graph(edges: dict[str, list[str]]) -> dict[str, Target]:
    return {k: Target(k, "go", k, k, tuple(sorted(v))) for k, v in edges.items()}


def test_affected_follows_reverse_edges_with_shortest_chains() -> None:
    g = graph({"a": [], "b": ["a"], "c": ["b"], "d": ["a", "c"], "e": []})
    got = affected(g, {"a": Reason(("a",), "changed", "a/x.go")})
    assert {k: v.chain for k, v in got.items()} == {
        "a": ("a",),
        "b": ("b", "a"),
        "c": ("c", "b", "a"),
        "d": ("d", "a"),
    }


def test_affected_terminates_on_cycles() -> None:
    g = graph({"a": ["c"], "b": ["a"], "c": ["b"]})
    got = affected(g, {"a": Reason(("a",), "changed", "f")})
    assert set(got) == {"a", "b", "c"}


def test_unknown_seeds_are_ignored() -> None:
    assert affected(graph({"a": []}), {"zzz": Reason(("zzz",), "changed", "f")}) == {}


def test_topo_order_is_dependencies_first_and_stable() -> None:
    g = graph({"web": ["ui", "api"], "ui": ["core"], "api": [], "core": []})
    assert topo_order(g) == ["api", "core", "ui", "web"]


def test_cycle_is_reported_as_a_path() -> None:
    assert find_cycle(graph({"a": ["b"], "b": ["c"], "c": ["a"], "d": []})) == ["a", "b", "c", "a"]
    assert find_cycle(graph({"a": ["b"], "b": []})) is None


def test_topo_order_includes_cycle_members() -> None:
    assert topo_order(graph({"a": ["b"], "b": ["a"], "c": []})) == ["c", "a", "b"]
