"""The `mutuals` command line (contract: spec/CLI.md). Each command calls a service."""

import asyncio
import errno
import json
import logging
import logging.config
import os
import signal
import socket
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncConnection

from mutuals.auth.signing_secret import load_signing_secret
from mutuals.auth.tokens import TokenSigner
from mutuals.config import Settings, get_settings
from mutuals.config.location import database_label, describe_database_error, prepare_sqlite_file
from mutuals.kit.db.database import Database
from mutuals.kit.errors import AppError
from mutuals.kit.ids import parse_uuid
from mutuals.kit.observability.signals import logging_config
from mutuals.kit.timestamps import to_iso
from mutuals.operator.doctor import run_checks
from mutuals.operator.migrate import upgrade
from mutuals.projects import repository as project_rows
from mutuals.projects import service as projects
from mutuals.projects import service_keys
from mutuals.projects.origins import normalize_origins
from mutuals.projects.service import CreatedProject
from mutuals.users import repository as user_rows
from mutuals.users import rules
from mutuals.users import service as users
from mutuals.users.errors import UserNotFound
from mutuals.webhooks.dispatcher import Dispatcher
from mutuals.webhooks.fanout import FOLLOW_UPS
from mutuals.webhooks.signing import SecretBox

app = typer.Typer(
    help="mutuals: connections between the users of any app.",
    invoke_without_command=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
project_app = typer.Typer(help="Projects and their keys.", invoke_without_command=True)
user_app = typer.Typer(help="Users of a project.", invoke_without_command=True)
app.add_typer(project_app, name="project")
app.add_typer(user_app, name="user")


def _help_without_command(context: typer.Context) -> None:
    """A group called alone prints its help and succeeds."""
    if context.invoked_subcommand is None:
        typer.echo(context.get_help())
        raise typer.Exit(0)


def _print_version(wanted: bool) -> None:
    if wanted:
        typer.echo(f"mutuals {package_version('mutuals')}")
        raise typer.Exit(0)


@app.callback()
def root(
    context: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    _help_without_command(context)


project_app.callback()(_help_without_command)
user_app.callback()(_help_without_command)

T = TypeVar("T")


class CliError(Exception):
    """Bad input: printed as one line on stderr, exit status 1."""


def _migrate(settings: Settings) -> None:
    """Pending migrations applied (a fresh database is usable at once)."""
    prepare_sqlite_file(settings.database_url)
    upgrade(settings.database_url, connect_timeout=settings.database_connect_timeout_seconds)


def _require_usable_secret(settings: Settings) -> None:
    """A configured secret too short, or copied from the docs, stops the server starting."""
    problem = settings.secret_key_problem()
    if problem is not None:
        raise CliError(problem)


def _run(work: Callable[[AsyncConnection, Settings], Awaitable[T]]) -> T:
    settings = get_settings()
    _migrate(settings)

    async def in_transaction() -> T:
        database = Database(settings, follow_ups=FOLLOW_UPS)
        try:
            async with database.transaction() as connection:
                return await work(connection, settings)
        finally:
            await database.dispose()

    return asyncio.run(in_transaction())


# Options several commands take, said once.
ProjectOption = Annotated[str, typer.Option("--project", help="Project id.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def _project_id(raw: str) -> uuid.UUID:
    parsed = parse_uuid(raw.lower())
    if parsed is None:
        raise CliError(f"--project must be a project id (a UUID), got {raw!r}")
    return parsed


def _print_json(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")


@app.command()
def migrate() -> None:
    """Apply pending database migrations and exit."""
    settings = get_settings()
    _migrate(settings)
    typer.echo(f"{database_label(settings.database_url)} is up to date")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1)] = 1,
    dispatcher: Annotated[
        bool,
        typer.Option(
            "--dispatcher/--no-dispatcher",
            help="Also deliver webhooks from each worker (else run `mutuals dispatch`).",
        ),
    ] = True,
) -> None:
    """Apply pending migrations, then serve the API until interrupted."""
    import uvicorn  # noqa: PLC0415 - only this command needs the server

    if not dispatcher:
        # The workers build their settings from the environment they inherit.
        os.environ["MUTUALS_WEBHOOK_DISPATCHER"] = "false"
        get_settings.cache_clear()
    settings = get_settings()
    _require_usable_secret(settings)
    _require_free_address(host, port, f"try --port {port + 1}")
    _migrate(settings)
    if workers > 1 and not settings.redis_url:
        logging.config.dictConfig(logging_config(log_format=settings.log_format))
        logging.getLogger("mutuals").warning(
            "%d workers without MUTUALS_REDIS_URL: rate limits are counted per process, "
            "so a client gets up to %d times each allowance",
            workers,
            workers,
        )
    # uvicorn re-raises the signal that stopped it once it has drained; a handler of ours
    # absorbs it, so a requested stop exits 0 rather than dying by the signal.
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, lambda _signum, _frame: None)
    if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Workers write their metrics here so /metrics on any of them shows the sum.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="mutuals-metrics-")
    uvicorn.run(
        "mutuals.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=30,
        # Longer than the idle timeout of the proxies and clients in front (often 60 s):
        # the server must not close a kept-alive connection a client is about to reuse.
        timeout_keep_alive=75,
        log_config=logging_config(log_format=settings.log_format),
    )


