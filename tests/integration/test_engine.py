"""`ameide test` end to end with the real toolchains: what a change in each ecosystem runs,
generated-code freshness, failing tests named in JUnit and the closing block, install stamps,
and `ameide run` with explicit choices."""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import (
    EVIDENCE,
    GO_HANDLER,
    GO_MATHX,
    GO_SVC,
    Mono,
    append,
    closing_block,
    junit_cases,
    line_of,
    load_summary,
    phase_status,
    phase_tasks,
    run_ids,
    target_ids,
    task,
)

pytestmark = pytest.mark.integration

RunCli = Callable[[list[str], Path], tuple[int, str, str]]

PNPM_INSTALL = "pnpm install ."
UV_SYNC = "uv sync ."
CODEGEN = "codegen fresh buf.gen.yaml"
GUARD = "guardrails"  # the profile check: phase 0's first case whenever phase 0 runs


def reasons(doc: dict[str, Any]) -> dict[str, tuple[bool, str]]:
    return {t["id"]: (t["direct"], t["reason"]) for t in doc["targets"]}


# ------------------------------------------------------------------ one change per ecosystem


def test_go_leaf_change_runs_exactly_the_go_tasks(mono: Mono, run_cli: RunCli) -> None:
    repo = mono()
    append(repo, "go/lib/mathx/mathx.go", "\n// touched by the integration test\n")

    code, out, err = run_cli(["test"], repo)

    assert code == 0, out + err
    doc = load_summary(repo)
    assert doc["result"] == "passed" and doc["exit_code"] == 0 and doc["mode"] == "test"
    assert doc["changed_files"] == [
        {
            "path": "go/lib/mathx/mathx.go",
            "status": "modified",
            "kind": "owned",
            "owners": [GO_MATHX],
        }
    ]
    assert reasons(doc) == {
        GO_MATHX: (True, f"{GO_MATHX} <- changed go/lib/mathx/mathx.go"),
        GO_HANDLER: (False, f"{GO_HANDLER} <- {GO_MATHX} <- changed go/lib/mathx/mathx.go"),
        GO_SVC: (
            False,
            f"{GO_SVC} <- {GO_HANDLER} <- {GO_MATHX} <- changed go/lib/mathx/mathx.go",
        ),
    }
    assert phase_tasks(doc) == {
        0: ["go vet example.com/monorepo/lib", "go vet example.com/monorepo/svc", GUARD],
        1: ["go test example.com/monorepo/lib", "go test example.com/monorepo/svc"],
        2: [],
    }
    assert phase_status(doc) == {0: "passed", 1: "passed", 2: "empty"}
    # one `go test` per module, over the affected packages that have tests
    assert task(doc, "go test example.com/monorepo/lib")["command"] == [
        "go",
        "test",
        "-json",
        "example.com/monorepo/lib/mathx",
    ]
    assert task(doc, "go test example.com/monorepo/svc")["command"] == [
        "go",
        "test",
        "-json",
        "example.com/monorepo/svc/internal/handler",
    ]
    assert task(doc, "go vet example.com/monorepo/svc")["targets"] == [GO_SVC, GO_HANDLER]
    assert f"{GO_SVC}: no test files -> no unit task" in doc["notes"]
    for tid in ("go test example.com/monorepo/lib", "go test example.com/monorepo/svc"):
        t = task(doc, tid)
        assert (t["status"], t["exit_code"], t["junit_source"]) == ("passed", 0, "converted")
    # go test -json converted to JUnit: every Go test of the two packages, all passed
    cases = junit_cases(repo, 1)
    assert sorted((c["task"], c["name"], c["status"]) for c in cases) == [
        ("go test example.com/monorepo/lib", "TestClamp", "passed"),
        ("go test example.com/monorepo/lib", "TestSum", "passed"),
        ("go test example.com/monorepo/svc", "TestSlug", "passed"),
        ("go test example.com/monorepo/svc", "TestSumClamps", "passed"),
        ("go test example.com/monorepo/svc", "TestSumRejectsGarbage", "passed"),
    ]
    # phase 0 has the guardrails case, then one synthetic case per `go vet`
    assert [(c["task"], c["status"]) for c in junit_cases(repo, 0)] == [
        (GUARD, "passed"),
        ("go vet example.com/monorepo/lib", "passed"),
        ("go vet example.com/monorepo/svc", "passed"),
    ]
    assert doc["totals"]["tests"] == len(cases) + 3
    assert (repo / EVIDENCE / "latest" / "phase1" / "logs").is_dir()
    assert "PASSED" in closing_block(out)


