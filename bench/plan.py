"""Planning figures for `ameide affected`: correctness against ground truth, and wall times.

For each preset it generates (if absent or stale) a synthetic monorepo under bench/out/, commits
it as branch ``main``, then applies each scenario from that base state, runs
``ameide affected --json --base main``, the git floor and ``turbo --affected --dry=json``,
compares ameide's affected ids with gen_monorepo's independent truth per ecosystem and prints a
timing table.  Exit status 1 on any disagreement or ameide failure.

    python bench/plan.py [--preset medium --preset large] [--runs 5] [--ameide PATH] [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
sys.path.insert(0, str(BENCH))
import gen_monorepo as gm  # noqa: E402

DEFAULT_AMEIDE = ROOT / ".venv" / "bin" / "ameide"
DEFAULT_TURBO = ROOT / ".tools" / "bin" / "turbo"
ECOS = gm.ECOSYSTEMS
# Truth extensions on by default: the two documented buf.gen rules of docs/affected.md
# (targets inside a plugin `out` dir are consumers; a template change affects its inputs).
DEFAULT_EXTENSIONS: tuple[str, ...] = ("gen-out-nested", "gen-template-global")


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without GIT_* overrides (hooks, test harnesses), plus extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(LC_ALL="C", **extra)
    return env


GIT_ENV = clean_env(GIT_CONFIG_NOSYSTEM="1", GIT_TERMINAL_PROMPT="0")
TURBO_ENV = clean_env(
    TURBO_SCM_BASE="main",
    TURBO_TELEMETRY_DISABLED="1",
    DO_NOT_TRACK="1",
    TURBO_NO_UPDATE_NOTIFIER="1",
    TURBO_PRINT_VERSION_DISABLED="1",
)


def git(repo: Path, *args: str) -> str:
    res = subprocess.run(
        ["git", *args], cwd=repo, env=GIT_ENV, capture_output=True, text=True, check=False
    )
    if res.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {repo}: {res.stderr.strip()}")
    return res.stdout


@dataclass
class Scenario:
    """One change applied to the base state: what to touch, and how git should see it."""

    name: str
    desc: str
    mode: str  # worktree | staged | commit
    modify: list[str] = field(default_factory=list)
    create: list[str] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    create_ignored: list[str] = field(default_factory=list)

    @property
    def changed(self) -> list[str]:
        return sorted(self.modify + self.create + self.delete)


@dataclass
class Timing:
    """Wall times of repeated runs of one command."""

    runs: list[float] = field(default_factory=list)

    @property
    def min(self) -> float:
        return min(self.runs) if self.runs else float("nan")

    @property
    def median(self) -> float:
        return statistics.median(self.runs) if self.runs else float("nan")


@dataclass
class Result:
    """Everything measured for one scenario."""

    scenario: str
    mode: str
    changed: list[str]
    truth: list[str]
    ameide: list[str] | None
    ameide_error: str | None
    ameide_cold: float
    ameide_time: Timing
    git_time: Timing
    turbo_time: Timing
    turbo_pnpm: list[str] | None
    missing: dict[str, list[str]]
    extra: dict[str, list[str]]

    @property
    def ok(self) -> bool:
        return (
            self.ameide is not None
            and not any(self.missing.values())
            and not any(self.extra.values())
        )


# -- repo preparation --------------------------------------------------------------------------
@contextlib.contextmanager
def locked(preset: str) -> Iterator[None]:
    """Serialise concurrent runs on the same generated repo."""
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / f"{preset}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def repo_is_current(repo: Path, preset: str, seed: int) -> bool:
    meta_file = gm.meta_path(repo)
    if not (repo / ".git").is_dir() or not meta_file.is_file():
        return False
    try:
        meta = gm.load_meta(repo)
        git(repo, "rev-parse", "--verify", "-q", "main^{commit}")
    except (RuntimeError, ValueError, OSError):
        return False
    return bool(
        meta.get("gen_version") == gm.GEN_VERSION
        and meta.get("preset") == preset
        and meta.get("seed") == seed
    )


def prepare_repo(preset: str, seed: int) -> tuple[Path, dict[str, float]]:
    """Generate + commit the repo unless an up-to-date one exists; returns setup timings."""
    repo = OUT / preset
    if repo_is_current(repo, preset, seed):
        return repo, {}
    t0 = time.perf_counter()
    gm.generate(repo, preset, seed)
    t1 = time.perf_counter()
    git(repo, "init", "-q", "-b", "main")
    for key, value in [
        ("user.name", "ameide bench"),
        ("user.email", "bench@example.invalid"),
        ("commit.gpgsign", "false"),
        ("gc.auto", "0"),
        ("core.autocrlf", "false"),
    ]:
        git(repo, "config", "--local", key, value)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"synthetic monorepo ({preset}, seed {seed})")
    t2 = time.perf_counter()
    return repo, {"generate_s": t1 - t0, "git_init_commit_s": t2 - t1}


def reset_repo(repo: Path) -> None:
    """Back to the committed base state on main, scenario branches deleted."""
    git(repo, "checkout", "-q", "-f", "main")
    git(repo, "reset", "-q", "--hard", "main")
    git(repo, "clean", "-q", "-f", "-d", "-x")
    branches = git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads/bench/")
    for b in branches.split():
        git(repo, "branch", "-q", "-D", b)


def comment_for(path: str) -> str:
    if path.endswith((".py", ".yaml", ".yml", ".toml")):
        return "# bench change\n"
    if path.endswith(".md"):
        return "\nbench change\n"
    return "// bench change\n"


def apply(repo: Path, sc: Scenario) -> None:
    if sc.mode == "commit":
        git(repo, "checkout", "-q", "-b", f"bench/{sc.name}", "main")
    for rel in sc.modify:
        with open(repo / rel, "a") as fh:
            fh.write(comment_for(rel))
    for rel in sc.create + sc.create_ignored:
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(comment_for(rel))
    for rel in sc.delete:
        (repo / rel).unlink()
    if sc.mode in ("staged", "commit"):
        git(repo, "add", "-A")
    if sc.mode == "commit":
        git(repo, "commit", "-q", "-m", f"bench: {sc.name}")


# -- scenario selection ------------------------------------------------------------------------
def pick_scenarios(truth: gm.Truth) -> list[Scenario]:
    """The benchmark's scenarios, chosen deterministically from the model."""
    module_of = {pid: k for k, m in enumerate(truth.go_modules) for pid in m["packages"]}
    closure = {t: len(truth.dependents([t])) for t in truth.eco}

    def src(tid: str, pred: Callable[[str], bool]) -> str | None:
        return next((f for f in truth.files[tid] if pred(f)), None)

    def go_src(tid: str) -> str | None:
        return src(
            tid,
            lambda f: (
                f.endswith(".go")
                and not f.endswith("_test.go")
                and "/testdata/" not in f
                and "/_" not in f
            ),
        )

    def middle(items: list[str]) -> str:
        return sorted(items, key=lambda t: (closure[t], t))[len(items) // 2]

    go = truth.ids("go")
    leaves = [
        t
        for t in go
        if not truth.rdeps[t] and truth.deps[t] and go_src(t) and truth.kind[t] == "lib"
    ]
    leaf = middle(leaves)
    xmod = {t: sum(1 for r in truth.rdeps[t] if module_of.get(r, -1) != module_of[t]) for t in go}
    hub = max((t for t in go if go_src(t)), key=lambda t: (xmod[t], closure[t], t))
    pn = [t for t in truth.ids("pnpm") if truth.deps[t] and truth.rdeps[t]]
    pmid = middle(pn)
    puntracked = middle([t for t in pn if t != pmid and closure[t] != closure[pmid]] or pn)
    uv = max(truth.ids("uv"), key=lambda t: (closure[t], t))
    buf = max(
        truth.ids("buf"),
        key=lambda t: (sum(1 for x in truth.dependents([t]) if truth.eco[x] != "buf"), t),
    )
    dels = [t for t in go if truth.rdeps[t] and f"{truth.dir[t]}/util.go" in truth.files[t]]
    dgo = middle(dels) if dels else leaf
    dfile = f"{truth.dir[dgo]}/util.go" if dels else str(go_src(leaf))
    gomod = f"{truth.go_modules[min(1, len(truth.go_modules) - 1)]['dir']}/go.mod"
    pdir = truth.dir[pmid]
    return [
        Scenario(
            "go-leaf",
            f"modify a file of Go leaf package {leaf}",
            "worktree",
            modify=[str(go_src(leaf))],
        ),
        Scenario(
            "go-hub-xmod",
            f"modify Go hub {hub} ({xmod[hub]} cross-module importers)",
            "commit",
            modify=[str(go_src(hub))],
        ),
        Scenario(
            "pnpm-mid",
            f"modify mid-chain pnpm package {pmid} (staged)",
            "staged",
            modify=[f"{pdir}/src/index.ts"],
        ),
        Scenario(
            "uv-member",
            f"modify uv member {uv}",
            "commit",
            modify=[str(src(uv, lambda f: f.endswith("__init__.py")))],
        ),
        Scenario(
            "proto",
            f"modify a .proto of {buf} (reaches generated-code consumers)",
            "commit",
            modify=[str(src(buf, lambda f: f.endswith(".proto")))],
        ),
        Scenario(
            "pnpm-untracked",
            f"new untracked file in {puntracked}",
            "worktree",
            create=[f"{truth.dir[puntracked]}/src/feature_new.ts"],
        ),
        Scenario("go-delete", f"delete a file of Go package {dgo}", "worktree", delete=[dfile]),
        Scenario(
            "root-global",
            "modify root pnpm-workspace.yaml (all pnpm targets)",
            "worktree",
            modify=["pnpm-workspace.yaml"],
        ),
        # extras
        Scenario(
            "go-mod", f"modify {gomod} (all packages of that module)", "commit", modify=[gomod]
        ),
        Scenario(
            "ignored-only",
            "create git-ignored files only (nothing affected)",
            "worktree",
            create_ignored=[f"{pdir}/dist/bundle.js", "node_modules/.cache/x.js"],
        ),
        Scenario(
            "unowned-doc",
            "modify a docs/ file owned by no target",
            "worktree",
            modify=["docs/page0.md"],
        ),
        Scenario(
            "everything", "modify ameide.toml (every target)", "worktree", modify=["ameide.toml"]
        ),
        Scenario(
            "buf-gen-template",
            "modify root buf.gen.yaml (brief: owned by no target)",
            "worktree",
            modify=["buf.gen.yaml"],
        ),
    ]


# -- measuring ---------------------------------------------------------------------------------
def timed(
    cmd: Sequence[str], cwd: Path, env: dict[str, str]
) -> tuple[float, subprocess.CompletedProcess[str]]:
    t0 = time.perf_counter()
    res = subprocess.run(list(cmd), cwd=cwd, env=env, capture_output=True, text=True, check=False)
    return time.perf_counter() - t0, res


def wipe_ameide_cache(repo: Path) -> None:
    """Remove ameide's caches (<git-dir>/ameide/, .ameide/cache/) so the next run is cold."""
    for d in (repo / ".git" / "ameide", repo / ".ameide" / "cache"):
        shutil.rmtree(d, ignore_errors=True)


def run_ameide(
    ameide: str, repo: Path, runs: int
) -> tuple[float, Timing, list[str] | None, str | None]:
    """One cold run (caches wiped) then `runs` warm runs; ids must agree across all of them."""
    timing = Timing()
    ids: list[str] | None = None
    error: str | None = None
    cold = float("nan")
    wipe_ameide_cache(repo)
    for i in range(runs + 1):
        dt, res = timed([ameide, "affected", "--json", "--base", "main"], repo, clean_env())
        if i == 0:
            cold = dt
        else:
            timing.runs.append(dt)
        if res.returncode != 0:
            error = f"exit {res.returncode}: {(res.stderr or res.stdout).strip()[-600:]}"
            continue
        try:
            doc = json.loads(res.stdout)
            got = sorted({str(a["id"]) for a in doc["affected"]})
        except (ValueError, KeyError, TypeError) as exc:
            error = f"bad JSON ({exc}): {res.stdout[:300]!r}"
            continue
        if ids is not None and got != ids:
            error = f"run {i} gave a different affected set ({len(got)} vs {len(ids)} ids)"
        ids = got
    return cold, timing, (None if error else ids), error


def run_git_floor(repo: Path, runs: int) -> Timing:
    timing = Timing()
    for _ in range(runs):
        t0 = time.perf_counter()
        for args in (["diff", "--name-only", "-z", "main"], ["status", "--porcelain", "-z"]):
            subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, capture_output=True, check=True)
        timing.runs.append(time.perf_counter() - t0)
    return timing