@app.command()
def dispatch() -> None:
    """Deliver webhooks only (no API), until interrupted; any number may run at once."""
    settings = get_settings()
    _migrate(settings)
    logging.config.dictConfig(logging_config(log_format=settings.log_format))

    async def run() -> None:
        database = Database(settings, follow_ups=FOLLOW_UPS)
        try:
            async with database.transaction() as connection:
                secret = await load_signing_secret(connection, settings)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for stop_signal in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(stop_signal, stop.set)
            logging.getLogger("mutuals.webhooks").info("webhook dispatcher started")
            await Dispatcher(database, settings, SecretBox(secret)).run(stop)
        finally:
            await database.dispose()

    asyncio.run(run())


@project_app.command("create")
def project_create(
    name: Annotated[str, typer.Option("--name", help="Project name.")],
    as_json: JsonFlag = False,
) -> None:
    """Create a project and its first service key (shown once)."""

    async def work(connection: AsyncConnection, _settings: Settings) -> CreatedProject:
        return await projects.create_project(connection, name)

    created = _run(work)
    if as_json:
        _print_json(
            {"id": str(created.id), "name": created.name, "serviceKey": created.service_key}
        )
    else:
        typer.echo(f"project {created.name}: {created.id}")
        typer.echo(f"service key (shown once, store it now): {created.service_key}")


@project_app.command("add-key")
def project_add_key(
    project: ProjectOption,
    label: Annotated[str, typer.Option("--label", help="What the key is for.")] = "added",
    as_json: JsonFlag = False,
) -> None:
    """Issue another service key (shown once), e.g. to rotate the current one."""
    project_id = _project_id(project)

    async def work(connection: AsyncConnection, _settings: Settings) -> str:
        await projects.require_project(connection, project_id)
        return await service_keys.issue_service_key(connection, project_id, label=label[:200])

    key = _run(work)
    if as_json:
        _print_json({"projectId": str(project_id), "serviceKey": key})
    else:
        typer.echo(f"service key (shown once, store it now): {key}")


@project_app.command("revoke-key")
def project_revoke_key(
    project: ProjectOption,
    key: Annotated[str, typer.Option("--key", help="The service key to revoke.")],
) -> None:
    """Revoke a service key; requests made with it are refused from then on."""
    project_id = _project_id(project)

    async def work(connection: AsyncConnection, _settings: Settings) -> bool:
        return await service_keys.revoke_service_key(connection, project_id, key.strip())

    if not _run(work):
        raise CliError("no live service key of this project matches --key")
    typer.echo(f"service key revoked for project {project_id}")


@project_app.command("set-public-key")
def project_set_public_key(
    project: ProjectOption,
    file: Annotated[Path, typer.Option("--file", help="PEM file of the RSA public key.")],
) -> None:
    """Register the RSA public key that verifies external-user JWTs of this project."""
    project_id = _project_id(project)
    try:
        pem = file.read_text()
    except OSError as exc:
        raise CliError(f"cannot read {file}: {exc.strerror}") from None

    async def work(connection: AsyncConnection, _settings: Settings) -> None:
        await projects.set_external_user_public_key(connection, project_id, pem)

    _run(work)
    typer.echo(f"public key registered for project {project_id}")


