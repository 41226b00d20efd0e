"""docs/deploy.md, followed step by step on this machine: a fresh virtualenv from the
runtime lock, the database made with runuser, the documented environment, migrate, doctor,
two workers, and a request answered by each of them.

Only what cannot be the same here is replaced: the checkout's place, the environment
file's place, host names, the port, the role and database names, and the secret."""

import json
import os
import re
import secrets
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from mutuals.config import Settings
from tests.databases import TEST_DATABASE_PREFIX, in_ci
from tests.serving import free_port

REPOSITORY = Path(__file__).resolve().parents[2]
PLACEHOLDER = "change-me-to-64-random-characters-from-a-password-generator-xxxxxx"


def guide_blocks() -> list[str]:
    guide = (REPOSITORY / "docs" / "deploy.md").read_text()
    return re.findall(r"```sh\n(.*?)```", guide, re.DOTALL)


def block_with(blocks: list[str], marker: str) -> str:
    [found] = [block for block in blocks if marker in block]
    return found


def bash(script: str, cwd: Path, timeout: float = 300) -> str:
    ran = subprocess.run(  # noqa: S603 - the guide's own commands
        ["bash", "-euo", "pipefail", "-c", script],  # noqa: S607 - a shell, as an operator uses
        cwd=cwd,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert ran.returncode == 0, f"{script}\n{ran.stdout}\n{ran.stderr}"
    return ran.stdout


def _environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if not name.startswith("MUTUALS_")}


@contextmanager
def database_role_and_name() -> Iterator[tuple[str, str]]:
    suffix = uuid.uuid4().hex[:8]
    role, name = f"mutuals_deploy_{suffix}", f"{TEST_DATABASE_PREFIX}deploy_{suffix}"
    try:
        yield role, name
    finally:
        for sql in (
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            f'DROP ROLE IF EXISTS "{role}"',
        ):
            subprocess.run(  # noqa: S603
                ["runuser", "-u", "postgres", "--", "psql", "-qc", sql],  # noqa: S607
                capture_output=True,
                check=False,
            )


def test_the_deploy_guide_works_as_written(settings: Settings, tmp_path: Path) -> None:
    if not settings.database_url.startswith("postgresql"):
        pytest.skip("the guide deploys on PostgreSQL")
    if subprocess.run(["id", "postgres"], capture_output=True, check=False).returncode != 0:  # noqa: S607
        if in_ci():
            pytest.fail("CI runs PostgreSQL as the postgres account")
        pytest.skip("no local postgres account to runuser as")
    blocks = guide_blocks()
    home, env_file, port = tmp_path / "opt-mutuals", tmp_path / "mutuals.env", free_port()

    def local(block: str) -> str:
        return (
            block.replace("<your mirror of mutuals>", str(REPOSITORY))
            .replace("/opt/mutuals", str(home))
            .replace("/etc/mutuals.env", str(env_file))
            .replace("--port 8000", f"--port {port}")
        )

    # 2. Install: a fresh virtualenv with the runtime lock only.
    bash(local(block_with(blocks, "requirements.lock")), tmp_path, timeout=600)
    installed = bash(".venv/bin/pip list --format=freeze", home)
    assert "mutuals==" in installed
    for tool in ("pytest", "mypy", "ruff", "hypothesis", "schemathesis"):
        assert f"{tool}==" not in installed, f"{tool} installed in production"

    with database_role_and_name() as (role, name):
        # 3. The database, with runuser, and the environment file as documented.
        database = local(block_with(blocks, "createuser"))
        database = database.replace("createuser mutuals", f"createuser {role}")
        database = database.replace("--owner mutuals mutuals", f"--owner {role} {name}")
        bash(database, tmp_path)
        environment = block_with(blocks, "MUTUALS_DATABASE_URL=")
        environment = environment.replace(
            "mutuals@db.internal:5432/mutuals", f"{role}@127.0.0.1:5432/{name}"
        )
        environment = environment.replace("redis.internal", "127.0.0.1")
        environment = environment.replace(PLACEHOLDER, secrets.token_urlsafe(48))
        env_file.write_text(environment)

        # 4. Migrate, check, and serve with two workers.
        bash(local(block_with(blocks, "mutuals migrate")), home)
        serving = local(block_with(blocks, "--workers 2"))
        load = f"set -a; . {env_file}; set +a\n"
        checked = bash(load + serving.split("\n")[0], home)  # the doctor line
        assert "FAIL" not in checked, checked
        with served(load + serving.split("\n")[1], home, port) as logs:
            created = json.loads(
                bash(load + local(block_with(blocks, "project create")), home).splitlines()[-1]
            )
            pids = _pids_answering(port, created["id"], logs)
        assert len(pids) == 2, pids


@contextmanager
def served(command: str, cwd: Path, port: int) -> Iterator[Path]:
    with tempfile.NamedTemporaryFile(suffix=".log", delete=False) as log:
        log_path = Path(log.name)
    with log_path.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603
            ["bash", "-c", f"{command.strip()}"],  # noqa: S607
            cwd=cwd,
            env=_environment(),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, log_path.read_text()
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            yield log_path
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            assert process.wait(timeout=60) == 0, log_path.read_text()
            log_path.unlink()


def _pids_answering(port: int, project_id: str, logs: Path) -> set[int]:
    """Fresh connections until both workers have answered (the kernel spreads them)."""
    pids: set[int] = set()
    for _ in range(200):
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as fresh:
            answered = fresh.get(f"/v7/{project_id}/users/{uuid.uuid4()}/connections-count")
        assert answered.status_code == 404  # a real answer from the database: no such user
        pids = {
            json.loads(line)["pid"]
            for line in logs.read_text().splitlines()
            if line.startswith("{") and '"route"' in line
        }
        if len(pids) == 2:
            break
    return pids
