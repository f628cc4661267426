"""The digest's send log, in the app's own database (beside the actions, `CX_ACTIONS_URL`).

One row per mail that is or was being sent, unique on (kind, recipient, view, period): a claim is
an INSERT, so of two schedulers (or a rerun) racing for the same mail exactly one wins, on SQLite
and PostgreSQL alike; the loser skips it. The choice is **at most once**: a claim is taken after
the mail server has accepted the recipient and just before the message itself is handed over,
and marked sent once the server confirms. A run killed inside that hand-over leaves the row
`sending`: later runs never resend it on their own (a leader must not get two board packs), they
report it as unconfirmed until an operator checks the mail server's log and asks for it again
(`--resend-unconfirmed`). A mail the server refused is `failed` and the next run retries it.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from store.actions import ActionStore, ActionsUnavailable, as_utc

TABLE = "cx_send_log"
META = sa.MetaData()
LOG = sa.Table(
    TABLE, META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(8), nullable=False),  # digest | alert | item (an alert's line)
    sa.Column("recipient", sa.String(254), nullable=False),
    sa.Column("view", sa.String(200), nullable=False),
    sa.Column("period", sa.String(10), nullable=False),  # YYYY-MM (digest), YYYY-MM-DD (alert)
    sa.Column("status", sa.String(8), nullable=False),  # sending | sent | failed
    sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("claimed_by", sa.String(120), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("detail", sa.String(500)),
    sa.UniqueConstraint("kind", "recipient", "view", "period", name=f"uq_{TABLE}_key"),
)


@dataclass(frozen=True)
class Key:
    """What makes a mail the same mail: one per kind, person, view and period."""

    kind: str
    recipient: str
    view: str
    period: str


@dataclass(frozen=True)
class Entry:
    key: Key
    status: str
    claimed_at: datetime
    claimed_by: str
    finished_at: datetime | None
    detail: str | None


def runner_id() -> str:
    """Who holds a claim: host and process, shown when a claim is left unconfirmed."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}"


def _now() -> datetime:
    return datetime.now(UTC)


def _where(key: Key):
    return sa.and_(LOG.c.kind == key.kind, LOG.c.recipient == key.recipient,
                   LOG.c.view == key.view, LOG.c.period == key.period)


class SendLog:
    """The log in the database at `url` (default: the actions database's)."""

    def __init__(self, url: str | None = None) -> None:
        self._store = ActionStore(url)
        self._engine: sa.Engine | None = None

    @property
    def url(self) -> str:
        return self._store.url

    def _ready(self) -> sa.Engine:
        if self._engine is None:
            eng = self._store._ready()  # the same engine rules (SQLite WAL, PG lock timeout)
            try:
                META.create_all(eng, checkfirst=True)
            except sa.exc.DBAPIError as exc:  # another run created it between check and CREATE
                if not sa.inspect(eng).has_table(TABLE):
                    raise self._store._unavailable(exc) from exc
            self._engine = eng
        return self._engine

    def dispose(self) -> None:
        self._store.dispose()
        self._engine = None

    def get(self, key: Key) -> Entry | None:
        with self._ready().connect() as c:
            row = c.execute(sa.select(LOG).where(_where(key))).mappings().first()
        return None if row is None else _entry(row)

    def claim(self, key: Key, by: str, retry_unconfirmed: bool = False) -> bool:
        """Take the mail for sending; False when it is sent, being sent, or left unconfirmed
        (unless `retry_unconfirmed`). A failed one is taken again."""
        eng = self._ready()
        row = {"kind": key.kind, "recipient": key.recipient, "view": key.view,
               "period": key.period, "status": "sending", "claimed_at": _now(),
               "claimed_by": by}
        try:
            with eng.begin() as c:
                c.execute(LOG.insert().values(**row))
            return True
        except sa.exc.IntegrityError:
            pass
        again = ("failed", "sending") if retry_unconfirmed else ("failed",)
        with eng.begin() as c:  # one conditional UPDATE: of two racers only one matches
            done = c.execute(LOG.update().where(_where(key), LOG.c.status.in_(again))
                             .values(status="sending", claimed_at=row["claimed_at"],
                                     claimed_by=by, finished_at=None, detail=None))
        return done.rowcount == 1

    def finish(self, key: Key, by: str, ok: bool, detail: str | None = None,
               items: list[Key] = ()) -> None:
        """Mark the claim sent (with the alert lines it carried) or failed (with the reason)."""
        with self._ready().begin() as c:
            c.execute(LOG.update().where(_where(key), LOG.c.claimed_by == by)
                      .values(status="sent" if ok else "failed", finished_at=_now(),
                              detail=None if detail is None else detail[:500]))
            for item in items if ok else ():
                c.execute(LOG.insert().values(
                    kind=item.kind, recipient=item.recipient, view=item.view,
                    period=item.period, status="sent", claimed_at=_now(), claimed_by=by,
                    finished_at=_now()))

    def sent_items(self, recipient: str, kind: str = "item") -> set[tuple[str, str]]:
        """(view, period) of every alert line already sent to `recipient`."""
        with self._ready().connect() as c:
            rows = c.execute(sa.select(LOG.c.view, LOG.c.period).where(
                LOG.c.kind == kind, LOG.c.recipient == recipient, LOG.c.status == "sent"))
            return {(r.view, r.period) for r in rows}

    def unconfirmed(self) -> list[Entry]:
        """Claims never confirmed: a run stopped while the mail was being handed over."""
        with self._ready().connect() as c:
            rows = c.execute(sa.select(LOG).where(LOG.c.status == "sending")
                             .order_by(LOG.c.claimed_at)).mappings().all()
        return [_entry(r) for r in rows]


def _entry(row) -> Entry:
    return Entry(Key(row["kind"], row["recipient"], row["view"], row["period"]), row["status"],
                 as_utc(row["claimed_at"]), row["claimed_by"], as_utc(row["finished_at"]),
                 row["detail"])


__all__ = ["ActionsUnavailable", "Entry", "Key", "SendLog", "runner_id"]
