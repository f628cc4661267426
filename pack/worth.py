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


def fetch(engine: Engine, dims: Dims, scope: Scope, month: date, allowed: Allowed,
          window: Any = None, card: Any = None) -> Any:
    """The view's value report from the pack's own scorecard (`card`: the page's window, the
    same sums as its tiles; pack/optional.py hands it over), else its default window's."""
    from queries import scorecard, targets, value

    t = targets.load()
    if card is None:
        card = scorecard.build(engine, dims, scope, month, t, with_map=False,
                               window=window)
    return value.report(engine, dims, card, t)


def render(worth: Any) -> str:
    from presentation import worth as words

    return words.section_html(worth)
