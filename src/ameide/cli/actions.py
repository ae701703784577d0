"""Command bodies shared by the typer commands and the fast lane (no typer import here)."""

from __future__ import annotations

import os
import sys


def do_affected(*, base: str | None, explain: bool, as_json: bool, graph: str | None = None) -> int:
    from ameide.affected import compute

    if graph is not None:
        from ameide.report.graph import FORMATS

        if graph not in FORMATS:
            from ameide.errors import UsageError

            raise UsageError(
                f"--graph {graph}: not a graph format ameide writes",
                hint="use --graph mermaid (Markdown, PR bodies) or --graph dot (Graphviz)",
            )
        if as_json or explain:
            from ameide.errors import UsageError

            raise UsageError(
                "--graph prints the graph alone: it excludes --json and --explain",
                hint="drop --json/--explain (the graph's edges are the reason chains)",
            )
    report, _ = compute(os.getcwd(), base=base)
    if graph is not None:
        from ameide.report.graph import from_report, render

        sys.stdout.write(render(from_report(report), graph))
    elif as_json:
        from ameide.report.jsonout import affected_doc, dumps

        sys.stdout.write(dumps(affected_doc(report)))
    else:
        from ameide.report.console import make_console
        from ameide.report.human import render_affected

        render_affected(report, make_console(), explain=explain)
    return 0


def do_targets(*, as_json: bool) -> int:
    from ameide.affected import load_graph
    from ameide.config import unknown_targets
    from ameide.plan import phase_commands
    from ameide.records import replace

    repo, config, graph = load_graph(os.getcwd())
    # a typo'd override fails `ameide test` (exit 2); here, where people look ids up, it warns
    unknown = unknown_targets(config, graph.targets)
    for line in unknown:
        sys.stderr.write(f"ameide: warning: {config.path}: {line}\n")
    if unknown:
        known = {k: v for k, v in config.targets.items() if k in graph.targets}
        config = replace(config, targets=known)
    commands = phase_commands(repo.root, graph, config, git_root=repo.git_root)
    if as_json:
        from ameide.report.jsonout import dumps, targets_doc

        sys.stdout.write(dumps(targets_doc(graph, commands)))
    else:
        from ameide.report.console import make_console
        from ameide.report.human import render_targets

        render_targets(graph, make_console(), commands)
    return 0


def do_test(
    *,
    mode: str,
    base: str | None = None,
    phases: tuple[int, ...] = (0, 1, 2),
    targets: tuple[str, ...] = (),
    all_targets: bool = False,
    as_json: bool = False,
    cache: bool = True,
) -> int:
    """`ameide test` (mode test), `ameide test ci` (mode ci) and `ameide run` (mode run)."""
    from ameide.report.console import make_test_console
    from ameide.report.testview import make_listener, render_closing, render_nothing
    from ameide.testrun import TestRequest, run_tests

    env = os.environ
    ci = mode == "ci"
    console = make_test_console(stderr=as_json)
    listener = make_listener(console, env, ci=ci or as_json)
    req = TestRequest(
        mode=mode,
        cwd=os.getcwd(),
        base=base,
        phases=phases,
        targets=targets,
        all_targets=all_targets,
        fail_fast=not ci,
        cache=cache,
    )
    flush = getattr(console, "flush", None)  # the plain console holds lines back (batches)
    try:
        outcome = run_tests(req, listener)
    finally:  # an error on stderr comes after the lines of what ran
        if flush is not None:
            flush()
    if ci:  # the job's summary page under GitHub Actions
        from ameide.report.stepsummary import append

        append(outcome.summary, env, lambda w: sys.stderr.write(f"ameide: warning: {w}\n"))
    if as_json:
        from ameide.report.jsonout import dumps

        sys.stdout.write(dumps(outcome.summary, depth=4))
    elif outcome.nothing:
        render_nothing(outcome.summary, console, os.getcwd())
    else:
        render_closing(outcome.summary, console, os.getcwd())
    if flush is not None:
        flush()
    return outcome.exit_code


