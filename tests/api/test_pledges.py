"""Department contributions over HTTP: pledge -> receipt, as a receivable that clears.

A real server on a small district's book. After each step the book passes
bean-check and every fund's balance is exactly what it should be; a department
sees only its own contributions.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest

from tests.api.pools_book import DCF_SEED, account_balance, balances, load_book, pools_book
from tests.api.serving import serving, today_local, token

pytestmark = pytest.mark.slow

D = Decimal


def test_pledge_then_receipt_clears_the_receivable(tmp_path: Path) -> None:
    home = pools_book(tmp_path / "home")
    url = f"sqlite:///{home / 'fundbook.db'}"
    accountant = token(home, url, "accountant", None, "会计 孙丽")
    d01 = token(home, url, "department", "D01", "民政局 周明")
    d02 = token(home, url, "department", "D02", "卫健局 吴静")
    committee = token(home, url, "committee", "ST01C01", "居委会 王芳")
    today = today_local().isoformat()
    street = token(home, url, "street", "ST01", "街道 陈刚")
    district = token(home, url, "district", None, "社治委 赵敏")
    # Requests and allocations left undecided for 3 s expire (and release their holds).
    with serving(home, url, env={"FUNDBOOK_REQUEST_TTL_SECONDS": "3"}) as server:
        with server.client(accountant) as client:
            pledged = client.post(
                "/v1/pledges",
                json={
                    "fund": "GP",
                    "department": "D01",
                    "amount": "250000.00",
                    "income": "service",
                    "pledged_on": today,
                    "purpose": "2026年政府购买社区服务资金",
                },
                headers={"Idempotency-Key": "pledge-1"},
            )
            assert pledged.status_code == 201, pledged.text
            pledge = pledged.json()
            code = pledge["id"]
            assert pledge["status"] == "pledged"
            assert pledge["ledger"] == {"link": f"pledge-{code}", "entries": [f"{code}-pledge"]}
            again = client.post(
                "/v1/pledges",
                json={
                    "fund": "GP",
                    "department": "D01",
                    "amount": "250000.00",
                    "income": "service",
                    "pledged_on": today,
                    "purpose": "2026年政府购买社区服务资金",
                },
                headers={"Idempotency-Key": "pledge-1"},
            )
            assert again.json()["id"] == code
            bad = client.post(
                "/v1/pledges",
                json={
                    "fund": "GP",
                    "department": "ST01",
                    "amount": "1.00",
                    "pledged_on": today,
                    "purpose": "x",
                },
            )
            assert bad.status_code == 422 and bad.json()["code"] == "validation_error"
            subsidy = client.post(
                "/v1/pledges",
                json={
                    "fund": "GP",
                    "department": "D02",
                    "amount": "0.01",
                    "pledged_on": today,
                    "purpose": "补助",
                },
            )
            assert subsidy.status_code == 201, subsidy.text

        entries, errors = load_book(home)
        assert errors == [], errors[:3]
        assert balances(entries)["GP"] == D("250000.01")
        assert account_balance(entries, "Assets:Receivable:GP") == D("250000.01")
        assert account_balance(entries, "Income:Service:Restricted:GP") == D("-250000.00")
        assert account_balance(entries, "Income:Subsidy:Restricted:GP") == D("-0.01")

        with server.client(committee) as client:
            assert (
                client.post(
                    f"/v1/pledges/{code}/receipt",
                    json={"received_on": today, "bank_reference": "ICBC-1"},
                ).status_code
                == 403
            )
            assert client.get(f"/v1/pledges/{code}").status_code == 403
        with server.client(accountant) as client:
            received = client.post(
                f"/v1/pledges/{code}/receipt",
                json={
                    "received_on": today,
                    "bank_reference": "ICBC20260301001",
                    "receipt_no": "川财0001",
                },
            )
            assert received.status_code == 200, received.text
            assert received.json()["status"] == "received"
            twice = client.post(
                f"/v1/pledges/{code}/receipt",
                json={"received_on": today, "bank_reference": "ICBC20260301002"},
            )
            assert twice.status_code == 409 and twice.json()["code"] == "invalid_transition"

        # An allocation of the received money, left undecided, expires and releases its hold.
        with server.client(street) as client:
            proposed = client.post(
                "/v1/allocations",
                json={"pool": "GP", "community": "ST01C01", "amount": "250000.00", "purpose": "x"},
            )
            assert proposed.status_code == 201, proposed.text
        with server.client(accountant) as client:
            assert client.get("/v1/funds/GP").json()["held"] == "250000.00"
        time.sleep(3.5)
        with server.client(district) as client:
            late = client.post(
                f"/v1/allocations/{proposed.json()['id']}/decisions",
                json={"decision": "approve"},
                headers={"Accept-Language": "en"},
            )
            assert late.status_code == 409 and "expired" in late.json()["detail"]
        with server.client(accountant) as client:
            assert client.get("/v1/funds/GP").json()["held"] == "0.00"

        # A department sees its own contributions only.
        with server.client(d01) as client:
            assert client.get(f"/v1/pledges/{code}").json()["status"] == "received"
            assert [p["department"] for p in client.get("/v1/pledges").json()] == ["D01"]
            assert client.get("/v1/pledges", params={"department": "D02"}).status_code == 403
            mine = client.get("/v1/sources/D01")
            assert mine.status_code == 200, mine.text
            assert mine.json()["contributions"][0]["amount"] == "250000.00"
            assert client.get("/v1/sources/D02").status_code == 404
            assert [s["department"] for s in client.get("/v1/sources").json()] == ["D01"]
        with server.client(d02) as client:
            assert client.get(f"/v1/pledges/{code}").status_code == 404
            assert [p["department"] for p in client.get("/v1/pledges").json()] == ["D02"]
            assert client.get("/v1/sources/D01").status_code == 404

    entries, errors = load_book(home)
    assert errors == [], errors[:3]
    expected = dict.fromkeys(balances(entries), D("0.00"))
    expected.update({"DCF": DCF_SEED, "GP": D("250000.01")})
    assert balances(entries) == expected
    assert account_balance(entries, "Assets:Receivable:GP") == D("0.01")
    assert account_balance(entries, "Assets:Bank:ICBC:GP") == D("250000.00")
    linked = [e for e in entries if f"pledge-{code}" in getattr(e, "links", ())]
    assert sorted(e.meta["fb_id"] for e in linked) == [f"{code}-pledge", f"{code}-receipt"]
    assert all(e.meta["department"] == "D01" for e in linked)
