"""Rules learned from the book: which fund and counter-account a bank line belongs to.

Every transaction already in the book that moved money on one fund's share of
a bank account (`Assets:Bank:ICBC:MF-ST01C01`) against one other account
teaches a rule, under each of the line's keys, strongest first: the
counterparty's account number (`payee_account`), the counterparty (payee), and
the memo (narration), each in the direction of the money (in or out):

    2026-02-03 * "玉林居民众筹" "微基金捐赠"
      payee_account: "6222000011113333"
      Assets:Bank:ICBC:MF-ST01C01                 500.00 CNY
      Income:Donation:Restricted:MF-ST01C01      -500.00 CNY

    -> a later line from 6222000011113333 (or payee 玉林居民众筹), money in,
       goes to Assets:Bank:ICBC:MF-ST01C01 against Income:Donation:Restricted:MF-ST01C01

Payments of commitments (against `Liabilities:Payable`) teach nothing: a
new line paid to the same payee is not that commitment. A key whose history names more than one destination answers the one seen
most often, and only if it was seen more often than all the others together;
otherwise the key is ambiguous and the next key is asked.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from beancount.core import data

from bankstatements.statement import Line, digits


@dataclass(frozen=True, slots=True)
class Assignment:
    """Where a bank line goes: the fund's bank sub-account and the counter-account."""

    bank_account: str
    counter_account: str
    learned_from: str  # "payee_account", "payee" or "memo"

    @property
    def fund(self) -> str:
        return self.bank_account.rsplit(":", 1)[-1]


def _keys(
    payee_account: str | None, payee: str | None, memo: str | None, inflow: bool
) -> list[tuple[str, str, bool]]:
    keys = []
    if payee_account and digits(payee_account):
        keys.append(("payee_account", digits(payee_account), inflow))
    if payee and payee.strip():
        keys.append(("payee", payee.strip(), inflow))
    if memo and memo.strip():
        keys.append(("memo", memo.strip(), inflow))
    return keys


class Rules:
    """Destinations seen in the book, by key."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, bool], Counter[tuple[str, str]]] = defaultdict(Counter)

    @classmethod
    def learn(cls, existing: Iterable[data.Directive], bank_account: str) -> Rules:
        rules = cls()
        prefix = bank_account + ":"
        for entry in existing:
            if not isinstance(entry, data.Transaction) or len(entry.postings) != 2:
                continue
            bank = [p for p in entry.postings if p.account.startswith(prefix)]
            other = [p for p in entry.postings if not p.account.startswith(prefix)]
            if len(bank) != 1 or len(other) != 1 or bank[0].units is None:
                continue
            if other[0].account.startswith("Liabilities:Payable:"):
                continue  # paying a commitment: a new line is no commitment of its own
            number = bank[0].units.number
            if not isinstance(number, Decimal) or number == 0:
                continue
            meta = entry.meta or {}
            narration = entry.narration or ""
            # A Fundbook narration names what happened ("支付: 敬老活动"): its purpose teaches.
            memo = narration.split(": ", 1)[-1] if ": " in narration else narration
            account = meta.get("payee_account")
            for key in _keys(str(account) if account else None, entry.payee, memo, number > 0):
                rules._seen[key][(bank[0].account, other[0].account)] += 1
        return rules

    def assign(self, line: Line) -> Assignment | None:
        """The destination of `line` by its strongest unambiguous key, or None."""
        for kind, value, inflow in _keys(
            line.payee_account, line.payee, line.narration, line.amount > 0
        ):
            seen = self._seen.get((kind, value, inflow))
            if not seen:
                continue
            (best, count), *_ = seen.most_common(1)
            if count * 2 > sum(seen.values()):
                return Assignment(best[0], best[1], kind)
        return None
