"""The board pack as the page printed (pack/printed.py): the same tiles and calls as the page for a
view (one markup, two faces), every section in the contents with its page, no mostly-empty page,
warehouse strings as text, printed by Debian's Chromium."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from pack import printed
from queries import scope as sc
from queries import targets
from tests import fixture_warehouse as fw
from tests import hostile
from tests.artifacts import pdf_to_png
from tests.conftest import skip_or_fail
from tests.page import run_page, tiles

OCT = date(2026, 10, 1)
TILE_CALL = re.compile(r'data-metric="([^"]+)" data-status="([^"]+)".*?class="cx-value[^"]*">'
                       r'([^<]*)<.*?<div class="cx-chg">(.*?)</div>', re.S)


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


def _content(url: str, scope: sc.Scope, analyses: bool = False) -> printed.Printed:
    from queries.sql.engine import make_engine

    eng = make_engine(url)
    try:
        dims = sc.load_dims(eng)
        return printed._content(eng, dims, scope, OCT, targets.load(), (), None, None,
                                printed.Timing(), analyses)
    finally:
        eng.dispose()


@pytest.mark.parametrize("view", [{}, {"region": "N"}])
def test_the_pack_and_the_page_show_the_same_tiles_and_calls(page_env, tmp_path: Path,
                                                             view: dict) -> None:
    url = _warehouse(tmp_path)
    page_env.setenv("CX_WAREHOUSE_URL", url)
    at = run_page(month="2026-10", **view)
    page = _calls(tiles(at))
    doc = printed.document(_content(url, sc.Scope(region=view.get("region"))))
    pack = _calls([doc])
    assert len(page) == 12 and page == pack
    # the verdict's counts, once, as on the page
    head = re.search(r'data-verdict="([^"]+)"', doc).group(1)
    verdicts = [h.proto.body for h in at.get("html") if 'class="cx-verdict"' in h.proto.body]
    assert f'data-verdict="{head}"' in verdicts[0]
    assert doc.count('class="cx-verdict"') == 1


def test_warehouse_strings_are_text_in_the_pack(tmp_path: Path) -> None:
    url = _warehouse(tmp_path, hostile.hostile_loader())
    doc = printed.document(_content(url, sc.Scope()))
    assert hostile.BOLD not in doc and "&lt;b&gt;x&lt;/b&gt;" in doc
    assert hostile.STYLE not in doc and "<script" not in doc.lower()


def test_only_children_off_target_or_moved_are_listed(tmp_path: Path) -> None:
    url = _warehouse(tmp_path)
    p = _content(url, sc.Scope())
    kids = printed.changed_or_off(p.card, p.ranked)
    # fixture, October: S is off target on CX-linked pay and retention; N on none
    assert dict(zip(p.ranked.key, p.ranked.off, strict=True)) == {"S": 2, "N": 0}
    assert list(kids.key) == ["S"] and not p.card.movers
    on_target = p.ranked.assign(off=0)
    assert printed.changed_or_off(p.card, on_target).empty  # nobody off, nothing moved
    moved = replace(p.card, movers=[{"key": "N"}])  # N moved beyond the noise: listed
    assert list(printed.changed_or_off(moved, on_target).key) == ["N"]


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    from queries.sql import rollup
    from queries.sql.engine import make_engine
    from sample_data.load import build_demo

    url = f"duckdb:///{tmp_path_factory.mktemp('printed') / 'demo.duckdb'}"
    build_demo(url, scale=0.05, progress=False)
    writer = make_engine(url, read_only=False)
    rollup.build(writer)
    writer.dispose()
    return url


@pytest.mark.browser
@pytest.mark.parametrize("region", [None, "MW"])
def test_printed_pack_pages(small_demo: str, tmp_path: Path, region: str | None) -> None:
    if not Path(printed.CHROMIUM).exists():
        skip_or_fail(f"{printed.CHROMIUM} not found (apt-get install -y chromium)")
    from pypdf import PdfReader

    from queries.sql.engine import make_engine

    eng = make_engine(small_demo)
    try:
        pdf = printed.build(eng, sc.load_dims(eng), sc.Scope(region=region), OCT, targets.load())
    finally:
        eng.dispose()
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    reader = PdfReader(path)
    pages = [" ".join(unicodedata.normalize("NFKC", pg.extract_text() or "").split())
             for pg in reader.pages]  # NFKC: the font's "ﬁ" ligature reads as "fi"
    assert 1 <= len(pages) <= 4, len(pages)
    # every section in the contents, with the page its heading is on
    shown = printed.sections(_content(small_demo, sc.Scope(region=region)))
    titles = [t for _a, t, _b, _k in shown]
    contents = pages[0][pages[0].index("Contents"):]
    for title in titles:
        m = re.search(re.escape(title) + r" (\d+)", contents)
        assert m, (title, contents[:400])
        assert title in pages[int(m.group(1)) - 1]
    assert pages[0].count("Verdict") == 2  # the contents' line and the section: once
    assert all(f"page {i + 1} of {len(pages)}" in text for i, text in enumerate(pages))
    # no mostly-empty page: ink reaches at least 40% down every page
    name = f"printed-pack-{region or 'company'}"
    for png in pdf_to_png(path, name, 60):
        from PIL import Image

        grey = np.asarray(Image.open(png).convert("L"))
        rows = np.where((grey < 200).sum(axis=1) > 3)[0]
        body = rows[rows < grey.shape[0] * 0.93]  # the footer's page number aside
        assert body.size and body.max() > 0.4 * grey.shape[0], (png.name, body.max())


@pytest.mark.browser
def test_cli_printed_pack(tmp_path: Path, capsys) -> None:
    """`cx-scorecard pack --printed` writes the printed pack, and refuses a bad region with
    exit 2 and no file."""
    if not Path(printed.CHROMIUM).exists():
        skip_or_fail(f"{printed.CHROMIUM} not found (apt-get install -y chromium)")
    from cli import main as cli

    url = _warehouse(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    base = ["pack", "--url", url, "--month", "2026-10", "--printed",
            "--actions-url", f"sqlite:///{tmp_path / 'a.sqlite'}"]
    assert cli.main([*base, "--region", "ZZ", "--out", str(out / "bad.pdf")]) == 2
    assert "Unknown region 'ZZ'" in capsys.readouterr().err and list(out.iterdir()) == []
    assert cli.main([*base, "--out", str(out / "pack.pdf")]) == 0
    assert "Board pack (printed) written" in capsys.readouterr().out
    data = (out / "pack.pdf").read_bytes()
    assert data.startswith(b"%PDF") and [p.name for p in out.iterdir()] == ["pack.pdf"]


@pytest.mark.browser
def test_the_page_button_prints_the_page(page_env, tmp_path: Path) -> None:
    """The page's "Prepare board pack" prints this page (pack/printed.py) and offers it."""
    if not Path(printed.CHROMIUM).exists():
        skip_or_fail(f"{printed.CHROMIUM} not found (apt-get install -y chromium)")
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