def test_pnpm_change_runs_the_package_and_its_dependents(mono: Mono, run_cli: RunCli) -> None:
    repo = mono()
    append(repo, "js/core/src/index.js", "\n// touched by the integration test\n")

    code, out, err = run_cli(["test"], repo)

    assert code == 0, out + err
    doc = load_summary(repo)
    change = "changed js/core/src/index.js"
    assert reasons(doc) == {
        "pnpm:@example/core": (True, f"pnpm:@example/core <- {change}"),
        "pnpm:@example/ui": (False, f"pnpm:@example/ui <- pnpm:@example/core <- {change}"),
        "pnpm:@example/web": (
            False,
            f"pnpm:@example/web <- pnpm:@example/ui <- pnpm:@example/core <- {change}",
        ),
    }
    assert phase_tasks(doc) == {
        0: [GUARD, PNPM_INSTALL],
        1: ["pnpm:@example/core test", "pnpm:@example/ui test", "pnpm:@example/web test"],
        2: ["pnpm:@example/web test:integration"],
    }
    assert phase_status(doc) == {0: "passed", 1: "passed", 2: "passed"}
    assert task(doc, PNPM_INSTALL)["command"] == ["pnpm", "install", "--frozen-lockfile"]
    assert task(doc, "pnpm:@example/core test")["cwd"] == "js/core"
    # node's own JUnit reporter: every node:test case of core, ui and web
    for tid in ("pnpm:@example/core test", "pnpm:@example/ui test", "pnpm:@example/web test"):
        assert task(doc, tid)["junit_source"] == "native"
    names = sorted(
        c["name"] for c in junit_cases(repo, 1) if c["task"] == "pnpm:@example/core test"
    )
    assert names == ["formatMinor pads cents and keeps the sign", "slug joins words with dashes"]
    assert all(c["status"] == "passed" for c in junit_cases(repo, 1))
    assert (
        'pnpm:@example/core: no "test:integration" script -> no integration task' in (doc["notes"])
    )


def test_uv_change_runs_the_member_and_its_dependents(mono: Mono, run_cli: RunCli) -> None:
    repo = mono()
    append(repo, "py/common/src/acme_common/__init__.py", "\n# touched by the integration test\n")

    code, out, err = run_cli(["test"], repo)

    assert code == 0, out + err
    doc = load_summary(repo)
    change = "changed py/common/src/acme_common/__init__.py"
    assert reasons(doc) == {
        "uv:acme-common": (True, f"uv:acme-common <- {change}"),
        "uv:acme-service": (False, f"uv:acme-service <- uv:acme-common <- {change}"),
    }
    assert phase_tasks(doc) == {
        0: [GUARD, UV_SYNC, "uv:acme-common collect", "uv:acme-service collect"],
        1: ["uv:acme-common pytest", "uv:acme-service pytest"],
        2: ["uv:acme-service pytest -m integration"],
    }
    assert phase_status(doc) == {0: "passed", 1: "passed", 2: "passed"}
    assert task(doc, UV_SYNC)["command"] == ["uv", "sync", "--all-packages", "--frozen"]
    unit = task(doc, "uv:acme-common pytest")
    assert unit["junit_source"] == "native" and unit["tests"]["total"] >= 2
    assert "not integration" in unit["command"]
    integ = task(doc, "uv:acme-service pytest -m integration")
    assert integ["tests"]["total"] >= 1 and integ["tests"]["failed"] == 0
    assert "uv:acme-common: no tests marked integration -> no integration task" in doc["notes"]


