"""Accountable actions from the monthly review, kept in the app's own small database.

The warehouse stays read-only: actions live in a separate SQLAlchemy database (a SQLite file by
default, `$CX_ACTIONS_URL` for anything else, PostgreSQL tested). No Streamlit here, so the page,
the board pack and the tests share one store. Every value goes in as a bind parameter.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from queries import settings
from queries.config import redact
from queries.months import month_floor, months_between
from queries.registry import BY_NAME
from queries.scope import Dims, Scope, ScopeError, resolve, without_bidi

ENV_URL = settings.ACTIONS_URL.name
TABLE = "cx_actions"
MAX_OWNER = 80
MAX_TEXT = 500
MAX_MONTHS_AHEAD = 36
BUSY_TIMEOUT_S = 5.0
_ID = re.compile(r"[\w .\-]{1,64}")

Status = Literal["open", "done", "overdue"]
STATUSES: tuple[Status, ...] = ("overdue", "open", "done")

META = sa.MetaData()
ACTIONS = sa.Table(
    TABLE, META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("scope_level", sa.String(8), nullable=False),
    sa.Column("region_id", sa.String(64)),
    sa.Column("location_id", sa.String(64)),
    sa.Column("metric", sa.String(64), nullable=False),
    sa.Column("owner", sa.String(MAX_OWNER), nullable=False),
    sa.Column("text", sa.String(MAX_TEXT), nullable=False),
    sa.Column("due_month", sa.Date, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("created_by", sa.String(MAX_OWNER)),
    sa.Column("done_at", sa.DateTime(timezone=True)),
    sa.Column("status", sa.String(8), nullable=False, server_default="open"),  # open | done
    # The review month it was recorded in (the October review held in November records October):
    # it is listed from that month's view on, never in an earlier one. NULL in older databases:
    # then the month of created_at counts.
    sa.Column("review_month", sa.Date),
    sa.Index(f"ix_{TABLE}_scope", "region_id", "location_id"),
)


class InvalidAction(ValueError):
    """Input a person can fix; `field` names the form field it concerns."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class DuplicateAction(InvalidAction):
    """The same open action (scope, metric, owner, text and due month) is already recorded: a
    second click on "Add action" must not save it twice. `existing` is its id."""

    def __init__(self, existing: int) -> None:
        super().__init__("text", f"This action is already recorded as #{existing}.")
        self.existing = existing


class UnknownAction(ValueError):
    """No action with that id (deleted database, stale page)."""


class ActionsUnavailable(RuntimeError):
    """The actions database cannot be reached or is locked: the scorecard still works."""


@dataclass(frozen=True)
class ActionInput:
    """What the meeting records: scope, metric, owner, due month and what will be done."""

    scope: Scope
    metric: str
    owner: str
    text: str
    due_month: date
    created_by: str | None = None
    review_month: date | None = None  # the review it was recorded in; default: today's month


@dataclass(frozen=True)
class Action:
    id: int
    scope_level: str
    region_id: str | None
    location_id: str | None
    metric: str
    owner: str
    text: str
    due_month: date
    created_at: datetime
    created_by: str | None
    done_at: datetime | None
    status: Status  # derived for a review month: open, done or overdue
    review_month: date | None = None  # recorded in this review month (None: created_at's month)

    @property
    def recorded_month(self) -> date:
        return self.review_month or month_floor(self.created_at.date())

    @property
    def scope(self) -> Scope:
        return Scope(region=self.region_id, location=self.location_id)

    def status_in(self, month: date) -> Status:
        return derive_status(self.done_at, self.due_month, month)

    def scope_name(self, names: Mapping[str, str]) -> str:
        """Where it applies, by name (`scope_names`): its location, else its region, else
        "Company"; an id missing from `names` is shown as the id."""
        key = self.location_id or self.region_id
        return names.get(key or "", key or "Company")


def scope_names(dims: Dims) -> dict[str, str]:
    """Region and location id -> name, one dict for naming the scopes of many actions (the
    page's list, its CSV, the verdict and the pack)."""
    out = dict(zip(dims.regions.region_id, dims.regions.region_name, strict=True))
    out |= dict(zip(dims.locations.location_id, dims.locations.location_name, strict=True))
    return {str(k): str(v) for k, v in out.items()}


