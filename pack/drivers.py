"""The printed pack's "Touchpoints and key drivers" section (issue 28): the page's sentence and
the priority rule (presentation/figures/drivers.py) as a table, per journey shown. No section
when the warehouse has no touchpoint answers (pack/optional.py)."""

from __future__ import annotations

import html

from presentation.figures import drivers as fig
from queries.journeys import LABELS

TITLE = "Touchpoints and key drivers"


def fetch(engine, dims, scope, month, allowed, window=None):
    """The view's touchpoints and drivers on the pack's window (None: its level's default),
    or None."""
    from queries import journeys
    from queries.scope import Scope

    rec = journeys.recorded(engine)
    if not rec.items:
        return None
    return journeys.touch(engine, scope, month, window, rec, allowed.can_see(Scope()))


def render(touch) -> str:
    e = html.escape
    out = [f"<p>{e(touch.window_label.capitalize())}. Importance: each touchpoint's share of the "
           "variation in the NPS answer the touchpoints explain together (Shapley decomposition "
           f"of R²). Fix first: above an equal share and below {e(touch.network_label)}.</p>"]
    for d in touch.drivers:
        rows = fig.priority(d, touch.network)
        out.append(f"<h3>{e(LABELS.get(d.journey, 'All journeys'))}</h3>")
        out.append(f"<p>{e(fig.summary(d, rows, touch.network_label))}</p>")
        if not rows:
            continue
        body = "".join(
            f"<tr><td>{e(fig.label(r.item))}</td><td>{100 * r.importance:.1f}%</td>"
            f"<td>{r.mean:.2f}</td><td>{'' if r.level is None else f'{r.level:.2f}'}</td>"
            f"<td>{r.n:,}</td><td>{'Fix first' if r.fix_first else ''}</td></tr>"
            for r in rows)
        out.append("<table><thead><tr><th>Touchpoint</th><th>Importance</th><th>Mean</th>"
                   "<th>Level</th><th>Answers</th><th></th></tr></thead>"
                   f"<tbody>{body}</tbody></table>")
    return "".join(out)