def test_proto_change_runs_buf_checks_and_the_freshness_gate_not_the_consumers(
    mono: Mono, run_cli: RunCli
) -> None:
    repo = mono()
    # a trailing comment: buf-format clean and invisible to the generated code
    append(repo, "proto/acme/common/v1/money.proto", "\n// touched by the integration test\n")

    code, out, err = run_cli(["test"], repo)

    assert code == 0, out + err
    doc = load_summary(repo)
    # the example commits its generated code: the consumers are affected when it changes, and
    # phase 0's freshness gate guarantees it matches the protos
    assert target_ids(doc) == ["buf:proto"]
    r = reasons(doc)
    assert r["buf:proto"] == (True, "buf:proto <- changed proto/acme/common/v1/money.proto")
    assert phase_tasks(doc) == {
        0: [
            "buf:proto buf breaking",
            "buf:proto buf format",
            "buf:proto buf lint",
            CODEGEN,
            GUARD,
        ],
        1: [],
        2: [],
    }
    assert phase_status(doc) == {0: "passed", 1: "empty", 2: "empty"}
    base = doc["base"]["commit"]
    assert task(doc, "buf:proto buf breaking")["command"] == [
        "buf",
        "breaking",
        "proto",
        "--against",
        f".git#ref={base}",
    ]
    assert task(doc, "buf:proto buf lint")["command"] == ["buf", "lint", "proto"]
    assert task(doc, "buf:proto buf format")["command"] == [
        "buf",
        "format",
        "proto",
        "--diff",
        "--exit-code",
    ]
    gen = task(doc, CODEGEN)
    assert gen["kind"] == "codegen" and gen["status"] == "passed"
    assert gen["targets"] == ["buf:proto"]
    log = (repo / EVIDENCE / "latest" / gen["log"]).read_text()
    assert "all generated files are fresh" in log
    # the check leaves the checked-in generated code alone
    assert git_status(repo) == ["M proto/acme/common/v1/money.proto"]


def git_status(repo: Path) -> list[str]:
    from tests.conftest import git

    return [ln.strip() for ln in git(repo, "status", "--porcelain").splitlines()]


def test_nothing_changed_exits_0_quickly_with_a_summary(mono: Mono, run_cli: RunCli) -> None:
    repo = mono()

    t0 = time.perf_counter()
    code, out, err = run_cli(["test"], repo)
    elapsed = time.perf_counter() - t0

    assert code == 0, out + err
    assert elapsed < 3.0, f"nothing to test took {elapsed:.2f}s"
    assert "nothing to test" in out
    doc = load_summary(repo)
    assert doc["result"] == "passed" and doc["exit_code"] == 0
    assert doc["changed_files"] == [] and doc["targets"] == []
    # the profile's guardrails were still checked: a passed case in phase 0's evidence
    assert phase_tasks(doc) == {0: [GUARD], 1: [], 2: []}
    assert phase_status(doc) == {0: "passed", 1: "empty", 2: "empty"}
    assert task(doc, GUARD)["status"] == "passed"
    assert [c["name"] for c in junit_cases(repo, 0)] == [GUARD]
    assert doc["totals"]["tasks"] == 1 and doc["first_failure"] is None
    assert len(run_ids(repo)) == 1


# ------------------------------------------------------------------ generated code freshness


@pytest.mark.parametrize(
    ("generated", "holder"),
    [
        ("js/api/src/gen/acme/common/v1/money_pb.js", "pnpm:@example/api"),
        ("py/apimodels/src/apimodels/gen/acme/common/v1/__init__.py", "uv:acme-apimodels"),
    ],
    ids=["protoc-gen-es", "betterproto"],
)
def test_stale_generated_file_fails_phase_0(
    mono: Mono, run_cli: RunCli, generated: str, holder: str
) -> None:
    repo = mono()
    comment = "//" if generated.endswith(".js") else "#"
    append(repo, generated, f"{comment} edited by hand\n")

    code, out, err = run_cli(["test"], repo)

    assert code == 1, out + err
    doc = load_summary(repo)
    assert doc["result"] == "failed"
    gen = task(doc, CODEGEN)
    assert gen["status"] == "failed" and gen["phase"] == 0
    assert holder in gen["targets"]
    assert generated in gen["message"] and "stale" in gen["message"]
    ff = doc["first_failure"]
    assert ff["task"] == CODEGEN and ff["phase"] == 0
    assert generated in ff["excerpt"]
    assert "buf generate" in ff["excerpt"]
    # the verdict first, not the generator's chatter ("Writing ...") before it
    assert ff["excerpt"].startswith("generated code is not fresh (1 file)"), ff["excerpt"]
    closing = closing_block(out)
    assert CODEGEN in closing and generated in closing
    assert phase_status(doc) == {0: "failed", 1: "not-run", 2: "not-run"}
    assert phase_tasks(doc)[1] == [] and phase_tasks(doc)[2] == []
    assert not (repo / EVIDENCE / "latest" / "phase1").exists()
    # the failure is in the phase's JUnit too
    failed = [c for c in junit_cases(repo, 0) if c["status"] in ("failed", "error")]
    assert [c["task"] for c in failed] == [CODEGEN]
    assert generated in failed[0]["text"]
    # and the hand edit is still there: the check never rewrites checked-in files
    assert "edited by hand" in (repo / generated).read_text()


