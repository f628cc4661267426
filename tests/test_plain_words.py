"""Plain words on the page: no code names ("rate_fall", "tens_jump"), no statistician's shorthand
("r = ", "CI", "q = 0.05") and no method name in a section's label, with every section open on the
small demo warehouse (charts' legends and axis titles included)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from google.protobuf.json_format import MessageToDict

from dashboard.panels import geo, movers, quality, review
from tests.page import nodes, open_section, run_page, small_demo_url

SECTIONS = (geo.SECTION_KEY, movers.SECTION_KEY, review.SECTION_KEY, quality.SECTION_KEY,
            "insights-leadership", "insights-incentives", "insights-culture",
            "insights-satisfaction", "insights-loyalty")
JARGON = re.compile(r"rate_fall|tens_jump|volume_jump|\bCI\b|\br = |\bq = |\bp = ")
IN_LABELS = re.compile(r"Benjamini|Hochberg|false.discovery|\bFDR\b")


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return small_demo_url(tmp_path_factory.mktemp("plain"))


def _shown_text(at) -> str:
    """Every element's content as the browser receives it (markdown, captions, labels, tables'
    headers, Plotly specs), as one string."""
    out = []
    for el in nodes(at.main):
        proto = getattr(el, "proto", None)
        if proto is not None:
            out.append(json.dumps(MessageToDict(proto), ensure_ascii=False))
    return "\n".join(out)


@pytest.mark.parametrize("view", [{}, {"region": "MW"}])
def test_no_code_names_or_shorthand_on_the_page(page_env: pytest.MonkeyPatch, demo_url: str,
                                               tmp_path: Path, view: dict) -> None:
    page_env.setenv("CX_WAREHOUSE_URL", demo_url)
    at = run_page(**view)
    for key in SECTIONS:
        at = open_section(at, key)
    text = _shown_text(at)
    assert "Do happier customers stay" in text or "happier" in text  # the sections did draw
    hits = sorted({m.group(0) for m in JARGON.finditer(text)})
    assert hits == [], [text[max(0, m.start() - 80):m.end() + 40] for m in JARGON.finditer(text)]
    # What moved says why a child's own tiles can show an arrow that its list does not
    child = "region" if not view else "location"
    assert f"Why a {child}'s own tiles can show an arrow" in text, child
    # the funnel plot's key names its amber points; the heat table counts "Responses", not n
    assert "amber dots: outside 95% but inside 99.8%" in text
    assert 'title=\\"Survey responses\\">Responses</th>' in text  # JSON-escaped markup
    labels = [e.label for e in at.expander]
    assert len(labels) >= 8, labels
    assert not [x for x in labels if IN_LABELS.search(x)], labels
