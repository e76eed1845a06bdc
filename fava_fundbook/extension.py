"""The Fundbook desk: a Fava report page for the foundation's accountants.

Enabled in the book with

    2024-01-01 custom "fava-extension" "fava_fundbook"

Its page (`/<slug>/extension/FundbookDesk/`) shows every fund's balance, held
and available amounts with a small history, the approved requests waiting for
payment, the reconciliation status of every bank account and links to the
audit reports. The book's figures are computed once per load of the book
(Fava calls `after_load_file` when it reloads), never per request.
"""

from __future__ import annotations

import datetime
import threading
from typing import Any

from fava.ext import FavaExtensionBase

from fava_fundbook.figures import Desk, compute_desk
from funds.money import format_amount


class FundbookDesk(FavaExtensionBase):
    """Fund balances, payment queue, reconciliation and reports for accountants."""

    report_title = "Fundbook"

    def __init__(self, ledger: Any, config: str | None = None) -> None:
        super().__init__(ledger, config)
        self._lock = threading.Lock()
        self._desk: Desk | None = None
        self._desk_key: tuple[int, datetime.date] | None = None

    def after_load_file(self) -> None:
        with self._lock:
            self._desk = None
            self._desk_key = None

    def desk(self) -> Desk:
        """The book's figures, computed once per load of the book (and per day)."""
        today = datetime.date.today()
        key = (id(self.ledger.all_entries), today)
        with self._lock:
            if self._desk is None or self._desk_key != key:
                self._desk = compute_desk(self.ledger.all_entries, today)
                self._desk_key = key
            return self._desk

    @staticmethod
    def money(value: Any) -> str:
        """An amount as the page shows it: "1234.50" (None as a dash)."""
        return "—" if value is None else format_amount(value)
