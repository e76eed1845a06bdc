"""Plugin: no fund's balance goes below zero at the end of any day.

A fund's balance is its net assets: the sum of its Assets and Liabilities
postings (`ledger.accounts`). Within a day the order of entries does not
matter; at the end of the day every fund must be at zero or above. Accepted:

    2026-03-01 * "捐赠"
      Assets:Bank:ICBC:MF-ST01C01                   100.00 CNY
      Income:Donation:Restricted:MF-ST01C01        -100.00 CNY
    2026-03-02 * "付款"
      Expenses:Program:MF-ST01C01                   100.00 CNY
      Assets:Bank:ICBC:MF-ST01C01                  -100.00 CNY

Rejected: a commitment of 150.00 against 100.00 takes the fund to -50.00:

    2026-03-02 * "审批通过"
      Expenses:Program:MF-ST01C01                   150.00 CNY
      Liabilities:Payable:MF-ST01C01               -150.00 CNY

Each time a fund goes below zero, one error names the fund, the day, the
balance at the end of that day and the entry that took it below zero; a fund
that stays below zero is not reported again until it has recovered.
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data

from ledger.plugins.common import FundOfAccount, describe, is_net_asset_account, source_of

__plugins__ = ("no_overdraft",)

ZERO = Decimal(0)
Key = tuple[str, str]  # (fund, currency)


class OverdraftError(NamedTuple):
    """A fund whose balance is below zero at the end of a day."""

    source: dict[str, Any]
    message: str
    entry: data.Directive


class _Day:
    """The funds touched on one day: balance at its start and the entry that crossed zero."""

    def __init__(self, date: datetime.date) -> None:
        self.date = date
        self.opening: dict[Key, Decimal] = {}
        self.crossing: dict[Key, data.Transaction] = {}


def no_overdraft(
    entries: list[data.Directive], options_map: dict[str, Any]
) -> tuple[list[data.Directive], list[Any]]:
    del options_map
    ordered = entries
    if any(a.date > b.date for a, b in itertools.pairwise(entries)):
        ordered = sorted(entries, key=data.entry_sortkey)
    balances: dict[Key, Decimal] = {}
    errors: list[Any] = []
    fund_of = FundOfAccount()
    day: _Day | None = None
    for entry in ordered:
        if not isinstance(entry, data.Transaction):
            continue
        if day is None or entry.date != day.date:
            if day is not None:
                errors.extend(_close_day(day, balances))
            day = _Day(entry.date)
        for posting in entry.postings:
            units = posting.units
            if units is None or not isinstance(units.number, Decimal):
                continue
            if not is_net_asset_account(posting.account):
                continue
            fund = fund_of(posting.account)
            if fund is None:
                continue
            key = (fund, units.currency)
            before = balances.get(key, ZERO)
            day.opening.setdefault(key, before)
            after = balances[key] = before + units.number
            if before >= ZERO > after:
                day.crossing[key] = entry
    if day is not None:
        errors.extend(_close_day(day, balances))
    return entries, errors


def _close_day(day: _Day, balances: dict[Key, Decimal]) -> list[OverdraftError]:
    errors = []
    for key, opening in day.opening.items():
        closing = balances[key]
        if closing < ZERO <= opening:
            fund, currency = key
            entry = day.crossing[key]
            message = (
                f"fund {fund} is below zero at the end of {day.date}: balance "
                f"{closing} {currency}, taken below zero by {describe(entry)}"
            )
            errors.append(OverdraftError(source_of(entry), message, entry))
    return errors
