"""Problems follow Accept-Language: Chinese by default, English on request, the same code."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.problem_language import TITLES, detail_zh, language, localize
from api.problems import PROBLEMS
from api.settings import Settings
from tests.api.serving import small_book, token

FUND = "MF-ST01C01"


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "zh"),
        ("", "zh"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("fr-FR, en;q=0.5", "en"),
        ("en;q=0.4, zh;q=0.6", "zh"),
        ("fr", "zh"),
        ("en;q=0", "zh"),
    ],
)
def test_the_language_of_an_accept_language_header(header: str | None, lang: str) -> None:
    assert language(header) == lang


def test_every_problem_code_has_a_title_in_both_languages() -> None:
    codes = {code for _status, code, _title in PROBLEMS.values()}
    assert codes <= set(TITLES)
    for code in codes:
        zh, en, intro = TITLES[code]
        assert zh and en and intro and zh != en


def test_known_details_are_translated_part_by_part_and_unknown_ones_keep_their_specifics() -> None:
    detail = (
        'amount: amount must be a string such as "1234.50", not a number; payee: Field required'
    )
    assert detail_zh("validation_error", detail) == (
        'amount：金额必须是字符串，例如 "1234.50"，不能是数字；payee：缺少此字段'
    )
    assert detail_zh(
        "insufficient_funds", "fund MF-ST01C01 has 100.00 available; 800.00 requested"
    ) == ("基金 MF-ST01C01 可用余额 100.00，申请金额 800.00")
    unknown = detail_zh("validation_error", "tranches must sum to 22000.00")
    assert unknown == "请求内容无效：tranches must sum to 22000.00"


def test_localize_keeps_code_status_and_type() -> None:
    body = {
        "type": "t",
        "title": "Not found",
        "status": 404,
        "detail": "no request 'R1'",
        "code": "not_found",
    }
    zh = localize(body, "zh")
    assert (zh["type"], zh["status"], zh["code"], zh["title"]) == ("t", 404, "not_found", "未找到")
    assert zh["detail"] == "没有申请 'R1'"
    assert localize(body, "en") == body


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    home = small_book(tmp_path / "home", {FUND: Decimal("100.00")})
    committee = token(home, f"sqlite:///{home}/fundbook.db", "committee", "ST01C01")
    with TestClient(create_app(Settings(home=home))) as test_client:
        yield test_client, {"Authorization": f"Bearer {committee}"}


def test_a_problem_is_in_chinese_by_default_and_in_english_on_request(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    test_client, _auth = client
    zh = test_client.get("/v1/me")
    en = test_client.get("/v1/me", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert (zh.status_code, en.status_code) == (401, 401)
    assert zh.json()["code"] == en.json()["code"] == "unauthenticated"
    assert (zh.json()["title"], zh.json()["detail"]) == (
        "需要身份验证",
        "请发送 Authorization: Bearer <令牌>",
    )
    assert (en.json()["title"], en.json()["detail"]) == (
        "Authentication required",
        "send Authorization: Bearer <token>",
    )
    assert zh.headers["content-language"] == "zh" and en.headers["content-language"] == "en"
    assert zh.headers["content-type"].startswith("application/problem+json")
    assert zh.headers["www-authenticate"] == "Bearer"


def test_a_refused_request_through_the_unit_of_work_follows_the_language_too(
    client: tuple[TestClient, dict[str, str]],
) -> None:
    test_client, auth = client
    body = {"fund": FUND, "amount": "800.00", "payee": "P", "purpose": "x"}
    for lang, expected in (
        ("zh", "基金 MF-ST01C01 可用余额 100.00，申请金额 800.00"),
        ("en", "fund MF-ST01C01 has 100.00 available; 800.00 requested"),
    ):
        reply = test_client.post(
            "/v1/disbursements",
            json=body,
            headers={**auth, "Accept-Language": lang, "Idempotency-Key": "too-much"},
        )
        # the second is an idempotent replay of the first, localized again
        assert reply.status_code == 409 and reply.json()["code"] == "insufficient_funds"
        assert reply.json()["detail"] == expected
    bad = test_client.post("/v1/disbursements", json={**body, "amount": 800}, headers=auth)
    assert bad.status_code == 422
    assert bad.json()["detail"] == 'amount：金额必须是字符串，例如 "1234.50"，不能是数字'


@pytest.mark.parametrize(
    ("code", "detail", "zh"),
    [
        ("forbidden", "only an accountant records payments", "只有会计可以记录支付"),
        ("forbidden", "a street does not see grants", "街道无权查看资助"),
        (
            "self_approval",
            "王芳 submitted request R000001 and cannot decide it",
            "王芳 提交了申请 R000001，不能审批它",
        ),
        (
            "invalid_transition",
            "it is the turn of street ST01, not yours",
            "现在轮到 街道 ST01 审批，不是您",
        ),
        (
            "invalid_transition",
            "request R000001 is paid; only an approved request is voided",
            "申请 R000001 的状态是已支付，不允许此操作",
        ),
        (
            "period_closed",
            "paid_on: 2025-03-01 falls in a year of fund MF-ST01C01 already closed in the book on "
            "2025-12-31; book a correction of a closed year in the open year (docs/PERIODS.md)",
            "paid_on：2025-03-01 所在年度的基金 MF-ST01C01 已于 2025-12-31 结账；已结账年度的更正记入当前年度",
        ),
        (
            "validation_error",
            "decision: Input should be 'approve', 'reject' or 'return'",
            "decision：应为 'approve'、'reject'、'return' 之一",
        ),
        (
            "validation_error",
            "paid_on: Input should be a valid date or datetime, input is too short",
            "paid_on：应为有效日期（YYYY-MM-DD）",
        ),
        (
            "validation_error",
            "limit: Input should be less than or equal to 1000",
            "limit：应小于或等于 1000",
        ),
        (
            "validation_error",
            "y: Input should be a frob",
            "请求内容无效：y: Input should be a frob",
        ),
        # a verb the table does not know is not half translated
        (
            "forbidden",
            "only the foundation releases tranches, not a street",
            "您的角色或范围不允许此操作：only the foundation releases tranches, not a street",
        ),
    ],
)
def test_service_messages_in_chinese(code: str, detail: str, zh: str) -> None:
    assert detail_zh(code, detail) == zh
