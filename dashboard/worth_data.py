"""The value section's figures for the page, cached by the cache rule (docs/architecture.md).

Built only when the section is opened: the year's months (one grouped statement), NPS per
location for the network percentiles (one, below the company), and the NPS -> retention link
taken from the view's cached analyses (`insights_data`, which the verdict's findings usually
computed already). Keyed by warehouse, rights and view (window included); nothing per user is
read inside.
"""

from __future__ import annotations

from datetime import date

import streamlit as st
from sqlalchemy.engine import Engine

from dashboard import builds, caches, data, insights_data
from queries import access, targets, value
from queries import scope as sc

SPINNER = "Working out what it is worth…"


def worth(_engine: Engine, url: str, scope: sc.Scope, month: date, allowed: data.AllowedKey,
          window: str = "") -> value.Worth:
    return build(_engine, data.warehouse(_engine, url), allowed, scope, month, window)


@st.cache_data(ttl=data.TTL_S, show_spinner=SPINNER, max_entries=64)
def build(_engine: Engine, wkey: caches.WarehouseKey, allowed: data.AllowedKey,
          scope: sc.Scope, month: date, window: str) -> value.Worth:
    access.check_scope(scope, allowed)
    card = data.build_card(_engine, wkey, allowed, scope, month, window)
    dims = data._dims(_engine, wkey)  # noqa: SLF001 - the same rule key as the page's
    loyalty = None  # a location: the analysis says why it does not apply, without a query
    if scope.level != "location":
        loyalty = insights_data.build(_engine, wkey, allowed, scope, month).get(
            "satisfaction_loyalty")
    return builds.GATE.run(("worth", wkey, allowed, scope, month, window), lambda: (
        value.report(_engine, dims, card, targets.load(), loyalty=loyalty)))
