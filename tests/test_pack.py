"""The board pack: a real PDF with the page's numbers, plus the CSV helpers and the CLI command.

Tests that draw charts need Debian's Chromium (marked `browser`); they skip without it, and fail
under CI=true. Page images go to test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

import pack as pk
from cli import main as cli
from pack import charts, layout
from presentation import fmt, verdict
from queries import ranking, scorecard, targets, windows
from queries import scope as sc
from queries.registry import BY_NAME
from store.actions import ActionInput, ActionStore
from tests.artifacts import pdf_to_png
from tests.conftest import skip_or_fail
from tests.pack_fixtures import small_demo

OCT = date(2026, 10, 1)


def need_chromium() -> None:
    if charts.browser_path() is None:
        skip_or_fail("Debian Chromium not found at /usr/bin/chromium (apt-get install -y chromium)")


def tile(page: str, label: str) -> list[str]:
    """The text lines of one KPI tile on a scorecard page: [value, change, ...]."""
    m = re.search(rf"(?:On target|Near target|Off target|Low confidence|No data|No target|context)"
                  rf"{re.escape(label)}\n((?:.+\n){{5}})", page)
    assert m, f"no tile {label!r} in {page[:300]!r}"
    return m.group(1).splitlines()


def pages_text(path: Path) -> list[str]:
    return [p.extract_text() or "" for p in PdfReader(path).pages]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A small demo warehouse (5% of the full demo: every region and location, fewer answers)."""
    yield from small_demo(tmp_path_factory.mktemp("pack"))


@pytest.fixture
def actions_store(tmp_path):
    store = ActionStore(f"sqlite:///{tmp_path / 'actions.sqlite'}")
    yield store
    store.dispose()


@pytest.mark.browser
@pytest.mark.slow
def test_company_pack_has_a_page_per_region_and_the_page_numbers(demo, actions_store, tmp_path):
    need_chromium()
    eng, dims, month, latest = demo
    t = targets.load()
    region = str(dims.regions.region_id.iloc[0])
    # Both due this month or later: open, not overdue, at this month's review.
    actions_store.add(ActionInput(sc.Scope(region=region), "nps", "Ana Ruiz",
                                         "Close the loop on every detractor ± 48 h.", month),
                             month)
    actions_store.add(ActionInput(sc.Scope(), "enps", "Ben Okafor", "Pulse survey – all sites.",
                                  scorecard.add_months(month, 2)), month)
    seen: list[tuple[float, str]] = []
    out = pk.build_pack(eng, dims, sc.Scope(), month, t, actions_store,
                        out_path=tmp_path / "company.pdf",
                        progress=lambda f, s: seen.append((f, s)), latest_response=latest)
    reader = PdfReader(out)
    n_regions = len(dims.regions)
    # cover, scorecard, 13-month trends, league, regions
    assert len(reader.pages) == 1 + 1 + 1 + 1 + n_regions
    assert reader.metadata.title.startswith("CX Scorecard board pack: Company")
    text = pages_text(out)

    card = scorecard.build(eng, dims, sc.Scope(), month, t, latest, with_map=False)
    nps, m = card.metrics["nps"], BY_NAME["nps"]
    cover, page = text[0], text[1]
    assert month.strftime("%B %Y") in cover and f"{latest:%d %B %Y}" in cover
    assert f"version {t.version}" in cover
    assert f"{card.responses:,} in {month:%B}" in cover
    assert re.search(rf"Regions, worst first \({n_regions}\)\s*5–{4 + n_regions}", cover)
    # The verdict on the cover and on the scorecard page, as the page says it.
    v = verdict.build(card, None, [], [])
    assert verdict.headline(v).split(" · ")[0] in cover.replace("\n", " ")
    assert f"{v.counts['red']} off" in page
    # The NPS tile as the page shows it: value, margin, interval, n and target.
    assert tile(page, "NPS")[0] == fmt.value_text(m, nps.value)
    assert f"±{fmt.number(m, nps.moe)} · 95% interval {fmt.number(m, nps.interval[0])}–" \
           f"{fmt.number(m, nps.interval[1])}" in page
    assert f"{fmt.n_text(m, nps.n)} · {fmt.target_text(m, nps.target)}" in page
    assert len(reader.pages[2].images) == 5  # the five areas' 13-month charts
    for name in card.children.name.unique():
        assert name in text[3]
    assert "Close the loop on every detractor ± 48 h." in text[3]
    assert "Pulse survey – all sites." in text[3]
    assert "Overdue" not in text[3]  # due this month: still open at this review
    # Region pages in the league table's order: furthest behind first.
    for i, rid in enumerate(ranking.worst_first(card.children)["key"]):
        head = text[4 + i].splitlines()[0]
        assert head.startswith(f"{dims.region_name(rid)} region"), head
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    shots = pdf_to_png(out, "board-pack-company", 110, (1, 5))
    assert len(shots) in (0, 5) and all(p.stat().st_size > 20_000 for p in shots)


