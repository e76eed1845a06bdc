"""The year-end close an accountant runs (会计年度结账): what it books, and what stands in its way.

`plan_close(layout, request)` loads the book once and returns a `ClosePlan`:
the closing entries of every fund (`ledger.entries.year_end_close`: income,
expenses and interfund balances to 3101/3102, then the restriction releases
not yet booked, `ledger.periods.Unreleased`, from 3102 to 3101), dated the
year's last day, and every obstacle found:

- the year has not ended (on `request.today`, the district's date);
- an error of `fundbook check`;
- an entry of the year still flagged `!`;
- an outbox row not yet delivered to the book (`request.undelivered`, read by
  the caller from the workflow database);
- a bank account whose last balance assertion is dated before the next year's
  1 January (Beancount asserts at the start of its day), unless
  `request.allow_unreconciled` names it;
- an earlier year left open, or a later year already closed.

`book_close` writes the plan through `ledger.writer` (hash-chained,
`append_missing`: closing a closed year again writes nothing) or raises
`CloseRefused` listing every obstacle. A year whose income and expenses are
already closed has nothing to book and is reported as closed.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from beancount.core import data

from funds.registry import Registry
from ledger import accounts as chart
from ledger import entries as build
from ledger.accounts import Bank
from ledger.check import format_problem, journal_problems, load_book, problems_of
from ledger.layout import Layout
from ledger.periods import closed_years, restricted_funds_of, unreleased_of
from ledger.plugins.common import TOLERANCE, describe
from ledger.registry_io import read_registry
from ledger.writer import Writer, Written

ZERO = Decimal("0.00")
_CLOSED_ROOTS = ("Income:", "Expenses:", chart.INTERFUND.account + ":")
OBSTACLES_SHOWN_MAX = 20  # of one kind; the rest are counted


@dataclass(frozen=True, slots=True)
class CloseRequest:
    """What the accountant asks for.

    Attributes:
      year: the year to close.
      today: the district's date today (the year must have ended).
      allow_unreconciled: bank accounts (`Assets:Bank:ICBC` or the bank's key `ICBC`)
        that may be closed without a balance assertion at the year's end.
      undelivered: fb_id of each outbox row not marked delivered in the workflow
        database; those already in the book are delivered and do not count.
    """

    year: int
    today: datetime.date
    allow_unreconciled: frozenset[str] = frozenset()
    undelivered: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClosePlan:
    """The closing entries of a year and what stands in the way of booking them.

    Attributes:
      year: the year.
      entries: the closing entries to write (empty when the year is already closed).
      obstacles: every reason the close is refused, one sentence each.
      closed: the year is already closed (its income and expenses are at zero).
      book: the loaded book's entries, so that callers can show the statements as they will stand.
      options: the loader's options of the book.
    """

    year: int
    entries: tuple[data.Transaction, ...]
    obstacles: tuple[str, ...]
    closed: bool
    book: tuple[data.Directive, ...] = field(default=(), repr=False)
    options: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def ready(self) -> bool:
        return not self.obstacles

    @property
    def day(self) -> datetime.date:
        return datetime.date(self.year, 12, 31)


class CloseRefused(Exception):
    """The close cannot be booked; `obstacles` says why, one sentence each."""

    def __init__(self, year: int, obstacles: tuple[str, ...]) -> None:
        self.year = year
        self.obstacles = obstacles
        super().__init__(f"the close of {year} is refused: " + "; ".join(obstacles))


def _limited(kind: str, items: list[str]) -> list[str]:
    if len(items) <= OBSTACLES_SHOWN_MAX:
        return items
    rest = len(items) - OBSTACLES_SHOWN_MAX
    return [*items[:OBSTACLES_SHOWN_MAX], f"and {rest} more {kind}"]


def closing_entries(
    entries: list[data.Directive], registry: Registry, year: int
) -> list[data.Transaction]:
    """The closing entries of every fund at the end of `year`, from the loaded book."""
    day = datetime.date(year, 12, 31)
    txns = [e for e in entries if isinstance(e, data.Transaction)]
    by_fund: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for txn in txns:
        if txn.date > day:
            break
        for posting in txn.postings:
            if posting.account.startswith(_CLOSED_ROOTS) and posting.units is not None:
                fund = chart.fund_of_account(posting.account)
                if fund is not None and isinstance(posting.units.number, Decimal):
                    by_fund[fund][posting.account] += posting.units.number
    restricted = restricted_funds_of(registry)
    unreleased = unreleased_of(txns, restricted)
    closing: list[data.Transaction] = []
    for code in sorted(registry.funds):
        balances = {a: n for a, n in by_fund.get(code, {}).items() if abs(n) > TOLERANCE}
        release = unreleased.at(day, code) if code in restricted else None
        if not balances and not release:
            continue
        closing += build.year_end_close(
            fb_id=f"CLOSE-{year}-{code}",
            date=day,
            fund=registry.funds[code],
            balances=balances,
            release=release,
        )
    return closing


def _open_earlier(entries: list[data.Directive], year: int) -> list[str]:
    end = datetime.date(year - 1, 12, 31)
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        if entry.date > end:
            break
        for posting in entry.postings:
            if posting.account.startswith(_CLOSED_ROOTS) and posting.units is not None:
                number = posting.units.number
                if isinstance(number, Decimal):
                    sums[posting.account] += number
    left = sorted(a for a, n in sums.items() if abs(n) > TOLERANCE)
    if not left:
        return []
    shown = ", ".join(left[:3]) + (f" and {len(left) - 3} more" if len(left) > 3 else "")
    return [
        f"the income and expenses of {year - 1} are not closed ({shown}): close {year - 1} first"
    ]


def _unreconciled(
    entries: list[data.Directive], banks: tuple[Bank, ...], year: int, allowed: Collection[str]
) -> list[str]:
    next_first = datetime.date(year + 1, 1, 1)
    last: dict[str, datetime.date] = {}
    for entry in entries:
        if isinstance(entry, data.Balance):
            for bank in banks:
                account = bank.category.account
                mine = entry.account == account or entry.account.startswith(account + ":")
                if mine and (account not in last or last[account] < entry.date):
                    last[account] = entry.date
    found = []
    for bank in banks:
        account = bank.category.account
        if account in allowed or bank.key in allowed:
            continue
        seen = last.get(account)
        if seen is None or seen < next_first:
            when = f"last balance assertion {seen}" if seen else "no balance assertion"
            found.append(
                f"bank account {account} ({bank.name_zh}): {when}, none dated {next_first} "
                f"or later, so it is not reconciled at the end of {year} "
                f"(assert its statement balance, or allow it as unreconciled)"
            )
    return found


def plan_close(layout: Layout, request: CloseRequest) -> ClosePlan:
    """The close of `request.year`: its entries and every obstacle (see the module docstring)."""
    year, day = request.year, datetime.date(request.year, 12, 31)
    entries, errors, options = load_book(layout)
    book, _ = read_registry(entries)
    obstacles: list[str] = []
    if request.today <= day:
        obstacles.append(f"{year} has not ended: today is {request.today} in the district")
    found = problems_of(entries, errors, layout) + journal_problems(entries, layout, (), None)
    problems = [f"fundbook check: {format_problem(p)}" for p in found]
    obstacles += _limited("errors of fundbook check", problems)
    flagged = [
        f"entry flagged '!' not yet settled: {describe(e)} in {e.meta.get('filename', '?')}"
        for e in entries
        if isinstance(e, data.Transaction) and e.flag == "!" and e.date <= day
    ]
    obstacles += _limited("entries flagged '!'", flagged)
    in_book = {
        fb_id
        for e in entries
        if isinstance(e, data.Transaction) and isinstance(fb_id := (e.meta or {}).get("fb_id"), str)
    }
    undelivered = [
        f"outbox row {fb_id} not yet delivered to the book (is the API's delivery running?)"
        for fb_id in request.undelivered
        if fb_id not in in_book
    ]
    obstacles += _limited("undelivered outbox rows", undelivered)
    obstacles += _unreconciled(entries, book.banks, year, request.allow_unreconciled)
    obstacles += _open_earlier(entries, year)
    later = [y for y in closed_years(entries) if y > year]
    if later:
        obstacles.append(
            f"a later year is already closed ({later[-1]}): {year} can no longer be closed"
        )
    planned = closing_entries(entries, book.registry, year)
    # Closed: its close is in the book, or the year is sealed (`ledger.periods.closed_years`).
    closed = not planned and year in closed_years(entries)
    return ClosePlan(year, tuple(planned), tuple(obstacles), closed, tuple(entries), options)


def book_close(layout: Layout, request: CloseRequest) -> tuple[ClosePlan, list[Written]]:
    """Plan the close and write it through the writer; CloseRefused with every obstacle."""
    plan = plan_close(layout, request)
    if plan.obstacles:
        raise CloseRefused(plan.year, plan.obstacles)
    if not plan.entries:
        return plan, []
    written = Writer(layout).append_missing(list(plan.entries))
    return replace(plan, closed=True), written


def summary(plan: ClosePlan) -> dict[str, Any]:
    """The plan as plain values (CLI output and the API's answer)."""
    return {
        "year": plan.year,
        "closed": plan.closed,
        "entries": [(e.meta or {}).get("fb_id") for e in plan.entries],
        "obstacles": list(plan.obstacles),
    }
