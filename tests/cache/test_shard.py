"""CI sharding: AMEIDE_SHARD parsing, the partition (every task in exactly one shard, stable
whatever the order, installs where they are needed), weights, `ameide run --matrix`, and the
shards of a real `ameide test ci` (with the fake go)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

import pytest

from ameide.cache.shard import (
    Shard,
    assign,
    decode_weights,
    encode_weights,
    parse_shard,
    select,
)
from ameide.errors import UsageError
from ameide.plan import Plan
from ameide.task import Task
from tests.cache.conftest import FakeGo, MakeGoRepo
from tests.conftest import load_summary, write_files

RunCli = Callable[..., tuple[int, str, str]]
KINDS = ("vet", "collect", "typecheck", "unit", "lint", "integration", "buf-lint")


def make_tasks(n: int, seed: int) -> list[Task]:
    rnd = random.Random(seed)
    out = [
        Task("pnpm install .", 0, 0, "install", "pnpm", (), ("pnpm", "install"), "."),
        Task("uv sync py", 0, 0, "install", "uv", (), ("uv", "sync"), "py"),
    ]
    for i in range(n):
        eco = rnd.choice(("go", "pnpm", "uv"))
        cwd = {"go": "go", "pnpm": f"js/p{i}", "uv": "py"}[eco]
        phase = rnd.choice((0, 1, 1, 2))
        kind = rnd.choice(KINDS)
        out.append(Task(f"task {i:03d}", phase, 1, kind, eco, (f"{eco}:t{i}",), (), cwd))
    return out


@pytest.mark.parametrize("raw", ["1/1", "3/4", " 2/2 ", "256/256"])
def test_valid_shards(raw: str) -> None:
    s = parse_shard(raw)
    assert s.spec == raw.strip()


@pytest.mark.parametrize("raw", ["", "2", "0/4", "5/4", "a/b", "1/0", "1/257", "-1/2", "1/2/3"])
def test_bad_shards_are_usage_errors_with_a_hint(raw: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_shard(raw)
    assert info.value.exit_code == 2 and info.value.hint
    assert raw in info.value.message


@pytest.mark.parametrize("total", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_sharding_is_a_partition_stable_across_runs_and_orders(total: int, seed: int) -> None:
    tasks = make_tasks(40, seed)
    rnd = random.Random(seed)
    weights = {t.id: rnd.uniform(0.1, 30) for t in tasks if rnd.random() < 0.5}
    plan = Plan(tuple(tasks), (), ())
    parts = [select(plan, Shard(k, total), weights)[0] for k in range(1, total + 1)]
    regular = [t.id for t in tasks if t.kind != "install"]
    seen = [t.id for p in parts for t in p.tasks if t.kind != "install"]
    assert sorted(seen) == sorted(regular)  # every task in exactly one shard
    for p in parts:  # installs go where a task of their workspace is
        for inst in (t for t in p.tasks if t.kind == "install"):
            assert any(t.ecosystem == inst.ecosystem and t.kind != "install" for t in p.tasks), (
                inst.id
            )
        for t in p.tasks:
            if t.kind != "install" and t.ecosystem in ("pnpm", "uv"):
                assert any(i.kind == "install" and i.ecosystem == t.ecosystem for i in p.tasks)
    # stable: the same answer again, and whatever order the plan lists its tasks in
    shuffled = list(tasks)
    random.Random(seed + 100).shuffle(shuffled)
    assert assign(tasks, total, weights) == assign(shuffled, total, weights)
    again = [select(plan, Shard(k, total), weights)[0] for k in range(1, total + 1)]
    assert again == parts


def test_each_phase_is_split_and_weights_balance_the_shards() -> None:
    tasks = [
        Task(f"t{i}", 1, 1, "unit", "go", (f"go:{i}",), (), ".") for i, _ in enumerate(range(6))
    ]
    weights = {"t0": 10.0, "t1": 9.0, "t2": 8.0, "t3": 7.0, "t4": 1.0, "t5": 1.0}
    owner = assign(tasks, 2, weights)
    loads = {k: sum(weights[t] for t, s in owner.items() if s == k) for k in (1, 2)}
    assert loads == {1: 18.0, 2: 18.0}
    # two phases: each is split on its own
    two = [*tasks, *(Task(f"u{i}", 2, 1, "integration", "go", (), (), ".") for i in range(2))]
    owner = assign(two, 2, weights)
    assert sorted(owner[f"u{i}"] for i in range(2)) == [1, 2]


def test_weights_round_trip_and_stay_short() -> None:
    w = {"go test a": 12.34, "pnpm:x test": 0.5}
    assert decode_weights(encode_weights(w)) == {"go test a": 12.3, "pnpm:x test": 0.5}
    assert decode_weights("") == {}
    many = {f"task number {i} with a long name": float(i) for i in range(20_000)}
    enc = encode_weights(many)
    assert len(enc) <= 32 * 1024
    dec = decode_weights(enc)
    assert dec and min(dec.values()) > 1000  # the shortest were left out (estimated)


@pytest.mark.parametrize("raw", ["nope", "w1:!!!", "w1:" + "A" * 10])
def test_bad_weights_are_usage_errors(raw: str) -> None:
    with pytest.raises(UsageError, match="AMEIDE_SHARD_WEIGHTS"):
        decode_weights(raw)


# ------------------------------------------------------------------ with the engine

WORK = {
    "go.work": "go 1.22\n\nuse (\n\t./m1\n\t./m2\n\t./m3\n)\n",
    **{f"m{i}/go.mod": f"module example.com/m{i}\n\ngo 1.22\n" for i in (1, 2, 3)},
    **{f"m{i}/p/p.go": "package p\n\nfunc P() int { return 1 }\n" for i in (1, 2, 3)},
    **{
        f"m{i}/p/p_test.go": 'package p\n\nimport "testing"\n\nfunc TestX(t *testing.T) {}\n'
        for i in (1, 2, 3)
    },
}


CHANGED: dict[str, str | bytes] = {
    f"m{i}/p/p.go": "package p\n\nfunc P() int { return 2 }\n" for i in (1, 2, 3)
}


def ids(doc: dict[str, object]) -> list[str]:
    """The planned tasks; the guardrails check is not one (every shard runs it, below)."""
    phases: list[dict[str, Any]] = doc["phases"]  # type: ignore[assignment]
    return sorted(t["id"] for p in phases for t in p["tasks"] if t["id"] != "guardrails")


def guarded(doc: dict[str, object]) -> bool:
    phases: list[dict[str, Any]] = doc["phases"]  # type: ignore[assignment]
    return any(t["id"] == "guardrails" and t["status"] == "passed" for t in phases[0]["tasks"])


def test_the_shards_of_test_ci_cover_the_plan_once(
    run_cli: RunCli, fake_go: FakeGo, go_repo: MakeGoRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = go_repo(WORK)
    write_files(repo, CHANGED)
    monkeypatch.setenv("AMEIDE_CACHE", "0")
    assert run_cli(["test", "ci"], repo)[0] == 0
    everything = ids(load_summary(repo))
    assert len(everything) == 6
    seen: list[str] = []
    for k in (1, 2, 3):
        monkeypatch.setenv("AMEIDE_SHARD", f"{k}/3")
        code, out, _ = run_cli(["test", "ci"], repo)
        assert code == 0, out
        doc = load_summary(repo)
        assert str(doc["run_id"]).endswith(f"-s{k}of3")
        shard = doc["shard"]
        assert shard["index"] == k and shard["total"] == 3 and shard["of"] == 6  # type: ignore[index]
        assert shard["weights"] == "estimate" and shard["tasks"] == len(ids(doc))  # type: ignore[index]
        assert f"  shard {k}/3: {shard['tasks']} of 6 tasks" in out  # type: ignore[index]
        assert guarded(doc)  # each shard's evidence stands alone: it checks the guardrails
        seen += ids(doc)
    assert sorted(seen) == everything


def test_the_matrix_hands_every_shard_the_same_weights(
    run_cli: RunCli, fake_go: FakeGo, go_repo: MakeGoRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = go_repo(WORK)
    write_files(repo, CHANGED)
    assert run_cli(["test", "ci"], repo)[0] == 0  # records timings and fills the cache
    code, out, err = run_cli(["run", "--matrix", "2", "--json"], repo)
    assert code == 0 and err == ""
    assert out.count("\n") == 1  # one line, for $GITHUB_OUTPUT
    matrix = json.loads(out)
    assert [e["shard"] for e in matrix["include"]] == ["1/2", "2/2"]
    weights = {e["weights"] for e in matrix["include"]}
    assert len(weights) == 1 and next(iter(weights)).startswith("w1:")
    code, human, _ = run_cli(["run", "--matrix", "2"], repo)
    assert human.splitlines()[0] == "6 tasks over 2 shards:"
    assert "weights: 0 from earlier runs, 6 cached, 0 estimated" in human
    seen: list[str] = []
    for e in matrix["include"]:
        monkeypatch.setenv("AMEIDE_SHARD", e["shard"])
        monkeypatch.setenv("AMEIDE_SHARD_WEIGHTS", e["weights"])
        assert run_cli(["test", "ci"], repo)[0] == 0
        doc = load_summary(repo)
        assert doc["shard"]["weights"] == "shared"  # type: ignore[index]
        seen += ids(doc)
    assert len(seen) == len(set(seen)) == 6


@pytest.mark.parametrize("raw", ["2", "0/3", "4/3", "x/y"])
def test_a_bad_shard_exits_2_with_a_hint(
    raw: str, run_cli: RunCli, go_repo: MakeGoRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = go_repo()
    monkeypatch.setenv("AMEIDE_SHARD", raw)
    code, out, err = run_cli(["test", "ci"], repo)
    assert code == 2 and out == ""
    assert err.startswith(f"ameide: error: AMEIDE_SHARD={raw!r}")
    assert "\n  hint: " in err


def test_shards_are_for_ci_only(
    run_cli: RunCli, fake_go: FakeGo, go_repo: MakeGoRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = go_repo()
    write_files(repo, {"b/b.go": "package b\n\nfunc B() int { return 2 }\n"})
    monkeypatch.setenv("AMEIDE_SHARD", "1/2")
    assert run_cli(["test"], repo)[0] == 0
    doc = load_summary(repo)
    assert doc["shard"] is None and len(ids(doc)) == 2
    assert doc["warnings"] == [
        "AMEIDE_SHARD is honoured by `ameide test ci` only: every task ran here"
    ]


@pytest.mark.parametrize("argv", [["--matrix", "0"], ["--matrix", "300"]])
def test_matrix_bounds(argv: list[str], run_cli: RunCli, go_repo: MakeGoRepo) -> None:
    code, _, err = run_cli(["run", *argv], go_repo())
    assert code == 2 and "the shard count must be between 1 and 256" in err


def test_matrix_rejects_target_choices(run_cli: RunCli, go_repo: MakeGoRepo) -> None:
    code, _, err = run_cli(["run", "--matrix", "2", "--all"], go_repo())
    assert code == 2 and "--matrix plans what `ameide test ci` runs" in err
