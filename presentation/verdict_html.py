"""The verdict strip's markup (no Streamlit): the page draws it at the top, the printed board pack
prints it once. Every name is escaped; colours are the status palette (presentation/style.py),
and every colour sits beside its word.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from presentation import verdict as vd
from queries.scorecard import Scorecard

ACTIONS_SHOWN = 2


def _chip(status: str, text: str) -> str:
    return f'<span class="cx-chip cx-s-{status}">{html.escape(text)}</span>'


def _items(parts) -> str:
    """Items joined by " · " on a wide screen, one a line on a phone (dashboard/theme.py)."""
    sep = '<span class="cx-v-sep"> · </span>'
    return sep.join(f'<span class="cx-v-item">{p}</span>' for p in parts)


def strip_html(v: vd.Verdict, card: Scorecard, names: Mapping[str, str],
               findings_pending: bool = False) -> str:
    e = html.escape
    c = v.counts
    on = _chip("green", f"{c['green']} of {v.with_target} on target")
    near, off = _chip("amber", f"{c['amber']} near"), _chip("red", f"{c['red']} off")
    title = f"{card.scope_name} · {card.month:%B %Y}"
    head = f'<span class="cx-v-title">{e(title)}</span> {on} {near} {off}'
    if c["unjudged"]:
        head += " " + _chip("low_confidence", vd.unjudged_text(v))
    rows = [f'<div class="cx-v-head" data-verdict="{e(vd.headline(v))}">{head}</div>']

    def row(key: str, body: str, kind: str = "") -> None:
        rows.append(f'<div class="cx-v-row {kind}"><span class="cx-v-k">{e(key)}</span>'
                    f'<span class="cx-v-b">{body}</span></div>')

    if v.off:
        row("Off target", _items(f"<b>{e(vd.metric_words(r))}</b>" for r in v.off),
            "cx-v-off cx-v-list")
    else:
        row("Off target", "none")
    if v.behind:
        row(v.behind_heading,
            _items(e(vd.behind_words(b)) for b in v.behind), "cx-v-list")
    elif v.standing:
        row("In its region", e(v.standing))
    elif card.scope.child_level is not None:
        row("Furthest behind", f"no {e(v.children_word)} off or near target")
    if v.worth:
        row("At stake", e(v.worth))
    if v.voice:
        row("What customers say", e(v.voice))
    if v.findings:
        for text in v.findings:
            row(vd.finding_question(text), e(text))
    elif findings_pending:
        row("Led from the top?", "testing the leadership effect on this view's data…")
    if v.actions:
        shown = v.overdue[:ACTIONS_SHOWN] or v.actions[:ACTIONS_SHOWN]
        word = "overdue" if v.overdue else "open"
        more = len(v.overdue if v.overdue else v.actions) - len(shown)
        lst = " · ".join(e(vd.action_words(a, names)) for a in shown)
        tail = f" and {more} more" if more > 0 else ""
        row("Actions", f"{e(vd.actions_headline(v))}; {word}: {lst}{e(tail)}",
            "cx-v-over" if v.overdue else "")
    else:
        row("Actions", "no open actions for this view")
    return f'<div class="cx-verdict">{"".join(rows)}</div>'
