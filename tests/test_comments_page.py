"""What customers say on the page and in the printed pack: the section's label carries the
answer, the verdict names a theme that stands out, hostile comments are escaped text and masked
personal details never reach the page or the pack; a warehouse without comments shows nothing."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from pack import comments as pack_comments
from pack import optional
from queries import scope as sc
from queries import windows
from queries.access import EVERYTHING
from queries.sql.engine import make_engine
from queries.text import store
from tests import fixture_warehouse as fw
from tests.page import open_section, run_page, section

OCT = date(2026, 10, 1)
PHONE, EMAIL = "555-867-5309", "secret.person@example.com"
HOSTILE = [
    "<script>alert(1)</script><b>bold</b> waited forever",
    "**Markdown** [link](http://evil.example) waited 3 hours",
    "=HYPERLINK(\"http://evil.example\") the wait was terrible",
    "\u202eTRAP\u202c the wait was terrible, ring " + PHONE + " or " + EMAIL,
    "waiting " * 1200,
]


def _hostile_warehouse(folder: Path) -> str:
    """The fixture warehouse with hostile comments on October's detractors (responses 4, 8) and
    more detractor answers to hold them (response ids 20-24, L1, NPS 2)."""
    url = f"duckdb:///{folder / 'said.duckdb'}"
    extra = [(20 + i, "L1", date(2026, 10, 3 + i), 2, 3, 3, 3) for i in range(5)]
    rows = dict(fw.ROWS, survey_responses=[*fw.SURVEY, *extra],
                survey_comments=[(4, HOSTILE[0]), (8, HOSTILE[1]),
                                 *[(20 + i, HOSTILE[i % len(HOSTILE)]) for i in range(5)]])
    writer = sa.create_engine(url)
    fw.load(writer, rows)
    store.build(writer, today=date(2026, 11, 15))
    writer.dispose()
    return url


def _page_text(at) -> str:
    parts = [e.proto.body for e in at.get("html")] + [m.value for m in at.markdown]
    parts += [e.label for e in at.expander]
    return "\n".join(str(p) for p in parts)


def test_the_section_shows_escaped_masked_comments(page_env, tmp_path: Path):
    page_env.setenv("CX_WAREHOUSE_URL", _hostile_warehouse(tmp_path))
    at = run_page(month="2026-10")
    box = section(at, "What customers say")
    shown = box.label.replace("\\", "")  # the label is Markdown, its text escaped
    assert shown.startswith("What customers say: Company detractors: waiting 100%")
    at = open_section(at, "comments")
    text = _page_text(at)
    assert "cx-comments" in text
    assert "<script>" not in text and "<b>bold</b>" not in text
    shown = [h for h in HOSTILE[:4] if html.escape(h[:20]) in text]
    assert len(shown) >= 2, text[-3000:]  # typed markup and formulas shown as text
    assert PHONE not in text and EMAIL not in text and "[phone]" in text
    assert "TRAP" in text  # the bidi-wrapped word is there, as text
    # Drill into a theme: its comments, escaped and masked, and its share per region.
    at.selectbox(key="cx_comment_theme").select("wait_time").run()
    assert not at.exception
    drilled = _page_text(at)
    assert PHONE not in drilled and "<script>" not in drilled
    assert at.dataframe and "Naming the theme" in at.dataframe[-1].value.columns


def test_no_comments_table_no_section(page_env, tmp_path: Path):
    url = f"duckdb:///{tmp_path / 'plain.duckdb'}"
    writer = sa.create_engine(url)
    fw.load(writer)
    with writer.begin() as c:
        c.execute(sa.text("DROP TABLE survey_comments"))
    writer.dispose()
    page_env.setenv("CX_WAREHOUSE_URL", url)
    at = run_page(month="2026-10")
    assert not [e for e in at.expander if e.label.startswith("What customers say")]


def test_the_pack_prints_the_section_masked(tmp_path: Path):
    url = _hostile_warehouse(tmp_path)
    eng = make_engine(url)
    try:
        dims = sc.load_dims(eng)
        said = pack_comments.fetch(eng, dims, sc.Scope(), OCT, EVERYTHING)
        pooled = pack_comments.fetch(eng, dims, sc.Scope(), OCT, EVERYTHING,
                                     window=windows.parse("3m"))  # the pack's --window
        hooks = tuple(s for s in optional.SECTIONS if s.anchor == "comments")
        body = optional.fetch_all(eng, dims, sc.Scope(), OCT, EVERYTHING, hooks)
    finally:
        eng.dispose()
    assert said is not None and hooks
    assert pooled is not None and (said.fig.window.code, pooled.fig.window.code) == ("1m", "3m")
    out = pack_comments.render(said)
    assert "Company detractors: waiting 100%" in out
    assert "<script>" not in out and PHONE not in out and EMAIL not in out
    assert body["comments"] is not None


@pytest.mark.parametrize("region", ["MW"])
def test_the_demo_plants_are_found(tmp_path: Path, region: str):
    """Midwest's detractors' top theme is waiting; the hard-selling location's is pressure
    selling over 12 months (a 5% demo: sample_data/comments.py)."""
    from queries.text import figures
    from queries.windows import WINDOWS
    from sample_data.generate import generate
    from sample_data.load import build_demo

    url = f"duckdb:///{tmp_path / 'demo.duckdb'}"
    build_demo(url, scale=0.05, progress=False)
    writer = make_engine(url, read_only=False)
    store.build(writer)
    writer.dispose()
    truth = generate(0.05).truth["comments"]
    eng = make_engine(url)
    try:
        mw = figures.build(eng, sc.Scope(region=region), OCT, WINDOWS["12m"])
        hard = figures.build(eng, sc.Scope(location=truth["pressure_location"]), OCT,
                             WINDOWS["12m"], with_examples=False)
        company = figures.build(eng, sc.Scope(), OCT, WINDOWS["12m"], with_examples=False)
    finally:
        eng.dispose()
    assert mw.top(1)[0].id == truth["midwest_top_detractor_theme"] == "wait_time"
    assert mw.standout() is not None and mw.standout().id == "wait_time"
    # A 5% demo gives the hard seller a handful of detractor comments a year: pressure selling
    # is among its top two and three times the company's share.
    pressure = {t.id: t for t in hard.themes}["pressure_honesty"]
    assert "pressure_honesty" in [t.id for t in hard.top(2)]
    assert pressure.share >= 3 * {t.id: t for t in company.themes}["pressure_honesty"].share


def test_the_pack_and_the_digest_say_the_verdicts_theme_line(tmp_path: Path):
    """A theme that stands out (25 detractor comments, all about waiting) is named in the printed
    pack's verdict and in the digest's lines, in the page's words (verdict_sentence)."""
    from delivery import compose
    from pack import printed
    from presentation import comments as words
    from queries import targets
    from queries.text import figures as tf

    url = f"duckdb:///{tmp_path / 'loud.duckdb'}"
    extra = [(100 + i, "L1", date(2026, 10, 1 + i % 28), 2, 3, 3, 3) for i in range(25)]
    rows = dict(fw.ROWS, survey_responses=[*fw.SURVEY, *extra],
                survey_comments=[(100 + i, f"waited {2 + i % 3} hours, the wait was terrible")
                                 for i in range(25)])
    writer = sa.create_engine(url)
    fw.load(writer, rows)
    store.build(writer, today=date(2026, 11, 15))
    writer.dispose()
    eng = make_engine(url)
    try:
        dims = sc.load_dims(eng)
        p = printed.prepare(eng, dims, sc.Scope(), OCT, targets.load())
        fig = tf.build(eng, sc.Scope(), OCT, p.card.window)
    finally:
        eng.dispose()
    said = words.verdict_sentence(fig)
    assert said and "waiting" in said.lower(), said
    assert p.verdict.voice == said
    d = compose.Digest(sc.Scope(), p.card.scope_name, OCT, p.verdict, p.names,
                       p.card.responses, p.latest, p.targets_version, "http://x/")
    assert ("What customers say", [said]) in compose._lines(d)
