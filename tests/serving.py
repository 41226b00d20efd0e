"""`mutuals serve` as a subprocess on a free port, for tests of processes and signals."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

import httpx

from tests.databases import SERVED_POOL_ENV

MUTUALS = str(Path(sys.executable).parent / "mutuals")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ServedProcess:
    """Runs `mutuals serve` with the given environment; stops it with SIGTERM on exit."""

    def __init__(self, env: dict[str, str | None], *args: str) -> None:
        # A None value removes the variable from the inherited environment.
        merged = {**os.environ, **SERVED_POOL_ENV, **env}
        self.env = {name: value for name, value in merged.items() if value is not None}
        self.args = args
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.returncode: int | None = None
        self.log = ""

    def __enter__(self) -> "ServedProcess":
        self._output = tempfile.TemporaryFile()
        self.process = subprocess.Popen(  # noqa: S603 - our own console script
            [MUTUALS, "serve", "--port", str(self.port), *self.args],
            env=self.env,
            stdout=self._output,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.1)
            if self.process.poll() is not None:
                break
        self.stop()
        raise RuntimeError(f"mutuals serve did not start:\n{self.log}")

    def output_so_far(self) -> str:
        self._output.flush()
        position = self._output.tell()
        self._output.seek(0)
        text = self._output.read().decode(errors="replace")
        self._output.seek(position)
        return text

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self.returncode = self.process.wait(timeout=60)
        self._output.seek(0)
        self.log = self._output.read().decode(errors="replace")
        self._output.close()
        return self.returncode

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.returncode is None:
            self.stop()


@contextmanager
def quickstart(port: int, env: dict[str, str], cwd: Path) -> Iterator[str]:
    """`mutuals quickstart` (what `make run` runs) with only these MUTUALS_* variables;
    yields what it printed once it serves."""
    base = {name: value for name, value in os.environ.items() if not name.startswith("MUTUALS_")}
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(  # noqa: S603 - our own console script
            [MUTUALS, "quickstart", "--port", str(port)],
            cwd=cwd,
            env={**base, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while not _healthy(port):
                assert process.poll() is None, _read(output)
                assert time.monotonic() < deadline, _read(output)
                time.sleep(0.1)
            yield _read(output)
        finally:
            process.terminate()
            process.wait(timeout=30)


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _read(output: "tempfile._TemporaryFileWrapper[bytes]") -> str:
    output.flush()
    output.seek(0)
    return output.read().decode(errors="replace")
