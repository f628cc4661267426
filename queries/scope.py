"""Where in the network the page is looking: company, one region, or one location."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from queries.sql.schema import table

Level = Literal["company", "region", "location"]

NAME_LIMIT = 80  # a region or location name longer than this is cut with "…" when loaded
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
# Unicode's bidirectional formatting characters: embeddings and overrides (U+202A-U+202E),
# isolates (U+2066-U+2069) and the marks (U+200E, U+200F, U+061C). One U+202E in a name mirrors
# every later name and number on its line ("12" reads "21"); they are invisible, so removing
# them loses nothing a reader sees. Right-to-left letters need none of them to show correctly.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def without_bidi(text: str) -> str:
    """`text` with no bidirectional formatting character (names, typed actions, any output)."""
    return BIDI_CONTROLS.sub("", text)


def display_name(value: object, limit: int = NAME_LIMIT) -> str | None:
    """A warehouse name as one line of at most `limit` characters (an ellipsis marks a cut), with
    no bidirectional control: page, pack and CSV all show it, and a 40,000-character name costs
    what a short one does."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return without_bidi(_CONTROL.sub(" ", text))


@dataclass(frozen=True)
class Scope:
    region: str | None = None
    location: str | None = None
    # 'sales' or 'service' (schema.JOURNEYS): survey figures of that journey only; None = all
    # responses, exactly as before journeys existed. Part of the scope, so every cache key that
    # holds a scope holds the journey too (docs/journeys.md).
    journey: str | None = None

    @property
    def level(self) -> Level:
        if self.location is not None:
            return "location"
        return "region" if self.region is not None else "company"

    @property
    def child_level(self) -> Level | None:
        return {"company": "region", "region": "location", "location": None}[self.level]

    def parent(self) -> Scope:
        if self.level == "location":
            return Scope(region=self.region, journey=self.journey)
        return Scope(journey=self.journey)

    def child(self, key: str) -> Scope:
        if self.level == "company":
            return Scope(region=key, journey=self.journey)
        return Scope(region=self.region, location=key, journey=self.journey)

    def with_journey(self, journey: str | None) -> Scope:
        return Scope(region=self.region, location=self.location, journey=journey)


@dataclass(frozen=True)
class Dims:
    """The small dimension tables, loaded once: names, the region of each location, coordinates."""

    locations: pd.DataFrame  # location_id, location_name, region_id, latitude, longitude
    regions: pd.DataFrame  # region_id, region_name

    def __post_init__(self) -> None:
        # Name lookups happen per table row on the page and in the pack: dicts, not scans.
        object.__setattr__(self, "_region_names", dict(
            zip(self.regions.region_id, self.regions.region_name, strict=True)))
        object.__setattr__(self, "_location_names", dict(
            zip(self.locations.location_id, self.locations.location_name, strict=True)))

    def region_name(self, region_id: str | None) -> str:
        names = self._region_names  # type: ignore[attr-defined]
        if region_id not in names:
            return "(no region)"
        name = names[region_id]
        return str(region_id) if name is None else str(name)  # a region with no name: its id

    def location_name(self, location_id: str) -> str:
        name = self._location_names.get(location_id)  # type: ignore[attr-defined]
        return str(location_id) if name is None else str(name)

    def name(self, scope: Scope) -> str:
        """The scope's name, and its journey when one is chosen ("Great Lakes, service
        journey"): every face that titles a view with it says whose answers it shows."""
        if scope.level == "location":
            base = self.location_name(scope.location or "")
        elif scope.level == "region":
            base = self.region_name(scope.region)
        else:
            base = "Company"
        return f"{base}, {scope.journey} journey" if scope.journey else base

    def child_name(self, scope: Scope, key: str | None) -> str:
        if scope.level == "company":
            return self.region_name(key)
        return self.location_name(str(key))


class ScopeError(ValueError):
    """An unknown or inconsistent region/location; the page falls back to the company view."""


