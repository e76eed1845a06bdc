"""Statements of the small district against figures worked out by hand.

2024: income 98,100.00 (donations 10,000 FDN + 8,000 MF; subsidies 50,000 GP
+ 30,000 DCF; interest 100 FDN); program costs 14,000 (3,000 MF + 5,000 AL +
grant 12,000 less 6,000 voided), admin 500; closing cash 83,600, no payables.
Restricted funds spent 8,000 (MF 3,000, AL 5,000), released at the close.
2025 to 2025-12-31: donation 2,000 MF, commitment 1,500 MF (unpaid).
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest

from reports.book import Period, load_book
from reports.context import ReportContext
from reports.errors import InvalidPeriod, UnknownFund, UnknownReport
from reports.service import build_document, render_document, render_report
from reports.statements import activities, balance_sheet, trial_balance
from tests.reports.smallbook import make_home

D = Decimal
Y2024 = Period(datetime.date(2024, 1, 1), datetime.date(2024, 12, 31))
Y2025 = Period(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_home(tmp_path_factory.mktemp("small") / "home")


@pytest.fixture(scope="module")
def view(home: Path):
    loaded = load_book(home)
    assert loaded.errors == ()
    return loaded


def test_trial_balance_debits_equal_credits(view) -> None:
    tb = trial_balance(ReportContext(view, Y2024))
    assert tb.debit_total == tb.credit_total
    assert tb.opening_total == 0 and tb.closing_total == 0
    bank = next(line for line in tb.lines if line.account == "Assets:Bank:ICBC")
    assert (bank.opening, bank.closing) == (D("0.00"), D("83600.00"))
    # Transfers move 20,000 out of GP's and into AL's share of the same bank.
    assert bank.debit == D("118100.00") and bank.credit == D("34500.00")


def test_trial_balance_of_one_fund_lists_its_accounts(view) -> None:
    tb = trial_balance(ReportContext(view, Y2024, fund="MF-ST01C01"))
    accounts = {line.account for line in tb.lines}
    assert "Assets:Bank:ICBC:MF-ST01C01" in accounts
    assert all(a.endswith(":MF-ST01C01") for a in accounts)
    assert tb.debit_total == tb.credit_total


def test_balance_sheet_by_hand(view) -> None:
    bs = balance_sheet(ReportContext(view, Y2024))
    assert bs.balances
    assert bs.total_assets.closing == D("83600.00")
    assert bs.total_liabilities.closing == D("0.00")
    assert bs.net_unrestricted.closing == D("33600.00")
    assert bs.net_restricted.closing == D("50000.00")
    bs25 = balance_sheet(ReportContext(view, Y2025))
    assert bs25.balances
    assert bs25.total_assets.opening == D("83600.00")
    assert bs25.total_assets.closing == D("85600.00")
    assert bs25.total_liabilities.closing == D("1500.00")
    # Before the close, MF's commitment of 1,500 is released all the same: the
    # restricted column is what the restricted funds hold (50,000 + 2,000 - 1,500).
    assert bs25.net_unrestricted.closing == D("33600.00")
    assert bs25.net_restricted.closing == D("50500.00")
    act25 = activities(ReportContext(view, Y2025))
    assert (act25.release.unrestricted, act25.release.restricted) == (D("1500.00"), D("-1500.00"))
    assert act25.change.unrestricted == D("0.00") and act25.change.restricted == D("500.00")


def test_activities_by_hand_with_the_close_in_the_period(view) -> None:
    act = activities(ReportContext(view, Y2024))
    assert act.income_total.unrestricted == D("40100.00")
    assert act.income_total.restricted == D("58000.00")
    assert act.expense_total.total == D("14500.00")
    program = next(x for x in act.expenses if x.key == "Expenses:Program")
    assert program.total == D("14000.00")
    assert (act.release.unrestricted, act.release.restricted) == (D("8000.00"), D("-8000.00"))
    assert act.interfund.total == 0
    assert act.change.unrestricted == D("33600.00") and act.change.restricted == D("50000.00")
    assert act.closing.total - act.opening.total == act.change.total


def test_activities_of_one_fund(view) -> None:
    act = activities(ReportContext(view, Y2024, fund="GP"))
    assert act.income_total.restricted == D("50000.00")
    assert act.interfund.restricted == D("-20000.00")
    assert act.change.total == D("30000.00") == act.closing.total


def test_json_report(home: Path) -> None:
    body, media = render_report(
        name="balance-sheet",
        home=home,
        date_from=datetime.date(2024, 1, 1),
        date_to=datetime.date(2024, 12, 31),
        fmt="json",
        lang="en",
    )
    assert media == "application/json"
    report = json.loads(body)
    data = report["sections"][0]["data"]
    assert data["total_assets"]["closing"] == "83600.00"
    assert data["net_restricted"]["closing"] == "50000.00"
    assert report["sections"][0]["tables"][0]["columns"][2]["kind"] == "money"


def test_refusals(view, home: Path) -> None:
    with pytest.raises(InvalidPeriod):
        Period(datetime.date(2025, 1, 1), datetime.date(2024, 1, 1))
    with pytest.raises(UnknownFund):
        build_document(
            view=view, name="funds", date_from=Y2024.start, date_to=Y2024.end, fund="NOPE"
        )
    with pytest.raises(UnknownReport):
        build_document(view=view, name="profit", date_from=Y2024.start, date_to=Y2024.end)
    doc = build_document(
        view=view, name="trial-balance", date_from=Y2024.start, date_to=Y2024.end, lang="en"
    )
    assert render_document(doc, "json")[1] == "application/json"


def test_registers_and_sources_by_hand(view) -> None:
    from reports.registers import disbursement_register, grant_register
    from reports.sources import source_tracing

    ctx = ReportContext(view, Y2024)
    reg = disbursement_register(ctx)
    assert [(p.date, p.request or p.link, p.amount) for p in reg.payments] == [
        ("2024-04-10", "R000001", D("3000.00")),
        ("2024-06-05", "R000002", D("5000.00")),
        ("2024-08-01", "grant-G000001", D("6000.00")),
    ]
    first = reg.payments[0]
    assert (first.requested_by, first.bank_reference, first.paid_by) == ("王芳", "ICBC001", "周慧")
    assert [(a.role, a.org, a.by) for a in first.approvals] == [
        ("community_party", "ST01C01", "李强"),
        ("street", "ST01", "赵敏"),
        ("foundation", "WHCDF", "陈静"),
    ]
    assert reg.without_chain == 1  # the grant's award carries no approval chain here
    (grant,) = grant_register(ctx).grants
    assert (
        grant.grant,
        grant.enterprise,
        grant.awarded,
        grant.paid,
        grant.voided,
        grant.outstanding,
    ) == ("G000001", "SE01", D("12000.00"), D("6000.00"), D("6000.00"), D("0.00"))
    assert [(e.kind, e.tranche, e.milestone) for e in grant.events] == [
        ("award", "", ""),
        ("payment", "1/2", "开业"),
        ("void", "", ""),
    ]
    (d01,) = source_tracing(ctx).departments
    assert (d01.department, d01.contributed, d01.allocated, d01.paid_out) == (
        "D01",
        D("50000.00"),
        D("20000.00"),
        D("5000.00"),
    )
    assert source_tracing(ReportContext(view, Y2024, department="D02")).departments == ()


def test_cash_by_account_names_each_bank_account(view) -> None:
    from reports.cashflow import cash_flow_section

    for lang, name in (("zh", "银行存款-工商银行武侯支行基本户"), ("en", "Bank: ICBC")):
        table = cash_flow_section(ReportContext(view, Y2024, lang=lang)).tables[1]
        assert [row.cells for row in table.rows] == [("Assets:Bank:ICBC", name, D("83600.00"))]
