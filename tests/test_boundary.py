"""The plug-in boundary, checked on the source (docs/architecture.md): the core names no
ecosystem, plug-ins import no core module, and the run path stays small enough to read."""

from __future__ import annotations

import ast
from pathlib import Path

from ameide.ecosystems import REGISTRY
from tests.conftest import ROOT

SRC = ROOT / "src" / "ameide"
# what a plug-in may import: the models, the shared discovery helpers, the process seam
PLUGIN_IMPORTS = {
    "config",
    "ecosystems",
    "errors",
    "evidence",
    "fsutil",
    "model",
    "proc",
    "records",
    "task",
    "taskresult",
    "toml",
    "yamlio",
}


def _strings(tree: ast.AST) -> list[ast.Constant]:
    """String constants that are not docstrings (f-string pieces included)."""
    docs = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
        ):
            docs.add(id(body[0].value))
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
    ]


def ecosystem_literals(root: Path, names: tuple[str, ...]) -> list[str]:
    """`file:line: literal` of every string outside ecosystems/ that is an ecosystem's name
    or starts with its id prefix (`"go"`, `"pnpm:"`); comments and docstrings do not count."""
    hits = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] == "ecosystems":
            continue
        for node in _strings(ast.parse(path.read_text())):
            v = node.value
            if any(v == n or v.startswith(n + ":") for n in names):
                hits.append(f"{rel}:{node.lineno}: {v!r}")
    return hits


def test_the_core_names_no_ecosystem() -> None:
    assert REGISTRY.names() == ("go", "pnpm", "uv", "buf")
    assert ecosystem_literals(SRC, REGISTRY.names()) == []


def test_the_check_finds_a_name(tmp_path: Path) -> None:
    """The scan is not blind: literals and id prefixes count, docstrings and comments not."""
    (tmp_path / "ecosystems").mkdir()
    (tmp_path / "ecosystems" / "x.py").write_text('A = "go"\n')
    (tmp_path / "core.py").write_text(
        '"""go"""\n# "go"\nA = "go"\nB = f"pnpm:{A}"\nC = "gopher"\nD = ("uv", "buf:x")\n'
    )
    assert ecosystem_literals(tmp_path, ("go", "pnpm", "uv", "buf")) == [
        "core.py:3: 'go'",
        "core.py:4: 'pnpm:'",
        "core.py:6: 'uv'",
        "core.py:6: 'buf:x'",
    ]


def test_plugins_import_no_core_module() -> None:
    bad = []
    for path in sorted((SRC / "ecosystems").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            mods: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                mods = [node.module] if node.module != "ameide" else [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            for m in mods:
                parts = m.split(".")
                top = parts[1] if parts[0] == "ameide" and len(parts) > 1 else parts[0]
                if (parts[0] == "ameide" or m in PLUGIN_IMPORTS) and top not in PLUGIN_IMPORTS:
                    bad.append(f"{path.relative_to(SRC)}:{node.lineno}: {m}")
    assert bad == []


def sizes(path: Path) -> tuple[dict[str, int], dict[str, int]]:
    """(function -> lines, class -> lines) of a module."""
    funcs, classes = {}, {}
    for node in ast.walk(ast.parse(path.read_text())):
        n = (node.end_lineno or node.lineno) - node.lineno + 1 if hasattr(node, "lineno") else 0
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            funcs[f"{node.name}:{node.lineno}"] = n
        elif isinstance(node, ast.ClassDef):
            classes[node.name] = n
    return funcs, classes


def test_the_run_path_reads_at_a_glance() -> None:
    """No function over 80 lines and no class over 300 in the planner, the runner, the
    engine and its steps."""
    files = [SRC / "plan.py", SRC / "runner.py", SRC / "testrun.py"]
    files += sorted((SRC / "steps").glob("*.py"))
    for path in files:
        funcs, classes = sizes(path)
        assert {f: n for f, n in funcs.items() if n > 80} == {}, path.name
        assert {c: n for c, n in classes.items() if n > 300} == {}, path.name
