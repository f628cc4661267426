"""Cached insight analyses for the page, keyed like every other cached result in dashboard/data.py.

The analyses (queries/insights.py) cost a few seconds for the company, so they are cached for five
minutes per warehouse URL, scope, month and the viewer's allowed scopes. Every argument that changes
the result is part of the key, and nothing per-user is read inside: one viewer's insights can never
be served to another.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st
from sqlalchemy.engine import Engine

from dashboard import data
from queries import access, insights, targets
from queries import scope as sc

TTL_S = data.TTL_S
SPINNER = "Testing what moves the numbers…"


def analyses(_engine: Engine, url: str, region: str | None, location: str | None,
             month_iso: str, allowed: data.AllowedKey) -> dict[str, Any]:
    """Every insight for one scope and month (dict keyed like `queries.insights.ANALYSES`);
    keyed by the warehouse file's identity too, as in dashboard/data.py."""
    return _analyses(_engine, url, region, location, month_iso, allowed, data.identity(url))


@st.cache_data(ttl=TTL_S, show_spinner=SPINNER, max_entries=64)
def _analyses(_engine: Engine, url: str, region: str | None, location: str | None,
              month_iso: str, allowed: data.AllowedKey, ident: tuple | None) -> dict[str, Any]:
    access.check_scope(region, location, allowed)
    dims = data.dims(_engine, url)
    return insights.analyses(_engine, dims, sc.Scope(region, location),
                             date.fromisoformat(month_iso), targets.load())
