"""buf reference: ``buf ls-files --format json`` and ``buf build`` import graphs, at base and head.

A buf workspace is a directory with a ``buf.yaml`` (v2 ``modules``, or a v1/v2 single module)
or a ``buf.work.yaml`` (v1 ``directories``); a file of that name without a ``version`` buf
knows (a GitHub workflow ``.github/workflows/buf.yaml``) is no config: buf refuses it. A module
is ``buf:<module dir>``; its files are the files ``buf ls-files`` lists for it (at base or
head; the module dir is the file's path minus its import path). A module is affected when one
of its files changed, or when it imports (transitively, module to module, read from ``buf
build``'s image: each file's ``dependency`` list) a module that is affected. A change to the
workspace's ``buf.yaml``, ``buf.lock`` or ``buf.work.yaml`` affects every module of that
workspace. ``buf.gen*.yaml`` belongs to no module: it changes generated code, not a module (the
cross-language edges are ameide's own and are not part of this reference).

Offline: a workspace whose modules need a BSR dependency (``deps:`` pinned in ``buf.lock``)
cannot be built or listed here (``buf`` asks the registry). Such workspaces are **restricted**:
files are the ``*.proto`` files under the module dirs of the config (minus ``excludes``), import
paths are relative to the module dir, and the import graph is read from the files' ``import``
lines. The result says which workspaces were restricted.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import miniyaml
from common import CaseContext, rel, run, under

IMPORT = re.compile(r'^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;', re.M)
BUF_VERSIONS = ("v1beta1", "v1", "v2")
SKIP = re.compile(r"(^|/)(node_modules|\.git|vendor)/")


def buf_env(ctx: CaseContext) -> dict[str, str]:
    return {"BUF_CACHE_DIR": str(ctx.workdir / "bufcache"), "NO_COLOR": "1"}


def _config(path: Path) -> dict[str, Any] | None:
    """A buf config, or None for a file that only shares the name (buf refuses a buf.yaml
    without a known ``version``: 'decode buf.yaml: "version" is not set'), such as a GitHub
    workflow ``.github/workflows/buf.yaml``."""
    try:
        data = miniyaml.loads(path.read_text(errors="replace"))
    except Exception:
        return None
    if not isinstance(data, dict) or data.get("version") not in BUF_VERSIONS:
        return None
    return data


def workspaces(co: Path) -> list[dict[str, Any]]:
    """[{dir, config, modules: [module dirs], files}] for each buf workspace in the checkout."""
    out = run(
        [
            "git",
            "-C",
            str(co),
            "ls-files",
            "buf.yaml",
            "*/buf.yaml",
            "buf.work.yaml",
            "*/buf.work.yaml",
        ]
    ).out
    cfgs = [p for p in out.splitlines() if not SKIP.search("/" + p) and (co / p).is_file()]
    work_dirs: dict[str, list[str]] = {}
    for p in cfgs:
        if p.endswith("buf.work.yaml"):
            d = os.path.dirname(p) or "."
            data = _config(co / p)
            if data is None:
                continue
            dirs = [
                os.path.normpath(os.path.join(d, x)).replace(os.sep, "/")
                for x in data.get("directories") or []
            ]
            work_dirs[d] = dirs
    claimed = {m for ms in work_dirs.values() for m in ms}
    res: list[dict[str, Any]] = []
    for d, mods in work_dirs.items():
        res.append(
            {
                "dir": d,
                "config": [f"{d}/buf.work.yaml" if d != "." else "buf.work.yaml"],
                "modules": mods,
                "excludes": {},
            }
        )
    for p in cfgs:
        if not p.endswith("/buf.yaml") and p != "buf.yaml":
            continue
        d = os.path.dirname(p) or "."
        if d in claimed:
            continue
        data = _config(co / p)
        if data is None:
            continue
        mods: list[str] = []
        excludes: dict[str, list[str]] = {}
        for m in data.get("modules") or []:
            if isinstance(m, dict) and m.get("path"):
                md = os.path.normpath(os.path.join(d, m["path"])).replace(os.sep, "/")
                mods.append(md)
                ex = m.get("excludes") or []
                excludes[md] = [
                    os.path.normpath(os.path.join(d, x)).replace(os.sep, "/") for x in ex
                ]
        if not mods:
            mods = [d]
        res.append({"dir": d, "config": [p], "modules": mods, "excludes": excludes})
    for w in res:
        d = w["dir"]
        lock = "buf.lock" if d == "." else f"{d}/buf.lock"
        w["config"].append(lock)
        for m in w["modules"]:  # v1 modules in a buf.work.yaml have their own buf.yaml/buf.lock
            if m != d:
                w["config"] += [f"{m}/buf.yaml", f"{m}/buf.lock"]
    return res


def _native_graph(
    ctx: CaseContext, co: Path, ws: dict[str, Any]
) -> tuple[dict[str, Any] | None, float, str]:
    """{files: {path: module dir}, imports: {module dir: set(module dirs)}} from buf itself."""
    wdir = co / ws["dir"]
    env = buf_env(ctx)
    p = run(["buf", "ls-files", "--format", "json", "."], cwd=wdir, env=env)
    secs = p.seconds
    if p.rc != 0:
        return None, secs, p.err.strip()[-300:]
    files: dict[str, str] = {}
    by_import: dict[str, str] = {}
    for ln in p.out.splitlines():
        if not ln.strip():
            continue
        rec = json.loads(ln)
        path = (
            rel(wdir / rec["path"], co) if not os.path.isabs(rec["path"]) else rel(rec["path"], co)
        )
        ip = rec["import_path"]
        mdir = path[: -len(ip)].rstrip("/") or "."
        files[path] = mdir
        by_import[ip] = mdir
    with tempfile.TemporaryDirectory() as td:
        img = Path(td) / "image.json"
        p = run(["buf", "build", "--exclude-source-info", "-o", str(img), "."], cwd=wdir, env=env)
        secs += p.seconds
        if p.rc != 0:
            return None, secs, p.err.strip()[-300:]
        image = json.loads(img.read_text())
    imports: dict[str, set[str]] = {m: set() for m in set(files.values())}
    for f in image.get("file", []):
        src = by_import.get(f["name"])
        if src is None:
            continue
        for dep in f.get("dependency") or []:
            dm = by_import.get(dep)
            if dm and dm != src:
                imports.setdefault(src, set()).add(dm)
    for m in ws["modules"]:
        imports.setdefault(m, set())
    return {"files": files, "imports": imports}, secs, ""


def _restricted_graph(co: Path, ws: dict[str, Any]) -> dict[str, Any]:
    out = run(["git", "-C", str(co), "ls-files", "*.proto"]).out.splitlines()
    files: dict[str, str] = {}
    by_import: dict[str, str] = {}
    for path in out:
        mods = [m for m in ws["modules"] if under(path, m)]
        if not mods:
            continue
        m = max(mods, key=len)
        if any(under(path, x) for x in ws["excludes"].get(m, [])):
            continue
        files[path] = m
        by_import[path if m == "." else path[len(m) + 1 :]] = m
    imports: dict[str, set[str]] = {m: set() for m in ws["modules"]}
    for path, m in files.items():
        try:
            text = (co / path).read_text(errors="replace")
        except OSError:
            continue
        for ip in IMPORT.findall(text):
            dm = by_import.get(ip)
            if dm and dm != m:
                imports[m].add(dm)
    return {"files": files, "imports": imports}


def native(ctx: CaseContext) -> dict[str, Any]:
    secs = 0.0
    notes: list[str] = []
    restricted: list[str] = []
    head_ws = workspaces(ctx.head_dir)
    base_ws = {w["dir"]: w for w in workspaces(ctx.base_dir)}
    seeds: dict[str, str] = {}
    all_imports: dict[str, set[str]] = {}
    all_modules: set[str] = set()
    owned: dict[str, str] = {}
    for ws in head_ws:
        graphs = []
        for co, w in ((ctx.head_dir, ws), (ctx.base_dir, base_ws.get(ws["dir"]))):
            if w is None:
                graphs.append({"files": {}, "imports": {}})
                continue
            g, s, err = _native_graph(ctx, co, w)
            secs += s
            if g is None:
                if ws["dir"] not in restricted:
                    restricted.append(ws["dir"])
                    notes.append(f"workspace {ws['dir']}: restricted (buf offline: {err[:160]})")
                g = _restricted_graph(co, w)
            graphs.append(g)
        head_g, base_g = graphs
        mods = set(ws["modules"]) | set(head_g["files"].values())
        all_modules |= mods
        for m, deps in head_g["imports"].items():
            all_imports.setdefault(m, set()).update(deps)
        for c in ctx.changed:
            for g in (head_g, base_g):
                m = g["files"].get(c.path)
                if m and m in mods:
                    seeds.setdefault(m, f"file {c.path}")
            if c.path in ws["config"]:
                for m in mods:
                    seeds.setdefault(m, f"workspace config {c.path}")
        for path, m in head_g["files"].items():
            owned[path] = f"buf:{m}"
    # transitive dependents (module imports module)
    rdeps: dict[str, set[str]] = {}
    for m, deps in all_imports.items():
        for d in deps:
            rdeps.setdefault(d, set()).add(m)
    res = {m: why for m, why in seeds.items() if m in all_modules}
    queue = sorted(res)
    while queue:
        m = queue.pop(0)
        for dep in sorted(rdeps.get(m, ())):
            if dep not in res:
                res[dep] = f"imports buf:{m}"
                queue.append(dep)
    return {
        "ids": {f"buf:{m}": why for m, why in res.items()},
        "notes": notes,
        "seconds": secs,
        "restricted": restricted or None,
        "targets": len(all_modules),
        "owned": {p: o for p, o in owned.items() if p in set(ctx.changed_paths)},
    }
