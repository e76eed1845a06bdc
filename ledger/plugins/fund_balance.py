"""Plugin: each transaction balances fund by fund.

The postings of each fund in a transaction sum to zero, so money moves between
funds only through `Equity:Interfund:<fund>` on both sides, and the interfund
postings of a transaction sum to zero. Accepted:

    2026-03-01 * "划拨" #interfund
      Assets:Bank:ICBC:GP                          -100.00 CNY
      Equity:Interfund:GP                           100.00 CNY
      Assets:Bank:ICBC:AL-ST01C01-GP                100.00 CNY
      Equity:Interfund:AL-ST01C01-GP               -100.00 CNY

Rejected: the pool's money lands in another fund without interfund postings,
so neither fund balances on its own:

    2026-03-01 * "划拨"
      Assets:Bank:ICBC:GP                          -100.00 CNY
      Assets:Bank:ICBC:AL-ST01C01-GP                100.00 CNY

The one exception to the interfund sum is a year-end closing entry of a single
fund (`ledger.periods.is_close`, tagged `#close` or not), which moves that fund's
interfund balance into its net assets; it must still balance within the fund.
Postings to accounts of no fund are left to `registered_funds`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data

from ledger.periods import is_close
from ledger.plugins.common import (
    TOLERANCE,
    FundOfAccount,
    describe,
    is_interfund_account,
    source_of,
)

__plugins__ = ("fund_balance",)


class FundImbalanceError(NamedTuple):
    """A transaction in which one fund's postings, or the interfund postings, do not net to zero."""

    source: dict[str, Any]
    message: str
    entry: data.Directive


def fund_balance(
    entries: list[data.Directive], options_map: dict[str, Any]
) -> tuple[list[data.Directive], list[Any]]:
    del options_map
    errors: list[Any] = []
    fund_of = FundOfAccount()
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        sums: dict[tuple[str, str], Decimal] = {}
        interfund: dict[str, Decimal] = {}
        for posting in entry.postings:
            units = posting.units
            if units is None or not isinstance(units.number, Decimal):
                continue
            fund = fund_of(posting.account)
            if fund is None:
                continue
            key = (fund, units.currency)
            sums[key] = sums.get(key, Decimal(0)) + units.number
            if is_interfund_account(posting.account):
                interfund[units.currency] = interfund.get(units.currency, Decimal(0)) + units.number
        for (fund, currency), total in sums.items():
            if abs(total) > TOLERANCE:
                message = (
                    f"fund {fund} does not balance: its postings sum to {total} {currency} "
                    f"in {describe(entry)}; money moves between funds only through "
                    f"Equity:Interfund:<fund> on both sides"
                )
                errors.append(FundImbalanceError(source_of(entry), message, entry))
        funds = {fund for fund, _ in sums}
        closing = len(funds) == 1 and is_close(entry)
        for currency, total in interfund.items():
            if abs(total) > TOLERANCE and not closing:
                message = (
                    f"interfund postings sum to {total} {currency}, not zero, "
                    f"in {describe(entry)} (funds {', '.join(sorted(funds))})"
                )
                errors.append(FundImbalanceError(source_of(entry), message, entry))
    return entries, errors
