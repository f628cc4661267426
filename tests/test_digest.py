"""The monthly digest end to end (issue 29): `cx-scorecard send` against a real SMTP server on
loopback (aiosmtpd), under an access policy with a company viewer and the two regions' leaders.

One run builds the three board packs (Chromium, ~5-10 s each) and every test reads that run's
mails: each leader gets exactly one mail with their own view's pack and nothing of the other
region, the link opens that view, a refused address is reported while the others go out, and a
second run sends nothing. The mail's HTML is drawn by Chromium at phone and desktop width.
"""

from __future__ import annotations

import io
import time
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from cli.main import main
from pack import printed
from tests.artifacts import ARTIFACTS
from tests.conftest import skip_or_fail
from tests.digest_fixtures import (
    NORTH,
    SOUTH,
    parts,
    pdf_text,
    send_args,
    site,
    smtp_server,
    subscriptions,
)

REFUSED = "refused@example.com"
PAGE = "https://cx.example.com/scorecard/"


def _run(args: list[str]) -> tuple[int, str, float]:
    out, err = io.StringIO(), io.StringIO()
    t0 = time.perf_counter()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(args)
    return code, out.getvalue() + err.getvalue(), time.perf_counter() - t0


@pytest.fixture(scope="module")
def sent(tmp_path_factory):
    """Two runs of `send` (the second must send nothing); the server's mailbox after each."""
    folder = tmp_path_factory.mktemp("digest")
    extra = (f'\n[[subscription]]\nemail = "{REFUSED}"\nuser = "north@example.com"\n'
             'what = ["digest", "pack"]\n')
    s = site(folder, subscriptions(extra=extra))
    with smtp_server() as (box, port), pytest.MonkeyPatch.context() as mp:
        box.refuse.add(REFUSED)
        mp.setenv("CX_SMTP_URL", f"smtp://127.0.0.1:{port}")
        mp.setenv("CX_PAGE_URL", PAGE)
        mp.setenv("CX_MAIL_FROM", "digest@example.com")
        starts = []
        real_enter = printed.Printer.__enter__

        def counted(self):
            starts.append(1)
            return real_enter(self)

        mp.setattr(printed.Printer, "__enter__", counted)
        first = _run(send_args(s))
        after_first = len(box.messages)
        chromium_starts = len(starts)
        second = _run(send_args(s))
        yield {"box": box, "port": port, "first": first, "second": second,
               "after_first": after_first, "chromium_starts": chromium_starts}


def test_each_subscriber_gets_exactly_one_mail_with_the_pack_of_their_view(sent):
    box = sent["box"]
    code, out, seconds = sent["first"]
    print(f"first run: {seconds:.1f} s\n{out}")
    for who, view in (("ceo@example.com", "Company"), ("north@example.com", "North"),
                      ("south@example.com", "South")):
        mails = box.to(who)
        assert len(mails) == 1, (who, out)
        msg = mails[0]
        assert msg["Subject"] == f"CX Scorecard: {view} · October 2026"
        assert msg["From"] == "digest@example.com"
        plain, rich, files = parts(msg)
        assert [name for name, _ in files] == [
            f"cx-scorecard-{ {'Company': 'company', 'North': 'N', 'South': 'S'}[view]}"
            "-2026-10.pdf".replace(" ", "")]
        assert files[0][1][:5] == b"%PDF-"
        assert "of 12 on target" in plain and "Off target" in plain
        assert f"{view} · October 2026" in rich and 'lang="en"' in rich
        assert "board pack of this view is attached" in plain
    # three views' packs (company, North, South), one Chromium: its start paid once per run
    assert sent["chromium_starts"] == 1


def test_a_regional_leader_reads_nothing_of_the_other_region(sent):
    box = sent["box"]
    for who, own, other in (("north@example.com", NORTH, SOUTH),
                            ("south@example.com", SOUTH, NORTH)):
        plain, rich, files = parts(box.to(who)[0])
        pdf = pdf_text(files[0][1])
        raw = b"".join(raw for rcpts, raw in box.messages if who in rcpts)
        assert own[0] in plain and own[0] in pdf
        for name in other:
            for where, body in (("text", plain), ("html", rich), ("pdf", pdf)):
                assert name not in body, (who, name, where)
            assert name.encode() not in raw, (who, name, "raw mail")
    ceo = pdf_text(parts(box.to("ceo@example.com")[0])[2][0][1])
    assert "North" in ceo and "South" in ceo  # the company viewer sees both


def test_the_link_opens_exactly_that_view(sent):
    box = sent["box"]
    for who, query in (("north@example.com", "?region=N&month=2026-10"),
                       ("south@example.com", "?region=S&month=2026-10"),
                       ("ceo@example.com", "?month=2026-10")):
        plain, rich, _files = parts(box.to(who)[0])
        assert f"{PAGE}{query}" in plain
        assert f'href="{PAGE}{query.replace("&", "&amp;")}"' in rich


def test_a_refused_address_is_reported_and_the_others_still_go(sent):
    code, out, _ = sent["first"]
    assert code == 1, out
    line = next(ln for ln in out.splitlines() if REFUSED in ln)
    assert line.split()[0] == "failed"
    assert f"smtp://127.0.0.1:{sent['port']}" in line and "550" in line, line
    assert "3 sent, 1 failed" in out
    assert out.count("building") == 3  # the refused address's pack is never built
    assert sent["box"].to(REFUSED) == []


def test_a_second_run_sends_nothing(sent):
    code, out, seconds = sent["second"]
    print(f"second run: {seconds:.1f} s\n{out}")
    assert len(sent["box"].messages) == sent["after_first"] == 3
    assert out.count("already sent") == 3, out
    assert "3 skipped, 1 failed" in out  # the refused one is tried again, and refused again
    assert "building" not in out  # nothing is built: what was sent is skipped, and the server
    # refuses the address before its pack is built


@pytest.mark.browser
def test_the_mail_reads_well_at_phone_and_desktop_width(sent):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed")
    if not Path("/usr/bin/chromium").exists():
        skip_or_fail("Chromium is not installed at /usr/bin/chromium")
    ARTIFACTS.mkdir(exist_ok=True)
    _plain, rich, _files = parts(sent["box"].to("ceo@example.com")[0])
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            for width in (390, 1200):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.set_content(rich, wait_until="load")
                page.screenshot(path=str(ARTIFACTS / f"digest-mail-{width}.png"), full_page=True)
                wide = page.evaluate("document.documentElement.scrollWidth")
                assert wide <= width, f"the mail is {wide} px wide in a {width} px window"
                assert page.get_by_role("heading", level=1).count() == 1
                assert page.get_by_role("link").count() == 1
                page.close()
        finally:
            browser.close()
