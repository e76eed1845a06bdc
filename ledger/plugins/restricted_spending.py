"""Plugin: restricted money is spent only from its own fund.

Together with `fund_balance` (each fund balances within every transaction),
money that moves between funds in a transaction shows as one fund's net
assets falling while another's rise. This plugin decides where it may go:

- interfund postings, and any transaction in which one fund's net assets
  (Assets and Liabilities) fall while another's rise, appear only in
  transactions tagged `#interfund` (and in a single fund's year-end close,
  `ledger.periods.is_close`, which moves no money);
- money leaves a fund (a positive posting to `Equity:Interfund:<fund>`, or a
  fall of its net assets in a transaction where another fund's rise) only to a
  permitted target: the foundation fund
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
from ledger.entries import INTERFUND_TAG
from ledger.periods import is_close
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
        flows: dict[str, Decimal] = {}  # interfund postings: positive leaves the fund
        changes: dict[str, Decimal] = {}  # net assets: negative leaves the fund
        touched: set[str] = set()
        moves_money = False
        for posting in entry.postings:
            fund = fund_of(posting.account)
            if fund is None:
                continue
            touched.add(fund)
            moves_money = moves_money or is_net_asset_account(posting.account)
            number = posting.units.number if posting.units is not None else None
            if not isinstance(number, Decimal):
                continue
            if is_interfund_account(posting.account):
                flows[fund] = flows.get(fund, Decimal(0)) + number
            if is_net_asset_account(posting.account):
                changes[fund] = changes.get(fund, Decimal(0)) + number
        givers = {code for code, flow in flows.items() if flow > TOLERANCE}
        givers |= {code for code, change in changes.items() if change < -TOLERANCE}
        takers = {code for code, flow in flows.items() if flow < -TOLERANCE}
        takers |= {code for code, change in changes.items() if change > TOLERANCE}
        between_funds = any(giver != taker for giver in givers for taker in takers)
        if not flows and not between_funds:
            continue
        tags = entry.tags or frozenset()
        if len(touched) == 1 and not moves_money and is_close(entry):
            continue
        if INTERFUND_TAG not in tags:
            if flows:
                names = ", ".join(sorted(flows))
                message = (
                    f"postings to Equity:Interfund of fund {names} outside an #interfund "
                    f"transaction, in {describe(entry)}"
                )
            else:
                message = (
                    f"money moves from fund {', '.join(sorted(givers))} to fund "
                    f"{', '.join(sorted(takers))} outside an #interfund transaction, "
                    f"in {describe(entry)}"
                )
            errors.append(RestrictedSpendingError(source_of(entry), message, entry))
            continue
        for giver in sorted(givers & funds.keys()):
            for taker in sorted(takers & funds.keys()):
                if giver != taker and not permitted(funds[giver], funds[taker]):
                    message = f"{_refusal(funds[giver], funds[taker])}, in {describe(entry)}"
                    errors.append(RestrictedSpendingError(source_of(entry), message, entry))
    return entries, errors
