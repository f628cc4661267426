"""Who gets the digest and the alerts: a TOML file people edit by hand, checked as strictly as the
access policy (queries/tomlfile.py: pydantic, no unknown key, no coercion, every problem naming
its line), then checked against the access policy and the warehouse's regions and locations
before a single mail goes out.

```toml
[[subscription]]
email = "vp.north@example.com"
user = "vp.north@example.com"   # the identity in the access policy (default: the email)
scope = "region:N"              # optional: "company", "region:ID" or "location:ID"
journey = "service"             # optional: kept in the page link
what = ["digest", "pack", "alerts"]   # default: ["digest", "pack"]
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from queries import settings
from queries.access import EVERYTHING, Allowed, Policy, identity
from queries.scope import Dims, Scope, ScopeError, resolve
from queries.tomlfile import Strict, TomlFileError, key_lines, read, validate, where

# A plain address: no spaces, no control characters, no angle brackets, quotes, commas or
# semicolons (each could smuggle a second recipient or a header into a mail).
EMAIL = (r"^[^\s\x00-\x1f\x7f@<>()\[\]\\,;:\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
         r"[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")
SCOPE = r"^(company|region:[\w .\-]{1,64}|location:[\w .\-]{1,64})$"
WHAT = ("digest", "pack", "alerts")
_ITEM = re.compile(r"^\s*\[\[\s*subscription\s*\]\]\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


class SubscriptionsError(TomlFileError):
    """The subscriptions file is not valid: every problem with its line; nothing is sent."""

    what = "Subscriptions file"


class _Subscription(Strict):
    email: Annotated[str, StringConstraints(pattern=EMAIL, max_length=254)] = Field(
        description='one e-mail address in quotes, like "vp.north@example.com"')
    user: Annotated[str, StringConstraints(min_length=1, max_length=254)] | None = Field(
        None, description="the user's name in the access policy, in quotes")
    scope: Annotated[str, StringConstraints(pattern=SCOPE)] | None = Field(
        None, description='"company", "region:ID" or "location:ID"')
    journey: Annotated[str, StringConstraints(pattern=r"^[\w.\-]{1,64}$")] | None = Field(
        None, description="a journey id in quotes (letters, digits, dots, dashes)")
    what: list[Literal["digest", "pack", "alerts"]] = Field(
        ["digest", "pack"], min_length=1,
        description='a list of "digest", "pack" and "alerts", like what = ["digest", "pack"]')


class _One(Strict):
    subscription: _Subscription


class _File(Strict):
    subscription: list[dict] = Field(
        min_length=1, description="one or more [[subscription]] tables")


@dataclass(frozen=True)
class Subscription:
    email: str
    user: str | None
    scope: str | None  # "company", "region:ID", "location:ID" or None (the user's home view)
    journey: str | None
    what: frozenset[str]
    line: int  # the line of its [[subscription]] header

    @property
    def wants_mail(self) -> bool:
        return bool(self.what & {"digest", "pack"})


@dataclass(frozen=True)
class Recipient:
    """A subscription made concrete: the address, the rights and the one view it is sent."""

    sub: Subscription
    allowed: Allowed
    scope: Scope

    @property
    def email(self) -> str:
        return self.sub.email


def _item_lines(text: str) -> list[dict[tuple[str, ...], int]]:
    """For each [[subscription]] in order: its header's and its keys' line numbers."""
    out: list[dict[tuple[str, ...], int]] = []
    for no, line in enumerate(text.splitlines(), start=1):
        if _ITEM.match(line):
            out.append({("subscription",): no})
        elif out and line.lstrip().startswith("["):
            out.append({})  # another table: its keys are not this subscription's
        elif out and (m := _KEY.match(line)):
            out[-1].setdefault(("subscription", m.group(1)), no)
    return [d for d in out if ("subscription",) in d]


def parse(raw: dict, text: str = "", path: Path | None = None) -> list[Subscription]:
    """Every subscription, validated; SubscriptionsError lists every problem with its line."""
    model, problems = validate(_File, raw, key_lines(text))
    if model is None:
        raise SubscriptionsError(path, problems)
    lines = _item_lines(text)
    subs: list[Subscription] = []
    seen: dict[tuple[str, str], int] = {}
    for i, item in enumerate(model.subscription):
        at = lines[i] if i < len(lines) else {}
        one, found = validate(_One, {"subscription": item}, at)
        problems += found
        if one is None:
            continue
        s = one.subscription
        line = at.get(("subscription",), 0)
        key = (identity(s.email), s.scope or "")
        if key in seen:
            problems.append(f"{where(at, ('subscription', 'email'))}: {s.email!r} is already "
                            f"subscribed to {s.scope or 'its home view'} at line {seen[key]} "
                            "(one mail per person, month and view)")
            continue
        seen[key] = line
        subs.append(Subscription(s.email, s.user, s.scope, s.journey, frozenset(s.what), line))
    if problems:
        raise SubscriptionsError(path, problems)
    return subs


def load(path: str | Path | None = None) -> tuple[list[Subscription], Path]:
    """The subscriptions of `path`, else of $CX_SUBSCRIPTIONS."""
    path = path or settings.SUBSCRIPTIONS.value()
    if not path:
        raise SubscriptionsError(None, ["no file named: pass --subscriptions FILE or set "
                                        f"{settings.SUBSCRIPTIONS.name}"])
    raw, text = read(Path(path), SubscriptionsError)
    return parse(raw, text, Path(path)), Path(path)


def _scope(dims: Dims, text: str) -> Scope:
    level, _, ident = text.partition(":")
    if level == "company":
        return Scope()
    if level == "region":
        return resolve(dims, ident, None)
    return resolve(dims, None, ident)


def recipients(subs: list[Subscription], policy: Policy | None, dims: Dims,
               path: Path | None = None) -> list[Recipient]:
    """Each subscription with its rights and view, checked before anything is sent: a user the
    policy does not know, a view outside the user's rights or one the warehouse does not hold is
    a problem naming its line (no mail goes out until the file is fixed)."""
    out: list[Recipient] = []
    problems: list[str] = []
    for s in subs:
        at = f"line {s.line}: [subscription]"
        if policy is None:
            allowed = EVERYTHING
        else:
            allowed = policy.allowed_for(s.user or s.email)
            if allowed.nothing:
                who = s.user or s.email
                problems.append(f"{at} user: {who!r} is not in the access policy, so there is "
                                "nothing this subscriber may be sent")
                continue
        try:
            scope = _scope(dims, s.scope) if s.scope else allowed.home(dims)
        except ScopeError:
            problems.append(f"{at} scope: {s.scope!r} is not in the warehouse")
            continue
        if not allowed.can_see(scope):
            problems.append(f"{at} scope: {s.scope!r} is outside the rights of user "
                            f"{(s.user or s.email)!r} in the access policy")
            continue
        out.append(Recipient(s, allowed, scope))
    if problems:
        raise SubscriptionsError(path, problems)
    return out
