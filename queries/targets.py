"""Targets and status bands, read from the versioned targets.toml (never from code).

Status is decided here and only here: the page, the CLI and the board pack call `status`.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from queries import settings
from queries.registry import BY_NAME

ENV_TARGETS = settings.TARGETS_FILE.name
DEFAULT_FILE = Path(__file__).with_name("targets.toml")
STATUSES = ("green", "amber", "red", "low_confidence", "no_data", "no_target")
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

    def for_metric(self, metric: str, region: str | None = None, location: str | None = None,
                   year: int | None = None) -> Target:
        merged: dict = dict(self.raw.get("defaults", {}).get(metric, {}))
        layers = [self.raw.get("years", {}).get(str(year), {}) if year else {},
                  self.raw.get("regions", {}).get(str(region), {}) if region else {},
                  self.raw.get("locations", {}).get(str(location), {}) if location else {}]
        for layer in layers:
            merged |= layer.get(metric, {})
        value = merged.get("target")
        amber = merged.get("amber")
        if amber is None:
            amber = AMBER_FRACTION * abs(float(value)) if value is not None else 0.0
        return Target(value, float(amber))


def parse(raw: dict, source: str = "targets") -> Targets:
    """Validate the file: known metrics, numeric targets, weights that sum to 1."""
    for section in ("defaults",):
        for name in raw.get(section, {}):
            if name not in BY_NAME:
                raise ValueError(f"{source}: unknown metric {name!r} in [{section}]")
    for group in ("years", "regions", "locations"):
        for key, layer in raw.get(group, {}).items():
            for name, spec in layer.items():
                if name not in BY_NAME:
                    raise ValueError(f"{source}: unknown metric {name!r} in [{group}.{key}]")
                if not isinstance(spec.get("target", 0), int | float):
                    raise ValueError(f"{source}: target of {name} in [{group}.{key}] not a number")
    w = raw.get("acsi", {})
    weights = (float(w.get("sat_overall", 1 / 3)), float(w.get("sat_expectations", 1 / 3)),
               float(w.get("sat_ideal", 1 / 3)))
    if any(x < 0 for x in weights) or not math.isclose(sum(weights), 1.0, abs_tol=1e-6):
        raise ValueError(f"{source}: [acsi] weights must be >= 0 and sum to 1, got {weights}")
    return Targets(str(raw.get("version", "unversioned")), weights, raw)


@lru_cache(maxsize=4)
def _load(path: str) -> Targets:
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"Cannot read targets file {p}: {exc}") from exc
    return parse(raw, str(p))


def load(path: str | Path | None = None) -> Targets:
    return _load(str(path or settings.TARGETS_FILE.value() or DEFAULT_FILE))


def status(metric: str, value: float | None, target: Target, low_confidence: bool) -> str:
    """green / amber / red against the target; low_confidence and no_data are never coloured.

    The value is judged as it is shown (rounded to the metric's decimals), so two cells that read
    the same never carry different statuses side by side.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no_data"
    if low_confidence:
        return "low_confidence"
    if target.value is None:
        return "no_target"
    m = BY_NAME[metric]
    gap = (round(float(value), m.decimals) - float(target.value)) * m.direction
    if gap >= 0:
        return "green"
    return "amber" if gap >= -target.amber else "red"
