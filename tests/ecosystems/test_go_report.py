"""Go's reports: `go test -json` converted to cases, failures located from Go's output."""

from __future__ import annotations

import json
from pathlib import Path

from ameide.ecosystems.go.report import gotest_json_to_cases, locate_go_build
from ameide.evidence.junit import synthetic_case
from ameide.task import Task

PKG = "example.com/m/lib"


def events(*evs: dict[str, object]) -> str:
    return "".join(json.dumps(e) + "\n" for e in evs)


def test_go_json_becomes_cases_with_failure_text(tmp_path: Path) -> None:
    stream = tmp_path / "t.jsonl"
    stream.write_text(
        events(
            {"Action": "run", "Package": PKG, "Test": "TestA"},
            {"Action": "output", "Package": PKG, "Test": "TestA", "Output": "=== RUN   TestA\n"},
            {"Action": "pass", "Package": PKG, "Test": "TestA", "Elapsed": 0.01},
            {
                "Action": "output",
                "Package": PKG,
                "Test": "TestB",
                "Output": "    b_test.go:7: bad\n",
            },
            {"Action": "fail", "Package": PKG, "Test": "TestB", "Elapsed": 0.2},
            {"Action": "skip", "Package": PKG, "Test": "TestC", "Elapsed": 0},
            {"Action": "fail", "Package": PKG, "Elapsed": 0.3},
        )
        + "not json: a build error line\n"
    )
    cases, human = gotest_json_to_cases(str(stream))
    assert [(c.name, c.status, c.time) for c in cases] == [
        ("TestA", "passed", 0.01),
        ("TestB", "failed", 0.2),
        ("TestC", "skipped", 0.0),
    ]
    assert cases[1].text == "    b_test.go:7: bad\n"
    assert cases[1].suite == PKG and cases[1].classname == PKG
    assert human == "=== RUN   TestA\n    b_test.go:7: bad\nnot json: a build error line\n"


def test_go_package_failure_without_a_failing_test_is_an_error_case(tmp_path: Path) -> None:
    stream = tmp_path / "t.jsonl"
    stream.write_text(
        events(
            {"Action": "output", "Package": PKG, "Output": "panic: boom\n"},
            {"Action": "fail", "Package": PKG, "Elapsed": 0.1},
            {"Action": "pass", "Package": "example.com/m/ok", "Elapsed": 0.1},
        )
    )
    cases, _ = gotest_json_to_cases(str(stream))
    assert [(c.name, c.status, c.text) for c in cases] == [("(package)", "error", "panic: boom\n")]


def test_go_build_and_vet_errors_and_panics_name_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "go/lib/strutil").mkdir(parents=True)
    (tmp_path / "go/lib/strutil/strutil.go").write_text("package strutil\n")
    (tmp_path / "go/lib/mathx").mkdir(parents=True)
    (tmp_path / "go/lib/mathx/mathx_test.go").write_text("package mathx\n")
    root = str(tmp_path)

    def where(text: str, cwd: str) -> tuple[str | None, int | None]:
        t = Task("go vet m", 0, 1, "vet", "go", ("go:m",), ("go", "vet"), cwd)
        c = locate_go_build(synthetic_case("go vet m", "go vet m", "failed", 0, "x", text), root, t)
        return c.file, c.line

    compile_error = "# example.com/m/lib/strutil\nstrutil/strutil.go:15:9: cannot use r\n"
    assert where(compile_error, "go/lib") == ("go/lib/strutil/strutil.go", 15)
    # from another module of the workspace, the path climbs out of the cwd
    assert where("../lib/strutil/strutil.go:15:9: cannot use r\n", "go/svc") == (
        "go/lib/strutil/strutil.go",
        15,
    )
    assert where("vet: strutil/strutil.go:7:2: unreachable code\n", "go/lib") == (
        "go/lib/strutil/strutil.go",
        7,
    )
    panic = f"panic: assignment to entry in nil map\n\t{root}/go/lib/mathx/mathx_test.go:28 +0x2c\n"
    assert where(panic, "go/lib") == ("go/lib/mathx/mathx_test.go", 28)
    # a position outside the monorepo, or none at all, stays unknown
    assert where("/usr/lib/go/src/x.go:3:1: boom\n", "go/lib") == (None, None)
    assert where("exit code 1\n", "go/lib") == (None, None)
