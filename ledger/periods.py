"""Year-end closes and restriction releases, recognized by what they do.

A *close* (会计年度结账) moves income and expense balances into net assets: every
posting is on an Income, Expenses, `Equity:Interfund` or `Equity:NetAssets`
account, with at least one of the first three and one net-asset posting. A
*release* (限定性净资产转为非限定性净资产) moves net assets between 3102 and 3101
of one fund and touches nothing else. Tags (`#close`, `#release`) are not
needed: a close written by hand in Fava is recognized all the same.

    2025-12-31 * "2025年度结账"                    ; a close
      Income:Donation:Restricted:MF-ST01C01    5000.00 CNY
      Expenses:Program:MF-ST01C01             -3000.00 CNY
      Equity:NetAssets:Restricted:MF-ST01C01  -5000.00 CNY
      Equity:NetAssets:Unrestricted:MF-ST01C01  3000.00 CNY

    2025-06-01 * "限定性净资产解除限定"             ; a release of 3,000
      Equity:NetAssets:Restricted:MF-ST01C01     3000.00 CNY
      Equity:NetAssets:Unrestricted:MF-ST01C01  -3000.00 CNY

The restriction of a restricted fund's money is met when it is spent (民非制度:
限定性净资产的限制解除). What a restricted fund has spent and no booked release
covers yet is *unreleased*: the fund's expenses (outside closes) less its
releases, both summed from the beginning of the book. A release is either a
release transaction (the amount debited to 3102) or the part of a close that
leaves the restricted column: the sum of the close's postings to 3102 and to
the fund's restricted income accounts. So a release booked at the time of
spending, at the close, or inside the close itself counts once.

`check_periods` flags, at the end of each day with a close, every fund the
close touches whose income, expenses or interfund balance is not zero, and
every restricted fund whose spending is not released exactly, naming the fund
and the entry.
"""

from __future__ import annotations

import bisect
import datetime
import enum
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data

from funds.model import Restriction
from funds.registry import Registry
from ledger import accounts as chart
from ledger.plugins.common import TOLERANCE, describe, source_of
from ledger.seals import OPENING_KEY

ZERO = Decimal("0.00")
_UNRESTRICTED = chart.NET_UNRESTRICTED.account + ":"
_RESTRICTED = chart.NET_RESTRICTED.account + ":"
_INTERFUND = chart.INTERFUND.account + ":"
_CLOSED_ROOTS = ("Income:", "Expenses:", _INTERFUND)


class Movement(enum.Enum):
    """What a transaction does to net assets, if it is not an ordinary movement."""

    CLOSE = "close"
    RELEASE = "release"


def _number(posting: data.Posting) -> Decimal:
    units = posting.units
    if units is None or not isinstance(units.number, Decimal):
        return ZERO
    return units.number


def _is_net_asset(account: str) -> bool:
    return account.startswith((_UNRESTRICTED, _RESTRICTED))


def classify(txn: data.Transaction) -> Movement | None:
    """CLOSE, RELEASE or None (an ordinary transaction), from the postings alone."""
    closes = nets = False
    net_kinds: set[str] = set()
    funds: set[str | None] = set()
    for posting in txn.postings:
        account = posting.account
        if account.startswith(_CLOSED_ROOTS):
            closes = True
        elif _is_net_asset(account):
            nets = True
            net_kinds.add(_RESTRICTED if account.startswith(_RESTRICTED) else _UNRESTRICTED)
            funds.add(chart.fund_of_account(account))
        else:
            return None
    if closes and nets:
        return Movement.CLOSE
    if not closes and len(net_kinds) == 2 and len(funds) == 1 and None not in funds:
        return Movement.RELEASE
    return None


def is_close(txn: data.Transaction) -> bool:
    return classify(txn) is Movement.CLOSE


def is_release(txn: data.Transaction) -> bool:
    return classify(txn) is Movement.RELEASE


def _restricted_column(account: str, restricted_funds: Collection[str]) -> bool:
    """Does this Income, Interfund or net-asset account count in the 限定性 column?"""
    if account.startswith(_RESTRICTED):
        return True
    if account.startswith((_UNRESTRICTED, "Expenses:")):
        return False
    category = chart.category_of_account(account)
    if category is not None and category.restriction is not None:
        return category.restriction is Restriction.RESTRICTED
    return chart.fund_of_account(account) in restricted_funds


def released(txn: data.Transaction, restricted_funds: Collection[str]) -> dict[str, Decimal]:
    """The amount each fund's net assets move from 3102 to 3101 in a close or release.

    Negative when the release runs back, 3101 to 3102. Empty for other transactions.
    """
    kind = classify(txn)
    if kind is None:
        return {}
    moved: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for posting in txn.postings:
        fund = chart.fund_of_account(posting.account)
        if fund is None:
            continue
        if kind is Movement.RELEASE:
            if posting.account.startswith(_RESTRICTED):
                moved[fund] += _number(posting)
        elif _restricted_column(posting.account, restricted_funds):
            moved[fund] += _number(posting)
    return {fund: number for fund, number in moved.items() if number != 0}


def restricted_funds_of(registry: Registry) -> frozenset[str]:
    return frozenset(code for code, fund in registry.funds.items() if fund.restricted)


