"""`GET /v1/funds` and `/v1/funds/{code}`: funds in scope with balance, held and available."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import CallerDep, ServicesDep
from api.schemas import FundPublic
from api.service import funds as use

router = APIRouter(prefix="/v1", tags=["who and what"])


@router.get("/funds", response_model=list[FundPublic])
def list_funds(caller: CallerDep, services: ServicesDep) -> list[dict[str, Any]]:
    return use.list_funds(services=services, caller=caller)


@router.get("/funds/{code}", response_model=FundPublic)
def get_fund(code: str, caller: CallerDep, services: ServicesDep) -> dict[str, Any]:
    return use.get(services=services, caller=caller, code=code)
