"""The chart of accounts, after 民间非营利组织会计制度, with a fund segment.

Every account that holds money of a fund ends in the fund's code, so a fund's
balance is a plain Beancount balance and a bank balance assertion on the
parent (`Assets:Bank:ICBC`) covers every fund's share of that bank account:

    2024-01-01 open Assets:Bank:ICBC                 CNY
      code: "1002"
      name_zh: "银行存款-工商银行基本户"
    2024-01-01 open Assets:Bank:ICBC:MF-ST01C01      CNY
      code: "1002"
      fund: "MF-ST01C01"

Account names are ASCII (Beancount refuses others); codes and Chinese names
are Open-directive metadata, so a later revision of the accounting system can
be mapped per year without renaming anything.

A fund's balance is its net assets: the sum of its Assets and Liabilities
postings. Every transaction balances fund by fund (see `ledger.plugins`), so
that is also minus the sum of its Equity, Income and Expenses postings.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from funds.model import Fund, Restriction

# A fund's balance (its net assets) is the sum of its postings under these roots.
NET_ASSET_ROOTS = ("Assets:", "Liabilities:")

# A bank account whose last balance assertion is older than this is stale:
# its reconciliation is overdue (the desk and the compliance report agree).
RECONCILIATION_DAYS_MAX = 35


class Section(enum.StrEnum):
    """Where a category appears in the statutory statements."""

    ASSET = "asset"
    LIABILITY = "liability"
    NET_ASSETS = "net_assets"
    INCOME = "income"
    EXPENSE = "expense"


@dataclass(frozen=True, slots=True)
class Category:
    """A fund-segmented account of the chart: one per (category, fund) pair.

    Attributes:
      account: the Beancount account name without the fund segment.
      code: the code of the accounting system, e.g. "1002".
      name_zh: the Chinese name of the account.
      name_en: the English name.
      section: where it appears in the statements.
      restriction: for income and net assets, which column it belongs to.
    """

    account: str
    code: str
    name_zh: str
    name_en: str
    section: Section
    restriction: Restriction | None = None

    def for_fund(self, fund: str) -> str:
        return f"{self.account}:{fund}"


U, R = Restriction.UNRESTRICTED, Restriction.RESTRICTED

CASH = Category("Assets:Cash", "1001", "现金", "Cash on hand", Section.ASSET)
RECEIVABLE = Category("Assets:Receivable", "1122", "应收款项", "Receivables", Section.ASSET)
PREPAID = Category("Assets:Prepaid", "1141", "预付账款", "Prepayments", Section.ASSET)
PAYABLE = Category("Liabilities:Payable", "2202", "应付款项", "Payables", Section.LIABILITY)
NET_UNRESTRICTED = Category(
    "Equity:NetAssets:Unrestricted",
    "3101",
    "非限定性净资产",
    "Unrestricted net assets",
    Section.NET_ASSETS,
    U,
)
NET_RESTRICTED = Category(
    "Equity:NetAssets:Restricted",
    "3102",
    "限定性净资产",
    "Restricted net assets",
    Section.NET_ASSETS,
    R,
)
INTERFUND = Category(
    "Equity:Interfund", "3199", "基金间划转", "Interfund transfers", Section.NET_ASSETS
)
DONATION_UNRESTRICTED = Category(
    "Income:Donation:Unrestricted",
    "4101",
    "捐赠收入-非限定性",
    "Donations, unrestricted",
    Section.INCOME,
    U,
)
DONATION_RESTRICTED = Category(
    "Income:Donation:Restricted",
    "4101",
    "捐赠收入-限定性",
    "Donations, restricted",
    Section.INCOME,
    R,
)
SERVICE_UNRESTRICTED = Category(
    "Income:Service:Unrestricted",
    "4301",
    "提供服务收入-非限定性",
    "Service revenue, unrestricted",
    Section.INCOME,
    U,
)
SERVICE_RESTRICTED = Category(
    "Income:Service:Restricted",
    "4301",
    "提供服务收入-限定性",
    "Service revenue, restricted",
    Section.INCOME,
    R,
)
SUBSIDY_UNRESTRICTED = Category(
    "Income:Subsidy:Unrestricted",
    "4401",
    "政府补助收入-非限定性",
    "Government subsidies, unrestricted",
    Section.INCOME,
    U,
)
SUBSIDY_RESTRICTED = Category(
    "Income:Subsidy:Restricted",
    "4401",
    "政府补助收入-限定性",
    "Government subsidies, restricted",
    Section.INCOME,
    R,
)
INVESTMENT = Category(
    "Income:Investment:Unrestricted",
    "4601",
    "投资收益-非限定性",
    "Investment income",
    Section.INCOME,
    U,
)
INVESTMENT_RESTRICTED = Category(
    "Income:Investment:Restricted",
    "4601",
    "投资收益-限定性",
    "Investment income, restricted",
    Section.INCOME,
    R,
)
OTHER_INCOME = Category(
    "Income:Other:Unrestricted", "4901", "其他收入-非限定性", "Other income", Section.INCOME, U
)
OTHER_INCOME_RESTRICTED = Category(
    "Income:Other:Restricted",
    "4901",
    "其他收入-限定性",
    "Other income, restricted",
    Section.INCOME,
    R,
)
PROGRAM = Category("Expenses:Program", "5101", "业务活动成本", "Program costs", Section.EXPENSE)
ADMIN = Category("Expenses:Admin", "5201", "管理费用", "Administrative expenses", Section.EXPENSE)
FUNDRAISING = Category(
    "Expenses:Fundraising", "5301", "筹资费用", "Fundraising costs", Section.EXPENSE
)
OTHER_EXPENSE = Category("Expenses:Other", "5401", "其他费用", "Other expenses", Section.EXPENSE)


@dataclass(frozen=True, slots=True)
class Bank:
    """A physical bank account of the foundation, shared by the funds.

    Attributes:
      key: the ASCII account component, e.g. "ICBC".
      name_zh: e.g. "工商银行武侯支行基本户".
      number: the account number as the bank prints it.
    """

    key: str
    name_zh: str
    number: str

    @property
    def category(self) -> Category:
        return Category(
            f"Assets:Bank:{self.key}",
            "1002",
            f"银行存款-{self.name_zh}",
            f"Bank: {self.key}",
            Section.ASSET,
        )


FIXED_CATEGORIES: tuple[Category, ...] = (
    CASH,
    RECEIVABLE,
    PREPAID,
    PAYABLE,
    NET_UNRESTRICTED,
    NET_RESTRICTED,
    INTERFUND,
    DONATION_UNRESTRICTED,
    DONATION_RESTRICTED,
    SERVICE_UNRESTRICTED,
    SERVICE_RESTRICTED,
    SUBSIDY_UNRESTRICTED,
    SUBSIDY_RESTRICTED,
    INVESTMENT,
    INVESTMENT_RESTRICTED,
    OTHER_INCOME,
    OTHER_INCOME_RESTRICTED,
    PROGRAM,
    ADMIN,
    FUNDRAISING,
    OTHER_EXPENSE,
)


class IncomeKind(enum.StrEnum):
    DONATION = "donation"
    SERVICE = "service"  # 政府购买服务: government purchase of services
    SUBSIDY = "subsidy"  # 政府补助: government subsidy
    INVESTMENT = "investment"  # interest and other investment income
    OTHER = "other"


_INCOME: dict[tuple[IncomeKind, Restriction], Category] = {
    (IncomeKind.DONATION, U): DONATION_UNRESTRICTED,
    (IncomeKind.DONATION, R): DONATION_RESTRICTED,
    (IncomeKind.SERVICE, U): SERVICE_UNRESTRICTED,
    (IncomeKind.SERVICE, R): SERVICE_RESTRICTED,
    (IncomeKind.SUBSIDY, U): SUBSIDY_UNRESTRICTED,
    (IncomeKind.SUBSIDY, R): SUBSIDY_RESTRICTED,
    (IncomeKind.INVESTMENT, U): INVESTMENT,
    (IncomeKind.INVESTMENT, R): INVESTMENT_RESTRICTED,
    (IncomeKind.OTHER, U): OTHER_INCOME,
    (IncomeKind.OTHER, R): OTHER_INCOME_RESTRICTED,
}


def income_account(kind: IncomeKind, fund: Fund) -> str:
    """The income account of `fund` for income of `kind`, in the fund's column."""
    return _INCOME[(kind, fund.restriction)].for_fund(fund.code)


def net_assets_account(fund: Fund) -> str:
    category = NET_RESTRICTED if fund.restricted else NET_UNRESTRICTED
    return category.for_fund(fund.code)


def fund_of_account(account: str) -> str | None:
    """The fund code of a fund-segmented account, or None for a parent account."""
    parts = account.split(":")
    for category in FIXED_CATEGORIES:
        if account.startswith(category.account + ":"):
            rest = account[len(category.account) + 1 :]
            return rest if ":" not in rest else None
    if len(parts) == 4 and parts[0] == "Assets" and parts[1] == "Bank":
        return parts[3]
    return None


def category_of_account(account: str) -> Category | None:
    """The chart category of a fund account (bank accounts excluded)."""
    parent = account.rsplit(":", 1)[0]
    for category in FIXED_CATEGORIES:
        if category.account == parent:
            return category
    return None


def bank_account(bank: Bank, fund: str) -> str:
    return bank.category.for_fund(fund)
