"""Events are kept until nothing is left to deliver and the retention has passed."""

import uuid
from datetime import timedelta

from sqlalchemy import select, update

from mutuals.kit.db.database import Database
from mutuals.kit.timestamps import utc_now
from mutuals.models import events, webhook_deliveries
from mutuals.webhooks import repository
from tests.factories import ProjectFactory
from tests.webhooks.helpers import subscribe
from tests.webhooks.receiver import free_port


async def test_purge_keeps_what_is_still_to_deliver(hook_project: ProjectFactory) -> None:
    project = hook_project
    project_id = uuid.UUID(project.id)
    database: Database = project.app.state.database
    hook = await subscribe(project, f"http://127.0.0.1:{free_port()}/hooks", ["user.created"])
    for _ in range(3):
        await project.user()
    month_ago = utc_now() - timedelta(days=30)
    async with database.transaction() as connection:
        ids = list(
            await connection.scalars(
                select(events.c.id)
                .where(events.c.project_id == project_id)
                .order_by(events.c.created_at)
            )
        )
        assert len(ids) == 3
        old_settled, old_due, recent = ids
        await connection.execute(
            update(events)
            .where(events.c.project_id == project_id, events.c.id.in_([old_settled, old_due]))
            .values(created_at=month_ago)
        )
        await connection.execute(
            update(webhook_deliveries)
            .where(
                webhook_deliveries.c.project_id == project_id,
                webhook_deliveries.c.event_id.in_([old_settled, recent]),
            )
            .values(status="succeeded", next_attempt_at=None)
        )
    async with database.transaction() as connection:
        deleted = await repository.purge_events(connection, utc_now() - timedelta(days=7), 100)
    assert deleted >= 1
    async with database.transaction(write=False) as connection:
        left = set(
            await connection.scalars(select(events.c.id).where(events.c.project_id == project_id))
        )
        queued = set(
            await connection.scalars(
                select(webhook_deliveries.c.event_id).where(
                    webhook_deliveries.c.webhook_id == uuid.UUID(hook["id"])
                )
            )
        )
    assert left == {old_due, recent}
    assert queued == {old_due, recent}  # the purged event's delivery went with it
