"""Cached comment figures for the page (queries/text/figures.py), keyed by the cache rule:
warehouse key, viewer rights and view (scope, month, window), as the scorecard is. The figures
are read by SQL from the tags the batch step wrote; nothing is tagged on a page view."""

from __future__ import annotations

from datetime import date

import streamlit as st
from sqlalchemy.engine import Engine

from dashboard import caches, data
from queries import access
from queries import scope as sc
from queries.text import figures as tf
from queries.windows import Window

TTL_S = data.TTL_S


def status(_engine: Engine, url: str) -> str:
    """'absent', 'untagged' or 'ready' (queries.text.figures.status), cached per warehouse."""
    return _status(_engine, data.warehouse(_engine, url))


@st.cache_data(ttl=TTL_S, show_spinner=False, max_entries=8)
def _status(_engine: Engine, wkey: caches.WarehouseKey) -> str:
    return tf.status(_engine)


def figures(_engine: Engine, url: str, scope: sc.Scope, month: date, window: Window,
            allowed: data.AllowedKey, examples: bool = False) -> tf.CommentFigures:
    return build(_engine, data.warehouse(_engine, url), allowed, scope, month, window, examples)


@st.cache_data(ttl=TTL_S, show_spinner="Reading what customers say…", max_entries=128)
def build(_engine: Engine, wkey: caches.WarehouseKey, allowed: data.AllowedKey,
          scope: sc.Scope, month: date, window: Window, examples: bool) -> tf.CommentFigures:
    access.check_scope(scope, allowed)
    return tf.build(_engine, scope, month, window, with_examples=examples)


def theme_comments(_engine: Engine, url: str, scope: sc.Scope, month: date, window: Window,
                   allowed: data.AllowedKey, theme: str) -> tuple[list[dict], dict]:
    return _drill(_engine, data.warehouse(_engine, url), allowed, scope, month, window, theme)


@st.cache_data(ttl=TTL_S, show_spinner=False, max_entries=64)
def _drill(_engine: Engine, wkey: caches.WarehouseKey, allowed: data.AllowedKey,
           scope: sc.Scope, month: date, window: Window, theme: str) -> tuple[list[dict], dict]:
    access.check_scope(scope, allowed)
    rows = tf.theme_comments(_engine, scope, month, window, theme)
    children = tf.child_shares(_engine, scope, month, window, theme) if scope.child_level else {}
    return rows, children
