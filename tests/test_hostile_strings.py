"""Hostile strings and hostile users: names and typed text stay text in the page's Markdown,
Plotly labels, CSV and the pack; the access policy, the identity header and CX_QUERY_TIMEOUT are
validated strictly. Warehouse-backed cases run on DuckDB and PostgreSQL."""

from __future__ import annotations

import html
import io
import os
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

import pack as pk
from presentation import fmt, text
from queries import access, scorecard, targets, windows
from queries import scope as sc
from queries.sql import engine
from store.actions import ActionInput, ActionStore
from tests.conftest import skip_or_fail
from tests.hostile import (
    BARE,
    BOLD,
    FORMULA,
    HOSTILE_LOCATIONS,
    IMAGE,
    LINK,
    hostile_loader,
)

OCT = date(2026, 10, 1)

# The escaping rules themselves ---
@pytest.mark.parametrize("raw", [IMAGE, BOLD, LINK, FORMULA, BARE, ":red[x]", "*a* _b_ `c`",
                                 "a | b", "# h", "<script>alert(1)</script>", "x\ny\rz\tw"])
def test_markdown_escape_leaves_no_active_syntax(raw):
    out = text.md(raw)
    unescaped = out.replace("\\\\", "")
    for ch in "[]()<>!*_`|#:":
        # every such character is preceded by a backslash: Markdown shows it as itself
        assert all(unescaped[i - 1] == "\\" for i, c in enumerate(unescaped) if c == ch), out
    assert "\n" not in out and "\r" not in out and "\t" not in out
    assert "http:" not in out and "http\\:" not in out and "www\\." not in out  # no bare URL
    assert out.replace(text.WORD_JOINER, "").replace("\\", "") == text.plain(raw)


def test_hover_text_is_entity_escaped():
    assert text.hover(BOLD) == "&lt;b&gt;x&lt;/b&gt;"
    assert text.hover('<a href="http://x">y</a>') == "&lt;a href=&quot;http://x&quot;&gt;y&lt;/a&gt;"


@pytest.mark.parametrize("raw, want", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), ("", ""), (3.5, 3.5), (None, None),
])
def test_csv_cells_follow_owasp(raw, want):
    assert text.csv_cell(raw) == want


def test_long_names_are_cut_with_an_ellipsis_when_loaded():
    assert sc.NAME_LIMIT == 80
    cut = sc.display_name("x" * 40_000)
    assert len(cut) == 80 and cut.endswith("…")
    assert sc.display_name("a\nb") == "a b"
    assert fmt.escape_md("ok") == "ok"


# Figures: no markup reaches Plotly ---
def test_figures_carry_escaped_names_only(make_warehouse):
    from presentation import figures

    eng = make_warehouse(loader=hostile_loader(), name="hostile_fig")
    dims = sc.load_dims(eng)
    card = scorecard.build(eng, dims, sc.Scope(), OCT, targets.load())
    from dashboard.panels import geo as geo_panel

    bubbles = figures.region_map(geo_panel.region_frame(card, dims))
    points = figures.location_map(card.map_points, None)
    for fig in (bubbles, points):
        blob = fig.to_json()
        for raw in ("<b>", "<a ", "<img"):
            assert raw not in blob
    # the region named <b>x</b>: its bubble's label and hover show the tags as text
    assert any("&lt;b&gt;x&lt;/b&gt;" in h for h in bubbles.data[0].hovertext)
    assert "&lt;b&gt;x&lt;/b&gt;" in list(bubbles.data[0].text)


