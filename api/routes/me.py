"""`GET /v1/me`: who the token belongs to."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CallerDep
from api.schemas import Me

router = APIRouter(prefix="/v1", tags=["who and what"])


@router.get("/me")
def me(caller: CallerDep) -> Me:
    return Me(name=caller.name, role=caller.role.value, org=caller.org)
