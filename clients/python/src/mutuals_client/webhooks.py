"""Verifying webhook deliveries (API.md §9.3) in the app's receiving endpoint.

    event = mutuals_client.webhooks.verify(secret, request.headers, raw_body)

Both signature schemes are understood: the Standard Webhooks headers (`webhook-id`,
`webhook-timestamp`, `webhook-signature`) when present, else the Replyke ones
(`X-Webhook-Id`, `X-Timestamp`, `X-Signature`). Pass the raw body as received: a body
parsed and serialised again no longer matches its signature.
"""

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from mutuals_client.errors import WebhookVerificationError
from mutuals_client.models import (
    Block,
    ConnectionRecord,
    Follow,
    Notification,
    User,
    decode,
    decode_user,
)

Record = TypeVar("Record")

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix every secret shows, not a secret
DEFAULT_TOLERANCE = 300


@dataclass(frozen=True)
class WebhookEvent:
    """One event (§9.1): `data` holds the record after the change (before it, for a
    deletion) and `actorId`; the properties read it as typed records."""

    id: str
    type: str
    project_id: str
    created_at: datetime
    data: dict[str, Any]

    @property
    def actor_id(self) -> str | None:
        actor = self.data.get("actorId")
        return str(actor) if actor is not None else None

    @property
    def reason(self) -> str | None:
        """`"block"` for a follow or connection severed by a block."""
        reason = self.data.get("reason")
        return str(reason) if reason is not None else None

    @property
    def connection(self) -> ConnectionRecord | None:
        return _record(self.data, "connection", ConnectionRecord)

    @property
    def follow(self) -> Follow | None:
        return _record(self.data, "follow", Follow)

    @property
    def block(self) -> Block | None:
        return _record(self.data, "block", Block)

    @property
    def notification(self) -> Notification | None:
        return _record(self.data, "notification", Notification)

    @property
    def user(self) -> User | None:
        found = self.data.get("user")
        return decode_user(found) if isinstance(found, dict) else None


def _record(data: Mapping[str, Any], key: str, kind: type[Record]) -> Record | None:
    found = data.get(key)
    return decode(kind, found) if isinstance(found, dict) else None


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes | str,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> WebhookEvent:
    """The delivered event, once its signature and timestamp check out; raises
    `WebhookVerificationError` otherwise. `tolerance` bounds the timestamp's distance from
    now in seconds (replays of old deliveries are refused)."""
    raw = body.encode() if isinstance(body, str) else bytes(body)
    found = {name.lower(): value for name, value in headers.items()}
    current = time.time() if now is None else now
    if "webhook-signature" in found:
        event_id = _header(found, "webhook-id")
        sent_at = _timestamp(_header(found, "webhook-timestamp"), 1)
        _check_time(sent_at, current, tolerance)
        _check_standard(secret, event_id, _header(found, "webhook-timestamp"), raw, found)
    elif "x-signature" in found:
        event_id = _header(found, "x-webhook-id")
        stamp = _header(found, "x-timestamp")
        _check_time(_timestamp(stamp, 1000), current, tolerance)
        expected = hmac.new(secret.encode(), f"{stamp}.".encode() + raw, hashlib.sha256)
        offered = [part.strip() for part in found["x-signature"].split(",")]
        if not any(hmac.compare_digest(expected.hexdigest(), sig) for sig in offered):
            raise WebhookVerificationError("no signature matches the secret")
    else:
        raise WebhookVerificationError("the delivery carries no signature headers")
    event = _event(raw)
    if event.id != event_id:
        raise WebhookVerificationError("the signed id is not the event's id")
    return event


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if not value:
        raise WebhookVerificationError(f"missing header {name}")
    return value


def _timestamp(value: str, per_second: int) -> float:
    try:
        return int(value) / per_second
    except ValueError:
        raise WebhookVerificationError(f"malformed timestamp {value!r}") from None


def _check_time(sent_at: float, now: float, tolerance: int) -> None:
    if abs(now - sent_at) > tolerance:
        raise WebhookVerificationError("the timestamp is outside the tolerance")


def _check_standard(
    secret: str, event_id: str, stamp: str, raw: bytes, headers: Mapping[str, str]
) -> None:
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookVerificationError("the secret is not a whsec_ secret") from None
    digest = hmac.new(key, f"{event_id}.{stamp}.".encode() + raw, hashlib.sha256).digest()
    expected = base64.b64encode(digest).decode()
    for entry in headers["webhook-signature"].split():
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(expected, signature):
            return
    raise WebhookVerificationError("no signature matches the secret")


def _event(raw: bytes) -> WebhookEvent:
    try:
        payload = json.loads(raw)
        return WebhookEvent(
            id=str(payload["id"]),
            type=str(payload["type"]),
            project_id=str(payload["projectId"]),
            created_at=datetime.fromisoformat(payload["createdAt"]),
            data=dict(payload["data"]),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise WebhookVerificationError(f"the body is not an event: {error}") from None
