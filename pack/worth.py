"""The printed pack's "What it is worth, and the year's pace" (an optional section,
pack/optional.py): the page's value section (presentation/worth.py), read in the pack's worker
thread beside the scorecard. docs/value.md.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from queries.access import Allowed
from queries.scope import Dims, Scope

TITLE = "What it is worth, and the year's pace"


def fetch(engine: Engine, dims: Dims, scope: Scope, month: date, allowed: Allowed) -> Any:
    """The view's value report on its default window (the same scorecard sums as its tiles)."""
    from queries import scorecard, targets, value

    t = targets.load()
    card = scorecard.build(engine, dims, scope, month, t, with_map=False)
    return value.report(engine, dims, card, t)


def render(worth: Any) -> str:
    from presentation import worth as words

    return words.section_html(worth)