# ------------------------------------------------------------------ failing tests


FAILING = {
    "go": (
        "go/lib/mathx/mathx_test.go",
        '\nfunc TestBreaksOnPurpose(t *testing.T) {\n\tt.Fatalf("got %d, want %d", 2, 3)\n}\n',
        "TestBreaksOnPurpose",
        't.Fatalf("got %d',
        "got 2, want 3",
        "go test example.com/monorepo/lib",
    ),
    "js": (
        "js/core/test/index.test.js",
        '\ntest("core breaks on purpose", () => {\n'
        '  assert.equal(formatMinor(1999, "EUR"), "19.99 USD");\n'
        "});\n",
        "core breaks on purpose",
        '"19.99 USD"',
        "19.99 USD",
        "pnpm:@example/core test",
    ),
    "py": (
        "py/common/tests/test_common.py",
        "\n\ndef test_common_breaks_on_purpose():\n"
        '    assert slug("Hello World") == "hello_world"\n',
        "test_common_breaks_on_purpose",
        '"hello_world"',
        "hello_world",
        "uv:acme-common pytest",
    ),
}


@pytest.mark.parametrize("eco", sorted(FAILING))
def test_failing_test_is_named_in_junit_and_the_closing_block(
    mono: Mono, run_cli: RunCli, eco: str
) -> None:
    rel, code_text, name, at, detail, task_id = FAILING[eco]
    repo = mono()
    append(repo, rel, code_text)
    line = line_of(repo, rel, at)

    code, out, err = run_cli(["test"], repo)

    assert code == 1, out + err
    doc = load_summary(repo)
    assert doc["result"] == "failed" and doc["exit_code"] == 1
    assert phase_status(doc)[0] == "passed"
    assert phase_status(doc)[1] == "failed"
    # mathx has no integration tests; web and acme-service have, but phase 1 failed
    assert phase_status(doc)[2] == ("empty" if eco == "go" else "not-run")
    assert phase_tasks(doc)[2] == []
    t = task(doc, task_id)
    assert t["status"] == "failed" and t["exit_code"] not in (0, None)
    assert t["tests"]["failed"] == 1
    # the phase's JUnit has the failing test case, with its assertion and location
    failed = [c for c in junit_cases(repo, 1) if c["status"] == "failed"]
    assert [(c["task"], c["name"]) for c in failed] == [(task_id, name)]
    assert detail in failed[0]["text"]
    assert (failed[0]["file"], failed[0]["line"]) == (rel, line)
    # summary.json names it
    ff = doc["first_failure"]
    assert (ff["task"], ff["phase"], ff["test"]) == (task_id, 1, name)
    assert (ff["file"], ff["line"]) == (rel, line)
    assert detail in ff["excerpt"]
    # the excerpt an agent acts on: the location first, at most 20 lines, nothing escaped
    excerpt = ff["excerpt"].splitlines()
    assert excerpt[0] == f"{rel}:{line}: {name}" and len(excerpt) <= 20, excerpt
    assert not any(s in ff["excerpt"] for s in ("&quot;", "&amp;", "\x1b")), excerpt
    # and so does the closing block, with the assertion rather than the whole log
    closing = closing_block(out)
    assert "FAILED (exit 1)" in closing
    assert task_id in closing and name in closing and detail in closing
    assert f"{rel}:{line}" in closing
    assert len(closing.splitlines()) < 50
    # the command is the one that ran: no `{junit}` placeholder anywhere, the report path
    # in its place (in summary.json, the closing block and the log's first line)
    assert "{junit}" not in json.dumps(doc) + out
    assert ff["command"] == shlex.join(t["command"])
    assert f"  command: {ff['command']}" in closing
    log = repo / EVIDENCE / doc["run_id"] / t["log"]
    assert log.read_text().splitlines()[0] == f"$ (cd {t['cwd']} && {ff['command']})"
    if eco == "py":
        report = repo / EVIDENCE / doc["run_id"] / "phase1" / "reports" / f"{log.stem}.xml"
        assert f"--junitxml={report}" in t["command"] and report.is_file()


