"""Access control on the page: allowed scopes only, crafted links refused, no cache crossing.

The viewer's identity is never mocked: it reaches `dashboard.data.current_user` through `st.user`
(AppTest's OIDC claims) or through the trusted proxy header of the websocket handshake. Every
page is checked by its URL parameters and by tile values worked out by hand from the fixture
warehouse (tests/fixture_warehouse.py), so a page that shows company totals to a region leader
fails even though the company page also mentions the region's name.
"""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from streamlit.runtime import context as st_context
from streamlit.testing.v1 import AppTest

from dashboard import data
from queries import access, scorecard, targets
from queries import scope as sc
from tests import page
from tests.page import fixture_duckdb, heat_rows, run_as

POLICY = """
[users."ceo@example.com"]
company = true
[users."north@example.com"]
regions = ["N"]
[users."lakeside@example.com"]
locations = ["L1"]
"""
HEADER = "X-Forwarded-Email"

# Hand values, October 2026 (valid NPS answers only; response 6 scores 11 and is left out):
#   Company: 10, 9, 7, 3 (L1) + 10, 6 (L2) + 8 (L3): 3 promoters, 2 detractors of 7 -> 14.3
#   Region N: L1 + L2: 3 promoters, 2 detractors of 6 -> 100 / 6 = 16.7
#   Location L1: 10, 9, 7, 3: 2 promoters, 1 detractor of 4 -> 25
# Retention: company (180 + 95 + 40) / (200 + 100 + 50) = 90.0%; N 275 / 300 = 91.7%;
#   L1 180 / 200 = 90.0%.
# Survey responses (distinct ids): company 9 (ids 1-9), N 8 (ids 1-8), L1 6 (ids 1-6).
# A location's own tiles default to rolling 3 months (Aug-Oct): L1 adds September's 10 and 5
#   -> 3 promoters, 2 detractors of 6 -> 16.7; retention (180 + 170) / (200 + 200) = 87.5%;
#   responses ids 1-6 and 10-11 -> 8.
COMPANY = {"NPS": "14", "Retention": "90.0%", "Survey responses": "9"}
NORTH = {"NPS": "17", "Retention": "91.7%", "Survey responses": "8"}
LAKESIDE = {"NPS": "17", "Retention": "87.5%", "Survey responses": "8"}


@pytest.fixture
def env(tmp_path: Path, page_env: pytest.MonkeyPatch, write_toml) -> tuple[str, Path]:
    url = fixture_duckdb(tmp_path)
    policy = write_toml(POLICY)
    page_env.setenv("CX_WAREHOUSE_URL", url)
    page_env.setenv("CX_ACCESS_POLICY", str(policy))
    page_env.delenv("CX_TARGETS_FILE", raising=False)
    return url, policy


def url_params(at: AppTest) -> dict[str, str]:
    return {k: v[0] if isinstance(v, list) else v for k, v in at.query_params.items()}


def tiles(at: AppTest) -> dict[str, str]:
    """Short tile label -> shown value, read from the HTML tiles (tests/page.py `tiles`)."""
    out = {}
    for body in page.tiles(at):
        label = re.search(r'<span class="cx-label"[^>]*>([^<]*)</span>', body)
        value = re.search(r'<span class="cx-value[^"]*">([^<]*)</span>', body)
        assert label and value, body
        out[html.unescape(label.group(1))] = html.unescape(value.group(1))
    return out


def tile_status(at: AppTest, metric: str) -> str:
    """The status a tile carries (`data-status`, the same word its colour and text come from)."""
    found = [re.search(r'data-status="([^"]*)"', b).group(1)  # type: ignore[union-attr]
             for b in page.tiles(at) if f'data-metric="{metric}"' in b]
    assert len(found) == 1, found
    return found[0]


def league_names(at: AppTest) -> list[str]:
    """Names in the heat table (worst first), sorted: which children are listed, not their rank."""
    return sorted(name for _, name, _ in heat_rows(at))


def league_links(at: AppTest) -> dict[str, str]:
    """Row key -> the link its name drills down to."""
    return {key: link for key, _, link in heat_rows(at)}


def texts(at: AppTest) -> str:
    """Every word on the page: Markdown, captions, messages and the HTML elements' text
    (breadcrumb, verdict, tiles, heat table)."""
    words = [str(x.value) for x in [*at.markdown, *at.caption, *at.error, *at.warning]]
    words += [html.unescape(re.sub(r"<[^>]+>", " ", h.proto.body)) for h in at.get("html")]
    return " ".join(words)


def assert_tiles(at: AppTest, want: dict[str, str]) -> None:
    """The tiles' values; survey responses, which the header states instead of a tile."""
    got = tiles(at)
    tiled = {k: v for k, v in want.items() if k != "Survey responses"}
    assert {k: got.get(k) for k in tiled} == tiled
    n = want["Survey responses"]
    assert any(f"**{n}** response" in str(m.value) for m in at.markdown), n


def test_region_leader_lands_on_their_region_with_region_numbers(env) -> None:
    at = run_as("north@example.com")
    assert url_params(at) == {"region": "N", "month": "2026-10"}
    assert_tiles(at, NORTH)  # not the company's 14 / 90.0% / 9
    assert "North" in texts(at)
    assert league_names(at) == ["Lakeside", "Ridge"]  # North's locations; no Bayou, no South
    links = league_links(at)
    assert set(links) == {"L1", "L2"}
    assert all("region=N" in links[k] and f"location={k}" in links[k] for k in links), links
    assert "Company" not in [b.label for b in at.button]  # no way up to company totals


