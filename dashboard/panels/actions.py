"""The review's actions beside the metrics: the list with status badges, a form to add one, and
a mark-done button. A broken actions database only costs this panel, never the scorecard.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import streamlit as st

from presentation import fmt
from queries.months import add_months
from queries.scope import Scope
from store.actions import (
    MAX_OWNER,
    MAX_TEXT,
    Action,
    ActionInput,
    ActionStore,
    ActionsUnavailable,
    DuplicateAction,
    InvalidAction,
)

BADGES: dict[str, str] = {
    "overdue": ":red-badge[Overdue]",
    "open": ":blue-badge[Open]",
    "done": ":green-badge[Done]",
}
DUE_CHOICES = 13  # this month and the next twelve


def due_options(today: date) -> list[date]:
    """The months an action can be due: this month onwards (the store rejects the past)."""
    return [add_months(today, k) for k in range(DUE_CHOICES)]


def scope_text(a: Action, names: Mapping[str, str] | None) -> str:
    names = names or {}
    if a.location_id:
        return names.get(a.location_id, a.location_id)
    if a.region_id:
        return names.get(a.region_id, a.region_id)
    return "Company"


def render_actions(store_or_none: ActionStore | None, scope: Scope, month: date,
                   metrics_labels: Mapping[str, str], key_prefix: str, *,
                   scope_names: Mapping[str, str] | None = None, today: date | None = None,
                   created_by: str | None = None, form_on_demand: bool = False,
                   listed: list[Action] | None = None) -> list[Action]:
    """Draw the actions of `scope` (and below it) for review `month`; returns what was listed.

    `metrics_labels` maps metric name -> label (the metrics an action can be recorded against);
    `scope_names` maps region/location ids -> names for the list. Widget keys start with
    `key_prefix`, so the panel can appear once per scope without clashing. With
    `form_on_demand` the form to record one opens behind a toggle (the page sends its six
    widgets only when someone records an action). `listed`: the same list, when the caller has
    just read it (the page's full run), so it is not read twice.
    """
    today = today or date.today()
    kp = key_prefix
    st.markdown("##### Actions")
    if store_or_none is None:
        st.caption("Actions are not set up on this server (see docs/review.md).")
        return []
    flash = st.session_state.pop(f"{kp}-flash", None)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    try:
        if listed is None:
            listed = store_or_none.list(scope, include_children=True, month=month)
    except ActionsUnavailable as exc:
        st.warning(f"Actions are unavailable right now; the scorecard is not affected. {exc}",
                   icon=":material/cloud_off:")
        return []
    _summary(listed, month)
    for a in listed:
        _row(store_or_none, a, metrics_labels, scope_names, kp)
    if not form_on_demand or st.toggle("Record an action", key=f"{kp}-open-form"):
        _form(store_or_none, scope, metrics_labels, kp, today, created_by, scope_names, month)
    return listed


def _summary(listed: list[Action], month: date) -> None:
    counts = {s: sum(a.status == s for a in listed) for s in BADGES}
    if not listed:
        st.caption(f"No actions recorded for this view as of {fmt.month_label(month)}.")
        return
    st.caption(f"As of {fmt.month_label(month)}: {counts['overdue']} overdue · "
               f"{counts['open']} open · {counts['done']} done this month")


def _row(store: ActionStore, a: Action, labels: Mapping[str, str],
         names: Mapping[str, str] | None, kp: str) -> None:
    with st.container(border=True, key=f"{kp}-action-{a.id}"):
        left, right = st.columns([4, 1], vertical_alignment="center")
        with left:
            metric = labels.get(a.metric, fmt.short_label(a.metric))
            st.markdown(
                f"{BADGES[a.status]} **{fmt.escape_md(metric)}** · "
                f"{fmt.escape_md(scope_text(a, names))} · owner "
                f"**{fmt.escape_md(a.owner)}** · due {fmt.month_label(a.due_month)}"
            )
            st.markdown(fmt.escape_md(a.text))
        with right:
            if a.status != "done" and st.button("Mark done", key=f"{kp}-done-{a.id}",
                                                icon=":material/task_alt:"):
                try:
                    store.mark_done(a.id)
                except ActionsUnavailable as exc:
                    st.warning(str(exc))
                else:
                    st.session_state[f"{kp}-flash"] = f"Action #{a.id} marked done."
                    st.rerun()


def _form(store: ActionStore, scope: Scope, labels: Mapping[str, str], kp: str, today: date,
          created_by: str | None, names: Mapping[str, str] | None, month: date) -> None:
    """Add an action. Inputs survive a failed submit; owner and text clear after a good one
    (set to empty, not dropped: a dropped key leaves the browser showing the old text, and a
    second click then sent it again). The store refuses an exact duplicate of an open action."""
    if st.session_state.pop(f"{kp}-reset", False):
        for k in (f"{kp}-owner", f"{kp}-text"):
            st.session_state[k] = ""
    where = (names or {}).get(scope.location or scope.region or "", None)
    where = where or (scope.location or scope.region or "the company")
    with st.form(key=f"{kp}-form", clear_on_submit=False, border=True):
        st.markdown(f"**Record an action** for {fmt.escape_md(where)}")
        c1, c2 = st.columns(2)
        options = list(labels)
        metric = c1.selectbox("Metric", options, key=f"{kp}-metric",
                              format_func=lambda k: labels.get(k, k))
        due = c2.selectbox("Due month", due_options(today), key=f"{kp}-due",
                           format_func=fmt.month_label)
        owner = st.text_input("Owner", key=f"{kp}-owner", max_chars=MAX_OWNER,
                              placeholder="Who answers for it at the next review")
        text = st.text_area("Action", key=f"{kp}-text", max_chars=MAX_TEXT, height=80,
                            placeholder="What will be done, in one or two sentences")
        submitted = st.form_submit_button("Add action", type="primary")
    if not submitted:
        return
    try:
        inp = ActionInput(scope, str(metric), owner, text, due, created_by, month)
        added = store.add(inp, today)
    except DuplicateAction as exc:
        st.session_state[f"{kp}-flash"] = f"{exc} Nothing was added."
        st.session_state[f"{kp}-reset"] = True
        st.rerun()
    except InvalidAction as exc:
        st.error(str(exc), icon=":material/error:")
    except ActionsUnavailable as exc:
        st.warning(f"Not saved: {exc} Your text is still in the form.",
                   icon=":material/cloud_off:")
    else:
        owner = fmt.escape_md(added.owner)
        st.session_state[f"{kp}-flash"] = f"Action #{added.id} added for {owner}."
        st.session_state[f"{kp}-reset"] = True
        st.rerun()
