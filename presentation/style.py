"""The look of the page's own markup (verdict, tiles, heat table), Streamlit-free: the page sends
it once per run (dashboard/theme.py adds Streamlit's own parts) and the printed board pack
(pack/printed.py) embeds the same sheet, with `PRINT` for paper. One style sheet, two faces.

Only theme-neutral colours (translucent or mid-grey) besides the status palette, so light and
dark themes both read well.
"""

from __future__ import annotations

from presentation import fmt, tiles

_CSS = """.cx-crumbs {font-size: 1rem; line-height: 1.6;}
.cx-crumbs a {color: inherit; text-decoration: underline; text-underline-offset: 3px;}
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
/* KPI tiles: six columns, two rows of tiles; an area is as wide as its tiles need (cx-wN),
   and its heading and tiles sit on the grid's own rows (subgrid), so rows line up across areas */
.cx-grid {display: grid; grid-template-columns: repeat(6, minmax(0, 1fr)); column-gap: 0.75rem;
  row-gap: 0.5rem; grid-auto-flow: row dense;}
.cx-area {display: grid; grid-row: span 3; grid-template-columns: subgrid;
  grid-template-rows: subgrid; row-gap: 0.5rem; min-width: 0;}
.cx-w1 {grid-column: span 1;} .cx-w2 {grid-column: span 2;} .cx-w3 {grid-column: span 3;}
.cx-area h5 {grid-column: 1 / -1;}
h5.cx-title, .cx-area h5 {margin: 0 0 0.1rem 0; font-weight: 600;}
.cx-open {margin-left: auto; border: 0; padding: 0.1rem 0.15rem; width: calc(18px + 0.3rem);
  height: calc(18px + 0.2rem); cursor: pointer; border-radius: 0.3rem;
  background: transparent url("CHART_ICON") no-repeat center / 18px 18px;}
.cx-open:hover {background-color: rgba(128,128,128,0.18);}
.cx-open:focus-visible {outline: 2px solid rgba(128,128,128,0.8);}
.cx-tile {border: 1px solid rgba(128,128,128,0.28); border-left: 5px solid rgba(128,128,128,0.45);
  border-radius: 0.45rem; padding: 0.25rem 0.45rem 0.25rem 0.5rem; line-height: 1.2;}
.cx-top {display: flex; flex-wrap: wrap; justify-content: space-between; gap: 0 0.3rem;
  font-size: 0.8rem;}
.cx-label {font-weight: 600; overflow-wrap: break-word; min-width: 0;}
.cx-status {font-size: 0.72rem; font-weight: 700; white-space: nowrap; padding: 0 0.35rem;
  border-radius: 0.6rem; align-self: flex-start;}
.cx-mid {display: flex; align-items: center; gap: 0.6rem; min-height: 1.7rem;}
.cx-chg {line-height: 1.15;}
.cx-value {font-size: 1.35rem; font-weight: 700; white-space: nowrap;}
.cx-faint {opacity: 0.55;}
.cx-delta {font-size: 0.74rem;}
.cx-than {opacity: 0.75;}
.cx-sp {line-height: 0;}
.cx-spark {display: inline-block; background: SPARK_COLOUR;}
.cx-foot {font-size: 0.69rem; opacity: 0.8;}
.cx-flat {color: rgba(128,128,128,1);}
/* the heat table */
.cx-note {font-size: 0.8rem; opacity: 0.7; margin: 0.3rem 0 0 0;}
.cx-heat-box {max-height: 19.5rem; overflow: auto; max-width: 100%;
  border: 1px solid rgba(128,128,128,0.3);
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
/* narrower screens: three columns of areas, then (a phone) the areas stacked, two tiles a row;
   the verdict's labels above their lines; the header on one wrapped row */
@media (max-width: 1100px) {
  .cx-grid {grid-template-columns: repeat(3, minmax(0, 1fr));}
}
@media (max-width: 640px) {
  .cx-grid {grid-template-columns: repeat(2, minmax(0, 1fr));}
  .cx-area {grid-column: 1 / -1; grid-row: auto; grid-template-rows: none;}
  .cx-v-row {flex-direction: column; gap: 0;}
  .cx-v-k {flex: none;}
  .cx-v-list .cx-v-sep {display: none;}
  .cx-v-list .cx-v-item {display: block;}
  .cx-crumbs {font-size: 0.95rem;}
}
.cx-heat .cx-h-low_confidence, .cx-heat .cx-h-no_data {color: rgba(128,128,128,1);}
"""


