"""Data access for the page: one engine per process, results cached by the cache rule.

Every cached function takes the rule's key (dashboard/caches.py: warehouse key, the viewer's
rights as `allowed`, the view) as arguments, so all of it is part of the cache key; none reads
per-user state inside. The page never builds SQL: it calls the query layer.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from dashboard import builds, caches
from presentation.text import md as message_text
from queries import access, config, scorecard, targets, windows
from queries import scope as sc
from queries.ranking import worst_first
from queries.sql import aggregate

TTL_S = caches.TTL_S
PREPARING = "Preparing this view…"
# `access.Allowed.key`, (company, regions, locations): the viewer's rights as a hashable value,
# part of every cache key (the rights behind it: `access.Allowed.from_key`).
AllowedKey = tuple


def current_user(policy: access.Policy) -> str | None:
    """Who is looking: a trusted proxy header when the policy names one, else the OIDC login."""
    if policy.header:
        return access.user_from_header(st.context.headers.get_all(policy.header))
    try:
        if st.user.is_logged_in:
            return st.user.get("email") or st.user.get("sub")
    except Exception:  # noqa: BLE001 - no auth configured: anonymous
        return None
    return None


def viewer() -> access.Allowed:
    """The viewer's allowed scopes, read outside every cache (so never cached across users).

    Fails closed: an invalid policy or a doubled identity header shows one message (no
    traceback, no file path) and stops the page; the details go to the server log."""
    try:
        policy = access.load()
        if policy is None:
            return access.EVERYTHING
        return policy.allowed_for(current_user(policy))
    except access.PolicyError as exc:
        print(f"cx-scorecard: {exc}", file=sys.stderr)
        message = exc.without_path()  # the file's path: server log only
        st.error(f"**Nothing is shown: the scorecard's access policy is invalid.** "
                 f"{message_text(message, limit=None)} Ask the scorecard's owner to correct it.",
                 icon=":material/lock:")
        st.stop()
    except access.AccessDenied as exc:
        st.error(message_text(str(exc), limit=None), icon=":material/lock:")
        st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


@st.cache_resource(show_spinner=False)
def engine(url: str) -> Engine:
    """One read-only engine (and connection pool) per warehouse URL per process."""
    from queries.sql.engine import make_engine

    return make_engine(url)


def warehouse(_engine: Engine, url: str) -> caches.WarehouseKey:
    """The cache rule's warehouse part for `url` as of now (dashboard/caches.py)."""
    return caches.warehouse(_engine, url)


# Every cached function below takes the cache rule's key as arguments (dashboard/caches.py):
# the warehouse key (URL, DuckDB file identity, freshness token), then the viewer's rights and
# the view where the result depends on them. Bounded by entries and by time.
@st.cache_data(ttl=TTL_S, max_entries=8, show_spinner=False)
def _dims(_engine: Engine, wkey: caches.WarehouseKey) -> sc.Dims:
    return sc.load_dims(_engine)


def dims(_engine: Engine, url: str) -> sc.Dims:
    return _dims(_engine, warehouse(_engine, url))


@st.cache_data(ttl=TTL_S, max_entries=8, show_spinner=False)
def _freshness(_engine: Engine, wkey: caches.WarehouseKey) -> tuple[date | None, date | None]:
    return aggregate.freshness(_engine)


def freshness(_engine: Engine, url: str) -> tuple[date | None, date | None]:
    return _freshness(_engine, warehouse(_engine, url))


@st.cache_data(ttl=TTL_S, max_entries=caches.MAX_VIEWS, show_spinner=PREPARING)
def build_card(_engine: Engine, wkey: caches.WarehouseKey, allowed: AllowedKey,
               scope: sc.Scope, month: date, window: str = "") -> scorecard.Scorecard:
    """The whole page for one scope, month and window code ("": each level's default;
    scorecard.build does every number). The scope (a frozen dataclass), the month (a date) and
    the window code are cache key parts as they are."""
    access.check_scope(scope, allowed)
    d = _dims(_engine, wkey)
    latest = _freshness(_engine, wkey)[1]
    # The company map draws regions from the league rows, so only views below it need the
    # per-location map query. A miss waits for a build slot (dashboard/builds.py).
    return builds.GATE.run(("card", wkey, allowed, scope, month, window), lambda: (
        scorecard.build(_engine, d, scope, month, targets.load(), latest,
                        with_map=scope.region is not None,
                        window=windows.parse(window or None))))


@st.cache_data(ttl=TTL_S, max_entries=caches.MAX_VIEWS, show_spinner=False)
def build_ranked(_engine: Engine, wkey: caches.WarehouseKey, allowed: AllowedKey,
                 scope: sc.Scope, month: date, window: str = "") -> pd.DataFrame:
    """The view's children, worst first (`queries.ranking`): built once per key, then shared
    by the verdict, the heat table, the map and the warm-up on every rerun."""
    return worst_first(build_card(_engine, wkey, allowed, scope, month, window).children)


def card(_engine: Engine, url: str, scope: sc.Scope, month: date,
         allowed: AllowedKey, window: str = "") -> scorecard.Scorecard:
    """The view's scorecard. A miss shows "Preparing this view…" (the cache's own spinner, never
    on a hit); while every build slot is taken, the page also says the view waits its turn."""
    wkey = warehouse(_engine, url)
    if not builds.GATE.busy():
        return build_card(_engine, wkey, allowed, scope, month, window)
    with st.spinner(waiting(), show_time=True):  # shown past half a second only
        return build_card(_engine, wkey, allowed, scope, month, window)


def waiting() -> str:
    return (f"The server is preparing {builds.GATE.size} other views; this one waits its "
            "turn…")


def ranked(_engine: Engine, url: str, scope: sc.Scope, month: date,
           allowed: AllowedKey, window: str = "") -> pd.DataFrame:
    return build_ranked(_engine, warehouse(_engine, url), allowed, scope, month, window)


def demo_builder() -> Callable[..., dict[str, int]] | None:
    """The demo builder (tables and rollup) if the generator is installed, else None."""
    try:
        from sample_data.load import build_demo_with_rollup
    except ImportError:
        return None
    return build_demo_with_rollup


@st.cache_resource(show_spinner=False)
def build_demo_once(url: str, scale: float) -> bool:
    """Write the demo warehouse (and its rollup) once per process, even with many sessions."""
    build = demo_builder()
    if build is None:
        return False
    build(url, scale=scale, progress=False)
    return True


def demo_missing(target: config.WarehouseTarget) -> bool:
    return target.is_demo and not config.demo_path().exists()
