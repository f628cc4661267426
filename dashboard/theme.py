"""Page-wide look: compact spacing for a 1366x768 screen, status stripes on tiles, static URLs.

Only theme-neutral colours (translucent or mid-grey), so light and dark themes both read well.
"""

from __future__ import annotations

import streamlit as st

from dashboard import fmt

STATIC_PATH = "app/static/"

_CSS = """
<style>
[data-testid="stHeader"] {height: 2.4rem; background: transparent;}
[data-testid="stMainBlockContainer"] {padding-top: 2.6rem; padding-bottom: 1rem;
  padding-left: 1.2rem; padding-right: 1.2rem;}
[data-testid="stMetricValue"] {font-size: 1.5rem; min-height: 0;}
[data-testid="stMetricChart"] {height: 34px !important; margin-top: 0.15rem;}
[data-testid="stMetricLabel"] p {font-size: 0.82rem;}
[data-testid="stMetricDelta"] {font-size: 0.78rem;}
[class*="st-key-tile-"] [data-testid="stCaptionContainer"] {font-size: 0.72rem;
  line-height: 1.25;}
[class*="st-key-tile-"] {padding: 0.55rem 0.6rem 0.45rem 0.7rem !important; gap: 0.2rem;}
[class*="st-key-tile-low_confidence"] [data-testid="stMetricValue"] {opacity: 0.6;}
[class*="st-key-tile-no_data"] [data-testid="stMetricValue"] {opacity: 0.5;}
.st-key-breadcrumb button p {text-decoration: underline; text-underline-offset: 3px;}
[class*="st-key-chart-"] [data-testid="stCaptionContainer"] {font-size: 0.78rem;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis;}
h5 {padding-top: 0.2rem !important; padding-bottom: 0.1rem !important;}
"""


def _stripes() -> str:
    """A coloured left edge per status (the badge names it in words as well)."""
    rules = []
    for status in ("green", "amber", "red"):
        rules.append(f'[class*="st-key-tile-{status}-"] {{border-left: 5px solid '
                     f"{fmt.STATUS_COLOURS[status]} !important;}}")
    return "\n".join(rules)


def inject() -> None:
    st.html(_CSS + _stripes() + "\n</style>")


def static_url() -> str:
    """Absolute URL of dashboard/static/ as the browser sees it (works behind a base path)."""
    try:
        url = st.context.url
    except Exception:  # noqa: BLE001 - no browser context (tests): a relative URL still works
        url = None
    if not url:
        return STATIC_PATH
    return url.split("?", 1)[0].rstrip("/") + "/" + STATIC_PATH
