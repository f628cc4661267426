"""Page-wide look: compact spacing for a 1366x768 screen, status stripes on tiles, static URLs.

Only theme-neutral colours (translucent or mid-grey), so light and dark themes both read well.
"""

from __future__ import annotations

import streamlit as st

from presentation import fmt, tiles

STATIC_PATH = "app/static/"

_CSS = """
<style>
[data-testid="stHeader"] {height: 2.4rem; background: transparent; pointer-events: none;}
[data-testid="stHeader"] *, [data-testid="stToolbar"] {pointer-events: none !important;}
[data-testid="stHeader"] button, [data-testid="stHeader"] a {pointer-events: auto !important;}
[data-testid="stMainBlockContainer"] {padding-top: 2.4rem; padding-bottom: 1rem;
  padding-left: 1.2rem; padding-right: 1.2rem;}
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] {gap: 0.5rem;}
.cx-crumbs {font-size: 1rem; line-height: 1.6;}
.cx-crumbs a {color: inherit; text-decoration: underline; text-underline-offset: 3px;}
h5 {padding: 0.1rem 0 0.2rem 0 !important; font-size: 0.95rem !important;
  line-height: 1.3 !important;}
/* the verdict strip */
.cx-verdict {border: 1px solid rgba(128,128,128,0.35); border-radius: 0.5rem;
  padding: 0.4rem 0.75rem; font-size: 0.86rem; line-height: 1.4;
  background: rgba(128,128,128,0.06);}
.cx-v-head {font-size: 1.02rem; margin-bottom: 0.15rem;}
.cx-v-title {font-weight: 700; margin-right: 0.4rem;}
.cx-v-row {display: flex; gap: 0.6rem;}
.cx-v-k {flex: 0 0 11.5rem; color: rgba(128,128,128,1); font-weight: 600;}
.cx-v-b {flex: 1 1 auto;}
.cx-v-off b {font-weight: 600;}
.cx-chip {display: inline-block; padding: 0 0.45rem; border-radius: 0.7rem; font-weight: 700;
  font-size: 0.9rem; margin-right: 0.15rem;}
/* KPI tiles */
.cx-grid {display: grid; grid-template-columns: repeat(5, minmax(0, 1fr)); column-gap: 1rem;}
h5.cx-title, .cx-area h5 {margin: 0 0 0.3rem 0; font-weight: 600;}
.cx-tiles {display: flex; flex-direction: column; gap: 0.5rem;}
.cx-open {margin-left: auto; border: 0; padding: 0.1rem 0.15rem; width: calc(18px + 0.3rem);
  height: calc(18px + 0.2rem); cursor: pointer; border-radius: 0.3rem;
  background: transparent url("CHART_ICON") no-repeat center / 18px 18px;}
.cx-open:hover {background-color: rgba(128,128,128,0.18);}
.cx-open:focus-visible {outline: 2px solid rgba(128,128,128,0.8);}
.cx-tile {border: 1px solid rgba(128,128,128,0.28); border-left: 5px solid rgba(128,128,128,0.45);
  border-radius: 0.45rem; padding: 0.25rem 0.45rem 0.25rem 0.5rem; line-height: 1.2;}
.cx-top {display: flex; justify-content: space-between; gap: 0.3rem; font-size: 0.8rem;}
.cx-label {font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;}
.cx-status {font-size: 0.72rem; font-weight: 700; white-space: nowrap; padding: 0 0.35rem;
  border-radius: 0.6rem;}
.cx-mid {display: flex; align-items: center; gap: 0.6rem; min-height: 1.7rem;}
.cx-chg {white-space: nowrap; overflow: hidden; text-overflow: ellipsis; line-height: 1.15;}
.cx-value {font-size: 1.35rem; font-weight: 700; white-space: nowrap;}
.cx-faint {opacity: 0.55;}
.cx-delta {font-size: 0.74rem; white-space: nowrap;}
.cx-than {opacity: 0.75;}
.cx-sp {line-height: 0;}
.cx-spark {display: inline-block; background: SPARK_COLOUR;}
.cx-foot {font-size: 0.69rem; opacity: 0.8; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis;}
.cx-tile:hover .cx-foot {white-space: normal;}
.cx-flat {color: rgba(128,128,128,1);}
/* the heat table */
.cx-note {font-size: 0.8rem; opacity: 0.7; margin: 0.3rem 0 0 0;}
.cx-heat-box {max-height: 19.5rem; overflow-y: auto; border: 1px solid rgba(128,128,128,0.3);
  border-radius: 0.45rem;}
.cx-heat {width: 100%; border-collapse: collapse; font-size: 0.85rem;}
.cx-heat th {position: sticky; top: 0; background: rgba(128,128,128,0.16); text-align: right;
  font-weight: 600; padding: 0.3rem 0.6rem; white-space: nowrap; backdrop-filter: blur(6px);}
.cx-heat th:nth-child(-n+2) {text-align: left;}
.cx-heat td {padding: 0.28rem 0.6rem; border-top: 1px solid rgba(128,128,128,0.18);
  white-space: nowrap;}
.cx-heat .cx-h-num {text-align: right; font-variant-numeric: tabular-nums;}
.cx-heat .cx-h-name a {font-weight: 600; text-decoration: none;}
.cx-heat .cx-h-name a:hover {text-decoration: underline;}
.cx-heat .cx-h-cur td {font-weight: 700;}
.cx-heat .cx-h-low_confidence, .cx-heat .cx-h-no_data {color: rgba(128,128,128,1);}
"""


def _palette() -> str:
    """The one status palette on tiles, chips and the verdict (fmt.STATUS_COLOURS); every
    colour sits beside its word."""
    rules = []
    for status, colour in fmt.STATUS_COLOURS.items():
        rules.append(f".cx-st-{status} {{border-left-color: {colour};}}")
        rules.append(f".cx-s-{status} {{color: #fff; background: {colour};}}")
    rules.append(f".cx-good {{color: {fmt.STATUS_COLOURS['green']}; font-weight: 600;}}")
    rules.append(f".cx-bad {{color: {fmt.STATUS_COLOURS['red']}; font-weight: 600;}}")
    rules.append(".cx-s-no_target {background: transparent; color: rgba(128,128,128,1);}")
    rules.append(".cx-s-amber {color: #1f1f1f;}")
    for status, css in fmt.STATUS_CELL_CSS.items():
        if css:
            rules.append(f".cx-heat .cx-h-{status} {{{css};}}")
    rules.append(".cx-st-no_target {border-left-color: rgba(128,128,128,0.45);}")
    return "\n".join(rules)


_STYLE = (_CSS.replace("CHART_ICON", tiles.CHART_ICON).replace("SPARK_COLOUR", tiles.SPARK_COLOUR)
          + _palette() + "\n</style>")  # the same text on every rerun: the browser keeps it


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
