"""Is a change worth an arrow? Real (the statistics say so) AND material (big enough to matter).

The query layer classifies every change as rise / fall / steady (`stats.classify_change`): that
answers "is it real". A real change can still be too small to discuss in a board meeting (an
exact census metric moving 0.3 points is "real" but not news), so the page, the CLI and the pack
only colour a change that is also at least `MATERIAL_FRACTION` of the target (or, without a target,
of the previous value) and at least one step of the metric's shown precision. The statistics issue
may replace `material` with its own rule; everything else calls `shown_change` and follows.
"""

from __future__ import annotations

from queries.registry import BY_NAME

MATERIAL_FRACTION = 0.02  # NPS target 47 -> a move of at least 0.94 pts; 60% -> 1.2 pts


def material(metric: str, delta: float | None, target: float | None,
             previous: float | None = None) -> bool:
    """True when a change of `delta` is big enough to talk about (see module docstring)."""
    if delta is None:
        return False
    m = BY_NAME[metric]
    base = target if target is not None else previous
    floor = MATERIAL_FRACTION * abs(float(base)) if base is not None else 0.0
    step = 10.0 ** -m.decimals
    return abs(float(delta)) >= max(floor, step)


def shown_change(metric: str, change: str, delta: float | None, target: float | None,
                 previous: float | None = None) -> str:
    """'rise' / 'fall' only for a real and material change; 'small' when real but immaterial;
    otherwise the query layer's own word ('steady', 'n/a'). Survey volume is never a move."""
    if metric == "responses" and change in ("rise", "fall"):
        return "small"
    if change in ("rise", "fall") and not material(metric, delta, target, previous):
        return "small"
    return change
