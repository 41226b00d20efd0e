"""The README's first round trip, pasted as a newcomer would: `make run`'s banner line,
then the README's shell block, verbatim, in a shell at the repository's root."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.databases import in_ci
from tests.serving import free_port, quickstart

REPOSITORY = Path(__file__).resolve().parents[2]


def readme_round_trip() -> str:
    readme = (REPOSITORY / "README.md").read_text()
    section = readme.split("## A first round trip", 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


def test_the_banner_line_and_the_readme_block_work_verbatim(tmp_path: Path) -> None:
    missing = [tool for tool in ("jq", "curl", "bash") if shutil.which(tool) is None]
    if missing:
        if in_ci():
            pytest.fail(f"CI must have {missing} (.ci/run installs them)")
        pytest.skip(f"the README's block uses {missing}")
    port = free_port()
    shell_env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    with quickstart(port, shell_env, REPOSITORY) as banner:
        assert f"SQLite database {tmp_path / 'data' / 'mutuals' / 'mutuals.db'}" in banner
        [pasted] = [
            line.strip() for line in banner.splitlines() if line.strip().startswith("export P=")
        ]
        assert f"B=http://127.0.0.1:{port}/v7/" in pasted
        script = f"set -euo pipefail\n{pasted}\n{readme_round_trip()}"
        ran = subprocess.run(  # noqa: S603 - the README's own commands
            ["bash", "-c", script],  # noqa: S607 - bash as a newcomer's shell finds it
            cwd=REPOSITORY,
            env={**_inherited(), **shell_env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    answers = [json.loads(line) for line in re.split(r"(?<=\})(?=[\[{])", ran.stdout) if line]
    found, pending, accepted, connections, notifications, removed = answers
    assert found["username"] == "bob" and "email" not in found
    assert pending["data"][0]["message"] == "Hi Bob"
    assert accepted["status"] == "accepted"
    assert connections["data"][0]["connectedUser"]["username"] == "bob"
    assert notifications["data"][0]["type"] == "connection-accepted"
    assert removed == {"message": "Connection removed successfully."}


def _inherited() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if not name.startswith("MUTUALS_")}