def derive_status(done_at: datetime | None, due_month: date, review_month: date) -> Status:
    """Done once marked done; overdue when its due month is before the review month."""
    if done_at is not None:
        return "done"
    return "overdue" if month_floor(due_month) < month_floor(review_month) else "open"


def default_url() -> str:
    """$CX_ACTIONS_URL, else a SQLite file beside the demo warehouse cache."""
    url = settings.ACTIONS_URL.value()
    if url:
        return url
    return f"sqlite:///{Path.home() / '.cache' / 'cx-scorecard' / 'actions.sqlite'}"


def store_for_reading(url: str | None = None) -> ActionStore | list[Action]:
    """The store to read from; an empty list when the default SQLite file does not exist yet,
    so printing a pack never creates an empty actions database as a side effect."""
    url = url or settings.ACTIONS_URL.value()
    if url:
        return ActionStore(url)
    default = default_url()
    if not Path(default.removeprefix("sqlite:///")).exists():
        return []
    return ActionStore(default)


def _clean(value: str | None, field: str, limit: int, label: str, multiline: bool) -> str:
    # Bidirectional controls are invisible and would mirror what follows wherever the action is
    # shown (page, pack, CSV): they go before anything is checked or stored.
    text = without_bidi(value or "").strip()
    if not text:
        raise InvalidAction(field, f"{label} is required.")
    if len(text) > limit:
        raise InvalidAction(field, f"{label} is {len(text)} characters long; at most {limit}.")
    bad = "\x00" if multiline else "\x00\n\r"
    if any(ch in bad or (ord(ch) < 32 and ch not in "\n\r\t") for ch in text):
        raise InvalidAction(field, f"{label} contains control characters.")
    return text


def validate(inp: ActionInput, today: date, dims: Dims | None = None) -> ActionInput:
    """Clean and check an input; the returned copy is what gets stored."""
    owner = _clean(inp.owner, "owner", MAX_OWNER, "Owner", multiline=False)
    text = _clean(inp.text, "text", MAX_TEXT, "Action", multiline=True)
    by = None
    if inp.created_by and inp.created_by.strip():
        by = _clean(inp.created_by, "created_by", MAX_OWNER, "Created by", multiline=False)
    if inp.metric not in BY_NAME:
        raise InvalidAction("metric", f"Unknown metric {inp.metric!r}.")
    if not isinstance(inp.due_month, date):
        raise InvalidAction("due_month", "Due month must be a date.")
    due, now = month_floor(inp.due_month), month_floor(today)
    if due < now:
        raise InvalidAction("due_month", f"Due month {due:%b %Y} is in the past "
                                         f"(this month is {now:%b %Y}).")
    if months_between(now, due) > MAX_MONTHS_AHEAD:
        raise InvalidAction("due_month", f"Due month {due:%b %Y} is more than "
                                         f"{MAX_MONTHS_AHEAD} months away.")
    scope = _check_scope(inp.scope, dims)
    return replace(inp, scope=scope, owner=owner, text=text, due_month=due, created_by=by)


def _check_scope(scope: Scope, dims: Dims | None) -> Scope:
    if not isinstance(scope, Scope):
        raise InvalidAction("scope", "Scope must be the company, a region or a location.")
    for name, v in (("region", scope.region), ("location", scope.location)):
        if v is not None and not _ID.fullmatch(str(v)):
            raise InvalidAction("scope", f"{name.capitalize()} id {str(v)[:40]!r} is not valid.")
    if scope.location is not None and scope.region is None and dims is None:
        raise InvalidAction("scope", "A location needs its region.")
    if dims is None:
        return scope
    try:
        return resolve(dims, scope.region, scope.location)
    except ScopeError as exc:
        raise InvalidAction("scope", str(exc)) from exc


def as_utc(v: datetime | str | None) -> datetime | None:
    """SQLite hands back naive (or text) timestamps: they were written in UTC."""
    if v is None:
        return None
    if isinstance(v, str):
        v = datetime.fromisoformat(v)
    return v if v.tzinfo is not None else v.replace(tzinfo=UTC)


def _as_date(v: date | str) -> date:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    return date.fromisoformat(str(v)[:10])