@pytest.mark.browser
@pytest.mark.slow
def test_region_pack_in_a_later_month_shows_overdue_actions(demo, actions_store, tmp_path):
    need_chromium()
    eng, dims, month, latest = demo
    region = str(dims.regions.region_id.iloc[0])
    loc = str(dims.locations[dims.locations.region_id == region].location_id.iloc[0])
    prev = scorecard.add_months(month, -1)
    actions_store.add(ActionInput(sc.Scope(region=region, location=loc), "retention_rate",
                                  "Chris Lee", "Win back lapsed service customers.", prev), prev)
    out = pk.build_pack(eng, dims, sc.Scope(region=region), month, targets.load(),
                        actions_store, out_path=tmp_path / "region.pdf")
    text = pages_text(out)
    assert len(text) >= 4
    assert text[1].startswith(f"{dims.region_name(region)} · {month:%B %Y}")
    rest = "\n".join(text[2:])
    assert "Overdue" in rest and "Chris Lee" in rest and dims.location_name(loc) in rest
    pdf_to_png(out, "board-pack-region", 110, (2, 4))


def test_pack_without_charts_on_the_fixture_warehouse(warehouse, tmp_path):
    """Hand-checked numbers (tests/fixture_warehouse.py), on DuckDB and PostgreSQL.

    Region North, October: L1 answers 10, 9, 7, 3 (11 is out of range, one skipped) and L2
    answers 10, 6: 3 promoters and 2 detractors of 6, NPS 100 * 1 / 6 = 16.7, shown "17";
    6 answers is below the minimum of 30, so the tile says low confidence, never a colour.
    """
    dims = sc.load_dims(warehouse)
    out = pk.build_pack(warehouse, dims, sc.Scope(region="N"), OCT, targets.load(),
                        out_path=tmp_path / "north.pdf", charts=False)
    text = pages_text(out)
    assert len(text) == 4  # cover, scorecard, trends, league of its locations
    page = text[1]
    assert page.startswith("North · October 2026")
    assert tile(page, "NPS")[0] == "17"
    assert "Low confidence: n = 6 (needs 30)" in page
    assert "target ≥ 47" in page  # the 2026 override in targets.toml
    assert "Lakeside" in text[3] and "Ridge" in text[3] and "Bayou" not in text[3]
    assert "Actions: not part of this pack." in text[3]
    # The region's locations are ranked on their default window, and the page says so
    assert "October 2026 · rolling 3 months" in text[3]
    # A pack on rolling 3 months says so beside the facts; its CSV rows carry the window.
    # North, Aug-Oct: Oct 10, 9, 7, 3, 10, 6 and Sep 10, 5, 9 -> 5 promoters, 3 detractors
    # of 9 -> 22.2, shown "22"
    out = pk.build_pack(warehouse, dims, sc.Scope(region="N"), OCT, targets.load(),
                        out_path=tmp_path / "north-3m.pdf", charts=False,
                        window=windows.WINDOWS["3m"])
    page = pages_text(out)[1]
    assert "rolling 3 months · " in page and tile(page, "NPS")[0].split()[0] == "22"
    card = scorecard.build(warehouse, dims, sc.Scope(region="N"), OCT, targets.load(),
                           with_map=False, window=windows.WINDOWS["3m"])
    assert set(pk.metrics_frame(card)["window"]) == {"3m"}


def test_company_pack_pages_on_the_fixture_warehouse(warehouse, tmp_path):
    dims = sc.load_dims(warehouse)
    data = pk.pack_bytes(warehouse, dims, sc.Scope(), OCT, targets.load(), [], charts=False)
    assert data.startswith(b"%PDF-")
    path = tmp_path / "c.pdf"
    path.write_bytes(data)
    text = pages_text(path)
    assert len(text) == 1 + 1 + 1 + 1 + 2
    assert "No open actions." in text[3]  # a line under the league, not a page
    card = scorecard.build(warehouse, dims, sc.Scope(), OCT, targets.load(), with_map=False)
    order = [dims.region_name(k) for k in ranking.worst_first(card.children)["key"]]
    assert sorted(order) == ["North", "South"]
    assert text[4].startswith(f"{order[0]} region") and text[5].startswith(f"{order[1]} region")
    assert tile(text[1], "NPS")[0] == "14"  # 100 * (3 - 2) / 7 = 14.3, shown "14"
    assert tile(text[1], "Retention")[0] == "90.0%"  # (180 + 95 + 40) / (200 + 100 + 50)


def test_no_chromium_is_a_clear_error_and_writes_nothing(warehouse, tmp_path, monkeypatch):
    monkeypatch.setattr(charts, "browser_path", lambda: None)
    dims = sc.load_dims(warehouse)
    with pytest.raises(pk.PackError, match="apt-get install -y chromium"):
        pk.build_pack(warehouse, dims, sc.Scope(), OCT, targets.load(),
                      out_path=tmp_path / "x.pdf")
    assert list(tmp_path.iterdir()) == []


