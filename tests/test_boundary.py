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


def module_imports() -> dict[str, set[str]]:
    """module -> the ameide modules it imports when it is loaded (module level, outside
    `if TYPE_CHECKING:`; a package's own submodules and parents left out)."""
    names = {}
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        names[".".join(parts)] = path
    edges: dict[str, set[str]] = {}
    for mod, path in names.items():
        deps: set[str] = set()
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Import):
                deps.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                deps.add(node.module)
                deps.update(f"{node.module}.{a.name}" for a in node.names)
        family = {d for d in deps if d == mod or d.startswith(mod + ".") or mod.startswith(d + ".")}
        edges[mod] = {d for d in deps - family if d in names}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(edges.get(m, ())):
            if state.get(d) == 1:
                found.append([*stack[stack.index(d) :], d])
            elif d not in state:
                visit(d, stack)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m, [])
    return found


def test_no_module_level_import_cycle() -> None:
    """testrun.AHEAD is imported on a helper thread while planning imports on the main one:
    two threads can only deadlock on module locks through an import cycle."""
    from ameide.testrun import AHEAD

    edges = module_imports()
    assert all(m in edges for m in AHEAD), [m for m in AHEAD if m not in edges]
    assert cycles(edges) == []
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
