"""The board pack's layout: no text box overlaps another, nothing is printed off the page, no
file paths, and no page that says only "no open actions".

Word boxes come from pdfplumber (pdfminer's layout of the real PDF, so a squeezed or stretched
label is measured as printed). Pages are also rendered with pdftoppm into test-artifacts/ for a
person to look at. Charts are off here (no Chromium needed): the chart images carry no text.
"""

from __future__ import annotations

import re

import pdfplumber
import pytest

import pack as pk
from queries import scope as sc
from queries import targets
from tests.artifacts import pdf_to_png
from tests.pack_fixtures import small_demo

TOLERANCE_PT = 0.6  # boxes may touch; overlapping by more than this is a collision
MIN_GAP_PT = 1.5  # two separate texts on one line closer than this read as one ("payNear")
PATH_LIKE = re.compile(r"(?:queries|docs|dashboard)/|\b\w+\.(?:toml|md|py)\b")


def overlaps(words: list[dict], tol: float = TOLERANCE_PT) -> list[tuple[str, str]]:
    """Pairs of words whose boxes intersect by more than `tol` points in both directions."""
    ws = sorted(words, key=lambda w: w["x0"])
    hits = []
    for i, a in enumerate(ws):
        for b in ws[i + 1:]:
            if b["x0"] >= a["x1"] - tol:
                break  # sorted by x0: no later word can reach back into a
            dy = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            dx = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
            if dx > tol and dy > tol:
                hits.append((a["text"], b["text"]))
    return hits


def collisions(chars: list[dict], min_gap: float = MIN_GAP_PT) -> list[tuple[str, str]]:
    """Characters of two separately placed texts that overlap or nearly touch on one line.

    pdfplumber lists characters in drawing order; a run is a stretch where each character starts
    where the previous one ended on the same line (one label, one cell). Two runs whose glyphs
    come closer than `min_gap` horizontally while sharing a line collide: "CX-linked variable
    pay" running into its "Off target" badge is exactly this.
    """
    boxes, run, prev = [], 0, None
    for c in chars:
        if prev is None or abs(c["top"] - prev["top"]) > 0.5 or not (
                -0.5 <= c["x0"] - prev["x1"] <= 0.6):
            run += 1
        prev = c
        if c["text"].strip():
            boxes.append((c["x0"], c["x1"], c["top"], c["bottom"], run, c["text"]))
    boxes.sort()
    hits = []
    for i, (_ax0, ax1, at, ab, ar, atxt) in enumerate(boxes):
        for bx0, _bx1, bt, bb, br, btxt in boxes[i + 1:]:
            if bx0 >= ax1 + min_gap:
                break
            if br != ar and min(ab, bb) - max(at, bt) > 1.0:
                hits.append((atxt, btxt))
    return hits


def test_collision_finder_sees_texts_that_run_into_each_other():
    def chars(text: str, x: float, top: float = 10.0, w: float = 4.0) -> list[dict]:
        return [{"text": ch, "x0": x + i * w, "x1": x + (i + 1) * w, "top": top,
                 "bottom": top + 7} for i, ch in enumerate(text)]

    label = chars("pay", 10.0)  # ends at 22.0
    assert collisions(label + chars("Near", 23.0)) == [("y", "N")]  # 1 pt apart: one blur
    assert collisions(label + chars("Near", 25.0)) == []  # a clear gap
    assert collisions(label + chars("60%", 10.0, top=18.5)) == []  # the next line
    assert collisions(chars("pay Near", 10.0)) == []  # one text with a space


def test_overlap_finder_finds_a_collision_and_passes_neighbours():
    left = {"text": "CX-linked", "x0": 10.0, "x1": 60.0, "top": 5.0, "bottom": 12.0}
    badge = {"text": "Off", "x0": 58.0, "x1": 70.0, "top": 6.0, "bottom": 12.0}  # 2 pt into it
    near = {"text": "target", "x0": 60.2, "x1": 80.0, "top": 5.0, "bottom": 12.0}  # touching
    below = {"text": "60%", "x0": 10.0, "x1": 30.0, "top": 12.2, "bottom": 19.0}
    assert overlaps([left, badge]) == [("CX-linked", "Off")]
    assert overlaps([left, near, below]) == []


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A small demo warehouse: every region and location with real-length names."""
    yield from small_demo(tmp_path_factory.mktemp("layout"))


def _scopes(dims: sc.Dims) -> dict[str, sc.Scope]:
    region = str(dims.regions.region_id.iloc[0])
    loc = str(dims.locations[dims.locations.region_id == region].location_id.iloc[0])
    return {"company": sc.Scope(), "region": sc.Scope(region=region),
            "location": sc.Scope(region=region, location=loc)}


@pytest.mark.slow
@pytest.mark.parametrize("level", ["company", "region", "location"])
def test_pack_pages_have_no_overlapping_text(demo, level, tmp_path):
    eng, dims, month, latest = demo
    out = pk.build_pack(eng, dims, _scopes(dims)[level], month, targets.load(), [],
                        out_path=tmp_path / f"{level}.pdf", latest_response=latest,
                        charts=False)
    problems = []
    with pdfplumber.open(out) as pdf:
        for n, page in enumerate(pdf.pages, start=1):
            words = page.extract_words(keep_blank_chars=False, use_text_flow=False)
            problems += [f"page {n}: {a!r} overlaps {b!r}" for a, b in overlaps(words)]
            problems += [f"page {n}: {a!r} runs into {b!r}" for a, b in collisions(page.chars)]
            problems += [f"page {n}: {w['text']!r} off the page" for w in words
                         if w["x0"] < 0 or w["x1"] > page.width + 0.5 or w["top"] < 0
                         or w["bottom"] > page.height + 0.5]
            text = page.extract_text() or ""
            problems += [f"page {n}: prints a path {m!r}" for m in PATH_LIKE.findall(text)]
            body = [ln for ln in text.splitlines()[1:] if not ln.startswith("CX Scorecard ·")]
            if body and all("open actions" in ln.lower() or ln.startswith("Actions")
                            for ln in body):
                problems.append(f"page {n} only says there are no open actions")
    pdf_to_png(out, f"pack-layout-{level}", 80)
    assert not problems, "\n".join(problems[:40])


def test_a_location_without_actions_has_no_actions_page(demo, tmp_path):
    eng, dims, month, latest = demo
    out = pk.build_pack(eng, dims, _scopes(dims)["location"], month, targets.load(), [],
                        out_path=tmp_path / "loc.pdf", latest_response=latest, charts=False)
    with pdfplumber.open(out) as pdf:
        texts = [p.extract_text() or "" for p in pdf.pages]
    assert len(texts) == 3  # cover, scorecard, trends: nothing to rank, nothing to act on
    assert not any("No open actions" in t for t in texts[1:])


