"""The pack's pages: cover, the scope's scorecard, its 13-month trends, its league table with
movers and actions, and one page per region."""

from __future__ import annotations

import io

from pack.charts import CHART_PX
from pack.context import Context
from pack.layout import (
    BODY_W,
    INK,
    MARGIN,
    MUTED,
    NAVY,
    PAGE_H,
    PAGE_W,
    RULE,
    Pdf,
    missing_glyphs_note,
    page_title,
    status_colour,
)
from pack.league import league_table
from pack.lists import actions_table, movers
from pack.tiles import tile
from presentation import fmt
from presentation import verdict as verdict_mod
from queries.registry import PANELS, panel_order
from queries.scorecard import Scorecard
from store.actions import scope_names


def _legend(pdf: Pdf, x: float, y: float) -> None:
    pdf.font(6.3, colour=MUTED)
    cx = x
    for st in ("green", "amber", "red", "low_confidence", "no_target"):
        pdf.set_fill_color(status_colour(st))
        pdf.rect(cx, y + 1.1, 2.2, 2.2, style="F")
        label = fmt.STATUS_TEXT[st]
        pdf.text_at(cx + 3, y, pdf.get_string_width(label) + 2, 4.4, label)
        cx += pdf.get_string_width(label) + 8
    pdf.text_at(cx + 2, y, PAGE_W - MARGIN - cx - 2, 4.4,
                "± half-width of the 95% interval · ▲▼ a real and material change · ≈ change "
                "within the sampling noise · near target: within 5% of the target")


def _verdict_block(pdf: Pdf, ctx: Context, x: float, y: float, w: float,
                   size: float = 8.0) -> float:
    """The page's verdict strip in print: counts, off-target metrics, furthest behind, the
    findings that hold and the actions. Wrapped lines, never cut; returns the y below it."""
    v = ctx.verdict
    c = v.counts
    cx = x
    chips = [("green", f"{c['green']} of {v.with_target} on target"),
             ("amber", f"{c['amber']} near"), ("red", f"{c['red']} off")]
    if c["unjudged"]:
        chips.append(("low_confidence", f"{c['unjudged']} too few answers to judge"))
    pdf.font(size + 1.5, bold=True, colour="#ffffff")
    for status, text in chips:
        tw = pdf.get_string_width(text) + 2 * pdf.c_margin + 3
        pdf.set_fill_color(status_colour(status))
        pdf.rect(cx, y, tw, size * 0.62, style="F")
        pdf.set_text_color("#1f1f1f" if status == "amber" else "#ffffff")
        pdf.text_at(cx, y, tw, size * 0.62, text, align="C")
        cx += tw + 2
    y += size * 0.62 + 1.8
    names = scope_names(ctx.dims)
    rows: list[tuple[str, str]] = [
        ("Off target", " · ".join(verdict_mod.metric_words(r) for r in v.off) or "none")]
    if v.behind:
        rows.append((v.behind_heading,
                     " · ".join(verdict_mod.behind_words(b) for b in v.behind)))
    elif v.standing:
        rows.append(("In its region", v.standing))
    for text in v.findings:
        rows.append((verdict_mod.finding_question(text), text))
    if v.actions:
        shown = v.overdue[:3] or v.actions[:3]
        rows.append(("Actions", f"{verdict_mod.actions_headline(v)}: " + " · ".join(
            verdict_mod.action_words(a, names) for a in shown)))
    else:
        rows.append(("Actions", "no open actions"))
    key_w = 44.0
    line_h = size * 0.48
    for key, text in rows:
        pdf.font(size, bold=True, colour=MUTED)
        pdf.text_at(x, y, key_w, line_h, key)
        pdf.font(size, colour=INK)
        pdf.set_xy(x + key_w, y)
        pdf.multi_cell(w - key_w, line_h, text, align="L")
        y = pdf.get_y() + 0.6
    return y


def scorecard_page(pdf: Pdf, ctx: Context, new_page: bool = True) -> None:
    """The verdict, then the five areas with all of each area's tiles together (as on the
    page); the 13-month charts follow on their own page."""
    card = ctx.card
    if new_page:
        pdf.add_page()
    pdf.start_section(f"Scorecard: {card.scope_name}")
    page_title(pdf, f"{card.scope_name} · {card.month:%B %Y}", _facts_line(ctx))
    y = _verdict_block(pdf, ctx, MARGIN, MARGIN + 12.5, BODY_W) + 2.5
    tallest = max(len(panel_order(p)) for p in PANELS)
    tile_gap = 2.2
    tile_h = min(23.0, (PAGE_H - 22 - y - 6 - tile_gap * tallest) / tallest)
    _tile_grid(pdf, card, y, tile_h, tile_gap, detail=True)
    _legend(pdf, MARGIN, PAGE_H - 19)