# CSV exports ---
def test_csv_exports_neutralise_formulas_and_write_integer_counts(make_warehouse, tmp_path):
    eng = make_warehouse(loader=hostile_loader(), name="hostile_csv")
    dims = sc.load_dims(eng)
    # the month window: a region's locations default to rolling 3 months (Aug-Oct)
    card = scorecard.build(eng, dims, sc.Scope(region="N"), OCT, targets.load(),
                           window=windows.MONTH)
    league = pk.to_csv_bytes(pk.league_frame(card)).decode("utf-8-sig")
    rows = pd.read_csv(io.StringIO(league), dtype=str, keep_default_na=False)
    assert "'" + FORMULA in set(rows["name"])  # the cell shows as text in a spreadsheet
    assert LINK in set(rows["name"])  # CSV is plain text: shown as typed, nothing to run
    # L1 has 6 distinct October responses (ids 1-6), L2 two (7, 8): written "6", "2"
    assert dict(zip(rows["key"], rows["responses"], strict=True)) == {"L1": "6", "L2": "2"}
    metrics = pd.read_csv(io.StringIO(pk.to_csv_bytes(pk.metrics_frame(card))
                                      .decode("utf-8-sig")), dtype=str, keep_default_na=False)
    assert metrics.loc[metrics.metric == "responses", "n"].item() == "8"
    assert all("." not in v for v in metrics["excluded_rows"])
    store = ActionStore(f"sqlite:///{tmp_path / 'a.sqlite'}")
    a = store.add(ActionInput(sc.Scope(region="N"), "nps", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0",
                              date(2026, 12, 1)), date(2026, 11, 2))
    actions = pd.read_csv(io.StringIO(pk.to_csv_bytes(pk.actions_frame([a], {"N": IMAGE}))
                                      .decode("utf-8-sig")), dtype=str, keep_default_na=False)
    assert actions.loc[0, "owner"] == "'-2+3"
    assert actions.loc[0, "text"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert actions.loc[0, "id"] == str(a.id)
    store.dispose()


# The pack: long names, CJK and emoji ---
def _pack_doc(eng, scope: sc.Scope) -> str:
    """The printed pack's HTML of a view (pack/document.py; no Chromium needed)."""
    from pack import document, printed

    dims = sc.load_dims(eng)
    return document.document(printed._content(eng, dims, scope, OCT, targets.load(), (), None,
                                              None, printed.Timing(), False))


def test_a_40000_character_name_is_cut_in_the_pack(make_warehouse):
    long = "Ä" + "x" * 39_999
    eng = make_warehouse(loader=hostile_loader(locations=[
        ("L1", long, "N", 45.0, -93.0), *HOSTILE_LOCATIONS[1:]]), name="hostile_long")
    dims = sc.load_dims(eng)
    assert dims.location_name("L1") == "Ä" + "x" * 78 + "…"  # cut when loaded (80 characters)
    doc = _pack_doc(eng, sc.Scope(region="N"))
    assert "x" * 79 not in doc and "Äxxxx" in doc  # never the whole name
    assert html.escape(IMAGE) in doc and html.escape(FORMULA) in doc  # plain text, as typed


@pytest.mark.browser
def test_cjk_and_emoji_names_are_printed(make_warehouse, tmp_path):
    """Chromium draws a CJK name with the system's fonts (fonts-noto-cjk) and never drops a
    character it cannot draw silently: the PDF's text still has it."""
    from pack import printed

    try:
        printed.browser_path()
    except pk.PackError as exc:
        skip_or_fail(str(exc))
    eng = make_warehouse(loader=hostile_loader(regions=[("N", "東京 North 🦄"), ("S", "South")]),
                         name="hostile_cjk")
    data = printed.build(eng, sc.load_dims(eng), sc.Scope(region="N"), OCT, targets.load(),
                         analyses=False)
    pages = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)
    assert "東京" in pages.replace(" ", "").replace("\x00", "")  # pypdf puts NULs in CJK
    assert "North" in pages


# Access policy ---
@pytest.mark.parametrize("body, words", [
    ('[users."a@x"]\ncompany = "false"\n',
     'line 2: [users."a@x"] company: must be true or false'),
    ('[users."a@x"]\nregions = "SE"\n', 'line 2: [users."a@x"] regions: must be a list of ids'),
    ('[users."a@x"]\nlocations = [1, 2]\n', 'line 2: [users."a@x"] locations: must be a list'),
    ('[users."a@x"]\nregions = ["N"]\nregion = ["S"]\n',
     'line 3: [users."a@x"] region: unknown key'),
    ('[users."Ann@X.com"]\ncompany = true\n\n[users."ann@x.com "]\nregions = ["N"]\n',
     "line 4: [users] \"ann@x.com \": users 'Ann@X.com' and 'ann@x.com ' differ only in case"),
    ('[settings]\nheader = 5\n', "line 2: [settings] header: must be an HTTP header name"),
    ('[settings]\nheadr = "X-Email"\n', "line 2: [settings] headr: unknown key"),
    ('[user."a@x"]\ncompany = true\n', "line 1: [user]: unknown key"),
    ('users = "everyone"\n', "line 1: [users]: must be a table"),
])
def test_policy_is_validated_strictly_naming_the_line(write_toml, body, words):
    p = write_toml(body)
    with pytest.raises(access.PolicyError) as info:
        access.load(p)
    assert str(info.value).startswith(f"Access policy {p}, ")
    assert words in str(info.value)


def test_a_valid_policy_still_loads(write_toml):
    p = write_toml('[settings]\nheader = "X-Forwarded-Email"\n[users."A@x"]\ncompany = false\n'
                   'regions = ["SE", "N"]\n')
    pol = access.load(p)
    assert pol.header == "X-Forwarded-Email"
    assert pol.allowed_for("a@x").regions == frozenset({"SE", "N"})
    assert not pol.allowed_for("a@x").company


