"""The affected subgraph as a picture: Mermaid (Markdown, PR bodies) and DOT (Graphviz).

Each affected target is drawn with the edge its reason chain starts with (the dependency it is
affected through; dashed when only its tests import it), and each directly affected target
with what changed it. That is the shortest "why" of every target at once: follow the arrows
back from a target to the change. Stdlib only: `ameide affected --graph` is on the fast lane.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ameide.ecosystems import REGISTRY
from ameide.records import record

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

    from ameide.model import AffectedReport

FORMATS = ("mermaid", "dot")
PR_MAX_NODES = 50  # GitHub renders bigger graphs, but nobody reads them in a PR body
_CAUSE_MAX = 90  # characters of a cause label (a lockfile detail can be long)


@record
class Node:
    id: str
    ecosystem: str
    parent: str | None  # the first hop of its reason chain; None: affected directly
    test: bool  # that hop is a test-only import
    cause: str  # what changed, at the end of the chain (`changed js/ui/src/x.js`)


@record
class Picture:
    nodes: tuple[Node, ...]
    title: str  # one line: base and counts
    changed_files: int


def from_report(report: AffectedReport) -> Picture:
    """The picture of `ameide affected`'s answer."""
    from ameide.records import replace

    nodes = tuple(
        Node(
            a.target.id,
            a.target.ecosystem,
            a.reason.chain[1] if len(a.reason.chain) > 1 else None,
            a.reason.test and len(a.reason.chain) > 1,
            replace(a.reason, chain=(), test=False).explain(),
        )
        for a in report.affected
    )
    base = report.changes.base
    return Picture(nodes, _title(base.ref, base.commit, nodes), len(report.files))


_HOP = re.compile(r" <-(test-)? ")


def from_summary(doc: Mapping[str, Any]) -> Picture:
    """The picture of a run's planned targets, from summary.json (`targets[].reason` is the
    reason chain as `ameide affected --explain` prints it)."""
    nodes = []
    for t in doc.get("targets") or []:
        eco = str(t.get("ecosystem") or str(t["id"]).split(":", 1)[0])
        parts = _HOP.split(str(t.get("reason") or ""))
        # split() interleaves the captured `test-` marker: ids at 0, 2, ...; markers between
        segs, marks = parts[0::2], parts[1::2]
        if len(segs) < 2:  # `chosen with ameide run`: no chain
            nodes.append(Node(t["id"], eco, None, False, segs[0] if segs else ""))
            continue
        parent = segs[1] if len(segs) > 2 else None
        nodes.append(Node(t["id"], eco, parent, bool(parent and marks[0]), segs[-1]))
    base = doc.get("base") or {}
    picture = tuple(sorted(nodes, key=lambda n: n.id))
    return Picture(
        picture,
        _title(base.get("ref"), base.get("commit"), picture),
        len(doc.get("changed_files") or []),
    )


def _title(ref: str | None, commit: str | None, nodes: Iterable[Node]) -> str:
    nodes = list(nodes)
    direct = sum(1 for n in nodes if n.parent is None)
    where = f"{ref or '(none)'} @ {commit[:10] if commit else 'empty tree'}"
    return f"{len(nodes)} affected ({direct} directly) against {where}"


# ---------------------------------------------------------------------------- layout


@record
class _Layout:
    """What to draw: node keys and labels, grouped by ecosystem, and the edges."""

    causes: list[tuple[str, str]]  # (key, label): what changed
    groups: list[tuple[str, list[tuple[str, str, bool]]]]  # eco -> (key, label, direct)
    counts: list[tuple[str, str]]  # (key, label): targets left out, counted per ecosystem
    edges: list[tuple[str, str, bool]]  # (from key, to key, test edge)
    note: str | None  # what was left out


def node_count(p: Picture) -> int:
    """Nodes of the full picture: every target and every distinct cause."""
    return len(p.nodes) + len({n.cause for n in p.nodes if n.parent is None})


