"""The README's steps as written: `pip install ./clients/python` into a fresh virtualenv,
then the example script against `mutuals quickstart` (what `make run` runs)."""

import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.serving import MUTUALS, free_port

REPOSITORY = Path(__file__).resolve().parents[3]
CLIENT = REPOSITORY / "clients" / "python"


@contextmanager
def quickstart(directory: Path, port: int) -> Iterator[dict[str, str]]:
    """`mutuals quickstart` on a fresh embedded database; yields what it printed."""
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("MUTUALS_")
    }
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(  # noqa: S603 - our own console script
            [MUTUALS, "quickstart", "--port", str(port)],
            cwd=directory,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while not _healthy(port):
                assert process.poll() is None and time.monotonic() < deadline, _read(output)
                time.sleep(0.1)
            printed = _read(output)
            project = re.search(r"project id\s+(\S+)", printed)
            key = re.search(r"service key\s+(\S+)", printed)
            assert project and key, printed
            yield {"project": project.group(1), "key": key.group(1)}
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


def test_fresh_virtualenv_and_the_example_script(tmp_path: Path) -> None:
    venv = tmp_path / "client"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)  # noqa: S603
    python = venv / "bin" / "python"
    installed = subprocess.run(  # noqa: S603 - pip from the fresh virtualenv
        [python, "-m", "pip", "install", "--quiet", "./clients/python"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    port = free_port()
    with quickstart(tmp_path, port) as printed:
        ran = subprocess.run(  # noqa: S603 - the example, with the fresh virtualenv's Python
            [python, CLIENT / "examples" / "quickstart.py"],
            env={
                "PATH": os.environ.get("PATH", ""),
                "MUTUALS_URL": f"http://127.0.0.1:{port}",
                "MUTUALS_PROJECT_ID": printed["project"],
                "MUTUALS_SERVICE_KEY": printed["key"],
            },
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    lines = ran.stdout.splitlines()
    assert re.fullmatch(r"created ada_\w+ and grace_\w+", lines[0]), lines
    assert re.fullmatch(r"grace_\w+ has a request from ada_\w+: Hi Grace!", lines[1]), lines
    assert lines[2:4] == [
        "following twice: follow/already-exists",
        "ada and grace: connection connected, ada follows grace: True",
    ]
    assert re.fullmatch(r"grace_\w+ has 1 follower\(s\), 2 unread notification\(s\)", lines[5])
    assert lines[-1] == "grace signed in: 1 connection(s)"
    # Nothing the client needs came from this repository's own environment.
    listed = subprocess.run(  # noqa: S603
        [python, "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True, check=True
    ).stdout
    assert "mutuals-client==0.1.0" in listed and "fastapi" not in listed.lower()
