"""The bank statement importer on statements in GBK and UTF-8, against a real book."""

from __future__ import annotations

import datetime
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data
from beancount.core.amount import Amount
from beancount.parser.printer import format_entry
from hypothesis import given, settings
from hypothesis import strategies as st

from bankstatements.config import ensure_import_config, importers_for_book
from bankstatements.importer import BankStatementImporter
from bankstatements.statement import StatementError, decode, parse_statement
from tests.fava.smallbook import write_small_book
from tests.fava.statements import ICBC_NUMBER, ICBC_ROWS, NEW_REFERENCES, icbc_csv, write_statement


@pytest.fixture
def book(tmp_path: Path) -> tuple[Path, list[data.Directive]]:
    layout = write_small_book(tmp_path / "home")
    entries, errors, _ = loader.load_file(str(layout.main))
    assert errors == []
    return layout.home, entries


ICBC = BankStatementImporter(key="ICBC", number=ICBC_NUMBER, name_zh="工商银行武侯支行基本户")


@pytest.mark.parametrize(
    ("encoding", "variant"),
    [
        ("gbk", "icbc"),
        ("utf-8", "icbc"),
        ("utf-8-sig", "icbc"),
        ("gbk", "debit-credit"),
        ("utf-8-sig", "debit-credit"),
    ],
)
def test_exactly_the_new_lines_are_proposed(book, tmp_path, encoding, variant):
    home, existing = book
    path = write_statement(
        home / "imports" / f"statement-{encoding}-{variant}.csv",
        icbc_csv(variant=variant),
        encoding,
    )
    assert ICBC.identify(str(path))
    assert ICBC.account(str(path)) == "Assets:Bank:ICBC"
    assert ICBC.date(str(path)) == datetime.date(2026, 3, 10)

    entries = ICBC.extract(str(path), existing)
    ICBC.deduplicate(entries, existing)
    transactions = [e for e in entries if isinstance(e, data.Transaction)]
    assert {t.meta["bank_reference"] for t in transactions} == NEW_REFERENCES
    by_reference = {t.meta["bank_reference"]: t for t in transactions}
    interest = by_reference["ICBC20260309001"]
    assert interest.flag == "!"
    assert interest.payee == "工商银行" and interest.narration == "利息"
    assert interest.postings[0].account == "Assets:Bank:ICBC"
    assert interest.postings[0].units.number == Decimal("35.20")
    fee = by_reference["ICBC20260309002"]
    assert fee.postings[0].units.number == Decimal("-5.00")
    assert fee.postings[1].account == "Expenses:Other"
    refund = by_reference["ICBC20260310001"]
    assert refund.payee == "芳草社区居委会" and refund.meta["payee_account"] == "6222000011116666"

    balances = {(b.date, b.amount.number) for b in entries if isinstance(b, data.Balance)}
    assert balances == {
        (datetime.date(2026, 3, 2), Decimal("65000.50")),
        (datetime.date(2026, 3, 7), Decimal("64200.50")),
        (datetime.date(2026, 3, 10), Decimal("64230.70")),
        (datetime.date(2026, 3, 11), Decimal("64350.70")),
    } - {(datetime.date(2026, 3, 2), Decimal("65000.50"))}  # already asserted in the book
    assert all(b.account == "Assets:Bank:ICBC" for b in entries if isinstance(b, data.Balance))


def test_proposed_assertions_hold_once_the_lines_are_assigned(book, tmp_path):
    """Assign the proposed lines to a fund: every proposed assertion then holds in the book."""
    home, existing = book
    path = write_statement(home / "imports" / "icbc.csv", icbc_csv(), "gbk")
    entries = ICBC.extract(str(path), existing)
    text = []
    for entry in entries:
        if isinstance(entry, data.Transaction):
            postings = [p._replace(account=p.account + ":FDN") for p in entry.postings]
            entry = entry._replace(flag="*", postings=postings)
        text.append(format_entry(entry._replace(meta={"filename": "x", "lineno": 0})))
    manual = home / "book" / "manual.beancount"
    manual.write_text(manual.read_text(encoding="utf-8") + "\n" + "\n".join(text), encoding="utf-8")
    loaded, errors, _ = loader.load_file(str(home / "book" / "main.beancount"))
    assert errors == []
    assert sum(isinstance(e, data.Balance) for e in loaded) == 4


def test_a_second_import_of_the_same_statement_proposes_nothing_new(book):
    home, existing = book
    path = write_statement(home / "imports" / "icbc.csv", icbc_csv(), "utf-8")
    first = ICBC.extract(str(path), existing)
    again = ICBC.extract(str(path), [*existing, *first])
    assert again == []


def test_same_reference_with_another_amount_is_not_a_duplicate(book):
    home, existing = book
    rows = [
        ("2026-03-06", "支付", "", "900.00", "64100.50", "玉林社区老年协会", "", "ICBC20260306001")
    ]
    path = write_statement(home / "imports" / "icbc.csv", icbc_csv(rows=rows), "gbk")
    proposed = [e for e in ICBC.extract(str(path), existing) if isinstance(e, data.Transaction)]
    assert [t.meta["bank_reference"] for t in proposed] == ["ICBC20260306001"]


