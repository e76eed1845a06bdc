"""Shared arithmetic of the statements: account lines, net-asset columns.

`net_assets` sums net assets from account balances, split by account
(`net_column`); the statutory statements take their 非限定性 / 限定性 split
from what each movement is (`reports.netassets`: designations, restricted-first
releases). Expenses of a restricted fund not yet closed (the *unreleased*
expenses, zero right after a close) count as released, so the total is the
same on any day, before a close as after it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from funds.model import Restriction
from ledger.accounts import Section
from reports.book import ZERO, BookView, fund_of, parent_account

U, R = Restriction.UNRESTRICTED, Restriction.RESTRICTED
_SECTION_ORDER = {"Assets": 0, "Liabilities": 1, "Equity": 2, "Income": 3, "Expenses": 4}


@dataclass(frozen=True, slots=True)
class AccountName:
    account: str
    code: str
    name_zh: str
    name_en: str

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en


def account_name(view: BookView, account: str) -> AccountName:
    """Code and names of an account's category, or the account itself if not in the chart."""
    category = view.categories.get(account)
    if category is None:
        return AccountName(account, "", account, account)
    return AccountName(account, category.code, category.name_zh, category.name_en)


def sort_key(name: AccountName) -> tuple[int, str, str]:
    return (_SECTION_ORDER.get(name.account.split(":", 1)[0], 9), name.code or "9999", name.account)


def net_column(view: BookView, account: str) -> Restriction | None:
    """The net-asset column an Income, Expenses or Equity account belongs to; None otherwise."""
    root = account.split(":", 1)[0]
    if root not in ("Income", "Expenses", "Equity"):
        return None
    category = view.category(account)
    if category is None or category.section is Section.EXPENSE:
        return U
    if category.restriction is not None:
        return category.restriction
    return view.fund_restriction(fund_of(account)) or U


@dataclass(frozen=True, slots=True)
class Columns:
    """An amount in the 非限定性 / 限定性 columns of the statement of activities."""

    unrestricted: Decimal = ZERO
    restricted: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.unrestricted + self.restricted

    def __add__(self, other: Columns) -> Columns:
        return Columns(self.unrestricted + other.unrestricted, self.restricted + other.restricted)

    def __sub__(self, other: Columns) -> Columns:
        return Columns(self.unrestricted - other.unrestricted, self.restricted - other.restricted)

    @classmethod
    def of(cls, column: Restriction, amount: Decimal) -> Columns:
        return cls(amount, ZERO) if column is U else cls(ZERO, amount)


def columns_sum(items: Iterable[Columns]) -> Columns:
    total = Columns()
    for item in items:
        total = total + item
    return total


def unreleased(view: BookView, day: datetime.date, fund: str | None = None) -> Decimal:
    """Restricted funds' spending not yet released by a booked release at the end of `day`."""
    return view.unreleased().at(day, fund)


def net_assets(
    view: BookView, balances: Mapping[str, Decimal], day: datetime.date, fund: str | None = None
) -> Columns:
    """Net assets by column from account balances at the end of `day` (credits count positive).

    The restricted funds' unreleased spending counts as released (3102 -> 3101).
    """
    total = Columns()
    for account, number in balances.items():
        column = net_column(view, account)
        if column is not None:
            total = total + Columns.of(column, -number)
    pending = unreleased(view, day, fund)
    return total + Columns(pending, -pending)


def by_parent(balances: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Balances summed over funds: per category account."""
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for account, number in balances.items():
        sums[parent_account(account)] += number
    return dict(sums)


def fund_balance(balances: Mapping[str, Decimal]) -> Decimal:
    """Net assets of a fund: the sum of its Assets and Liabilities."""
    return sum((n for a, n in balances.items() if a.startswith(("Assets:", "Liabilities:"))), ZERO)


def month_ends(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The last day of each month from start's month to end's, the last one clipped to end."""
    days: list[datetime.date] = []
    year, month = start.year, start.month
    while True:
        nxt = datetime.date(year + month // 12, month % 12 + 1, 1)
        day = min(nxt - datetime.timedelta(days=1), end)
        days.append(day)
        if day >= end:
            return days
        year, month = nxt.year, nxt.month
