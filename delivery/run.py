"""One run of `cx-scorecard send`: every subscriber's digest (or alert), each claimed in the send
log before it is handed to the mail server, so a rerun, a run killed midway or two schedulers at
once never send a mail twice (store/sendlog.py says why at most once).

A view's content (scorecard, verdict, analyses and printed pack) is built once per view and
rights and shared by every subscriber who gets that same view with those same rights. A mail
the server refuses is reported and the run goes on; a server that cannot be reached stops the
run (every later mail would fail the same way) and says which server and why.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path

from delivery import alerts, compose
from delivery.smtp import Mailer, MailError, Refused, Unconfirmed
from delivery.subscriptions import Recipient
from pack import printed
from queries.access import identity
from queries.scope import Scope
from store.sendlog import Key, SendLog, runner_id


@dataclass
class Outcome:
    """What happened to one subscriber's mail, for the run's summary."""

    email: str
    view: str
    status: str  # sent | written | skipped | failed | nothing
    detail: str = ""
    seconds: float = 0.0


@dataclass
class Run:
    """Everything a run needs besides the subscribers."""

    engine: object
    dims: object
    targets: object
    month: date
    latest: date | None
    sender: str
    page_url: str
    log: SendLog | None = None  # None with --dry-run: nothing is recorded
    mailer: Mailer | None = None
    dry_run: Path | None = None
    actions: object = None  # the actions store (or a list), as the pack reads it
    retry_unconfirmed: bool = False
    progress: Callable[[str], None] = lambda _text: None
    outcomes: list[Outcome] = field(default_factory=list)
    _views: dict = field(default_factory=dict)
    _stopped: str | None = None
    _written: int = 0
    _printing: contextlib.ExitStack | None = None  # open while `digests` runs
    _printer: printed.Printer | None = None  # started at the first pack, closed after the run


def view_key(scope: Scope, journey: str | None = None) -> str:
    """'company', 'region:N' or 'location:L1' (plus '|journey'): the log's view column."""
    base = ("company" if scope.level == "company" else
            f"region:{scope.region}" if scope.level == "region" else f"location:{scope.location}")
    return f"{base}|{journey}" if journey else base


def _content(run: Run, r: Recipient, with_pack: bool) -> tuple[printed.Printed, bytes | None]:
    """The view's verdict and (when asked) its printed pack, built once per view and rights."""
    k = (r.scope, r.allowed.key, with_pack)
    if k not in run._views:
        listed, note = printed.actions_for(run.actions, r.scope, run.month)
        p = printed.prepare(run.engine, run.dims, r.scope, run.month, run.targets, listed, note,
                            run.latest, allowed=r.allowed)
        pdf = printed.print_pdf(p, printer=_printer(run)) if with_pack else None
        run._views[k] = (p, pdf)
    return run._views[k]


def _printer(run: Run) -> printed.Printer | None:
    """One Chromium for every pack of the run (started at the first): each pack then costs
    its own print, not a browser's start."""
    if run._printer is None and run._printing is not None:
        run._printer = run._printing.enter_context(printed.Printer())
    return run._printer


def digest_of(run: Run, r: Recipient, p: printed.Printed) -> compose.Digest:
    link = compose.page_link(run.page_url, r.scope, run.month, journey=r.sub.journey)
    return compose.Digest(r.scope, p.card.scope_name, run.month, p.verdict, p.names,
                          p.card.responses, p.latest, p.targets_version, link)


def _deliver(run: Run, out: Outcome, msg: EmailMessage, key: Key,
             items: list[Key] = ()) -> None:
    """Write the .eml (dry run) or claim and send; the outcome says which and why."""
    if run.dry_run is not None:
        run._written += 1
        safe = "".join(ch if ch.isalnum() else "-" for ch in f"{key.recipient}-{key.view}")
        path = run.dry_run / f"{run._written:03d}-{key.kind}-{safe[:80]}.eml"
        path.write_bytes(bytes(msg))
        out.status, out.detail = "written", str(path)
        return
    assert run.log is not None and run.mailer is not None
    me = runner_id()
    claimed = False

    def claim() -> bool:
        nonlocal claimed
        claimed = run.log.claim(key, me, run.retry_unconfirmed)
        return claimed

    try:
        if run.mailer.send(msg, run.sender, out.email, claim):
            run.log.finish(key, me, ok=True, items=list(items))
            out.status = "sent"
        else:
            out.status, out.detail = "skipped", "another run claimed it a moment ago"
    except Refused as exc:
        if claimed:
            run.log.finish(key, me, ok=False, detail=str(exc))
        out.status, out.detail = "failed", str(exc)
    except Unconfirmed as exc:  # left claimed: at most once (store/sendlog.py)
        out.status, out.detail = "failed", f"{exc}; see --resend-unconfirmed"
    except MailError as exc:
        out.status, out.detail = "failed", str(exc)
        run._stopped = str(exc)