def dims_select(coordinates: bool = True) -> sa.CompoundSelect:
    """Regions and locations in one statement (issue 31: one round trip, not two): a UNION ALL
    of both tables, told apart by `kind`, ids and names as text. The coordinates are optional:
    without them (`coordinates=False`) both parts carry NULL there."""
    loc, reg = table("locations"), table("regions")
    text, none = sa.String(), sa.cast(sa.null(), sa.Double())
    regions = sa.select(sa.literal("region").label("kind"),
                        sa.cast(reg.c.region_id, text).label("id"),
                        sa.cast(reg.c.region_name, text).label("name"),
                        sa.cast(sa.null(), text).label("region_id"),
                        none.label("latitude"), none.label("longitude"))
    coords = (loc.c.latitude, loc.c.longitude) if coordinates else (none, none)
    locations = sa.select(sa.literal("location").label("kind"),
                          sa.cast(loc.c.location_id, text).label("id"),
                          sa.cast(loc.c.location_name, text).label("name"),
                          sa.cast(loc.c.region_id, text).label("region_id"),
                          coords[0].label("latitude"), coords[1].label("longitude"))
    return sa.union_all(regions, locations)


def load_dims(engine: Engine) -> Dims:
    with engine.connect() as c:
        # The coordinates are optional: asked for, and only on a refusal (no such column)
        # asked for again without them. Listing the columns first would cost one to three
        # more statements on every cold view (SHOW TABLES and DESCRIBE on Spark; issue 31).
        try:
            rows = c.execute(dims_select()).all()
            coordinates = True
        except sa.exc.ProgrammingError:
            c.rollback()  # PostgreSQL refuses anything more in a failed transaction
            rows = c.execute(dims_select(coordinates=False)).all()
            coordinates = False
    regions = pd.DataFrame([{"region_id": r[1], "region_name": r[2]} for r in rows
                            if r[0] == "region"], columns=["region_id", "region_name"])
    loc_cols = ["location_id", "location_name", "region_id"]
    loc_cols += ["latitude", "longitude"] if coordinates else []
    locations = pd.DataFrame([dict(zip(loc_cols, r[1:], strict=False)) for r in rows
                              if r[0] == "location"])
    for col in ("location_id", "location_name", "region_id"):
        if col not in locations:
            locations[col] = pd.Series(dtype=object)
    for col in ("latitude", "longitude"):
        if col not in locations:
            locations[col] = float("nan")
    for df, key in ((regions, "region_id"), (locations, "location_id")):
        df[key] = df[key].astype(str)
    for df, col in ((regions, "region_name"), (locations, "location_name")):
        df[col] = pd.Series([display_name(v) for v in df[col]], index=df.index, dtype=object)
    # NULL stays None (pandas would turn it into NaN and then the text "nan" in a link).
    locations["region_id"] = pd.Series(
        [None if v is None or pd.isna(v) else str(v) for v in locations["region_id"]],
        index=locations.index, dtype=object)
    # A location listed twice keeps its lowest region_id, as the queries do
    # (grouping.LOCATION_REGIONS); `check` names the duplicate.
    locations = locations.sort_values(["location_id", "region_id"], na_position="last")
    locations = locations.drop_duplicates("location_id", keep="first")
    # A region listed twice is shown under its first name in sort order (`check` names it).
    regions = regions.sort_values(["region_id", "region_name"], na_position="last")
    regions = regions.drop_duplicates("region_id", keep="first")
    return Dims(locations.reset_index(drop=True), regions.sort_values("region_id",
                                                                       ignore_index=True))


def resolve(dims: Dims, region: str | None, location: str | None) -> Scope:
    """Check a requested scope against the dimensions; a location fixes its own region."""
    if location is not None:
        hit = dims.locations.loc[dims.locations.location_id == str(location)]
        if hit.empty:
            raise ScopeError(f"Unknown location {location!r}")
        own_region = hit.region_id.iloc[0]
        if region is not None and str(region) != str(own_region):
            raise ScopeError(f"Location {location!r} is not in region {region!r}")
        return Scope(region=own_region, location=str(location))
    if region is not None:
        if str(region) not in set(dims.regions.region_id):
            raise ScopeError(f"Unknown region {region!r}")
        return Scope(region=str(region))
    return Scope()
