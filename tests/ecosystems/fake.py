"""A fifth ecosystem that lives in the test suite only, to prove the plug-in boundary: nothing
under src/ names it, and registering it is all it takes for ameide to discover, plan, check,
run, cache and report its targets.

A project is a directory with a `fake.json` (`{"name": "a", "deps": ["b"]}`); a workspace is
the directory of the nearest `fake-workspace.json` above it, whose `fake.lock` an install
(`faketool install`, leaving `.fake-env/`) depends on. Phase 0 runs `faketool check`, phase 1
`faketool test --junit {junit}` (JUnit), phase 2 `faketool itest`, whose stdout is a report of
its own (`ok <name>` / `fail <name>: <message>` lines) this plug-in converts.
"""

from __future__ import annotations

import json
import posixpath
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ameide.ecosystems import Context, Part
from ameide.ecosystems.base import EcosystemBase, InstallSpec, ReportFormat, ToolSpec
from ameide.evidence.junit import Case
from ameide.model import Target
from ameide.task import JUNIT, Task

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ameide.ecosystems.base import PlanContext

NAME = "fake"
TOOL = "faketool"
VERSION = "1.2.3"


def convert_lines(path: str) -> tuple[list[Case], str]:
    """`ok <name>` / `fail <name>: <message>` lines -> cases; the lines are the readable text."""
    text = Path(path).read_text()
    cases = []
    for line in text.splitlines():
        verdict, _, rest = line.partition(" ")
        name, _, message = rest.partition(": ")
        if verdict in ("ok", "fail"):
            status = "passed" if verdict == "ok" else "failed"
            cases.append(Case(NAME, "itest", name, 0.0, status, message, message))
    return cases, text


def _parent(path: str) -> str:
    return posixpath.dirname(path) or "."


class Fake(EcosystemBase):
    name = NAME
    version = "1"
    tools = (ToolSpec(TOOL, default=VERSION),)
    env_inputs = ("FAKE_MODE",)
    cacheable_kinds = ("fake-check",)
    report_formats = MappingProxyType(
        {"fake-lines": ReportFormat("fake-lines", ".txt", convert_lines)}
    )

    def relevant(self, path: str) -> bool:
        return path.rpartition("/")[2] in ("fake.json", "fake-workspace.json")

    def parse(self, path: str, data: bytes) -> dict[str, Any]:
        doc = json.loads(data or b"{}")
        return doc if isinstance(doc, dict) else {}

    def build(self, ctx: Context) -> Part:
        part = Part()
        workspaces = sorted(
            (_parent(p) for p, _ in ctx.facts_named("fake-workspace.json")), key=len, reverse=True
        )
        for path, facts in sorted(ctx.facts_named("fake.json")):
            d = _parent(path)
            ws = next((w for w in workspaces if w == "." or d == w or d.startswith(w + "/")), ".")
            deps = tuple(sorted(f"{NAME}:{x}" for x in facts.get("deps", [])))
            name = str(facts.get("name") or d)
            part.targets.append(Target(f"{NAME}:{name}", NAME, name, d, deps, path, ws))
        return part

    def installs(self, ctx: PlanContext, targets: Sequence[Target]) -> list[InstallSpec]:
        return [
            InstallSpec(
                ws,
                f"{NAME} install {ws}",
                (TOOL, "install"),
                (posixpath.join(ws, "fake.lock"),),
                ".fake-env",
                f"{NAME} install ({ws}): skipped, fake.lock unchanged",
            )
            for ws in sorted({t.group for t in targets})
        ]

    def tasks(self, ctx: PlanContext, targets: Sequence[Target]) -> list[Task]:
        out = []
        for t in targets:
            timeout = ctx.timeout([t.id])
            if ctx.wants(t, "contract"):
                argv = (TOOL, "check")
                out.append(Task(f"{t.id} check", 0, 1, "fake-check", NAME, (t.id,), argv, t.path))
            if ctx.wants(t, "unit"):
                argv = (TOOL, "test", "--junit", JUNIT)
                out.append(
                    Task(
                        f"{t.id} test",
                        1,
                        1,
                        "unit",
                        NAME,
                        (t.id,),
                        argv,
                        t.path,
                        report="junit",
                        timeout=timeout,
                    )
                )
            if ctx.wants(t, "integration"):
                argv = (TOOL, "itest")
                tid = f"{t.id} itest"
                out.append(
                    Task(tid, 2, 1, "integration", NAME, (t.id,), argv, t.path, report="fake-lines")
                )
        return out


# The tool: `--version`; `install` (makes .fake-env); `check` (fails when BROKEN exists);
# `test --junit P` (a case per line of tests.txt, `fail` lines fail, with file and line);
# `itest` (the fake-lines report). Every call but --version is logged to $FAKETOOL_LOG.
FAKETOOL = """#!/usr/bin/env python3
import os, sys
args = sys.argv[1:]
if args == ["--version"]:
    print("faketool VERSION")
    sys.exit(0)
log = os.environ.get("FAKETOOL_LOG")
if log:
    with open(log, "a") as fh:
        fh.write(os.getcwd() + " " + " ".join(args) + "\\n")
if args[0] == "install":
    os.makedirs(".fake-env", exist_ok=True)
elif args[0] == "check":
    sys.exit(1 if os.path.exists("BROKEN") else 0)
elif args[0] == "test":
    names = open("tests.txt").read().split()
    cases, failed = [], 0
    for i, n in enumerate(names, 1):
        if n.startswith("fail:"):
            failed += 1
            cases.append(
                f'<testcase classname="fake" name="{n[5:]}" file="tests.txt" line="{i}">'
                f'<failure message="{n[5:]} is broken">expected 1, got 2</failure></testcase>'
            )
        else:
            cases.append(f'<testcase classname="fake" name="{n}"/>')
    with open(args[2], "w") as fh:
        fh.write("<testsuite name='fake'>" + "".join(cases) + "</testsuite>")
    print(f"{len(names)} tests, {failed} failed")
    sys.exit(1 if failed else 0)
elif args[0] == "itest":
    print("ok itest_" + os.path.basename(os.getcwd()))
""".replace("VERSION", VERSION)


def install_tool(bin_dir: Path, version: str = VERSION) -> Path:
    bin_dir.mkdir(parents=True, exist_ok=True)
    tool = bin_dir / TOOL
    tool.write_text(FAKETOOL.replace(VERSION, version))
    tool.chmod(0o755)
    return tool
