"""Turn source values into the contract's types, or into a reason the row is rejected.

A row is rejected only when a value cannot be represented faithfully: an unparseable date, a word
where a number belongs, a value outside the map, an empty key, a repeated key. Values the contract
itself tolerates (out-of-range scores, skipped answers, duplicate response ids, unknown locations)
are kept: the metrics exclude and count them, and `check` reports them after the load.
"""

from __future__ import annotations

import contextlib
import math
import numbers
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from queries.loading.mapping import ColumnMap, TableMap
from queries.loading.readers import Chunk
from queries.sql.schema import ColumnSpec, TableSpec

# Keys that must be unique in a loaded table. Survey response ids are absent on purpose: the
# contract counts a duplicate once, so those rows are kept and reported by `check`.
KEYS: dict[str, tuple[str, ...]] = {
    "regions": ("region_id",),
    "locations": ("location_id",),
    "loyalty_monthly": ("location_id", "month"),
    "leadership_monthly": ("location_id", "month"),
    "incentives_monthly": ("location_id", "month"),
    "culture_monthly": ("location_id", "month"),
}
INT32, INT64 = 2**31, 2**63
TRUE_TEXT, FALSE_TEXT = {"true", "1"}, {"false", "0"}


class BadValue(ValueError):
    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True)
class Reason:
    """Why a row was rejected: `kind` groups the summary, `detail` goes into the rejects file."""

    column: str
    kind: str
    detail: str


@dataclass
class Converted:
    frame: pd.DataFrame  # the accepted rows, contract columns and types
    rejected: dict[int, list[Reason]] = field(default_factory=dict)  # chunk position -> reasons


def blank(v: Any) -> Any:
    """None for a missing value (None, NaN, NaT, empty or blank text); text comes back stripped."""
    if v is None:
        return None
    if isinstance(v, str):
        v = v.strip()
        return v or None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    return v


def _key_text(v: Any) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def to_text(v: Any) -> str:
    if isinstance(v, bool):
        raise BadValue("not text")
    if isinstance(v, numbers.Integral):
        return str(int(v))
    if isinstance(v, numbers.Real):
        return str(int(v)) if float(v).is_integer() else repr(float(v))
    if isinstance(v, datetime | date):
        return v.isoformat()
    return str(v)


def to_int(v: Any, limit: int) -> int:
    if type(v) is str and v.isascii() and v.isdigit():  # the common case, fast (ids, scores)
        out = int(v)
        if out >= limit:
            raise BadValue("too large for the column")
        return out
    if isinstance(v, bool):
        raise BadValue("not a whole number")
    if isinstance(v, numbers.Integral):
        out = int(v)
    else:
        f = _finite_float(v)
        if not f.is_integer():
            raise BadValue("not a whole number")
        out = int(v) if isinstance(v, str) and v.lstrip("+-").isdigit() else int(f)
    if not -limit <= out < limit:
        raise BadValue("too large for the column")
    return out


def _finite_float(v: Any) -> float:
    """A finite float, or BadValue: '1_000' is refused (Python's float() would accept it)."""
    try:
        f = float(v) if not isinstance(v, str) else float(v.replace("_", "x"))
    except (TypeError, ValueError):
        raise BadValue("not a number") from None
    if not math.isfinite(f):
        raise BadValue("not a number")
    return f


def to_float(v: Any) -> float:
    if isinstance(v, (bool, datetime | date)):
        raise BadValue("not a number")
    return _finite_float(v)


def to_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, numbers.Real) and v in (0, 1):
        return bool(v)
    if isinstance(v, str) and v.lower() in TRUE_TEXT | FALSE_TEXT:
        return v.lower() in TRUE_TEXT
    raise BadValue("not true/false")


def to_date(v: Any, fmt: str | None, month: bool) -> date:
    if isinstance(v, datetime):
        d = v.date()
    elif isinstance(v, date):
        d = v
    elif isinstance(v, str):
        try:
            d = datetime.strptime(v, fmt).date() if fmt else datetime.fromisoformat(v).date()
        except ValueError:
            raise BadValue(f"does not match {fmt}" if fmt else "not a YYYY-MM-DD date") from None
    else:
        raise BadValue(f"does not match {fmt}" if fmt else "not a date")
    return d.replace(day=1) if month else d  # a month is its first day, whatever day was given


def converter(spec: ColumnSpec, cm: ColumnMap):
    """The function turning one non-blank source value into the contract value (or BadValue)."""
    t = spec.type
    if isinstance(t, sa.Boolean):
        typed = to_bool
    elif isinstance(t, sa.Date):
        def typed(v: Any) -> date:
            return to_date(v, cm.format, spec.name == "month")
    elif isinstance(t, sa.Integer):
        limit = INT64 if isinstance(t, sa.BigInteger) else INT32

        def typed(v: Any) -> int:
            return to_int(v, limit)
    elif isinstance(t, sa.Float | sa.Numeric):
        typed = to_float
    else:
        typed = to_text
    if not cm.values:
        return typed
    table = cm.values
    shown = ", ".join(repr(k) for k in list(table)[:6]) + (", ..." if len(table) > 6 else "")

    def mapped(v: Any) -> Any:
        key = _key_text(v)
        if key in table:
            return typed(table[key])
        try:
            return typed(v)  # a value not in the map is taken as it is, if it is valid
        except BadValue:
            raise BadValue(f"not in the map ({shown})") from None

    return mapped


