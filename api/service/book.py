"""The book as the service sees it: registry, banks, fund balances and the writer.

One `BookState` per process, the process's snapshot of the book: it loads the
whole book once, at start (`ledger.loading`), and builds from that one load
the fund balances, the public payments, the requests known only from the
book's metadata and (through `on_load`) source tracing's seed. It never reloads the whole book on a request: the registry
is re-read only when a registry file (`registry.beancount`,
`fundbook/registry.beancount`) changes, and balances come from
`ledger.balances.FundBalances`, which follows the writer's appends and
changed files. Access is serialized by a lock because request handlers run
in threads.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from beancount.core import data

from api.service.book_requests import BookRequest, BookRequests
from api.service.errors import ValidationFailed
from api.service.public_book import PublicPayment, PublicPayments
from funds.registry import Registry
from ledger import registry_io
from ledger.accounts import Bank
from ledger.layout import Layout
from ledger.loading import Loaded
from ledger.torn import Witness


class BookUnreadable(RuntimeError):
    """The book's registry cannot be read; the service cannot start on it."""


class BookState:
    """Registry, balances and writer of one HOME, shared by the threads of a process."""

    def __init__(
        self,
        layout: Layout,
        *,
        witness: Witness | None = None,
        chain_key: bytes | None = None,
        on_load: Callable[[Loaded], None] | None = None,
    ) -> None:
        """Load the book once; `on_load` gets that load's entries, errors and options
        (for whatever else the process builds from the whole book at start)."""
        from ledger.balances import FundBalances
        from ledger.writer import Writer

        self.layout = layout
        self.chain_key = chain_key
        """The foundation's key that signs the chain's head recorded in the database, if any."""
        self._lock = threading.RLock()
        self._registry_stamp: tuple[tuple[int, int], ...] | None = None
        self._registry = Registry()
        self._banks: tuple[Bank, ...] = ()
        self._opened: dict[str, datetime.date] = {}
        self._read_registry()
        self.writer = Writer(layout, witness=witness)
        self._settle_lock = threading.Lock()
        self._delivered: set[int] = set()
        self._written: list[Any] = []
        self._payments = PublicPayments()
        self._requests = BookRequests()
        self._balances = FundBalances.load(layout, on_load=on_load, follow=self._follow)
        self._balances.refresh()  # whatever a first look costs is paid at start, not by a request

    def _follow(self, path: str | None, entries: Sequence[Any], replace: bool) -> None:
        self._payments.follow(path, entries, replace)
        self._requests.follow(path, entries, replace)

    def _read_registry(self) -> None:
        paths = registry_io.registry_paths(self.layout)
        stamp = tuple((s.st_mtime_ns, s.st_size) for s in (path.stat() for path in paths))
        if stamp == self._registry_stamp:
            return
        book, entries, problems = registry_io.load_registry(self.layout)
        if problems:
            raise BookUnreadable(f"{self.layout.registry}: {problems[0]}")
        self._registry, self._banks = book.registry, book.banks
        self._opened = {
            entry.values[0].value
            if hasattr(entry.values[0], "value")
            else entry.values[0]: entry.date
            for entry in entries
            if isinstance(entry, data.Custom) and entry.type == registry_io.FUND and entry.values
        }
        self._registry_stamp = stamp

    @property
    def registry(self) -> Registry:
        with self._lock:
            self._read_registry()
            return self._registry

    def opened(self, fund: str) -> datetime.date | None:
        """The date a fund's registry entry (and its accounts) start in the book."""
        with self._lock:
            self._read_registry()
            return self._opened.get(fund)

    @property
    def banks(self) -> tuple[Bank, ...]:
        with self._lock:
            return self._banks

    def bank(self, key: str | None, *, fund: str | None = None) -> Bank:
        """The bank account `key`; by default the fund's own, else the first (basic) one."""
        banks = self.banks
        if not banks:
            raise ValidationFailed("the book defines no bank account")
        if key is None and fund is not None:
            key = self.registry.funds[fund].bank if fund in self.registry.funds else None
        if key is None:
            return banks[0]
        for bank in banks:
            if bank.key == key:
                return bank
        raise ValidationFailed(
            f"unknown bank {key[:40]!r}; one of {', '.join(b.key for b in banks)}"
        )

    def balance(self, fund: str) -> Decimal:
        """The fund's balance in the book as it is on disk now."""
        with self._lock:
            self._balances.refresh()
            return Decimal(self._balances.balance(fund))

    def public_payments(self) -> list[PublicPayment]:
        """Every payment in the book as it is on disk now (see `api.service.public_book`)."""
        with self._lock:
            self._balances.refresh()
            return self._payments.payments()

    def book_requests(self) -> dict[str, BookRequest]:
        """Every request the book has a commitment of, by code, as the book is on disk now."""
        with self._lock:
            self._balances.refresh()
            return self._requests.requests()

    def closed_through(self, fund: str) -> datetime.date | None:
        """The date of the fund's last close in the book as it is now (`ledger.balances`)."""
        with self._lock:
            self._balances.refresh()
            return self._balances.closed_through(fund)

    def balances(self, funds: Sequence[str]) -> dict[str, Decimal]:
        with self._lock:
            self._balances.refresh()
            return {fund: Decimal(self._balances.balance(fund)) for fund in funds}

    def append_missing(self, entries: Sequence[Any]) -> list[Any]:
        """Append those entries whose fb_id is not yet in the journal (exactly once)."""
        written: list[Any] = self.writer.append_missing(list(entries))
        return written

    def booked(self, fb_ids: Sequence[str], *, refresh: bool = True) -> set[str]:
        """Those of `fb_ids` the book holds and the balances count (`refresh=False`: as
        of the last refresh, e.g. the one of the balance just read)."""
        with self._lock:
            if refresh:
                self._balances.refresh()
            return {fb_id for fb_id in fb_ids if self._balances.counted(fb_id)}

    def delivered(self, row_ids: Sequence[int], written: Sequence[Any]) -> None:
        """Outbox rows now in the book, to be marked done by the next transaction
        (`take_delivered`); `written` their writer's records (the chain's new head)."""
        with self._settle_lock:
            self._delivered.update(row_ids)
            self._written.extend(written)

    def take_delivered(self) -> tuple[list[int], list[Any]]:
        """The rows delivered and not yet marked done, and their writer's records (taken once)."""
        with self._settle_lock:
            rows, written = sorted(self._delivered), self._written
            self._delivered, self._written = set(), []
            return rows, written
