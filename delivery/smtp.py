"""Sending through the standard library's smtplib, to the server named by `CX_SMTP_URL`:

- `smtp://host:port` (plain, port 25 by default; a relay on the same host or network),
- `smtp+starttls://user@host:port` (STARTTLS, port 587 by default),
- `smtps://user@host:port` (TLS from the start, port 465 by default).

The password is never in the URL: it comes from `CX_SMTP_PASSWORD`, else `[smtp] password` in
.streamlit/secrets.toml, and is never printed (`Server.label` has no password). Every failure
names the server and the server's own reason. One connection serves a whole run; the envelope
is sent step by step (MAIL, RCPT, then DATA) so the send log's claim is taken only once the
server has accepted the recipient, just before the message is handed over.
"""

from __future__ import annotations

import smtplib
import ssl
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.message import EmailMessage
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote, urlsplit

from queries import settings

SECRETS_PATH = Path(".streamlit") / "secrets.toml"
PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
TIMEOUT_S = 30.0


class MailError(RuntimeError):
    """The server cannot be reached or refused something: says which server and why."""


class Refused(MailError):
    """The server refused this one mail (a recipient, or the message): the others still go."""


class Unconfirmed(MailError):
    """The connection failed while the message was on its way: it may or may not have arrived."""


@dataclass(frozen=True)
class Server:
    scheme: str
    host: str
    port: int
    user: str | None = None

    @property
    def label(self) -> str:
        """'smtp+starttls://digest@mail.example.com:587': no password, ever."""
        who = f"{self.user}@" if self.user else ""
        return f"{self.scheme}://{who}{self.host}:{self.port}"


def parse_url(url: str | None) -> Server:
    """The server of a `CX_SMTP_URL`; a clear error for anything else (the URL is not echoed
    back whole, as it may hold a password by mistake)."""
    if not url:
        raise MailError(f"No mail server: set {settings.SMTP_URL.name} (smtp://host:port, "
                        "smtp+starttls://user@host:port or smtps://user@host:port), or use "
                        "--dry-run DIR")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise MailError(f"{settings.SMTP_URL.name} is not a valid URL ({exc})") from None
    if parts.scheme not in PORTS:
        raise MailError(f"{settings.SMTP_URL.name} must start with smtp://, smtp+starttls:// or "
                        f"smtps://, not {parts.scheme + '://' if parts.scheme else 'nothing'}")
    if parts.password is not None:
        raise MailError(f"{settings.SMTP_URL.name} must not hold the password: put it in "
                        f"{settings.SMTP_PASSWORD.name} or [smtp] password in {SECRETS_PATH}")
    if not parts.hostname:
        raise MailError(f"{settings.SMTP_URL.name} names no host")
    if parts.path not in ("", "/") or parts.query:
        raise MailError(f"{settings.SMTP_URL.name} takes no path or query")
    user = unquote(parts.username) if parts.username else None
    return Server(parts.scheme, parts.hostname, port or PORTS[parts.scheme], user)


