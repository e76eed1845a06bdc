"""`/v1/pledges` and `/v1/sources`: department contributions pledged then received, and where
each department's money went."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.deps import CallerDep, IdempotencyKeyDep, OffsetQuery, ServicesDep
from api.pools_schemas import PledgeCreate, PledgePublic, PledgeReceipt
from api.run import run_post
from api.service import pledges as use
from api.service import sources

router = APIRouter(tags=["money in"])


@router.post("/v1/pledges", status_code=201, response_model=PledgePublic)
async def create(
    *,
    request: Request,
    body: PledgeCreate,
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
        action=lambda uow: use.create(uow=uow, services=services, caller=caller, body=body),
    )


@router.get("/v1/pledges", response_model=list[PledgePublic])
def list_pledges(
    *,
    caller: CallerDep,
    services: ServicesDep,
    department: Annotated[str | None, Query(max_length=40)] = None,
    status: Literal["pledged", "received"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: OffsetQuery = 0,
) -> list[dict[str, Any]]:
    return use.list_pledges(
        services=services,
        caller=caller,
        department=department,
        status=status,
        limit=limit,
        offset=offset,
    )


@router.get("/v1/pledges/{code}", response_model=PledgePublic)
def get_pledge(code: str, caller: CallerDep, services: ServicesDep) -> dict[str, Any]:
    return use.get(services=services, caller=caller, code=code)


@router.post("/v1/pledges/{code}/receipt", response_model=PledgePublic)
async def receive(
    *,
    request: Request,
    code: str,
    body: PledgeReceipt,
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
        action=lambda uow: use.receive(
            uow=uow, services=services, caller=caller, code=code, body=body
        ),
    )


@router.get("/v1/sources", tags=["sources"])
def list_sources(caller: CallerDep, services: ServicesDep) -> list[dict[str, Any]]:
    """Per department: received, still pledged, allocated and paid (a department: itself)."""
    return sources.summary(services=services, caller=caller)


@router.get("/v1/sources/{department}", tags=["sources"])
def get_sources(department: str, caller: CallerDep, services: ServicesDep) -> dict[str, Any]:
    """One department's contributions and the allocations and payments its money paid for."""
    return sources.detail(services=services, caller=caller, department=department)
