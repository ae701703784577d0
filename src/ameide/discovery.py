"""Discovery: the file index + parsed manifest facts -> the target Graph, with two caches.

Facts are parsed per file and cached by git blob id (clean files) so a rebuild rereads only
changed manifests and sources; the whole graph is cached under a key made of every relevant
file's blob id (or, for a dirty file, the digest of its parsed facts, so editing a function
body does not invalidate the graph). Both caches live in `<git-dir>/ameide/`.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import TYPE_CHECKING

from ameide.config import Config
from ameide.ecosystems import Context, load_all
from ameide.errors import ConfigError
from ameide.fsutil import atomic_write_text
from ameide.model import GlobalRule, Graph, LockfileRef, Target

if TYPE_CHECKING:
    from typing import Any

CACHE_VERSION = "graph-v1"
PRESENCE = ("uv.lock", "pnpm-lock.yaml", "go.work.sum")


def cache_dir_for(git_dir: str) -> str:
    return os.path.join(git_dir, "ameide")


def _read(root: str, path: str) -> bytes:
    with open(os.path.join(root, path), "rb") as fh:
        return fh.read()


def discover(
    root: str, blobs: dict[str, str | None], config: Config, cache_dir: str | None
) -> Graph:
    ecos = load_all()
    relevant: dict[str, Any] = {}
    presence: list[str] = []
    # relevance is decided by the file name, then confirmed on the full path (skipped
    # directories); caching by name keeps this loop cheap on repos of tens of thousands of files
    by_name: dict[str, Any] = {}
    for path in blobs:
        name = path.rpartition("/")[2]
        eco = by_name.get(name, False)
        if eco is False:
            eco = next((e for e in ecos if e.relevant(name)), None)
            by_name[name] = eco
        if eco is not None:
            if eco.relevant(path):
                relevant[path] = eco
        elif name in PRESENCE:
            presence.append(path)

    facts: dict[str, dict[str, Any]] = {}
    h = hashlib.sha256(f"{CACHE_VERSION}\0{config.digest}\0".encode())
    for path in sorted(relevant):
        blob = blobs[path]
        if blob is None:  # dirty: parse now, key on the facts themselves
            f = _parse(relevant[path], root, path)
            facts[path] = f
            token = "f:" + hashlib.sha1(json.dumps(f, sort_keys=True).encode()).hexdigest()
        else:
            token = "b:" + blob
        h.update(f"{path}\0{token}\0".encode())
    for path in sorted(presence):
        h.update(f"{path}\0p\0".encode())
    key = h.hexdigest()

    graph_file = os.path.join(cache_dir, "graph.json") if cache_dir else None
    if graph_file:
        cached = _load_json(graph_file)
        if cached and cached.get("key") == key:
            try:
                return _graph_from_json(root, cached["graph"])
            except (KeyError, TypeError, ValueError):
                pass  # damaged: rebuild

    facts_file = os.path.join(cache_dir, "facts.json") if cache_dir else None
    fcache = (_load_json(facts_file) or {}) if facts_file else {}
    if not isinstance(fcache, dict) or fcache.get("version") != CACHE_VERSION:
        fcache = {"version": CACHE_VERSION, "facts": {}}
    by_blob: dict[str, Any] = fcache["facts"]
    new_by_blob: dict[str, Any] = {}
    for path, eco in relevant.items():
        blob = blobs[path]
        if blob is None:
            continue
        ck = f"{eco.NAME}:{path.rsplit('/', 1)[-1]}:{blob}"
        cached_facts = by_blob.get(ck)
        parsed = cached_facts if cached_facts is not None else _parse(eco, root, path)
        facts[path] = parsed
        new_by_blob[ck] = parsed

    graph = build_graph(root, frozenset(blobs), facts, config)
    if cache_dir:
        try:
            atomic_write_text(
                facts_file or "", json.dumps({"version": CACHE_VERSION, "facts": new_by_blob})
            )
            atomic_write_text(
                graph_file or "", json.dumps({"key": key, "graph": _graph_to_json(graph)})
            )
        except OSError:
            pass  # a read-only git dir only costs speed
    return graph


def _parse(eco: Any, root: str, path: str) -> dict[str, Any]:
    try:
        data = _read(root, path)
    except OSError as exc:
        return {"error": f"cannot read: {exc.strerror}"}
    result: dict[str, Any] = eco.parse(path, data)
    return result


def _load_json(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def build_graph(
    root: str, paths: frozenset[str], facts: dict[str, dict[str, Any]], config: Config
) -> Graph:
    """Run every ecosystem over the parsed facts and join the parts into one Graph."""
    ctx = Context(paths=paths, facts=facts)
    globals_: list[GlobalRule] = []
    lockfiles: list[LockfileRef] = []
    module_files: dict[str, tuple[str, ...]] = {}
    extra: dict[str, set[str]] = {}
    warnings: list[str] = []
    errors: list[tuple[str, str, str]] = []
    for eco in load_all():
        part = eco.build(ctx)
        for t in part.targets:
            if t.id in ctx.targets:
                errors.append(
                    (
                        t.manifest or t.path,
                        f"target id {t.id} is defined twice",
                        "rename one of the packages",
                    )
                )
            ctx.targets[t.id] = t
        globals_ += part.globals
        lockfiles += part.lockfiles
        module_files.update(part.module_files)
        for k, v in part.extra_deps.items():
            extra.setdefault(k, set()).update(v)
        warnings += part.warnings
        errors += part.errors
    if errors:
        lines = [f"{f}: {msg}" for f, msg, _ in errors[:8]]
        more = f"\n(and {len(errors) - 8} more)" if len(errors) > 8 else ""
        raise ConfigError(
            "malformed manifest: " + "\n".join(lines) + more, hint=errors[0][2], path=errors[0][0]
        )
    targets = dict(ctx.targets)
    for tid, deps in extra.items():
        t = targets.get(tid)
        if t is not None:
            targets[tid] = Target(
                t.id,
                t.ecosystem,
                t.name,
                t.path,
                tuple(sorted(set(t.deps) | deps - {tid})),
                t.manifest,
                t.group,
                t.meta,
            )
    globals_.append(GlobalRule("ameide.toml", "*", why="ameide configuration"))
    for g in config.affected_global:
        globals_.append(GlobalRule(g, "*", why="[affected] global in ameide.toml"))

    from ameide.graph import find_cycle

    cycle = find_cycle(targets)
    if cycle:
        warnings.append("dependency cycle: " + " -> ".join(cycle))
    return Graph(
        root,
        dict(sorted(targets.items())),
        tuple(globals_),
        tuple(lockfiles),
        module_files,
        tuple(warnings),
    )


def _graph_to_json(g: Graph) -> dict[str, Any]:
    return {
        "targets": [t.to_json() for t in g.targets.values()],
        "globals": [[r.path, r.scope, list(r.targets), r.why] for r in g.globals],
        "lockfiles": [[lf.path, lf.kind, lf.workspace] for lf in g.lockfiles],
        "module_files": {k: list(v) for k, v in g.module_files.items()},
        "warnings": list(g.warnings),
    }


def _graph_from_json(root: str, d: dict[str, Any]) -> Graph:
    return Graph(
        root,
        {t["id"]: Target.from_json(t) for t in d["targets"]},
        tuple(GlobalRule(p, s, tuple(t), w) for p, s, t, w in d["globals"]),
        tuple(LockfileRef(p, k, w) for p, k, w in d["lockfiles"]),
        {k: tuple(v) for k, v in d["module_files"].items()},
        tuple(d["warnings"]),
    )
