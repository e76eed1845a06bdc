"""`POST /v1/closes`: the year-end close of every fund (会计年度结账), by an accountant."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.deps import CallerDep, IdempotencyKeyDep, ServicesDep
from api.run import run_post
from api.schemas import CloseCreate, ClosePublic
from api.service import closes as use

router = APIRouter(prefix="/v1/closes", tags=["periods"])


@router.post(
    "",
    status_code=201,
    response_model=ClosePublic,
    responses={409: {"description": "close_refused: the detail lists every obstacle"}},
)
async def close(
    *,
    request: Request,
    body: CloseCreate,
    caller: CallerDep,
    services: ServicesDep,
    key: IdempotencyKeyDep = None,
) -> Response:
    """Close a year that has ended: income and expenses to 3101/3102, releases 3102 -> 3101.

    Idempotent: closing a closed year books nothing and answers with its close.
    `dry_run` answers with the planned entries and the obstacles, writing nothing.
    """
    return await run_post(
        request,
        services,
        caller,
        key,
        status=201,
        action=lambda uow: use.close_year(uow=uow, services=services, caller=caller, body=body),
    )
