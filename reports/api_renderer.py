"""The renderer the API's composition root wires to `GET /v1/reports/{name}`.

`render(query)` takes the API's report query (any object with `name`,
`period_from`, `period_to`, `format`, `lang`, `role`, `org`, `home`; reports
never import `api/`) and returns a `Rendered` (media_type, content,
filename). A department sees only its own source tracing.

A running service keeps the last loaded book of each HOME and reloads it only
when a file of the book changed (size or modification time), so a report from
a running service does not pay for parsing an unchanged book; the workflow
database is read afresh on every request. It is the service's own,
`FUNDBOOK_DATABASE_URL` (which `fundbook serve` sets for its workers), else
`HOME/fundbook.db`.
"""

from __future__ import annotations

import datetime
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.layout import Layout
from reports.book import BookView, load_book, years_for
from reports.errors import BookNotFound
from reports.service import build_document, render_document
from store.workflow import database_url

_EXTENSIONS = {"json": "json", "html": "html", "pdf": "pdf", "xlsx": "xlsx"}


@dataclass(frozen=True, slots=True)
class Rendered:
    media_type: str
    content: bytes
    filename: str | None = None


class BookCache:
    """The last loaded book of each HOME, keyed by the stat of its files."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._views: dict[
            tuple[Path, tuple[int, int] | None], tuple[tuple[tuple[str, int, int], ...], BookView]
        ] = {}

    @staticmethod
    def _stamp(home: Path) -> tuple[tuple[str, int, int], ...]:
        book = Layout(home).book_dir
        if not book.is_dir():
            raise BookNotFound(f"no book in {home}")
        stamps = []
        for path in sorted(book.rglob("*.beancount")):
            stat = path.stat()
            stamps.append((str(path), stat.st_mtime_ns, stat.st_size))
        return tuple(stamps)

    def view(self, home: Path, years: tuple[int, int] | None = None) -> BookView:
        with self._lock:
            stamp = self._stamp(home)
            cached = self._views.get((home, years))
            if cached is not None and cached[0] == stamp:
                return cached[1]
            view = load_book(home, years=years)
            self._views[(home, years)] = (stamp, view)
            return view


_CACHES: list[BookCache] = []
_CACHES_LOCK = threading.Lock()


def process_cache() -> BookCache:
    """The process's report cache, made on the first report (nothing is built at import)."""
    with _CACHES_LOCK:
        if not _CACHES:
            _CACHES.append(BookCache())
        return _CACHES[0]


def render(query: Any, *, cache: BookCache | None = None) -> Rendered:
    """Render the report a caller of the API asked for."""
    today = datetime.date.today()
    date_to: datetime.date = query.period_to or datetime.date(today.year, 12, 31)
    date_from: datetime.date = query.period_from or datetime.date(date_to.year, 1, 1)
    scope = query.org if query.role == "department" else None
    view = (cache or process_cache()).view(Path(query.home), years_for(date_from, date_to))
    document = build_document(
        view=view,
        name=query.name,
        date_from=date_from,
        date_to=date_to,
        lang=query.lang,
        scope=scope,
        database=database_url(None),
    )
    content, media_type = render_document(document, query.format)
    filename = f"{query.name}-{date_from}-{date_to}.{_EXTENSIONS.get(query.format, 'bin')}"
    return Rendered(media_type, content, filename)
