"""The verdict: the five answers a monthly review needs first, in plain words (no Streamlit).

How are we doing (on / near / off target counts), what is wrong (off-target metrics with value and
target), where (the children furthest behind, worst first, by the shared ranking), are we acting
(open and overdue actions), and is it led from the top (the iron-triangle findings that hold on
this view's data, with their interval). The page's verdict strip and the board pack's cover and
scorecard page both read this, so they always say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from presentation import fmt, text
from queries.ranking import worst_first
from queries.registry import BY_NAME, METRICS
from queries.results import finite_or_none as _num
from queries.scorecard import MetricResult, Scorecard
from store.actions import Action

BEHIND_SHOWN = 3
JUDGED = ("green", "amber", "red")


@dataclass(frozen=True)
class Behind:
    key: str
    name: str
    nps: float | None
    off: int
    of: int


@dataclass(frozen=True)
class Verdict:
    counts: dict[str, int]  # green / amber / red / unjudged, over metrics that have a target
    with_target: int
    off: list[MetricResult]
    near: list[MetricResult]
    behind: list[Behind]  # worst first (company, region); empty at a location
    children_word: str  # "regions" / "locations"
    standing: str | None  # a location against its region
    actions: list[Action] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    behind_over: str = ""  # " over 12 months" when `behind` is ranked on its own window
    worth: str = ""  # customers (and money) at stake: presentation/worth.py's CFO line
    voice: str = ""  # the top detractor theme when it stands out (presentation/comments.py)

    @property
    def behind_heading(self) -> str:
        """'Furthest behind over 12 months (locations)': the row's key on the page and in print."""
        return f"Furthest behind{self.behind_over} ({self.children_word})"

    @property
    def overdue(self) -> list[Action]:
        return [a for a in self.actions if a.status == "overdue"]


def build(card: Scorecard, parent: Scorecard | None = None,
          actions: Sequence[Action] = (), findings: Sequence[str] = (),
          ranked: pd.DataFrame | None = None, parent_ranked: pd.DataFrame | None = None
          ) -> Verdict:
    """The verdict of one scope and month. `parent` is the region of a location view;
    `ranked` / `parent_ranked` are the children worst first, when already computed, of the
    ranking the verdict names from (`behind_ranking`: a region's locations over 12 months)."""
    judged = [r for r in card.metrics.values() if r.target is not None]
    counts = {s: sum(r.status == s for r in judged) for s in JUDGED}
    counts["unjudged"] = len(judged) - sum(counts.values())
    counts["unsure"] = sum(r.status == "unsure" for r in judged)  # part of "unjudged"
    order = {m.name: i for i, m in enumerate(METRICS)}
    off = sorted((r for r in judged if r.status == "red"), key=lambda r: order[r.name])
    near = sorted((r for r in judged if r.status == "amber"), key=lambda r: order[r.name])
    behind: list[Behind] = []
    standing = None
    word = {"region": "regions", "location": "locations"}.get(card.scope.child_level or "", "")
    over = ""
    if card.scope.child_level is not None:
        ranked = behind_ranking(card) if ranked is None else ranked
        over = _over(card)
        of = sum(1 for c in ranked.columns if c.endswith("_status"))
        for _, row in ranked.head(BEHIND_SHOWN).iterrows():
            if row["off"] == 0 and row["near"] == 0:
                break  # nobody behind: do not name a child that is on target everywhere
            sure = row.get("nps_status") in ("green", "amber", "red", "no_target")
            nps = _num(row.get("nps")) if sure else None  # no NPS from a handful of answers
            behind.append(Behind(str(row["key"]), str(row["name"]), nps, int(row["off"]), of))
    elif parent is not None:
        standing = _standing(card, parent, parent_ranked)
    open_actions = [a for a in actions if a.status in ("overdue", "open")]
    return Verdict(counts, len(judged), off, near, behind, word, standing, open_actions,
                   list(findings), over, _worth(card))


def _worth(card: Scorecard) -> str:
    """The CFO line (customers lost over the window and, with a value configured, their
    annual value): from the scorecard's own loyalty sums, no query of its own."""
    from presentation import worth
    from queries import targets, value

    try:
        return worth.cfo_line(value.at_stake(card, targets.load()))
    except (targets.TargetsError, KeyError, AttributeError):
        return ""


def behind_ranking(card: Scorecard) -> pd.DataFrame:
    """The children whom the verdict names furthest behind, worst first: pooled over rolling
    12 months (`Scorecard.behind_children`: on the view's own window the named one was too
    often not truly among the worst, docs/metrics.md "Signals"), else the view's children."""
    kids = getattr(card, "behind_children", None)
    return worst_first(card.children if kids is None else kids)


def _over(card: Scorecard) -> str:
    """' over 12 months' when the verdict ranks on a window of its own, else ''."""
    w = getattr(card, "behind_window", None)
    kids = getattr(card, "behind_children", None)
    return "" if w is None or kids is None else f" over {w.months} months"


def _standing(card: Scorecard, parent: Scorecard,
              ranked: pd.DataFrame | None = None) -> str | None:
    """'3rd of 53 locations in North, furthest behind first over 12 months; NPS 41 vs 48 for
    the region' (the rank is the verdict's own, `behind_ranking`; the NPS the tiles')."""
    ranked = behind_ranking(parent) if ranked is None else ranked
    keys = [str(k) for k in ranked["key"]]
    if card.scope.location not in keys:
        return None
    pos = keys.index(card.scope.location) + 1
    nps, region_nps = card.metrics["nps"].value, parent.metrics["nps"].value
    m = BY_NAME["nps"]
    of = f"{fmt.plural(len(keys), 'location')} in {parent.scope_name}"
    over = _over(parent)
    where = (f"The furthest behind of {of}{over}" if pos == 1
             else f"{_ordinal(pos)} of {of}, furthest behind first{over}")
    if nps is None or region_nps is None:
        return where
    return f"{where}; NPS {fmt.value_text(m, nps)} vs {fmt.value_text(m, region_nps)} " \
           "for the region"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# --- the words ---------------------------------------------------------------------------------

