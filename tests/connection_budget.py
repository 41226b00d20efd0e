"""Measures the suite's peak number of PostgreSQL connections to its test databases.

A thread polls pg_stat_activity every 50 ms over one connection of its own (to the admin
database, so it does not count itself) for the whole run.
"""

import asyncio
import threading
from dataclasses import dataclass

import asyncpg

from tests.databases import PEAK_BUDGET, POSTGRES_ADMIN_DSN, TEST_DATABASE_PREFIX

POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Peak:
    connections: int
    samples: int

    @property
    def within_budget(self) -> bool:
        return self.connections <= PEAK_BUDGET

    def __str__(self) -> str:
        verdict = "within" if self.within_budget else "OVER"
        return (
            f"PostgreSQL connections: peak {self.connections} over {self.samples} samples, "
            f"{verdict} the budget of {PEAK_BUDGET}"
        )


class PeakSampler:
    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._peak = 0
        self._samples = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._poll()), daemon=True)
        self._thread.start()

    async def _poll(self) -> None:
        try:
            connection = await asyncpg.connect(POSTGRES_ADMIN_DSN, timeout=5)
        except (OSError, asyncpg.PostgresError, TimeoutError):
            return  # no PostgreSQL: the suite says so where it matters
        try:
            while not self._stop.is_set():
                count = await connection.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE $1",
                    TEST_DATABASE_PREFIX + "%",
                )
                self._peak = max(self._peak, int(count))
                self._samples += 1
                await asyncio.sleep(POLL_SECONDS)
        finally:
            await connection.close()

    def stop(self) -> Peak | None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        return Peak(self._peak, self._samples) if self._samples else None
