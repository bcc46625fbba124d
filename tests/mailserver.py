"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1 with a CA and certificates made here.

`MailServer(mode=...)` plays one behaviour: `ok` (accept), `drop` (take the message, then close the
connection before the 250 reply), `temp` / `perm` (4xx / 5xx after the data), `rcpt_temp` /
`rcpt_perm` (4xx / 5xx to RCPT TO), `perm_quoting` (5xx quoting the URL in the message, as
spam filters do). `received` lists what the server took in, whatever it
answered, so a test can tell how often a message really arrived.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _cert(subject, issuer, key, signer, *, ca: bool, sans=()):
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
    return builder.sign(signer, hashes.SHA256())


def _pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


class Certificates:
    """A test CA, a server certificate for 127.0.0.1/localhost, and one for another host."""

    def __init__(self, folder: Path):
        self.folder = folder
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = _cert(
            _name("Ledenportaal test-CA"), _name("Ledenportaal test-CA"), ca_key, ca_key, ca=True
        )
        self.ca_file = folder / "ca.pem"
        self.ca_file.write_bytes(_pem(ca))
        local = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
        self.good = self._server("good", ca, ca_key, local)
        self.wrong_host = self._server("wrong", ca, ca_key, [x509.DNSName("mail.elders.example")])
        self_key = ec.generate_private_key(ec.SECP256R1())
        self_signed = _cert(
            _name("127.0.0.1"), _name("127.0.0.1"), self_key, self_key, ca=False, sans=local
        )
        self.self_signed = self._write("self", self_signed, self_key)

    def _server(self, label, ca, ca_key, sans):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _cert(_name(label), ca.subject, key, ca_key, ca=False, sans=sans)
        return self._write(label, cert, key)

    def _write(self, label, cert, key) -> tuple[Path, Path]:
        cert_file, key_file = self.folder / f"{label}.pem", self.folder / f"{label}.key"
        cert_file.write_bytes(_pem(cert))
        key_file.write_bytes(_key_pem(key))
        return cert_file, key_file

    def server_context(self, which: str = "good") -> ssl.SSLContext:
        cert_file, key_file = getattr(self, which)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        return context


class _Handler:
    def __init__(self, server: MailServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        mode = self.server.mode
        if mode == "rcpt_temp":
            return "450 4.2.1 Mailbox tijdelijk niet beschikbaar"
        if mode == "rcpt_perm":
            return "550 5.1.1 Onbekende ontvanger"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        mode = self.server.mode
        with self.server.lock:
            self.server.received.append(message_from_bytes(envelope.content, policy=policy.default))
        if mode == "drop":
            server.transport.close()  # the message is in, the 250 never leaves
            return "250 OK"
        if mode == "temp":
            return "451 4.3.0 Probeer het later nog eens"
        if mode == "perm":
            return "554 5.7.1 Bericht geweigerd"
        if mode == "perm_quoting":  # a spam filter naming the URL it refused: the live link
            text = envelope.content.decode("utf-8", "replace")
            link = next((w for w in text.split() if "://" in w), "?")
            return f"554 5.7.1 Message rejected: URL {link} is listed, recipient {envelope.rcpt_tos[0]}"
        return "250 OK: queued"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class MailServer:
    """aiosmtpd in a thread: STARTTLS (`implicit_tls=False`) or SMTPS, with the given cert."""

    def __init__(self, certs: Certificates, *, cert: str = "good", implicit_tls: bool = False):
        self.mode = "ok"
        self.received: list = []
        self.lock = threading.Lock()
        self.port = free_port()
        context = certs.server_context(cert)
        kwargs = (
            {"ssl_context": context}
            if implicit_tls
            else {
                "tls_context": context,
                "require_starttls": True,
            }
        )
        self.controller = Controller(
            _Handler(self),
            hostname="127.0.0.1",
            port=self.port,
            server_hostname="localhost",
            ready_timeout=30,  # aiosmtpd's default 5 s is too short for a loaded machine
            **kwargs,
        )

    def start(self) -> MailServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def texts(self) -> list[str]:
        with self.lock:
            return [message.get_content() for message in self.received]
