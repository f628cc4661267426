"""The league table in print: children furthest behind first, cells tinted by status; two
halves side by side when it is long, continued on new pages when it does not fit."""

from __future__ import annotations

import math

import pandas as pd

from pack.layout import (
    INK,
    MARGIN,
    MUTED,
    NAVY,
    PAGE_H,
    PAPER,
    RULE,
    Pdf,
    cell,
    page_title,
    status_colour,
    tint,
)
from pack.tables import HEADLINE, league_frame
from presentation import fmt
from queries import stats
from queries.scorecard import Scorecard


def league_table(pdf: Pdf, card: Scorecard, x: float, y: float, w: float, h_avail: float,
                 detail: bool, continued: str = "") -> float:
    """The children's headline metrics, cells tinted by status; two halves when it is long.

    Rows shrink to fit the space down to a readable minimum; beyond that the table continues
    on a new page titled `continued`. Returns the y below the table and its note.
    """
    df = league_frame(card)
    child = {"region": "Region", "location": "Location"}.get(card.scope.child_level or "", "")
    if df.empty:
        pdf.font(8, colour=MUTED)
        pdf.text_at(x, y, w, 6, f"No {child.lower()} data for {fmt.month_label(card.month)}.")
        return y + 7
    head_h, note_h, min_row = 6.0, 5.0, 3.3
    n = len(df)
    halves = 1 if (detail and n <= 20) or n <= 14 else 2
    room = h_avail - head_h - note_h
    per = min(math.ceil(n / halves), max(1, int(room / min_row)))
    row_h = max(min_row, min(6.8 if detail else 5.0, room / per))
    size = 7.0 if row_h >= 5 else 6.2 if row_h >= 4 else 5.6
    gap = 5.0
    tw = (w - gap * (halves - 1)) / halves
    rank_w, resp_w = 6.0, (18.0 if halves == 1 else 10.0)
    name_w = max(30.0, tw * (0.22 if halves == 1 else 0.25))
    mw = (tw - rank_w - name_w - resp_w) / len(HEADLINE)
    short = halves == 2
    heads = ["#", child, "Resp." if short else "Responses"] + [
        (m.narrow_column_label if short else "") or fmt.column_label(m.name)
        for m in HEADLINE]
    widths = [rank_w, name_w, resp_w] + [mw] * len(HEADLINE)
    bottom, start = y, 0
    while start < n:
        for half in range(halves):
            rows = df.iloc[start + half * per:start + (half + 1) * per]
            if rows.empty:
                continue
            hx = x + half * (tw + gap)
            cx = hx
            for text, cw in zip(heads, widths, strict=True):
                cell(pdf, cx, y, cw, head_h, text, fill=NAVY, colour="#ffffff", bold=True,
                     size=6.3 if short else 6.8, align="L" if text == child else "C")
                cx += cw
            ry = y + head_h
            for rank, (_, row) in enumerate(rows.iterrows(), start=start + half * per + 1):
                _league_row(pdf, row, rank, hx, ry, widths, row_h, size, detail and not short)
                ry += row_h
            pdf.set_draw_color(RULE)
            pdf.line(hx, ry, hx + tw, ry)
            bottom = max(bottom, ry)
        start += per * halves
        if start < n:  # more rows than one page holds even at the smallest rows
            pdf.add_page()
            page_title(pdf, continued or f"{card.scope_name} (continued)",
                       f"{card.month:%B %Y}")
            y = bottom = MARGIN + 13
            per = max(1, int((PAGE_H - 14 - y - head_h - note_h) / min_row))
            row_h = min_row
    pdf.font(5.8, colour=MUTED)
    pdf.text_at(x, bottom + 0.8, w, 3.5,
                "Furthest behind first: most headline metrics off target, then near, then lowest "
                "NPS (too few answers last). Cells coloured by status against each "
                "one's own target (green on, amber near, red off target); grey text: low "
                "confidence (n below the metric's threshold) or no data."
                + (" ± is the 95% interval's half-width (its ends where lopsided)."
                   if detail and not short else ""))
    return bottom + note_h


def _league_row(pdf: Pdf, row: pd.Series, rank: int, x: float, y: float,
                widths: list[float], h: float, size: float, detail: bool) -> None:
    zebra = PAPER if rank % 2 == 0 else None
    rank_w, name_w, resp_w, mw = widths[:4]
    cell(pdf, x, y, rank_w, h, str(rank), fill=zebra, colour=MUTED, size=size)
    x += rank_w
    cell(pdf, x, y, name_w, h, str(row["name"]), fill=zebra, size=size, align="L", bold=detail)
    x += name_w
    cell(pdf, x, y, resp_w, h, fmt.compact(row["responses"]), fill=zebra, colour=MUTED,
         size=size, align="R")
    x += resp_w
    for m in HEADLINE:
        st = row[f"{m.name}_status"]
        v = row[m.name]
        text = fmt.value_text(m, None if pd.isna(v) else float(v))
        margin = stats.margin_text(v, row[f"{m.name}_low"], row[f"{m.name}_high"], m.decimals)
        if detail and m.sampled and margin and st != "low_confidence":
            text += f" {margin}"
        coloured = st in ("green", "amber", "red")
        fill = tint(status_colour(st), 0.30) if coloured else zebra
        cell(pdf, x, y, mw, h, text, fill=fill, size=size,
             colour=INK if coloured or st == "no_target" else MUTED)
        x += mw
