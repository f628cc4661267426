"""The printed pack's "What customers say" page (issue 27): the view's top detractor themes with
their shares, changes and example comments, the same HTML the page draws
(presentation/comments.py). Named in pack/optional.py's SECTIONS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Engine

from presentation import comments as words
from queries import windows
from queries.access import Allowed
from queries.scope import Dims, Scope
from queries.text import figures as tf


@dataclass(frozen=True)
class Said:
    fig: tf.CommentFigures
    scope_name: str


def fetch(engine: Engine, dims: Dims, scope: Scope, month: date, allowed: Allowed,
          window: windows.Window | None = None) -> Said | None:
    """The view's figures with examples on the pack's window (None: its level's default, as on
    the page); None without tags."""
    allowed.check(scope)
    if tf.status(engine) != "ready":
        return None
    fig = tf.build(engine, scope, month, windows.for_level(window, scope.level))
    if not fig.comments:
        return None
    return Said(fig, dims.name(scope))


def render(said: Said) -> str:
    import html

    label = html.escape(words.label(said.fig, said.scope_name))
    # One page of its own: the section starts a page (its id is the anchor, pack/document.py).
    return (f"<style>{words.STYLE} #comments{{break-before:page}}</style><p><b>{label}</b></p>"
            + words.section_html(said.fig, said.scope_name))
