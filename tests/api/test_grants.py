"""Grants over HTTP: award -> two tranches against milestones -> closeout with refund.

A real server (two worker processes) on a small district's book, with its
workflow database on SQLite and on PostgreSQL. Tranches are
refused out of order and before their milestone is accepted, and two
accountants paying the same tranche at the same moment pay it once. The book
passes bean-check and every fund's balance is exact after each stage.
"""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.api.pools_book import DCF_SEED, account_balance, balances, load_book, pools_book
from tests.api.serving import serving, today_local, token

pytestmark = pytest.mark.slow

D = Decimal


def _race(
    server_url: str, tokens: list[str], path: str, body: dict[str, str]
) -> list[httpx.Response]:
    """POST the same thing with each token at the same moment."""
    barrier = threading.Barrier(len(tokens))
    results: list[httpx.Response | None] = [None] * len(tokens)
    clients = [
        httpx.Client(base_url=server_url, timeout=60, headers={"Authorization": f"Bearer {t}"})
        for t in tokens
    ]

    def go(index: int) -> None:
        barrier.wait()
        results[index] = clients[index].post(path, json=body)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(tokens))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for client in clients:
        client.close()
    assert all(r is not None for r in results)
    return [r for r in results if r is not None]


def _check_book(home: Path, dcf: Decimal) -> list[object]:
    entries, errors = load_book(home)
    assert errors == [], errors[:3]
    expected = dict.fromkeys(balances(entries), D("0.00"))
    expected["DCF"] = dcf
    assert balances(entries) == expected
    return entries