def do_run(
    *,
    phases: list[int],
    targets: list[str],
    all_targets: bool,
    base: str | None,
    no_cache: bool,
    matrix: int | None,
    as_json: bool,
) -> int:
    """`ameide run`: the test engine on chosen phases and targets, or `--matrix N`."""
    from ameide.errors import UsageError

    if all_targets and targets:
        raise UsageError(
            "--all and --target exclude each other",
            hint="use --all for every target or --target ID for some",
        )
    if matrix is not None:
        if phases or targets or all_targets:
            raise UsageError(
                "--matrix plans what `ameide test ci` runs: every phase of the affected targets",
                hint="drop --phase/--target/--all (use --base or AMEIDE_BASE for the base)",
            )
        return do_matrix(total=matrix, base=base, as_json=as_json)
    return do_test(
        mode="run",
        base=base,
        phases=tuple(sorted(set(phases or [0, 1, 2]))),
        targets=tuple(targets),
        all_targets=all_targets,
        as_json=as_json,
        cache=not no_cache,
    )


def do_matrix(*, total: int, base: str | None, as_json: bool) -> int:
    """`ameide run --matrix N`: the shards of what `ameide test ci` would run."""
    from ameide.testrun import TestRequest, plan_matrix

    doc = plan_matrix(TestRequest(mode="ci", cwd=os.getcwd(), base=base, fail_fast=False), total)
    if as_json:
        import json

        # one line, so `echo "matrix=$(ameide run --matrix 4 --json)" >> "$GITHUB_OUTPUT"` works
        sys.stdout.write(json.dumps(doc["matrix"], separators=(",", ":")) + "\n")
        for w in doc["warnings"]:
            sys.stderr.write(f"ameide: warning: {w}\n")
    else:
        from ameide.report.cache import render_matrix
        from ameide.report.console import make_console

        render_matrix(doc, make_console())
    return 0


def do_gate(*, agent: str | None, as_json: bool) -> int:
    """`ameide gate`: with `--agent`, the agent's hook (its JSON on stdin, the answer in its
    format, always exit 0 unless ameide itself breaks); without, a person asking: the verdict,
    exit 1 when the gate would hold the agent."""
    from ameide.agents import gate

    if agent is not None and agent not in ("codex", "claude"):
        from ameide.errors import UsageError

        raise UsageError(f"--agent {agent}: not an agent ameide knows", hint="use codex or claude")
    env = os.environ
    if agent is not None:
        payload, problem = gate.read_payload(sys.stdin.read())
        if problem is not None:
            d = gate.Decision(
                "Stop", "allow", f"ameide gate: {problem}; letting the agent stop", "error", True
            )
        else:
            try:
                d = gate.decide(payload, env)
            except Exception as exc:  # fail open: an agent must never be stuck on ameide's bug
                if env_verbose_flag():
                    raise
                what = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
                d = gate.Decision(
                    str(payload.get("hook_event_name") or "Stop"),
                    "allow",
                    f"ameide gate: could not decide ({what}); letting the agent stop",
                    "error",
                    True,
                )
        out, err, code = gate.agent_reply(d)
        sys.stdout.write(out)
        sys.stderr.write(err)
        return code
    d = gate.decide({"hook_event_name": "Stop", "cwd": os.getcwd()}, env)
    if as_json:
        from ameide.report.jsonout import dumps

        doc = {
            "schema": 1,
            "decision": d.action,
            "result": d.result,
            "fast": d.fast,
            "run_id": d.run_id,
            "message": d.message,
            "first_error": d.first_error or None,
        }
        sys.stdout.write(dumps(doc))
    else:
        verdict = {"block": "would hold the agent", "allow": "would let the agent stop"}
        recorded = d.fast and d.result in ("passed", "failed", "failed-before", "gave-up")
        sys.stdout.write(
            f"ameide gate: {verdict.get(d.action, d.action)} ({d.result}"
            f"{', from a recorded run' if recorded else ''})\n"
        )
        if d.message:
            sys.stdout.write(d.message.rstrip("\n") + "\n")
    return 1 if d.action == "block" else 0


def env_verbose_flag() -> bool:
    from ameide.cli import env_verbose

    return env_verbose()
