"""The tables behind the page's CSV downloads and the pack: the same rows, in the same order.

No Streamlit and no PDF here; every frame is built from a `Scorecard` (or the actions listed),
so a CSV, the pack and the page never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from presentation.text import csv_cell
from queries.ranking import worst_first
from queries.registry import BY_NAME, METRICS, Metric
from queries.scope import Scope
from queries.scorecard import Scorecard
from store.actions import Action

HEADLINE: tuple[Metric, ...] = tuple(m for m in METRICS if m.headline)
COUNT_COLUMNS = ("n", "responses", "excluded_rows", "min_n", "id")


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows "±" and accents correctly.

    Text cells that a spreadsheet would run as a formula (= + - @ tab CR first) get a leading
    single quote (OWASP); counts are written as integers ("3232", not "3232.0")."""
    out = df.copy()
    for col in out.columns:
        if col in COUNT_COLUMNS and pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].round().astype("Int64")
        elif not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].map(csv_cell).astype(object)
    return out.to_csv(index=False).encode("utf-8-sig")


def metrics_frame(card: Scorecard) -> pd.DataFrame:
    """The tiles as a table: the same fields as `cx-scorecard metrics --format json`."""
    rows = []
    for r in card.metrics.values():
        d = r.as_dict()
        lo_hi = d.pop("interval_95") or [None, None]
        rows.append({"scope": card.scope_name, "month": card.month.strftime("%Y-%m"),
                     **d, "interval_95_low": lo_hi[0], "interval_95_high": lo_hi[1]})
    return pd.DataFrame(rows)


def league_frame(card: Scorecard, metrics: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per child (region or location), furthest behind first (`ranking.worst_first`,
    the page's order too): value, 95% margin (its interval's half-width), the interval's low
    and high ends and status of each metric, and how many are off and near target."""
    names = tuple(metrics or [m.name for m in HEADLINE])
    return worst_first(card.children, names)


def movers_frame(card: Scorecard) -> pd.DataFrame:
    cols = ["key", "name", "metric", "label", "value", "previous", "delta", "n", "z", "p_value",
            "q_value", "tests", "direction", "favourable", "small_sample", "sentence"]
    rows = [{k: v for k, v in m.items() if k != "good"} | {"favourable": m["good"]}
            for m in card.movers]
    return pd.DataFrame(rows, columns=cols)


def trend_frame(card: Scorecard) -> pd.DataFrame:
    """The 13 months behind the sparklines and trend charts, one row per month and metric."""
    rows = [{"month": mo.strftime("%Y-%m"), "metric": r.name, "label": BY_NAME[r.name].label,
             "value": None if v is None else round(v, 4)}
            for r in card.metrics.values() for mo, v in r.trend]
    return pd.DataFrame(rows, columns=["month", "metric", "label", "value"])


def actions_frame(actions: Sequence[Action], names: dict[str, str] | None = None) -> pd.DataFrame:
    names = names or {}
    rows = [{
        "id": a.id, "status": a.status, "scope_level": a.scope_level,
        "scope": a.scope_name(names),
        "region_id": a.region_id, "location_id": a.location_id, "metric": a.metric,
        "metric_label": BY_NAME[a.metric].label if a.metric in BY_NAME else a.metric,
        "owner": a.owner, "due_month": a.due_month.strftime("%Y-%m"), "text": a.text,
        "created_at": a.created_at.isoformat(timespec="seconds"), "created_by": a.created_by,
        "done_at": a.done_at.isoformat(timespec="seconds") if a.done_at else None,
    } for a in actions]
    return pd.DataFrame(rows, columns=["id", "status", "scope_level", "scope", "region_id",
                                       "location_id", "metric", "metric_label", "owner",
                                       "due_month", "text", "created_at", "created_by",
                                       "done_at"])


def csv_name(kind: str, scope: Scope, month: date) -> str:
    """e.g. cx-scorecard_NE_2026-10_league.csv: says what and when, safe on every OS."""
    where = scope.location or scope.region or "company"
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in str(where))
    return f"cx-scorecard_{safe}_{month:%Y-%m}_{kind}.csv"


def pack_name(scope: Scope, month: date) -> str:
    return csv_name("board-pack", scope, month).removesuffix(".csv") + ".pdf"
