"""How a result leaves the query layer: plain numbers (None for a missing one) and JSON values."""

from __future__ import annotations

import dataclasses
import math
from datetime import date
from typing import Any

import numpy as np


def jsonable(value: Any, nd: int = 3) -> Any:
    """Plain JSON types: NaN -> None, dates -> ISO strings, floats rounded, tuples -> lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name), nd) for f in dataclasses.fields(value)
                if not f.name.startswith("_")}
    if isinstance(value, dict):
        return {str(k): jsonable(v, nd) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v, nd) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(value) else round(float(value), nd)
    if isinstance(value, date):
        return value.isoformat()
    return value


def finite_or_none(v: object) -> float | None:
    """The value as a plain float, or None when it is missing, NaN, infinite or not a number:
    what result fields hold, and the one test of "is there a number to show" for the page, its
    charts and the pack (a NaN would otherwise print as "nan" and plot as a point)."""
    if v is None:
        return None
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def signed(v: float, nd: int = 1) -> str:
    """A number with its sign always shown, for sentences (+2.5, -0.3)."""
    return f"{v:+.{nd}f}"
