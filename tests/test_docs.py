"""Every contract column, metric, setting and CLI command is documented (datasette's test_docs)."""

from __future__ import annotations

import re
from pathlib import Path

from dashboard.cli import build_parser
from queries.registry import METRICS
from queries.schema import CONTRACT

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


def test_settings_are_documented():
    doc = read("docs/warehouse.md")
    for setting in ("CX_WAREHOUSE_URL", "CX_DEMO_PATH", "CX_TARGETS_FILE", "secrets.toml"):
        assert setting in doc


def test_readme_test_command_is_what_ci_runs():
    ci = read(".ci/run")
    cmd = re.search(r"README_TEST_CMD='([^']+)'", ci).group(1)
    assert cmd in read("README.md")


def test_every_test_named_in_the_docs_exists():
    tests = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("test_*.py"))
    docs = read("docs/reliability.md") + read("docs/testing.md")
    for name in re.findall(r"`(?:\w+\.py::)?(test_\w+)`", docs):
        assert f"def {name}(" in tests, name
