"""The statements of the demo district, every year, against plain Beancount queries.

The figures on the right-hand side come from beanquery over the loaded
entries (or plain sums over postings), never from `reports`. The statements
follow the recognition policies (`reports.recognition`), so the book's figures
are adjusted by queries of their own: pledges (`pledge` metadata) are income
when received, not a receivable; a grant award (`grant` metadata) is expensed
tranche by tranche (`tranche` metadata), its unpaid rest is no liability; and
interest of restricted funds is unrestricted. In the demo every pledge and
grant is a restricted fund's.
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
from reports.netassets import designated_by_fund
from reports.recognition import recognized
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

    restricted = "|".join(code for code, fund in view.registry.funds.items() if fund.restricted)
    in_year = f"year = {year} AND NOT ('close' IN tags)"
    grant = "entry_meta('grant') IS NOT NULL"
    pledge = "entry_meta('pledge') IS NOT NULL"

    def unpaid_grants(when: str) -> Decimal:  # negative: the awards' payables
        return query_sum(view, f"account ~ '^Liabilities:Payable:' AND {grant} AND {when}")

    def pledged(when: str) -> Decimal:
        return query_sum(view, f"account ~ '^Assets:Receivable:' AND {pledge} AND {when}")

    # The balance sheet balances, and each side is Beancount's, adjusted.
    bs = balance_sheet(ctx)
    assets = query_sum(view, f"account ~ '^Assets:' AND {at_end}") - pledged(at_end)
    liabilities = query_sum(view, f"account ~ '^Liabilities:' AND {at_end}") - unpaid_grants(at_end)
    assert bs.total_assets.closing == assets
    assert bs.total_liabilities.closing == -liabilities
    assert bs.total_net_assets.closing == assets + liabilities
    assert bs.total_assets.closing == bs.total_liabilities_net_assets.closing
    assert bs.total_assets.opening == bs.total_liabilities_net_assets.opening

    # The activity statement's change in net assets is the balance sheet's.
    act = activities(ctx)
    net_before = (
        query_sum(view, f"account ~ '^(Assets|Liabilities):' AND {before}")
        - pledged(before)
        - unpaid_grants(before)
    )
    net_after = assets + liabilities
    assert act.change.total == net_after - net_before
    assert act.change.total == bs.total_net_assets.closing - bs.total_net_assets.opening
    assert act.change.unrestricted == bs.net_unrestricted.closing - bs.net_unrestricted.opening
    assert act.change.restricted == bs.net_restricted.closing - bs.net_restricted.opening
    # Income of the year: pledges when received; interest of restricted funds unrestricted.
    pledges_booked = -query_sum(view, f"account ~ '^Income:' AND {pledge} AND {in_year}")
    pledges_received = -query_sum(
        view, f"account ~ '^Assets:Receivable:' AND {pledge} AND number < 0 AND {in_year}"
    )
    income = -query_sum(view, f"account ~ '^Income:' AND {in_year}")
    assert act.income_total.total == income - pledges_booked + pledges_received
    restricted_income = -query_sum(
        view, f"account ~ '^Income:(Donation|Service|Subsidy|Other):Restricted:' AND {in_year}"
    )
    assert act.income_total.restricted == restricted_income - pledges_booked + pledges_received
    # Expenses of the year: a grant's tranches, not its award or the void of its rest.
    expenses = query_sum(view, f"account ~ '^Expenses:' AND {in_year}")
    awards = query_sum(view, f"account ~ '^Expenses:' AND {grant} AND number > 0 AND {in_year}")
    voids = query_sum(
        view,
        f"account ~ '^Expenses:' AND {grant} AND entry_meta('voided_by') IS NOT NULL AND {in_year}",
    )
    tranches = query_sum(
        view,
        f"account ~ '^Liabilities:Payable:' AND entry_meta('tranche') IS NOT NULL "
        f"AND number > 0 AND {in_year}",
    )
    assert act.expense_total.total == act.expense_total.unrestricted
    assert act.expense_total.total == expenses - awards - voids + tranches
    # Releases never exceed the restricted funds' spending; restricted net assets are
    # what the restricted funds hold less their unrestricted (designated, interest) money.
    assert act.release.unrestricted == -act.release.restricted
    restricted_spent = (
        query_sum(view, f"account ~ '^Expenses:.*:({restricted})$' AND NOT ({grant}) AND {in_year}")
        + tranches
    )
    assert ZERO <= act.release.unrestricted <= restricted_spent
    held = (
        query_sum(view, f"account ~ '^(Assets|Liabilities):.*:({restricted})$' AND {at_end}")
        - pledged(at_end)
        - unpaid_grants(at_end)
    )
    assert bs.net_restricted.closing == held - sum(
        designated_by_fund(recognized(view), end).values(), ZERO
    )
    assert bs.net_unrestricted.closing == net_after - bs.net_restricted.closing

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
    # Before the year-end close books the release, restricted spending is released all the
    # same: restricted net assets are what the restricted funds hold (pledges not yet
    # received and grants not yet due left out) less their unrestricted money.
    year = years(view)[0]
    end = datetime.date(year, 6, 30)
    bs = balance_sheet(ReportContext(view, Period(datetime.date(year, 1, 1), end)))
    restricted = "|".join(code for code, fund in view.registry.funds.items() if fund.restricted)
    when = f"date <= {end.isoformat()}"
    adjust = query_sum(
        view, f"account ~ '^Assets:Receivable:' AND entry_meta('pledge') IS NOT NULL AND {when}"
    ) + query_sum(
        view, f"account ~ '^Liabilities:Payable:' AND entry_meta('grant') IS NOT NULL AND {when}"
    )
    held = (
        query_sum(view, f"account ~ '^(Assets|Liabilities):.*:({restricted})$' AND {when}") - adjust
    )
    designated = sum(designated_by_fund(recognized(view), end).values(), ZERO)
    assert bs.net_restricted.closing == held - designated
    assert (
        bs.net_unrestricted.closing
        == query_sum(view, f"account ~ '^(Assets|Liabilities):' AND {when}")
        - adjust
        - held
        + designated
    )
