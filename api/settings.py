"""Settings of the API service (pydantic-settings; environment prefix FUNDBOOK_).

Built by the caller (`fundbook serve`, tests), never at import time.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from ledger.anchor import read_key
from ledger.layout import Layout
from store.engine import sqlite_url


class Settings(BaseSettings):
    """Where the district lives and how the service behaves.

    Attributes:
      home: the HOME directory (book/ and, by default, fundbook.db).
      database_url: SQLAlchemy URL; default the SQLite file HOME/fundbook.db.
      request_ttl_seconds: a request undecided this long expires and releases its hold.
      sweep_interval_seconds: how often stale requests and undelivered postings are swept.
      timezone: the foundation's time zone; dates in the book are local dates.
      migrate_on_start: upgrade the database schema when the app starts.
      db_pool_size: connections per worker.
      chain_key_file: a file holding the foundation's key that signs the chain's head
        recorded in the database (HMAC-SHA256); none: the head is recorded unsigned.
    """

    model_config = SettingsConfigDict(env_prefix="FUNDBOOK_")

    home: Path
    database_url: str | None = None
    request_ttl_seconds: int = 30 * 24 * 3600
    sweep_interval_seconds: float = 30.0
    timezone: str = "Asia/Shanghai"
    migrate_on_start: bool = True
    db_pool_size: int = 10
    chain_key_file: Path | None = None

    @property
    def layout(self) -> Layout:
        return Layout(self.home)

    @property
    def chain_key(self) -> bytes | None:
        return None if self.chain_key_file is None else read_key(self.chain_key_file.read_bytes())

    @property
    def url(self) -> str:
        return self.database_url or sqlite_url(self.layout.database)