def _already(run: Run, key: Key) -> str | None:
    """Why this mail is not sent again, or None to send it."""
    if run.log is None:
        return None
    e = run.log.get(key)
    if e is None or e.status == "failed":
        return None
    if e.status == "sent":
        return f"already sent {e.finished_at:%Y-%m-%d %H:%M} UTC" if e.finished_at else \
            "already sent"
    if run.retry_unconfirmed:
        return None
    return (f"claimed {e.claimed_at:%Y-%m-%d %H:%M} UTC by {e.claimed_by} and not confirmed "
            "(still being sent, or that run stopped while handing it over: check the mail "
            "server's log, then --resend-unconfirmed)")


def _refused(run: Run, email: str) -> str | None:
    """The server's refusal of this address, asked before its pack is built (None: accepted,
    or a dry run); a server that cannot be reached stops the run."""
    if run.mailer is None or run.dry_run is not None:
        return None
    try:
        run.mailer.accepts(run.sender, email)
    except Refused as exc:
        return str(exc)
    except MailError as exc:
        run._stopped = str(exc)
        return str(exc)
    return None


def digests(run: Run, recipients: list[Recipient]) -> list[Outcome]:
    """The month's digest to every subscriber who asked for it."""
    with contextlib.ExitStack() as run._printing:
        try:
            _digests(run, recipients)
        finally:
            run._printing, run._printer = None, None
    return run.outcomes


def _digests(run: Run, recipients: list[Recipient]) -> None:
    for r in recipients:
        if run._stopped:
            run.outcomes.append(Outcome(r.email, view_key(r.scope), "failed",
                                        f"not tried: {run._stopped}"))
            continue
        if not r.sub.wants_mail:
            continue
        t0 = time.perf_counter()
        key = Key("digest", identity(r.email), view_key(r.scope, r.sub.journey),
                  f"{run.month:%Y-%m}")
        out = Outcome(r.email, run.dims.name(r.scope), "skipped")
        why = _already(run, key) or _refused(run, r.email)
        if why is not None:
            out.detail = why
            if why.startswith("mail server"):
                out.status = "failed"
        else:
            run.progress(f"building {out.view} for {r.email}")
            p, pdf = _content(run, r, "pack" in r.sub.what)
            msg = compose.digest_message(digest_of(run, r, p), run.sender, r.email, pdf)
            _deliver(run, out, msg, key)
            if out.status in ("sent", "written") and run.dry_run is None:
                out.detail = (f"with the board pack ({len(pdf) / 1024:.0f} KB)" if pdf
                              else "without the pack")
        out.seconds = time.perf_counter() - t0
        run.outcomes.append(out)


def alert_mails(run: Run, recipients: list[Recipient],
                today: date | None = None) -> list[Outcome]:
    """One short mail per person (at most one a day) listing what changed beyond the noise in
    each of their views and has not been alerted before; nothing when nothing did."""
    from queries import scorecard

    today = today or datetime.now(UTC).date()
    people: dict[str, list[Recipient]] = {}
    for r in recipients:
        if "alerts" in r.sub.what:
            people.setdefault(identity(r.email), []).append(r)
    cards: dict[Scope, scorecard.Scorecard] = {}
    for who, rs in people.items():
        email = rs[0].email
        out = Outcome(email, ", ".join(run.dims.name(r.scope) for r in rs), "nothing")
        key = Key("alert", who, "", today.isoformat())
        why = _already(run, key)
        if run._stopped or why is not None:
            out.status, out.detail = ("failed", f"not tried: {run._stopped}") if run._stopped \
                else ("skipped", why)
            run.outcomes.append(out)
            continue
        done = run.log.sent_items(who) if run.log is not None else set()
        lines, items = [], []
        for r in rs:
            if r.scope not in cards:
                cards[r.scope] = scorecard.build(run.engine, run.dims, r.scope, run.month,
                                                 run.targets, run.latest, with_map=False)
            card = cards[r.scope]
            link = compose.page_link(run.page_url, r.scope, run.month, journey=r.sub.journey)
            for ch in alerts.changes(card, run.targets):
                item = Key("item", who, f"{view_key(r.scope)}|{ch.ident}"[:200],
                           f"{run.month:%Y-%m}")
                if (item.view, item.period) in done or item in items:
                    continue
                items.append(item)
                lines.append(compose.AlertLine(card.scope_name, ch.sentence, link, ch.bad))
        if not lines:
            out.detail = "nothing changed beyond the noise"
        else:
            msg = compose.alert_message(lines, run.month, run.sender, email)
            _deliver(run, out, msg, key, items)
            out.detail = out.detail or f"{len(lines)} alert lines"
        run.outcomes.append(out)
    return run.outcomes
