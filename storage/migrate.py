"""Alembic, driven from code: `lineofsight db upgrade` and the start-up schema check."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from storage.database import ensure_sqlite_dir

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaNotReady(RuntimeError):
    """The database is not at the latest migration; the message names the fix."""


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser treats % as interpolation; URLs may contain escaped characters.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    if url.startswith("sqlite"):
        ensure_sqlite_dir(url)
    command.upgrade(alembic_config(url), revision)


def head_revision(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return schema_revision(connection)


def schema_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def check_schema(engine: Engine, url: str) -> None:
    current, head = current_revision(engine), head_revision(url)
    if current != head:
        raise SchemaNotReady(schema_problem(current, head))


def schema_problem(current: str | None, head: str | None) -> str:
    return (
        f"The database schema is at {current or 'nothing (empty database)'}, but this "
        f"version needs {head}. Run `lineofsight db upgrade` first."
    )
