"""What customers say, in words: the section's answer-in-label, a theme's row, the verdict's
sentence. One wording for the page, the pack and the CLI (the figures: queries/text/figures.py).
"""

from __future__ import annotations

import html

from queries.text.figures import CommentFigures, ThemeFigure

TITLE = "What customers say"
ARROWS = {"rise": "▲", "fall": "▼", "steady": "", "n/a": ""}


def pct(share: float | None) -> str:
    return "–" if share is None else f"{100.0 * share:.0f}%"


def label(fig: CommentFigures, scope_name: str, k: int = 2) -> str:
    """The answer in the label: 'Midwest detractors: waiting 41%, price 22%'."""
    top = fig.top(k)
    if not fig.detractor_comments or not top:
        if fig.comments:
            return f"{scope_name}: {fig.comments:,} comments, none from detractors naming a theme"
        return f"{scope_name}: no comments in this window"
    shares = ", ".join(f"{t.short} {pct(t.share)}" for t in top)
    return f"{scope_name} detractors: {shares}"


def change_text(t: ThemeFigure) -> str:
    """'up 7 pts (beyond noise)', 'down 2 pts (within noise)', 'no earlier comments'."""
    if t.prev_share is None or t.change == "n/a":
        return "no earlier comments to compare"
    pts = t.change_points or 0.0
    if abs(pts) < 0.5:
        return "unchanged"
    way = "up" if pts > 0 else "down"
    noise = "beyond noise" if t.change in ("rise", "fall") else "within noise"
    unit = "pt" if round(abs(pts)) == 1 else "pts"
    return f"{way} {abs(pts):.0f} {unit} ({noise})"


def row_text(t: ThemeFigure, fig: CommentFigures) -> str:
    return (f"{t.label}: {pct(t.share)} of {fig.detractor_comments:,} detractor comments "
            f"({t.count:,}); {change_text(t)}")


def sentiment_text(fig: CommentFigures) -> str:
    total = sum(fig.sentiment.values())
    if not total:
        return "No comments in this window."
    parts = [f"{pct(fig.sentiment.get(s, 0) / total)} {s}"
             for s in ("negative", "mixed", "positive", "neutral")]
    return f"{total:,} comments: " + ", ".join(parts) + "."


def verdict_sentence(fig: CommentFigures | None) -> str | None:
    """The verdict's line when one theme stands out among detractors; None otherwise."""
    if fig is None:
        return None
    t = fig.standout()
    if t is None:
        return None
    return (f"Detractors talk most about {t.label.lower()}: {pct(t.share)} of their "
            f"{fig.detractor_comments:,} comments.")


def window_text(fig: CommentFigures) -> str:
    """'October 2026' or 'Aug 2026 to Oct 2026': the months the figures pool."""
    from queries.months import add_months

    last = add_months(fig.stop, -1)
    if fig.start == last:
        return f"{last:%B %Y}"
    return f"{fig.start:%b %Y} to {last:%b %Y}"


def section_html(fig: CommentFigures, scope_name: str, k: int = 5) -> str:
    """The top detractor themes with their shares, changes and example comments, as HTML: every
    comment and name escaped (shown as typed, never as markup). The page and the pack draw it."""
    e = html.escape
    head = (f'<p class="cx-cm-sum">{e(window_text(fig))} ({e(fig.window.label)}) · '
            f"{fig.detractor_comments:,} detractor comments, share naming each theme · all "
            f"{e(sentiment_text(fig))}</p>")
    rows = []
    for t in fig.top(k):
        arrow = ARROWS.get(t.change, "")
        cls = {"rise": "cx-cm-up", "fall": "cx-cm-down"}.get(t.change, "")
        quotes = "".join(f'<li class="cx-cm-ex">“{e(x)}”</li>' for x in t.examples)
        rows.append(
            f'<div class="cx-cm-theme" data-theme="{e(t.id)}">'
            f'<div class="cx-cm-row"><span class="cx-cm-label">{e(t.label)}</span>'
            f'<span class="cx-cm-bar"><span style="width:{100.0 * t.share:.0f}%"></span></span>'
            f'<span class="cx-cm-share">{pct(t.share)}</span>'
            f'<span class="cx-cm-chg {cls}">{e(arrow)} {e(change_text(t))}</span></div>'
            + (f'<ul class="cx-cm-exs">{quotes}</ul>' if quotes else "") + "</div>")
    if not rows:
        rows.append('<p class="cx-cm-none">No detractor comments name a theme in this '
                    "window.</p>")
    return f'<div class="cx-comments">{head}{"".join(rows)}</div>'


STYLE = """
.cx-comments{font-size:0.92rem}
.cx-cm-sum{color:#555;margin:0 0 .5rem 0}
.cx-cm-theme{margin:0 0 .6rem 0}
.cx-cm-row{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
.cx-cm-label{font-weight:600;min-width:12rem}
.cx-cm-bar{flex:1 1 6rem;max-width:14rem;height:.55rem;background:#eee;border-radius:3px}
.cx-cm-bar span{display:block;height:100%;background:#b23b3b;border-radius:3px}
.cx-cm-share{font-weight:600;min-width:2.5rem;text-align:right}
.cx-cm-chg{color:#666;font-size:.85rem}
.cx-cm-up{color:#b23b3b}.cx-cm-down{color:#2e7d32}
.cx-cm-exs{margin:.2rem 0 0 1rem;padding:0;color:#333;font-style:italic;overflow-wrap:anywhere}
.cx-cm-ex{margin:.1rem 0}
"""
