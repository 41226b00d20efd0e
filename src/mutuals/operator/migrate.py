"""Apply Alembic migrations from code (used by `mutuals migrate`, `serve` and the tests)."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

MIGRATIONS_DIR = Path(__file__).parent.parent / "migrations"


DEFAULT_CONNECT_TIMEOUT = 5.0


def alembic_config(database_url: str, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = database_url
    config.attributes["connect_timeout"] = connect_timeout
    return config


def upgrade(
    database_url: str, revision: str = "head", connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
) -> None:
    """Blocking: call it from a thread when an event loop is running."""
    command.upgrade(alembic_config(database_url, connect_timeout), revision)


def pending_revisions(database_url: str, current: str | None) -> list[str]:
    """The migrations not yet applied to a database at revision `current`, oldest first."""
    scripts = ScriptDirectory.from_config(alembic_config(database_url))
    pending = [script.revision for script in scripts.iterate_revisions("heads", current)]
    return list(reversed(pending))
