"""Cached insight analyses for the page, keyed like every other cached result in dashboard/data.py.

The analyses (queries/insights.py) cost a few seconds for the company, so they are cached for five
minutes per warehouse URL, scope, month and the viewer's allowed scopes. Every argument that changes
the result is part of the key, and nothing per-user is read inside: one viewer's insights can never
be served to another.
"""

from __future__ import annotations

import threading
import time
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
    scope, month = sc.Scope(region, location), date.fromisoformat(month_iso)
    key = (url, month_iso, allowed, ident)
    if scope.level == "company" or _company_history_known(key):
        # One location x month history for the whole company, narrowed in Python for a region or
        # location inside it (`restrict`): a region's first visit after the company's skips its
        # own fetch (0.2-0.3 s on the 1M demo). Only for viewers who may see the company.
        h = _company_history(_engine, url, month_iso, allowed, ident)
        if scope.level != "company":
            h = insights.restrict(h, scope)
        return insights.analyses_from(h, dims, targets.load())
    return insights.analyses(_engine, dims, scope, month, targets.load())


_known: dict[tuple, float] = {}  # company histories computed in this process, and when
_known_lock = threading.Lock()


def _company_history_known(key: tuple) -> bool:
    """True when this viewer may see the company and its history was computed recently (still
    cached): a region visited first fetches only its own locations instead."""
    if not access.Allowed.from_key(key[2]).can_see(sc.Scope(None, None)):
        return False
    with _known_lock:
        return time.monotonic() - _known.get(key, -1e9) < TTL_S * 0.8


@st.cache_data(ttl=TTL_S, show_spinner=False, max_entries=8)
def _company_history(_engine: Engine, url: str, month_iso: str, allowed: data.AllowedKey,
                     ident: tuple | None) -> insights.History:
    access.check_scope(None, None, allowed)
    h = insights.load_history(_engine, data.dims(_engine, url), sc.Scope(None, None),
                              date.fromisoformat(month_iso))
    with _known_lock:
        _known[(url, month_iso, allowed, ident)] = time.monotonic()
    return h
