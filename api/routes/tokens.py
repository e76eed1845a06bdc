"""`/v1/tokens` and `/v1/access-log`: tokens listed and revoked by an admin; their use, for auditors."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api.deps import CallerDep, OffsetQuery, ServicesDep
from api.schemas import AccessPublic, TokenPublic
from api.service import tokens as use

router = APIRouter(tags=["tokens"])


@router.get("/v1/tokens", response_model=list[TokenPublic])
def list_tokens(caller: CallerDep, services: ServicesDep) -> list[dict[str, Any]]:
    return use.list_tokens(services=services, caller=caller)


@router.delete("/v1/tokens/{token_id}", response_model=TokenPublic)
def revoke_token(
    token_id: Annotated[int, Path(ge=1, le=2**31 - 1)], caller: CallerDep, services: ServicesDep
) -> dict[str, Any]:
    return use.revoke(services=services, caller=caller, token_id=token_id)


@router.get("/v1/access-log", response_model=list[AccessPublic])
def access_log(
    *,
    caller: CallerDep,
    services: ServicesDep,
    person: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: OffsetQuery = 0,
) -> list[dict[str, Any]]:
    return use.access_log(
        services=services, caller=caller, person=person, limit=limit, offset=offset
    )
