r"""Allocations of the pooled funds: a street proposes, the district decides, the accountant books.

    pending --approve (district)--> approved --booking (accountant)--> booked
       |  \--reject (district)--> rejected
       \--cancel (street) / expire--> cancelled / expired

A pending or approved allocation holds its amount against the pool: the pool
can promise only what it has received (its traced cash) and what its balance
allows, less every other allocation still held. Separation of duties: the
district person who decides did not propose it, and the accountant who books
it neither proposed nor decided it. The booking is the interfund transfer
into the community's allocation fund (`^alloc-<id>`), its metadata carrying
the proposal, the decision and the departments whose money it is
(`src_<CODE>`, first in, first out; `api.service.tracing`).
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from api.pools_schemas import AllocationBooking, AllocationCreate, AllocationDecision
from api.service import holds, outbox, tracing
from api.service.callers import Caller
from api.service.context import Services
from api.service.errors import (
    Forbidden,
    InsufficientFunds,
    InvalidTransition,
    NotFound,
    SelfApproval,
    ValidationFailed,
)
from api.service.periods import check_not_closed
from api.service.unit import UnitOfWork
from funds.model import POOL_KINDS, FundKind, OrgKind, Role
from funds.money import ZERO, format_amount
from funds.registry import Registry
from funds.tracing import Attribution
from store.engine import aware
from store.locks import lock_fund
from store.pools import Allocation, TracePart


def link_of(code: str) -> str:
    return f"alloc-{code}"


def _iso(moment: datetime.datetime | None, services: Services) -> str | None:
    if moment is None:
        return None
    return aware(moment).astimezone(services.zone).isoformat(timespec="seconds")


def _district(registry: Registry) -> str:
    return registry.single(OrgKind.DISTRICT).code


def view(session: Session, services: Services, row: Allocation, caller: Caller) -> dict[str, Any]:
    """The API's Allocation; a department sees only its own part of the sources."""
    assert row.code is not None
    registry = services.book.registry
    district = _district(registry)
    sources = Attribution.of({k: Decimal(v) for k, v in json.loads(row.sources).items()})
    if row.status == "booked" and not sources.parts:
        sources = tracing.parts_of(session, [row.code]).get(row.code, Attribution())
    parts = [
        {"source": s, "amount": format_amount(a)}
        for s, a in sources.parts
        if caller.role is not Role.DEPARTMENT or s == caller.org
    ]
    next_step = None
    if row.status == "pending":
        next_step = {"role": "district", "org": district}
    elif row.status == "approved":
        next_step = {"role": "accountant", "org": registry.single(OrgKind.FOUNDATION).code}
    return {
        "id": row.code,
        "pool": row.pool,
        "community": row.community,
        "fund": row.target,
        "amount": format_amount(row.amount),
        "purpose": row.purpose,
        "status": row.status,
        "proposed_by": row.proposed_by,
        "created_at": _iso(row.created_at, services),
        "steps": [
            {
                "role": "district",
                "org": district,
                "decision": row.decision,
                "by": row.decided_by,
                "at": _iso(row.decided_at, services),
                "comment": row.comment if row.decision else None,
            }
        ],
        "next_step": next_step,
        "sources": parts,
        "ledger": {"link": link_of(row.code), "entries": [f"{row.code}-transfer"]}
        if row.status == "booked"
        else None,
    }


def _visible(session: Session, caller: Caller, row: Allocation) -> bool:
    if caller.district_wide:
        return True
    if caller.role is Role.STREET:
        return row.street == caller.org
    if caller.role in (Role.COMMITTEE, Role.COMMUNITY_PARTY):
        return row.community == caller.org
    if caller.role is Role.DEPARTMENT and row.code is not None:
        found = session.exec(
            select(TracePart.id).where(TracePart.ref == row.code, TracePart.source == caller.org)
        ).first()
        return found is not None
    return False


def _find(session: Session, caller: Caller, code: str) -> Allocation:
    row = session.exec(select(Allocation).where(Allocation.code == code)).first()
    if row is None or not _visible(session, caller, row):
        raise NotFound(f"no allocation {code[:20]!r}")
    return row


def get(*, services: Services, caller: Caller, code: str) -> dict[str, Any]:
    expire_stale(services)
    with services.session_factory() as session:
        return view(session, services, _find(session, caller, code), caller)


