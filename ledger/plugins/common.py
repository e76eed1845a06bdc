"""What the plugins share: naming an entry in a message, and fund lookups by account.

`describe` names a transaction the way an accountant finds it in Fava:

    2026-03-02 "支付: 重阳节敬老活动" (fb_id R000042-payment)

`FundOfAccount` memoizes `ledger.accounts.fund_of_account`, so a pass over
100,000 transactions parses each of the few hundred account names once.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from beancount.core import data

from ledger.accounts import INTERFUND, NET_ASSET_ROOTS, fund_of_account

INTERFUND_PREFIX = INTERFUND.account + ":"
# Half a cent: Beancount's own tolerance for CNY amounts with two decimals.
TOLERANCE = Decimal("0.005")
NARRATION_SHOWN_MAX = 60


def describe(entry: data.Directive) -> str:
    """A short, readable name of `entry`: date, narration and Fundbook id if any."""
    parts = [str(entry.date)]
    if isinstance(entry, data.Transaction):
        narration = entry.narration or entry.payee or ""
        if len(narration) > NARRATION_SHOWN_MAX:
            narration = narration[: NARRATION_SHOWN_MAX - 1] + "…"
        parts.append(f'"{narration}"')
    meta = entry.meta or {}
    fb_id = meta.get("fb_id")
    if fb_id is not None:
        parts.append(f"(fb_id {fb_id})")
    return " ".join(parts)


def source_of(entry: data.Directive) -> dict[str, Any]:
    """The (filename, lineno) source of an error about `entry`."""
    meta = entry.meta or {}
    return {"filename": meta.get("filename", "<unknown>"), "lineno": meta.get("lineno", 0)}


class FundOfAccount:
    """`fund_of_account` with a cache: account name -> fund code or None."""

    def __init__(self) -> None:
        self._cache: dict[str, str | None] = {}

    def __call__(self, account: str) -> str | None:
        try:
            return self._cache[account]
        except KeyError:
            fund = self._cache[account] = fund_of_account(account)
            return fund


def is_net_asset_account(account: str) -> bool:
    """Assets and Liabilities postings make up a fund's balance (its net assets)."""
    return account.startswith(NET_ASSET_ROOTS)


def is_interfund_account(account: str) -> bool:
    return account.startswith(INTERFUND_PREFIX)
