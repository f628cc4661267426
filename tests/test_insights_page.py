"""The insight drill-downs on the page: figures from real results, and the panel through AppTest.

One small demo warehouse (scale 0.1) is built once for the module; its company and one region's
analyses feed the figure tests, and a tiny Streamlit script in tmp_path draws every panel's
drill-down through `dashboard.insights_data` (the cached entry the page uses), so the test sees
exactly the sentences the query layer wrote.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import plotly.graph_objects as go
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from presentation import figures as F
from queries import access, insights, targets
from queries import scope as sc
from queries.sql.engine import make_engine
from sample_data.load import build_demo

MONTH = date(2026, 10, 1)
URL_ENV = "CX_INSIGHTS_PAGE_TEST_URL"
EVERYONE = access.EVERYTHING.key
TITLES = ("Did NPS rise where leaders took ownership?", "Is CX pay paid for CX?",
          "Are the differences more than noise?", "Do happier customers stay and refer?",
          "Do engaged employees make happier customers?")


@dataclass
class Demo:
    url: str
    region: str
    location: str
    company: dict
    regional: dict


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    url = f"duckdb:///{tmp_path_factory.mktemp('insights_page') / 'demo.duckdb'}"
    build_demo(url, scale=0.1, progress=False)
    eng = make_engine(url)
    try:
        dims = sc.load_dims(eng)
        counts = dims.locations.region_id.value_counts()
        region = str(counts.index[0])  # the biggest region: the most locations to compare
        location = str(dims.locations.location_id[dims.locations.region_id == region].iloc[0])
        company = insights.analyses(eng, dims, sc.Scope(), MONTH, targets.load())
        regional = insights.analyses(eng, dims, sc.Scope(region), MONTH, targets.load())
    finally:
        eng.dispose()
    st.cache_data.clear()
    yield Demo(url, region, location, company, regional)
    st.cache_data.clear()
    st.cache_resource.clear()


def names(fig: go.Figure) -> list[str]:
    return [t.name for t in fig.data]


def points(fig: go.Figure, name: str) -> int:
    return sum(len(t.x) for t in fig.data if t.name == name)


# --- (a) figures ------------------------------------------------------------------------------


@pytest.mark.parametrize("level", ["company", "regional"])
def test_funnel_plot_marks_every_child_and_the_outliers(demo: Demo, level: str) -> None:
    f = getattr(demo, level)["funnel"]
    fig = F.funnel_plot(f)
    assert names(fig)[:3] == ["99.8% limits", "95% limits", f"{f.scope_name} {f.parent_nps:.0f}"]
    marked = {"within limits": sum(not p.outside_95 for p in f.points),
              "outside 95%": sum(p.outside_95 and not p.outlier for p in f.points),
              "outside 99.8%": len(f.outliers)}
    for name, k in marked.items():
        assert points(fig, name) == k, name
        assert (name in names(fig)) == (k > 0)  # an empty group draws no trace
    assert sum(marked.values()) == len(f.points)
    # Lower and upper limit in one trace, a gap between them: 2 x grid + 1 values.
    assert len(fig.data[0].x) == 2 * len(f.limits) + 1
    assert fig.layout.xaxis.type == "log"


@pytest.mark.parametrize("level", ["company", "regional"])
def test_fair_rank_chart_raw_to_fair_in_rank_order(demo: Demo, level: str) -> None:
    fr = getattr(demo, level)["fair_rank"]
    fig = F.fair_rank_chart(fr)
    assert names(fig) == ["pulled toward parent", "raw NPS", "fair NPS"]
    raw, fair = fig.data[1], fig.data[2]
    assert len(raw.x) == len(fair.x) == len(fr.rows) > 1
    assert [r.fair_rank for r in fr.rows] == sorted(r.fair_rank for r in fr.rows)
    assert list(fair.x) == pytest.approx([r.shrunk for r in fr.rows])
    assert list(raw.x) == pytest.approx([r.nps for r in fr.rows])
    assert list(fig.layout.yaxis.categoryarray) == list(fair.y)  # top row is fair rank 1
    assert fig.layout.yaxis.autorange == "reversed"


@pytest.mark.parametrize("key", ["leadership_owner", "leadership_listening"])
def test_event_study_treated_vs_comparison_with_effect(demo: Demo, key: str) -> None:
    le = demo.company[key]
    fig = F.event_study_chart(le)
    assert names(fig)[0] == "comparison" and len(fig.data) == 2
    assert list(fig.data[0].x) == list(range(-6, 7)) == list(fig.data[1].x)
    assert list(fig.data[1].y) == [p.treated_nps for p in le.event_study]
    e = le.horizon(6)
    text = fig.layout.annotations[0].text
    assert text == F.effect_text(le)
    if e.low is None:  # listening net of the owner event: fewer adopters than the minimum
        assert text == "too few locations to estimate"
    else:
        assert f"{e.effect:+.1f}" in text and f"{e.low:+.1f}" in text


def test_payout_alignment_over_time_with_target(demo: Demo) -> None:
    pa = demo.company["payout_alignment"]
    fig = F.payout_alignment_chart(pa)
    assert len(fig.data) == 1 and len(fig.data[0].x) == len(pa.series) == 24
    assert fig.data[0].y[-1] == pytest.approx(pa.series[-1].payout_alignment)
    assert pa.target is not None
    assert [s.y0 for s in fig.layout.shapes] == [pa.target]
    assert fig.layout.annotations[0].text == f"target {pa.target:.0f}%"


@pytest.mark.parametrize("level", ["company", "regional"])
def test_pay_scatter_highlights_flagged_locations(demo: Demo, level: str) -> None:
    pv = getattr(demo, level)["pay_vs_improvement"]
    fig = F.pay_scatter(pv)
    usable = [p for p in pv.points if p.pay_per_employee is not None and p.change is not None]
    regardless = sum(p.flagged_regardless for p in usable)
    paid = sum(p.flagged and not p.flagged_regardless for p in usable)
    assert regardless > 0  # the demo plants locations paid regardless of results
    assert points(fig, "paid regardless, not improved") == regardless
    assert points(fig, "paid for CX, not improved") == paid
    assert points(fig, "other locations") == len(usable) - regardless - paid


def test_loyalty_chart_bins_and_fit_per_outcome(demo: Demo) -> None:
    sl = demo.company["satisfaction_loyalty"]
    fig = F.loyalty_chart(sl)
    assert names(fig) == ["retention (binned)", "retention fit", "referral share (binned)",
                          "referral share fit"]
    for i, link in enumerate(sl.links):
        bins, fit = fig.data[2 * i], fig.data[2 * i + 1]
        assert len(bins.x) == len(link.bins) == 10
        slope = (fit.y[1] - fit.y[0]) / (fit.x[1] - fit.x[0])
        assert 10 * slope == pytest.approx(link.within.slope_per_10)  # the one estimate quoted
        assert fit.line.color == F.GOOD  # planted: higher NPS, more loyalty


# --- (b) the panel through AppTest ---------------------------------------------------------

SCRIPT = textwrap.dedent("""
    import os
    from datetime import date

    import streamlit as st

    from dashboard import data, insights_data
    from dashboard.panels import insights as panel
    from queries import access
    from queries.insights import NotAvailable
    from queries.registry import PANELS
    from queries.scope import Scope

    url = os.environ["{env}"]
    q = st.query_params
    region, location, mode = q.get("region"), q.get("location"), q.get("mode", "eager")
    allowed = access.EVERYTHING.key
    eng = data.engine(url)

    def compute():
        st.session_state["calls"] = st.session_state.get("calls", 0) + 1
        return insights_data.analyses(eng, url, Scope(region, location), date(2026, 10, 1),
                                      allowed)

    if mode == "lazy":
        for p in PANELS:
            panel.draw(p, compute, {{}})
    elif mode == "broken":
        class Boom:
            sentence = "boom"

        results = {{"fair_rank": NotAvailable("fair_rank", "Nothing to rank here."),
                    "funnel": RuntimeError("the funnel query timed out"),
                    "leadership_owner": Boom()}}
        for p in PANELS:
            panel.draw(p, results, {{}})
        panel.draw("loyalty", None, {{}})
        panel.draw("satisfaction", TimeoutError("statement timeout"), {{}})
        panel.draw("leadership", lambda: 1 / 0, {{}}, expanded=True)
    else:
        try:
            results = compute()
        except Exception as exc:
            results = None
            st.info(f"Insights unavailable: {{exc}}")
        for p in PANELS:
            panel.draw(p, results, {{}})
