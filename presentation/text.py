"""Warehouse names and user-typed text shown as text, never as markup, wherever they appear.

One module decides how an untrusted string is made inert for each place it goes: Streamlit
Markdown (breadcrumbs, notices, captions, actions), Plotly's HTML-like labels (hovers, axis ticks,
legend names), CSV cells opened in a spreadsheet, and the board pack. Every name is also cut to
NAME_LIMIT characters with an ellipsis, so a 40,000-character name costs no more than a short one.
No Streamlit here: the page, the pack and the CLI share it.
"""

from __future__ import annotations

import html
import math
import re

from queries.scope import (
    NAME_LIMIT,  # noqa: F401 - one documented limit for every name
    without_bidi,
)

ELLIPSIS = "…"
_MD_SPECIAL = set("\\`*_{}[]()#+-.!|:<>~$&=\"'^@/")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def plain(value: object, limit: int | None = NAME_LIMIT) -> str:
    """The value as one line of text: control characters (newlines, tabs) become spaces,
    bidirectional controls (U+202E...) go, and the result is cut at `limit` characters with an
    ellipsis. None and NaN become an empty string."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + ELLIPSIS  # cut before the (linear) cleaning below
    return without_bidi(_CONTROL.sub(" ", text))


WORD_JOINER = "\u2060"  # invisible; breaks the bare-URL and e-mail patterns of GFM autolinks
_AUTOLINK = re.compile(r"(?i)(https?|ftp|www|mailto|xmpp)(?=[:.])|(@)")


def md(value: object, limit: int | None = NAME_LIMIT) -> str:
    """Inert in Streamlit Markdown: every punctuation mark that could start a link, an image,
    emphasis, HTML, a directive (`:red[...]`) or a table is escaped, so the text shows exactly as
    written. Bare URLs are auto-linked after escapes are resolved, so an invisible word joiner
    goes after `http`, `www` and `@`: the text reads the same and nothing becomes a link."""
    text = _AUTOLINK.sub(lambda m: m.group(0) + WORD_JOINER, plain(value, limit))
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in text)


def hover(value: object, limit: int | None = NAME_LIMIT) -> str:
    """Inert in Plotly's HTML-like labels (hovertext, tick labels, legend names): `<b>`, `<a>`
    and `<span style>` would otherwise be drawn; entities show as the characters typed."""
    return html.escape(plain(value, limit), quote=True)


def csv_cell(value: object) -> object:
    """OWASP CSV injection: a text cell starting with = + - @ tab or CR gets a leading single
    quote, so a spreadsheet shows it instead of running it; bidirectional controls go (a
    spreadsheet would mirror the rest of the cell). Numbers are left as numbers."""
    if isinstance(value, str):
        value = without_bidi(value)
        if value.startswith(CSV_TRIGGERS):
            return "'" + value
    return value
