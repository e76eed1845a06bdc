"""Invariants of the statements on generated books: whatever happened, the figures agree.

Books are sequences of movements built with the ledger's entry builders
(contributions, direct expenses, transfers, commitments, payments, voids,
releases, the year-end close) over 2024-2025; periods are arbitrary.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from beancount.core import data
from beancount.parser import printer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import accounts as chart
from ledger import entries as build
from ledger.accounts import IncomeKind
from reports.book import Period, load_text
from reports.cashflow import cash_flow
from reports.context import ReportContext
from reports.fundstatements import fund_statements
from reports.statements import activities, balance_sheet, trial_balance
from tests.reports.smallbook import ICBC, book_text, small_registry, year_end_closes

REGISTRY = small_registry()
FUNDS = sorted(REGISTRY.funds)
START = datetime.date(2024, 1, 1)

amounts = st.integers(min_value=1, max_value=500_000).map(lambda c: Decimal(c) / 100)
days = st.integers(min_value=0, max_value=729).map(lambda d: START + datetime.timedelta(days=d))
funds = st.sampled_from(FUNDS)
movement = st.tuples(
    st.sampled_from(["in", "spend", "transfer", "commit", "release"]),
    funds,
    funds,
    amounts,
    days,
    st.sampled_from(list(IncomeKind)),
)


def book(moves: list[tuple], close: bool) -> str:
    txns: list[data.Transaction] = []
    for n, (kind, a, b, amount, day, income) in enumerate(moves):
        fa, fb = REGISTRY.fund(a), REGISTRY.fund(b)
        fb_id = f"M{n}"
        if kind == "in":
            txns.append(
                build.contribution(
                    fb_id=fb_id,
                    date=day,
                    fund=fa,
                    amount=amount,
                    bank=ICBC,
                    income=income,
                    source="x",
                    narration="in",
                )
            )
        elif kind == "spend":
            txns.append(
                build.expense(
                    fb_id=fb_id,
                    date=day,
                    fund=fa,
                    amount=amount,
                    payee="p",
                    bank=ICBC,
                    narration="out",
                    category=chart.PROGRAM if n % 2 else chart.ADMIN,
                )
            )
        elif kind == "transfer" and a != b:
            txns.append(
                build.transfer(
                    fb_id=fb_id,
                    date=day,
                    source=fa,
                    target=fb,
                    amount=amount,
                    bank=ICBC,
                    narration="t",
                    link=f"alloc-{n}",
                )
            )
        elif kind == "commit":
            link = f"req-R{n}"
            txns.append(
                build.commitment(
                    fb_id=fb_id,
                    date=day,
                    fund=fa,
                    amount=amount,
                    payee="p",
                    narration="c",
                    link=link,
                )
            )
            later = day + datetime.timedelta(days=n % 40)
            if n % 3:
                txns.append(
                    build.payment(
                        fb_id=f"{fb_id}-p",
                        date=later,
                        fund=fa,
                        amount=amount,
                        payee="p",
                        bank=ICBC,
                        narration="pay",
                        link=link,
                    )
                )
            else:
                txns.append(
                    build.void(
                        fb_id=f"{fb_id}-v",
                        date=later,
                        fund=fa,
                        amount=amount,
                        payee="p",
                        narration="void",
                        link=link,
                    )
                )
        elif kind == "release" and fa.restricted:
            txns.append(build.restriction_release(fb_id=fb_id, date=day, fund=fa, amount=amount))
    if close:
        txns += year_end_closes(txns, 2024)
    return book_text("\n".join(printer.format_entry(t) for t in txns), plugins=())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    moves=st.lists(movement, max_size=40),
    close=st.booleans(),
    a=days,
    b=days,
    fund=st.none() | funds,
)
def test_statements_agree_on_any_book_and_period(moves, close, a, b, fund) -> None:
    view = load_text(book(moves, close))
    assert view.errors == ()
    ctx = ReportContext(view, Period(min(a, b), max(a, b)), fund=fund)
    tb = trial_balance(ctx)
    assert tb.debit_total == tb.credit_total
    bs = balance_sheet(ctx)
    assert bs.balances
    act = activities(ctx)
    assert act.change.unrestricted == bs.net_unrestricted.closing - bs.net_unrestricted.opening
    assert act.change.restricted == bs.net_restricted.closing - bs.net_restricted.opening
    cf = cash_flow(ctx)
    assert cf.opening_cash + cf.net_increase == cf.closing_cash
    assert cf.residuals == ()
    for statement in fund_statements(ctx).funds:
        assert statement.closing == (
            statement.opening
            + statement.inflows
            - statement.outflows
            + statement.transfers_in
            - statement.transfers_out
            + statement.other
        )
