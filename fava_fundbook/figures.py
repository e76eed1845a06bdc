"""What the accountants' desk shows, computed from a loaded book (no Fava, no database).

One pass over the entries gives every fund's balance and its month-end
history, and every bank account's reconciliation status:

    2026-03-31 balance Assets:Bank:ICBC  120000.00 CNY   ; the bank's statement
    -> ICBC: asserted 120000.00 on 2026-03-31, book 119200.00, difference 800.00

A fund's balance is its net assets, the sum of its Assets and Liabilities
postings (ledger.accounts). The caller computes this once per load of the book.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from beancount.core import data

from funds.money import ZERO
from ledger.accounts import fund_of_account
from ledger.registry_io import read_registry

HISTORY_MONTHS = 12


@dataclass(frozen=True, slots=True)
class FundFigures:
    """One fund as the book has it.

    Attributes:
      code, name_zh, kind: from the registry.
      balance: net assets today (all entries of the book).
      history: month-end balances, oldest first, the last one the balance.
      active: whether any posting of the book touches the fund.
    """

    code: str
    name_zh: str
    kind: str
    balance: Decimal
    history: tuple[Decimal, ...]
    active: bool = True


@dataclass(frozen=True, slots=True)
class BankStatus:
    """Reconciliation of one bank account (the parent `Assets:Bank:X`).

    Attributes:
      key: the bank key, e.g. "ICBC".
      name_zh: the bank account's Chinese name.
      number: the account number as the bank prints it.
      account: "Assets:Bank:ICBC".
      book_balance: the book's balance of the parent and all its fund sub-accounts.
      asserted_on: date of the last balance assertion on the parent, or None.
      statement_on: the day whose closing balance it asserts (the day before
        the assertion, which holds at the beginning of its date), or None.
      asserted: the asserted amount, or None.
      book_at_assertion: the book's balance on that assertion's date (before it).
      difference: asserted minus book at that date (zero when reconciled), or None.
      days_since: days from the statement's day to `today`, or None.
    """

    key: str
    name_zh: str
    number: str
    account: str
    book_balance: Decimal
    asserted_on: datetime.date | None
    asserted: Decimal | None
    book_at_assertion: Decimal | None
    difference: Decimal | None
    days_since: int | None
    statement_on: datetime.date | None = None


@dataclass(frozen=True, slots=True)
class Desk:
    """Everything the desk shows that comes from the book."""

    funds: tuple[FundFigures, ...]
    banks: tuple[BankStatus, ...]
    registry_errors: tuple[str, ...]


def _month_ends(today: datetime.date, months: int) -> list[datetime.date]:
    """The last `months` month ends up to `today` (today's month ends today)."""
    ends = [today]
    first = today.replace(day=1)
    for _ in range(months - 1):
        end = first - datetime.timedelta(days=1)
        ends.append(end)
        first = end.replace(day=1)
    return list(reversed(ends))


def _history(
    deltas: Sequence[tuple[datetime.date, Decimal]], ends: Sequence[datetime.date]
) -> tuple[Decimal, ...]:
    points: list[Decimal] = []
    total = ZERO
    index = 0
    ordered = sorted(deltas, key=lambda item: item[0])
    for end in ends:
        while index < len(ordered) and ordered[index][0] <= end:
            total += ordered[index][1]
            index += 1
        points.append(total)
    while index < len(ordered):
        total += ordered[index][1]
        index += 1
    points[-1] = total
    return tuple(points)


def compute_desk(entries: Sequence[data.Directive], today: datetime.date) -> Desk:
    """The desk's figures of a loaded book, in one pass over its entries."""
    book, errors = read_registry(entries)
    fund_deltas: dict[str, list[tuple[datetime.date, Decimal]]] = defaultdict(list)
    bank_deltas: dict[str, list[tuple[datetime.date, Decimal]]] = defaultdict(list)
    assertions: dict[str, data.Balance] = {}
    bank_parents = {f"Assets:Bank:{bank.key}": bank for bank in book.banks}
    for entry in entries:
        if isinstance(entry, data.Transaction):
            for posting in entry.postings:
                account = posting.account
                units = posting.units
                if units is None or not isinstance(units.number, Decimal):
                    continue
                if account.startswith(("Assets:", "Liabilities:")):
                    fund = fund_of_account(account)
                    if fund is not None:
                        fund_deltas[fund].append((entry.date, units.number))
                if account.startswith("Assets:Bank:"):
                    parent = ":".join(account.split(":")[:3])
                    if parent in bank_parents:
                        bank_deltas[parent].append((entry.date, units.number))
        elif isinstance(entry, data.Balance) and entry.account in bank_parents:
            previous = assertions.get(entry.account)
            if previous is None or previous.date <= entry.date:
                assertions[entry.account] = entry
    ends = _month_ends(today, HISTORY_MONTHS)
    funds = tuple(
        FundFigures(
            code=fund.code,
            name_zh=fund.name_zh,
            kind=fund.kind.value,
            balance=sum((number for _, number in fund_deltas.get(fund.code, ())), ZERO),
            history=_history(fund_deltas.get(fund.code, ()), ends),
            active=bool(fund_deltas.get(fund.code)),
        )
        for fund in book.registry.funds.values()
    )
    banks = tuple(
        _bank_status(
            account=account,
            key=bank.key,
            name_zh=bank.name_zh,
            number=bank.number,
            deltas=bank_deltas.get(account, ()),
            assertion=assertions.get(account),
            today=today,
        )
        for account, bank in bank_parents.items()
    )
    return Desk(funds, banks, tuple(error.message for error in errors))


def _bank_status(
    *,
    account: str,
    key: str,
    name_zh: str,
    number: str,
    deltas: Sequence[tuple[datetime.date, Decimal]],
    assertion: data.Balance | None,
    today: datetime.date,
) -> BankStatus:
    book_balance = sum((number for _, number in deltas), ZERO)
    if assertion is None:
        return BankStatus(key, name_zh, number, account, book_balance, None, None, None, None, None)
    # A balance assertion holds at the beginning of its date.
    at_date = sum((number for date, number in deltas if date < assertion.date), ZERO)
    asserted = assertion.amount.number
    statement_on = assertion.date - datetime.timedelta(days=1)
    return BankStatus(
        key=key,
        name_zh=name_zh,
        number=number,
        account=account,
        book_balance=book_balance,
        asserted_on=assertion.date,
        asserted=asserted,
        book_at_assertion=at_date,
        difference=asserted - at_date,
        days_since=(today - statement_on).days,
        statement_on=statement_on,
    )