def test_a_failure_while_writing_leaves_no_file(warehouse, tmp_path, monkeypatch):
    dims = sc.load_dims(warehouse)
    target = tmp_path / "keep.pdf"
    target.write_bytes(b"last month's pack")

    def boom(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr(layout.Pdf, "output", boom)
    with pytest.raises(OSError, match="disk full"):
        pk.build_pack(warehouse, dims, sc.Scope(), OCT, targets.load(), out_path=target,
                      charts=False)
    assert target.read_bytes() == b"last month's pack"  # the old file is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["keep.pdf"]  # and no temp file is left
    with pytest.raises(pk.PackError, match="does not exist"):
        pk.build_pack(warehouse, dims, sc.Scope(), OCT, targets.load(),
                      out_path=tmp_path / "no" / "x.pdf", charts=False)


def test_csv_helpers(warehouse):
    dims = sc.load_dims(warehouse)
    card = scorecard.build(warehouse, dims, sc.Scope(), OCT, targets.load(), with_map=False)
    data = pk.to_csv_bytes(pk.metrics_frame(card))
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with a BOM
    lines = data.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + len(card.metrics)
    nps = next(x for x in lines if x.split(",")[2] == "nps")
    assert ",14.29," in nps and ",49.58," in nps  # value and margin as the CLI's JSON
    league = pk.league_frame(card)
    # worst first: S is off target on 2 headlines (CX pay share, retention), N on 1 (eNPS)
    assert list(league.key) == ["S", "N"]
    assert {"nps", "nps_moe", "nps_status", "responses"} <= set(league.columns)
    assert league.set_index("key").loc["N", "responses"] == 8  # L1: ids 1-6 (6 twice); L2: 7, 8
    assert list(pk.movers_frame(card).columns)[:3] == ["key", "name", "metric"]
    trend = pk.trend_frame(card)
    assert len(trend) == scorecard.TREND_MONTHS * len(card.metrics)
    assert pk.csv_name("league", sc.Scope(region="N"), OCT) == "cx-scorecard_N_2026-10_league.csv"
    assert pk.pack_name(sc.Scope(), OCT) == "cx-scorecard_company_2026-10_board-pack.pdf"


def test_actions_frame(tmp_path):
    store = ActionStore(f"sqlite:///{tmp_path / 'a.sqlite'}")
    store.add(ActionInput(sc.Scope(region="N"), "nps", "Ana", "Do it.", OCT), OCT)
    df = pk.actions_frame(store.list(month=OCT), {"N": "North"})
    assert df.loc[0, ["status", "scope", "metric_label", "due_month"]].tolist() == [
        "open", "North", "Net Promoter Score", "2026-10"]
    store.dispose()


# --- the CLI ------------------------------------------------------------------------------------

def url_of(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


@pytest.mark.browser  # per commit: the one run of the pack with its charts (kaleido, Chromium)
def test_cli_pack_end_to_end(demo, tmp_path, capsys, monkeypatch):
    need_chromium()
    eng, dims, month, _ = demo
    monkeypatch.setenv("CX_ACTIONS_URL", f"sqlite:///{tmp_path / 'db' / 'a.sqlite'}")
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "pack.pdf"
    region = str(dims.regions.region_id.iloc[-1])
    code = cli.main(["pack", "--url", url_of(eng), "--month", f"{month:%Y-%m}",
                     "--region", region, "--out", str(out)])
    stdout, stderr = capsys.readouterr()
    assert code == 0, stderr
    assert f"Board pack written to {out}" in stdout
    assert "[100%] Board pack ready" in stderr
    assert len(PdfReader(out).pages) >= 3
    assert [p.name for p in out.parent.iterdir()] == ["pack.pdf"]  # no temporary file left


@pytest.mark.parametrize("args, words", [
    (["--month", "2026-13"], "YYYY-MM"),
    (["--month", "Oct"], "YYYY-MM"),
    (["--month", "2026-10", "--region", "ZZ"], "Unknown region 'ZZ'"),
])
def test_cli_pack_bad_input_exits_2_and_writes_nothing(warehouse, tmp_path, capsys, args, words):
    out = tmp_path / "pack.pdf"
    code = cli.main(["pack", "--url", url_of(warehouse), "--out", str(out), *args])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("error: ") and words in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_cli_pack_refuses_a_missing_folder_or_not_a_pdf(tmp_path, capsys):
    for out, words in ((tmp_path / "nope" / "p.pdf", "does not exist"),
                       (tmp_path / "p.txt", ".pdf")):
        code = cli.main(["pack", "--month", "2026-10", "--out", str(out),
                         "--url", "duckdb:///" + os.devnull])
        assert code == 2 and words in capsys.readouterr().err
