"""`POST /v1/closes` over HTTP: an accountant closes 2025; the close is idempotent and refusals list why."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from ledger import entries as build
from ledger.accounts import IncomeKind
from ledger.book import BookSpec, create_book
from ledger.layout import Layout
from ledger.writer import Writer
from reports.book import Period, load_book
from reports.context import ReportContext
from reports.statements import balance_sheet
from store.engine import sqlite_url
from tests.api.serving import ICBC, small_registry, token

FUND = "MF-ST01C01"


def book_2025(home: Path) -> Path:
    """The small district opened 2025-01-01; MF-ST01C01 receives 500 and spends 120 in 2025."""
    registry = small_registry()
    layout = Layout(home)
    create_book(
        layout,
        BookSpec(
            title="测试基金会",
            registry=registry,
            banks=(ICBC,),
            opened=datetime.date(2025, 1, 1),
            fava_extension=False,
        ),
    )
    fund = registry.fund(FUND)
    Writer(layout).append(
        [
            build.contribution(
                fb_id="CT-1",
                date=datetime.date(2025, 3, 1),
                fund=fund,
                amount=Decimal("500.00"),
                bank=ICBC,
                income=IncomeKind.DONATION,
                source="居民",
                narration="捐赠",
            ),
            build.expense(
                fb_id="EX-1",
                date=datetime.date(2025, 6, 1),
                fund=fund,
                amount=Decimal("120.00"),
                payee="老年协会",
                bank=ICBC,
                narration="活动",
            ),
        ]
    )
    return home


def test_an_accountant_closes_2025_once(tmp_path: Path) -> None:
    home = book_2025(tmp_path / "home")
    url = sqlite_url(tmp_path / "workflow.db")
    accountant = {"Authorization": f"Bearer {token(home, url, 'accountant')}"}
    committee = {"Authorization": f"Bearer {token(home, url, 'committee', 'ST01C01')}"}
    body = {"year": 2025, "allow_unreconciled": ["ICBC"]}
    with TestClient(create_app(Settings(home=home, database_url=url))) as client:
        refused = client.post("/v1/closes", json={"year": 2025}, headers=accountant)
        assert refused.status_code == 409
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == "close_refused"
        assert "bank account Assets:Bank:ICBC" in refused.json()["detail"]
        future = client.post("/v1/closes", json={**body, "year": 2099}, headers=accountant)
        assert future.status_code == 409 and "2099 has not ended" in future.json()["detail"]
        forbidden = client.post("/v1/closes", json=body, headers=committee)
        assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
        planned = client.post("/v1/closes", json={**body, "dry_run": True}, headers=accountant)
        assert planned.status_code == 201 and planned.json()["status"] == "planned"
        closed = client.post("/v1/closes", json=body, headers=accountant)
        assert closed.status_code == 201
        assert closed.json() == {
            "year": 2025,
            "status": "closed",
            "entries": [f"CLOSE-2025-{FUND}", f"CLOSE-2025-{FUND}-release"],
            "obstacles": [],
        }
        assert planned.json()["entries"] == closed.json()["entries"]
        again = client.post(
            "/v1/closes", json=body, headers={**accountant, "Idempotency-Key": "close-2025"}
        )
        assert again.status_code == 201 and again.json() == closed.json()
        # Nothing dated in the closed year is accepted any more.
        late = client.post(
            "/v1/contributions",
            json={
                "fund": FUND,
                "amount": "1.00",
                "source": {"kind": "donor", "name": "居民"},
                "received_on": "2025-12-30",
            },
            headers=accountant,
        )
        assert late.status_code == 422 and late.json()["code"] == "period_closed"
    view = load_book(home)
    assert view.errors == ()
    sheet = balance_sheet(
        ReportContext(view, Period(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)))
    )
    # By hand: 500 received, 120 spent and released: 限定性 380, 非限定性 0.
    assert (sheet.net_restricted.closing, sheet.net_unrestricted.closing) == (
        Decimal("380.00"),
        Decimal("0.00"),
    )
    closes = [t for t in view.transactions if t.date == datetime.date(2025, 12, 31)]
    assert len(closes) == 2


def test_nothing_dated_in_a_closed_year_is_booked_for_any_fund(tmp_path: Path) -> None:
    from api.app import build_services

    home = book_2025(tmp_path / "home")
    url = sqlite_url(tmp_path / "workflow.db")
    accountant = {"Authorization": f"Bearer {token(home, url, 'accountant')}"}
    with TestClient(create_app(Settings(home=home, database_url=url))) as client:
        closed = client.post(
            "/v1/closes", json={"year": 2025, "allow_unreconciled": ["ICBC"]}, headers=accountant
        )
        assert closed.status_code == 201
        # MF-ST01C02 had nothing to close in 2025, yet 2025 is closed for it too.
        for fund, day, code in (
            ("MF-ST01C02", "2025-12-31", "period_closed"),
            (FUND, "2025-01-02", "period_closed"),
        ):
            reply = client.post(
                "/v1/contributions",
                json={
                    "fund": fund,
                    "amount": "1.00",
                    "source": {"kind": "donor", "name": "居民"},
                    "received_on": day,
                },
                headers={**accountant, "Accept-Language": "en"},
            )
            assert reply.status_code == 422 and reply.json()["code"] == code, reply.json()
            assert "already closed in the book on 2025-12-31" in reply.json()["detail"]
    services, engine = build_services(Settings(home=home, database_url=url))
    assert services.book.closed_through("MF-ST01C02") == datetime.date(2025, 12, 31)
    engine.dispose()  # type: ignore[attr-defined]


def test_a_payment_dated_in_a_closed_year_is_period_closed(tmp_path: Path) -> None:
    """A fund closed through today: paying its approved request today is refused, nothing booked."""
    from api.app import build_services
    from api.schemas import PaymentCreate
    from api.service import disbursements
    from api.service.errors import PeriodClosed
    from tests.api.serving import small_book
    from tests.api.test_service import ACCOUNTANT, approve_all, run, submit
    from tests.api.test_service import FUND as SERVICE_FUND

    home = small_book(tmp_path / "home", {SERVICE_FUND: Decimal("100.00")})
    services, engine = build_services(
        Settings(home=home, database_url=sqlite_url(tmp_path / "workflow.db"))
    )
    try:
        code = submit(services, "40.00")
        assert approve_all(services, code)["status"] == "approved"
        today = services.today()
        registry = services.book.registry
        Writer(services.book.layout).append(
            build.year_end_close(
                fb_id=f"CLOSE-{SERVICE_FUND}",
                date=today,
                fund=registry.fund(SERVICE_FUND),
                balances={f"Income:Donation:Restricted:{SERVICE_FUND}": Decimal("-100.00")},
            )
        )
        body = PaymentCreate(paid_on=today, bank_reference="ICBC-1")
        try:
            run(services, disbursements.pay, caller=ACCOUNTANT, code=code, body=body)
        except PeriodClosed as refused:
            assert f"paid_on: {today} falls in a year of fund {SERVICE_FUND}" in refused.detail
        else:
            raise AssertionError("a payment into a closed year was booked")
        assert disbursements.get(services=services, caller=ACCOUNTANT, code=code)["status"] == (
            "approved"
        )
    finally:
        engine.dispose()  # type: ignore[attr-defined]
