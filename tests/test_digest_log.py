"""The send log makes every mail go out once (issue 29): a claim race between schedulers, a run
killed in the middle of a mail's hand-over and rerun, two schedulers at once, the alerts' one
mail a day, and the mail server's login with a password that is never printed. Digest-only mails
(no pack): what is tested here is the log, not the PDF."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest

from delivery import alerts, smtp, subscriptions
from delivery import run as rn
from queries import scope as sc
from queries import targets as tg
from queries.sql.engine import make_engine
from store.sendlog import Key, SendLog
from tests.digest_fixtures import Mailbox, send_args, site, smtp_server
from tests.digest_fixtures import subscriptions as subs_text

ROOT = Path(__file__).resolve().parents[1]
KEY = Key("digest", "north@example.com", "region:N", "2026-10")
PEOPLE = ("ceo@example.com", "north@example.com", "south@example.com")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def log_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'app.sqlite'}"
    return request.getfixturevalue("pg_databases").create()


def test_of_many_schedulers_racing_for_one_mail_exactly_one_claims_it(log_url):
    logs = [SendLog(log_url) for _ in range(6)]
    logs[0].get(KEY)  # the table, made once
    won: list[bool] = []
    start = threading.Barrier(len(logs))

    def race(log: SendLog, n: int) -> None:
        start.wait()
        won.append(log.claim(KEY, f"runner-{n}"))

    threads = [threading.Thread(target=race, args=(log, n)) for n, log in enumerate(logs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(won) == [False] * 5 + [True]
    for log in logs:
        log.dispose()


def test_a_failed_mail_is_tried_again_and_an_unconfirmed_one_only_when_asked(tmp_path):
    log = SendLog(f"sqlite:///{tmp_path / 'app.sqlite'}")
    assert log.claim(KEY, "a")
    log.finish(KEY, "a", ok=False, detail="550 no such mailbox")
    assert log.get(KEY).status == "failed"
    assert log.claim(KEY, "b")  # a refused mail is tried again by the next run
    assert not log.claim(KEY, "c")  # claimed, not confirmed: never again on its own
    assert [e.claimed_by for e in log.unconfirmed()] == ["b"]
    assert log.claim(KEY, "d", retry_unconfirmed=True)
    log.finish(KEY, "b", ok=True)  # a stale runner cannot confirm a claim it lost
    assert log.get(KEY).status == "sending"
    log.finish(KEY, "d", ok=True)
    assert log.get(KEY).status == "sent" and log.unconfirmed() == []
    assert not log.claim(KEY, "e", retry_unconfirmed=True)  # sent is sent
    log.dispose()


def test_a_connection_lost_while_handing_over_leaves_the_mail_unconfirmed(tmp_path):
    """The server has the message but the line drops before its answer: that mail is reported
    as maybe arrived and left claimed (never resent on its own); the next mail still goes."""
    from delivery import compose

    log = SendLog(f"sqlite:///{tmp_path / 'app.sqlite'}")
    with smtp_server(Mailbox(drop={1})) as (box, port):
        mailer = smtp.Mailer(smtp.Server("smtp", "127.0.0.1", port), timeout_s=10)
        run = rn.Run(None, None, None, date(2026, 10, 1), None, "d@example.com", "", log, mailer)
        outs = []
        for who in ("north@example.com", "south@example.com"):
            msg = compose.alert_message([], date(2026, 10, 1), "d@example.com", who)
            outs.append(rn.Outcome(who, "North", "skipped"))
            rn._deliver(run, outs[-1], msg, Key("digest", who, "region:N", "2026-10"))
        mailer.close()
    assert [o.status for o in outs] == ["failed", "sent"]
    assert "it may have arrived; see --resend-unconfirmed" in outs[0].detail
    assert f"mail server smtp://127.0.0.1:{port}" in outs[0].detail
    assert [e.key.recipient for e in log.unconfirmed()] == ["north@example.com"]
    assert len(box.messages) == 2  # the server did get the first
    log.dispose()


def _env(port: int) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), CX_SMTP_URL=f"smtp://127.0.0.1:{port}",
                CX_MAIL_FROM="digest@example.com", CX_PAGE_URL="https://cx.example.com/")


def _send(s: dict[str, str], port: int, *more: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli", *send_args(s, *more)],
                            env=_env(port), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, cwd=ROOT)


def _counts(box: Mailbox) -> dict[str, int]:
    return {who: len(box.to(who)) for who in PEOPLE}


def test_a_run_killed_while_handing_over_a_mail_and_rerun_sends_each_mail_once(tmp_path):
    """Killed (SIGKILL) after the server has the second mail but before it says so: the rerun
    sends the third, never the second again, and names it as unconfirmed."""
    s = site(tmp_path, subs_text('["digest"]'))
    proc: dict[str, subprocess.Popen] = {}

    def kill_on_second(n: int) -> None:
        if n == 2:
            proc["p"].send_signal(signal.SIGKILL)
            proc["p"].wait(timeout=30)

    with smtp_server(Mailbox(on_data=kill_on_second)) as (box, port):
        proc["p"] = _send(s, port)
        proc["p"].wait(timeout=300)
        assert proc["p"].returncode == -signal.SIGKILL, proc["p"].stdout.read()
        assert _counts(box) == {"ceo@example.com": 1, "north@example.com": 1,
                                "south@example.com": 0}
        box.on_data = None
        code, out = _main(s, port)
        assert code == 0, out
        assert _counts(box) == dict.fromkeys(PEOPLE, 1), out
        assert "UNCONFIRMED digest to north@example.com (region:N, 2026-10)" in out
        assert "1 sent, 2 skipped" in out
        # The operator checked the server's log and asks for it again: sent, then confirmed.
        code, out = _main(s, port, "--resend-unconfirmed")
        assert code == 0 and "UNCONFIRMED" not in out, out
        assert _counts(box)["north@example.com"] == 2


def _main(s: dict[str, str], port: int, *more: str) -> tuple[int, str]:
    import io
    from contextlib import redirect_stdout

    from cli.main import main

    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp, redirect_stdout(out):
        for k, v in _env(port).items():
            if k.startswith("CX_"):
                mp.setenv(k, v)
        code = main(send_args(s, *more))
    return code, out.getvalue()


def test_two_schedulers_at_once_send_each_mail_once(tmp_path):
    """Two runs side by side (threads, each with its own log connection and mail server
    connection, as two hosts would have): every mail once, and each run says who sent what."""
    with smtp_server() as (box, port):
        runs = [_run(tmp_path, port, SendLog(f"sqlite:///{tmp_path / 'app.sqlite'}"),
                     '["digest"]', first=n == 0) for n in range(2)]
        start = threading.Barrier(2)

        def go(run: rn.Run, recips) -> None:
            start.wait()
            rn.digests(run, recips)

        threads = [threading.Thread(target=go, args=r) for r in runs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for run, _ in runs:
            run.mailer.close()
            run.engine.dispose()
            run.log.dispose()
        assert _counts(box) == dict.fromkeys(PEOPLE, 1)
        statuses = sorted(o.status for run, _ in runs for o in run.outcomes)
        assert statuses == ["sent"] * 3 + ["skipped"] * 3, statuses


def _run(tmp_path: Path, port: int, box_log: SendLog, what: str,
         first: bool = True) -> tuple[rn.Run, list]:
    s = site(tmp_path, subs_text(what)) if first else {
        "url": f"duckdb:///{tmp_path / 'wh.duckdb'}", "policy": str(tmp_path / "policy.toml"),
        "subs": str(tmp_path / "subs.toml")}
    eng = make_engine(s["url"])
    dims = sc.load_dims(eng)
    import tomllib

    from queries import access

    policy = access.parse(tomllib.loads(Path(s["policy"]).read_text()), "")
    recips = subscriptions.recipients(
        subscriptions.parse(tomllib.loads(Path(s["subs"]).read_text()), ""), policy, dims)
    mailer = smtp.Mailer(smtp.Server("smtp", "127.0.0.1", port))
    run = rn.Run(eng, dims, tg.load(), date(2026, 10, 1), date(2026, 10, 31),
                 "digest@example.com", "https://cx.example.com/", box_log, mailer)
    return run, recips


def test_alerts_go_once_a_day_and_each_line_once(tmp_path, monkeypatch):
    changed = [alerts.Change("cross|nps|off", "NPS fell off target: 20 (target ≥ 47), was 60",
                             True)]
    monkeypatch.setattr(alerts, "changes",
                        lambda card, _t: changed if card.scope.region == "N" else [])
    log = SendLog(f"sqlite:///{tmp_path / 'app.sqlite'}")
    day = date(2026, 11, 3)
    with smtp_server() as (box, port):
        run, recips = _run(tmp_path, port, log, '["alerts"]')
        try:
            first = rn.alert_mails(run, recips, today=day)
            assert {o.email: o.status for o in first} == {
                "ceo@example.com": "nothing", "north@example.com": "sent",
                "south@example.com": "nothing"}
            (mail,) = box.to("north@example.com")
            assert mail["Subject"] == "CX alert: North · October 2026: 1 change beyond the noise"
            assert "NPS fell off target" in mail.get_body(("plain",)).get_content()
            run.outcomes = []
            again = rn.alert_mails(run, recips, today=day)
            assert {o.email: o.status for o in again}["north@example.com"] == "skipped"
            run.outcomes = []
            changed.append(alerts.Change("mover|L1|nps|fall", "Lakeside: NPS fell 30", True))
            later = rn.alert_mails(run, recips, today=day + timedelta(days=1))
            assert {o.email: o.status for o in later}["north@example.com"] == "sent"
            mails = box.to("north@example.com")
            assert len(mails) == 2
            body = mails[1].get_body(("plain",)).get_content()
            assert "Lakeside: NPS fell 30" in body and "NPS fell off target" not in body
        finally:
            run.mailer.close()
            run.engine.dispose()
            log.dispose()


def test_the_password_logs_in_and_is_never_printed(tmp_path, monkeypatch, capsys):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    seen: list[tuple[bytes, bytes]] = []

    def authenticator(_server, _session, _envelope, _mechanism, auth_data):
        seen.append((auth_data.login, auth_data.password))
        ok = auth_data.password == b"s3cret-pw"
        return AuthResult(success=ok, handled=False)  # handled=False: the server says 535

    from tests.digest_fixtures import free_port

    box, port = Mailbox(), free_port()
    ctl = Controller(box, hostname="127.0.0.1", port=port, authenticator=authenticator,
                     auth_require_tls=False)
    ctl.start()
    try:
        s = site(tmp_path, '[[subscription]]\nemail = "south@example.com"\nwhat = ["digest"]\n')
        from cli.main import main

        monkeypatch.setenv("CX_SMTP_URL", f"smtp://digest@127.0.0.1:{port}")
        monkeypatch.setenv("CX_SMTP_PASSWORD", "wrong-pw")
        assert main(send_args(s)) == 2  # said at once, before anything is built
        err = capsys.readouterr()
        assert f"error: mail server smtp://digest@127.0.0.1:{port}: 535 5.7.8" in err.err
        assert "wrong-pw" not in err.out + err.err
        monkeypatch.setenv("CX_SMTP_PASSWORD", "s3cret-pw")
        assert main(send_args(s)) == 0
        out = capsys.readouterr()
        assert "s3cret-pw" not in out.out + out.err and "1 sent" in out.out
        assert seen[-1] == (b"digest", b"s3cret-pw")
    finally:
        ctl.stop()