def password(secrets_path: Path = SECRETS_PATH) -> str | None:
    """`CX_SMTP_PASSWORD`, else `[smtp] password` in secrets.toml, else None."""
    value = settings.SMTP_PASSWORD.value()
    if value:
        return value
    if not secrets_path.is_file():
        return None
    try:
        data = tomllib.loads(secrets_path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise MailError(f"{secrets_path} cannot be read: {type(exc).__name__}") from None
    smtp = data.get("smtp", {})
    value = smtp.get("password") if isinstance(smtp, dict) else None
    return value if isinstance(value, str) and value else None


def _reason(exc: BaseException) -> str:
    """The server's own words (code and text) or the network's; never the password."""
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(
            exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {' '.join(text.split())}"[:300]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{a}: {c} {m.decode('utf-8', 'replace')}"
                         for a, (c, m) in exc.recipients.items())[:300]
    return (f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)[:300]


def _wire(msg: EmailMessage) -> bytes:
    out = BytesIO()
    BytesGenerator(out, policy=msg.policy.clone(linesep="\r\n")).flatten(msg)
    return out.getvalue()


class Mailer:
    """One connection to the server for a run; reopened once if the server drops it."""

    def __init__(self, server: Server, secret: str | None = None,
                 timeout_s: float = TIMEOUT_S) -> None:
        self.server, self._secret, self.timeout_s = server, secret, timeout_s
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def connect(self) -> None:
        """Connect and log in now: a wrong address or password is said before any pack is
        built (MailError)."""
        if self._smtp is None:
            self._smtp = self._open()

    def _open(self) -> smtplib.SMTP:
        s = self.server
        try:
            if s.scheme == "smtps":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=self.timeout_s,
                    context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=self.timeout_s)
            smtp.ehlo()
            if s.scheme == "smtp+starttls":
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.user:
                if self._secret is None:
                    smtp.close()
                    raise MailError(f"{s.label}: a user is named but no password is set "
                                    f"({settings.SMTP_PASSWORD.name} or [smtp] password in "
                                    f"{SECRETS_PATH})")
                smtp.login(s.user, self._secret)
        except MailError:
            raise
        except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
            raise MailError(f"mail server {s.label}: {_reason(exc)}") from None
        return smtp

    def _envelope(self, smtp: smtplib.SMTP, sender: str, recipient: str) -> None:
        """MAIL FROM and RCPT TO; `Refused` (after RSET) when the server says no."""
        smtputf8 = not (sender + recipient).isascii()
        opts = ["SMTPUTF8"] if smtputf8 and smtp.has_extn("smtputf8") else []
        code, resp = smtp.mail(sender, opts)
        if code != 250:
            smtp.rset()
            raise Refused(f"mail server {self.server.label} refused the sender "
                          f"{sender}: {code} {resp.decode('utf-8', 'replace')}")
        code, resp = smtp.rcpt(recipient)
        if code not in (250, 251):
            smtp.rset()
            raise Refused(f"mail server {self.server.label} refused {recipient}: "
                          f"{code} {' '.join(resp.decode('utf-8', 'replace').split())}")

    def accepts(self, sender: str, recipient: str) -> None:
        """Ask whether the server takes this recipient (MAIL, RCPT, RSET), before a pack is
        built for it: `Refused` if not, `MailError` when the server cannot be reached."""
        for attempt in (1, 2):
            if self._smtp is None:
                self._smtp = self._open()
            try:
                self._envelope(self._smtp, sender, recipient)
                self._smtp.rset()
                return
            except smtplib.SMTPServerDisconnected as exc:
                self._smtp = None
                if attempt == 2:
                    raise MailError(f"mail server {self.server.label}: {_reason(exc)}") from None
            except (smtplib.SMTPException, OSError) as exc:
                self._smtp = None
                raise MailError(f"mail server {self.server.label}: {_reason(exc)}") from None

    def send(self, msg: EmailMessage, sender: str, recipient: str,
             claim: Callable[[], bool]) -> bool:
        """Send one message to one recipient. `claim` is called once the server has accepted
        the recipient: False (someone else has it) ends the transaction unsent. True when
        sent; `Refused` when the server refuses this mail (nothing was delivered);
        `Unconfirmed` when the connection failed while the message was being handed over (it
        may have arrived); `MailError` when the server cannot be reached."""
        for attempt in (1, 2):
            if self._smtp is None:
                self._smtp = self._open()
            smtp = self._smtp
            handing_over = False
            try:
                self._envelope(smtp, sender, recipient)
                if not claim():
                    smtp.rset()
                    return False
                handing_over = True
                code, resp = smtp.data(_wire(msg))
                if code != 250:
                    raise Refused(f"mail server {self.server.label} refused the message to "
                                  f"{recipient}: {code} {resp.decode('utf-8', 'replace')}")
                return True
            except smtplib.SMTPResponseException as exc:  # data() raises on a refused message
                raise Refused(f"mail server {self.server.label} refused the message to "
                              f"{recipient}: {_reason(exc)}") from None
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                self._smtp = None
                reason = f"mail server {self.server.label}: {_reason(exc)}"
                if handing_over:  # claimed and maybe delivered: never sent twice on our own
                    raise Unconfirmed(f"{reason}, while handing over the message to "
                                      f"{recipient}: it may have arrived") from None
                if attempt == 2 or not isinstance(exc, smtplib.SMTPServerDisconnected):
                    raise MailError(reason) from None
        return False  # pragma: no cover - the loop returns or raises
