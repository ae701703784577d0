"""Pure graph algorithms: affected = seeds + transitive dependents with reason chains,
deterministic topological order, cycles reported as a path."""

from __future__ import annotations

from collections import deque

from ameide.model import Reason, Target


def affected(
    targets: dict[str, Target],
    seeds: dict[str, Reason],
    terminal: frozenset[str] | set[str] = frozenset(),
) -> dict[str, Reason]:
    """Every target a change reaches, each with the shortest chain back to it.

    A seed in `terminal` affects itself only (its test files changed); every other seed
    passes the change to its dependents over `deps`, transitively, and from each target the
    change reached, one hop further to the targets whose tests import it (`test_deps`): a
    test binary's closure holds the changed code, but nothing depends on a test. A target that
    is itself a seed keeps its own reason. Breadth-first in sorted order, so the same inputs
    always give the same chains; every target is visited once, so cycles cannot hang it.
    """
    rev: dict[str, list[str]] = {tid: [] for tid in targets}
    rev_test: dict[str, list[str]] = {}
    for t in targets.values():
        for d in t.deps:
            if d in rev:
                rev[d].append(t.id)
        for d in t.test_deps:
            if d in rev:
                rev_test.setdefault(d, []).append(t.id)
    result: dict[str, Reason] = {tid: seeds[tid] for tid in sorted(seeds) if tid in targets}
    reached: dict[str, Reason] = {}
    queue: deque[str] = deque()
    for tid in result:
        if tid not in terminal:
            reached[tid] = result[tid]
            queue.append(tid)
    order: list[str] = []
    while queue:
        cur = queue.popleft()
        order.append(cur)
        why = reached[cur]
        for dep in sorted(rev[cur]):
            if dep not in reached:
                reached[dep] = Reason(
                    (dep, *why.chain), why.kind, why.file, why.deleted, why.detail
                )
                queue.append(dep)
    for tid in order:
        result.setdefault(tid, reached[tid])
    if rev_test:
        for tid in order:
            why = reached[tid]
            for dep in sorted(rev_test.get(tid, ())):
                if dep not in result:
                    result[dep] = Reason(
                        (dep, *why.chain), why.kind, why.file, why.deleted, why.detail, True
                    )
    return result


def topo_order(targets: dict[str, Target]) -> list[str]:
    """Dependencies first, ties broken by id; members of a cycle come in id order."""
    indeg = {tid: 0 for tid in targets}
    rev: dict[str, list[str]] = {tid: [] for tid in targets}
    for t in targets.values():
        for d in t.deps:
            if d in targets and d != t.id:
                indeg[t.id] += 1
                rev[d].append(t.id)
    import heapq

    ready = [tid for tid, n in indeg.items() if n == 0]
    heapq.heapify(ready)
    out: list[str] = []
    while ready:
        cur = heapq.heappop(ready)
        out.append(cur)
        for nxt in rev[cur]:
            indeg[nxt] -= 1
            if indeg[nxt] == 0:
                heapq.heappush(ready, nxt)
    if len(out) < len(targets):
        out += sorted(tid for tid in targets if tid not in set(out))
    return out


def find_cycle(targets: dict[str, Target]) -> list[str] | None:
    """One dependency cycle as a path `a -> b -> ... -> a`, or None. Iterative DFS."""
    color: dict[str, int] = {}
    for start in sorted(targets):
        if color.get(start):
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            node, i = stack.pop()
            if i == 0:
                color[node] = 1
                path.append(node)
            deps = [d for d in targets[node].deps if d in targets]
            if i < len(deps):
                stack.append((node, i + 1))
                nxt = deps[i]
                c = color.get(nxt, 0)
                if c == 1:
                    return [*path[path.index(nxt) :], nxt]
                if c == 0:
                    stack.append((nxt, 0))
            else:
                color[node] = 2
                path.pop()
    return None