def _attempt(fn, v: Any) -> tuple[Any, str | None]:
    v = blank(v)
    if v is None:
        return None, None
    try:
        return fn(v), None
    except BadValue as exc:
        return None, exc.kind


def _reason(cm: ColumnMap, spec: ColumnSpec, raw: Any, kind: str | None) -> Reason:
    if kind is not None:
        return Reason(cm.column, kind, f"{cm.column}: {blank(raw)!r} {kind}")
    return Reason(cm.column, f"empty ({spec.name} is required)",
                  f"{cm.column}: empty ({spec.name} is required)")


def _convert_column(raw: pd.Series, spec: ColumnSpec, cm: ColumnMap
                    ) -> tuple[list[Any], dict[int, Reason]]:
    """Convert each distinct value once (scores and dates repeat a lot), then spread back."""
    fn = converter(spec, cm)
    if isinstance(raw.dtype, pd.StringDtype):  # CSV text: factorize, convert the distinct values
        codes, uniques = pd.factorize(raw)
        done = [_attempt(fn, u) for u in uniques] + [(None, None)]  # code -1 (missing) -> last
        value_of = np.empty(len(done), dtype=object)
        value_of[:] = [d[0] for d in done]
        failed = np.array([d[1] is not None for d in done])
        values = value_of[codes]
        bad_pos = np.flatnonzero(failed[codes] | (pd.isna(values) & (not spec.nullable)))
        texts = raw.to_numpy(dtype=object)
        bad = {int(p): _reason(cm, spec, texts[p], done[codes[p]][1]) for p in bad_pos}
        return values.tolist(), bad
    cache: dict[tuple[type, Hashable], tuple[Any, str | None]] = {}
    out: list[Any] = []
    bad = {}
    for pos, v in enumerate(raw.tolist()):
        key = (type(v), v)  # 1, 1.0 and True are equal keys in a dict: keep them apart
        try:
            hit = cache.get(key)
        except TypeError:  # unhashable (a list from Parquet): convert without the cache
            hit = None
        if hit is None:
            hit = _attempt(fn, v)
            with contextlib.suppress(TypeError):
                cache[key] = hit
        value, kind = hit
        if kind is not None or (value is None and not spec.nullable):
            bad[pos] = _reason(cm, spec, v, kind)
        out.append(value)
    return out, bad


def _typed(values: list[Any], spec: ColumnSpec) -> pd.api.extensions.ExtensionArray | pd.Series:
    t = spec.type
    if isinstance(t, sa.Boolean):
        return pd.array(values, dtype="boolean")
    if isinstance(t, sa.Date):
        return pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[s]")
    if isinstance(t, sa.Integer):
        return pd.array(values, dtype="Int64")
    if isinstance(t, sa.Float | sa.Numeric):
        return pd.array(values, dtype="Float64")
    return pd.array(values, dtype="str")


class KeyTracker:
    """Remembers each key's first row across chunks, so a repeated key is rejected wherever it
    appears (the first occurrence is kept)."""

    def __init__(self, table: str) -> None:
        self.columns = KEYS.get(table, ())
        self.first: dict[tuple, int] = {}

    def check(self, frame: pd.DataFrame, rows: list[int], skip: set[int]) -> dict[int, Reason]:
        if not self.columns:
            return {}
        out: dict[int, Reason] = {}
        keys = zip(*(frame[c].tolist() for c in self.columns), strict=True)
        for pos, key in enumerate(keys):
            if pos in skip:
                continue
            key = tuple(k.date() if isinstance(k, pd.Timestamp) else k for k in key)
            seen = self.first.setdefault(key, rows[pos])
            if seen != rows[pos]:
                shown = ", ".join(f"{c} {k}" for c, k in zip(self.columns, key, strict=True))
                out[pos] = Reason("", "duplicate key (first kept)",
                                  f"duplicate key ({shown}): row {seen} was kept")
        return out


def convert(chunk: Chunk, tm: TableMap, spec: TableSpec, keys: KeyTracker) -> Converted:
    """Map and convert one chunk; every rejected position carries all of its reasons."""
    n = len(chunk.frame)
    data: dict[str, Any] = {}
    rejected: dict[int, list[Reason]] = {}
    for col in spec.columns:
        cm = tm.column(col.name)
        if cm is None:  # an optional column left out of the mapping
            data[col.name] = _typed([None] * n, col)
            continue
        values, bad = _convert_column(chunk.frame[cm.column], col, cm)
        for pos, reason in bad.items():
            rejected.setdefault(pos, []).append(reason)
        data[col.name] = _typed(values, col)
    frame = pd.DataFrame(data)
    for pos, reason in keys.check(frame, chunk.rows, set(rejected)).items():
        rejected.setdefault(pos, []).append(reason)
    if rejected:
        keep = [p for p in range(n) if p not in rejected]
        frame = frame.iloc[keep].reset_index(drop=True)
    return Converted(frame, rejected)


def reason_counts(rejected: dict[int, list[Reason]]) -> Counter[str]:
    """'RecordedDate: does not match %d/%m/%Y' -> rows, for the load summary."""
    c: Counter[str] = Counter()
    for reasons in rejected.values():
        for r in reasons:
            c[f"{r.column}: {r.kind}" if r.column else r.kind] += 1
    return c
