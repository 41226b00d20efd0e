"""The README's steps as written: `pip install ./clients/python` into a fresh virtualenv,
then the example script against `mutuals quickstart` (what `make run` runs)."""

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.serving import free_port, quickstart

REPOSITORY = Path(__file__).resolve().parents[3]
CLIENT = REPOSITORY / "clients" / "python"


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
    with quickstart(port, {"XDG_DATA_HOME": str(tmp_path / "data")}, tmp_path) as banner:
        project = re.search(r"project id\s+(\S+)", banner)
        key = re.search(r"service key\s+(\S+)", banner)
        assert project and key, banner
        ran = subprocess.run(  # noqa: S603 - the example, with the fresh virtualenv's Python
            [python, CLIENT / "examples" / "quickstart.py"],
            env={
                "PATH": os.environ.get("PATH", ""),
                "MUTUALS_URL": f"http://127.0.0.1:{port}",
                "MUTUALS_PROJECT_ID": project.group(1),
                "MUTUALS_SERVICE_KEY": key.group(1),
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
