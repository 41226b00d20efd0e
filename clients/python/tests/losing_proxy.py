"""A TCP proxy in front of the served instance that can lose answers: the request reaches
the server and is carried out, but the connection is cut as its answer comes back, the
way a mobile network or a load balancer loses one."""

import asyncio
import contextlib


class AnswerLosingProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self.answers_to_lose = 0
        self.lost = 0
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(
        self, client_reader: asyncio.StreamReader, client: asyncio.StreamWriter
    ) -> None:
        upstream_reader, upstream = await asyncio.open_connection(*self.upstream)
        await asyncio.gather(
            self._forward(client_reader, upstream),
            self._answer(upstream_reader, client, upstream),
        )

    @staticmethod
    async def _forward(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        writer.close()

    async def _answer(
        self,
        reader: asyncio.StreamReader,
        client: asyncio.StreamWriter,
        upstream: asyncio.StreamWriter,
    ) -> None:
        with contextlib.suppress(OSError):
            while chunk := await reader.read(65536):
                if self.answers_to_lose > 0:
                    # The server has answered, so it has done the work: the caller never
                    # learns of it.
                    self.answers_to_lose -= 1
                    self.lost += 1
                    client.transport.abort()
                    upstream.close()
                    return
                client.write(chunk)
                await client.drain()
        client.close()