def test_a_replayed_task_keeps_its_key_and_names_this_runs_report(
    mono: Mono, run_cli: RunCli
) -> None:
    repo = mono()
    append(repo, "py/common/src/acme_common/__init__.py", "\n# touched\n")
    docs = []
    for _ in range(2):
        code, out, err = run_cli(["test"], repo)
        assert code == 0, out + err
        docs.append(load_summary(repo))
    first, second = (task(d, "uv:acme-common pytest") for d in docs)
    # the key comes from the plan's argv, placeholder and all: another run directory (and so
    # another report path) is the same key, and the second run is a replay
    assert first["cache_key"] and first["cache_key"] == second["cache_key"]
    assert (first["cached"], second["cached"]) == (False, True)
    for doc, t in zip(docs, (first, second), strict=True):
        report = (
            repo / EVIDENCE / doc["run_id"] / "phase1" / "reports" / "uv_acme-common_pytest.xml"
        )
        assert t["command"][-2:] == [f"--junitxml={report}", "py/common"]
        assert report.is_file()  # the replay wrote the recorded report where it says


# ------------------------------------------------------------------ installs


def test_second_run_skips_installs(mono: Mono, run_cli: RunCli) -> None:
    repo = mono()
    append(repo, "js/core/src/index.js", "\n// touched\n")
    append(repo, "py/common/src/acme_common/__init__.py", "\n# touched\n")

    code1, out1, err1 = run_cli(["test"], repo)
    assert code1 == 0, out1 + err1
    first = load_summary(repo)
    installs = [t["id"] for p in first["phases"] for t in p["tasks"] if t["kind"] == "install"]
    assert installs == [PNPM_INSTALL, UV_SYNC]

    code2, out2, err2 = run_cli(["test"], repo)

    assert code2 == 0, out2 + err2
    second = load_summary(repo)
    assert second["run_id"] != first["run_id"]
    assert [t for p in second["phases"] for t in p["tasks"] if t["kind"] == "install"] == []
    assert (
        "pnpm install (.): skipped, lockfile and manifests unchanged since last install"
        in second["notes"]
    )
    assert (
        "uv sync (.): skipped, uv.lock and manifests unchanged since last sync" in second["notes"]
    )
    # everything else runs again
    assert phase_tasks(second)[1] == phase_tasks(first)[1]
    assert phase_tasks(second)[0] == [
        i for i in phase_tasks(first)[0] if i not in (PNPM_INSTALL, UV_SYNC)
    ]
    assert run_ids(repo) == sorted([first["run_id"], second["run_id"]])


def test_a_copied_checkout_installs_again_and_tests_its_own_code(
    mono: Mono, run_cli: RunCli, tmp_path: Path
) -> None:
    """`cp -a` takes .git (with ameide's install stamps) and .venv (whose scripts and
    editable .pth files name the original): the copy must not skip its sync, and the sync
    must rewrite those paths, or the copy's broken code passes on the original's."""
    import shutil

    repo = mono()
    append(repo, "py/common/src/acme_common/__init__.py", "\n# touched\n")
    assert run_cli(["test"], repo)[0] == 0
    copy = tmp_path / "copied"
    shutil.copytree(repo, copy, symlinks=True)
    init = copy / "py/common/src/acme_common/__init__.py"
    init.write_text(init.read_text().replace("{whole}.{cents:02d}", "{whole},{cents:02d}"))

    code, out, err = run_cli(["test"], copy)

    assert code == 1, out + err
    doc = load_summary(copy)
    sync = task(doc, UV_SYNC)
    assert sync["status"] == "passed" and sync["command"][-1] == "--reinstall"
    assert f"{UV_SYNC}: last installed at {repo}, now here: installing again" in doc["notes"]
    assert doc["first_failure"]["task"] == "uv:acme-common pytest"
    assert "test_format_minor" in (doc["first_failure"]["test"] or "")
    # the original is untouched and still green
    assert run_cli(["test"], repo)[0] == 0


