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


def precompile() -> None:
    """Byte-compile ameide's sources first: where PYTHONDONTWRITEBYTECODE is set, an edited
    module would otherwise be compiled again by every timed run (~0.1 s), which an installed
    ameide never pays."""
    import compileall

    compileall.compile_dir(str(ROOT / "src" / "ameide"), quiet=1, workers=0)


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
    """One change applied to the base state: what to touch, and how git should see it.

    `modify` appends a comment line; `edit` replaces every occurrence of a text in a file,
    and `keys` tells the truth what that edit changes in a structured config file or
    lockfile (gm.Truth's vocabulary: `go`, `catalog:zod`, `plugin:<out>`, ...)."""

    name: str
    desc: str
    mode: str  # worktree | staged | commit
    modify: list[str] = field(default_factory=list)
    create: list[str] = field(default_factory=list)
    delete: list[str] = field(default_factory=list)
    create_ignored: list[str] = field(default_factory=list)
    edit: list[tuple[str, str, str]] = field(default_factory=list)  # (path, old, new)
    keys: dict[str, list[str]] = field(default_factory=dict)

    @property
    def changed(self) -> list[str]:
        return sorted({*self.modify, *self.create, *self.delete, *(e[0] for e in self.edit)})


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
    for rel, old, new in sc.edit:
        text = (repo / rel).read_text()
        if old not in text:
            raise RuntimeError(f"scenario {sc.name}: {old!r} not found in {rel}")
        (repo / rel).write_text(text.replace(old, new))
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
def bump(version: str, part: int) -> str:
    """`^3.22.0` -> `^3.23.0` (part 1), `1.25.5` -> `1.25.6` (part 2)."""
    prefix = version[: len(version) - len(version.lstrip("^~"))]
    nums = [int(x) for x in version[len(prefix) :].split(".")]
    nums[part] += 1
    nums[part + 1 :] = [0] * (len(nums) - part - 1)
    return prefix + ".".join(map(str, nums))


