"""The one-page executive CX scorecard: `streamlit run dashboard/app.py`.

Plain absolute imports: the project is installed (`pip install -e .`, README), so `dashboard`,
`presentation` and `queries` import from anywhere, though Streamlit puts only dashboard/ on
sys.path when it runs this file as a script.

Thin on purpose: it resolves the warehouse and the view from the URL, asks `dashboard.data` for the
results and hands them to one panel module each. No SQL and no arithmetic here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import streamlit as st

from dashboard import (
    caches,
    data,
    insights_data,
    journeys_data,
    nav,
    prefetch,
    state,
    theme,
    worth_data,
)
from dashboard.panels import comments as comments_panel
from dashboard.panels import drivers as drivers_panel
from dashboard.panels import (
    geo,
    header,
    kpis,
    league,
    movers,
    quality,
    review,
)
from dashboard.panels import insights as insights_panel
from dashboard.panels import journeys as journeys_panel
from dashboard.panels import verdict as verdict_panel
from dashboard.panels import worth as worth_panel
from presentation import comments as comments_words
from presentation import verdict as vd
from presentation.fmt import escape_md
from queries import access, config
from queries.registry import PANELS
from queries.scope import Scope
from queries.sql.engine import explain

DEMO_SCALE = 1.0


def _warehouse() -> config.WarehouseTarget:
    try:
        target = config.resolve()
    except ValueError as exc:
        header.warehouse_error(str(exc))
        st.stop()
    if data.demo_missing(target):
        demo = escape_md(str(config.demo_path()), 500)
        if data.demo_builder() is None:
            st.info(f"No warehouse yet: the demo file {demo} does not exist. Run "
                    "`cx-scorecard demo` to build it and open this page, or set "
                    "`CX_WAREHOUSE_URL` to your warehouse.", icon=":material/info:")
            st.stop()
        with st.spinner(f"Building the demo warehouse at {demo} (first run, a few seconds)…"):
            data.build_demo_once(target.url, DEMO_SCALE)
    return target


def main() -> None:
    st.set_page_config(page_title="CX Scorecard", page_icon="📊",
                       layout="wide", initial_sidebar_state="collapsed")
    theme.inject()
    nav.listen()  # page links and chart buttons rerun in place (dashboard/nav.py)
    target = _warehouse()
    url, viewer = target.url, data.viewer()
    allowed = viewer.key
    if viewer.nothing:
        st.error("You are not on this scorecard's access list, so there is nothing to show. "
                 "Ask the scorecard's owner to add you to the access policy.",
                 icon=":material/lock:")
        st.stop()
    try:
        eng = data.engine(url)
        dims = data.dims(eng, url)
        first, latest = data.freshness(eng, url)
    except Exception as exc:  # noqa: BLE001 - any warehouse failure becomes one clear banner
        header.warehouse_error(explain(exc, url))
        st.stop()
    if first is None or latest is None:
        st.warning("The warehouse holds no survey responses yet, so there is no month to show. "
                   "Run `cx-scorecard check` to see what it contains.")
        st.stop()

    view = _permitted_view(viewer, dims, first, latest)
    recorded = _recorded(eng, url)
    view = journeys_panel.checked(view, recorded)  # issue 28: a journey not recorded is dropped
    nav.sync_url(view)
    nav.navigated()  # consumed here; the listener scrolls a new view to its top (nav.TOP_KEY)
    try:
        card, parent, ranked, parent_ranked = _cards(eng, url, view, viewer)
    except Exception as exc:  # noqa: BLE001
        header.warehouse_error(explain(exc, url))
        st.stop()

    band = card.bands  # 95% intervals per sampled metric and month (None: no bands)
    plotly_config = {"topojsonURL": theme.static_url(), "displaylogo": False}
    header.draw(view, card, dims, state.month_options(first, latest), latest, target.is_demo,
                viewer, recorded)
    if not card.has_data:
        st.info(f"No data for {escape_md(card.scope_name)} in {view.month:%B %Y}.")
    names = review.scope_names(dims)
    listed, actions_note = review.listed_actions(view)
    verdict = vd.build(card, parent, listed, ranked=_behind(card),
                       parent_ranked=_behind(parent))
    voice = comments_panel.figures(eng, url, view, card, allowed)  # what customers say
    verdict = replace(verdict, voice=comments_words.verdict_sentence(voice) or "")
    finding_scope = _finding_scope(view, viewer)
    fkey = known = None
    if finding_scope is not None:
        fkey = caches.findings_key(data.warehouse(eng, url), finding_scope[0], view.month,
                                   allowed)
        known = caches.known_findings(fkey)
    if known is not None:  # the findings are known: the verdict is drawn once, complete
        verdict = replace(verdict, findings=_said_where(known, finding_scope, dims))
    slot = verdict_panel.placeholder() if finding_scope is not None and known is None else None
    verdict_panel.draw(slot, verdict, card, names, findings_pending=slot is not None)

    open_counts = Counter(a.metric for a in verdict.actions)
    kpis.draw(card, open_counts)
    kpis.open_asked(card, band, plotly_config)
    league.draw(card, parent, ranked if parent is None else parent_ranked)

    def insight_results():
        """Computed only when a drill-down section is opened (then cached like the rest)."""
        return insights_data.analyses(eng, url, view.scope, view.month, allowed)

    # Below the fold: collapsed lazy sections whose labels carry their answers; each sends its
    # content only once opened (dashboard/panels/lazy.py).
    left, right = st.columns([1, 1], gap="medium")
    with left:
        st.markdown("##### Where, what moved, what we do")
        geo.section(card, parent, dims, plotly_config, ranked)
        movers.section(card)
        worth_panel.section(card, lambda: worth_data.worth(eng, url, view.scope, view.month,
                                                           allowed, view.window))
        comments_panel.section(eng, url, view, card, allowed, voice)
        drivers_panel.section(recorded, lambda: journeys_data.touch(
            eng, url, view.scope, view.month, allowed, view.window), plotly_config)
        review.section(eng, url, dims, view, card, listed, actions_note, viewer,
                       vd.actions_headline(verdict))
        quality.section(card)
    with right:
        st.markdown("##### Do the causes move the outcomes?")
        for panel in PANELS:
            insights_panel.draw(panel, insight_results, plotly_config)

    if slot is not None:  # last: the page is drawn before the analyses run
        region = finding_scope[0]
        try:
            results = insights_data.analyses(eng, url, Scope(region=region), view.month,
                                             allowed)
        except Exception:  # noqa: BLE001 - the verdict simply goes without its finding
            results = None
        found = vd.findings(results)
        if results is not None:
            caches.remember_findings(fkey, found)
        verdict = replace(verdict, findings=_said_where(found, finding_scope, dims))
        verdict_panel.draw(slot, verdict, card, names)
    _warm_next(eng, url, view, first, latest, allowed, card,
               ranked if parent is None else None, finding_scope is not None)


def _recorded(eng, url: str):
    """What the warehouse records of journeys (cached per warehouse); None when asking fails,
    so a warehouse that refuses the question shows the page as it always was."""
    try:
        return journeys_data.recorded(eng, url)
    except Exception:  # noqa: BLE001
        return None


def _permitted_view(viewer, dims, first, latest) -> state.View:
    """The URL's view if this viewer may see it; with no scope asked for, the viewer's own; a
    crafted or forwarded link to another part of the network stops the page with a refusal.

    To a viewer with limited rights an unknown scope and a forbidden one read the same ("Not
    permitted", no notice naming it): they cannot probe which regions exist."""
    params = st.query_params.to_dict()
    view = state.resolve(params, dims, first, latest)
    limited = not viewer.company
    for notice in view.notices[view.scope_notices:] if limited else view.notices:
        st.warning(notice, icon=":material/link_off:")
    if viewer.can_see(view.scope) and not (limited and view.scope_notices):
        return view
    try:
        home = viewer.home(dims)
    except access.AccessDenied:
        st.error("Nothing is shown: none of the regions or locations you may see is in the "
                 "warehouse. Ask the scorecard's owner to check the access policy.",
                 icon=":material/lock:")
        st.stop()
    if "region" in params or "location" in params:
        st.error("Not permitted: this part of the network is outside what you may see.",
                 icon=":material/lock:")
        st.button("Go to your view", on_click=nav.go, args=(home, view.month))
        st.stop()
    return state.View(home.with_journey(view.scope.journey), view.month,
                      view.notices[view.scope_notices:], view.window)


def _cards(eng, url: str, view: state.View, viewer):
    """The view's scorecard, its parent's when the viewer may see it (a location is judged
    against its region), and the worst-first children of whichever of the two the page lists."""
    scope, month, allowed, w = view.scope, view.month, viewer.key, view.window
    card = data.card(eng, url, scope, month, allowed, w)
    parent_scope = viewer.parent_view(scope)
    parent = (data.card(eng, url, parent_scope, month, allowed, w)
              if parent_scope is not None else None)
    if parent is None:
        return card, None, data.ranked(eng, url, scope, month, allowed, w), None
    return card, parent, None, data.ranked(eng, url, scope.parent(), month, allowed, w)


def _behind(card):
    """Whom the verdict names furthest behind, worst first (a region's locations over 12
    months: `verdict.behind_ranking`), once per scorecard build (dashboard/caches.py)."""
    if card is None or card.scope.child_level is None:
        return None
    return caches.derived((card.build_id, "behind"), lambda: vd.behind_ranking(card))


def _warm_next(eng, url: str, view: state.View, first, latest, allowed, card,
               ranked, findings_here: bool) -> None:
    """After the page is drawn: warm the views one click away (dashboard/prefetch.py)."""
    if not prefetch.enabled():
        return
    months = state.month_options(first, latest)
    i = months.index(view.month) if view.month in months else -1
    previous = months[i + 1] if 0 <= i < len(months) - 1 else None
    prefetch.submit(eng, prefetch.plan(data.warehouse(eng, url), allowed, view.scope,
                                       view.month, previous, prefetch.child_keys(ranked),
                                       card.scope.child_level, findings_here))


def _said_where(found: list[str], finding_scope, dims) -> list[str]:
    """A location quotes its region's findings, saying so."""
    region, where = finding_scope
    if not where:
        return found
    name = dims.region_name(region)
    return [f"In {name}: {f[0].lower()}{f[1:]}" for f in found]


def _finding_scope(view: state.View, viewer) -> tuple[str | None, str | None] | None:
    """Where the iron-triangle findings are tested: the view itself, or a location's region
    (one location cannot be compared with itself); None when the viewer may not see it."""
    where = viewer.findings_scope(view.scope)  # the rule the pack applies too
    if where is None:
        return None
    return where.region, ("its region" if view.location else None)


with prefetch.live_run():  # the background warm-up steps aside while a page runs
    main()
