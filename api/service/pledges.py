"""Department contributions pledged, then received: a receivable (应收款) that clears.

    pledged --receipt--> received

The pledge books restricted income of the fund against a receivable, in the
account the kind of government money calls for: 政府补助收入 for a subsidy,
提供服务收入 for government purchase of services. The receipt moves the money
into the bank and clears the receivable; for a pool it also becomes a lot of
the department's money for source tracing. Both entries are linked
`^pledge-<id>` and carry `department: "<code>"`.
"""

from __future__ import annotations

import datetime
from typing import Any

from sqlmodel import Session, col, select

from api.pools_schemas import PledgeCreate, PledgeReceipt
from api.service import outbox, tracing
from api.service.callers import Caller
from api.service.context import Services
from api.service.contributions import check_open_day
from api.service.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from api.service.unit import UnitOfWork
from funds.model import OrgKind, Role
from funds.money import ZERO, format_amount
from store.locks import lock_fund
from store.pools import Pledge

READERS = frozenset(
    {Role.ACCOUNTANT, Role.FOUNDATION, Role.DISTRICT, Role.AUDITOR, Role.ADMIN, Role.DEPARTMENT}
)


def link_of(code: str) -> str:
    return f"pledge-{code}"


def view(row: Pledge) -> dict[str, Any]:
    assert row.code is not None
    entries = [f"{row.code}-pledge"] + ([f"{row.code}-receipt"] if row.status == "received" else [])
    return {
        "id": row.code,
        "fund": row.fund,
        "department": row.department,
        "amount": format_amount(row.amount),
        "income": row.income,
        "pledged_on": row.pledged_on.isoformat(),
        "purpose": row.purpose,
        "status": row.status,
        "received_on": row.received_on.isoformat() if row.received_on else None,
        "receipt_no": row.receipt_no,
        "bank_reference": row.bank_reference,
        "ledger": {"link": link_of(row.code), "entries": entries},
    }


def _readable(caller: Caller) -> None:
    if caller.role not in READERS:
        raise Forbidden(f"a {caller.role.value} does not see department contributions")


def _find(session: Session, caller: Caller, code: str) -> Pledge:
    _readable(caller)
    row = session.exec(select(Pledge).where(Pledge.code == code)).first()
    if row is None or (caller.role is Role.DEPARTMENT and row.department != caller.org):
        raise NotFound(f"no pledge {code[:20]!r}")
    return row


def get(*, services: Services, caller: Caller, code: str) -> dict[str, Any]:
    with services.session_factory() as session:
        return view(_find(session, caller, code))


def list_pledges(
    *,
    services: Services,
    caller: Caller,
    department: str | None = None,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    _readable(caller)
    with services.session_factory() as session:
        statement = select(Pledge)
        if caller.role is Role.DEPARTMENT:
            if department is not None and department != caller.org:
                raise Forbidden("a department sees only its own contributions")
            department = caller.org
        if department is not None:
            statement = statement.where(Pledge.department == department)
        if status is not None:
            statement = statement.where(Pledge.status == status)
        statement = statement.order_by(col(Pledge.id)).offset(offset).limit(limit)
        return [view(row) for row in session.exec(statement)]


def create(
    *, uow: UnitOfWork, services: Services, caller: Caller, body: PledgeCreate
) -> dict[str, Any]:
    if caller.role is not Role.ACCOUNTANT:
        raise Forbidden("only an accountant records pledges")
    tracing.warm(services)
    registry = services.book.registry
    fund = registry.funds.get(body.fund)
    if fund is None:
        raise ValidationFailed(f"fund: unknown fund {body.fund!r}")
    department = registry.orgs.get(body.department)
    if department is None or department.kind is not OrgKind.DEPARTMENT:
        raise ValidationFailed(f"department: {body.department!r} is not a department")
    check_open_day(services, fund=fund.code, day=body.pledged_on, field="pledged_on")
    session = uow.session
    row = Pledge(
        fund=fund.code,
        department=department.code,
        amount=body.amount,
        income=body.income,
        pledged_on=body.pledged_on,
        purpose=body.purpose,
        status="pledged",
        recorded_by=caller.name,
        created_at=datetime.datetime.now(datetime.UTC),
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    row.code = tracing.code(session, services, "P", row.id)
    fb_id = f"{row.code}-pledge"
    outbox.add(
        session,
        fb_id=fb_id,
        fund=fund.code,
        delta=body.amount,
        payload={
            "builder": "pledge",
            "fb_id": fb_id,
            "fund": fund.code,
            "date": body.pledged_on.isoformat(),
            "amount": format_amount(body.amount),
            "income": body.income,
            "source": department.name_zh,
            "link": link_of(row.code),
            "narration": f"认捐: {body.purpose}",
            "meta": {"pledge": row.code, "department": department.code, "recorded_by": caller.name},
        },
    )
    session.add(row)
    session.flush()
    result = view(row)
    uow.commit(result)
    return result


def receive(
    *, uow: UnitOfWork, services: Services, caller: Caller, code: str, body: PledgeReceipt
) -> dict[str, Any]:
    if caller.role is not Role.ACCOUNTANT:
        raise Forbidden("only an accountant records the receipt of a pledge")
    tracing.warm(services)
    session = uow.session
    row = _find(session, caller, code)
    lock_fund(session, row.fund)
    session.refresh(row)
    if row.status != "pledged":
        raise InvalidTransition(f"pledge {code} is {row.status}; only a pledged one is received")
    check_open_day(services, fund=row.fund, day=body.received_on, field="received_on")
    if body.received_on < row.pledged_on:
        raise ValidationFailed(f"received_on: {body.received_on} is before the pledge")
    bank = services.book.bank(body.bank, fund=row.fund)
    assert row.code is not None
    department = services.book.registry.orgs.get(row.department)
    fb_id = f"{row.code}-receipt"
    meta = {
        "pledge": row.code,
        "department": row.department,
        "received_by": caller.name,
        "bank_reference": body.bank_reference,
    }
    if body.receipt_no:
        meta["receipt_no"] = body.receipt_no
    outbox.add(
        session,
        fb_id=fb_id,
        fund=row.fund,
        delta=ZERO,
        payload={
            "builder": "pledge_receipt",
            "fb_id": fb_id,
            "fund": row.fund,
            "date": body.received_on.isoformat(),
            "amount": format_amount(row.amount),
            "bank": bank.key,
            "source": department.name_zh if department else row.department,
            "link": link_of(row.code),
            "narration": f"到账: {row.purpose}",
            "meta": meta,
        },
    )
    if tracing.is_traced(services.book.registry, row.fund):
        tracing.ensure_seeded(session, services)
        tracing.add_receipt(
            session,
            origin=fb_id,
            fund=row.fund,
            source=row.department,
            amount=row.amount,
            received_on=body.received_on,
        )
    row.status = "received"
    row.received_on = body.received_on
    row.receipt_no = body.receipt_no
    row.bank_reference = body.bank_reference
    row.received_by = caller.name
    session.add(row)
    session.flush()
    result = view(row)
    uow.commit(result)
    return result
