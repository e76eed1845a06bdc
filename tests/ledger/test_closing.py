"""The close refuses, listing everything that stands in the way, and writes nothing."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from fundbook_cli.main import main
from ledger.closing import CloseRefused, CloseRequest, book_close, plan_close
from ledger.layout import Layout
from tests.plugins.book import write_home
from tests.reports.test_periods import YEAR

AFTER = datetime.date(2026, 2, 1)

FLAGGED = """
2025-07-01 ! "银行导入" "未分配到基金的收款"
  Assets:Bank:ICBC:FDN                         50.00 CNY
  Income:Other:FDN                            -50.00 CNY
"""

OVERDRAWN = """
2025-08-01 * "老年协会" "超支"
  Expenses:Program:MF-ST01C01               20000.00 CNY
  Assets:Bank:ICBC:MF-ST01C01              -20000.00 CNY
"""

EARLIER = """
2024-03-01 * "某企业" "捐赠"
  Assets:Bank:ICBC:FDN                        100.00 CNY
  Income:Donation:Unrestricted:FDN           -100.00 CNY
"""


@pytest.fixture(autouse=True)
def _no_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FUNDBOOK_DATABASE_URL", raising=False)


def test_every_obstacle_is_listed_and_nothing_is_written(tmp_path: Path) -> None:
    home = write_home(tmp_path / "home", manual=EARLIER + YEAR + FLAGGED + OVERDRAWN)
    layout = Layout(home)
    request = CloseRequest(
        year=2025, today=datetime.date(2025, 12, 31), undelivered=("R000042-payment",)
    )
    with pytest.raises(CloseRefused) as refused:
        book_close(layout, request)
    obstacles = refused.value.obstacles
    text = "\n".join(obstacles)
    assert obstacles[0] == "2025 has not ended: today is 2025-12-31 in the district"
    assert "fundbook check: manual.beancount:" in text and "MF-ST01C01" in text
    assert "entry flagged '!' not yet settled: 2025-07-01 \"未分配到基金的收款\"" in text
    assert "outbox row R000042-payment not yet delivered to the book" in text
    assert "bank account Assets:Bank:ICBC (工商银行武侯支行基本户): no balance assertion" in text
    assert "the income and expenses of 2024 are not closed" in text
    assert not layout.journal_for_year(2025).exists()


def test_an_outbox_row_already_in_the_book_is_delivered(tmp_path: Path) -> None:
    home = write_home(
        tmp_path / "home", manual=YEAR + "\n2026-01-01 balance Assets:Bank:ICBC  11200.00 CNY\n"
    )
    plan = plan_close(Layout(home), CloseRequest(year=2025, today=AFTER, undelivered=()))
    assert plan.obstacles == ()
    assert [e.meta["fb_id"] for e in plan.entries] == [
        "CLOSE-2025-FDN",
        "CLOSE-2025-MF-ST01C01",
        "CLOSE-2025-MF-ST01C01-release",
    ]
    again = plan_close(
        Layout(home), CloseRequest(year=2025, today=AFTER, undelivered=("CLOSE-2025-FDN",))
    )
    assert any("CLOSE-2025-FDN" in o for o in again.obstacles)


def test_an_unreconciled_bank_may_be_allowed_by_name(tmp_path: Path) -> None:
    home = write_home(
        tmp_path / "home", manual=YEAR + "\n2025-12-01 balance Assets:Bank:ICBC  11200.00 CNY\n"
    )
    plan = plan_close(Layout(home), CloseRequest(year=2025, today=AFTER))
    assert plan.obstacles == (
        "bank account Assets:Bank:ICBC (工商银行武侯支行基本户): last balance assertion "
        "2025-12-01, none dated 2026-01-01 or later, so it is not reconciled at the end of 2025 "
        "(assert its statement balance, or allow it as unreconciled)",
    )
    for name in ("Assets:Bank:ICBC", "ICBC"):
        allowed = CloseRequest(year=2025, today=AFTER, allow_unreconciled=frozenset({name}))
        assert plan_close(Layout(home), allowed).obstacles == ()


def test_closing_a_year_that_has_not_ended_is_refused_by_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = write_home(tmp_path / "home", manual=YEAR)
    assert main(["close", str(home), "--year", "2099", "--allow-unreconciled", "ICBC"]) == 1
    err = capsys.readouterr().err
    assert "fundbook close: 2099 cannot be closed:" in err
    assert "  - 2099 has not ended: today is" in err
    assert "the income and expenses of 2098 are not closed" in err
    assert not Layout(home).journal_dir.exists() or not list(Layout(home).journal_dir.glob("2*"))


def test_an_undelivered_outbox_row_of_the_workflow_database_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from decimal import Decimal

    from sqlmodel import Session

    from store.engine import make_engine, sqlite_url
    from store.migrate import upgrade
    from store.tables import Outbox

    home = write_home(
        tmp_path / "home", manual=YEAR + "\n2026-01-01 balance Assets:Bank:ICBC  11200.00 CNY\n"
    )
    url = sqlite_url(home / "fundbook.db")
    upgrade(url)
    engine = make_engine(url, pool_size=1)
    with Session(engine) as session:
        session.add(
            Outbox(fb_id="R000007-payment", fund="FDN", delta=Decimal("-1.00"), payload="{}")
        )
        session.add(
            Outbox(
                fb_id="R000006-payment", fund="FDN", delta=Decimal("-1.00"), payload="{}", done=True
            )
        )
        session.commit()
    engine.dispose()
    assert main(["close", str(home), "--year", "2025"]) == 1
    err = capsys.readouterr().err
    assert "outbox row R000007-payment not yet delivered" in err
    assert "R000006" not in err
