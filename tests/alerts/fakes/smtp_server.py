"""A fake SMTP server (aiosmtpd) on a free local port that records the mail it accepts.

Like a mail system that deduplicates by Message-ID, it stores a repeated Message-ID once.
Recipients in ``refuse_permanent`` get ``550``, those in ``refuse_temporary`` get ``451``.
With ``smtputf8=False`` it does not offer SMTPUTF8 (RFC 6531).
With ``tls=True`` it offers STARTTLS with a throwaway self-signed certificate (``ca_file`` is
what a client must trust) and accepts AUTH, only over TLS, for ``user``/``password``.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import ssl
import tempfile
import threading
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

PASSWORD = "pw"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _self_signed(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class FakeSmtpServer:
    def __init__(
        self,
        *,
        tls: bool = False,
        smtputf8: bool = True,
        user: str = "mailer",
        password: str = PASSWORD,
    ) -> None:
        self.lock = threading.Condition()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.seen_ids: set[str] = set()
        self.refuse_permanent: set[str] = set()
        self.refuse_temporary: set[str] = set()
        self.logins: list[str] = []
        self.port = free_port()
        self.user, self.password = user, password
        self._tmp = tempfile.TemporaryDirectory()
        kwargs: dict[str, Any] = {"enable_SMTPUTF8": smtputf8}
        self.ca_file: Path | None = None
        if tls:
            cert, key = _self_signed(Path(self._tmp.name))
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(cert, key)
            self.ca_file = cert
            kwargs |= {"tls_context": context, "authenticator": self._authenticate}
        self.controller = Controller(
            self, hostname="127.0.0.1", port=self.port, server_hostname="localhost", **kwargs
        )

    def __enter__(self) -> FakeSmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
        self._tmp.cleanup()

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == self.user
            and data.password.decode() == self.password
        )
        if ok:
            self.logins.append(self.user)
        return AuthResult(success=ok, handled=False)

    async def handle_RCPT(  # noqa: N802 - the name aiosmtpd calls
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refuse_permanent:
            return "550 5.1.1 mailbox unavailable"
        if address in self.refuse_temporary:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - the name aiosmtpd calls
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            message_id = str(message["Message-ID"])
            if message_id not in self.seen_ids:
                self.seen_ids.add(message_id)
                self.messages.append(message)
                self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.lock.notify_all()
        return "250 2.0.0 queued"
