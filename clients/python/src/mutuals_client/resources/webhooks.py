"""Webhook management (API.md §9.2): service key only."""

from collections.abc import Sequence
from typing import Any

from mutuals_client._core import (
    UNSET,
    Call,
    ListCall,
    Mode,
    Resource,
    Unset,
    changes,
    endpoint,
    listing,
    no_content,
    present,
)
from mutuals_client.models import Webhook, WebhookDelivery, decode


def _webhook(body: Any) -> Webhook:
    return decode(Webhook, body)


def _delivery(body: Any) -> WebhookDelivery:
    return decode(WebhookDelivery, body)


class Webhooks(Resource[Mode]):
    @endpoint("POST", "/webhooks", "plain")
    def create(
        self,
        url: str,
        events: Sequence[str] = ("*",),
        *,
        description: str | None = None,
        idempotency_key: str | None = None,
    ) -> Call[Webhook]:
        """Subscribes `url` to `events` (or every event); the answer's `secret` is shown
        only here: keep it to verify deliveries."""
        body = present(url=url, events=list(events), description=description)
        return Call(_webhook, body=body, idempotency_key=idempotency_key)

    @listing("/webhooks", "plain")
    def all(self, *, page_size: int | None = None) -> ListCall[Webhook]:
        return ListCall(_webhook, page_size=page_size)

    @endpoint("GET", "/webhooks/{webhookId}", "plain")
    def get(self, webhook_id: str) -> Call[Webhook]:
        return Call(_webhook, path={"webhookId": webhook_id})

    @endpoint("PATCH", "/webhooks/{webhookId}", "plain")
    def update(
        self,
        webhook_id: str,
        *,
        url: str | Unset = UNSET,
        events: Sequence[str] | Unset = UNSET,
        description: str | Unset | None = UNSET,
        enabled: bool | Unset = UNSET,
        idempotency_key: str | None = None,
    ) -> Call[Webhook]:
        listed = list(events) if not isinstance(events, Unset) else events
        body = changes(url=url, events=listed, description=description, enabled=enabled)
        return Call(
            _webhook, path={"webhookId": webhook_id}, body=body, idempotency_key=idempotency_key
        )

    @endpoint("DELETE", "/webhooks/{webhookId}", "plain")
    def delete(self, webhook_id: str, *, idempotency_key: str | None = None) -> Call[None]:
        return Call(no_content, path={"webhookId": webhook_id}, idempotency_key=idempotency_key)

    @endpoint("POST", "/webhooks/{webhookId}/rotate-secret", "plain")
    def rotate_secret(
        self, webhook_id: str, *, idempotency_key: str | None = None
    ) -> Call[Webhook]:
        """A new secret; the old one keeps signing alongside it for 24 hours."""
        return Call(
            _webhook, path={"webhookId": webhook_id}, body={}, idempotency_key=idempotency_key
        )

    @listing("/webhooks/{webhookId}/deliveries", "plain")
    def deliveries(
        self, webhook_id: str, *, page_size: int | None = None
    ) -> ListCall[WebhookDelivery]:
        """The webhook's deliveries, newest first."""
        return ListCall(_delivery, {"webhookId": webhook_id}, page_size=page_size)

    @endpoint("POST", "/webhooks/{webhookId}/deliveries/{deliveryId}/redeliver", "plain")
    def redeliver(
        self, webhook_id: str, delivery_id: str, *, idempotency_key: str | None = None
    ) -> Call[WebhookDelivery]:
        """Queues the delivery's event again, as a new delivery sent at once."""
        return Call(
            _delivery,
            path={"webhookId": webhook_id, "deliveryId": delivery_id},
            body={},
            idempotency_key=idempotency_key,
        )
