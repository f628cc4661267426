"""Targets and status bands, read from the versioned targets.toml (never from code).

Status is decided here and only here: the page, the CLI and the board pack call `status`.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, create_model, model_validator

from queries import settings
from queries.registry import BY_NAME
from queries.tomlfile import Strict, TomlFileError, key_lines, read, validate

ENV_TARGETS = settings.TARGETS_FILE.name
DEFAULT_FILE = Path(__file__).with_name("targets.toml")
STATUSES = ("green", "amber", "red", "unsure", "low_confidence", "no_data", "no_target")
# "Near target" must mean near: unless targets.toml sets a metric's `amber` explicitly, the amber
# band is this fraction of the target's size (5%: NPS target 47 -> within 2.35 pts; 60% -> 3 pts).
AMBER_FRACTION = 0.05


@dataclass(frozen=True)
class Target:
    value: float | None
    amber: float


@dataclass(frozen=True)
class Targets:
    version: str
    weights: tuple[float, float, float]
    raw: dict

    def annual_value(self, region: str | None = None) -> float | None:
        """`[value]`: what a customer is worth a year (a region's own figure first); None when
        the file sets none: then only counts of customers are shown, never money."""
        value = self.raw.get("value", {})
        own = value.get("regions", {}).get(str(region)) if region is not None else None
        got = own if own is not None else value.get("annual_value_per_customer")
        return None if got is None else float(got)

    @property
    def currency(self) -> str:
        return str(self.raw.get("value", {}).get("currency", ""))

    @property
    def fiscal_year_start(self) -> int:
        """`[fiscal_year] start_month`: the month (1-12) the year to date counts from."""
        return int(self.raw.get("fiscal_year", {}).get("start_month", 1))

    def for_metric(self, metric: str, region: str | None = None, location: str | None = None,
                   year: int | None = None, journey: str | None = None) -> Target:
        """The target of one metric: defaults, then the year's, the region's, the location's,
        and last a journey's (`[journeys.service.nps]`: a journey's NPS is its own scale, so
        it overrides every other layer; docs/journeys.md)."""
        merged: dict = dict(self.raw.get("defaults", {}).get(metric, {}))
        layers = [self.raw.get("years", {}).get(str(year), {}) if year else {},
                  self.raw.get("regions", {}).get(str(region), {}) if region else {},
                  self.raw.get("locations", {}).get(str(location), {}) if location else {},
                  self.raw.get("journeys", {}).get(str(journey), {}) if journey else {}]
        for layer in layers:
            merged |= layer.get(metric, {})
        value = merged.get("target")
        amber = merged.get("amber")
        if amber is None:
            amber = AMBER_FRACTION * abs(float(value)) if value is not None else 0.0
        return Target(value, float(amber))


class TargetsError(TomlFileError):
    """The targets file is not valid: every problem with its line."""

    what = "Targets file"


class _Target(Strict):
    target: float | None = Field(None, description="a number (the metric's display units)")
    amber: float | None = Field(None, ge=0, description="a number >= 0 (display units)")


class _Metrics(Strict):
    UNKNOWN: ClassVar[str] = "unknown metric"


# One optional entry per metric of the registry: an unknown or misspelt metric is refused.
_Layer = create_model("_Layer", __base__=_Metrics,
                      **{name: (_Target | None, None) for name in BY_NAME})


class _Acsi(Strict):
    sat_overall: float = Field(1 / 3, ge=0)
    sat_expectations: float = Field(1 / 3, ge=0)
    sat_ideal: float = Field(1 / 3, ge=0)

    @model_validator(mode="after")
    def _sum_to_one(self) -> _Acsi:
        weights = (self.sat_overall, self.sat_expectations, self.sat_ideal)
        if not math.isclose(sum(weights), 1.0, abs_tol=1e-6):
            raise ValueError(f"the three weights must sum to 1, got {weights} "
                             f"(sum {sum(weights):.7g})")
        return self


class _Value(Strict):
    annual_value_per_customer: float | None = Field(
        None, gt=0, description="a number > 0 (a customer's value a year)")
    currency: str = Field("", max_length=8, description="text in quotes, like \"$\"")
    regions: dict[str, float] = Field({}, description="region id = a number > 0")

    @model_validator(mode="after")
    def _positive(self) -> _Value:
        bad = [k for k, v in self.regions.items() if not v > 0]
        if bad:
            raise ValueError(f"[value.regions] values must be > 0 (not {', '.join(bad)})")
        return self


class _FiscalYear(Strict):
    start_month: int = Field(1, ge=1, le=12, description="a whole number from 1 to 12")


class _TargetsFile(Strict):
    version: str = Field("unversioned", description='text in quotes, like version = "2026.11"')
    acsi: _Acsi = _Acsi()
    value: _Value = _Value()  # docs/value.md: customers and revenue at stake
    fiscal_year: _FiscalYear = _FiscalYear()
    defaults: _Layer = _Layer()  # type: ignore[valid-type]
    years: dict[str, _Layer] = {}  # type: ignore[valid-type]
    regions: dict[str, _Layer] = {}  # type: ignore[valid-type]
    locations: dict[str, _Layer] = {}  # type: ignore[valid-type]
    journeys: dict[Literal["sales", "service"], _Layer] = {}  # type: ignore[valid-type]


def parse(raw: dict, text: str = "", path: Path | None = None) -> Targets:
    """Validate the file: known metrics, numeric targets, weights >= 0 that sum to 1."""
    model, problems = validate(_TargetsFile, raw, key_lines(text))
    if model is None:
        raise TargetsError(path, problems)
    a = model.acsi
    return Targets(model.version, (a.sat_overall, a.sat_expectations, a.sat_ideal), raw)


@lru_cache(maxsize=4)
def _load(path: str, stamp: tuple | None) -> Targets:
    raw, text = read(Path(path), TargetsError)
    return parse(raw, text, Path(path))


def current_path() -> str:
    return str(settings.TARGETS_FILE.value() or DEFAULT_FILE)


def stamp(path: str | Path | None = None) -> tuple | None:
    """The targets file's identity (inode, size, mtime): part of the cache rule's key, so an
    edited or replaced file is read again and the page's results are rebuilt with it."""
    try:
        st = os.stat(path or current_path())
    except OSError:
        return None  # read() reports the missing file
    return (str(path or current_path()), st.st_ino, st.st_size, st.st_mtime_ns)


