"""Who may see which scopes: an optional policy file, off for the demo.

A user is allowed the company (everything), a set of regions (and their locations) or a set of
locations. The decision is a pure function of the policy and the user's identity, and the
allowed set is a small hashable value, so it can be part of every cache key: a cached result can
never cross from one user to another.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from queries.scope import Dims, Scope

ENV_POLICY = "CX_ACCESS_POLICY"


class AccessDenied(PermissionError):
    """The user may not see this scope (or anything at all)."""


@dataclass(frozen=True)
class Allowed:
    """The scopes one user may see; `everything` when access control is off."""

    company: bool = False
    regions: frozenset[str] = frozenset()
    locations: frozenset[str] = frozenset()
    user: str | None = None

    @property
    def key(self) -> tuple:
        """A hashable, user-independent cache key: two users with the same rights share it."""
        return (self.company, tuple(sorted(self.regions)), tuple(sorted(self.locations)))

    @property
    def nothing(self) -> bool:
        return not (self.company or self.regions or self.locations)

    def can_see(self, scope: Scope) -> bool:
        if self.company:
            return True
        if scope.level == "company":
            return False
        if scope.region in self.regions:
            return True
        return scope.level == "location" and scope.location in self.locations

    def check(self, scope: Scope) -> None:
        if not self.can_see(scope):
            raise AccessDenied("You are not permitted to see this part of the network.")

    def visible_regions(self, dims: Dims) -> list[str]:
        if self.company:
            return list(dims.regions.region_id)
        return [r for r in dims.regions.region_id if r in self.regions]

    def visible_locations(self, dims: Dims, region: str | None = None) -> list[str]:
        locs = dims.locations
        if region is not None:
            locs = locs[locs.region_id == region]
        return [
            loc for loc, reg in zip(locs.location_id, locs.region_id, strict=True)
            if self.company or reg in self.regions or loc in self.locations
        ]

    def home(self, dims: Dims) -> Scope:
        """Where a user lands: the company if allowed, else their first region or location."""
        if self.company:
            return Scope()
        regions = self.visible_regions(dims)
        if regions:
            return Scope(region=regions[0])
        locs = self.visible_locations(dims)
        if locs:
            region = dims.locations.loc[dims.locations.location_id == locs[0], "region_id"]
            return Scope(region=region.iloc[0], location=locs[0])
        raise AccessDenied("You have no access to any part of the scorecard.")


EVERYTHING = Allowed(company=True)


@dataclass(frozen=True)
class Policy:
    users: dict[str, Allowed]
    header: str | None = None  # trusted reverse-proxy header naming the user

    def allowed_for(self, user: str | None) -> Allowed:
        """Nothing for an unknown or anonymous user: a clear message, no data."""
        if not user:
            return Allowed(user=None)
        return self.users.get(user.strip().lower(), Allowed(user=user))


def parse(raw: dict, source: str = "policy") -> Policy:
    users: dict[str, Allowed] = {}
    for name, spec in raw.get("users", {}).items():
        if not isinstance(spec, dict):
            raise ValueError(f"{source}: [users.{name!r}] must be a table")
        unknown = set(spec) - {"company", "regions", "locations"}
        if unknown:
            raise ValueError(f"{source}: unknown keys {sorted(unknown)} for user {name!r}")
        users[name.strip().lower()] = Allowed(
            company=bool(spec.get("company", False)),
            regions=frozenset(str(r) for r in spec.get("regions", [])),
            locations=frozenset(str(x) for x in spec.get("locations", [])),
            user=name,
        )
    header = raw.get("settings", {}).get("header")
    return Policy(users=users, header=str(header) if header else None)


def load(path: str | Path | None = None) -> Policy | None:
    """The policy from `path` or $CX_ACCESS_POLICY; None means access control is off."""
    path = path or os.environ.get(ENV_POLICY)
    if not path:
        return None
    p = Path(path)
    try:
        return parse(tomllib.loads(p.read_text(encoding="utf-8")), str(p))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"Cannot read access policy {p}: {exc}") from exc
