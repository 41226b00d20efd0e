"""A fast webhook receiver for the benchmark, in its own process.

`python -m bench.receiver PORT` answers every POST with 200 at once, and records for each
the delay from the event's `createdAt` (its commit, within a millisecond) to its arrival.
`GET /count` answers {"count", "distinct"} (distinct by the `webhook-id` header, kept as
the events arrive); `GET /stats` answers the same with "p50_ms" and "p99_ms", worked out
then over everything received since the last `GET /stats?reset=1`. The bench polls
`/count` while a backlog drains and asks for `/stats` once: figures worked out on every
poll (every body parsed again) took the CPU the dispatchers were draining with. Plain
asyncio streams on uvloop where it is installed: an HTTP framework here would spend the
CPU the server under test needs.
"""

import asyncio
import json
import sys
import time
from datetime import datetime

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"


class Recorder:
    """Keeps each arrival's time and body and the set of event ids; delays are worked out
    only when asked, so the receiver spends as little of the shared CPU as it can."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, bytes]] = []
        self.ids: set[str] = set()

    def reset(self) -> None:
        self.arrivals.clear()
        self.ids.clear()

    def count(self) -> dict[str, float]:
        return {"count": len(self.arrivals), "distinct": len(self.ids)}

    def stats(self) -> dict[str, float]:
        delays = []
        for arrived, body in self.arrivals:
            event = json.loads(body)
            created = datetime.fromisoformat(event["createdAt"].replace("Z", "+00:00"))
            delays.append(max(0.0, arrived - created.timestamp()))
        ordered = sorted(delays)
        count = len(ordered)
        return {
            **self.count(),
            "p50_ms": ordered[count // 2] * 1000 if count else 0.0,
            "p99_ms": ordered[min(count - 1, int(count * 0.99))] * 1000 if count else 0.0,
        }


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, rec: Recorder) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            arrived = time.time()
            lines = head.decode("latin-1").split("\r\n")
            method, target = lines[0].split(" ")[:2]
            length = 0
            event_id = ""
            for line in lines[1:]:
                name, _, value = line.partition(":")
                lowered = name.lower()
                if lowered == "content-length":
                    length = int(value)
                elif lowered == "webhook-id":
                    event_id = value.strip()
            body = await reader.readexactly(length) if length else b""
            if method == "GET":
                figures = rec.stats() if target.startswith("/stats") else rec.count()
                payload = json.dumps(figures).encode()
                if "reset=1" in target:
                    rec.reset()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(payload)}\r\n\r\n".encode()
                    + payload
                )
            else:
                rec.arrivals.append((arrived, body))
                rec.ids.add(event_id)
                writer.write(OK)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main(port: int) -> None:
    recorder = Recorder()
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, recorder), "127.0.0.1", port, backlog=512
    )
    async with server:
        await server.serve_forever()


def _loop_factory() -> asyncio.AbstractEventLoop:
    try:
        import uvloop  # noqa: PLC0415 - optional, as for the service
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


if __name__ == "__main__":
    with asyncio.Runner(loop_factory=_loop_factory) as runner:
        runner.run(main(int(sys.argv[1])))