def _tile_grid(pdf: Pdf, card: Scorecard, top: float, tile_h: float, tile_gap: float,
               detail: bool) -> float:
    """The five areas side by side, each with all of its tiles in the page's order (detailed
    tiles on the scorecard page, compact ones on a region page); returns the y below them."""
    gap = 4.0
    cw = (BODY_W - 4 * gap) / 5
    title_pt, title_h, below = (8.5, 5, 6) if detail else (7.5, 4.5, 5)
    bottom = top
    for i, (panel, title) in enumerate(PANELS.items()):
        x = MARGIN + i * (cw + gap)
        pdf.font(title_pt, bold=True, colour=NAVY)
        pdf.text_at(x, top, cw, title_h, title)
        y = top + below
        for m in panel_order(panel):
            tile(pdf, x, y, cw, tile_h, card.metrics[m.name], card, detail=detail)
            y += tile_h + tile_gap
        bottom = max(bottom, y)
    return bottom


def trends_page(pdf: Pdf, ctx: Context) -> None:
    """The five areas' headline metrics over 13 months, with target and 95% band."""
    card = ctx.card
    pdf.add_page()
    pdf.start_section("13-month trends")
    page_title(pdf, f"13-month trends · {card.scope_name}", f"{card.month:%B %Y}")
    gap = 4.0
    cw = (BODY_W - 4 * gap) / 5
    chart_h = cw * CHART_PX[1] / CHART_PX[0]
    y = MARGIN + 14
    for i, panel in enumerate(PANELS):
        x = MARGIN + i * (cw + gap)
        chart = panel_order(panel)[0]
        pdf.font(8.5, bold=True, colour=NAVY)
        pdf.text_at(x, y, cw, 5, PANELS[panel])
        pdf.font(6.5, colour=MUTED)
        note = " · band: 95% interval" if chart.sampled else ""
        pdf.text_at(x, y + 5, cw, 3.6, f"{fmt.short_label(chart.name)}{note}")
        png = ctx.charts[i] if i < len(ctx.charts) else None
        if png is not None:
            pdf.image(io.BytesIO(png), x=x, y=y + 9.5, w=cw, h=chart_h)
        else:
            pdf.set_draw_color(RULE)
            pdf.rect(x, y + 9.5, cw, chart_h, style="D")
            pdf.font(6.2, colour=MUTED)
            pdf.text_at(x, y + 9.5 + chart_h / 2 - 2, cw, 4, "chart not rendered", align="C")
    pdf.font(7, colour=MUTED)
    pdf.text_at(MARGIN, y + 12 + chart_h, BODY_W, 4,
                "Dashed line: this year's target. Shaded band: each month's 95% interval.")


def _facts_line(ctx: Context) -> str:
    fresh = f"data to {ctx.latest:%d %b %Y}" if ctx.latest else "no survey data"
    window = ctx.card.window
    pooled = "" if window.code == "1m" else f"{window.label} · "  # the months behind the tiles
    return (f"{pooled}{fmt.compact(ctx.card.responses)} responses · {fresh} · "
            f"targets {ctx.targets.version}")


def league_page(pdf: Pdf, ctx: Context) -> None:
    card = ctx.card
    child = {"region": "regions", "location": "locations"}.get(card.scope.child_level or "")
    if not child and not ctx.actions:
        return  # a location with no open actions: no page at all
    pdf.add_page()
    title = f"League table of {child}, furthest behind first" if child else "Actions"
    kids = card.children_window
    pooled = f" · {kids.label}" if child and kids is not None and kids.code != "1m" else ""
    pdf.start_section(f"League table of {child}, movers, actions" if child else title)
    page_title(pdf, f"{title} · {card.scope_name}", f"{card.month:%B %Y}{pooled}")
    y = MARGIN + 13
    if child:  # a location has no children: nothing to rank, nothing that moved under it
        y = league_table(pdf, card, MARGIN, y, BODY_W, PAGE_H - 14 - y - 50, detail=True) + 3
        y = movers(pdf, card, y) + 2
    actions_table(pdf, ctx, y)


def region_page(pdf: Pdf, ctx: Context, card: Scorecard) -> None:
    pdf.add_page()
    pdf.start_section(f"Region: {card.scope_name}", level=1)
    page_title(pdf, f"{card.scope_name} region · {card.month:%B %Y}",
               f"{fmt.compact(card.responses)} responses · targets {ctx.targets.version}")
    bottom = _tile_grid(pdf, card, MARGIN + 12.5, 8.4, 1.2, detail=False)
    mine = [a for a in ctx.actions if a.region_id == card.scope.region]
    y = bottom + 2
    avail = PAGE_H - 14 - y - (9 if mine else 4)
    y = league_table(pdf, card, MARGIN, y, BODY_W, avail, detail=False,
                     continued=f"{card.scope_name} region (continued)")
    if mine:
        over = sum(a.status == "overdue" for a in mine)
        pdf.font(7, bold=True, colour=fmt.STATUS_COLOURS["red"] if over else NAVY)
        pdf.text_at(MARGIN, y, BODY_W, 4.5,
                    f"Open actions in {card.scope_name}: {over} overdue, {len(mine) - over} "
                    "open (listed on the actions page).")


