"""Touchpoint answers (the optional `survey_items` table) aggregated in the warehouse.

Two statements, both returning sums only (a few dozen rows whatever the warehouse holds), so the
touchpoint scores and the key drivers need no raw rows in Python and run on Spark as on DuckDB:

- `scores_select`: per period and item, the answers' count, sum and sum of squares (an item's
  mean and its interval, now and in the previous window);
- `cross_select`: per pair of items answered in the same response, the count, the sums, the
  sums of squares and the cross-products of both answers and of the NPS answer: every entry of
  the items' and NPS answer's covariance matrix (pairwise complete), which is all a regression
  of the NPS answer on the items, and its Shapley decomposition, needs (queries/insights/drivers).

Responses are the figures' own (aggregate.responses: each response_id once, in scope, in the
window, of the chosen journey); a response's items are joined to it, an item answered twice in
one response counts once (its lowest valid answer; `check` counts the duplicates). With journey
"All" and a journey column, pairs are grouped by journey too: sales and service ask different
questions, and one item name may be asked on both journeys (facility).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from queries.scope import Scope
from queries.sql.aggregate import responses
from queries.sql.compile import finite
from queries.sql.grouping import Periods, known_location
from queries.sql.schema import table

Double = sa.Double()


def _answers() -> sa.Subquery:
    """One valid 0-10 answer per (response_id, item)."""
    t = table("survey_items")
    valid = [t.c.score.is_not(None), finite(t.c.score), t.c.score >= 0, t.c.score <= 10,
             t.c.item.is_not(None)]
    return (sa.select(t.c.response_id, t.c.item, sa.func.min(t.c.score).label("score"))
            .where(*valid).group_by(t.c.response_id, t.c.item).subquery("answers"))


def _responses(scope: Scope, start: date, stop: date, with_journey: bool) -> sa.Subquery:
    """The figures' responses (aggregate.responses), of known locations only."""
    r = responses(scope, start, stop, journey_column=with_journey)
    where = [r.c.location_id.is_not(None)]
    if scope.level == "company":
        where.append(known_location(r.c.location_id))
    journey = r.c.journey if with_journey or scope.journey else sa.null()
    return (sa.select(r.c.response_id, r.c.responded_on, r.c.nps_score, journey.label("journey"))
            .where(*where).subquery("resp"))


def scores_select(scope: Scope, periods: Periods, with_journey: bool) -> sa.Select:
    """Per (period label, journey, item): n, sum and sum of squares of the answers. `periods`
    are (label, start, stop) windows, e.g. the view's window and the one before it."""
    start, stop = min(p[1] for p in periods), max(p[2] for p in periods)
    r = _responses(scope, start, stop, with_journey)
    a = _answers()
    label = sa.case(*(
        (sa.and_(r.c.responded_on >= sa.bindparam(f"p{i}_start", lo, type_=sa.Date()),
                 r.c.responded_on < sa.bindparam(f"p{i}_stop", hi, type_=sa.Date())),
         sa.bindparam(f"p{i}_label", end, type_=sa.Date()))
        for i, (end, lo, hi) in enumerate(periods)), else_=sa.null())
    joined = (sa.select(label.label("period"), r.c.journey, a.c.item,
                        sa.cast(a.c.score, Double).label("x"))
              .select_from(r.join(a, a.c.response_id == r.c.response_id)).subquery("j"))
    j = joined
    return (sa.select(j.c.period, j.c.journey, j.c.item, sa.func.count().label("n"),
                      sa.func.sum(j.c.x).label("sx"), sa.func.sum(j.c.x * j.c.x).label("sxx"))
            .where(j.c.period.is_not(None))
            .group_by(j.c.period, j.c.journey, j.c.item))


def cross_select(scope: Scope, start: date, stop: date, with_journey: bool) -> sa.Select:
    """Per (journey, item a, item b) answered in one response with an NPS answer: the count and
    the sums that make the covariance of a, b and the NPS answer y over those responses."""
    r = _responses(scope, start, stop, with_journey)
    valid_y = [r.c.nps_score.is_not(None), finite(r.c.nps_score), r.c.nps_score >= 0,
               r.c.nps_score <= 10]
    a, b = _answers().alias("a"), _answers().alias("b")
    rows = (sa.select(r.c.journey, a.c.item.label("item_a"), b.c.item.label("item_b"),
                      sa.cast(a.c.score, Double).label("xa"),
                      sa.cast(b.c.score, Double).label("xb"),
                      sa.cast(r.c.nps_score, Double).label("y"))
            .select_from(r.join(a, a.c.response_id == r.c.response_id)
                         .join(b, b.c.response_id == r.c.response_id))
            .where(*valid_y).subquery("pairs"))
    p = rows.c
    sums = {"n": sa.func.count(), "sa": sa.func.sum(p.xa), "sb": sa.func.sum(p.xb),
            "saa": sa.func.sum(p.xa * p.xa), "sbb": sa.func.sum(p.xb * p.xb),
            "sab": sa.func.sum(p.xa * p.xb), "sy": sa.func.sum(p.y), "syy": sa.func.sum(p.y * p.y),
            "say": sa.func.sum(p.xa * p.y), "sby": sa.func.sum(p.xb * p.y)}
    return (sa.select(p.journey, p.item_a, p.item_b, *(v.label(k) for k, v in sums.items()))
            .group_by(p.journey, p.item_a, p.item_b))
