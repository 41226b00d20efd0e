"""The command line contract (spec/CLI.md), driven as other tools drive it: a subprocess."""

import json
import os
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from mutuals.config import Settings
from tests.assertions import assert_json
from tests.serving import MUTUALS, ServedProcess


def cli_env(settings: Settings, *, secret: bool = True) -> dict[str, str | None]:
    """The variables a CLI process gets on top of ours (None: not set at all)."""
    key = settings.secret_key.get_secret_value() if secret and settings.secret_key else None
    return {"MUTUALS_DATABASE_URL": settings.database_url, "MUTUALS_SECRET_KEY": key}


def run(settings: Settings, *args: str, secret: bool = True) -> subprocess.CompletedProcess[str]:
    merged = {**os.environ, **cli_env(settings, secret=secret)}
    env = {name: value for name, value in merged.items() if value is not None}
    return subprocess.run(  # noqa: S603 - our own console script
        [MUTUALS, *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode != 0
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr


def test_project_and_user_create_then_call_the_api(settings: Settings) -> None:
    created = run(settings, "project", "create", "--name", "cli demo", "--json")
    assert created.returncode == 0, created.stderr
    project = json.loads(created.stdout)
    assert set(project) == {"id", "name", "serviceKey"}
    assert project["name"] == "cli demo"
    assert str(uuid.UUID(project["id"])) == project["id"]

    made = run(
        settings,
        "user",
        "create",
        "--project",
        project["id"],
        "--username",
        "Ada",
        "--email",
        "ADA@example.com",
        "--name",
        "Ada L",
        "--json",
    )
    assert made.returncode == 0, made.stderr
    user = json.loads(made.stdout)
    assert set(user) == {"id", "username", "accessToken"}
    assert user["username"] == "ada"

    token = run(settings, "token", "--project", project["id"], "--user", user["id"])
    assert token.returncode == 0, token.stderr
    fresh_token = token.stdout.strip()

    from mutuals.app import create_app  # noqa: PLC0415

    app = create_app(settings)

    async def check() -> None:
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://t") as http,
        ):
            base = f"/v7/{project['id']}/users/{user['id']}"
            for credential in (user["accessToken"], fresh_token):
                own = await http.get(base, headers={"Authorization": f"Bearer {credential}"})
                assert own.status_code == 200, own.text
                assert own.json()["email"] == "ada@example.com"
            public = await http.get(base)
            assert "email" not in public.json()
            keyed = await http.get(
                f"/v7/{project['id']}/connections/count?actingUserId={user['id']}",
                headers={"Authorization": f"Bearer {project['serviceKey']}"},
            )
            assert_json(keyed, 200, {"count": 0})

    import asyncio  # noqa: PLC0415

    asyncio.run(check())


def test_text_output_without_json(settings: Settings) -> None:
    created = run(settings, "project", "create", "--name", "plain")
    assert created.returncode == 0, created.stderr
    assert "service key" in created.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("user", "create", "--project", "not-a-uuid", "--username", "ada"),
        ("user", "create", "--project", str(uuid.uuid4()), "--username", "ada"),
        ("user", "create", "--project", str(uuid.uuid4())),
        ("token", "--project", str(uuid.uuid4()), "--user", "nope"),
        ("project", "create"),
        ("project", "create", "--name", "   "),
        ("no-such-command",),
        ("serve", "--port", "0"),
    ],
)
def test_bad_input_is_one_line_on_stderr(settings: Settings, args: tuple[str, ...]) -> None:
    assert_one_line_error(run(settings, *args))


def test_duplicate_username_and_unknown_user(settings: Settings) -> None:
    project = json.loads(run(settings, "project", "create", "--name", "dup", "--json").stdout)
    first = run(settings, "user", "create", "--project", project["id"], "--username", "sam")
    assert first.returncode == 0, first.stderr
    again = run(settings, "user", "create", "--project", project["id"], "--username", "SAM")
    assert_one_line_error(again)
    assert "DUPLICATE_USERNAME" in again.stderr
    missing = run(settings, "token", "--project", project["id"], "--user", str(uuid.uuid4()))
    assert_one_line_error(missing)


