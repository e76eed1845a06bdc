"""The integrity report can gate: it says what it proved for its period and exits 1 on a finding.

The demo's database, created by `fundbook token create`, adopts the book's
chain as its own history, so its 2026 entries (written by the demo, not by
requests of the database) are not "book entries without request". The 2025
pack counts 2025's entries only.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data

from fundbook_cli.cmd_api import create_token
from fundbook_cli.main import main
from reports.book import Period, load_book
from reports.context import ReportContext
from reports.integrity import integrity
from tests.api.test_anchor import rewrite_chain


def _year(year: int) -> Period:
    return Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31))


def _gate(home: Path, year: int, out: Path) -> int:
    return main(
        [
            "report",
            "integrity",
            str(home),
            "--from",
            f"{year}-01-01",
            "--to",
            f"{year}-12-31",
            "--format",
            "json",
            "--out",
            str(out),
        ]
    )


def test_the_demo_with_its_database_passes_the_gate_until_an_amount_is_forged(
    demo_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    create_token(demo_copy, role="auditor", org=None, name="审计")  # creates HOME/fundbook.db
    counts = {}
    for year in (2025, 2026):
        sealed = demo_copy / "book" / "years" / str(year) / "main.beancount"
        book = sealed if sealed.exists() else demo_copy / "book" / "main.beancount"
        # A plain, uncached load of the book holding the year (a copied HOME may carry a cache).
        entries, _, _ = loader._load([(str(book), True)], None, None, None)
        txns = [
            e
            for e in entries
            if isinstance(e, data.Transaction)
            and e.date.year == year
            and "fb_seal" not in e.meta  # a sealed year's 期初余额, carried over, not booked in it
        ]
        counts[year] = (
            sum(1 for t in txns if "fb_hash" in t.meta),
            sum(1 for t in txns if "fb_hash" not in t.meta),
        )
    view = load_book(demo_copy)
    for year in (2025, 2026):
        result = integrity(ReportContext(view, _year(year)))
        assert result.database_checked and result.mismatches == (), result.mismatches[:3]
        assert (result.entries_checked, result.manual) == counts[year]
        assert result.adopted == counts[year][0]  # all written before the database existed
        assert result.findings == 0
        assert _gate(demo_copy, year, tmp_path / f"{year}.json") == 0, capsys.readouterr().err
    assert counts[2026][0] > 2000 and counts[2025][1] > 1000
    report = json.loads((tmp_path / "2025.json").read_text())
    rows = [
        row
        for section in report["sections"]
        for table in section["tables"]
        for row in table["rows"]
    ]
    assert not any(
        "2026-" in json.dumps(row, ensure_ascii=False) or "2026.beancount" in json.dumps(row)
        for row in rows
    )

    journal = demo_copy / "book" / "fundbook" / "2026.beancount"
    first = next(
        line.split('"')[1]
        for line in journal.read_text().splitlines()
        if line.startswith("  fb_id:")
    )
    rewrite_chain(journal, first, Decimal("99999.00"))
    forged = integrity(ReportContext(load_book(demo_copy), _year(2026)))
    assert forged.chain_problems == ()  # the chain alone verifies
    assert forged.anchor_problems and "the chain was rewritten" in forged.anchor_problems[0]
    assert _gate(demo_copy, 2026, tmp_path / "forged.json") == 1
    # Both anchors, the head and the adopted history, were recorded at fb_seq past the forgery.
    assert "2 integrity findings" in capsys.readouterr().err