def load(path: str | Path | None = None) -> Targets:
    p = str(path or current_path())
    return _load(p, stamp(p))


def status(metric: str, value: float | None, target: Target, low_confidence: bool,
           interval: tuple[float, float] | None = None) -> str:
    """green / amber / red against the target; low_confidence and no_data are never coloured.

    The value is judged as it is shown (rounded to the metric's decimals), so two cells that read
    the same never carry different statuses side by side. A sampled value whose 95% `interval`
    spans the whole amber band (from below its red edge to the target or beyond) is 'unsure':
    the answers cannot tell on target from off target, and a colour there would flip with the
    draw (89% of a null warehouse's location-months flipped before this rule).
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no_data"
    if low_confidence:
        return "low_confidence"
    if target.value is None:
        return "no_target"
    m = BY_NAME[metric]
    if interval is not None and spans_band(metric, interval, target):
        return "unsure"
    gap = (round(float(value), m.decimals) - float(target.value)) * m.direction
    if gap >= 0:
        return "green"
    return "amber" if gap >= -target.amber else "red"


def spans_band(metric: str, interval: tuple[float, float], target: Target) -> bool:
    """True when the interval reaches both past the target and past the amber band's far edge."""
    if target.value is None or any(not math.isfinite(float(x)) for x in interval):
        return False
    d = BY_NAME[metric].direction
    lo, hi = sorted((float(x) - float(target.value)) * d for x in interval)
    return hi >= 0 and lo < -target.amber
