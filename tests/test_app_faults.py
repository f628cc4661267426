"""Faults seen through the page: the scorecard keeps serving, with a clear message."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
import streamlit as st

from dashboard.panels import review
from tests import fixture_warehouse
from tests.page import fixture_duckdb, open_section, run_page, section, tiles


def test_actions_database_down_still_shows_the_scorecard(page_env, tmp_path):
    page_env.setenv("CX_WAREHOUSE_URL", fixture_duckdb(tmp_path))
    page_env.setenv("CX_ACTIONS_URL", "postgresql+psycopg://nobody@127.0.0.1:1/actions")
    at = run_page(month="2026-10")
    assert len(tiles(at)) == 12  # every tile is there (responses are stated by the header)
    # the closed actions section says so in its label; opened, the panel explains
    assert section(at, review.TITLE).label.endswith("actions are unavailable right now")
    open_section(at, review.SECTION_KEY)
    assert any("Actions are unavailable" in w.value for w in at.warning)


@pytest.mark.postgres
def test_warehouse_lost_mid_session_shows_a_banner_then_recovers(page_env, pg_databases, tmp_path):
    url = pg_databases.create()
    writer = sa.create_engine(url)
    fixture_warehouse.load(writer)
    writer.dispose()
    page_env.setenv("CX_WAREHOUSE_URL", url)
    page_env.setenv("CX_ACTIONS_URL", f"sqlite:///{tmp_path / 'actions.sqlite'}")
    assert len(tiles(run_page(month="2026-10"))) == 12
    name = url.rsplit("/", 1)[1]
    admin = sa.create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:  # the warehouse goes away under a running app
        c.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          f"WHERE datname = '{name}'")
        c.exec_driver_sql(f'ALTER DATABASE "{name}" RENAME TO "{name}_gone"')
    st.cache_data.clear()  # the next rerun after the cache's TTL
    at = run_page(month="2026-10")
    assert not tiles(at)
    assert any("unreachable" in e.value or "does not exist" in e.value for e in at.error)
    with admin.connect() as c:  # ... and comes back
        c.exec_driver_sql(f'ALTER DATABASE "{name}_gone" RENAME TO "{name}"')
    admin.dispose()
    st.cache_data.clear()
    assert len(tiles(run_page(month="2026-10"))) == 12


def test_warehouse_error_banner_shows_the_driver_text_as_text(page_env):
    """The banner quotes the URL and the driver's message: text from outside, never markup."""
    page_env.setenv("CX_WAREHOUSE_URL", "[click](http://evil.example) **bold**")  # unparseable
    at = run_page(month="2026-10")
    banner = next(e.value for e in at.error if "cannot read its warehouse" in e.value)
    assert "Could not parse" in banner
    assert "[click](" not in banner and "**bold**" not in banner
    assert r"\[click\]\(" in banner and r"\*\*bold\*\*" in banner
    assert not tiles(at)
