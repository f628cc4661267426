"""Page-wide look: Streamlit's own parts (menu bar, spacing, the header row on a phone), the
style sheet of the page's markup (presentation/style.py, shared with the printed pack), static
URLs.
"""

from __future__ import annotations

import streamlit as st

from presentation import style

STATIC_PATH = "app/static/"

_PAGE_CSS = """
/* the app's menu sits in its own solid bar above the page, never over a tile or the verdict */
[data-testid="stHeader"] {height: 2.4rem !important; min-height: 0 !important;}
[data-testid="stMainBlockContainer"] {padding-top: 2.4rem; padding-bottom: 1rem;
  padding-left: 1.2rem; padding-right: 1.2rem;}
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] {gap: 0.5rem;}
h5 {padding: 0.1rem 0 0.2rem 0 !important; font-size: 0.95rem !important;
  line-height: 1.3 !important;}
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"] {padding-left: 0.7rem; padding-right: 0.7rem;}
  .st-key-cx-header {flex-direction: row !important; flex-wrap: wrap; row-gap: 0.2rem;}
  .st-key-cx-header > div {width: auto !important; flex: 0 1 auto !important;}
  .st-key-cx-header .st-key-month_select, .st-key-cx-header .st-key-window_select {
    width: 7.6rem !important;}
  /* the window and the journey share one row on a 390 px phone */
  .st-key-cx-journey button {padding-left: 0.5rem !important; padding-right: 0.5rem !important;
    min-height: 2.2rem !important;}
  .st-key-cx-journey button p {font-size: 0.8rem !important;}
  .st-key-cx-header [data-testid="stMarkdownContainer"] p {font-size: 0.8rem;}
}
"""

# Streamlit's own parts, then the page markup's sheet that the printed pack embeds too
# (presentation/style.py): the same text on every rerun, so the browser keeps it.
_STYLE = "<style>" + _PAGE_CSS + style.SHEET + "\n</style>"


def inject() -> None:
    st.html(_STYLE)


def static_url() -> str:
    """Absolute URL of dashboard/static/ as the browser sees it (works behind a base path)."""
    try:
        url = st.context.url
    except Exception:  # noqa: BLE001 - no browser context (tests): a relative URL still works
        url = None
    if not url:
        return STATIC_PATH
    return url.split("?", 1)[0].rstrip("/") + "/" + STATIC_PATH
