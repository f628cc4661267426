"""Optional sections of the printed pack: each reads what it needs from the warehouse beside the
scorecard and prints its part after the analyses, only when it has something to say (a
warehouse without its tables: no section, no empty heading).

To add one (e.g. "What customers say", issue 27), write a module with a `fetch` and a `render`
and name it in `SECTIONS` below; the contents list, its page number and the running header come
with it. `fetch(engine, dims, scope, month, allowed, window=)` runs in its own thread beside the
scorecard and the analyses and returns anything (None: no section); `window` is the pack's
(`--window`; None: the level's default, as on the page); with `with_card=True` it also gets
`card=`, the view's scorecard (the pack's own, waited for: no second build). `render(data)`
returns the section's body as HTML, every warehouse string escaped (`html.escape`,
presentation/text.py). A fetch or render that fails costs only its own section: its place says
it could not be read.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from queries.access import Allowed
from queries.scope import Dims, Scope
from queries.windows import Window


@dataclass(frozen=True)
class Optional:
    """One optional section: its anchor (unique), its title, how it reads and how it prints."""

    anchor: str
    title: str
    fetch: Callable[..., Any]  # (engine, dims, scope, month, allowed, window=[, card=])
    render: Callable[[Any], str]
    with_card: bool = False  # fetch also gets card=, the view's scorecard, once it is built


def _worth() -> Optional:
    from pack import worth

    return Optional("worth", worth.TITLE, worth.fetch, worth.render, with_card=True)


def _comments() -> Optional:
    from pack import comments

    return Optional("comments", "What customers say", comments.fetch, comments.render)


def _drivers() -> Optional:
    from pack import drivers

    return Optional("drivers", drivers.TITLE, drivers.fetch, drivers.render)


SECTIONS: tuple[Optional, ...] = (_worth(), _comments(), _drivers())  # in print order


def fetch_all(engine: Engine, dims: Dims, scope: Scope, month: date, allowed: Allowed,
              sections: tuple[Optional, ...] | None = None,
              card: Callable[[], Any] | None = None, window: Window | None = None
              ) -> dict[str, Any]:
    """Each section's data by anchor (None: nothing to print; an exception: kept, to say so),
    each section in its own thread. `card()` gives the view's scorecard (waiting for it) to a
    section that asks for it, instead of its building a second one."""
    chosen = SECTIONS if sections is None else sections

    def one(s: Optional) -> Any:
        try:
            extra = {"card": card() if card is not None else None} if s.with_card else {}
            return s.fetch(engine, dims, scope, month, allowed, window=window, **extra)
        except Exception as exc:  # noqa: BLE001 - one section's failure never stops the pack
            return exc

    if len(chosen) < 2:
        return {s.anchor: one(s) for s in chosen}
    with ThreadPoolExecutor(max_workers=len(chosen), thread_name_prefix="pack-optional") as pool:
        return dict(zip([s.anchor for s in chosen], pool.map(one, chosen), strict=True))
