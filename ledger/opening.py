"""Opening balances (期初余额): where a foundation's old books end, the new book begins.

Each opening line names a fund, one of the fund's balance-sheet accounts and
a debit or credit; it comes from the district's TOML (`[[opening.balances]]`)
or from a row of the old software's trial balance that `[[opening.accounts]]`
maps to a fund (see `ledger.trial_balance`). Accounts are written as

    cash | bank | bank:KEY | receivable | prepaid | payable | net_assets

(`bank` is the fund's own bank account, `net_assets` its 3101 or 3102 account,
whichever its restriction says). The lines of one fund become one entry,
dated the day before the book's first day, and are validated fund by fund:
debits equal credits, and the fund does not start below zero. For example the
lines (MF-ST01C01, bank:ICBC, debit 60,000.00) and (MF-ST01C01, net_assets,
credit 60,000.00) become

    2025-12-31 * "期初余额: 锦里社区微基金" #opening
      fb_id: "opening-MF-ST01C01"
      fund: "MF-ST01C01"
      Assets:Bank:ICBC:MF-ST01C01                  60000.00 CNY
      Equity:NetAssets:Restricted:MF-ST01C01      -60000.00 CNY
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from beancount.core import data

from funds.model import Fund
from funds.registry import Registry
from ledger import accounts as chart
from ledger.accounts import Bank
from ledger.entries import transaction
from ledger.trial_balance import TrialBalance, check_totals, leaves

OPENING_TAG = "opening"  # opening balances carried over from the previous books
ZERO = Decimal("0.00")
FIXED = {
    "cash": chart.CASH,
    "receivable": chart.RECEIVABLE,
    "prepaid": chart.PREPAID,
    "payable": chart.PAYABLE,
}
ACCOUNT_WORDS = ("cash", "bank", "bank:KEY", "receivable", "prepaid", "payable", "net_assets")


@dataclass(frozen=True, slots=True)
class OpeningLine:
    """One opening balance of one account of one fund.

    Attributes:
      fund: the fund's code.
      account: cash, bank, bank:KEY, receivable, prepaid, payable or net_assets.
      debit: 借方 amount (zero if none).
      credit: 贷方 amount (zero if none).
      source: where it comes from, for messages (a TOML table or a CSV line).
    """

    fund: str
    account: str
    debit: Decimal
    credit: Decimal
    source: str


def resolve_account(word: str, fund: Fund, banks: Sequence[Bank]) -> str:
    """The Beancount account of `fund` that `word` names; ValueError if none."""
    if word in FIXED:
        return FIXED[word].for_fund(fund.code)
    if word == "net_assets":
        return chart.net_assets_account(fund)
    if word == "bank" or word.startswith("bank:"):
        key = word[5:] if word.startswith("bank:") else (fund.bank or banks[0].key)
        for bank in banks:
            if bank.key == key:
                return chart.bank_account(bank, fund.code)
        raise ValueError(f"bank {key!r} is not one of the book's banks")
    raise ValueError(f"account {word!r} is not one of {', '.join(ACCOUNT_WORDS)}")


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def opening_entries(
    lines: Iterable[OpeningLine],
    registry: Registry,
    banks: Sequence[Bank],
    date: datetime.date,
) -> tuple[list[data.Transaction], list[str]]:
    """One opening entry per fund, and the problems that keep any from being written."""
    problems: list[str] = []
    by_fund: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    debits: dict[str, Decimal] = defaultdict(lambda: ZERO)
    credits: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        fund = registry.funds.get(line.fund)
        if fund is None:
            problems.append(f"{line.source}: fund {line.fund!r} is not a fund of the district")
            continue
        if line.debit < 0 or line.credit < 0:
            problems.append(f"{line.source}: debit and credit are not negative")
            continue
        try:
            account = resolve_account(line.account, fund, banks)
        except ValueError as exc:
            problems.append(f"{line.source}: {exc}")
            continue
        by_fund[fund.code][account] += line.debit - line.credit
        debits[fund.code] += line.debit
        credits[fund.code] += line.credit
    entries: list[data.Transaction] = []
    for code, sums in by_fund.items():
        fund = registry.funds[code]
        if debits[code] != credits[code]:
            problems.append(
                f"fund {code} ({fund.name_zh}): opening debits {_money(debits[code])} and "
                f"credits {_money(credits[code])} differ by {_money(debits[code] - credits[code])}"
            )
            continue
        balance = sum(
            (n for account, n in sums.items() if account.startswith(chart.NET_ASSET_ROOTS)), ZERO
        )
        if balance < 0:
            problems.append(
                f"fund {code} ({fund.name_zh}): it would start below zero "
                f"(assets minus liabilities {_money(balance)})"
            )
            continue
        postings = [(account, number) for account, number in sorted(sums.items()) if number != 0]
        if not postings:
            continue
        entries.append(
            transaction(
                date=date,
                payee=None,
                narration=f"期初余额: {fund.name_zh}",
                postings=postings,
                meta={"fb_id": f"opening-{code}", "fund": code},
                tags=frozenset({OPENING_TAG}),
            )
        )
    return entries, problems


@dataclass(frozen=True, slots=True)
class AccountMapping:
    """Which fund and account a 科目编码 of the old books carries its balance into."""

    code: str
    fund: str
    account: str


def lines_from_trial_balance(
    balance: TrialBalance, mappings: Sequence[AccountMapping], where: str
) -> tuple[list[OpeningLine], list[str]]:
    """Opening lines of the mapped rows, and the problems of the file and the mapping.

    A mapped code is a row of the file that no other mapped code extends; a
    row with a balance that is neither mapped nor the parent of mapped rows
    is a problem (its money would be lost), and so is a parent whose mapped
    sub-accounts do not account for all of it.
    """
    problems = [f"{where}: {problem}" for problem in (*balance.problems, *check_totals(balance))]
    rows = {row.code: row for row in balance.rows}
    mapped = {m.code: m for m in mappings}
    lines: list[OpeningLine] = []
    for mapping in mappings:
        row = rows.get(mapping.code)
        if row is None:
            problems.append(
                f"{where}: opening.accounts maps 科目编码 {mapping.code}, not in the file"
            )
            continue
        inner = [c for c in mapped if c != mapping.code and c.startswith(mapping.code)]
        if inner:
            problems.append(
                f"{where}: {row.label} is mapped, and so is its sub-account {inner[0]}; "
                "map the sub-accounts only"
            )
            continue
        lines.append(
            OpeningLine(
                mapping.fund,
                mapping.account,
                max(row.net, ZERO),
                max(-row.net, ZERO),
                f"{where} {row.label}",
            )
        )
    for row in leaves(balance.rows):
        if row.code in mapped or row.net == 0:
            continue
        if any(row.code.startswith(code) for code in mapped):
            continue  # a sub-account of a mapped row: counted in it
        problems.append(
            f"{where}: {row.label} has an opening balance of {_money(abs(row.net))} "
            f"({'debit' if row.net > 0 else 'credit'}) that opening.accounts maps to no fund"
        )
    return lines, problems
