"""Guardrails in phase 0 of `ameide test`: forbidden files, the migration allowlist, the
profile's extra checks, and the evidence they leave (no toolchain needed: nothing else is
affected in these repositories)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ameide.agents.detect import Roots, detect
from ameide.agents.guardrails import Allowlist, describe, evaluate, load_allowlist
from tests.conftest import MakeRepo, git, load_summary, write_files

RunCli = Callable[..., tuple[int, str, str]]


def feature_repo(make_repo: MakeRepo, files: dict[str, str | bytes], **kw: Any) -> Path:
    repo = make_repo(files, **kw)
    git(repo, "checkout", "-q", "-b", "feature")
    return repo


def summary(repo: Path) -> dict[str, Any]:
    return load_summary(repo)  # validated against the summary.json models


def phase(doc: dict[str, Any], n: int) -> dict[str, Any]:
    return next(p for p in doc["phases"] if p["phase"] == n)


def junit_cases(repo: Path, n: int) -> list[tuple[str, str, str, str]]:
    root = ET.parse(repo / "artifacts" / "agent-ci" / "latest" / f"phase{n}" / "junit.xml")
    out = []
    for case in root.iter("testcase"):
        status, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            el = case.find(tag)
            if el is not None:
                status, message = tag, el.get("message") or ""
        out.append((case.get("classname") or "", case.get("name") or "", status, message))
    return out


# ------------------------------------------------------------------------- the rules


def test_evaluate_forbidden_not_allowed_and_the_allowlist(tmp_path: Path) -> None:
    write_files(tmp_path, {".ameide/agent-profile": "sre\n"})
    detected = detect(Roots(str(tmp_path), str(tmp_path), str(tmp_path)), {})
    allow = Allowlist(str(tmp_path / "allow.txt"), ((3, "src/legacy/**"), (4, "never/**")))
    r = evaluate(
        detected,
        [
            ("docs/runbook.md", "modified"),
            ("gitops/README.md", "added"),  # allowed (*.md) but forbidden wins
            ("src/app.py", "modified"),
            ("src/legacy/old.py", "deleted"),
            (".ameide/agent-profile", "untracked"),
        ],
        allow,
    )
    assert [(v.path, v.rule, v.pattern) for v in r.violations] == [
        (".ameide/agent-profile", "forbidden", ".ameide/**"),
        ("gitops/README.md", "forbidden", "gitops/**"),
        (
            "src/app.py",
            "not-allowed",
            "docs/**, runbooks/**, postmortems/**, incidents/**, **/*.md",
        ),
    ]
    assert [(e.violation.path, e.glob, e.line) for e in r.exempted] == [
        ("src/legacy/old.py", "src/legacy/**", 3)
    ]
    assert r.unused == ("never/**",)
    assert r.config_changed == (".ameide/agent-profile",)
    assert (r.ok, r.checked) == (False, 5)
    assert describe(r).splitlines()[:4] == [
        "guardrails failed: the sre profile forbids 3 changed files",
        "  .ameide/agent-profile (untracked): forbidden by .ameide/** (profile sre)",
        "  gitops/README.md (added): forbidden by gitops/** (profile sre)",
        "  src/app.py (modified): outside the allowed paths docs/**, runbooks/**, "
        "postmortems/**, incidents/**, **/*.md (profile sre)",
    ]


def test_allowlist_file_globs_and_comments(tmp_path: Path) -> None:
    assert load_allowlist(str(tmp_path)) is None
    write_files(
        tmp_path,
        {
            ".ameide/test-contract-allowlist.txt": (
                "# paths exempt while the deploy config moves out (PLAT-123)\n"
                "\n"
                "gitops/legacy/**   # until the split\n"
                "  tools/*.sh\n"
            )
        },
    )
    allow = load_allowlist(str(tmp_path))
    assert allow is not None
    assert allow.patterns == ((3, "gitops/legacy/**"), (4, "tools/*.sh"))


# ------------------------------------------------------------------ ameide test, evidence


def test_a_forbidden_file_fails_phase_0_with_the_file_the_rule_and_the_profile(
    run_cli: RunCli, make_repo: MakeRepo
) -> None:
    repo = feature_repo(make_repo, {"README.md": "hi\n"})
    write_files(repo, {"gitops/prod/app.yaml": "replicas: 3\n"})

    code, out, err = run_cli(["test"], repo)

    assert code == 1, out + err
    doc = summary(repo)
    assert doc["result"] == "failed"
    assert [p["status"] for p in doc["phases"]] == ["failed", "empty", "empty"]
    (task,) = phase(doc, 0)["tasks"]
    assert (task["id"], task["kind"], task["status"], task["junit_source"]) == (
        "guardrails",
        "guardrails",
        "failed",
        "synthetic",
    )
    assert task["message"] == "gitops/prod/app.yaml: forbidden by gitops/** (profile code)"
    assert task["log"] == "phase0/logs/guardrails.log"
    assert doc["guardrails"] == {
        "profile": "code",
        "source": "default",
        "detail": "no file, variable, layout or -gitops name chose one",
        "status": "failed",
        "checked": 1,
        "allowed": ["**"],
        "forbidden": ["gitops/**"],
        "violations": [
            {
                "path": "gitops/prod/app.yaml",
                "status": "untracked",
                "rule": "forbidden",
                "pattern": "gitops/**",
            }
        ],
        "allowlist": None,
        "config_changed": [],
    }
    assert junit_cases(repo, 0) == [
        (
            "ameide.guardrails",
            "guardrails",
            "failure",
            "gitops/prod/app.yaml: forbidden by gitops/** (profile code)",
        )
    ]
    ff = doc["first_failure"]
    assert (ff["task"], ff["phase"]) == ("guardrails", 0)
    assert ff["excerpt"].splitlines()[:2] == [
        "guardrails failed: the code profile forbids 1 changed file",
        "  gitops/prod/app.yaml (untracked): forbidden by gitops/** (profile code)",
    ]
    assert "first failure: guardrails (phase 0)" in out
    assert "  |   gitops/prod/app.yaml (untracked): forbidden by gitops/** (profile code)" in out
    assert "  FAIL guardrails (0.0s)  gitops/prod/app.yaml: forbidden by gitops/**" in out


def test_the_allowlist_exempts_paths_and_is_reported(run_cli: RunCli, make_repo: MakeRepo) -> None:
    repo = feature_repo(
        make_repo,
        {
            "gitops/legacy/app.yaml": "a: 1\n",
            ".ameide/test-contract-allowlist.txt": (
                "# the legacy deploy config moves to the gitops repo (PLAT-123)\n"
                "gitops/legacy/**   # until the split\n"
                "old/**\n"
            ),
        },
    )
    write_files(repo, {"gitops/legacy/app.yaml": "a: 2\n"})

    code, out, err = run_cli(["test"], repo)

    assert code == 0, out + err
    doc = summary(repo)
    assert [p["status"] for p in doc["phases"]] == ["passed", "empty", "empty"]
    (task,) = phase(doc, 0)["tasks"]
    assert (task["id"], task["status"]) == ("guardrails", "passed")
    assert task["message"] == (
        "1 changed file within the code profile, 1 of them only through the allowlist"
    )
    allow = doc["guardrails"]["allowlist"]
    assert allow == {
        "path": str(repo / ".ameide" / "test-contract-allowlist.txt"),
        "globs": ["gitops/legacy/**", "old/**"],
        "exempted": [
            {
                "path": "gitops/legacy/app.yaml",
                "rule": "forbidden",
                "pattern": "gitops/**",
                "glob": "gitops/legacy/**",
                "line": 2,
            }
        ],
        "unused": ["old/**"],
    }
    assert doc["guardrails"]["status"] == "passed"
    assert doc["warnings"] == [
        "guardrails: 1 changed file(s) the code profile forbids are exempted by "
        ".ameide/test-contract-allowlist.txt: gitops/legacy/app.yaml"
    ]
    assert junit_cases(repo, 0) == [("ameide.guardrails", "guardrails", "passed", "")]
    log = (repo / "artifacts/agent-ci/latest/phase0/logs/guardrails.log").read_text()
    assert (
        "  exempted gitops/legacy/app.yaml: forbidden by gitops/** (profile code); allowed by "
        "gitops/legacy/** (line 2)" in log
    )
    assert "! guardrails: 1 changed file(s) the code profile forbids are exempted" in out

    # editing the allowlist itself is a change the evidence calls out
    write_files(repo, {".ameide/test-contract-allowlist.txt": "gitops/**\n"})
    code, out, _ = run_cli(["test"], repo)
    doc = summary(repo)
    assert code == 0
    assert doc["guardrails"]["config_changed"] == [".ameide/test-contract-allowlist.txt"]
    assert "guardrails: this change edits .ameide/test-contract-allowlist.txt" in doc["warnings"]


def test_a_clean_change_is_a_passed_guardrails_case_and_nothing_stays_nothing(
    run_cli: RunCli, make_repo: MakeRepo
) -> None:
    repo = feature_repo(make_repo, {"README.md": "hi\n"})
    write_files(repo, {"docs/notes.md": "only docs\n"})
    code, out, _ = run_cli(["test"], repo)
    assert code == 0
    assert out.startswith("nothing to test: 1 changed file affects no target")
    assert "PASS guardrails" not in out  # a clean check is evidence, not console noise
    doc = summary(repo)
    assert [p["status"] for p in doc["phases"]] == ["passed", "empty", "empty"]
    assert [(t["id"], t["status"]) for t in phase(doc, 0)["tasks"]] == [("guardrails", "passed")]
    assert doc["guardrails"]["status"] == "passed" and doc["guardrails"]["checked"] == 1
    junit = (repo / "artifacts/agent-ci/latest/phase0/junit.xml").read_text()
    assert 'name="guardrails"' in junit and "<failure" not in junit


def test_run_without_phase_0_has_no_guardrails(run_cli: RunCli, make_repo: MakeRepo) -> None:
    repo = feature_repo(make_repo, {"README.md": "hi\n"})
    write_files(repo, {"gitops/app.yaml": "a: 1\n"})
    code, out, _ = run_cli(["run", "--phase", "1", "--json"], repo)
    assert code == 0
    assert json.loads(out)["guardrails"] is None


def test_inner_loop_stops_at_guardrails_ci_finishes_the_phase(
    run_cli: RunCli, make_repo: MakeRepo
) -> None:
    repo = feature_repo(make_repo, {".ameide/agent-profile": "gitops\n", "base/a.yaml": "a: 1\n"})
    write_files(repo, {"app/main.py": "print('hi')\n", "base/a.yaml": "a: [1\n"})

    code, _, _ = run_cli(["test"], repo)
    assert code == 1
    doc = summary(repo)
    # the inner loop stops at the violation: the phase's checks are listed, skipped
    assert [(t["id"], t["status"]) for t in phase(doc, 0)["tasks"]] == [
        ("guardrails", "failed"),
        ("profile check yaml", "skipped"),
        ("profile check secrets", "skipped"),
    ]
    assert phase(doc, 0)["tasks"][1]["message"] == "skipped: the guardrails check failed"
    assert doc["guardrails"]["violations"] == [
        {
            "path": "app/main.py",
            "status": "untracked",
            "rule": "not-allowed",
            "pattern": "**/*.yaml, **/*.yml, **/*.json, **/*.md, **/*.tpl, **/.helmignore, "
            "**/Chart.lock, **/*.jsonnet, **/*.libsonnet",
        }
    ]
    assert doc["guardrails"]["source"] == "file"

    code, _, _ = run_cli(["test", "ci"], repo)
    assert code == 1
    doc = summary(repo)
    got = {t["id"]: (t["status"], t["message"]) for t in phase(doc, 0)["tasks"]}
    assert got == {
        "guardrails": (
            "failed",
            "app/main.py: outside the allowed paths **/*.yaml, **/*.yml, **/*.json, **/*.md, "
            "**/*.tpl, **/.helmignore, **/Chart.lock, **/*.jsonnet, **/*.libsonnet "
            "(profile gitops)",
        ),
        "profile check yaml": ("failed", got["profile check yaml"][1]),
        "profile check secrets": ("passed", ""),
    }
    # the parser's wording differs between libyaml and pure Python; the place does not
    assert got["profile check yaml"][1].startswith("base/a.yaml:2: invalid YAML: ")
    assert doc["first_failure"]["task"] == "guardrails"


def test_gitops_checks_catch_plaintext_secrets_without_printing_them(
    run_cli: RunCli, make_repo: MakeRepo
) -> None:
    repo = feature_repo(
        make_repo,
        {".ameide/agent-profile": "gitops\n", "charts/web/templates/dep.yaml": "x: 1\n"},
    )
    write_files(
        repo,
        {
            "apps/web/secret.yaml": (
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\n---\n"
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n"
                "stringData:\n  password: hunter2-very-secret\n"
            ),
            "apps/web/sealed.yaml": "kind: Secret\nmetadata: {name: s}\ndata: {a: b}\nsops: {}\n",
            # a Helm template is not YAML until rendered: the yaml check leaves it alone
            "charts/web/templates/dep.yaml": "{{- if .Values.on }}\nx: 1\n{{- end }}\n",
        },
    )
    code, out, _ = run_cli(["test"], repo)
    assert code == 1
    doc = summary(repo)
    assert doc["guardrails"]["status"] == "passed"
    tasks = {t["id"]: t for t in phase(doc, 0)["tasks"]}
    assert sorted(tasks) == ["guardrails", "profile check secrets", "profile check yaml"]
    assert tasks["guardrails"]["status"] == "passed"
    assert tasks["profile check yaml"]["status"] == "passed"
    sec = tasks["profile check secrets"]
    assert (sec["kind"], sec["ecosystem"], sec["command"]) == ("profile-check", "profile", [])
    assert sec["message"] == (
        "apps/web/secret.yaml: document 2: plaintext Kubernetes Secret 'db' (commit a "
        "SealedSecret, an ExternalSecret or a SOPS-encrypted file instead)"
    )
    assert "hunter2" not in out and "hunter2" not in json.dumps(doc)


def test_sre_secrets_check_names_file_and_line(
    run_cli: RunCli, make_repo: MakeRepo, monkeypatch: Any
) -> None:
    monkeypatch.setenv("AMEIDE_AGENT_PROFILE", "sre")
    repo = feature_repo(make_repo, {"README.md": "hi\n"})
    key = "-----BEGIN OPENSSH " + "PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    write_files(repo, {"incidents/2026-11-28.md": f"# db outage\n{key}token {token}\n"})
    code, out, _ = run_cli(["test"], repo)
    assert code == 1
    doc = summary(repo)
    guard, task = phase(doc, 0)["tasks"]
    assert (guard["id"], guard["status"], task["id"]) == (
        "guardrails",
        "passed",
        "profile check secrets",
    )
    assert task["message"] == ("incidents/2026-11-28.md:2: looks like a private key (+1 more)")
    log = (repo / "artifacts/agent-ci/latest" / task["log"]).read_text()
    assert "incidents/2026-11-28.md:4: looks like a GitHub token" in log
    assert token not in log and token not in out
