"""Optional sections of the printed pack: each reads what it needs from the warehouse beside the
scorecard and prints its part after the analyses, only when it has something to say (a
warehouse without its tables: no section, no empty heading).

To add one (e.g. "What customers say", issue 27), write a module with a `fetch` and a `render`
and name it in `SECTIONS` below; the contents list, its page number and the running header come
with it. `fetch(engine, dims, scope, month, allowed)` runs in a thread beside the scorecard and
the analyses and returns anything (None: no section); `render(data)` returns the section's body
as HTML, every warehouse string escaped (`html.escape`, presentation/text.py). A fetch or render
that fails costs only its own section: its place says it could not be read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from queries.access import Allowed
from queries.scope import Dims, Scope


@dataclass(frozen=True)
class Optional:
    """One optional section: its anchor (unique), its title, how it reads and how it prints."""

    anchor: str
    title: str
    fetch: Callable[[Engine, Dims, Scope, date, Allowed], Any]
    render: Callable[[Any], str]


def _worth() -> Optional:
    from pack import worth

    return Optional("worth", worth.TITLE, worth.fetch, worth.render)


def _comments() -> Optional:
    from pack import comments

    return Optional("comments", "What customers say", comments.fetch, comments.render)


SECTIONS: tuple[Optional, ...] = (_worth(), _comments())  # in print order, after the analyses


def fetch_all(engine: Engine, dims: Dims, scope: Scope, month: date, allowed: Allowed,
              sections: tuple[Optional, ...] | None = None) -> dict[str, Any]:
    """Each section's data by anchor (None: nothing to print; an exception: kept, to say so)."""
    out: dict[str, Any] = {}
    for s in SECTIONS if sections is None else sections:
        try:
            out[s.anchor] = s.fetch(engine, dims, scope, month, allowed)
        except Exception as exc:  # noqa: BLE001 - one section's failure never stops the pack
            out[s.anchor] = exc
    return out
