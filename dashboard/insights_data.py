"""Cached insight analyses for the page, keyed by the cache rule (dashboard/caches.py).

The analyses (queries/insights/) cost a few seconds for the company, so they are cached like the
scorecard: per warehouse key (URL, DuckDB file identity, freshness token), viewer rights and view.
Nothing per-user is read inside: one viewer's insights can never be served to another.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st
from sqlalchemy.engine import Engine

from dashboard import builds, caches, data
from queries import access, insights, targets
from queries import scope as sc

TTL_S = data.TTL_S
SPINNER = "Testing what moves the numbers…"


def analyses(_engine: Engine, url: str, scope: sc.Scope, month: date,
             allowed: data.AllowedKey) -> dict[str, Any]:
    """Every insight for one scope and month (dict keyed like `queries.insights.ANALYSES`)."""
    return build(_engine, data.warehouse(_engine, url), allowed, scope, month)


@st.cache_data(ttl=TTL_S, show_spinner=SPINNER, max_entries=64)
def build(_engine: Engine, wkey: caches.WarehouseKey, allowed: data.AllowedKey,
          scope: sc.Scope, month: date) -> dict[str, Any]:
    access.check_scope(scope, allowed)
    dims = data._dims(_engine, wkey)  # noqa: SLF001 - the same rule key as the page's
    return builds.GATE.run(("insights", wkey, allowed, scope, month), lambda: (
        insights.analyses(_engine, dims, scope, month, targets.load())))
