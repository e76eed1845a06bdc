"""How a transaction changes fund balances: the net-asset effect of its postings.

A fund's balance is its net assets, the sum of its Assets and Liabilities
postings in CNY (`ledger.accounts`). For

    2026-03-02 * "支付"
      Liabilities:Payable:MF-ST01C01        800.00 CNY
      Assets:Bank:ICBC:MF-ST01C01

the effect is nothing for MF-ST01C01 (+800.00 - 800.00). The one posting
without amount is interpolated as Beancount would in the simple case (every
other posting in CNY with the same number of decimals, no costs or prices);
anything else raises `NeedsFullLoad`, for only Beancount's booking settles it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from beancount.core import data
from beancount.core.amount import Amount

from funds.money import CURRENCY
from ledger.accounts import NET_ASSET_ROOTS, fund_of_account

ZERO = Decimal(0)

Balances = dict[str, Decimal]


class NeedsFullLoad(Exception):
    """A change that a parse of one file cannot account for alone."""


def add(target: Balances, effect: Mapping[str, Decimal], sign: int = 1) -> None:
    for fund, number in effect.items():
        target[fund] = target.get(fund, ZERO) + (number if sign > 0 else -number)


def _complete(units: object) -> bool:
    return (
        isinstance(units, Amount)
        and isinstance(units.number, Decimal)
        and isinstance(units.currency, str)
    )


def effect_of(entry: data.Transaction, funds: dict[str, str | None] | None = None) -> Balances:
    """How `entry` changes each fund's balance (CNY Assets and Liabilities postings).

    Raises NeedsFullLoad for postings without amount that only Beancount's
    booking can settle.
    """
    cache = funds if funds is not None else {}
    effect: Balances = {}
    missing: list[data.Posting] = []
    for posting in entry.postings:
        units = posting.units
        if not _complete(units):
            missing.append(posting)
            continue
        account = posting.account
        if not account.startswith(NET_ASSET_ROOTS) or units.currency != CURRENCY:
            continue
        if account in cache:
            fund = cache[account]
        else:
            fund = cache[account] = fund_of_account(account)
        if fund is not None:
            effect[fund] = effect.get(fund, ZERO) + units.number
    if missing:
        if len(missing) > 1:
            raise NeedsFullLoad(f"{len(missing)} postings without amount at {where(entry)}")
        target = missing[0]
        fund = fund_of_account(target.account)
        if target.account.startswith(NET_ASSET_ROOTS) and fund is not None:
            effect[fund] = effect.get(fund, ZERO) + _interpolate(entry, target)
    return effect


def _interpolate(entry: data.Transaction, target: data.Posting) -> Decimal:
    """The amount Beancount gives the one posting without amount, in the simple case."""
    others = [posting for posting in entry.postings if posting is not target]
    simple = (
        target.cost is None
        and target.price is None
        and all(p.cost is None and p.price is None and p.units.currency == CURRENCY for p in others)
        and len({p.units.number.as_tuple().exponent for p in others}) == 1
    )
    if not simple:
        raise NeedsFullLoad(f"a posting without amount Beancount must book, at {where(entry)}")
    return -sum((p.units.number for p in others), ZERO)


def where(entry: data.Directive) -> str:
    meta = entry.meta or {}
    return f"{meta.get('filename', '?')}:{meta.get('lineno', '?')}"


def balances_of(entries: Iterable[data.Directive]) -> Balances:
    """Every fund's balance from loaded (booked) entries; funds at zero left out."""
    totals: Balances = {}
    cache: dict[str, str | None] = {}
    for entry in entries:
        if isinstance(entry, data.Transaction):
            add(totals, effect_of(entry, cache))
    return {fund: number for fund, number in totals.items() if number != ZERO}