def _layout(p: Picture, max_nodes: int | None, keyed: bool) -> _Layout:
    """Every target and cause; above `max_nodes` nodes, the directly affected targets and a
    node per ecosystem counting the targets affected through them (an edge from each changed
    target to the counts it contributes to). `keyed`: short keys (Mermaid ids must be simple);
    else the target ids themselves (DOT)."""
    nodes = list(p.nodes)
    if max_nodes is not None and node_count(p) > max_nodes:
        return _shrunk(nodes, max_nodes, keyed)
    key = {n.id: f"n{i}" if keyed else n.id for i, n in enumerate(nodes)}
    causes: dict[str, str] = {}
    edges: list[tuple[str, str, bool]] = []
    extra: dict[str, str] = {}  # parents outside the picture (never with a full summary)
    for n in nodes:
        if n.parent is None:
            if n.cause not in causes:
                causes[n.cause] = f"c{len(causes)}"
            edges.append((causes[n.cause], key[n.id], False))
        else:
            if n.parent not in key and n.parent not in extra:
                extra[n.parent] = f"x{len(extra)}" if keyed else n.parent
            edges.append((key.get(n.parent) or extra[n.parent], key[n.id], n.test))
    groups = _groups(nodes, key)
    if extra:
        groups.append(("other", [(k, tid, False) for tid, k in extra.items()]))
    return _Layout([(k, _clip(c)) for c, k in causes.items()], groups, [], edges, None)


def _groups(
    nodes: list[Node], key: dict[str, str]
) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    groups = []
    known = REGISTRY.names()
    for eco in (*known, *sorted({n.ecosystem for n in nodes} - set(known))):
        members = [(key[n.id], n.id, n.parent is None) for n in nodes if n.ecosystem == eco]
        if members:
            groups.append((eco, members))
    return groups


def _shrunk(nodes: list[Node], max_nodes: int, keyed: bool) -> _Layout:
    by_id = {n.id: n for n in nodes}

    def root(n: Node) -> str:
        seen = set()
        while n.parent is not None and n.parent in by_id and n.id not in seen:
            seen.add(n.id)
            n = by_id[n.parent]
        return n.id

    direct = [n for n in nodes if n.parent is None]
    rest: dict[str, int] = {}
    reach: set[tuple[str, str]] = set()  # (changed target, ecosystem it reaches)
    for n in nodes:
        if n.parent is not None:
            rest[n.ecosystem] = rest.get(n.ecosystem, 0) + 1
            reach.add((root(n), n.ecosystem))
    room = max_nodes - len(rest)
    kept = direct if len(direct) <= room else direct[: max(room - 1, 1)]
    key = {n.id: f"n{i}" if keyed else n.id for i, n in enumerate(kept)}
    counts = [
        (f"more_{eco}", f"+{k} {eco} target{'s' if k != 1 else ''} affected through these")
        for eco, k in sorted(rest.items())
    ]
    edges = [(key[tid], f"more_{eco}", False) for tid, eco in sorted(reach) if tid in key]
    causes: dict[str, str] = {}
    if len(kept) == len(direct) and len(kept) + len(counts) + len({n.cause for n in kept}) <= (
        max_nodes
    ):  # what changed them still fits
        for n in kept:
            causes.setdefault(n.cause, f"c{len(causes)}")
        edges = [(causes[n.cause], key[n.id], False) for n in kept] + edges
    note = f"{len(nodes)} targets affected: the {len(direct)} changed ones"
    if len(kept) < len(direct):
        counts.append(("more_changed", f"+{len(direct) - len(kept)} more changed targets"))
        note = f"{len(nodes)} targets affected: {len(kept)} of the {len(direct)} changed ones"
    note += ", and counts of the others per ecosystem (summary.json lists them all)"
    cause_nodes = [(k, _clip(c)) for c, k in causes.items()]
    return _Layout(cause_nodes, _groups(kept, key), counts, edges, note)


