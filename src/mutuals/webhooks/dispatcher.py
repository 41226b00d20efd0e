"""Sends queued deliveries (API.md §9.3), at least once, through crashes and restarts.

Each attempt is claimed in a short transaction of its own (the claim counts the attempt
and makes the delivery not due again until a lease runs out), sent with no transaction
or pooled connection held, then settled in another short transaction. A dispatcher that
dies mid-attempt leaves the delivery due again when the lease ends, so nothing is lost;
the receiver may then see it twice, and deduplicates by its event id.

A dispatcher wakes at once when its own process commits a change that queued
deliveries (every `serve` worker delivers what it writes), when a retry falls due, and
otherwise looks every quarter second (deliveries queued by other processes), every 50 ms
while its last look found work: one indexed probe. It claims in batches, half its
capacity at least when attempts are in flight, and settles the outcomes of attempts that
end together in one write. Any number may run against PostgreSQL; on SQLite a single one is enough
(write transactions there run one at a time, so several would only take turns).
"""

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from cryptography.exceptions import InvalidTag
from prometheus_client import Counter
from sqlalchemy import RowMapping

from mutuals import __version__
from mutuals.config import Settings
from mutuals.kit.db.database import Database
from mutuals.kit.db.failures import describe_exception, is_database_unavailable
from mutuals.kit.timestamps import utc_now
from mutuals.webhooks import repository
from mutuals.webhooks.addresses import (
    AddressRefusedError,
    host_header,
    parse_target,
    pinned_url,
    resolve,
)
from mutuals.webhooks.signing import SecretBox, signed_headers

logger = logging.getLogger("mutuals.webhooks")

DELIVERIES = Counter(
    "mutuals_webhook_deliveries_total", "Webhook delivery attempts by outcome", ["outcome"]
)
POLL_SECONDS = 0.25
BUSY_POLL_SECONDS = 0.05
# After a wake-up, commits arriving this soon after are claimed in the same batch, and
# outcomes arriving this soon after the first are settled in the same write: fewer, larger
# statements cost the workers and the database less than one per commit or per attempt.
GATHER_SECONDS = 0.02
# A claim lasts twice the attempt's time limit and a margin: a live attempt is never
# claimed again, and a dead dispatcher's attempt is made again soon after.
LEASE_MARGIN_SECONDS = 5.0
RESPONSE_BYTES_READ = 64 * 1024
PURGE_EVERY_SECONDS = 600.0
PURGE_BATCH = 5000
STOP_GRACE_SECONDS = 5.0
MAX_ERROR_LENGTH = 500
# Jitter spreads retries of a burst of failures so they do not all return at once.
JITTER = (0.8, 1.2)
_jitter = random.Random()  # noqa: S311 - spreading retries, not a secret


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def retry_delays(settings: Settings) -> list[float]:
    delays = [float(part) for part in settings.webhook_retry_delays.split(",") if part.strip()]
    if not delays:
        raise ValueError("MUTUALS_WEBHOOK_RETRY_DELAYS must list at least one delay")
    return delays


