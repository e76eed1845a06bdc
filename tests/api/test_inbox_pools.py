"""Inboxes of allocations and grant milestones: `awaiting=me` follows each one's next move.

An allocation waits for the district while pending (but not for a district
official who proposed it under the same name), then for the accountant to
book it. A grant waits for the foundation while a milestone report is in (to
accept) or accepted (to release), then for the accountant to pay the
released tranche.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.api.pools_book import pools_book
from tests.api.serving import today_local, token


@dataclass
class Desk:
    client: TestClient
    auth: dict[str, dict[str, str]]

    def post(self, who: str, path: str, body: dict[str, object]) -> dict[str, object]:
        reply = self.client.post(path, json=body, headers=self.auth[who])
        assert reply.status_code in (200, 201), reply.text
        return dict(reply.json())

    def waiting(self, who: str, what: str) -> list[str]:
        reply: httpx.Response = self.client.get(f"/v1/{what}?awaiting=me", headers=self.auth[who])
        assert reply.status_code == 200, reply.text
        return [item["id"] for item in reply.json()]


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    home = pools_book(tmp_path / "home")
    url = f"sqlite:///{home / 'fundbook.db'}"
    people = {
        "accountant": ("accountant", None, "会计 孙丽"),
        "street": ("street", "ST01", "街道 陈刚"),
        "district": ("district", None, "社治委 赵敏"),
        "district_as_street": ("district", None, "街道 陈刚"),
        "foundation": ("foundation", None, "秘书处 钱伟"),
    }
    auth = {
        key: {"Authorization": "Bearer " + token(home, url, role, org, name)}
        for key, (role, org, name) in people.items()
    }
    with TestClient(create_app(Settings(home=home, database_url=url))) as client:
        yield Desk(client, auth)


def test_an_allocation_waits_for_the_district_then_for_the_accountant(desk: Desk) -> None:
    today = today_local()
    desk.post(
        "accountant",
        "/v1/contributions",
        {
            "fund": "GP",
            "amount": "300.00",
            "received_on": str(today - datetime.timedelta(3)),
            "income": "subsidy",
            "source": {"kind": "department", "org": "D01", "name": "区民政局"},
        },
    )
    code = desk.post(
        "street",
        "/v1/allocations",
        {"pool": "GP", "community": "ST01C01", "amount": "100.00", "purpose": "院落整治"},
    )["id"]
    assert desk.waiting("district", "allocations") == [code]
    assert desk.waiting("district_as_street", "allocations") == []  # proposed it himself
    assert desk.waiting("accountant", "allocations") == []
    assert desk.waiting("street", "allocations") == []
    desk.post("district", f"/v1/allocations/{code}/decisions", {"decision": "approve"})
    assert desk.waiting("district", "allocations") == []
    assert desk.waiting("accountant", "allocations") == [code]
    desk.post("accountant", f"/v1/allocations/{code}/booking", {"booked_on": str(today)})
    assert desk.waiting("accountant", "allocations") == []


def test_a_grant_waits_for_the_foundation_on_milestones_then_for_the_accountant(
    desk: Desk,
) -> None:
    today = today_local()
    due = [str(today + datetime.timedelta(days=30 * n)) for n in (1, 2)]
    code = desk.post(
        "foundation",
        "/v1/grants",
        {
            "enterprise": "SE01",
            "project": "社区长者食堂助餐服务",
            "fund": "DCF",
            "total": "3000.00",
            "tranches": [
                {"amount": "2000.00", "due": due[0], "milestone": "食堂开业"},
                {"amount": "1000.00", "due": due[1], "milestone": "结项评估"},
            ],
        },
    )["id"]
    base = f"/v1/grants/{code}/tranches"
    assert desk.waiting("foundation", "grants") == []  # no milestone reported yet
    desk.post("foundation", f"{base}/1/report", {"report": "开业报告"})
    assert desk.waiting("foundation", "grants") == [code]  # to accept
    desk.post("foundation", f"{base}/1/acceptance", {"decision": "accept"})
    assert desk.waiting("foundation", "grants") == [code]  # to release
    assert desk.waiting("accountant", "grants") == []
    desk.post("foundation", f"{base}/1/release", {})
    assert desk.waiting("foundation", "grants") == []
    assert desk.waiting("accountant", "grants") == [code]
    desk.post("accountant", f"{base}/1/payment", {"paid_on": str(today), "bank_reference": "G-1"})
    assert desk.waiting("accountant", "grants") == []
    assert desk.waiting("district", "grants") == []
