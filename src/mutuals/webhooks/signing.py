"""Webhook secrets: made, kept encrypted at rest, and used to sign (API.md §9.3).

A secret is `whsec_` and the base64 of 24 random bytes, the shape the Standard Webhooks
libraries take. It must sign every attempt, so it cannot be stored as a hash: it is
encrypted (AES-256-GCM) under a key derived from the deployment's secret, and the
project id is bound into each ciphertext so a row copied to another project does not
open. Changing MUTUALS_SECRET_KEY therefore makes existing webhook secrets unreadable
(rotate them after changing it).
"""

import base64
import hashlib
import hmac
import os
import secrets
import uuid

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix every secret shows, not a secret
NONCE_BYTES = 12


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


class SecretBox:
    """Seals webhook secrets for storage and opens them to sign."""

    def __init__(self, deployment_secret: bytes) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"mutuals webhook secrets v1"
        ).derive(deployment_secret)
        self._aead = AESGCM(key)

    def seal(self, project_id: uuid.UUID, secret: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, secret.encode(), project_id.bytes)
        return base64.b64encode(nonce + sealed).decode()

    def open(self, project_id: uuid.UUID, stored: str) -> str:
        raw = base64.b64decode(stored)
        return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], project_id.bytes).decode()


def replyke_signature(secret: str, timestamp_ms: int, body: bytes) -> str:
    """X-Signature: hex HMAC-SHA256 keyed by the whole secret string, of "{ms}.{body}"."""
    message = str(timestamp_ms).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def standard_signature(secret: str, message_id: str, timestamp_s: int, body: bytes) -> str:
    """One webhook-signature entry: "v1," and the base64 HMAC-SHA256 keyed by the decoded
    part of the secret, of "{id}.{seconds}.{body}" (the Standard Webhooks scheme)."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    message = f"{message_id}.{timestamp_s}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def signed_headers(
    secrets_in_use: list[str], event_id: str, timestamp_ms: int, body: bytes
) -> dict[str, str]:
    """Every header of one attempt; during a rotation each scheme carries both signatures,
    the new secret's first."""
    timestamp_s = timestamp_ms // 1000
    return {
        "Content-Type": "application/json",
        "X-Webhook-Id": event_id,
        "X-Timestamp": str(timestamp_ms),
        "X-Signature": ",".join(replyke_signature(s, timestamp_ms, body) for s in secrets_in_use),
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp_s),
        "webhook-signature": " ".join(
            standard_signature(s, event_id, timestamp_s, body) for s in secrets_in_use
        ),
    }
