"""App notifications (API.md §4)."""

from typing import Any

from mutuals_client._core import Call, ListCall, Mode, Resource, endpoint, listing, no_content
from mutuals_client.models import Notification, decode


def _notification(body: Any) -> Notification:
    return decode(Notification, body)


class Notifications(Resource[Mode]):
    @listing("/app-notifications")
    def mine(self, *, page_size: int | None = None) -> ListCall[Notification]:
        """The caller's notifications, newest first (pages of at most 50)."""
        return ListCall(_notification, page_size=page_size)

    @endpoint("GET", "/app-notifications/count")
    def unread_count(self) -> Call[int]:
        return Call(int)

    @endpoint("PATCH", "/app-notifications/{notificationId}/mark-as-read")
    def mark_as_read(
        self, notification_id: str, *, idempotency_key: str | None = None
    ) -> Call[None]:
        return Call(
            no_content, path={"notificationId": notification_id}, idempotency_key=idempotency_key
        )

    @endpoint("PATCH", "/app-notifications/mark-all-as-read")
    def mark_all_as_read(self, *, idempotency_key: str | None = None) -> Call[int]:
        """Marks every unread notification read; answers how many there were."""
        return Call(lambda raw: int(raw["markedAsRead"]), idempotency_key=idempotency_key)
