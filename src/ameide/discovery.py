"""Discovery: the file index + parsed manifest facts -> the target Graph, with two caches.

Facts are parsed per file and cached by git blob id (clean files) so a rebuild rereads only
changed manifests and sources; the whole graph is cached under a key made of every relevant
file's blob id (or, for a dirty file, the digest of its parsed facts, so editing a function
body does not invalidate the graph). Both caches live in `<git-dir>/ameide/`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import os
import sys
from typing import TYPE_CHECKING

from ameide.config import Config
from ameide.ecosystems import REGISTRY, Context
from ameide.errors import ConfigError
from ameide.fsutil import atomic_write_bytes
from ameide.model import ConfigRef, GlobalRule, Graph, LockfileRef, Target
from ameide.records import replace

if TYPE_CHECKING:
    from typing import Any

CACHE_VERSION = "graph-v6"


def cache_dir_for(git_dir: str) -> str:
    return os.path.join(git_dir, "ameide")


def _read(root: str, path: str) -> bytes:
    with open(os.path.join(root, path), "rb") as fh:
        return fh.read()


def discover(
    root: str,
    blobs: dict[str, str | None],
    config: Config,
    cache_dir: str | None,
    *,
    token: str | None = None,
    touched: dict[str, str | None] | None = None,
) -> Graph:
    """The graph of the monorepo whose files are `blobs` (path -> index blob id, None when the
    work tree differs), from the graph cache when nothing that defines it changed.

    With the index listing's identity (`token`) and the paths that differ from it
    (`touched`, with their listing blob), the scan of every path for the relevant ones is
    itself cached per listing: a warm run looks only at the touched paths."""
    ecos = list(REGISTRY.all())
    by_eco = {e.name: e for e in ecos}
    presence = REGISTRY.presence_files()  # files whose presence alone changes the graph
    if touched is None:  # without the listing's identity: every dirty path is touched
        token, touched = None, {p: None for p, b in blobs.items() if b is None}
    # the listing's digest alone answers a warm run; the relevant files are read on a miss
    index_digest = _listing_digest(cache_dir, token)
    if index_digest is None:
        index_digest = _listing(blobs, ecos, cache_dir, token, touched)[2]
    relevant: dict[str, Any] = {}
    facts: dict[str, dict[str, Any]] = {}
    # the key: the listing's digest, then every path that differs from it (by its parsed
    # facts for a relevant file, so editing a function body keeps the cache)
    parts = [CACHE_VERSION, REGISTRY.digest(), config.digest, index_digest]
    by_name: dict[str, Any] = {}
    for path in sorted(touched):
        if path not in blobs:
            parts += (path, "gone")
            continue
        eco = _relevance(path, ecos, by_name)
        if eco is not None:
            relevant[path] = eco
            if blobs[path] is None:
                f = _parse(eco, root, path)
                facts[path] = f
                token_ = "f:" + hashlib.sha1(json.dumps(f, sort_keys=True).encode()).hexdigest()
            else:
                token_ = "b:" + str(blobs[path])
            parts += (path, token_)
        elif path.rpartition("/")[2] in presence:
            parts += (path, "p")
        else:
            parts += (path, "-")
    key = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()

    graph_file = os.path.join(cache_dir, "graph.bin") if cache_dir else None
    if graph_file:
        cached = _load_cache(graph_file)
        if isinstance(cached, tuple) and len(cached) == 2 and cached[0] == key:
            try:
                return _graph_from_rows(root, cached[1])
            except (KeyError, TypeError, ValueError):
                pass  # damaged: rebuild

    rel_names = _listing(blobs, ecos, cache_dir, token, touched)[0]
    for path, name in rel_names.items():
        if path not in touched:
            relevant[path] = by_eco[name]
    facts_file = os.path.join(cache_dir, "facts.bin") if cache_dir else None
    fcache = (_load_cache(facts_file) or {}) if facts_file else {}
    if not isinstance(fcache, dict) or not isinstance(fcache.get("facts"), dict):
        fcache = {"facts": {}}
    by_blob: dict[str, Any] = fcache["facts"]
    new_by_blob: dict[str, Any] = {}
    for path, eco in relevant.items():
        blob = blobs[path]
        if blob is None:
            continue
        ck = f"{eco.name}@{eco.version}:{path.rsplit('/', 1)[-1]}:{blob}"
        cached_facts = by_blob.get(ck)
        parsed = cached_facts if cached_facts is not None else _parse(eco, root, path)
        facts[path] = parsed
        new_by_blob[ck] = parsed

    graph = build_graph(root, frozenset(blobs), facts, config)
    if cache_dir:
        try:
            _store_cache(facts_file or "", {"facts": new_by_blob})
            _store_cache(graph_file or "", (key, _graph_to_rows(graph)))
        except OSError:
            pass  # a read-only git dir only costs speed
    return graph


def _relevance(path: str, ecos: list[Any], by_name: dict[str, Any]) -> Any:
    """The ecosystem that reads `path`: decided by the file name, then confirmed on the full
    path (skipped directories); cached by name, as names repeat across tens of thousands."""
    name = path.rpartition("/")[2]
    eco = by_name.get(name, False)
    if eco is False:
        eco = next((e for e in ecos if e.relevant(name)), None)
        by_name[name] = eco
    if eco is not None and eco.relevant(path):
        return eco
    return None


_LISTING = "listing.bin"
_LISTING_DIGEST = "listing-digest.bin"


def _keyed(token: str) -> str:
    """A listing token of these plug-ins: another set of ecosystems reads other files."""
    return f"{token}|{REGISTRY.digest()}"


def _listing_digest(cache_dir: str | None, token: str | None) -> str | None:
    if not cache_dir or not token:
        return None
    token = _keyed(token)
    cached = _load_cache(os.path.join(cache_dir, _LISTING_DIGEST))
    if isinstance(cached, tuple) and len(cached) == 2 and cached[0] == token:
        return str(cached[1])
    return None


def _listing(
    blobs: dict[str, str | None],
    ecos: list[Any],
    cache_dir: str | None,
    token: str | None,
    touched: dict[str, str | None] | None,
) -> tuple[dict[str, str], list[str], str]:
    """(relevant path -> ecosystem name, presence files, digest) of the index listing `blobs`
    starts from (the touched paths as the listing has them), cached per listing `token`."""
    path_ = os.path.join(cache_dir, _LISTING) if cache_dir and token else None
    token = _keyed(token) if token else token
    if path_ is not None:
        cached = _load_cache(path_)
        if isinstance(cached, tuple) and len(cached) == 4 and cached[0] == token:
            return cached[1], cached[2], cached[3]
    changed = touched or {}
    listed: dict[str, str | None] = {p: b for p, b in blobs.items() if p not in changed}
    listed.update({p: b for p, b in changed.items() if b is not None})
    by_name: dict[str, Any] = {}
    rel: dict[str, str] = {}
    presence: list[str] = []
    present = REGISTRY.presence_files()
    for path in listed:
        eco = _relevance(path, ecos, by_name)
        if eco is not None:
            rel[path] = eco.name
        elif path.rpartition("/")[2] in present:
            presence.append(path)
    # one string hashed once: 13,000 small sha256 updates cost ~20 ms on the large bench repo
    parts: list[str] = []
    for path in sorted(rel):
        parts += (path, "b:" + str(listed[path]))
    for path in sorted(presence):
        parts += (path, "p")
    digest = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()
    if path_ is not None and cache_dir:
        with contextlib.suppress(OSError):
            _store_cache(path_, (token, rel, sorted(presence), digest))
            _store_cache(os.path.join(cache_dir, _LISTING_DIGEST), (token, digest))
    return rel, sorted(presence), digest


def _parse(eco: Any, root: str, path: str) -> dict[str, Any]:
    try:
        data = _read(root, path)
    except OSError as exc:
        return {"error": f"cannot read: {exc.strerror}"}
    result: dict[str, Any] = eco.parse(path, data)
    return result


# The two caches are private to this machine and this interpreter, so they use marshal: it
# loads the large bench repo's graph (7,000 targets) ~4x faster than json. The header names
# the cache layout and the Python version (marshal's format may change between versions).
_CACHE_MAGIC = f"ameide-{CACHE_VERSION}-py{sys.version_info[0]}.{sys.version_info[1]}"


def _load_cache(path: str) -> Any:
    """The cached value, or None when absent, foreign, or damaged (a miss, never an error)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        magic, value = marshal.loads(data)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return value if magic == _CACHE_MAGIC else None


