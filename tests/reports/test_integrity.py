"""Integrity: a tampered Fundbook-written entry is named; the book is checked against the database."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session

from reports.book import BookView, Period, load_book
from reports.context import ReportContext
from reports.fundstatements import fund_statements
from reports.integrity import integrity, integrity_section
from store.engine import make_engine
from store.migrate import upgrade
from store.pools import Allocation
from store.tables import Outbox, Request
from tests.reports.smallbook import make_home

YEAR = Period(datetime.date(2024, 1, 1), datetime.date(2025, 12, 31))


def test_the_demo_chain_is_intact(demo_view: BookView) -> None:
    result = integrity(
        ReportContext(demo_view, Period(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)))
    )
    assert result.entries_checked > 100
    assert result.chain_problems == ()
    assert not result.database_checked


def _first_entry(text: str) -> tuple[str, int, str]:
    """fb_id, line number and narration of the first entry of a journal file."""
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        match = re.match(r'\d{4}-\d\d-\d\d \* (?:"[^"]*" )?"([^"]*)"', line)
        if match:
            fb_id = next(
                re.search(r'fb_id: "([^"]+)"', x).group(1) for x in lines[number:] if "fb_id:" in x
            )
            return fb_id, number, match.group(1)
    raise AssertionError("no entry")


def test_a_tampered_narration_in_the_journal_is_named(demo_copy: Path) -> None:
    journals = sorted((demo_copy / "book" / "fundbook").glob("[0-9][0-9][0-9][0-9].beancount"))
    journal = journals[-1]
    text = journal.read_text(encoding="utf-8")
    fb_id, line, narration = _first_entry(text)
    journal.write_text(text.replace(f'"{narration}"', f'"{narration}(改)"', 1), encoding="utf-8")
    view = load_book(demo_copy)
    year = int(journal.stem)
    period = Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    result = integrity(ReportContext(view, period))
    assert [p.fb_id for p in result.chain_problems] == [fb_id]
    assert result.chain_problems[0].location == f"{journal}:{line}"
    assert "changed after it was written" in result.chain_problems[0].message


def test_a_tampered_amount_is_named(tmp_path: Path) -> None:
    home = make_home(tmp_path / "home")
    journal = home / "book" / "fundbook" / "2024.beancount"
    text = journal.read_text(encoding="utf-8")
    # EX1: an admin expense of 500.00; both postings change, so the entry still balances.
    tampered = text.replace("Expenses:Admin:FDN  500.00 CNY", "Expenses:Admin:FDN  50.00 CNY")
    tampered = tampered.replace(
        "Assets:Bank:ICBC:FDN  -500.00 CNY", "Assets:Bank:ICBC:FDN  -50.00 CNY"
    )
    assert tampered != text
    journal.write_text(tampered, encoding="utf-8")
    result = integrity(ReportContext(load_book(home), YEAR))
    assert [(p.fb_id, p.location.split(":")[0]) for p in result.chain_problems] == [
        ("EX1", str(journal))
    ]


def _request(code: str, fund: str, amount: str, status: str, entries: list[str]) -> Request:
    return Request(
        code=code,
        fund=fund,
        amount=Decimal(amount),
        payee="p",
        purpose="p",
        status=status,
        requested_by="王芳",
        ledger_entries=json.dumps(entries),
    )


def test_book_against_the_database(tmp_path: Path, database_url: str) -> None:
    home = make_home(tmp_path / "home")
    upgrade(database_url)
    engine = make_engine(database_url, pool_size=1)
    with Session(engine) as session:
        session.add_all(
            [
                _request(
                    "R000001", "MF-ST01C01", "3000.00", "paid", ["R1-commitment", "R1-payment"]
                ),
                # The book holds R2-payment too: not among the request's entries.
                _request("R000002", "AL-ST01C01-GP", "5000.00", "approved", ["R2-commitment"]),
                _request("R000003", "MF-ST01C01", "1500.00", "approved", ["R3-commitment"]),
                # Booked in the database, never written to the book.
                _request("R000004", "MF-ST01C01", "700.00", "approved", ["R4-commitment"]),
                # Still on its way to the book: not a mismatch.
                _request("R000005", "MF-ST01C01", "200.00", "approved", ["R5-commitment"]),
                # In flight: held against the fund.
                _request("R000006", "MF-ST01C01", "400.00", "pending", []),
                Outbox(
                    fb_id="R5-commitment", fund="MF-ST01C01", delta=Decimal("-200.00"), payload="{}"
                ),
                # A pool holds what it promised to allocations not yet booked.
                _allocation("GP", "700.00", "approved"),
                _allocation("GP", "900.00", "booked"),
            ]
        )
        session.commit()
    engine.dispose()
    view = load_book(home)
    ctx = ReportContext(view, YEAR, database=database_url)
    result = integrity(ctx)
    assert result.database_checked and result.requests_checked == 6
    assert {(m.kind, m.request, m.fb_id) for m in result.mismatches} == {
        ("missing_in_book", "R000004", "R4-commitment"),
        ("missing_in_database", "R000002", "R2-payment"),
    }
    for lang, words, detail in (
        ("zh", "数据库有记录、账簿中缺失", "不在该请款的记账分录中"),
        ("en", "missing from the book", "not among the request's"),
    ):
        rows = next(
            table
            for table in integrity_section(
                ReportContext(view, YEAR, lang=lang, database=database_url)
            ).tables
            if table.key == "book_vs_db"
        ).rows
        assert any(words in str(row.cells[0]) for row in rows), lang
        assert any(detail in str(row.cells[3]) for row in rows), lang
    # Held as the API holds: R000006 pending (400) and R5's commitment in the outbox (200).
    statements = {s.code: s for s in fund_statements(ctx).funds}
    mf = statements["MF-ST01C01"]
    assert mf.holds == Decimal("600.00")
    assert mf.available == mf.closing - Decimal("600.00")
    assert statements["GP"].holds == Decimal("700.00")
    assert statements["FDN"].holds == Decimal("0.00")


def _allocation(pool: str, amount: str, status: str) -> Allocation:
    return Allocation(
        pool=pool,
        community="ST01C01",
        street="ST01",
        target="AL-ST01C01-GP",
        amount=Decimal(amount),
        purpose="p",
        status=status,
        proposed_by="赵敏",
    )


@pytest.mark.parametrize("missing", ["nothing-here.db"])
def test_without_a_database_the_second_half_says_so(tmp_path: Path, missing: str) -> None:
    home = make_home(tmp_path / "home")
    result = integrity(ReportContext(load_book(home), YEAR, database=tmp_path / missing))
    assert not result.database_checked and result.mismatches == ()
    assert fund_statements(ReportContext(load_book(home), YEAR)).holds_known is False
    # Named by URL, a missing SQLite file is not created either.
    url = f"sqlite:///{tmp_path / 'missing.db'}"
    assert not integrity(ReportContext(load_book(home), YEAR, database=url)).database_checked
    assert not (tmp_path / "missing.db").exists()
