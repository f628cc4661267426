"""The pack's lists: what moved this month, and the open actions (flowing onto new pages when
long)."""

from __future__ import annotations

from fpdf.fonts import FontFace

from pack.context import Context
from pack.layout import BODY_W, INK, MARGIN, MUTED, NAVY, PAGE_H, PAPER, RULE, Pdf, room
from presentation import fmt
from queries.registry import BY_NAME
from queries.scorecard import Scorecard
from store.actions import scope_names


def movers(pdf: Pdf, card: Scorecard, y: float) -> float:
    goods = sum(bool(mv["good"]) for mv in card.movers)
    lines = max(goods, len(card.movers) - goods, 1)
    y = room(pdf, y, 15 + 4.8 * lines, f"What moved · {card.scope_name}", card.month)
    pdf.font(10, bold=True, colour=NAVY)
    pdf.text_at(MARGIN, y, BODY_W, 6, "What moved this month")
    y += 6.5
    if not card.movers:
        pdf.font(7.5, colour=MUTED)
        pdf.text_at(MARGIN, y, BODY_W, 4.5, "No move beyond the noise since last month. "
                    + card.movers_rule)
        return y + 7
    half = (BODY_W - 6) / 2
    cols = {True: (MARGIN, "Better", "▲"), False: (MARGIN + half + 6, "Worse", "▼")}
    ys = {True: y, False: y}
    for good, (x, label, _) in cols.items():
        pdf.font(7, bold=True, colour=fmt.STATUS_COLOURS["green" if good else "red"])
        pdf.text_at(x, y, half, 4.5, label)
        ys[good] = y + 5
    for mv in card.movers:
        good = bool(mv["good"])
        x, _, arrow = cols[good]
        pdf.font(7.5, bold=True, colour=fmt.STATUS_COLOURS["green" if good else "red"])
        pdf.text_at(x, ys[good], 4, 4.5, arrow)
        pdf.font(7.5, colour=INK)
        small = " (small sample)" if mv.get("small_sample") else ""
        pdf.text_at(x + 4, ys[good], half - 4, 4.5, mv["sentence"] + small)
        ys[good] += 4.8
    for good in (True, False):
        if ys[good] == y + 5:
            pdf.font(7, colour=MUTED)
            pdf.text_at(cols[good][0], ys[good], half, 4.5, "none beyond the noise")
            ys[good] += 4.8
    return max(ys.values()) + 3


def actions_table(pdf: Pdf, ctx: Context, y: float) -> None:
    if not ctx.actions:  # one line where there is room; never a page that says only that
        if y + 12 <= PAGE_H - 14:
            pdf.font(10, bold=True, colour=NAVY)
            pdf.text_at(MARGIN, y, BODY_W, 6, "Open actions")
            pdf.font(7.5, colour=MUTED)
            pdf.text_at(MARGIN, y + 6.5, BODY_W, 4.5, f"Actions: {ctx.actions_note}."
                        if ctx.actions_note else "No open actions.")
        return
    pdf.set_y(room(pdf, y, 26, f"Open actions · {ctx.card.scope_name}", ctx.card.month))
    pdf.font(10, bold=True, colour=NAVY)
    n_over = sum(a.status == "overdue" for a in ctx.actions)
    pdf.text_at(MARGIN, pdf.get_y(), BODY_W, 6, "Open actions" + (
        f"  ({n_over} overdue, {len(ctx.actions) - n_over} open)" if ctx.actions else ""))
    pdf.set_y(pdf.get_y() + 6.5)
    if ctx.actions_note or not ctx.actions:
        pdf.font(7.5, colour=MUTED)
        pdf.text_at(MARGIN, pdf.get_y(), BODY_W, 4.5,
                    f"Actions: {ctx.actions_note}." if ctx.actions_note
                    else "No open actions.")
        return
    names = scope_names(ctx.dims)
    pdf.font(7, colour=INK)
    heading = FontFace(family="dv", emphasis="B", size_pt=6.8, color="#ffffff", fill_color=NAVY)
    widths = (17, 40, 40, 34, 18, BODY_W - 149)
    pdf.set_auto_page_break(True, margin=14)
    pdf.set_draw_color(RULE)
    pdf.set_fill_color("#ffffff")  # rows left unfilled by the zebra would take the last colour
    with pdf.table(col_widths=widths, width=BODY_W, text_align="LEFT", line_height=3.6,
                   headings_style=heading, borders_layout="HORIZONTAL_LINES", padding=1.0,
                   v_align="TOP", repeat_headings=1, cell_fill_color=PAPER,
                   cell_fill_mode="ROWS") as table:
        table.row(["Status", "Scope", "Metric", "Owner", "Due", "Action"])
        for a in ctx.actions:
            row = table.row()
            colour = fmt.STATUS_COLOURS["red"] if a.status == "overdue" else fmt.LINE_COLOUR
            row.cell(a.status.capitalize(), style=FontFace(emphasis="B", color=colour))
            row.cell(a.scope_name(names))
            row.cell(fmt.short_label(a.metric) if a.metric in BY_NAME else a.metric)
            row.cell(a.owner)
            row.cell(fmt.month_label(a.due_month),
                     style=FontFace(color=colour if a.status == "overdue" else INK))
            row.cell(a.text)
    pdf.set_auto_page_break(False)
