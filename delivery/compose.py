"""The digest and alert mails: one `EmailMessage` each, with a plain-text part, an accessible HTML
part (headings, lists, words beside every colour, inline styles only, one column that fits a
phone) and, for a digest, the printed board pack attached.

The words are the verdict's (`presentation/verdict.py`), the same the page's strip and the
pack say: this module only lays them out for a mail. Every warehouse or subscriber string is
escaped in the HTML (`html.escape`) and made one plain line in a header (`header_text`): a name
holding a newline cannot add a header (no header injection), one holding markup shows as text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlencode, urlsplit, urlunsplit

from presentation import fmt, text
from presentation import verdict as vd
from queries.scope import Scope

# Status colours with their words (contrast >= 4.5:1 on white for the text colours).
COLOURS = {"red": ("#b42318", "#fde8e7"), "amber": ("#8a5300", "#fff3d6"),
           "green": ("#1e6b33", "#e3f4e8"), "grey": ("#444444", "#efefef")}
_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
SUBJECT_LIMIT = 120


def header_text(value: object, limit: int = SUBJECT_LIMIT) -> str:
    """One plain line for a mail header: line breaks and control characters become a space,
    bidirectional controls go (`presentation.text.plain`), cut at `limit` characters."""
    return " ".join(_BREAKS.sub(" ", text.plain(value, limit)).split())


def page_link(base: str, scope: Scope, month: date, window: str = "",
              journey: str | None = None) -> str:
    """The page's address that opens exactly this view (the page's own URL parameters:
    dashboard/state.canonical), plus the journey when the subscription names one."""
    params: dict[str, str] = {}
    if scope.region:
        params["region"] = scope.region
    if scope.location:
        params["location"] = scope.location
    params["month"] = f"{month:%Y-%m}"
    if window:
        params["window"] = window
    if journey:
        params["journey"] = journey
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(params), ""))


def pack_filename(scope: Scope, month: date) -> str:
    where = "-".join(x for x in ("company" if scope.level == "company" else "",
                                 scope.region or "", scope.location or "") if x)
    where = re.sub(r"[^A-Za-z0-9]+", "-", where).strip("-") or "view"
    return f"cx-scorecard-{where}-{month:%Y-%m}.pdf"


@dataclass(frozen=True)
class Digest:
    """What one digest says: the view, its verdict and its facts."""

    scope: Scope
    scope_name: str
    month: date
    verdict: vd.Verdict
    names: Mapping[str, str]
    responses: int
    latest: date | None
    targets_version: str
    link: str


def _chip(status: str, words: str) -> str:
    fg, bg = COLOURS[status]
    return (f'<span style="display:inline-block;padding:2px 8px;margin:2px 4px 2px 0;'
            f'border-radius:10px;background:{bg};color:{fg};font-weight:600">'
            f"{html.escape(words)}</span>")


def _lines(d: Digest) -> list[tuple[str, list[str]]]:
    """(heading, items) of the digest in reading order: the verdict's rows as plain text."""
    v = d.verdict
    out: list[tuple[str, list[str]]] = []
    out.append(("Off target", [vd.metric_words(r) for r in v.off] or ["none"]))
    if v.behind:
        out.append((v.behind_heading, [vd.behind_words(b) for b in v.behind]))
    elif v.standing:
        out.append(("In its region", [v.standing]))
    elif d.scope.child_level is not None:
        out.append(("Furthest behind", [f"no {v.children_word} off or near target"]))
    if v.voice:  # the top detractor theme, when one stands out (docs/comments.md)
        out.append(("What customers say", [v.voice]))
    for finding in v.findings:
        out.append((vd.finding_question(finding), [finding]))
    if v.actions:
        shown = v.overdue[:3] or v.actions[:3]
        word = "Overdue" if v.overdue else "Open"
        items = [f"{vd.actions_headline(v)}"] + [
            f"{word}: {vd.action_words(a, d.names)}" for a in shown]
        out.append(("Actions", items))
    else:
        out.append(("Actions", ["no open actions for this view"]))
    return out


def _facts(d: Digest) -> str:
    bits = [f"{fmt.compact(d.responses)} survey responses"]
    if d.latest is not None:
        bits.append(f"data to {d.latest:%d %b %Y}")
    bits.append(f"targets {d.targets_version}")
    return " · ".join(bits)


def _title(d: Digest) -> str:
    return f"{header_text(d.scope_name, 80)} · {d.month:%B %Y}"


def digest_text(d: Digest, attached: bool) -> str:
    v = d.verdict
    rows = [f"CX Scorecard: {_title(d)}", "", vd.headline(v), ""]
    for head, items in _lines(d):
        rows.append(f"{text.plain(head, 200)}:")
        rows += [f"  - {text.plain(i, 600)}" for i in items]
        rows.append("")
    rows.append(f"Open this view in the scorecard: {d.link}")
    if attached:
        rows.append("The board pack of this view is attached (PDF).")
    rows += ["", _facts(d)]
    return "\n".join(rows) + "\n"