def test_statements_of_other_accounts_and_other_files_are_not_identified(tmp_path):
    other = icbc_csv().replace(ICBC_NUMBER, "6217 0000 1111 2222 333")
    assert not ICBC.identify(str(write_statement(tmp_path / "other.csv", other, "gbk")))
    assert not ICBC.identify(str(write_statement(tmp_path / "notes.csv", "a,b\n1,2\n", "utf-8")))
    assert not ICBC.identify(str(write_statement(tmp_path / "x.pdf", icbc_csv(), "utf-8")))
    no_number = "\n".join(icbc_csv().splitlines()[3:]) + "\n"
    assert not ICBC.identify(str(write_statement(tmp_path / "export.csv", no_number, "gbk")))
    named = write_statement(tmp_path / "ICBC_202603.csv", no_number, "gbk")
    assert ICBC.identify(str(named))
    by_number = write_statement(tmp_path / "4402201009000123456-03.csv", no_number, "gbk")
    assert ICBC.identify(str(by_number))


def test_newest_first_statements_give_the_same_assertions(book):
    home, existing = book
    rows = list(reversed(ICBC_ROWS))
    path = write_statement(home / "imports" / "icbc.csv", icbc_csv(rows=rows), "utf-8")
    forward = write_statement(home / "imports" / "icbc2.csv", icbc_csv(), "utf-8")

    def assertions(p):
        return {
            (b.date, b.amount.number)
            for b in ICBC.extract(str(p), existing)
            if isinstance(b, data.Balance)
        }

    assert assertions(path) == assertions(forward)


def test_decode_and_parse_edge_cases():
    assert decode("交易日期".encode("gbk")) == "交易日期"
    assert decode(b"\xef\xbb\xbf" + "余额".encode()) == "余额"
    with pytest.raises(StatementError):
        parse_statement("no,table\n1,2\n")
    statement = parse_statement(
        "交易日期,交易金额,借贷标志,余额,交易流水号\n"
        '2026年3月9日,"1,000.00",贷,1000.00,A1\n'
        "2026/03/10,200.00,借,800.00,A2\n"
        "小计,,,,\n"
    )
    assert [(line.amount, line.reference) for line in statement.lines] == [
        (Decimal("1000.00"), "A1"),
        (Decimal("-200.00"), "A2"),
    ]


def test_import_config_is_written_once_and_lists_the_book_banks(tmp_path):
    layout = write_small_book(tmp_path / "home")
    path = ensure_import_config(layout.book_dir)
    importers = importers_for_book(path)
    assert [(i.key, i.number) for i in importers] == [("ICBC", "4402201009000123456")]
    path.write_text(path.read_text() + "# edited by the accountant\n")
    ensure_import_config(layout.book_dir)
    assert path.read_text().endswith("# edited by the accountant\n")


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2)
lines = st.lists(
    st.tuples(
        st.dates(min_value=datetime.date(2025, 1, 1), max_value=datetime.date(2026, 12, 31)),
        amounts,
        st.booleans(),
        st.booleans(),
        st.text(alphabet='存取款利息手续费工资退回往来,"', min_size=1, max_size=8),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=40, deadline=None)
@given(
    lines,
    st.sampled_from(["gbk", "utf-8", "utf-8-sig"]),
    st.sampled_from(["icbc", "debit-credit"]),
    st.randoms(use_true_random=False),
)
def test_exactly_the_unbooked_lines_of_any_statement_are_proposed(rows, encoding, variant, rng):
    """Any statement, any encoding and layout: proposed = lines minus the booked ones."""
    ordered = sorted(rows, key=lambda row: row[0])
    balance = Decimal("100000.00")
    table = []
    for index, (date, amount, inflow, _, narration) in enumerate(ordered):
        balance += amount if inflow else -amount
        table.append(
            (
                date.isoformat(),
                narration,
                f"{amount:,}" if inflow else "",
                "" if inflow else f"{amount:,}",
                f"{balance}",
                "对方单位",
                "",
                f"SN{index:05d}",
            )
        )
    booked = [index for index, row in enumerate(ordered) if row[3]]
    existing = []
    for index in booked:
        date, amount, inflow, _, _ = ordered[index]
        number = amount if inflow else -amount
        meta = {
            "filename": "book",
            "lineno": index,
            rng.choice(["bank_reference", "receipt_no"]): f"SN{index:05d}",
        }
        existing.append(
            data.Transaction(
                meta,
                date,
                "*",
                None,
                "booked",
                frozenset(),
                frozenset(),
                [
                    data.Posting(
                        f"Assets:Bank:ICBC:{rng.choice(['FDN', 'MF-ST01C01'])}",
                        Amount(number, "CNY"),
                        None,
                        None,
                        None,
                        None,
                    ),
                    data.Posting(
                        "Income:Other:Unrestricted:FDN",
                        Amount(-number, "CNY"),
                        None,
                        None,
                        None,
                        None,
                    ),
                ],
            )
        )
    with tempfile.TemporaryDirectory() as tmp:
        path = write_statement(
            Path(tmp) / "statement.csv", icbc_csv(rows=table, variant=variant), encoding
        )
        assert ICBC.identify(str(path))
        entries = ICBC.extract(str(path), existing)
    proposed = sorted(e.meta["bank_reference"] for e in entries if isinstance(e, data.Transaction))
    assert proposed == [f"SN{i:05d}" for i in range(len(ordered)) if i not in booked]
    for entry in entries:
        if isinstance(entry, data.Transaction):
            index = int(entry.meta["bank_reference"][2:])
            date, amount, inflow, _, narration = ordered[index]
            assert entry.date == date and entry.narration == narration
            assert entry.postings[0].units.number == (amount if inflow else -amount)
    closing = {}
    running = Decimal("100000.00")
    for date, amount, inflow, _, _ in ordered:
        running += amount if inflow else -amount
        closing[date + datetime.timedelta(days=1)] = running
    assert {(b.date, b.amount.number) for b in entries if isinstance(b, data.Balance)} == set(
        closing.items()
    )
