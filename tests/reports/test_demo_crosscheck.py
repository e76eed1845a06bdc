"""The statements of the demo district, every year, against plain Beancount queries.

The figures on the right-hand side come from beanquery over the loaded
entries (or plain sums over postings), never from `reports`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from beanquery.query import run_query

from reports.book import BookView, Period
from reports.cashflow import cash_flow
from reports.context import ReportContext
from reports.fundstatements import fund_statements
from reports.statements import activities, balance_sheet

ZERO = Decimal("0.00")


@pytest.fixture
def view(demo_view: BookView) -> BookView:
    return demo_view


def years(view: BookView) -> list[int]:
    return sorted({txn.date.year for txn in view.transactions})


def query_sum(view: BookView, where: str) -> Decimal:
    _, rows = run_query(
        list(view.entries), dict(view.options), f"SELECT sum(number) AS n WHERE {where}"
    )
    value = rows[0][0] if rows and rows[0][0] is not None else ZERO
    return Decimal(value)


def query_by_account(view: BookView, where: str) -> dict[str, Decimal]:
    _, rows = run_query(
        list(view.entries),
        dict(view.options),
        f"SELECT account, sum(number) AS n WHERE {where} GROUP BY account",
    )
    return {account: Decimal(n) for account, n in rows}


def test_the_demo_has_several_years_and_loads_cleanly(view: BookView) -> None:
    assert len(years(view)) >= 3
    assert view.errors == ()


@pytest.mark.parametrize("offset", [0, 1, 2, 3])
def test_statements_of_each_year_agree_with_beancount(view: BookView, offset: int) -> None:
    all_years = years(view)
    if offset >= len(all_years):
        pytest.skip("the demo has fewer years")
    year = all_years[offset]
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    ctx = ReportContext(view, Period(start, end))
    at_end = f"date <= {end.isoformat()}"
    before = f"date < {start.isoformat()}"

    # The balance sheet balances, and each side is Beancount's.
    bs = balance_sheet(ctx)
    assets = query_sum(view, f"account ~ '^Assets:' AND {at_end}")
    liabilities = query_sum(view, f"account ~ '^Liabilities:' AND {at_end}")
    rest = query_sum(view, f"account ~ '^(Equity|Income|Expenses):' AND {at_end}")
    assert bs.total_assets.closing == assets
    assert bs.total_liabilities.closing == -liabilities
    assert bs.total_net_assets.closing == -rest == assets + liabilities
    assert bs.total_assets.closing == bs.total_liabilities_net_assets.closing
    assert bs.total_assets.opening == bs.total_liabilities_net_assets.opening

    # The activity statement's change in net assets is the balance sheet's.
    act = activities(ctx)
    net_before = query_sum(view, f"account ~ '^(Assets|Liabilities):' AND {before}")
    net_after = assets + liabilities
    assert act.change.total == net_after - net_before
    assert act.change.total == bs.total_net_assets.closing - bs.total_net_assets.opening
    assert act.change.unrestricted == bs.net_unrestricted.closing - bs.net_unrestricted.opening
    assert act.change.restricted == bs.net_restricted.closing - bs.net_restricted.opening
    # Income and expenses of the year, the close left out; restricted spending is released.
    restricted = "|".join(code for code, fund in view.registry.funds.items() if fund.restricted)
    in_year = f"year = {year} AND NOT ('close' IN tags)"
    assert act.income_total.total == -query_sum(view, f"account ~ '^Income:' AND {in_year}")
    assert act.income_total.restricted == -query_sum(
        view, f"account ~ '^Income:.*:Restricted:' AND {in_year}"
    )
    assert (
        act.expense_total.total
        == act.expense_total.unrestricted
        == query_sum(view, f"account ~ '^Expenses:' AND {in_year}")
    )
    assert (
        act.release.unrestricted
        == -act.release.restricted
        == query_sum(view, f"account ~ '^Expenses:.*:({restricted})$' AND {in_year}")
    )
    # Restricted net assets are what the restricted funds hold, closed year or not.
    held = query_sum(view, f"account ~ '^(Assets|Liabilities):.*:({restricted})$' AND {at_end}")
    assert bs.net_restricted.closing == held
    assert bs.net_unrestricted.closing == net_after - held

    # Each fund's closing balance is its Beancount balance.
    per_account = query_by_account(view, f"account ~ '^(Assets|Liabilities):' AND {at_end}")
    expected: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for account, number in per_account.items():
        expected[account.rsplit(":", 1)[1]] += number
    statements = fund_statements(ctx)
    assert {s.code for s in statements.funds} == set(view.registry.funds)
    for statement in statements.funds:
        assert statement.closing == expected.get(statement.code, ZERO), statement.code
        assert statement.closing == (
            statement.opening
            + statement.inflows
            - statement.outflows
            + statement.transfers_in
            - statement.transfers_out
            + statement.other
        ), statement.code
    payable = query_by_account(view, f"account ~ '^Liabilities:Payable:' AND {at_end}")
    for statement in statements.funds:
        assert statement.commitments == -payable.get(f"Liabilities:Payable:{statement.code}", ZERO)

    # Cash flow's closing cash is the bank accounts' balance.
    cf = cash_flow(ctx)
    cash = query_sum(view, f"account ~ '^Assets:(Bank|Cash):' AND {at_end}")
    cash_before = query_sum(view, f"account ~ '^Assets:(Bank|Cash):' AND {before}")
    assert cf.closing_cash == cash
    assert cf.opening_cash == cash_before
    assert cf.opening_cash + cf.net_increase == cf.closing_cash
    assert cf.residuals == ()


def test_one_fund_statement_agrees_with_beancount(view: BookView) -> None:
    year = years(view)[-1]
    fund = "MF-ST01C01"
    ctx = ReportContext(
        view, Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31)), fund=fund
    )
    balance = query_sum(
        view, f"account ~ '^(Assets|Liabilities):.*:{fund}$' AND date <= {year}-12-31"
    )
    assert fund_statements(ctx).funds[0].closing == balance
    bs = balance_sheet(ctx)
    assert bs.total_net_assets.closing == balance
    assert bs.total_assets.closing == bs.total_liabilities_net_assets.closing
    cf = cash_flow(ctx)
    assert cf.closing_cash == query_sum(
        view, f"account ~ '^Assets:Bank:.*:{fund}$' AND date <= {year}-12-31"
    )
    assert cf.opening_cash + cf.net_increase == cf.closing_cash


def test_restricted_net_assets_mid_year_are_the_restricted_funds(view: BookView) -> None:
    # Before the year-end close books the release, restricted spending is released all the same.
    year = years(view)[0]
    end = datetime.date(year, 6, 30)
    bs = balance_sheet(ReportContext(view, Period(datetime.date(year, 1, 1), end)))
    restricted = "|".join(code for code, fund in view.registry.funds.items() if fund.restricted)
    held = query_sum(
        view, f"account ~ '^(Assets|Liabilities):.*:({restricted})$' AND date <= {end.isoformat()}"
    )
    assert bs.net_restricted.closing == held
    assert (
        bs.net_unrestricted.closing
        == query_sum(view, f"account ~ '^(Assets|Liabilities):' AND date <= {end.isoformat()}")
        - held
    )
