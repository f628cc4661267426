"""Payout alignment month by month: is CX-linked pay paid when the CX targets are met?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy.engine import Engine

from queries.insights.history import History, load_history
from queries.results import finite_or_none, jsonable
from queries.scope import Dims, Scope
from queries.targets import Targets

ALIGN_MONTHS = 24  # payout alignment series length


@dataclass(frozen=True)
class AlignmentPoint:
    month: date
    payout_alignment: float | None  # % of CX-linked pay paid where the CX target was met
    cx_linked_pay_share: float | None  # % of variable pay tied to CX
    locations: int


@dataclass(frozen=True)
class PayoutAlignment:
    scope_name: str
    target: float | None
    series: tuple[AlignmentPoint, ...]
    sentence: str

    def as_dict(self) -> dict[str, Any]:
        return {"analysis": "payout_alignment", **jsonable(self)}


def alignment_from(h: History, dims: Dims, targets: Targets) -> PayoutAlignment:
    met, paid = h.wide("payout_alignment__num").sum(0), h.wide("payout_alignment__den").sum(0)
    cx, var = h.wide("cx_linked_pay_share__num").sum(0), h.wide("cx_linked_pay_share__den").sum(0)
    rows = (h.wide("payout_alignment__rows") > 0).sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        align, share = 100 * met / paid, 100 * cx / var
    first = max(0, len(h.months) - ALIGN_MONTHS)
    series = tuple(AlignmentPoint(h.months[k], finite_or_none(align[k]), finite_or_none(share[k]),
                                  int(rows[k]))
                   for k in range(first, len(h.months)))
    tgt = targets.for_metric("payout_alignment", h.scope.region, h.scope.location,
                             h.month.year).value
    return PayoutAlignment(dims.name(h.scope), tgt, series, _align_sentence(series, tgt))


def _align_sentence(series: tuple[AlignmentPoint, ...], target: float | None) -> str:
    now = series[-1]
    if now.payout_alignment is None:
        return f"No CX-linked pay was reported for {now.month:%B %Y}."
    text = (f"In {now.month:%B %Y}, {now.payout_alignment:.0f}% of CX-linked pay went where the "
            f"CX target was met, so {100 - now.payout_alignment:.0f}% was paid regardless")
    text += "." if target is None else f" (target {target:.0f}%)."
    year = series[-13] if len(series) >= 13 else None
    if year is not None and year.payout_alignment is not None:
        text += f" A year earlier: {year.payout_alignment:.0f}%."
    return text


def payout_alignment(engine: Engine, dims: Dims, scope: Scope, month: date, targets: Targets,
                     history: History | None = None) -> PayoutAlignment:
    """Monthly payout alignment and CX-linked pay share for the scope (any level)."""
    h = history or load_history(engine, dims, scope, month, ALIGN_MONTHS, False)
    return alignment_from(h, dims, targets)


