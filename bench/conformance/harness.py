"""Differential conformance harness: ameide affected vs the ecosystems' own tools.

For each case in cases.toml (a real commit of a public repository; the base is its first
parent) it checks out the commit and its parent from the local mirror (``fetch`` snapshots
under /work/.mirror), computes the native reference per ecosystem (native_go, native_pnpm,
native_uv, native_buf: each module's docstring states its rule) and runs
``ameide affected --json --base <parent>`` in a pristine checkout of the commit, then compares
the target ids per ecosystem.

    python bench/conformance/harness.py [--repo NAME] [--case SHA] [--ameide PATH]
        [--report FILE] [--workdir DIR] [--explain] [--no-cache]

Exit 0 unless the harness itself breaks: ameide's errors are failed cases, not crashes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import tomllib
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import native_buf
import native_go
import native_pnpm
import native_uv
from common import (
    CHECKOUT,
    Cache,
    CaseContext,
    HarnessError,
    changed_files,
    checkout,
    git,
    mirror_dir,
    run,
)

HERE = Path(__file__).resolve().parent
ORDER = ["go", "buf", "uv", "pnpm"]  # foreign ownership flows from the earlier ones
NATIVE = {
    "go": native_go.native,
    "buf": native_buf.native,
    "uv": native_uv.native,
    "pnpm": native_pnpm.native,
}


def load_cases(path: Path) -> list[dict[str, Any]]:
    with path.open("rb") as f:
        data = tomllib.load(f)
    repos: list[dict[str, Any]] = data["repo"]
    return repos


def ameide_run(ameide: str, cwd: Path, base: str) -> tuple[int, dict[str, Any] | None, str, float]:
    p = run([ameide, "affected", "--json", "--base", base], cwd=cwd, env={"CI": ""})
    data = None
    if p.rc == 0 or p.out.strip().startswith("{"):
        try:
            data = json.loads(p.out)
        except ValueError:
            data = None
    return p.rc, data, p.err.strip(), p.seconds


def ameide_commit(ameide: str) -> str:
    """The git commit of the ameide source that ``ameide`` runs (+dirty when src/ is edited)."""
    exe = Path(ameide).resolve()
    candidates = [exe.parent, exe.parent.parent.parent, CHECKOUT]
    src = next((c for c in candidates if (c / ".git").exists() and (c / "src").is_dir()), None)
    if src is None:
        return "unknown"
    sha = git(src, "rev-parse", "HEAD", check=False).strip()
    dirty = git(src, "status", "--porcelain", "--", "src", check=False).strip()
    return sha + ("+dirty(src)" if dirty else "")


def run_case(
    repo: dict[str, Any], case: dict[str, Any], args: argparse.Namespace, workdir: Path
) -> dict[str, Any]:
    name = repo["name"]
    github = repo["github"]
    sha = case["sha"]
    mirror = mirror_dir(github)
    parents = git(mirror, "rev-list", "--parents", "-n", "1", sha).split()
    if len(parents) < 2:
        raise HarnessError(f"{sha} has no parent in the mirror")
    base = parents[1]
    cache = Cache(workdir / "cache" / name, enabled=not args.no_cache)
    co_root = workdir / "checkouts" / name
    ecosystems = [e for e in ORDER if e in repo["ecosystems"]]
    result: dict[str, Any] = {
        "repo": name,
        "github": github,
        "sha": sha,
        "base": base,
        "shape": case.get("shape", ""),
        "ecosystems": {},
    }
    # native: scratch checkouts (go list -mod=mod rewrites go.mod, go.sum files are deleted)
    key = f"native-{sha}-{'+'.join(ecosystems)}-v{NATIVE_VERSION}"
    if repo.get("uv_roots", "root") != "root":
        key += f"-uv_roots={repo['uv_roots']}"
    native_res = cache.get(key)
    changed = changed_files(mirror, base, sha)
    if native_res is None:
        native_res = {}
        missing_h = checkout(github, co_root / "native-head", sha)
        missing_b = checkout(github, co_root / "native-base", base)
        ctx = CaseContext(
            repo=name,
            github=github,
            root=repo.get("root", "."),
            sha=sha,
            base=base,
            head_dir=co_root / "native-head",
            base_dir=co_root / "native-base",
            changed=changed,
            cache_dir=workdir / "cache" / name,
            workdir=workdir,
            ecosystems=ecosystems,
            uv_roots=repo.get("uv_roots", "root"),
        )
        if missing_h or missing_b:
            ctx.notes.append(
                f"snapshot lacks {len(set(missing_h) | set(missing_b))} large blob(s); "
                "left out of the work trees"
            )
        for i, eco in enumerate(ecosystems):
            if i:  # an earlier tool's scratch edits (go.sum stubs) must not look like changes
                checkout(github, ctx.head_dir, sha)
                checkout(github, ctx.base_dir, base)
            t0 = time.perf_counter()
            try:
                r = NATIVE[eco](ctx)
            except HarnessError as exc:
                r = {"error": str(exc), "ids": {}, "seconds": time.perf_counter() - t0}
            except Exception as exc:
                r = {
                    "error": f"{type(exc).__name__}: {exc}",
                    "trace": traceback.format_exc()[-3000:],
                    "ids": {},
                    "seconds": time.perf_counter() - t0,
                }
            for f, owner in (r.get("owned") or {}).items():
                ctx.foreign_owned.setdefault(f, owner)
            r.pop("owned", None)
            r.setdefault("wall_seconds", time.perf_counter() - t0)
            native_res[eco] = r
        native_res["_notes"] = ctx.notes
        if not any("error" in v for k, v in native_res.items() if k != "_notes"):
            cache.put(key, native_res)
    # ameide: a pristine checkout of the commit; first run warms its caches, second is timed
    checkout(github, co_root / "ameide-head", sha)
    rc, data, err, cold = ameide_run(args.ameide, co_root / "ameide-head", base)
    warm = cold
    if rc == 0:
        rc, data, err, warm = ameide_run(args.ameide, co_root / "ameide-head", base)
    result["ameide"] = {"rc": rc, "cold_seconds": cold, "warm_seconds": warm, "stderr": err[-1500:]}
    result["notes"] = native_res.get("_notes", [])
    result["changed"] = [f"{c.status} {c.path}" for c in changed]
    amap: dict[str, str] = {}
    if data:
        for a in data.get("affected", []):
            amap[a["id"]] = a.get("explain", "")
        result["ameide"]["everything"] = data.get("everything")
        result["ameide"]["warnings"] = data.get("warnings", [])[:10]
    for eco in ecosystems:
        nr = native_res[eco]
        native_ids: dict[str, str] = nr.get("ids", {})
        integ: dict[str, str] = nr.get("integration_only", {})
        mine = {k: v for k, v in amap.items() if k.startswith(eco + ":")}
        fp_all = sorted(set(mine) - set(native_ids))
        fp_integ = [k for k in fp_all if k in integ]
        fp = [k for k in fp_all if k not in integ]
        fn = sorted(set(native_ids) - set(mine))
        tp = len(set(mine) & set(native_ids))
        ok = rc == 0 and "error" not in nr
        result["ecosystems"][eco] = {
            "native": len(native_ids),
            "ameide": len(mine),
            "tp": tp,
            "fp": len(fp),
            "fn": len(fn),
            "integration_only_fp": len(fp_integ),
            "integration_only_native": len(integ),
            "exact": ok and not fp and not fn,
            "native_seconds": nr.get("seconds", 0.0),
            "native_error": nr.get("error"),
            "native_notes": nr.get("notes", []),
            "restricted": nr.get("restricted"),
            "targets": nr.get("targets"),
            "false_positives": [[k, mine[k]] for k in fp],
            "false_negatives": [[k, native_ids[k]] for k in fn],
            "integration_only": [[k, mine[k], integ[k]] for k in fp_integ],
            "native_ids": native_ids,
        }
    result["exact"] = all(e["exact"] for e in result["ecosystems"].values())
    return result


NATIVE_VERSION = 4


def print_case(r: dict[str, Any], explain: bool) -> None:
    am = r["ameide"]
    for eco, e in r["ecosystems"].items():
        status = "yes" if e["exact"] else "NO"
        if am["rc"] != 0:
            status = f"ERR(exit {am['rc']})"
        if e["native_error"]:
            status = "NATIVE-ERR"
        print(
            f"{r['repo']:<14} {r['sha'][:10]} {r['shape'][:34]:<34} {eco:<4} "
            f"native={e['native']:<4} ameide={e['ameide']:<4} exact={status:<6} "
            f"fp={e['fp']:<4} fn={e['fn']:<4} "
            + (f"integ-only={e['integration_only_fp']:<3} " if e["integration_only_fp"] else "")
            + f"t_native={e['native_seconds']:.2f}s t_ameide={am['warm_seconds']:.2f}s"
            + (" [restricted]" if e.get("restricted") else "")
        )
        if e["native_error"]:
            print(f"    native error: {e['native_error'][:600]}")
        if am["rc"] != 0:
            print(f"    ameide: {am['stderr'][:600]}")
        if explain or not e["exact"]:
            for k, why in e["false_positives"][:10]:
                print(f"    FP {k}\n       ameide: {why}\n       native: not affected")
            for k, why in e["false_negatives"][:10]:
                print(f"    FN {k}\n       ameide: not affected\n       native: {why}")
            for k, why, nwhy in e["integration_only"][:5]:
                print(
                    f"    INTEG {k}\n       ameide: {why}\n       native(-tags integration): {nwhy}"
                )
        if explain and e["exact"]:
            for k, why in list(e["native_ids"].items())[:10]:
                print(f"    == {k}: {why}")


def summarize(results: list[dict[str, Any]]) -> dict[str, Any]:
    def block(rows: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
        tp = sum(e["tp"] for _, e in rows)
        fp = sum(e["fp"] for _, e in rows)
        fn = sum(e["fn"] for _, e in rows)
        nat = [e["native_seconds"] for _, e in rows if not e["native_error"]]
        am = [r["ameide"]["warm_seconds"] for r, _ in rows]
        amc = [r["ameide"]["cold_seconds"] for r, _ in rows]
        return {
            "cases": len(rows),
            "exact": sum(1 for _, e in rows if e["exact"]),
            "ameide_errors": sum(1 for r, _ in rows if r["ameide"]["rc"] != 0),
            "native_errors": sum(1 for _, e in rows if e["native_error"]),
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "integration_only_fp": sum(e["integration_only_fp"] for _, e in rows),
            "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
            "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
            "median_native_seconds": round(statistics.median(nat), 3) if nat else None,
            "median_ameide_warm_seconds": round(statistics.median(am), 3) if am else None,
            "median_ameide_cold_seconds": round(statistics.median(amc), 3) if amc else None,
        }

    per: dict[str, Any] = {}
    for eco in ORDER:
        rows = [(r, r["ecosystems"][eco]) for r in results if eco in r["ecosystems"]]
        if rows:
            per[eco] = block(rows)
    allrows = [(r, e) for r in results for e in r["ecosystems"].values()]
    overall = block(allrows)
    overall["cases"] = len(results)
    overall["exact"] = sum(1 for r in results if r["exact"])
    overall["ameide_errors"] = sum(1 for r in results if r["ameide"]["rc"] != 0)
    return {"per_ecosystem": per, "overall": overall}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--repo", action="append", help="only this repository (repeatable)")
    ap.add_argument("--case", action="append", help="only this commit (SHA prefix; repeatable)")
    ap.add_argument("--ameide", default=str(CHECKOUT / ".venv" / "bin" / "ameide"))
    ap.add_argument("--report", type=Path)
    ap.add_argument("--workdir", type=Path, default=Path("/work/conformance"))
    ap.add_argument("--cases", type=Path, default=HERE / "cases.toml")
    ap.add_argument("--explain", action="store_true")
    ap.add_argument("--no-cache", action="store_true", help="recompute native answers")
    args = ap.parse_args(argv)
    # timed runs must not compile edited modules again and again (PYTHONDONTWRITEBYTECODE)
    import compileall

    compileall.compile_dir(str(CHECKOUT / "src" / "ameide"), quiet=1, workers=0)
    args.ameide = os.path.abspath(args.ameide)
    workdir: Path = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    repos = load_cases(args.cases)
    results: list[dict[str, Any]] = []
    broken: list[str] = []
    for repo in repos:
        if args.repo and repo["name"] not in args.repo:
            continue
        for case in repo["case"]:
            if args.case and not any(case["sha"].startswith(c) for c in args.case):
                continue
            try:
                r = run_case(repo, case, args, workdir)
            except Exception as exc:
                broken.append(f"{repo['name']} {case['sha'][:10]}: {type(exc).__name__}: {exc}")
                print(f"{repo['name']:<14} {case['sha'][:10]} HARNESS ERROR: {exc}", flush=True)
                traceback.print_exc()
                continue
            results.append(r)
            print_case(r, args.explain)
            sys.stdout.flush()
    summary = summarize(results)
    print()
    print(f"ameide measured: {args.ameide} at {ameide_commit(args.ameide)}")
    hdr = f"{'ecosystem':<9} {'cases':>5} {'exact':>5} {'err':>4} {'TP':>6} {'FP':>6} {'FN':>6}"
    print(hdr + "  precision recall  t_native(med) t_ameide warm/cold(med)")
    for eco, b in [*summary["per_ecosystem"].items(), ("overall", summary["overall"])]:
        print(
            f"{eco:<9} {b['cases']:>5} {b['exact']:>5} {b['ameide_errors']:>4} {b['tp']:>6} "
            f"{b['fp']:>6} {b['fn']:>6}  {b['precision']:>9.4f} {b['recall']:>6.4f}  "
            f"{b['median_native_seconds'] or 0:>12.2f}s "
            f"{b['median_ameide_warm_seconds'] or 0:>8.2f}s"
            f"/{b['median_ameide_cold_seconds'] or 0:.2f}s"
        )
    if broken:
        print("\nharness errors:")
        for b in broken:
            print("  " + b)
    if args.report:
        args.report.write_text(
            json.dumps(
                {
                    "ameide": args.ameide,
                    "ameide_commit": ameide_commit(args.ameide),
                    "summary": summary,
                    "cases": results,
                    "harness_errors": broken,
                },
                indent=1,
                sort_keys=True,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
