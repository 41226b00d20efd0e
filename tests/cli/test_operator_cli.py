"""What an operator runs: --version, help, listings, doctor, and one clear line for every
configuration mistake (issue: newcomer and operator experience)."""

import json
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from mutuals.config import Settings
from mutuals.operator.doctor import trigram_verdict
from tests.cli.test_cli import assert_one_line_error, run
from tests.factories import ProjectFactory
from tests.serving import MUTUALS, free_port


def run_with(
    env: dict[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The CLI with only these MUTUALS_* variables (and the rest of our environment)."""
    base = {name: value for name, value in os.environ.items() if not name.startswith("MUTUALS_")}
    return subprocess.run(  # noqa: S603 - our own console script
        [MUTUALS, *args],
        capture_output=True,
        text=True,
        env={**base, **env},
        cwd=cwd,
        timeout=60,
        check=False,
    )


def test_version_and_help() -> None:
    version = run_with({}, "--version")
    assert (version.returncode, version.stdout) == (0, "mutuals 0.1.0\n")
    for group in ((), ("project",), ("user",)):
        shown = run_with({}, *group)
        assert shown.returncode == 0, shown.stderr
        assert "Usage: mutuals" in shown.stdout and "Commands:" in shown.stdout
        assert shown.stderr == ""


async def test_projects_keys_and_users_are_listed(
    settings: Settings, project: ProjectFactory
) -> None:
    await project.user(username="grace_list")
    # The service key is used once: `project keys` shows when.
    used = await project.call("GET", "/connections/count", headers=project.service_auth)
    assert used.status_code == 400  # no acting user, but the key was accepted

    listed = json.loads(run(settings, "project", "list", "--json").stdout)
    [mine] = [item for item in listed["projects"] if item["id"] == project.id]
    assert mine["users"] == 1 and mine["createdAt"].endswith("Z")

    keys = json.loads(run(settings, "project", "keys", "--project", project.id, "--json").stdout)
    [key] = keys["keys"]
    assert set(key) == {"id", "label", "createdAt", "lastUsedAt", "revokedAt"}
    assert key["lastUsedAt"] is not None and key["revokedAt"] is None
    assert project.service_key not in json.dumps(keys)

    found = run(settings, "user", "list", "--project", project.id, "--query", "GRACE", "--json")
    [user] = json.loads(found.stdout)["users"]
    assert user["username"] == "grace_list" and user["email"].endswith("@example.com")
    nobody = run(settings, "user", "list", "--project", project.id, "--query", "zz-nobody")
    assert (nobody.returncode, nobody.stdout) == (0, "")
    text = run(settings, "project", "keys", "--project", project.id)
    assert text.returncode == 0 and "live  initial" in text.stdout

    unknown = run(settings, "user", "list", "--project", str(uuid.uuid4()))
    assert_one_line_error(unknown)
    assert unknown.stderr.startswith("error: Project not found (project/not-found) in the ")


def test_doctor_answers_ok(settings: Settings) -> None:
    checked = run(settings, "doctor")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    lines = checked.stdout.splitlines()
    assert [line.split()[1] for line in lines][:2] == ["database", "migrations"]
    assert all(line.startswith("OK ") for line in lines), lines
    if _postgres(settings.database_url):
        [search] = [line for line in lines if line.split()[1] == "search"]
        assert "pg_trgm" in search and "is installed" in search


def test_doctor_says_what_user_search_needs() -> None:
    installed = trigram_verdict("1.6", available=True)
    assert (installed.verdict, installed.detail) == ("OK", "pg_trgm 1.6 is installed")
    pending = trigram_verdict(None, available=True)
    assert pending.verdict == "OK" and "`mutuals migrate` creates it" in pending.detail
    missing = trigram_verdict(None, available=False)
    assert missing.verdict == "FAIL"
    assert missing.line() == (
        "FAIL  search           pg_trgm is not available on this server: install PostgreSQL's "
        "contrib package (postgresql-contrib); migrations and user search need it"
    )


def test_doctor_fails_clearly_when_postgresql_is_down() -> None:
    port = free_port()  # nothing listens there: a stopped server
    checked = run_with(
        {"MUTUALS_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{port}/app"}, "doctor"
    )
    assert checked.returncode == 1
    assert checked.stdout.splitlines()[0] == (
        f"FAIL  database         127.0.0.1:{port} refused the connection "
        f"(PostgreSQL database app on 127.0.0.1:{port}): is PostgreSQL running?"
    )


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def _postgres(url: str) -> bool:
    return url.startswith("postgresql")


def test_urls_people_write_are_accepted(settings: Settings, tmp_path: Path) -> None:
    if _postgres(settings.database_url):
        plain = settings.database_url.replace("postgresql+asyncpg://", "postgresql://")
        for written in (plain, plain.replace("postgresql://", "postgres://")):
            migrated = run_with({"MUTUALS_DATABASE_URL": written}, "migrate")
            assert migrated.returncode == 0, migrated.stderr
    else:
        migrated = run_with(
            {"MUTUALS_DATABASE_URL": f"sqlite:///{tmp_path / 'sync.db'}"}, "migrate"
        )
        assert migrated.returncode == 0, migrated.stderr
        assert migrated.stdout == f"SQLite database {tmp_path / 'sync.db'} is up to date\n"


def mistakes(silent: int) -> dict[str, tuple[dict[str, str], str]]:
    """Each configuration mistake: the environment that makes it, and the exact line."""
    refused = free_port()
    admin = make_url(
        os.environ.get("MUTUALS_TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    server = f"{admin.host}:{admin.port or 5432}"
    return {
        "unsupported URL": (
            {"MUTUALS_DATABASE_URL": "mysql://app:hunter2@db/app"},
            "error: MUTUALS_DATABASE_URL: unsupported database URL; "
            "write postgresql://USER@HOST:5432/DATABASE or sqlite:///PATH/TO/mutuals.db",
        ),
        "unknown host": (
            {"MUTUALS_DATABASE_URL": "postgresql://app:hunter2@no-such-host.invalid/app"},
            "error: cannot resolve host 'no-such-host.invalid' "
            "(PostgreSQL database app on no-such-host.invalid:5432)",
        ),
        "refused": (
            {"MUTUALS_DATABASE_URL": f"postgresql://app:hunter2@127.0.0.1:{refused}/app"},
            f"error: 127.0.0.1:{refused} refused the connection "
            f"(PostgreSQL database app on 127.0.0.1:{refused}): is PostgreSQL running?",
        ),
        "missing database": (
            {"MUTUALS_DATABASE_URL": f"postgresql://{admin.username}@{server}/no_such_db_x"},
            f"error: database 'no_such_db_x' does not exist on {server}; "
            "create it (createdb no_such_db_x) or fix MUTUALS_DATABASE_URL",
        ),
        "missing role": (
            {"MUTUALS_DATABASE_URL": f"postgresql://no_such_role_x@{server}/postgres"},
            f"error: role 'no_such_role_x' may not connect to PostgreSQL database postgres on "
            f'{server}: role "no_such_role_x" does not exist',
        ),
        "never answers": (
            {
                "MUTUALS_DATABASE_URL": f"postgresql://app:hunter2@127.0.0.1:{silent}/app",
                "MUTUALS_DATABASE_CONNECT_TIMEOUT_SECONDS": "1",
            },
            f"error: 127.0.0.1:{silent} did not answer within 1 s "
            f"(PostgreSQL database app on 127.0.0.1:{silent})",
        ),
        "short secret": (
            {"MUTUALS_SECRET_KEY": "hunter2-too-short"},
            "error: MUTUALS_SECRET_KEY: must be at least 32 characters",
        ),
        "not a number": (
            {"MUTUALS_DATABASE_POOL_SIZE": "many"},
            "error: MUTUALS_DATABASE_POOL_SIZE: Input should be a valid integer, "
            "unable to parse string as an integer",
        ),
    }


@pytest.mark.parametrize("mistake", list(mistakes(0)))
def test_each_configuration_mistake_is_one_line(mistake: str, silent_server: int) -> None:
    env, expected = mistakes(silent_server)[mistake]
    started = time.monotonic()
    result = run_with(env, "migrate")
    assert_one_line_error(result)
    assert result.stderr == expected + "\n"
    assert "hunter2" not in result.stderr  # neither a password nor a secret is echoed
    assert time.monotonic() - started < 10  # bounded by the connect timeout


def test_serve_refuses_the_docs_placeholder_secret(tmp_path: Path) -> None:
    deploy_guide = (Path(__file__).parents[2] / "docs" / "deploy.md").read_text()
    placeholder = deploy_guide.split("MUTUALS_SECRET_KEY=", 1)[1].split()[0]
    env = {"MUTUALS_SECRET_KEY": placeholder, "MUTUALS_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    refused = run_with(env, "serve", "--port", str(free_port()))
    assert_one_line_error(refused)
    assert refused.stderr.startswith("error: MUTUALS_SECRET_KEY is the placeholder from the docs")
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize("command", ["serve", "quickstart"])
def test_a_taken_port_is_one_line_and_creates_nothing(command: str, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = run_with({"XDG_DATA_HOME": str(tmp_path)}, command, "--port", str(port))
    assert_one_line_error(result)
    hint = f"try --port {port + 1}" if command == "serve" else f"try make run PORT={port + 1}"
    assert result.stderr == f"error: 127.0.0.1:{port} is in use; {hint}\n"
    assert list(tmp_path.iterdir()) == []  # no database, so no project and no key


def test_the_default_database_does_not_depend_on_the_directory(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir()
    second.mkdir()
    env = {"XDG_DATA_HOME": str(data)}
    created = run_with(env, "project", "create", "--name", "here", "--json", cwd=first)
    assert created.returncode == 0, created.stderr
    database = data / "mutuals" / "mutuals.db"
    assert created.stderr == f"mutuals: creating a new SQLite database at {database}\n"
    listed = run_with(env, "project", "list", "--json", cwd=second)
    assert (listed.returncode, listed.stderr) == (0, "")
    assert [p["name"] for p in json.loads(listed.stdout)["projects"]] == ["here"]
    assert list(first.iterdir()) == list(second.iterdir()) == []
