"""Who may see which scopes: an optional policy file, off for the demo.

A user is allowed the company (everything), a set of regions (and their locations) or a set of
locations. The decision is a pure function of the policy and the user's identity, and the
allowed set is a small hashable value, so it can be part of every cache key: a cached result can
never cross from one user to another.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import Field, StringConstraints

from queries import settings
from queries.scope import Dims, Scope
from queries.tomlfile import Strict, TomlFileError, key_lines, read, validate, where

ENV_POLICY = settings.ACCESS_POLICY.name


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

    @classmethod
    def from_key(cls, key: tuple) -> Allowed:
        """The rights behind a cache key; anything but an `Allowed.key` is refused (a string
        such as "all" would otherwise unpack into three truthy letters: company rights)."""
        if not (isinstance(key, tuple) and len(key) == 3 and isinstance(key[0], bool)):
            raise TypeError(f"allowed must be access.Allowed.key, not {type(key).__name__}")
        company, regions, locations = key
        return cls(company, frozenset(regions), frozenset(locations))

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

    def parent_view(self, scope: Scope) -> Scope | None:
        """The region a location view is judged against (its rank there, the region's NPS, the
        region's findings), or None when this viewer may not see that region: a location-only
        user sees no region figures, on the page, in the pack or anywhere else."""
        if scope.level != "location":
            return None
        region = scope.parent()
        return region if self.can_see(region) else None

    def findings_scope(self, scope: Scope) -> Scope | None:
        """Where the verdict's findings are tested for this view: the view itself, a location's
        region (one location cannot be compared with itself), or None when the viewer may not
        see that region."""
        return self.parent_view(scope) if scope.level == "location" else scope

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


def check_scope(scope: Scope, allowed_key: tuple) -> None:
    """Refuse a scope the rights behind `allowed_key` (an `Allowed.key`) do not cover: every
    cached page function (scorecard, league, insights) gets the key, and checks it here."""
    Allowed.from_key(allowed_key).check(scope)


@dataclass(frozen=True)
class Policy:
    users: dict[str, Allowed]
    header: str | None = None  # trusted reverse-proxy header naming the user

    def allowed_for(self, user: str | None) -> Allowed:
        """Nothing for an unknown or anonymous user: a clear message, no data."""
        if not user or not identity(user):
            return Allowed(user=None)
        return self.users.get(identity(user), Allowed(user=user))


class PolicyError(TomlFileError):
    """The policy file is not valid: every problem with its line; the app then shows nothing."""

    what = "Access policy"


Ids = list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]]


class _Settings(Strict):
    header: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,64}$")] | None = Field(
        None, description="an HTTP header name in quotes, like \"X-Forwarded-Email\"")


class _User(Strict):
    company: bool = Field(False, description="true or false without quotes")
    # a list of non-empty text ids: "SE" is refused (it would be the regions S and E)
    regions: Ids = Field([], description='a list of ids in quotes, like regions = ["NE"]')
    locations: Ids = Field([], description='a list of ids in quotes, like locations = ["L1"]')


class _PolicyFile(Strict):
    settings: _Settings = _Settings()
    users: dict[str, _User] = {}


def parse(raw: dict, text: str = "", path: Path | None = None) -> Policy:
    """Validate strictly: a wrong type or unknown key never widens (or narrows) anyone's access
    silently; the whole policy is refused, each problem naming its line."""
    lines = key_lines(text)
    model, problems = validate(_PolicyFile, raw, lines)
    users: dict[str, Allowed] = {}
    seen: dict[str, str] = {}
    for name, spec in (model.users if model else {}).items():
        key = identity(name)
        if not key:
            problems.append(f"{where(lines, ('users', name))}: a user name is empty")
        elif key in seen:
            problems.append(f"{where(lines, ('users', name))}: users {seen[key]!r} and {name!r} "
                            "differ only in case, spaces or Unicode form (user names are "
                            "matched case-insensitively, composed as NFC): keep one")
        seen[key] = name
        users[key] = Allowed(company=spec.company, regions=frozenset(spec.regions),
                             locations=frozenset(spec.locations), user=name)
    if problems:
        raise PolicyError(path, problems)
    return Policy(users=users, header=model.settings.header)


def identity(name: str) -> str:
    """One spelling per user, wherever a name is compared (policy, login, proxy header): outer
    spaces stripped, lower case, Unicode NFC. "José" typed with a combining accent (NFD, as
    some systems send it) is the same user as "José" with the composed letter."""
    return unicodedata.normalize("NFC", name.strip().lower())


def user_from_header(values: list[str]) -> str | None:
    """The user a trusted proxy names. Sent twice with different values, it is refused: a proxy
    that appends rather than replaces would otherwise let a client choose who it is. Empty
    values name nobody: an empty first copy (a client's blank header before the proxy's) must
    not lock the real user out."""
    named = [v.strip() for v in values if v and identity(v)]
    if len({identity(v) for v in named}) > 1:
        raise AccessDenied("The identity header was sent more than once with different values; "
                           "refused.")
    return named[0] if named else None


def load(path: str | Path | None = None) -> Policy | None:
    """The policy from `path` or $CX_ACCESS_POLICY; None means access control is off."""
    path = path or settings.ACCESS_POLICY.value()
    if not path:
        return None
    raw, text = read(Path(path), PolicyError)
    return parse(raw, text, Path(path))
