"""The payments of the book that public disclosure publishes, kept per process.

They are read from the load the service does at start and then follow what
the fund balances read of each changed file (`ledger.balances`), so no
caller ever pays for a load of the book, and an anonymous caller cannot make
the service load it.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from beancount.core import data
from beancount.core.amount import Amount

from ledger import accounts as chart


@dataclass(frozen=True, slots=True)
class PublicPayment:
    date: datetime.date
    fund: str
    payee: str | None
    project: str
    amount: Decimal


class PublicPayments:
    """The payments of a book, file by file, following what `FundBalances` reads.

    Pass `follow` to `ledger.balances.FundBalances.load`: it is told the
    transactions of each file at the load at start and at every refresh
    (appends, files edited, included or dropped), so the payments follow the
    book without a load of their own.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_file: dict[str, list[PublicPayment]] = {}
        self._all: list[PublicPayment] | None = []

    def follow(self, path: str | None, entries: Sequence[data.Transaction], replace: bool) -> None:
        with self._lock:
            if path is None:
                self._by_file.clear()
            else:
                found = _payments(entries)
                if replace:
                    self._by_file[path] = found
                elif found:
                    self._by_file.setdefault(path, []).extend(found)
                else:
                    return
            self._all = None

    def payments(self) -> list[PublicPayment]:
        """Every payment as last read (refresh the balances first to see the book as it is)."""
        with self._lock:
            if self._all is None:
                self._all = [p for found in self._by_file.values() for p in found]
            return self._all


def _payments(entries: Sequence[data.Directive]) -> list[PublicPayment]:
    """Cash paid out of a fund: payables cleared by the bank, or program costs paid directly."""
    found = []
    for entry in entries:
        if not isinstance(entry, data.Transaction) or "interfund" in (entry.tags or ()):
            continue
        paid: dict[str, Decimal] = {}
        program = False
        for account, number in _figures(entry):
            fund = chart.fund_of_account(account)
            if fund is None:
                continue
            if account.startswith("Assets:Bank:") and number < 0:
                paid[fund] = paid.get(fund, Decimal(0)) - number
            elif account.startswith((chart.PAYABLE.account, chart.PROGRAM.account)):
                program = program or number > 0
        if not program:
            continue
        project = entry.narration.split(": ", 1)[-1] if entry.narration else ""
        for fund, amount in paid.items():
            found.append(PublicPayment(entry.date, fund, entry.payee, project, amount))
    return found


def _figures(entry: data.Transaction) -> list[tuple[str, Decimal]]:
    """Each posting's account and number, the one elided number filled in.

    Files are read as written, before Beancount fills in an elided amount
    (its units are MISSING): a transaction with one such posting balances it
    with the others' sum, as Beancount would; postings at a cost are never
    elided in this book's single-currency entries.
    """
    known = [
        (p.account, p.units.number)
        for p in entry.postings
        if isinstance(p.units, Amount) and isinstance(p.units.number, Decimal)
    ]
    elided = [
        p.account
        for p in entry.postings
        if not isinstance(p.units, Amount) or not isinstance(p.units.number, Decimal)
    ]
    if len(elided) == 1:
        known.append((elided[0], -sum((n for _, n in known), Decimal(0))))
    return known
