"""Public disclosure (慈善法信息公开): funds and payments, without personal data.

What is published: every fund (code, names, kind, owning organization and
balance) and every payment the book records (date, fund, project, amount,
and the payee if it is an organization). Nothing else: no approvers or
requesters, no tokens, no person's name. A payee is shown only when it is an
organization of the registry or its name says it is one (公司, 协会, 中心, ...);
any other payee, which may be a person, is published as "个人(不公开)".

Payments are read from the book (the book of record) as the process's book
snapshot follows it (`api.service.public_book`): no request loads the book.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from api.service.context import Services
from api.service.public_book import PublicPayment
from funds.money import format_amount
from funds.registry import Registry

WITHHELD = "个人(不公开)"
ORG_WORDS = (
    "公司",
    "协会",
    "中心",
    "社区",
    "街道",
    "委员会",
    "基金会",
    "合作社",
    "服务社",
    "工作室",
    "学校",
    "幼儿园",
    "医院",
    "卫生",
    "商户",
    "联盟",
    "银行",
    "局",
    "站",
    "社",
    "所",
    "院",
    "队",
    "会",
    "部",
    "店",
    "厂",
    "馆",
    "室",
    "组",
    "处",
    "团",
    "厅",
    "集团",
    "企业",
)


def public_payee(payee: str | None, registry: Registry) -> str:
    """The payee if it is an organization, else the withheld marker."""
    if not payee:
        return WITHHELD
    if any(org.name_zh == payee for org in registry.orgs.values()):
        return payee
    if any(word in payee for word in ORG_WORDS) and len(payee) >= 4:
        return payee
    return WITHHELD


def funds(*, services: Services) -> list[dict[str, Any]]:
    registry = services.book.registry
    balances = services.book.balances(list(registry.funds))
    result = []
    for code, fund in sorted(registry.funds.items()):
        org = registry.orgs.get(fund.org)
        result.append(
            {
                "code": code,
                "name": fund.name,
                "name_zh": fund.name_zh,
                "kind": fund.kind.value,
                "org": fund.org,
                "org_name_zh": org.name_zh if org else None,
                "restricted": fund.restricted,
                "currency": fund.currency,
                "balance": format_amount(balances[code]),
            }
        )
    return result


def payments(
    *,
    services: Services,
    fund: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    registry = services.book.registry
    selected = [
        p
        for p in services.book.public_payments()
        if (fund is None or p.fund == fund)
        and (date_from is None or p.date >= date_from)
        and (date_to is None or p.date <= date_to)
    ]
    selected.sort(key=lambda p: p.date, reverse=True)
    page = selected[offset : offset + limit]
    return {
        "total": len(selected),
        "amount": format_amount(sum((p.amount for p in selected), Decimal("0.00"))),
        "payments": [
            {
                "date": p.date.isoformat(),
                "fund": p.fund,
                "fund_name_zh": registry.funds[p.fund].name_zh
                if p.fund in registry.funds
                else None,
                "payee": public_payee(p.payee, registry),
                "project": p.project,
                "amount": format_amount(p.amount),
            }
            for p in page
        ],
    }


__all__ = ["PublicPayment", "funds", "payments", "public_payee"]
