"""`POST /v1/contributions`: money received, recorded by an accountant and booked."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.deps import CallerDep, IdempotencyKeyDep, ServicesDep
from api.run import run_post
from api.schemas import ContributionCreate, ContributionPublic
from api.service import contributions as use

router = APIRouter(prefix="/v1/contributions", tags=["money in"])


@router.post("", status_code=201, response_model=ContributionPublic)
async def record(
    *,
    request: Request,
    body: ContributionCreate,
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
        action=lambda uow: use.record(uow=uow, services=services, caller=caller, body=body),
    )
