"""The board pack takes the viewer's rights and says what the page says to that viewer (issue 25,
item 2): a location-only user's pack printed "38th of 60 locations in Northeast; NPS 67 vs 49 for
the region" and the region's findings, which the page hides.

Both faces are read as a person reads them: the page through AppTest (every word it shows), the
pack through pypdf (its text), built by `cx-scorecard pack --as-user` and by the page's own pack
button (the page printed by Chromium, pack/printed.py). On DuckDB and PostgreSQL.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from cli import main as cli
from dashboard.panels import review
from pack import PackError, printed
from tests.conftest import skip_or_fail
from tests.page import APP, open_section
from tests.test_app_access import texts, tiles

POLICY = """
[users."two.locations@example.com"]
locations = ["L1", "L3"]
[users."north@example.com"]
regions = ["N"]
"""
LOCATION_USER, REGION_USER = "two.locations@example.com", "north@example.com"
# Region figures a location-only user must never read (fixture, October 2026): North's NPS is
# 3 promoters, 2 detractors of 6 = 17 (L1: 10, 9, 7, 3 -> 25; L2: 10, 6 -> 0): "NPS 25 vs 17
# for the region" on the tiles' month. Its place is on the verdict's rolling 12 months
# (Nov 2025 - Oct 2026): both have 2 headline metrics off, and L1's NPS (10, 9, 7, 3, 10, 5 ->
# 17) is below L2's (10, 6, 9 -> 33), so L1 is "The furthest behind of 2 locations in North
# over 12 months" (on the month alone L2, 2 off against none, was first and L1 "2nd of 2").
REGION_WORDS = ("for the region", "In its region", "locations in North", "In North:")


def _need_chromium() -> None:
    try:
        printed.browser_path()
    except PackError as exc:
        skip_or_fail(str(exc))


def _page(user: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.user = {"is_logged_in": True, "email": user}
    at.query_params["region"], at.query_params["location"] = "N", "L1"
    at.query_params["month"], at.query_params["window"] = "2026-10", "1m"  # the hand figures
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)


def _page_pack(at: AppTest) -> str:
    """The page's own button: open the meeting section, press it, read the PDF it made."""
    open_section(at, review.SECTION_KEY)
    key = "pack-N-L1-2026-10-01-1m"
    at.button(key=f"b-{key}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return _pdf_text(at.session_state[key])


def _cli_pack(url: str, policy: Path, user: str, out: Path, capsys) -> str:
    code = cli.main(["pack", "--url", url, "--policy", str(policy), "--as-user", user,
                     "--region", "N", "--location", "L1", "--month", "2026-10",
                     "--window", "1m", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    return _pdf_text(out.read_bytes())


@pytest.fixture
def site(make_warehouse, page_env, write_toml, monkeypatch):
    eng = make_warehouse()
    url = eng.url.render_as_string(hide_password=False)
    policy = write_toml(POLICY)
    page_env.setenv("CX_WAREHOUSE_URL", url)
    page_env.setenv("CX_ACCESS_POLICY", str(policy))
    page_env.delenv("CX_TARGETS_FILE", raising=False)
    _need_chromium()
    return url, policy


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.browser
def test_a_location_users_pack_shows_what_the_page_shows(site, tmp_path, capsys):
    url, policy = site
    at = _page(LOCATION_USER)
    page = _flat(texts(at))
    by_button = _flat(_page_pack(at))
    by_cli = _flat(_cli_pack(url, policy, LOCATION_USER, tmp_path / "cli.pdf", capsys))
    for face, text in (("page", page), ("button", by_button), ("cli", by_cli)):
        leaked = [w for w in REGION_WORDS if w in text]
        assert not leaked, (face, leaked)
    # What the page says, the pack says: the verdict's counts and off-target line, and every
    # tile's value (L1 by hand: NPS 25 from 10, 9, 7, 3; retention 180 / 200 = 90.0%).
    shown = tiles(at)
    assert shown["NPS"] == "25" and shown["Retention"] == "90.0%"
    counts = re.search(r"(\d+ of \d+ on target) (\d+ near) (\d+ off)", page)
    assert counts, page[:400]
    for text in (by_button, by_cli):
        assert all(c in text for c in counts.groups()), counts.groups()
        assert "Off target none" in page and "Off target none" in text
        missing = {k: v for k, v in shown.items() if v not in text}
        assert not missing, missing


@pytest.mark.browser
def test_a_region_users_pack_of_the_same_location_keeps_its_region_standing(site, tmp_path,
                                                                              capsys):
    """The contrast that shows the words above are the ones to look for: a user who may see
    North reads L1's place in it on the page and in both packs alike."""
    url, policy = site
    at = _page(REGION_USER)
    page = _flat(texts(at))
    standing = ("The furthest behind of 2 locations in North over 12 months; NPS 25 vs 17 "
                "for the region")
    assert standing in page
    assert standing in _flat(_page_pack(at))
    assert standing in _flat(_cli_pack(url, policy, REGION_USER, tmp_path / "n.pdf", capsys))