# ------------------------------------------------------------------ ameide run


def test_run_one_target_one_phase_json(mono: Mono, run_cli: RunCli) -> None:
    repo = mono()

    code, out, err = run_cli(
        ["run", "--target", "pnpm:@example/core", "--phase", "1", "--json"], repo
    )

    assert code == 0, out + err
    doc = json.loads(out)  # stdout is the summary and nothing else
    assert doc == load_summary(repo)
    assert doc["mode"] == "run" and doc["result"] == "passed"
    assert target_ids(doc) == ["pnpm:@example/core"]
    assert [p["phase"] for p in doc["phases"]] == [1]
    # phase 0 is not run, but its install is needed by phase 1's task: it runs there, first
    assert phase_tasks(doc) == {0: [], 1: [PNPM_INSTALL, "pnpm:@example/core test"], 2: []}
    assert doc["phases"][0]["tasks"][0]["id"] == PNPM_INSTALL
    t = task(doc, "pnpm:@example/core test")
    assert (t["kind"], t["targets"], t["cwd"]) == ("unit", ["pnpm:@example/core"], "js/core")
    assert t["command"] == ["pnpm", "run", "test"]
    assert t["status"] == "passed" and t["tests"]["total"] == 2
    assert doc["totals"]["tasks"] == 2


def test_a_later_phase_alone_installs_what_it_needs(mono: Mono, run_cli: RunCli) -> None:
    repo = mono()  # a fresh copy: no .venv, no node_modules

    code, out, err = run_cli(["run", "--phase", "1", "--all"], repo)

    assert code == 0, out + err
    doc = load_summary(repo)
    assert [p["phase"] for p in doc["phases"]] == [1]
    ids = [t["id"] for t in doc["phases"][0]["tasks"]]
    assert ids[:2] == [PNPM_INSTALL, UV_SYNC]  # stage 0 of the phase, before the tests
    assert task(doc, UV_SYNC)["status"] == "passed"
    assert task(doc, "uv:acme-common pytest")["tests"]["failed"] == 0
    for install in (PNPM_INSTALL, UV_SYNC):
        assert (
            f"{install}: runs first in phase 1, whose tasks need it "
            "(phase 0, where installs run, is not selected)"
        ) in doc["notes"]
    assert task(doc, UV_SYNC)["log"] == "phase1/logs/uv_sync.log"

    # installed and stamped: a second run skips them, like phase 0 does
    code, out, err = run_cli(["run", "--phase", "2", "--target", "uv:acme-service"], repo)
    assert code == 0, out + err
    doc = load_summary(repo)
    assert phase_tasks(doc)[2] == ["uv:acme-service pytest -m integration"]
    assert "uv sync (.): skipped, uv.lock and manifests unchanged since last sync" in doc["notes"]


def test_a_batched_go_test_shows_the_failure_of_its_most_upstream_package(
    mono: Mono, run_cli: RunCli
) -> None:
    """One `go test` runs lib/store and lib/strutil; a broken strutil.Slug fails both
    packages' tests. The first failure is strutil's TestSlug (store imports strutil), not
    store's TestPutGet, which only fails because of it."""
    repo = mono()
    src = repo / "go/lib/strutil/strutil.go"
    src.write_text(src.read_text().replace('strings.Join(words, "-")', 'strings.Join(words, "_")'))

    code, out, err = run_cli(["test"], repo)

    assert code == 1, out + err
    doc = load_summary(repo)
    ff = doc["first_failure"]
    failed = {
        c.split("/")[-1]
        for p in doc["phases"]
        for t in p["tasks"]
        if t["status"] == "failed"
        for c in t["targets"]
    }
    assert {"store", "strutil"} <= failed
    assert ff["test"] == "TestSlug", ff
    assert ff["file"] == "go/lib/strutil/strutil_test.go"
    assert ff["excerpt"].splitlines()[0].startswith("go/lib/strutil/strutil_test.go:")
