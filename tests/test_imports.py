"""The layers import one way (docs/architecture.md): queries -> presentation -> dashboard, pack,
cli. Read from the source with `ast` (nothing is imported), so a function-level import counts
like a top-level one: a lazy import hides a dependency, it does not remove it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Every top-level package of the product (a new one, e.g. an e-mail digest, is checked too).
PACKAGES = tuple(sorted(p.parent.name for p in ROOT.glob("*/__init__.py")
                        if p.parent.name not in ("tests", "benchmarks")))
# The upper layers: what the query layer (and the store) must never reach for.
UPPER = ("cli", "dashboard", "delivery", "pack", "presentation")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _product_modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every module `name` imports: `from a import b` is a.b when that is a module, else a."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)
    return found - {name}


def _graph() -> dict[str, set[str]]:
    modules = _product_modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _top(module: str) -> str:
    return module.split(".")[0]


def _breaks(graph: dict[str, set[str]], layer: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(f"{mod} imports {dep}" for mod, deps in graph.items() if _top(mod) == layer
                  for dep in deps if _top(dep) in forbidden)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_sees_known_imports() -> None:
    """The checks below are only as good as the graph: it must see what is known to be there."""
    graph = _graph()
    assert "presentation.fmt" in graph["pack.document"]
    assert "queries.scorecard" in graph["dashboard.data"]
    assert "streamlit" in graph["dashboard.app"]
    assert "queries.sql.engine" in graph["cli.main"]


def test_pack_imports_nothing_of_the_page() -> None:
    assert _breaks(_graph(), "pack", ("dashboard", "streamlit")) == []


def test_presentation_imports_no_streamlit_and_nothing_of_the_page() -> None:
    graph = _graph()
    assert _breaks(graph, "presentation", ("dashboard", "streamlit", "pack", "cli")) == []


def test_query_layer_imports_no_upper_layer() -> None:
    graph = _graph()
    assert _breaks(graph, "queries", (*UPPER, "store", "streamlit")) == []
    assert _breaks(graph, "store", (*UPPER, "streamlit")) == []


def test_delivery_imports_only_the_layers_below_it() -> None:
    """The e-mail digest (delivery/) uses the pack, the presentation, the store and the queries;
    never the page, Streamlit or the command line (which calls it)."""
    graph = _graph()
    assert "delivery" in PACKAGES
    assert _breaks(graph, "delivery", ("dashboard", "streamlit", "cli")) == []
    assert _breaks(graph, "queries", ("delivery",)) == []
    assert _breaks(graph, "store", ("delivery",)) == []
    assert _breaks(graph, "presentation", ("delivery",)) == []
    assert _breaks(graph, "pack", ("delivery",)) == []


def test_cli_imports_nothing_of_the_page() -> None:
    assert _breaks(_graph(), "cli", ("dashboard", "streamlit")) == []


def test_only_the_page_imports_the_page_or_streamlit() -> None:
    """The pack, the CLI, any digest or mail module: none of them needs a Streamlit runtime."""
    graph = _graph()
    assert {"cli", "pack", "presentation", "queries", "store"} <= set(PACKAGES)
    others = [pkg for pkg in PACKAGES if pkg != "dashboard"]
    assert [b for pkg in others for b in _breaks(graph, pkg, ("dashboard", "streamlit"))] == []


def test_no_import_cycles_among_product_modules() -> None:
    assert _cycles(_graph()) == []


def test_a_cycle_and_a_break_are_found() -> None:
    """The detectors themselves, on a made-up graph: a circle of three and a wrong-way import."""
    graph = {"queries.a": {"queries.b"}, "queries.b": {"queries.c"},
             "queries.c": {"queries.a", "dashboard.app"}, "dashboard.app": {"queries.a"}}
    assert _cycles(graph) == [["dashboard.app", "queries.a", "queries.b", "queries.c"]]
    assert _breaks(graph, "queries", UPPER) == ["queries.c imports dashboard.app"]


def test_every_product_package_is_installed() -> None:
    """pyproject.toml lists the packages by name: a new one (delivery/) left out would import
    here, from the checkout, and be missing from an installed cx-scorecard."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
                 ["tool"]["setuptools"]["packages"])
    found = {_module_name(p) for pkg in PACKAGES for p in (ROOT / pkg).rglob("__init__.py")}
    assert found == listed, (sorted(found - listed), sorted(listed - found))
