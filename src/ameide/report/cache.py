"""Output of `ameide cache info|clean` and `ameide run --matrix`: JSON documents (stdlib only,
`"schema": 1`; the matrix is GitHub's own format) and plain lines for people. The remote
token is never shown, only where it comes from."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

    from ameide.cache.api import CacheInfo, CleanResult

SCHEMA = 1


def _size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


def _when(t: float | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)) if t is not None else None


def info_doc(info: CacheInfo) -> dict[str, Any]:
    s = info.settings
    r = s.remote
    return {
        "schema": SCHEMA,
        "dir": s.dir,
        "enabled": s.enabled,
        "reason": s.reason or None,
        "config": info.config_path,
        "entries": info.usage.entries,
        "bytes": info.usage.bytes,
        "max_bytes": s.max_bytes,
        "least_recently_used": _when(info.usage.oldest),
        "most_recently_used": _when(info.usage.newest),
        "kinds": sorted(s.kinds),
        "env": list(s.env),
        "remote": None
        if r is None
        else {
            "url": r.url,
            "source": r.source,
            "team": r.team,
            "token": r.token_source,  # the variable's name, never its value
            "read_only": r.read_only,
            "read_only_reason": r.read_only_reason or None,
            "signature_key": r.signature_env,
            "signed": r.signature_key is not None,
            "timeout": r.timeout,
        },
        "remote_reason": s.remote_reason or None if r is None else None,
    }


def render_info(info: CacheInfo, console: Any) -> None:
    d = info_doc(info)

    def line(text: str) -> None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    state = "on" if d["enabled"] else f"off ({d['reason']})"
    line(f"task cache: {state}")
    line(f"  directory: {d['dir']}")
    pct = 100.0 * d["bytes"] / d["max_bytes"] if d["max_bytes"] else 0.0
    line(
        f"  entries:   {d['entries']}, {_size(d['bytes'])} of {_size(d['max_bytes'])} ({pct:.0f}%)"
    )
    if d["least_recently_used"]:
        line(f"  used:      {d['least_recently_used']} .. {d['most_recently_used']}")
    line(f"  kinds:     {', '.join(d['kinds'])}")
    if d["env"]:
        line(f"  env:       {', '.join(d['env'])}")
    line(f"  config:    {d['config'] or '(no ameide.toml: defaults)'}")
    r = d["remote"]
    if r is None:
        line(f"remote cache: none ({d['remote_reason']})")
        return
    line(f"remote cache: {r['url']} (from {r['source']})")
    line(f"  team:      {r['team'] or '(none)'}")
    line(f"  token:     {'from ' + r['token'] if r['token'] else '(none)'}")
    mode = "read-only" if r["read_only"] else "read-write"
    if r["read_only_reason"]:
        mode += f" ({r['read_only_reason']})"
    line(f"  mode:      {mode}")
    if r["signature_key"]:
        sig = "on" if r["signed"] else f"configured but {r['signature_key']} is not set"
        line(f"  signature: {sig} ({r['signature_key']})")
    line(f"  timeout:   {r['timeout']:g}s per request")


def clean_doc(res: CleanResult) -> dict[str, Any]:
    return {"schema": SCHEMA, "dir": res.dir, "removed": res.removed, "bytes": res.bytes}


def render_clean(res: CleanResult, console: Any) -> None:
    n = res.removed
    console.print(
        f"removed {n} cached result{'s' if n != 1 else ''} ({_size(res.bytes)}) from {res.dir}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


def render_matrix(doc: dict[str, Any], console: Any) -> None:
    def line(text: str) -> None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    total = len(doc["shards"])
    line(f"{doc['tasks']} tasks over {total} shard{'s' if total != 1 else ''}:")
    for s in doc["shards"]:
        n = len(s["tasks"])
        line(f"  shard {s['shard']}: {n} task{'s' if n != 1 else ''}, ~{s['seconds']:.1f}s")
    line(
        f"weights: {doc['known']} from earlier runs, {len(doc['hits'])} cached, "
        f"{len(doc['estimated'])} estimated"
    )
    line("use --json for the GitHub Actions matrix (docs/ci.md)")
    for w in doc["warnings"]:
        line(f"! {w}")
