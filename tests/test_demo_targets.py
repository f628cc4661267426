"""The demo looks like a real network against targets a real programme would set: at company
level a few metrics off target, several near and the rest on; every region a mix. And the theme's
primary colour is neutral: red on this page means "off target" only."""

from __future__ import annotations

import colorsys
import tomllib
from datetime import date
from pathlib import Path

import pytest

from queries import scope as sc
from queries import scorecard, targets
from queries.sql import aggregate
from queries.sql.engine import make_engine

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo_company(tmp_path_factory: pytest.TempPathFactory):
    from sample_data.load import build_demo

    url = f"duckdb:///{tmp_path_factory.mktemp('targets') / 'demo.duckdb'}"
    build_demo(url, scale=1.0, progress=False)
    eng = make_engine(url)
    try:
        dims = sc.load_dims(eng)
        latest = aggregate.freshness(eng)[1]
        yield scorecard.build(eng, dims, sc.Scope(), date(2026, 10, 1), targets.load(), latest,
                              with_map=False)
    finally:
        eng.dispose()


def test_company_has_a_few_off_several_near_and_most_on(demo_company) -> None:
    judged = [r.status for r in demo_company.metrics.values() if r.target is not None]
    counts = {s: judged.count(s) for s in ("green", "amber", "red")}
    assert len(judged) == 12
    assert 1 <= counts["red"] <= 3, counts  # a few off target: what the programme works on
    assert counts["amber"] >= 3, counts  # several near
    assert counts["green"] >= 4, counts


def test_every_region_is_a_mix(demo_company) -> None:
    kids = demo_company.children
    kids = kids[kids.metric != "responses"]
    per_region = kids.groupby("name")["status"].apply(set)
    assert len(per_region) == 7
    for name, statuses in per_region.items():
        assert len(statuses & {"green", "amber", "red"}) >= 2, (name, statuses)
    reds = kids[kids.status == "red"].groupby("name").size().reindex(per_region.index,
                                                                      fill_value=0)
    assert reds.min() <= 3 and reds.max() >= 6  # some regions lead, some lag


def test_the_theme_primary_colour_is_not_a_red() -> None:
    config = tomllib.loads((ROOT / "dashboard" / ".streamlit" / "config.toml").read_text(
        encoding="utf-8"))
    for mode in ("light", "dark"):
        colour = config["theme"][mode]["primaryColor"].lstrip("#")
        r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (0, 2, 4))
        hue, _light, sat = colorsys.rgb_to_hls(r, g, b)
        assert sat < 0.4 or 0.1 < hue < 0.9, (mode, colour)  # grey-ish, or far from red
