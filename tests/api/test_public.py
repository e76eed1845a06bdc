"""Public disclosure over HTTP: funds and payments, without any personal data."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from api.service.public import WITHHELD, public_payee
from tests.api.pools_book import balances, load_book, pools_book, pools_registry
from tests.api.serving import serving, today_local, token

D = Decimal


def test_a_payee_is_published_only_when_it_is_an_organization() -> None:
    registry = pools_registry()
    assert public_payee("玉林社区老年协会", registry) == "玉林社区老年协会"
    assert public_payee("成都馋爱善食餐饮管理社会企业有限公司", registry).endswith("有限公司")
    for person in ("张三丰", "王芳", "欧阳娜娜", "Zhang San", "", None):
        assert public_payee(person, registry) == WITHHELD


@pytest.mark.slow
def test_public_endpoints_publish_payments_and_no_one(tmp_path: Path) -> None:
    home = pools_book(tmp_path / "home")
    url = f"sqlite:///{home / 'fundbook.db'}"
    people = {
        "accountant": "会计 孙丽",
        "committee": "居委会 王芳",
        "party": "社区党委 李强",
        "street": "街道 陈刚",
        "foundation": "秘书处 钱伟",
    }
    tokens = {
        "accountant": token(home, url, "accountant", None, people["accountant"]),
        "committee": token(home, url, "committee", "ST01C01", people["committee"]),
        "party": token(home, url, "community_party", "ST01C01", people["party"]),
        "street": token(home, url, "street", "ST01", people["street"]),
        "foundation": token(home, url, "foundation", None, people["foundation"]),
    }
    today = str(today_local())
    with serving(home, url) as server:
        with server.client(tokens["accountant"]) as client:
            assert (
                client.post(
                    "/v1/contributions",
                    json={
                        "fund": "MF-ST01C01",
                        "amount": "5000.00",
                        "received_on": today,
                        "source": {"kind": "donor", "name": "爱心居民 赵六"},
                    },
                ).status_code
                == 201
            )
        codes = []
        for payee, amount in (("张三丰", "300.00"), ("玉林社区老年协会", "700.00")):
            with server.client(tokens["committee"]) as client:
                created = client.post(
                    "/v1/disbursements",
                    json={
                        "fund": "MF-ST01C01",
                        "amount": amount,
                        "payee": payee,
                        "purpose": "重阳节敬老活动",
                    },
                )
                assert created.status_code == 201, created.text
                codes.append(created.json()["id"])
            for who in ("party", "street", "foundation"):
                with server.client(tokens[who]) as client:
                    assert (
                        client.post(
                            f"/v1/disbursements/{codes[-1]}/decisions", json={"decision": "approve"}
                        ).status_code
                        == 200
                    )
            with server.client(tokens["accountant"]) as client:
                assert (
                    client.post(
                        f"/v1/disbursements/{codes[-1]}/payment",
                        json={"paid_on": today, "bank_reference": f"ICBC-{amount}"},
                    ).status_code
                    == 200
                )

        with httpx.Client(base_url=server.url, timeout=60) as anonymous:
            funds = anonymous.get("/public/funds")
            payments = anonymous.get("/public/payments", params={"fund": "MF-ST01C01"})
            everything = anonymous.get("/public/payments")
    assert funds.status_code == 200 and payments.status_code == 200, payments.text
    entries, errors = load_book(home)
    assert errors == []
    book = balances(entries)
    assert {f["code"]: D(f["balance"]) for f in funds.json()} == book
    assert book["MF-ST01C01"] == D("4000.00")
    published = payments.json()
    assert published["total"] == 2 and published["amount"] == "1000.00"
    assert sorted(
        (p["payee"], p["amount"], p["date"], p["project"]) for p in published["payments"]
    ) == sorted(
        [
            ("玉林社区老年协会", "700.00", today, "重阳节敬老活动"),
            (WITHHELD, "300.00", today, "重阳节敬老活动"),
        ]
    )
    text = json.dumps([funds.json(), everything.json()], ensure_ascii=False)
    for secret in [
        *people.values(),
        *tokens.values(),
        "张三丰",
        "赵六",
        *codes,
        "approval_",
        "requested_by",
        "paid_by",
        "token",
    ]:
        assert secret not in text, secret
