"""`/v1/grants`: awards, milestone reports, tranche release and payment, closeout, cancellation."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from api.deps import AwaitingQuery, CallerDep, IdempotencyKeyDep, OffsetQuery, ServicesDep
from api.pools_schemas import (
    GrantCreate,
    GrantEnd,
    GrantPublic,
    MilestoneDecision,
    MilestoneReport,
    TranchePayment,
)
from api.run import run_post
from api.schemas import Empty
from api.service import grants as use

router = APIRouter(prefix="/v1/grants", tags=["grants"])

Number = Annotated[int, Path(ge=1, le=24)]


@router.post("", status_code=201, response_model=GrantPublic)
async def award(
    *,
    request: Request,
    body: GrantCreate,
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
        action=lambda uow: use.award(uow=uow, services=services, caller=caller, body=body),
    )


@router.get("", response_model=list[GrantPublic])
def list_grants(
    *,
    caller: CallerDep,
    services: ServicesDep,
    status: Literal["active", "closed", "cancelled"] | None = None,
    awaiting: AwaitingQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: OffsetQuery = 0,
) -> list[dict[str, Any]]:
    return use.list_grants(
        services=services,
        caller=caller,
        status=status,
        limit=limit,
        offset=offset,
        awaiting_me=awaiting == "me",
    )


@router.get("/{code}", response_model=GrantPublic)
def get_grant(code: str, caller: CallerDep, services: ServicesDep) -> dict[str, Any]:
    return use.get(services=services, caller=caller, code=code)


@router.post("/{code}/tranches/{number}/report", response_model=GrantPublic)
async def report(
    *,
    request: Request,
    code: str,
    number: Number,
    body: MilestoneReport,
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
        action=lambda uow: use.report(uow=uow, caller=caller, code=code, number=number, body=body),
    )


@router.post("/{code}/tranches/{number}/acceptance", response_model=GrantPublic)
async def accept(
    *,
    request: Request,
    code: str,
    number: Number,
    body: MilestoneDecision,
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
        action=lambda uow: use.decide_report(
            uow=uow, caller=caller, code=code, number=number, body=body
        ),
    )


@router.post("/{code}/tranches/{number}/release", response_model=GrantPublic)
async def release(
    *,
    request: Request,
    code: str,
    number: Number,
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
        action=lambda uow: use.release(uow=uow, caller=caller, code=code, number=number),
    )


@router.post("/{code}/tranches/{number}/payment", response_model=GrantPublic)
async def pay(
    *,
    request: Request,
    code: str,
    number: Number,
    body: TranchePayment,
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
        action=lambda uow: use.pay(
            uow=uow, services=services, caller=caller, code=code, number=number, body=body
        ),
    )


@router.post("/{code}/close", response_model=GrantPublic)
async def close(
    *,
    request: Request,
    code: str,
    caller: CallerDep,
    services: ServicesDep,
    key: IdempotencyKeyDep = None,
    body: GrantEnd | None = None,
) -> Response:
    return await run_post(
        request,
        services,
        caller,
        key,
        status=200,
        action=lambda uow: use.end(
            uow=uow,
            services=services,
            caller=caller,
            code=code,
            body=body or GrantEnd(),
            cancel=False,
        ),
    )


@router.post("/{code}/cancel", response_model=GrantPublic)
async def cancel(
    *,
    request: Request,
    code: str,
    caller: CallerDep,
    services: ServicesDep,
    key: IdempotencyKeyDep = None,
    body: GrantEnd | None = None,
) -> Response:
    return await run_post(
        request,
        services,
        caller,
        key,
        status=200,
        action=lambda uow: use.end(
            uow=uow,
            services=services,
            caller=caller,
            code=code,
            body=body or GrantEnd(),
            cancel=True,
        ),
    )