def test_identity_header_sent_twice_with_different_values_is_refused():
    assert access.user_from_header(["ceo@example.com"]) == "ceo@example.com"
    assert access.user_from_header(["a@x", "A@x "]) == "a@x"  # the same user twice is fine
    assert access.user_from_header([]) is None
    with pytest.raises(access.AccessDenied, match="more than once"):
        access.user_from_header(["north@example.com", "ceo@example.com"])


def test_page_fails_closed_on_a_bad_policy(tmp_path, monkeypatch, write_toml):
    import streamlit as st

    from tests.page import fixture_duckdb, run_page, tiles

    url = fixture_duckdb(tmp_path)
    p = write_toml('[users."ceo@example.com"]\ncompany = "false"\n', "secret-folder/policy.toml")
    monkeypatch.setenv("CX_WAREHOUSE_URL", url)
    monkeypatch.setenv("CX_ACCESS_POLICY", str(p))
    st.cache_data.clear()
    at = run_page()  # asserts: no exception shown
    shown = " ".join(str(e.value) for e in at.error)
    assert "access policy is invalid" in shown and "line 2" in shown
    assert "secret-folder" not in shown and "Traceback" not in shown
    assert not tiles(at)  # nothing of the scorecard
    p.unlink()  # unreadable policy: still closed, still no path
    at = run_page()
    shown = " ".join(str(e.value) for e in at.error)
    assert "access policy is invalid" in shown and "secret-folder" not in shown
    assert not tiles(at)
    st.cache_data.clear()


def test_page_refuses_a_doubled_identity_header(tmp_path, monkeypatch, write_toml):
    import streamlit as st

    from dashboard import data
    from tests.page import fixture_duckdb, run_page, tiles

    url = fixture_duckdb(tmp_path)
    p = write_toml('[settings]\nheader = "X-Forwarded-Email"\n[users."ceo@example.com"]\n'
                   'company = true\n[users."north@example.com"]\nregions = ["N"]\n')
    monkeypatch.setenv("CX_WAREHOUSE_URL", url)
    monkeypatch.setenv("CX_ACCESS_POLICY", str(p))

    class Headers:
        def get_all(self, name):
            assert name == "X-Forwarded-Email"
            return ["north@example.com", "ceo@example.com"]  # a proxy that appends

    monkeypatch.setattr(data.st, "context", type("C", (), {"headers": Headers()})())
    st.cache_data.clear()
    at = run_page()
    assert "sent more than once" in " ".join(str(e.value) for e in at.error)
    assert not tiles(at)
    st.cache_data.clear()


# CX_QUERY_TIMEOUT ---
@pytest.mark.parametrize("raw", ["0", "-1", "abc", "nan", "inf", "1e999", " "])
def test_query_timeout_must_be_a_positive_number(raw, monkeypatch):
    if raw.strip() == "":
        assert engine.parse_timeout(raw) == 30.0  # unset or blank: the default
        return
    with pytest.raises(engine.WarehouseError, match="must be a positive number of seconds"):
        engine.parse_timeout(raw)
    monkeypatch.setenv("CX_QUERY_TIMEOUT", raw)
    with pytest.raises(engine.WarehouseError, match="CX_QUERY_TIMEOUT"):
        engine.make_engine("duckdb:///:memory:")


def test_fractional_timeout_is_honoured(warehouse, monkeypatch):
    assert engine.parse_timeout("0.5") == 0.5
    monkeypatch.setenv("CX_QUERY_TIMEOUT", "0.5")
    url = warehouse.url.render_as_string(hide_password=False)
    eng = engine.make_engine(url)
    if eng.dialect.name == "postgresql":  # 0.5 s = 500 ms, never 0 (= no limit)
        with eng.connect() as c:
            assert c.execute(sa.text("SHOW statement_timeout")).scalar_one() == "500ms"
    else:
        with eng.connect() as c, pytest.raises(engine.WarehouseTimeout, match="0.5 s"):
            engine.execute(c, sa.text("SELECT sum((i * j) % 7) FROM range(1000000000) t(i), "
                                      "range(1000) u(j)"))
    eng.dispose()


def test_cli_reports_a_bad_timeout_in_one_line(warehouse, capsys, monkeypatch):
    from cli import main as cli

    monkeypatch.setenv("CX_QUERY_TIMEOUT", "abc")
    code = cli.main(["check", "--url", warehouse.url.render_as_string(hide_password=False)])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: CX_QUERY_TIMEOUT must be a positive number")
    assert "Traceback" not in err


def test_environment_is_clean():
    assert os.environ.get("CX_QUERY_TIMEOUT") in (None, "")  # tests above restored it