def pick_scenarios(truth: gm.Truth) -> list[Scenario]:
    """The benchmark's scenarios, chosen deterministically from the model."""
    module_of = {pid: k for k, m in enumerate(truth.go_modules) for pid in m["packages"]}
    closure = {t: len(truth.dependents(t)) for t in truth.eco}
    root_files = set(truth.files[truth.root])

    def src(tid: str, pred: Callable[[str], bool]) -> str | None:
        return next((f for f in truth.files[tid] if pred(f)), None)

    def go_src(tid: str) -> str | None:
        return src(
            tid,
            lambda f: (
                f.endswith(".go")
                and f not in truth.test_files[tid]
                and not f.endswith("_windows.go")
            ),
        )

    def middle(items: list[str]) -> str:
        return sorted(items, key=lambda t: (closure[t], t))[len(items) // 2]

    def most(items: list[str]) -> str:
        return max(items, key=lambda t: (closure[t], t))

    go = truth.ids("go")
    leaves = [
        t
        for t in go
        if not truth.rdeps[t]
        and not truth.rtest[t]
        and truth.deps[t]
        and go_src(t)
        and truth.kind[t] == "lib"
    ]
    leaf = middle(leaves)
    xmod = {
        t: sum(1 for r in truth.rdeps[t] | truth.rtest[t] if module_of[r] != module_of[t])
        for t in go
    }
    hub = max((t for t in go if go_src(t)), key=lambda t: (xmod[t], closure[t], t))
    tested = [
        t for t in go if truth.rdeps[t] and any(f.endswith("_test.go") for f in truth.files[t])
    ]
    tgo = most(tested)
    tfile = next(f for f in truth.files[tgo] if f.endswith("_test.go"))
    readmes = [t for t in go if f"{truth.dir[t]}/README.md" in root_files]
    rgo = most(readmes) if readmes else hub
    rfile = f"{truth.dir[rgo]}/README.md"
    windows = [t for t in go if any(f.endswith("_windows.go") for f in truth.files[t])]
    claimed = [f for f in truth.unowned if f.endswith(".go")]
    pn = [t for t in truth.ids("pnpm") if truth.deps[t] and truth.rdeps[t]]
    pmid = middle(pn)
    puntracked = middle([t for t in pn if t != pmid and closure[t] != closure[pmid]] or pn)
    uv = max(truth.ids("uv"), key=lambda t: (closure[t], t))

    def non_buf(ids: set[str]) -> int:
        return sum(1 for x in ids if truth.eco[x] != "buf")

    # a proto of the module buf.gen.go.yaml generates from at build time
    api_tpl = next(t for t in truth.templates if t["file"] == "buf.gen.go.yaml")
    api_out = api_tpl["plugins"][0]["out"]
    api_protos = [f for f, p in truth.protos.items() if p["module"] in api_tpl["inputs"]]
    proto = max(api_protos, key=lambda f: (non_buf(truth.affected([f])), f))
    # a proto of another module whose build-time route goes further than its own output:
    # build-time generated protos of another template import it
    wider = [f for f in truth.routes if f not in api_protos and truth.routes[f] - truth.direct[f]]
    proto_import = max(wider, key=lambda f: (len(truth.affected([f])), f)) if wider else None
    # whole targets deleted: a Go package only its importers' code names (no testdata, no
    # package below it) and a pnpm package other packages depend on (not a buf.gen output)
    outs = {e["out"] for t in truth.templates for e in t["plugins"]}
    del_go = [
        t
        for t in go
        if truth.kind[t] == "lib"
        and truth.rdeps[t]
        and truth.rtest[t] <= truth.rdeps[t]
        and not any("/testdata/" in f for f in truth.files[t])
        and not any(x != t and truth.dir[x].startswith(truth.dir[t] + "/") for x in go)
    ]
    gdel = middle([t for t in del_go if f"{truth.dir[t]}/README.md" in root_files] or del_go)
    gdel_files = sorted(
        truth.files[gdel] + [f for f in [f"{truth.dir[gdel]}/README.md"] if f in root_files]
    )
    del_pn = [t for t in pn if not any(within_dir(o, truth.dir[t]) for o in outs)]
    pdel = middle([t for t in del_pn if t != pmid] or del_pn)
    dels = [t for t in go if truth.rdeps[t] and f"{truth.dir[t]}/util.go" in truth.files[t]]
    dgo = middle(dels) if dels else leaf
    dfile = f"{truth.dir[dgo]}/util.go" if dels else str(go_src(leaf))
    gk = min(1, len(truth.go_modules) - 1)
    gomod = f"{truth.go_modules[gk]['dir']}/go.mod"
    # the in-repo modules it requires (each replaced by its local directory)
    required = sorted(
        {
            truth.go_modules[module_of[d]]["path"]
            for t in truth.go_modules[gk]["packages"]
            for d in truth.deps[t] + truth.test_deps[t]
            if module_of.get(d, gk) != gk
        }
    )
    pdir = truth.dir[pmid]
    ws = "pnpm-workspace.yaml"

    def catalog_reach(entry: str) -> int:
        return len(truth.affected([ws], {ws: [f"catalog:{entry}"]}))

    cat = max(gm.CATALOG, key=lambda e: (catalog_reach(e), e))
    spec = gm.CATALOG[cat][0]
    locked = next(e for e in sorted(gm.CATALOG) if e != cat)
    lver = gm.CATALOG[locked][1]
    scenarios = [
        # Go
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
            "go-test-only",
            f"modify {tfile} (a test file: its package alone)",
            "worktree",
            modify=[tfile],
        ),
        Scenario(
            "go-readme",
            f"{'modify' if readmes else 'create'} {rfile} (no Go package's file: the root project)",
            "worktree",
            **({"modify": [rfile]} if readmes else {"create": [rfile]}),
        ),
    ]
    if windows:
        wgo = most(windows)
        wfile = next(f for f in truth.files[wgo] if f.endswith("_windows.go"))
        scenarios.append(
            Scenario(
                "go-constraint",
                f"modify {wfile} (excluded on linux, still its package's file)",
                "worktree",
                modify=[wfile],
            )
        )
    scenarios += [
        Scenario(
            "go-unowned",
            f"{'modify ' + claimed[0] if claimed else 'create go/m0/_scratch/main.go'}"
            " (a .go file no package holds: nothing)",
            "worktree",
            **({"modify": claimed[:1]} if claimed else {"create": ["go/m0/_scratch/main.go"]}),
        ),
        Scenario("go-delete", f"delete a file of Go package {dgo}", "worktree", delete=[dfile]),
        Scenario(
            "go-delete-package",
            f"delete Go package {gdel} (its importers, the root project for its README)",
            "commit",
            delete=gdel_files,
        ),
        Scenario(
            "go-mod-comment",
            f"a comment in {gomod}"
            + (f" and a bump of {required[0]}, replaced locally" if required else "")
            + " (nothing)",
            "commit",
            modify=[gomod],
            edit=[(gomod, f"\t{required[0]} v0.0.0\n", f"\t{required[0]} v0.0.1\n")]
            if required
            else [],
            keys={gomod: [f"require:{required[0]}"]} if required else {},
        ),
        Scenario(
            "go-mod-go-line",
            f"bump the go line of {gomod} (its module's packages)",
            "commit",
            edit=[(gomod, f"\ngo {gm.GO_VERSION}\n", f"\ngo {bump(gm.GO_VERSION, 2)}\n")],
            keys={gomod: ["go"]},
        ),
        # pnpm
        Scenario(
            "pnpm-mid",
            f"modify mid-chain pnpm package {pmid} (staged)",
            "staged",
            modify=[f"{pdir}/src/index.ts"],
        ),
        Scenario(
            "pnpm-untracked",
            f"new untracked file in {puntracked}",
            "worktree",
            create=[f"{truth.dir[puntracked]}/src/feature_new.ts"],
        ),
        Scenario(
            "pnpm-ws-comment",
            f"a comment in {ws} (its owner, the root project)",
            "worktree",
            modify=[ws],
        ),
        Scenario(
            "pnpm-catalog",
            f"bump catalog entry {cat} in {ws} (root + its users)",
            "commit",
            edit=[(ws, f"\n  {cat}: {spec}\n", f"\n  {cat}: {bump(spec, 1)}\n")],
            keys={ws: [f"catalog:{cat}"]},
        ),
        Scenario(
            "pnpm-lock",
            f"bump {locked} {lver} in pnpm-lock.yaml (closure rule: its importers)",
            "staged",
            edit=[
                ("pnpm-lock.yaml", f"{locked}@{lver}", f"{locked}@{bump(lver, 2)}"),
                ("pnpm-lock.yaml", f"version: {lver}\n", f"version: {bump(lver, 2)}\n"),
            ],
            keys={"pnpm-lock.yaml": [f"package:{locked}"]},
        ),
        Scenario(
            "pnpm-delete-package",
            f"delete pnpm package {pdel} (its former dependents, the root project)",
            "staged",
            delete=list(truth.files[pdel]),
        ),
        # uv
        Scenario(
            "uv-member",
            f"modify uv member {uv}",
            "commit",
            modify=[str(src(uv, lambda f: f.endswith("__init__.py")))],
        ),
        Scenario(
            "uv-root-config",
            "change [tool.ruff] in the virtual root pyproject.toml (nothing)",
            "worktree",
            edit=[("pyproject.toml", "line-length = 100", "line-length = 120")],
        ),
        # buf
        Scenario(
            "proto",
            f"modify {proto} (reaches build-time generated code)",
            "commit",
            modify=[proto],
        ),
        Scenario(
            "buf-gen-template",
            "a comment in buf.gen.yaml (nothing)",
            "worktree",
            modify=["buf.gen.yaml"],
        ),
        Scenario(
            "buf-gen-plugin",
            "pin the Go plugin of buf.gen.go.yaml (its build-time output's targets)",
            "worktree",
            edit=[
                (
                    "buf.gen.go.yaml",
                    "remote: buf.build/protocolbuffers/go\n",
                    "remote: buf.build/protocolbuffers/go:v1.36.6\n",
                )
            ],
            keys={"buf.gen.go.yaml": [f"plugin:{api_out}"]},
        ),
        # the rest
        Scenario(
            "root-owned",
            "modify files only the workspace root project holds",
            "worktree",
            modify=[
                "docs/page0.md",
                "turbo.json",
                "packages/legacy-0/src/index.ts",
                "py/scripts/tool.py",
                "proto/m0/README.md",
            ],
        ),
        Scenario(
            "ignored-only",
            "create git-ignored files only (nothing affected)",
            "worktree",
            create_ignored=[f"{pdir}/dist/bundle.js", "node_modules/.cache/x.js", "docs/gen/x.md"],
        ),
        Scenario(
            "everything", "modify ameide.toml (every target)", "worktree", modify=["ameide.toml"]
        ),
    ]
    if proto_import is not None:
        at = next(i for i, sc in enumerate(scenarios) if sc.name == "proto") + 1
        scenarios.insert(
            at,
            Scenario(
                "proto-import",
                f"modify {proto_import} (build-time generated protos of another template"
                " import it)",
                "worktree",
                modify=[proto_import],
            ),
        )
    return scenarios