def list_allocations(
    *,
    services: Services,
    caller: Caller,
    status: str | None = None,
    pool: str | None = None,
    limit: int = 100,
    offset: int = 0,
    awaiting_me: bool = False,
) -> list[dict[str, Any]]:
    """The caller's allocations in the order proposed; `awaiting_me` keeps what waits for
    the caller: a pending allocation for the district (not one it proposed itself), an
    approved one for the accountant to book."""
    expire_stale(services)
    with services.session_factory() as session:
        statement = select(Allocation)
        if caller.role is Role.STREET:
            statement = statement.where(Allocation.street == caller.org)
        elif caller.role in (Role.COMMITTEE, Role.COMMUNITY_PARTY):
            statement = statement.where(Allocation.community == caller.org)
        elif caller.role is Role.DEPARTMENT:
            mine = select(TracePart.ref).where(
                TracePart.source == caller.org, TracePart.kind == "allocation"
            )
            statement = statement.where(col(Allocation.code).in_(mine))
        if status is not None:
            statement = statement.where(Allocation.status == status)
        if pool is not None:
            statement = statement.where(Allocation.pool == pool)
        if awaiting_me:
            if caller.role is Role.DISTRICT:
                statement = statement.where(
                    Allocation.status == "pending", Allocation.proposed_by != caller.name
                )
            elif caller.role is Role.ACCOUNTANT:
                statement = statement.where(Allocation.status == "approved")
            else:
                statement = statement.where(False)  # nothing waits for other roles
        statement = statement.order_by(col(Allocation.id)).offset(offset).limit(limit)
        return [view(session, services, row, caller) for row in session.exec(statement)]


def expire_stale(services: Services) -> None:
    """Pending allocations undecided for longer than a request may wait expire.

    Committed on its own, before a use case starts, so that it holds even when
    the use case then fails (expiry only ever releases holds).
    """
    cutoff = datetime.datetime.now(datetime.UTC) - services.request_ttl
    with services.session_factory() as session:
        session.exec(
            update(Allocation)
            .where(
                col(Allocation.status) == "pending",
                col(Allocation.updated_at) < cutoff,
            )
            .values(status="expired", updated_at=datetime.datetime.now(datetime.UTC))
            .execution_options(synchronize_session=False)
        )
        session.commit()


def allocatable(session: Session, services: Services, pool: str) -> Decimal:
    """What the pool can still promise: its available balance (holds include the allocations
    not booked yet), and no more than the money received less those allocations."""
    state = holds.availability(session, services.book, pool)
    cash = tracing.traced_cash(session, services, pool)
    held = holds.held_by_allocations(session, pool)
    return max(min(state.balance - state.held, cash - held), ZERO)


