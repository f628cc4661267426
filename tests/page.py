"""Shared helpers for the page tests: the app's path, one AppTest run, a fixture DuckDB file, the
small demo, opening a section."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from tests import fixture_warehouse

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")


def run_page(**params: str) -> AppTest:
    """Run the page once with these URL parameters; it must never show a traceback."""
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def fixture_duckdb(folder: Path) -> str:
    """The hand-built fixture warehouse as a DuckDB file in `folder`; returns its URL."""
    url = f"duckdb:///{folder / 'fixture.duckdb'}"
    writer = sa.create_engine(url)
    fixture_warehouse.load(writer)
    writer.dispose()
    return url


def small_demo_url(folder: Path) -> str:
    """5% of the demo (every region and location with real-length names, fewer answers) with
    its rollup, as a DuckDB file in `folder`: the warehouse the page's and the pack's tests of a
    realistic view read."""
    from queries.sql import rollup
    from queries.sql.engine import make_engine
    from sample_data.load import build_demo

    url = f"duckdb:///{folder / 'demo.duckdb'}"
    build_demo(url, scale=0.05, progress=False)
    writer = make_engine(url, read_only=False)
    rollup.build(writer)
    writer.dispose()
    return url


def open_section(at: AppTest, key: str) -> AppTest:
    """Open a lazy section (dashboard/panels/lazy.py) as a reader's click does, and rerun:
    AppTest has no expander to click, so its state is set by its key."""
    at.session_state[key] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def section(at: AppTest, title: str):
    """The one expander whose label starts with `title` (its answer follows the title)."""
    found = [e for e in at.expander if e.label.startswith(title)]
    assert len(found) == 1, [e.label for e in at.expander]
    return found[0]


def nodes(block) -> list:
    """Every element and block under `block` (each one a delta the browser must take in)."""
    out = []
    for child in getattr(block, "children", {}).values():
        out += [child, *nodes(child)]
    return out


def tiles(at: AppTest) -> list[str]:
    """The markup of every KPI tile on the page (presentation/tiles.py), in page order (an area's
    tiles share one HTML element: each tile is cut out at its own closing tag)."""
    return [t for h in at.get("html") for t in tile_markups(h.proto.body)]


def tile_markups(body: str) -> list[str]:
    """Each `<div class="cx-tile ...">...</div>` of one HTML element, nested divs included."""
    import re

    out = []
    for start in re.finditer(r'<div class="cx-tile[ "]', body):
        depth = 0
        for tag in re.finditer(r"<div\b[^>]*>|</div>", body[start.start():]):
            depth += -1 if tag.group().startswith("</") else 1
            if depth == 0:
                out.append(body[start.start():start.start() + tag.end()])
                break
    return out


def heat_rows(at: AppTest) -> list[tuple[str, str, str]]:
    """(key, shown name, link) of every row of the heat table, in page order."""
    import html
    import re

    rows = []
    for h in at.get("html"):
        if 'class="cx-heat"' not in h.proto.body:
            continue
        for key, href, name in re.findall(  # a child with no view ("(no region)"): no link
                r'<tr data-key="([^"]*)"[^>]*><td class="cx-h-name">(?:<a href="([^"]*)"[^>]*>)?'
                r"([^<]*)(?:</a>)?</td>", h.proto.body):
            rows.append((html.unescape(key), html.unescape(name), html.unescape(href)))
    return rows


def run_as(user: str | None, **params: str) -> AppTest:
    """The page as `user` signed in through OIDC (st.user), with these URL parameters."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.user = {"is_logged_in": True, "email": user} if user else {"is_logged_in": False}
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at
