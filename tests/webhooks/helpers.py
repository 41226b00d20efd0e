"""Webhooks made through the API, and what the receiver got, by event type."""

from collections import Counter
from typing import Any

from tests import log_scan
from tests.factories import ProjectFactory
from tests.webhooks.receiver import Received


async def subscribe(
    project: ProjectFactory, url: str, events: list[str] | None = None
) -> dict[str, Any]:
    response = await project.call(
        "POST",
        "/webhooks",
        json={"url": url, "events": events or ["*"]},
        headers=project.service_auth,
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    log_scan.remember(created["secret"])
    return created


async def deliveries(project: ProjectFactory, webhook_id: str) -> list[dict[str, Any]]:
    response = await project.call(
        "GET", f"/webhooks/{webhook_id}/deliveries?limit=100", headers=project.service_auth
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["data"]
    return items


def by_type(received: list[Received]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for item in received:
        grouped.setdefault(item.event["type"], []).append(item.event)
    for events in grouped.values():
        events.sort(key=lambda event: event["createdAt"])
    return grouped


def type_counts(received: list[Received]) -> Counter[str]:
    return Counter(item.event["type"] for item in received)