def headline(v: Verdict) -> str:
    """'2 of 12 on target · 3 near · 7 off'."""
    c = v.counts
    text = f"{c['green']} of {v.with_target} on target · {c['amber']} near · {c['red']} off"
    if c["unjudged"]:
        text += f" · {unjudged_text(v)}"
    return text


def unjudged_text(v: Verdict) -> str:
    """'2 too close to call', '1 too few answers to judge', or both kinds: '3 not judged'. A
    value whose interval spans the target band is close to its target, not short of answers."""
    n, unsure = v.counts["unjudged"], v.counts.get("unsure", 0)
    if unsure == n:
        return f"{n} too close to call"
    return f"{n} too few answers to judge" if not unsure else f"{n} not judged"


def metric_words(r: MetricResult) -> str:
    """'Executive owner assigned 45% (target ≥ 60%)'."""
    m = BY_NAME[r.name]
    return f"{fmt.short_label(r.name)} {fmt.value_text(m, r.value)} " \
           f"({fmt.target_text(m, r.target)})"


def behind_words(b: Behind) -> str:
    """'Midwest (NPS 37, 4 of 7 off target)'."""
    nps = "" if b.nps is None else f"NPS {fmt.value_text(BY_NAME['nps'], b.nps)}, "
    return f"{b.name} ({nps}{b.off} of {b.of} off target)"


def action_words(a: Action, names: Mapping[str, str]) -> str:
    """'Detractors closed 48 h · Midwest · owner J. Smith · due Sep 2026': who answers for it
    at the next review, as the meeting asks."""
    where = names.get(a.location_id or a.region_id or "", a.location_id or a.region_id
                      or "Company")
    label = fmt.short_label(a.metric) if a.metric in BY_NAME else a.metric
    owner = text.plain(a.owner, 60) if a.owner else "no owner"
    return f"{label} · {where} · owner {owner} · due {fmt.month_label(a.due_month)}"


def actions_headline(v: Verdict) -> str:
    n_over = len(v.overdue)
    n_open = len(v.actions) - n_over
    if not v.actions:
        return "no open actions"
    return f"{n_open} open, {n_over} overdue"


def findings(results: Mapping[str, Any] | None) -> list[str]:
    """Iron-triangle findings that hold on this view's data (95% interval excludes zero), in
    plain words with their interval, worded as estimates and associations (none is proof of
    cause); an honest 'no clear effect' when the owner test does not. Each analysis gives no
    estimate below its minimum of units (4 clusters a side for the owner DiD, 10 locations for
    the loyalty and culture links), so no finding rests on a handful of locations."""
    if not results:
        return []
    out: list[str] = []
    owner = results.get("leadership_owner")
    est = _six_months(owner)
    if est is not None:
        if est.significant:
            verb = "rose" if est.effect > 0 else "fell"
            out.append(f"Estimated where it was tried: NPS {verb} {abs(est.effect):.1f} pts more "
                       f"over six months at locations that gained an executive owner than at "
                       f"locations yet to gain one (95%: {est.low:+.1f} to {est.high:+.1f} pts, "
                       f"{fmt.plural(est.n_treated, 'location')}); an association, not proof "
                       f"of cause.")
        else:
            out.append(f"No clear NPS difference yet where an executive owner "
                       f"was added ({est.effect:+.1f} pts, 95%: {est.low:+.1f} to "
                       f"{est.high:+.1f}).")
    loyalty = results.get("satisfaction_loyalty")
    links = getattr(loyalty, "links", ())
    for link in links:
        f = link.headline
        if link.outcome != "retention_rate" or f.slope_ci is None or not f.significant:
            continue
        more = "more" if f.slope_per_10 > 0 else "fewer"
        out.append(f"Associated: within a location, a month with 10 pts more NPS goes with "
                   f"{abs(f.slope_per_10):.2f} pts {more} customers retained over the next three "
                   f"months (95%: {f.slope_ci[0]:+.2f} to {f.slope_ci[1]:+.2f}, "
                   f"{fmt.plural(f.n_locations, 'location')}).")
    culture = results.get("culture_link")
    if getattr(culture, "holds", False):
        e, r = culture.coefficient("enps"), culture.coefficient("recognitions")
        out.append(f"Associated: within a location, employee engagement goes with customers' "
                   f"NPS over the next three months (10 pts more eNPS {e.effect:+.2f} NPS pts, "
                   f"95%: {e.low:+.2f} to {e.high:+.2f}; 0.1 more recognitions per employee "
                   f"{r.effect:+.2f} NPS pts, 95%: {r.low:+.2f} to {r.high:+.2f}; "
                   f"{fmt.plural(culture.n_locations, 'location')}).")
    return out[:3]


def _six_months(effect: Any):
    horizons = getattr(effect, "horizons", None)
    if not horizons:
        return None
    est = horizons[-1]
    if est.effect is None or est.low is None or est.high is None:
        return None
    return est


def finding_question(text: str) -> str:
    """The verdict row's question for one finding: leadership, culture or loyalty."""
    if "executive owner" in text:
        return "Led from the top?"
    if "employee engagement" in text:
        return "Do engaged employees make happier customers?"
    return "Do happier customers stay?"
