"""What every use case needs: the database, the book, the clock and the policy."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlmodel import Session

from api.service.book import BookState


@dataclass(frozen=True)
class Services:
    """Wired once by `api.app.create_app`; tests build their own.

    Attributes:
      session_factory: opens a database session.
      book: registry, balances and writer of the HOME.
      request_ttl: how long a request may wait for a decision before it expires.
      zone: the foundation's time zone (dates in the book are local dates).
      reader: opens a session that only reads; defaults to session_factory.
      clock: the current time, aware; defaults to the system clock (tests move it).
    """

    session_factory: Callable[[], Session]
    book: BookState
    request_ttl: datetime.timedelta
    zone: ZoneInfo
    reader: Callable[[], Session] | None = None
    clock: Callable[[], datetime.datetime] | None = None

    def read(self) -> Session:
        """A session that only reads (on SQLite it takes no write lock)."""
        return (self.reader or self.session_factory)()

    def now(self) -> datetime.datetime:
        if self.clock is not None:
            return self.clock().astimezone(self.zone)
        return datetime.datetime.now(self.zone)

    def today(self) -> datetime.date:
        return self.now().date()
