"""Stop-gate figures: how long `ameide gate` keeps an agent waiting, end to end.

    python bench/gate.py [--runs 10] [--report FILE]

On a fresh copy of examples/monorepo (committed, on a branch):

1. green: a change to a Go leaf package whose tests pass. The first gate runs `ameide test`;
   then the gate on the unchanged tree, `--runs` times, as the agent's hook runs it (a new
   process, the hook's JSON on stdin). Target: under 0.3 s.
2. red: the same package broken (one test case fails). `ameide test` prints its closing block;
   the gate (which runs `ameide test` itself) must hand the agent the same first error, run id
   aside; then the gate on the unchanged red tree, `--runs` times.

Exit status 1 when a target is missed or the first errors differ. Go's build cache is the
machine's (warm after the first run); ameide's bytecode is compiled first, as an installed
ameide has it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
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
TARGET = 0.3  # seconds, the unchanged green answer
LEAF = "go/lib/strutil/strutil.go"


def env() -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "AMEIDE_"))}
    e["PATH"] = f"{ROOT / '.tools' / 'bin'}:{ROOT / '.venv' / 'bin'}:{e.get('PATH', '')}"
    e.update(GOTOOLCHAIN="local", GOPROXY="off", GOFLAGS="", NO_COLOR="1")
    return e


def git(repo: Path, *args: str) -> None:
    subprocess.run(("git", *args), cwd=repo, check=True, capture_output=True, env=env())


def payload(repo: Path) -> str:
    return json.dumps(
        {
            "session_id": "bench",
            "transcript_path": None,
            "cwd": str(repo),
            "hook_event_name": "Stop",
            "permission_mode": "default",
            "stop_hook_active": False,
            "last_assistant_message": "done",
        }
    )


def gate(repo: Path) -> tuple[float, dict[str, Any] | None]:
    t0 = time.perf_counter()
    r = subprocess.run(
        [str(AMEIDE), "gate", "--agent", "claude"],
        cwd=repo,
        input=payload(repo),
        capture_output=True,
        text=True,
        env=env(),
        check=False,
    )
    took = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"ameide gate failed ({r.returncode}): {r.stderr}")
    return took, json.loads(r.stdout) if r.stdout.strip() else None


def figures(samples: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(samples), 3),
        "min": round(min(samples), 3),
        "max": round(max(samples), 3),
    }


def no_run_id(text: str) -> str:
    return re.sub(r"\d{8}T\d{6}Z-[0-9a-f]{6}", "<run>", text)


def first_error(log: str) -> str:
    sys.path.insert(0, str(ROOT / "src"))
    from ameide.agents.gate import first_error as extract

    return extract(log)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--report")
    args = ap.parse_args()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=True)
    report: dict[str, Any] = {}
    ok = True
    with tempfile.TemporaryDirectory(prefix="ameide-gate-bench-") as tmp:
        repo = Path(tmp) / "monorepo"
        ignore = shutil.ignore_patterns("node_modules", ".venv", "__pycache__", ".pytest_cache")
        shutil.copytree(ROOT / "examples" / "monorepo", repo, ignore=ignore)
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        git(repo, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "example")
        git(repo, "checkout", "-q", "-b", "feature")
        leaf = repo / LEAF
        source = leaf.read_text()

        leaf.write_text(source + "\n// a harmless change\n")
        first, verdict = gate(repo)
        if verdict is not None:
            raise SystemExit(f"the green tree was not green: {verdict}")
        green = [gate(repo)[0] for _ in range(args.runs)]
        report["green_first_s"] = round(first, 3)
        report["green_unchanged_s"] = figures(green)

        # one failing case only: TestReverse ranges over a map, so with several failing cases
        # two runs print them in different orders
        broken = source.replace(
            "\treturn string(r)\n",
            '\tif len(r) == 3 {\n\t\treturn string(r) + "x"\n\t}\n\treturn string(r)\n',
        )
        if broken == source:
            raise SystemExit(f"could not break {LEAF}: the example changed")
        leaf.write_text(broken)
        t0 = time.perf_counter()
        r = subprocess.run(
            [str(AMEIDE), "test"], cwd=repo, capture_output=True, text=True, env=env(), check=False
        )
        report["ameide_test_red_s"] = round(time.perf_counter() - t0, 3)
        printed = first_error(r.stdout)
        first, verdict = gate(repo)
        reason = str((verdict or {}).get("reason", ""))
        handed = reason.partition("\n\n")[2]
        same = bool(printed) and no_run_id(printed) == no_run_id(handed)
        red = [gate(repo)[0] for _ in range(args.runs)]
        report["red_first_s"] = round(first, 3)
        report["red_unchanged_s"] = figures(red)
        report["red_same_first_error"] = same
        ok = same and report["green_unchanged_s"]["median"] < TARGET

    print(f"gate on examples/monorepo ({args.runs} runs each, process start included)")
    print(f"  green, first (runs ameide test):  {report['green_first_s']:.2f} s")
    g = report["green_unchanged_s"]
    print(
        f"  green, unchanged:                  {g['median']:.3f} s median "
        f"({g['min']:.3f}-{g['max']:.3f}); target < {TARGET} s"
    )
    print(f"  ameide test on the red tree:       {report['ameide_test_red_s']:.2f} s")
    print(f"  red, first (runs ameide test):    {report['red_first_s']:.2f} s")
    rr = report["red_unchanged_s"]
    print(
        f"  red, unchanged:                    {rr['median']:.3f} s median "
        f"({rr['min']:.3f}-{rr['max']:.3f})"
    )
    same_text = "yes" if report["red_same_first_error"] else "NO"
    print(f"  same first error as ameide test:   {same_text}")
    if args.report:
        Path(args.report).write_text(json.dumps(report, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
