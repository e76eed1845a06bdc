"""An outbox row that cannot be written to the book is kept aside: it no longer blocks the rows
after it, and `fundbook check` and the integrity report name it."""

from __future__ import annotations

import datetime
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from sqlmodel import select

from api.app import build_services
from api.service import outbox
from api.settings import Settings
from reports.book import Period, load_book
from reports.context import ReportContext
from reports.integrity import integrity
from store.tables import Outbox
from tests.api.serving import ROOT, book_balance, small_book

FUND = "MF-ST01C01"


def _contribution(fb_id: str, fund: str, amount: str) -> dict[str, object]:
    return {
        "builder": "contribution",
        "fb_id": fb_id,
        "fund": fund,
        "date": "2026-02-01",
        "amount": amount,
        "bank": "ICBC",
        "income": "donation",
        "source": "捐赠人",
        "receipt_no": None,
        "narration": "收到: 捐赠人",
        "meta": {},
    }


def test_an_unwritable_row_no_longer_blocks_later_rows_and_is_reported(tmp_path: Path) -> None:
    home = small_book(tmp_path / "home", {FUND: Decimal("100.00")})
    url = f"sqlite:///{tmp_path / 'workflow.db'}"
    services, engine = build_services(Settings(home=home, database_url=url))
    try:
        with services.session_factory() as session:
            # a fund since removed from the registry: this entry no longer builds
            outbox.add(
                session,
                fb_id="C000001",
                fund="MF-GONE",
                delta=Decimal("30.00"),
                payload=_contribution("C000001", "MF-GONE", "30.00"),
            )
            outbox.add(
                session,
                fb_id="C000002",
                fund=FUND,
                delta=Decimal("25.00"),
                payload=_contribution("C000002", FUND, "25.00"),
            )
            session.commit()
        assert outbox.deliver(services.session_factory, services.book) == 2
        outbox.mark_delivered(services.session_factory, services.book)
        balance, errors, entries = book_balance(home, FUND)
        assert errors == []
        assert balance == Decimal("125.00"), "100.00 seeded + 25.00 of the later row"
        assert [e.meta.get("fb_id") for e in entries].count("C000002") == 1
        with services.read() as session:
            rows = {row.fb_id: row for row in session.exec(select(Outbox))}
        assert rows["C000002"].done and rows["C000002"].aside is None
        assert not rows["C000001"].done
        assert "MF-GONE" in str(rows["C000001"].aside)
        # the row kept aside is passed by from now on: nothing more to deliver
        assert outbox.deliver(services.session_factory, services.book) == 0
    finally:
        engine.dispose()  # type: ignore[attr-defined]

    checked = subprocess.run(
        [sys.executable, "-m", "fundbook_cli.main", "check", str(home), "--database-url", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "C000001" in checked.stdout and "kept aside" in checked.stdout

    period = Period(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    found = integrity(ReportContext(load_book(home), period, database=url))
    assert [(m.kind, m.fb_id) for m in found.mismatches] == [("outbox_aside", "C000001")]