def run_turbo(turbo: str | None, repo: Path, runs: int) -> tuple[Timing, list[str] | None]:
    timing = Timing()
    if turbo is None:
        return timing, None
    ids: list[str] | None = None
    for _ in range(runs):
        dt, res = timed([turbo, "run", "test", "--affected", "--dry=json"], repo, TURBO_ENV)
        timing.runs.append(dt)
        with contextlib.suppress(ValueError, KeyError, TypeError):
            doc = json.loads(res.stdout)
            ids = sorted({f"pnpm:{t['package']}" for t in doc["tasks"] if t["package"] != "//"})
    return timing, ids


def measure(
    repo: Path, truth: gm.Truth, sc: Scenario, ameide: str, turbo: str | None, runs: int
) -> Result:
    reset_repo(repo)
    apply(repo, sc)
    try:
        expected = truth.affected(sc.changed)
        cold, a_time, ids, error = run_ameide(ameide, repo, runs)
        g_time = run_git_floor(repo, runs)
        t_time, t_ids = run_turbo(turbo, repo, runs)
    finally:
        reset_repo(repo)
    missing: dict[str, list[str]] = {}
    extra: dict[str, list[str]] = {}
    if ids is not None:
        got = set(ids)
        for eco in ECOS:
            missing[eco] = sorted(t for t in expected - got if t.split(":", 1)[0] == eco)
            extra[eco] = sorted(t for t in got - expected if t.split(":", 1)[0] == eco)
        other = sorted(t for t in got - expected if t.split(":", 1)[0] not in ECOS)
        if other:
            extra["other"] = other
    return Result(
        sc.name,
        sc.mode,
        sc.changed,
        sorted(expected),
        ids,
        error,
        cold,
        a_time,
        g_time,
        t_time,
        t_ids,
        missing,
        extra,
    )


