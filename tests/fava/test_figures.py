"""The desk's figures from a loaded book: fund balances, history, reconciliation, sparklines."""

from __future__ import annotations

import datetime
import functools
import re
import textwrap
from decimal import Decimal

from beancount import loader
from beancount.core import data
from beancount.core.amount import Amount
from beancount.parser.printer import format_entry
from hypothesis import given, settings
from hypothesis import strategies as st

from fava_fundbook.figures import HISTORY_MONTHS, compute_desk
from fava_fundbook.guard import is_journal_file, refused_target
from fava_fundbook.sparkline import HEIGHT, WIDTH, sparkline_svg
from ledger.registry_io import registry_entries
from tests.fava.smallbook import ICBC, OPENED, registry

TODAY = datetime.date(2026, 4, 15)

BOOK = textwrap.dedent("""
    2024-01-01 custom "fundbook-org" "WHCDF"
      kind: "foundation"
      name: "Wuhou CDF"
      name_zh: "武侯区社区发展基金会"
    2024-01-01 custom "fundbook-org" "ST01C01"
      kind: "community"
      name: "Yulin"
      name_zh: "玉林社区"
    2024-01-01 custom "fundbook-fund" "FDN"
      kind: "foundation"
      name: "Foundation"
      name_zh: "基金会非限定性资金"
      org: "WHCDF"
      restriction: "unrestricted"
      chain: "foundation@foundation"
    2024-01-01 custom "fundbook-fund" "MF-ST01C01"
      kind: "micro"
      name: "Yulin micro-fund"
      name_zh: "玉林社区微基金"
      org: "ST01C01"
      restriction: "restricted"
      chain: "community_party@community foundation@foundation"
    2024-01-01 custom "fundbook-bank" "ICBC"
      name_zh: "工商银行基本户"
      number: "4402"
    2024-01-01 custom "fundbook-bank" "CCB"
      name_zh: "建设银行专户"
      number: "5105"

    2024-01-01 open Assets:Bank:ICBC
    2024-01-01 open Assets:Bank:ICBC:FDN
    2024-01-01 open Assets:Bank:ICBC:MF-ST01C01
    2024-01-01 open Assets:Bank:CCB
    2024-01-01 open Liabilities:Payable:MF-ST01C01
    2024-01-01 open Income:Donation:Restricted:MF-ST01C01
    2024-01-01 open Income:Donation:Unrestricted:FDN
    2024-01-01 open Expenses:Program:MF-ST01C01

    2026-01-10 * "捐赠"
      Assets:Bank:ICBC:FDN                      1000.00 CNY
      Income:Donation:Unrestricted:FDN         -1000.00 CNY
    2026-02-03 * "微基金捐赠"
      Assets:Bank:ICBC:MF-ST01C01                500.00 CNY
      Income:Donation:Restricted:MF-ST01C01     -500.00 CNY
    2026-03-05 * "批准: 敬老活动"
      Expenses:Program:MF-ST01C01                120.00 CNY
      Liabilities:Payable:MF-ST01C01            -120.00 CNY
    2026-03-20 * "支付: 敬老活动"
      Liabilities:Payable:MF-ST01C01             120.00 CNY
      Assets:Bank:ICBC:MF-ST01C01               -120.00 CNY
    2026-02-01 balance Assets:Bank:ICBC         1000.00 CNY
    2026-03-21 balance Assets:Bank:ICBC         1380.00 CNY
""")


def test_fund_balances_history_and_reconciliation_of_a_book():
    entries, errors, _ = loader.load_string(BOOK)
    assert errors == []
    desk = compute_desk(entries, TODAY)
    funds = {fund.code: fund for fund in desk.funds}
    assert [fund.code for fund in desk.funds] == ["FDN", "MF-ST01C01"]
    assert funds["FDN"].balance == Decimal("1000.00")
    # Net assets: the commitment lowers the fund's balance; the payment does not.
    assert funds["MF-ST01C01"].balance == Decimal("380.00")
    assert funds["MF-ST01C01"].name_zh == "玉林社区微基金"
    history = funds["MF-ST01C01"].history
    assert len(history) == HISTORY_MONTHS
    assert history[-4:] == (
        Decimal("0.00"),
        Decimal("500.00"),
        Decimal("380.00"),
        Decimal("380.00"),
    )
    banks = {bank.key: bank for bank in desk.banks}
    icbc = banks["ICBC"]
    assert icbc.book_balance == Decimal("1380.00")
    assert icbc.asserted_on == datetime.date(2026, 3, 21)
    # The assertion at the start of 03-21 is the statement's closing balance of 03-20:
    # from 2026-03-20 to 2026-04-15 are 11 + 15 = 26 days.
    assert icbc.statement_on == datetime.date(2026, 3, 20)
    assert icbc.difference == Decimal("0.00") and icbc.days_since == 26
    assert banks["CCB"].asserted_on is None and banks["CCB"].book_balance == Decimal("0.00")


def test_a_statement_balance_the_book_lacks_shows_its_difference():
    entries, errors, _ = loader.load_string(
        BOOK + "2026-04-01 balance Assets:Bank:ICBC 1400.00 CNY\n"
    )
    assert len(errors) == 1  # beancount itself reports the failing assertion
    icbc = {bank.key: bank for bank in compute_desk(entries, TODAY).banks}["ICBC"]
    assert icbc.asserted_on == datetime.date(2026, 4, 1)
    assert icbc.book_at_assertion == Decimal("1380.00")
    assert icbc.difference == Decimal("20.00")