def test_region_leader_status_badge_by_hand(env) -> None:
    at = run_as("north@example.com")
    t = targets.load(targets.DEFAULT_FILE).for_metric("retention_rate", region="N", year=2026)
    # 275 / 300 = 91.67% against the target 91: 0.67 above it -> green. targets.toml sets
    # amber = 1 explicitly (the 5%-of-target default, 4.55, does not apply).
    gap = 27500 / 300 - t.value
    want = "amber" if -t.amber <= gap < 0 else "red" if gap < 0 else "green"
    assert t.value == 91 and t.amber == 1 and want == "green"
    assert tile_status(at, "retention_rate") == want


def test_location_leader_lands_on_their_location(env) -> None:
    at = run_as("lakeside@example.com")
    assert url_params(at) == {"region": "N", "location": "L1", "month": "2026-10"}
    assert_tiles(at, LAKESIDE)
    labels = [b.label for b in at.button]
    assert "North" not in labels and "Company" not in labels
    at = run_as("lakeside@example.com", location="L2")
    assert any("Not permitted" in e.value for e in at.error) and not tiles(at)


def test_company_user_sees_company_numbers(env) -> None:
    at = run_as("CEO@Example.com")  # claims are matched case-insensitively
    assert url_params(at) == {"month": "2026-10"}
    assert_tiles(at, COMPANY)
    assert league_names(at) == ["North", "South"]
    assert set(league_links(at)) == {"N", "S"}


def test_crafted_link_to_another_region_is_refused(env) -> None:
    for params in ({"region": "S"}, {"location": "L3"}, {"region": "S", "location": "L3"}):
        at = run_as("north@example.com", **params)
        assert any("Not permitted" in e.value for e in at.error), params
        assert not tiles(at) and not heat_rows(at), params  # no data at all
    # An inconsistent link (L3 is in S, not N) is corrected with a notice, never to L3's data.
    at = run_as("north@example.com", region="N", location="L3")
    if tiles(at):
        assert url_params(at) == {"region": "N", "month": "2026-10"}
        assert_tiles(at, NORTH)
    else:
        assert any("Not permitted" in e.value for e in at.error)


def test_user_not_in_policy_sees_only_a_message(env) -> None:
    for user in ("stranger@example.com", None):
        at = run_as(user)
        assert any("access list" in e.value for e in at.error)
        assert not tiles(at) and not heat_rows(at)


# --- identity through the trusted proxy header ---------------------------------------------


@pytest.fixture
def header_policy(env, monkeypatch: pytest.MonkeyPatch):
    """The policy names a trusted header; the handshake's headers come from `sent`."""
    _, policy = env
    policy.write_text(f'[settings]\nheader = "{HEADER}"\n' + POLICY)
    sent: list[tuple[str, str]] = []
    # AppTest has no websocket: stand in for the browser's handshake, the one part of Streamlit
    # it does not simulate. current_user and st.context.headers run unchanged.
    monkeypatch.setattr(st_context, "_get_client_context",
                        lambda: SimpleNamespace(headers=list(sent), cookies={}, remote_ip=None))
    return sent


def test_identity_from_trusted_header(header_policy) -> None:
    header_policy[:] = [(HEADER.lower(), " North@Example.com ")]
    at = run_as(None)  # not signed in through OIDC: the header alone names the user
    assert url_params(at) == {"region": "N", "month": "2026-10"}
    assert_tiles(at, NORTH)


def test_header_policy_ignores_oidc_login(header_policy) -> None:
    # The policy trusts the proxy: an OIDC claim must not stand in for a missing header.
    at = run_as("ceo@example.com")
    assert any("access list" in e.value for e in at.error) and not tiles(at)
    header_policy[:] = [(HEADER, "lakeside@example.com")]
    at = run_as("ceo@example.com")  # the header wins over the OIDC claim
    assert url_params(at) == {"region": "N", "location": "L1", "month": "2026-10"}
    assert_tiles(at, LAKESIDE)


# --- cached results ------------------------------------------------------------------------


def test_cached_results_never_cross_users(env) -> None:
    url, _ = env
    run_as("ceo@example.com")  # caches the company view under the CEO's rights
    eng = data.engine(url)
    north = access.load().allowed_for("north@example.com")
    ceo = access.load().allowed_for("ceo@example.com")
    month = date(2026, 10, 1)
    assert data.card(eng, url, sc.Scope(), month, ceo.key).has_data
    with pytest.raises(access.AccessDenied):
        data.card(eng, url, sc.Scope(), month, north.key)
    with pytest.raises(access.AccessDenied):
        data.card(eng, url, sc.Scope("S"), month, north.key)


def test_cache_is_shared_by_equal_rights_only(env, monkeypatch: pytest.MonkeyPatch) -> None:
    url, _ = env
    builds: list[tuple] = []
    real = scorecard.build

    def counting(engine, dims, scope, *args, **kwargs):
        builds.append((scope.region, scope.location))
        return real(engine, dims, scope, *args, **kwargs)

    monkeypatch.setattr(scorecard, "build", counting)
    eng, month = data.engine(url), date(2026, 10, 1)
    one = access.Allowed(regions=frozenset({"N"}), user="north@example.com")
    two = access.Allowed(regions=frozenset({"N"}), user="deputy@example.com")
    wider = access.Allowed(regions=frozenset({"N", "S"}), user="both@example.com")
    data.card(eng, url, sc.Scope("N"), month, one.key)
    data.card(eng, url, sc.Scope("N"), month, two.key)  # same rights: served from the cache
    assert builds == [("N", None)]
    data.card(eng, url, sc.Scope("N"), month, wider.key)  # other rights: computed again
    assert builds == [("N", None), ("N", None)]
