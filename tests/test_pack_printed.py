"""The board pack as the page printed (pack/printed.py, pack/document.py): the same tiles and calls
as the page for a view (one markup, two faces), a location's siblings, the optional sections'
hook, the charts drawn offline, every section in the contents with its page, no mostly-empty
page, warehouse strings as text, printed by Debian's Chromium."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from pack import document, optional, printed
from queries import scope as sc
from queries import targets, windows
from queries.access import EVERYTHING
from tests import fixture_warehouse as fw
from tests import hostile
from tests.artifacts import pdf_to_png
from tests.conftest import skip_or_fail
from tests.page import run_page, small_demo_url, tiles

OCT = date(2026, 10, 1)
TILE_CALL = re.compile(r'data-metric="([^"]+)" data-status="([^"]+)".*?class="cx-value[^"]*">'
                       r'([^<]*)<.*?<div class="cx-chg">(.*?)</div>', re.S)
PATH_LIKE = re.compile(r"(?:queries|docs|dashboard)/|\b\w+\.(?:toml|md|py)\b")


def need_chromium() -> None:
    try:
        printed.browser_path()
    except printed.PackError as exc:
        skip_or_fail(str(exc))


def _calls(markups: list[str]) -> dict[str, tuple[str, str, str]]:
    """Per tile: (status, value shown, change line as text)."""
    out = {}
    for m in markups:
        for name, status, value, chg in TILE_CALL.findall(m):
            out[name] = (status, value, re.sub(r"<[^>]+>", "", chg).strip())
    return out


def _warehouse(folder: Path, loader=fw.load) -> str:
    url = f"duckdb:///{folder / 'wh.duckdb'}"
    writer = sa.create_engine(url)
    loader(writer)
    writer.dispose()
    return url


def _content(url: str, scope: sc.Scope, analyses: bool = False,
             window: str | None = None) -> document.Printed:
    from queries.sql.engine import make_engine

    eng = make_engine(url)
    try:
        dims = sc.load_dims(eng)
        return printed._content(eng, dims, scope, OCT, targets.load(), (), None, None,
                                printed.Timing(), analyses, window=windows.parse(window))
    finally:
        eng.dispose()


@pytest.mark.parametrize("view", [{}, {"region": "N"}, {"region": "N", "window": "3m"}])
def test_the_pack_and_the_page_show_the_same_tiles_and_calls(page_env, tmp_path: Path,
                                                             view: dict) -> None:
    url = _warehouse(tmp_path)
    page_env.setenv("CX_WAREHOUSE_URL", url)
    at = run_page(month="2026-10", **view)
    page = _calls(tiles(at))
    doc = document.document(_content(url, sc.Scope(region=view.get("region")),
                                     window=view.get("window")))
    pack = _calls([doc])
    assert len(page) == 12 and page == pack
    if view.get("window"):  # North, Aug-Oct: 5 promoters, 3 detractors of 9 -> 22.2, "22"
        assert pack["nps"][1] == "22"
    # the verdict's counts, once, as on the page
    head = re.search(r'data-verdict="([^"]+)"', doc).group(1)
    verdicts = [h.proto.body for h in at.get("html") if 'class="cx-verdict"' in h.proto.body]
    assert f'data-verdict="{head}"' in verdicts[0]
    assert doc.count('class="cx-verdict"') == 1


def test_warehouse_strings_are_text_in_the_pack(tmp_path: Path) -> None:
    url = _warehouse(tmp_path, hostile.hostile_loader())
    doc = document.document(_content(url, sc.Scope()))
    assert hostile.BOLD not in doc and "&lt;b&gt;x&lt;/b&gt;" in doc
    assert hostile.STYLE not in doc
    # two scripts only, plotly.js and the drawing; a chart's data cannot close its script
    assert doc.lower().count("<script") == 2
    drawing = doc[doc.rindex("<script>"):]
    assert "<b>" not in drawing and "</span" not in drawing


def test_only_children_off_target_or_moved_are_listed(tmp_path: Path) -> None:
    url = _warehouse(tmp_path)
    p = _content(url, sc.Scope())
    kids = document.changed_or_off(p.card, p.ranked)
    # fixture, October: S is off target on CX-linked pay and retention; N on none
    assert dict(zip(p.ranked.key, p.ranked.off, strict=True)) == {"S": 2, "N": 0}
    assert list(kids.key) == ["S"] and not p.card.movers
    on_target = p.ranked.assign(off=0)
    assert document.changed_or_off(p.card, on_target).empty  # nobody off, nothing moved
    moved = replace(p.card, movers=[{"key": "N"}])  # N moved beyond the noise: listed
    assert list(document.changed_or_off(moved, on_target).key) == ["N"]
    assert list(document.changed_or_off(p.card, on_target, keep="N").key) == ["N"]


def test_a_location_pack_lists_its_siblings_with_itself_marked(tmp_path: Path) -> None:
    """As the page does at location level: the region's locations off target or moved, and
    this one (marked ▶) whatever its standing; a reader who may not see the region gets none."""
    url = _warehouse(tmp_path)
    p = _content(url, sc.Scope(region="N", location="L2"))
    shown = {a: (t, b) for a, t, b in document.sections(p)}
    title, body = shown["where"]
    assert title.startswith("Locations in North, furthest behind first")
    assert "▶ Ridge" in body and 'class="cx-h-cur"' in body and "(and this one)" in body
    alone = replace(p, parent=None)  # a location-only reader: no region figures
    assert "where" not in {a for a, _t, _b in document.sections(alone)}


def test_optional_sections_print_only_what_they_have(tmp_path: Path) -> None:
    """The hook for sections such as "What customers say": in the contents and in print
    order after the analyses when its fetch returns something; absent when it returns None;
    one line when it fails."""
    url = _warehouse(tmp_path)

    def boom(*_a, **_k):
        raise RuntimeError("no comments table")

    said = optional.Optional("said", "What customers say",
                             lambda *_a, window: ["<b>slow</b> service", window.label],
                             lambda data: f"<p>{html.escape(data[0])}, {data[1]}</p>")
    none = optional.Optional("none", "Nothing to say", lambda *_a, **_k: None, lambda _d: "x")
    broken = optional.Optional("broken", "Broken", boom, lambda _d: "x")
    carded = optional.Optional("carded", "Of the card",
                               lambda *_a, window, card: card.scope_name,
                               lambda name: f"<p>For {html.escape(name)}.</p>", with_card=True)
    hooks = (said, none, broken, carded)
    from queries.sql.engine import make_engine

    p = _content(url, sc.Scope())
    eng = make_engine(url)
    try:
        extras = optional.fetch_all(eng, sc.load_dims(eng), sc.Scope(), OCT, EVERYTHING,
                                    hooks, card=lambda: p.card,  # the pack's own scorecard
                                    window=windows.parse("3m"))  # the pack's --window
    finally:
        eng.dispose()
    p = replace(p, extras=extras, sections_on=hooks)
    anchors = [a for a, _t, _b in document.sections(p)]
    assert anchors[-4:] == ["analyses", "said", "broken", "carded"] and "none" not in anchors
    doc = document.document(p)
    assert f"&lt;b&gt;slow&lt;/b&gt; service, {windows.parse('3m').label}" in doc
    assert "Broken could not be read." in doc
    assert "For Company." in doc
    assert 'data-page-of="said"' in doc  # in the contents, its page filled in when printed


def test_the_shipped_plotly_bundle_is_the_version_plotly_carries() -> None:
    """pack/static/plotly-basic.min.js draws the page's figures (every one a scatter) in a
    seventh of the full bundle's parse time; a plotly upgrade must bring its basic bundle."""
    from plotly.offline import get_plotlyjs_version

    from pack import charts

    head = charts.BASIC.read_text(encoding="utf-8")[:200]
    assert f"plotly.js (basic - minified) v{get_plotlyjs_version()}\n" in head, head
    assert charts.plotly_js() is not charts.plotly_js(full=True)
    assert charts.basic('{"data": [{"type": "scatter"}, {"x": [1]}]}')
    assert not charts.basic('{"data": [{"type": "scattergeo"}]}')