@functools.cache
def _registry_directives() -> tuple[data.Directive, ...]:
    """The small book's registry as the loader reads it back from the book's text."""
    text = "".join(format_entry(entry) for entry in registry_entries(registry(), [ICBC], OPENED))
    entries, errors, _ = loader.load_string(text)
    assert errors == []
    return tuple(entries)


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
movements = st.lists(
    st.tuples(
        st.sampled_from(["FDN", "MF-ST01C01", "MF-ST01C02"]),
        st.dates(min_value=datetime.date(2024, 1, 1), max_value=TODAY),
        amounts,
        st.booleans(),
    ),
    max_size=40,
)


def _txn(fund: str, date: datetime.date, amount: Decimal, inflow: bool) -> data.Transaction:
    sign = Decimal(1) if inflow else Decimal(-1)
    postings = [
        data.Posting(
            f"Assets:Bank:ICBC:{fund}", Amount(sign * amount, "CNY"), None, None, None, None
        ),
        data.Posting(
            f"Income:Other:Unrestricted:{fund}",
            Amount(-sign * amount, "CNY"),
            None,
            None,
            None,
            None,
        ),
    ]
    return data.Transaction(
        {"filename": "t", "lineno": 0}, date, "*", None, "x", frozenset(), frozenset(), postings
    )


@settings(max_examples=60, deadline=None)
@given(movements)
def test_every_fund_balance_is_the_sum_of_its_money_and_history_ends_there(moves):
    entries = [
        *_registry_directives(),
        *(_txn(fund, date, amount, inflow) for fund, date, amount, inflow in moves),
    ]
    desk = compute_desk(entries, TODAY)
    assert [fund.code for fund in desk.funds] == ["FDN", "MF-ST01C01", "MF-ST01C02"]
    for fund in desk.funds:
        expected = sum(
            (
                (amount if inflow else -amount)
                for code, _, amount, inflow in moves
                if code == fund.code
            ),
            Decimal("0.00"),
        )
        assert fund.balance == expected
        assert fund.history[-1] == expected
        assert len(fund.history) == HISTORY_MONTHS
        # Active (shown by default on the desk) exactly when the book moved its money.
        assert fund.active is any(code == fund.code for code, *_ in moves)
    (icbc,) = desk.banks
    assert icbc.book_balance == sum((fund.balance for fund in desk.funds), Decimal("0.00"))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=2),
        min_size=1,
        max_size=12,
    )
)
def test_sparklines_stay_in_their_box(points):
    svg = sparkline_svg(points)
    coords = re.search(r'points="([^"]+)"', svg)
    assert coords
    pairs = [tuple(Decimal(v) for v in pair.split(",")) for pair in coords.group(1).split()]
    assert len(pairs) == len(points)
    assert all(0 <= x <= WIDTH and 0 <= y <= HEIGHT for x, y in pairs)
    assert "e" not in coords.group(1).lower()


def test_only_writes_into_the_journal_are_refused(tmp_path):
    book = tmp_path / "book"
    journal = book / "fundbook" / "2026.beancount"
    manual = book / "manual.beancount"
    assert is_journal_file(journal, book) and not is_journal_file(manual, book)
    assert is_journal_file(book / "fundbook" / ".." / "fundbook" / "x.beancount", book)

    def ask(endpoint, method="PUT", **params):
        return refused_target(
            endpoint=endpoint,
            method=method,
            params=params,
            book_dir=book,
            filename_of_entry={"J": str(journal), "M": str(manual)}.get,
        )

    assert ask("json_api.put_source", file_path=str(journal)) == journal
    assert ask("json_api.put_source", file_path="fundbook/2026.beancount") is not None
    assert ask("json_api.put_source", file_path=str(manual)) is None
    assert ask("json_api.put_source", method="GET", file_path=str(journal)) is None
    assert ask("json_api.put_source_slice", entry_hash="J") == journal
    assert ask("json_api.delete_source_slice", method="DELETE", entry_hash="J") == journal
    assert ask("json_api.put_attach_document", entry_hash="J") == journal
    assert ask("json_api.put_add_document", hash="J") == journal
    assert ask("json_api.put_add_document", hash="M") is None
    assert ask("json_api.put_add_document") is None
    assert ask("json_api.put_source_slice", entry_hash="M") is None
    assert ask("json_api.put_add_entries", entries=[]) is None


def test_without_the_workflow_database_held_and_available_are_unknown():
    from fava_fundbook.extension import FundbookDesk
    from fava_fundbook.workflow import Workflow

    entries, errors, _ = loader.load_string(BOOK)
    assert errors == []
    desk = object.__new__(FundbookDesk)  # the page's rows only need the book's figures
    figures = compute_desk(entries, TODAY)
    desk.desk = lambda: figures  # type: ignore[method-assign]
    rows = {row["code"]: row for row in desk.fund_rows("no workflow database at fundbook.db")}
    assert rows["FDN"]["balance"] == Decimal("1000.00")
    assert rows["FDN"]["held"] is None and rows["FDN"]["available"] is None
    known = Workflow(held={"FDN": Decimal("300.00")}, approved=(), outbox_pending=0)
    rows = {row["code"]: row for row in desk.fund_rows(known)}
    assert (rows["FDN"]["held"], rows["FDN"]["available"]) == (Decimal("300.00"), Decimal("700.00"))
    assert (rows["MF-ST01C01"]["held"], rows["MF-ST01C01"]["available"]) == (
        Decimal("0.00"),
        Decimal("380.00"),
    )
