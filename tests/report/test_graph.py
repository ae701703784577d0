"""`ameide affected --graph mermaid|dot`: the affected subgraph with its reasons, for Markdown
(PR bodies, the CI summary) and Graphviz; the same picture from a run's summary.json."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ameide.report.graph import PR_MAX_NODES, Node, Picture, from_summary, mermaid, node_count
from tests.browser import CHROMIUM, NO_CHROMIUM, chromium
from tests.conftest import ROOT, MakeRepo, git, write_files

RunCli = Callable[..., tuple[int, str, str]]

GO_AND_PNPM: dict[str, str | bytes] = {
    "go.mod": "module example.com/m\n\ngo 1.22\n",
    "a/a.go": "package a\n\nfunc A() int { return 1 }\n",
    "b/b.go": 'package b\n\nimport "example.com/m/a"\n\nfunc B() int { return a.A() }\n',
    "c/c.go": "package c\n\nfunc C() int { return 3 }\n",
    # c's tests import a: c is affected through a test edge
    "c/c_test.go": 'package c\n\nimport (\n\t"testing"\n\n\t"example.com/m/a"\n)\n\n'
    "func TestC(t *testing.T) { _ = a.A() }\n",
    "pnpm-workspace.yaml": "packages: ['p/*']\n",
    "p/x/package.json": '{"name": "x"}\n',
    "p/y/package.json": '{"name": "y", "dependencies": {"x": "workspace:*"}}\n',
}


@pytest.fixture
def changed(make_repo: MakeRepo) -> tuple[Path, str]:
    repo = make_repo(GO_AND_PNPM)
    base = git(repo, "rev-parse", "HEAD")[:10]
    git(repo, "checkout", "-q", "-b", "f")
    write_files(repo, {"a/a.go": "package a\n\nfunc A() int { return 2 }\n", "p/x/index.js": "1\n"})
    return repo, base


def test_mermaid_draws_each_target_with_the_first_hop_of_its_reason(
    run_cli: RunCli, changed: tuple[Path, str]
) -> None:
    repo, base = changed
    code, out, err = run_cli(["affected", "--graph", "mermaid"], repo)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "flowchart LR",
        f"  %% ameide affected: 5 affected (2 directly) against main @ {base}",
        '  c0[/"changed a/a.go"/]:::cause',
        '  c1[/"changed p/x/index.js"/]:::cause',
        '  subgraph eco_go ["go (3)"]',
        '    n0["go:example.com/m/a"]:::changed',
        '    n1["go:example.com/m/b"]',
        '    n2["go:example.com/m/c"]',
        "  end",
        '  subgraph eco_pnpm ["pnpm (2)"]',
        '    n3["pnpm:x"]:::changed',
        '    n4["pnpm:y"]',
        "  end",
        "  c0 --> n0",
        "  n0 --> n1",
        "  n0 -. test .-> n2",
        "  c1 --> n3",
        "  n3 --> n4",
        "  classDef cause fill:#fff3bf,stroke:#e67700,color:#000",
        "  classDef changed fill:#ffd8a8,stroke:#d9480f,color:#000",
        "  classDef note fill:#f1f3f5,stroke:#868e96,color:#000",
    ]


def test_dot_is_the_same_graph_for_graphviz(
    run_cli: RunCli, changed: tuple[Path, str], tmp_path: Path
) -> None:
    repo, base = changed
    code, out, _ = run_cli(["affected", "--graph", "dot"], repo)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "digraph affected {"
    assert lines[1] == f'  label="ameide affected: 5 affected (2 directly) against main @ {base}";'
    assert lines[-7:] == [
        "  }",
        '  "c0" -> "go:example.com/m/a";',
        '  "go:example.com/m/a" -> "go:example.com/m/b";',
        '  "go:example.com/m/a" -> "go:example.com/m/c" [style=dashed, label="test"];',
        '  "c1" -> "pnpm:x";',
        '  "pnpm:x" -> "pnpm:y";',
        "}",
    ]
    assert '    "go:example.com/m/a" [fillcolor="#ffd8a8"];' in lines
    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("graphviz is not installed (scripts/setup installs it as root with apt-get)")
    svg = subprocess.run(
        [dot, "-Tsvg"], input=out, capture_output=True, text=True, check=True
    ).stdout
    (tmp_path / "affected.svg").write_text(svg)
    for title in ("go:example.com/m/c", "pnpm:y", "go:example.com/m/a&#45;&gt;go:example.com/m/c"):
        assert f"<title>{title}</title>" in svg


def test_a_bad_format_or_a_second_output_is_a_usage_error(
    run_cli: RunCli, changed: tuple[Path, str]
) -> None:
    repo, _ = changed
    code, out, err = run_cli(["affected", "--graph", "svg"], repo)
    assert (code, out) == (2, "")
    assert err == (
        "ameide: error: --graph svg: not a graph format ameide writes\n"
        "  hint: use --graph mermaid (Markdown, PR bodies) or --graph dot (Graphviz)\n"
    )
    code, _, err = run_cli(["affected", "--graph", "dot", "--json"], repo)
    assert code == 2 and "--graph prints the graph alone" in err


def test_nothing_affected_is_still_a_graph(run_cli: RunCli, make_repo: MakeRepo) -> None:
    repo = make_repo(GO_AND_PNPM)
    git(repo, "checkout", "-q", "-b", "f")
    code, out, _ = run_cli(["affected", "--graph", "mermaid"], repo)
    assert code == 0
    assert out.splitlines()[2:] == ['  none["nothing affected (0 changed files)"]']


def test_the_graph_stays_on_the_fast_lane(changed: tuple[Path, str]) -> None:
    repo, _ = changed
    code = (
        "import sys\nfrom ameide.cli import main\n"
        "rc = main(['affected', '--graph', 'mermaid'])\n"
        "heavy = sorted(m for m in ('typer', 'rich', 'pydantic', 'git', 'dataclasses')"
        " if m in sys.modules)\n"
        "sys.stderr.write(repr(heavy))\nsys.exit(rc)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=False
    )
    assert (r.returncode, r.stderr) == (0, "[]")
    assert r.stdout.startswith("flowchart LR\n")


def test_a_runs_summary_gives_the_same_picture(run_cli: RunCli, changed: tuple[Path, str]) -> None:
    """The PR body and the CI summary draw from summary.json's reason strings: the same
    nodes and edges as `ameide affected` (test edges included)."""
    repo, _ = changed
    _, direct, _ = run_cli(["affected", "--graph", "mermaid"], repo)
    _, doc, _ = run_cli(["affected", "--json"], repo)
    affected = json.loads(doc)
    summary = {
        "base": affected["base"],
        "changed_files": affected["changed"],
        "targets": [
            {"id": a["id"], "ecosystem": a["ecosystem"], "reason": a["explain"]}
            for a in affected["affected"]
        ],
    }
    assert mermaid(from_summary(summary)) == direct


def _big() -> Picture:
    nodes = [
        Node("pnpm:core", "pnpm", None, False, "changed js/core/a.js"),
        Node("go:lib", "go", None, False, "changed go/lib/lib.go"),
    ]
    nodes += [Node(f"pnpm:app{i:02d}", "pnpm", "pnpm:core", False, "x") for i in range(40)]
    nodes += [Node(f"go:svc{i:02d}", "go", "go:lib", i % 2 == 0, "x") for i in range(20)]
    return Picture(tuple(nodes), "62 affected", 2)


def test_beyond_fifty_nodes_the_changed_targets_and_counts_per_ecosystem() -> None:
    out = mermaid(_big(), PR_MAX_NODES)
    assert node_count(_big()) == 64
    assert [ln for ln in out.splitlines() if "[" in ln or "-->" in ln] == [
        '  c0[/"changed js/core/a.js"/]:::cause',
        '  c1[/"changed go/lib/lib.go"/]:::cause',
        '  subgraph eco_go ["go (1)"]',
        '    n1["go:lib"]:::changed',
        '  subgraph eco_pnpm ["pnpm (1)"]',
        '    n0["pnpm:core"]:::changed',
        '  more_go(["+20 go targets affected through these"]):::note',
        '  more_pnpm(["+40 pnpm targets affected through these"]):::note',
        "  c0 --> n0",
        "  c1 --> n1",
        "  n1 --> more_go",
        "  n0 --> more_pnpm",
    ]


def test_too_many_changed_targets_are_cut_to_fifty_nodes() -> None:
    nodes = tuple(Node(f"go:p{i:03d}", "go", None, False, f"changed p{i}.go") for i in range(80))
    nodes += (Node("go:user", "go", "go:p000", False, "x"),)
    out = mermaid(Picture(nodes, "t", 80), PR_MAX_NODES)
    drawn = re.findall(r"^\s+(n\d+|c\d+|more_\w+)[\[(]", out, re.M)
    assert len(drawn) == PR_MAX_NODES  # 48 changed targets, the count of the rest, +32 more
    assert '  more_changed(["+32 more changed targets"]):::note' in out
    assert "  n0 --> more_go" in out


MERMAID_JS = sorted((ROOT / ".venv" / "share" / "ameide-test").glob("mermaid-*.min.js"))


@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
@pytest.mark.skipif(
    not MERMAID_JS, reason="mermaid's browser bundle is missing (scripts/setup fetches it)"
)
def test_mermaid_renders_as_github_would(tmp_path: Path) -> None:
    """The Mermaid we write, including labels with quotes, `<`, `->` and `#x;`, rendered by
    Mermaid itself in chromium: no syntax error, and the labels read as written."""
    odd = 'lockfile pnpm-lock.yaml (closure rule): "a" 1 -> 2 <b> #x;'
    nodes = (*_big().nodes[:2], Node("uv:odd", "uv", None, False, odd))
    src = mermaid(Picture(nodes, "t", 3)) + "\n"
    page = tmp_path / "mermaid.html"
    page.write_text(
        '<!doctype html><html><body><div id="out"></div>'
        f'<script src="{MERMAID_JS[-1].as_uri()}"></script><script>'
        "mermaid.initialize({startOnLoad: false});"
        f"mermaid.render('g', {json.dumps(src)}).then(function (r) {{"
        "document.getElementById('out').innerHTML = r.svg;"
        "document.body.setAttribute('data-labels', [].map.call("
        "document.querySelectorAll('.nodeLabel'), function (e) { return e.textContent; })"
        ".join('|')); }, function (e) { document.body.setAttribute('data-error', String(e)); });"
        "</script></body></html>"
    )
    dom = chromium(page.as_uri(), tmp_path, screenshot=tmp_path / "affected-mermaid.png")
    assert 'data-error="' not in dom, dom[-2000:]
    import html

    m = re.search(r'data-labels="([^"]*)"', dom)
    assert m, dom[-2000:]
    labels = html.unescape(m.group(1)).split("|")
    assert "lockfile pnpm-lock.yaml (closure rule): 'a' 1 -> 2 \u2039b> #\u2060x;" in labels
    assert {"go:lib", "pnpm:core", "uv:odd", "changed js/core/a.js"} <= set(labels)
