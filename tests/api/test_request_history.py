"""A request's whole history through the API: every round, and requests only the book knows.

A request returned with a comment and resubmitted at another amount shows both
rounds, each with its own terms and decisions. A request decided before the
workflow database existed (here R000007, booked into the book with its
approvals in the metadata, as the demo's history is) is read through the same
endpoints, from the book, marked `origin: "book"`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from funds.registry import Registry
from ledger import entries as build
from ledger.layout import Layout
from ledger.writer import Writer
from tests.api.serving import ICBC, small_book, small_registry, token

FUND = "MF-ST01C01"


@dataclass
class Desk:
    client: TestClient
    auth: dict[str, dict[str, str]]

    def post(self, role: str, path: str, body: dict[str, object], key: str) -> dict[str, object]:
        reply = self.client.post(
            path, json=body, headers={**self.auth[role], "Idempotency-Key": key}
        )
        assert reply.status_code in (200, 201), reply.text
        return dict(reply.json())


PEOPLE = {
    "committee": ("ST01C01", "张敏"),
    "committee2": ("ST02C01", "赵强"),
    "community_party": ("ST01C01", "李华"),
    "street": ("ST01", "周杰"),
    "foundation": (None, "陈静"),
}


def _history(home: Path, registry: Registry) -> None:
    """R000007: approved by the three steps on 2026-01-20, paid on 2026-01-22."""
    fund = registry.fund(FUND)
    meta = {
        "request": "R000007",
        "requested_by": "王芳",
        "requested_at": "2026-01-12T09:30:00+08:00",
        "approval_1_role": "community_party",
        "approval_1_org": "ST01C01",
        "approval_1_by": "李华",
        "approval_1_at": "2026-01-13T10:00:00+08:00",
        "approval_2_role": "street",
        "approval_2_org": "ST01",
        "approval_2_by": "周杰",
        "approval_2_at": "2026-01-16T15:20:00+08:00",
        "approval_3_role": "foundation",
        "approval_3_org": "WHCDF",
        "approval_3_by": "陈静",
        "approval_3_at": "2026-01-20T11:45:00+08:00",
    }
    Writer(Layout(home)).append(
        [
            build.commitment(
                fb_id="R000007-commitment",
                date=datetime.date(2026, 1, 20),
                fund=fund,
                amount=Decimal("30.00"),
                payee="一社区老年协会",
                narration="审批通过: 春节慰问",
                link="req-R000007",
                meta=meta,
            ),
            build.payment(
                fb_id="R000007-payment",
                date=datetime.date(2026, 1, 22),
                fund=fund,
                amount=Decimal("30.00"),
                payee="一社区老年协会",
                bank=ICBC,
                narration="支付: 春节慰问",
                link="req-R000007",
                bank_reference="ICBC20260122001",
                meta={"request": "R000007", "paid_by": "刘会计"},
            ),
        ]
    )


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    home = small_book(tmp_path / "home", {FUND: Decimal("100.00"), "MF-ST02C01": Decimal("10.00")})
    _history(home, small_registry())
    url = f"sqlite:///{home}/fundbook.db"
    auth = {
        role: {
            "Authorization": "Bearer " + token(home, url, role.removesuffix("2"), org, name),
        }
        for role, (org, name) in PEOPLE.items()
    }
    with TestClient(create_app(Settings(home=home, database_url=url))) as client:
        yield Desk(client, auth)


def test_return_and_resubmit_keeps_both_rounds(desk: Desk) -> None:
    # 100.00 given, 30.00 of it paid by R000007: 70.00 left, so 60.00 and then 45.00 fit
    first = desk.post(
        "committee",
        "/v1/disbursements",
        {"fund": FUND, "amount": "60.00", "payee": "一社区居委会", "purpose": "重阳节慰问"},
        "r1",
    )
    code = first["id"]
    assert code == "R000008"  # the book's numbering continues
    desk.post(
        "community_party",
        f"/v1/disbursements/{code}/decisions",
        {"decision": "return", "comment": "请补充困难群众名单"},
        "d1",
    )
    desk.post(
        "committee",
        f"/v1/disbursements/{code}/resubmit",
        {"amount": "45.00", "purpose": "重阳节慰问(附名单)", "documents": ["名单.pdf"]},
        "r2",
    )
    desk.post(
        "community_party",
        f"/v1/disbursements/{code}/decisions",
        {"decision": "approve", "comment": "名单已补"},
        "d2",
    )
    shown = desk.client.get(f"/v1/disbursements/{code}", headers=desk.auth["street"]).json()
    assert (shown["status"], shown["amount"], shown["origin"]) == ("pending", "45.00", "service")
    one, two = shown["rounds"]
    assert (one["round"], one["amount"], one["payee"], one["purpose"], one["documents"]) == (
        1,
        "60.00",
        "一社区居委会",
        "重阳节慰问",
        [],
    )
    assert [(d["role"], d["decision"], d["by"], d["comment"]) for d in one["decisions"]] == [
        ("community_party", "return", "李华", "请补充困难群众名单")
    ]
    assert (two["round"], two["amount"], two["purpose"], two["documents"]) == (
        2,
        "45.00",
        "重阳节慰问(附名单)",
        ["名单.pdf"],
    )
    assert [(d["role"], d["decision"], d["by"]) for d in two["decisions"]] == [
        ("community_party", "approve", "李华")
    ]
    assert one["submitted_at"] <= two["submitted_at"] and two["decisions"][0]["at"].endswith(
        "+08:00"
    )
    # the current round's chain: the party approved, the street's turn
    assert [(s["role"], s["decision"]) for s in shown["steps"]] == [
        ("community_party", "approve"),
        ("street", None),
        ("foundation", None),
    ]
    assert shown["next_step"] == {"role": "street", "org": "ST01"}
    # only the second round's 45.00 is held: 100.00 − 30.00 paid − 45.00
    fund = desk.client.get(f"/v1/funds/{FUND}", headers=desk.auth["committee"]).json()
    assert (fund["balance"], fund["held"], fund["available"]) == ("70.00", "45.00", "25.00")


def test_a_request_only_the_book_knows_is_read_from_its_metadata(desk: Desk) -> None:
    reply = desk.client.get("/v1/disbursements/R000007", headers=desk.auth["committee"])
    assert reply.status_code == 200, reply.text
    shown = reply.json()
    assert (shown["origin"], shown["status"], shown["fund"], shown["amount"]) == (
        "book",
        "paid",
        FUND,
        "30.00",
    )
    assert (shown["payee"], shown["purpose"], shown["requested_by"]) == (
        "一社区老年协会",
        "春节慰问",
        "王芳",
    )
    assert (shown["paid_on"], shown["bank_reference"]) == ("2026-01-22", "ICBC20260122001")
    assert shown["created_at"] == "2026-01-12T09:30:00+08:00"
    assert [(s["role"], s["org"], s["decision"], s["by"], s["at"]) for s in shown["steps"]] == [
        ("community_party", "ST01C01", "approve", "李华", "2026-01-13T10:00:00+08:00"),
        ("street", "ST01", "approve", "周杰", "2026-01-16T15:20:00+08:00"),
        ("foundation", "WHCDF", "approve", "陈静", "2026-01-20T11:45:00+08:00"),
    ]
    assert shown["next_step"] is None
    assert [r["round"] for r in shown["rounds"]] == [1]
    assert len(shown["rounds"][0]["decisions"]) == 3
    assert shown["ledger"] == {
        "link": "req-R000007",
        "entries": ["R000007-commitment", "R000007-payment"],
    }
    # the list shows it too, in code order, before the service's own requests
    desk.post(
        "committee",
        "/v1/disbursements",
        {"fund": FUND, "amount": "10.00", "payee": "一社区居委会", "purpose": "x"},
        "r1",
    )
    listed = desk.client.get("/v1/disbursements", headers=desk.auth["committee"]).json()
    assert [(r["id"], r["origin"]) for r in listed] == [
        ("R000007", "book"),
        ("R000008", "service"),
    ]
    paid = desk.client.get("/v1/disbursements?status=paid", headers=desk.auth["street"]).json()
    assert [r["id"] for r in paid] == ["R000007"]
    pending = desk.client.get("/v1/disbursements?status=pending", headers=desk.auth["street"])
    assert [r["id"] for r in pending.json()] == ["R000008"]
    # scoped like every request: another community's committee does not see it
    other = desk.client.get("/v1/disbursements/R000007", headers=desk.auth["committee2"])
    assert (other.status_code, other.json()["code"]) == (404, "not_found")
    assert desk.client.get("/v1/disbursements", headers=desk.auth["committee2"]).json() == []
    missing = desk.client.get("/v1/disbursements/R000099", headers=desk.auth["foundation"])
    assert missing.status_code == 404