def within_dir(path: str, d: str) -> bool:
    return path == d or path.startswith(d + "/")


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
        expected = truth.affected(sc.changed, sc.keys, sc.delete)
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
        f"{'scenario':<19} {'mode':<8} {'chg':>3} {'truth':>6} {'ameide':>6} "
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
            f"{r.scenario:<19} {r.mode:<8} {len(r.changed):>3} {len(r.truth):>6} "
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
) -> tuple[list[Result], dict[str, Any]]:
    with locked(preset):
        repo, setup = prepare_repo(preset, seed)
        meta = gm.load_meta(repo)
        truth = gm.Truth(meta)
        counts = {e: len(truth.ids(e)) for e in ECOS}
        edges = sum(len(d) for d in truth.deps.values())
        test_edges = sum(len(d) for d in truth.test_deps.values())
        print(
            f"\n== preset {preset}: {repo} — {meta['file_count']} files, targets {counts}, "
            f"{edges} edges + {test_edges} Go test edges, seed {seed}"
        )
        if setup:
            print(
                f"   generated in {setup['generate_s']:.2f}s, git init+add+commit in "
                f"{setup['git_init_commit_s']:.2f}s"
            )
        scenarios = [s for s in pick_scenarios(truth) if only is None or s.name in only]
        for s in scenarios:
            print(f"   {s.name:<19} {s.desc}")
        results = [measure(repo, truth, s, ameide, turbo, runs) for s in scenarios]
    print()
    print_table(results, truth)
    print_agreement(results)
    info = {
        "preset": preset,
        "files": meta["file_count"],
        "targets": counts,
        "edges": edges,
        "test_edges": test_edges,
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
    precompile()
    version = subprocess.run([ameide, "--version"], capture_output=True, text=True, check=False)
    print(f"ameide: {ameide} ({(version.stdout or version.stderr).strip()[:80]})")
    print(f"turbo:  {turbo or 'not found (skipped)'}   runs per command: {runs}")
    start = startup(ameide, max(3, runs))
    print(
        f"start-up (min of {max(3, runs)}): "
        + ", ".join(f"ameide {k} {ms(v)} ms" for k, v in start.items())
    )
    only = set(args.scenario) if args.scenario else None
    print("truth semantics: docs/affected.md (bench/README.md, 'The truth')")
    report: dict[str, Any] = {
        "ameide": ameide,
        "turbo": turbo,
        "runs": runs,
        "startup_s": start,
        "presets": [],
    }
    ok = True
    for preset in presets:
        results, info = bench_preset(preset, args.seed, runs, ameide, turbo, only)
        ok = ok and all(r.ok for r in results)
        info["results"] = [asdict(r) | {"ok": r.ok} for r in results]
        report["presets"].append(info)
    if args.report:
        args.report.write_text(json.dumps(report, indent=1) + "\n")
    print("\nRESULT:", "all scenarios agree with the truth" if ok else "DISAGREEMENT (see above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