def _clip(text: str) -> str:
    return text if len(text) <= _CAUSE_MAX else text[: _CAUSE_MAX - 3] + "..."


# ---------------------------------------------------------------------------- Mermaid


def _mm(text: str) -> str:
    """A label for a quoted Mermaid string. Mermaid's `#quot;` entity codes do not survive
    every renderer (Mermaid 12 shows them raw), so the few characters that would end the
    string or open an HTML tag are swapped for look-alikes."""
    text = text.replace('"', "'").replace("`", "'").replace("<", "\u2039")
    return _ENTITY.sub("#\u2060", text)  # `#name;` is Mermaid's entity syntax


_ENTITY = re.compile(r"#(?=\w+;)")


def mermaid(p: Picture, max_nodes: int | None = None) -> str:
    """A `flowchart LR` (without the ```mermaid fence): changes -> targets -> dependents."""
    lay = _layout(p, max_nodes, keyed=True)
    out = ["flowchart LR", f"  %% ameide affected: {p.title}"]
    if not p.nodes:
        n = p.changed_files
        out.append(f'  none["nothing affected ({n} changed file{"s" if n != 1 else ""})"]')
        return "\n".join(out) + "\n"
    for k, label in lay.causes:
        out.append(f'  {k}[/"{_mm(label)}"/]:::cause')
    for eco, members in lay.groups:
        out.append(f'  subgraph eco_{eco} ["{_mm(eco)} ({len(members)})"]')
        for k, label, direct in members:
            out.append(f'    {k}["{_mm(label)}"]' + (":::changed" if direct else ""))
        out.append("  end")
    for k, label in lay.counts:
        out.append(f'  {k}(["{_mm(label)}"]):::note')
    if lay.note:
        out.insert(2, f"  %% {lay.note}")
    for a, b, test in lay.edges:
        out.append(f"  {a} -. test .-> {b}" if test else f"  {a} --> {b}")
    out += [
        "  classDef cause fill:#fff3bf,stroke:#e67700,color:#000",
        "  classDef changed fill:#ffd8a8,stroke:#d9480f,color:#000",
        "  classDef note fill:#f1f3f5,stroke:#868e96,color:#000",
    ]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------- DOT


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot(p: Picture, max_nodes: int | None = None) -> str:
    """A Graphviz digraph: `ameide affected --graph dot | dot -Tsvg > affected.svg`."""
    lay = _layout(p, max_nodes, keyed=False)
    out = [
        "digraph affected {",
        f"  label={_q('ameide affected: ' + p.title)};",
        '  labelloc="t";',
        '  fontname="Helvetica";',
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];',
    ]
    if not p.nodes:
        n = p.changed_files
        out.append(f"  none [label={_q(f'nothing affected ({n} changed files)')}];")
    for k, label in lay.causes:
        out.append(f"  {k} [label={_q(label)}, shape=note, fillcolor={_q('#fff3bf')}];")
    for i, (eco, members) in enumerate(lay.groups):
        out.append(f"  subgraph cluster_{i} {{")
        out.append(f"    label={_q(f'{eco} ({len(members)})')};")
        for k, _label, direct in members:
            out.append(f"    {_q(k)}" + (f" [fillcolor={_q('#ffd8a8')}];" if direct else ";"))
        out.append("  }")
    for k, label in lay.counts:
        out.append(f"  {k} [label={_q(label)}, shape=oval, fillcolor={_q('#f1f3f5')}];")
    if lay.note:
        out.insert(1, f"  // {lay.note}")
    for a, b, test in lay.edges:
        out.append(f"  {_q(a)} -> {_q(b)}" + (' [style=dashed, label="test"];' if test else ";"))
    out.append("}")
    return "\n".join(out) + "\n"


def render(p: Picture, fmt: str, max_nodes: int | None = None) -> str:
    return mermaid(p, max_nodes) if fmt == "mermaid" else dot(p, max_nodes)