""").format(env=URL_ENV)


@pytest.fixture
def app(demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "insights_app.py"
    path.write_text(SCRIPT, encoding="utf-8")
    monkeypatch.setenv(URL_ENV, demo.url)

    def _run(**params: str) -> AppTest:
        at = AppTest.from_file(str(path), default_timeout=60)
        for k, v in params.items():
            at.query_params[k] = v
        return at

    return _run


def shown(at: AppTest) -> str:
    """Every Markdown and caption body, escapes undone (the panel escapes warehouse names)."""
    return "\n".join(str(e.value) for e in [*at.markdown, *at.caption]).replace("\\", "")


@pytest.mark.parametrize("level", ["company", "regional"])
def test_every_panel_shows_its_sentences(app, demo: Demo, level: str) -> None:
    at = app(region=demo.region) if level == "regional" else app()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    results = getattr(demo, level)
    text = shown(at)
    for key in insights.ANALYSES:
        assert results[key].sentence in text, key
    assert sorted(e.label for e in at.expander) == sorted(TITLES)  # culture has its own now
    assert not at.info  # nothing failed
    # Charts: owner, listening, alignment, pay, fair rank, funnel, loyalty, culture.
    assert len(at.get("plotly_chart")) == 8
    if level == "regional":  # a region's month-on-month rises include small samples
        small = any(r.small_sample_warning for r in results["most_improved"].vs_previous.rows
                    if r.direction in ("rise", "fall"))
        assert small == any("regression to the mean" in w.value for w in at.warning)


def test_location_scope_shows_reasons_not_errors(app, demo: Demo) -> None:
    at = app(region=demo.region, location=demo.location)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    captions = "\n".join(c.value for c in at.caption).replace("\\", "")
    assert "open its region" in captions and "needs several locations" in captions
    assert "of CX-linked pay went where" in shown(at)  # alignment still applies to one location
    assert not at.info


def test_missing_failed_and_broken_results_degrade_to_notes(app) -> None:
    at = app(mode="broken")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    notes = "\n".join(i.value for i in at.info).replace("\\", "")
    assert "the funnel query timed out" in notes  # an analysis that raised upstream
    assert "Executive owner could not be shown" in notes  # drawing it failed
    assert "Payout alignment: no result" in notes  # missing from the results
    assert "not available for this view" in notes  # no results at all
    assert "could not be computed: division by zero" in notes  # the callable raised
    assert "could not be computed: statement timeout" in notes  # the caller passed its error
    assert "Nothing to rank here." in shown(at)  # NotAvailable: its reason as a caption


def test_lazy_sections_compute_only_when_opened(app, demo: Demo) -> None:
    at = app(mode="lazy")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "calls" not in at.session_state  # closed sections never ask for the analyses
    assert demo.company["leadership_owner"].sentence not in shown(at)
    at.session_state["insights-leadership"] = True  # the viewer opens one section
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["calls"] == 1
    text = shown(at)
    assert demo.company["leadership_owner"].sentence in text
    assert demo.company["funnel"].sentence not in text  # still closed: not drawn


def test_insights_refuse_a_scope_outside_the_viewer_rights() -> None:
    only_west = access.Allowed(regions=frozenset({"W"})).key
    access.check_scope(sc.Scope("W"), only_west)
    access.check_scope(sc.Scope(), EVERYONE)
    with pytest.raises(access.AccessDenied):
        access.check_scope(sc.Scope("NE"), only_west)
    with pytest.raises(access.AccessDenied):
        access.check_scope(sc.Scope(), only_west)
    # The old "all" bypass is gone; as a string it would unpack into company rights ('a' is true).
    for bad in ("all", "abc", None, [True, (), ()]):
        with pytest.raises(TypeError):
            access.check_scope(sc.Scope(), bad)

