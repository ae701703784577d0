"""pnpm reference: ``pnpm --filter "...[<base>]" list --depth -1 --json`` (pnpm 12.4.2).

Native part: pnpm maps each file changed since <base> to the project whose directory is the
deepest containing it (the workspace root project included: it owns every file no other
project owns) and selects those projects plus their dependents (``...``). Ids: ``pnpm:<name>``
for a unique name, ``pnpm:<name>@<dir>`` when several projects share the name, ``pnpm:<dir>``
without a name (``pnpm:.`` for an unnamed root).

Deviations on top (issue 11):

1. Lockfile closure. ``pnpm-lock.yaml`` is not a file of the root project (it is passed to
   ``--changed-files-ignore-pattern``); instead the importers whose resolved dependency closure
   changed between base and head are seeds: the importer's direct dependencies and everything
   reachable through ``snapshots`` (name@version with peer suffixes, plus the ``snapshots`` and
   ``packages`` entries' contents, so an integrity or patch-hash change counts). ``link:``
   dependencies are left to the dependents walk.
2. ``pnpm-workspace.yaml``: its ordinary owner (the root project) stays affected, and on top:
   ``packages`` -> the projects that joined; changed ``catalog``/``catalogs`` entries -> the
   projects whose package.json names them with ``catalog:``/``catalog:<name>``;
   ``overrides``/``patchedDependencies`` -> through the lockfile closure; other settings -> nothing.

Seeds of the deviations get their dependents from pnpm itself (``--filter "...{./dir}"``).
In a polyglot repository a changed file owned by a Go package, uv member or buf module is not
the root project's (it is passed to ``--changed-files-ignore-pattern`` too).

pnpm is run with ``--config.pm-on-fail=ignore``: without it pnpm 12 tries to switch to the
version in ``packageManager`` (and refuses some, ERR_PNPM_BROKEN_PNPM_RELEASE). It needs no
node_modules and no network for ``list --depth -1``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import miniyaml
from common import CaseContext, HarnessError, deepest_dir, rel, run

PNPM = ["pnpm", "--config.pm-on-fail=ignore"]
DEP_FIELDS = ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies")


def _list(
    cwd: Path, *filters: str, extra: tuple[str, ...] = ()
) -> tuple[list[dict[str, Any]], float]:
    args = [*PNPM]
    for f in filters:
        args += ["--filter", f]
    if not filters:
        args.append("-r")
    args += [*extra, "list", "--depth", "-1", "--json"]
    p = run(args, cwd=cwd, env={"CI": "1", "NO_COLOR": "1"})
    if p.rc != 0:
        raise HarnessError(f"{' '.join(args)}: exit {p.rc}: {(p.err or p.out).strip()[-800:]}")
    out = p.out.strip()
    data = json.loads(out) if out else []
    return data, p.seconds


def projects(ws: Path, repo_root: Path) -> tuple[dict[str, str], float]:
    """{repo-relative dir: id} for every project of the workspace, root included."""
    data, secs = _list(ws)
    names: dict[str, str | None] = {}
    for p in data:
        names[rel(p["path"], repo_root)] = p.get("name")
    count: dict[str, int] = {}
    for n in names.values():
        if n:
            count[n] = count.get(n, 0) + 1
    ids: dict[str, str] = {}
    for d, n in names.items():
        if not n:
            ids[d] = f"pnpm:{d}"
        elif count[n] > 1:
            ids[d] = f"pnpm:{n}@{d}"
        else:
            ids[d] = f"pnpm:{n}"
    return ids, secs


# ---------------------------------------------------------------- lockfile closure


def _snap_key(name: str, version: str) -> str | None:
    if version.startswith("link:"):
        return None
    # an alias resolves to "<real name>@<version>"
    if "@" in version.split("(", 1)[0][1:] and not version.startswith(("file:", "http")):
        return version
    return f"{name}@{version}"


def _digest(obj: Any) -> str:
    return hashlib.sha1(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:12]


def importer_closures(lock: dict[str, Any]) -> dict[str, dict[str, str]]:
    """{importer dir: {snapshot key: digest of its entries}}."""
    snaps: dict[str, Any] = lock.get("snapshots") or {}
    pkgs: dict[str, Any] = lock.get("packages") or {}
    res: dict[str, dict[str, str]] = {}
    for imp, entry in (lock.get("importers") or {}).items():
        seen: dict[str, str] = {}
        stack: list[str] = []
        entry = entry if isinstance(entry, dict) else {}
        for fld in ("dependencies", "devDependencies", "optionalDependencies"):
            for name, spec in (entry.get(fld) or {}).items():
                ver = spec.get("version", "") if isinstance(spec, dict) else str(spec)
                k = _snap_key(name, ver)
                if k:
                    stack.append(k)
        while stack:
            k = stack.pop()
            if k in seen:
                continue
            snap = snaps.get(k) or {}
            snap = snap if isinstance(snap, dict) else {}
            pk = pkgs.get(k.split("(", 1)[0]) if "(" in k[1:] else pkgs.get(k)
            seen[k] = _digest([snap, pk])
            for fld in ("dependencies", "optionalDependencies"):
                for name, ver in (snap.get(fld) or {}).items():
                    k2 = _snap_key(name, str(ver))
                    if k2:
                        stack.append(k2)
        res[imp] = seen
    return res


def _read_yaml(p: Path) -> dict[str, Any]:
    if not p.is_file():
        return {}
    data = miniyaml.loads(p.read_text(errors="replace"))
    return data if isinstance(data, dict) else {}


def lockfile_seeds(ctx: CaseContext, ws_rel: str) -> tuple[dict[str, str], float]:
    """{importer dir (repo-relative): reason} for importers whose closure changed."""
    lock_rel = "pnpm-lock.yaml" if ws_rel == "." else f"{ws_rel}/pnpm-lock.yaml"
    import time

    t0 = time.perf_counter()
    hl = _read_yaml(ctx.head_dir / lock_rel)
    bl = _read_yaml(ctx.base_dir / lock_rel)
    hc, bc = importer_closures(hl), importer_closures(bl)
    seeds: dict[str, str] = {}
    for imp in sorted(set(hc) | set(bc)):
        h, b = hc.get(imp, {}), bc.get(imp, {})
        if h == b:
            continue
        added = sorted(set(h) - set(b))
        removed = sorted(set(b) - set(h))
        changed = sorted(k for k in set(h) & set(b) if h[k] != b[k])
        what = (
            [f"+{k}" for k in added[:2]]
            + [f"-{k}" for k in removed[:2]]
            + [f"~{k}" for k in changed[:2]]
        )
        d = imp if ws_rel == "." else (ws_rel if imp == "." else f"{ws_rel}/{imp}")
        seeds[d] = f"lockfile closure changed: {', '.join(what)}"
    return seeds, time.perf_counter() - t0


# ---------------------------------------------------------------- pnpm-workspace.yaml keys


def _catalog_entries(ws: dict[str, Any]) -> dict[tuple[str, str], str]:
    res: dict[tuple[str, str], str] = {}
    for dep, spec in (ws.get("catalog") or {}).items():
        res[("default", dep)] = json.dumps(spec, sort_keys=True)
    for cat, entries in (ws.get("catalogs") or {}).items():
        for dep, spec in (entries or {}).items():
            res[(cat, dep)] = json.dumps(spec, sort_keys=True)
    return res


def workspace_yaml_seeds(
    ctx: CaseContext, ws_rel: str, head_ids: dict[str, str]
) -> tuple[dict[str, str], list[str], float]:
    seeds: dict[str, str] = {}
    notes: list[str] = []
    secs = 0.0
    wy = "pnpm-workspace.yaml" if ws_rel == "." else f"{ws_rel}/pnpm-workspace.yaml"
    if wy not in ctx.changed_paths:
        return seeds, notes, secs
    h, b = _read_yaml(ctx.head_dir / wy), _read_yaml(ctx.base_dir / wy)
    keys = sorted(k for k in set(h) | set(b) if h.get(k) != b.get(k))
    notes.append(f"pnpm-workspace.yaml changed keys: {', '.join(keys) or '(none)'}")
    if "packages" in keys:
        base_ids, secs = projects(ctx.base_dir / ws_rel, ctx.base_dir)
        for d in sorted(set(head_ids) - set(base_ids)):
            seeds[d] = "pnpm-workspace.yaml: packages glob change -> joined the workspace"
    hc, bc = _catalog_entries(h), _catalog_entries(b)
    changed_cat = {k for k in set(hc) | set(bc) if hc.get(k) != bc.get(k)}
    if changed_cat:
        for d in head_ids:
            pj = ctx.head_dir / d / "package.json"
            try:
                manifest = json.loads(pj.read_text())
            except (OSError, ValueError):
                continue
            for fld in DEP_FIELDS:
                for dep, spec in (manifest.get(fld) or {}).items():
                    if not isinstance(spec, str) or not spec.startswith("catalog:"):
                        continue
                    cat = spec[len("catalog:") :] or "default"
                    if (cat, dep) in changed_cat:
                        seeds.setdefault(d, f"pnpm-workspace.yaml: catalog {cat}:{dep} changed")
    return seeds, notes, secs


# ---------------------------------------------------------------- the reference


def native(ctx: CaseContext) -> dict[str, Any]:
    ws_rel = ctx.root
    ws = ctx.head_dir / ws_rel
    if not (ws / "pnpm-workspace.yaml").is_file():
        raise HarnessError(f"no pnpm-workspace.yaml at {ws_rel}")
    ids, secs = projects(ws, ctx.head_dir)
    notes: list[str] = []
    dirs = list(ids)
    lock_rel = "pnpm-lock.yaml" if ws_rel == "." else f"{ws_rel}/pnpm-lock.yaml"
    ignore = [lock_rel if ws_rel == "." else "pnpm-lock.yaml"]
    for path in ctx.changed_paths:
        if path in ctx.foreign_owned and deepest_dir(path, dirs) == ws_rel:
            ignore.append(path if ws_rel == "." else rel(ctx.head_dir / path, ws))
    # the flag replaces the repository's own setting: pass that along too
    ws_doc = _read_yaml(ws / "pnpm-workspace.yaml")
    own = ws_doc.get("changedFilesIgnorePattern") or []
    extra: list[str] = []
    for pat in [*ignore, *([own] if isinstance(own, str) else own)]:
        extra.append(f"--changed-files-ignore-pattern={pat}")
    selected, s2 = _list(ws, f"...[{ctx.base}]", extra=tuple(extra))
    secs += s2
    res: dict[str, str] = {}
    for p in selected:
        d = rel(p["path"], ctx.head_dir)
        owned = [c for c in ctx.changed_paths if deepest_dir(c, dirs) == d and c not in ignore]
        res[ids.get(d, f"pnpm:{d}")] = (
            f"pnpm --filter ...[base]: changed {owned[0]}"
            if owned
            else "pnpm --filter ...[base]: dependent"
        )
    seeds: dict[str, str] = {}
    if lock_rel in ctx.changed_paths:
        ls, s3 = lockfile_seeds(ctx, ws_rel)
        secs += s3
        seeds.update(ls)
        if not ls:
            notes.append("pnpm-lock.yaml changed, no importer closure changed")
    ws_seeds, ws_notes, s4 = workspace_yaml_seeds(ctx, ws_rel, ids)
    secs += s4
    notes += ws_notes
    for d, why in ws_seeds.items():
        seeds.setdefault(d, why)
    seeds = {d: why for d, why in seeds.items() if d in ids}
    if seeds:
        filters = [f"...{{./{rel(ctx.head_dir / d, ws)}}}" for d in sorted(seeds)]
        deps, s5 = _list(ws, *filters)
        secs += s5
        for d, why in seeds.items():
            res.setdefault(ids[d], why)
        for p in deps:
            d = rel(p["path"], ctx.head_dir)
            res.setdefault(ids.get(d, f"pnpm:{d}"), "dependent of a lockfile/workspace-yaml seed")
    owned_files: dict[str, str] = {}
    return {
        "ids": res,
        "notes": notes,
        "seconds": secs,
        "targets": len(ids),
        "owned": owned_files,
    }
