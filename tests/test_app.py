"""The page on the tiny fixture warehouse, through Streamlit's AppTest (no browser).

Every number a tile shows is compared with `scorecard.build` on the same warehouse, formatted the
way the page formats it, so the page can never drift from the query layer.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest

import pack
from dashboard import data, nav, state
from dashboard.panels import geo, movers, quality
from presentation import fmt
from presentation import tiles as tiles_mod
from queries import ranking, scorecard, targets
from queries import scope as sc
from queries.registry import BY_NAME, METRICS
from queries.sql.engine import make_engine
from tests import fixture_warehouse
from tests.page import APP, fixture_duckdb, heat_rows, open_section, run_page
from tests.page import tiles as page_tiles

OCT = date(2026, 10, 1)


@pytest.fixture
def fixture_url(tmp_path: Path, page_env: pytest.MonkeyPatch) -> str:
    """The hand-built warehouse as a DuckDB file, chosen through $CX_WAREHOUSE_URL."""
    url = fixture_duckdb(tmp_path)
    page_env.setenv("CX_WAREHOUSE_URL", url)
    return url


Run = Callable[..., AppTest]


@pytest.fixture
def run(fixture_url: str) -> Run:
    return run_page


def expected_card(url: str, region: str | None = None, location: str | None = None,
                  month: date = OCT) -> scorecard.Scorecard:
    eng = make_engine(url)
    try:
        dims = sc.load_dims(eng)
        return scorecard.build(eng, dims, sc.resolve(dims, region, location), month,
                               targets.load(), with_map=False)
    finally:
        eng.dispose()


TILE = re.compile(r'<div class="cx-tile[^"]*" data-metric="(?P<name>[^"]+)" '
                  r'data-status="(?P<status>[^"]+)".*?<span class="cx-label"[^>]*>'
                  r'(?P<label>[^<]*)</span>.*?<span class="cx-value(?P<faint>[^"]*)">'
                  r'(?P<value>[^<]*)</span>', re.S)


def tiles(at: AppTest) -> dict[str, tuple[str, str]]:
    """Short label -> (value as shown, the tile's whole markup)."""
    out = {}
    for body in page_tiles(at):  # each tile's own markup
        for mt in TILE.finditer(body):
            label = html.unescape(mt["label"]).removesuffix(":")
            out[label] = (html.unescape(mt["value"]), body)
    return out


def crumbs(at: AppTest) -> dict[str, tuple[str, str]]:
    """Breadcrumb links: the level they open -> (name shown, link)."""
    out = {}
    for h in at.get("html"):
        if 'class="cx-crumbs"' in h.proto.body:
            for href, level, name in re.findall(
                    r'<a href="([^"]*)"[^>]*data-level="([^"]*)"[^>]*>([^<]*)</a>', h.proto.body):
                out[level] = (html.unescape(name), html.unescape(href))
    return out


def tile_text(markup: str) -> str:
    """The words of a tile, without tags."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def shown(name: str, value: float | None) -> str:
    """The query layer's value written independently of the page: precision, then unit."""
    m = BY_NAME[name]
    if value is None:
        return "—"
    text = f"{value:,.{m.decimals}f}"
    return text + {"%": "%", "h": " h"}.get(m.unit, "")


def params(at: AppTest) -> dict[str, str]:
    return {k: at.query_params[k][0] if isinstance(at.query_params[k], list)
            else at.query_params[k] for k in at.query_params}


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def test_company_tiles_show_the_query_layer_numbers(run: Run, fixture_url: str) -> None:
    at = run()
    got = tiles(at)
    # Worked by hand in test_metrics: NPS 100 * (3 - 2) / 7 = 14.29; retention 315/350 = 90.0%.
    assert got["NPS"][0] == "14"
    assert got["Retention"][0] == "90.0%"
    assert got["Referral rate"][0] == "30.0%"
    card = expected_card(fixture_url)
    # every metric is a tile but survey responses, which the header states (no grid cell for it)
    on_grid = [m for m in METRICS if m.name not in tiles_mod.CONTEXT]
    assert {fmt.short_label(m.name) for m in on_grid} == set(got)
    assert f"**{card.responses:,}** responses" in texts(at.markdown)
    for m in on_grid:
        assert got[fmt.short_label(m.name)][0] == shown(m.name, card.metrics[m.name].value), m.name
    assert params(at) == {"month": "2026-10"}  # the default month is written into the URL
    # Five panel headings, in the story's order.
    grid = [h.proto.body for h in at.get("html") if 'class="cx-grid"' in h.proto.body]
    assert len(grid) == 1  # every area and tile in one element
    heads = [html.unescape(t) for t in re.findall(r"<h5>([^<]*)</h5>", grid[0])]
    assert heads == ["Leadership ownership", "Incentive alignment", "Culture", "Satisfaction",
                     "Loyalty & referral"]


def test_low_confidence_is_grey_with_n_never_red_or_green(run: Run) -> None:
    at = run()
    value, markup = tiles(at)["NPS"]
    assert value == "14"
    assert 'data-status="low_confidence"' in markup and 'class="cx-value cx-faint"' in markup
    assert "Low confidence" in tile_text(markup)
    assert "cx-s-red" not in markup and "cx-s-green" not in markup
    assert "low confidence, n = 7 (needs 30)" in tile_text(markup)


def test_steady_change_is_not_shown_as_a_rise_or_fall(run: Run) -> None:
    at = run()
    # Company retention 90.0% (315/350) vs 85.0% (170/200) in September: a census with one
    # month of history has no yardstick of its own noise (queries/census.py): shown, not judged.
    ret = tiles(at)["Retention"][1]
    assert "+5.0 pts (too little history to judge) vs Sep" in tile_text(ret)
    assert 'class="cx-delta cx-flat"' in ret  # grey
    assert "▲" not in tile_text(ret) and "▼" not in tile_text(ret)  # no arrow
    # A low-confidence value never claims a move at all: ACSI at n = 8.
    acsi = tiles(at)["ACSI-style index"][1]
    assert "(small sample) vs Sep" in tile_text(acsi)
    assert 'class="cx-delta cx-flat"' in acsi


def test_region_view(run: Run, fixture_url: str) -> None:
    at = run(region="N")
    card = expected_card(fixture_url, region="N")
    got = tiles(at)
    for m in METRICS:
        if m.name in tiles_mod.CONTEXT:
            continue
        assert got[fmt.short_label(m.name)][0] == shown(m.name, card.metrics[m.name].value), m.name
    assert got["NPS"][0] == "17"  # Lakeside and Ridge: 100 * (3 - 2) / 6
    names = [name for _, name, _ in heat_rows(at)]
    # Worst first, by the one ranking the pack and the CSV use too.
    assert names == list(ranking.worst_first(card.children)["name"])
    assert names == list(pack.league_frame(card)["name"])
    assert set(names) == {"Lakeside", "Ridge"}
    # Each name links to its own view, same month (the URL is the state).
    links = {key: href for key, _, href in heat_rows(at)}
    assert links["L1"] == "?region=N&location=L1&month=2026-10"
    assert params(at) == {"region": "N", "month": "2026-10"}
    assert crumbs(at) == {"company": ("Company", "?month=2026-10")}


def test_location_view_and_breadcrumb_back_up(run: Run, fixture_url: str) -> None:
    at = run(location="L1")
    card = expected_card(fixture_url, location="L1")
    got = tiles(at)
    # A location's own numbers default to rolling 3 months: Aug-Oct, L1 answered 10, 9, 7, 3
    # in October and 10, 5 in September -> (3 - 2) / 6 = 16.7
    assert got["NPS"][0] == shown("nps", card.metrics["nps"].value) == "17"
    assert params(at) == {"region": "N", "location": "L1", "month": "2026-10"}
    # The month alone, chosen in the link and kept in it: L1 October (2 - 1) / 4 = 25
    month_only = run(location="L1", window="1m")
    assert tiles(month_only)["NPS"][0] == "25"
    assert params(month_only) == {"region": "N", "location": "L1", "month": "2026-10",
                                  "window": "1m"}
    # The siblings table marks the current location.
    assert "▶ Lakeside" in [name for _, name, _ in heat_rows(at)]
    # The breadcrumb links back up, same month (a click opens its URL in place: browser test).
    links = crumbs(at)
    assert links == {"company": ("Company", "?month=2026-10"),
                     "region": ("North", "?region=N&month=2026-10")}
    up = run(region="N", month="2026-10")
    assert params(up) == {"region": "N", "month": "2026-10"}
    assert crumbs(up) == {"company": ("Company", "?month=2026-10")}
    assert not at.exception


def test_month_selector_writes_the_url(run: Run, fixture_url: str) -> None:
    at = run()
    at.selectbox(key="month_select").select(date(2026, 9, 1)).run()
    assert params(at) == {"month": "2026-09"}
    card = expected_card(fixture_url, month=date(2026, 9, 1))
    assert tiles(at)["NPS"][0] == shown("nps", card.metrics["nps"].value) == "33"


@pytest.mark.parametrize(("query", "words"), [
    ({"region": "XX"}, "Region “XX” is not in the warehouse"),
    ({"location": "L9"}, "Location “L9” is not in the warehouse"),
    ({"region": "N", "location": "L3"}, "Location “L3” is not in region “N”"),
    ({"region": "N' OR 1=1 --"}, "is not a valid region id"),
    ({"region": "x" * 5000}, "is not a valid region id"),
    ({"location": "<script>alert(1)</script>"}, "is not a valid location id"),
    ({"month": "2026-13"}, "is not a month"),
    ({"month": "Oct 2026"}, "is not a month"),
    ({"month": "2020-01"}, "There is no data for Jan 2020"),
    ({"month": "2031-01"}, "There is no data for Jan 2031"),
    ({"window": "2w"}, "“2w” is not a window: choose one of 1m (month), 3m (rolling 3 months)"),
])
def test_bad_links_fall_back_with_a_warning(run: Run, query: dict[str, str], words: str) -> None:
    at = run(**query)
    warning = texts(at.warning)
    assert words in warning, warning
    assert len(warning) < 400  # a very long value is cut, not echoed
    assert "<script>" not in warning
    assert tiles(at)["NPS"][0] == "14"  # company, October
    assert "region" not in params(at) and params(at)["month"] == "2026-10"


def geo_charts(at: AppTest) -> list[dict]:
    charts = [json.loads(e.proto.spec) | {"_config": json.loads(e.proto.config)}
              for e in at.get("plotly_chart")]
    return [c for c in charts if any(t.get("type") == "scattergeo" for t in c["data"])]


def test_map_opens_on_demand_with_regions_then_zooms_to_a_region(run: Run) -> None:
    at = run()
    assert geo_charts(at) == []  # closed: no map built
    (company,) = geo_charts(open_section(at, geo.SECTION_KEY))
    # Company level: one bubble per region with located locations (South's only location,
    # Bayou, has no coordinates), in the status palette.
    assert company["data"][0]["customdata"] == ["N"]
    assert set(company["data"][0]["marker"]["color"]) <= set(fmt.STATUS_COLOURS.values())
    (region,) = geo_charts(open_section(run(region="N"), geo.SECTION_KEY))
    # The region fills the map: Albers USA ignores fitbounds, so the map is centred on the
    # located locations' box (Lakeside 45N 93W, Ridge 44N 92W: centre 44.5N 92.5W) and scaled
    # so it fills 80% (a 1-degree box: min(58 / 1, 25 / 1) * 0.8 = 20).
    geo_ = region["layout"]["geo"]
    assert geo_["center"] == {"lat": 44.5, "lon": -92.5}
    assert geo_["projection"]["scale"] == 20
    assert {c[1] for c in region["data"][0]["customdata"]} == {"N"}
    # a region's bubble counts survey responses in those words, never as the NPS tile's n
    assert "survey responses" in company["data"][0]["hovertext"][0]
    assert "n = " not in company["data"][0]["hovertext"][0]


def test_map_is_drawn_from_the_served_base_map(run: Run) -> None:
    at = open_section(run(), geo.SECTION_KEY)
    charts = [json.loads(e.proto.spec) | {"_config": json.loads(e.proto.config)}
              for e in at.get("plotly_chart")]
    maps = [c for c in charts if any(t.get("type") == "scattergeo" for t in c["data"])]
    assert len(maps) == 1
    assert maps[0]["layout"]["geo"]["scope"] == "usa"
    assert maps[0]["_config"]["topojsonURL"].endswith("app/static/")
    assert (Path(APP).parent / "static" / "usa_110m.json").is_file()
    lats = maps[0]["data"][0]["lat"]
    assert len(lats if isinstance(lats, list) else lats["bdata"]) > 0


def array(v) -> list[float]:
    """A Plotly array from the figure JSON: a list, or a typed array in base64."""
    if isinstance(v, dict) and "bdata" in v:
        return [float(x) for x in np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"])]
    return [float("nan") if x is None else float(x) for x in v]


def test_nps_trend_band_ends_at_the_tile_interval(run: Run, fixture_url: str) -> None:
    at = run()
    assert at.get("plotly_chart") == []  # no chart on the page until one is asked for
    # The tile's chart button is markup; the page's click listener (a browser test clicks it)
    # puts the metric's name into the session, which opens its chart on that run.
    assert 'data-cx-chart="nps"' in tiles(at)["NPS"][1]
    at.session_state[nav.CHART_KEY] = "nps"
    at.run()
    specs = [json.loads(e.proto.spec) for e in at.get("plotly_chart")]
    traces = next(s["data"] for s in specs if s["data"][-1].get("name") == "NPS")
    upper, lower, line = traces[0], traces[1], traces[2]
    assert lower["fill"] == "tonexty"
    # October (the tile): 3 promoters, 2 detractors of 7 -> NPS 14.29; adjusted Wald n' 10,
    # p' .375, d' .275, SE sqrt(.64 / 10) = .25298 -> .1 -+ .49583 -> (-39.58, 59.58).
    assert array(line["y"])[-1] == pytest.approx(100 / 7)
    assert array(lower["y"])[-1] == pytest.approx(-39.5836, abs=1e-3)
    assert array(upper["y"])[-1] == pytest.approx(59.5836, abs=1e-3)
    # September: 10, 5 (L1) and 9 (L2): 2 promoters, 1 detractor of 3 -> NPS 33.33;
    # n' 6, p' 2.75/6 = .45833, d' 1.75/6 = .29167, var .75 - .02778 = .72222,
    # SE sqrt(.72222 / 6) = .34694, half .68000 -> (-51.33, 84.67).
    assert array(line["y"])[-2] == pytest.approx(100 / 3)
    assert array(lower["y"])[-2] == pytest.approx(-51.3332, abs=1e-3)
    assert array(upper["y"])[-2] == pytest.approx(84.6665, abs=1e-3)
    # The tile shows the same interval as the band's last month.
    assert expected_card(fixture_url).metrics["nps"].interval == pytest.approx(
        (array(lower["y"])[-1], array(upper["y"])[-1]))


def test_movers_and_data_quality_notes(run: Run) -> None:
    at = run()
    md = texts(at.markdown).replace("\\", "")  # names and sentences are Markdown-escaped
    # North's retention 91.7% vs 85.0% was a false alarm of the binomial model: a census with
    # one month of history is not judged (test_metrics), so nothing moved, and the rule is said.
    assert "Customer retention rose" not in md
    assert "values were left out" not in texts(at.caption)  # closed sections: nothing sent
    assert "No region moved beyond the noise" not in texts(at.caption)
    open_section(open_section(at, movers.SECTION_KEY), quality.SECTION_KEY)
    cap = texts(at.caption)
    assert "No region moved beyond the noise" in cap and "Benjamini-Hochberg" in cap
    # NPS left out: the out-of-range 11 and id 5's NULL answer (docs/cli.md)
    assert "values were left out" in cap and "NPS: 2 rows" in cap


def test_glossary_lists_every_metric(run: Run) -> None:
    at = run()
    at.button(key="glossary").click().run()  # the glossary opens in a dialog
    md = texts(at.markdown)
    for m in METRICS:
        assert m.label in md and m.formula in md


@pytest.mark.parametrize(("url", "words"), [
    ("duckdb:////nonexistent/dir/wh.duckdb", "DuckDB warehouse file not found"),
    ("postgresql+psycopg://cx@127.0.0.1:1/cx", "is unreachable"),
])
def test_down_warehouse_shows_a_banner(monkeypatch: pytest.MonkeyPatch, url: str,
                                       words: str) -> None:
    monkeypatch.setenv("CX_WAREHOUSE_URL", url)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    banner = texts(at.error)
    assert words in banner and "cx-scorecard check" in banner
    assert not at.metric


def test_warehouse_without_the_contract_shows_a_banner(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'empty.duckdb'}"
    eng = sa.create_engine(url)
    with eng.begin() as c:
        c.exec_driver_sql("create table unrelated (x integer)")
    eng.dispose()
    monkeypatch.setenv("CX_WAREHOUSE_URL", url)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert "cx-scorecard check" in texts(at.error)


def test_missing_demo_says_how_to_build_it(monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    monkeypatch.delenv("CX_WAREHOUSE_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no .streamlit/secrets.toml here
    monkeypatch.setenv("CX_DEMO_PATH", str(tmp_path / "demo.duckdb"))
    monkeypatch.setattr(data, "demo_builder", lambda: None)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert "cx-scorecard demo" in texts(at.info)


def test_missing_demo_is_built_on_first_run(monkeypatch: pytest.MonkeyPatch,
                                            tmp_path: Path) -> None:
    monkeypatch.delenv("CX_WAREHOUSE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CX_DEMO_PATH", str(tmp_path / "demo.duckdb"))
    built: list[str] = []

    def fake_build(url: str, scale: float = 1.0, progress: bool = True) -> dict[str, int]:
        built.append(url)
        writer = sa.create_engine(url)
        fixture_warehouse.load(writer)
        writer.dispose()
        return {}

    monkeypatch.setattr(data, "demo_builder", lambda: fake_build)
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert built == [f"duckdb:///{tmp_path / 'demo.duckdb'}"]
    assert tiles(at)["NPS"][0] == "14"
    st.cache_resource.clear()


# Pure helpers of the page (no AppTest): the words and the URL rules.


def test_steady_changes_read_as_noise_not_as_moves() -> None:
    nps, hours = BY_NAME["nps"], BY_NAME["listening_hours_per_leader"]
    assert fmt.delta_parts(nps, -3.2, "steady") == ("≈ -3 pts (within noise)", "off", "")
    # below NPS's smallest change that matters (registry min_change 1 point): "no change", not
    # "within noise"; |-0.2| < max(1.0, one displayed unit 1) -> immaterial
    assert fmt.delta_parts(nps, -0.2, "steady") == ("no change", "off", "")
    assert fmt.delta_parts(nps, 6.0, "rise") == ("+6 pts", "good", "▲")
    assert fmt.delta_parts(nps, -6.0, "fall") == ("-6 pts", "bad", "▼")
    # 'small' (called a move but immaterial): |0.4| < 1.0 -> "no change", grey, no arrow
    assert fmt.delta_parts(nps, 0.4, "small") == ("no change", "off", "")
    assert fmt.delta_parts(hours, 0.0, "steady") == ("no change", "off", "")
    assert fmt.delta_parts(nps, None, "n/a") == (None, "off", "")
    assert fmt.diff_text(BY_NAME["retention_rate"], 6.666) == "+6.7 pts"


def test_month_options_and_default() -> None:
    # Latest response on the last day of October: October is complete.
    assert state.default_month(date(2025, 10, 5), date(2026, 10, 31), date(2026, 11, 2)) == OCT
    # Mid-November: November is partial, October is the default, November still selectable.
    opts = state.month_options(date(2026, 9, 3), date(2026, 11, 14))
    assert opts == [date(2026, 11, 1), OCT, date(2026, 9, 1)]
    assert state.default_month(date(2026, 9, 3), date(2026, 11, 14), date(2026, 11, 14)) == OCT
    # Only a partial month of data: show it rather than nothing.
    assert state.default_month(date(2026, 11, 2), date(2026, 11, 14),
                               date(2026, 11, 14)) == date(2026, 11, 1)
    assert state.parse_month("2026-13") is None and state.parse_month("2026-1") is None
    assert state.parse_month(" 2026-02 ") == date(2026, 2, 1)


def test_user_text_is_inert_in_notices() -> None:
    text = state.shown("[click](javascript:alert(1)) :red[x] **b**")
    assert "[click]" not in text and ":red[" not in text and "**" not in text
    assert len(state.shown("x" * 5000)) < 60


def test_open_action_marks_its_tile_and_the_verdict_from_its_month_on(run: Run,
                                                                      tmp_path: Path) -> None:
    """An action recorded at the October review marks the NPS tile and the verdict in October
    and later, never in September (the month before it was recorded)."""
    from store.actions import ActionInput, ActionStore

    store = ActionStore(f"sqlite:///{tmp_path / 'actions.sqlite'}")  # the page's $CX_ACTIONS_URL
    store.add(ActionInput(sc.Scope(region="N"), "nps", "Ana Ruiz", "Call every detractor.",
                          date(2026, 11, 1), review_month=OCT), date(2026, 11, 16))
    store.dispose()
    at = run()
    nps = tiles(at)["NPS"][1]
    assert 'data-actions="1"' in nps and "⚑ 1 open action" in tile_text(nps)
    assert 'data-actions="0"' in tiles(at)["Retention"][1]
    strip = "\n".join(h.proto.body for h in at.get("html"))
    assert "0 overdue" in strip and "NPS · North · owner Ana Ruiz · due Nov 2026" in strip
    september = run(month="2026-09")
    assert 'data-actions="0"' in tiles(september)["NPS"][1]
    assert "no open actions for this view" in "\n".join(h.proto.body
                                                         for h in september.get("html"))
