"""`/v1/disbursements`: requests, decisions, resubmission, cancellation, payment, void."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.deps import (
    AmountQuery,
    AwaitingQuery,
    CallerDep,
    IdempotencyKeyDep,
    OffsetQuery,
    ServicesDep,
    TextQuery,
    amount_of,
)
from api.run import run_post
from api.schemas import (
    DecisionCreate,
    Empty,
    PaymentCreate,
    RequestChange,
    RequestCreate,
    RequestPublic,
    VoidCreate,
)
from api.service import disbursements as use
from api.service.request_filters import RequestFilter
from funds.requests import Status

router = APIRouter(prefix="/v1/disbursements", tags=["disbursements"])

CODE = r"^R[0-9]{6,12}$"


@router.post("", status_code=201, response_model=RequestPublic)
async def submit(
    *,
    request: Request,
    body: RequestCreate,
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
        action=lambda uow: use.submit(uow=uow, services=services, caller=caller, body=body),
    )


@router.get("", response_model=list[RequestPublic])
def list_requests(
    *,
    caller: CallerDep,
    services: ServicesDep,
    status: Annotated[Status | None, Query(description="Only requests in this status.")] = None,
    fund: Annotated[str | None, Query(max_length=40)] = None,
    awaiting: AwaitingQuery = None,
    created_from: Annotated[datetime.date | None, Query()] = None,
    created_to: Annotated[datetime.date | None, Query()] = None,
    amount_min: AmountQuery = None,
    amount_max: AmountQuery = None,
    q: TextQuery = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: OffsetQuery = 0,
) -> list[dict[str, Any]]:
    where = RequestFilter(
        status=status,
        fund=fund,
        created_from=created_from,
        created_to=created_to,
        amount_min=amount_of("amount_min", amount_min),
        amount_max=amount_of("amount_max", amount_max),
        text=q,
        awaiting_me=awaiting == "me",
    )
    return use.list_requests(
        services=services, caller=caller, where=where, limit=limit, offset=offset
    )


@router.get("/{code}", response_model=RequestPublic)
def get_request(code: str, caller: CallerDep, services: ServicesDep) -> dict[str, Any]:
    return use.get(services=services, caller=caller, code=code)


@router.post("/{code}/decisions", response_model=RequestPublic)
async def decide(
    *,
    request: Request,
    code: str,
    body: DecisionCreate,
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


@router.post("/{code}/resubmit", response_model=RequestPublic)
async def resubmit(
    *,
    request: Request,
    code: str,
    body: RequestChange,
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
        action=lambda uow: use.resubmit(
            uow=uow, services=services, caller=caller, code=code, body=body
        ),
    )


@router.post("/{code}/cancel", response_model=RequestPublic)
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


@router.post("/{code}/payment", response_model=RequestPublic)
async def pay(
    *,
    request: Request,
    code: str,
    body: PaymentCreate,
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
        action=lambda uow: use.pay(uow=uow, services=services, caller=caller, code=code, body=body),
    )


@router.post("/{code}/void", response_model=RequestPublic)
async def void(
    *,
    request: Request,
    code: str,
    body: VoidCreate,
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
        action=lambda uow: use.void(
            uow=uow, services=services, caller=caller, code=code, body=body
        ),
    )