def _page(title: str, body: str) -> str:
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title></head>"
            '<body style="margin:0;padding:0;background:#f4f5f7">'
            '<main style="max-width:640px;margin:0 auto;padding:16px;background:#ffffff;'
            "font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;"
            f'color:#1a1a1a">{body}</main></body></html>')


def _button(link: str, words: str) -> str:
    return (f'<p style="margin:20px 0"><a href="{html.escape(link, quote=True)}" '
            'style="display:inline-block;padding:10px 16px;background:#1f4e9c;color:#ffffff;'
            f'text-decoration:none;border-radius:6px;font-weight:600">{html.escape(words)}</a>'
            "</p>")


def digest_html(d: Digest, attached: bool) -> str:
    e = html.escape
    v = d.verdict
    c = v.counts
    chips = (_chip("green", f"{c['green']} of {v.with_target} on target")
             + _chip("amber", f"{c['amber']} near") + _chip("red", f"{c['red']} off"))
    if c["unjudged"]:
        chips += _chip("grey", vd.unjudged_text(v))
    body = [f'<h1 style="font-size:22px;margin:0 0 8px">{e(_title(d))}</h1>',
            f'<p style="margin:0 0 12px" aria-label="{e(vd.headline(v))}">{chips}</p>']
    for head, items in _lines(d):
        red = head == "Off target" and bool(v.off)
        colour = COLOURS["red"][0] if red else "#1a1a1a"
        lis = "".join(f'<li style="margin:2px 0;color:{colour}">{e(i)}</li>' for i in items)
        body.append(f'<h2 style="font-size:17px;margin:16px 0 4px">{e(head)}</h2>'
                    f'<ul style="margin:0;padding-left:20px">{lis}</ul>')
    body.append(_button(d.link, f"Open {header_text(d.scope_name, 60)}, "
                                f"{d.month:%B %Y}, in the scorecard"))
    if attached:
        body.append('<p style="margin:0 0 8px">The board pack of this view is attached (PDF).'
                    "</p>")
    body.append(f'<p style="margin:12px 0 0;color:#555;font-size:14px">{e(_facts(d))}</p>')
    return _page(f"CX Scorecard: {_title(d)}", "".join(body))


def _message(sender: str, to: str, subject: str, plain: str, rich: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = header_text(subject, 200)
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    msg.set_content(plain)
    msg.add_alternative(rich, subtype="html")
    return msg


def digest_message(d: Digest, sender: str, to: str, pdf: bytes | None) -> EmailMessage:
    """The month's digest for one view: subject names the view and month."""
    msg = _message(sender, to, f"CX Scorecard: {_title(d)}", digest_text(d, pdf is not None),
                   digest_html(d, pdf is not None))
    if pdf is not None:
        msg.add_attachment(pdf, maintype="application", subtype="pdf",
                           filename=pack_filename(d.scope, d.month))
    return msg


@dataclass(frozen=True)
class AlertLine:
    """One thing that changed: where, what, in words, and the page link to see it."""

    scope_name: str
    sentence: str
    link: str
    bad: bool


def alert_message(lines: Sequence[AlertLine], month: date, sender: str,
                  to: str) -> EmailMessage:
    """A short mail: what crossed its target band or moved beyond the noise, and where."""
    e = html.escape
    places = sorted({header_text(ln.scope_name, 60) for ln in lines})
    where = places[0] if len(places) == 1 else f"{len(places)} views"
    subject = (f"CX alert: {where} · {month:%B %Y}: "
               f"{fmt.plural(len(lines), 'change')} beyond the noise")
    plain = [subject, ""] + [f"- {text.plain(ln.scope_name, 80)}: {text.plain(ln.sentence, 400)}"
                             f"\n  {ln.link}" for ln in lines]
    plain += ["", "Changes are called only beyond the noise (the page's tests; movers after "
              "false-discovery control). At most one alert mail a day."]
    items = "".join(
        f'<li style="margin:6px 0"><b>{e(text.plain(ln.scope_name, 80))}</b>: '
        f'<span style="color:{COLOURS["red" if ln.bad else "green"][0]}">'
        f'{"Worse" if ln.bad else "Better"}:</span> {e(ln.sentence)} '
        f'<a href="{e(ln.link, quote=True)}">see it on the page</a></li>' for ln in lines)
    body = (f'<h1 style="font-size:20px;margin:0 0 8px">{e(subject)}</h1>'
            f'<ul style="padding-left:20px">{items}</ul>'
            '<p style="color:#555;font-size:14px">Changes are called only beyond the noise '
            "(the page's tests; movers after false-discovery control). At most one alert "
            "mail a day.</p>")
    return _message(sender, to, subject, "\n".join(plain) + "\n", _page(subject, body))