def test_set_public_key(settings: Settings, tmp_path: Path) -> None:
    project = json.loads(run(settings, "project", "create", "--name", "keys", "--json").stdout)
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = tmp_path / "public.pem"
    pem.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    ok = run(settings, "project", "set-public-key", "--project", project["id"], "--file", str(pem))
    assert ok.returncode == 0, ok.stderr
    not_rsa = tmp_path / "ec.pem"
    not_rsa.write_bytes(
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a key")
    for path in (not_rsa, garbage, tmp_path / "missing.pem"):
        assert_one_line_error(
            run(
                settings,
                "project",
                "set-public-key",
                "--project",
                project["id"],
                "--file",
                str(path),
            )
        )
    assert_one_line_error(
        run(
            settings,
            "project",
            "set-public-key",
            "--project",
            str(uuid.uuid4()),
            "--file",
            str(pem),
        )
    )


def test_generated_secret_is_kept_and_reused(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    assert run(settings, "migrate", secret=False).returncode == 0
    project = json.loads(
        run(settings, "project", "create", "--name", "s", "--json", secret=False).stdout
    )
    made = run(
        settings,
        "user",
        "create",
        "--project",
        project["id"],
        "--username",
        "kim",
        "--json",
        secret=False,
    )
    assert made.returncode == 0, made.stderr
    assert "generated a signing secret" in made.stderr
    user = json.loads(made.stdout)
    again = run(settings, "token", "--project", project["id"], "--user", user["id"], secret=False)
    assert "generated" not in again.stderr
    # A server started later, also without MUTUALS_SECRET_KEY, accepts both tokens.
    with ServedProcess(cli_env(settings, secret=False)) as server:
        for credential in (user["accessToken"], again.stdout.strip()):
            response = httpx.get(
                f"{server.base}/v7/{project['id']}/users/{user['id']}",
                headers={"Authorization": f"Bearer {credential}"},
            )
            assert response.status_code == 200, response.text


def test_serve_migrates_serves_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'served.db'}",
        secret_key="cli-test-secret-cli-test-secret-0123456789",
    )
    with ServedProcess(cli_env(settings)) as server:
        base = server.base
        assert httpx.get(f"{base}/readyz").json() == {"status": "ready", "rateLimitStore": "memory"}
        project = json.loads(run(settings, "project", "create", "--name", "x", "--json").stdout)
        response = httpx.get(f"{base}/v7/{project['id']}/users/{uuid.uuid4()}")
        assert response.json()["code"] == "user/not-found"
    assert server.returncode == 0


def test_add_and_revoke_service_keys(settings: Settings) -> None:
    project = json.loads(run(settings, "project", "create", "--name", "rotate", "--json").stdout)
    added = run(settings, "project", "add-key", "--project", project["id"], "--json")
    assert added.returncode == 0, added.stderr
    new_key = json.loads(added.stdout)["serviceKey"]
    assert new_key.startswith("mut_sk_") and new_key != project["serviceKey"]
    revoked = run(
        settings,
        "project",
        "revoke-key",
        "--project",
        project["id"],
        "--key",
        project["serviceKey"],
    )
    assert revoked.returncode == 0, revoked.stderr
    assert_one_line_error(
        run(
            settings,
            "project",
            "revoke-key",
            "--project",
            project["id"],
            "--key",
            project["serviceKey"],
        )
    )
    assert_one_line_error(run(settings, "project", "add-key", "--project", str(uuid.uuid4())))

    from mutuals.app import create_app  # noqa: PLC0415

    app = create_app(settings)

    async def check() -> None:
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://t") as http,
        ):
            path = f"/v7/{project['id']}/users/{uuid.uuid4()}/connections-count"
            old = await http.get(path, headers={"Authorization": f"Bearer {project['serviceKey']}"})
            assert (old.status_code, old.text) == (403, "Forbidden")
            new = await http.get(path, headers={"Authorization": f"Bearer {new_key}"})
            assert new.json()["code"] == "connection/user-not-found"

    import asyncio  # noqa: PLC0415

    asyncio.run(check())


def test_set_origins(settings: Settings) -> None:
    project = json.loads(run(settings, "project", "create", "--name", "web", "--json").stdout)
    pid = project["id"]
    allowed = run(
        settings,
        "project",
        "set-origins",
        "--project",
        pid,
        "HTTPS://App.Example.com",
        "http://localhost:5173",
        "--json",
    )
    assert allowed.returncode == 0, allowed.stderr
    assert json.loads(allowed.stdout) == {
        "id": pid,
        "origins": ["https://app.example.com", "http://localhost:5173"],
    }
    cleared = run(settings, "project", "set-origins", "--project", pid, "--json")
    assert json.loads(cleared.stdout) == {"id": pid, "origins": []}
    for bad in ("app.example.com", "https://app.example.com/path", "https://x.com:70000"):
        refused = run(settings, "project", "set-origins", "--project", pid, bad)
        assert_one_line_error(refused)
        assert bad in refused.stderr
    unknown = run(settings, "project", "set-origins", "--project", str(uuid.uuid4()), "*")
    assert_one_line_error(unknown)
    assert "project/not-found" in unknown.stderr


def test_several_workers_without_redis_warn_that_limits_are_per_process(
    tmp_path: Path,
) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'workers.db'}",
        secret_key="cli-test-secret-cli-test-secret-0123456789",
    )
    env = {**cli_env(settings), "MUTUALS_REDIS_URL": None}
    with ServedProcess(env, "--workers", "2") as server:
        assert httpx.get(f"{server.base}/readyz").status_code == 200
    assert "rate limits are counted per process" in server.log
    with ServedProcess(cli_env(settings)) as single:
        assert httpx.get(f"{single.base}/healthz").status_code == 200
    assert "per process" not in single.log
