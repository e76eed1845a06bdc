"""`/v1/allocations`: a street proposes, the district decides, the accountant books."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.deps import AwaitingQuery, CallerDep, IdempotencyKeyDep, OffsetQuery, ServicesDep
from api.pools_schemas import (
    AllocationBooking,
    AllocationCreate,
    AllocationDecision,
    AllocationPublic,
)
from api.run import run_post
from api.schemas import Empty
from api.service import allocations as use

router = APIRouter(prefix="/v1/allocations", tags=["allocations"])

Status = Literal["pending", "approved", "rejected", "booked", "cancelled", "expired"]


@router.post("", status_code=201, response_model=AllocationPublic)
async def propose(
    *,
    request: Request,
    body: AllocationCreate,
    caller: CallerDep,
    services: ServicesDep,
    key: IdempotencyKeyDep = None,
) -> Response:
    return await run_post(
        request,
        services,
        caller,
        key,
        status=201,
        action=lambda uow: use.propose(uow=uow, services=services, caller=caller, body=body),
    )


@router.get("", response_model=list[AllocationPublic])
def list_allocations(
    *,
    caller: CallerDep,
    services: ServicesDep,
    status: Status | None = None,
    pool: Annotated[str | None, Query(max_length=40)] = None,
    awaiting: AwaitingQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: OffsetQuery = 0,
) -> list[dict[str, Any]]:
    return use.list_allocations(
        services=services,
        caller=caller,
        status=status,
        pool=pool,
        limit=limit,
        offset=offset,
        awaiting_me=awaiting == "me",
    )


@router.get("/{code}", response_model=AllocationPublic)
def get_allocation(code: str, caller: CallerDep, services: ServicesDep) -> dict[str, Any]:
    return use.get(services=services, caller=caller, code=code)


@router.post("/{code}/decisions", response_model=AllocationPublic)
async def decide(
    *,
    request: Request,
    code: str,
    body: AllocationDecision,
    caller: CallerDep,
    services: ServicesDep,
    key: IdempotencyKeyDep = None,
) -> Response:
    return await run_post(
        request,
        services,
        caller,
        key,
        status=200,
        action=lambda uow: use.decide(
            uow=uow, services=services, caller=caller, code=code, body=body
        ),
    )


@router.post("/{code}/booking", response_model=AllocationPublic)
async def book(
    *,
    request: Request,
    code: str,
    caller: CallerDep,
    services: ServicesDep,
    key: IdempotencyKeyDep = None,
    body: AllocationBooking | None = None,
) -> Response:
    return await run_post(
        request,
        services,
        caller,
        key,
        status=200,
        action=lambda uow: use.book(
            uow=uow, services=services, caller=caller, code=code, body=body or AllocationBooking()
        ),
    )


@router.post("/{code}/cancel", response_model=AllocationPublic)
async def cancel(
    *,
    request: Request,
    code: str,
    caller: CallerDep,
    services: ServicesDep,
    key: IdempotencyKeyDep = None,
    body: Empty | None = None,
) -> Response:
    return await run_post(
        request,
        services,
        caller,
        key,
        status=200,
        action=lambda uow: use.cancel(uow=uow, services=services, caller=caller, code=code),
    )
