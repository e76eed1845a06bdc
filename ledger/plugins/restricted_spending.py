"""Plugin: restricted money is spent only from its own fund.

Together with `fund_balance` (each fund balances within every transaction), a
fund's money can leave it only through `Equity:Interfund`. This plugin decides
where it may go:

- interfund postings appear only in transactions tagged `#interfund` (and in a
  single fund's year-end `#close`, which moves no money);
- money leaves a fund through its interfund account (a positive posting to
  `Equity:Interfund:<fund>`) only to a permitted target: the foundation fund
  and the district fund may give to any fund; a guarantee or incentive pool
  only to allocation funds fed from that pool; a micro-fund or an allocation
  fund never transfers out.

Accepted (AL-ST01C01-GP is an allocation fund whose pool is GP):

    2026-03-01 * "保障资金划拨" #interfund
      Assets:Bank:ICBC:GP                          -100.00 CNY
      Equity:Interfund:GP                           100.00 CNY
      Assets:Bank:ICBC:AL-ST01C01-GP                100.00 CNY
      Equity:Interfund:AL-ST01C01-GP               -100.00 CNY

Rejected: a micro-fund's restricted money paid into another community's fund:

    2026-03-01 * "挪用" #interfund
      Assets:Bank:ICBC:MF-ST01C01                  -100.00 CNY
      Equity:Interfund:MF-ST01C01                   100.00 CNY
      Assets:Bank:ICBC:MF-ST01C02                   100.00 CNY
      Equity:Interfund:MF-ST01C02                  -100.00 CNY

Funds missing from the registry are left to `registered_funds`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

from beancount.core import data

from funds.model import POOL_KINDS, Fund, FundKind
from ledger.plugins.common import (
    TOLERANCE,
    FundOfAccount,
    describe,
    is_interfund_account,
    is_net_asset_account,
    source_of,
)
from ledger.registry_io import read_registry

__plugins__ = ("restricted_spending",)

INTERFUND_TAG = "interfund"
CLOSE_TAG = "close"
GIVERS = frozenset({FundKind.FOUNDATION, FundKind.DISTRICT})


class RestrictedSpendingError(NamedTuple):
    """Money that leaves a fund for a target it may not pay, or outside an interfund entry."""

    source: dict[str, Any]
    message: str
    entry: data.Directive


def permitted(source: Fund, target: Fund) -> bool:
    """May money leave `source` for `target` through Equity:Interfund?"""
    if source.kind in GIVERS:
        return True
    if source.kind in POOL_KINDS:
        return target.kind is FundKind.ALLOCATION and target.pool == source.code
    return False


def _refusal(source: Fund, target: Fund) -> str:
    if source.kind in POOL_KINDS:
        return (
            f"pool {source.code} gives only to allocation funds fed from it, "
            f"and {target.code} ({target.kind.value}"
            + (f" of pool {target.pool})" if target.pool else ")")
            + " is not one"
        )
    return (
        f"fund {source.code} ({source.kind.value}, {source.restriction.value}) never transfers "
        f"out, so its money cannot go to {target.code}"
    )


def restricted_spending(
    entries: list[data.Directive], options_map: dict[str, Any]
) -> tuple[list[data.Directive], list[Any]]:
    del options_map
    book, _ = read_registry(entries)
    funds = book.registry.funds
    errors: list[Any] = []
    fund_of = FundOfAccount()
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        flows: dict[str, Decimal] = {}
        touched: set[str] = set()
        moves_money = False
        for posting in entry.postings:
            fund = fund_of(posting.account)
            if fund is None:
                continue
            touched.add(fund)
            moves_money = moves_money or is_net_asset_account(posting.account)
            if is_interfund_account(posting.account) and posting.units is not None:
                number = posting.units.number
                if isinstance(number, Decimal):
                    flows[fund] = flows.get(fund, Decimal(0)) + number
        if not flows:
            continue
        tags = entry.tags or frozenset()
        if CLOSE_TAG in tags and len(touched) == 1 and not moves_money:
            continue
        if INTERFUND_TAG not in tags:
            names = ", ".join(sorted(flows))
            message = (
                f"postings to Equity:Interfund of fund {names} outside an #interfund "
                f"transaction, in {describe(entry)}"
            )
            errors.append(RestrictedSpendingError(source_of(entry), message, entry))
            continue
        sources = [funds[code] for code, flow in flows.items() if flow > TOLERANCE and code in funds]
        targets = [funds[code] for code, flow in flows.items() if flow < -TOLERANCE and code in funds]
        for giver in sources:
            for target in targets:
                if not permitted(giver, target):
                    message = f"{_refusal(giver, target)}, in {describe(entry)}"
                    errors.append(RestrictedSpendingError(source_of(entry), message, entry))
    return entries, errors
