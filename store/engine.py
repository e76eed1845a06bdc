"""Engines from a database URL: SQLite files by default, PostgreSQL in production.

SQLite: every writing session takes an exclusive `flock` on a lock file beside
the database (waiters wake the moment it is released, unlike SQLite's sleeping
busy handler) and then `BEGIN IMMEDIATE`, so a session that checks and then
holds money is serialized with every other writer of the file (across
threads, processes and workers); sessions that only read (`reading(engine)`)
begin deferred and, in WAL mode, never wait. PostgreSQL: sessions lock the fund rows they
change with `SELECT ... FOR UPDATE` (see `store.locks`).
"""

from __future__ import annotations

import datetime
import fcntl
import os
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import create_engine

SQLITE_BUSY_TIMEOUT_S = 60
POOL_RECYCLE_S = 1800
READ_ONLY = "fundbook_read_only"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain postgresql:// URLs."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def is_sqlite(url: str) -> bool:
    return make_url(normalize_url(url)).get_backend_name() == "sqlite"


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine for `url`; SQLite gets immediate transactions, WAL and a busy timeout."""
    url = normalize_url(url)
    if is_sqlite(url):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
            pool_size=pool_size,
            max_overflow=2 * pool_size,
        )
        _immediate_transactions(engine)
        return engine
    # No pool_pre_ping (a round trip before every checkout): connections are
    # recycled before servers or proxies drop idle ones, and a dead one fails
    # its transaction, which the caller retries as any failed call.
    return create_engine(
        url, pool_size=pool_size, max_overflow=2 * pool_size, pool_recycle=POOL_RECYCLE_S
    )


def _immediate_transactions(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    database = make_url(engine.url).database
    lock_path = f"{database}.write.lock" if database and database != ":memory:" else None

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
            return
        if lock_path is not None:
            info = connection.connection.info
            if "write_lock" not in info:
                info["write_lock"] = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(info["write_lock"], fcntl.LOCK_EX)
            info["write_locked"] = True
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    def _release(connection: Any) -> None:
        info = connection.connection.info
        if info.pop("write_locked", False):
            fcntl.flock(info["write_lock"], fcntl.LOCK_UN)

    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)


def reading(engine: Engine) -> Engine:
    """The same pool, for sessions that only read (SQLite: a deferred BEGIN, no write lock)."""
    return engine.execution_options(**{READ_ONLY: True})


def aware(moment: datetime.datetime) -> datetime.datetime:
    """A timestamp read back from the database, as an aware UTC value (SQLite drops the zone)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=datetime.UTC)
    return moment
