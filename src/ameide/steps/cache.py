"""Step 4, cache: the tasks' environment, their cache keys, the local store and the remote
(docs/cache.md)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ameide import vcs

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ameide.affected import Planning
    from ameide.cache.session import CacheSession
    from ameide.cache.settings import CacheSettings
    from ameide.plan import Plan
    from ameide.taskenv import TaskEnv
    from ameide.testrun import TestRequest
    from ameide.workspace.toolchain import ToolStatus


def cache_settings(req: TestRequest, ctx: Planning, env: Mapping[str, str]) -> CacheSettings:
    from ameide.cache.settings import settings

    s = settings(ctx.config, env)  # a bad AMEIDE_*CACHE* variable: exit 2 here
    if s.enabled and not req.cache:
        from ameide.records import replace

        s = replace(s, enabled=False, reason="ameide run --no-cache")
    return s


def task_env(ctx: Planning, s: CacheSettings, env: Mapping[str, str]) -> TaskEnv:
    """The environment every task (and toolchain check) starts from (docs/config.md)."""
    from ameide.cache.settings import own_credentials
    from ameide.taskenv import task_env as make

    e = ctx.config.env
    mode = str(e.get("mode") or "inherit")
    key_names: list[str] = list(s.env)
    if mode == "strict":
        from ameide.cache.keys import env_inputs
        from ameide.ecosystems import REGISTRY

        # besides the basics: what enters cache keys and the tools' own settings
        key_names += env_inputs() + REGISTRY.env_passthrough()
    return make(
        env,
        mode=mode,
        passed=e.get("pass") or (),
        key_names=key_names,
        own=own_credentials(s.remote, env),
    )


def task_keys(
    ctx: Planning, plan: Plan, tool_results: list[ToolStatus], s: CacheSettings, tenv: TaskEnv
) -> dict[str, str | None]:
    """task id -> cache key, None for tasks that are never cached (docs/cache.md)."""
    from ameide.cache.keys import KeyMaker
    from ameide.ecosystems import REGISTRY

    tools = _versions(ctx, tool_results, tenv)
    blobs = ctx.index.blobs if ctx.index is not None else {}
    maker = KeyMaker(
        ctx.repo.root,
        ctx.graph,
        blobs,
        ctx.config,
        tools,
        tenv.env,  # what a task cannot see cannot change its result
        extra_env=s.env,
        state_dir=ctx.cache_dir,
    )
    overrides = ctx.config.targets
    base = ctx.report.changes.base.commit
    trees: dict[str, str | None] = {}

    def base_tree(cwd: str) -> str | None:
        """The base commit's tree of a directory (what a check against the base reads)."""
        if base is None:
            return None
        if cwd not in trees:
            trees[cwd] = vcs.tree_id(ctx.repo, base, cwd)
        return trees[cwd]

    keys: dict[str, str | None] = {}
    for t in plan.tasks:
        cacheable = (
            t.kind in s.kinds
            and t.builtin is None
            and bool(t.targets)
            and all((overrides.get(tid) or {}).get("cache", True) for tid in t.targets)
        )
        eco = REGISTRY.get(t.ecosystem)
        view = eco.cache_view(t, base_tree) if cacheable and eco is not None else t
        keys[t.id] = maker.key(view) if cacheable else None
    return keys


def _versions(
    ctx: Planning, tool_results: list[ToolStatus], tenv: TaskEnv
) -> dict[str, str | None]:
    """Tool -> version: from the toolchain check, and for a tool that failed it (`run
    --matrix` keys tasks even then) from the tool on PATH."""
    tools: dict[str, str | None] = {t.tool: t.found for t in tool_results if t.ok}
    for s in tool_results:
        if not s.ok:
            from ameide.workspace.toolchain import version_of, which

            path = which(s.tool, tenv.env)
            tools[s.tool] = version_of(path, s.tool, ctx.repo.root, tenv.env) if path else None
    return tools


def open_cache(
    req: TestRequest,
    ctx: Planning,
    plan: Plan,
    tool_results: list[ToolStatus],
    s: CacheSettings,
    tenv: TaskEnv,
    env: Mapping[str, str],
) -> CacheSession | None:
    """Every task's key, the local store and the remote; None when the cache is off."""
    if not s.enabled:
        return None
    from ameide.cache.session import CacheSession
    from ameide.cache.store import LocalStore

    keys = task_keys(ctx, plan, tool_results, s, tenv)
    remote = None
    if s.remote is not None:
        from ameide.cache.remote import RemoteCache

        remote = RemoteCache(s.remote, ci=req.mode == "ci" or bool(env.get("CI")))
    return CacheSession(s, keys, LocalStore(s.dir, s.max_bytes), remote)


def cache_hits(
    ctx: Planning, plan: Plan, tool_results: list[ToolStatus], s: CacheSettings, tenv: TaskEnv
) -> tuple[set[str], list[str]]:
    """Tasks whose result the local store or the remote already holds (for `--matrix`)."""
    if not s.enabled or not plan.tasks:
        return set(), []
    from concurrent.futures import ThreadPoolExecutor

    from ameide.cache.store import LocalStore

    keys = task_keys(ctx, plan, tool_results, s, tenv)
    store = LocalStore(s.dir, s.max_bytes)
    hits = {tid for tid, k in keys.items() if k and os.path.exists(store.path(k))}
    rest = {tid: k for tid, k in keys.items() if k and tid not in hits}
    if s.remote is None or not rest:
        return hits, []
    from ameide.cache.remote import RemoteCache

    remote = RemoteCache(s.remote, ci=True)
    ex = ThreadPoolExecutor(max_workers=8)
    try:
        found = dict(zip(rest, ex.map(lambda k: remote.head(k)[0], rest.values()), strict=True))
    except BaseException:  # Ctrl-C: end the requests in flight instead of waiting for them
        remote.abort()
        raise
    finally:
        ex.shutdown(wait=True, cancel_futures=True)
        remote.close()
    hits |= {tid for tid, ok in found.items() if ok}
    w = remote.warning()
    return hits, [w] if w else []