def cover(pdf: Pdf, ctx: Context, outline: list) -> None:
    """Banner, then the verdict (the answers first) on the left, the pack's facts and contents
    on the right."""
    card = ctx.card
    pdf.set_fill_color(NAVY)
    pdf.rect(0, 0, PAGE_W, 78, style="F")
    pdf.font(9, bold=True, colour="#a9bde6")
    pdf.text_at(20, 18, 200, 6, "CX SCORECARD  ·  MONTHLY REVIEW  ·  BOARD PACK")
    pdf.font(32, bold=True, colour="#ffffff")
    pdf.text_at(20, 28, 250, 16, card.month.strftime("%B %Y"))
    level = {"company": "the whole network", "region": "region",
             "location": "location"}[card.scope.level]
    pdf.font(15, colour="#ffffff")
    pdf.text_at(20, 48, 250, 9, f"{card.scope_name} — {level}")
    pdf.font(8.5, colour="#c9d4ea")
    pdf.text_at(20, 60, 250, 5, "Leadership ownership → Incentive alignment → Culture → "
                                "Satisfaction → Loyalty & referral")

    x, y, w = 20.0, 88.0, 165.0
    pdf.font(11, bold=True, colour=NAVY)
    pdf.text_at(x, y, w, 7, "The verdict")
    _verdict_block(pdf, ctx, x, y + 9, w, size=8.5)

    x2, y2, w2 = 197.0, 88.0, 80.0
    pdf.font(11, bold=True, colour=NAVY)
    pdf.text_at(x2, y2, w2, 7, "This pack")
    y2 += 9
    fresh = f"{ctx.latest:%d %B %Y}" if ctx.latest else "no survey responses"
    facts = [
        ("Scope", _scope_words(ctx)),
        ("Data to", fresh),
        ("Responses", f"{card.responses:,} in {card.month:%B}"),
        ("Targets", f"version {ctx.targets.version}"),
        ("Generated", ctx.generated.strftime("%d %b %Y, %H:%M UTC")),
    ]
    lw = 22.0
    for label, value in facts:
        pdf.font(7.5, colour=MUTED)
        pdf.text_at(x2, y2, lw, 4.5, label)
        pdf.font(7.5, colour=INK)
        pdf.set_xy(x2 + lw, y2)
        pdf.multi_cell(w2 - lw, 4.5, value, align="L")
        y2 = max(pdf.get_y(), y2 + 4.5) + 0.8
    y2 += 4
    if pdf.replaced:
        pdf.font(7, bold=True, colour=fmt.STATUS_COLOURS["red"])
        pdf.set_xy(x2, y2)
        pdf.multi_cell(w2, 4, missing_glyphs_note(pdf.replaced), align="L")
        y2 = pdf.get_y() + 3
    pdf.font(11, bold=True, colour=NAVY)
    pdf.text_at(x2, y2, w2, 7, "Contents")
    y2 += 8
    regions = [s for s in outline if s.level == 1]
    for sec in outline:
        if sec.level != 0:
            continue
        pdf.font(8, colour=INK)
        pdf.text_at(x2, y2, w2 - 12, 4.8, sec.name)
        pdf.text_at(x2 + w2 - 12, y2, 12, 4.8, str(sec.page_number), align="R")
        y2 += 5.3
    if regions:
        first, last = regions[0].page_number, regions[-1].page_number
        pdf.font(8, colour=INK)
        pdf.text_at(x2, y2, w2 - 14, 4.8, f"Regions, worst first ({len(regions)})")
        pdf.text_at(x2 + w2 - 14, y2, 14, 4.8, f"{first}–{last}", align="R")
    pdf.font(6.8, colour=MUTED)
    pdf.set_xy(20, PAGE_H - 18)
    pdf.multi_cell(
        PAGE_W - 40, 3.6,
        "Every value is a ratio of sums over the scope's locations, with its sample size and "
        "95% margin. A change gets an arrow only when it is outside the sampling noise and "
        "large enough to matter. Status in words as well as colours: on target, near target "
        "(within 5% of the target), off target; too few answers to judge is never coloured.",
    )


def _scope_words(ctx: Context) -> str:
    card, dims = ctx.card, ctx.dims
    if card.scope.level == "company":
        return (f"Company: {len(dims.regions)} regions, {len(dims.locations)} locations")
    if card.scope.level == "region":
        n = int((dims.locations.region_id == card.scope.region).sum())
        return f"Region {card.scope_name} ({card.scope.region}): {n} locations"
    return f"Location {card.scope_name} ({card.scope.location}), region " \
           f"{dims.region_name(card.scope.region)}"