def palette() -> str:
    """The one status palette on tiles, chips, the verdict and the heat table
    (fmt.STATUS_COLOURS); every colour sits beside its word."""
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


SHEET = (_CSS.replace("CHART_ICON", tiles.CHART_ICON).replace("SPARK_COLOUR", tiles.SPARK_COLOUR)
         + palette())

# The printed page's margins: the sheet's @page rule below and the margins pack/printed.py hands
# Chromium (which draws the running header and page number inside them) are this one dict.
PAGE_MARGINS = {"top": "14mm", "right": "10mm", "bottom": "12mm", "left": "10mm"}

# Paper: A4 landscape, the laptop's six-column grid whatever the paper's pixel width, nothing
# that only a screen can use (chart buttons, scroll boxes), sections kept whole where they fit.
PRINT = """
@page {size: A4 landscape; margin: PAGE_MARGIN;}
html {-webkit-print-color-adjust: exact; print-color-adjust: exact;}
body.px {font-family: "Source Sans 3", "Source Sans Pro", "Noto Sans", "DejaVu Sans", sans-serif;
  color: #1f1f1f; font-size: 15px; margin: 0;
  font-variant-ligatures: none;}  /* "off" stays o-f-f in the PDF: searchable, copyable */
.px .cx-grid {grid-template-columns: repeat(6, minmax(0, 1fr)) !important;}
.px .cx-area {grid-column: auto; grid-row: span 3 !important;
  grid-template-rows: subgrid !important;}
.px .cx-w1 {grid-column: span 1 !important;} .px .cx-w2 {grid-column: span 2 !important;}
.px .cx-w3 {grid-column: span 3 !important;}
.px .cx-v-row {flex-direction: row !important;} .px .cx-v-k {flex: 0 0 11.5rem !important;}
.px .cx-v-list .cx-v-sep {display: inline !important;}
.px .cx-v-list .cx-v-item {display: inline !important;}
.px .cx-open {display: none;}
.px .cx-tile, .px .cx-verdict, .px .cx-grid, .px tr, .px li {break-inside: avoid;}
.px .cx-heat {font-size: 0.8rem;}
.px .cx-heat-box {max-height: none; overflow: visible;}
.px .cx-heat th {position: static; backdrop-filter: none;}
.px .cx-heat a {color: inherit;}
.px-head h1 {font-size: 26px; margin: 0 0 2px 0;}
.px-facts, .px-note {color: #555; font-size: 13px; margin: 2px 0 6px 0;}
.px-h2 {font-size: 19px; font-weight: 700; margin: 14px 0 6px 0; break-after: avoid;}
.px-break {break-before: page;}
.px-contents ol {margin: 0 0 4px 0; padding-left: 18px; columns: 1; max-width: 680px;}
.px-contents li {display: flex; gap: 6px; font-size: 15px;}
.px-dots {flex: 1; border-bottom: 1px dotted #999; margin-bottom: 4px;}
.px-list {margin: 0; padding-left: 18px;} .px-list li {margin: 0 0 5px 0; line-height: 1.35;}
.px-actions {border-collapse: collapse; width: 100%; font-size: 13px;}
.px-actions th, .px-actions td {border-top: 1px solid #ccc; padding: 3px 6px; text-align: left;
  vertical-align: top;}
.px-actions thead {display: table-header-group;}
.px-overdue td:first-child {font-weight: 700; color: #b3261e;}
.px-trend, .px-an {break-inside: avoid;}
.px-trend-t {font-size: 13px; font-weight: 600; margin: 0 0 -2px 4px;}
.px-ans {display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px 26px;}
.px-an {display: grid; grid-template-columns: 5fr 6fr; gap: 0 12px; align-items: start;}
.px-an > div:only-child {grid-column: 1 / -1;}
.px-an p {margin: 0 0 4px 0; font-size: 13px; line-height: 1.3;}
.px-an-q {font-size: 12px; color: #555; text-transform: uppercase; letter-spacing: 0.03em;}
.px-an .px-key {font-size: 11px; color: #555; line-height: 1.25;}
.px-fig {width: 100%;}
""".replace("PAGE_MARGIN", " ".join(PAGE_MARGINS[k] for k in ("top", "right", "bottom", "left")))
