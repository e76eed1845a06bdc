"""`GET /v1/reports/{name}` through the API with the renderer of reports/ wired in."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from fundbook_cli.cmd_api import create_token
from ledger import entries as build
from ledger.accounts import IncomeKind
from ledger.layout import Layout
from ledger.writer import Writer
from reports.api_renderer import BookCache, render
from tests.reports.smallbook import ICBC, make_home, small_registry


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return make_home(tmp_path / "home")


def test_reports_through_the_api(home: Path) -> None:
    auditor = create_token(home, role="auditor", org=None, name="审计员")
    department = create_token(home, role="department", org="D01", name="民政局联络员")
    app = create_app(Settings(home=home), report_renderer=render)  # type: ignore[call-arg]
    with TestClient(app) as client:
        response = client.get(
            "/v1/reports/balance-sheet",
            params={"from": "2024-01-01", "to": "2024-12-31", "format": "json", "lang": "en"},
            headers={"Authorization": f"Bearer {auditor}"},
        )
        assert response.status_code == 200, response.text
        data = response.json()["sections"][0]["data"]
        assert data["total_assets"]["closing"] == "83600.00"
        pdf = client.get(
            "/v1/reports/audit-pack",
            params={"from": "2024-01-01", "to": "2024-12-31", "format": "pdf"},
            headers={"Authorization": f"Bearer {auditor}"},
        )
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert pdf.headers["content-type"] == "application/pdf"
        sources = client.get(
            "/v1/reports/sources",
            params={"from": "2024-01-01", "to": "2024-12-31"},
            headers={"Authorization": f"Bearer {department}"},
        )
        assert sources.status_code == 200, sources.text
        rows = sources.json()["sections"][0]["data"]["departments"]
        assert [(r["department"], r["allocated"], r["paid_out"]) for r in rows] == [
            ("D01", "20000.00", "5000.00")
        ]


def test_the_cache_reloads_only_a_changed_book(home: Path) -> None:
    cache = BookCache()
    first = cache.view(home)
    assert cache.view(home) is first
    fund = small_registry().fund("FDN")
    Writer(Layout(home)).append(
        [
            build.contribution(
                fb_id="CT-LATE",
                date=datetime.date(2025, 6, 1),
                fund=fund,
                amount=Decimal("1.00"),
                bank=ICBC,
                income=IncomeKind.DONATION,
                source="居民",
                narration="追加",
            )
        ]
    )
    second = cache.view(home)
    assert second is not first
    assert len(second.transactions) == len(first.transactions) + 1


def test_the_service_reads_its_own_workflow_database(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database the service runs on (FUNDBOOK_DATABASE_URL), not HOME/fundbook.db."""
    from types import SimpleNamespace

    from sqlmodel import Session

    from store.engine import make_engine
    from store.migrate import upgrade
    from store.tables import Request

    url = f"sqlite:///{tmp_path / 'service.db'}"
    upgrade(url)
    engine = make_engine(url, pool_size=1)
    with Session(engine) as session:
        session.add(
            Request(
                code="R000009",
                fund="MF-ST01C01",
                amount=Decimal("250.00"),
                payee="p",
                purpose="p",
                status="pending",
                requested_by="王芳",
                ledger_entries="[]",
            )
        )
        session.commit()
    engine.dispose()
    monkeypatch.setenv("FUNDBOOK_DATABASE_URL", url)
    query = SimpleNamespace(
        name="funds",
        period_from=datetime.date(2024, 1, 1),
        period_to=datetime.date(2024, 12, 31),
        format="json",
        lang="en",
        role="auditor",
        org=None,
        home=str(home),
    )
    report = json.loads(render(query, cache=BookCache()).content)
    funds = {f["code"]: f for f in report["sections"][0]["data"]["funds"]}
    assert funds["MF-ST01C01"]["holds"] == "250.00"
