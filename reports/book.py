"""The book as reports see it: entries, registry, chart names and the period.

`load_book(home)` loads `HOME/book/main.beancount` once with the Beancount
loader (plugins run, errors are kept, not raised) and reads the registry
from its custom directives. Closed years live in sealed books of their own
(`ledger.seal`); `load_book(home, years=(2023, 2025))` joins the sealed years
of that range to the live book, each sealed year read once per seal and then
from `HOME/cache/` (`ledger.sealed_books`); without `years`, every year is
joined. Every report then works on the same `BookView`:

    view = load_book(home)
    view.balances(end=date(2026, 12, 31), fund="MF-ST01C01")

Amounts carry Beancount's sign (debit positive). A fund's accounts are those
whose last component is the fund code (`ledger.accounts.fund_of_account`).
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from beancount import loader
from beancount.core import data

from funds.model import Fund, Restriction
from funds.registry import Registry
from ledger import accounts as chart
from ledger import loading, periods
from ledger.accounts import Bank, Category
from ledger.chain import verify_chain
from ledger.layout import Layout
from ledger.periods import Unreleased, restricted_funds_of, unreleased_of
from ledger.registry_io import read_registry
from ledger.sealed_books import entries_for_years
from ledger.seals import is_opening, seals_of
from reports.errors import BookNotFound, InvalidPeriod, UnknownFund

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Period:
    """A closed interval of days; `opening` is the day before it starts."""

    start: datetime.date
    end: datetime.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidPeriod(f"the period ends ({self.end}) before it begins ({self.start})")

    @property
    def opening(self) -> datetime.date:
        return self.start - datetime.timedelta(days=1)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, datetime.date) and self.start <= day <= self.end


@functools.lru_cache(maxsize=1 << 16)
def fund_of(account: str) -> str | None:
    """The fund code of an account (`ledger.accounts.fund_of_account`), memoized."""
    return chart.fund_of_account(account)


@functools.lru_cache(maxsize=1 << 16)
def parent_account(account: str) -> str:
    """The account without its fund segment (`Expenses:Program:MF-X` -> `Expenses:Program`)."""
    if fund_of(account) is not None:
        return account.rsplit(":", 1)[0]
    return account


def is_cash(account: str) -> bool:
    return account.startswith(("Assets:Bank:", "Assets:Cash:"))


def is_close(entry: data.Transaction) -> bool:
    """A year-end close (`ledger.periods`), or a 期初余额 entry after a sealed year: no flow of the year."""
    return periods.is_close(entry) or is_opening(entry)


def posting_number(posting: data.Posting) -> Decimal:
    units = posting.units
    if units is None or units.number is None:
        return ZERO
    number: Decimal = units.number
    return number


@dataclass(frozen=True)
class BookView:
    """A loaded book and what the registry and chart say about its accounts.

    Attributes:
      entries: every directive, sorted as the loader sorts them.
      options: the loader's options map.
      errors: the loader's and the registry reader's errors (values, not raised).
      registry: organizations and funds.
      banks: the foundation's bank accounts.
      categories: parent account -> chart category (fixed categories and banks).
      home: the HOME the book was loaded from, if any.
    """

    entries: tuple[data.Directive, ...]
    options: Mapping[str, Any]
    errors: tuple[Any, ...]
    registry: Registry
    banks: tuple[Bank, ...]
    categories: Mapping[str, Category]
    home: Path | None = None
    _txns: tuple[data.Transaction, ...] = field(default=(), repr=False)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def transactions(self) -> tuple[data.Transaction, ...]:
        return self._txns

    def chain_errors(self) -> list[Any]:
        """`ledger.chain.verify_chain` over the book, computed once per view."""
        if "chain" not in self._memo:
            self._memo["chain"] = verify_chain(self.entries)
        errors: list[Any] = self._memo["chain"]
        return errors

    def unreleased(self) -> Unreleased:
        """Restricted spending not yet released, by fund and day (`ledger.periods`), computed once."""
        if "unreleased" not in self._memo:
            self._memo["unreleased"] = unreleased_of(self._txns, self.restricted_funds())
        found: Unreleased = self._memo["unreleased"]
        return found

    def restricted_funds(self) -> frozenset[str]:
        if "restricted" not in self._memo:
            self._memo["restricted"] = restricted_funds_of(self.registry)
        found: frozenset[str] = self._memo["restricted"]
        return found

    def fund(self, code: str) -> Fund:
        if code not in self.registry.funds:
            raise UnknownFund(f"no fund {code!r} in the book's registry")
        return self.registry.funds[code]

    def in_scope(self, account: str, fund: str | None) -> bool:
        return fund is None or fund_of(account) == fund

    def category(self, account: str) -> Category | None:
        return self.categories.get(parent_account(account))

    def postings(
        self,
        *,
        start: datetime.date | None,
        end: datetime.date,
        fund: str | None,
        closes: bool = True,
    ) -> Iterator[tuple[data.Transaction, data.Posting]]:
        """Postings in scope dated start..end (inclusive); `closes=False` skips closes."""
        for txn in self._txns:
            if txn.date > end:
                break
            if start is not None and txn.date < start:
                continue
            if not closes and is_close(txn):
                continue
            for posting in txn.postings:
                if self.in_scope(posting.account, fund):
                    yield txn, posting

    def balances(
        self,
        *,
        end: datetime.date,
        fund: str | None,
        start: datetime.date | None = None,
        closes: bool = True,
    ) -> dict[str, Decimal]:
        """Sum of postings per account over start..end (from the beginning if start is None)."""
        sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for _, posting in self.postings(start=start, end=end, fund=fund, closes=closes):
            sums[posting.account] += posting_number(posting)
        return dict(sums)

    def fund_restriction(self, fund_code: str | None) -> Restriction | None:
        if fund_code is None or fund_code not in self.registry.funds:
            return None
        return self.registry.funds[fund_code].restriction


def _categories(banks: tuple[Bank, ...]) -> dict[str, Category]:
    found = {category.account: category for category in chart.FIXED_CATEGORIES}
    for bank in banks:
        found[bank.category.account] = bank.category
    return found


def view_of(
    entries: list[data.Directive],
    options: Mapping[str, Any],
    errors: list[Any],
    home: Path | None = None,
) -> BookView:
    """A `BookView` of already loaded entries (e.g. from `loader.load_string`)."""
    book, registry_errors = read_registry(entries)
    txns = tuple(entry for entry in entries if isinstance(entry, data.Transaction))
    return BookView(
        entries=tuple(entries),
        options=options,
        errors=(*errors, *registry_errors),
        registry=book.registry,
        banks=book.banks,
        categories=_categories(book.banks),
        home=home,
        _txns=txns,
    )


def years_for(start: datetime.date, end: datetime.date) -> tuple[int, int]:
    """The years a report of start..end reads: three before it (上年数, three-year averages) to its end."""
    return start.year - 3, end.year


def load_book(home: Path, *, years: tuple[int, int] | None = None) -> BookView:
    """Load the book of a HOME with the Beancount loader, never from its pickle cache.

    `years` (first, last) limits the sealed years joined to the live book to
    that range; None joins all of them.
    """
    layout = Layout(home)
    main = layout.main
    if not main.is_file():
        raise BookNotFound(f"no book at {main}: run `fundbook init` or build the demo first")
    # `ledger.loading`: never Beancount's pickle cache, which trusts a cache file
    # inside the book and would change the HOME a report only reads.
    entries, errors, options = loading.load_book(main)
    seals = seals_of(entries)
    if not seals:
        return view_of(entries, options, errors, home=home)
    first, last = years if years is not None else (seals[0].year, datetime.date.max.year)
    joined, chain_errors = entries_for_years(layout, entries, first, last)
    view = view_of(joined, options, errors, home=home)
    view._memo["chain"] = chain_errors
    return view


def load_text(text: str) -> BookView:
    """Load a book from Beancount text (tests and small examples)."""
    entries, errors, options = loader.load_string(text)
    return view_of(entries, options, errors)