def propose(
    *, uow: UnitOfWork, services: Services, caller: Caller, body: AllocationCreate
) -> dict[str, Any]:
    if caller.role is not Role.STREET:
        raise Forbidden(f"only a street proposes allocations, not {caller.role.value}")
    tracing.warm(services)
    expire_stale(services)
    registry = services.book.registry
    pool = registry.funds.get(body.pool)
    if pool is None or pool.kind not in POOL_KINDS:
        raise ValidationFailed(f"pool: {body.pool!r} is not a guarantee or incentive pool")
    community = registry.orgs.get(body.community)
    if community is None or community.kind is not OrgKind.COMMUNITY:
        raise ValidationFailed(f"community: {body.community!r} is not a community")
    street = community.parent
    if street is None or street != caller.org:
        raise Forbidden(f"community {community.code} is not in street {caller.org}")
    targets = [
        f
        for f in registry.funds.values()
        if f.kind is FundKind.ALLOCATION and f.org == community.code and f.pool == pool.code
    ]
    if not targets:
        raise ValidationFailed(
            f"community {community.code} has no allocation fund of pool {pool.code}"
        )
    session = uow.session
    lock_fund(session, pool.code)
    available = allocatable(session, services, pool.code)
    if body.amount > available:
        raise InsufficientFunds(
            f"pool {pool.code} has {format_amount(available)} to allocate; "
            f"{format_amount(body.amount)} proposed"
        )
    now = datetime.datetime.now(datetime.UTC)
    row = Allocation(
        pool=pool.code,
        community=community.code,
        street=street,
        target=targets[0].code,
        amount=body.amount,
        purpose=body.purpose,
        status="pending",
        proposed_by=caller.name,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    row.code = tracing.code(session, services, "A", row.id)
    session.add(row)
    session.flush()
    result = view(session, services, row, caller)
    uow.commit(result)
    return result


def _locked(session: Session, caller: Caller, code: str) -> Allocation:
    row = _find(session, caller, code)
    lock_fund(session, row.pool)
    session.refresh(row)
    return row


def decide(
    *, uow: UnitOfWork, services: Services, caller: Caller, code: str, body: AllocationDecision
) -> dict[str, Any]:
    expire_stale(services)
    session = uow.session
    row = _find(session, caller, code)
    if caller.role is not Role.DISTRICT:
        raise Forbidden(f"only the district decides allocations, not {caller.role.value}")
    row = _locked(session, caller, code)
    if row.status != "pending":
        raise InvalidTransition(f"allocation {code} is {row.status}, not pending")
    if caller.name == row.proposed_by:
        raise SelfApproval(f"{caller.name} proposed allocation {code} and cannot decide it")
    now = datetime.datetime.now(datetime.UTC)
    row.decision = body.decision
    row.decided_by = caller.name
    row.decided_at = now
    row.comment = body.comment
    row.status = "approved" if body.decision == "approve" else "rejected"
    row.updated_at = now
    session.add(row)
    session.flush()
    result = view(session, services, row, caller)
    uow.commit(result)
    return result


def cancel(*, uow: UnitOfWork, services: Services, caller: Caller, code: str) -> dict[str, Any]:
    expire_stale(services)
    session = uow.session
    row = _find(session, caller, code)
    if caller.role is not Role.STREET:
        raise Forbidden("only the proposing street cancels an allocation")
    row = _locked(session, caller, code)
    if row.status != "pending":
        raise InvalidTransition(
            f"allocation {code} is {row.status}; only a pending one is cancelled"
        )
    row.status = "cancelled"
    row.updated_at = datetime.datetime.now(datetime.UTC)
    session.add(row)
    session.flush()
    result = view(session, services, row, caller)
    uow.commit(result)
    return result


def book(
    *, uow: UnitOfWork, services: Services, caller: Caller, code: str, body: AllocationBooking
) -> dict[str, Any]:
    if caller.role is Role.ACCOUNTANT:
        tracing.warm(services)
    expire_stale(services)
    session = uow.session
    row = _find(session, caller, code)
    if caller.role is not Role.ACCOUNTANT:
        raise Forbidden(f"only an accountant books allocations, not {caller.role.value}")
    row = _locked(session, caller, code)
    if row.status != "approved":
        raise InvalidTransition(
            f"allocation {code} is {row.status}; only an approved one is booked"
        )
    if caller.name in (row.proposed_by, row.decided_by):
        raise SelfApproval(f"{caller.name} already acted on allocation {code}")
    booked_on = body.booked_on or services.today()
    assert row.decided_at is not None
    decided_on = aware(row.decided_at).astimezone(services.zone).date()
    if booked_on > services.today():
        raise ValidationFailed(f"booked_on: {booked_on} is in the future")
    if booked_on < decided_on:
        raise ValidationFailed(f"booked_on: {booked_on} is before the decision on {decided_on}")
    check_not_closed(services, funds=(row.pool,), day=booked_on, field="booked_on")
    bank = services.book.bank(body.bank, fund=row.pool)
    assert row.code is not None
    attribution = tracing.consume(
        session,
        services,
        kind="allocation",
        ref=row.code,
        fund=row.pool,
        target=row.target,
        amount=row.amount,
        booked_on=booked_on,
    )
    registry = services.book.registry
    fb_id = f"{row.code}-transfer"
    meta = {
        "allocation": row.code,
        "pool": row.pool,
        "community": row.community,
        "street": row.street,
        "purpose": row.purpose,
        "proposed_by": row.proposed_by,
        "proposed_at": _iso(row.created_at, services) or "",
        "approved_by": row.decided_by or "",
        "approved_at": _iso(row.decided_at, services) or "",
        "booked_by": caller.name,
        **attribution.to_meta(),
    }
    label = registry.fund(row.pool).name_zh
    outbox.add(
        session,
        fb_id=fb_id,
        fund=row.pool,
        delta=-row.amount,
        payload={
            "builder": "transfer",
            "fb_id": fb_id,
            "fund": row.pool,
            "target": row.target,
            "date": booked_on.isoformat(),
            "amount": format_amount(row.amount),
            "bank": bank.key,
            "link": link_of(row.code),
            "narration": f"{label}下达: {registry.org(row.community).name_zh}",
            "meta": meta,
        },
    )
    row.status = "booked"
    row.booked_by = caller.name
    row.booked_on = booked_on
    row.sources = json.dumps({s: format_amount(a) for s, a in attribution.parts})
    row.updated_at = datetime.datetime.now(datetime.UTC)
    session.add(row)
    session.flush()
    result = view(session, services, row, caller)
    uow.commit(result)
    return result
