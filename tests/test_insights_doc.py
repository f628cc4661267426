"""docs/insights.md's measured figures are the code's: each generated section equals what
benchmarks/insights_doc.py computes now (the demo's section is checked in test_insights.py,
which already has the demo and its NULL twin built)."""

from __future__ import annotations

import pytest

from benchmarks import doc_section, insights_doc


def _section(name: str) -> str:
    found = doc_section.extract(insights_doc.DOC.read_text(), f"insights_{name}")
    assert found is not None, f"docs/insights.md has no generated section insights_{name}"
    return found


def _expected(name: str, body: str) -> str:
    begin, end = doc_section.markers(f"insights_{name}")
    return f"{begin}\n{body.strip()}\n{end}"


def test_rank_section_is_generated():
    assert _section("rank") == _expected("rank", insights_doc.rank_section())


@pytest.mark.slow
@pytest.mark.parametrize("name", ["owner", "culture", "gaming"])
def test_simulation_sections_are_generated(name: str):
    assert _section(name) == _expected(name, insights_doc.SECTIONS[name]())
