"""A real SMTP server on loopback (aiosmtpd) and the small site the digest tests send from: the
fixture warehouse (regions North and South), an access policy with a company viewer and the two
regions' leaders, and their subscriptions."""

from __future__ import annotations

import email
import io
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa

from tests import fixture_warehouse as fw

POLICY = """
[users."ceo@example.com"]
company = true
[users."north@example.com"]
regions = ["N"]
[users."south@example.com"]
regions = ["S"]
"""
# North's names and South's: a leader's mail and pack hold their own and never the other's.
NORTH = ("North", "Lakeside", "Ridge")
SOUTH = ("South", "Bayou")


def subscriptions(what: str = '["digest", "pack"]', extra: str = "") -> str:
    return (f'[[subscription]]\nemail = "ceo@example.com"\nwhat = {what}\n\n'
            f'[[subscription]]\nemail = "north@example.com"\nscope = "region:N"\nwhat = {what}\n\n'
            f'[[subscription]]\nemail = "south@example.com"\nwhat = {what}\n{extra}')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Mailbox:
    """What the server accepted, and hooks a test sets to refuse or to act mid-transfer."""

    messages: list[tuple[list[str], bytes]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    on_data: Callable[[int], None] | None = None  # called before the server's 250 to DATA
    drop: set[int] = field(default_factory=set)  # messages whose connection drops before 250
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
            n = len(self.messages)
        if self.on_data is not None:
            self.on_data(n)
        if n in self.drop:
            server.transport.close()
            return None
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [parse(raw) for rcpts, raw in self.messages if address in rcpts]


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email_policy.default)  # type: ignore[return-value]


@contextmanager
def smtp_server(box: Mailbox | None = None) -> Iterator[tuple[Mailbox, int]]:
    from aiosmtpd.controller import Controller

    box = box or Mailbox()
    port = free_port()
    ctl = Controller(box, hostname="127.0.0.1", port=port)
    ctl.start()
    try:
        yield box, port
    finally:
        ctl.stop()


def warehouse(folder: Path, loader=fw.load) -> str:
    url = f"duckdb:///{folder / 'wh.duckdb'}"
    eng = sa.create_engine(url)
    loader(eng)
    eng.dispose()
    return url


def site(folder: Path, subs: str, loader=fw.load) -> dict[str, str]:
    """The warehouse, policy and subscriptions files under `folder`: the send command's args."""
    url = warehouse(folder, loader)
    (folder / "policy.toml").write_text(POLICY, encoding="utf-8")
    (folder / "subs.toml").write_text(subs, encoding="utf-8")
    return {"url": url, "policy": str(folder / "policy.toml"),
            "subs": str(folder / "subs.toml"),
            "actions": f"sqlite:///{folder / 'app.sqlite'}"}


def send_args(s: dict[str, str], *more: str) -> list[str]:
    return ["send", "--url", s["url"], "--policy", s["policy"], "--subscriptions", s["subs"],
            "--actions-url", s["actions"], *more]


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)


def parts(msg: EmailMessage) -> tuple[str, str, list[tuple[str, bytes]]]:
    """(plain text, HTML, [(filename, bytes)] attachments) of a mail."""
    plain = msg.get_body(("plain",)).get_content()
    rich = msg.get_body(("html",)).get_content()
    files = [(a.get_filename(), a.get_content()) for a in msg.iter_attachments()]
    return plain, rich, files
