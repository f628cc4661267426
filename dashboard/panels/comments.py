"""The page's "What customers say": a lazy section whose label carries the answer ("Midwest
detractors: waiting 41%, price 17%"); opened, the top detractor themes with their change and
example comments (presentation/comments.py, shared with the pack) and a drill into one theme."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from dashboard import comments_data
from dashboard.panels import lazy
from presentation import comments as words
from presentation.fmt import escape_md
from queries.text.figures import CommentFigures

ICON = ":material/forum:"


def figures(eng, url: str, view, card, allowed) -> CommentFigures | None:
    """The view's figures without examples (for the label and the verdict); None when the
    warehouse has no tagged comments. Never raises: comments are an optional extra."""
    try:
        if comments_data.status(eng, url) != "ready":
            return None
        return comments_data.figures(eng, url, view.scope, view.month, card.window, allowed)
    except Exception:  # noqa: BLE001 - a failure here must not cost the scorecard
        return None


def section(eng, url: str, view, card, allowed, fig: CommentFigures | None) -> None:
    """Drawn only when the warehouse has comments (absent table: nothing on the page)."""
    try:
        state = comments_data.status(eng, url)
    except Exception:  # noqa: BLE001
        return
    if state == "absent":
        return
    if fig is None:
        label = f"{words.TITLE}: the comments are not tagged yet"
        with lazy.section(label, "comments", ICON) as shown:
            if shown:
                st.markdown("Run `cx-scorecard themes --build` (or `cx-scorecard rollup`) to "
                            "tag them; see docs/comments.md.")
        return
    label = f"{words.TITLE}: {escape_md(words.label(fig, card.scope_name))}"
    with lazy.section(label, "comments", ICON) as shown:
        if not shown:
            return
        full = comments_data.figures(eng, url, view.scope, view.month, card.window, allowed,
                                     examples=True)
        st.html(f"<style>{words.STYLE}</style>" + words.section_html(full, card.scope_name))
        _drill(eng, url, view, card, allowed, full)


def _drill(eng, url: str, view, card, allowed, fig: CommentFigures) -> None:
    named = [t for t in fig.themes if t.count]
    if not named:
        return
    labels = {t.id: f"{t.label} ({words.pct(t.share)})" for t in named}
    theme = st.selectbox("Read a theme's comments", list(labels), format_func=labels.get,
                         index=None, placeholder="Choose a theme…", key="cx_comment_theme")
    if theme is None:
        return
    rows, children = comments_data.theme_comments(eng, url, view.scope, view.month, card.window,
                                                  allowed, theme)
    if children:
        names = _child_names(card)
        frame = pd.DataFrame([
            {"": names.get(k, k or "(no region)"), "Detractor comments": n,
             "Naming the theme": words.pct(k1 / n if n else None)}
            for k, (k1, n) in sorted(children.items(), key=lambda kv: -(kv[1][0] / kv[1][1]
                                                                       if kv[1][1] else 0))])
        st.dataframe(frame, hide_index=True, width="stretch")
    items = "".join(
        f"<li>“{html.escape(r['comment'])}” <span class='cx-cm-chg'>"
        f"({html.escape(str(r['month']))}, {html.escape(str(r['sentiment']))})</span></li>"
        for r in rows)
    st.html(f"<style>{words.STYLE}</style><ul class='cx-cm-exs'>{items}</ul>")


def _child_names(card) -> dict:
    """Child id -> name, from the scorecard's own child rows."""
    try:
        kids = card.children
        return {str(k): str(v) for k, v in zip(kids["key"], kids["name"], strict=False)}
    except Exception:  # noqa: BLE001 - names are a nicety: ids are shown otherwise
        return {}
