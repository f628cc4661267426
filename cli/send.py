"""`cx-scorecard send`: the monthly digest (or, with --alerts, the alert mails) to every
subscriber of a subscriptions file (docs/digest.md). Made for cron, a systemd timer, Airflow or a
Kubernetes CronJob: run it as often as you like, each mail goes out once (the send log).
"""

from __future__ import annotations

import re
import sys
from datetime import date
from pathlib import Path

from queries import config, settings

MONTH_RULE = ("a month's digest waits until the month is complete: the warehouse holds a "
              "response dated on the month's last day or later")


class SendError(ValueError):
    """A configuration a person can fix: one line, exit code 2."""


def register(add) -> None:
    """Add the `send` command with `add(name, fn, help)` (cli/main.build_parser's helper)."""
    s = add("send", cmd_send, "E-mail each subscriber their view's digest with its board pack "
            "(or, with --alerts, what changed beyond the noise).")
    s.add_argument("--subscriptions", help="the subscriptions TOML (default $CX_SUBSCRIPTIONS)")
    s.add_argument("--month", help="YYYY-MM (default: the latest complete month with data)")
    s.add_argument("--dry-run", metavar="DIR",
                   help="write each mail as a .eml file in DIR instead of sending it")
    s.add_argument("--alerts", action="store_true",
                   help="send the short alert mails instead of the digest (at most one a "
                        "person a day)")
    s.add_argument("--policy", help="access policy TOML (default $CX_ACCESS_POLICY)")
    s.add_argument("--actions-url", help="SQLAlchemy URL of the app's database: actions and "
                   "the send log (default: $CX_ACTIONS_URL, else "
                   "~/.cache/cx-scorecard/actions.sqlite)")
    s.add_argument("--resend-unconfirmed", action="store_true",
                   help="send again the mails a stopped run left unconfirmed (check the mail "
                        "server's log first: they may have arrived)")


def _month(arg: str | None, latest: date | None) -> date:
    from queries import months, scorecard

    complete = scorecard.latest_complete_month(latest)
    if complete is None:
        raise SendError("The warehouse has no survey responses, so there is no month to send")
    if arg is None:
        return complete
    month = months.parse_month(arg)
    if month is None:
        raise SendError(f"--month must look like YYYY-MM (e.g. 2026-10), got {arg!r}")
    if month > complete:
        raise SendError(f"{month:%B %Y} is not complete yet (latest response {latest:%d %b %Y}): "
                        f"{MONTH_RULE}")
    return month


def cmd_send(args) -> int:
    from delivery import run as rn
    from delivery import smtp, subscriptions
    from queries import access, targets
    from queries import scope as sc
    from queries.sql.aggregate import freshness
    from queries.sql.engine import make_engine
    from store import actions as ac
    from store.sendlog import SendLog

    subs, path = subscriptions.load(args.subscriptions)
    sender = settings.MAIL_FROM.value() or ""
    if not re.fullmatch(subscriptions.EMAIL, sender):
        raise SendError(f"{settings.MAIL_FROM.name} is not one plain e-mail address: "
                        f"{sender[:80]!r}")
    target = config.resolve(getattr(args, "url", None))
    if target.is_demo and not config.demo_path().exists():
        raise SendError("The demo warehouse is not built yet: run cx-scorecard build-demo")
    mailer = log = None
    out_dir = None
    if args.dry_run:
        out_dir = Path(args.dry_run).expanduser()
        out_dir.mkdir(parents=True, exist_ok=True)
    else:
        server = smtp.parse_url(settings.SMTP_URL.value())
        mailer = smtp.Mailer(server, smtp.password())
        log = SendLog(args.actions_url)
    try:
        if mailer is not None:
            mailer.connect()  # a wrong server or password is said before any pack is built
    except smtp.MailError as exc:
        raise SendError(str(exc)) from None
    eng = make_engine(target.url)
    try:
        dims = sc.load_dims(eng)
        _first, latest = freshness(eng)
        recipients = subscriptions.recipients(subs, access.load(args.policy), dims, path)
        month = _month(args.month, latest)
        run = rn.Run(eng, dims, targets.load(), month, latest, sender,
                     settings.PAGE_URL.value() or "", log, mailer, out_dir,
                     ac.store_for_reading(args.actions_url), args.resend_unconfirmed,
                     progress=lambda text: print(text, file=sys.stderr))
        try:
            if args.alerts:
                outcomes = rn.alert_mails(run, recipients)
            else:
                outcomes = rn.digests(run, recipients)
        finally:
            if mailer is not None:
                mailer.close()
        left = log.unconfirmed() if log is not None else []
    except smtp.MailError as exc:
        raise SendError(str(exc)) from None
    finally:
        eng.dispose()
        if log is not None:
            log.dispose()
    return _summary(outcomes, month, "alerts" if args.alerts else "digest", left)


def _summary(outcomes, month: date, kind: str, left) -> int:
    """Who got what; 1 when any mail failed."""
    width = max([len(o.email) for o in outcomes] + [10])
    print(f"{kind} for {month:%B %Y}:")
    for o in outcomes:
        took = f" ({o.seconds:.1f} s)" if o.seconds >= 0.05 else ""
        detail = f": {o.detail}" if o.detail else ""
        print(f"  {o.status:<8} {o.email:<{width}}  {o.view}{took}{detail}")
    counts = {s: sum(o.status == s for o in outcomes)
              for s in ("sent", "written", "skipped", "failed", "nothing")}
    print("  " + ", ".join(f"{n} {s}" for s, n in counts.items() if n) if outcomes
          else "  no subscriber asked for this")
    for e in left:
        print(f"  UNCONFIRMED {e.key.kind} to {e.key.recipient} ({e.key.view or 'alerts'}, "
              f"{e.key.period}): claimed {e.claimed_at:%Y-%m-%d %H:%M} UTC by {e.claimed_by}")
    return 1 if counts["failed"] else 0
