"""The monthly review strip: accountable actions for this scope, and everything to take away
(the board pack as PDF, every table as CSV).

A lazy section (`dashboard/panels/lazy.py`): its label says how many actions are open and
overdue (the verdict names them above the fold); the list, the form, the pack and the CSV
buttons are sent only when it is opened.
"""

from __future__ import annotations

import sys
import traceback

import streamlit as st
from sqlalchemy.engine import Engine

import pack
from dashboard import nav, state
from dashboard.panels import lazy
from dashboard.panels.actions import render_actions
from pack import printed
from presentation import fmt
from queries import targets, windows
from queries.access import EVERYTHING, Allowed
from queries.registry import METRICS
from queries.scope import Dims
from queries.scorecard import Scorecard
from store.actions import Action, ActionStore, ActionsUnavailable, scope_names

SECTION_KEY = "section-meeting"
ICON = ":material/assignment:"
TITLE = "Actions, board pack and CSV"


@st.cache_resource(show_spinner=False)
def action_store() -> ActionStore | None:
    """One store per process ($CX_ACTIONS_URL or the default SQLite file); lazy connection."""
    try:
        return ActionStore()
    except Exception:  # noqa: BLE001 - a broken actions setting only costs the actions panel
        return None


def listed_actions(view: state.View) -> tuple[list[Action], str | None]:
    """The actions of the view (and below) as of its month, for the verdict and tile markers;
    an unavailable store is a note, never an error."""
    store = action_store()
    if store is None:
        return [], "actions are not set up on this server"
    try:
        return store.list(view.scope, include_children=True, month=view.month), None
    except ActionsUnavailable:
        return [], "actions are unavailable right now"


def label(headline: str, note: str | None = None) -> str:
    """'Actions, board pack and CSV · 3 open, 1 overdue' (`headline`: the verdict's words,
    `presentation.verdict.actions_headline`); the store's note instead when it cannot be read."""
    return f"{TITLE} · {note or headline}"


def section(eng: Engine, url: str, dims: Dims, view: state.View, card: Scorecard,
            listed: list[Action], note: str | None, viewer: Allowed | None,
            headline: str) -> None:
    """The collapsed section; its content (a fragment) is drawn only while it is open."""
    with lazy.section(label(headline, note), SECTION_KEY, ICON) as shown:
        if shown:
            draw(eng, url, dims, view, card, listed, note, viewer)


@st.fragment
def draw(eng: Engine, url: str, dims: Dims, view: state.View, card: Scorecard,
         listed: list[Action] | None = None, note: str | None = None,
         viewer: Allowed | None = None) -> None:
    """Actions, the board pack and the CSVs (a fragment: building a pack or typing in the form
    reruns only this section; adding or closing an action reruns the page)."""
    names = scope_names(dims)
    labels = {m.name: fmt.short_label(m.name) for m in METRICS if m.name != "responses"}
    listed = render_actions(
        action_store(), view.scope, view.month, labels,
        key_prefix=f"actions-{view.region or 'all'}-{view.location or 'all'}",
        scope_names=names, created_by=viewer.user if viewer is not None else None,
        form_on_demand=True,
        # the page's own run has just read them (with no error note); a rerun of this
        # section alone reads them afresh
        listed=listed if note is None and not nav.in_fragment() else None,
    )
    st.markdown("##### Take it to the meeting")
    _pack(eng, dims, view, card, viewer if viewer is not None else EVERYTHING)
    _csvs(view, card, listed, names)


def _pack(eng: Engine, dims: Dims, view: state.View, card: Scorecard,
          viewer: Allowed) -> None:
    """Build on request (about 10 s for the company), then offer the file, with the viewer's
    rights: it is this page printed (pack/printed.py), showing what this page shows them."""
    key = f"pack-{view.region}-{view.location}-{view.month}-{view.window}"
    if st.button("Prepare board pack (PDF)", icon=":material/picture_as_pdf:", key=f"b-{key}"):
        bar = st.progress(0.0, text="Starting the board pack…")
        try:
            store = action_store()
            try:
                actions = store.list(view.scope, month=view.month) if store else []
            except ActionsUnavailable:
                actions = []
                st.warning("Actions are unavailable: the pack is built without them.")
            bar.progress(0.3, text="Printing this page as the board pack (about 10 s)…")
            pdf = printed.build(  # the page's own markup, printed by Chromium (pack/printed.py)
                eng, dims, view.scope, view.month, targets.load(),
                [a for a in actions if a.status_in(view.month) != "done"], None,
                card.latest_response, allowed=viewer,
                window=windows.parse(view.window or None),
            )
        except pack.PackError as exc:  # a warehouse down, no Chromium, no fonts: in words
            bar.empty()
            st.error(f"The board pack could not be built: {fmt.escape_md(str(exc), 2000)}")
            return
        except Exception:  # noqa: BLE001 - anything else: the server log has the traceback
            bar.empty()
            traceback.print_exc(file=sys.stderr)
            st.error("The board pack could not be built because of an unexpected error; the "
                     "server log has the details.")
            return
        bar.empty()
        st.session_state[key] = pdf
    pdf = st.session_state.get(key)
    if pdf:
        st.download_button("Download board pack (PDF)", data=pdf, mime="application/pdf",
                           file_name=pack.pack_name(view.scope, view.month), type="primary",
                           icon=":material/download:", key=f"d-{key}", on_click="ignore")


def _csvs(view: state.View, card: Scorecard, listed, names: dict[str, str]) -> None:
    """One button; the five CSV downloads open in a dialog (not five widgets on every run)."""
    if st.button("Tables (CSV)", icon=":material/table:", type="tertiary",
                 key=f"csvs-{view.region}-{view.location}-{view.month}",
                 help="Scorecard tiles, league table, what moved, 13-month trends and actions "
                      "as CSV files"):
        csv_dialog(view, card, listed, names)


@st.dialog("Tables as CSV")
def csv_dialog(view: state.View, card: Scorecard, listed, names: dict[str, str]) -> None:
    """Every table of the view as CSV, each file built only when its button is clicked."""
    tables = {
        "metrics": ("Scorecard tiles", lambda: pack.metrics_frame(card)),
        "league": ("League table", lambda: pack.league_frame(card)),
        "movers": ("What moved", lambda: pack.movers_frame(card)),
        "trend": ("13-month trends", lambda: pack.trend_frame(card)),
        "actions": ("Actions", lambda: pack.actions_frame(listed, names)),
    }
    for kind, (label, frame) in tables.items():
        if kind == "league" and card.children.empty:
            continue
        st.download_button(
            f"{label} (CSV)", data=lambda frame=frame: pack.to_csv_bytes(frame()),
            file_name=pack.csv_name(kind, view.scope, view.month), mime="text/csv",
            key=f"csv-{kind}-{view.region}-{view.location}-{view.month}",
            on_click="ignore", type="tertiary", icon=":material/table:",
        )
