"""End to end over HTTP on the demo district: a micro-fund request climbs its whole chain.

submit -> community party -> street -> foundation -> payment, then the book
passes bean-check (plugins included), holds the commitment and the payment
linked ^req-<id>, and the fund's balance is down by exactly the amount.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tests.api.serving import book_balance, serving, today_local, token

pytestmark = pytest.mark.slow

FUND = "MF-ST01C01"


def test_micro_fund_request_through_the_whole_chain(demo_copy: Path) -> None:
    home = demo_copy
    url = f"sqlite:///{home / 'fundbook.db'}"
    committee = token(home, url, "committee", "ST01C01", "社区居委会 王芳")
    party = token(home, url, "community_party", "ST01C01", "社区党委 李强")
    street = token(home, url, "street", "ST01", "街道党工委 陈刚")
    foundation = token(home, url, "foundation", None, "秘书处 赵敏")
    accountant = token(home, url, "accountant", None, "会计 孙丽")
    with serving(home, url) as server:
        with server.client(committee) as client:
            fund = client.get(f"/v1/funds/{FUND}").json()
            before = Decimal(fund["balance"])  # the server's one full load of the book
            available = Decimal(fund["available"])
            amount = min(Decimal("6000.00"), available)
            assert amount >= Decimal("5000.00"), "the demo's micro-fund should hold 5,000"
            created = client.post(
                "/v1/disbursements",
                json={
                    "fund": FUND,
                    "amount": f"{amount:.2f}",
                    "payee": "玉林社区老年协会",
                    "purpose": '重阳节敬老活动 "quoted" \\ and a ; comment',
                },
                headers={"Idempotency-Key": "e2e-1"},
            )
            assert created.status_code == 201, created.text
            request = created.json()
            code = request["id"]
            assert request["status"] == "pending"
            assert [s["role"] for s in request["steps"]] == [
                "community_party",
                "street",
                "foundation",
            ]
            assert request["next_step"] == {"role": "community_party", "org": "ST01C01"}
            assert request["ledger"] is None
            held = client.get(f"/v1/funds/{FUND}").json()
            assert Decimal(held["held"]) >= amount
            assert Decimal(held["available"]) == available - amount
        for who, role in (
            (party, "community_party"),
            (street, "street"),
            (foundation, "foundation"),
        ):
            with server.client(who) as client:
                decided = client.post(
                    f"/v1/disbursements/{code}/decisions",
                    json={"decision": "approve", "comment": f"{role} 同意"},
                )
                assert decided.status_code == 200, decided.text
        approved = decided.json()
        assert approved["status"] == "approved"
        assert approved["next_step"] is None
        assert approved["ledger"] == {"link": f"req-{code}", "entries": [f"{code}-commitment"]}
        with server.client(accountant) as client:
            paid = client.post(
                f"/v1/disbursements/{code}/payment",
                json={"paid_on": today_local().isoformat(), "bank_reference": "ICBC-E2E-0001"},
            )
            assert paid.status_code == 200, paid.text
            assert paid.json()["status"] == "paid"
            fund_after = client.get(f"/v1/funds/{FUND}").json()
        assert Decimal(fund_after["balance"]) == before - amount
    after, errors, entries = book_balance(home, FUND)
    assert errors == [], errors[:3]
    assert after == before - amount
    linked = [e for e in entries if f"req-{code}" in getattr(e, "links", ())]
    assert len(linked) == 2, "the request's link names no entry of the book's history"
    by_id = {e.meta["fb_id"]: e for e in linked}
    assert set(by_id) == {f"{code}-commitment", f"{code}-payment"}
    commitment = by_id[f"{code}-commitment"]
    assert commitment.meta["request"] == code
    assert commitment.meta["requested_by"] == "社区居委会 王芳"
    assert [commitment.meta[f"approval_{i}_by"] for i in (1, 2, 3)] == [
        "社区党委 李强",
        "街道党工委 陈刚",
        "秘书处 赵敏",
    ]
    assert commitment.meta["approval_2_org"] == "ST01"
    assert "+08:00" in commitment.meta["approval_3_at"]
    payment = by_id[f"{code}-payment"]
    assert payment.meta["bank_reference"] == "ICBC-E2E-0001"
    assert payment.meta["paid_by"] == "会计 孙丽"
    assert payment.narration.endswith('"quoted" \\ and a ; comment')