class ActionStore:
    """Actions in one database. Lazy: nothing connects until the first call, so a database that
    is down at start-up only costs the actions panel, and works again once it is back."""

    def __init__(self, url: str | None = None, busy_timeout_s: float = BUSY_TIMEOUT_S) -> None:
        self.url = url or default_url()
        self.busy_timeout_s = busy_timeout_s
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ActionStore({redact(self.url)!r})"

    # --- connection -------------------------------------------------------------------------
    def _unavailable(self, exc: BaseException) -> ActionsUnavailable:
        text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        reason = text[0][:200] if text else type(exc).__name__
        if "locked" in reason.lower() or "lock timeout" in reason.lower():
            return ActionsUnavailable(
                f"The actions database is busy (locked by another writer for more than "
                f"{self.busy_timeout_s:g} s): {reason}. Try again in a moment."
            )
        return ActionsUnavailable(f"The actions database at {redact(self.url)} is unavailable: "
                                  f"{reason}")

    def _make_engine(self) -> Engine:
        try:
            u = make_url(self.url)
        except Exception as exc:  # noqa: BLE001 - a bad URL is a configuration problem
            raise ActionsUnavailable(
                f"{ENV_URL} is not a valid SQLAlchemy URL: {redact(self.url)!r}") from exc
        backend = u.get_backend_name()
        kwargs: dict = {}
        if backend == "sqlite":
            db = u.database or ""
            if db and db != ":memory:" and not db.startswith("file:"):
                Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": self.busy_timeout_s}
        elif backend == "postgresql":
            ms = int(self.busy_timeout_s * 1000)
            kwargs["connect_args"] = {"connect_timeout": 5,
                                      "options": f"-c lock_timeout={ms} "
                                                 f"-c statement_timeout={ms * 4}"}
            kwargs["pool_pre_ping"] = True
        eng = sa.create_engine(self.url, **kwargs)
        if backend == "sqlite":
            busy_ms = int(self.busy_timeout_s * 1000)

            @sa.event.listens_for(eng, "connect")
            def _pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - run by SQLAlchemy
                cur = dbapi_conn.cursor()
                cur.execute(f"PRAGMA busy_timeout = {busy_ms}")  # an int we computed
                cur.execute("PRAGMA journal_mode = WAL")  # readers never block the writer
                cur.execute("PRAGMA synchronous = NORMAL")
                cur.close()
        return eng

    def _ready(self) -> Engine:
        """The engine, with the table created if it is absent (first call only)."""
        if self._engine is not None:
            return self._engine
        with self._lock:
            if self._engine is not None:
                return self._engine
            try:
                eng = self._make_engine()
            except ActionsUnavailable:
                raise
            except Exception as exc:  # noqa: BLE001 - missing driver, unwritable folder, ...
                raise self._unavailable(exc) from exc
            try:
                META.create_all(eng, checkfirst=True)
                _add_review_month(eng)
            except sa.exc.DBAPIError as exc:
                # Another process may have created it between the check and the CREATE.
                try:
                    exists = sa.inspect(eng).has_table(TABLE)
                except sa.exc.DBAPIError:
                    exists = False
                if not exists:
                    eng.dispose()
                    raise self._unavailable(exc) from exc
            self._engine = eng
            return eng

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # --- API --------------------------------------------------------------------------------
    def add(self, inp: ActionInput, today: date, dims: Dims | None = None) -> Action:
        """Validate and store one action; raises InvalidAction or ActionsUnavailable."""
        clean = validate(inp, today, dims)
        row = {
            "scope_level": clean.scope.level, "region_id": clean.scope.region,
            "location_id": clean.scope.location, "metric": clean.metric, "owner": clean.owner,
            "text": clean.text, "due_month": clean.due_month,
            "created_at": datetime.now(UTC), "created_by": clean.created_by,
            "done_at": None, "status": "open",
            "review_month": month_floor(clean.review_month or today),
        }
        eng = self._ready()
        t = ACTIONS.c
        same = sa.select(t.id).where(
            t.scope_level == row["scope_level"], t.metric == row["metric"],
            t.owner == row["owner"], t.text == row["text"], t.due_month == row["due_month"],
            t.review_month == row["review_month"], t.done_at.is_(None),
            t.region_id.is_(None) if row["region_id"] is None else t.region_id == row["region_id"],
            t.location_id.is_(None) if row["location_id"] is None
            else t.location_id == row["location_id"]).limit(1)
        try:
            with eng.begin() as c:
                existing = c.execute(same).scalar()
                if existing is None:
                    new_id = c.execute(sa.insert(ACTIONS).values(**row)).inserted_primary_key[0]
        except sa.exc.DBAPIError as exc:
            raise self._unavailable(exc) from exc
        if existing is not None:
            raise DuplicateAction(int(existing))
        return _to_action({"id": int(new_id), **row}, month_floor(today))

    def list(self, scope: Scope | None = None, include_children: bool = True,
             month: date | None = None, statuses: Iterable[str] | None = None) -> list[Action]:
        """Actions of a scope (and, by default, of the regions/locations under it).

        Status is derived for the review `month` (default: this month). An action is listed only
        from the month it was recorded (a September review never shows one recorded in October),
        and a done one only if it was done in or after the review month, so old ones drop off the
        agenda. Overdue first, then by due month.
        """
        review = month_floor(month or date.today())
        t = ACTIONS.c
        q = sa.select(ACTIONS)
        if scope is not None:
            if scope.level == "company" and not include_children:
                q = q.where(t.scope_level == "company")
            elif scope.level == "region":
                q = q.where(t.region_id == scope.region)
                if not include_children:
                    q = q.where(t.location_id.is_(None))
            elif scope.level == "location":
                q = q.where(t.location_id == scope.location)
        eng = self._ready()
        try:
            with eng.connect() as c:
                rows = c.execute(q.order_by(t.due_month, t.id)).mappings().all()
        except sa.exc.DBAPIError as exc:
            raise self._unavailable(exc) from exc
        since = datetime(review.year, review.month, 1, tzinfo=UTC)
        out = [_to_action(dict(r), review) for r in rows]
        out = [a for a in out if a.done_at is None or a.done_at >= since]
        out = [a for a in out if a.recorded_month <= review]
        if statuses is not None:
            wanted = set(statuses)
            out = [a for a in out if a.status in wanted]
        rank = {s: i for i, s in enumerate(STATUSES)}
        return sorted(out, key=lambda a: (rank[a.status], a.due_month, a.id))

    def get(self, action_id: int, month: date | None = None) -> Action:
        eng = self._ready()
        try:
            with eng.connect() as c:
                row = c.execute(sa.select(ACTIONS).where(ACTIONS.c.id == int(action_id))
                                ).mappings().first()
        except sa.exc.DBAPIError as exc:
            raise self._unavailable(exc) from exc
        if row is None:
            raise UnknownAction(f"There is no action #{action_id}.")
        return _to_action(dict(row), month_floor(month or date.today()))

    def mark_done(self, action_id: int, when: datetime | None = None) -> Action:
        """Mark an action done (idempotent: an action already done keeps its first date)."""
        when = as_utc(when) or datetime.now(UTC)
        t = ACTIONS.c
        eng = self._ready()
        try:
            with eng.begin() as c:
                c.execute(sa.update(ACTIONS)
                          .where(t.id == int(action_id), t.done_at.is_(None))
                          .values(done_at=when, status="done"))
        except sa.exc.DBAPIError as exc:
            raise self._unavailable(exc) from exc
        return self.get(action_id, when.date())


def _add_review_month(eng: Engine) -> None:
    """Databases made before `review_month` existed get the column (fixed DDL, no user text)."""
    cols = {c["name"] for c in sa.inspect(eng).get_columns(TABLE)}
    if "review_month" not in cols:
        with eng.begin() as c:
            c.execute(sa.text(f"ALTER TABLE {TABLE} ADD COLUMN review_month DATE"))


def _to_action(row: dict, review_month: date) -> Action:
    done_at = as_utc(row.get("done_at"))
    due = _as_date(row["due_month"])
    return Action(
        id=int(row["id"]), scope_level=str(row["scope_level"]), region_id=row.get("region_id"),
        location_id=row.get("location_id"), metric=str(row["metric"]), owner=str(row["owner"]),
        text=str(row["text"]), due_month=due, created_at=as_utc(row["created_at"]),
        created_by=row.get("created_by"), done_at=done_at,
        status=derive_status(done_at, due, review_month),
        review_month=_as_date(row["review_month"]) if row.get("review_month") else None,
    )
