"""The page's state is its URL: region, location and month, checked before anything is queried.

Pure functions (no Streamlit), so a pasted link, a bad link and a hand-edited link can all be
tested without a browser. Anything wrong becomes a notice and a safe fallback, never an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from presentation.fmt import escape_md, month_label
from queries import journeys, windows
from queries.months import add_months, month_floor, parse_month
from queries.scope import Dims, Scope
from queries.scorecard import default_month as scorecard_default

MAX_ID = 64
_ID = re.compile(rf"[\w .\-]{{1,{MAX_ID}}}")


@dataclass(frozen=True)
class View:
    """What the page shows: a checked scope and a month that has data."""

    scope: Scope
    month: date
    notices: tuple[str, ...] = ()
    window: str = ""  # a window code (queries/windows.py) chosen in the URL; "": the default
    scope_notices: int = 0  # how many of the notices, first, are about the link's scope

    @property
    def region(self) -> str | None:
        return self.scope.region

    @property
    def location(self) -> str | None:
        return self.scope.location


def shown(raw: str, limit: int = 40) -> str:
    """A user-supplied value, shortened and made inert, for a notice."""
    text = raw if len(raw) <= limit else raw[:limit] + "…"
    return escape_md(text)


def month_text(d: date) -> str:
    return d.strftime("%Y-%m")


def month_options(first: date, latest: date) -> list[date]:
    """Every month from the first response to the latest one, newest first."""
    out, m, stop = [], month_floor(latest), month_floor(first)
    while m >= stop:
        out.append(m)
        m = add_months(m, -1)
    return out


def today() -> date:
    """The server's date: it decides which month has ended (one place, for tests to set)."""
    return date.today()


def default_month(first: date, latest: date, on: date | None = None) -> date:
    """The newest month that holds data and has ended by today (queries.scorecard.default_month):
    never an empty month, the newest one while it runs only when it is all there is."""
    return scorecard_default(first, latest, today() if on is None else on)


def _clean_id(name: str, raw: str | None, notices: list[str]) -> tuple[str | None, bool]:
    if raw is None or raw == "":
        return None, True
    if not _ID.fullmatch(raw):
        notices.append(f"The link's {name} “{shown(raw)}” is not a valid {name} id.")
        return None, False
    return raw, True


def resolve(params: Mapping[str, str], dims: Dims, first: date, latest: date) -> View:
    """Check the URL's region, location and month; fall back to company / default month."""
    notices: list[str] = []
    region, ok_r = _clean_id("region", params.get("region"), notices)
    location, ok_l = _clean_id("location", params.get("location"), notices)
    scope = _scope(dims, region, location, notices) if ok_r and ok_l else Scope()
    if notices:
        notices[-1] += " Showing the company view."
    about_scope = len(notices)

    fallback = default_month(first, latest)
    month = fallback
    raw_month = params.get("month")
    if raw_month:
        parsed = parse_month(raw_month)
        if parsed is None:
            notices.append(f"“{shown(raw_month)}” is not a month (use YYYY-MM, e.g. "
                           f"{month_text(fallback)}). Showing {month_label(fallback)}.")
        elif parsed not in month_options(first, latest):
            notices.append(f"There is no data for {month_label(parsed)}: the warehouse holds "
                           f"{month_label(month_floor(first))} to {month_label(latest)}. "
                           f"Showing {month_label(fallback)}.")
        else:
            month = parsed
    window = _window(params.get("window"), notices)
    scope = scope.with_journey(_journey(params.get("journey"), notices))
    return View(scope, month, tuple(notices), window, about_scope)


def _journey(raw: str | None, notices: list[str]) -> str | None:
    """The URL's journey (sales, service), or None (all) with a notice for a bad one. Whether
    the warehouse records it is the page's to check (dashboard/panels/journeys.py)."""
    try:
        return journeys.parse(raw)
    except ValueError:
        notices.append(f"“{shown(str(raw))}” is not a journey: choose all, sales or service. "
                       "Showing all journeys.")
        return None


def _window(raw: str | None, notices: list[str]) -> str:
    """The URL's window code, or "" (each level's default) with a notice for a bad one."""
    try:
        chosen = windows.parse(raw)
    except ValueError:
        choices = ", ".join(f"{w.code} ({w.label})" for w in windows.WINDOWS.values())
        notices.append(f"“{shown(str(raw))}” is not a window: choose one of {choices}. "
                       "Showing the default window.")
        return ""
    return chosen.code if chosen else ""


def _scope(dims: Dims, region: str | None, location: str | None, notices: list[str]) -> Scope:
    locs, regions = dims.locations, set(dims.regions.region_id)
    if location is not None:
        hit = locs.loc[locs.location_id == location]
        if hit.empty:
            notices.append(f"Location “{shown(location)}” is not in the warehouse.")
            return Scope()
        own = hit.region_id.iloc[0]
        if region is not None and region != own:
            notices.append(f"Location “{shown(location)}” is not in region “{shown(region)}”.")
            return Scope()
        return Scope(region=own, location=location)
    if region is not None:
        if region not in regions:
            notices.append(f"Region “{shown(region)}” is not in the warehouse.")
            return Scope()
        return Scope(region=region)
    return Scope()


def canonical(view: View) -> dict[str, str]:
    """The URL parameters that reopen exactly this view."""
    out: dict[str, str] = {}
    if view.region:
        out["region"] = view.region
    if view.location:
        out["location"] = view.location
    out["month"] = month_text(view.month)
    if view.window:
        out["window"] = view.window
    if view.scope.journey:
        out["journey"] = view.scope.journey
    return out


def link(scope: Scope, month: date, window: str = "") -> dict[str, str]:
    """Parameters for another scope in the same month and window (breadcrumb, drill-down)."""
    return canonical(View(scope, month, window=window))