@dataclass(frozen=True)
class Unreleased:
    """Each restricted fund's unreleased spending over time, for queries by day.

    Built once from the book's transactions (`unreleased_of`); `at(day, fund)`
    answers with a bisection.
    """

    days: Mapping[str, list[datetime.date]] = field(default_factory=dict)
    running: Mapping[str, list[Decimal]] = field(default_factory=dict)

    def at(self, day: datetime.date, fund: str | None = None) -> Decimal:
        """Unreleased spending at the end of `day`, of one fund or of all restricted funds."""
        funds = [fund] if fund is not None else list(self.days)
        total = ZERO
        for code in funds:
            days = self.days.get(code)
            if not days:
                continue
            index = bisect.bisect_right(days, day)
            if index:
                total += self.running[code][index - 1]
        return total


def unreleased_of(
    transactions: Iterable[data.Transaction], restricted_funds: Collection[str]
) -> Unreleased:
    """Unreleased spending per restricted fund, from transactions sorted by date."""
    days: dict[str, list[datetime.date]] = defaultdict(list)
    running: dict[str, list[Decimal]] = defaultdict(list)
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)

    def note(fund: str, day: datetime.date, change: Decimal) -> None:
        totals[fund] += change
        if days[fund] and days[fund][-1] == day:
            running[fund][-1] = totals[fund]
        else:
            days[fund].append(day)
            running[fund].append(totals[fund])

    for txn in transactions:
        kind = classify(txn)
        if kind is None:
            for posting in txn.postings:
                if posting.account.startswith("Expenses:"):
                    fund = chart.fund_of_account(posting.account)
                    if fund is not None and fund in restricted_funds:
                        note(fund, txn.date, _number(posting))
            continue
        # Expenses a close moves into net assets are not spending; what leaves 3102 is released.
        for fund, number in released(txn, restricted_funds).items():
            if fund in restricted_funds:
                note(fund, txn.date, -number)
    return Unreleased(dict(days), dict(running))


def closed_years(entries: Iterable[data.Directive]) -> list[int]:
    """The years with a close dated on their last day, and the sealed years, in order."""
    years = set()
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        if (entry.date.month, entry.date.day) == (12, 31) and is_close(entry):
            years.add(entry.date.year)
        elif OPENING_KEY in (entry.meta or {}):  # 期初余额 after a sealed year (ledger.seals)
            years.add(entry.date.year - 1)
    return sorted(years)


class PeriodError(NamedTuple):
    """A close or release that does not close a fund's income and expenses exactly."""

    source: dict[str, Any]
    message: str
    entry: data.Directive


def _money(number: Decimal) -> str:
    return f"{number:,.2f} CNY"


def check_periods(entries: Iterable[data.Directive], registry: Registry) -> list[PeriodError]:
    """Errors of the closes in the book (see the module docstring)."""
    txns = [entry for entry in entries if isinstance(entry, data.Transaction)]
    restricted = restricted_funds_of(registry)
    unreleased = unreleased_of(txns, restricted)
    closes_by_day: dict[datetime.date, list[data.Transaction]] = defaultdict(list)
    for txn in txns:
        if is_close(txn):
            closes_by_day[txn.date].append(txn)
    if not closes_by_day:
        return []
    errors: list[PeriodError] = []
    balances: dict[str, Decimal] = defaultdict(lambda: ZERO)
    days = sorted(closes_by_day)
    index = 0
    for txn in txns:
        while index < len(days) and txn.date > days[index]:
            errors += _check_day(closes_by_day[days[index]], balances, unreleased, restricted)
            index += 1
        for posting in txn.postings:
            if posting.account.startswith(_CLOSED_ROOTS):
                balances[posting.account] += _number(posting)
    while index < len(days):
        errors += _check_day(closes_by_day[days[index]], balances, unreleased, restricted)
        index += 1
    return errors


def _check_day(
    closes: list[data.Transaction],
    balances: Mapping[str, Decimal],
    unreleased: Unreleased,
    restricted: Collection[str],
) -> list[PeriodError]:
    errors: list[PeriodError] = []
    seen: set[str] = set()
    for close in closes:
        funds = {chart.fund_of_account(p.account) for p in close.postings} - {None}
        for fund in sorted(f for f in funds if f is not None and f not in seen):
            seen.add(fund)
            left = {
                account: number
                for account, number in balances.items()
                if abs(number) > TOLERANCE and chart.fund_of_account(account) == fund
            }
            if left:
                shown = ", ".join(f"{a} {_money(n)}" for a, n in sorted(left.items()))
                errors.append(
                    PeriodError(
                        source_of(close),
                        f"fund {fund}: the close {describe(close)} leaves income, expenses "
                        f"or interfund balances not closed at the end of {close.date}: {shown}",
                        close,
                    )
                )
            if fund in restricted:
                pending = unreleased.at(close.date, fund)
                if abs(pending) > TOLERANCE:
                    what = "not released" if pending > 0 else "released beyond its spending"
                    errors.append(
                        PeriodError(
                            source_of(close),
                            f"fund {fund}: restricted spending of {_money(abs(pending))} is "
                            f"{what} from 3102 to 3101 at the close {describe(close)}",
                            close,
                        )
                    )
    return errors
