"""Alerts: what in a subscriber's view changed enough to say so before the monthly meeting.

Two signals, both the page's own rules, so an alert never says what the page would not:

- **A metric crossed its target band**: the view's own tile is off target (red) now and was on
  or near target the period before (it fell off), or is on target (green) now and was off target
  before (it came back), AND the tile's change carries an arrow: real by the page's noise test
  and material (`queries.material.shown_change`), with the view's metrics tested as one
  family (Bonferroni: p < 0.05 / the number of judged metrics, so a view where nothing changes
  alerts on a crossing in at most 5% of months). A colour that flips inside the noise, or
  whose interval spans the band ('too close to call'), is no alert.
- **A mover appeared**: a child whose headline metric moved beyond the noise after the
  Benjamini-Hochberg false-discovery control over every child and metric (`Scorecard.movers`).

Measured on simulated warehouses where nothing changes (tests/test_digest_alerts.py), both
rules together alert far fewer than 5% of scope-months. A line already alerted (same view, metric
or mover, month and direction) is not alerted again; at most one alert mail per person per day
(the send log's key).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from presentation import fmt
from queries.material import shown_change
from queries.registry import BY_NAME
from queries.scope import Scope
from queries.scorecard import MetricResult, Scorecard
from queries.targets import Targets, status

JUDGED = ("green", "amber", "red")
ALPHA = 0.05  # the chance that a view where nothing changed alerts on a crossing in a month


@dataclass(frozen=True)
class Change:
    """One alert line: `ident` makes it the same line on a later run (not alerted twice)."""

    ident: str
    sentence: str
    bad: bool


def _before_status(r: MetricResult, scope: Scope, month: date, targets: Targets) -> str:
    """The previous period's colour, by the same rule as the tile's (its value, rounded)."""
    tgt = targets.for_metric(r.name, scope.region, scope.location, month.year)
    return status(r.name, r.previous, tgt, False)


def crossings(metrics: Mapping[str, MetricResult], scope: Scope, month: date,
              targets: Targets) -> list[Change]:
    """The view's metrics that fell off target or came back on target, beyond the noise."""
    out: list[Change] = []
    family = [r for r in metrics.values() if r.target is not None and r.change_p is not None]
    alpha = ALPHA / max(len(family), 1)  # Bonferroni over the view's judged metrics
    for r in family:
        if r.status not in JUDGED or r.previous is None:
            continue
        moved = shown_change(r.name, r.change_prev, r.delta_prev)
        if moved not in ("rise", "fall") or r.change_p > alpha:
            continue  # within the noise, or too small to matter: no alert
        before = _before_status(r, scope, month, targets)
        if before not in JUDGED:
            continue
        m = BY_NAME[r.name]
        now_text = f"{fmt.value_text(m, r.value)} ({fmt.target_text(m, r.target)})"
        was = fmt.value_text(m, r.previous)
        if r.status == "red" and before in ("green", "amber"):
            out.append(Change(f"cross|{r.name}|off", f"{fmt.short_label(r.name)} fell off "
                              f"target: {now_text}, was {was}", True))
        elif r.status == "green" and before == "red":
            out.append(Change(f"cross|{r.name}|on", f"{fmt.short_label(r.name)} is back on "
                              f"target: {now_text}, was {was}", False))
    return out


def mover_changes(card: Scorecard) -> list[Change]:
    """The view's movers (false-discovery controlled), as alert lines."""
    return [Change(f"mover|{m['key']}|{m['metric']}|{m['direction']}", str(m["sentence"]),
                   not bool(m["good"])) for m in card.movers]


def changes(card: Scorecard, targets: Targets) -> list[Change]:
    """Every alert line of one view's scorecard, worst news first."""
    found = crossings(card.metrics, card.scope, card.month, targets) + mover_changes(card)
    return sorted(found, key=lambda c: not c.bad)
