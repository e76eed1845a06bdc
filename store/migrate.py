"""Bring a database to the newest schema with Alembic, safely from many processes.

`upgrade(url)` runs the migrations in `store/migrations/versions` under a
lock (PostgreSQL: an advisory lock; SQLite: a lock file beside the database),
so several workers starting at once migrate exactly once.
"""

from __future__ import annotations

import fcntl
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from store.engine import is_sqlite, normalize_url

MIGRATIONS = Path(__file__).parent / "migrations"
ADVISORY_LOCK_ID = 7_302_026


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply every migration up to `revision`."""
    url = normalize_url(url)
    config = alembic_config(url)
    if is_sqlite(url):
        database = make_url(url).database
        lock_path = Path(f"{database}.migrate.lock") if database else None
        if lock_path is None:
            command.upgrade(config, revision)
            return
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        with lock_path.open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            command.upgrade(config, revision)
        return
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": ADVISORY_LOCK_ID})
            connection.commit()
            try:
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                connection.commit()
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": ADVISORY_LOCK_ID})
                connection.commit()
    finally:
        engine.dispose()


def current(url: str) -> str | None:
    """The revision a database is at, or None if it has none."""
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as connection:
            rev: str | None = MigrationContext.configure(connection).get_current_revision()
            return rev
    finally:
        engine.dispose()