def _store_cache(path: str, value: Any) -> None:
    atomic_write_bytes(path, marshal.dumps((_CACHE_MAGIC, value)))


def build_graph(
    root: str, paths: frozenset[str], facts: dict[str, dict[str, Any]], config: Config
) -> Graph:
    """Run every ecosystem over the parsed facts and join the parts into one Graph."""
    ctx = Context(paths=paths, facts=facts)
    globals_: list[GlobalRule] = []
    lockfiles: list[LockfileRef] = []
    module_files: dict[str, tuple[str, ...]] = {}
    configs: list[ConfigRef] = []
    data: dict[str, Any] = {}
    extra: dict[str, set[str]] = {}
    warnings: list[str] = []
    errors: list[tuple[str, str, str]] = []
    for eco in REGISTRY.all():
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
        configs += part.configs
        if part.data:
            data[eco.name] = part.data
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
        consumer = targets.get(tid)
        if consumer is not None:
            new = tuple(sorted(set(consumer.deps) | deps - {tid}))
            targets[tid] = replace(consumer, deps=new)
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
        tuple(configs),
        data,
    )


def _graph_to_rows(g: Graph) -> tuple[Any, ...]:
    return (
        tuple(
            (t.id, t.ecosystem, t.name, t.path, t.deps, t.manifest, t.group, t.meta, t.test_deps)
            for t in g.targets.values()
        ),
        tuple((r.path, r.scope, r.targets, r.why) for r in g.globals),
        tuple((lf.path, lf.kind, lf.workspace) for lf in g.lockfiles),
        g.module_files,
        g.warnings,
        tuple((c.path, c.kind, c.workspace) for c in g.configs),
        g.data,
    )


def _graph_from_rows(root: str, rows: tuple[Any, ...]) -> Graph:
    targets, globs, lockfiles, module_files, warnings, configs, data = rows
    return Graph(
        root,
        {row[0]: Target(*row) for row in targets},
        tuple(GlobalRule(*r) for r in globs),
        tuple(LockfileRef(*r) for r in lockfiles),
        module_files,
        warnings,
        tuple(ConfigRef(*r) for r in configs),
        data,
    )
