"""Task result cache figures: reruns, a cache hit on the large monorepo, a remote-cache hit.

    python bench/cache.py [--runs 5] [--skip-large] [--skip-remote] [--report FILE]

1. examples/monorepo (a fresh copy, a change touching Go, pnpm and uv code): one green
   `ameide test`, then reruns with nothing changed — every task a local hit.
   Target: under 0.5 s.
2. The large synthetic monorepo (bench/out/large, generated and committed as plan.py does,
   under plan.py's lock): the `go-leaf` scenario's change, tested once (misses), then
   `ameide test` again (hits) against planning alone (`ameide affected --json`).
   Target: within 1.5x of planning.
3. A remote-cache hit on a fresh clone: a real turborepo-remote-cache server on 127.0.0.1
   (tests/turbo_server.py), `ameide run --all` on clone A uploads; a `git clone` B with an
   empty local cache replays from the remote (its installs still run); B again with an empty
   local cache once installed (pure download + replay); and clone C without the cache.

Each ameide run gets its own empty local cache directory (AMEIDE_CACHE_DIR) unless stated;
Go's build cache and the pnpm/uv caches are the machine's (warm after the first run). ameide's
bytecode is compiled first (as an installed ameide has it): with PYTHONDONTWRITEBYTECODE set,
every edited module would otherwise be compiled again by every run, timing the compiler.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
AMEIDE = ROOT / ".venv" / "bin" / "ameide"
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))


def env(**extra: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "AMEIDE_", "TURBO_"))}
    e["PATH"] = f"{ROOT / '.tools' / 'bin'}:{ROOT / '.venv' / 'bin'}:{e.get('PATH', '')}"
    e.update(GOTOOLCHAIN="local", GOPROXY="off", GOFLAGS="", CI="1", NO_COLOR="1")
    e.update(extra)
    return e


def git(repo: Path, *args: str) -> str:
    r = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return r.stdout


def run(cmd: list[str], cwd: Path, e: dict[str, str], *, ok: bool = True) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env=e, capture_output=True, text=True, check=False)
    dt = time.perf_counter() - t0
    if ok and r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed in {cwd} (exit {r.returncode}):\n{r.stdout}\n{r.stderr}")
    return dt


def summary(repo: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(
        (repo / "artifacts" / "agent-ci" / "latest" / "summary.json").read_text()
    )
    return doc


def tasks(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for p in doc["phases"] for t in p["tasks"]]


def stats(xs: list[float]) -> dict[str, float]:
    return {"min": min(xs), "median": statistics.median(xs), "runs": len(xs)}


def fresh_example(tmp: Path) -> Path:
    repo = tmp / "monorepo"
    shutil.copytree(
        ROOT / "examples" / "monorepo",
        repo,
        ignore=shutil.ignore_patterns("node_modules", ".venv", "__pycache__", "artifacts"),
    )
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=b", "-c", "user.email=b@example.invalid", "commit", "-qm", "x")
    git(repo, "checkout", "-q", "-b", "bench")
    return repo


# ------------------------------------------------------------------ 1. rerun on the example


def bench_rerun(tmp: Path, runs: int) -> dict[str, Any]:
    repo = fresh_example(tmp)
    for rel, text in (
        ("go/lib/mathx/mathx.go", "\n// bench edit\n"),
        ("js/core/src/index.js", "\n// bench edit\n"),
        ("py/common/src/acme_common/__init__.py", "\n# bench edit\n"),
    ):
        p = repo / rel
        if p.exists():
            p.write_text(p.read_text() + text)
    e = env(AMEIDE_CACHE_DIR=str(tmp / "cache-example"))
    first = run([str(AMEIDE), "test"], repo, e)
    doc = summary(repo)
    n = len(tasks(doc))
    times = [run([str(AMEIDE), "test"], repo, e) for _ in range(runs)]
    doc = summary(repo)
    hits = sum(t["cached"] for t in tasks(doc))
    rerun_n = len(tasks(doc))  # installs are skipped once done (their stamps)
    plan = [run([str(AMEIDE), "affected", "--json"], repo, e) for _ in range(runs)]
    res = {
        "tasks": n,
        "rerun_tasks": rerun_n,
        "hits": hits,
        "first_run_s": first,
        "rerun_s": stats(times),
        "planning_s": stats(plan),
    }
    print(
        f"example monorepo: first green run {first:.2f}s ({n} tasks); rerun with nothing "
        f"changed: min {min(times):.3f}s, median {statistics.median(times):.3f}s "
        f"({hits}/{rerun_n} cached; target < 0.5s); planning alone min {min(plan):.3f}s"
    )
    return res


# ------------------------------------------------------------------ 2. the large monorepo


def bench_large(tmp: Path, runs: int) -> dict[str, Any]:
    import gen_monorepo as gm
    import plan as bp

    with bp.locked("large"):
        repo, _ = bp.prepare_repo("large", 1)
        bp.reset_repo(repo)
        truth = gm.Truth(gm.load_meta(repo))
        sc = next(s for s in bp.pick_scenarios(truth) if s.name == "go-leaf")
        try:
            bp.apply(repo, sc)
            e = env(AMEIDE_CACHE_DIR=str(tmp / "cache-large"), AMEIDE_BASE="main")
            first = run([str(AMEIDE), "test"], repo, e)
            doc = summary(repo)
            n = len(tasks(doc))
            if doc["result"] != "passed":
                sys.exit(f"ameide test on the large monorepo did not pass: {doc['first_failure']}")
            hit, plan = [], []
            for _ in range(runs):  # interleaved, so both see the same machine load
                hit.append(run([str(AMEIDE), "test"], repo, e))
                plan.append(run([str(AMEIDE), "affected", "--json"], repo, e))
            doc = summary(repo)
            hits = sum(t["cached"] for t in tasks(doc))
        finally:
            bp.reset_repo(repo)
    ratio = min(hit) / min(plan)
    print(
        f"large monorepo ({gm.load_meta(repo)['file_count']} files), {sc.desc}: first run "
        f"{first:.2f}s ({n} tasks); cache hit min {min(hit):.3f}s / median "
        f"{statistics.median(hit):.3f}s ({hits}/{n} cached) vs planning alone min "
        f"{min(plan):.3f}s / median {statistics.median(plan):.3f}s: {ratio:.2f}x (target <= 1.5x)"
    )
    return {
        "scenario": sc.desc,
        "tasks": n,
        "hits": hits,
        "first_run_s": first,
        "hit_s": stats(hit),
        "planning_s": stats(plan),
        "ratio_min": ratio,
        "ratio_median": statistics.median(hit) / statistics.median(plan),
    }


# ------------------------------------------------------------------ 3. remote hit, fresh clone


def bench_remote(tmp: Path) -> dict[str, Any]:
    from tests.turbo_server import TurboServer

    (tmp / "server").mkdir()
    server = TurboServer(tmp / "server", "bench-token").start()
    try:
        remote = {
            "AMEIDE_REMOTE_CACHE_URL": server.url,
            "AMEIDE_REMOTE_CACHE_TOKEN": "bench-token",
            "AMEIDE_REMOTE_CACHE_TEAM": "bench",
        }
        a = fresh_example(tmp / "a")
        (tmp / "b").mkdir()
        t_a = run([str(AMEIDE), "run", "--all"], a, env(AMEIDE_CACHE_DIR=str(tmp / "ca"), **remote))
        up = summary(a)["cache"]["remote"]["uploads"]
        b = tmp / "b" / "clone"
        git(tmp / "b", "clone", "-q", str(a), str(b))
        t_b = run(
            [str(AMEIDE), "run", "--all"], b, env(AMEIDE_CACHE_DIR=str(tmp / "cb1"), **remote)
        )
        doc = summary(b)
        installs = sum(t["duration"] for t in tasks(doc) if t["kind"] == "install")
        hits_b = doc["cache"]["remote_hits"]
        t_b2 = run(
            [str(AMEIDE), "run", "--all"], b, env(AMEIDE_CACHE_DIR=str(tmp / "cb2"), **remote)
        )
        doc2 = summary(b)
        r2 = doc2["cache"]["remote"]
        ran = [t for t in tasks(doc2) if not t["cached"]]
        ran_s = sum(t["duration"] for t in ran)
        c = tmp / "b" / "clone-c"
        git(tmp / "b", "clone", "-q", str(a), str(c))
        t_c = run([str(AMEIDE), "run", "--all", "--no-cache"], c, env())
        n = len(tasks(doc2))
    finally:
        server.stop()
    print(
        f"remote cache: clone A ran everything in {t_a:.2f}s and uploaded {up} results; fresh "
        f"clone B (empty local cache): {t_b:.2f}s, {hits_b} remote hits, of which installs "
        f"{installs:.2f}s; B again with an empty local cache (installed): {t_b2:.2f}s for "
        f"{r2['downloads']} downloads ({r2['download_bytes'] / 1024:.0f} KiB in "
        f"{r2['download_seconds']:.2f}s of request time) + {len(ran)} uncached task(s) "
        f"({', '.join(t['id'] for t in ran)}: {ran_s:.2f}s) out of {n}; the same run without "
        f"any cache (fresh clone C): {t_c:.2f}s"
    )
    return {
        "clone_a_s": t_a,
        "uploads": up,
        "fresh_clone_s": t_b,
        "fresh_clone_installs_s": installs,
        "remote_hits": hits_b,
        "installed_empty_local_s": t_b2,
        "downloads": r2["downloads"],
        "download_bytes": r2["download_bytes"],
        "download_seconds": r2["download_seconds"],
        "uncached_tasks": [t["id"] for t in ran],
        "uncached_seconds": ran_s,
        "no_cache_fresh_clone_s": t_c,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--skip-large", action="store_true")
    ap.add_argument("--skip-remote", action="store_true")
    ap.add_argument("--report", type=Path, help="also write the figures as JSON here")
    args = ap.parse_args(argv)
    if not AMEIDE.exists():
        print(f"{AMEIDE} missing: run scripts/setup", file=sys.stderr)
        return 2
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "ameide")])
    out: dict[str, Any] = {"cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="ameide-bench-cache-") as d:
        tmp = Path(d)
        (tmp / "example").mkdir()
        out["example"] = bench_rerun(tmp / "example", args.runs)
        if not args.skip_large:
            out["large"] = bench_large(tmp, args.runs)
        if not args.skip_remote:
            out["remote"] = bench_remote(tmp)
    if args.report:
        args.report.write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
