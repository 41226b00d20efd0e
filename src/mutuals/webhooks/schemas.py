"""Bodies of §9.2, built from rows."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import RowMapping

from mutuals.kit.events import EventType
from mutuals.kit.http.bodies import RequestBody
from mutuals.kit.pagination import ListPagination
from mutuals.kit.timestamps import to_iso, to_iso_or_none

DeliveryStatus = Literal["pending", "succeeded", "failed", "dead"]
URL_EXAMPLE = "https://api.example.com/hooks/mutuals"


class WebhookCreate(RequestBody):
    model_config = ConfigDict(extra="forbid")  # strict from RequestBody

    url: str = Field(max_length=2048, examples=[URL_EXAMPLE])
    events: list[EventType | Literal["*"]] = Field(
        min_length=1, max_length=20, examples=[["connection.accepted", "follow.created"]]
    )
    description: str | None = Field(default=None, max_length=500, examples=["Search index"])


class WebhookUpdate(RequestBody):
    model_config = ConfigDict(extra="forbid")  # strict from RequestBody

    url: str | None = Field(default=None, max_length=2048, examples=[URL_EXAMPLE])
    events: list[EventType | Literal["*"]] | None = Field(default=None, min_length=1, max_length=20)
    description: str | None = Field(default=None, max_length=500)
    enabled: bool | None = None


class Webhook(BaseModel):
    id: str
    url: str
    events: list[str]
    description: str | None
    enabled: bool
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")


class WebhookWithSecret(Webhook):
    secret: str = Field(description="Shown only in this answer", examples=["whsec_…"])


class WebhookPage(BaseModel):
    data: list[Webhook]
    pagination: ListPagination


class Delivery(BaseModel):
    id: str
    event_id: str = Field(alias="eventId")
    event_type: str = Field(alias="eventType")
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None = Field(alias="lastStatusCode")
    last_error: str | None = Field(alias="lastError")
    next_attempt_at: str | None = Field(alias="nextAttemptAt")
    created_at: str = Field(alias="createdAt")


class DeliveryPage(BaseModel):
    data: list[Delivery]
    pagination: ListPagination


def webhook_body(row: RowMapping) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "url": row["url"],
        "events": list(row["events"]),
        "description": row["description"],
        "enabled": row["enabled"],
        "createdAt": to_iso(row["created_at"]),
        "updatedAt": to_iso(row["updated_at"]),
    }


def delivery_body(row: RowMapping, event_type: str | None = None) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "eventId": str(row["event_id"]),
        "eventType": event_type or row["event_type"],
        "status": row["status"],
        "attempts": row["attempts"],
        "lastStatusCode": row["last_status_code"],
        "lastError": row["last_error"],
        "nextAttemptAt": to_iso_or_none(row["next_attempt_at"]),
        "createdAt": to_iso(row["created_at"]),
    }
