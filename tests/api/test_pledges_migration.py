"""Migration 0101 creates exactly the tables of `store.pools`, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import store.pools
import store.tables
from store.engine import normalize_url
from store.migrate import current, upgrade

POOL_TABLES = {
    model.__tablename__
    for model in (
        store.pools.Pledge,
        store.pools.Allocation,
        store.pools.GrantRow,
        store.pools.TrancheRow,
        store.pools.TraceReceipt,
        store.pools.TraceLot,
        store.pools.TracePart,
        store.pools.TraceSeed,
    )
}


def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    upgrade(database_url)
    assert current(database_url) is not None
    engine = create_engine(normalize_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()
    ours = [d for d in differences if any(table in repr(d) for table in POOL_TABLES)]
    assert ours == []
    assert set(SQLModel.metadata.tables) >= POOL_TABLES
