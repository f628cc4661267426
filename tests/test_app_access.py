"""Access control on the page: allowed scopes only, crafted links refused, no cache crossing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import data
from queries import access
from tests.page import fixture_duckdb, heat_rows, run_page, tiles

POLICY = """
[users."ceo@example.com"]
company = true
[users."north@example.com"]
regions = ["N"]
[users."lakeside@example.com"]
locations = ["L1"]
"""


@pytest.fixture
def page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    url = fixture_duckdb(tmp_path)
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY)
    monkeypatch.setenv("CX_WAREHOUSE_URL", url)
    monkeypatch.setenv("CX_ACCESS_POLICY", str(policy))
    monkeypatch.setenv("CX_ACTIONS_URL", f"sqlite:///{tmp_path / 'actions.sqlite'}")
    st.cache_data.clear()
    st.cache_resource.clear()
    who: dict[str, str | None] = {"user": None}
    # The identity normally comes from st.user (OIDC) or a trusted proxy header.
    monkeypatch.setattr(data, "current_user", lambda policy: who["user"])

    def run(user: str | None, **params: str) -> AppTest:
        who["user"] = user
        return run_page(**params)

    yield run, url
    st.cache_data.clear()
    st.cache_resource.clear()


def texts(at: AppTest) -> str:
    return " ".join(str(x.value) for x in [*at.markdown, *at.caption, *at.error, *at.warning])


def test_region_leader_lands_on_their_region(page):
    run, _ = page
    at = run("north@example.com")
    assert tiles(at), "the North scorecard is shown"
    assert "North" in texts(at)
    assert "Company" not in [b.label for b in at.button]  # no way up to company totals


def test_crafted_link_to_another_region_is_refused(page):
    run, _ = page
    for params in ({"region": "S"}, {"location": "L3"}, {"region": "S", "location": "L3"}):
        at = run("north@example.com", **params)
        assert any("Not permitted" in e.value for e in at.error)
        assert not tiles(at) and not heat_rows(at)  # no data at all


def test_location_user_sees_only_their_location(page):
    run, _ = page
    at = run("lakeside@example.com")
    assert tiles(at)
    labels = [b.label for b in at.button]
    assert "North" not in labels and "Company" not in labels
    at = run("lakeside@example.com", location="L2")
    assert any("Not permitted" in e.value for e in at.error) and not tiles(at)


def test_user_not_in_policy_sees_only_a_message(page):
    run, _ = page
    for user in ("stranger@example.com", None):
        at = run(user)
        assert any("access list" in e.value for e in at.error)
        assert not tiles(at) and not heat_rows(at)


def test_company_user_sees_company(page):
    run, _ = page
    at = run("ceo@example.com")
    assert tiles(at) and heat_rows(at)  # tiles and the league table of regions


def test_cached_results_never_cross_users(page):
    run, url = page
    run("ceo@example.com")  # caches the company view under the CEO's rights
    eng = data.engine(url)
    north = access.load().allowed_for("north@example.com")
    ceo = access.load().allowed_for("ceo@example.com")
    month = date(2026, 10, 1).isoformat()
    assert data.card(eng, url, None, None, month, ceo.key).has_data
    with pytest.raises(access.AccessDenied):
        data.card(eng, url, None, None, month, north.key)
    with pytest.raises(access.AccessDenied):
        data.card(eng, url, "S", None, month, north.key)
