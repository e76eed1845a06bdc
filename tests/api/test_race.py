"""Holds under real races: 4 uvicorn workers, one database, one book, 200 concurrent requests.

A fund with exactly 1000.00 available gets 200 concurrent requests of 7.00:
exactly 142 are accepted and 58 refused with insufficient_funds, available
never goes negative, and once the 142 are approved and paid the book shows
6.00 left. Runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.api.serving import book_balance, serving, small_book, today_local, token

pytestmark = pytest.mark.slow

FUND = "MF-ST01C01"


def _post_all(
    url: str,
    tok: str,
    bodies: list[dict[str, str]],
    *,
    workers: int,
    headers: dict[str, str] | None = None,
) -> list[httpx.Response]:
    local = threading.local()

    def send(body: dict[str, str]) -> httpx.Response:
        if not hasattr(local, "client"):
            local.client = httpx.Client(
                base_url=url, timeout=120, headers={"Authorization": f"Bearer {tok}"}
            )
        return local.client.post("/v1/disbursements", json=body, headers=headers)

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(send, bodies))


def test_200_concurrent_requests_against_1000(tmp_path: Path, database_url: str) -> None:
    home = small_book(tmp_path / "home", {FUND: Decimal("1000.00")})
    committee = token(home, database_url, "committee", "ST01C01", "居委会")
    party = token(home, database_url, "community_party", "ST01C01", "党委")
    street = token(home, database_url, "street", "ST01", "街道")
    foundation = token(home, database_url, "foundation", None, "秘书处")
    accountant = token(home, database_url, "accountant", None, "会计")
    with serving(home, database_url, workers=4) as server:
        seen_negative: list[str] = []
        stop = threading.Event()

        def watch() -> None:
            with server.client(committee) as client:
                while not stop.is_set():
                    fund = client.get(f"/v1/funds/{FUND}").json()
                    time.sleep(0.05)
                    if (
                        Decimal(fund["available"]) < 0
                        or Decimal(fund["balance"]) - Decimal(fund["held"]) < 0
                    ):
                        seen_negative.append(str(fund))

        watcher = threading.Thread(target=watch)
        watcher.start()
        body = {"fund": FUND, "amount": "7.00", "payee": "供应商", "purpose": "活动"}
        responses = _post_all(server.url, committee, [body] * 200, workers=50)
        stop.set()
        watcher.join()
        statuses = sorted(r.status_code for r in responses)
        assert statuses.count(201) == 142, [
            r.text for r in responses if r.status_code not in (201, 409)
        ][:3]
        refused = [r for r in responses if r.status_code == 409]
        assert len(refused) == 58
        assert {r.json()["code"] for r in refused} == {"insufficient_funds"}
        assert seen_negative == []
        with server.client(committee) as client:
            fund = client.get(f"/v1/funds/{FUND}").json()
        assert (fund["balance"], fund["held"], fund["available"]) == ("1000.00", "994.00", "6.00")
        codes = [r.json()["id"] for r in responses if r.status_code == 201]
        assert len(set(codes)) == 142
        paid_on = today_local().isoformat()

        def settle(code: str) -> None:
            for tok in (party, street, foundation):
                with server.client(tok) as client:
                    reply = client.post(
                        f"/v1/disbursements/{code}/decisions", json={"decision": "approve"}
                    )
                    assert reply.status_code == 200, reply.text
            with server.client(accountant) as client:
                reply = client.post(
                    f"/v1/disbursements/{code}/payment",
                    json={"paid_on": paid_on, "bank_reference": f"B-{code}"},
                )
                assert reply.status_code == 200, reply.text

        with ThreadPoolExecutor(16) as pool:
            list(pool.map(settle, codes))
        with server.client(committee) as client:
            fund = client.get(f"/v1/funds/{FUND}").json()
        assert (fund["balance"], fund["held"], fund["available"]) == ("6.00", "0.00", "6.00")
    balance, errors, entries = book_balance(home, FUND)
    assert errors == []
    assert balance == Decimal("6.00")
    ids = [e.meta.get("fb_id") for e in entries if hasattr(e, "postings")]
    assert len([i for i in ids if i and i.endswith("-payment")]) == 142
    assert len(ids) == len(set(ids))


def test_50_identical_posts_with_one_key_make_one_request(
    tmp_path: Path, database_url: str
) -> None:
    home = small_book(tmp_path / "home", {FUND: Decimal("1000.00")})
    committee = token(home, database_url, "committee", "ST01C01", "居委会")
    with serving(home, database_url, workers=2) as server:
        body = {"fund": FUND, "amount": "100.00", "payee": "供应商", "purpose": "同一个请求"}
        responses = _post_all(
            server.url,
            committee,
            [body] * 50,
            workers=50,
            headers={"Idempotency-Key": "same-key-1"},
        )
        assert {r.status_code for r in responses} == {201}
        assert len({r.json()["id"] for r in responses}) == 1
        assert len({r.text for r in responses}) == 1
        with server.client(committee) as client:
            listed = client.get("/v1/disbursements").json()
            assert len(listed) == 1
            fund = client.get(f"/v1/funds/{FUND}").json()
            assert fund["held"] == "100.00"
            other = client.post(
                "/v1/disbursements",
                json={**body, "amount": "100.01"},
                headers={"Idempotency-Key": "same-key-1"},
            )
            assert other.status_code == 409
            assert other.headers["content-type"].startswith("application/problem+json")
            assert other.json()["code"] == "idempotency_conflict"
            assert len(client.get("/v1/disbursements").json()) == 1
            assert client.get(f"/v1/funds/{FUND}").json()["held"] == "100.00"
