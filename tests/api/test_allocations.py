"""Allocations over HTTP: proposal -> district decision -> booking -> a community spends it.

A real server on a small district's book. Two departments' money reaches the
guarantee pool (a contribution, and a pledge received later); a third pledge is
not received, so it cannot be allocated. The allocation and the community's
payment out of it carry their departments, first in first out, in the book;
the book passes bean-check and every fund's balance is exact.
"""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from funds.tracing import Attribution, attribution_from_meta
from ledger.sources import ALLOCATION, PAYMENT, trace_book
from tests.api.pools_book import DCF_SEED, balances, load_book, pools_book, pools_registry
from tests.api.serving import serving, today_local, token

pytestmark = pytest.mark.slow

D = Decimal
AL = "AL-ST01C01-GP"


def test_allocation_proposed_decided_booked_and_spent(tmp_path: Path) -> None:
    home = pools_book(tmp_path / "home")
    url = f"sqlite:///{home / 'fundbook.db'}"
    people = {
        "accountant": token(home, url, "accountant", None, "会计 孙丽"),
        "street": token(home, url, "street", "ST01", "街道 陈刚"),
        "street2": token(home, url, "street", "ST02", "街道 刘洋"),
        "district": token(home, url, "district", None, "社治委 赵敏"),
        "district_as_street": token(home, url, "district", None, "街道 陈刚"),
        "committee": token(home, url, "committee", "ST01C01", "居委会 王芳"),
        "committee2": token(home, url, "committee", "ST02C01", "居委会 李娜"),
        "party": token(home, url, "community_party", "ST01C01", "社区党委 李强"),
        "foundation": token(home, url, "foundation", None, "秘书处 钱伟"),
        "d01": token(home, url, "department", "D01", "民政局 周明"),
        "d03": token(home, url, "department", "D03", "残联 郑红"),
    }
    today = today_local()
    with serving(home, url) as server:

        def as_(who: str):  # type: ignore[no-untyped-def]
            return server.client(people[who])

        with as_("accountant") as client:
            contributed = client.post(
                "/v1/contributions",
                json={
                    "fund": "GP",
                    "amount": "300.00",
                    "received_on": str(today - datetime.timedelta(10)),
                    "income": "subsidy",
                    "source": {"kind": "department", "org": "D01", "name": "区民政局"},
                },
            )
            assert contributed.status_code == 201, contributed.text
            for department, amount in (("D02", "500.00"), ("D03", "1000.00")):
                pledged = client.post(
                    "/v1/pledges",
                    json={
                        "fund": "GP",
                        "department": department,
                        "amount": amount,
                        "pledged_on": str(today - datetime.timedelta(8)),
                        "purpose": "专项资金",
                    },
                )
                assert pledged.status_code == 201, pledged.text
                if department == "D02":
                    received = client.post(
                        f"/v1/pledges/{pledged.json()['id']}/receipt",
                        json={
                            "received_on": str(today - datetime.timedelta(5)),
                            "bank_reference": "ICBC-D02",
                        },
                    )
                    assert received.status_code == 200, received.text

        with as_("street") as client:
            # Only received money (800.00) can be allocated, not the 1,000.00 still pledged.
            too_much = client.post(
                "/v1/allocations",
                json={
                    "pool": "GP",
                    "community": "ST01C01",
                    "amount": "800.01",
                    "purpose": "院落整治",
                },
            )
            assert too_much.status_code == 409, too_much.text
            assert too_much.json()["code"] == "insufficient_funds"
            proposed = client.post(
                "/v1/allocations",
                json={
                    "pool": "GP",
                    "community": "ST01C01",
                    "amount": "600.00",
                    "purpose": "院落整治",
                },
                headers={"Idempotency-Key": "alloc-1"},
            )
            assert proposed.status_code == 201, proposed.text
            allocation = proposed.json()
            code = allocation["id"]
            assert allocation["status"] == "pending"
            assert allocation["fund"] == AL
            assert allocation["next_step"] == {"role": "district", "org": "WUHOU"}
            assert allocation["sources"] == [] and allocation["ledger"] is None
            held = client.post(
                "/v1/allocations",
                json={"pool": "GP", "community": "ST01C01", "amount": "200.01", "purpose": "x"},
            )
            assert held.status_code == 409  # 600.00 of the 800.00 is held
            assert (
                client.post(
                    "/v1/allocations",
                    json={
                        "pool": "DCF",
                        "community": "ST01C01",
                        "amount": "1.00",
                        "purpose": "x",
                    },
                ).status_code
                == 422
            )
        with as_("accountant") as client:
            pool = client.get("/v1/funds/GP").json()
            assert (pool["balance"], pool["held"], pool["available"]) == (
                "1800.00",
                "600.00",
                "1200.00",
            )
        with as_("street2") as client:
            other = client.post(
                "/v1/allocations",
                json={"pool": "GP", "community": "ST01C01", "amount": "1.00", "purpose": "x"},
            )
            assert other.status_code == 403
            assert client.get(f"/v1/allocations/{code}").status_code == 404

        with as_("district_as_street") as client:
            same = client.post(f"/v1/allocations/{code}/decisions", json={"decision": "approve"})
            assert same.status_code == 403 and same.json()["code"] == "self_approval"
        with as_("street") as client:
            assert (
                client.post(
                    f"/v1/allocations/{code}/decisions", json={"decision": "approve"}
                ).status_code
                == 403
            )
        with as_("accountant") as client:
            early = client.post(f"/v1/allocations/{code}/booking", json={})
            assert early.status_code == 409 and early.json()["code"] == "invalid_transition"
        with as_("district") as client:
            decided = client.post(
                f"/v1/allocations/{code}/decisions", json={"decision": "approve", "comment": "同意"}
            )
            assert decided.status_code == 200, decided.text
            assert decided.json()["status"] == "approved"
            assert decided.json()["steps"][0]["by"] == "社治委 赵敏"
        with as_("accountant") as client:
            booked = client.post(f"/v1/allocations/{code}/booking", json={"booked_on": str(today)})
            assert booked.status_code == 200, booked.text
            assert booked.json()["status"] == "booked"
            # D01's money was received first, so it is allocated first.
            assert booked.json()["sources"] == [
                {"source": "D01", "amount": "300.00"},
                {"source": "D02", "amount": "300.00"},
            ]
            assert booked.json()["ledger"] == {
                "link": f"alloc-{code}",
                "entries": [f"{code}-transfer"],
            }
            again = client.post(f"/v1/allocations/{code}/booking", json={})
            assert again.status_code == 409

        # A department sees its own part only; one whose money is not in it sees nothing.
        with as_("d01") as client:
            seen = client.get(f"/v1/allocations/{code}")
            assert seen.status_code == 200, seen.text
            assert seen.json()["sources"] == [{"source": "D01", "amount": "300.00"}]
        with as_("d03") as client:
            assert client.get(f"/v1/allocations/{code}").status_code == 404
            assert client.get("/v1/allocations").json() == []
            assert client.get("/v1/sources/D01").status_code == 404
        with as_("committee2") as client:
            assert client.get(f"/v1/allocations/{code}").status_code == 404

        # The community spends it through the disbursement flow and its chain.
        with as_("committee") as client:
            assert client.get(f"/v1/allocations/{code}").status_code == 200
            submitted = client.post(
                "/v1/disbursements",
                json={
                    "fund": AL,
                    "amount": "450.00",
                    "payee": "玉林社区老年协会",
                    "purpose": "院落微更新",
                },
            )
            assert submitted.status_code == 201, submitted.text
            request = submitted.json()["id"]
            assert [s["role"] for s in submitted.json()["steps"]] == [
                "community_party",
                "street",
                "foundation",
            ]
        for who in ("party", "street", "foundation"):
            with as_(who) as client:
                decided = client.post(
                    f"/v1/disbursements/{request}/decisions", json={"decision": "approve"}
                )
                assert decided.status_code == 200, decided.text
        with as_("accountant") as client:
            paid = client.post(
                f"/v1/disbursements/{request}/payment",
                json={"paid_on": str(today), "bank_reference": "ICBC-PAY-1"},
            )
            assert paid.status_code == 200, paid.text
        with as_("d01") as client:
            mine = client.get("/v1/sources/D01").json()
            assert mine["allocations"] == [
                {
                    "allocation": code,
                    "pool": "GP",
                    "fund": AL,
                    "amount": "300.00",
                    "booked_on": str(today),
                }
            ]
            assert [(p["ref"], p["amount"]) for p in mine["payments"]] == [(request, "300.00")]

        # Concurrent proposals never promise more than the pool received: 200.00 is left,
        # so of ten proposals of 30.00 sent at once exactly six are accepted.
        barrier = threading.Barrier(10)
        replies: list[int] = []

        def propose() -> None:
            with as_("street") as client:
                barrier.wait()
                replies.append(
                    client.post(
                        "/v1/allocations",
                        json={
                            "pool": "GP",
                            "community": "ST01C01",
                            "amount": "30.00",
                            "purpose": "并发",
                        },
                    ).status_code
                )

        threads = [threading.Thread(target=propose) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(replies) == [201] * 6 + [409] * 4
        with as_("accountant") as client:
            pool = client.get("/v1/funds/GP").json()
            assert (pool["held"], pool["available"]) == ("180.00", "1020.00")

    entries, errors = load_book(home)
    assert errors == [], errors[:3]
    expected = dict.fromkeys(balances(entries), D("0.00"))
    expected.update({"DCF": DCF_SEED, "GP": D("1200.00"), AL: D("150.00")})
    assert balances(entries) == expected
    by_id = {e.meta.get("fb_id"): e for e in entries if hasattr(e, "meta")}
    transfer = by_id[f"{code}-transfer"]
    assert f"alloc-{code}" in transfer.links and "interfund" in transfer.tags
    assert attribution_from_meta(transfer.meta) == Attribution.of(
        {"D01": D("300.00"), "D02": D("300.00")}
    )
    assert transfer.meta["approved_by"] == "社治委 赵敏"
    assert transfer.meta["proposed_by"] == "街道 陈刚"
    payment = by_id[f"{request}-payment"]
    assert attribution_from_meta(payment.meta) == Attribution.of(
        {"D01": D("300.00"), "D02": D("150.00")}
    )
    # The book alone proves the attribution.
    traced = trace_book(entries, pools_registry())
    assert traced.errors == ()
    assert [(m.kind, m.amount) for m in traced.movements if m.kind in (ALLOCATION, PAYMENT)] == [
        (ALLOCATION, D("600.00")),
        (PAYMENT, D("450.00")),
    ]
    assert traced.state.remaining("GP") == Attribution.of({"D02": D("200.00")})
    assert traced.state.remaining(AL) == Attribution.of({"D02": D("150.00")})