@pytest.mark.browser
def test_the_charts_are_drawn_offline(tmp_path: Path) -> None:
    """Every chart placeholder of a standalone pack is drawn by the inline plotly.js with the
    network refused (no CDN, no topojson)."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    doc = document.document(_content(_warehouse(tmp_path), sc.Scope(), analyses=True))
    figs = doc.count('class="px-fig"')
    assert figs >= 12  # the twelve tiles' 13 months, and the analyses' charts
    asked: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=printed.browser_path(),
                                     args=printed.LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport=printed.VIEWPORT)
            page.route("**/*", lambda r: (asked.append(r.request.url), r.abort()))
            page.set_content(doc)
            page.wait_for_function("['ready', 'failed'].includes(document.body.dataset.charts)")
            assert page.evaluate("document.body.dataset.charts") == "ready"
            drawn = page.evaluate("document.querySelectorAll('.px-fig .main-svg').length")
        finally:
            browser.close()
    assert drawn >= figs and not [u for u in asked if not u.startswith(("data:", "about:"))]


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    return small_demo_url(tmp_path_factory.mktemp("printed"))


@pytest.mark.browser
@pytest.mark.parametrize("level", ["company", "region", "location"])
def test_printed_pack_pages(small_demo: str, tmp_path: Path, level: str) -> None:
    need_chromium()
    from pypdf import PdfReader

    from queries.sql.engine import make_engine

    eng = make_engine(small_demo)
    try:
        dims = sc.load_dims(eng)
        first = str(dims.locations[dims.locations.region_id == "MW"].location_id.iloc[0])
        scope = {"company": sc.Scope(), "region": sc.Scope(region="MW"),
                 "location": sc.Scope(region="MW", location=first)}[level]
        pdf = printed.build(eng, dims, scope, OCT, targets.load())
    finally:
        eng.dispose()
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    reader = PdfReader(path)
    pages = [" ".join(unicodedata.normalize("NFKC", pg.extract_text() or "").split())
             for pg in reader.pages]  # NFKC: the font's "ﬁ" ligature reads as "fi"
    assert 2 <= len(pages) <= 6, len(pages)
    # every section in the contents, with the page its heading is on
    titles = [t for _a, t, _b in document.sections(_content(small_demo, scope, analyses=True))]
    contents = pages[0][pages[0].index("Contents"):]
    for title in titles:
        m = re.search(re.escape(title) + r" (\d+)", contents)
        assert m, (title, contents[:400])
        assert title in pages[int(m.group(1)) - 1]
    assert pages[0].count("Verdict") == 2  # the contents' line and the section: once
    assert all(f"page {i + 1} of {len(pages)}" in text for i, text in enumerate(pages))
    assert not [m for text in pages for m in PATH_LIKE.findall(text)]  # no file paths
    # no mostly-empty page: ink reaches at least 40% down every page
    name = f"printed-pack-{level}"
    for png in pdf_to_png(path, name, 60):
        from PIL import Image

        grey = np.asarray(Image.open(png).convert("L"))
        rows = np.where((grey < 200).sum(axis=1) > 3)[0]
        body = rows[rows < grey.shape[0] * 0.93]  # the footer's page number aside
        assert body.size and body.max() > 0.4 * grey.shape[0], (png.name, body.max())


@pytest.mark.browser
def test_the_page_button_prints_the_page(page_env, tmp_path: Path) -> None:
    """The page's "Prepare board pack" prints this page (pack/printed.py) and offers it."""
    need_chromium()
    from dashboard.panels import review
    from tests.page import open_section

    page_env.setenv("CX_WAREHOUSE_URL", _warehouse(tmp_path))
    at = open_section(run_page(month="2026-10"), review.SECTION_KEY)
    (button,) = [b for b in at.button if b.label == "Prepare board pack (PDF)"]
    button.click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    downloads = [d for d in at.get("download_button")
                 if "Download board pack" in d.proto.label]
    assert len(downloads) == 1
    keys = [f"pack-None-None-2026-10-01-{w}" for w in ("", "1m", "3m", "12m", "ytd")]
    (got,) = [at.session_state[k] for k in keys if k in at.session_state]
    assert got.startswith(b"%PDF")
    import io

    from pypdf import PdfReader

    text = " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(got)).pages)
    assert "Contents" in text and "Verdict" in text and "page 1 of" in text


