"""The page's layout in a real browser: a phone (390x844, touch, device scale 3) and the laptop
and desktop sizes. Nothing is cut, nothing overlaps, the page never scrolls sideways; on a phone
the verdict comes first and the areas stack, one or two tiles a row.

Uses the small demo warehouse and the server of tests/test_browser.py; screenshots go to
test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import pytest

from tests.test_browser import (  # noqa: F401 - fixtures shared with the page's browser tests
    LAUNCH_ARGS,
    SIZES,
    TILE,
    VERDICT,
    Offline,
    browser,
    server,
    shot,
    wait_ready,
    warehouse_url,
)

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}

# Every text in a tile, the verdict and the header that is cut (an ellipsis, or content wider or
# taller than its clipped box), and every pair of a tile's parts, of tiles, or of area headings
# whose boxes overlap; plus the page's and the heat table's widths.
FAULTS_JS = """() => {
  const faults = [];
  const clipped = el => {
    const s = getComputedStyle(el);
    const hides = ['hidden', 'clip'].includes(s.overflowX) || s.textOverflow === 'ellipsis';
    return hides && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1);
  };
  const texts = document.querySelectorAll(
    '.cx-tile *, .cx-verdict *, .cx-crumbs, .cx-area h5, .st-key-cx-header *');
  for (const el of texts) {
    if (el.children.length === 0 && el.textContent.trim() && clipped(el))
      faults.push('cut: ' + el.className + ' "' + el.textContent.trim() + '"');
  }
  const box = el => el.getBoundingClientRect();
  const meets = (a, b) => a.width > 0 && b.width > 0 && a.left < b.right - 1 &&
    b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1;
  const pairs = (els, what) => {
    for (let i = 0; i < els.length; i++) for (let j = i + 1; j < els.length; j++)
      if (meets(box(els[i]), box(els[j])))
        faults.push('overlap ' + what + ': ' + els[i].textContent.trim().slice(0, 30) +
                    ' / ' + els[j].textContent.trim().slice(0, 30));
  };
  pairs([...document.querySelectorAll('.cx-tile')], 'tiles');
  pairs([...document.querySelectorAll('.cx-area h5')], 'headings');
  for (const t of document.querySelectorAll('.cx-tile')) {
    const parts = [...t.querySelectorAll('.cx-label, .cx-status, .cx-value, .cx-spark, '
                                         + '.cx-open, .cx-chg, .cx-foot')];
    pairs(parts, 'in ' + t.dataset.metric);
    const outer = box(t);
    for (const p of parts) {
      const r = box(p);
      if (r.width && (r.left < outer.left - 1 || r.right > outer.right + 1 ||
                      r.bottom > outer.bottom + 1))
        faults.push('spills out of its tile: ' + t.dataset.metric + ' ' + p.className);
    }
  }
  const heat = document.querySelector('.cx-heat-box');
  return {faults, page: document.documentElement.scrollWidth,
          main: (el => el.scrollWidth - el.clientWidth)(
            document.querySelector('[data-testid="stMain"]')),
          heat: heat && {box: heat.getBoundingClientRect().right,
                         scrolls: heat.scrollWidth > heat.clientWidth}};
}"""


def _rows(pg) -> list[int]:
    """How many tiles sit on each row of the grid, top to bottom."""
    tops = pg.evaluate("() => [...document.querySelectorAll('.cx-tile')].map("
                       "t => Math.round(t.getBoundingClientRect().top))")
    return [tops.count(t) for t in sorted(set(tops))]


def _open(browser, server: str, size: dict, query: str = "", phone: bool = False):  # noqa: F811
    ctx = browser.new_context(viewport=size, device_scale_factor=3 if phone else 1,
                              has_touch=phone, is_mobile=phone)
    ctx.route("**/*", Offline(server))
    pg = ctx.new_page()
    pg.goto(f"{server}/{query}")
    wait_ready(pg)
    return ctx, pg


@pytest.mark.parametrize("query", ["", "?region=R1"])
def test_phone_tells_the_story_in_one_column(browser, server: str, query: str) -> None:  # noqa: F811
    ctx, pg = _open(browser, server, PHONE, query, phone=True)
    try:
        shot(pg, f"phone-{'company' if not query else 'region'}-390x844")
        # the first screen: where and when, then the verdict's counts, before any tile
        strip = pg.locator(VERDICT).bounding_box()
        assert strip is not None and strip["y"] < 844 * 0.35, strip
        head = " ".join(pg.locator(".cx-v-head").inner_text().split())
        assert "on target" in head and "near" in head and " off" in head, head
        first_tile = pg.locator(TILE).first.bounding_box()
        assert first_tile is not None and first_tile["y"] > strip["y"] + strip["height"]
        crumbs = pg.locator(".cx-crumbs").bounding_box()
        month = pg.locator(".st-key-month_select").bounding_box()
        assert crumbs and month and abs(crumbs["y"] - month["y"]) < 20, (crumbs, month)
        # the areas stack, full width, one or two tiles a row, each with its full name
        rows = _rows(pg)
        assert rows and max(rows) <= 2, rows
        areas = pg.evaluate("() => [...document.querySelectorAll('.cx-area')].map("
                            "a => Math.round(a.getBoundingClientRect().left))")
        assert len(set(areas)) == 1, areas
        found = pg.evaluate(FAULTS_JS)
        assert found["faults"] == [], found["faults"]
        assert found["page"] <= PHONE["width"] and found["main"] <= 0, found
        # the heat table scrolls sideways inside its own box, which fits the screen
        assert found["heat"]["scrolls"] and found["heat"]["box"] <= PHONE["width"], found
    finally:
        ctx.close()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s['width']}x{s['height']}")
def test_wide_screens_cut_nothing(browser, server: str, size: dict) -> None:  # noqa: F811
    """At 1440x900 and 1920x1080: every footnote (the change against last year included) is
    read in full, no tile or heading overlaps another, the grid has no blank cell (every row of
    tiles is full) and the page does not scroll sideways."""
    ctx, pg = _open(browser, server, size)
    try:
        found = pg.evaluate(FAULTS_JS)
        assert found["faults"] == [], found["faults"]
        assert found["page"] <= size["width"] and found["main"] <= 0, found
        rows = _rows(pg)
        assert rows == [6, 6], rows  # 12 tiles, two full rows
        menu = pg.locator('[data-testid="stHeader"]').bounding_box()
        crumbs = pg.locator(".cx-crumbs").bounding_box()
        assert menu and crumbs and crumbs["y"] >= menu["y"] + menu["height"], (menu, crumbs)
        # the menu's bar is opaque: scrolled content passes under a bar, not under a floating icon
        bg = pg.evaluate("() => getComputedStyle(document.querySelector("
                         "'[data-testid=\"stHeader\"]')).backgroundColor")
        assert bg not in ("transparent", "rgba(0, 0, 0, 0)"), bg
    finally:
        ctx.close()


@pytest.mark.parametrize("title", ["What moved since", "Map"])
def test_one_click_opens_and_one_click_closes_a_section(  # noqa: F811
        browser, server: str, title: str) -> None:  # noqa: F811
    from tests.test_browser import is_open, section, wait_idle

    ctx, pg = _open(browser, server, SIZES[0])
    try:
        summary = section(pg, title).locator("summary")
        summary.scroll_into_view_if_needed()
        summary.click()
        wait_idle(pg)
        assert is_open(pg, title)
        summary = section(pg, title).locator("summary")
        summary.click()  # one click closes it, and it stays closed after the rerun
        wait_idle(pg)
        assert not is_open(pg, title)
        summary = section(pg, title).locator("summary")
        summary.click()  # and one click opens it again
        wait_idle(pg)
        assert is_open(pg, title)
    finally:
        ctx.close()


def test_add_action_clears_the_form_and_a_second_click_adds_nothing(  # noqa: F811
        browser, server: str) -> None:  # noqa: F811
    """In the browser (AppTest cannot see it): after "Add action" the owner and text boxes are
    empty on screen, and clicking twice on the same action lists it once."""
    from tests.test_browser import open_section, wait_idle

    ctx, pg = _open(browser, server, SIZES[0])
    try:
        open_section(pg, "Actions, board pack and CSV")
        pg.get_by_text("Record an action").first.click()
        wait_idle(pg)
        owner = pg.locator('input[aria-label="Owner"]')
        text = pg.locator('textarea[aria-label="Action"]')
        owner.fill("Dana Cole")
        text.fill("Call every Midwest detractor within the week.")
        add = pg.get_by_role("button", name="Add action")
        add.click()
        add.click()  # the impatient second click, before the first rerun is drawn
        wait_idle(pg)
        assert owner.input_value() == ""
        assert text.input_value() == ""
        listed = pg.locator('[data-testid="stMarkdownContainer"]',
                            has_text="Call every Midwest detractor within the week.")
        assert listed.count() == 1, listed.all_inner_texts()
        # the verdict names the action's owner
        assert "Dana Cole" in pg.locator(VERDICT).inner_text()
    finally:
        ctx.close()
