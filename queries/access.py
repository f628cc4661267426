"""Who may see which scopes: an optional policy file, off for the demo.

A user is allowed the company (everything), a set of regions (and their locations) or a set of
locations. The decision is a pure function of the policy and the user's identity, and the
allowed set is a small hashable value, so it can be part of every cache key: a cached result can
never cross from one user to another.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from queries import settings
from queries.scope import Dims, Scope

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


def check_scope(region: str | None, location: str | None, allowed_key: tuple) -> None:
    """Refuse a scope the rights behind `allowed_key` (an `Allowed.key`) do not cover: every
    cached page function (scorecard, league, insights) gets the key, and checks it here."""
    Allowed.from_key(allowed_key).check(Scope(region=region, location=location))


@dataclass(frozen=True)
class Policy:
    users: dict[str, Allowed]
    header: str | None = None  # trusted reverse-proxy header naming the user

    def allowed_for(self, user: str | None) -> Allowed:
        """Nothing for an unknown or anonymous user: a clear message, no data."""
        if not user:
            return Allowed(user=None)
        return self.users.get(user.strip().lower(), Allowed(user=user))


class PolicyError(ValueError):
    """The policy file is not valid: one message naming the line; the app then shows nothing."""


USER_KEYS = {"company", "regions", "locations"}
HEADER_NAME = re.compile(r"[A-Za-z0-9-]{1,64}")


def _line_of(text: str, *needles: str) -> int | None:
    """1-based line of the first needle found in order (a table header, then a key below it)."""
    lines = text.splitlines()
    start = 0
    found = None
    for needle in needles:
        key = re.compile(rf"""^\s*["']?{re.escape(needle)}["']?\s*=""")
        hits = ([i for i in range(start, len(lines)) if key.match(lines[i])]
                or [i for i in range(start, len(lines)) if needle in lines[i]])
        if hits:
            found = start = hits[0] + 1
    return found


def _fail(text: str, message: str, *needles: str) -> PolicyError:
    line = _line_of(text, *needles)  # None without a text (a dict parsed directly)
    where = f"line {line}: " if line else ""
    return PolicyError(f"Access policy, {where}{message}")


def _ids(value: object, key: str, user: str, text: str) -> frozenset[str]:
    """A list of non-empty text ids: "SE" is refused (it would be the regions S and E)."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(text, f"user {user!r}: {key} must be a list of ids in quotes, like "
                          f'{key} = ["NE"], not {value!r:.60}', user, key)
    return frozenset(v.strip() for v in value)


def parse(raw: dict, text: str = "") -> Policy:
    """Validate strictly: a wrong type or unknown key never widens (or narrows) anyone's access
    silently; the whole policy is refused with one message naming the line."""
    unknown = set(raw) - {"settings", "users"}
    if unknown:
        key = sorted(unknown)[0]
        raise _fail(text, f"unknown section or key {key!r} (expected [settings] and [users])",
                    key)
    settings = raw.get("settings", {})
    if not isinstance(settings, dict):
        raise _fail(text, "settings must be a table: [settings]", "settings")
    if set(settings) - {"header"}:
        key = sorted(set(settings) - {"header"})[0]
        raise _fail(text, f"unknown setting {key!r} (only header)", "[settings]", key)
    header = settings.get("header")
    if header is not None and (not isinstance(header, str) or not HEADER_NAME.fullmatch(header)):
        raise _fail(text, f"header must be an HTTP header name in quotes, not {header!r:.60}",
                    "[settings]", "header")
    users_raw = raw.get("users", {})
    if not isinstance(users_raw, dict):
        raise _fail(text, "users must be tables: [users.\"name@example.com\"]", "users")
    users: dict[str, Allowed] = {}
    seen: dict[str, str] = {}
    for name, spec in users_raw.items():
        key = name.strip().lower()
        if not key:
            raise _fail(text, "a user name is empty", "[users")
        if key in seen:
            raise _fail(text, f"users {seen[key]!r} and {name!r} differ only in case or spaces "
                              "(user names are matched case-insensitively): keep one", name)
        seen[key] = name
        if not isinstance(spec, dict):
            raise _fail(text, f"[users.{name!r}] must be a table", name)
        bad = set(spec) - USER_KEYS
        if bad:
            k = sorted(bad)[0]
            raise _fail(text, f"unknown key {k!r} for user {name!r} (allowed: company, regions, "
                              "locations)", name, k)
        company = spec.get("company", False)
        if not isinstance(company, bool):
            raise _fail(text, f"user {name!r}: company must be true or false without quotes, "
                              f"not {company!r:.60}", name, "company")
        users[key] = Allowed(
            company=company,
            regions=_ids(spec.get("regions", []), "regions", name, text),
            locations=_ids(spec.get("locations", []), "locations", name, text),
            user=name,
        )
    return Policy(users=users, header=header)


def user_from_header(values: list[str]) -> str | None:
    """The user a trusted proxy names. Sent twice with different values, it is refused: a proxy
    that appends rather than replaces would otherwise let a client choose who it is."""
    distinct = {v.strip().lower() for v in values if v and v.strip()}
    if len(distinct) > 1:
        raise AccessDenied("The identity header was sent more than once with different values; "
                           "refused.")
    return values[0].strip() if distinct else None


def load(path: str | Path | None = None) -> Policy | None:
    """The policy from `path` or $CX_ACCESS_POLICY; None means access control is off."""
    path = path or settings.ACCESS_POLICY.value()
    if not path:
        return None
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"Cannot read access policy {p}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:  # a ValueError, not an OSError: the page needs the message
        raise PolicyError(f"Cannot read access policy: not UTF-8 text (byte {exc.start})") from exc
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"Cannot read access policy: not valid TOML ({exc})") from exc
    return parse(raw, text)