@pytest.mark.browser
def test_a_mostly_empty_last_page_is_printed_back_onto_the_pages_before() -> None:
    """`_fit_tail`: a document that spills a few lines onto a last page prints a little smaller
    and is a page shorter; one whose last page is well filled keeps its scale."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    line = "<p style='margin:0;font-size:15px;line-height:20px'>row {}</p>"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=printed.browser_path(),
                                     args=printed.LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport=printed.VIEWPORT)
            options = {"format": "A4", "landscape": True, "scale": printed.SCALE,
                       "margin": printed.MARGINS}
            got = {}
            for rows in (50, 75):  # ~1.03 and ~1.5 pages of lines at this scale
                page.set_content("".join(line.format(i) for i in range(rows)))
                first = page.pdf(**options)
                used, pdf = printed._fit_tail(page, options, first)
                got[rows] = (printed._pages_and_tail(first), printed._pages_and_tail(pdf),
                             used["scale"])
        finally:
            browser.close()
    (pages, tail), (pages_after, _), scale = got[50]
    assert pages == 2 and tail < printed.TAIL, got
    assert pages_after == 1 and scale < printed.SCALE, got
    (pages, tail), (pages_after, tail_after), scale = got[75]
    assert pages == pages_after == 2 and tail >= printed.TAIL and scale == printed.SCALE, got
    assert tail_after == tail
