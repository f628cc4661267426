"""Every contract column, metric, setting and CLI command is documented (datasette's test_docs)."""

from __future__ import annotations

import re
from pathlib import Path

from cli.main import build_parser
from queries import settings
from queries.registry import METRICS
from queries.sql.schema import CONTRACT

ROOT = Path(__file__).resolve().parents[1]


def read(rel: str) -> str:
    return (ROOT / rel).read_text(encoding="utf-8")


def test_every_contract_column_is_documented():
    doc = read("docs/warehouse.md")
    for t in CONTRACT:
        assert f"## `{t.name}`" in doc
        section = doc.split(f"## `{t.name}`", 1)[1].split("\n## ", 1)[0]
        for c in t.columns:
            assert f"| `{c.name}` |" in section, f"{t.name}.{c.name} undocumented"


def test_every_metric_is_documented():
    doc = read("docs/metrics.md")
    for m in METRICS:
        assert f"`{m.name}`: {m.label}" in doc
        assert m.formula in doc


def test_every_cli_command_is_documented():
    doc = read("docs/cli.md") + read("README.md")
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in sub.choices:
        assert f"cx-scorecard {name}" in doc, name


CODE_DIRS = ("cli", "dashboard", "delivery", "pack", "presentation", "store", "queries",
             "sample_data", "benchmarks", "scripts", "tests", ".ci")


def _names_in_code() -> dict[str, str]:
    """Every CX_* name written anywhere in the code (read or set), with one file naming it."""
    found: dict[str, str] = {}
    for folder in CODE_DIRS:
        for path in sorted((ROOT / folder).rglob("*")):
            if not path.is_file() or path.suffix not in ("", ".py", ".sh"):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            for name in re.findall(r"\bCX_[A-Z][A-Z0-9_]*\b", text):
                found.setdefault(name, str(path.relative_to(ROOT)))
    return found


def test_every_setting_the_code_reads_is_in_the_table_and_documented():
    doc = read("docs/settings.md")
    in_code = _names_in_code()
    assert {"CX_WAREHOUSE_URL", "CX_QUERY_TIMEOUT", "CX_CHROMIUM", "CX_SPARK_DIR"} <= set(in_code)
    for name, where in in_code.items():
        assert name in settings.BY_NAME, f"{name} ({where}) is not in queries/settings.py"
    for s in settings.SETTINGS:
        assert s.name in in_code, f"{s.name} is in queries/settings.py but no code reads it"
        assert f"| `{s.name}` |" in doc, f"{s.name} is not documented in docs/settings.md"
        if s.default is not None:
            assert f"| `{s.name}` | `{s.default}` |" in doc, f"{s.name}: default differs"
    assert "secrets.toml" in read("docs/warehouse.md")


def test_product_code_reads_settings_only_through_the_table():
    for folder in ("cli", "dashboard", "delivery", "pack", "presentation", "queries", "sample_data",
                   "store"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "settings.py":
                continue
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"environ(?:\.get)?[\[(]\s*[\"']CX_", text), path
            assert "BROWSER_PATH" not in text, path


def test_readme_test_command_is_what_ci_runs():
    ci = read(".ci/run")
    cmd = re.search(r"README_TEST_CMD='([^']+)'", ci).group(1)
    assert cmd in read("README.md")


def test_every_test_named_in_the_docs_exists():
    tests = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py"))
    docs = read("docs/reliability.md") + read("docs/testing.md")
    for name in re.findall(r"`(?:\w+\.py::)?(test_\w+)`", docs):
        assert f"def {name}(" in tests, name


def test_readme_layout_table_names_real_paths_and_every_query_package():
    rows = re.findall(r"^\| `([^`]+)` \|", read("README.md"), re.M)
    for path in rows:
        assert (ROOT / path).exists(), f"README layout names {path}, which does not exist"
    packages = {f"{p.parent.relative_to(ROOT)}/" for p in (ROOT / "queries").rglob("__init__.py")}
    assert packages <= set(rows), f"not in README's layout table: {sorted(packages - set(rows))}"


def _resolves(dotted: str) -> bool:
    """`dotted` names a module attribute somewhere in the product (a short name is tried under
    each package, as the docs write `state.resolve` for `dashboard.state.resolve`)."""
    import importlib

    if dotted.startswith("app."):  # importing the page's script would run it: read it instead
        app = read("dashboard/app.py")
        return re.search(rf"^def {dotted.removeprefix('app.')}\(", app, re.M) is not None
    for prefix in ("", "dashboard.", "queries.", "queries.sql.", "presentation.", "queries.scope."):
        parts = (prefix + dotted).split(".")
        for cut in range(len(parts), 0, -1):  # the whole name may be a module
            try:
                obj = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            try:
                for name in parts[cut:]:
                    obj = getattr(obj, name)
            except AttributeError:
                break
            return True
    return False


def test_architecture_walk_from_url_to_sql_names_real_functions():
    doc = read("docs/architecture.md")
    walk = doc.split("## From the URL to the SQL", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`([A-Za-z_]\w*(?:\.\w+)+)(?:\(|`)", walk))
    not_code = {"st.query_params", "datetime.date", "view.scope", "view.month", "viewer.key"}
    assert len(named - not_code) >= 20
    missing = sorted(n for n in named - not_code if not _resolves(n))
    assert missing == [], missing