@project_app.command("set-origins")
def project_set_origins(
    project: ProjectOption,
    origins: Annotated[
        list[str] | None,
        typer.Argument(help="scheme://host[:port] or *; none clears the list.", show_default=False),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Replace the web origins allowed to call the project from a browser (CORS)."""
    project_id = _project_id(project)
    try:
        normalize_origins(origins or [])
    except ValueError as exc:
        raise CliError(str(exc)) from None

    async def work(connection: AsyncConnection, _settings: Settings) -> list[str]:
        return await projects.set_allowed_origins(connection, project_id, origins or [])

    allowed = _run(work)
    if as_json:
        _print_json({"id": str(project_id), "origins": allowed})
    elif allowed:
        typer.echo(f"origins allowed for project {project_id}: {' '.join(allowed)}")
    else:
        typer.echo(f"no browser origin is allowed for project {project_id}")


@user_app.command("create")
def user_create(
    project: ProjectOption,
    username: Annotated[str, typer.Option("--username", help="Unique username.")],
    email: Annotated[str | None, typer.Option("--email", help="Email address.")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Display name.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a user and print a fresh access token for it."""
    project_id = _project_id(project)

    async def work(connection: AsyncConnection, settings: Settings) -> dict[str, Any]:
        await projects.require_project(connection, project_id)
        profile = rules.profile_fields({"username": username, "name": name})
        created = await users.create_user(
            connection,
            project_id,
            profile=profile,
            email=None if email is None else rules.normalize_email(email),
            auth_methods=[],
        )
        signer = await _signer(connection, settings)
        token = signer.issue("access", project_id, uuid.UUID(created["id"]))
        return {"id": created["id"], "username": created["username"], "accessToken": token}

    result = _run(work)
    if as_json:
        _print_json(result)
    else:
        typer.echo(f"user {result['username']}: {result['id']}")
        typer.echo(f"access token (30 minutes): {result['accessToken']}")


@app.command()
def token(
    project: ProjectOption,
    user: Annotated[str, typer.Option("--user", help="User id.")],
) -> None:
    """Print a fresh access token for a user."""
    project_id = _project_id(project)
    user_id = parse_uuid(user.lower())
    if user_id is None:
        raise CliError(f"--user must be a user id (a UUID), got {user!r}")

    async def work(connection: AsyncConnection, settings: Settings) -> str:
        await projects.require_project(connection, project_id)
        await users.get_profile(connection, project_id, user_id, None)
        return (await _signer(connection, settings)).issue("access", project_id, user_id)

    typer.echo(_run(work))


@project_app.command("list")
def project_list(
    as_json: JsonFlag = False,
) -> None:
    """List every project: id, name, when it was created, how many users it has."""

    async def work(connection: AsyncConnection, _settings: Settings) -> list[dict[str, Any]]:
        return [
            {
                "id": str(row["id"]),
                "name": row["name"],
                "createdAt": to_iso(row["created_at"]),
                "users": int(row["users"]),
            }
            for row in await project_rows.list_projects(connection)
        ]

    found = _run(work)
    if as_json:
        _print_json({"projects": found})
        return
    if not found:
        typer.echo(
            f"no project yet in the {_database_in_use()}: mutuals project create --name NAME"
        )
    for item in found:
        typer.echo(f"{item['id']}  {item['createdAt']}  {item['users']:>7} users  {item['name']}")


@project_app.command("keys")
def project_keys(
    project: ProjectOption,
    as_json: JsonFlag = False,
) -> None:
    """List a project's service keys: id, label, created, last used, revoked (never the key:
    only its hash is kept)."""
    project_id = _project_id(project)

    async def work(connection: AsyncConnection, _settings: Settings) -> list[dict[str, Any]]:
        await projects.require_project(connection, project_id)
        return await service_keys.list_service_keys(connection, project_id)

    keys = _run(work)
    if as_json:
        _print_json({"projectId": str(project_id), "keys": keys})
        return
    for key in keys:
        used = key["lastUsedAt"] or "never used"
        state = f"revoked {key['revokedAt']}" if key["revokedAt"] else "live"
        typer.echo(f"{key['id']}  created {key['createdAt']}  {used}  {state}  {key['label']}")


@user_app.command("list")
def user_list(
    project: ProjectOption,
    query: Annotated[
        str | None, typer.Option("--query", help="Part of a username, name or email.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many.", min=1)] = 100,
    as_json: JsonFlag = False,
) -> None:
    """List a project's users, oldest first, optionally those matching --query."""
    project_id = _project_id(project)

    async def work(connection: AsyncConnection, _settings: Settings) -> list[dict[str, Any]]:
        await projects.require_project(connection, project_id)
        rows = await user_rows.list_users(connection, project_id, query, limit)
        return [
            {
                "id": str(row["id"]),
                "username": row["username"],
                "name": row["name"],
                "email": row["email"],
                "createdAt": to_iso(row["created_at"]),
            }
            for row in rows
        ]

    found = _run(work)
    if as_json:
        _print_json({"projectId": str(project_id), "users": found})
        return
    for item in found:
        details = "  ".join(
            str(item[field]) for field in ("username", "name", "email") if item[field]
        )
        typer.echo(f"{item['id']}  {item['createdAt']}  {details}")


@app.command()
def doctor(
    workers: Annotated[
        int, typer.Option(help="Worker processes you will run (for the connection check).", min=1)
    ] = 1,
) -> None:
    """Check the database, migrations, Redis, the secret and PostgreSQL's connection limit;
    one line per check, exit status 1 if any fails. Changes nothing."""
    settings = get_settings()
    checks = asyncio.run(run_checks(settings, workers))
    for check in checks:
        typer.echo(check.line())
    if any(check.verdict == "FAIL" for check in checks):
        raise typer.Exit(1)


@app.command()
def quickstart(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
) -> None:
    """Migrate, make sure a demo project and user exist, print how to call them, serve."""
    # Before anything is printed or created: a failed start leaves no key behind.
    _require_free_address(host, port, f"try make run PORT={port + 1}")
    settings = get_settings()
    _require_usable_secret(settings)

    async def work(connection: AsyncConnection, settings: Settings) -> dict[str, str]:
        demo = await projects.demo_project(connection)
        try:
            ada = await users.get_or_create_demo_user(connection, demo.id, "ada")
        except UserNotFound:  # pragma: no cover - created just above
            raise CliError("could not create the demo user") from None
        signer = await _signer(connection, settings)
        return {
            "project": str(demo.id),
            "key": demo.service_key,
            "user": ada,
            "token": signer.issue("access", demo.id, uuid.UUID(ada)),
        }

    demo = _run(work)
    base = f"http://{host}:{port}/v7/{demo['project']}"
    typer.echo(
        "\n".join(
            [
                "",
                f"mutuals is starting on the {database_label(settings.database_url)}.",
                f"  API base URL  {base}",
                f"  docs          http://{host}:{port}/docs",
                f"  project id    {demo['project']}",
                f"  service key   {demo['key']}   (a new one each start; store it)",
                f"  demo user     ada  {demo['user']}",
                "",
                "In another shell, paste this line, then the README's round trip:",
                f"  export P={demo['project']} ADA_ID={demo['user']} B={base}",
                "",
                "First call (ada's own profile, with a 30-minute access token):",
                f"  curl -s {base}/users/{demo['user']} \\",
                f"    -H 'Authorization: Bearer {demo['token']}'",
                "",
                "Acting for ada with the service key:",
                f"  curl -s '{base}/connections/count?actingUserId={demo['user']}' \\",
                f"    -H 'Authorization: Bearer {demo['key']}'",
                "",
            ]
        )
    )
    serve(host=host, port=port, workers=1)


def _require_free_address(host: str, port: int, hint: str) -> None:
    """One line when the server could not listen there, before anything else happens."""
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        )[0]
    except socket.gaierror:
        raise CliError(f"cannot listen on {host}:{port}: unknown host") from None
    with socket.socket(family, kind, protocol) as probe:
        # As the server will: an address in TIME_WAIT is free to take.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise CliError(f"{host}:{port} is in use; {hint}") from None
            raise CliError(f"cannot listen on {host}:{port}: {error.strerror}") from None


async def _signer(connection: AsyncConnection, settings: Settings) -> TokenSigner:
    secret = await load_signing_secret(connection, settings)
    return TokenSigner.for_settings(secret, settings)


def main() -> None:
    """Entry point: bad input is one line on stderr and a non-zero status, never a traceback."""
    try:
        result = app(standalone_mode=False)
    except ValidationError as exc:  # before ValueError: pydantic's repeats the values
        _fail(settings_error_message(exc), 1)
    except (CliError, ValueError) as exc:
        _fail(str(exc), 1)
    except AppError as exc:
        _fail(f"{exc.detail} ({exc.code}) in the {_database_in_use()}", 1)
    except (KeyboardInterrupt, typer.Abort):
        _fail("interrupted", 130)
    except Exception as exc:  # a one-line report beats a traceback for operators
        # Typer bundles its own copy of click, so usage errors are recognised by shape.
        format_message = getattr(exc, "format_message", None)
        if callable(format_message):
            _fail(str(format_message()), int(getattr(exc, "exit_code", 2)))
        settings = get_settings()
        timeout = settings.database_connect_timeout_seconds
        described = describe_database_error(exc, settings.database_url, timeout)
        _fail(described or f"{type(exc).__name__}: {exc} ({_database_in_use()})", 1)
    sys.exit(result if isinstance(result, int) else 0)


def _database_in_use() -> str:
    return database_label(get_settings().database_url)


def settings_error_message(error: ValidationError) -> str:
    """Each bad setting by its variable's name and what is wrong, never its value."""
    problems = []
    for problem in error.errors():
        variable = "MUTUALS_" + "_".join(str(part) for part in problem["loc"]).upper()
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "too_short":  # pydantic counts a secret's length in "items"
            message = f"must be at least {problem['ctx']['min_length']} characters"
        problems.append(f"{variable}: {message}")
    return "; ".join(problems)


def _fail(message: str, status: int) -> None:
    sys.stderr.write("error: " + " ".join(message.split()) + "\n")
    sys.exit(status)
