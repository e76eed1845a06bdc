"""Entry builders: one function per money movement of DESIGN.md.

Each builder returns a Beancount `Transaction` that balances fund by fund and
carries, in metadata and links, what an auditor needs to trace it. Builders do
no I/O; `ledger.writer` appends what they build. For example, a payment:

    2026-03-02 * "玉林社区老年协会" "支付: 重阳节敬老活动" ^req-R000042
      fb_id: "R000042-payment"
      fund: "MF-ST01C01"
      request: "R000042"
      bank_reference: "ICBC20260302001"
      Liabilities:Payable:MF-ST01C01      800.00 CNY
      Assets:Bank:ICBC:MF-ST01C01        -800.00 CNY

Keys of `meta` are ASCII; values are text (`str`) so that they read back as
they were written.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal

from beancount.core import data
from beancount.core.amount import Amount

from funds.model import Fund, Restriction
from funds.money import CURRENCY, cents
from ledger import accounts as chart
from ledger.accounts import Bank, Category, IncomeKind

FLAG = "*"
# Tags the builders put on movements that are not income or spending of the period.
INTERFUND_TAG = "interfund"  # a transfer between funds
CLOSE_TAG = "close"  # a year-end close
RELEASE_TAG = "release"  # restricted net assets released (3102 -> 3101)
Meta = Mapping[str, str]


class InvalidEntry(ValueError):
    """A movement that cannot be booked as asked."""


def _positive(amount: Decimal) -> Decimal:
    value = cents(amount)
    if value <= 0:
        raise InvalidEntry(f"amount must be positive, not {value}")
    return value


def _posting(account: str, number: Decimal) -> data.Posting:
    return data.Posting(account, Amount(number, CURRENCY), None, None, None, None)


def transaction(
    *,
    date: datetime.date,
    payee: str | None,
    narration: str,
    postings: list[tuple[str, Decimal]],
    meta: Meta,
    links: frozenset[str] = frozenset(),
    tags: frozenset[str] = frozenset(),
) -> data.Transaction:
    """A transaction from (account, amount) pairs; refuses one that does not balance."""
    total = sum((number for _, number in postings), Decimal("0.00"))
    if total != 0:
        raise InvalidEntry(f"postings do not balance: off by {total}")
    return data.Transaction(
        dict(meta),
        date,
        FLAG,
        payee,
        narration,
        frozenset(tags),
        frozenset(links),
        [_posting(account, number) for account, number in postings],
    )


def _merged(base: Meta, extra: Meta | None) -> dict[str, str]:
    """`base` (what the builder's arguments say) plus the caller's `extra` metadata.

    Extra metadata never contradicts an argument: a `fund` or `fb_id` in it
    other than the builder's own would make the entry lie about itself.
    """
    meta = dict(base)
    for key, value in (extra or {}).items():
        if key in meta and meta[key] != value:
            raise InvalidEntry(f"meta {key}: {value!r} contradicts the entry's {meta[key]!r}")
        meta[key] = value
    return meta


def _meta(fb_id: str, fund: Fund, extra: Meta | None) -> dict[str, str]:
    return _merged({"fb_id": fb_id, "fund": fund.code}, extra)


def contribution(
    *,
    fb_id: str,
    date: datetime.date,
    fund: Fund,
    amount: Decimal,
    bank: Bank,
    income: IncomeKind,
    source: str,
    narration: str,
    receipt_no: str | None = None,
    link: str | None = None,
    meta: Meta | None = None,
) -> data.Transaction:
    """Money received into a fund: donation, department money, interest, other."""
    value = _positive(amount)
    extra = _merged({"source": source}, meta)
    if receipt_no:
        extra["receipt_no"] = receipt_no
    return transaction(
        date=date,
        payee=source,
        narration=narration,
        postings=[
            (chart.bank_account(bank, fund.code), value),
            (chart.income_account(income, fund), -value),
        ],
        meta=_meta(fb_id, fund, extra),
        links=frozenset({link}) if link else frozenset(),
    )


def pledge(
    *,
    fb_id: str,
    date: datetime.date,
    fund: Fund,
    amount: Decimal,
    income: IncomeKind,
    source: str,
    narration: str,
    link: str,
    meta: Meta | None = None,
) -> data.Transaction:
    """A department's pledge: income recognized against a receivable (应收款)."""
    value = _positive(amount)
    return transaction(
        date=date,
        payee=source,
        narration=narration,
        postings=[
            (chart.RECEIVABLE.for_fund(fund.code), value),
            (chart.income_account(income, fund), -value),
        ],
        meta=_meta(fb_id, fund, _merged({"source": source}, meta)),
        links=frozenset({link}),
    )


def pledge_receipt(
    *,
    fb_id: str,
    date: datetime.date,
    fund: Fund,
    amount: Decimal,
    bank: Bank,
    source: str,
    narration: str,
    link: str,
    meta: Meta | None = None,
) -> data.Transaction:
    """Cash received against a pledge: the receivable clears."""
    value = _positive(amount)
    return transaction(
        date=date,
        payee=source,
        narration=narration,
        postings=[
            (chart.bank_account(bank, fund.code), value),
            (chart.RECEIVABLE.for_fund(fund.code), -value),
        ],
        meta=_meta(fb_id, fund, _merged({"source": source}, meta)),
        links=frozenset({link}),
    )


def transfer(
    *,
    fb_id: str,
    date: datetime.date,
    source: Fund,
    target: Fund,
    amount: Decimal,
    bank: Bank,
    narration: str,
    link: str,
    meta: Meta | None = None,
) -> data.Transaction:
    """An interfund transfer (an allocation from a pool, or a grant of the district fund).

    Each side balances within its fund through `Equity:Interfund`:

        Assets:Bank:ICBC:GP               -100.00 CNY
        Equity:Interfund:GP                100.00 CNY
        Assets:Bank:ICBC:AL-ST01C01-GP     100.00 CNY
        Equity:Interfund:AL-ST01C01-GP    -100.00 CNY
    """
    value = _positive(amount)
    if source.code == target.code:
        raise InvalidEntry("a transfer needs two different funds")
    extra = _merged({"fb_id": fb_id, "fund": source.code, "target_fund": target.code}, meta)
    return transaction(
        date=date,
        payee=None,
        narration=narration,
        postings=[
            (chart.bank_account(bank, source.code), -value),
            (chart.INTERFUND.for_fund(source.code), value),
            (chart.bank_account(bank, target.code), value),
            (chart.INTERFUND.for_fund(target.code), -value),
        ],
        meta=extra,
        links=frozenset({link}),
        tags=frozenset({INTERFUND_TAG}),
    )


def commitment(
    *,
    fb_id: str,
    date: datetime.date,
    fund: Fund,
    amount: Decimal,
    payee: str,
    narration: str,
    link: str,
    expense: Category = chart.PROGRAM,
    meta: Meta | None = None,
) -> data.Transaction:
    """Final approval of a request or award of a grant: expense against 应付款."""
    value = _positive(amount)
    return transaction(
        date=date,
        payee=payee,
        narration=narration,
        postings=[
            (expense.for_fund(fund.code), value),
            (chart.PAYABLE.for_fund(fund.code), -value),
        ],
        meta=_meta(fb_id, fund, meta),
        links=frozenset({link}),
    )


def payment(
    *,
    fb_id: str,
    date: datetime.date,
    fund: Fund,
    amount: Decimal,
    payee: str,
    bank: Bank,
    narration: str,
    link: str,
    bank_reference: str | None = None,
    meta: Meta | None = None,
) -> data.Transaction:
    """Cash paid against a commitment (a request, or a grant tranche)."""
    value = _positive(amount)
    extra = dict(meta or {})
    if bank_reference:
        extra["bank_reference"] = bank_reference
    return transaction(
        date=date,
        payee=payee,
        narration=narration,
        postings=[
            (chart.PAYABLE.for_fund(fund.code), value),
            (chart.bank_account(bank, fund.code), -value),
        ],
        meta=_meta(fb_id, fund, extra),
        links=frozenset({link}),
    )


def void(
    *,
    fb_id: str,
    date: datetime.date,
    fund: Fund,
    amount: Decimal,
    payee: str,
    narration: str,
    link: str,
    expense: Category = chart.PROGRAM,
    meta: Meta | None = None,
) -> data.Transaction:
    """Reverse an unpaid commitment (a voided request, or a grant's unspent rest)."""
    value = _positive(amount)
    return transaction(
        date=date,
        payee=payee,
        narration=narration,
        postings=[
            (chart.PAYABLE.for_fund(fund.code), value),
            (expense.for_fund(fund.code), -value),
        ],
        meta=_meta(fb_id, fund, meta),
        links=frozenset({link}),
    )


def refund(
    *,
    fb_id: str,
    date: datetime.date,
    fund: Fund,
    amount: Decimal,
    payee: str,
    bank: Bank,
    narration: str,
    link: str,
    expense: Category = chart.PROGRAM,
    meta: Meta | None = None,
) -> data.Transaction:
    """Money paid out and returned: the bank is credited back, the cost reduced."""
    value = _positive(amount)
    return transaction(
        date=date,
        payee=payee,
        narration=narration,
        postings=[
            (chart.bank_account(bank, fund.code), value),
            (expense.for_fund(fund.code), -value),
        ],
        meta=_meta(fb_id, fund, meta),
        links=frozenset({link}),
    )


def expense(
    *,
    fb_id: str,
    date: datetime.date,
    fund: Fund,
    amount: Decimal,
    payee: str,
    bank: Bank,
    narration: str,
    category: Category = chart.ADMIN,
    link: str | None = None,
    meta: Meta | None = None,
) -> data.Transaction:
    """An expense paid directly from the bank, e.g. 管理费用 of the foundation."""
    value = _positive(amount)
    return transaction(
        date=date,
        payee=payee,
        narration=narration,
        postings=[
            (category.for_fund(fund.code), value),
            (chart.bank_account(bank, fund.code), -value),
        ],
        meta=_meta(fb_id, fund, meta),
        links=frozenset({link}) if link else frozenset(),
    )


def restriction_release(
    *,
    fb_id: str,
    date: datetime.date,
    fund: Fund,
    amount: Decimal,
    narration: str = "限定性净资产转为非限定性净资产",
    meta: Meta | None = None,
) -> data.Transaction:
    """Restricted net assets whose restriction is met move to unrestricted (3102 → 3101)."""
    if not fund.restricted:
        raise InvalidEntry(f"fund {fund.code} is not restricted")
    value = _positive(amount)
    return transaction(
        date=date,
        payee=None,
        narration=narration,
        postings=[
            (chart.NET_RESTRICTED.for_fund(fund.code), value),
            (chart.NET_UNRESTRICTED.for_fund(fund.code), -value),
        ],
        meta=_meta(fb_id, fund, meta),
        tags=frozenset({RELEASE_TAG}),
    )


def year_end_close(
    *,
    fb_id: str,
    date: datetime.date,
    fund: Fund,
    balances: Mapping[str, Decimal],
    release: Decimal | None = None,
) -> list[data.Transaction]:
    """会计年度结账 for one fund: income, expense and interfund balances to net assets.

    `balances` maps each of the fund's Income, Expenses and Equity:Interfund
    accounts to its balance at `date`. Restricted income and transfers close
    to 3102, unrestricted ones and all expenses to 3101; for a restricted fund
    the expenses then release as much from 3102 to 3101 (`#release`). When
    a restricted fund's expenses of the year are negative (voids and refunds
    of earlier years' spending exceed it), the release runs the other way,
    3101 back to 3102, so a restricted fund never keeps unrestricted net assets.
    `release`, when given, is the restricted fund's spending not yet released
    (`ledger.periods.Unreleased`: less what was released at the time of
    spending) and replaces the year's expenses as the amount released.
    """
    unrestricted = chart.NET_UNRESTRICTED.for_fund(fund.code)
    restricted = chart.NET_RESTRICTED.for_fund(fund.code)
    closing: dict[str, Decimal] = {}
    expenses = Decimal("0.00")
    for account, balance in sorted(balances.items()):
        if chart.fund_of_account(account) != fund.code:
            raise InvalidEntry(f"{account} is not an account of fund {fund.code}")
        if balance == 0:
            continue
        category = chart.category_of_account(account)
        if (
            category is None
            or category.section
            not in (chart.Section.INCOME, chart.Section.EXPENSE, chart.Section.NET_ASSETS)
            or category in (chart.NET_RESTRICTED, chart.NET_UNRESTRICTED)
        ):
            raise InvalidEntry(f"{account} is not closed at year end")
        closing[account] = -cents(balance)
        if category.section is chart.Section.EXPENSE:
            target = unrestricted
            expenses += cents(balance)
        elif category.restriction is Restriction.RESTRICTED or (
            category.restriction is None and fund.restricted
        ):
            target = restricted
        else:
            target = unrestricted
        closing[target] = closing.get(target, Decimal("0.00")) + cents(balance)
    if release is not None:
        expenses = cents(release)
    entries = []
    if closing:
        entries.append(
            transaction(
                date=date,
                payee=None,
                narration=f"{date.year}年度结账: {fund.name_zh}",
                postings=list(closing.items()),
                meta={"fb_id": fb_id, "fund": fund.code},
                tags=frozenset({CLOSE_TAG}),
            )
        )
    if fund.restricted and expenses > 0:
        entries.append(
            restriction_release(
                fb_id=f"{fb_id}-release",
                date=date,
                fund=fund,
                amount=expenses,
                narration=f"{date.year}年度限定性净资产解除限定: {fund.name_zh}",
            )
        )
    elif fund.restricted and expenses < 0:
        entries.append(
            transaction(
                date=date,
                payee=None,
                narration=f"{date.year}年度冲回解除限定(支出退回): {fund.name_zh}",
                postings=[(unrestricted, -expenses), (restricted, expenses)],
                meta={"fb_id": f"{fb_id}-release", "fund": fund.code},
                tags=frozenset({RELEASE_TAG}),
            )
        )
    return entries