def startup(ameide: str, runs: int) -> dict[str, float]:
    out = {}
    for args in (["--version"], ["--help"]):
        times = [timed([ameide, *args], ROOT, clean_env())[0] for _ in range(runs)]
        out[" ".join(args)] = min(times)
    return out


# -- reporting ---------------------------------------------------------------------------------
def ms(t: float) -> str:
    return "-" if t != t else f"{t * 1000:.0f}"  # nan -> "-"


def print_table(results: list[Result], truth: gm.Truth) -> None:
    head = (
        f"{'scenario':<18} {'mode':<8} {'chg':>3} {'truth':>6} {'ameide':>6} "
        f"{'cold ms':>7} {'warm ms min/med':>15} {'git ms min/med':>14} "
        f"{'turbo ms min/med':>16} "
        f"{'turbo pnpm':>10} {'truth pnpm':>10}  agree"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        n_truth_pnpm = sum(1 for t in r.truth if truth.eco[t] == "pnpm")
        n_ameide = "ERR" if r.ameide is None else str(len(r.ameide))
        turbo = "-" if r.turbo_pnpm is None else str(len(r.turbo_pnpm))
        print(
            f"{r.scenario:<18} {r.mode:<8} {len(r.changed):>3} {len(r.truth):>6} "
            f"{n_ameide:>6} {ms(r.ameide_cold):>7} "
            f"{ms(r.ameide_time.min):>7}/{ms(r.ameide_time.median):<7} "
            f"{ms(r.git_time.min):>6}/{ms(r.git_time.median):<7} "
            f"{ms(r.turbo_time.min):>7}/{ms(r.turbo_time.median):<8} {turbo:>10} "
            f"{n_truth_pnpm:>10}  {'yes' if r.ok else 'NO'}"
        )


def print_agreement(results: list[Result]) -> None:
    print("\nagreement with truth per ecosystem (ids in truth or ameide; 100% expected):")
    for eco in ECOS:
        union = matched = 0
        for r in results:
            if r.ameide is None:
                union += sum(1 for t in r.truth if t.startswith(eco + ":"))
                continue
            n_truth = sum(1 for t in r.truth if t.startswith(eco + ":"))
            miss, ext = len(r.missing.get(eco, [])), len(r.extra.get(eco, []))
            matched += n_truth - miss
            union += n_truth + ext
        pct = 100.0 if union == 0 else 100.0 * matched / union
        print(f"  {eco:<5} {pct:6.2f}%  ({matched}/{union})")
    for r in results:
        if r.ameide_error:
            print(f"\n[{r.scenario}] ameide failed: {r.ameide_error}")
        for kind, table in (("missing", r.missing), ("extra", r.extra)):
            for eco, ids in table.items():
                if ids:
                    shown = ", ".join(ids[:12]) + (
                        f" ... (+{len(ids) - 12})" if len(ids) > 12 else ""
                    )
                    print(f"\n[{r.scenario}] {kind} {eco} ({len(ids)}): {shown}")
        if not r.ok and r.ameide is not None:
            print(f"[{r.scenario}] changed: {', '.join(r.changed) or '(none)'}")


def bench_preset(
    preset: str,
    seed: int,
    runs: int,
    ameide: str,
    turbo: str | None,
    only: set[str] | None,
    ext: Sequence[str],
) -> tuple[list[Result], dict[str, Any]]:
    with locked(preset):
        repo, setup = prepare_repo(preset, seed)
        meta = gm.load_meta(repo)
        truth = gm.Truth(meta, ext)
        counts = {e: len(truth.ids(e)) for e in ECOS}
        edges = sum(len(d) for d in truth.deps.values())
        print(
            f"\n== preset {preset}: {repo} — {meta['file_count']} files, targets {counts}, "
            f"{edges} edges, seed {seed}"
        )
        if setup:
            print(
                f"   generated in {setup['generate_s']:.2f}s, git init+add+commit in "
                f"{setup['git_init_commit_s']:.2f}s"
            )
        scenarios = [s for s in pick_scenarios(truth) if only is None or s.name in only]
        for s in scenarios:
            print(f"   {s.name:<18} {s.desc}")
        results = [measure(repo, truth, s, ameide, turbo, runs) for s in scenarios]
    print()
    print_table(results, truth)
    print_agreement(results)
    info = {
        "preset": preset,
        "files": meta["file_count"],
        "targets": counts,
        "edges": edges,
        "setup": setup,
    }
    return results, info


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--preset",
        action="append",
        choices=sorted(gm.PRESETS),
        help="preset to run (repeatable; default: medium and large)",
    )
    ap.add_argument("--runs", type=int, default=5, help="repetitions per command (default 5)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ameide", default=str(DEFAULT_AMEIDE), help="ameide executable")
    ap.add_argument("--turbo", default=str(DEFAULT_TURBO), help="turbo executable ('' = skip)")
    ap.add_argument("--scenario", action="append", help="only these scenarios (repeatable)")
    ap.add_argument("--quick", action="store_true", help="small preset, 1 run (smoke test)")
    ap.add_argument("--report", type=Path, help="also write all figures as JSON here")
    ap.add_argument(
        "--ext",
        action="append",
        choices=gm.EXTENSIONS,
        default=None,
        help="truth semantic extension beyond the brief (repeatable; see README)",
    )
    args = ap.parse_args(argv)
    presets = ["small"] if args.quick else (args.preset or ["medium", "large"])
    runs = 1 if args.quick else max(1, args.runs)
    turbo = args.turbo if args.turbo and Path(args.turbo).exists() else shutil.which("turbo")
    if not args.turbo:
        turbo = None
    ameide = args.ameide
    if not Path(ameide).exists() and shutil.which(ameide) is None:
        print(f"ameide executable not found: {ameide}", file=sys.stderr)
        return 2
    version = subprocess.run([ameide, "--version"], capture_output=True, text=True, check=False)
    print(f"ameide: {ameide} ({(version.stdout or version.stderr).strip()[:80]})")
    print(f"turbo:  {turbo or 'not found (skipped)'}   runs per command: {runs}")
    start = startup(ameide, max(3, runs))
    print(
        f"start-up (min of {max(3, runs)}): "
        + ", ".join(f"ameide {k} {ms(v)} ms" for k, v in start.items())
    )
    only = set(args.scenario) if args.scenario else None
    ext = list(DEFAULT_EXTENSIONS if args.ext is None else args.ext)
    print(f"truth semantics: brief{''.join(' + ' + e for e in ext)}")
    report: dict[str, Any] = {
        "ameide": ameide,
        "turbo": turbo,
        "runs": runs,
        "startup_s": start,
        "truth_extensions": ext,
        "presets": [],
    }
    ok = True
    for preset in presets:
        results, info = bench_preset(preset, args.seed, runs, ameide, turbo, only, ext)
        ok = ok and all(r.ok for r in results)
        info["results"] = [asdict(r) | {"ok": r.ok} for r in results]
        report["presets"].append(info)
    if args.report:
        args.report.write_text(json.dumps(report, indent=1) + "\n")
    print("\nRESULT:", "all scenarios agree with the truth" if ok else "DISAGREEMENT (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
