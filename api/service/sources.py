"""Where each department's money went: its contributions, and the allocations and payments
they paid for (first in, first out; `api.service.tracing`).

A department sees only itself; district-wide roles see every department.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from api.service import tracing
from api.service.callers import Caller
from api.service.context import Services
from api.service.errors import Forbidden, NotFound
from funds.model import OrgKind, Role
from funds.money import format_amount
from store.pools import Pledge, TracePart, TraceReceipt


def _departments(services: Services, caller: Caller) -> list[str]:
    registry = services.book.registry
    if caller.role is Role.DEPARTMENT:
        return [caller.org] if caller.org else []
    if not caller.district_wide:
        raise Forbidden(f"a {caller.role.value} does not see department sources")
    return [org.code for org in registry.of_kind(OrgKind.DEPARTMENT)]


def _refresh(session: Session, services: Services) -> None:
    tracing.warm(services)
    tracing.ensure_seeded(session, services)
    for code in services.book.registry.funds:
        if tracing.is_traced(services.book.registry, code):
            tracing.ingest_contributions(session, code)


def _sum(session: Session, statement: Any) -> Decimal:
    return Decimal(session.exec(statement).one())


def summary(*, services: Services, caller: Caller) -> list[dict[str, Any]]:
    departments = _departments(services, caller)
    registry = services.book.registry
    result = []
    with services.session_factory() as session:
        _refresh(session, services)
        session.commit()
        for code in departments:

            def total(statement: Any) -> str:
                return format_amount(_sum(session, statement))

            zero = func.coalesce
            result.append(
                {
                    "department": code,
                    "name_zh": registry.orgs[code].name_zh if code in registry.orgs else code,
                    "received": total(
                        select(zero(func.sum(TraceReceipt.amount), 0)).where(
                            TraceReceipt.source == code
                        )
                    ),
                    "pledged_outstanding": total(
                        select(zero(func.sum(Pledge.amount), 0)).where(
                            Pledge.department == code, Pledge.status == "pledged"
                        )
                    ),
                    "allocated": total(
                        select(zero(func.sum(TracePart.amount), 0)).where(
                            TracePart.source == code, TracePart.kind == "allocation"
                        )
                    ),
                    "paid": total(
                        select(zero(func.sum(TracePart.amount), 0)).where(
                            TracePart.source == code, TracePart.kind == "payment"
                        )
                    ),
                }
            )
    return result


def detail(
    *, services: Services, caller: Caller, department: str, limit: int = 500
) -> dict[str, Any]:
    if department not in _departments(services, caller):
        raise NotFound(f"no department {department[:40]!r} in your scope")
    registry = services.book.registry
    with services.session_factory() as session:
        _refresh(session, services)
        session.commit()
        receipts = session.exec(
            select(TraceReceipt)
            .where(TraceReceipt.source == department)
            .order_by(col(TraceReceipt.id).desc())
            .limit(limit)
        ).all()
        pledges = session.exec(
            select(Pledge)
            .where(Pledge.department == department)
            .order_by(col(Pledge.id).desc())
            .limit(limit)
        ).all()
        parts = session.exec(
            select(TracePart)
            .where(TracePart.source == department)
            .order_by(col(TracePart.id).desc())
            .limit(2 * limit)
        ).all()
        return {
            "department": department,
            "name_zh": registry.orgs[department].name_zh if department in registry.orgs else "",
            "contributions": [
                {
                    "receipt": r.origin,
                    "fund": r.fund,
                    "amount": format_amount(r.amount),
                    "received_on": r.received_on.isoformat(),
                }
                for r in receipts
            ],
            "pledges": [
                {
                    "id": p.code,
                    "fund": p.fund,
                    "amount": format_amount(p.amount),
                    "status": p.status,
                    "pledged_on": p.pledged_on.isoformat(),
                }
                for p in pledges
            ],
            "allocations": [
                {
                    "allocation": p.ref,
                    "pool": p.fund,
                    "fund": p.target,
                    "amount": format_amount(p.amount),
                    "booked_on": p.booked_on.isoformat(),
                }
                for p in parts
                if p.kind == "allocation"
            ],
            "payments": [
                {
                    "ref": p.ref,
                    "fund": p.fund,
                    "payee": p.payee,
                    "amount": format_amount(p.amount),
                    "paid_on": p.booked_on.isoformat(),
                }
                for p in parts
                if p.kind == "payment"
            ],
        }
