"""Cached journey facts and touchpoint results for the page (issue 28), by the cache rule.

Two stores (docs/architecture.md, *The cache rule*): what the warehouse records (per warehouse
key, like the dimensions) and a view's touchpoints and drivers (warehouse key, rights, view:
scope with its journey, month and window). Nothing per user is read inside.
"""

from __future__ import annotations

from datetime import date

import streamlit as st
from sqlalchemy.engine import Engine

from dashboard import builds, caches, data
from queries import access, journeys, windows
from queries import scope as sc

TTL_S = data.TTL_S


@st.cache_data(ttl=TTL_S, max_entries=8, show_spinner=False)
def _recorded(_engine: Engine, wkey: caches.WarehouseKey) -> journeys.Recorded:
    return journeys.recorded(_engine)


def recorded(_engine: Engine, url: str) -> journeys.Recorded:
    return _recorded(_engine, data.warehouse(_engine, url))


@st.cache_data(ttl=TTL_S, max_entries=64, show_spinner="Reading the touchpoint answers…")
def _touch(_engine: Engine, wkey: caches.WarehouseKey, allowed: data.AllowedKey,
           scope: sc.Scope, month: date, window: str) -> journeys.Touch:
    access.check_scope(scope, allowed)
    rec = _recorded(_engine, wkey)
    company = access.Allowed.from_key(allowed).can_see(sc.Scope())
    return builds.GATE.run(("touch", wkey, allowed, scope, month, window), lambda: (
        journeys.touch(_engine, scope, month, windows.parse(window), rec, company)))


def touch(_engine: Engine, url: str, scope: sc.Scope, month: date, allowed: data.AllowedKey,
          window: str) -> journeys.Touch:
    """The view's touchpoints and drivers (computed when their section is opened)."""
    return _touch(_engine, data.warehouse(_engine, url), allowed, scope, month, window)
