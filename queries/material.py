"""Is a change worth an arrow? Real (the statistics say so) AND material (big enough to matter).

There is ONE materiality rule and it lives in the statistics (`stats.material`): a change must be
at least the metric's declared `min_change` (queries/registry.py) and at least one unit of its
displayed precision. `stats.change_call` already applies it before the noise test, so a 'rise' or
'fall' from the query layer is material by construction; this module only adds the presentation
words the page, the CLI and the pack share (survey volume is context, never a move), so no view
keeps a rule of its own.
"""

from __future__ import annotations

from queries import stats
from queries.registry import BY_NAME


def material(metric: str, delta: float | None) -> bool:
    """True when a change of `delta` is big enough to talk about: `stats.material` with the
    metric's registry `min_change` and displayed decimals."""
    m = BY_NAME[metric]
    return stats.material(None if delta is None else float(delta), m.decimals, m.min_change)


def shown_change(metric: str, change: str, delta: float | None) -> str:
    """'rise' / 'fall' only for a real and material change; 'small' when called a move but
    immaterial (or survey volume); otherwise the query layer's own word ('steady', 'n/a')."""
    if metric == "responses" and change in ("rise", "fall"):
        return "small"
    if change in ("rise", "fall") and not material(metric, delta):
        return "small"
    return change
