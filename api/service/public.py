"""Public disclosure (慈善法信息公开): funds and payments, without personal data.

What is published: every fund (code, names, kind, owning organization and
balance) and every payment the book records (date, fund, project, amount,
and the payee if it is an organization). Nothing else: no approvers or
requesters, no tokens, no person's name. A payee is shown only when it is an
organization of the registry or its name says it is one (公司, 协会, 中心, ...);
any other payee, which may be a person, is published as "个人(不公开)".

Payments are read from the book (the book of record), through a cache that
reloads when a file of the book changed, at most once a minute: a full load
takes seconds on a large book, and anonymous callers must not be able to make
the service load it on every request. While one request reloads, others get
the payments as last loaded; disclosure may lag the book by that minute.
"""

from __future__ import annotations

import datetime
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from beancount.core import data

from api.service.context import Services
from funds.money import format_amount
from funds.registry import Registry
from ledger import accounts as chart
from ledger.sources import load_fresh

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


@dataclass(frozen=True, slots=True)
class PublicPayment:
    date: datetime.date
    fund: str
    payee: str | None
    project: str
    amount: Decimal


@dataclass
class BookCache:
    """The payments of a book, reloaded when one of its files changes."""

    main: Path
    min_interval: float = 60.0
    _stamp: tuple[tuple[str, int, int], ...] = ()
    _checked_at: float | None = None
    _payments: list[PublicPayment] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _current_stamp(self) -> tuple[tuple[str, int, int], ...]:
        files = sorted(self.main.parent.rglob("*.beancount"))
        stamps = []
        for path in files:
            stat = path.stat()
            stamps.append((str(path), stat.st_mtime_ns, stat.st_size))
        return tuple(stamps)

    def payments(self) -> list[PublicPayment]:
        loaded = self._checked_at is not None
        # Once something is loaded, nobody waits for another caller's reload.
        if not self._lock.acquire(blocking=not loaded):
            return self._payments
        try:
            now = time.monotonic()
            if self._checked_at is not None and now - self._checked_at < self.min_interval:
                return self._payments
            stamp = self._current_stamp()
            if stamp != self._stamp:
                entries, _errors, _options = load_fresh(str(self.main))
                self._payments = _payments(entries)
                self._stamp = stamp
            self._checked_at = now
            return self._payments
        finally:
            self._lock.release()


def _payments(entries: list[data.Directive]) -> list[PublicPayment]:
    """Cash paid out of a fund: payables cleared by the bank, or program costs paid directly."""
    found = []
    for entry in entries:
        if not isinstance(entry, data.Transaction) or "interfund" in (entry.tags or ()):
            continue
        paid: dict[str, Decimal] = {}
        program = False
        for posting in entry.postings:
            fund = chart.fund_of_account(posting.account)
            if fund is None or posting.units is None:
                continue
            number = Decimal(posting.units.number)
            if posting.account.startswith("Assets:Bank:") and number < 0:
                paid[fund] = paid.get(fund, Decimal(0)) - number
            elif posting.account.startswith((chart.PAYABLE.account, chart.PROGRAM.account)):
                program = program or number > 0
        if not program:
            continue
        project = entry.narration.split(": ", 1)[-1] if entry.narration else ""
        for fund, amount in paid.items():
            found.append(PublicPayment(entry.date, fund, entry.payee, project, amount))
    return found


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
    cache: BookCache,
    fund: str | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    limit: int = 100,
    offset: int = 0,
) -> dict[str, Any]:
    registry = services.book.registry
    selected = [
        p
        for p in cache.payments()
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
