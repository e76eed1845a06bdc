"""Contributions: money received into a fund, recorded by an accountant and booked.

The source decides the income account: a department's money is a government
subsidy (政府补助收入) or, when it buys services, service income (提供服务收入);
a donor's is a donation (捐赠收入); interest is investment income (投资收益).
"""

from __future__ import annotations

import datetime
from typing import Any

from api.schemas import ContributionCreate
from api.service import outbox, tracing
from api.service.callers import Caller
from api.service.context import Services
from api.service.errors import Forbidden, ValidationFailed
from api.service.periods import check_not_closed
from api.service.unit import UnitOfWork
from funds.model import OrgKind, Role
from funds.money import format_amount
from ledger.accounts import IncomeKind
from store.tables import Contribution

INCOME_OF_SOURCE = {
    "donor": IncomeKind.DONATION,
    "interest": IncomeKind.INVESTMENT,
    "other": IncomeKind.OTHER,
}


def check_open_day(services: Services, *, fund: str, day: datetime.date, field: str) -> None:
    """ValidationFailed unless money can be booked into `fund` on `day`: not in the future,
    not before the fund opened, not in a year the book has already closed for it."""
    if day > services.today():
        raise ValidationFailed(f"{field}: {day} is in the future")
    opened = services.book.opened(fund)
    if opened is not None and day < opened:
        raise ValidationFailed(
            f"{field}: {day} is before fund {fund} opened in the book on {opened}"
        )
    check_not_closed(services, funds=(fund,), day=day, field=field)


def record(
    *, uow: UnitOfWork, services: Services, caller: Caller, body: ContributionCreate
) -> dict[str, Any]:
    if caller.role is not Role.ACCOUNTANT:
        raise Forbidden("only an accountant records contributions")
    registry = services.book.registry
    fund = registry.funds.get(body.fund)
    if fund is None:
        raise ValidationFailed(f"fund: unknown fund {body.fund!r}")
    source = body.source
    if source.kind == "department":
        org = registry.orgs.get(source.org or "")
        if org is None or org.kind is not OrgKind.DEPARTMENT:
            raise ValidationFailed("source.org: a department contribution names a department code")
        income = IncomeKind(body.income or "subsidy")
    else:
        if body.income is not None:
            raise ValidationFailed(
                "income: only department contributions choose subsidy or service"
            )
        if source.org is not None and source.org not in registry.orgs:
            raise ValidationFailed(f"source.org: unknown organization {source.org!r}")
        income = INCOME_OF_SOURCE[source.kind]
    check_open_day(services, fund=fund.code, day=body.received_on, field="received_on")
    bank = services.book.bank(body.bank, fund=fund.code)
    tracing.warm(services)  # contribution codes continue the book's numbering
    session = uow.session
    row = Contribution(
        fund=fund.code,
        amount=body.amount,
        source_kind=source.kind,
        source_org=source.org,
        source_name=source.name,
        income=income.value,
        received_on=body.received_on,
        receipt_no=body.receipt_no,
        recorded_by=caller.name,
        created_at=datetime.datetime.now(datetime.UTC),
        fb_id="pending",
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    row.code = tracing.code(session, services, "C", row.id)
    row.fb_id = row.code
    meta = {"contribution": row.code, "source_kind": source.kind, "recorded_by": caller.name}
    if source.org:
        meta["source_org"] = source.org
    if source.kind == "department" and source.org:
        meta["department"] = source.org  # the key source tracing and its report read
    outbox.add(
        session,
        fb_id=row.fb_id,
        fund=fund.code,
        delta=body.amount,
        payload={
            "builder": "contribution",
            "fb_id": row.fb_id,
            "fund": fund.code,
            "date": body.received_on.isoformat(),
            "amount": format_amount(body.amount),
            "bank": bank.key,
            "income": income.value,
            "source": source.name,
            "receipt_no": body.receipt_no,
            "narration": f"收到: {source.name}",
            "meta": meta,
        },
    )
    session.add(row)
    session.flush()
    result = {
        "id": row.code,
        "fund": fund.code,
        "amount": format_amount(body.amount),
        "source": {"kind": source.kind, "org": source.org, "name": source.name},
        "income": income.value,
        "received_on": body.received_on.isoformat(),
        "receipt_no": body.receipt_no,
        "recorded_by": caller.name,
        "ledger": {"link": None, "entries": [row.fb_id]},
    }
    uow.commit(result)
    return result
