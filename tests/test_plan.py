"""Planning tasks for affected targets: the rules issue 11 added to what runs."""

from __future__ import annotations

import json
from pathlib import Path

from ameide.config import Config
from ameide.ecosystems.buf.tasks import codegen_templates
from ameide.plan import build_plan
from tests.ecosystems.helpers import graph_of

PNPM = {
    "package.json": json.dumps({"name": "root", "scripts": {"test": "pnpm -r test"}}),
    "pnpm-workspace.yaml": "packages: ['p/*']\n",
    "p/a/package.json": json.dumps({"name": "a", "scripts": {"test": "node --test"}}),
}


def plan_for(files: dict[str, str], ids: list[str], tmp_path: Path, **kw: object) -> object:
    config = kw.pop("config", Config.from_data(None, "", {}))
    return build_plan(
        str(tmp_path),
        graph_of(files),
        ids,
        config,  # type: ignore[arg-type]
        state_dir=str(tmp_path / "state"),
        base_commit=None,
        git_root=str(tmp_path),
        **kw,  # type: ignore[arg-type]
    )


def test_the_pnpm_root_project_runs_nothing_of_its_own_and_needs_no_install(
    tmp_path: Path,
) -> None:
    plan = plan_for(PNPM, ["pnpm:root"], tmp_path)
    assert plan.tasks == ()  # type: ignore[attr-defined]
    assert plan.notes == (  # type: ignore[attr-defined]
        "pnpm:root: workspace root project -> no tasks (its scripts usually run the whole "
        'workspace; set [targets."pnpm:root"] unit = [...] in ameide.toml to run a command of '
        "its own)",
    )
    # a member affected too: the install and the member's tests run, still nothing for root
    both = plan_for(PNPM, ["pnpm:root", "pnpm:a"], tmp_path)
    assert [t.id for t in both.tasks] == ["pnpm install .", "pnpm:a test"]  # type: ignore


def test_a_command_for_the_root_project_from_ameide_toml_runs(tmp_path: Path) -> None:
    config = Config.from_data(
        None, "x", {"targets": {"pnpm:root": {"unit": ["pnpm", "run", "lint:root"]}}}
    )
    plan = plan_for(PNPM, ["pnpm:root"], tmp_path, config=config)
    assert [(t.id, t.argv) for t in plan.tasks] == [  # type: ignore[attr-defined]
        ("pnpm install .", ("pnpm", "install", "--frozen-lockfile")),
        ("pnpm:root unit (ameide.toml)", ("pnpm", "run", "lint:root")),
    ]


GEN = {
    "buf.yaml": "version: v2\nmodules:\n  - path: proto\n",
    "proto/a.proto": 'syntax = "proto3";\npackage a;\n',
    "buf.gen.yaml": (
        "version: v2\nplugins:\n  - local: protoc-gen-es\n    out: web/gen\n"
        "  - local: protoc-gen-python\n    out: py/gen\n"
    ),
    "web/gen/a_pb.js": "// generated\n",  # committed; py/gen holds nothing: build time
}


def test_a_changed_template_always_gets_its_freshness_gate(tmp_path: Path) -> None:
    graph = graph_of(GEN)
    tpls = codegen_templates(graph, ["buf.gen.yaml"])
    # only the committed output is compared; the build-time one has nothing checked in
    assert tpls == [
        {
            "template": "buf.gen.yaml",
            "inputs": ["buf:proto"],
            "outs": ["web/gen"],
            "dir": ".",
            "changed": True,
        }
    ]
    plan = plan_for(GEN, [], tmp_path, changed=["buf.gen.yaml"])
    assert [t.id for t in plan.tasks] == ["codegen fresh buf.gen.yaml"]  # type: ignore
    # unchanged and no input affected: no gate
    quiet = plan_for(GEN, [], tmp_path)
    assert quiet.tasks == ()  # type: ignore[attr-defined]
