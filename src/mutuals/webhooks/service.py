"""The rules of §9.2: managing a project's webhooks and reading their delivery log."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.kit.cursors import Listing, listed
from mutuals.kit.db.appends import deliveries_queued
from mutuals.kit.ids import new_id, parse_id
from mutuals.kit.storable import text_problem
from mutuals.kit.timestamps import utc_now
from mutuals.webhooks import repository
from mutuals.webhooks.addresses import AddressRefusedError, parse_target, resolve
from mutuals.webhooks.errors import (
    DeliveryNotFound,
    InvalidWebhookBody,
    InvalidWebhookId,
    InvalidWebhookUrl,
    WebhookNotFound,
)
from mutuals.webhooks.schemas import (
    WebhookCreate,
    WebhookUpdate,
    delivery_body,
    webhook_body,
)
from mutuals.webhooks.signing import SecretBox, new_secret

# During a rotation the old secret keeps signing beside the new one this long.
ROTATION_OVERLAP = timedelta(hours=24)


async def _checked_url(raw: str, allow_private: bool) -> str:
    """The URL, once its host resolves only to addresses webhooks may reach."""
    try:
        target = parse_target(raw, allow_private=allow_private)
        await resolve(target, allow_private=allow_private)
    except AddressRefusedError as refused:
        raise InvalidWebhookUrl(str(refused), field="url") from None
    return raw


def _event_types(requested: list[str]) -> list[str]:
    """Without repeats, in the order given; "*" stands alone."""
    if "*" in requested:
        return ["*"]
    return list(dict.fromkeys(requested))


def _description(raw: str | None) -> str | None:
    if raw is None:
        return None
    cleaned = raw.strip()
    if text_problem(cleaned) is not None:
        raise InvalidWebhookBody("description: not storable text", field="description")
    return cleaned or None


async def create_webhook(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    body: WebhookCreate,
    box: SecretBox,
    allow_private: bool,
) -> dict[str, Any]:
    url = await _checked_url(body.url, allow_private)
    secret = new_secret()
    now = utc_now()
    row = await repository.insert_webhook(
        connection,
        project_id,
        {
            "id": new_id(),
            "url": url,
            "events": _event_types(list(body.events)),
            "description": _description(body.description),
            "enabled": True,
            "secret": box.seal(project_id, secret),
            "created_at": now,
            "updated_at": now,
        },
    )
    return {**webhook_body(row), "secret": secret}


async def list_webhooks(
    connection: AsyncConnection, project_id: uuid.UUID, listing: Listing
) -> dict[str, Any]:
    rows, total = await repository.list_webhooks(connection, project_id, listing)
    return listed([webhook_body(row) for row in rows], rows, listing, total, _position)


def _position(row: RowMapping) -> tuple[datetime, uuid.UUID]:
    return row["created_at"], row["id"]


async def get_webhook(
    connection: AsyncConnection, project_id: uuid.UUID, webhook_raw: str
) -> dict[str, Any]:
    return webhook_body(
        await _existing(connection, project_id, parse_id(webhook_raw, InvalidWebhookId))
    )


async def _existing(
    connection: AsyncConnection, project_id: uuid.UUID, webhook_id: uuid.UUID
) -> RowMapping:
    row = await repository.find_webhook(connection, project_id, webhook_id)
    if row is None:
        raise WebhookNotFound()
    return row


async def update_webhook(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    webhook_raw: str,
    body: WebhookUpdate,
    allow_private: bool,
) -> dict[str, Any]:
    webhook_id = parse_id(webhook_raw, InvalidWebhookId)
    sent = body.model_fields_set
    for required in ("url", "events", "enabled"):
        if required in sent and getattr(body, required) is None:
            raise InvalidWebhookBody(f"{required}: may not be null", field=required)
    values: dict[str, Any] = {}
    if body.url is not None:
        values["url"] = await _checked_url(body.url, allow_private)
    if body.events is not None:
        values["events"] = _event_types(list(body.events))
    if "description" in sent:
        values["description"] = _description(body.description)
    if body.enabled is not None:
        values["enabled"] = body.enabled
    if not values:
        return webhook_body(await _existing(connection, project_id, webhook_id))
    values["updated_at"] = utc_now()
    row = await repository.update_webhook(connection, project_id, webhook_id, values)
    if row is None:
        raise WebhookNotFound()
    return webhook_body(row)


async def delete_webhook(
    connection: AsyncConnection, project_id: uuid.UUID, webhook_raw: str
) -> None:
    if not await repository.delete_webhook(
        connection, project_id, parse_id(webhook_raw, InvalidWebhookId)
    ):
        raise WebhookNotFound()


async def rotate_secret(
    connection: AsyncConnection, project_id: uuid.UUID, webhook_raw: str, box: SecretBox
) -> dict[str, Any]:
    secret = new_secret()
    now = utc_now()
    row = await repository.rotate_secret(
        connection,
        project_id,
        parse_id(webhook_raw, InvalidWebhookId),
        box.seal(project_id, secret),
        now + ROTATION_OVERLAP,
        now,
    )
    if row is None:
        raise WebhookNotFound()
    return {**webhook_body(row), "secret": secret}


async def list_deliveries(
    connection: AsyncConnection, project_id: uuid.UUID, webhook_raw: str, listing: Listing
) -> dict[str, Any]:
    webhook_id = parse_id(webhook_raw, InvalidWebhookId)
    await _existing(connection, project_id, webhook_id)
    rows, total = await repository.list_deliveries(connection, project_id, webhook_id, listing)
    return listed([delivery_body(row) for row in rows], rows, listing, total, _position)


async def redeliver(
    connection: AsyncConnection,
    project_id: uuid.UUID,
    webhook_raw: str,
    delivery_raw: str,
) -> dict[str, Any]:
    """Queues the delivery's event again for this webhook, as a new delivery (the log keeps
    the old one as it ended)."""
    webhook_id = parse_id(webhook_raw, InvalidWebhookId)
    delivery_id = parse_id(delivery_raw, InvalidWebhookId)
    await _existing(connection, project_id, webhook_id)
    found = await repository.find_delivery(connection, project_id, webhook_id, delivery_id)
    if found is None:
        raise DeliveryNotFound()
    row = await repository.insert_delivery(
        connection, project_id, new_id(), webhook_id, found["event_id"], utc_now()
    )
    deliveries_queued(connection)
    return delivery_body(row, found["event_type"])