def test_grant_tranches_against_milestones_then_closeout(tmp_path: Path, database_url: str) -> None:
    home = pools_book(tmp_path / "home")
    url = database_url
    foundation = token(home, url, "foundation", None, "秘书处 钱伟")
    accountants = [
        token(home, url, "accountant", None, "会计 孙丽"),
        token(home, url, "accountant", None, "会计 周强"),
    ]
    street = token(home, url, "street", "ST01", "街道 陈刚")
    today = today_local()
    due = [str(today + datetime.timedelta(days=30 * n)) for n in (1, 2, 3)]
    with serving(home, url, workers=2) as server:
        with server.client(street) as client:
            assert (
                client.post(
                    "/v1/grants",
                    json={
                        "enterprise": "SE01",
                        "project": "p",
                        "fund": "DCF",
                        "total": "1.00",
                        "tranches": [{"amount": "1.00", "due": due[0], "milestone": "m"}],
                    },
                ).status_code
                == 403
            )
            assert client.get("/v1/grants").status_code == 403
        with server.client(foundation) as client:
            wrong = client.post(
                "/v1/grants",
                json={
                    "enterprise": "SE01",
                    "project": "社区长者食堂",
                    "fund": "DCF",
                    "total": "30000.00",
                    "tranches": [
                        {"amount": "12000.00", "due": due[0], "milestone": "开业"},
                        {"amount": "10000.00", "due": due[1], "milestone": "服务满三月"},
                    ],
                },
            )
            assert wrong.status_code == 422 and "sum to 22000.00" in wrong.json()["detail"]
            assert (
                client.post(
                    "/v1/grants",
                    json={
                        "enterprise": "D01",
                        "project": "p",
                        "fund": "DCF",
                        "total": "1.00",
                        "tranches": [{"amount": "1.00", "due": due[0], "milestone": "m"}],
                    },
                ).status_code
                == 422
            )
            awarded = client.post(
                "/v1/grants",
                json={
                    "enterprise": "SE01",
                    "project": "社区长者食堂助餐服务",
                    "fund": "DCF",
                    "total": "30000.00",
                    "agreement": "WHCDF-XY-2026-01",
                    "tranches": [
                        {"amount": "12000.00", "due": due[0], "milestone": "食堂开业"},
                        {"amount": "10000.00", "due": due[1], "milestone": "服务满三个月"},
                        {"amount": "8000.00", "due": due[2], "milestone": "结项评估"},
                    ],
                },
                headers={"Idempotency-Key": "grant-1"},
            )
            assert awarded.status_code == 201, awarded.text
            grant = awarded.json()
            code = grant["id"]
            assert [t["state"] for t in grant["tranches"]] == ["planned"] * 3
        _check_book(home, DCF_SEED - D("30000.00"))  # the commitment of the whole award

        base = f"/v1/grants/{code}/tranches"
        with server.client(foundation) as client:
            early = client.post(f"{base}/1/release")
            assert early.status_code == 409 and "not accepted" in early.json()["detail"]
            reported = client.post(f"{base}/2/report", json={"report": "三个月服务报告"})
            assert reported.status_code == 200, reported.text
            assert (
                client.post(f"{base}/2/acceptance", json={"decision": "accept"}).status_code == 200
            )
            out_of_order = client.post(f"{base}/2/release")
            assert out_of_order.status_code == 409
            assert "tranche 1 must be released" in out_of_order.json()["detail"]
            assert client.post(f"{base}/1/report", json={"report": "开业报告"}).status_code == 200
            assert (
                client.post(f"{base}/1/acceptance", json={"decision": "accept"}).status_code == 200
            )
        with server.client(accountants[0]) as client:
            unreleased = client.post(
                f"{base}/1/payment", json={"paid_on": str(today), "bank_reference": "ICBC-G-0"}
            )
            assert unreleased.status_code == 409
            assert client.post(f"{base}/1/release").status_code == 403
        for number in (1, 2):
            with server.client(foundation) as client:
                released = client.post(f"{base}/{number}/release")
                assert released.status_code == 200, released.text
            race = _race(
                server.url,
                accountants,
                f"{base}/{number}/payment",
                {"paid_on": str(today), "bank_reference": f"ICBC-G-{number}"},
            )
            assert sorted(r.status_code for r in race) == [200, 409], [r.text for r in race]
            assert [r.json()["code"] for r in race if r.status_code == 409] == [
                "invalid_transition"
            ]
            with server.client(accountants[1]) as client:
                assert (
                    client.post(
                        f"{base}/{number}/payment",
                        json={"paid_on": str(today), "bank_reference": "again"},
                    ).status_code
                    == 409
                )
        entries = _check_book(home, DCF_SEED - D("30000.00"))
        assert account_balance(entries, "Liabilities:Payable:DCF") == D("-8000.00")

        with server.client(foundation) as client:
            closed = client.post(f"/v1/grants/{code}/close", json={"reason": "项目结项"})
            assert closed.status_code == 200, closed.text
            assert closed.json()["status"] == "closed"
            assert closed.json()["refund"] == "8000.00"
            assert closed.json()["paid"] == "22000.00"
            assert [t["state"] for t in closed.json()["tranches"]] == ["paid", "paid", "dropped"]
            assert client.post(f"/v1/grants/{code}/close").status_code == 409
            assert client.post(f"{base}/3/report", json={"report": "x"}).status_code == 409

            # A grant cancelled before any payment gives the whole award back.
            second = client.post(
                "/v1/grants",
                json={
                    "enterprise": "SE01",
                    "project": "助餐二期",
                    "fund": "DCF",
                    "total": "1000.00",
                    "tranches": [{"amount": "1000.00", "due": due[0], "milestone": "开业"}],
                },
            ).json()
            cancelled = client.post(f"/v1/grants/{second['id']}/cancel", json={"reason": "终止"})
            assert cancelled.status_code == 200 and cancelled.json()["refund"] == "1000.00"

    entries = _check_book(home, DCF_SEED - D("22000.00"))
    assert account_balance(entries, "Liabilities:Payable:DCF") == D("0.00")
    assert account_balance(entries, "Expenses:Program:DCF") == D("22000.00")
    linked = sorted(e.meta["fb_id"] for e in entries if f"grant-{code}" in getattr(e, "links", ()))
    assert linked == sorted(
        [f"{code}-award", f"{code}-tranche-1", f"{code}-tranche-2", f"{code}-close"]
    )
