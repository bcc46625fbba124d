"""A software WebAuthn authenticator (P-256, "none" attestation) for server-side passkey tests.

Real keys and signatures, built the way an authenticator builds them, so py_webauthn verifies
them as it would a device's; the browser test uses Chromium's virtual authenticator instead.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftAuthenticator:
    """One credential for one relying party."""

    def __init__(self, rp_id: str = "localhost", origin: str = "http://localhost"):
        self.rp_id, self.origin = rp_id, origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.count = 0

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin or self.origin}
        ).encode()

    def _rp_hash(self, rp_id: str | None) -> bytes:
        return hashlib.sha256((rp_id or self.rp_id).encode()).digest()

    def create(self, options: dict, *, origin=None, rp_id=None, verified=True) -> dict:
        """navigator.credentials.create, as JSON."""
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        flags = 0x01 | (0x04 if verified else 0) | 0x40
        auth_data = (
            self._rp_hash(rp_id)
            + bytes([flags])
            + struct.pack(">I", self.count)
            + b"\0" * 16
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self._cose_key()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        cid = b64u(self.credential_id)
        return {
            "id": cid,
            "rawId": cid,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64u(client_data),
                "attestationObject": b64u(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        }

    def get(self, options: dict, *, origin=None, verified=True, key=None) -> dict:
        """navigator.credentials.get, as JSON (optionally signed with another key)."""
        self.count += 1
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        flags = 0x01 | (0x04 if verified else 0)
        auth_data = self._rp_hash(None) + bytes([flags]) + struct.pack(">I", self.count)
        signature = (key or self.key).sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        cid = b64u(self.credential_id)
        return {
            "id": cid,
            "rawId": cid,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64u(client_data),
                "authenticatorData": b64u(auth_data),
                "signature": b64u(signature),
            },
            "clientExtensionResults": {},
        }
