"""An allocation on the Wuhou demo district: the service's tracing starts from four years
of history in the book, its codes follow the book's, and the book still proves every cent."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from funds.tracing import attribution_from_meta
from ledger.loading import load_book
from ledger.registry_io import read_registry
from ledger.sources import trace_book
from tests.api.serving import serving, today_local, token

pytestmark = pytest.mark.slow

AL = "AL-ST01C01-GP"


def _balance(entries: list, fund: str) -> Decimal:
    return sum(
        (
            p.units.number
            for e in entries
            for p in getattr(e, "postings", ())
            if p.account.split(":")[0] in ("Assets", "Liabilities")
            and p.account.split(":")[-1] == fund
        ),
        Decimal("0.00"),
    )


def test_allocation_and_payment_on_the_demo_book(demo_copy: Path) -> None:
    home = demo_copy
    url = f"sqlite:///{home / 'fundbook.db'}"
    street = token(home, url, "street", "ST01", "街道 测试甲")
    district = token(home, url, "district", None, "社治委 测试乙")
    accountant = token(home, url, "accountant", None, "会计 测试丙")
    committee = token(home, url, "committee", "ST01C01", "居委会 测试丁")
    party = token(home, url, "community_party", "ST01C01", "社区党委 测试戊")
    foundation = token(home, url, "foundation", None, "秘书处 测试己")
    text = "".join(
        path.read_text(encoding="utf-8") for path in (home / "book").rglob("*.beancount")
    )
    highest = max(int(number) for number in re.findall(r"\^alloc-A([0-9]+)", text))
    today = str(today_local())
    with serving(home, url) as server:
        with server.client(accountant) as client:
            pool_before = Decimal(client.get("/v1/funds/GP").json()["balance"])
            al_before = Decimal(client.get(f"/v1/funds/{AL}").json()["balance"])
        with server.client(street) as client:
            proposed = client.post(
                "/v1/allocations",
                json={
                    "pool": "GP",
                    "community": "ST01C01",
                    "amount": "1000.00",
                    "purpose": "测试下达",
                },
            )
            assert proposed.status_code == 201, proposed.text
            code = proposed.json()["id"]
            assert int(code[1:]) > highest
        with server.client(district) as client:
            assert (
                client.post(
                    f"/v1/allocations/{code}/decisions", json={"decision": "approve"}
                ).status_code
                == 200
            )
        with server.client(accountant) as client:
            booked = client.post(f"/v1/allocations/{code}/booking", json={})  # the pool's bank: CCB
            assert booked.status_code == 200, booked.text
            sources = booked.json()["sources"]
            assert sum(Decimal(s["amount"]) for s in sources) == Decimal("1000.00")
        with server.client(committee) as client:
            request = client.post(
                "/v1/disbursements",
                json={
                    "fund": AL,
                    "amount": "400.00",
                    "payee": "玉林社区老年协会",
                    "purpose": "测试支出",
                },
            )
            assert request.status_code == 201, request.text
            rid = request.json()["id"]
        for who in (party, street, foundation):
            with server.client(who) as client:
                assert (
                    client.post(
                        f"/v1/disbursements/{rid}/decisions", json={"decision": "approve"}
                    ).status_code
                    == 200
                )
        with server.client(accountant) as client:
            paid = client.post(
                f"/v1/disbursements/{rid}/payment",
                json={"paid_on": today, "bank_reference": "CCB-TEST-1"},
            )
            assert paid.status_code == 200, paid.text
    entries, errors, _ = load_book(home / "book" / "main.beancount")
    assert errors == [], errors[:3]
    pool_after, al_after = _balance(entries, "GP"), _balance(entries, AL)
    assert pool_after == pool_before - Decimal("1000.00")
    assert al_after == al_before + Decimal("1000.00") - Decimal("400.00")
    payment = [
        e
        for e in entries
        if getattr(e, "meta", {}).get("fb_id") == f"{rid}-payment"
        and e.meta.get("paid_by") == "会计 测试丙"
    ][-1]
    assert {p.account for p in payment.postings} == {
        f"Liabilities:Payable:{AL}",
        f"Assets:Bank:CCB:{AL}",
    }, "paid from the fund's own bank"
    transfer = next(e for e in entries if f"alloc-{code}" in getattr(e, "links", ()))
    assert {p.account for p in transfer.postings if p.account.startswith("Assets:Bank:")} == {
        "Assets:Bank:CCB:GP",
        f"Assets:Bank:CCB:{AL}",
    }
    attribution = attribution_from_meta(payment.meta)
    assert attribution is not None and attribution.total == Decimal("400.00")
    book, _ = read_registry(entries)
    traced = trace_book(entries, book.registry)
    assert traced.errors == ()
