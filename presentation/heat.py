"""The heat table of a view's children, worst first, as plain HTML (no Streamlit): the page's
table and the board pack's are this one function.

The order is `queries.ranking.worst_first`; the cell colours are the one status palette
(presentation/fmt.py) with the status word as each cell's tooltip, and each row also says in
words how many of its headline metrics are off or near target. Every name is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Collection

import pandas as pd

from presentation import fmt
from queries.ranking import HEADLINES, worst_first
from queries.registry import BY_NAME
from queries.scorecard import Scorecard

NAME_COL, STATUS_COL, N_COL = "Name", "Behind", "n"


def frame(children: pd.DataFrame, ranked: pd.DataFrame | None = None
          ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(values, statuses, child keys): one row per child, worst first, one column per headline.
    `ranked` is `worst_first(children)` when the caller already has it."""
    ranked = worst_first(children) if ranked is None else ranked
    if ranked.empty:
        empty = pd.DataFrame(columns=[NAME_COL, STATUS_COL, N_COL, *HEADLINES])
        return empty, empty.copy(), []
    out = pd.DataFrame({
        NAME_COL: ranked["name"].astype(str),
        STATUS_COL: [behind_words(int(o), int(n), len(HEADLINES))
                     for o, n in zip(ranked["off"], ranked["near"], strict=True)],
        N_COL: ranked["responses"].astype(float),
    })
    for name in HEADLINES:
        out[name] = ranked[name].astype(float)
    status = ranked[[f"{n}_status" for n in HEADLINES]].copy()
    status.columns = list(HEADLINES)
    return out, status, [str(k) for k in ranked["key"]]


def behind_words(off: int, near: int, of: int) -> str:
    """'4 of 7 off · 1 near', 'on target' (status in words beside the colours)."""
    if not off and not near:
        return "none"
    parts = [f"{off} of {of} off"] if off else []
    if near:
        parts.append(f"{near} near")
    return " · ".join(parts)


def heading(base: Scorecard) -> tuple[str, str]:
    """('Locations', 'Locations in Midwest, furthest behind first'): what the table lists (with
    its window when the children are judged over more than the month)."""
    w = getattr(base, "children_window", None)
    over = "" if w is None or w.code == "1m" else f" ({w.label})"
    if base.scope.level == "company":
        return "Regions", f"Regions, furthest behind first{over}"
    return "Locations", f"Locations in {base.scope_name}, furthest behind first{over}"


def behind_note(base: Scorecard) -> str:
    """Why the verdict may name another child than this table's first row: it ranks over its
    own, longer window (presentation/verdict.py, `behind_ranking`); '' when the two agree."""
    w, own = getattr(base, "behind_window", None), getattr(base, "children_window", None)
    if w is None or getattr(base, "behind_children", None) is None or (
            own is not None and own.code == w.code):
        return ""
    return (f" The verdict names the furthest behind over {w.label} (steadier than this "
            f"table's {own.label if own else 'month'}), so it may differ from the first row.")


def table_html(values: pd.DataFrame, status: pd.DataFrame, keys: list[str], links: list[str],
               first: str, current: int | None = None, *, link_attr: str = "",
               no_key: Collection[str] = ()) -> str:
    """The heat table as plain HTML: each name a link to that view when `links` has one (the
    URL is the state; `link_attr` marks it for the page's click listener), each cell tinted by
    its status with the status word as its tooltip. A light table instead of a data grid: the
    browser draws it in a few milliseconds, and prints it."""
    e = html.escape
    # "Responses", not "n": the NPS tile's n counts answers to the NPS question, a smaller
    # number; one region showed two different n
    heads = [first, "Behind on", "Responses"] + [fmt.column_label(n) for n in HEADLINES]
    tips = ["", "Headline metrics off target (red) or near target (amber), against its own "
            "targets", "Survey responses"] + [f"{BY_NAME[n].label}: {BY_NAME[n].description}"
                                              for n in HEADLINES]
    head = "".join(f'<th title="{e(t)}">{e(h)}</th>' for h, t in zip(heads, tips, strict=True))
    names = [str(x) for x in values[NAME_COL].tolist()]
    behind = [str(x) for x in values[STATUS_COL].tolist()]
    ns = values[N_COL].tolist()
    cols = {n: (values[n].tolist(), status[n].astype(str).tolist() if n in status else None)
            for n in HEADLINES}  # plain lists: no pandas lookup per cell
    attr = f" {link_attr}=\"1\"" if link_attr else ""
    rows = []
    for i, name in enumerate(names):
        mark = "▶ " if i == current else ""
        label = (f'<a href="{e(links[i])}" target="_self"{attr}>{e(mark + name)}</a>'
                 if links[i] and keys[i] not in no_key else e(mark + name))
        cells = [f'<td class="cx-h-name">{label}</td>', f"<td>{e(behind[i])}</td>",
                 f'<td class="cx-h-num">{e(fmt.compact(ns[i]))}</td>']
        for n in HEADLINES:
            vals, stats = cols[n]
            st_ = stats[i] if stats is not None else "no_data"
            v = vals[i]
            text = fmt.value_text(BY_NAME[n], None if pd.isna(v) else float(v))
            cells.append(f'<td class="cx-h-num cx-h-{e(st_)}" '
                         f'title="{e(fmt.STATUS_TEXT.get(st_, st_))}">{e(text)}</td>')
        cur = ' class="cx-h-cur"' if i == current else ""
        rows.append(f'<tr data-key="{e(keys[i])}"{cur}>{"".join(cells)}</tr>')
    return (f'<div class="cx-heat-box"><table class="cx-heat"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')
