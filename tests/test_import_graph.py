"""The shape of the code: imports point down the stages, no two modules import each other (even
lazily, inside a function), and the command line starts without the heavy libraries."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("demand", "supply", "forecasting", "optimize", "scenarios", "dashboard")
#: The documented upward imports (ARCHITECTURE-NOTES): serving the app from the command line,
#: and writing a decision brief (a presentation of stored runs, like the app: dashboard/brief).
UPWARD_ALLOWED = {
    ("scenarios.commands.serve", "dashboard"), ("scenarios.demo_steps.s90_serve", "dashboard"),
    ("scenarios.commands.brief", "dashboard"), ("scenarios.demo_steps.s87_briefs", "dashboard"),
}  # fmt: skip


def _modules() -> dict[str, Path]:
    out = {}
    for stage in STAGES:
        for path in (ROOT / stage).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


def _imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Modules of the project that ``name`` imports anywhere in its code (lazy ones too)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _runtime_nodes(tree: ast.AST):
    """Every node of the tree but those under ``if TYPE_CHECKING:`` (never imported when run)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            guarded = isinstance(child, ast.If) and getattr(child.test, "id", "") == "TYPE_CHECKING"
            if not guarded:
                stack.append(child)


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: _imports(name, path, known) for name, path in known.items()}


def test_imports_point_down_the_stages():
    upward = []
    for src, targets in _graph().items():
        for dst in targets:
            a, b = STAGES.index(src.split(".")[0]), STAGES.index(dst.split(".")[0])
            if b > a and (src, dst.split(".")[0]) not in UPWARD_ALLOWED:
                upward.append(f"{src} -> {dst}")
    assert not upward, "imports against the stages: " + ", ".join(sorted(upward))


def test_commands_are_leaves():
    """Only the CLI imports a command: runners, demo steps and the app call the bureaus' entry
    points and the printers in scenarios/show, never a command module."""
    leaning = sorted(
        f"{src} -> {dst}"
        for src, targets in _graph().items()
        for dst in targets
        if dst.startswith("scenarios.commands")
        and not src.startswith("scenarios.commands")
        and src != "scenarios.cli"
    )
    assert not leaning, "modules importing a command: " + ", ".join(leaning)


def test_no_two_modules_import_each_other_even_lazily():
    graph = _graph()
    # a package's __init__ that re-exports its modules is not a circle with them
    edges = {
        src: {d for d in dst if not (src.startswith(f"{d}.") and ROOT.joinpath(
            *d.split("."), "__init__.py").exists())}
        for src, dst in graph.items()
    }  # fmt: skip
    cycles, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*stack[stack.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert not cycles, "import circles: " + "; ".join(cycles[:5])


def test_the_command_line_starts_without_the_heavy_libraries():
    code = (
        "import sys, scenarios.cli; "
        "print(' '.join(m for m in ('pandas', 'geopandas', 'scipy', 'sklearn', 'statsmodels', "
        "'pulp', 'dash') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"imported at start-up: {done.stdout.strip()}"


def test_a_small_p_median_locate_loads_no_maps_or_scipy(tmp_path):
    """`civicalloc locate --model p-median` on CSVs needs pandas and HiGHS, not geopandas or
    scipy (both were loaded for nothing: ~0.2 s of its start-up)."""
    rows = ["demand_id,site_id,cost"] + [
        f"d{i},s{j},{abs(i * 7 - j * 31) % 53 + 1}" for i in range(12) for j in range(4)
    ]
    (tmp_path / "cost.csv").write_text("\n".join(rows) + "\n")
    code = (
        "import sys\n"
        "from scenarios.cli import main\n"
        f"sys.argv = ['civicalloc', 'locate', '--model', 'p-median', '--p', '2', '--solver', "
        f"'highs', '--cost', {str(tmp_path / 'cost.csv')!r}, '--out', "
        f"{str(tmp_path / 'r.json')!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('LOADED ' + ' '.join(m for m in ('geopandas', 'pyogrio', 'scipy') "
        "if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert (tmp_path / "r.json").exists(), done.stderr
    loaded = done.stderr.rsplit("LOADED", 1)[-1].strip()
    assert loaded == "", f"loaded by a small locate: {loaded}"
