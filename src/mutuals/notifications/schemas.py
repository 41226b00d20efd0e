from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, Field

from mutuals.kit.pagination import ListPagination
from mutuals.kit.timestamps import to_iso


class AppNotification(BaseModel):
    id: str
    project_id: str = Field(alias="projectId")
    user_id: str = Field(alias="userId")
    type: str
    action: str
    is_read: bool = Field(alias="isRead")
    metadata: dict[str, Any]
    created_at: str = Field(alias="createdAt")
    updated_at: str = Field(alias="updatedAt")


class AppNotificationPage(BaseModel):
    data: list[AppNotification]
    pagination: ListPagination


class MarkedAsRead(BaseModel):
    marked_as_read: int = Field(alias="markedAsRead")


def notification_body(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "projectId": str(row["project_id"]),
        "userId": str(row["user_id"]),
        "type": row["type"],
        "action": row["action"],
        "isRead": row["is_read"],
        "metadata": row["metadata"],
        "createdAt": to_iso(row["created_at"]),
        "updatedAt": to_iso(row["updated_at"]),
    }
