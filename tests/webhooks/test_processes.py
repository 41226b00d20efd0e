"""Deliveries survive a crash of the server mid-delivery, and several dispatchers never
send the same attempt twice (real processes, real receiver)."""

import asyncio
import os
import signal
import subprocess
import tempfile
import uuid

import httpx
import pytest
from sqlalchemy import select

from mutuals.config import Settings
from mutuals.kit import events
from mutuals.kit.db.database import Database
from mutuals.kit.timestamps import utc_now
from mutuals.models import events as events_table
from mutuals.models import webhook_deliveries
from tests.factories import ProjectFactory
from tests.serving import MUTUALS, ServedProcess
from tests.webhooks.receiver import receiving


def dispatch_env(settings: Settings, **extra: str) -> dict[str, str | None]:
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    return {
        "MUTUALS_DATABASE_URL": settings.database_url,
        "MUTUALS_SECRET_KEY": secret,
        "MUTUALS_RATE_LIMITS": "off",
        "MUTUALS_WEBHOOKS_ALLOW_PRIVATE": "true",
        "MUTUALS_WEBHOOK_TIMEOUT_SECONDS": "2",
        "MUTUALS_WEBHOOK_RETRY_DELAYS": "0.2",
        **extra,
    }


async def event_ids(project: ProjectFactory, event_type: str) -> set[str]:
    database: Database = project.app.state.database
    async with database.transaction(write=False) as connection:
        found = await connection.scalars(
            select(events_table.c.id).where(
                events_table.c.project_id == uuid.UUID(project.id),
                events_table.c.type == event_type,
            )
        )
        return {str(event_id) for event_id in found}


async def test_kill_9_mid_delivery_loses_nothing(
    project: ProjectFactory, settings: Settings
) -> None:
    env = dispatch_env(settings)
    followers = [await project.user() for _ in range(20)]
    star = await project.user()
    with receiving() as receiver:
        # Slow answers: the kill finds attempts sent and not yet answered.
        receiver.delay_seconds = 1.0
        first = ServedProcess(env).__enter__()
        try:
            async with httpx.AsyncClient(base_url=f"{first.base}/v7/{project.id}") as api:
                hook = await api.post(
                    "/webhooks",
                    json={"url": receiver.url, "events": ["follow.created"]},
                    headers=project.service_auth,
                )
                assert hook.status_code == 201, hook.text
                for follower in followers:
                    followed = await api.post(f"/users/{star.id}/follow", headers=follower.auth)
                    assert followed.status_code == 201
            await receiver.wait_for(1)
        finally:
            first.process.kill()  # SIGKILL: no shutdown, no settling of attempts in flight
            first.stop()
        assert first.returncode == -signal.SIGKILL
        expected = await event_ids(project, "follow.created")
        assert len(expected) == 20
        # Judged by answers, not arrivals: every attempt may have arrived before the kill,
        # but those still waiting for their answer were never settled.
        answered_before = receiver.answered_ids()
        assert answered_before < expected  # the crash came before everything was delivered
        arrived_before = len(receiver.received)

        receiver.delay_seconds = 0
        with ServedProcess(env) as second:
            await receiver.wait_until(
                lambda got: (
                    {item.headers["x-webhook-id"] for item in got[arrived_before:]}
                    >= expected - answered_before
                    and set(receiver.answered) >= expected
                ),
                within=60,
            )
    assert set(receiver.event_ids()) == expected
    assert "webhook dispatcher stopped after" in second.log  # serve runs one by default


class DispatchProcess:
    def __init__(self, env: dict[str, str | None]) -> None:
        merged = {**os.environ, **env}
        self.output = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self.process = subprocess.Popen(  # noqa: S603 - our own console script
            [MUTUALS, "dispatch"],
            env={name: value for name, value in merged.items() if value is not None},
            stdout=self.output,
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=60) == 0
        self.output.seek(0)
        log = self.output.read().decode()
        self.output.close()
        return log


def attempts_made(log: str) -> int:
    for line in log.splitlines():
        if "webhook dispatcher stopped after" in line:
            return int(line.split("stopped after ")[1].split()[0])
    raise AssertionError(f"no summary line in:\n{log}")


async def test_two_dispatchers_never_send_an_attempt_twice(
    project: ProjectFactory, settings: Settings
) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("several dispatchers are a PostgreSQL deployment (SQLite: one is enough)")
    total = 300
    project_id = uuid.UUID(project.id)
    database: Database = project.app.state.database
    with receiving() as receiver:
        receiver.delay_seconds = 0.02
        # The session's app refuses loopback URLs; a served instance that allows them
        # creates the webhook.
        with ServedProcess(dispatch_env(settings), "--no-dispatcher") as api:
            async with httpx.AsyncClient(base_url=api.base) as http:
                created = await http.post(
                    f"/v7/{project.id}/webhooks",
                    json={"url": receiver.url, "events": ["user.updated"]},
                    headers=project.service_auth,
                )
            assert created.status_code == 201, created.text
        assert "webhook dispatcher" not in api.log  # --no-dispatcher: none ran there
        async with database.transaction() as connection:
            for number in range(total):
                events.record(
                    connection, project_id, "user.updated", {"n": number}, None, utc_now()
                )
        # Few attempts in flight each, so both keep coming back for more while the other
        # is claiming.
        env = dispatch_env(settings, MUTUALS_WEBHOOK_MAX_IN_FLIGHT="4")
        dispatchers = [DispatchProcess(env), DispatchProcess(env)]
        try:
            await receiver.wait_for(total, within=120)
            await settled(database, project_id, total)
        finally:
            logs = [dispatcher.stop() for dispatcher in dispatchers]
    # Both took part (their counts may include other tests' leftovers in this database).
    sent = [attempts_made(log) for log in logs]
    assert all(count > 0 for count in sent), sent
    assert len(receiver.received) == total
    assert len(set(receiver.event_ids())) == total


async def settled(database: Database, project_id: uuid.UUID, total: int) -> None:
    """Waits until every delivery of the project is recorded as succeeded, once."""
    for _ in range(600):
        async with database.transaction(write=False) as connection:
            rows = (
                await connection.execute(
                    select(webhook_deliveries.c.status, webhook_deliveries.c.attempts).where(
                        webhook_deliveries.c.project_id == project_id
                    )
                )
            ).all()
        if len(rows) == total and all(row.status == "succeeded" for row in rows):
            assert {row.attempts for row in rows} == {1}
            return
        await asyncio.sleep(0.1)
    raise AssertionError("deliveries were not all settled")
