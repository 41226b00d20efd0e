"""A fast webhook receiver for the benchmark, in its own process.

`python -m bench.receiver PORT` answers every POST with 200 at once, and records for each
the delay from the event's `createdAt` (its commit, within a millisecond) to its arrival.
`GET /stats` answers {"count", "distinct", "p50_ms", "p99_ms"} over everything received
since the last `GET /stats?reset=1`. Plain asyncio streams: an HTTP framework here would
spend the CPU the server under test needs.
"""

import asyncio
import json
import sys
import time
from datetime import datetime

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"


class Recorder:
    """Keeps each arrival's time and body; the figures are worked out only when asked, so
    the receiver spends as little of the shared CPU as it can while the load runs."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, bytes]] = []

    def stats(self) -> dict[str, float]:
        ids: set[str] = set()
        delays = []
        for arrived, body in self.arrivals:
            event = json.loads(body)
            ids.add(event["id"])
            created = datetime.fromisoformat(event["createdAt"].replace("Z", "+00:00"))
            delays.append(max(0.0, arrived - created.timestamp()))
        ordered = sorted(delays)
        count = len(ordered)
        return {
            "count": count,
            "distinct": len(ids),
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
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            body = await reader.readexactly(length) if length else b""
            if method == "GET":
                payload = json.dumps(rec.stats()).encode()
                if "reset=1" in target:
                    rec.arrivals.clear()
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(payload)}\r\n\r\n".encode()
                    + payload
                )
            else:
                rec.arrivals.append((arrived, body))
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


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