class Dispatcher:
    def __init__(self, database: Database, settings: Settings, box: SecretBox) -> None:
        self.database = database
        self.settings = settings
        self.box = box
        self.delays = retry_delays(settings)
        self.give_up = timedelta(hours=settings.webhook_give_up_hours)
        self.timeout = settings.webhook_timeout_seconds
        self.lease = timedelta(seconds=2 * self.timeout + LEASE_MARGIN_SECONDS)
        self.capacity = settings.webhook_max_in_flight
        self._wake = asyncio.Event()
        # Set when a commit queued deliveries: the next look claims at once, with no probe.
        self._queued = False
        # Claims wait until this many attempts can start: one claim of many costs the
        # database far less than one per finished attempt.
        self.refill = max(1, self.capacity // 2)
        self._room_wanted = False
        self._in_flight: set[asyncio.Task[None]] = set()
        self._last_purge = 0.0
        self.attempts_made = 0
        # Outcomes waiting to be written, each with the future its attempt awaits: the
        # attempts that finish while one write runs share the next one.
        self._to_settle: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._settler: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def wake(self) -> None:
        self._queued = True
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Delivers until `stop` is set, then lets attempts in flight finish briefly."""
        self.database.on_deliveries_queued.add(self.wake)
        try:
            while not stop.is_set():
                # Cleared before looking, so a wake-up that arrives meanwhile is kept.
                self._wake.clear()
                try:
                    timeout = await self._step()
                except Exception as exc:  # the loop outlives any outage
                    self._log_failure("dispatching", exc)
                    timeout = 1.0
                if timeout > 0:
                    await _first_of(self._wake.wait, stop.wait, limit=timeout)
                    if self._wake.is_set() and not stop.is_set():
                        await asyncio.sleep(GATHER_SECONDS)
        finally:
            self.database.on_deliveries_queued.discard(self.wake)
            await self._finish_in_flight()
            await self.close()
            logger.info("webhook dispatcher stopped after %d attempts", self.attempts_made)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        """The session, made on first use (it must be made inside the running loop). Its
        resolver is never asked: every request goes to an address checked by resolve()."""
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.capacity, use_dns_cache=False),
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                headers={"User-Agent": f"mutuals-webhooks/{__version__}"},
                auto_decompress=False,
                trust_env=False,
            )
        return self._session

    async def drain(self, *, within: float = 30.0) -> None:
        """Delivers every delivery due now and waits for the attempts (tests, one-shot use)."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            await self._step()
            if self._in_flight:
                await asyncio.wait(set(self._in_flight), timeout=deadline - time.monotonic())
                continue
            due = await self._next_due()
            if due is None or due > utc_now():
                return

    async def _step(self) -> float:
        """Claims what is due and starts it; how long to wait before looking again."""
        now = utc_now()
        await self._purge_now_and_then(now)
        free = self.capacity - len(self._in_flight)
        if free < self.refill and self._in_flight:
            self._room_wanted = True  # the attempt that makes room wakes the loop
            return POLL_SECONDS
        queued, self._queued = self._queued, False
        if not queued:
            # Nothing known to be waiting: one indexed probe rather than a write.
            due = await self._next_due()
            if due is None:
                return POLL_SECONDS
            if due > now:
                return min(POLL_SECONDS, (due - now).total_seconds())
        claimed = await self._claim_and_start(now, free)
        if claimed == free:
            return 0.0  # more may be waiting
        # A partial claim took everything due; while changes keep coming, look again soon
        # (other processes' commits wake no one here).
        return BUSY_POLL_SECONDS if claimed else POLL_SECONDS

    async def _next_due(self) -> datetime | None:
        # A transaction on PostgreSQL only for the planner setting of the probe (a read-only
        # one: its commit writes nothing); SQLite's would take the write lock.
        async with self.database.transaction(write=not self.database.is_sqlite) as connection:
            return await repository.next_due_at(connection)

    async def _claim_and_start(self, now: datetime, free: int) -> int:
        # Not durable either: a claim lost in a crash leaves the delivery due, as it was.
        async with self.database.transaction(durable=False) as connection:
            claimed = await repository.claim_due(connection, now, now + self.lease, free)
        for row in claimed:
            task = asyncio.create_task(self._deliver(row))
            self._in_flight.add(task)
            task.add_done_callback(self._finished)
        return len(claimed)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        if self._room_wanted and self.capacity - len(self._in_flight) >= self.refill:
            self._room_wanted = False
            self._wake.set()

    async def _deliver(self, row: RowMapping) -> None:
        self.attempts_made += 1
        try:
            outcome = await self._attempt(row)
        except InvalidTag:
            outcome = Outcome(
                None,
                "the signing secret cannot be read (was MUTUALS_SECRET_KEY "
                "changed?): rotate the webhook's secret",
            )
        except Exception as exc:  # recorded as a failed attempt, retried like any other
            self._log_failure("sending a delivery", exc)
            outcome = Outcome(None, _clip(f"internal error: {type(exc).__name__}"))
        now = utc_now()
        values: dict[str, Any] = {
            "last_status_code": outcome.status_code,
            "last_error": outcome.error,
            "updated_at": now,
        }
        if outcome.succeeded:
            values.update(status="succeeded", next_attempt_at=None)
        else:
            next_at = now + timedelta(seconds=self._delay(row["attempts"]))
            if next_at - row["created_at"] > self.give_up:
                values.update(status="dead", next_attempt_at=None)
            else:
                values.update(status="failed", next_attempt_at=next_at)
        DELIVERIES.labels(values["status"]).inc()
        key = {"project_id": row["project_id"], "id": row["id"], "attempt": row["attempts"]}
        settled = asyncio.get_running_loop().create_future()
        self._to_settle.append(({**key, **values}, settled))
        if self._settler is None or self._settler.done():
            self._settler = asyncio.create_task(self._settle_waiting())
        await settled

    async def _settle_waiting(self) -> None:
        # The attempts of one claim finish within moments of each other: one write for them.
        await asyncio.sleep(GATHER_SECONDS)
        while self._to_settle:
            batch, self._to_settle = self._to_settle, []
            try:
                # Not durable: an outcome lost in a crash only means the attempt is made
                # again when its lease ends, which at-least-once delivery allows anyway.
                async with self.database.transaction(durable=False) as connection:
                    await repository.settle_attempts(connection, [item for item, _ in batch])
            except Exception as exc:  # the leases run out and the attempts are made again
                self._log_failure("recording delivery attempts", exc)
            finally:
                for _, settled in batch:
                    if not settled.done():
                        settled.set_result(None)

    def _delay(self, attempts: int) -> float:
        base = self.delays[min(attempts, len(self.delays)) - 1]
        return base * _jitter.uniform(*JITTER)

    async def _attempt(self, row: RowMapping) -> Outcome:
        allow_private = self.settings.webhooks_allow_private
        body = row["payload"].encode()
        try:
            target = parse_target(row["url"], allow_private=allow_private)
            async with asyncio.timeout(self.timeout):
                # Resolved and checked again now, and the request goes to that address.
                address = (await resolve(target, allow_private=allow_private))[0]
                headers = signed_headers(
                    self._secrets(row), str(row["event_id"]), int(time.time() * 1000), body
                )
                headers["Host"] = host_header(target)
                https = target.url.scheme == "https"
                async with self._http().post(
                    pinned_url(target, address),
                    data=body,
                    headers=headers,
                    allow_redirects=False,
                    # TLS: the name is still what the certificate must match (and SNI).
                    server_hostname=target.host if https else None,
                ) as response:
                    status = response.status
                    await _read_some(response)
        except AddressRefusedError as refused:
            return Outcome(None, f"refused: {refused}")
        except TimeoutError:
            return Outcome(None, f"no answer within {self.timeout:g} s")
        except (aiohttp.ClientError, OSError) as exc:
            return Outcome(None, _clip(f"{type(exc).__name__}: {exc}".rstrip(": ")))
        if 200 <= status < 300:
            return Outcome(status, None)
        return Outcome(status, f"answered HTTP {status}")

    def _secrets(self, row: RowMapping) -> list[str]:
        project_id = row["project_id"]
        in_use = [self.box.open(project_id, row["secret"])]
        expires = row["previous_secret_expires_at"]
        if row["previous_secret"] is not None and expires is not None and expires > utc_now():
            in_use.append(self.box.open(project_id, row["previous_secret"]))
        return in_use

    async def _purge_now_and_then(self, now: datetime) -> None:
        if time.monotonic() - self._last_purge < PURGE_EVERY_SECONDS:
            return
        self._last_purge = time.monotonic()
        before = now - timedelta(days=self.settings.event_retention_days)
        async with self.database.transaction() as connection:
            await repository.purge_events(connection, before, PURGE_BATCH)

    async def _finish_in_flight(self) -> None:
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=STOP_GRACE_SECONDS)
        for task in list(self._in_flight):
            task.cancel()
        if self._in_flight:
            await asyncio.wait(set(self._in_flight))

    def _log_failure(self, doing: str, exc: BaseException) -> None:
        if is_database_unavailable(exc):
            logger.warning("webhook dispatcher: database unavailable while %s", doing)
        else:
            logger.error("webhook dispatcher: failed while %s: %s", doing, describe_exception(exc))


async def _read_some(response: aiohttp.ClientResponse) -> None:
    """Reads a little of the answer (letting the connection be reused), never all of a
    huge one: only the status matters."""
    read = 0
    while read <= RESPONSE_BYTES_READ:
        chunk = await response.content.readany()
        if not chunk:
            return
        read += len(chunk)


def _clip(text: str) -> str:
    return text if len(text) <= MAX_ERROR_LENGTH else text[: MAX_ERROR_LENGTH - 1] + "…"


async def _first_of(*waits: Callable[[], Awaitable[Any]], limit: float | None = None) -> None:
    """Waits until the first of `waits` completes, or `limit` seconds pass."""
    tasks = [asyncio.ensure_future(wait()) for wait in waits]
    try:
        await asyncio.wait(tasks, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


@contextlib.asynccontextmanager
async def dispatching(
    database: Database, settings: Settings, box: SecretBox
) -> AsyncIterator[None]:
    """Runs a dispatcher beside the API while the block runs, when the settings want one."""
    if not settings.webhook_dispatcher:
        yield
        return
    stop = asyncio.Event()
    running = asyncio.create_task(Dispatcher(database, settings, box).run(stop))
    try:
        yield
    finally:
        stop.set()
        await running
